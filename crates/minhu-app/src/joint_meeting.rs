//! The district's joint meeting (联席会议): the use cases the API and the pages share.
//! Rules and checks are `minhu_domain::joint_meeting`; this module reads what they need,
//! asks, and writes.
//!
//! Who may do what: the staff of the body's lead office (区综合办: a district admin acts for
//! it) keep the body, the queue and the meetings; only the convener approves a meeting; a
//! street's or community's staff put cases forward from their own requests; the member units
//! and everyone whose scope covers the office or a member read the body and its meetings.
//! A body or meeting one may not read is a 404.
//!
//! Each meeting step is decided on the replayed log and appended only if nobody changed the
//! meeting meanwhile; a step that lost the race is decided again on the fresh log, so two
//! servers issuing the same minutes give one number and one set of action items.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use minhu_domain::access;
use minhu_domain::action_item::{
    self as items, ActionItem, ItemActor, ItemEvent, Source, SourceKind,
};
use minhu_domain::document_number::{DocumentKind, SequenceKey};
use minhu_domain::ids::{ActionItemId, RequestId, UnitCode};
use minhu_domain::joint_meeting::{
    self as domain, Candidate, CandidateState, CaseLine, Command, JointBody, JointMeeting,
    MeetingEvent, MeetingEventData, NewAgendaItem, NewAttendance, NewBody, NewCandidate,
    NewDecision, NewMeeting, Standing, UnitFigures,
};
use minhu_domain::notify::items::item_messages;
use minhu_domain::org::{Actor, Org, Role};
use minhu_store::{CandidateMove, DecisionIssue, LedgerLine, NumberDraw};

use crate::action_item::acting_unit;
use crate::{App, AppError, Kind};

/// A meeting with its body and what its pages show: the case summary of every request on
/// the agenda, each item's age, and the action items its minutes gave.
#[derive(Debug, Clone)]
pub struct MeetingView {
    pub meeting: JointMeeting,
    pub body: JointBody,
    pub cases: Vec<CaseLine>,
    /// Per agenda item (by number): local days since first admitted, working days overdue.
    pub ages: Vec<(u32, i64, i64)>,
    /// (agenda item, decision, action item) once the minutes are issued.
    pub actions: Vec<(i64, i64, i64)>,
}

impl MeetingView {
    pub fn age(&self, item: u32) -> (i64, i64) {
        self.ages
            .iter()
            .find(|(no, ..)| *no == item)
            .map(|(_, d, o)| (*d, *o))
            .unwrap_or_default()
    }
    pub fn case(&self, request: i64) -> Option<&CaseLine> {
        self.cases.iter().find(|c| c.id == request)
    }
    pub fn action_item(&self, item: u32, decision: usize) -> Option<i64> {
        self.actions
            .iter()
            .find(|(i, d, _)| *i == i64::from(item) && *d == decision as i64)
            .map(|(.., a)| *a)
    }
}

/// One line of the 销号台账, with the working days it is overdue now.
#[derive(Debug, Clone)]
pub struct LedgerEntry {
    pub line: LedgerLine,
    pub overdue_days: i64,
}

// ---- who is who ---------------------------------------------------------------------------

/// The actor's standing on a body's meetings.
pub fn standing(actor: &Actor, org: &Org, body: &JointBody) -> Standing {
    Standing {
        office: acting_unit(actor, org).as_deref() == Some(body.lead_unit.as_str()),
        convener: actor.username == body.convener,
    }
}

/// May `actor` read the body and its meetings?
pub fn may_read(actor: &Actor, org: &Org, body: &JointBody) -> bool {
    let s = standing(actor, org, body);
    let units: Vec<&str> = body.members.iter().map(|m| m.unit.as_str()).collect();
    s.office || s.convener || crate::action_item::may_read(actor, org, &body.lead_unit, &units)
}

fn forbidden(key: &'static str) -> AppError {
    AppError::new(Kind::Forbidden, "forbidden").text(key)
}

fn require_office(actor: &Actor, org: &Org, body: &JointBody) -> Result<(), AppError> {
    if standing(actor, org, body).office {
        return Ok(());
    }
    Err(forbidden("meeting.forbidden.office"))
}

// ---- bodies -------------------------------------------------------------------------------

/// Sets up a body, as the staff of its lead office; the convener must be a known person.
pub async fn create_body(app: &App, actor: &Actor, new: &NewBody) -> Result<JointBody, AppError> {
    let org = app.org();
    let fields = new.validate(&org)?;
    if acting_unit(actor, &org).as_deref() != Some(fields.lead_unit.as_str()) {
        return Err(forbidden("meeting.forbidden.office").field("lead_unit"));
    }
    if app
        .store
        .user_by_username(&fields.convener)
        .await?
        .is_none()
    {
        return Err(AppError::new(Kind::Invalid, "invalid_parameter")
            .text("meeting.unknown_user")
            .arg("username", &fields.convener)
            .field("convener"));
    }
    let id = app
        .store
        .create_joint_body(&fields, &actor.username, app.now())
        .await?;
    load_body(app, id).await
}

async fn load_body(app: &App, id: i64) -> Result<JointBody, AppError> {
    app.store
        .joint_body(id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// The bodies `actor` may read.
pub async fn bodies(app: &App, actor: &Actor) -> Result<Vec<JointBody>, AppError> {
    let org = app.org();
    Ok(app
        .store
        .joint_bodies()
        .await?
        .into_iter()
        .filter(|b| may_read(actor, &org, b))
        .collect())
}

/// A body, if `actor` may read it (else 404).
pub async fn body(app: &App, actor: &Actor, id: i64) -> Result<JointBody, AppError> {
    let b = load_body(app, id).await?;
    if !may_read(actor, &app.org(), &b) {
        return Err(AppError::not_found());
    }
    Ok(b)
}

/// Dissolves a body (it stays on record); 409 when it is dissolved already.
pub async fn dissolve(app: &App, actor: &Actor, id: i64) -> Result<JointBody, AppError> {
    let b = body(app, actor, id).await?;
    require_office(actor, &app.org(), &b)?;
    domain::check_active(&b)?;
    if !app.store.dissolve_joint_body(id).await? {
        return Err(domain::check_active(&load_body(app, id).await?)
            .err()
            .map_or_else(
                || AppError::internal("a body dissolved twice"),
                AppError::from,
            ));
    }
    load_body(app, id).await
}

// ---- the candidate queue ------------------------------------------------------------------

/// The body's queue, for those who read it. Reading writes nothing: the sweep takes the
/// flagged 疑难件 in (see [`take_in_hard_cases`]).
pub async fn candidates(
    app: &App,
    actor: &Actor,
    body_id: i64,
) -> Result<Vec<Candidate>, AppError> {
    let b = body(app, actor, body_id).await?;
    Ok(app.store.joint_candidates(b.id).await?)
}

/// The sweep's step: queues every open 疑难件 not yet in a case of each active body, as a
/// flagged candidate stamped `at`; returns how many it queued. Once per case however many
/// servers sweep: the store's unique index on flagged candidates refuses a second insert.
pub async fn take_in_hard_cases(app: &App, at: DateTime<Utc>) -> Result<u64, AppError> {
    let mut queued = 0;
    for b in app.store.joint_bodies().await? {
        if b.state == domain::BodyState::Active {
            queued += app.store.sync_flagged_candidates(b.id, at).await?;
        }
    }
    Ok(queued)
}

/// Puts a case forward: a street's or community's staff (or the office) with requests in
/// their scope, still open, in no other case of the body, and the reason they cannot solve it.
pub async fn propose_candidate(
    app: &App,
    actor: &Actor,
    body_id: i64,
    new: &NewCandidate,
) -> Result<Candidate, AppError> {
    let first = new.request_ids.first().copied().unwrap_or_default();
    propose_candidate_of(
        app,
        actor,
        body_id,
        domain::CandidateKind::Request,
        first,
        new,
    )
    .await
}

/// Puts a case of `kind` about record `ref_id` forward, checked as [`propose_candidate`]
/// checks a request case (a council decision beyond the community: its requests).
pub async fn propose_candidate_of(
    app: &App,
    actor: &Actor,
    body_id: i64,
    kind: domain::CandidateKind,
    ref_id: i64,
    new: &NewCandidate,
) -> Result<Candidate, AppError> {
    let org = app.org();
    let b = load_body(app, body_id).await?;
    let proposer = matches!(actor.role, Some(Role::StreetStaff | Role::CommunityStaff))
        || standing(actor, &org, &b).office;
    if !proposer {
        if !may_read(actor, &org, &b) {
            return Err(AppError::not_found());
        }
        return Err(forbidden("meeting.forbidden.propose"));
    }
    domain::check_active(&b)?;
    let fields = new.validate()?;
    for id in &fields.requests {
        let eligible = match app.store.load_request(*id).await? {
            Some((r, _)) => {
                r.state.is_open() && access::covers(actor, &org, &r.intake.jurisdiction)
            }
            None => false,
        };
        if !eligible {
            return Err(request_error("meeting.request_not_eligible", *id));
        }
    }
    if let Some(taken) = app
        .store
        .requests_in_joint_cases(b.id, &fields.requests)
        .await?
        .first()
    {
        return Err(request_error("meeting.request_taken", *taken));
    }
    let id = app
        .store
        .add_joint_candidate_of(b.id, kind, ref_id, &fields, &actor.username, app.now())
        .await?;
    app.store
        .joint_candidate(id)
        .await?
        .ok_or_else(|| AppError::internal("a candidate vanished"))
}

fn request_error(key: &'static str, id: i64) -> AppError {
    AppError::new(Kind::Invalid, "invalid_parameter")
        .text(key)
        .arg("id", id)
        .field("request_ids")
}

/// Dismisses a queued case, with the reason; 409 once it is on an agenda or handled.
pub async fn dismiss_candidate(
    app: &App,
    actor: &Actor,
    id: i64,
    reason: &str,
) -> Result<Candidate, AppError> {
    let c = app
        .store
        .joint_candidate(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let b = body(app, actor, c.body_id)
        .await
        .map_err(|_| AppError::not_found())?;
    require_office(actor, &app.org(), &b)?;
    domain::check_dismiss(&c)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::new(Kind::Invalid, "required")
            .text("domain.required.field")
            .arg("field", "reason")
            .field("reason"));
    }
    if !app
        .store
        .dismiss_joint_candidate(id, &actor.username, reason)
        .await?
    {
        let now = app.store.joint_candidate(id).await?.unwrap_or(c);
        return Err(domain::check_dismiss(&now)
            .err()
            .map_or_else(|| AppError::internal("a dismissal lost"), AppError::from));
    }
    app.store
        .joint_candidate(id)
        .await?
        .ok_or_else(|| AppError::internal("a candidate vanished"))
}

// ---- meetings -----------------------------------------------------------------------------

/// Proposes a meeting of the body, as its office: its agenda draft starts with what the
/// earlier meetings carry over (deferred cases, unverified items), admitted, with their age.
pub async fn propose_meeting(
    app: &App,
    actor: &Actor,
    body_id: i64,
    new: &NewMeeting,
) -> Result<MeetingView, AppError> {
    let org = app.org();
    let b = body(app, actor, body_id).await?;
    let fields = new.validate()?;
    let data = domain::propose(standing(actor, &org, &b), &fields)?;
    domain::check_active(&b)?;
    let now = app.now();
    let earlier = app.store.joint_meetings(b.id).await?;
    let open = app.store.joint_open_decisions(b.id).await?;
    let mut events = vec![event(1, now, actor, data)];
    for item in domain::carry_over(&earlier, &open) {
        let seq = events.len() as i64 + 1;
        events.push(event(
            seq,
            now,
            actor,
            MeetingEventData::AddItem {
                item,
                admitted: true,
            },
        ));
    }
    let after = JointMeeting::replay(0, b.id, &events);
    let id = app
        .store
        .create_joint_meeting(b.id, &events, &after)
        .await?;
    meeting(app, actor, id).await
}

fn event(seq: i64, at: DateTime<Utc>, actor: &Actor, data: MeetingEventData) -> MeetingEvent {
    MeetingEvent {
        seq,
        at,
        actor: actor.username.clone(),
        data,
    }
}

/// A body's meetings, the earliest first.
pub async fn meetings(
    app: &App,
    actor: &Actor,
    body_id: i64,
) -> Result<Vec<JointMeeting>, AppError> {
    let b = body(app, actor, body_id).await?;
    Ok(app.store.joint_meetings(b.id).await?)
}

/// A meeting and what its pages show, if `actor` may read its body (else 404).
pub async fn meeting(app: &App, actor: &Actor, id: i64) -> Result<MeetingView, AppError> {
    let (m, b) = load(app, actor, id).await?;
    view(app, m, b).await
}

async fn load(app: &App, actor: &Actor, id: i64) -> Result<(JointMeeting, JointBody), AppError> {
    let m = app
        .store
        .joint_meeting(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let b = load_body(app, m.body_id).await?;
    if !may_read(actor, &app.org(), &b) {
        return Err(AppError::not_found());
    }
    Ok((m, b))
}

async fn view(app: &App, meeting: JointMeeting, body: JointBody) -> Result<MeetingView, AppError> {
    let now = app.now();
    let mut ids: Vec<i64> = meeting
        .items
        .iter()
        .flat_map(|i| i.source.requests.iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let calendar = app.calendar();
    let ages = meeting
        .items
        .iter()
        .map(|i| {
            let (d, o) = domain::age(i, now, &calendar);
            (i.no, d, o)
        })
        .collect();
    Ok(MeetingView {
        cases: app.store.joint_case_lines(&ids, now).await?,
        actions: app.store.joint_decision_items(meeting.id).await?,
        ages,
        meeting,
        body,
    })
}

/// The case lines of the requests the candidates group (tracking code, title, SLA light),
/// for the queue page.
pub async fn case_lines(app: &App, candidates: &[Candidate]) -> Result<Vec<CaseLine>, AppError> {
    let mut ids: Vec<i64> = candidates
        .iter()
        .flat_map(|c| c.requests.iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(app.store.joint_case_lines(&ids, app.now()).await?)
}

/// A step on a meeting: decided on the replayed log, appended if nobody changed the
/// meeting meanwhile, else decided again.
async fn step(
    app: &App,
    actor: &Actor,
    id: i64,
    make: impl Fn(&JointMeeting, &JointBody) -> Result<(Command, Option<CandidateMove>), AppError>,
) -> Result<MeetingView, AppError> {
    let org = app.org();
    for _attempt in 0..5 {
        let (m, b) = load(app, actor, id).await?;
        let (command, candidate) = make(&m, &b)?;
        let data = domain::decide(&m, standing(actor, &org, &b), command)?;
        let e = event(m.version + 1, app.now(), actor, data);
        let mut after = m.clone();
        after.apply(&e);
        if app.store.append_joint_event(&after, &e, candidate).await? {
            return view(app, after, b).await;
        }
        if let Some(c) = candidate {
            let now = app.store.joint_candidate(c.id).await?;
            if now.is_some_and(|c| c.state != CandidateState::Queued) {
                return Err(candidate_taken());
            }
        }
    }
    Err(AppError::new(Kind::Conflict, "concurrent_update"))
}

fn candidate_taken() -> AppError {
    AppError::new(Kind::Conflict, "invalid_transition")
        .text("meeting.candidate_taken")
        .field("candidate_id")
}

/// The convener approves the meeting (403 for anyone else).
pub async fn approve(app: &App, actor: &Actor, id: i64) -> Result<MeetingView, AppError> {
    step(app, actor, id, |_, _| Ok((Command::Approve, None))).await
}

/// The notice goes to the units (会议通知).
pub async fn notice(app: &App, actor: &Actor, id: i64) -> Result<MeetingView, AppError> {
    step(app, actor, id, |_, _| Ok((Command::Notice, None))).await
}

/// The meeting is held.
pub async fn hold(app: &App, actor: &Actor, id: i64) -> Result<MeetingView, AppError> {
    step(app, actor, id, |_, _| Ok((Command::Hold, None))).await
}

/// Takes a queued case of the body onto the agenda draft, with its presenter and the
/// handling proposed. 422 naming `candidate_id` for a case of another body, 409 for one
/// no longer queued.
pub async fn add_item(
    app: &App,
    actor: &Actor,
    id: i64,
    candidate_id: i64,
    presenter_unit: &str,
    proposed_handling: &str,
) -> Result<MeetingView, AppError> {
    let org = app.org();
    let presenter = presenter_unit.trim().to_string();
    if !presenter.is_empty() && org.unit(&presenter).is_none() {
        return Err(AppError::new(Kind::Invalid, "unknown_unit")
            .text("domain.unknown_unit.code")
            .arg("unit", &presenter)
            .field("presenter_unit"));
    }
    let handling = proposed_handling.trim().to_string();
    if handling.chars().count() > domain::MAX_TEXT {
        return Err(AppError::new(Kind::Invalid, "too_long")
            .text("domain.too_long.note")
            .arg("field", "proposed_handling")
            .arg("max", domain::MAX_TEXT)
            .field("proposed_handling"));
    }
    let c = app.store.joint_candidate(candidate_id).await?;
    step(app, actor, id, |m, _| {
        let c = c
            .as_ref()
            .filter(|c| c.body_id == m.body_id)
            .ok_or_else(|| {
                AppError::new(Kind::Invalid, "invalid_parameter")
                    .text("meeting.candidate_taken")
                    .field("candidate_id")
            })?;
        if c.state != CandidateState::Queued {
            return Err(candidate_taken());
        }
        let item = NewAgendaItem {
            candidate_id: Some(c.id),
            action_item_id: None,
            carried_from: None,
            title: c.title.clone(),
            requests: c.requests.clone(),
            presenter_unit: presenter.clone(),
            proposed_handling: handling.clone(),
            first_admitted_at: None,
            due: None,
        };
        let moved = CandidateMove {
            id: c.id,
            from: CandidateState::Queued,
            to: CandidateState::Admitted,
        };
        Ok((Command::AddItem(item), Some(moved)))
    })
    .await
}

/// Admits a proposed item to the agenda.
pub async fn admit(app: &App, actor: &Actor, id: i64, item: u32) -> Result<MeetingView, AppError> {
    step(app, actor, id, |_, _| Ok((Command::Admit { item }, None))).await
}

/// Records a member unit's attendance (a second record of a unit replaces the first).
pub async fn attend(
    app: &App,
    actor: &Actor,
    id: i64,
    new: &NewAttendance,
) -> Result<MeetingView, AppError> {
    step(app, actor, id, |_, b| {
        Ok((Command::Attend(new.validate(b)?), None))
    })
    .await
}

/// Records an item's decisions (议定事项): each with its lead unit (not the office), co-units,
/// limit in working days and acceptance criterion.
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: i64,
    item: u32,
    decisions: &[NewDecision],
) -> Result<MeetingView, AppError> {
    let org = app.org();
    step(app, actor, id, |_, b| {
        let decisions = domain::validate_decisions(decisions, &org, &b.lead_unit)?;
        Ok((Command::Decide { item, decisions }, None))
    })
    .await
}

/// Defers an item to the next meeting, with the reason.
pub async fn defer(
    app: &App,
    actor: &Actor,
    id: i64,
    item: u32,
    reason: &str,
) -> Result<MeetingView, AppError> {
    step(app, actor, id, |_, _| {
        Ok((
            Command::Defer {
                item,
                reason: reason.to_string(),
            },
            None,
        ))
    })
    .await
}

/// Records that an item was discussed (a carried item's progress heard), with the note.
pub async fn discuss(
    app: &App,
    actor: &Actor,
    id: i64,
    item: u32,
    note: &str,
) -> Result<MeetingView, AppError> {
    step(app, actor, id, |_, _| {
        Ok((
            Command::Discuss {
                item,
                note: note.to_string(),
            },
            None,
        ))
    })
    .await
}

/// Issues the minutes (纪要第N期 of the office's year): each decision becomes an action item
/// (source `meeting_decision`, issued by the office, owned by the lead unit, with the
/// co-units and the item's requests, due on the working-day calendar), all in one
/// transaction with the number. The requests stay open with their own SLA.
pub async fn issue(app: &App, actor: &Actor, id: i64) -> Result<MeetingView, AppError> {
    let org = app.org();
    for _attempt in 0..5 {
        let (m, b) = load(app, actor, id).await?;
        let data = domain::decide(&m, standing(actor, &org, &b), Command::IssueMinutes)?;
        let now = app.now();
        let e = event(m.version + 1, now, actor, data);
        let mut after = m.clone();
        after.apply(&e);
        let decisions = decision_items(app, actor, &m, &b, now)?;
        let decided: Vec<i64> = m
            .items
            .iter()
            .filter(|i| i.state == domain::ItemState::Decided)
            .filter_map(|i| i.source.candidate_id)
            .collect();
        let draw = NumberDraw {
            key: SequenceKey::new(
                DocumentKind::MeetingMinutes,
                UnitCode::new(&b.lead_unit),
                now,
            ),
            issuer: crate::action_item::oversight::short_name(&org, &b.lead_unit),
        };
        let subs = app.subscriptions();
        let notices = |item_id, e: &ItemEvent| {
            let item = ActionItem::replay(item_id, std::slice::from_ref(e));
            item_messages(&subs, &org, &item, e)
        };
        let issued = app
            .store
            .issue_joint_minutes(&after, &e, &draw, &decisions, &decided, &notices)
            .await?;
        if issued.is_some() {
            return meeting(app, actor, id).await;
        }
    }
    Err(AppError::new(Kind::Conflict, "concurrent_update"))
}

/// The action item each decision of the meeting's decided items becomes.
fn decision_items(
    app: &App,
    actor: &Actor,
    m: &JointMeeting,
    b: &JointBody,
    now: DateTime<Utc>,
) -> Result<Vec<DecisionIssue>, AppError> {
    let calendar = app.calendar();
    let who = ItemActor::person(&actor.username, &b.lead_unit);
    let mut out = Vec::new();
    for item in m
        .items
        .iter()
        .filter(|i| i.state == domain::ItemState::Decided)
    {
        for (n, d) in item.decisions.iter().enumerate() {
            let new = items::NewItem {
                source: Source {
                    kind: SourceKind::MeetingDecision,
                    id: m.id,
                },
                title: d.text.clone(),
                owner: UnitCode::new(&d.lead_unit),
                co_units: d.co_units.iter().map(UnitCode::new).collect(),
                working_days: d.working_days,
                requests: item.source.requests.iter().map(|r| RequestId(*r)).collect(),
            };
            let data = items::issue(&new, &who, now, &calendar)?;
            let event = ItemEvent {
                seq: 1,
                at: now,
                actor: actor.username.clone(),
                unit: Some(UnitCode::new(&b.lead_unit)),
                data,
            };
            let state = ActionItem::replay(ActionItemId(0), std::slice::from_ref(&event));
            out.push(DecisionIssue {
                item_no: item.no,
                decision_no: u32::try_from(n).unwrap_or(u32::MAX),
                event,
                item: state,
                first_admitted_at: item.first_admitted_at(),
            });
        }
    }
    Ok(out)
}

// ---- the ledger and the figures -----------------------------------------------------------

/// The body's 销号台账: every action item of its minutes, with the working days overdue.
pub async fn ledger(app: &App, actor: &Actor, body_id: i64) -> Result<Vec<LedgerEntry>, AppError> {
    let b = body(app, actor, body_id).await?;
    let now = app.now();
    let calendar = app.calendar();
    Ok(app
        .store
        .joint_ledger(b.id)
        .await?
        .into_iter()
        .map(|line| {
            let pending = matches!(line.state.as_str(), "open" | "in_progress" | "reopened");
            let overdue_days = if pending && now > line.due {
                calendar.working_days_between(
                    minhu_domain::time::local_date(line.due),
                    minhu_domain::time::local_date(now),
                )
            } else {
                0
            };
            LedgerEntry { line, overdue_days }
        })
        .collect())
}

/// The per-unit figures of the month starting `month`, per owner unit (decided, on time,
/// overdue): the shared action-item counts of the month's assessment period
/// (`crate::action_item::figures`, as `GET /api/v1/action-items/figures` and the monthly
/// report count them), of the joint meetings' decisions only. Callers check the reader.
pub async fn joint_unit_figures(app: &App, month: NaiveDate) -> Result<Vec<UnitFigures>, AppError> {
    use crate::action_item::figures;
    let month = minhu_ledger::YearMonth {
        year: month.year(),
        month: month.month(),
    };
    let counts = figures::counts(app, figures::period_of(app, month).await?).await?;
    Ok(domain::unit_figures(&counts))
}

/// The month's figures for a reader at district level (the office's staff and auditors);
/// 403 naming `jurisdiction` for anyone else.
pub async fn figures(
    app: &App,
    actor: &Actor,
    month: NaiveDate,
) -> Result<Vec<UnitFigures>, AppError> {
    let org = app.org();
    let district = org
        .jurisdictions()
        .find(|j| j.parent.is_none())
        .map(|j| j.code.clone())
        .unwrap_or_default();
    let reader = matches!(actor.role, Some(Role::DistrictAdmin | Role::Auditor))
        && access::covers(actor, &org, &district);
    if !reader {
        return Err(access::outside_scope(&district).into());
    }
    joint_unit_figures(app, month).await
}
