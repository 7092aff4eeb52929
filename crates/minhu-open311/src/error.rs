//! Open311's error documents: an array of `{code, description}`, HTTP 404 for a missing
//! resource, 403 for a bad key, 400 for the rest. A description is one string, the Chinese
//! text first and the English in brackets (clients show it as it is); both come from the
//! text catalogue (`minhu-domain/text/open311.toml`, keys `open311.*`).

use std::fmt::Display;

use axum::http::StatusCode;
use axum::response::Response;
use minhu_app::{AppError, Kind};
use minhu_domain::text::{self, Lang};
use minhu_store::StoreError;
use serde::Serialize;

use super::format::{Fmt, reply};

/// An Open311 description from the catalogue: "中文 (English)".
pub(super) fn said(key: &str, args: &[(&str, &str)]) -> String {
    format!(
        "{} ({})",
        text::fill(key, Lang::Zh, args),
        text::fill(key, Lang::En, args)
    )
}

/// Like `said`, with a technical detail (a parser's message) after the English.
pub(super) fn said_with(key: &str, args: &[(&str, &str)], detail: &dyn Display) -> String {
    format!(
        "{} ({}: {detail})",
        text::fill(key, Lang::Zh, args),
        text::fill(key, Lang::En, args)
    )
}

#[derive(Debug)]
pub struct O311Error {
    status: StatusCode,
    errors: Vec<(u16, String)>,
}

/// One entry of the error array.
#[derive(Serialize)]
struct ErrorDoc {
    code: u16,
    description: String,
}

impl O311Error {
    pub(super) fn new(status: StatusCode, description: impl Into<String>) -> Self {
        O311Error {
            status,
            errors: vec![(status.as_u16(), description.into())],
        }
    }
    pub(super) fn bad(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }
    pub(super) fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, description)
    }
    pub(super) fn forbidden(description: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, description)
    }
    /// Several 400 errors found at once: one entry each.
    pub(super) fn bad_all(descriptions: Vec<String>) -> Self {
        O311Error {
            status: StatusCode::BAD_REQUEST,
            errors: descriptions.into_iter().map(|d| (400, d)).collect(),
        }
    }
    pub(super) fn render(self, fmt: Fmt) -> Response {
        let body: Vec<ErrorDoc> = self
            .errors
            .into_iter()
            .map(|(code, description)| ErrorDoc { code, description })
            .collect();
        reply(fmt, self.status, "errors", &body)
    }
}

impl From<StoreError> for O311Error {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "open311: storage error");
        O311Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            said("open311.internal", &[]),
        )
    }
}

/// Errors of the use cases: 403 and 404 as they are, our own faults as 500, every other
/// refusal a 400 (the spec knows no 409 or 422), the field at fault named first.
impl From<AppError> for O311Error {
    fn from(e: AppError) -> Self {
        let status = match e.kind {
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        let field = e
            .field
            .as_ref()
            .map(|f| format!("[{f}] "))
            .unwrap_or_default();
        O311Error::new(status, format!("{field}{} ({})", e.zh(), e.en()))
    }
}

pub(super) type O311Result = Result<Response, O311Error>;

/// The response, or the error document in the same format.
pub(super) fn finish(fmt: Fmt, r: O311Result) -> Response {
    r.unwrap_or_else(|e| e.render(fmt))
}

pub(super) fn unknown_format(seg: &str) -> Response {
    // XML is the format every endpoint must offer: errors about the format itself use it.
    O311Error::not_found(said("open311.unsupported_format", &[("seg", seg)])).render(Fmt::Xml)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `open311.*` key the module's files name is in the catalogue.
    #[test]
    fn every_key_used_is_in_the_catalogue() {
        let sources = [
            include_str!("lib.rs"),
            include_str!("attributes.rs"),
            include_str!("discovery.rs"),
            include_str!("error.rs"),
            include_str!("params.rs"),
            include_str!("requests.rs"),
            include_str!("services.rs"),
            include_str!("tokens.rs"),
            include_str!("updates.rs"),
            include_str!("upload.rs"),
        ];
        let mut seen = 0;
        for source in sources {
            for rest in source.split("\"open311.").skip(1) {
                let Some((name, _)) = rest.split_once('"') else {
                    continue;
                };
                if !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') || name.is_empty() {
                    continue; // this test's own patterns
                }
                let key = format!("open311.{name}");
                assert!(
                    text::lookup(&key).is_some(),
                    "{key} is not in the catalogue"
                );
                seen += 1;
            }
        }
        assert!(seen > 40, "only {seen} keys found");
    }

    #[test]
    fn descriptions_are_chinese_then_english() {
        assert_eq!(
            said("open311.get_only", &[("name", "services")]),
            "“services”只支持 GET (services accepts GET only)"
        );
        assert_eq!(
            said_with("open311.unreadable_body", &[], &"eof"),
            "无法读取请求体 (could not read the body: eof)"
        );
    }
}
