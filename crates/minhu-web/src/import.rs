//! `POST /api/v1/import`: the HTTP face of an import. The import itself (reading, mapping,
//! registering) lives in `minhu_app::import`; its items are re-exported here at their old
//! paths.

pub use minhu_app::import::*;

use minhu_domain::request::Channel;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::routing::post;

use crate::api::ApiQuery;
use crate::auth::Authed;
use crate::error::forbidden_key;
use crate::{ApiError, AppState};

/// `POST /api/v1/import?channel=…[&format=csv|xlsx|json]`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The upstream channel the export comes from (e.g. `hotline_12345`).
    #[serde(default, deserialize_with = "crate::api::de::param")]
    pub channel: Option<String>,
    /// `csv`, `xlsx` or `json`; otherwise told by the file name or the content type.
    #[serde(default, deserialize_with = "crate::api::de::param")]
    pub format: Option<String>,
}

/// Largest export the API takes in one call (the CLI has no limit).
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/import", post(import_handler))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
}

/// 422 `invalid_import` naming `field`, told by catalogue entry `key`.
fn unprocessable(field: &str, key: &str, args: &[(&str, &str)]) -> ApiError {
    ApiError::keyed(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_import",
        key,
        args,
    )
    .field(field)
}

/// 400 `bad_body` told by catalogue entry `key`, with the library's own explanation in
/// English (or 413 when the upload is over the limit).
fn unreadable(status: StatusCode, key: &str, detail: impl std::fmt::Display) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return too_big();
    }
    ApiError::keyed(StatusCode::BAD_REQUEST, "bad_body", key, &[]).english(detail.to_string())
}

fn too_big() -> ApiError {
    let limit = (MAX_UPLOAD >> 20).to_string();
    ApiError::keyed(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "api.import.too_large",
        &[("limit", &limit)],
    )
    .english(minhu_domain::text::get(
        "api.import.too_large_en",
        minhu_domain::text::Lang::En,
    ))
}

/// `POST /api/v1/import?channel=…[&format=csv|xlsx|json]`: the export as the body (or as
/// the `file` part of a multipart body, with an optional `mapping` part). District office only.
async fn import_handler(
    State(app): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<ImportQuery>,
    req: Request,
) -> Result<axum::Json<Value>, ApiError> {
    if !minhu_domain::access::is_district_admin(&actor) {
        return Err(forbidden_key("api.forbidden.import", &[]));
    }
    // An export's rows may land in any district of the deployment.
    crate::api::require_deployment_admin(&app, &actor, "api.what.import")?;
    let channel_s = q
        .channel
        .as_deref()
        .ok_or_else(|| unprocessable("channel", "api.import.channel_required", &[]))?;
    let channel = Channel::parse(channel_s)
        .filter(|c| CHANNELS.contains(c))
        .ok_or_else(|| {
            let list = CHANNELS.map(|c| c.as_str()).join(", ");
            unprocessable(
                "channel",
                "api.import.bad_channel",
                &[("channel", channel_s), ("list", &list)],
            )
            .english(format!("channel must be one of {list}"))
        })?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut mapping = Mapping::default();
    let mut format = q.format.as_deref().and_then(Format::parse);
    let bytes: Vec<u8> = if ct.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &app)
            .await
            .map_err(|e| unreadable(StatusCode::BAD_REQUEST, "api.import.bad_multipart", e))?;
        let mut file = None;
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| unreadable(e.status(), "api.import.bad_multipart", &e))?
        {
            let name = field.name().unwrap_or("").to_string();
            let filename = field.file_name().map(str::to_string);
            let data = field
                .bytes()
                .await
                .map_err(|e| unreadable(e.status(), "api.import.bad_file", &e))?;
            match name.as_str() {
                "file" => {
                    if format.is_none() {
                        format = filename.as_deref().and_then(Format::of_path);
                    }
                    file = Some(data.to_vec());
                }
                "mapping" => {
                    let text = String::from_utf8(data.to_vec())
                        .map_err(|_| unprocessable("mapping", "api.import.mapping_utf8", &[]))?;
                    mapping = Mapping::from_json(&text).map_err(|e| {
                        let e = e.to_string();
                        unprocessable("mapping", "api.import.given", &[("message", &e)])
                    })?;
                }
                other => {
                    return Err(unprocessable(
                        other,
                        "api.import.unknown_part",
                        &[("part", other)],
                    )
                    .english(minhu_domain::text::get(
                        "api.import.unknown_part_en",
                        minhu_domain::text::Lang::En,
                    )));
                }
            }
        }
        file.ok_or_else(|| unprocessable("file", "api.import.file_required", &[]))?
    } else {
        if format.is_none() {
            format = if ct.contains("csv") || ct.starts_with("text/plain") {
                Some(Format::Csv)
            } else if ct.contains("spreadsheetml") || ct.contains("ms-excel") {
                Some(Format::Xlsx)
            } else if ct.contains("json") {
                Some(Format::Json)
            } else {
                None
            };
        }
        axum::body::Bytes::from_request(req, &app)
            .await
            .map_err(|e| unreadable(e.status(), "api.bad_body", &e))?
            .to_vec()
    };
    let format = format.ok_or_else(|| unprocessable("format", "api.import.unknown_format", &[]))?;
    let org = app.org();
    let cx = Context {
        org: &org,
        categories: category_names(&app.store).await?,
        now: app.now(),
        actor: actor.username.clone(),
        role: actor.role_str().to_string(),
    };
    let report = import(
        &app.store,
        &bytes,
        format,
        channel,
        &mapping,
        &cx,
        &|_, _| {},
    )
    .await
    .map_err(|e| match e {
        ImportError::Invalid(msg) => {
            unprocessable("file", "api.import.given", &[("message", &msg)])
        }
        ImportError::Store(s) => ApiError::from(s),
    })?;
    tracing::info!(channel = channel.as_str(), imported = report.imported, refused = report.refused.len(), by = %actor.username, "import");
    Ok(axum::Json(
        serde_json::to_value(&report).map_err(ApiError::internal)?,
    ))
}
