//! Open311 GeoReport v2 under `/open311/v2` (see `shared/reference/open311.md`): discovery,
//! services and service definitions from the catalogue, POST requests (form-encoded or
//! multipart, `api_key`), tokens for batch services, GET requests with the spec's filters
//! and the common extensions (`page`, `page_size`, `updated_after`/`updated_before`,
//! `extensions=true`), and FixMyStreet's `servicerequestupdates`. Every resource answers in
//! `.json` and `.xml`, chosen by the suffix alone. Personal data never appears in output.
//!
//! axum cannot route `/requests/{id}.json` (one parameter per segment), so the handlers
//! take the whole last segment and split it on its last '.'.

pub mod catalogue;
mod xml;

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use minhu_domain::intake::parse_intake;
use minhu_domain::lifecycle::Command;
use minhu_domain::org::{Actor, Org};
use minhu_domain::privacy::{mask_address, public_text, redact_text};
use minhu_domain::request::{
    Channel, Event, EventData, Intake, Request as Req, RequestType, Requester, State as ReqState,
};
use minhu_domain::time::rfc3339;
use minhu_store::open311::{Category, Open311Filter, Open311Key, PublicRequest};
use minhu_store::{StoreError, new_code};
use serde_json::{Map, Value, json};

use crate::auth::hash_token;
use crate::service::{perform, register};
use crate::{ApiError, AppState};

/// Largest POST body (media uploads included).
pub const MAX_POST: usize = 20 * 1024 * 1024;
/// Largest uploaded media file.
pub const MAX_MEDIA: usize = 10 * 1024 * 1024;
/// Most requests one GET answers (the spec's default limit).
pub const MAX_RESULTS: i64 = 1000;
/// The spec's default and largest window of `requested_datetime`.
pub const WINDOW_DAYS: i64 = 90;
/// Descriptions are at most this long (spec: 4000 characters).
pub const MAX_DESCRIPTION: usize = 4000;

const SPEC: &str = "http://wiki.open311.org/GeoReport_v2";
/// When the service list last changed in a way clients should notice (discovery changeset).
const CHANGESET: &str = "2026-11-30T00:00:00+08:00";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/open311/v2/{resource}",
            get(get_resource).post(post_resource),
        )
        .route("/open311/v2/services/{code_fmt}", get(service_definition))
        .route("/open311/v2/requests/{id_fmt}", get(request_one))
        .route("/open311/v2/tokens/{token_fmt}", get(token))
        .route("/open311/v2/media/{id}", get(media))
        .layer(DefaultBodyLimit::max(MAX_POST))
        .merge(crate::import::router())
}

/// Issues a key for a client: shown once, only its SHA-256 is stored.
pub async fn issue_key(store: &minhu_store::Store, name: &str) -> Result<String, StoreError> {
    let key = format!("o311_{}", &crate::auth::new_token()[3..]);
    store.add_open311_key(name, &hash_token(&key)).await?;
    Ok(key)
}

/// Revokes every live key of a client; returns how many. Effective on the next request.
pub async fn revoke_keys(store: &minhu_store::Store, name: &str) -> Result<u64, StoreError> {
    store.revoke_open311_keys(name).await
}

// ---- formats, responses and errors ---------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    Json,
    Xml,
}

/// Splits `name.fmt` on its last '.'; None when the suffix is not json or xml.
fn split_fmt(seg: &str) -> (String, Option<Fmt>) {
    match seg.rsplit_once('.') {
        Some((name, "json")) => (name.to_string(), Some(Fmt::Json)),
        Some((name, "xml")) => (name.to_string(), Some(Fmt::Xml)),
        Some((name, _)) => (name.to_string(), None),
        None => (seg.to_string(), None),
    }
}

/// A document in the requested format. `root` names the XML root; a list value gives one
/// child per item (JSON: a top-level array).
fn reply(fmt: Fmt, status: StatusCode, root: &str, value: &Value) -> Response {
    match fmt {
        Fmt::Json => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            serde_json::to_string(value).expect("JSON values serialise"),
        )
            .into_response(),
        Fmt::Xml => (
            status,
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            xml::document(root, value),
        )
            .into_response(),
    }
}

/// Open311's error array: HTTP 404 for a missing resource, 403 for a bad key, 400 for the rest.
#[derive(Debug)]
pub struct O311Error {
    status: StatusCode,
    errors: Vec<(u16, String)>,
}

impl O311Error {
    fn new(status: StatusCode, description: impl Into<String>) -> Self {
        O311Error {
            status,
            errors: vec![(status.as_u16(), description.into())],
        }
    }
    fn bad(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }
    fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, description)
    }
    fn forbidden(description: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, description)
    }
    fn render(self, fmt: Fmt) -> Response {
        let body: Vec<Value> = self
            .errors
            .into_iter()
            .map(|(code, d)| json!({"code": code, "description": d}))
            .collect();
        reply(fmt, self.status, "errors", &Value::Array(body))
    }
}

impl From<StoreError> for O311Error {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "open311: storage error");
        O311Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "服务器内部错误，请稍后重试 (internal server error; please retry later)",
        )
    }
}

impl From<ApiError> for O311Error {
    fn from(e: ApiError) -> Self {
        let status = match e.status.as_u16() {
            403 => StatusCode::FORBIDDEN,
            404 => StatusCode::NOT_FOUND,
            s if s >= 500 => e.status,
            _ => StatusCode::BAD_REQUEST,
        };
        let field = e.field.map(|f| format!("[{f}] ")).unwrap_or_default();
        O311Error::new(status, format!("{field}{} ({})", e.zh, e.en))
    }
}

type O311Result = Result<Response, O311Error>;

fn finish(fmt: Fmt, r: O311Result) -> Response {
    r.unwrap_or_else(|e| e.render(fmt))
}

fn unknown_format(seg: &str) -> Response {
    // XML is the format every endpoint must offer: errors about the format itself use it.
    O311Error::not_found(format!(
        "不支持的格式“{seg}”：请以 .json 或 .xml 结尾 (unsupported format: use .json or .xml)"
    ))
    .render(Fmt::Xml)
}

// ---- parameters ------------------------------------------------------------------------------

/// Query or form parameters; an empty value counts as absent (spec: same as not passed).
#[derive(Debug, Default)]
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: &[u8]) -> Params {
        Params(
            form_urlencoded::parse(raw)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }
    fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }
    /// A comma-separated list.
    fn list(&self, key: &str) -> Option<Vec<String>> {
        let v: Vec<String> = self
            .get(key)?
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        (!v.is_empty()).then_some(v)
    }
    fn extend(&mut self, other: Params) {
        self.0.extend(other.0);
    }
}

fn query(raw: Option<String>) -> Params {
    Params::parse(raw.unwrap_or_default().as_bytes())
}

/// A W3C-DTF datetime; the timezone is mandatory.
fn datetime(p: &Params, key: &str) -> Result<Option<DateTime<Utc>>, O311Error> {
    match p.get(key) {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                O311Error::bad(format!(
                    "{key}“{s}”不是带时区的日期时间，应如 2026-06-01T08:00:00+08:00 或 2026-06-01T00:00:00Z \
                     ({key} must be a W3C datetime with a timezone)"
                ))
            }),
    }
}

/// `jurisdiction_id`: optional (one deployment serves one district), a jurisdiction code when given.
fn jurisdiction_param(p: &Params, org: &Org) -> Result<Option<String>, O311Error> {
    match p.get("jurisdiction_id") {
        None => Ok(None),
        Some(j) if org.jurisdiction(j).is_some() => Ok(Some(j.to_string())),
        Some(j) => Err(O311Error::not_found(format!(
            "未找到辖区 jurisdiction_id“{j}” (jurisdiction_id not found)"
        ))),
    }
}

/// The deployment's root jurisdiction (the district), where requests with neither a
/// `jurisdiction_id` nor a point inside a known grid are registered.
fn root_jurisdiction(org: &Org) -> Option<String> {
    let mut roots = org.jurisdictions().filter(|j| j.parent.is_none());
    let first = roots.next()?;
    roots.next().is_none().then(|| first.code.clone())
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    format!("{proto}://{host}")
}

async fn api_key(app: &AppState, p: &Params) -> Result<Open311Key, O311Error> {
    let key = p.get("api_key").ok_or_else(|| {
        O311Error::forbidden("缺少 api_key，无法提交 (api_key is required -- can't proceed)")
    })?;
    app.store
        .open311_key(&hash_token(key))
        .await?
        .ok_or_else(|| {
            O311Error::forbidden("api_key 无效或已吊销 (invalid api_key received -- can't proceed)")
        })
}

fn actor_for(key: &Open311Key) -> Actor {
    Actor {
        username: format!("open311:{}", key.name),
        role: None,
        scope: String::new(),
    }
}

// ---- the catalogue ----------------------------------------------------------------------

struct Catalogue {
    items: Vec<Category>,
    by_code: HashMap<String, usize>,
    by_path: HashMap<String, usize>,
}

impl Catalogue {
    async fn load(app: &AppState) -> Result<Catalogue, O311Error> {
        let items = app.store.categories().await?;
        let by_code = items
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.clone(), i))
            .collect();
        let by_path = items
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.path.clone().map(|p| (p, i)))
            .collect();
        Ok(Catalogue {
            items,
            by_code,
            by_path,
        })
    }
    /// Services are the active entries under a class.
    fn services(&self) -> impl Iterator<Item = &Category> {
        self.items.iter().filter(|c| c.active && c.parent.is_some())
    }
    fn service(&self, code: &str) -> Option<&Category> {
        self.by_code
            .get(code)
            .map(|i| &self.items[*i])
            .filter(|c| c.active && c.parent.is_some())
    }
    /// The entry a request's category names (by code, or by its label path).
    fn of_category(&self, category: &str) -> Option<&Category> {
        self.by_code
            .get(category)
            .or_else(|| self.by_path.get(category))
            .map(|i| &self.items[*i])
    }
}

fn service_json(c: &Category) -> Value {
    let metadata = c.attributes.as_array().is_some_and(|a| !a.is_empty());
    json!({
        "service_code": c.code,
        "service_name": c.name,
        "description": c.description,
        "metadata": metadata,
        "type": c.service_type,
        "keywords": c.keywords,
        "group": c.group,
    })
}

/// An attribute with its fields in the spec's order (PostgreSQL's JSONB keeps no key order).
fn attribute_json(a: &Value) -> Value {
    let values: Vec<Value> = a["values"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .map(|v| json!({"key": v["key"], "name": v["name"]}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "variable": a["variable"].as_bool().unwrap_or(true),
        "code": a["code"],
        "datatype": a["datatype"],
        "required": a["required"].as_bool().unwrap_or(false),
        "datatype_description": a["datatype_description"],
        "order": a["order"],
        "description": a["description"],
        "values": values,
    })
}

// ---- GET /{resource} and POST /{resource} ---------------------------------------------------------

async fn get_resource(
    State(app): State<AppState>,
    Path(seg): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (name, fmt) = split_fmt(&seg);
    let Some(fmt) = fmt else {
        return unknown_format(&seg);
    };
    let p = query(q);
    let r = match name.as_str() {
        "discovery" => Ok(discovery(fmt, &headers)),
        "services" => services(&app, fmt, &p).await,
        "requests" => list_requests(&app, fmt, &p, &headers).await,
        "servicerequestupdates" => list_updates(&app, fmt, &p).await,
        _ => Err(O311Error::not_found(format!(
            "没有资源“{name}” (no such resource)"
        ))),
    };
    finish(fmt, r)
}

async fn post_resource(
    State(app): State<AppState>,
    Path(seg): Path<String>,
    RawQuery(q): RawQuery,
    req: Request,
) -> Response {
    let (name, fmt) = split_fmt(&seg);
    let Some(fmt) = fmt else {
        return unknown_format(&seg);
    };
    let r = match name.as_str() {
        "requests" | "servicerequestupdates" => {
            match read_body(&app, req).await {
                Err(e) => Err(e),
                Ok((body, uploads)) => {
                    // api_key may come in the query string as well as in the body.
                    let mut p = query(q);
                    p.extend(body);
                    if name == "requests" {
                        create_request(&app, fmt, p, uploads).await
                    } else {
                        post_update(&app, fmt, p).await
                    }
                }
            }
        }
        "services" | "discovery" => Err(O311Error::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("“{name}”只支持 GET ({name} accepts GET only)"),
        )),
        _ => Err(O311Error::not_found(format!(
            "没有资源“{name}” (no such resource)"
        ))),
    };
    finish(fmt, r)
}

fn discovery(fmt: Fmt, headers: &HeaderMap) -> Response {
    let base = base_url(headers);
    let doc = json!({
        "changeset": CHANGESET,
        "contact": "民呼必应服务站（区综合办公室） minhu@example.gov.cn",
        "key_service": "向区综合办公室申请 api_key（管理员执行 minhu open311 key issue --name 客户端名称） \
                        (ask the district office for an api_key)",
        "endpoints": [{
            "specification": SPEC,
            "url": format!("{base}/open311/v2"),
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    });
    reply(fmt, StatusCode::OK, "discovery", &doc)
}

async fn services(app: &AppState, fmt: Fmt, p: &Params) -> O311Result {
    jurisdiction_param(p, &app.org())?;
    let cat = Catalogue::load(app).await?;
    let list: Vec<Value> = cat.services().map(service_json).collect();
    Ok(reply(fmt, StatusCode::OK, "services", &Value::Array(list)))
}

async fn service_definition(
    State(app): State<AppState>,
    Path(seg): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let (code, fmt) = split_fmt(&seg);
    let Some(fmt) = fmt else {
        return unknown_format(&seg);
    };
    let r = async {
        let p = query(q);
        jurisdiction_param(&p, &app.org())?;
        let cat = Catalogue::load(&app).await?;
        let c = cat.service(&code).ok_or_else(|| {
            O311Error::not_found(format!("未找到服务“{code}” (service_code not found)"))
        })?;
        let attributes: Vec<Value> = c
            .attributes
            .as_array()
            .map(|a| a.iter().map(attribute_json).collect())
            .unwrap_or_default();
        let doc = json!({"service_code": c.code, "attributes": attributes});
        Ok(reply(fmt, StatusCode::OK, "service_definition", &doc))
    }
    .await;
    finish(fmt, r)
}

// ---- POST requests ----------------------------------------------------------------------

/// A file sent with a multipart POST.
struct Upload {
    filename: String,
    content_type: String,
    data: Bytes,
}

const MEDIA_FIELDS: [&str; 2] = ["media", "media[]"];
const MEDIA_TYPES: [&str; 5] = [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
];

fn is_media_field(name: &str) -> bool {
    MEDIA_FIELDS.contains(&name)
        || name
            .strip_prefix("photo")
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// Reads a form-encoded or multipart body into fields and uploaded files.
async fn read_body(app: &AppState, req: Request) -> Result<(Params, Vec<Upload>), O311Error> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let too_large = || {
        O311Error::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "请求体过大（上限 {} MB） (request body too large)",
                MAX_POST / 1024 / 1024
            ),
        )
    };
    if ct.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, app).await.map_err(|e| {
            O311Error::bad(format!(
                "无法读取 multipart 请求体 (bad multipart body: {e})"
            ))
        })?;
        let mut fields = Vec::new();
        let mut uploads = Vec::new();
        loop {
            let field = match mp.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
                Err(e) => {
                    return Err(O311Error::bad(format!(
                        "无法读取 multipart 请求体 (bad multipart body: {e})"
                    )));
                }
            };
            let name = field.name().unwrap_or("").to_string();
            let filename = field.file_name().map(str::to_string);
            let content_type = field.content_type().map(str::to_string);
            if filename.is_some() || is_media_field(&name) {
                let data = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        O311Error::bad(format!("无法读取上传文件 (could not read the upload: {e})"))
                    }
                })?;
                if !is_media_field(&name) {
                    return Err(O311Error::bad(format!(
                        "字段“{name}”不接受文件；照片请用 media、media[] 或 photo1… \
                         (field '{name}' takes no file; send photos as media, media[] or photo1..n)"
                    )));
                }
                if data.is_empty() && filename.as_deref().unwrap_or("").is_empty() {
                    continue; // an empty file input of an HTML form
                }
                uploads.push(Upload {
                    filename: filename.unwrap_or_else(|| name.clone()),
                    content_type: content_type.unwrap_or_default(),
                    data,
                });
            } else {
                let text = field.text().await.map_err(|e| {
                    O311Error::bad(format!("无法读取字段“{name}” (could not read field: {e})"))
                })?;
                fields.push((name, text));
            }
        }
        Ok((Params(fields), uploads))
    } else if ct.is_empty() || ct.starts_with("application/x-www-form-urlencoded") {
        let bytes = Bytes::from_request(req, app).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                O311Error::bad(format!("无法读取请求体 (could not read the body: {e})"))
            }
        })?;
        Ok((Params::parse(&bytes), Vec::new()))
    } else {
        Err(O311Error::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "请求体须为 application/x-www-form-urlencoded 或 multipart/form-data \
             (the body must be form-encoded or multipart)",
        ))
    }
}

/// `attribute[CODE]` and `attribute[CODE][]` values by code.
fn attribute_values(p: &Params) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in &p.0 {
        let Some(rest) = k.strip_prefix("attribute[") else {
            continue;
        };
        let code = rest
            .strip_suffix("][]")
            .or_else(|| rest.strip_suffix(']'))
            .unwrap_or(rest);
        if v.trim().is_empty() {
            continue;
        }
        out.entry(code.to_string())
            .or_default()
            .push(v.trim().to_string());
    }
    out
}

/// Checks the attributes against the service definition; returns the text to keep with the
/// request ("描述：值" lines, in the definition's order).
fn check_attributes(c: &Category, p: &Params) -> Result<Vec<String>, O311Error> {
    let given = attribute_values(p);
    let defs: Vec<&Value> = c
        .attributes
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut errors = Vec::new();
    for code in given.keys() {
        if !defs.iter().any(|d| d["code"] == code.as_str()) {
            errors.push(format!(
                "服务“{}”没有属性“{code}” (unknown attribute '{code}' for this service)",
                c.code
            ));
        }
    }
    let mut lines = Vec::new();
    let mut defs_sorted = defs.clone();
    defs_sorted.sort_by_key(|d| d["order"].as_u64().unwrap_or(0));
    for d in defs_sorted {
        let code = d["code"].as_str().unwrap_or("");
        let label = d["description"].as_str().unwrap_or(code);
        let datatype = d["datatype"].as_str().unwrap_or("string");
        let values = given.get(code);
        let Some(values) = values else {
            if d["required"].as_bool().unwrap_or(false) && d["variable"].as_bool().unwrap_or(true) {
                errors.push(format!(
                    "缺少必填属性 attribute[{code}]（{label}） (required attribute '{code}' missing)"
                ));
            }
            continue;
        };
        let options: Vec<(&str, &str)> = d["values"]
            .as_array()
            .map(|vs| {
                vs.iter()
                    .map(|v| {
                        (
                            v["key"].as_str().unwrap_or(""),
                            v["name"].as_str().unwrap_or(""),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut shown = Vec::new();
        match datatype {
            "singlevaluelist" | "multivaluelist" => {
                if datatype == "singlevaluelist" && values.len() > 1 {
                    errors.push(format!(
                        "属性“{code}”只能选一项 (attribute '{code}' takes one value)"
                    ));
                }
                for v in values {
                    match options.iter().find(|(k, _)| k == v) {
                        Some((_, name)) => shown.push(name.to_string()),
                        None => errors.push(format!(
                            "属性“{code}”的值“{v}”不在可选项中（可选：{}） (value '{v}' is not an option of '{code}')",
                            options.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
                        )),
                    }
                }
            }
            "number" => {
                for v in values {
                    if v.parse::<f64>().map(|x| x.is_finite()).unwrap_or(false) {
                        shown.push(v.clone());
                    } else {
                        errors.push(format!(
                            "属性“{code}”应为数字，收到“{v}” (attribute '{code}' must be a number)"
                        ));
                    }
                }
            }
            "datetime" => {
                for v in values {
                    match DateTime::parse_from_rfc3339(v) {
                        Ok(t) => shown.push(rfc3339(t.with_timezone(&Utc))),
                        Err(_) => errors.push(format!(
                            "属性“{code}”应为带时区的日期时间，收到“{v}” (attribute '{code}' must be an ISO 8601 datetime with a timezone)"
                        )),
                    }
                }
            }
            _ => {
                if values.len() > 1 {
                    errors.push(format!(
                        "属性“{code}”只能有一个值 (attribute '{code}' takes one value)"
                    ));
                }
                for v in values {
                    if v.chars().count() > 500 {
                        errors.push(format!(
                            "属性“{code}”不能超过500字 (attribute '{code}' is too long)"
                        ));
                    }
                    shown.push(v.clone());
                }
            }
        }
        if !shown.is_empty() {
            lines.push(format!("{label}：{}", shown.join("、")));
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(O311Error {
            status: StatusCode::BAD_REQUEST,
            errors: errors.into_iter().map(|e| (400, e)).collect(),
        })
    }
}

fn coordinate(p: &Params, key: &str, range: f64) -> Result<Option<f64>, O311Error> {
    match p.get(key) {
        None => Ok(None),
        Some(s) => match s.parse::<f64>() {
            Ok(x) if x.is_finite() && x.abs() <= range => Ok(Some(x)),
            _ => Err(O311Error::bad(format!(
                "{key}“{s}”不是有效的 WGS84 坐标 ({key} is not a valid WGS84 coordinate)"
            ))),
        },
    }
}

async fn create_request(app: &AppState, fmt: Fmt, p: Params, uploads: Vec<Upload>) -> O311Result {
    let key = api_key(app, &p).await?;
    let org = app.org();
    let code = p
        .get("service_code")
        .ok_or_else(|| O311Error::bad("缺少 service_code (service_code was not provided)"))?;
    let cat = Catalogue::load(app).await?;
    let service = cat.service(code).ok_or_else(|| {
        O311Error::not_found(format!("未找到服务“{code}” (service_code not found)"))
    })?;
    let lat = coordinate(&p, "lat", 90.0)?;
    let lon = coordinate(&p, "long", 180.0)?;
    if lat.is_some() != lon.is_some() {
        return Err(O311Error::bad(
            "lat 与 long 须同时提供 (lat and long must be given together)",
        ));
    }
    // Where: the jurisdiction_id given, else the grid whose polygon holds the point (WGS84),
    // else the district, whose office dispatches it onwards.
    let jurisdiction = match jurisdiction_param(&p, &org)? {
        Some(j) => j,
        None => match lat
            .zip(lon)
            .and_then(|(la, lo)| app.grids().locate(la, lo).map(str::to_string))
        {
            Some(grid) => grid,
            None => root_jurisdiction(&org).ok_or_else(|| {
                O311Error::bad(
                    "本系统服务多个辖区，须提供 jurisdiction_id (jurisdiction_id was not provided)",
                )
            })?,
        },
    };
    let address_string = p.get("address_string");
    let address_id = p.get("address_id");
    if lat.is_none() && address_string.is_none() && address_id.is_none() {
        return Err(O311Error::bad(
            "须提供位置：lat 和 long，或 address_string，或 address_id \
             (a location is required: lat and long, address_string or address_id)",
        ));
    }
    let mut lines = check_attributes(service, &p)?;
    let description = p.get("description").unwrap_or("");
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(O311Error::bad(format!(
            "description 不能超过{MAX_DESCRIPTION}字 (description must be at most {MAX_DESCRIPTION} characters)"
        )));
    }
    let media_urls: Vec<String> = p
        .all("media_url")
        .into_iter()
        .chain(p.all("media_url[]"))
        .map(str::to_string)
        .collect();
    for u in &media_urls {
        if !(u.starts_with("http://") || u.starts_with("https://")) || u.len() > 2000 {
            return Err(O311Error::bad(format!(
                "media_url“{u}”不是有效的 http(s) 地址 (media_url must be an http(s) URL)"
            )));
        }
    }
    for up in &uploads {
        let ct = up.content_type.to_ascii_lowercase();
        if !MEDIA_TYPES.contains(&ct.as_str()) {
            return Err(O311Error::bad(format!(
                "文件“{}”的类型“{}”不受支持，只接受 JPEG、PNG、GIF、WebP、HEIC 图片 (unsupported media type)",
                up.filename, up.content_type
            )));
        }
        if up.data.len() > MAX_MEDIA {
            return Err(O311Error::bad(format!(
                "文件“{}”超过 {} MB (file too large)",
                up.filename,
                MAX_MEDIA / 1024 / 1024
            )));
        }
        if up.data.is_empty() {
            return Err(O311Error::bad(format!(
                "文件“{}”是空的 (empty file)",
                up.filename
            )));
        }
    }
    // Chinese names: surname first, no space needed; either part may be empty.
    let name: String = [p.get("last_name"), p.get("first_name")]
        .into_iter()
        .flatten()
        .filter(|s| *s != "-")
        .collect::<Vec<_>>()
        .concat();
    let mut content = if description.is_empty() {
        service.name.clone()
    } else {
        description.to_string()
    };
    if !lines.is_empty() {
        lines.insert(0, String::new());
        content.push_str(&lines.join("\n"));
    }
    let address = match (address_string, address_id) {
        (Some(a), _) => Some(a.to_string()),
        (None, Some(id)) => Some(format!("地址编号 {id}")),
        (None, None) => None,
    };
    let mut body = Map::new();
    body.insert("channel".into(), json!(Channel::Open311.as_str()));
    body.insert("content".into(), json!(content));
    body.insert("subject".into(), json!(service.name));
    body.insert("category".into(), json!(service.code));
    body.insert("jurisdiction".into(), json!(jurisdiction));
    body.insert(
        "requester".into(),
        json!({"name": (!name.is_empty()).then_some(name), "phone": p.get("phone")}),
    );
    if let Some(a) = address {
        body.insert("address".into(), json!(a));
    }
    if let (Some(la), Some(lo)) = (lat, lon) {
        body.insert("lat".into(), json!(la));
        body.insert("lon".into(), json!(lo));
    }
    let now = app.now();
    let intake =
        parse_intake(&Value::Object(body), None, &org, new_code(now), now).map_err(|e| {
            let f = e.field.clone().map(|f| match f.as_str() {
                "requester.phone" => "phone".to_string(),
                "requester.name" => "first_name/last_name".to_string(),
                "content" => "description".to_string(),
                "address" => "address_string".to_string(),
                "lon" => "long".to_string(),
                other => other.to_string(),
            });
            O311Error::bad(format!(
                "{}{} ({})",
                f.map(|f| format!("[{f}] ")).unwrap_or_default(),
                e.zh,
                e.en
            ))
        })?;
    let actor = actor_for(&key);
    let done = register(app, intake, &actor)
        .await
        .map_err(ApiError::from)?;
    let id = done.request.id;
    for u in &media_urls {
        app.store.add_open311_media(id, Some(u), None).await?;
    }
    for up in &uploads {
        app.store
            .add_open311_media(
                id,
                None,
                Some((
                    &up.filename,
                    &up.content_type.to_ascii_lowercase(),
                    &up.data,
                )),
            )
            .await?;
    }
    let notice = format!(
        "已登记，查询码 {}，可在 /api/v1/track/{} 查询办理进度 (registered; track it by this code)",
        done.request.intake.code, done.request.intake.code
    );
    let mut item = Map::new();
    if service.service_type == "batch" {
        let token = format!("t{}", &crate::auth::new_token()[3..35]);
        app.store.add_open311_token(&token, id, key.id).await?;
        item.insert("token".into(), json!(token));
    } else {
        item.insert("service_request_id".into(), json!(done.request.intake.code));
    }
    item.insert("service_notice".into(), json!(notice));
    item.insert("account_id".into(), json!(p.get("account_id")));
    tracing::info!(id, client = %key.name, service = %service.code, "open311 request");
    Ok(reply(
        fmt,
        StatusCode::CREATED,
        "service_requests",
        &Value::Array(vec![Value::Object(item)]),
    ))
}

// ---- tokens and media ------------------------------------------------------------------------

async fn token(State(app): State<AppState>, Path(seg): Path<String>) -> Response {
    let (tok, fmt) = split_fmt(&seg);
    let Some(fmt) = fmt else {
        return unknown_format(&seg);
    };
    let r = async {
        let code =
            app.store.open311_token(&tok).await?.ok_or_else(|| {
                O311Error::not_found(format!("未找到凭据“{tok}” (token not found)"))
            })?;
        Ok(reply(
            fmt,
            StatusCode::OK,
            "service_requests",
            &json!([{"service_request_id": code, "token": tok}]),
        ))
    }
    .await;
    finish(fmt, r)
}

async fn media(State(app): State<AppState>, Path(id): Path<String>) -> Response {
    let file = match id.parse::<i64>() {
        Ok(n) => app.store.open311_media_file(n).await,
        Err(_) => Ok(None),
    };
    match file {
        Ok(Some((ct, data))) => ([(header::CONTENT_TYPE, ct)], data).into_response(),
        Ok(None) => O311Error::not_found("未找到该文件 (media not found)").render(Fmt::Json),
        Err(e) => O311Error::from(e).render(Fmt::Json),
    }
}

// ---- GET requests --------------------------------------------------------------------------

/// FixMyStreet's extended status of a request.
fn fms_status(r: &Req, events: &[Event]) -> &'static str {
    use ReqState as S;
    let reopened = matches!(
        events.last().map(|e| &e.data),
        Some(EventData::Reopen { .. })
    );
    let solved = r
        .callback
        .as_ref()
        .map(|c| c.solved)
        .or(r.reply.as_ref().map(|x| x.solved));
    match r.state {
        S::Registered => "OPEN",
        S::PendingDispatch => "INVESTIGATING",
        S::Dispatched | S::Suspended => "ACTION_SCHEDULED",
        S::ReturnRequested => "INTERNAL_REFERRAL",
        S::InProgress if reopened => "REOPEN",
        S::InProgress | S::Replied => "IN_PROGRESS",
        S::PendingCallback => {
            if solved == Some(true) {
                "FIXED"
            } else {
                "IN_PROGRESS"
            }
        }
        S::Closed | S::Archived => {
            if solved == Some(true) {
                "FIXED"
            } else {
                "CLOSED"
            }
        }
        S::DirectlyAnswered => "CLOSED",
        S::NotAccepted => {
            let code = events.iter().rev().find_map(|e| match &e.data {
                EventData::Reject { reason_code, .. } => Some(*reason_code),
                _ => None,
            });
            match code {
                Some(1..=3) => "NOT_COUNCILS_RESPONSIBILITY",
                _ => "NO_FURTHER_ACTION",
            }
        }
        S::Merged => "DUPLICATE",
    }
}

/// The public wording of a step, for notes and updates (None: an internal step).
fn public_note(e: &EventData) -> Option<String> {
    use EventData as E;
    Some(match e {
        E::Register { .. } => "已登记".into(),
        E::Accept { .. } => "已受理".into(),
        E::Answer { reply } => format!("已直接答复：{}", redact_text(reply)),
        E::Reject {
            reason, referral, ..
        } => match referral {
            Some(r) => format!("不予受理：{reason}（已转 {r}）"),
            None => format!("不予受理：{reason}"),
        },
        E::Dispatch { .. } => "已派单至承办单位".into(),
        E::Sign {} => "承办单位已签收".into(),
        E::DecideReturn { approve: true, .. } => "退回重新派单".into(),
        E::DecideExtension { approve: true, .. } => "办理时限已延长".into(),
        E::Suspend { .. } => "暂时挂起".into(),
        E::Resume { .. } => "恢复办理".into(),
        E::Escalate { .. } => "已上报上级协调".into(),
        E::Urge { .. } => "已催办".into(),
        E::Reply {
            public_reply,
            measures,
            ..
        } => match measures {
            Some(m) => format!(
                "承办单位已答复：{}（整改措施：{}）",
                redact_text(public_reply),
                redact_text(m)
            ),
            None => format!("承办单位已答复：{}", redact_text(public_reply)),
        },
        E::Review { pass: true, .. } => "答复已审核".into(),
        E::Callback { reached: true, .. } => "已回访".into(),
        E::Reopen { .. } => "重新办理".into(),
        E::Close { .. } => "已办结".into(),
        E::Archive {} => "已归档".into(),
        E::Merge { .. } => "已与相同诉求合并办理".into(),
        _ => return None,
    })
}

fn status_notes(r: &Req, events: &[Event]) -> String {
    let last_public = events.iter().rev().find_map(|e| match &e.data {
        d @ (EventData::Reply { .. } | EventData::Answer { .. } | EventData::Reject { .. }) => {
            public_note(d)
        }
        _ => None,
    });
    match (r.state.is_open(), last_public) {
        (false, Some(n)) => n,
        (true, Some(n)) if r.state == ReqState::PendingCallback => n,
        _ => r.state.zh().to_string(),
    }
}

/// A request rebuilt from its public columns and its events (no personal fields are read).
fn rebuild(p: &PublicRequest, events: &[Event]) -> Req {
    let intake = Intake {
        code: p.code.clone(),
        channel: Channel::parse(&p.channel).unwrap_or(Channel::Web),
        kind: RequestType::parse(&p.kind).unwrap_or(RequestType::Help),
        subject: p.subject.clone(),
        content: p.content.clone(),
        requester: Requester::default(),
        address: p.address.clone(),
        lat: p.lat,
        lon: p.lon,
        jurisdiction: p.jurisdiction.clone(),
        category: p.category.clone(),
        confidential: false,
        external_id: None,
        received_at: p.received_at,
    };
    Req::replay(p.id, intake, events)
}

/// Coordinates are shown to about 100 m: a point can identify a home.
fn coarse(x: Option<f64>) -> Value {
    x.map(|v| json!((v * 1000.0).round() / 1000.0))
        .unwrap_or(Value::Null)
}

struct Listing<'a> {
    cat: &'a Catalogue,
    org: &'a Org,
    base: String,
    extensions: bool,
    merged_codes: HashMap<i64, String>,
    /// Requesters' names, only to reduce them to the surname where written into the text.
    names: HashMap<i64, String>,
}

fn request_json(
    l: &Listing,
    p: &PublicRequest,
    events: &[Event],
    media: &[(i64, Option<String>)],
) -> Value {
    let r = rebuild(p, events);
    let entry = p.category.as_deref().and_then(|c| l.cat.of_category(c));
    let service_code = entry
        .map(|c| c.code.clone())
        .or_else(|| p.category.clone())
        .unwrap_or_default();
    let service_name = entry.map(|c| c.name.clone()).or_else(|| {
        p.category
            .as_deref()
            .map(|c| c.rsplit('/').next().unwrap_or(c).to_string())
    });
    let media_urls: Vec<String> = media
        .iter()
        .map(|(id, url)| {
            url.clone()
                .unwrap_or_else(|| format!("{}/open311/v2/media/{id}", l.base))
        })
        .collect();
    let description: String = public_text(&p.content, l.names.get(&p.id).map(String::as_str))
        .chars()
        .take(MAX_DESCRIPTION)
        .collect();
    let agency = r
        .lead_unit
        .as_deref()
        .and_then(|u| l.org.unit(u))
        .map(|u| u.name.clone());
    let mut v = json!({
        "service_request_id": p.code,
        "status": if r.state.is_open() { "open" } else { "closed" },
        "status_notes": status_notes(&r, events),
        "service_name": service_name,
        "service_code": service_code,
        "description": description,
        "agency_responsible": agency,
        "service_notice": null,
        "requested_datetime": rfc3339(p.received_at),
        "updated_datetime": rfc3339(p.updated_at),
        "expected_datetime": r.deadline.map(rfc3339),
        "address": p.address.as_deref().map(mask_address),
        "address_id": null,
        "zipcode": null,
        "lat": coarse(p.lat),
        "long": coarse(p.lon),
        "media_url": media_urls.first(),
    });
    if l.extensions {
        let notes: Vec<Value> = events
            .iter()
            .filter_map(|e| {
                public_note(&e.data).map(|d| {
                    json!({"datetime": rfc3339(e.at), "description": d, "type": e.data.action()})
                })
            })
            .collect();
        let parent = r
            .merged_into
            .and_then(|id| l.merged_codes.get(&id).cloned());
        v["extended_attributes"] = json!({
            "channel": r.intake.channel.as_str(),
            "channel_name": r.intake.channel.zh(),
            "state": r.state.as_str(),
            "state_name": r.state.zh(),
            "detailed_status": fms_status(&r, events),
            "jurisdiction": p.jurisdiction,
            "jurisdiction_name": l.org.jurisdiction(&p.jurisdiction).map(|j| j.name.clone()),
            "duplicate": r.merged_into.is_some(),
            "parent_service_request_id": parent,
            "media_urls": media_urls,
        });
        v["notes"] = Value::Array(notes);
    }
    v
}

/// Renders a page of requests with their events and media.
async fn render_requests(
    app: &AppState,
    fmt: Fmt,
    rows: Vec<PublicRequest>,
    base: String,
    extensions: bool,
) -> O311Result {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let events = app.store.events_of(&ids).await?;
    let media = app.store.open311_media_of(&ids).await?;
    let cat = Catalogue::load(app).await?;
    let org = app.org();
    let mut merged_codes = HashMap::new();
    if extensions {
        for evs in events.values() {
            for e in evs {
                if let EventData::Merge { into } = e.data {
                    if let Some((t, _)) = app.store.load_request(into).await? {
                        merged_codes.insert(into, t.intake.code);
                    }
                }
            }
        }
    }
    let l = Listing {
        cat: &cat,
        org: &org,
        base,
        extensions,
        merged_codes,
        names: app.store.requester_names(&ids).await?,
    };
    let empty = Vec::new();
    let list: Vec<Value> = rows
        .iter()
        .map(|r| {
            request_json(
                &l,
                r,
                events.get(&r.id).unwrap_or(&empty),
                media.get(&r.id).map(Vec::as_slice).unwrap_or(&[]),
            )
        })
        .collect();
    Ok(reply(
        fmt,
        StatusCode::OK,
        "service_requests",
        &Value::Array(list),
    ))
}

fn positive(p: &Params, key: &str, max: i64) -> Result<Option<i64>, O311Error> {
    match p.get(key) {
        None => Ok(None),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => Err(O311Error::bad(format!(
                "{key}“{s}”应为 1 到 {max} 之间的整数 ({key} must be an integer from 1 to {max})"
            ))),
        },
    }
}

fn extensions(p: &Params) -> Result<bool, O311Error> {
    match p.get("extensions").map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(O311Error::bad(format!(
            "extensions“{other}”应为 true 或 false (extensions must be true or false)"
        ))),
    }
}

async fn list_requests(app: &AppState, fmt: Fmt, p: &Params, headers: &HeaderMap) -> O311Result {
    let org = app.org();
    let jurisdiction = jurisdiction_param(p, &org)?;
    let ext = extensions(p)?;
    let page_size = positive(p, "page_size", MAX_RESULTS)?.unwrap_or(MAX_RESULTS);
    let page = positive(p, "page", 1_000_000)?.unwrap_or(1);
    let mut f = Open311Filter {
        limit: page_size,
        offset: (page - 1) * page_size,
        ..Default::default()
    };
    if let Some(codes) = p.list("service_request_id") {
        // The list overrides every other argument.
        f.codes = Some(codes);
        f.limit = MAX_RESULTS;
        f.offset = 0;
    } else {
        f.path_prefix = jurisdiction.map(|j| org.path(&j));
        if let Some(codes) = p.list("service_code") {
            let cat = Catalogue::load(app).await?;
            let mut cats = Vec::new();
            for c in codes {
                if let Some(path) = cat.service(&c).and_then(|s| s.path.clone()) {
                    cats.push(path);
                }
                cats.push(c);
            }
            f.categories = Some(cats);
        }
        if let Some(statuses) = p.list("status") {
            let mut open = false;
            let mut closed = false;
            for s in statuses {
                match s.to_ascii_lowercase().as_str() {
                    "open" => open = true,
                    "closed" => closed = true,
                    _ => {
                        return Err(O311Error::bad(format!(
                            "status“{s}”应为 open 或 closed（可用逗号分隔） (status must be open, closed or both)"
                        )));
                    }
                }
            }
            f.open = if open && closed { None } else { Some(open) };
        }
        let start = datetime(p, "start_date")?;
        let end = datetime(p, "end_date")?;
        f.updated_after = datetime(p, "updated_after")?;
        f.updated_before = datetime(p, "updated_before")?;
        let window = Duration::days(WINDOW_DAYS);
        let syncing = f.updated_after.is_some() || f.updated_before.is_some();
        (f.start, f.end) = match (start, end) {
            (Some(s), Some(e)) => {
                if e < s {
                    return Err(O311Error::bad(
                        "end_date 早于 start_date (end_date is before start_date)",
                    ));
                }
                if e - s > window {
                    return Err(O311Error::bad(format!(
                        "start_date 与 end_date 的跨度不能超过{WINDOW_DAYS}天 (the date range may not span more than {WINDOW_DAYS} days)"
                    )));
                }
                (Some(s), Some(e))
            }
            (Some(s), None) => (Some(s), Some(s + window)),
            (None, Some(e)) => (Some(e - window), Some(e)),
            // Syncing by update time reaches back past the default window.
            (None, None) if syncing => (None, None),
            (None, None) => (Some(app.now() - window), None),
        };
    }
    let rows = app.store.open311_requests(&f).await?;
    render_requests(app, fmt, rows, base_url(headers), ext).await
}

async fn request_one(
    State(app): State<AppState>,
    Path(seg): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (id, fmt) = split_fmt(&seg);
    let Some(fmt) = fmt else {
        return unknown_format(&seg);
    };
    let r = async {
        let p = query(q);
        let jurisdiction = jurisdiction_param(&p, &app.org())?;
        let ext = extensions(&p)?;
        let f = Open311Filter {
            codes: Some(vec![id.clone()]),
            limit: 1,
            ..Default::default()
        };
        let rows = app.store.open311_requests(&f).await?;
        let org = app.org();
        let found = rows.into_iter().find(|r| {
            jurisdiction
                .as_deref()
                .is_none_or(|j| org.within(&r.jurisdiction, j))
        });
        let Some(row) = found else {
            return Err(O311Error::not_found(format!(
                "未找到诉求“{id}” (service_request_id not found)"
            )));
        };
        render_requests(&app, fmt, vec![row], base_url(&headers), ext).await
    }
    .await;
    finish(fmt, r)
}

// ---- servicerequestupdates (FixMyStreet) -------------------------------------------------------

/// Statuses a client may send with an update: v2's and FixMyStreet's extended ones.
const UPDATE_STATUSES: [&str; 15] = [
    "open",
    "closed",
    "OPEN",
    "CLOSED",
    "FIXED",
    "IN_PROGRESS",
    "ACTION_SCHEDULED",
    "INVESTIGATING",
    "DUPLICATE",
    "NOT_COUNCILS_RESPONSIBILITY",
    "NO_FURTHER_ACTION",
    "INTERNAL_REFERRAL",
    "FOR_TRIAGE",
    "CANCELLED",
    "REOPEN",
];

async fn list_updates(app: &AppState, fmt: Fmt, p: &Params) -> O311Result {
    let start = datetime(p, "start_date")?;
    let end = datetime(p, "end_date")?;
    let now = app.now();
    let (start, end) = match (start, end) {
        (Some(s), Some(e)) if e >= s => (s, e),
        (Some(_), Some(_)) => {
            return Err(O311Error::bad(
                "end_date 早于 start_date (end_date is before start_date)",
            ));
        }
        (None, None) => (now - Duration::hours(24), now),
        _ => {
            return Err(O311Error::bad(
                "start_date 与 end_date 须同时提供或都不提供 (give both start_date and end_date, or neither)",
            ));
        }
    };
    let hits = app
        .store
        .public_events_between(start, end, MAX_RESULTS * 4)
        .await?;
    let mut list = Vec::new();
    for (req, events, seq) in hits {
        let upto: Vec<Event> = events.iter().filter(|e| e.seq <= seq).cloned().collect();
        let Some(e) = upto.last() else { continue };
        let Some(description) = public_note(&e.data) else {
            continue;
        };
        let r = rebuild(&req, &upto);
        list.push(json!({
            "update_id": format!("{}-{}", req.code, e.seq),
            "service_request_id": req.code,
            "status": if r.state.is_open() { "open" } else { "closed" },
            "updated_datetime": rfc3339(e.at),
            "description": description,
            "media_url": null,
            "external_status_code": fms_status(&r, &upto),
        }));
        if list.len() as i64 >= MAX_RESULTS {
            break;
        }
    }
    Ok(reply(
        fmt,
        StatusCode::OK,
        "service_request_updates",
        &Value::Array(list),
    ))
}

async fn post_update(app: &AppState, fmt: Fmt, p: Params) -> O311Result {
    let key = api_key(app, &p).await?;
    let mut missing = Vec::new();
    for f in [
        "service_request_id",
        "update_id",
        "updated_datetime",
        "status",
        "description",
    ] {
        if p.get(f).is_none() {
            missing.push((400, format!("缺少 {f} ({f} was not provided)")));
        }
    }
    if !missing.is_empty() {
        return Err(O311Error {
            status: StatusCode::BAD_REQUEST,
            errors: missing,
        });
    }
    let code = p.get("service_request_id").unwrap_or_default();
    let update_id = p.get("update_id").unwrap_or_default();
    let status = p.get("status").unwrap_or_default();
    let description = p.get("description").unwrap_or_default();
    let updated = datetime(&p, "updated_datetime")?.expect("checked present");
    if !UPDATE_STATUSES.iter().any(|s| {
        s.eq_ignore_ascii_case(status) || s.eq_ignore_ascii_case(&status.replace(' ', "_"))
    }) {
        return Err(O311Error::bad(format!(
            "status“{status}”无效，可选：open、closed 或 {} (unknown status)",
            UPDATE_STATUSES[2..].join("、")
        )));
    }
    if description.chars().count() > MAX_DESCRIPTION || update_id.len() > 200 {
        return Err(O311Error::bad(format!(
            "description 不能超过{MAX_DESCRIPTION}字，update_id 不能超过200字符 (too long)"
        )));
    }
    let answer = |status: StatusCode| {
        reply(
            fmt,
            status,
            "service_request_updates",
            &json!([{"update_id": update_id}]),
        )
    };
    let request = app.store.load_request_by_code(code).await?;
    let Some((req, _)) = request.filter(|(r, _)| !r.intake.confidential) else {
        return Err(O311Error::bad(format!(
            "未找到诉求“{code}” (service_request_id not found)"
        )));
    };
    if let Some(prev) = app.store.open311_update(key.id, update_id).await? {
        // A repeat: answered as before, nothing done again.
        if prev.request_id == req.id {
            return Ok(answer(StatusCode::OK));
        }
        return Err(O311Error::bad(format!(
            "update_id“{update_id}”已用于另一诉求 (update_id already exists for another request)"
        )));
    }
    // The resident's follow-up reaches the handlers as an urge (催办) while the request is
    // being worked on; otherwise it is kept for staff to read.
    let note = format!("Open311 更新（{status}）：{}", redact_text(description));
    let urge = Command::Urge { note: Some(note) };
    let seq = if urge.allowed_from(&req) {
        let (after, _) = perform(app, req.id, &urge, &actor_for(&key))
            .await
            .map_err(ApiError::from)?;
        Some(after.version)
    } else {
        None
    };
    let fresh = app
        .store
        .add_open311_update(key.id, update_id, req.id, status, description, updated, seq)
        .await?;
    Ok(answer(if fresh {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }))
}
