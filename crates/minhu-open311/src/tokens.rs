//! Clients and their credentials: the API keys that let a client POST (shown once, only
//! their SHA-256 stored), the actor a client's writes are recorded as, and the tokens a
//! batch service answers with instead of an id (`GET /tokens/{token}` turns one into the
//! request's id).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minhu_domain::org::Actor;
use minhu_store::StoreError;
use minhu_store::open311::Open311Key;
use serde::Serialize;

use super::error::{O311Error, finish, said, unknown_format};
use super::format::{reply, split_fmt};
use minhu_app::App;
use minhu_app::credentials::{hash_token, new_token};

/// Issues a key for a client: shown once, only its SHA-256 is stored.
pub async fn issue_key(store: &minhu_store::Store, name: &str) -> Result<String, StoreError> {
    let key = format!("o311_{}", &new_token()[3..]);
    store.add_open311_key(name, &hash_token(&key)).await?;
    Ok(key)
}

/// Revokes every live key of a client; returns how many. Effective on the next request.
pub async fn revoke_keys(store: &minhu_store::Store, name: &str) -> Result<u64, StoreError> {
    store.revoke_open311_keys(name).await
}

/// The live key `api_key` names, or the spec's 403.
pub(super) async fn api_key(app: &App, key: Option<&str>) -> Result<Open311Key, O311Error> {
    let key = key.ok_or_else(|| O311Error::forbidden(said("open311.api_key_missing", &[])))?;
    app.store
        .open311_key(&hash_token(key))
        .await?
        .ok_or_else(|| O311Error::forbidden(said("open311.api_key_invalid", &[])))
}

/// A client's writes are recorded as `open311:<client>` (role `open311` on its events): its
/// own actor, never the system, with the narrow rights `minhu_domain::access` gives it
/// (register requests; read and urge the ones it registered).
pub(super) fn actor_for(key: &Open311Key) -> Actor {
    Actor::open311_client(&key.name)
}

/// A fresh token for a request of a batch service.
pub(super) fn new_batch_token() -> String {
    format!("t{}", &new_token()[3..35])
}

#[derive(Serialize)]
struct TokenDoc<'a> {
    service_request_id: String,
    token: &'a str,
}

/// `GET /tokens/{token}.{fmt}`.
pub(super) async fn token(State(app): State<App>, Path(seg): Path<String>) -> Response {
    let (tok, fmt) = split_fmt(&seg);
    let Some(fmt) = fmt else {
        return unknown_format(&seg);
    };
    let r = async {
        let code = app.store.open311_token(&tok).await?.ok_or_else(|| {
            O311Error::not_found(said("open311.token_not_found", &[("token", &tok)]))
        })?;
        let doc = [TokenDoc {
            service_request_id: code,
            token: &tok,
        }];
        Ok(reply(fmt, StatusCode::OK, "service_requests", &doc))
    }
    .await;
    finish(fmt, r)
}
