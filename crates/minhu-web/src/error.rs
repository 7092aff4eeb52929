//! One error type that renders itself as `{"error": {code, message, field}}`, in Chinese
//! by default and in English when the client asks for it (Accept-Language: en).

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use minhu_app::{AppError, Kind};
use minhu_domain::{DomainError, ErrorKind};
use serde_json::json;

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
    pub fn field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "需要登录：请提供有效的访问令牌（Authorization: Bearer …）",
            "authentication required: send a valid bearer token",
        )
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "未找到", "not found")
    }
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，请稍后重试",
            "internal server error; please retry later",
        )
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

/// 403 unless the caller is the district office (区综合办), which owns the shared data.
pub fn require_district_admin(
    actor: &minhu_domain::org::Actor,
    what_zh: &str,
    what_en: &str,
) -> Result<(), ApiError> {
    if actor.role != Some(minhu_domain::org::Role::DistrictAdmin) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("只有区综合办管理员可以{what_zh}"),
            format!("only a district_admin may {what_en}"),
        ));
    }
    Ok(())
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
        let body = json!({"error": {"code": self.code, "message": message, "field": self.field}});
        (self.status, axum::Json(body)).into_response()
    }
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("handler panicked").into_response()
}
