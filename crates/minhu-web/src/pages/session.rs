//! Staff login: argon2-checked passwords, a random session token in an HttpOnly cookie
//! (only its SHA-256 is stored), attempts limited per account × client address and per
//! client address (`minhu_app::login_limit`: reserved in the store before the hash is
//! checked, the address read through trusted proxies only), and `next` followed only when it
//! is a path of this site.

use std::net::SocketAddr;

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use minhu_app::login_limit;
use minhu_domain::org::Actor;
use rand::RngCore;

use super::form::CheckedForm;
use super::text::error;
use super::{Page, PageError, cookie, render, see_other, set_cookie};
use crate::AppState;
use crate::auth::{actor_of, hash_token, verify_password};

const SESSION_COOKIE: &str = "minhu_session";
const SESSION_HOURS: i64 = 12;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
}

/// 256 random bits, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A logged-in member of staff.
#[derive(Debug, Clone)]
pub struct Staff {
    pub actor: Actor,
    pub display_name: String,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/staff".into());
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(PageError::Login { next });
        };
        let user = app
            .store
            .session_user(&hash_token(token), app.now())
            .await?
            .ok_or(PageError::Login { next: next.clone() })?;
        let actor = actor_of(&user).ok_or(PageError::Login { next })?;
        Ok(Staff {
            display_name: user.display_name.clone().unwrap_or(user.username.clone()),
            actor,
        })
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    p: Page,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only paths of this site are followed after login (no open redirect); anything else goes
/// to `/staff`.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_string(),
        _ => "/staff".to_string(),
    }
}

/// A path a browser resolves on this site: it starts with one `/`, and neither as written nor
/// percent-decoded does it hold a second leading `/`, a backslash (browsers read `\` as `/`),
/// a control character (browsers drop tabs and newlines, so `/\t/host` is `//host`), a space
/// or anything outside printable ASCII.
pub(crate) fn is_local_path(n: &str) -> bool {
    let clean = |b: &[u8]| {
        b.first() == Some(&b'/')
            && !matches!(b.get(1), Some(b'/' | b'\\'))
            && b.iter().all(|c| c.is_ascii_graphic() && *c != b'\\')
    };
    clean(n.as_bytes()) && clean(&percent_decoded(n.as_bytes()))
}

/// `%XX` decoded (a malformed escape is kept as written).
fn percent_decoded(b: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let pair = (
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        );
        match (b[i], pair) {
            (b'%', (Some(hi), Some(lo))) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The address of the client: the peer, or what a trusted proxy says it forwarded.
fn client_of(app: &AppState, req: &axum::extract::Request) -> std::net::IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    login_limit::client_address(peer, &forwarded, &app.config.trusted_proxies)
}

async fn login_form(p: Page, Query(q): Query<NextQuery>) -> Result<Response, PageError> {
    Ok(render(&LoginPage {
        p,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        error: None,
    })?
    .into_response())
}

async fn login(
    State(app): State<AppState>,
    p: Page,
    parts: axum::extract::Request,
) -> Result<Response, PageError> {
    let client = client_of(&app, &parts);
    let CheckedForm(form) =
        <CheckedForm as axum::extract::FromRequest<AppState>>::from_request(parts, &app).await?;
    let username = form.get("username").unwrap_or("").to_string();
    let password = form.get("password").unwrap_or("");
    let next = safe_next(form.get("next"));
    let page = |error: &str, status: StatusCode| -> Result<Response, PageError> {
        Ok((
            status,
            render(&LoginPage {
                p: p.clone(),
                next: next.clone(),
                username: username.clone(),
                error: Some(error.to_string()),
            })?,
        )
            .into_response())
    };
    // Counted before the hash is checked: parallel guesses cannot outrun the limit.
    let Some(reserved) = login_limit::reserve(&app.store, &username, client, app.now()).await?
    else {
        return page(
            p.t("login.too_many_failures"),
            StatusCode::TOO_MANY_REQUESTS,
        );
    };
    let user = match app.store.user_by_username(&username).await? {
        Some(u) if !u.disabled => u,
        _ => {
            // Spend the same time as a real check, so usernames cannot be probed by timing.
            let _ = verify_password(DUMMY_HASH.as_str(), password);
            return page(p.t("login.wrong_password"), StatusCode::UNAUTHORIZED);
        }
    };
    let ok = user
        .password_hash
        .as_deref()
        .is_some_and(|h| verify_password(h, password));
    if !ok {
        return page(p.t("login.wrong_password"), StatusCode::UNAUTHORIZED);
    }
    let now = app.now();
    login_limit::succeeded(&app.store, &reserved, now).await?;
    let token = random_token();
    app.store
        .create_session(
            &hash_token(&token),
            user.id,
            now,
            now + chrono::Duration::hours(SESSION_HOURS),
        )
        .await?;
    tracing::info!(user = %user.username, "staff logged in");
    let mut res = see_other(&next);
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, Some(SESSION_HOURS * 3600), false),
    );
    Ok(res)
}

static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::auth::hash_password("not-a-real-password"));

async fn logout(
    State(app): State<AppState>,
    headers: HeaderMap,
    CheckedForm(_): CheckedForm,
) -> Result<Response, PageError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        app.store.delete_session(&hash_token(token)).await?;
    }
    let mut res = see_other("/");
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), false),
    );
    Ok(res)
}

/// 403 as a page, its message the catalogue's `key`.
pub fn forbidden(key: &str) -> PageError {
    error(StatusCode::FORBIDDEN, "forbidden", key, &[]).into()
}
