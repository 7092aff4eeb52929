//! `POST /api/v1/import`: the HTTP face of an import. The import itself (reading, mapping,
//! registering) lives in `minhu_app::import`; its items are re-exported here at their old
//! paths.

pub use minhu_app::import::*;

use std::collections::HashMap;

use minhu_domain::request::Channel;
use serde_json::Value;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::routing::post;

use crate::auth::Authed;
use crate::{ApiError, AppState};

/// Largest export the API takes in one call (the CLI has no limit).
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/import", post(import_handler))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
}

fn unprocessable(field: &str, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_import", zh, en).field(field)
}

/// `POST /api/v1/import?channel=…[&format=csv|xlsx|json]`: the export as the body (or as
/// the `file` part of a multipart body, with an optional `mapping` part). District office only.
async fn import_handler(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
) -> Result<axum::Json<Value>, ApiError> {
    if actor.role != Some(minhu_domain::org::Role::DistrictAdmin) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "只有区综合办管理员可以导入上游工单",
            "only the district office may import upstream orders",
        ));
    }
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let channel_s = get("channel").ok_or_else(|| {
        unprocessable(
            "channel",
            "缺少导入渠道 channel",
            "query parameter 'channel' is required",
        )
    })?;
    let channel = Channel::parse(channel_s)
        .filter(|c| CHANNELS.contains(c))
        .ok_or_else(|| {
            let list = CHANNELS.map(|c| c.as_str()).join(", ");
            unprocessable(
                "channel",
                format!("导入渠道“{channel_s}”无效，可选：{list}"),
                format!("channel must be one of {list}"),
            )
        })?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let too_big = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "文件过大（上限 {} MB），请用命令行 minhu import",
                MAX_UPLOAD >> 20
            ),
            "file too large; use the command line (minhu import)",
        )
    };
    let mut mapping = Mapping::default();
    let mut format = get("format").and_then(Format::parse);
    let bytes: Vec<u8> = if ct.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &app).await.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_body",
                "无法读取 multipart 请求体",
                e.to_string(),
            )
        })?;
        let mut file = None;
        while let Some(field) = mp.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_big()
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_body",
                    "无法读取 multipart 请求体",
                    e.to_string(),
                )
            }
        })? {
            let name = field.name().unwrap_or("").to_string();
            let filename = field.file_name().map(str::to_string);
            let data = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_big()
                } else {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_body",
                        "无法读取上传文件",
                        e.to_string(),
                    )
                }
            })?;
            match name.as_str() {
                "file" => {
                    if format.is_none() {
                        format = filename.as_deref().and_then(Format::of_path);
                    }
                    file = Some(data.to_vec());
                }
                "mapping" => {
                    let text = String::from_utf8(data.to_vec()).map_err(|_| {
                        unprocessable(
                            "mapping",
                            "映射文件须为 UTF-8 JSON",
                            "the mapping must be UTF-8 JSON",
                        )
                    })?;
                    mapping = Mapping::from_json(&text)
                        .map_err(|e| unprocessable("mapping", e.to_string(), e.to_string()))?;
                }
                other => {
                    return Err(unprocessable(
                        other,
                        format!("未知的字段“{other}”：只接受 file 和 mapping"),
                        "only the parts 'file' and 'mapping' are accepted",
                    ));
                }
            }
        }
        file.ok_or_else(|| unprocessable("file", "缺少文件 file", "the part 'file' is required"))?
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
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_big()
                } else {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_body",
                        "无法读取请求体",
                        e.to_string(),
                    )
                }
            })?
            .to_vec()
    };
    let format = format.ok_or_else(|| {
        unprocessable(
            "format",
            "无法判断文件格式：请给出 format=csv|xlsx|json",
            "cannot tell the format: pass format=csv|xlsx|json",
        )
    })?;
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
        ImportError::Invalid(msg) => unprocessable("file", msg.clone(), msg),
        ImportError::Store(s) => ApiError::from(s),
    })?;
    tracing::info!(channel = channel.as_str(), imported = report.imported, refused = report.refused.len(), by = %actor.username, "import");
    Ok(axum::Json(
        serde_json::to_value(&report).expect("report serialises"),
    ))
}
