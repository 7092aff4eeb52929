//! The server as the product runs it: the web (JSON API, pages, import) and Open311 merged
//! into one router, under the layers every response shares — the body limit, the security
//! headers, a JSON 500 for a panicking handler, and request tracing — and served with the
//! background jobs until shutdown.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use minhu_web::AppState;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The whole application as a router: used by `minhu serve` and by the tests alike.
/// Open311 runs over the application itself; the web over its state around it.
pub fn router(state: AppState) -> Router {
    let open311 = minhu_open311::router().with_state(state.app.clone());
    Router::new()
        .merge(open311)
        .merge(minhu_web::router(state))
        .layer(DefaultBodyLimit::max(minhu_web::MAX_BODY))
        .layer(header_if_missing(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_if_missing(header::CACHE_CONTROL, "no-store"))
        .layer(header_if_missing(
            header::CONTENT_SECURITY_POLICY,
            minhu_web::CSP,
        ))
        .layer(header_if_missing(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header_if_missing(header::REFERRER_POLICY, "same-origin"))
        .layer(CatchPanicLayer::custom(minhu_web::error::panic_response))
        .layer(TraceLayer::new_for_http())
}

/// A response header, set unless the handler set it itself.
fn header_if_missing(
    name: header::HeaderName,
    value: &'static str,
) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// Serves until `shutdown` resolves, with the background jobs (`minhu_app::jobs`) running;
/// then lets in-flight requests finish and flushes the store's writes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    minhu_app::jobs::spawn_all(&state.app);
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    store.close().await;
    Ok(())
}
