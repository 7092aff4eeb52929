//! Minhu's web layer: the JSON API under `/api/v1`, `/healthz`, and the OpenAPI document.
//! Handlers are thin: parse, ask the domain to decide, hand the event to the store.
#![recursion_limit = "256"]

pub mod api;
pub mod auth;
pub mod demo;
pub mod error;
pub mod import;
pub mod notify;
pub mod open311;
pub mod service;
pub mod view;
pub mod web;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use chrono::{DateTime, Utc};
use minhu_domain::calendar::Calendar;
use minhu_domain::org::Org;
use minhu_domain::sla::SlaPolicy;
use minhu_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;

/// Largest request body the API accepts (bytes). Larger bodies get 413.
pub const MAX_BODY: usize = 64 * 1024;

/// Shared state of the server. The organisation, calendar and policy are small and read on
/// every decision, so they live in memory and are swapped whole when they change.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    org: Arc<RwLock<Arc<Org>>>,
    calendar: Arc<RwLock<Arc<Calendar>>>,
    sla: Arc<RwLock<Arc<SlaPolicy>>>,
    subscriptions: Arc<RwLock<Arc<Vec<minhu_store::Subscription>>>>,
    dispatch_rules: Arc<RwLock<Arc<Vec<minhu_store::DispatchRule>>>>,
    grids: Arc<RwLock<Arc<minhu_domain::geo::GridMap>>>,
    pub tokens: auth::TokenCache,
    /// SMS gateway URL and signing secret (`MINHU_SMS_GATEWAY`, `MINHU_SMS_SECRET`).
    pub sms_gateway: Option<(String, String)>,
    /// SMTP relay for e-mail notifications (`MINHU_SMTP_HOST`, `_PORT`, `_FROM`).
    pub smtp: Option<notify::SmtpConfig>,
    /// Failed staff logins, per address and per username.
    pub login_limiter: web::LoginLimiter,
    /// The category classifier used for suggestions at intake, once trained or loaded.
    classifier: Arc<RwLock<Option<Arc<minhu_classify::Model>>>>,
}

impl AppState {
    /// Loads the organisation, calendar and policy from the store.
    pub async fn load(store: Store) -> Result<AppState, minhu_store::StoreError> {
        let org = store.load_org().await?;
        let calendar = store.load_calendar().await?;
        let sla = store.load_sla_policy().await?;
        let subscriptions = store.subscriptions().await?;
        let dispatch_rules = store.dispatch_rules().await?;
        let grids = load_grids(&store).await?;
        let sms_gateway = std::env::var("MINHU_SMS_GATEWAY")
            .ok()
            .filter(|u| !u.is_empty())
            .map(|u| (u, std::env::var("MINHU_SMS_SECRET").unwrap_or_default()));
        Ok(AppState {
            store,
            org: Arc::new(RwLock::new(Arc::new(org))),
            calendar: Arc::new(RwLock::new(Arc::new(calendar))),
            sla: Arc::new(RwLock::new(Arc::new(sla))),
            subscriptions: Arc::new(RwLock::new(Arc::new(subscriptions))),
            dispatch_rules: Arc::new(RwLock::new(Arc::new(dispatch_rules))),
            grids: Arc::new(RwLock::new(Arc::new(grids))),
            tokens: auth::TokenCache::new(Duration::from_secs(30)),
            sms_gateway,
            smtp: notify::SmtpConfig::from_env(),
            login_limiter: web::LoginLimiter::default(),
            classifier: Arc::new(RwLock::new(None)),
        })
    }

    pub fn classifier(&self) -> Option<Arc<minhu_classify::Model>> {
        self.classifier.read().expect("classifier lock").clone()
    }
    pub fn set_classifier(&self, model: minhu_classify::Model) {
        *self.classifier.write().expect("classifier lock") = Some(Arc::new(model));
    }

    pub fn org(&self) -> Arc<Org> {
        self.org.read().expect("org lock").clone()
    }
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.read().expect("calendar lock").clone()
    }
    pub fn sla(&self) -> Arc<SlaPolicy> {
        self.sla.read().expect("sla lock").clone()
    }

    pub fn subscriptions(&self) -> Arc<Vec<minhu_store::Subscription>> {
        self.subscriptions
            .read()
            .expect("subscriptions lock")
            .clone()
    }
    pub fn grids(&self) -> Arc<minhu_domain::geo::GridMap> {
        self.grids.read().expect("grids lock").clone()
    }
    pub fn dispatch_rules(&self) -> Arc<Vec<minhu_store::DispatchRule>> {
        self.dispatch_rules
            .read()
            .expect("dispatch rules lock")
            .clone()
    }

    /// Re-reads what may have changed in the database (after demo load or admin edits).
    pub async fn reload(&self) -> Result<(), minhu_store::StoreError> {
        let org = self.store.load_org().await?;
        let calendar = self.store.load_calendar().await?;
        let sla = self.store.load_sla_policy().await?;
        *self.org.write().expect("org lock") = Arc::new(org);
        *self.calendar.write().expect("calendar lock") = Arc::new(calendar);
        *self.sla.write().expect("sla lock") = Arc::new(sla);
        let subscriptions = self.store.subscriptions().await?;
        *self.subscriptions.write().expect("subscriptions lock") = Arc::new(subscriptions);
        let rules = self.store.dispatch_rules().await?;
        *self.dispatch_rules.write().expect("dispatch rules lock") = Arc::new(rules);
        let grids = load_grids(&self.store).await?;
        *self.grids.write().expect("grids lock") = Arc::new(grids);
        Ok(())
    }

    /// The current instant, at the millisecond precision both databases keep.
    pub fn now(&self) -> DateTime<Utc> {
        minhu_domain::time::truncate_ms(Utc::now())
    }
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
    notify::spawn_sender(state.clone(), Duration::from_secs(1));
    service::spawn_sweeper(state.clone(), sweep_interval());
    spawn_classifier(state.clone());
    spawn_ledger_refresh(state.clone(), interval("MINHU_LEDGER_SECONDS", 60));
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

/// Makes the intake suggestions available: loads `MINHU_CLASSIFIER_MODEL` when set, else
/// trains on the deployment's own categorised requests (at least 100 of them), off the
/// async threads. Without either, intake simply shows no suggestions.
pub fn spawn_classifier(state: AppState) {
    tokio::spawn(async move {
        if let Ok(path) = std::env::var("MINHU_CLASSIFIER_MODEL") {
            if path == "off" {
                return;
            }
            match tokio::task::spawn_blocking(move || minhu_classify::Model::load(&path)).await {
                Ok(Ok(model)) => state.set_classifier(model),
                Ok(Err(e)) => tracing::warn!(error = %e, "classifier model not loaded"),
                Err(e) => tracing::warn!(error = %e, "classifier loading failed"),
            }
            return;
        }
        let rows = match state.store.labelled_requests(50_000).await {
            Ok(rows) => rows,
            Err(e) => return tracing::warn!(error = %e, "no training data for the classifier"),
        };
        if rows.len() < 100 {
            return;
        }
        let n = rows.len();
        let trained = tokio::task::spawn_blocking(move || {
            let (texts, labels): (Vec<String>, Vec<String>) = rows.into_iter().unzip();
            minhu_classify::train(&texts, &labels, &minhu_classify::TrainOptions::default())
        })
        .await;
        match trained {
            Ok(model) => {
                tracing::info!(
                    requests = n,
                    "classifier trained on this deployment's requests"
                );
                state.set_classifier(model);
            }
            Err(e) => tracing::warn!(error = %e, "classifier training failed"),
        }
    });
}

/// How often the server runs the deadline monitor (`MINHU_SWEEP_SECONDS`, default 60).
fn sweep_interval() -> Duration {
    interval("MINHU_SWEEP_SECONDS", 60)
}

/// A period in seconds from the environment (positive), else the default.
fn interval(var: &str, default: u64) -> Duration {
    let secs = std::env::var(var)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(default);
    Duration::from_secs(secs)
}

/// Keeps the ledger facts current in the background (`MINHU_LEDGER_SECONDS`, default 60),
/// so reports read at any moment only fold in the last minute's events.
fn spawn_ledger_refresh(app: AppState, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match api::ledger::refresh(&app).await {
                Ok(r) => tracing::debug!(?r, "ledger facts refreshed"),
                Err(e) => tracing::warn!(error = %e.en, "ledger refresh failed"),
            }
        }
    });
}

/// Grid shapes from the store, parsed once (a bad shape is logged and skipped).
async fn load_grids(store: &Store) -> Result<minhu_domain::geo::GridMap, minhu_store::StoreError> {
    let mut shapes = Vec::new();
    for (code, text) in store.grid_shapes().await? {
        match minhu_domain::geo::parse_shape(&text) {
            Ok(shape) => shapes.push((code, shape)),
            Err(e) => tracing::warn!(grid = %code, error = %e, "grid shape skipped"),
        }
    }
    Ok(minhu_domain::geo::GridMap::new(shapes))
}
