//! One error type that renders itself as `{"error": {code, message, field}}`, in Chinese
//! by default and in English when the client asks for it (Accept-Language: en).

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use minhu_app::{AppError, Kind};
use minhu_domain::text::{self, Lang};
use minhu_domain::{DomainError, ErrorKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

tokio::task_local! {
    static ENGLISH: bool;
}

/// Middleware: remembers the client's language for the error messages of this request.
pub async fn language(req: Request, next: Next) -> Response {
    let english = req
        .headers()
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(prefers_english)
        .unwrap_or(false);
    ENGLISH.scope(english, next.run(req)).await
}

/// Runs `f` with the given language for its error messages (the pages decide it from
/// `?lang=` and a cookie as well as the header).
pub async fn with_language<F: std::future::Future>(english: bool, f: F) -> F::Output {
    ENGLISH.scope(english, f).await
}

/// The language of the request being handled.
pub fn is_english() -> bool {
    ENGLISH.try_with(|e| *e).unwrap_or(false)
}

/// True when English is listed before any Chinese in an Accept-Language header.
pub fn prefers_english(header: &str) -> bool {
    for part in header.split(',') {
        let tag = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if tag.starts_with("zh") {
            return false;
        }
        if tag.starts_with("en") {
            return true;
        }
    }
    false
}

/// The body of every refusal: `{"error": {code, message, field}}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable code, a message in the client's language, the field at fault.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub zh: String,
    pub en: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code: code.to_string(),
            zh: zh.into(),
            en: en.into(),
            field: None,
        }
    }
    /// An error told by catalogue entry `key` (see `minhu_domain::text`), filled from `args`.
    pub fn keyed(status: StatusCode, code: &str, key: &str, args: &[(&str, &str)]) -> Self {
        ApiError {
            status,
            code: code.to_string(),
            zh: text::fill(key, Lang::Zh, args),
            en: text::fill(key, Lang::En, args),
            field: None,
        }
    }
    /// Appends a library's own (English) explanation to the English message.
    pub fn detail(mut self, detail: impl std::fmt::Display) -> Self {
        self.en = format!("{}: {detail}", self.en);
        self
    }
    /// The same error with its English message replaced (a library's own explanation).
    pub fn english(mut self, en: impl Into<String>) -> Self {
        self.en = en.into();
        self
    }
    pub fn field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }
    pub fn unauthorized() -> Self {
        AppError::new(Kind::Unauthorized, "unauthorized").into()
    }
    pub fn not_found() -> Self {
        AppError::not_found().into()
    }
    pub fn internal(err: impl std::fmt::Display) -> Self {
        AppError::internal(err).into()
    }
}

/// 422 for a parameter or field that fails validation, naming it.
pub fn invalid(field: &str, zh: String, en: String) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_parameter",
        zh,
        en,
    )
    .field(field)
}

/// 422 with code `code` for a parameter or field, naming it; told by catalogue entry `key`.
pub fn invalid_key(field: &str, code: &str, key: &str, args: &[(&str, &str)]) -> ApiError {
    ApiError::keyed(StatusCode::UNPROCESSABLE_ENTITY, code, key, args).field(field)
}

/// 403 `forbidden` told by catalogue entry `key`.
pub fn forbidden_key(key: &str, args: &[(&str, &str)]) -> ApiError {
    ApiError::keyed(StatusCode::FORBIDDEN, "forbidden", key, args)
}

/// 403 unless the caller is the district office (区综合办), which owns the shared data
/// (the rule is `minhu_domain::access::require_district_admin`).
pub fn require_district_admin(
    actor: &minhu_domain::org::Actor,
    what_zh: &str,
    what_en: &str,
) -> Result<(), ApiError> {
    Ok(minhu_domain::access::require_district_admin(
        actor, what_zh, what_en,
    )?)
}

/// [`require_district_admin`] with the thing being done from catalogue entry `what`.
pub fn require_district_admin_to(
    actor: &minhu_domain::org::Actor,
    what: &str,
) -> Result<(), ApiError> {
    require_district_admin(actor, text::get(what, Lang::Zh), text::get(what, Lang::En))
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let status = match e.kind {
            ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
        };
        ApiError {
            status,
            code: e.code.to_string(),
            zh: e.zh,
            en: e.en,
            field: e.field,
        }
    }
}

/// The HTTP status of each kind of application error.
pub fn status_of(kind: Kind) -> StatusCode {
    match kind {
        Kind::NotFound => StatusCode::NOT_FOUND,
        Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        Kind::Conflict => StatusCode::CONFLICT,
        Kind::Forbidden => StatusCode::FORBIDDEN,
        Kind::Unauthorized => StatusCode::UNAUTHORIZED,
        Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Kind::TooMany => StatusCode::TOO_MANY_REQUESTS,
        Kind::Unsupported => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError {
            status: status_of(e.kind),
            zh: e.zh(),
            en: e.en(),
            code: e.code.into_owned(),
            field: e.field,
        }
    }
}

impl From<minhu_store::StoreError> for ApiError {
    fn from(e: minhu_store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let english = ENGLISH.try_with(|e| *e).unwrap_or(false);
        let message = if english { self.en } else { self.zh };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message,
                field: self.field,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("handler panicked").into_response()
}
