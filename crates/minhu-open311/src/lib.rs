//! Open311 GeoReport v2 under `/open311/v2` (see `shared/reference/open311.md`): discovery,
//! services and service definitions from the catalogue, POST requests (form-encoded or
//! multipart, `api_key`), tokens for batch services, GET requests with the spec's filters
//! and the common extensions (`page`, `page_size`, `updated_after`/`updated_before`,
//! `extensions=true`), and FixMyStreet's `servicerequestupdates`. Every resource answers in
//! `.json` and `.xml`, chosen by the suffix alone. Personal data never appears in output.
//!
//! axum cannot route `/requests/{id}.json` (one parameter per segment), so the handlers
//! take the whole last segment and split it on its last '.' (`format::split_fmt`).
//!
//! One file per resource: `discovery`, `services`, `requests` (with `attributes` and
//! `upload` for the POST), `updates`, `tokens`; the edges shared by all of them are
//! `format` (JSON or XML), `error` (the error documents) and `params` (typed parameters).
//!
//! A front end of its own beside the web's: its state is the application ([`App`]), its
//! use cases are `minhu_app`'s (intake, act), and it knows nothing of the JSON API or the
//! pages. The binary merges [`router`] with the web's router under the shared layers.

mod attributes;
mod discovery;
mod error;
mod format;
mod params;
mod requests;
mod services;
mod status;
mod tokens;
mod updates;
mod upload;
mod xml;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;

use error::{O311Error, finish, said, unknown_format};
pub use format::Fmt;
use format::split_fmt;
use minhu_app::App;
use params::query;
pub use tokens::{issue_key, revoke_keys};

/// Largest POST body (media uploads included).
pub const MAX_POST: usize = 20 * 1024 * 1024;
/// Largest uploaded media file.
pub const MAX_MEDIA: usize = 10 * 1024 * 1024;
/// Most requests one GET answers (the spec's default limit).
pub const MAX_RESULTS: i64 = 1000;
/// The spec's default and largest window of `requested_datetime`.
pub const WINDOW_DAYS: i64 = 90;
/// Descriptions are at most this long (spec: 4000 characters).
pub const MAX_DESCRIPTION: usize = 4000;

/// The Open311 routes, over the application. Media uploads make its bodies larger than the
/// API's: its own body limit applies to these routes only.
pub fn router() -> Router<App> {
    Router::new()
        .route(
            "/open311/v2/{resource}",
            get(get_resource).post(post_resource),
        )
        .route(
            "/open311/v2/services/{code_fmt}",
            get(services::service_definition),
        )
        .route("/open311/v2/requests/{id_fmt}", get(requests::request_one))
        .route("/open311/v2/tokens/{token_fmt}", get(tokens::token))
        .route("/open311/v2/media/{id}", get(upload::media))
        .layer(DefaultBodyLimit::max(MAX_POST))
}

/// `GET /{resource}.{fmt}`: the collection resources.
async fn get_resource(
    State(app): State<App>,
    Path(seg): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (name, fmt) = split_fmt(&seg);
    let Some(fmt) = fmt else {
        return unknown_format(&seg);
    };
    let p = query(q);
    let r = match name.as_str() {
        "discovery" => Ok(discovery::discovery(fmt, &headers)),
        "services" => services::services(&app, fmt, &p).await,
        "requests" => requests::list_requests(&app, fmt, &p, &headers).await,
        "servicerequestupdates" => updates::list_updates(&app, fmt, &p).await,
        _ => Err(no_such_resource(&name)),
    };
    finish(fmt, r)
}

/// `POST /{resource}.{fmt}`: a new request or a FixMyStreet update.
async fn post_resource(
    State(app): State<App>,
    Path(seg): Path<String>,
    RawQuery(q): RawQuery,
    req: Request,
) -> Response {
    let (name, fmt) = split_fmt(&seg);
    let Some(fmt) = fmt else {
        return unknown_format(&seg);
    };
    let r = match name.as_str() {
        "requests" | "servicerequestupdates" => match upload::read_body(&app, req).await {
            Err(e) => Err(e),
            Ok((body, uploads)) => {
                // api_key may come in the query string as well as in the body.
                let mut p = query(q);
                p.extend(body);
                if name == "requests" {
                    requests::create_request(&app, fmt, p, uploads).await
                } else {
                    updates::post_update(&app, fmt, p).await
                }
            }
        },
        "services" | "discovery" => Err(O311Error::new(
            StatusCode::METHOD_NOT_ALLOWED,
            said("open311.get_only", &[("name", &name)]),
        )),
        _ => Err(no_such_resource(&name)),
    };
    finish(fmt, r)
}

fn no_such_resource(name: &str) -> O311Error {
    O311Error::not_found(said("open311.no_such_resource", &[("name", name)]))
}
