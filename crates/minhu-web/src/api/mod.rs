//! Routes of the JSON API. Each module owns its handlers; this file wires them and holds
//! the body-parsing helper every write shares.

mod catalogue;
pub mod ledger;
mod org;
pub(crate) mod places;
mod requests;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};

use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/openapi.json", get(openapi))
        .merge(catalogue::router())
        .merge(ledger::router())
        .merge(org::router())
        .merge(places::router())
        .merge(requests::router())
        .fallback(not_found)
}

/// 200 once the database answers.
async fn healthz(State(app): State<AppState>) -> Result<Json<Value>, ApiError> {
    app.store.count_requests().await?;
    Ok(Json(
        json!({"status": "ok", "database": app.store.backend_name()}),
    ))
}

async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../../openapi.json"),
    )
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "没有这个地址",
        "no such endpoint",
    )
}

/// Reads a JSON body: an empty body is `null`; malformed JSON is 400, a body over the
/// limit 413, a non-JSON content type 415; all in the error format.
pub(crate) fn json_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Value, ApiError> {
    let bytes = body.map_err(|rej| {
        if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("请求体过大（上限 {} KB）", crate::MAX_BODY / 1024),
                format!(
                    "request body too large (limit {} KB)",
                    crate::MAX_BODY / 1024
                ),
            )
        } else {
            ApiError::new(
                rej.status(),
                "bad_body",
                "无法读取请求体",
                format!("could not read the body: {rej}"),
            )
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    if let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        if !ct.to_ascii_lowercase().contains("json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求体须为 JSON（Content-Type: application/json）",
                "the body must be JSON (Content-Type: application/json)",
            ));
        }
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("JSON 格式错误：第{}行第{}列", e.line(), e.column()),
            format!(
                "malformed JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })
}
