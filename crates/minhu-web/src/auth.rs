//! Who is calling over HTTP: the `Authorization: Bearer` extractor and the cache of recently
//! seen tokens. The credentials themselves (token and password hashes, issuing tokens) are
//! `minhu_app::credentials`, re-exported here at their old paths.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use minhu_domain::org::Actor;

use crate::{ApiError, AppState};

pub use minhu_app::credentials::{
    AuthError, actor_of, hash_password, hash_token, issue_token, new_token, verify_password,
};

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
        let map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        map.get(hash)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(a, _)| a.clone())
    }
    fn put(&self, hash: String, actor: Actor) {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, (_, at)| at.elapsed() < self.ttl);
        }
        map.insert(hash, (actor, Instant::now()));
    }
    pub fn clear(&self) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clear();
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
