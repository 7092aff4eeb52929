//! The council's topics (议题): proposing one (the 议题申报表's fields, the stakeholders
//! looked up in the people register), reading them (staff whole, the public de-identified)
//! and moving them on: screened by the party org / 居委会, scheduled on a sitting's agenda,
//! decided or not adopted, withdrawn. [`move_topic`] is the one path every step takes —
//! the pages and the API here, the council's sittings later — and when a topic is decided
//! it tells the authors of its suggestions who left a phone, in the same transaction.

use minhu_domain::access;
use minhu_domain::ids::TopicId;
use minhu_domain::org::Actor;
use minhu_domain::privacy;
use minhu_domain::suggestion::{self as rules, Suggestion};
use minhu_domain::topic::{
    self as domain, NewTopic, Stakeholder, StakeholderKind, Topic, TopicEvent, TopicEventData,
    TopicFields, TopicState,
};
use minhu_store::suggestion::SuggestionsOf;

use crate::suggestion::{community, reads, sms};
use crate::{App, AppError, Kind};

/// A topic with its log and its origin suggestions.
#[derive(Debug, Clone)]
pub struct TopicView {
    pub topic: Topic,
    pub events: Vec<TopicEvent>,
    pub suggestions: Vec<Suggestion>,
}

/// A topic as the public sees it: no proposer, no author, rooms masked, numbers in the
/// text masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicTopic {
    pub id: i64,
    pub title: String,
    pub facts: String,
    pub state: TopicState,
    /// "3号楼", "3号楼 5**".
    pub stakeholders: Vec<String>,
    pub suggestions: usize,
    pub proposed_on: chrono::NaiveDate,
}

/// Proposes a topic in a community (draft), as its staff.
pub async fn create(
    app: &App,
    actor: &Actor,
    code: &str,
    new: &NewTopic,
) -> Result<Topic, AppError> {
    let org = app.org();
    community(&org, code)?;
    if !reads(actor, &org, code) {
        return Err(access::outside_scope(code).into());
    }
    rules::require_triager(actor, code)?;
    let fields = new.validate()?;
    let stakeholders = resolve(app, code, &fields).await?;
    let id = app
        .store
        .create_topic(code, &fields, &stakeholders, &actor.username, app.now())
        .await?;
    app.store
        .topic(id)
        .await?
        .ok_or_else(|| AppError::internal("a topic vanished"))
}

/// Looks the stakeholders up in the community's register and checks the origin
/// requests lie in the community (422 naming `stakeholders` or `origin_requests`).
pub async fn resolve(
    app: &App,
    code: &str,
    fields: &TopicFields,
) -> Result<Vec<Stakeholder>, AppError> {
    let org = app.org();
    let unknown = |kind: StakeholderKind, id: i64| {
        AppError::new(Kind::Invalid, "invalid_parameter")
            .text("suggestion.unknown_stakeholder")
            .arg("kind", kind.zh())
            .arg("id", id)
            .field("stakeholders")
    };
    let mut out = Vec::with_capacity(fields.stakeholders.len());
    for r in &fields.stakeholders {
        let found = match r.kind {
            StakeholderKind::Building => app
                .store
                .building(r.id.into())
                .await?
                .filter(|b| b.community == code)
                .map(|b| (b.name, None)),
            StakeholderKind::Household => app
                .store
                .household(r.id.into())
                .await?
                .filter(|h| org.within(&h.household.grid, code))
                .map(|h| (h.building_name, Some(h.household.room))),
        };
        let (building, room) = found.ok_or_else(|| unknown(r.kind, r.id))?;
        out.push(Stakeholder {
            kind: r.kind,
            id: r.id,
            building,
            room,
        });
    }
    for id in &fields.origin_requests {
        let inside = app
            .store
            .request_jurisdiction(*id)
            .await?
            .is_some_and(|j| org.within(&j, code));
        if !inside {
            return Err(AppError::new(Kind::Invalid, "invalid_parameter")
                .text("suggestion.unknown_request")
                .arg("id", id)
                .field("origin_requests"));
        }
    }
    Ok(out)
}

/// A community's topics for its staff and those above (403 `jurisdiction` outside).
pub async fn topics(app: &App, actor: &Actor, code: &str) -> Result<Vec<Topic>, AppError> {
    let org = app.org();
    community(&org, code)?;
    if !reads(actor, &org, code) {
        return Err(access::outside_scope(code).into());
    }
    Ok(app.store.topics(code).await?)
}

/// A community's topics as the public sees them (no login): drafts are not shown, nor
/// anything of the people behind them.
pub async fn public_topics(app: &App, code: &str) -> Result<Vec<PublicTopic>, AppError> {
    community(&app.org(), code)?;
    let topics = app.store.topics(code).await?;
    Ok(topics
        .into_iter()
        .filter(|t| t.state != TopicState::Draft)
        .map(public)
        .collect())
}

/// The public view of one topic: names and numbers written into the text masked.
pub fn public(t: Topic) -> PublicTopic {
    let clean = |text: &str| privacy::public_text(text, Some(&t.proposer_name));
    PublicTopic {
        id: t.id,
        title: clean(&t.title),
        facts: clean(&t.facts),
        state: t.state,
        stakeholders: t
            .stakeholders
            .iter()
            .map(|s| match &s.room {
                Some(room) => format!("{} {}", s.building, domain::mask_room(room)),
                None => s.building.clone(),
            })
            .collect(),
        suggestions: t.suggestions.len(),
        proposed_on: minhu_domain::time::local_date(t.created_at),
    }
}

/// A topic with its log and suggestions, if `actor` may read it (else 404).
pub async fn topic(app: &App, actor: &Actor, id: i64) -> Result<TopicView, AppError> {
    let topic = readable(app, actor, id).await?;
    Ok(TopicView {
        events: app.store.topic_events(id).await?,
        suggestions: app
            .store
            .suggestions_where(SuggestionsOf::Topic(id))
            .await?,
        topic,
    })
}

async fn readable(app: &App, actor: &Actor, id: i64) -> Result<Topic, AppError> {
    let t = app.store.topic(id).await?.ok_or_else(AppError::not_found)?;
    if !reads(actor, &app.org(), &t.community) {
        return Err(AppError::not_found());
    }
    Ok(t)
}

/// A step asked for by a client (`screen`, `schedule`, `decide`, `withdraw`).
pub async fn step(
    app: &App,
    actor: &Actor,
    id: i64,
    action: &str,
    note: &str,
    adopted: Option<bool>,
    sitting_id: Option<i64>,
) -> Result<Topic, AppError> {
    let data = domain::step(action, note, adopted, sitting_id)?;
    move_topic(app, actor, TopicId(id), data).await
}

/// Moves a topic by one step, as its community's staff: the one path for screening,
/// scheduling (a sitting puts it on its agenda), deciding (the sitting's decision) and
/// withdrawing. 404 outside the scope, 409 out of order or when it changed meanwhile.
pub async fn move_topic(
    app: &App,
    actor: &Actor,
    id: TopicId,
    data: TopicEventData,
) -> Result<Topic, AppError> {
    let t = readable(app, actor, id.0).await?;
    rules::require_triager(actor, &t.community)?;
    let state = domain::next_state(t.state, &data)?;
    let event = TopicEvent {
        seq: t.version + 1,
        at: app.now(),
        actor: actor.username.clone(),
        data,
    };
    let notices = match domain::decision_notice(&t, &event.data) {
        Some(text) => app
            .store
            .suggestions_where(SuggestionsOf::Topic(t.id))
            .await?
            .iter()
            .filter_map(|s| Some((s.id, sms(app, rules::notice_phone(s)?, &text)?)))
            .collect(),
        None => Vec::new(),
    };
    if !app
        .store
        .append_topic_step(t.id, t.version, &event, state, &notices)
        .await?
    {
        return Err(AppError::new(Kind::Conflict, "changed").text("suggestion.topic.changed"));
    }
    app.store
        .topic(t.id)
        .await?
        .ok_or_else(|| AppError::internal("a topic vanished"))
}
