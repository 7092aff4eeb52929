//! Minhu's web layer: the JSON API under `/api/v1`, `/healthz`, and the OpenAPI document.
//! Handlers are thin: parse, ask the domain to decide, hand the event to the store.
#![recursion_limit = "256"]

pub mod api;
pub mod auth;
pub mod error;
pub mod import;
pub mod notify;
pub mod open311;
pub mod service;
pub mod view;
pub mod web;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use minhu_app::App;
use minhu_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

/// Largest request body the API accepts (bytes). Larger bodies get 413.
pub const MAX_BODY: usize = 64 * 1024;

/// Shared state of the server: the application, and what only the web needs (the token
/// cache, the login limiter). It dereferences to [`minhu_app::App`], so `state.store`,
/// `state.org()`, `state.reload()` and the rest read as before.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub tokens: auth::TokenCache,
    /// Failed staff logins, per address and per username.
    pub login_limiter: web::LoginLimiter,
}

impl AppState {
    /// Loads the reference data from the store, with the default configuration.
    pub async fn load(store: Store) -> Result<AppState, minhu_store::StoreError> {
        Ok(AppState::new(App::load(store).await?))
    }

    /// The web's state around an application.
    pub fn new(app: App) -> AppState {
        SECURE_COOKIES.store(app.config.secure_cookies, Ordering::Relaxed);
        AppState {
            app,
            tokens: auth::TokenCache::new(Duration::from_secs(30)),
            login_limiter: web::LoginLimiter::default(),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut App {
        &mut self.app
    }
}

/// Whether cookies get the Secure flag: set from the configuration when the state is made
/// (cookies are built where no state is at hand).
static SECURE_COOKIES: AtomicBool = AtomicBool::new(false);

/// Whether cookies get the Secure flag (behind HTTPS), as configured.
pub fn secure_cookies() -> bool {
    SECURE_COOKIES.load(Ordering::Relaxed)
}

/// The whole application as a router: used by `minhu serve` and by the tests alike.
pub fn build_router(state: AppState) -> Router {
    Router::new()
        .merge(open311::router())
        .merge(web::router())
        .merge(api::router())
        .layer(axum::middleware::from_fn(error::language))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish and flushes writes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    minhu_app::jobs::spawn_all(&state.app);
    let app = build_router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    store.close().await;
    Ok(())
}

/// Content-Security-Policy of every response: own scripts, styles and images only.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub use minhu_app::jobs::spawn_classifier;
