fn main() {
    // Embedded migrations: rebuild when a migration file changes.
    println!("cargo:rerun-if-changed=migrations");
}
