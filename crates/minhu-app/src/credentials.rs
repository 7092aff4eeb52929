//! Credentials: bearer tokens (256 random bits; only their SHA-256 is stored, a fast hash is
//! enough for that much entropy) and argon2 password hashes for people who log in. Every
//! front end checks them the same way: the JSON API's bearer tokens, the pages' logins,
//! Open311's API keys, the command line that issues them.

use minhu_domain::org::{Actor, Role};
use minhu_store::{Store, StoreError, StoredUser};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The stored form of a token: its SHA-256 in hex.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token: "mh_" and 64 hex digits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("mh_{}", hex::encode(bytes))
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no such user: {0}")]
    NoSuchUser(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Issues a token for a user and stores its hash. The token itself is shown once.
pub async fn issue_token(
    store: &Store,
    username: &str,
    label: Option<&str>,
) -> Result<String, AuthError> {
    let user = store
        .user_by_username(username)
        .await?
        .ok_or_else(|| AuthError::NoSuchUser(username.to_string()))?;
    let token = new_token();
    store.add_token(user.id, &hash_token(&token), label).await?;
    Ok(token)
}

/// The argon2 hash of a password (PHC string, with its own random salt).
// Hashing fails only for out-of-range parameters, and these are argon2's defaults.
#[allow(clippy::expect_used)]
pub fn hash_password(password: &str) -> String {
    use argon2::password_hash::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 hashing")
        .to_string()
}

/// Whether `password` matches the stored hash (false for a malformed hash).
pub fn verify_password(hash: &str, password: &str) -> bool {
    use argon2::password_hash::PasswordVerifier;
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// The actor a stored user acts as; none for a role this version does not know.
pub fn actor_of(user: &StoredUser) -> Option<Actor> {
    let role = Role::parse(&user.role)?;
    Some(Actor::person(&user.username, role, &user.scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(a.starts_with("mh_") && a.len() == 67);
        assert_eq!(hash_token(&a).len(), 64);
        assert_eq!(hash_token(&a), hash_token(&a));
    }

    #[test]
    fn passwords_verify_against_their_hash_only() {
        let hash = hash_password("correct horse");
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "wrong horse"));
        assert!(!verify_password("not a hash", "correct horse"));
    }
}
