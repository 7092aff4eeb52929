//! The two formats of every Open311 resource: the `.json` or `.xml` suffix of the last path
//! segment chooses one, and a document (any `Serialize` body) is rendered in it. XML is the
//! mechanical mapping of the JSON document (`xml.rs`), so both always carry the same fields.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::xml;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    Json,
    Xml,
}

/// Splits `name.fmt` on its last '.'; None when the suffix is not json or xml.
pub(super) fn split_fmt(seg: &str) -> (String, Option<Fmt>) {
    match seg.rsplit_once('.') {
        Some((name, "json")) => (name.to_string(), Some(Fmt::Json)),
        Some((name, "xml")) => (name.to_string(), Some(Fmt::Xml)),
        Some((name, _)) => (name.to_string(), None),
        None => (seg.to_string(), None),
    }
}

/// A document in the requested format. `root` names the XML root; a list body gives one
/// child per item (JSON: a top-level array).
pub(super) fn reply<T: Serialize>(fmt: Fmt, status: StatusCode, root: &str, body: &T) -> Response {
    match fmt {
        Fmt::Json => match serde_json::to_string(body) {
            Ok(text) => (
                status,
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                text,
            )
                .into_response(),
            Err(e) => unrenderable(e),
        },
        Fmt::Xml => match serde_json::to_value(body) {
            Ok(value) => (
                status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                xml::document(root, &value),
            )
                .into_response(),
            Err(e) => unrenderable(e),
        },
    }
}

/// The documents are plain structs of strings, numbers and lists: this cannot happen, but
/// a bare 500 is better than a panic in a handler if one ever grows a map with odd keys.
fn unrenderable(e: serde_json::Error) -> Response {
    tracing::error!(error = %e, "open311: a document did not serialise");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}
