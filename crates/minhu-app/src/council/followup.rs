//! After the sitting: a decision carried out and seen to be. Its topic moves with the
//! sitting (scheduled when the sitting is noticed, decided when the decision is recorded,
//! in the same transaction); the decision is published (决议公示: the online wall and/or the
//! board with the photo of the posted sheet); action items are issued from it (source
//! `council_decision`) and ordinary requests raised through intake (channel `council`,
//! keyed `council_decision:{id}:{n}`); its progress timeline is read by staff and, in
//! public wording, by the public pages ([`public_progress`]); once every item is verified
//! the result is published (实施结果公开), and the 评议会's evaluation closes the loop. A
//! decision beyond the community is referred to the district's joint meeting.
//!
//! The authors of the suggestions behind the decision's topic hear, by SMS when the
//! deployment sends SMS, when the decision is published, when more of its items are
//! verified (the sweep notices it, [`tell_progress`]) and when the result is published:
//! each step is appended on the decision's follow-up version with its notices in the
//! same transaction, so it is told once however many servers try.

use chrono::{DateTime, Utc};
use minhu_domain::action_item::steps::{StepKind as ItemStepKind, item_steps};
use minhu_domain::action_item::{ActionItem, ItemEventData, NewItem, Source, SourceKind};
use minhu_domain::council::followup::{self as rules, NewEvaluation, StepKind};
use minhu_domain::council::{self as domain, AgendaItem, Decision};
use minhu_domain::ids::{ActionItemId, RequestId, UnitCode};
use minhu_domain::joint_meeting::{Candidate, CandidateKind, NewCandidate};
use minhu_domain::notify::OutboxItem;
use minhu_domain::org::Actor;
use minhu_domain::privacy;
use minhu_domain::publication::{PublicationKind, Venue};
use minhu_domain::request::{Channel, Intake, RequestType, Requester};
use minhu_domain::text;
use minhu_domain::topic::{self as topic_rules, TopicEvent, TopicEventData, TopicState};
use minhu_store::council::TopicStep;
use minhu_store::council::followup::{DecisionWrite, EvaluationRow, FollowupState};
use minhu_store::suggestion::SuggestionsOf;
use minhu_store::{ItemFilter, PublicationRow};
use serde_json::json;

use crate::publication::NewPublication;
use crate::upload::Photo;
use crate::{App, AppError, Kind};

// ---- the topic moves with the sitting -----------------------------------------------------

fn topic_elsewhere(id: i64) -> AppError {
    AppError::new(Kind::Invalid, "invalid_parameter")
        .text("sitting.followup.topic_elsewhere")
        .arg("id", id)
        .field("topic_id")
}

/// The agenda's topics to schedule with the sitting (topic id, version): each one of the
/// community's (else 422 `topic_id`) and screened or scheduled (else 409).
pub(crate) async fn agenda_topics(
    app: &App,
    community: &str,
    agenda: &[AgendaItem],
) -> Result<Vec<(i64, i64)>, AppError> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for id in agenda.iter().filter_map(|a| a.topic_id) {
        if out.iter().any(|(t, _)| *t == id) {
            continue;
        }
        let t = app
            .store
            .topic(id)
            .await?
            .filter(|t| t.community == community)
            .ok_or_else(|| topic_elsewhere(id))?;
        topic_rules::next_state(t.state, &TopicEventData::Schedule { sitting_id: None })?;
        out.push((t.id, t.version));
    }
    Ok(out)
}

/// The topic's `decide` step, written with the decision: adopted iff passed, with the
/// notices to its suggestions' authors (as `minhu_app::topic::move_topic` gives them).
pub(crate) async fn decide_step(
    app: &App,
    actor: &Actor,
    topic_id: i64,
    passed: bool,
    sitting_id: i64,
) -> Result<TopicStep, AppError> {
    let t = app
        .store
        .topic(topic_id)
        .await?
        .ok_or_else(|| topic_elsewhere(topic_id))?;
    let data = TopicEventData::Decide {
        adopted: passed,
        sitting_id: Some(sitting_id),
    };
    let state: TopicState = topic_rules::next_state(t.state, &data)?;
    let notices = match topic_rules::decision_notice(&t, &data) {
        Some(text) => author_phones(app, Some(t.id))
            .await?
            .into_iter()
            .filter_map(|(s, phone)| Some((s, crate::suggestion::sms(app, &phone, &text)?)))
            .collect(),
        None => Vec::new(),
    };
    Ok(TopicStep {
        topic_id: t.id,
        version: t.version,
        event: TopicEvent {
            seq: t.version + 1,
            at: app.now(),
            actor: actor.username.clone(),
            data,
        },
        state,
        notices,
    })
}

/// The suggestions of a topic whose authors left a phone (anonymous never): (id, phone).
async fn author_phones(app: &App, topic: Option<i64>) -> Result<Vec<(i64, String)>, AppError> {
    let Some(topic) = topic else {
        return Ok(Vec::new());
    };
    Ok(app
        .store
        .suggestions_where(SuggestionsOf::Topic(topic))
        .await?
        .iter()
        .filter_map(|s| Some((s.id, minhu_domain::suggestion::notice_phone(s)?.to_string())))
        .collect())
}

// ---- the decision's follow-up ---------------------------------------------------------------

/// A decision its community's staff carry out: readable (else 404), theirs (else 403).
async fn followed(
    app: &App,
    actor: &Actor,
    id: i64,
) -> Result<(Decision, FollowupState), AppError> {
    let d = super::decision(app, actor, id).await?;
    domain::require_holder(actor, &d.community)?;
    let state = app
        .store
        .decision_followup(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((d, state))
}

fn changed() -> AppError {
    AppError::new(Kind::Conflict, "version_conflict").text("sitting.followup.changed")
}

/// The title its authors know the decision by: its topic's, else its text.
async fn title_of(app: &App, d: &Decision) -> Result<String, AppError> {
    let topic = match d.topic_id {
        Some(t) => app.store.topic(t).await?,
        None => None,
    };
    Ok(topic.map_or_else(|| d.text.chars().take(60).collect(), |t| t.title))
}

/// The SMS of `step` to every author of the decision's topic.
async fn author_notices(
    app: &App,
    d: &Decision,
    step: StepKind,
    verified: usize,
    items: usize,
) -> Result<Vec<OutboxItem>, AppError> {
    let title = title_of(app, d).await?;
    let Some(text) = rules::author_notice(step, &title, verified, items) else {
        return Ok(Vec::new());
    };
    Ok(author_phones(app, d.topic_id)
        .await?
        .iter()
        .filter_map(|(_, phone)| crate::suggestion::sms(app, phone, &text))
        .collect())
}

async fn step(
    app: &App,
    actor: &Actor,
    d: &Decision,
    state: FollowupState,
    change: &DecisionWrite,
    detail: serde_json::Value,
    notices: &[OutboxItem],
) -> Result<i64, AppError> {
    app.store
        .append_decision_step(
            d.id,
            state.version,
            change,
            &detail,
            notices,
            &actor.username,
            app.now(),
        )
        .await?
        .ok_or_else(changed)
}

/// The decision's items (source `council_decision`), oldest first.
async fn items_of(app: &App, id: i64) -> Result<Vec<minhu_store::ItemRow>, AppError> {
    let mut rows = app
        .store
        .action_items(&ItemFilter {
            source: Some((SourceKind::CouncilDecision.as_str().to_string(), id)),
            ..Default::default()
        })
        .await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

fn verified_count(rows: &[minhu_store::ItemRow]) -> usize {
    rows.iter().filter(|r| r.state == "verified").count()
}

/// Whether a live publication of `kind` of the decision has started by `now`.
fn started(rows: &[PublicationRow], kind: PublicationKind, now: DateTime<Utc>) -> bool {
    rows.iter()
        .any(|p| p.kind == kind.as_str() && p.withdrawn_at.is_none() && p.from_at <= now)
}

fn live(rows: &[PublicationRow], kind: PublicationKind, now: DateTime<Utc>) -> bool {
    rows.iter()
        .any(|p| p.kind == kind.as_str() && p.withdrawn_at.is_none() && p.until_at > now)
}

// ---- 公示 -------------------------------------------------------------------------------------

/// What the publisher fills in for a decision's 公示 or its result's.
#[derive(Debug, Default)]
pub struct NewDecisionPublication {
    pub title: String,
    pub body: String,
    pub online_wall: bool,
    /// The board's name (德馨苑东门公示栏), with the photo of the posted sheet.
    pub board: Option<String>,
    pub board_photo: Option<Photo>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Checks and prepares one row per venue (the online wall, the board).
async fn prepare(
    app: &App,
    actor: &Actor,
    d: &Decision,
    kind: PublicationKind,
    new: NewDecisionPublication,
) -> Result<Vec<PublicationRow>, AppError> {
    let mut venues = Vec::new();
    if new.online_wall {
        venues.push(Venue::OnlineWall);
    }
    if let Some(board) = new.board.filter(|b| !b.trim().is_empty()) {
        venues.push(Venue::Board { board, photo: None });
    }
    if venues.is_empty() {
        return Err(AppError::new(Kind::Invalid, "required")
            .text("sitting.followup.no_venue")
            .field("venues"));
    }
    let from = new.from.unwrap_or_else(|| app.now());
    let until = new
        .until
        .ok_or_else(|| AppError::from(domain::required_field("until")))?;
    let title = if new.title.trim().is_empty() {
        kind.zh().to_string()
    } else {
        new.title
    };
    let body = if new.body.trim().is_empty() {
        d.text.clone()
    } else {
        new.body
    };
    let mut photo = new.board_photo;
    let mut rows = Vec::new();
    for venue in venues {
        let board_photo = match venue {
            Venue::Board { .. } => photo.take(),
            Venue::OnlineWall => None,
        };
        let p = NewPublication {
            kind,
            subject_kind: "council_decision".into(),
            subject_id: d.id,
            title: title.clone(),
            body: body.clone(),
            venue,
            board_photo,
            jurisdiction: Some(d.community.clone()),
            from,
            until,
        };
        rows.push(crate::publication::prepare(app, actor, p).await?);
    }
    Ok(rows)
}

/// 决议公示: publishes a passed decision (409 otherwise, and while one is up) for at least
/// the minimum period (422 on `until`); its authors hear of it.
pub async fn publish(
    app: &App,
    actor: &Actor,
    id: i64,
    new: NewDecisionPublication,
) -> Result<Vec<PublicationRow>, AppError> {
    let (d, state) = followed(app, actor, id).await?;
    rules::require_passed(d.passed)?;
    let shown = Shown {
        kind: PublicationKind::Decision,
        step: StepKind::Published,
        figure: None,
    };
    put_up(app, actor, &d, state, shown, new).await
}

/// 实施结果公开: once every item is verified (409 naming how many are open).
pub async fn publish_result(
    app: &App,
    actor: &Actor,
    id: i64,
    new: NewDecisionPublication,
) -> Result<Vec<PublicationRow>, AppError> {
    let (d, state) = followed(app, actor, id).await?;
    rules::require_passed(d.passed)?;
    let items = items_of(app, id).await?;
    let verified = verified_count(&items);
    rules::require_all_verified(verified, items.len())?;
    let shown = Shown {
        kind: PublicationKind::ImplementationResult,
        step: StepKind::ResultPublished,
        figure: Some((verified, items.len())),
    };
    put_up(app, actor, &d, state, shown, new).await
}

/// What a 公示 is put up as: its kind, the follow-up step it is, and for the result the
/// figure (verified, items) its authors are told.
struct Shown {
    kind: PublicationKind,
    step: StepKind,
    figure: Option<(usize, usize)>,
}

/// Puts the 公示 up (409 while one of its kind is up) as one follow-up step with its
/// authors' notices; the decision's publications of that kind.
async fn put_up(
    app: &App,
    actor: &Actor,
    d: &Decision,
    state: FollowupState,
    shown: Shown,
    new: NewDecisionPublication,
) -> Result<Vec<PublicationRow>, AppError> {
    let pubs = app.store.decision_publications(d.id).await?;
    if live(&pubs, shown.kind, app.now()) {
        return Err(
            AppError::new(Kind::Conflict, "duplicate").text("sitting.followup.published_twice")
        );
    }
    let rows = prepare(app, actor, d, shown.kind, new).await?;
    let (verified, items) = shown.figure.unwrap_or((0, 0));
    let notices = author_notices(app, d, shown.step, verified, items).await?;
    let venues: Vec<String> = rows.iter().map(|p| p.venue.clone()).collect();
    let detail = match shown.figure {
        Some(_) => json!({"venues": venues, "verified": verified}),
        None => json!({"venues": venues}),
    };
    let change = DecisionWrite::Publish {
        step: shown.step,
        publications: rows,
    };
    step(app, actor, d, state, &change, detail, &notices).await?;
    Ok(app
        .store
        .decision_publications(d.id)
        .await?
        .into_iter()
        .filter(|p| p.kind == shown.kind.as_str())
        .collect())
}

// ---- carrying out -----------------------------------------------------------------------------

/// An ordinary request a decision raises: what it is about, in which category.
#[derive(Debug, Clone, Default)]
pub struct NewDecisionRequest {
    pub content: String,
    pub category: Option<String>,
}

/// An item a decision issues: its owner unit, co-units, limit in working days, and the
/// request to raise for it through intake, if any.
#[derive(Debug, Clone, Default)]
pub struct NewDecisionItem {
    pub title: String,
    pub owner: String,
    pub co_units: Vec<String>,
    pub working_days: u32,
    pub request: Option<NewDecisionRequest>,
}

/// What issuing gave: the item, and the request raised for it (id, tracking code).
#[derive(Debug, Clone)]
pub struct IssuedItem {
    pub item: ActionItem,
    pub request: Option<(i64, String)>,
}

/// Issues an item of a passed decision whose 公示 has started (409 otherwise): the
/// decision's residents see it before it is carried out. With a request, the request is
/// registered first (keyed by the decision and its count, so a retry registers nothing
/// more), the item tied to it, and its tracking code recorded on the decision.
pub async fn issue_item(
    app: &App,
    actor: &Actor,
    id: i64,
    new: NewDecisionItem,
) -> Result<IssuedItem, AppError> {
    let (d, _) = followed(app, actor, id).await?;
    rules::require_passed(d.passed)?;
    let pubs = app.store.decision_publications(id).await?;
    rules::require_published(started(&pubs, PublicationKind::Decision, app.now()))?;
    let n = i64::try_from(app.store.decision_requests(id).await?.len()).unwrap_or(0) + 1;
    let request = match &new.request {
        Some(r) => Some(raise(app, actor, &d, n, r, &new.title).await?),
        None => None,
    };
    let item = NewItem {
        source: Source {
            kind: SourceKind::CouncilDecision,
            id,
        },
        title: new.title.clone(),
        owner: UnitCode::new(new.owner.trim()),
        co_units: new
            .co_units
            .iter()
            .map(|u| UnitCode::new(u.trim()))
            .collect(),
        working_days: new.working_days,
        requests: request.iter().map(|(r, _)| RequestId(*r)).collect(),
    };
    let (item, _) = crate::action_item::issue(app, actor, item).await?;
    if let Some((request_id, code)) = &request {
        let change = DecisionWrite::Request {
            n,
            request_id: *request_id,
            code: code.clone(),
            item_id: Some(item.id.0),
        };
        let detail = json!({"n": n, "request_id": request_id, "code": code, "item_id": item.id.0});
        record_with_retry(app, actor, &d, &change, detail).await?;
    }
    Ok(IssuedItem { item, request })
}

/// Appends a step that does not depend on what came before (a request's link), reading
/// the version again when another step came in between.
async fn record_with_retry(
    app: &App,
    actor: &Actor,
    d: &Decision,
    change: &DecisionWrite,
    detail: serde_json::Value,
) -> Result<i64, AppError> {
    for _attempt in 0..5 {
        let state = app
            .store
            .decision_followup(d.id)
            .await?
            .ok_or_else(AppError::not_found)?;
        if let Some(seq) = app
            .store
            .append_decision_step(
                d.id,
                state.version,
                change,
                &detail,
                &[],
                &actor.username,
                app.now(),
            )
            .await?
        {
            return Ok(seq);
        }
    }
    Err(changed())
}

/// Registers the decision's `n`th request through intake (channel `council`, the
/// community's jurisdiction, keyed `council_decision:{id}:{n}`); its id and code.
async fn raise(
    app: &App,
    actor: &Actor,
    d: &Decision,
    n: i64,
    r: &NewDecisionRequest,
    title: &str,
) -> Result<(i64, String), AppError> {
    let content = domain::required("request.content", &r.content, domain::MAX_TEXT)?;
    let now = minhu_domain::time::truncate_ms(app.now());
    let intake = Intake {
        code: minhu_store::new_code(now),
        channel: Channel::Council,
        kind: RequestType::Suggestion,
        subject: Some(text::fill(
            "sitting.followup.request_subject",
            text::Lang::Zh,
            &[("title", title.trim())],
        )),
        content,
        requester: Requester {
            name: None,
            phone: None,
        },
        address: None,
        lat: None,
        lon: None,
        jurisdiction: d.community.clone(),
        category: r.category.clone().filter(|c| !c.trim().is_empty()),
        confidential: false,
        external_id: Some(format!("council_decision:{}:{n}", d.id)),
        received_at: now,
    };
    let registered = crate::intake::register(app, intake, actor).await?;
    Ok((
        registered.request.id,
        registered.request.intake.code.clone(),
    ))
}

// ---- progress ---------------------------------------------------------------------------------

/// What public text is cleaned of: numbers (phones, ID numbers) in every spelling, and
/// the names and rooms of the community's residents as the register has them. The one
/// cleaner of the council's public words: the hall, the decision page and
/// [`public_progress`].
pub struct Cleaner {
    /// (name, masked) longest first, so 欧阳娜娜 goes before 欧阳.
    names: Vec<(String, String)>,
    /// (building and room, building) of each household.
    places: Vec<(String, String)>,
}

impl Cleaner {
    /// The cleaner for `community`, from its register.
    pub async fn of(app: &App, community: &str) -> Result<Cleaner, AppError> {
        let residents = app.store.council_residents(community, &[]).await?;
        let heads = app.store.council_households(community, &[]).await?;
        let mut names: Vec<(String, String)> = residents
            .iter()
            .map(|r| r.name.trim().to_string())
            .chain(heads.iter().map(|h| h.name.trim().to_string()))
            .filter(|n| n.chars().count() >= 2)
            .map(|n| {
                let masked = privacy::mask_name(&n);
                (n, masked)
            })
            .collect();
        names.sort_by_key(|(n, _)| std::cmp::Reverse(n.chars().count()));
        names.dedup();
        let mut places: Vec<(String, String)> = residents
            .iter()
            .map(|r| r.place.clone())
            .chain(heads.iter().map(|h| h.place.clone()))
            .filter_map(|p| {
                let (building, room) = p.split_once("号楼")?;
                (!room.is_empty()).then(|| (p.clone(), format!("{building}号楼")))
            })
            .collect();
        places.sort_by_key(|(p, _)| std::cmp::Reverse(p.chars().count()));
        places.dedup();
        Ok(Cleaner { names, places })
    }

    pub fn clean(&self, text: &str) -> String {
        let mut t = privacy::redact_text(text);
        for (place, building) in &self.places {
            t = t.replace(place, building);
        }
        for (name, masked) in &self.names {
            t = t.replace(name, masked);
        }
        t
    }
}

/// Text as the reader may see it: cleaned for the public, as written for staff.
fn cleaned(cleaner: Option<&Cleaner>, text: &str) -> String {
    cleaner.map_or_else(|| text.to_string(), |c| c.clean(text))
}

/// One step of an item's timeline: `issue`, `progress`, `claim_done`, `verify`, `reopen`,
/// `oversee`; the note only in the staff view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressStep {
    pub action: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
    /// The catalogue key of the step's public wording (`governance.page.track.*`), whose
    /// `{unit}` is [`ProgressStep::unit`] and `{due}` [`ProgressStep::due`].
    pub public_key: &'static str,
    /// The name of the unit the step is about: the owner it was issued to, else the item's.
    pub unit: String,
    /// The due date the step set (an issue, a reopening with a fresh date).
    pub due: Option<DateTime<Utc>>,
}

/// An action item of the decision with its steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressItem {
    pub id: i64,
    pub title: String,
    pub owner: String,
    pub owner_name: String,
    /// `open`, `in_progress`, `done_claimed`, `verified`, `reopened`.
    pub state: String,
    pub state_label: String,
    pub due: DateTime<Utc>,
    pub requests: Vec<i64>,
    pub steps: Vec<ProgressStep>,
}

/// A request raised for the decision, with its public state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressRequest {
    pub n: i64,
    pub code: String,
    pub item_id: Option<i64>,
    pub state: String,
    pub state_label: String,
}

/// A publication of the decision (its 公示, its result's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressPublication {
    pub id: i64,
    /// `decision` or `implementation_result`.
    pub kind: String,
    /// `online_wall` or `board`.
    pub venue: String,
    pub title: String,
    pub body: String,
    pub board: Option<String>,
    /// The attachment hash of the photo of the posted sheet.
    pub board_photo: Option<String>,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub withdrawn: bool,
}

impl ProgressPublication {
    /// The row as the reader sees it (its texts cleaned by `cleaner` for the public).
    pub fn of(p: PublicationRow, cleaner: Option<&Cleaner>) -> ProgressPublication {
        ProgressPublication {
            id: p.id,
            kind: p.kind,
            venue: p.venue,
            title: cleaned(cleaner, &p.title),
            body: cleaned(cleaner, &p.body),
            board: p.board.map(|b| cleaned(cleaner, &b)),
            board_photo: p.board_photo,
            from: p.from_at,
            until: p.until_at,
            withdrawn: p.withdrawn_at.is_some(),
        }
    }
}

/// A decision's progress timeline (Decidim accountability style): the decision, its
/// publications, each item's steps, each request's state, the figure, the result and the
/// evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub decision_id: i64,
    pub community: String,
    pub sitting_id: i64,
    pub topic_id: Option<i64>,
    pub text: String,
    pub passed: bool,
    pub recorded_at: DateTime<Utc>,
    pub publications: Vec<ProgressPublication>,
    pub items: Vec<ProgressItem>,
    pub requests: Vec<ProgressRequest>,
    pub verified: usize,
    pub total: usize,
    /// verified / total, whole percent.
    pub percent: u32,
    pub result_published: bool,
    pub evaluation: Option<minhu_domain::council::followup::Evaluation>,
    /// The evaluation's 满意 + 基本满意 share, whole percent.
    pub satisfaction: Option<u32>,
}

/// The progress timeline for staff who read the decision (404 outside scope), notes
/// included.
pub async fn progress(app: &App, actor: &Actor, id: i64) -> Result<Progress, AppError> {
    let d = super::decision(app, actor, id).await?;
    compose(app, d, None).await
}

/// The progress timeline as the public sees it (no login): only a passed decision whose
/// 公示 has started (else 404); no notes, numbers and the register's names and rooms in
/// the texts masked ([`Cleaner`]).
pub async fn public_progress(app: &App, decision_id: i64) -> Result<Progress, AppError> {
    let d = open_to_public(app, decision_id).await?;
    let cleaner = Cleaner::of(app, &d.community).await?;
    compose(app, d, Some(&cleaner)).await
}

/// [`public_progress`] with the community's cleaner the caller already holds.
pub async fn public_progress_with(
    app: &App,
    decision_id: i64,
    cleaner: &Cleaner,
) -> Result<Progress, AppError> {
    let d = open_to_public(app, decision_id).await?;
    compose(app, d, Some(cleaner)).await
}

/// A decision the public may follow: passed, its 公示 started (else 404).
async fn open_to_public(app: &App, decision_id: i64) -> Result<Decision, AppError> {
    let d = app
        .store
        .council_decision(decision_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let pubs = app.store.decision_publications(decision_id).await?;
    if !d.passed || !started(&pubs, PublicationKind::Decision, app.now()) {
        return Err(AppError::not_found());
    }
    Ok(d)
}

fn unit_name(org: &minhu_domain::org::Org, code: &UnitCode) -> String {
    org.unit(code.as_str())
        .map_or_else(|| code.as_str().to_string(), |u| u.name.clone())
}

/// An item's steps: what happened, its public words and the unit and date they name.
fn item_progress_steps(
    org: &minhu_domain::org::Org,
    item: &ActionItem,
    events: &[minhu_domain::action_item::ItemEvent],
    public: bool,
) -> Vec<ProgressStep> {
    events
        .iter()
        .zip(item_steps(item, events))
        .map(|(e, step)| {
            let (unit, due) = match &step.kind {
                ItemStepKind::Issued { owner, due, .. } => (owner, Some(*due)),
                ItemStepKind::Reopened { due } => (&item.owner, *due),
                _ => (&item.owner, None),
            };
            ProgressStep {
                action: e.data.action().to_string(),
                at: e.at,
                note: if public { None } else { note_of(&e.data) },
                public_key: step.public_key(),
                unit: unit_name(org, unit),
                due,
            }
        })
        .collect()
}

async fn compose(app: &App, d: Decision, cleaner: Option<&Cleaner>) -> Result<Progress, AppError> {
    let clean = |t: &str| cleaned(cleaner, t);
    let org = app.org();
    let now = app.now();
    let pubs = app.store.decision_publications(d.id).await?;
    let mut items = Vec::new();
    for row in items_of(app, d.id).await? {
        let Some((item, events)) = app.store.load_action_item(ActionItemId(row.id)).await? else {
            continue;
        };
        items.push(ProgressItem {
            id: row.id,
            title: clean(&item.title),
            owner: item.owner.as_str().to_string(),
            owner_name: unit_name(&org, &item.owner),
            state: item.state.as_str().to_string(),
            state_label: item.state.zh().to_string(),
            due: row.due,
            requests: item.requests.iter().map(|r| r.0).collect(),
            steps: item_progress_steps(&org, &item, &events, cleaner.is_some()),
        });
    }
    let mut requests = Vec::new();
    for r in app.store.decision_requests(d.id).await? {
        let (state, label) = match app.store.load_request(r.request_id).await? {
            Some((req, _)) => (req.state.as_str().to_string(), req.state.zh().to_string()),
            None => (String::new(), String::new()),
        };
        requests.push(ProgressRequest {
            n: r.n,
            code: r.code,
            item_id: r.item_id,
            state,
            state_label: label,
        });
    }
    let verified = items.iter().filter(|i| i.state == "verified").count();
    let total = items.len();
    let evaluation = app.store.council_evaluation(d.id).await?.map(|e| {
        let mut e = e.evaluation;
        e.note = clean(&e.note);
        e
    });
    Ok(Progress {
        decision_id: d.id,
        community: d.community.clone(),
        sitting_id: d.sitting_id,
        topic_id: d.topic_id,
        text: clean(&d.text),
        passed: d.passed,
        recorded_at: d.recorded_at,
        result_published: started(&pubs, PublicationKind::ImplementationResult, now),
        publications: pubs
            .into_iter()
            .map(|p| ProgressPublication::of(p, cleaner))
            .collect(),
        items,
        requests,
        verified,
        total,
        percent: rules::percent(verified, total),
        satisfaction: evaluation.as_ref().and_then(|e| e.satisfaction_percent()),
        evaluation,
    })
}

fn note_of(data: &ItemEventData) -> Option<String> {
    match data {
        ItemEventData::Progress { note, .. } | ItemEventData::ClaimDone { note, .. } => {
            Some(note.clone())
        }
        ItemEventData::Verify { note } => note.clone(),
        ItemEventData::Reopen { reason, .. } => Some(reason.clone()),
        _ => None,
    }
    .filter(|n| !n.is_empty())
}

/// Tells the authors of every decision with more verified items than they have heard of,
/// once each (the step is written on the follow-up version it was read at: of servers
/// running this at once, one writes it). Run by the sweep; the number of decisions told.
pub async fn tell_progress(app: &App) -> Result<usize, AppError> {
    let mut told = 0;
    for id in app.store.decisions_with_news().await? {
        let (Some(d), Some(state)) = (
            app.store.council_decision(id).await?,
            app.store.decision_followup(id).await?,
        ) else {
            continue;
        };
        let items = items_of(app, id).await?;
        let verified = verified_count(&items);
        let Ok(verified_i) = i64::try_from(verified) else {
            continue;
        };
        if verified_i <= state.verified_told {
            continue;
        }
        let notices =
            author_notices(app, &d, StepKind::ProgressTold, verified, items.len()).await?;
        let change = DecisionWrite::ProgressTold {
            verified: verified_i,
        };
        let detail = json!({"verified": verified, "items": items.len()});
        if app
            .store
            .append_decision_step(
                id,
                state.version,
                &change,
                &detail,
                &notices,
                "system",
                app.now(),
            )
            .await?
            .is_some()
        {
            told += 1;
        }
    }
    Ok(told)
}

// ---- 评议会 and referral --------------------------------------------------------------------------

/// Records the 评议会's result once the result is published (409 before, and once
/// evaluated): counts within the participants (422 `participants`), the sitting one of the
/// community's (422 `sitting_id`). It closes the decision's loop (its topic is decided).
pub async fn evaluate(
    app: &App,
    actor: &Actor,
    id: i64,
    new: &NewEvaluation,
) -> Result<EvaluationRow, AppError> {
    let (d, state) = followed(app, actor, id).await?;
    rules::require_passed(d.passed)?;
    let e = new.validate()?;
    if let Some(s) = e.sitting_id {
        let ours = app
            .store
            .sitting(s)
            .await?
            .is_some_and(|s| s.community == d.community);
        if !ours {
            return Err(AppError::new(Kind::Invalid, "invalid_parameter")
                .text("sitting.followup.no_sitting")
                .arg("id", s)
                .field("sitting_id"));
        }
    }
    let pubs = app.store.decision_publications(id).await?;
    if !started(&pubs, PublicationKind::ImplementationResult, app.now()) {
        return Err(
            AppError::new(Kind::Conflict, "invalid_transition").text("sitting.followup.no_result")
        );
    }
    if app.store.council_evaluation(id).await?.is_some() {
        return Err(AppError::new(Kind::Conflict, "duplicate").text("sitting.followup.evaluated"));
    }
    let detail = json!({"participants": e.participants, "satisfied": e.satisfied, "basically_satisfied": e.basically_satisfied, "dissatisfied": e.dissatisfied});
    step(
        app,
        actor,
        &d,
        state,
        &DecisionWrite::Evaluated(e),
        detail,
        &[],
    )
    .await?;
    app.store
        .council_evaluation(id)
        .await?
        .ok_or_else(|| AppError::internal("an evaluation vanished"))
}

/// Refers a passed decision beyond the community (funding, another department) to the
/// district's joint meeting: a candidate of kind `council_decision` with the decision's
/// requests (422 `request_ids` when it raised none), checked as any proposed case.
pub async fn refer(
    app: &App,
    actor: &Actor,
    id: i64,
    body_id: i64,
    title: &str,
    reason: &str,
) -> Result<Candidate, AppError> {
    let (d, _) = followed(app, actor, id).await?;
    rules::require_passed(d.passed)?;
    let request_ids: Vec<i64> = app
        .store
        .decision_requests(id)
        .await?
        .iter()
        .map(|r| r.request_id)
        .collect();
    if request_ids.is_empty() {
        return Err(AppError::new(Kind::Invalid, "required")
            .text("sitting.followup.no_requests")
            .field("request_ids"));
    }
    let title = if title.trim().is_empty() {
        title_of(app, &d).await?
    } else {
        title.to_string()
    };
    let new = NewCandidate {
        request_ids,
        title,
        reason: reason.to_string(),
    };
    let c = crate::joint_meeting::propose_candidate_of(
        app,
        actor,
        body_id,
        CandidateKind::CouncilDecision,
        id,
        &new,
    )
    .await?;
    let change = DecisionWrite::Referred { candidate_id: c.id };
    record_with_retry(
        app,
        actor,
        &d,
        &change,
        json!({"candidate_id": c.id, "body_id": body_id}),
    )
    .await?;
    Ok(c)
}
