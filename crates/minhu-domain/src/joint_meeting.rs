//! The district's joint meeting (联席会议) of the 民呼必应 rapid-response mechanism: a
//! [`JointBody`] of member units led by the district office, the queue of hard cases
//! ([`Candidate`], 疑难件 the community and the street cannot solve), and its meetings
//! ([`JointMeeting`]: 例会, 专题协调会, 推进会) that take those cases, decide them (议定事项) and
//! issue numbered minutes (纪要第N期). Each decision becomes an action item (source
//! `meeting_decision`) tied to the case's requests, which stay open with their SLA; the
//! ladder 催办 / 督办 / 通报 and the 销号 are the action items' own.
//!
//! Like a request, a meeting is its event log: [`JointMeeting::replay`] derives the state,
//! [`decide`] checks a [`Command`] against that state and the actor's standing (office staff,
//! convener) and gives the event to append. proposed → approved (by the convener only) →
//! noticed → held → minutes_issued. Pure: the caller gives the organisation and `now`.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::action_item::figures::ItemCounts;
use crate::action_item::{MAX_REQUESTS, MAX_TITLE, MAX_WORKING_DAYS};
use crate::calendar::Calendar;
use crate::codes::code_enum;
use crate::error::{Arg, DomainError};
use crate::org::Org;
use crate::time::local_date;

/// Longest name of a body, a place, a chair, a liaison officer's name (characters).
pub const MAX_NAME: usize = 100;
/// Longest free text: a reason, a proposed handling, an acceptance criterion, a note.
pub const MAX_TEXT: usize = 1000;
/// Most member units a body has, and most decisions one agenda item takes.
pub const MAX_MEMBERS: usize = 60;
pub const MAX_DECISIONS: usize = 20;

code_enum!(
    /// Whether a body still meets.
    BodyState {
        Active = "active" / "运行中",
        Dissolved = "dissolved" / "已撤销",
    }
);

code_enum!(
    /// What a candidate case is. Only requests are queued now; the others are the
    /// mechanism's other sources (a red-risk mediation case, a council decision beyond the
    /// community), kept in the one queue.
    CandidateKind {
        Request = "request" / "疑难工单",
        MediationCase = "mediation_case" / "红色风险调解案件",
        CouncilDecision = "council_decision" / "超出社区能力的议事决定",
    }
);

code_enum!(
    /// How a case reached the queue.
    CandidateOrigin {
        /// Flagged 疑难件 at dispatch and still open.
        Flagged = "flagged" / "派单标记疑难件",
        /// Put forward by a street or community: they cannot solve it.
        Proposed = "proposed" / "街道社区提请",
    }
);

code_enum!(
    /// Where a candidate stands.
    CandidateState {
        Queued = "queued" / "待上会",
        Admitted = "admitted" / "已列入议程",
        Decided = "decided" / "已议定",
        Dismissed = "dismissed" / "不予上会",
    }
);

code_enum!(
    /// The kinds of meeting of the mechanism.
    MeetingKind {
        Regular = "regular" / "例会",
        Coordination = "coordination" / "专题协调会",
        Progress = "progress" / "推进会",
    }
);

code_enum!(
    /// Where a meeting stands.
    MeetingState {
        Proposed = "proposed" / "已提议",
        Approved = "approved" / "已批准",
        Noticed = "noticed" / "已通知",
        Held = "held" / "已召开",
        MinutesIssued = "minutes_issued" / "纪要已印发",
    }
);

code_enum!(
    /// Where an agenda item stands.
    ItemState {
        Proposed = "proposed" / "拟上会",
        Admitted = "admitted" / "已列入议程",
        Discussed = "discussed" / "已研究",
        Decided = "decided" / "已议定",
        Deferred = "deferred" / "暂缓（转下次会议）",
    }
);

code_enum!(
    /// How a member unit attended.
    Presence {
        Present = "present" / "出席",
        Substitute = "substitute" / "代会",
        Absent = "absent" / "缺席",
    }
);

// ---- the body ----------------------------------------------------------------------------

/// A member unit and its liaison officer (联络员).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub unit: String,
    pub liaison: String,
    pub phone: String,
}

/// A joint body as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointBody {
    pub id: i64,
    pub name: String,
    /// The office that leads it (区综合办): it issues the minutes and verifies the items.
    pub lead_unit: String,
    /// The username of the convener (召集人): the one who approves a meeting.
    pub convener: String,
    /// The regular cadence, as the rules write it (每月一次).
    pub cadence: String,
    pub members: Vec<Member>,
    pub state: BodyState,
    pub created_by: String,
    #[serde(with = "crate::time::serde_local")]
    pub created_at: DateTime<Utc>,
}

impl JointBody {
    pub fn member(&self, unit: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.unit == unit)
    }
}

/// What the office fills in for a body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewBody {
    pub name: String,
    pub lead_unit: String,
    pub convener: String,
    pub cadence: String,
    pub members: Vec<Member>,
}

/// A checked body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyFields {
    pub name: String,
    pub lead_unit: String,
    pub convener: String,
    pub cadence: String,
    pub members: Vec<Member>,
}

impl NewBody {
    /// Checks each field: the lead unit a known office, each member a known unit other than
    /// the lead, listed once, with a liaison and a phone.
    pub fn validate(&self, org: &Org) -> Result<BodyFields, DomainError> {
        let name = required("name", &self.name, MAX_NAME)?;
        let lead = required("lead_unit", &self.lead_unit, MAX_NAME)?;
        match org.unit(&lead) {
            None => return Err(unknown_unit("lead_unit", &lead)),
            Some(u) if !u.office => {
                return Err(invalid("lead_unit", "meeting.lead_not_office", vec![]));
            }
            Some(_) => {}
        }
        if self.members.is_empty() {
            return Err(required_error("members"));
        }
        if self.members.len() > MAX_MEMBERS {
            return Err(invalid(
                "members",
                "meeting.too_many_members",
                vec![Arg::new("max", MAX_MEMBERS)],
            ));
        }
        let mut members: Vec<Member> = Vec::new();
        for (i, m) in self.members.iter().enumerate() {
            let at = |f: &str| format!("members[{i}].{f}");
            let unit = required(&at("unit"), &m.unit, MAX_NAME)?;
            if org.unit(&unit).is_none() {
                return Err(unknown_unit(&at("unit"), &unit));
            }
            if unit == lead || members.iter().any(|x| x.unit == unit) {
                return Err(invalid(
                    &at("unit"),
                    "meeting.member_twice",
                    vec![Arg::new("unit", &unit)],
                ));
            }
            members.push(Member {
                unit,
                liaison: required(&at("liaison"), &m.liaison, MAX_NAME)?,
                phone: phone(&at("phone"), &m.phone)?,
            });
        }
        Ok(BodyFields {
            name,
            lead_unit: lead,
            convener: required("convener", &self.convener, MAX_NAME)?,
            cadence: required("cadence", &self.cadence, MAX_NAME)?,
            members,
        })
    }
}

fn phone(field: &str, text: &str) -> Result<String, DomainError> {
    let text = required(field, text, 20)?;
    if !text
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
    {
        return Err(invalid(
            field,
            "meeting.bad_phone",
            vec![Arg::new("value", &text)],
        ));
    }
    Ok(text)
}

/// The 409 for acting on a dissolved body.
pub fn check_active(body: &JointBody) -> Result<(), DomainError> {
    if body.state == BodyState::Dissolved {
        return Err(DomainError::conflict_keyed(
            "invalid_transition",
            "meeting.body_dissolved",
            vec![],
        ));
    }
    Ok(())
}

// ---- the candidate queue -----------------------------------------------------------------

/// A case queued for the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub id: i64,
    pub body_id: i64,
    pub kind: CandidateKind,
    /// The record of `kind` it is about (for a request case: its first request).
    pub ref_id: i64,
    pub origin: CandidateOrigin,
    /// The requests of the case, one or several.
    pub requests: Vec<i64>,
    pub title: String,
    pub reason: String,
    pub state: CandidateState,
    pub proposed_by: String,
    #[serde(with = "crate::time::serde_local")]
    pub proposed_at: DateTime<Utc>,
    pub dismissed_reason: Option<String>,
}

/// What a street or community fills in to put a case forward.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewCandidate {
    pub request_ids: Vec<i64>,
    pub title: String,
    pub reason: String,
}

/// A checked candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateFields {
    pub requests: Vec<i64>,
    pub title: String,
    pub reason: String,
}

impl NewCandidate {
    /// One to [`MAX_REQUESTS`] requests, each once; a title; the reason the community and
    /// street cannot solve it.
    pub fn validate(&self) -> Result<CandidateFields, DomainError> {
        let mut requests: Vec<i64> = Vec::new();
        for id in &self.request_ids {
            if !requests.contains(id) {
                requests.push(*id);
            }
        }
        if requests.is_empty() {
            return Err(required_error("request_ids"));
        }
        if requests.len() > MAX_REQUESTS {
            return Err(invalid(
                "request_ids",
                "meeting.too_many_requests",
                vec![Arg::new("max", MAX_REQUESTS)],
            ));
        }
        Ok(CandidateFields {
            requests,
            title: required("title", &self.title, MAX_TITLE)?,
            reason: required("reason", &self.reason, MAX_TEXT)?,
        })
    }
}

/// The 409 for dismissing a candidate that is no longer waiting.
pub fn check_dismiss(c: &Candidate) -> Result<(), DomainError> {
    if c.state != CandidateState::Queued {
        return Err(DomainError::conflict_keyed(
            "invalid_transition",
            "meeting.candidate_not_queued",
            vec![Arg::new("state", c.state.zh())],
        ));
    }
    Ok(())
}

// ---- a case's summary ----------------------------------------------------------------------

/// One request of a case as the agenda summarises it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseLine {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub jurisdiction: String,
    /// Its state code (`in_progress` …).
    pub state: String,
    /// Local days since it came in.
    pub days_open: i64,
    /// Its SLA light (`none`, `yellow`, `red`).
    pub sla: String,
    #[serde(with = "crate::time::serde_local_opt")]
    pub deadline: Option<DateTime<Utc>>,
}

/// Local days from `from` to `now` (0 on the same day).
pub fn days_between(from: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (local_date(now) - local_date(from)).num_days().max(0)
}

// ---- decisions ---------------------------------------------------------------------------

/// A decision (议定事项) of an agenda item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub text: String,
    /// The lead unit (主办): the action item's owner.
    pub lead_unit: String,
    /// The co-units (协办).
    pub co_units: Vec<String>,
    pub working_days: u32,
    /// What counts as done (验收标准).
    pub acceptance: String,
    /// Where the money comes from, if any (资金来源).
    pub funding: String,
}

/// What the office fills in for one decision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewDecision {
    pub text: String,
    pub lead_unit: String,
    pub co_units: Vec<String>,
    pub working_days: Option<i64>,
    pub acceptance: String,
    pub funding: String,
}

impl NewDecision {
    /// Checks a decision, the `i`th of its item (fields named `decisions[i].…`). `issuer`
    /// is the office that will issue and verify the items: it leads and helps with none.
    pub fn validate(&self, org: &Org, issuer: &str, i: usize) -> Result<Decision, DomainError> {
        let at = |f: &str| format!("decisions[{i}].{f}");
        let text = required(&at("text"), &self.text, MAX_TITLE)?;
        let lead = required(&at("lead_unit"), &self.lead_unit, MAX_NAME)?;
        if org.unit(&lead).is_none() {
            return Err(unknown_unit(&at("lead_unit"), &lead));
        }
        if lead == issuer {
            return Err(DomainError::invalid_keyed(
                &at("lead_unit"),
                "owner_is_issuer",
                "governance.action_item.owner_is_issuer",
                vec![],
            ));
        }
        let mut co_units: Vec<String> = Vec::new();
        for u in self
            .co_units
            .iter()
            .map(|u| u.trim())
            .filter(|u| !u.is_empty())
        {
            if org.unit(u).is_none() {
                return Err(unknown_unit(&at("co_units"), u));
            }
            if u == lead || u == issuer {
                return Err(invalid(
                    &at("co_units"),
                    "meeting.co_unit_is_lead",
                    vec![Arg::new("unit", u)],
                ));
            }
            if !co_units.iter().any(|x| x == u) {
                co_units.push(u.to_string());
            }
        }
        let days = self
            .working_days
            .ok_or_else(|| required_error(&at("working_days")))?;
        let days = u32::try_from(days)
            .ok()
            .filter(|d| (1..=MAX_WORKING_DAYS).contains(d))
            .ok_or_else(|| {
                DomainError::invalid_keyed(
                    &at("working_days"),
                    "out_of_range",
                    "governance.action_item.working_days",
                    vec![Arg::new("max", MAX_WORKING_DAYS)],
                )
            })?;
        Ok(Decision {
            text,
            lead_unit: lead,
            co_units,
            working_days: days,
            acceptance: required(&at("acceptance"), &self.acceptance, MAX_TEXT)?,
            funding: optional(&at("funding"), &self.funding, MAX_TEXT)?,
        })
    }
}

/// Checks the decisions of one item: at least one, at most [`MAX_DECISIONS`].
pub fn validate_decisions(
    given: &[NewDecision],
    org: &Org,
    issuer: &str,
) -> Result<Vec<Decision>, DomainError> {
    if given.is_empty() {
        return Err(required_error("decisions"));
    }
    if given.len() > MAX_DECISIONS {
        return Err(invalid(
            "decisions",
            "meeting.too_many_decisions",
            vec![Arg::new("max", MAX_DECISIONS)],
        ));
    }
    given
        .iter()
        .enumerate()
        .map(|(i, d)| d.validate(org, issuer, i))
        .collect()
}

// ---- attendance ----------------------------------------------------------------------------

/// How a member unit attended a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendance {
    pub unit: String,
    pub presence: Presence,
    /// Who came (the member's liaison, or the substitute).
    pub person: String,
    /// For a substitute: whom they stand in for (代).
    pub for_person: Option<String>,
    /// For an absence: why.
    pub reason: Option<String>,
    /// Signed the sign-in sheet.
    pub signed: bool,
}

/// What the office fills in for one unit's attendance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewAttendance {
    pub unit: String,
    pub presence: String,
    pub person: String,
    pub for_person: String,
    pub reason: String,
    pub signed: bool,
}

impl NewAttendance {
    /// A member of `body`; present with a person, a substitute with a person standing in
    /// for someone (the unit's liaison unless named), absent with a reason.
    pub fn validate(&self, body: &JointBody) -> Result<Attendance, DomainError> {
        let unit = required("unit", &self.unit, MAX_NAME)?;
        let Some(member) = body.member(&unit) else {
            return Err(invalid(
                "unit",
                "meeting.not_a_member",
                vec![Arg::new("unit", &unit)],
            ));
        };
        let presence = required("presence", &self.presence, 20)?;
        let presence = Presence::parse(&presence)
            .ok_or_else(|| unknown("presence", &presence, Presence::codes()))?;
        let person = optional("person", &self.person, MAX_NAME)?;
        let (person, for_person, reason, signed) = match presence {
            Presence::Present => (
                required("person", &person, MAX_NAME)?,
                None,
                None,
                self.signed,
            ),
            Presence::Substitute => {
                let standing_for = optional("for_person", &self.for_person, MAX_NAME)?;
                let standing_for = if standing_for.is_empty() {
                    member.liaison.clone()
                } else {
                    standing_for
                };
                (
                    required("person", &person, MAX_NAME)?,
                    Some(standing_for),
                    None,
                    self.signed,
                )
            }
            Presence::Absent => (
                person,
                None,
                Some(required("reason", &self.reason, MAX_TEXT)?),
                false,
            ),
        };
        Ok(Attendance {
            unit,
            presence,
            person,
            for_person,
            reason,
            signed,
        })
    }
}

// ---- the meeting ---------------------------------------------------------------------------

/// What the office fills in to propose a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewMeeting {
    pub kind: String,
    pub day: String,
    pub place: String,
    pub chair: String,
}

/// A checked meeting proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingFields {
    pub kind: MeetingKind,
    pub day: NaiveDate,
    pub place: String,
    pub chair: String,
}

impl NewMeeting {
    pub fn validate(&self) -> Result<MeetingFields, DomainError> {
        let kind = required("kind", &self.kind, 40)?;
        let kind = MeetingKind::parse(&kind)
            .ok_or_else(|| unknown("kind", &kind, MeetingKind::codes()))?;
        Ok(MeetingFields {
            kind,
            day: parse_day("day", &self.day)?,
            place: required("place", &self.place, MAX_NAME)?,
            chair: required("chair", &self.chair, MAX_NAME)?,
        })
    }
}

/// A day written `YYYY-MM-DD`, or a 422 on `field`.
pub fn parse_day(field: &str, text: &str) -> Result<NaiveDate, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(required_error(field));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        invalid(
            field,
            "meeting.bad_day",
            vec![Arg::new("field", field), Arg::new("value", text)],
        )
    })
}

/// The first day of a month written `YYYY-MM`, or a 422 on `field`.
pub fn parse_month(field: &str, text: &str) -> Result<NaiveDate, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(required_error(field));
    }
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 7)
        .ok_or_else(|| {
            invalid(
                field,
                "meeting.bad_month",
                vec![Arg::new("field", field), Arg::new("value", text)],
            )
        })
}

/// The first day of the month after `month` (a first of a month).
pub fn next_month(month: NaiveDate) -> NaiveDate {
    let (y, m) = if month.month() == 12 {
        (month.year() + 1, 1)
    } else {
        (month.year(), month.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(month)
}

/// An agenda item added to a meeting: from a queued candidate, or carried over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAgendaItem {
    /// The candidate it takes (for a case from the queue, and a deferred case carried).
    pub candidate_id: Option<i64>,
    /// The unverified action item it follows up (carried over).
    pub action_item_id: Option<i64>,
    /// The meeting it was carried from.
    pub carried_from: Option<i64>,
    pub title: String,
    pub requests: Vec<i64>,
    /// The unit that presents the case (汇报单位).
    pub presenter_unit: String,
    /// The handling proposed to the meeting (拟处理意见).
    pub proposed_handling: String,
    /// When the case was first admitted to an agenda (its age is counted from then).
    #[serde(with = "crate::time::serde_local_opt", default)]
    pub first_admitted_at: Option<DateTime<Utc>>,
    /// A carried action item's due date (its working days overdue are counted from it).
    #[serde(with = "crate::time::serde_local_opt", default)]
    pub due: Option<DateTime<Utc>>,
}

/// The data of each step of a meeting, tagged with the action name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum MeetingEventData {
    Propose {
        kind: MeetingKind,
        day: NaiveDate,
        place: String,
        chair: String,
    },
    Approve,
    AddItem {
        item: NewAgendaItem,
        /// Carried items come in admitted; a case from the queue as proposed.
        admitted: bool,
    },
    Admit {
        item: u32,
    },
    Notice,
    Attend {
        attendance: Attendance,
    },
    Hold,
    Discuss {
        item: u32,
        note: String,
    },
    Decide {
        item: u32,
        decisions: Vec<Decision>,
    },
    Defer {
        item: u32,
        reason: String,
    },
    IssueMinutes {
        /// The minutes' number (纪要第N期), given by the store as it appends the event.
        #[serde(default)]
        number: Option<String>,
    },
}

impl MeetingEventData {
    pub fn action(&self) -> &'static str {
        use MeetingEventData as E;
        match self {
            E::Propose { .. } => "propose",
            E::Approve => "approve",
            E::AddItem { .. } => "add_item",
            E::Admit { .. } => "admit",
            E::Notice => "notice",
            E::Attend { .. } => "attend",
            E::Hold => "hold",
            E::Discuss { .. } => "discuss",
            E::Decide { .. } => "decide",
            E::Defer { .. } => "defer",
            E::IssueMinutes { .. } => "issue_minutes",
        }
    }
}

/// One entry of a meeting's append-only log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingEvent {
    pub seq: i64,
    #[serde(with = "crate::time::serde_local")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub data: MeetingEventData,
}

/// An agenda item as the events make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    /// Its place on the agenda, from 1.
    pub no: u32,
    pub source: NewAgendaItem,
    pub state: ItemState,
    pub decisions: Vec<Decision>,
    /// The note of a discussion, or the reason of a deferral.
    pub note: Option<String>,
    #[serde(with = "crate::time::serde_local")]
    pub added_at: DateTime<Utc>,
}

impl AgendaItem {
    /// When the case was first admitted: carried items keep their first date.
    pub fn first_admitted_at(&self) -> DateTime<Utc> {
        self.source.first_admitted_at.unwrap_or(self.added_at)
    }
}

/// A joint meeting as its events make it.
#[derive(Debug, Clone, PartialEq)]
pub struct JointMeeting {
    pub id: i64,
    pub body_id: i64,
    pub kind: MeetingKind,
    pub day: NaiveDate,
    pub place: String,
    pub chair: String,
    pub state: MeetingState,
    pub proposed_by: String,
    pub approved_by: Option<String>,
    pub items: Vec<AgendaItem>,
    /// One line per member unit that was recorded, in the order first recorded.
    pub attendance: Vec<Attendance>,
    pub number: Option<String>,
    pub held_at: Option<DateTime<Utc>>,
    pub issued_at: Option<DateTime<Utc>>,
    /// The seq of the last event: the store appends the next one with a check on it.
    pub version: i64,
}

impl JointMeeting {
    /// The meeting its events make, in order.
    pub fn replay(id: i64, body_id: i64, events: &[MeetingEvent]) -> Self {
        let mut m = JointMeeting {
            id,
            body_id,
            kind: MeetingKind::Regular,
            day: NaiveDate::MIN,
            place: String::new(),
            chair: String::new(),
            state: MeetingState::Proposed,
            proposed_by: String::new(),
            approved_by: None,
            items: Vec::new(),
            attendance: Vec::new(),
            number: None,
            held_at: None,
            issued_at: None,
            version: 0,
        };
        for e in events {
            m.apply(e);
        }
        m
    }

    /// One step of the log: the only place state changes.
    pub fn apply(&mut self, e: &MeetingEvent) {
        use MeetingEventData as E;
        self.version = e.seq;
        match &e.data {
            E::Propose {
                kind,
                day,
                place,
                chair,
            } => {
                self.kind = *kind;
                self.day = *day;
                self.place = place.clone();
                self.chair = chair.clone();
                self.proposed_by = e.actor.clone();
                self.state = MeetingState::Proposed;
            }
            E::Approve => {
                self.state = MeetingState::Approved;
                self.approved_by = Some(e.actor.clone());
            }
            E::AddItem { item, admitted } => {
                let no = u32::try_from(self.items.len() + 1).unwrap_or(u32::MAX);
                self.items.push(AgendaItem {
                    no,
                    source: item.clone(),
                    state: if *admitted {
                        ItemState::Admitted
                    } else {
                        ItemState::Proposed
                    },
                    decisions: Vec::new(),
                    note: None,
                    added_at: e.at,
                });
            }
            E::Admit { item } => self.set_item(*item, ItemState::Admitted, None),
            E::Notice => self.state = MeetingState::Noticed,
            E::Attend { attendance } => {
                match self
                    .attendance
                    .iter_mut()
                    .find(|a| a.unit == attendance.unit)
                {
                    Some(a) => *a = attendance.clone(),
                    None => self.attendance.push(attendance.clone()),
                }
            }
            E::Hold => {
                self.state = MeetingState::Held;
                self.held_at = Some(e.at);
            }
            E::Discuss { item, note } => {
                self.set_item(*item, ItemState::Discussed, Some(note.clone()))
            }
            E::Decide { item, decisions } => {
                self.set_item(*item, ItemState::Decided, None);
                if let Some(i) = self.item_mut(*item) {
                    i.decisions = decisions.clone();
                }
            }
            E::Defer { item, reason } => {
                self.set_item(*item, ItemState::Deferred, Some(reason.clone()))
            }
            E::IssueMinutes { number } => {
                self.state = MeetingState::MinutesIssued;
                self.number = number.clone();
                self.issued_at = Some(e.at);
            }
        }
    }

    fn item_mut(&mut self, no: u32) -> Option<&mut AgendaItem> {
        self.items.iter_mut().find(|i| i.no == no)
    }

    fn set_item(&mut self, no: u32, state: ItemState, note: Option<String>) {
        if let Some(i) = self.item_mut(no) {
            i.state = state;
            if note.is_some() {
                i.note = note;
            }
        }
    }

    pub fn item(&self, no: u32) -> Option<&AgendaItem> {
        self.items.iter().find(|i| i.no == no)
    }
}

/// The standing of the person acting on a meeting, worked out by the caller from the login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// Acts for the body's lead office.
    pub office: bool,
    /// Is the body's convener.
    pub convener: bool,
}

/// A step asked for on a meeting (the proposal itself is [`propose`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Approve,
    AddItem(NewAgendaItem),
    Admit { item: u32 },
    Notice,
    Attend(Attendance),
    Hold,
    Discuss { item: u32, note: String },
    Decide { item: u32, decisions: Vec<Decision> },
    Defer { item: u32, reason: String },
    IssueMinutes,
}

/// The first event of a meeting, if `standing` may propose one.
pub fn propose(standing: Standing, f: &MeetingFields) -> Result<MeetingEventData, DomainError> {
    require_office(standing)?;
    Ok(MeetingEventData::Propose {
        kind: f.kind,
        day: f.day,
        place: f.place.clone(),
        chair: f.chair.clone(),
    })
}

/// Checks `command` on `m` for a person of `standing`; the event to append.
pub fn decide(
    m: &JointMeeting,
    standing: Standing,
    command: Command,
) -> Result<MeetingEventData, DomainError> {
    use MeetingState as S;
    match command {
        Command::Approve => {
            in_state(m, &[S::Proposed])?;
            if !standing.convener {
                return Err(DomainError::forbidden_keyed(
                    "meeting.forbidden.convener",
                    vec![],
                ));
            }
            Ok(MeetingEventData::Approve)
        }
        Command::AddItem(item) => {
            require_office(standing)?;
            in_state(m, &[S::Proposed, S::Approved])?;
            if item.presenter_unit.trim().is_empty() {
                return Err(required_error("presenter_unit"));
            }
            Ok(MeetingEventData::AddItem {
                admitted: false,
                item,
            })
        }
        Command::Admit { item } => {
            require_office(standing)?;
            in_state(m, &[S::Proposed, S::Approved])?;
            item_in(m, item, &[ItemState::Proposed])?;
            Ok(MeetingEventData::Admit { item })
        }
        Command::Notice => {
            require_office(standing)?;
            in_state(m, &[S::Approved])?;
            if !m.items.iter().any(|i| i.state == ItemState::Admitted) {
                return Err(invalid("items", "meeting.no_admitted_items", vec![]));
            }
            Ok(MeetingEventData::Notice)
        }
        Command::Attend(attendance) => {
            require_office(standing)?;
            in_state(m, &[S::Noticed, S::Held])?;
            Ok(MeetingEventData::Attend { attendance })
        }
        Command::Hold => {
            require_office(standing)?;
            in_state(m, &[S::Noticed])?;
            Ok(MeetingEventData::Hold)
        }
        Command::Discuss { item, note } => {
            outcome_allowed(m, standing, item)?;
            let note = required("note", &note, MAX_TEXT)?;
            Ok(MeetingEventData::Discuss { item, note })
        }
        Command::Decide { item, decisions } => {
            outcome_allowed(m, standing, item)?;
            if decisions.is_empty() {
                return Err(required_error("decisions"));
            }
            Ok(MeetingEventData::Decide { item, decisions })
        }
        Command::Defer { item, reason } => {
            outcome_allowed(m, standing, item)?;
            let reason = required("reason", &reason, MAX_TEXT)?;
            Ok(MeetingEventData::Defer { item, reason })
        }
        Command::IssueMinutes => {
            require_office(standing)?;
            in_state(m, &[S::Held])?;
            if let Some(open) = m.items.iter().find(|i| i.state == ItemState::Admitted) {
                return Err(invalid(
                    "items",
                    "meeting.item_without_outcome",
                    vec![Arg::new("item", open.no)],
                ));
            }
            if !m.items.iter().any(|i| i.state == ItemState::Decided) {
                return Err(invalid("items", "meeting.no_decisions", vec![]));
            }
            Ok(MeetingEventData::IssueMinutes { number: None })
        }
    }
}

fn require_office(standing: Standing) -> Result<(), DomainError> {
    if standing.office {
        return Ok(());
    }
    Err(DomainError::forbidden_keyed(
        "meeting.forbidden.office",
        vec![],
    ))
}

fn in_state(m: &JointMeeting, allowed: &[MeetingState]) -> Result<(), DomainError> {
    if allowed.contains(&m.state) {
        return Ok(());
    }
    Err(DomainError::conflict_keyed(
        "invalid_transition",
        "meeting.wrong_state",
        vec![Arg::new("state", m.state.zh())],
    ))
}

fn item_in(m: &JointMeeting, no: u32, allowed: &[ItemState]) -> Result<(), DomainError> {
    let Some(item) = m.item(no) else {
        return Err(invalid(
            "item",
            "meeting.no_such_item",
            vec![Arg::new("item", no)],
        ));
    };
    if !allowed.contains(&item.state) {
        return Err(DomainError::conflict_keyed(
            "invalid_transition",
            "meeting.item_wrong_state",
            vec![Arg::new("item", no), Arg::new("state", item.state.zh())],
        ));
    }
    Ok(())
}

/// At a held meeting, the office records an admitted (or discussed) item's outcome.
fn outcome_allowed(m: &JointMeeting, standing: Standing, item: u32) -> Result<(), DomainError> {
    require_office(standing)?;
    in_state(m, &[MeetingState::Held])?;
    item_in(m, item, &[ItemState::Admitted, ItemState::Discussed])
}

// ---- carry-over ------------------------------------------------------------------------------

/// An action item from a body's earlier minutes, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDecision {
    pub action_item_id: i64,
    pub meeting_id: i64,
    pub title: String,
    pub owner: String,
    pub requests: Vec<i64>,
    pub due: DateTime<Utc>,
    pub first_admitted_at: DateTime<Utc>,
}

/// What a new meeting of a body carries onto its agenda: every case whose latest agenda
/// item (in the body's issued meetings, oldest first) was deferred, and every unverified
/// action item of its minutes, each with the date it was first admitted.
pub fn carry_over(earlier: &[JointMeeting], open: &[OpenDecision]) -> Vec<NewAgendaItem> {
    // The latest item per case (candidate), and when the case was first admitted.
    let mut latest: Vec<(i64, &AgendaItem, i64, DateTime<Utc>)> = Vec::new();
    for m in earlier
        .iter()
        .filter(|m| m.state == MeetingState::MinutesIssued)
    {
        for item in m.items.iter().filter(|i| i.source.action_item_id.is_none()) {
            let Some(c) = item.source.candidate_id else {
                continue;
            };
            match latest.iter_mut().find(|(id, ..)| *id == c) {
                Some(entry) => {
                    entry.1 = item;
                    entry.2 = m.id;
                }
                None => latest.push((c, item, m.id, item.first_admitted_at())),
            }
        }
    }
    let deferred = latest
        .into_iter()
        .filter(|(_, i, ..)| i.state == ItemState::Deferred)
        .map(|(c, i, from, first)| NewAgendaItem {
            candidate_id: Some(c),
            action_item_id: None,
            carried_from: Some(from),
            first_admitted_at: Some(first),
            due: None,
            ..i.source.clone()
        });
    let unverified = open.iter().map(|d| NewAgendaItem {
        candidate_id: None,
        action_item_id: Some(d.action_item_id),
        carried_from: Some(d.meeting_id),
        title: d.title.clone(),
        requests: d.requests.clone(),
        presenter_unit: d.owner.clone(),
        proposed_handling: String::new(),
        first_admitted_at: Some(d.first_admitted_at),
        due: Some(d.due),
    });
    deferred.chain(unverified).collect()
}

/// The age of a carried item at `now`: local days since first admitted, and for a carried
/// action item the working days past its due date (0 when not yet due).
pub fn age(item: &AgendaItem, now: DateTime<Utc>, calendar: &Calendar) -> (i64, i64) {
    let days = days_between(item.first_admitted_at(), now);
    let overdue = match item.source.due {
        Some(due) if now > due => calendar.working_days_between(local_date(due), local_date(now)),
        _ => 0,
    };
    (days, overdue)
}

// ---- per-unit figures ------------------------------------------------------------------------

/// One unit's line of the month's figures: the shared action-item counts
/// (`crate::action_item::figures`) of the joint meetings' decisions only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitFigures {
    pub unit: String,
    /// Items issued to the unit in the month.
    pub decided: u32,
    /// Verified (销号) in the month by their due date.
    pub on_time: u32,
    /// Verified late in the month, or still pending past due.
    pub overdue: u32,
}

/// The joint meetings' figures as a filter of the shared per-unit counts: the lines of
/// source kind `meeting_decision`, by unit code, so the monthly report, the ranking and
/// the joint meeting read one count.
pub fn unit_figures(counts: &[ItemCounts]) -> Vec<UnitFigures> {
    let kind = crate::action_item::SourceKind::MeetingDecision.as_str();
    let mut out: std::collections::BTreeMap<&str, ItemCounts> = Default::default();
    for c in counts.iter().filter(|c| c.source_kind == kind) {
        out.entry(c.owner.as_str()).or_default().add(c);
    }
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    out.into_iter()
        .filter(|(_, c)| !c.is_zero())
        .map(|(unit, c)| UnitFigures {
            unit: unit.to_string(),
            decided: count(c.issued),
            on_time: count(c.on_time),
            overdue: count(c.overdue()),
        })
        .collect()
}

// ---- small checks ----------------------------------------------------------------------------

fn invalid(field: &str, key: &'static str, args: Vec<Arg>) -> DomainError {
    DomainError::invalid_keyed(field, "invalid_parameter", key, args)
}

fn required_error(field: &str) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "required",
        "domain.required.field",
        vec![Arg::new("field", field)],
    )
}

fn unknown_unit(field: &str, unit: &str) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "unknown_unit",
        "domain.unknown_unit.code",
        vec![Arg::new("unit", unit)],
    )
}

fn unknown(field: &str, value: &str, codes: String) -> DomainError {
    invalid(
        field,
        "meeting.unknown_code",
        vec![
            Arg::new("field", field),
            Arg::new("value", value),
            Arg::new("codes", codes),
        ],
    )
}

fn required(field: &str, text: &str, max: usize) -> Result<String, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(required_error(field));
    }
    optional(field, text, max)
}

fn optional(field: &str, text: &str, max: usize) -> Result<String, DomainError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(DomainError::invalid_keyed(
            field,
            "too_long",
            "domain.too_long.note",
            vec![Arg::new("field", field), Arg::new("max", max)],
        ));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests;
