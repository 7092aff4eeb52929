//! The pages: server-rendered HTML (askama) that works without JavaScript. Public pages
//! (home, walls, submission, tracking) and staff pages (queues, intake, the request page,
//! the dashboard). Handlers stay thin: the same service calls as the JSON API.
//!
//! Every page gets a [`Page`]: the reader's language (`?lang=` remembered in a cookie, else
//! Accept-Language), large-type mode, and the CSRF token its forms carry (double-submit:
//! an HttpOnly SameSite=Strict cookie that each form repeats in `_csrf`).

mod action_item;
mod attachments;
mod council;
mod council_public;
mod dashboard;
mod deliveries;
mod form;
mod grid_ledger;
mod grid_meeting;
mod joint_meeting;
mod ledger;
mod patrol;
mod public;
mod session;
mod staff;
mod suggestion;
mod text;

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use minhu_domain::DomainError;

use crate::{ApiError, AppState};

pub use form::FormData;
pub use session::Staff;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .merge(public::router())
        .merge(session::router())
        .merge(staff::router())
        .merge(ledger::router())
        .merge(deliveries::router())
        .merge(action_item::router())
        .merge(patrol::router())
        .merge(grid_ledger::router())
        .merge(council::router())
        .merge(council_public::router())
        .merge(grid_meeting::router())
        .merge(suggestion::router())
        .merge(joint_meeting::router())
        .layer(axum::middleware::from_fn(page_context))
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.js"),
    )
}

pub use minhu_domain::text::Lang;
pub use text::{code_label, t, time, time_opt};

/// What every page knows about its reader.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    /// Large-type mode for elderly readers.
    pub large: bool,
    /// The CSRF token the page's forms carry.
    pub csrf: String,
    /// The path and query, to come back to after switching language or logging in.
    pub here: String,
    /// Whether the cookie with the token must be (re)set on the response.
    new_csrf: bool,
    set_lang: Option<Lang>,
    set_large: Option<bool>,
}

impl Page {
    /// The catalogue's text for `key` in the reader's language.
    pub fn t(&self, key: &'static str) -> &'static str {
        t(self.lang, key)
    }
    /// The text for `key` with its one placeholder `{name}` filled in.
    pub fn fill(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        minhu_domain::text::fill(key, self.lang, &[(name, &value.to_string())])
    }
    /// The part of `key`'s text before its `{n}` (the number is set in markup between).
    pub fn before(&self, key: &'static str) -> &'static str {
        text::around_n(t(self.lang, key)).0
    }
    /// The part of `key`'s text after its `{n}`.
    pub fn after(&self, key: &'static str) -> &'static str {
        text::around_n(t(self.lang, key)).1
    }
    /// True when the browser sent no CSRF cookie: no form post can be genuine then.
    pub fn new_csrf_cookie(&self) -> bool {
        self.new_csrf
    }
    /// `here` with the given query parameter replaced (for the language and type links).
    pub fn with_param(&self, key: &str, value: &str) -> String {
        let (path, query) = self.here.split_once('?').unwrap_or((&self.here, ""));
        let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .filter(|(k, _)| k != key)
            .collect();
        pairs.push((key.to_string(), value.to_string()));
        let q = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{path}?{q}")
    }
}

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether cookies get the Secure flag (configured: `--secure-cookies` behind HTTPS).
pub(crate) fn secure_cookies() -> bool {
    crate::secure_cookies()
}

pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    max_age: Option<i64>,
    strict: bool,
) -> HeaderValue {
    let mut c = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={}",
        if strict { "Strict" } else { "Lax" }
    );
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure_cookies() {
        c.push_str("; Secure");
    }
    // Names and values are ASCII tokens of ours; an unexpected byte drops the cookie.
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Middleware: works out the [`Page`] of a page request and sets the cookies it changes.
async fn page_context(mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let query = req.uri().query().unwrap_or("");
    let param = |key: &str| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    let set_lang = match param("lang").as_deref() {
        Some("en") => Some(Lang::En),
        Some("zh") | Some("zh-CN") => Some(Lang::Zh),
        _ => None,
    };
    let lang = set_lang.unwrap_or_else(|| match cookie(headers, "lang") {
        Some("en") => Lang::En,
        Some("zh") => Lang::Zh,
        _ => {
            let english = headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(crate::error::prefers_english);
            Lang::english(english)
        }
    });
    let set_large = match param("large").as_deref() {
        Some("1") => Some(true),
        Some("0") => Some(false),
        _ => None,
    };
    let large = set_large.unwrap_or_else(|| cookie(headers, "large") == Some("1"));
    let existing = cookie(headers, "csrf")
        .filter(|t| {
            t.len() == 43
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_string);
    let new_csrf = existing.is_none();
    let csrf = existing.unwrap_or_else(session::random_token);
    let here = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let page = Page {
        lang,
        large,
        csrf,
        here,
        new_csrf,
        set_lang,
        set_large,
    };
    req.extensions_mut().insert(page.clone());
    let english = lang == Lang::En;
    let mut res = crate::error::with_language(english, next.run(req)).await;
    let h = res.headers_mut();
    if page.new_csrf {
        h.append(
            header::SET_COOKIE,
            set_cookie("csrf", &page.csrf, None, true),
        );
    }
    if let Some(l) = page.set_lang {
        let v = if l == Lang::En { "en" } else { "zh" };
        h.append(
            header::SET_COOKIE,
            set_cookie("lang", v, Some(31_536_000), false),
        );
    }
    if let Some(l) = page.set_large {
        let v = if l { "1" } else { "0" };
        h.append(
            header::SET_COOKIE,
            set_cookie("large", v, Some(31_536_000), false),
        );
    }
    res
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Page>()
            .cloned()
            .ok_or_else(|| PageError::from(ApiError::internal("page context missing")))
    }
}

/// Renders a template to a response.
pub fn render<T: askama::Template>(t: &T) -> Result<Html<String>, PageError> {
    t.render()
        .map(Html)
        .map_err(|e| PageError::from(ApiError::internal(e)))
}

/// An error shown as a page in the reader's language; "log in first" is a redirect.
#[derive(Debug)]
pub enum PageError {
    Api(ApiError),
    Login { next: String },
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError::Api(e)
    }
}
impl From<minhu_app::AppError> for PageError {
    fn from(e: minhu_app::AppError) -> Self {
        PageError::Api(e.into())
    }
}
impl From<DomainError> for PageError {
    fn from(e: DomainError) -> Self {
        PageError::Api(e.into())
    }
}
impl From<minhu_store::StoreError> for PageError {
    fn from(e: minhu_store::StoreError) -> Self {
        PageError::Api(e.into())
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    p: Page,
    status: u16,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login { next } => {
                let q = form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", &next)
                    .finish();
                Redirect::to(&format!("/login?{q}")).into_response()
            }
            PageError::Api(e) => {
                if e.status.is_server_error() {
                    tracing::error!(code = %e.code, message = %e.en, "page failed");
                }
                let english = crate::error::is_english();
                let page = Page {
                    lang: Lang::english(english),
                    large: false,
                    csrf: String::new(),
                    here: "/".into(),
                    new_csrf: false,
                    set_lang: None,
                    set_large: None,
                };
                let message = if english { e.en } else { e.zh };
                let body = ErrorPage {
                    p: page,
                    status: e.status.as_u16(),
                    message,
                }
                .render()
                .unwrap_or_else(|_| "error".into());
                (e.status, Html(body)).into_response()
            }
        }
    }
}

use askama::Template;

/// 303 to another page after a form post (Post/Redirect/Get).
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}
