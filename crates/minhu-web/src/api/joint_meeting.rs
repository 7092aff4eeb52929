//! The district's joint meeting (联席会议): `minhu_app::joint_meeting` over JSON. Bodies and
//! their members, the office's queue of hard cases, meetings and their steps, and the
//! per-unit figures of a month.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use minhu_app::joint_meeting::{self as app_joint, MeetingView};
use minhu_domain::joint_meeting::{
    self as domain, Candidate, JointBody, JointMeeting, Member, NewAttendance, NewBody,
    NewCandidate, NewDecision, NewMeeting, UnitFigures,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::de::Checked;
use super::{id_of, wrong_type};
use crate::auth::Authed;
use crate::error::invalid_key;
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/joint-bodies", get(bodies).post(create_body))
        .route("/api/v1/joint-bodies/{id}", get(show_body))
        .route("/api/v1/joint-bodies/{id}/dissolve", post(dissolve))
        .route(
            "/api/v1/joint-bodies/{id}/candidates",
            get(candidates).post(propose_candidate),
        )
        .route("/api/v1/joint-candidates/{id}/dismiss", post(dismiss))
        .route(
            "/api/v1/joint-bodies/{id}/meetings",
            get(meetings).post(propose_meeting),
        )
        .route("/api/v1/joint-figures", get(figures))
        .route("/api/v1/joint-meetings/{id}", get(show_meeting))
        .route("/api/v1/joint-meetings/{id}/approve", post(approve))
        .route("/api/v1/joint-meetings/{id}/items", post(add_item))
        .route("/api/v1/joint-meetings/{id}/admit", post(admit))
        .route("/api/v1/joint-meetings/{id}/notice", post(notice))
        .route("/api/v1/joint-meetings/{id}/attendance", post(attend))
        .route("/api/v1/joint-meetings/{id}/hold", post(hold))
        .route("/api/v1/joint-meetings/{id}/decide", post(decide))
        .route("/api/v1/joint-meetings/{id}/defer", post(defer))
        .route("/api/v1/joint-meetings/{id}/discuss", post(discuss))
        .route("/api/v1/joint-meetings/{id}/issue", post(issue))
}

/// The operations of this module for the OpenAPI document.
pub fn operations() -> Vec<super::doc::Operation> {
    use super::doc::{Shape::List, Shape::One, name, op, params};
    let detail = || One(name::<JointMeetingDetail>);
    vec![
        op("get", "/api/v1/joint-bodies").ok("200", List(name::<JointBodyView>)),
        op("post", "/api/v1/joint-bodies")
            .body(One(name::<JointBodyBody>))
            .ok("201", One(name::<JointBodyView>)),
        op("get", "/api/v1/joint-bodies/{id}").ok("200", One(name::<JointBodyView>)),
        op("post", "/api/v1/joint-bodies/{id}/dissolve").ok("200", One(name::<JointBodyView>)),
        op("get", "/api/v1/joint-bodies/{id}/candidates").ok("200", List(name::<CandidateView>)),
        op("post", "/api/v1/joint-bodies/{id}/candidates")
            .body(One(name::<CandidateBody>))
            .ok("201", One(name::<CandidateView>)),
        op("post", "/api/v1/joint-candidates/{id}/dismiss")
            .body(One(name::<ReasonBody>))
            .ok("200", One(name::<CandidateView>)),
        op("get", "/api/v1/joint-bodies/{id}/meetings")
            .ok("200", List(name::<JointMeetingSummary>)),
        op("post", "/api/v1/joint-bodies/{id}/meetings")
            .body(One(name::<JointMeetingBody>))
            .ok("201", detail()),
        op("get", "/api/v1/joint-figures")
            .query(params::<FiguresQuery>)
            .ok("200", List(name::<UnitFiguresView>)),
        op("get", "/api/v1/joint-meetings/{id}").ok("200", detail()),
        op("post", "/api/v1/joint-meetings/{id}/approve").ok("200", detail()),
        op("post", "/api/v1/joint-meetings/{id}/items")
            .body(One(name::<AgendaItemBody>))
            .ok("201", detail()),
        op("post", "/api/v1/joint-meetings/{id}/admit")
            .body(One(name::<ItemBody>))
            .ok("200", detail()),
        op("post", "/api/v1/joint-meetings/{id}/notice").ok("200", detail()),
        op("post", "/api/v1/joint-meetings/{id}/attendance")
            .body(One(name::<AttendanceBody>))
            .ok("200", detail()),
        op("post", "/api/v1/joint-meetings/{id}/hold").ok("200", detail()),
        op("post", "/api/v1/joint-meetings/{id}/decide")
            .body(One(name::<DecideBody>))
            .ok("200", detail()),
        op("post", "/api/v1/joint-meetings/{id}/defer")
            .body(One(name::<ItemNoteBody>))
            .ok("200", detail()),
        op("post", "/api/v1/joint-meetings/{id}/discuss")
            .body(One(name::<ItemNoteBody>))
            .ok("200", detail()),
        op("post", "/api/v1/joint-meetings/{id}/issue").ok("200", detail()),
    ]
}

/// The component schemas of this module's DTOs.
pub fn schemas(b: utoipa::openapi::ComponentsBuilder) -> utoipa::openapi::ComponentsBuilder {
    b.schema_from::<JointBodyBody>()
        .schema_from::<MemberBody>()
        .schema_from::<JointBodyView>()
        .schema_from::<CandidateBody>()
        .schema_from::<CandidateView>()
        .schema_from::<ReasonBody>()
        .schema_from::<JointMeetingBody>()
        .schema_from::<JointMeetingSummary>()
        .schema_from::<JointMeetingDetail>()
        .schema_from::<AgendaItemBody>()
        .schema_from::<ItemBody>()
        .schema_from::<ItemNoteBody>()
        .schema_from::<AttendanceBody>()
        .schema_from::<DecisionBody>()
        .schema_from::<DecideBody>()
        .schema_from::<UnitFiguresView>()
}

// ---- bodies -------------------------------------------------------------------------------

/// A member unit and its liaison officer (联络员).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct MemberBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub unit: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub liaison: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub phone: String,
}

/// `POST /api/v1/joint-bodies`: a joint body led by the office the caller acts for.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct JointBodyBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub name: String,
    /// The office that leads it (e.g. `ZHB`, 区综合办).
    #[serde(default, deserialize_with = "super::de::text")]
    pub lead_unit: String,
    /// The username of the convener (召集人), who approves the meetings.
    #[serde(default, deserialize_with = "super::de::text")]
    pub convener: String,
    /// The regular cadence (例会制度), e.g. 每月一次.
    #[serde(default, deserialize_with = "super::de::text")]
    pub cadence: String,
    #[serde(default)]
    pub members: Vec<MemberBody>,
}

/// A joint body with its members.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JointBodyView {
    pub id: i64,
    pub name: String,
    pub lead_unit: String,
    pub convener: String,
    pub cadence: String,
    pub members: Vec<MemberBody>,
    /// `active` or `dissolved`.
    pub state: String,
    pub created_by: String,
    pub created_at: String,
}

fn body_view(b: JointBody) -> JointBodyView {
    JointBodyView {
        id: b.id,
        name: b.name,
        lead_unit: b.lead_unit,
        convener: b.convener,
        cadence: b.cadence,
        members: b
            .members
            .into_iter()
            .map(|m| MemberBody {
                unit: m.unit,
                liaison: m.liaison,
                phone: m.phone,
            })
            .collect(),
        state: b.state.as_str().to_string(),
        created_by: b.created_by,
        created_at: minhu_domain::time::rfc3339(b.created_at),
    }
}

// ---- candidates ---------------------------------------------------------------------------

/// `POST /api/v1/joint-bodies/{id}/candidates`: a case the street or community cannot solve.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CandidateBody {
    #[serde(default)]
    #[schema(value_type = Vec<i64>)]
    pub request_ids: Checked<Vec<i64>>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub title: String,
    /// Why the community and the street cannot solve it.
    #[serde(default, deserialize_with = "super::de::text")]
    pub reason: String,
}

/// A case of the office's queue.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CandidateView {
    pub id: i64,
    pub body_id: i64,
    /// `request` (now), `mediation_case`, `council_decision`.
    pub kind: String,
    pub ref_id: i64,
    /// `flagged` (疑难件 at dispatch) or `proposed` (by a street or community).
    pub origin: String,
    pub requests: Vec<i64>,
    pub title: String,
    pub reason: String,
    /// `queued`, `admitted`, `decided`, `dismissed`.
    pub state: String,
    pub proposed_by: String,
    pub proposed_at: String,
    pub dismissed_reason: Option<String>,
}

fn candidate_view(c: Candidate) -> CandidateView {
    CandidateView {
        id: c.id,
        body_id: c.body_id,
        kind: c.kind.as_str().to_string(),
        ref_id: c.ref_id,
        origin: c.origin.as_str().to_string(),
        requests: c.requests,
        title: c.title,
        reason: c.reason,
        state: c.state.as_str().to_string(),
        proposed_by: c.proposed_by,
        proposed_at: minhu_domain::time::rfc3339(c.proposed_at),
        dismissed_reason: c.dismissed_reason,
    }
}

/// A reason (a dismissal).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReasonBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub reason: String,
}

// ---- meetings -----------------------------------------------------------------------------

/// `POST /api/v1/joint-bodies/{id}/meetings`: a meeting proposed by the office.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct JointMeetingBody {
    /// `regular` (例会), `coordination` (专题协调会), `progress` (推进会).
    #[serde(default, deserialize_with = "super::de::text")]
    pub kind: String,
    /// `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub day: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub place: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub chair: String,
}

/// `POST /api/v1/joint-meetings/{id}/items`: a queued case onto the agenda draft.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AgendaItemBody {
    #[serde(default)]
    #[schema(value_type = i64)]
    pub candidate_id: Checked<i64>,
    /// The unit that presents the case (汇报单位).
    #[serde(default, deserialize_with = "super::de::text")]
    pub presenter_unit: String,
    /// The handling proposed to the meeting (拟处理意见).
    #[serde(default, deserialize_with = "super::de::text")]
    pub proposed_handling: String,
}

/// An agenda item by its number.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ItemBody {
    #[serde(default)]
    #[schema(value_type = i64)]
    pub item: Checked<i64>,
}

/// An agenda item with a note (a discussion) or a reason (a deferral).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ItemNoteBody {
    #[serde(default)]
    #[schema(value_type = i64)]
    pub item: Checked<i64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub note: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub reason: String,
}

/// `POST /api/v1/joint-meetings/{id}/attendance`: one member unit's attendance.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AttendanceBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub unit: String,
    /// `present`, `substitute` (代会) or `absent`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub presence: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub person: String,
    /// For a substitute: whom they stand in for (defaults to the unit's liaison).
    #[serde(default, deserialize_with = "super::de::text")]
    pub for_person: String,
    /// For an absence: why.
    #[serde(default, deserialize_with = "super::de::text")]
    pub reason: String,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub signed: Checked<bool>,
}

/// A decision (议定事项).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DecisionBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub text: String,
    /// The lead unit (主办): the action item's owner; not the office.
    #[serde(default, deserialize_with = "super::de::text")]
    pub lead_unit: String,
    /// The co-units (协办).
    #[serde(default, deserialize_with = "super::de::texts")]
    pub co_units: Vec<String>,
    #[serde(default)]
    #[schema(value_type = i64)]
    pub working_days: Checked<i64>,
    /// What counts as done (验收标准).
    #[serde(default, deserialize_with = "super::de::text")]
    pub acceptance: String,
    /// Where the money comes from (资金来源), if any.
    #[serde(default, deserialize_with = "super::de::text")]
    pub funding: String,
}

/// `POST /api/v1/joint-meetings/{id}/decide`: an item's decisions.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DecideBody {
    #[serde(default)]
    #[schema(value_type = i64)]
    pub item: Checked<i64>,
    #[serde(default)]
    pub decisions: Vec<DecisionBody>,
}

/// A meeting without its agenda (lists).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JointMeetingSummary {
    pub id: i64,
    pub body_id: i64,
    pub kind: String,
    pub kind_label: String,
    pub day: String,
    pub place: String,
    pub chair: String,
    /// `proposed`, `approved`, `noticed`, `held`, `minutes_issued`.
    pub state: String,
    /// The minutes' number (纪要第N期), once issued.
    pub number: Option<String>,
    pub proposed_by: String,
    pub approved_by: Option<String>,
    pub version: i64,
}

/// One request of a case, as the agenda summarises it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseLineView {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub jurisdiction: String,
    pub state: String,
    pub days_open: i64,
    /// `none`, `yellow` or `red`.
    pub sla: String,
    pub deadline: Option<String>,
}

/// A decision of an item, with the action item it became.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionView {
    pub text: String,
    pub lead_unit: String,
    pub co_units: Vec<String>,
    pub working_days: u32,
    pub acceptance: String,
    pub funding: String,
    pub action_item_id: Option<i64>,
}

/// An agenda item.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgendaItemView {
    pub no: u32,
    pub title: String,
    /// `proposed`, `admitted`, `discussed`, `decided`, `deferred`.
    pub state: String,
    pub candidate_id: Option<i64>,
    /// The unverified action item it follows up, when carried over.
    pub action_item_id: Option<i64>,
    /// The meeting it was carried over from.
    pub carried_from: Option<i64>,
    pub presenter_unit: String,
    pub proposed_handling: String,
    pub requests: Vec<CaseLineView>,
    /// Local days since the case was first admitted to an agenda.
    pub age_days: i64,
    /// Working days a carried action item is past its due date.
    pub overdue_working_days: i64,
    pub note: Option<String>,
    pub decisions: Vec<DecisionView>,
}

/// A member unit's attendance.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttendanceView {
    pub unit: String,
    pub presence: String,
    pub person: String,
    pub for_person: Option<String>,
    pub reason: Option<String>,
    pub signed: bool,
}

/// A meeting with its agenda and attendance.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JointMeetingDetail {
    #[serde(flatten)]
    pub meeting: JointMeetingSummary,
    pub items: Vec<AgendaItemView>,
    pub attendance: Vec<AttendanceView>,
}

fn summary(m: &JointMeeting) -> JointMeetingSummary {
    JointMeetingSummary {
        id: m.id,
        body_id: m.body_id,
        kind: m.kind.as_str().to_string(),
        kind_label: m.kind.zh().to_string(),
        day: m.day.to_string(),
        place: m.place.clone(),
        chair: m.chair.clone(),
        state: m.state.as_str().to_string(),
        number: m.number.clone(),
        proposed_by: m.proposed_by.clone(),
        approved_by: m.approved_by.clone(),
        version: m.version,
    }
}

fn detail(v: MeetingView) -> JointMeetingDetail {
    let items = v
        .meeting
        .items
        .iter()
        .map(|i| {
            let (age_days, overdue) = v.age(i.no);
            AgendaItemView {
                no: i.no,
                title: i.source.title.clone(),
                state: i.state.as_str().to_string(),
                candidate_id: i.source.candidate_id,
                action_item_id: i.source.action_item_id,
                carried_from: i.source.carried_from,
                presenter_unit: i.source.presenter_unit.clone(),
                proposed_handling: i.source.proposed_handling.clone(),
                requests: i
                    .source
                    .requests
                    .iter()
                    .filter_map(|r| v.case(*r))
                    .map(|c| CaseLineView {
                        id: c.id,
                        code: c.code.clone(),
                        title: c.title.clone(),
                        jurisdiction: c.jurisdiction.clone(),
                        state: c.state.clone(),
                        days_open: c.days_open,
                        sla: c.sla.clone(),
                        deadline: c.deadline.map(minhu_domain::time::rfc3339),
                    })
                    .collect(),
                age_days,
                overdue_working_days: overdue,
                note: i.note.clone(),
                decisions: i
                    .decisions
                    .iter()
                    .enumerate()
                    .map(|(n, d)| DecisionView {
                        text: d.text.clone(),
                        lead_unit: d.lead_unit.clone(),
                        co_units: d.co_units.clone(),
                        working_days: d.working_days,
                        acceptance: d.acceptance.clone(),
                        funding: d.funding.clone(),
                        action_item_id: v.action_item(i.no, n),
                    })
                    .collect(),
            }
        })
        .collect();
    JointMeetingDetail {
        meeting: summary(&v.meeting),
        attendance: v
            .meeting
            .attendance
            .iter()
            .map(|a| AttendanceView {
                unit: a.unit.clone(),
                presence: a.presence.as_str().to_string(),
                person: a.person.clone(),
                for_person: a.for_person.clone(),
                reason: a.reason.clone(),
                signed: a.signed,
            })
            .collect(),
        items,
    }
}

// ---- figures ------------------------------------------------------------------------------

/// `GET /api/v1/joint-figures`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// The month, `YYYY-MM` (Asia/Shanghai).
    pub month: Option<String>,
}

/// One unit's figures of the month: the line of `GET /api/v1/action-items/figures` for
/// source kind `meeting_decision` (one count, in the unit-code form the ranking reads).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnitFiguresView {
    pub unit: String,
    /// Items of the joint meetings' decisions issued to the unit in the month.
    pub decided: u32,
    /// Verified (销号) in the month by their due date.
    pub on_time: u32,
    /// Verified late in the month, or pending past due.
    pub overdue: u32,
}

fn figures_view(f: UnitFigures) -> UnitFiguresView {
    UnitFiguresView {
        unit: f.unit,
        decided: f.decided,
        on_time: f.on_time,
        overdue: f.overdue,
    }
}

// ---- helpers ------------------------------------------------------------------------------

fn required_number(field: &str, v: Checked<i64>) -> Result<i64, ApiError> {
    match v {
        Checked::Given(n) => Ok(n),
        Checked::Absent => Err(invalid_key(
            field,
            "required",
            "domain.required.field",
            &[("field", field)],
        )),
        Checked::Wrong => Err(wrong_type(field)),
    }
}

fn item_no(v: Checked<i64>) -> Result<u32, ApiError> {
    let n = required_number("item", v)?;
    u32::try_from(n).map_err(|_| wrong_type("item"))
}

fn new_decision(i: usize, d: DecisionBody) -> Result<NewDecision, ApiError> {
    let working_days = match d.working_days {
        Checked::Wrong => return Err(wrong_type(&format!("decisions[{i}].working_days"))),
        w => w.given(),
    };
    Ok(NewDecision {
        text: d.text,
        lead_unit: d.lead_unit,
        co_units: d.co_units,
        working_days,
        acceptance: d.acceptance,
        funding: d.funding,
    })
}

// ---- handlers -----------------------------------------------------------------------------

async fn bodies(
    State(app): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<Vec<JointBodyView>>, ApiError> {
    let list = app_joint::bodies(&app, &actor).await?;
    Ok(Json(list.into_iter().map(body_view).collect()))
}

async fn create_body(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<JointBodyView>), ApiError> {
    let body: JointBodyBody = super::typed_body(&headers, body)?;
    let new = NewBody {
        name: body.name,
        lead_unit: body.lead_unit,
        convener: body.convener,
        cadence: body.cadence,
        members: body
            .members
            .into_iter()
            .map(|m| Member {
                unit: m.unit,
                liaison: m.liaison,
                phone: m.phone,
            })
            .collect(),
    };
    let b = app_joint::create_body(&app, &actor, &new).await?;
    Ok((StatusCode::CREATED, Json(body_view(b))))
}

async fn show_body(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<JointBodyView>, ApiError> {
    let b = app_joint::body(&app, &actor, id_of(&id)?).await?;
    Ok(Json(body_view(b)))
}

async fn dissolve(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<JointBodyView>, ApiError> {
    let b = app_joint::dissolve(&app, &actor, id_of(&id)?).await?;
    Ok(Json(body_view(b)))
}

async fn candidates(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<Vec<CandidateView>>, ApiError> {
    let list = app_joint::candidates(&app, &actor, id_of(&id)?).await?;
    Ok(Json(list.into_iter().map(candidate_view).collect()))
}

async fn propose_candidate(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<CandidateView>), ApiError> {
    let id = id_of(&id)?;
    let body: CandidateBody = super::typed_body(&headers, body)?;
    let request_ids = match body.request_ids {
        Checked::Wrong => return Err(wrong_type("request_ids")),
        r => r.given().unwrap_or_default(),
    };
    let new = NewCandidate {
        request_ids,
        title: body.title,
        reason: body.reason,
    };
    let c = app_joint::propose_candidate(&app, &actor, id, &new).await?;
    Ok((StatusCode::CREATED, Json(candidate_view(c))))
}

async fn dismiss(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<CandidateView>, ApiError> {
    let id = id_of(&id)?;
    let body: ReasonBody = super::typed_body(&headers, body)?;
    let c = app_joint::dismiss_candidate(&app, &actor, id, &body.reason).await?;
    Ok(Json(candidate_view(c)))
}

async fn meetings(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<Vec<JointMeetingSummary>>, ApiError> {
    let list = app_joint::meetings(&app, &actor, id_of(&id)?).await?;
    Ok(Json(list.iter().map(summary).collect()))
}

async fn propose_meeting(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<JointMeetingDetail>), ApiError> {
    let id = id_of(&id)?;
    let body: JointMeetingBody = super::typed_body(&headers, body)?;
    let new = NewMeeting {
        kind: body.kind,
        day: body.day,
        place: body.place,
        chair: body.chair,
    };
    let v = app_joint::propose_meeting(&app, &actor, id, &new).await?;
    Ok((StatusCode::CREATED, Json(detail(v))))
}

async fn show_meeting(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<JointMeetingDetail>, ApiError> {
    let v = app_joint::meeting(&app, &actor, id_of(&id)?).await?;
    Ok(Json(detail(v)))
}

async fn approve(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<JointMeetingDetail>, ApiError> {
    Ok(Json(detail(
        app_joint::approve(&app, &actor, id_of(&id)?).await?,
    )))
}

async fn notice(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<JointMeetingDetail>, ApiError> {
    Ok(Json(detail(
        app_joint::notice(&app, &actor, id_of(&id)?).await?,
    )))
}

async fn hold(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<JointMeetingDetail>, ApiError> {
    Ok(Json(detail(
        app_joint::hold(&app, &actor, id_of(&id)?).await?,
    )))
}

async fn issue(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<JointMeetingDetail>, ApiError> {
    Ok(Json(detail(
        app_joint::issue(&app, &actor, id_of(&id)?).await?,
    )))
}

async fn add_item(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<JointMeetingDetail>), ApiError> {
    let id = id_of(&id)?;
    let body: AgendaItemBody = super::typed_body(&headers, body)?;
    let candidate = required_number("candidate_id", body.candidate_id)?;
    let v = app_joint::add_item(
        &app,
        &actor,
        id,
        candidate,
        &body.presenter_unit,
        &body.proposed_handling,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(detail(v))))
}

async fn admit(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<JointMeetingDetail>, ApiError> {
    let id = id_of(&id)?;
    let body: ItemBody = super::typed_body(&headers, body)?;
    let v = app_joint::admit(&app, &actor, id, item_no(body.item)?).await?;
    Ok(Json(detail(v)))
}

async fn attend(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<JointMeetingDetail>, ApiError> {
    let id = id_of(&id)?;
    let body: AttendanceBody = super::typed_body(&headers, body)?;
    let signed = body.signed.or(false).ok_or_else(|| wrong_type("signed"))?;
    let new = NewAttendance {
        unit: body.unit,
        presence: body.presence,
        person: body.person,
        for_person: body.for_person,
        reason: body.reason,
        signed,
    };
    Ok(Json(detail(
        app_joint::attend(&app, &actor, id, &new).await?,
    )))
}

async fn decide(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<JointMeetingDetail>, ApiError> {
    let id = id_of(&id)?;
    let body: DecideBody = super::typed_body(&headers, body)?;
    let item = item_no(body.item)?;
    let decisions = body
        .decisions
        .into_iter()
        .enumerate()
        .map(|(i, d)| new_decision(i, d))
        .collect::<Result<Vec<_>, _>>()?;
    let v = app_joint::decide(&app, &actor, id, item, &decisions).await?;
    Ok(Json(detail(v)))
}

async fn defer(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<JointMeetingDetail>, ApiError> {
    let id = id_of(&id)?;
    let body: ItemNoteBody = super::typed_body(&headers, body)?;
    let item = item_no(body.item)?;
    Ok(Json(detail(
        app_joint::defer(&app, &actor, id, item, &body.reason).await?,
    )))
}

async fn discuss(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<JointMeetingDetail>, ApiError> {
    let id = id_of(&id)?;
    let body: ItemNoteBody = super::typed_body(&headers, body)?;
    let item = item_no(body.item)?;
    Ok(Json(detail(
        app_joint::discuss(&app, &actor, id, item, &body.note).await?,
    )))
}

async fn figures(
    State(app): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<FiguresQuery>,
) -> Result<Json<Vec<UnitFiguresView>>, ApiError> {
    let month = domain::parse_month("month", q.month.as_deref().unwrap_or_default())?;
    let list = app_joint::figures(&app, &actor, month).await?;
    Ok(Json(list.into_iter().map(figures_view).collect()))
}
