//! Who is calling: bearer tokens (only their SHA-256 is stored; tokens are 256 random bits,
//! so a fast hash is enough) and argon2 password hashes for people who log in.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use minhu_domain::org::{Actor, Role};
use minhu_store::{Store, StoreError, StoredUser};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{ApiError, AppState};

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

pub fn hash_password(password: &str) -> String {
    use argon2::password_hash::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 hashing")
        .to_string()
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    use argon2::password_hash::PasswordVerifier;
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

pub fn actor_of(user: &StoredUser) -> Option<Actor> {
    let role = Role::parse(&user.role)?;
    Some(Actor::person(&user.username, role, &user.scope))
}

/// Recently seen tokens, so the hot path does not read the database on every call.
/// A revoked token stops working within the time-to-live.
#[derive(Clone)]
pub struct TokenCache {
    ttl: Duration,
    inner: Arc<Mutex<HashMap<String, (Actor, Instant)>>>,
}

impl TokenCache {
    pub fn new(ttl: Duration) -> Self {
        TokenCache {
            ttl,
            inner: Arc::new(Mutex::new(HashMap::new())),
        }
    }
    fn get(&self, hash: &str) -> Option<Actor> {
        let map = self.inner.lock().expect("token cache lock");
        map.get(hash)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(a, _)| a.clone())
    }
    fn put(&self, hash: String, actor: Actor) {
        let mut map = self.inner.lock().expect("token cache lock");
        if map.len() > 10_000 {
            map.retain(|_, (_, at)| at.elapsed() < self.ttl);
        }
        map.insert(hash, (actor, Instant::now()));
    }
    pub fn clear(&self) {
        self.inner.lock().expect("token cache lock").clear();
    }
}

/// An authenticated caller.
pub struct Authed(pub Actor);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ApiError::unauthorized)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        let hash = hash_token(token);
        if let Some(actor) = state.tokens.get(&hash) {
            return Ok(Authed(actor));
        }
        let user = state
            .store
            .user_by_token_hash(&hash)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let actor = actor_of(&user).ok_or_else(ApiError::unauthorized)?;
        state.tokens.put(hash, actor.clone());
        Ok(Authed(actor))
    }
}
