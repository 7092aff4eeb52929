//! Requests: intake, queues, the staff view, lifecycle actions, and public tracking.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use minhu_app::act::perform;
use minhu_app::intake::register;
use minhu_app::reveal::reveal_personal;
use minhu_domain::access::{self, QueueBound};
use minhu_domain::intake::parse_intake;
use minhu_domain::lifecycle::Command;
use minhu_domain::request::{Request, State as ReqState, Warning};
use minhu_store::{ListFilter, new_code};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use crate::auth::Authed;
use crate::error::invalid_key;
use crate::view::{Personal, request_json, summary_json, track_json};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/requests", post(intake).get(list))
        .route("/api/v1/requests/{id}", get(show))
        .route("/api/v1/requests/{id}/actions/{action}", post(act))
        .route("/api/v1/track/{code}", get(track))
}

// ---- bodies -------------------------------------------------------------------------------
//
// A request itself (`Request` in the document) and an intake (`Intake`) are the domain's:
// `view::request_json` writes the one and `intake::parse_intake` reads the other.

/// `GET /api/v1/requests`: a queue, filtered; every filter within the caller's scope.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[serde(default, deserialize_with = "super::de::param")]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "super::de::param")]
    pub jurisdiction: Option<String>,
    #[serde(default, deserialize_with = "super::de::param")]
    pub unit: Option<String>,
    /// `yellow` or `red`.
    #[serde(default, deserialize_with = "super::de::param")]
    pub warning: Option<String>,
    /// Words of the content, subject or address.
    #[serde(default, deserialize_with = "super::de::param")]
    pub q: Option<String>,
    /// 1–1000000.
    #[serde(default, deserialize_with = "super::de::param")]
    #[param(value_type = Option<u32>)]
    pub page: Option<String>,
    /// 1–200, 50 by default.
    #[serde(default, deserialize_with = "super::de::param")]
    #[param(value_type = Option<u32>)]
    pub page_size: Option<String>,
}

/// A page of a queue.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RequestPage {
    /// Summaries of requests (`view::summary_json`).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    pub page: u32,
    pub page_size: u32,
    pub total: i64,
}

/// `GET /api/v1/requests/{id}`: `reveal=personal` with a `purpose` unmasks (and logs).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShowQuery {
    pub reveal: Option<String>,
    pub purpose: Option<String>,
}

fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(ApiError::not_found)
}

/// Registers a request (受理登记). 201 with the request; 200 with the stored one when the
/// same (channel, external_id) was registered before.
async fn intake(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut body = super::json_body(&headers, body)?;
    super::places::resolve_location(&app, &mut body).await?;
    let now = app.now();
    let org = app.org();
    let intake = parse_intake(&body, Some(&actor), &org, new_code(now), now)?;
    let done = register(&app, intake, &actor).await?;
    let status = if done.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut view = request_json(&done.request, &done.events, &org, now, Personal::Masked);
    // The new request's rating key, for the channel to give the requester: in this answer only.
    if let Some(key) = &done.rating_key {
        view["rating_key"] = key.grouped().into();
    }
    Ok((status, Json(with_suggestion(&app, &done.request, view))))
}

/// Adds the dispatch catalogue's suggestion while the request still awaits dispatch.
fn with_suggestion(app: &AppState, req: &Request, mut v: Value) -> Value {
    if matches!(req.state, ReqState::Registered | ReqState::PendingDispatch) {
        v["suggestion"] = super::catalogue::suggestion_json(
            app,
            req.intake.category.as_deref(),
            &req.intake.jurisdiction,
        );
    }
    v
}

/// A queue: the requests the caller's scope covers, filtered.
async fn list(
    State(app): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<RequestPage>, ApiError> {
    let f = queue_filter(&app, &actor, q)?;
    let org = app.org();
    let page = app.store.list_requests(&f).await?;
    Ok(Json(RequestPage {
        items: page.items.iter().map(|s| summary_json(s, &org)).collect(),
        page: f.page,
        page_size: f.page_size,
        total: page.total,
    }))
}

/// The storage filter of a queue: the parameters checked, bounded by the caller's scope.
fn queue_filter(
    app: &AppState,
    actor: &minhu_domain::org::Actor,
    q: ListQuery,
) -> Result<ListFilter, ApiError> {
    let org = app.org();
    let mut f = ListFilter {
        now: Some(app.now()),
        page: 1,
        page_size: 50,
        ..Default::default()
    };
    if let Some(s) = q.state.as_deref() {
        f.state = Some(ReqState::parse(s).ok_or_else(|| {
            let codes = ReqState::codes();
            invalid_key(
                "state",
                "invalid_parameter",
                "api.invalid.state",
                &[("state", s), ("codes", &codes)],
            )
        })?);
    }
    if let Some(w) = q.warning.as_deref() {
        f.warning = Some(Warning::parse(w).ok_or_else(|| {
            let codes = Warning::codes();
            invalid_key(
                "warning",
                "invalid_parameter",
                "api.invalid.warning",
                &[("codes", &codes)],
            )
        })?);
    }
    for (key, raw, slot, max) in [
        ("page", &q.page, &mut f.page, 1_000_000u32),
        ("page_size", &q.page_size, &mut f.page_size, 200),
    ] {
        if let Some(v) = raw {
            *slot = v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    let max = max.to_string();
                    invalid_key(
                        key,
                        "invalid_parameter",
                        "api.invalid.page",
                        &[("key", key), ("max", &max)],
                    )
                })?;
        }
    }
    f.q = q.q;
    // The caller's own scope bounds every queue.
    match access::queue_bound(actor, &org) {
        QueueBound::Unit(unit) => f.unit = Some(unit),
        QueueBound::Path(path) => f.path_prefix = Some(path),
    }
    if let Some(u) = q.unit {
        access::queue_unit_filter(actor, &org, &u)?;
        f.unit = Some(u);
    }
    if let Some(j) = q.jurisdiction.as_deref() {
        access::queue_jurisdiction_filter(actor, &org, j)?;
        f.path_prefix = Some(org.path(j));
    }
    Ok(f)
}

async fn show(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ShowQuery>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let org = app.org();
    let (req, events) = app
        .store
        .load_request(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !access::may_read(&actor, &req, &org) {
        return Err(ApiError::not_found());
    }
    let personal = match q.reveal.as_deref() {
        None | Some("") => Personal::Masked,
        Some("personal") => {
            reveal_personal(&app, &actor, &req, q.purpose.as_deref()).await?;
            Personal::Revealed
        }
        Some(other) => {
            return Err(invalid_key(
                "reveal",
                "invalid_parameter",
                "api.invalid.reveal",
                &[("reveal", other)],
            ));
        }
    };
    let mut view = request_json(&req, &events, &org, app.now(), personal);
    view["timeline"] = crate::view::timeline_json(
        &events,
        &crate::api::action_item::item_steps(&app, req.id).await?,
        &org,
    );
    Ok(Json(with_suggestion(&app, &req, view)))
}

/// One lifecycle step. Decided against the state derived from the log; appended only if
/// nobody changed the request meanwhile (otherwise decided again on the fresh state).
async fn act(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let body = super::json_body(&headers, body)?;
    let command = Command::parse(&action, &body)?;
    let (after, events) = perform(&app, id, &command, &actor).await?;
    Ok(Json(request_json(
        &after,
        &events,
        &app.org(),
        app.now(),
        Personal::Masked,
    )))
}

/// The requester's de-identified view, by tracking code. Public.
async fn track(
    State(app): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let t = minhu_app::track::track(&app, &code).await?;
    let mut view = track_json(&t.shown, &t.events, &app.org(), app.now());
    crate::view::with_public_steps(
        &mut view,
        &crate::api::action_item::item_steps(&app, t.shown.id).await?,
        &app.org(),
    );
    // A merged duplicate follows its parent: the requester sees the parent's progress,
    // its reply and its outcome, under their own code.
    if t.merged() {
        let req = &t.own;
        view["code"] = Value::String(req.intake.code.clone());
        view["merged_into"] = Value::String(t.shown.intake.code.clone());
        view["content"] = if req.intake.confidential {
            Value::Null
        } else {
            Value::String(minhu_domain::privacy::public_text(
                &req.intake.content,
                req.intake.requester.name.as_deref(),
            ))
        };
        view["received_at"] = Value::String(minhu_domain::time::rfc3339(req.intake.received_at));
    }
    Ok(Json(view))
}
