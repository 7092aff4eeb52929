//! Staff login: argon2-checked passwords, a random session token in an HttpOnly cookie
//! (only its SHA-256 is stored), failed attempts limited per address and per username.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use minhu_domain::org::Actor;
use rand::RngCore;

use super::form::CheckedForm;
use super::text::error;
use super::{Page, PageError, cookie, render, see_other, set_cookie};
use crate::AppState;
use crate::auth::{actor_of, hash_token, verify_password};

const SESSION_COOKIE: &str = "minhu_session";
const SESSION_HOURS: i64 = 12;
/// Failed logins allowed per address or username within the window.
const MAX_FAILURES: usize = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

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

/// Failed login attempts, kept in memory (a restart forgets them).
#[derive(Clone, Default)]
pub struct LoginLimiter {
    failures: Arc<Mutex<HashMap<String, Vec<Instant>>>>,
}

impl LoginLimiter {
    /// The failures, also after a panic elsewhere held the lock (they stay counts).
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Instant>>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    fn blocked(&self, keys: &[String]) -> bool {
        let mut map = self.map();
        keys.iter().any(|k| {
            let list = map.entry(k.clone()).or_default();
            list.retain(|t| t.elapsed() < FAILURE_WINDOW);
            list.len() >= MAX_FAILURES
        })
    }
    fn fail(&self, keys: &[String]) {
        let mut map = self.map();
        if map.len() > 100_000 {
            map.retain(|_, v| v.iter().any(|t| t.elapsed() < FAILURE_WINDOW));
        }
        for k in keys {
            map.entry(k.clone()).or_default().push(Instant::now());
        }
    }
    fn clear(&self, key: &str) {
        self.map().remove(key);
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

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/staff".to_string(),
    }
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
    headers: HeaderMap,
    parts: axum::extract::Request,
) -> Result<Response, PageError> {
    let addr = parts
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into());
    let CheckedForm(form) =
        <CheckedForm as axum::extract::FromRequest<AppState>>::from_request(parts, &app).await?;
    let username = form.get("username").unwrap_or("").to_string();
    let password = form.get("password").unwrap_or("");
    let next = safe_next(form.get("next"));
    let keys = [format!("ip:{addr}"), format!("user:{username}")];
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
    if app.login_limiter.blocked(&keys) {
        return page(
            p.t("login.too_many_failures"),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let user = match app.store.user_by_username(&username).await? {
        Some(u) if !u.disabled => u,
        _ => {
            // Spend the same time as a real check, so usernames cannot be probed by timing.
            let _ = verify_password(DUMMY_HASH.as_str(), password);
            app.login_limiter.fail(&keys);
            return page(p.t("login.wrong_password"), StatusCode::UNAUTHORIZED);
        }
    };
    let ok = user
        .password_hash
        .as_deref()
        .is_some_and(|h| verify_password(h, password));
    if !ok {
        app.login_limiter.fail(&keys);
        return page(p.t("login.wrong_password"), StatusCode::UNAUTHORIZED);
    }
    app.login_limiter.clear(&keys[1]);
    let token = random_token();
    let now = app.now();
    app.store
        .create_session(
            &hash_token(&token),
            user.id,
            now,
            now + chrono::Duration::hours(SESSION_HOURS),
        )
        .await?;
    tracing::info!(user = %user.username, "staff logged in");
    let _ = headers;
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
