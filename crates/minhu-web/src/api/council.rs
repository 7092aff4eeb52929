//! The residents' council hall (居民议事厅) over JSON: procedures, council bodies, sittings
//! with attendance and quorum, votes and decisions — `minhu_app::council` behind typed
//! bodies.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use minhu_app::council::{self as app_council, NewVote, SittingView};
use minhu_domain::council::procedure::{NewProcedure, NewStage, PassBase, ProcedureTemplate};
use minhu_domain::council::vote::{Count, Vote};
use minhu_domain::council::{
    Council, Decision, NewAgendaItem, NewAttendance, NewCouncil, NewMember, NewSitting, Sitting,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::ComponentsBuilder;

use super::de::Checked;
use super::doc::{Operation, Shape, name, op};
use super::{id_of, wrong_type};
use crate::auth::Authed;
use crate::{ApiError, AppState};

pub mod followup;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/communities/{code}/procedures",
            get(procedures).post(add_procedure),
        )
        .route(
            "/api/v1/communities/{code}/councils",
            get(councils).post(add_council),
        )
        .route("/api/v1/councils/{id}", get(council))
        .route(
            "/api/v1/communities/{code}/sittings",
            get(sittings).post(create_sitting),
        )
        .route("/api/v1/sittings/{id}", get(show))
        .route("/api/v1/sittings/{id}/attendance", post(attend))
        .route("/api/v1/sittings/{id}/hold", post(hold))
        .route("/api/v1/sittings/{id}/votes", post(open_vote))
        .route("/api/v1/sittings/{id}/decisions", post(decide))
        .route("/api/v1/sittings/{id}/minutes", post(minutes))
        .route("/api/v1/sitting-votes/{id}", get(show_vote))
        .route("/api/v1/sitting-votes/{id}/ballots", post(ballot))
        .route("/api/v1/sitting-votes/{id}/close", post(close_vote))
        .route("/api/v1/sitting-votes/{id}/publish", post(publish_vote))
        .route("/api/v1/council-decisions/{id}", get(show_decision))
        .merge(followup::router())
}

/// The typed operations, for the OpenAPI document.
pub fn operations() -> Vec<Operation> {
    use Shape::{List, One};
    vec![
        op("get", "/api/v1/communities/{code}/procedures").ok("200", List(name::<ProcedureView>)),
        op("post", "/api/v1/communities/{code}/procedures")
            .body(One(name::<ProcedureBody>))
            .ok("201", One(name::<ProcedureView>)),
        op("get", "/api/v1/communities/{code}/councils").ok("200", List(name::<CouncilView>)),
        op("post", "/api/v1/communities/{code}/councils")
            .body(One(name::<CouncilBody>))
            .ok("201", One(name::<CouncilView>)),
        op("get", "/api/v1/councils/{id}").ok("200", One(name::<CouncilView>)),
        op("get", "/api/v1/communities/{code}/sittings").ok("200", List(name::<SittingSummary>)),
        op("post", "/api/v1/communities/{code}/sittings")
            .body(One(name::<SittingBody>))
            .ok("201", One(name::<SittingDetail>)),
        op("get", "/api/v1/sittings/{id}").ok("200", One(name::<SittingDetail>)),
        op("post", "/api/v1/sittings/{id}/attendance")
            .body(One(name::<AttendanceBody>))
            .ok("200", One(name::<SittingDetail>)),
        op("post", "/api/v1/sittings/{id}/hold").ok("200", One(name::<SittingDetail>)),
        op("post", "/api/v1/sittings/{id}/votes")
            .body(One(name::<VoteBody>))
            .ok("201", One(name::<VoteView>)),
        op("post", "/api/v1/sittings/{id}/decisions")
            .body(One(name::<DecisionBody>))
            .ok("201", One(name::<DecisionView>)),
        op("post", "/api/v1/sittings/{id}/minutes")
            .body(One(name::<MinutesBody>))
            .ok("200", One(name::<SittingDetail>)),
        op("get", "/api/v1/sitting-votes/{id}").ok("200", One(name::<VoteView>)),
        op("post", "/api/v1/sitting-votes/{id}/ballots")
            .body(One(name::<BallotBody>))
            .ok("200", One(name::<VoteView>)),
        op("post", "/api/v1/sitting-votes/{id}/close")
            .body(One(name::<CountBody>))
            .ok("200", One(name::<VoteView>)),
        op("post", "/api/v1/sitting-votes/{id}/publish").ok("200", One(name::<VoteView>)),
        op("get", "/api/v1/council-decisions/{id}").ok("200", One(name::<DecisionView>)),
    ]
    .into_iter()
    .chain(followup::operations())
    .collect()
}

/// The DTOs' component schemas.
pub fn schemas(b: ComponentsBuilder) -> ComponentsBuilder {
    followup::schemas(b)
        .schema_from::<StageBody>()
        .schema_from::<ProcedureBody>()
        .schema_from::<StageView>()
        .schema_from::<ProcedureView>()
        .schema_from::<MemberBody>()
        .schema_from::<CouncilBody>()
        .schema_from::<MemberView>()
        .schema_from::<CouncilView>()
        .schema_from::<AgendaBody>()
        .schema_from::<SittingBody>()
        .schema_from::<AgendaView>()
        .schema_from::<SittingSummary>()
        .schema_from::<QuorumView>()
        .schema_from::<AttendanceView>()
        .schema_from::<EventView>()
        .schema_from::<SittingDetail>()
        .schema_from::<AttendanceBody>()
        .schema_from::<VoteBody>()
        .schema_from::<VoteView>()
        .schema_from::<BallotBody>()
        .schema_from::<CountBody>()
        .schema_from::<DecisionBody>()
        .schema_from::<DecisionView>()
        .schema_from::<MinutesBody>()
}

// ---- bodies -----------------------------------------------------------------------------------

/// A stage of a deployment's procedure.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StageBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub name: String,
    /// `meeting` (default) or `publication`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub kind: String,
    /// `party_branch`, `two_committees`, `party_members`, `resident_assembly`,
    /// `household_assembly`, `delegate_assembly`, `council_members`.
    #[serde(default, deserialize_with = "super::de::texts")]
    pub bodies: Vec<String>,
    /// A fraction of the entitled who must be present: `1/2`, `2/3`; empty for none.
    #[serde(default, deserialize_with = "super::de::text")]
    pub quorum: String,
    /// `true`: more than (>); else at least (≥).
    #[serde(default)]
    pub quorum_strict: bool,
    /// `present` (default), `entitled` or `valid`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub pass_base: String,
    /// The fraction of the base that must agree: `1/2`, `2/3`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub pass: String,
    #[serde(default)]
    pub pass_strict: bool,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub notice_days: Checked<i64>,
    /// Do proxies count as present?
    #[serde(default)]
    pub proxies_count: bool,
}

/// `POST /api/v1/communities/{code}/procedures`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ProcedureBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub code: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub name: String,
    #[serde(default)]
    pub stages: Vec<StageBody>,
}

/// A stage as shown.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StageView {
    pub index: usize,
    pub name: String,
    pub kind: String,
    pub bodies: Vec<String>,
    /// The quorum rule, e.g. `> 1/2` of the entitled.
    pub quorum: Option<String>,
    /// The pass rule, e.g. `> 1/2`, and its base (`present`, `entitled`, `valid`).
    pub pass: Option<String>,
    pub pass_base: Option<String>,
    pub notice_days: u32,
    pub proxies_count: bool,
}

/// A procedure: a preset or the community's own.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProcedureView {
    pub code: String,
    pub name: String,
    pub preset: bool,
    pub stages: Vec<StageView>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MemberBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub name: String,
    /// `director` 主任, `deputy` 副主任, `secretary` 秘书, `member` 成员 (default).
    #[serde(default, deserialize_with = "super::de::text")]
    pub role: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub position: String,
    /// `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub term_from: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub term_until: String,
    /// The building or unit represented.
    #[serde(default, deserialize_with = "super::de::text")]
    pub represents: String,
}

/// `POST /api/v1/communities/{code}/councils`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CouncilBody {
    /// `council`, `hearing`, `coordination`, `evaluation`, `party_branch`,
    /// `two_committees`, `party_members`, `delegates`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub kind: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub name: String,
    /// `community` (default), `estate`, `building`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub scope: String,
    /// For an estate or building: the building numbers covered.
    #[serde(default, deserialize_with = "super::de::texts")]
    pub buildings: Vec<String>,
    #[serde(default)]
    pub members: Vec<MemberBody>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MemberView {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub role_label: String,
    pub position: String,
    pub term_from: Option<String>,
    pub term_until: Option<String>,
    pub represents: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CouncilView {
    pub id: i64,
    pub community: String,
    pub kind: String,
    pub kind_label: String,
    pub name: String,
    pub scope: String,
    pub buildings: Vec<String>,
    /// `active` or `dissolved`.
    pub state: String,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AgendaBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub title: String,
    /// The motion put to the vote.
    #[serde(default, deserialize_with = "super::de::text")]
    pub motion: String,
    /// The topic (议题) it comes from, if any.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub topic_id: Checked<i64>,
}

/// `POST /api/v1/communities/{code}/sittings`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SittingBody {
    /// `four_deliberations`, `three_meetings`, `resident_meeting` or the community's own.
    #[serde(default, deserialize_with = "super::de::text")]
    pub procedure: String,
    /// The stage's index, from 0 (default 0).
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub stage: Checked<i64>,
    /// One of the stage's bodies; empty for its first.
    #[serde(default, deserialize_with = "super::de::text")]
    pub body: String,
    /// The council body sitting (needed for a members' body).
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub council_id: Checked<i64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub title: String,
    /// `YYYY-MM-DD`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub day: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub place: String,
    /// RFC 3339 with offset; empty: now. At least the stage's notice days before `day`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub notice_posted_at: String,
    #[serde(default)]
    pub agenda: Vec<AgendaBody>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgendaView {
    pub seq: i64,
    pub title: String,
    pub motion: String,
    pub topic_id: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SittingSummary {
    pub id: i64,
    pub community: String,
    pub procedure: String,
    pub stage: usize,
    pub stage_name: String,
    pub body: String,
    pub body_label: String,
    pub council_id: Option<i64>,
    pub title: String,
    pub day: String,
    pub place: String,
    /// RFC 3339, +08:00.
    pub notice_posted_at: String,
    /// `noticed`, `held`, `quorum_failed`, `minutes_approved`.
    pub state: String,
    pub state_label: String,
    /// 纪要第N期, once the minutes are approved.
    pub number: Option<String>,
    pub version: i64,
}

/// The quorum computed from the register and the attendance.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QuorumView {
    pub met: bool,
    pub entitled: u64,
    pub present: u64,
    pub needed: u64,
    pub rule: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttendanceView {
    pub kind: String,
    pub subject_id: i64,
    /// `present`, `absent` or `proxy`.
    pub presence: String,
    pub proxy_to: Option<i64>,
    pub signed_at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    pub seq: i64,
    pub kind: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub actor: String,
    pub at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SittingDetail {
    #[serde(flatten)]
    pub sitting: SittingSummary,
    pub agenda: Vec<AgendaView>,
    pub quorum: QuorumView,
    pub attendance: Vec<AttendanceView>,
    pub votes: Vec<VoteView>,
    pub decisions: Vec<DecisionView>,
    pub events: Vec<EventView>,
    pub minutes: Option<String>,
    pub summary: Option<String>,
}

/// `POST /api/v1/sittings/{id}/attendance`: one line of the sign-in sheet.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AttendanceBody {
    /// `resident`, `household` or `member` (default: what the sitting's body takes).
    #[serde(default, deserialize_with = "super::de::text")]
    pub kind: String,
    /// The resident's, household's or member's id.
    #[serde(default)]
    #[schema(value_type = i64)]
    pub subject_id: Checked<i64>,
    /// `present`, `absent` or `proxy`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub presence: String,
    /// For a proxy: the subject id of the attendee holding it.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub proxy_to: Checked<i64>,
    /// RFC 3339; empty: now.
    #[serde(default, deserialize_with = "super::de::text")]
    pub signed_at: String,
}

/// `POST /api/v1/sittings/{id}/votes`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct VoteBody {
    #[serde(default)]
    #[schema(value_type = i64)]
    pub agenda_seq: Checked<i64>,
    /// `hands`, `paper` or `online`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub method: String,
    /// Named options; empty: 赞成 / 反对 / 弃权.
    #[serde(default, deserialize_with = "super::de::texts")]
    pub options: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VoteView {
    pub id: i64,
    pub sitting_id: i64,
    pub agenda_seq: i64,
    pub method: String,
    pub weight: String,
    pub options: Vec<String>,
    pub counts: Option<BTreeMap<String, u64>>,
    pub invalid: u64,
    /// `open`, `closed`, `published`.
    pub state: String,
    pub present: Option<u64>,
    pub entitled: Option<u64>,
    /// Computed from the stage's pass rule when closed.
    pub passed: Option<bool>,
    pub carried: Option<String>,
}

/// `POST /api/v1/sitting-votes/{id}/ballots`: one online ballot.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct BallotBody {
    #[serde(default)]
    #[schema(value_type = i64)]
    pub voter_id: Checked<i64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub choice: String,
}

/// `POST /api/v1/sitting-votes/{id}/close`: the count (absent for an online vote).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CountBody {
    /// Per option: how many.
    #[serde(default)]
    #[schema(value_type = Option<BTreeMap<String, i64>>)]
    pub counts: Checked<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub invalid: Checked<i64>,
}

/// `POST /api/v1/sittings/{id}/decisions`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DecisionBody {
    #[serde(default)]
    #[schema(value_type = i64)]
    pub vote_id: Checked<i64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub text: String,
}

/// A decision (决议): `passed` is computed from its vote.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionView {
    pub id: i64,
    pub sitting_id: i64,
    pub vote_id: i64,
    /// The jurisdiction it binds.
    pub community: String,
    pub agenda_seq: i64,
    pub topic_id: Option<i64>,
    pub text: String,
    pub passed: bool,
    /// `effective` or `superseded`.
    pub state: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// `POST /api/v1/sittings/{id}/minutes`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct MinutesBody {
    /// 会议记录, full.
    #[serde(default, deserialize_with = "super::de::text")]
    pub minutes: String,
    /// 纪要, as approved.
    #[serde(default, deserialize_with = "super::de::text")]
    pub summary: String,
}

// ---- mapping ----------------------------------------------------------------------------------

fn procedure_view(p: ProcedureTemplate) -> ProcedureView {
    ProcedureView {
        code: p.code,
        name: p.name,
        preset: p.preset,
        stages: p
            .stages
            .into_iter()
            .enumerate()
            .map(|(index, s)| StageView {
                index,
                name: s.name,
                kind: s.kind.as_str().to_string(),
                bodies: s.bodies.iter().map(|b| b.as_str().to_string()).collect(),
                quorum: s.quorum.map(|q| q.text()),
                pass: s.pass.map(|p| p.threshold.text()),
                pass_base: s.pass.map(|p| base_code(p.base).to_string()),
                notice_days: s.notice_days,
                proxies_count: s.proxies_count,
            })
            .collect(),
    }
}

fn base_code(b: PassBase) -> &'static str {
    match b {
        PassBase::Present => "present",
        PassBase::Entitled => "entitled",
        PassBase::Valid => "valid",
    }
}

fn council_view(c: Council) -> CouncilView {
    CouncilView {
        id: c.id,
        community: c.community,
        kind: c.kind.as_str().to_string(),
        kind_label: c.kind.zh().to_string(),
        name: c.name,
        scope: c.scope.as_str().to_string(),
        buildings: c.buildings,
        state: c.state.as_str().to_string(),
        members: c
            .members
            .into_iter()
            .map(|m| MemberView {
                id: m.id,
                name: m.name,
                role: m.role.as_str().to_string(),
                role_label: m.role.zh().to_string(),
                position: m.position,
                term_from: m.term_from.map(|d| d.to_string()),
                term_until: m.term_until.map(|d| d.to_string()),
                represents: m.represents,
            })
            .collect(),
    }
}

fn summary(s: &Sitting) -> SittingSummary {
    SittingSummary {
        id: s.id,
        community: s.community.clone(),
        procedure: s.procedure.clone(),
        stage: s.stage,
        stage_name: s.stage_name.clone(),
        body: s.body.as_str().to_string(),
        body_label: s.body.zh().to_string(),
        council_id: s.council_id,
        title: s.title.clone(),
        day: s.day.to_string(),
        place: s.place.clone(),
        notice_posted_at: minhu_domain::time::rfc3339(s.notice_posted_at),
        state: s.state.as_str().to_string(),
        state_label: s.state.zh().to_string(),
        number: s.number.clone(),
        version: s.version,
    }
}

pub(crate) fn vote_view(v: Vote) -> VoteView {
    VoteView {
        id: v.id,
        sitting_id: v.sitting_id,
        agenda_seq: v.agenda_seq,
        method: v.method.as_str().to_string(),
        weight: v.weight.as_str().to_string(),
        options: v.options,
        invalid: v.count.as_ref().map_or(0, |c| c.invalid),
        counts: v.count.map(|c| c.counts),
        state: v.state.as_str().to_string(),
        present: v.present,
        entitled: v.entitled,
        passed: v.passed,
        carried: v.carried,
    }
}

fn decision_view(d: Decision) -> DecisionView {
    DecisionView {
        id: d.id,
        sitting_id: d.sitting_id,
        vote_id: d.vote_id,
        community: d.community,
        agenda_seq: d.agenda_seq,
        topic_id: d.topic_id,
        text: d.text,
        passed: d.passed,
        state: d.state.as_str().to_string(),
        recorded_by: d.recorded_by,
        recorded_at: minhu_domain::time::rfc3339(d.recorded_at),
    }
}

fn detail(v: SittingView) -> SittingDetail {
    let q = v.quorum;
    SittingDetail {
        sitting: summary(&v.sitting),
        agenda: v
            .sitting
            .agenda
            .iter()
            .map(|a| AgendaView {
                seq: a.seq,
                title: a.title.clone(),
                motion: a.motion.clone(),
                topic_id: a.topic_id,
            })
            .collect(),
        quorum: QuorumView {
            met: q.met,
            entitled: q.entitled,
            present: q.present,
            needed: q.needed,
            rule: q.rule.map(|r| r.text()),
        },
        attendance: v
            .attendance
            .into_iter()
            .map(|l| AttendanceView {
                kind: l.kind.as_str().to_string(),
                subject_id: l.subject_id,
                presence: l.presence.as_str().to_string(),
                proxy_to: l.proxy_to,
                signed_at: minhu_domain::time::rfc3339(l.signed_at),
            })
            .collect(),
        votes: v.votes.into_iter().map(vote_view).collect(),
        decisions: v.decisions.into_iter().map(decision_view).collect(),
        events: v
            .events
            .into_iter()
            .map(|e| EventView {
                seq: e.seq,
                kind: e.kind,
                detail: e.detail,
                actor: e.actor,
                at: minhu_domain::time::rfc3339(e.at),
            })
            .collect(),
        minutes: v.sitting.minutes,
        summary: v.sitting.summary,
    }
}

fn optional(field: &str, v: Checked<i64>) -> Result<Option<i64>, ApiError> {
    match v {
        Checked::Absent => Ok(None),
        Checked::Given(id) => Ok(Some(id)),
        Checked::Wrong => Err(wrong_type(field)),
    }
}

/// A count from the body: each option a whole number ≥ 0 (422 naming `counts.<option>`).
fn count_of(body: CountBody) -> Result<Option<Count>, ApiError> {
    let counts = match body.counts {
        Checked::Absent => return Ok(None),
        Checked::Wrong => return Err(wrong_type("counts")),
        Checked::Given(c) => c,
    };
    let mut out = Count::default();
    for (option, n) in counts {
        let n = n
            .as_u64()
            .ok_or_else(|| wrong_type(&format!("counts.{option}")))?;
        out.counts.insert(option, n);
    }
    out.invalid = match body.invalid {
        Checked::Absent => 0,
        Checked::Given(n) if n >= 0 => n as u64,
        _ => return Err(wrong_type("invalid")),
    };
    Ok(Some(out))
}

// ---- handlers ---------------------------------------------------------------------------------

async fn procedures(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
) -> Result<Json<Vec<ProcedureView>>, ApiError> {
    let list = app_council::procedures(&app, &actor, &code).await?;
    Ok(Json(list.into_iter().map(procedure_view).collect()))
}

async fn add_procedure(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ProcedureView>), ApiError> {
    let body: ProcedureBody = super::typed_body(&headers, body)?;
    let mut stages = Vec::new();
    for (i, s) in body.stages.into_iter().enumerate() {
        let notice_days = match s.notice_days {
            Checked::Wrong => return Err(wrong_type(&format!("stages[{i}].notice_days"))),
            d => d.given(),
        };
        stages.push(NewStage {
            name: s.name,
            kind: s.kind,
            bodies: s.bodies,
            quorum: s.quorum,
            quorum_strict: s.quorum_strict,
            pass_base: s.pass_base,
            pass: s.pass,
            pass_strict: s.pass_strict,
            notice_days,
            proxies_count: s.proxies_count,
        });
    }
    let new = NewProcedure {
        code: body.code,
        name: body.name,
        stages,
    };
    let p = app_council::add_procedure(&app, &actor, &code, &new).await?;
    Ok((StatusCode::CREATED, Json(procedure_view(p))))
}

async fn councils(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
) -> Result<Json<Vec<CouncilView>>, ApiError> {
    let list = app_council::councils(&app, &actor, &code).await?;
    Ok(Json(list.into_iter().map(council_view).collect()))
}

async fn add_council(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<CouncilView>), ApiError> {
    let body: CouncilBody = super::typed_body(&headers, body)?;
    let new = NewCouncil {
        kind: body.kind,
        name: body.name,
        scope: body.scope,
        buildings: body.buildings,
        members: body
            .members
            .into_iter()
            .map(|m| NewMember {
                name: m.name,
                role: m.role,
                position: m.position,
                term_from: m.term_from,
                term_until: m.term_until,
                represents: m.represents,
            })
            .collect(),
    };
    let c = app_council::add_council(&app, &actor, &code, &new).await?;
    Ok((StatusCode::CREATED, Json(council_view(c))))
}

async fn council(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<CouncilView>, ApiError> {
    Ok(Json(council_view(
        app_council::council(&app, &actor, id_of(&id)?).await?,
    )))
}

async fn sittings(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
) -> Result<Json<Vec<SittingSummary>>, ApiError> {
    let list = app_council::sittings(&app, &actor, &code).await?;
    Ok(Json(list.iter().map(summary).collect()))
}

async fn create_sitting(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<SittingDetail>), ApiError> {
    let body: SittingBody = super::typed_body(&headers, body)?;
    let mut agenda = Vec::new();
    for (i, a) in body.agenda.into_iter().enumerate() {
        agenda.push(NewAgendaItem {
            title: a.title,
            motion: a.motion,
            topic_id: optional(&format!("agenda[{i}].topic_id"), a.topic_id)?,
        });
    }
    let new = NewSitting {
        procedure: body.procedure,
        stage: optional("stage", body.stage)?,
        body: body.body,
        council_id: optional("council_id", body.council_id)?,
        title: body.title,
        day: body.day,
        place: body.place,
        notice_posted_at: body.notice_posted_at,
        agenda,
    };
    let view = app_council::create_sitting(&app, &actor, &code, &new).await?;
    Ok((StatusCode::CREATED, Json(detail(view))))
}

async fn show(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<SittingDetail>, ApiError> {
    Ok(Json(detail(
        app_council::sitting(&app, &actor, id_of(&id)?).await?,
    )))
}

async fn attend(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<SittingDetail>, ApiError> {
    let id = id_of(&id)?;
    let body: AttendanceBody = super::typed_body(&headers, body)?;
    let new = NewAttendance {
        kind: body.kind,
        subject_id: optional("subject_id", body.subject_id)?,
        presence: body.presence,
        proxy_to: optional("proxy_to", body.proxy_to)?,
        signed_at: body.signed_at,
    };
    Ok(Json(detail(
        app_council::record_attendance(&app, &actor, id, &new).await?,
    )))
}

async fn hold(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<SittingDetail>, ApiError> {
    Ok(Json(detail(
        app_council::hold(&app, &actor, id_of(&id)?).await?,
    )))
}

async fn open_vote(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<VoteView>), ApiError> {
    let id = id_of(&id)?;
    let body: VoteBody = super::typed_body(&headers, body)?;
    let new = NewVote {
        agenda_seq: optional("agenda_seq", body.agenda_seq)?,
        method: body.method,
        options: body.options,
    };
    let v = app_council::open_vote(&app, &actor, id, &new).await?;
    Ok((StatusCode::CREATED, Json(vote_view(v))))
}

async fn show_vote(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<VoteView>, ApiError> {
    let (v, _) = app_council::vote(&app, &actor, id_of(&id)?).await?;
    Ok(Json(vote_view(v)))
}

async fn ballot(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<VoteView>, ApiError> {
    let id = id_of(&id)?;
    let body: BallotBody = super::typed_body(&headers, body)?;
    let voter = optional("voter_id", body.voter_id)?;
    let v = app_council::cast_ballot(&app, &actor, id, voter, &body.choice).await?;
    Ok(Json(vote_view(v)))
}

async fn close_vote(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<VoteView>, ApiError> {
    let id = id_of(&id)?;
    let body: CountBody = super::typed_body(&headers, body)?;
    let v = app_council::close_vote(&app, &actor, id, count_of(body)?).await?;
    Ok(Json(vote_view(v)))
}

async fn publish_vote(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<VoteView>, ApiError> {
    Ok(Json(vote_view(
        app_council::publish_vote(&app, &actor, id_of(&id)?).await?,
    )))
}

async fn decide(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<DecisionView>), ApiError> {
    let id = id_of(&id)?;
    let body: DecisionBody = super::typed_body(&headers, body)?;
    let vote = optional("vote_id", body.vote_id)?;
    let d = app_council::record_decision(&app, &actor, id, vote, &body.text).await?;
    Ok((StatusCode::CREATED, Json(decision_view(d))))
}

async fn minutes(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<SittingDetail>, ApiError> {
    let id = id_of(&id)?;
    let body: MinutesBody = super::typed_body(&headers, body)?;
    let view = app_council::approve_minutes(&app, &actor, id, &body.minutes, &body.summary).await?;
    Ok(Json(detail(view)))
}

async fn show_decision(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<DecisionView>, ApiError> {
    Ok(Json(decision_view(
        app_council::decision(&app, &actor, id_of(&id)?).await?,
    )))
}
