//! Shared by the command-line suites: run the real `minhu` binary against a database.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `minhu --database DB ARGS…` with `stdin` as its input; (success, stdout, stderr).
pub fn minhu(db: &str, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_minhu"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env("MINHU_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run minhu");
    // Dropping stdin after writing (or at once) closes it: the command sees end of input.
    if let Some(mut pipe) = child.stdin.take()
        && let Some(input) = stdin
    {
        pipe.write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
