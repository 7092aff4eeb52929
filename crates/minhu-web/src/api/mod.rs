//! Routes of the JSON API. Each module owns its handlers and the typed bodies they read and
//! write (its `Serialize`/`Deserialize` structs, described by `utoipa::ToSchema` so the
//! OpenAPI document is checked against them: see [`doc`]); this file wires them and holds
//! the extractors every handler shares: a JSON body and a query string, each refused in
//! the API's error format (never a plain-text rejection).

pub mod action_item;
mod catalogue;
pub(crate) mod council;
pub mod de;
pub(crate) mod deliveries;
pub mod doc;
pub(crate) mod grid_import;
pub mod grid_ledger;
pub(crate) mod grid_meeting;
pub(crate) mod joint_meeting;
pub mod ledger;
mod org;
pub mod patrol;
pub(crate) mod places;
mod requests;
pub(crate) mod suggestion;
pub(crate) mod topic;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use minhu_domain::access;
use minhu_domain::org::Actor;
use minhu_domain::text::{self, Lang};

use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/openapi.json", get(openapi))
        .merge(action_item::router())
        .merge(catalogue::router())
        .merge(deliveries::router())
        .merge(grid_import::router())
        .merge(grid_ledger::router())
        .merge(council::router())
        .merge(grid_meeting::router())
        .merge(joint_meeting::router())
        .merge(ledger::router())
        .merge(org::router())
        .merge(patrol::router())
        .merge(places::router())
        .merge(requests::router())
        .merge(suggestion::router())
        .merge(topic::router())
        .fallback(not_found)
}

/// `GET /healthz`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// `{"id": …}`: what a create answers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// 200 once the database answers.
async fn healthz(State(app): State<AppState>) -> Result<Json<Health>, ApiError> {
    app.store.count_requests().await?;
    Ok(Json(Health {
        status: "ok".into(),
        database: app.store.backend_name().to_string(),
    }))
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], doc::DOCUMENT)
}

async fn not_found() -> ApiError {
    ApiError::keyed(
        StatusCode::NOT_FOUND,
        "not_found",
        "api.no_such_endpoint",
        &[],
    )
}

/// A query string read into `T`. A value serde cannot read is a 422 naming the query (the
/// handlers check each parameter's meaning and name it themselves).
pub(crate) struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        match Query::<T>::try_from_uri(&parts.uri) {
            Ok(Query(q)) => Ok(ApiQuery(q)),
            Err(e) => Err(ApiError::keyed(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_parameter",
                "api.bad_query",
                &[],
            )
            .detail(e.body_text())
            .field("query")),
        }
    }
}

/// A record's numeric id from its path; anything else names no record (404).
pub(crate) fn id_of(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| ApiError::not_found())
}

/// A 422 naming a field given with the wrong JSON type.
pub(crate) fn wrong_type(field: &str) -> ApiError {
    crate::error::invalid_key(
        field,
        "invalid_parameter",
        "api.wrong_type",
        &[("field", field)],
    )
}

/// Reads a JSON body into `T`: an empty body, or one that is not an object, is `T`'s
/// default (every field absent), as the fields of a typed body are read leniently (see
/// [`de`]) and each handler names the field it refuses.
pub(crate) fn typed_body<T: DeserializeOwned + Default>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let value = json_body(headers, body)?;
    if !value.is_object() {
        return Ok(T::default());
    }
    serde_json::from_value(value).map_err(|e| {
        ApiError::keyed(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
            "api.bad_fields",
            &[],
        )
        .detail(e)
    })
}

/// Reads a JSON body: an empty body is `null`; malformed JSON is 400, a body over the
/// limit 413, a non-JSON content type 415; all in the error format.
pub(crate) fn json_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Value, ApiError> {
    let bytes = body.map_err(|rej| {
        if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
            let limit = (crate::MAX_BODY / 1024).to_string();
            ApiError::keyed(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "api.body_too_large",
                &[("limit", &limit)],
            )
        } else {
            ApiError::keyed(rej.status(), "bad_body", "api.bad_body", &[]).detail(&rej)
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    if let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        && !ct.to_ascii_lowercase().contains("json")
    {
        return Err(ApiError::keyed(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "api.not_json",
            &[],
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        let (line, column) = (e.line().to_string(), e.column().to_string());
        ApiError::keyed(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "api.malformed_json",
            &[("line", &line), ("column", &column)],
        )
        .detail(&e)
    })
}

// ---- scope of the district office's writes (the rules are `minhu_domain::access`) -------------

/// 403 unless the caller is a district admin whose district is the whole deployment: for
/// what every district shares (calendar, evaluation policy, imports, the sweep). `what` is
/// the catalogue entry naming the thing done.
pub(crate) fn require_deployment_admin(
    app: &AppState,
    actor: &Actor,
    what: &str,
) -> Result<(), ApiError> {
    let (zh, en) = (text::get(what, Lang::Zh), text::get(what, Lang::En));
    Ok(access::require_deployment_admin(actor, &app.org(), zh, en)?)
}

/// 403 unless the caller is a district admin and `jurisdiction` lies in their district
/// (the 403 names `field`).
pub(crate) fn require_admin_over(
    app: &AppState,
    actor: &Actor,
    jurisdiction: &str,
    field: &str,
    what: &str,
) -> Result<(), ApiError> {
    let (zh, en) = (text::get(what, Lang::Zh), text::get(what, Lang::En));
    Ok(access::require_admin_over(
        actor,
        &app.org(),
        jurisdiction,
        field,
        (zh, en),
    )?)
}
