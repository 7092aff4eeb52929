//! 督办事项: the follow-up that keeps a decision from staying on paper. A council decision
//! (议事决议), a joint meeting's 议定事项, a mediation agreement's performance term or a grid's
//! 责任清单 duty each becomes one [`ActionItem`]: the office that issued it (the 交办 unit),
//! one owner unit (主办) and its co-units (协办), a due date counted in working days, the
//! owner's progress reports with their evidence, and the issuing office's 销号 once it has
//! checked the work. Overdue items climb the ladder 催办 → 督办通知 → 通报 ([`next_oversight`]).
//!
//! Like a request, an item is its event log: [`ActionItem::replay`] derives the state, and
//! [`decide`] checks a [`Command`] against that state, the actor and `now`, giving the event
//! to append. The owner claims done; only the issuing office verifies or reopens, so no unit
//! ever signs off its own work.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::codes::code_enum;
use crate::error::{Arg, DomainError};
use crate::ids::{ActionItemId, RequestId, UnitCode};
use crate::time::local_date;

/// Longest title (characters): one line on the 销号台账.
pub const MAX_TITLE: usize = 200;
/// Longest note, reason or evidence reference (characters).
pub const MAX_NOTE: usize = 5000;
/// Longest working-day limit an item may be given (about half a year).
pub const MAX_WORKING_DAYS: u32 = 120;
/// Most requests one item may be tied to (a joint meeting takes several 疑难件 as one case).
pub const MAX_REQUESTS: usize = 50;

code_enum!(
    /// Where an item comes from: the one follow-up type serves all four.
    SourceKind {
        CouncilDecision = "council_decision" / "议事决议",
        MeetingDecision = "meeting_decision" / "联席会议议定事项",
        MediationTerm = "mediation_term" / "调解协议履行事项",
        GridDuty = "grid_duty" / "网格责任清单事项",
        GridMeeting = "grid_meeting" / "网格例会议定事项",
    }
);

code_enum!(
    /// Where an item stands.
    ItemState {
        /// Issued, nothing reported yet (待办).
        Open = "open" / "待办",
        /// The owner has reported progress (办理中).
        InProgress = "in_progress" / "办理中",
        /// The owner says it is done and waits for the issuing office (已报办结).
        DoneClaimed = "done_claimed" / "已报办结",
        /// The issuing office checked it and struck it off (已销号).
        Verified = "verified" / "已销号",
        /// The issuing office sent it back (重新交办).
        Reopened = "reopened" / "重新交办",
    }
);

code_enum!(
    /// The rungs of the deadline ladder, in order.
    OversightLevel {
        /// A reminder before the due date.
        Urge = "urge" / "催办",
        /// The supervision notice once the due date has passed.
        Supervise = "supervise" / "督办通知",
        /// The bulletin naming the unit when it is still overdue days later.
        Bulletin = "bulletin" / "通报",
    }
);

code_enum!(
    /// What a piece of evidence is.
    EvidenceKind {
        Photo = "photo" / "照片",
        Document = "document" / "文件",
        /// A request (工单) raised or closed for the item, by its tracking code.
        Request = "request" / "工单",
        /// A receipt or transfer slip (收条、转账凭证), as mediation terms need.
        Receipt = "receipt" / "收条凭证",
    }
);

/// The record the item follows up: its kind and the id the store gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub kind: SourceKind,
    pub id: i64,
}

/// One piece of evidence: a reference the store resolves (a file id, a tracking code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub reference: String,
}

/// Who acts on an item: a person on behalf of a unit (resolved by the caller from the
/// login), or the deadline monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemActor {
    Person { username: String, unit: UnitCode },
    System,
}

impl ItemActor {
    pub fn person(username: &str, unit: &str) -> Self {
        ItemActor::Person {
            username: username.to_string(),
            unit: UnitCode::new(unit),
        }
    }
    fn unit(&self) -> Option<&UnitCode> {
        match self {
            ItemActor::Person { unit, .. } => Some(unit),
            ItemActor::System => None,
        }
    }
    /// The name recorded on the event.
    pub fn username(&self) -> &str {
        match self {
            ItemActor::Person { username, .. } => username,
            ItemActor::System => crate::org::SYSTEM,
        }
    }
}

/// One entry of the item's append-only log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemEvent {
    pub seq: i64,
    #[serde(with = "crate::time::serde_local")]
    pub at: DateTime<Utc>,
    pub actor: String,
    /// The unit the actor acted for (`None` for the system).
    pub unit: Option<UnitCode>,
    pub data: ItemEventData,
}

/// The data of each step, tagged with the action name the API uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ItemEventData {
    Issue {
        source: Source,
        title: String,
        issued_by: UnitCode,
        owner: UnitCode,
        co_units: Vec<UnitCode>,
        working_days: u32,
        #[serde(with = "crate::time::serde_local")]
        due: DateTime<Utc>,
        /// The requests (工单) the item resolves: they stay open and keep their own SLA;
        /// their timelines show the item's steps.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        requests: Vec<RequestId>,
    },
    Progress {
        note: String,
        evidence: Vec<Evidence>,
    },
    ClaimDone {
        note: String,
        evidence: Vec<Evidence>,
    },
    Verify {
        note: Option<String>,
    },
    Reopen {
        reason: String,
        /// A fresh due date, when the office gave one; the ladder starts again from it.
        #[serde(default, with = "crate::time::serde_local_opt")]
        due: Option<DateTime<Utc>>,
    },
    Oversee {
        level: OversightLevel,
        /// The 文号 of the 督办通知单, given by the store as it appends the event.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number: Option<String>,
    },
}

impl ItemEventData {
    pub fn action(&self) -> &'static str {
        match self {
            ItemEventData::Issue { .. } => "issue",
            ItemEventData::Progress { .. } => "progress",
            ItemEventData::ClaimDone { .. } => "claim_done",
            ItemEventData::Verify { .. } => "verify",
            ItemEventData::Reopen { .. } => "reopen",
            ItemEventData::Oversee { .. } => "oversee",
        }
    }
}

/// A progress report (or the done claim) as the item's timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressEntry {
    pub at: DateTime<Utc>,
    pub by: String,
    pub unit: Option<UnitCode>,
    pub note: String,
    pub evidence: Vec<Evidence>,
    /// True for the owner's done claim.
    pub claims_done: bool,
}

/// A 督办 item, as its events make it.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionItem {
    pub id: ActionItemId,
    pub source: Option<Source>,
    pub title: String,
    pub issued_by: UnitCode,
    pub owner: UnitCode,
    pub co_units: Vec<UnitCode>,
    /// The requests the item resolves (see [`ItemEventData::Issue`]).
    pub requests: Vec<RequestId>,
    pub state: ItemState,
    pub issued_at: Option<DateTime<Utc>>,
    /// The end of the due local day.
    pub due: Option<DateTime<Utc>>,
    /// When the current due date was set (issue, or a reopen with a fresh limit).
    pub due_set_at: Option<DateTime<Utc>>,
    pub progress: Vec<ProgressEntry>,
    /// The rungs of the ladder sent since the current due date was set.
    pub oversight: Vec<OversightLevel>,
    pub verified_at: Option<DateTime<Utc>>,
    pub reopen_reasons: Vec<String>,
    /// The seq of the last event: the store appends the next event with a check on it.
    pub version: i64,
}

impl ActionItem {
    fn blank(id: ActionItemId) -> Self {
        ActionItem {
            id,
            source: None,
            title: String::new(),
            issued_by: UnitCode::new(""),
            owner: UnitCode::new(""),
            co_units: Vec::new(),
            requests: Vec::new(),
            state: ItemState::Open,
            issued_at: None,
            due: None,
            due_set_at: None,
            progress: Vec::new(),
            oversight: Vec::new(),
            verified_at: None,
            reopen_reasons: Vec::new(),
            version: 0,
        }
    }

    /// The item its events make, in order.
    pub fn replay(id: ActionItemId, events: &[ItemEvent]) -> Self {
        let mut item = ActionItem::blank(id);
        for e in events {
            item.apply(e);
        }
        item
    }

    /// One step of the log. The only place state changes.
    pub fn apply(&mut self, e: &ItemEvent) {
        use ItemEventData as E;
        self.version = e.seq;
        match &e.data {
            E::Issue {
                source,
                title,
                issued_by,
                owner,
                co_units,
                due,
                requests,
                ..
            } => {
                self.source = Some(*source);
                self.title = title.clone();
                self.issued_by = issued_by.clone();
                self.owner = owner.clone();
                self.co_units = co_units.clone();
                self.requests = requests.clone();
                self.issued_at = Some(e.at);
                self.due = Some(*due);
                self.due_set_at = Some(e.at);
                self.state = ItemState::Open;
            }
            E::Progress { note, evidence } => {
                self.record(e, note, evidence, false);
                self.state = ItemState::InProgress;
            }
            E::ClaimDone { note, evidence } => {
                self.record(e, note, evidence, true);
                self.state = ItemState::DoneClaimed;
            }
            E::Verify { .. } => {
                self.state = ItemState::Verified;
                self.verified_at = Some(e.at);
            }
            E::Reopen { reason, due } => {
                self.state = ItemState::Reopened;
                self.verified_at = None;
                self.reopen_reasons.push(reason.clone());
                if let Some(due) = due {
                    self.due = Some(*due);
                    self.due_set_at = Some(e.at);
                    self.oversight.clear();
                }
            }
            E::Oversee { level, .. } => self.oversight.push(*level),
        }
    }

    fn record(&mut self, e: &ItemEvent, note: &str, evidence: &[Evidence], claims_done: bool) {
        self.progress.push(ProgressEntry {
            at: e.at,
            by: e.actor.clone(),
            unit: e.unit.clone(),
            note: note.to_string(),
            evidence: evidence.to_vec(),
            claims_done,
        });
    }

    /// True while the owner still has work to do (the deadline ladder runs).
    pub fn is_pending(&self) -> bool {
        matches!(
            self.state,
            ItemState::Open | ItemState::InProgress | ItemState::Reopened
        )
    }

    /// The due local date (Asia/Shanghai).
    pub fn due_date(&self) -> Option<NaiveDate> {
        self.due.map(local_date)
    }

    /// Overdue at `now`: still pending and past the end of its due day.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.is_pending() && self.due.is_some_and(|due| now > due)
    }

    /// Working days past the due date at `now` (0 unless overdue), as the 督办通知 and the
    /// 通报 state it (逾期N个工作日): the day after the due date counts as the first.
    pub fn overdue_working_days(&self, now: DateTime<Utc>, calendar: &Calendar) -> i64 {
        match self.due_date() {
            Some(due) if self.is_overdue(now) => {
                calendar.working_days_between(due, local_date(now))
            }
            _ => 0,
        }
    }
}

/// What the issuing office fills in to create an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    pub source: Source,
    pub title: String,
    pub owner: UnitCode,
    pub co_units: Vec<UnitCode>,
    /// Working days from issue to the due date.
    pub working_days: u32,
    /// The requests it resolves; the caller checks they exist and are the actor's to act on.
    pub requests: Vec<RequestId>,
}

/// Checks a new item against the issuing person and gives its first event. The issuing
/// office is the actor's unit; it cannot own the item, since it is the one that 销号.
pub fn issue(
    new: &NewItem,
    actor: &ItemActor,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Result<ItemEventData, DomainError> {
    let Some(issued_by) = actor.unit() else {
        return Err(DomainError::forbidden_keyed(
            "governance.action_item.forbidden.person",
            vec![],
        ));
    };
    let title = required("title", &new.title, MAX_TITLE)?;
    if new.owner.as_str().is_empty() {
        return Err(required_error("owner"));
    }
    if new.owner == *issued_by {
        return Err(DomainError::invalid_keyed(
            "owner",
            "owner_is_issuer",
            "governance.action_item.owner_is_issuer",
            vec![],
        ));
    }
    let co_units = co_units(new)?;
    if !(1..=MAX_WORKING_DAYS).contains(&new.working_days) {
        return Err(DomainError::invalid_keyed(
            "working_days",
            "out_of_range",
            "governance.action_item.working_days",
            vec![Arg::new("max", MAX_WORKING_DAYS)],
        ));
    }
    Ok(ItemEventData::Issue {
        source: new.source,
        title,
        issued_by: issued_by.clone(),
        owner: new.owner.clone(),
        co_units,
        working_days: new.working_days,
        due: calendar.working_days_deadline(now, new.working_days),
        requests: request_list(&new.requests)?,
    })
}

/// The requests without repeats, at most [`MAX_REQUESTS`].
fn request_list(requests: &[RequestId]) -> Result<Vec<RequestId>, DomainError> {
    if requests.len() > MAX_REQUESTS {
        return Err(DomainError::invalid_keyed(
            "requests",
            "too_many",
            "governance.action_item.too_many_requests",
            vec![Arg::new("max", MAX_REQUESTS)],
        ));
    }
    let mut out: Vec<RequestId> = Vec::new();
    for r in requests {
        if !out.contains(r) {
            out.push(*r);
        }
    }
    Ok(out)
}

/// Co-units without blanks or repeats, and never the owner itself.
fn co_units(new: &NewItem) -> Result<Vec<UnitCode>, DomainError> {
    let mut out: Vec<UnitCode> = Vec::new();
    for unit in new.co_units.iter().filter(|u| !u.as_str().is_empty()) {
        if *unit == new.owner {
            return Err(DomainError::invalid_keyed(
                "co_units",
                "co_unit_is_owner",
                "governance.action_item.co_unit_is_owner",
                vec![Arg::new("unit", unit)],
            ));
        }
        if !out.contains(unit) {
            out.push(unit.clone());
        }
    }
    Ok(out)
}

/// A step on an issued item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The owner or a co-unit reports progress (落实情况反馈).
    Progress {
        note: String,
        evidence: Vec<Evidence>,
    },
    /// The owner says the item is done, with evidence (申请销号).
    ClaimDone {
        note: String,
        evidence: Vec<Evidence>,
    },
    /// The issuing office checks the work and strikes the item off (销号).
    Verify { note: Option<String> },
    /// The issuing office sends the item back, with a reason and perhaps a fresh limit.
    Reopen {
        reason: String,
        working_days: Option<u32>,
    },
    /// The deadline monitor records a rung of the ladder.
    Oversee { level: OversightLevel },
}

impl Command {
    pub fn action(&self) -> &'static str {
        match self {
            Command::Progress { .. } => "progress",
            Command::ClaimDone { .. } => "claim_done",
            Command::Verify { .. } => "verify",
            Command::Reopen { .. } => "reopen",
            Command::Oversee { .. } => "oversee",
        }
    }

    /// The states from which this command is allowed.
    pub fn allowed_from(&self, state: ItemState) -> bool {
        use ItemState::*;
        match self {
            Command::Progress { .. } | Command::ClaimDone { .. } | Command::Oversee { .. } => {
                matches!(state, Open | InProgress | Reopened)
            }
            Command::Verify { .. } => state == DoneClaimed,
            Command::Reopen { .. } => matches!(state, DoneClaimed | Verified),
        }
    }
}

/// Decides a command on an issued item: the event to append, or why not. The state is
/// checked first (409), then who acts (403), then the fields (422).
pub fn decide(
    item: &ActionItem,
    cmd: &Command,
    actor: &ItemActor,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Result<ItemEventData, DomainError> {
    if !cmd.allowed_from(item.state) {
        return Err(DomainError::conflict_keyed(
            "invalid_transition",
            "domain.invalid_transition.state",
            vec![
                Arg::by_lang("state", item.state.zh(), item.state.as_str()),
                Arg::new("action", cmd.action()),
            ],
        ));
    }
    match cmd {
        Command::Progress { note, evidence } => {
            must_be(item.owner_or_co_unit(actor), "owner_or_co_unit")?;
            Ok(ItemEventData::Progress {
                note: required("note", note, MAX_NOTE)?,
                evidence: evidence_list(evidence, false)?,
            })
        }
        Command::ClaimDone { note, evidence } => {
            must_be(actor.unit() == Some(&item.owner), "owner")?;
            Ok(ItemEventData::ClaimDone {
                note: required("note", note, MAX_NOTE)?,
                evidence: evidence_list(evidence, true)?,
            })
        }
        Command::Verify { note } => {
            must_be(actor.unit() == Some(&item.issued_by), "issuer")?;
            Ok(ItemEventData::Verify {
                note: optional("note", note)?,
            })
        }
        Command::Reopen {
            reason,
            working_days,
        } => reopen(item, actor, reason, *working_days, now, calendar),
        Command::Oversee { level } => {
            must_be(*actor == ItemActor::System, "monitor")?;
            Ok(ItemEventData::Oversee {
                level: *level,
                number: None,
            })
        }
    }
}

fn reopen(
    item: &ActionItem,
    actor: &ItemActor,
    reason: &str,
    working_days: Option<u32>,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Result<ItemEventData, DomainError> {
    must_be(actor.unit() == Some(&item.issued_by), "issuer")?;
    let reason = required("reason", reason, MAX_NOTE)?;
    let due = match working_days {
        None => None,
        Some(n) if (1..=MAX_WORKING_DAYS).contains(&n) => {
            Some(calendar.working_days_deadline(now, n))
        }
        Some(_) => {
            return Err(DomainError::invalid_keyed(
                "working_days",
                "out_of_range",
                "governance.action_item.working_days",
                vec![Arg::new("max", MAX_WORKING_DAYS)],
            ));
        }
    };
    Ok(ItemEventData::Reopen { reason, due })
}

impl ActionItem {
    fn owner_or_co_unit(&self, actor: &ItemActor) -> bool {
        actor
            .unit()
            .is_some_and(|u| *u == self.owner || self.co_units.contains(u))
    }
}

/// A 403 naming who may take the step, unless `allowed`.
fn must_be(allowed: bool, who: &'static str) -> Result<(), DomainError> {
    if allowed {
        return Ok(());
    }
    let key = match who {
        "owner" => "governance.action_item.forbidden.owner",
        "owner_or_co_unit" => "governance.action_item.forbidden.owner_or_co_unit",
        "issuer" => "governance.action_item.forbidden.issuer",
        _ => "governance.action_item.forbidden.monitor",
    };
    Err(DomainError::forbidden_keyed(key, vec![]))
}

fn required_error(field: &str) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "required",
        "domain.required.field",
        vec![Arg::new("field", field)],
    )
}

/// A trimmed, non-empty text of at most `max` characters.
fn required(field: &str, text: &str, max: usize) -> Result<String, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(required_error(field));
    }
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

fn optional(field: &str, text: &Option<String>) -> Result<Option<String>, DomainError> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => required(field, t, MAX_NOTE).map(Some),
    }
}

/// Evidence with a reference each; at least one when the step needs proof (销号 does).
fn evidence_list(evidence: &[Evidence], needed: bool) -> Result<Vec<Evidence>, DomainError> {
    if needed && evidence.is_empty() {
        return Err(DomainError::invalid_keyed(
            "evidence",
            "required",
            "governance.action_item.evidence_required",
            vec![],
        ));
    }
    evidence
        .iter()
        .map(|e| {
            Ok(Evidence {
                kind: e.kind,
                reference: required("evidence", &e.reference, MAX_NOTE)?,
            })
        })
        .collect()
}

/// When the deadline ladder fires. The defaults follow common 督查督办 practice: a reminder
/// two working days before the due date, the notice the day after it, the bulletin when
/// five more working days have passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OversightPolicy {
    /// 催办 this many working days before the due date.
    pub urge_before: u32,
    /// 通报 once this many working days after the due date have begun.
    pub bulletin_after: u32,
}

impl Default for OversightPolicy {
    fn default() -> Self {
        OversightPolicy {
            urge_before: 2,
            bulletin_after: 5,
        }
    }
}

/// The rung the deadline monitor must send for `item` at `now`, if any, by the default
/// policy. See [`OversightPolicy::next`].
pub fn next_oversight(
    item: &ActionItem,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Option<OversightLevel> {
    OversightPolicy::default().next(item, now, calendar)
}

impl OversightPolicy {
    /// The rung to send now, if any. Each rung goes once per due date, and the sent rungs
    /// come from the item's events: once the monitor has appended the `oversee` event (with
    /// the store's version check, so two servers cannot both append it), the next call
    /// returns `None`. A monitor that was down catches up in order (督办 before 通报), and a
    /// reminder whose time has passed with the due date is not sent late.
    pub fn next(
        &self,
        item: &ActionItem,
        now: DateTime<Utc>,
        calendar: &Calendar,
    ) -> Option<OversightLevel> {
        let (due, due_set_at) = (item.due?, item.due_set_at?);
        if !item.is_pending() {
            return None;
        }
        let sent = |level| item.oversight.contains(&level);
        let today = local_date(now);
        let due_date = local_date(due);
        if now > due {
            if !sent(OversightLevel::Supervise) {
                return Some(OversightLevel::Supervise);
            }
            let bulletin_day = calendar.add_working_days(due_date, self.bulletin_after);
            return (today >= bulletin_day && !sent(OversightLevel::Bulletin))
                .then_some(OversightLevel::Bulletin);
        }
        let urge_day = working_days_before(calendar, due_date, self.urge_before);
        // An item given fewer working days than the lead time gets no reminder.
        let worth_urging = local_date(due_set_at) < urge_day;
        (worth_urging && today >= urge_day && !sent(OversightLevel::Urge))
            .then_some(OversightLevel::Urge)
    }
}

/// The working day `n` working days before `date` (the inverse of
/// [`Calendar::add_working_days`] on working days).
fn working_days_before(calendar: &Calendar, date: NaiveDate, n: u32) -> NaiveDate {
    let mut d = date;
    let mut left = n;
    while left > 0 {
        let Some(prev) = d.pred_opt() else { break };
        d = prev;
        if calendar.is_working_day(d) {
            left -= 1;
        }
    }
    d
}

pub mod figures;
pub mod steps;

#[cfg(test)]
mod tests;
