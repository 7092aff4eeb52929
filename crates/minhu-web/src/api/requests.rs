//! Requests: intake, queues, the staff view, lifecycle actions, and public tracking.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use minhu_domain::intake::parse_intake;
use minhu_domain::lifecycle::{Command, relation};
use minhu_domain::org::Role;
use minhu_domain::request::{Request, State as ReqState, Warning};
use minhu_store::{ListFilter, new_code};
use serde_json::{Value, json};

use crate::auth::Authed;
use crate::error::invalid;
use crate::service::{perform, register, reveal_personal};
use crate::view::{Personal, request_json, summary_json, track_json};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/requests", post(intake).get(list))
        .route("/api/v1/requests/{id}", get(show))
        .route("/api/v1/requests/{id}/actions/{action}", post(act))
        .route("/api/v1/track/{code}", get(track))
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
    let view = request_json(&done.request, &done.events, &org, now, Personal::Masked);
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
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let org = app.org();
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let mut f = ListFilter {
        now: Some(app.now()),
        page: 1,
        page_size: 50,
        ..Default::default()
    };
    if let Some(s) = get("state") {
        f.state = Some(ReqState::parse(s).ok_or_else(|| {
            invalid(
                "state",
                format!("未知状态“{s}”，可选：{}", ReqState::codes()),
                format!("unknown state '{s}'; one of: {}", ReqState::codes()),
            )
        })?);
    }
    if let Some(w) = get("warning") {
        f.warning = Some(Warning::parse(w).ok_or_else(|| {
            invalid(
                "warning",
                format!("warning 应为 {}", Warning::codes()),
                format!("warning must be one of {}", Warning::codes()),
            )
        })?);
    }
    for (key, slot, max) in [
        ("page", &mut f.page, 1_000_000u32),
        ("page_size", &mut f.page_size, 200),
    ] {
        if let Some(v) = get(key) {
            *slot = v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    invalid(
                        key,
                        format!("“{key}”应为1至{max}的整数"),
                        format!("'{key}' must be an integer 1–{max}"),
                    )
                })?;
        }
    }
    f.q = get("q").map(str::to_string);
    // The caller's own scope bounds every queue.
    match actor.role {
        Some(Role::UnitHandler) => {
            if let Some(u) = get("unit").filter(|u| *u != actor.scope) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    format!("无权查看单位“{u}”的工单"),
                    format!("unit '{u}' is outside your scope"),
                )
                .field("unit"));
            }
            f.unit = Some(actor.scope.clone());
        }
        _ => {
            f.path_prefix = Some(org.path(&actor.scope));
            if let Some(u) = get("unit") {
                if org.unit(u).is_none() {
                    return Err(invalid(
                        "unit",
                        format!("未找到单位“{u}”"),
                        format!("unknown unit '{u}'"),
                    ));
                }
                f.unit = Some(u.to_string());
            }
        }
    }
    if let Some(j) = get("jurisdiction") {
        if org.jurisdiction(j).is_none() {
            return Err(invalid(
                "jurisdiction",
                format!("未找到辖区“{j}”"),
                format!("unknown jurisdiction '{j}'"),
            ));
        }
        if actor.role != Some(Role::UnitHandler) && !org.within(j, &actor.scope) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("辖区“{j}”不在您的管辖范围内"),
                format!("jurisdiction '{j}' is outside your scope"),
            )
            .field("jurisdiction"));
        }
        f.path_prefix = Some(org.path(j));
    }
    let page = app.store.list_requests(&f).await?;
    Ok(Json(json!({
        "items": page.items.iter().map(|s| summary_json(s, &org)).collect::<Vec<_>>(),
        "page": f.page,
        "page_size": f.page_size,
        "total": page.total,
    })))
}

async fn show(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?;
    let org = app.org();
    let (req, events) = app
        .store
        .load_request(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !relation(&actor, &req, &org).sees {
        return Err(ApiError::not_found());
    }
    let personal = match q.get("reveal").map(String::as_str) {
        None | Some("") => Personal::Masked,
        Some("personal") => {
            reveal_personal(&app, &actor, &req, q.get("purpose").map(String::as_str)).await?;
            Personal::Revealed
        }
        Some(other) => {
            return Err(invalid(
                "reveal",
                format!("reveal 只能为 personal，收到“{other}”"),
                format!("reveal must be 'personal', got '{other}'"),
            ));
        }
    };
    Ok(Json(with_suggestion(
        &app,
        &req,
        request_json(&req, &events, &org, app.now(), personal),
    )))
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
    let t = crate::service::track(&app, &code).await?;
    let mut view = track_json(&t.shown, &t.events, &app.org(), app.now());
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
