//! The residents' council hall (居民议事厅): council bodies ([`Council`]: 议事会, 听证会, 评议会,
//! 两委 …, with their members and terms), sittings ([`Sitting`]: a stage of a procedure on a
//! day, noticed in advance, its agenda items about topics), attendance per person or per
//! household with proxies, the quorum computed from the people register, votes and the
//! decisions (决议) they give.
//!
//! Procedures are data ([`procedure`]); the quorum and the pass are pure functions
//! ([`quorum`], [`vote`]). A decision's `passed` is computed from its vote and the stage's
//! rule, never typed in, and a decision cannot be recorded without the quorum.
//!
//! States: a sitting is noticed → held | quorum_failed → minutes_approved; a vote open →
//! closed → published; a decision effective → superseded. Every change of a sitting
//! appends to its event log on the version it was decided on.
//!
//! Who may do what: the staff of the community hold its sittings; staff above read them.

pub mod followup;
pub mod procedure;
pub mod quorum;
pub mod vote;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::error::{Arg, DomainError};
use crate::org::{Actor, Role};
use procedure::{Body, Entitlement, ProcedureTemplate, Stage, StageKind};

pub const MAX_NAME: usize = 100;
pub const MAX_TEXT: usize = 4000;
pub const MAX_TITLE: usize = 200;
pub const MAX_ITEMS: usize = 30;
pub const MAX_MEMBERS: usize = 200;
/// Longest minutes (会议记录) text.
pub const MAX_MINUTES: usize = 50_000;

code_enum!(
    /// The kinds of council body.
    CouncilKind {
        Council = "council" / "居民议事会",
        Hearing = "hearing" / "听证会",
        Coordination = "coordination" / "协调会",
        Evaluation = "evaluation" / "评议会",
        PartyBranch = "party_branch" / "党支部",
        TwoCommittees = "two_committees" / "两委",
        PartyMembers = "party_members" / "党员大会",
        Delegates = "delegates" / "居民代表会议",
    }
);

code_enum!(
    /// What a council speaks for.
    Scope {
        Community = "community" / "社区",
        Estate = "estate" / "小区",
        Building = "building" / "楼栋",
    }
);

code_enum!(
    CouncilState {
        Active = "active" / "在任",
        Dissolved = "dissolved" / "已解散",
    }
);

code_enum!(
    /// A member's role on the body.
    MemberRole {
        Director = "director" / "主任",
        Deputy = "deputy" / "副主任",
        Secretary = "secretary" / "秘书",
        Member = "member" / "成员",
    }
);

code_enum!(
    SittingState {
        Noticed = "noticed" / "已通知",
        Held = "held" / "已召开",
        QuorumFailed = "quorum_failed" / "未达法定人数",
        MinutesApproved = "minutes_approved" / "纪要已通过",
    }
);

code_enum!(
    /// What an attendance line is about.
    AttendeeKind {
        Resident = "resident" / "居民",
        Household = "household" / "户",
        Member = "member" / "成员",
    }
);

code_enum!(
    Presence {
        Present = "present" / "出席",
        Absent = "absent" / "缺席",
        Proxy = "proxy" / "委托",
    }
);

code_enum!(
    DecisionState {
        Effective = "effective" / "有效",
        Superseded = "superseded" / "已被替代",
    }
);

impl Entitlement {
    /// The attendance lines a body of this entitlement takes.
    pub fn attendee_kind(self) -> AttendeeKind {
        match self {
            Entitlement::AdultResidents => AttendeeKind::Resident,
            Entitlement::Households => AttendeeKind::Household,
            Entitlement::Members => AttendeeKind::Member,
        }
    }
}

// ---- councils ---------------------------------------------------------------------------------

/// A member as the community writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMember {
    pub name: String,
    pub role: String,
    pub position: String,
    pub term_from: String,
    pub term_until: String,
    /// The building or unit the member represents (楼栋、单位).
    pub represents: String,
}

/// A member of a council body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: i64,
    pub name: String,
    pub role: MemberRole,
    pub position: String,
    pub term_from: Option<NaiveDate>,
    pub term_until: Option<NaiveDate>,
    pub represents: String,
}

impl Member {
    /// Sits on `day`: within the term (open ends open).
    pub fn sits_on(&self, day: NaiveDate) -> bool {
        self.term_from.is_none_or(|f| f <= day) && self.term_until.is_none_or(|u| day <= u)
    }
}

/// A council body as the community writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCouncil {
    pub kind: String,
    pub name: String,
    pub scope: String,
    /// For an estate or building scope: the building numbers it covers.
    pub buildings: Vec<String>,
    pub members: Vec<NewMember>,
}

/// A checked council (members without ids yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouncilFields {
    pub kind: CouncilKind,
    pub name: String,
    pub scope: Scope,
    pub buildings: Vec<String>,
    pub members: Vec<Member>,
}

impl NewCouncil {
    pub fn validate(&self) -> Result<CouncilFields, DomainError> {
        let kind = code("kind", &self.kind, CouncilKind::parse, CouncilKind::codes)?;
        let scope = match self.scope.trim() {
            "" => Scope::Community,
            s => code("scope", s, Scope::parse, Scope::codes)?,
        };
        let buildings: Vec<String> = self
            .buildings
            .iter()
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty())
            .collect();
        if scope != Scope::Community && buildings.is_empty() {
            return Err(required_error("buildings"));
        }
        if self.members.len() > MAX_MEMBERS {
            return Err(too_long("members", MAX_MEMBERS));
        }
        let members = self
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| m.validate(&format!("members[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CouncilFields {
            kind,
            name: required("name", &self.name, MAX_NAME)?,
            scope,
            buildings,
            members,
        })
    }
}

impl NewMember {
    pub fn validate(&self, at: &str) -> Result<Member, DomainError> {
        let role = match self.role.trim() {
            "" => MemberRole::Member,
            r => code(
                &format!("{at}.role"),
                r,
                MemberRole::parse,
                MemberRole::codes,
            )?,
        };
        let term_from = optional_day(&format!("{at}.term_from"), &self.term_from)?;
        let term_until = optional_day(&format!("{at}.term_until"), &self.term_until)?;
        if let (Some(f), Some(u)) = (term_from, term_until)
            && u < f
        {
            return Err(DomainError::invalid_keyed(
                &format!("{at}.term_until"),
                "invalid_parameter",
                "sitting.term_backwards",
                vec![],
            ));
        }
        Ok(Member {
            id: 0,
            name: required(&format!("{at}.name"), &self.name, MAX_NAME)?,
            role,
            position: optional(&format!("{at}.position"), &self.position, MAX_NAME)?,
            term_from,
            term_until,
            represents: optional(&format!("{at}.represents"), &self.represents, MAX_NAME)?,
        })
    }
}

/// A council body as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Council {
    pub id: i64,
    pub community: String,
    pub kind: CouncilKind,
    pub name: String,
    pub scope: Scope,
    pub buildings: Vec<String>,
    pub state: CouncilState,
    pub members: Vec<Member>,
}

// ---- sittings ---------------------------------------------------------------------------------

/// An agenda item as written: the motion, and the topic it comes from if any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAgendaItem {
    pub title: String,
    pub motion: String,
    pub topic_id: Option<i64>,
}

/// An agenda item of a sitting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub seq: i64,
    pub title: String,
    pub motion: String,
    /// The topic (议题) the item comes from, if any; no foreign key (topics are another slice).
    pub topic_id: Option<i64>,
}

/// A sitting as the community writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSitting {
    pub procedure: String,
    pub stage: Option<i64>,
    /// One of the stage's bodies; empty: the stage's first.
    pub body: String,
    pub council_id: Option<i64>,
    pub title: String,
    pub day: String,
    pub place: String,
    /// RFC 3339; empty: now.
    pub notice_posted_at: String,
    pub agenda: Vec<NewAgendaItem>,
}

/// A checked sitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SittingFields {
    pub procedure: String,
    pub stage: usize,
    pub stage_name: String,
    pub body: Body,
    pub council_id: Option<i64>,
    pub title: String,
    pub day: NaiveDate,
    pub place: String,
    pub notice_posted_at: DateTime<Utc>,
    pub agenda: Vec<AgendaItem>,
}

impl NewSitting {
    /// Checks each field against the procedure: a stage that sits, a body of the stage, a
    /// council for a members' body, and the notice posted at least the stage's days before
    /// the day (Asia/Shanghai days) — else 422 on `notice_posted_at` with the numbers.
    pub fn validate(
        &self,
        p: &ProcedureTemplate,
        now: DateTime<Utc>,
    ) -> Result<SittingFields, DomainError> {
        let index = self.stage.unwrap_or(0);
        let index = usize::try_from(index).map_err(|_| stage_error(p, index))?;
        let stage = p.stage(index, "stage")?;
        if stage.kind != StageKind::Meeting {
            return Err(DomainError::invalid_keyed(
                "stage",
                "invalid_parameter",
                "sitting.stage_not_meeting",
                vec![Arg::new("stage", &stage.name)],
            ));
        }
        let body = body_of(stage, &self.body)?;
        if body.entitlement() == Entitlement::Members && self.council_id.is_none() {
            return Err(DomainError::invalid_keyed(
                "council_id",
                "required",
                "sitting.council_required",
                vec![Arg::new("body", body.zh())],
            ));
        }
        let day = parse_day("day", &self.day)?;
        let posted = match self.notice_posted_at.trim() {
            "" => now,
            t => DateTime::parse_from_rfc3339(t)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| {
                    DomainError::invalid_keyed(
                        "notice_posted_at",
                        "invalid_parameter",
                        "sitting.bad_time",
                        vec![Arg::new("value", t)],
                    )
                })?,
        };
        check_notice(stage, posted, day)?;
        Ok(SittingFields {
            procedure: p.code.clone(),
            stage: index,
            stage_name: stage.name.clone(),
            body,
            council_id: self.council_id,
            title: required("title", &self.title, MAX_TITLE)?,
            day,
            place: required("place", &self.place, MAX_NAME)?,
            notice_posted_at: posted,
            agenda: agenda(&self.agenda)?,
        })
    }
}

fn stage_error(p: &ProcedureTemplate, index: i64) -> DomainError {
    DomainError::invalid_keyed(
        "stage",
        "invalid_parameter",
        "sitting.no_such_stage",
        vec![
            Arg::new("index", index),
            Arg::new("procedure", &p.code),
            Arg::new("stages", p.stages.len()),
        ],
    )
}

fn body_of(stage: &Stage, given: &str) -> Result<Body, DomainError> {
    let given = given.trim();
    if given.is_empty() {
        return stage
            .bodies
            .first()
            .copied()
            .ok_or_else(|| required_error("body"));
    }
    Body::parse(given)
        .filter(|b| stage.bodies.contains(b))
        .ok_or_else(|| {
            let codes: Vec<&str> = stage.bodies.iter().map(|b| b.as_str()).collect();
            unknown("body", given, codes.join(", "))
        })
}

/// The notice must be posted `stage.notice_days` whole days before the sitting's day.
pub fn check_notice(
    stage: &Stage,
    posted: DateTime<Utc>,
    day: NaiveDate,
) -> Result<(), DomainError> {
    let posted_day = crate::time::local_date(posted);
    let days = (day - posted_day).num_days();
    if days < i64::from(stage.notice_days) {
        return Err(DomainError::invalid_keyed(
            "notice_posted_at",
            "notice_too_late",
            "sitting.notice_too_late",
            vec![
                Arg::new("posted", posted_day),
                Arg::new("day", day),
                Arg::new("days", days),
                Arg::new("needed", stage.notice_days),
            ],
        ));
    }
    Ok(())
}

fn agenda(given: &[NewAgendaItem]) -> Result<Vec<AgendaItem>, DomainError> {
    if given.is_empty() {
        return Err(required_error("agenda"));
    }
    if given.len() > MAX_ITEMS {
        return Err(too_long("agenda", MAX_ITEMS));
    }
    given
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let at = format!("agenda[{i}]");
            if a.topic_id.is_some_and(|t| t <= 0) {
                return Err(unknown(&format!("{at}.topic_id"), "≤0", "1, 2, …".into()));
            }
            Ok(AgendaItem {
                seq: i as i64 + 1,
                title: required(&format!("{at}.title"), &a.title, MAX_TITLE)?,
                motion: required(&format!("{at}.motion"), &a.motion, MAX_TEXT)?,
                topic_id: a.topic_id,
            })
        })
        .collect()
}

/// A sitting as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sitting {
    pub id: i64,
    pub community: String,
    pub procedure: String,
    pub stage: usize,
    pub stage_name: String,
    pub body: Body,
    pub council_id: Option<i64>,
    pub title: String,
    pub day: NaiveDate,
    pub place: String,
    pub notice_posted_at: DateTime<Utc>,
    pub state: SittingState,
    pub agenda: Vec<AgendaItem>,
    /// The 纪要 number (纪要第N期) once the minutes are approved.
    pub number: Option<String>,
    pub minutes: Option<String>,
    pub summary: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// An event of a sitting's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SittingEvent {
    pub seq: i64,
    pub kind: String,
    pub detail: serde_json::Value,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// The 409 unless the sitting is in one of `states`.
pub fn check_state(s: &Sitting, states: &[SittingState]) -> Result<(), DomainError> {
    if states.contains(&s.state) {
        return Ok(());
    }
    Err(DomainError::conflict_keyed(
        "invalid_transition",
        "sitting.wrong_state",
        vec![Arg::new("state", s.state.zh())],
    ))
}

// ---- attendance -------------------------------------------------------------------------------

/// An attendance line as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAttendance {
    pub kind: String,
    pub subject_id: Option<i64>,
    pub presence: String,
    /// For a proxy: the subject id of the attendee who holds it (same kind, present).
    pub proxy_to: Option<i64>,
    /// RFC 3339; empty: now.
    pub signed_at: String,
}

/// A checked attendance line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceFields {
    pub kind: AttendeeKind,
    pub subject_id: i64,
    pub presence: Presence,
    pub proxy_to: Option<i64>,
    pub signed_at: DateTime<Utc>,
}

impl NewAttendance {
    /// Checks the line's own fields; the kind must be the one the sitting's body takes.
    pub fn validate(
        &self,
        expected: AttendeeKind,
        now: DateTime<Utc>,
    ) -> Result<AttendanceFields, DomainError> {
        let kind = match self.kind.trim() {
            "" => expected,
            k => code("kind", k, AttendeeKind::parse, AttendeeKind::codes)?,
        };
        if kind != expected {
            return Err(DomainError::invalid_keyed(
                "kind",
                "invalid_parameter",
                "sitting.wrong_attendee_kind",
                vec![
                    Arg::new("kind", kind.as_str()),
                    Arg::new("expected", expected.as_str()),
                ],
            ));
        }
        let subject_id = self
            .subject_id
            .ok_or_else(|| required_error("subject_id"))?;
        let presence = code("presence", &self.presence, Presence::parse, Presence::codes)?;
        let proxy_to = match (presence, self.proxy_to) {
            (Presence::Proxy, None) => return Err(required_error("proxy_to")),
            (Presence::Proxy, Some(p)) if p == subject_id => {
                return Err(DomainError::invalid_keyed(
                    "proxy_to",
                    "invalid_parameter",
                    "sitting.proxy_to_self",
                    vec![],
                ));
            }
            (Presence::Proxy, p) => p,
            _ => None,
        };
        let signed_at = match self.signed_at.trim() {
            "" => now,
            t => DateTime::parse_from_rfc3339(t)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| {
                    DomainError::invalid_keyed(
                        "signed_at",
                        "invalid_parameter",
                        "sitting.bad_time",
                        vec![Arg::new("value", t)],
                    )
                })?,
        };
        Ok(AttendanceFields {
            kind,
            subject_id,
            presence,
            proxy_to,
            signed_at,
        })
    }
}

/// An attendance line as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceLine {
    pub kind: AttendeeKind,
    pub subject_id: i64,
    pub presence: Presence,
    pub proxy_to: Option<i64>,
    pub signed_at: DateTime<Utc>,
}

/// Folds the lines into the counts a quorum is judged on.
pub fn tally(entitled: u64, lines: &[AttendanceLine]) -> quorum::Attendance {
    let count = |p: Presence| lines.iter().filter(|l| l.presence == p).count() as u64;
    quorum::Attendance {
        entitled,
        present: count(Presence::Present),
        proxies: count(Presence::Proxy),
    }
}

/// One expected attendee of a sitting, from the register (the sign-in sheet's row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    pub kind: AttendeeKind,
    pub subject_id: i64,
    /// The name (staff tier: printed on the staff's sign-in sheet only).
    pub name: String,
    /// Building and room, or the member's position.
    pub place: String,
}

/// A resident of the register as the entitled count reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentFact {
    pub id: i64,
    pub name: String,
    pub id_number: String,
    pub birth_year: Option<i32>,
    pub place: String,
}

/// The adult residents on `day`: residents of unknown age are counted (the register lacks
/// the fact; counting them makes the quorum harder to reach, never easier).
pub fn adults(residents: Vec<ResidentFact>, day: NaiveDate) -> Vec<Expected> {
    residents
        .into_iter()
        .filter(|r| quorum::is_adult(&r.id_number, r.birth_year, day).unwrap_or(true))
        .map(|r| Expected {
            kind: AttendeeKind::Resident,
            subject_id: r.id,
            name: r.name,
            place: r.place,
        })
        .collect()
}

// ---- decisions --------------------------------------------------------------------------------

/// A decision (决议) as the store holds it: the entry point for publication (公示), action
/// items and evaluation in the next round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub id: i64,
    pub sitting_id: i64,
    pub vote_id: i64,
    pub community: String,
    pub agenda_seq: i64,
    pub topic_id: Option<i64>,
    pub text: String,
    /// Computed from the vote and the stage's pass rule.
    pub passed: bool,
    pub state: DecisionState,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

// ---- who may do what --------------------------------------------------------------------------

/// 403 unless `actor` is the staff of `community` itself: they hold its sittings.
pub fn require_holder(actor: &Actor, community: &str) -> Result<(), DomainError> {
    if actor.role == Some(Role::CommunityStaff) && actor.scope == community {
        return Ok(());
    }
    Err(DomainError::forbidden_keyed(
        "sitting.forbidden.holder",
        vec![],
    ))
}

// ---- small checks -----------------------------------------------------------------------------

/// A day written `YYYY-MM-DD`, or a 422 on `field`.
pub fn parse_day(field: &str, text: &str) -> Result<NaiveDate, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(required_error(field));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        DomainError::invalid_keyed(
            field,
            "invalid_parameter",
            "sitting.bad_day",
            vec![Arg::new("field", field), Arg::new("value", text)],
        )
    })
}

fn optional_day(field: &str, text: &str) -> Result<Option<NaiveDate>, DomainError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_day(field, text).map(Some)
}

/// The 422 for a procedure code that is neither a preset nor the community's own.
pub fn unknown_procedure(code: &str) -> DomainError {
    let presets: Vec<String> = procedure::presets().into_iter().map(|p| p.code).collect();
    unknown("procedure", code, presets.join(", "))
}

/// The 422 for a required field left out.
pub fn required_field(field: &str) -> DomainError {
    required_error(field)
}

/// A coded value of `field`, or a 422 listing the codes.
pub fn code_of<T>(
    field: &str,
    text: &str,
    parse: fn(&str) -> Option<T>,
    codes: fn() -> String,
) -> Result<T, DomainError> {
    code(field, text, parse, codes)
}

fn code<T>(
    field: &str,
    text: &str,
    parse: fn(&str) -> Option<T>,
    codes: fn() -> String,
) -> Result<T, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(required_error(field));
    }
    parse(text).ok_or_else(|| unknown(field, text, codes()))
}

pub(crate) fn required_error(field: &str) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "required",
        "domain.required.field",
        vec![Arg::new("field", field)],
    )
}

pub(crate) fn too_long(field: &str, max: usize) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "too_long",
        "domain.too_long.note",
        vec![Arg::new("field", field), Arg::new("max", max)],
    )
}

pub(crate) fn unknown(field: &str, value: &str, codes: String) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "invalid_parameter",
        "sitting.unknown_code",
        vec![
            Arg::new("field", field),
            Arg::new("value", value),
            Arg::new("codes", codes),
        ],
    )
}

pub fn required(field: &str, text: &str, max: usize) -> Result<String, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(required_error(field));
    }
    optional(field, text, max)
}

pub(crate) fn optional(field: &str, text: &str, max: usize) -> Result<String, DomainError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(too_long(field, max));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests;
