//! The phone pages' posts: the offline queue's JSON items (`POST /grid/visits`,
//! `POST /grid/findings`: session cookie + `x-csrf-token`; 201 when recorded, 200 with the
//! same body when the idempotency key was seen before), and the plain forms (start and end
//! a patrol, the diary's narrative) that need the network anyway.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{data, grid_of, staff_or_401, views};
use crate::api::patrol::{PatrolFindingBody, VisitBody};
use crate::pages::form::{CheckedForm, check_csrf};
use crate::pages::{Page, PageError, Staff, render, see_other};
use crate::{ApiError, AppState};

/// `GET /grid/csrf`: the token the queue sends in `x-csrf-token` (its cookie is HttpOnly).
pub async fn csrf(p: Page, me: Result<Staff, PageError>) -> Result<Response, ApiError> {
    staff_or_401(me)?;
    Ok(Json(json!({ "csrf": p.csrf })).into_response())
}

/// The checks every queued item passes before it is read: a session, the CSRF header.
fn checked(p: &Page, me: Result<Staff, PageError>, headers: &HeaderMap) -> Result<Staff, ApiError> {
    let me = staff_or_401(me)?;
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    check_csrf(p, sent, headers).map_err(|e| match e {
        PageError::Api(e) => e,
        PageError::Login { .. } => ApiError::unauthorized(),
    })?;
    Ok(me)
}

/// `POST /grid/visits`: one queued visit with its findings, the body and answer of
/// `POST /api/v1/visits`.
pub async fn visit(
    State(app): State<AppState>,
    p: Page,
    me: Result<Staff, PageError>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let me = checked(&p, me, &headers)?;
    let body: VisitBody = crate::api::typed_body(&headers, body)?;
    grid_of(&app, &me, Some(&body.grid))?;
    let (created, answer) = data::record_visit(&app, &me.actor, body).await?;
    Ok(answered(created, answer))
}

/// `POST /grid/findings`: one queued patrol finding, as `POST /api/v1/findings`.
pub async fn finding(
    State(app): State<AppState>,
    p: Page,
    me: Result<Staff, PageError>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let me = checked(&p, me, &headers)?;
    let body: PatrolFindingBody = crate::api::typed_body(&headers, body)?;
    grid_of(&app, &me, Some(&body.grid))?;
    let (created, answer) = data::record_finding(&app, &me.actor, body).await?;
    Ok(answered(created, answer))
}

fn answered(created: bool, answer: Value) -> Response {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, Json(answer)).into_response()
}

/// `POST /grid/patrol/start`: a plain form, back to `/grid`.
pub async fn start_patrol(
    State(app): State<AppState>,
    me: Staff,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let grid = grid_of(&app, &me, form.get("grid"))?;
    let key = form.get("client_key").unwrap_or("");
    data::start_patrol(&app, &me.actor, &grid, key).await?;
    Ok(see_other("/grid"))
}

/// `POST /grid/patrol/end`.
pub async fn end_patrol(
    State(app): State<AppState>,
    me: Staff,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    grid_of(&app, &me, form.get("grid"))?;
    let id = form.get("patrol_id").unwrap_or("");
    data::end_patrol(&app, &me.actor, id).await?;
    Ok(see_other("/grid"))
}

/// `POST /grid/diary/{day}`: the narrative saved, or submitted; a refusal shows the page
/// again with the message in the reader's language.
pub async fn write_diary(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(day): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let date = data::parse_day(&day)?;
    let narrative = form.get("narrative").unwrap_or("").to_string();
    let submit = form.get("submit") == Some("1");
    match data::write_diary(&app, &me.actor, date, &narrative, submit).await {
        Ok(()) => Ok(see_other(&format!("/grid/diary/{day}"))),
        Err(e) if e.status.is_client_error() => {
            let message = if p.lang.is_english() { e.en } else { e.zh };
            let status = e.status;
            let page = views::diary_page(&app, p, me, &day, Some(message)).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
