//! Minhu's web layer: the JSON API under `/api/v1`, `/healthz`, the OpenAPI document, the
//! pages and the import upload. Handlers are thin: parse, ask the application, answer.
//! Open311 is a front end of its own (`minhu-open311`); the binary (`minhu::server`) merges
//! both routers under the layers every response shares.
#![recursion_limit = "256"]

pub mod api;
pub mod auth;
pub mod error;
pub mod import;
pub mod notify;
pub mod pages;
pub mod service;
pub mod view;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use minhu_app::App;
use minhu_store::Store;

pub use error::ApiError;

/// Largest request body the API accepts (bytes). Larger bodies get 413.
pub const MAX_BODY: usize = 64 * 1024;

/// Shared state of the server: the application, and what only the web needs (the token
/// cache). It dereferences to [`minhu_app::App`], so `state.store`,
/// `state.org()`, `state.reload()` and the rest read as before.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub tokens: auth::TokenCache,
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

/// The web's routes (API, pages, import) over the given state, with the error language of
/// each request. The shared layers (body limit, security headers, panics, tracing) and the
/// Open311 routes are added by the binary (`minhu::server::router`).
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(import::router())
        .merge(api::router())
        .layer(axum::middleware::from_fn(error::language))
        .with_state(state)
}

/// Content-Security-Policy of every response: own scripts, styles and images only.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub use minhu_app::jobs::spawn_classifier;
