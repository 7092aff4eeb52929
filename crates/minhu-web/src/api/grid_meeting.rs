//! The grid's responsibility list (责任清单), the weekly grid-worker meeting (例会) and the
//! daily 社情日汇总: `minhu_app::grid_meeting` over JSON.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use minhu_app::grid_meeting::{self as app_meeting, MeetingView};
use minhu_domain::grid_meeting::{
    self as domain, Duty, Meeting, MeetingItem, NewAction, NewDuty, NewItem, NewMeeting, Rollup,
    RollupLine, Subject,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::de::Checked;
use super::{id_of, wrong_type};
use crate::auth::Authed;
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/grids/{code}/duties", get(duties).post(add_duty))
        .route("/api/v1/duties/{id}/retire", post(retire_duty))
        .route(
            "/api/v1/communities/{code}/meetings",
            get(meetings).post(create_meeting),
        )
        .route("/api/v1/meetings/{id}", get(show))
        .route("/api/v1/meetings/{id}/items", post(add_item))
        .route("/api/v1/meetings/{id}/issue", post(issue))
        .route("/api/v1/communities/{code}/rollup/{day}", get(rollup))
}

// ---- bodies -------------------------------------------------------------------------------

/// `POST /api/v1/grids/{code}/duties`: a duty of the grid, or of one of its posts.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DutyBody {
    /// `grid_head`, `full_time`, `part_time`, `building_head`, `unit_head`; absent or empty
    /// for the whole grid.
    #[serde(default, deserialize_with = "super::de::text")]
    pub post: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub duty: String,
    /// `daily`, `weekly`, `monthly`, `quarterly`, `yearly`, `as_needed`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub frequency: String,
    /// The document the duty comes from (e.g. 入户走访制度).
    #[serde(default, deserialize_with = "super::de::text")]
    pub source_document: String,
}

/// `GET /api/v1/grids/{code}/duties`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DutiesQuery {
    /// `1` to list retired duties too.
    pub all: Option<String>,
}

/// A duty of a grid's responsibility list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DutyItem {
    pub id: i64,
    pub grid: String,
    /// The post it belongs to; null for the whole grid.
    pub post: Option<String>,
    pub post_label: Option<String>,
    pub duty: String,
    pub frequency: String,
    pub frequency_label: String,
    pub source_document: String,
    /// `active` or `retired`.
    pub state: String,
}

/// `POST /api/v1/communities/{code}/meetings`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MeetingBody {
    /// `weekly_meeting` (网格员工作例会) or `daily_rollup` (社情日汇总).
    #[serde(default, deserialize_with = "super::de::text")]
    pub kind: String,
    /// `YYYY-MM-DD`, not after today (Asia/Shanghai).
    #[serde(default, deserialize_with = "super::de::text")]
    pub day: String,
    #[serde(default, deserialize_with = "super::de::texts")]
    pub attendees: Vec<String>,
}

/// The follow-up a decision asks for.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ActionBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub owner_unit: String,
    #[serde(default)]
    #[schema(value_type = i64)]
    pub working_days: Checked<i64>,
}

/// `POST /api/v1/meetings/{id}/items`: an item walked, about a request or a finding.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MeetingItemBody {
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub request_id: Checked<i64>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub finding_id: Checked<i64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub text: String,
    /// The decision (议定事项); with `action` it becomes an action item when issued.
    #[serde(default, deserialize_with = "super::de::text")]
    pub decision: String,
    #[serde(default)]
    #[schema(value_type = Option<ActionBody>)]
    pub action: Checked<ActionBody>,
}

/// An item of a meeting.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeetingItemView {
    pub id: i64,
    pub seq: i64,
    pub request_id: Option<i64>,
    pub finding_id: Option<i64>,
    /// The grid the item concerns.
    pub grid: Option<String>,
    pub text: String,
    pub decision: Option<String>,
    pub owner_unit: Option<String>,
    pub working_days: Option<u32>,
    /// The action item the decision became when the meeting was issued.
    pub action_item_id: Option<i64>,
}

/// A meeting or a day's rollup, without its items (lists).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeetingSummary {
    pub id: i64,
    pub community: String,
    pub kind: String,
    pub kind_label: String,
    pub day: String,
    /// The minutes' number (纪要第N期), once a weekly meeting is issued.
    pub number: Option<String>,
    pub attendees: Vec<String>,
    /// `draft` or `issued`.
    pub state: String,
    pub created_by: String,
    /// RFC 3339, +08:00.
    pub created_at: String,
    pub issued_by: Option<String>,
    pub issued_at: Option<String>,
}

/// A meeting with its items (and, for an issued rollup, the rollup as issued).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: MeetingSummary,
    pub items: Vec<MeetingItemView>,
    pub rollup: Option<RollupView>,
}

/// One grid's line of the rollup, or the total.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RollupLineView {
    pub grid: String,
    /// Findings made that day (what went in).
    pub findings: usize,
    pub solved_on_spot: usize,
    pub reported: usize,
    /// Open grid_patrol requests of the grid.
    pub still_open: usize,
}

/// An open grid_patrol request on the rollup.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OpenRequestView {
    pub id: i64,
    pub code: String,
    pub grid: String,
    pub state: String,
    pub received_at: String,
}

/// A finding class and how many findings of it the day had.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClassCount {
    pub class: String,
    pub count: usize,
}

/// The computed 社情日汇总 of a community and day.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RollupView {
    pub community: String,
    pub day: String,
    pub grids: Vec<RollupLineView>,
    pub total: RollupLineView,
    pub by_class: Vec<ClassCount>,
    pub open_requests: Vec<OpenRequestView>,
}

// ---- mapping ------------------------------------------------------------------------------

fn duty_item(d: Duty) -> DutyItem {
    DutyItem {
        id: d.id,
        grid: d.grid,
        post: d.post.map(|p| p.as_str().to_string()),
        post_label: d.post.map(|p| p.zh().to_string()),
        duty: d.duty,
        frequency: d.frequency.as_str().to_string(),
        frequency_label: d.frequency.zh().to_string(),
        source_document: d.source_document,
        state: d.state.as_str().to_string(),
    }
}

fn summary(m: &Meeting) -> MeetingSummary {
    MeetingSummary {
        id: m.id,
        community: m.community.clone(),
        kind: m.kind.as_str().to_string(),
        kind_label: m.kind.zh().to_string(),
        day: m.day.to_string(),
        number: m.number.clone(),
        attendees: m.attendees.clone(),
        state: m.state.as_str().to_string(),
        created_by: m.created_by.clone(),
        created_at: minhu_domain::time::rfc3339(m.created_at),
        issued_by: m.issued_by.clone(),
        issued_at: m.issued_at.map(minhu_domain::time::rfc3339),
    }
}

fn item_view(i: MeetingItem) -> MeetingItemView {
    let (request_id, finding_id) = match i.subject {
        Some(Subject::Request(r)) => (Some(r), None),
        Some(Subject::Finding(f)) => (None, Some(f)),
        None => (None, None),
    };
    MeetingItemView {
        id: i.id,
        seq: i.seq,
        request_id,
        finding_id,
        grid: i.grid,
        text: i.text,
        decision: i.decision,
        owner_unit: i.owner_unit,
        working_days: i.working_days,
        action_item_id: i.action_item_id,
    }
}

fn detail(v: MeetingView) -> MeetingDetail {
    MeetingDetail {
        meeting: summary(&v.meeting),
        rollup: v.meeting.rollup.map(rollup_view),
        items: v.items.into_iter().map(item_view).collect(),
    }
}

fn line(l: RollupLine) -> RollupLineView {
    RollupLineView {
        grid: l.grid,
        findings: l.findings,
        solved_on_spot: l.solved_on_spot,
        reported: l.reported,
        still_open: l.still_open,
    }
}

pub(crate) fn rollup_view(r: Rollup) -> RollupView {
    RollupView {
        community: r.community,
        day: r.day.to_string(),
        grids: r.grids.into_iter().map(line).collect(),
        total: line(r.total),
        by_class: r
            .by_class
            .into_iter()
            .map(|(class, count)| ClassCount { class, count })
            .collect(),
        open_requests: r
            .open_requests
            .into_iter()
            .map(|o| OpenRequestView {
                id: o.id,
                code: o.code,
                grid: o.grid,
                state: o.state,
                received_at: minhu_domain::time::rfc3339(o.received_at),
            })
            .collect(),
    }
}

fn optional_id(field: &str, v: Checked<i64>) -> Result<Option<i64>, ApiError> {
    match v {
        Checked::Absent => Ok(None),
        Checked::Given(id) => Ok(Some(id)),
        Checked::Wrong => Err(wrong_type(field)),
    }
}

fn new_item(body: MeetingItemBody) -> Result<NewItem, ApiError> {
    let action = match body.action {
        Checked::Absent => None,
        Checked::Wrong => return Err(wrong_type("action")),
        Checked::Given(a) => Some(NewAction {
            owner_unit: a.owner_unit,
            working_days: match a.working_days {
                Checked::Wrong => return Err(wrong_type("action.working_days")),
                w => w.given(),
            },
        }),
    };
    Ok(NewItem {
        request_id: optional_id("request_id", body.request_id)?,
        finding_id: optional_id("finding_id", body.finding_id)?,
        text: body.text,
        decision: body.decision,
        action,
    })
}

// ---- handlers -----------------------------------------------------------------------------

async fn duties(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(grid): Path<String>,
    ApiQuery(q): ApiQuery<DutiesQuery>,
) -> Result<Json<Vec<DutyItem>>, ApiError> {
    let all = q.all.as_deref() == Some("1");
    let list = app_meeting::duties(&app, &actor, &grid, all).await?;
    Ok(Json(list.into_iter().map(duty_item).collect()))
}

async fn add_duty(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(grid): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<DutyItem>), ApiError> {
    let body: DutyBody = super::typed_body(&headers, body)?;
    let new = NewDuty {
        post: Some(body.post),
        duty: body.duty,
        frequency: body.frequency,
        source_document: body.source_document,
    };
    let duty = app_meeting::add_duty(&app, &actor, &grid, &new).await?;
    Ok((StatusCode::CREATED, Json(duty_item(duty))))
}

async fn retire_duty(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<DutyItem>, ApiError> {
    let duty = app_meeting::retire_duty(&app, &actor, id_of(&id)?).await?;
    Ok(Json(duty_item(duty)))
}

async fn create_meeting(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<MeetingDetail>), ApiError> {
    let body: MeetingBody = super::typed_body(&headers, body)?;
    let new = NewMeeting {
        kind: body.kind,
        day: body.day,
        attendees: body.attendees,
    };
    let view = app_meeting::create_meeting(&app, &actor, &code, &new).await?;
    Ok((StatusCode::CREATED, Json(detail(view))))
}

async fn meetings(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
) -> Result<Json<Vec<MeetingSummary>>, ApiError> {
    let list = app_meeting::meetings(&app, &actor, &code).await?;
    Ok(Json(list.iter().map(summary).collect()))
}

async fn show(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let view = app_meeting::meeting(&app, &actor, id_of(&id)?).await?;
    Ok(Json(detail(view)))
}

async fn add_item(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<MeetingItemView>), ApiError> {
    let id = id_of(&id)?;
    let body: MeetingItemBody = super::typed_body(&headers, body)?;
    let item = app_meeting::add_item(&app, &actor, id, &new_item(body)?).await?;
    Ok((StatusCode::CREATED, Json(item_view(item))))
}

async fn issue(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<MeetingDetail>, ApiError> {
    let view = app_meeting::issue(&app, &actor, id_of(&id)?).await?;
    Ok(Json(detail(view)))
}

async fn rollup(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path((code, day)): Path<(String, String)>,
) -> Result<Json<RollupView>, ApiError> {
    let day = domain::parse_day("day", &day)?;
    let r = app_meeting::rollup(&app, &actor, &code, day).await?;
    Ok(Json(rollup_view(r)))
}
