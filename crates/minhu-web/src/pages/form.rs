//! Posted forms: the fields as sent, and the CSRF check every form post passes first.

use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};

use super::text::error;
use super::{Page, PageError};
use crate::ApiError;

/// The fields of a form post, in order (a field may repeat, e.g. several co-units).
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> FormData {
        FormData(form_urlencoded::parse(body).into_owned().collect())
    }
    /// A field's trimmed value, absent when empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split([',', '，', ' ']))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// What a person typed, shown again in the form when something was wrong with it.
pub struct Echo(pub serde_json::Map<String, serde_json::Value>);

impl Echo {
    pub fn v(&self, key: &str) -> String {
        self.0
            .get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_string()
    }
}

/// Refuses a post whose token does not match the page's cookie, or that another site sent.
pub fn check_csrf(
    page: &Page,
    sent: Option<&str>,
    headers: &axum::http::HeaderMap,
) -> Result<(), PageError> {
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site");
    let matches = sent.is_some_and(|t| {
        !page.new_csrf_cookie() && constant_time_eq(t.as_bytes(), page.csrf.as_bytes())
    });
    if cross_site || !matches {
        return Err(error(StatusCode::FORBIDDEN, "csrf", "form.error.csrf", &[]).into());
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A urlencoded form post whose CSRF token has been checked.
pub struct CheckedForm(pub FormData);

impl<S: Send + Sync> FromRequest<S> for CheckedForm {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let page = req
            .extensions()
            .get::<Page>()
            .cloned()
            .ok_or_else(|| PageError::from(ApiError::internal("page context missing")))?;
        let headers = req.headers().clone();
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "form.error.not_a_form",
                &[],
            )
            .into());
        }
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| {
                PageError::from(error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "form.error.too_large",
                    &[],
                ))
            })?;
        let form = FormData::parse(&body);
        check_csrf(&page, form.get("_csrf"), &headers)?;
        Ok(CheckedForm(form))
    }
}
