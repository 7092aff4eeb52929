//! The grid worker's phone pages (网格员手机端): `/grid` (today's overdue-visit queue and the
//! patrol), `/grid/visit` and `/grid/finding` (forms that keep working offline),
//! `/grid/findings` (my findings and their requests' state) and `/grid/diary/{day}` (the
//! computed 民情日记 with the narrative, printable).
//!
//! Offline: `/sw.js` (the service worker, scope `/grid`, its cache named after a hash of the
//! assets) keeps the pages and assets; the forms save into the browser's queue
//! (`static/offline-queue.js`, IndexedDB) with an idempotency key per item, which posts JSON
//! to `POST /grid/visits` and `POST /grid/findings` when the network returns.
//!
//! Why page routes and not the JSON API: the phone is logged in with the session cookie, like
//! every page; the API wants a bearer token, which the script would have to keep in storage
//! readable by any script of the origin. The page routes take the cookie plus the CSRF token
//! in the `x-csrf-token` header (double submit, as the forms' `_csrf`), fetched fresh by
//! the queue before each sync (`GET /grid/csrf`), and call the same use cases as the API.

mod data;
mod posts;
mod views;

use std::sync::LazyLock;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use minhu_domain::org::{Level, Role};
use sha2::{Digest, Sha256};

use super::text::error;
use super::{PageError, Staff};
use crate::{ApiError, AppState};

/// A visit's JSON with up to four phone photos (scaled to 1600 px by the page) in base64.
const MAX_VISIT_BODY: usize = 4 * 5 * 1024 * 1024 * 4 / 3 + 256 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sw.js", get(service_worker))
        .route("/static/phone.css", get(|| asset(PHONE_CSS, "text/css")))
        .route(
            "/static/phone.js",
            get(|| asset(PHONE_JS, "text/javascript")),
        )
        .route(
            "/static/offline-queue.js",
            get(|| asset(QUEUE_JS, "text/javascript")),
        )
        .route("/grid", get(views::today))
        .route("/grid/csrf", get(posts::csrf))
        .route("/grid/visit", get(views::visit_form))
        .route("/grid/finding", get(views::finding_form))
        .route("/grid/findings", get(views::findings).post(posts::finding))
        .route("/grid/visits", post(posts::visit))
        .route("/grid/patrol/start", post(posts::start_patrol))
        .route("/grid/patrol/end", post(posts::end_patrol))
        .route(
            "/grid/diary/{day}",
            get(views::diary).post(posts::write_diary),
        )
        .layer(DefaultBodyLimit::max(MAX_VISIT_BODY))
}

const PHONE_CSS: &str = include_str!("../../static/phone.css");
const PHONE_JS: &str = include_str!("../../static/phone.js");
const QUEUE_JS: &str = include_str!("../../static/offline-queue.js");
const SW_JS: &str = include_str!("../../static/sw.js");

async fn asset(body: &'static str, kind: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, format!("{kind}; charset=utf-8")),
            (header::CACHE_CONTROL, "no-cache".to_string()),
        ],
        body,
    )
}

/// The service worker with its cache version: a hash of every asset it keeps, so a release
/// that changes one installs a new worker and drops the old cache.
static SERVICE_WORKER: LazyLock<String> = LazyLock::new(|| {
    let mut hash = Sha256::new();
    for part in [
        SW_JS,
        PHONE_CSS,
        PHONE_JS,
        QUEUE_JS,
        include_str!("../../static/app.css"),
        env!("CARGO_PKG_VERSION"),
    ] {
        hash.update(part.as_bytes());
    }
    let version = hex::encode(&hash.finalize()[..6]);
    SW_JS.replace("__VERSION__", &version)
});

/// `/sw.js`: at the root so it may control `/grid` (the page and everything under it);
/// `Service-Worker-Allowed` limits it to that scope.
async fn service_worker() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (
                header::HeaderName::from_static("service-worker-allowed"),
                "/grid",
            ),
        ],
        SERVICE_WORKER.as_str(),
    )
}

/// The grid a page is about: a grid worker's own grid, or (for community staff and above)
/// the `grid` asked for, which must be a grid within their scope.
fn grid_of(app: &AppState, me: &Staff, asked: Option<&str>) -> Result<String, ApiError> {
    let actor = &me.actor;
    let fit = matches!(
        actor.role,
        Some(Role::GridWorker | Role::CommunityStaff | Role::StreetStaff | Role::DistrictAdmin)
    );
    if !fit {
        return Err(error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "phone.error.not_grid_worker",
            &[],
        ));
    }
    let code = asked.unwrap_or(&actor.scope);
    let org = app.org();
    let is_grid = org
        .jurisdiction(code)
        .is_some_and(|j| j.level == Level::Grid);
    if !is_grid {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
            "phone.grid.not_a_grid",
            &[("value", code)],
        )
        .field("grid"));
    }
    if !minhu_domain::access::covers(actor, &org, code) {
        return Err(error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "phone.error.not_grid_worker",
            &[],
        )
        .field("grid"));
    }
    Ok(code.to_string())
}

/// Today in Asia/Shanghai, as the pages write a day.
fn today(app: &AppState) -> String {
    minhu_domain::time::local_date(app.now())
        .format("%Y-%m-%d")
        .to_string()
}

/// A session-less or expired JSON caller gets a 401 (the queue then waits for a login),
/// never the login page's redirect.
fn staff_or_401(me: Result<Staff, PageError>) -> Result<Staff, ApiError> {
    me.map_err(|_| ApiError::unauthorized())
}
