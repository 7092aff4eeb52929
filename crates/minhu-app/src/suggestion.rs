//! The suggestion box's use cases, shared by the API and the pages: hanging a box,
//! recording an opening (two people), taking a suggestion from the box, the public web
//! form, a grid worker or the counter, and triaging it once — merged, made a topic (new or
//! joined), answered directly, made an ordinary request through [`crate::intake`]
//! (channel `suggestion_box`, keyed `suggestion:{id}` so a retry registers nothing more),
//! or rejected. Rules are `minhu_domain::suggestion`; this module reads, asks and writes.
//!
//! Scope: the community's own staff open its box and triage; staff above read. A record
//! outside one's scope is a 404; a list asked for by a community outside it a 403
//! (field `jurisdiction`). The author hears of a topic, an answer or a request by SMS
//! (when a gateway is configured and they left a phone), queued in the triage's
//! transaction; an anonymous author never.

use minhu_domain::access;
use minhu_domain::notify::OutboxItem;
use minhu_domain::org::{Actor, Level, Org, Role};
use minhu_domain::request::{Channel, Intake, RequestType, Requester};
use minhu_domain::suggestion::{
    self as domain, NewBox, NewOpening, NewSuggestion, NewTriage, Opening, Source, Suggestion,
    SuggestionBox, SuggestionEvent, SuggestionEventData, SuggestionState, Triage,
};
use minhu_domain::text;
use minhu_domain::topic::{Topic, TopicEvent, TopicEventData};
use minhu_store::suggestion::{SuggestionsOf, TopicLink, TriageWrite, Triaged};
use serde_json::json;

use crate::upload::Photo;
use crate::{App, AppError, Kind};

/// At most this many photos per suggestion.
pub const MAX_PHOTOS: usize = 4;

/// A box with its openings, each with the suggestions it produced (the 开箱记录).
#[derive(Debug, Clone)]
pub struct BoxView {
    pub suggestion_box: SuggestionBox,
    pub openings: Vec<(Opening, Vec<Suggestion>)>,
}

/// A suggestion with its log and its photos' hashes.
#[derive(Debug, Clone)]
pub struct SuggestionView {
    pub suggestion: Suggestion,
    pub events: Vec<SuggestionEvent>,
    pub photos: Vec<String>,
}

/// What a triage gave: the suggestion after it, and the topic it made or joined.
#[derive(Debug, Clone)]
pub struct TriageOutcome {
    pub suggestion: Suggestion,
    pub topic: Option<Topic>,
}

// ---- scope --------------------------------------------------------------------------------

/// A community by its code: 404 for an unknown code or one that is not a community.
pub fn community(org: &Org, code: &str) -> Result<(), AppError> {
    match org.jurisdiction(code) {
        Some(j) if j.level == Level::Community => Ok(()),
        _ => Err(AppError::not_found()),
    }
}

/// May `actor` read the community's box and suggestions (its staff and those above;
/// grid workers record, they do not read the inbox)?
pub fn reads(actor: &Actor, org: &Org, code: &str) -> bool {
    actor.role != Some(Role::GridWorker) && access::covers(actor, org, code)
}

/// 404 for an unknown community, 403 (field `jurisdiction`) for one outside the scope.
fn readable_community(actor: &Actor, org: &Org, code: &str) -> Result<(), AppError> {
    community(org, code)?;
    if !reads(actor, org, code) {
        return Err(access::outside_scope(code).into());
    }
    Ok(())
}

// ---- boxes and openings -------------------------------------------------------------------

/// Hangs a box in a community, as its staff.
pub async fn add_box(
    app: &App,
    actor: &Actor,
    code: &str,
    new: &NewBox,
) -> Result<SuggestionBox, AppError> {
    readable_community(actor, &app.org(), code)?;
    domain::require_triager(actor, code)?;
    let fields = new.validate()?;
    let id = app
        .store
        .add_suggestion_box(code, &fields, &actor.username, app.now())
        .await?;
    app.store
        .suggestion_box(id)
        .await?
        .ok_or_else(|| AppError::internal("a box vanished"))
}

/// A community's boxes.
pub async fn boxes(app: &App, actor: &Actor, code: &str) -> Result<Vec<SuggestionBox>, AppError> {
    readable_community(actor, &app.org(), code)?;
    Ok(app.store.suggestion_boxes(code).await?)
}

/// A box with its openings and their suggestions, if `actor` may read it (else 404).
pub async fn box_view(app: &App, actor: &Actor, id: i64) -> Result<BoxView, AppError> {
    let b = readable_box(app, actor, id).await?;
    let mut openings = Vec::new();
    for o in app.store.box_openings(id).await? {
        let slips = app
            .store
            .suggestions_where(SuggestionsOf::Opening(o.id))
            .await?;
        openings.push((o, slips));
    }
    Ok(BoxView {
        suggestion_box: b,
        openings,
    })
}

async fn readable_box(app: &App, actor: &Actor, id: i64) -> Result<SuggestionBox, AppError> {
    let b = app
        .store
        .suggestion_box(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !reads(actor, &app.org(), &b.community) {
        return Err(AppError::not_found());
    }
    Ok(b)
}

/// Records an opening of a box by two people, as the community's staff.
pub async fn record_opening(
    app: &App,
    actor: &Actor,
    box_id: i64,
    new: &NewOpening,
) -> Result<Opening, AppError> {
    let b = readable_box(app, actor, box_id).await?;
    domain::require_triager(actor, &b.community)?;
    let fields = new.validate(app.now())?;
    let id = app
        .store
        .record_opening(box_id, &fields, &actor.username, app.now())
        .await?;
    app.store
        .box_opening(id)
        .await?
        .ok_or_else(|| AppError::internal("an opening vanished"))
}

// ---- suggestions --------------------------------------------------------------------------

/// Takes a suggestion for a community. `actor` is `None` for the public web form, which
/// takes only `web`; a grid worker records `grid` in their grid's community; the
/// community's staff record `box` (from one of its openings) and `counter`.
pub async fn submit(
    app: &App,
    actor: Option<&Actor>,
    code: &str,
    new: &NewSuggestion,
    photos: &[Photo],
) -> Result<Suggestion, AppError> {
    let org = app.org();
    community(&org, code)?;
    let fields = new.validate()?;
    may_record(actor, &org, code, fields.source)?;
    if let Some(opening) = fields.opening_id {
        let of_box = match app.store.box_opening(opening).await? {
            Some(o) => app.store.suggestion_box(o.box_id).await?,
            None => None,
        };
        if of_box.is_none_or(|b| b.community != code) {
            return Err(AppError::new(Kind::Invalid, "invalid_parameter")
                .text("suggestion.unknown_opening")
                .arg("id", opening)
                .field("opening_id"));
        }
    }
    if photos.len() > MAX_PHOTOS {
        return Err(AppError::new(Kind::Invalid, "too_many_photos")
            .text("submit.error.too_many_photos")
            .arg("max", MAX_PHOTOS)
            .field("photos"));
    }
    let mut kept = Vec::with_capacity(photos.len());
    for p in photos {
        app.store
            .keep_photo(&p.hash, p.mime, &p.bytes, p.gps)
            .await?;
        kept.push((p.hash.clone(), p.name.clone()));
    }
    let by = actor.map_or("resident", |a| a.username.as_str());
    let id = app
        .store
        .add_suggestion(code, &fields, &kept, by, app.now())
        .await?;
    app.store
        .suggestion(id)
        .await?
        .ok_or_else(|| AppError::internal("a suggestion vanished"))
}

/// Who records which source: anyone the web form; a grid worker of the community `grid`;
/// the community's staff `box` and `counter`.
fn may_record(
    actor: Option<&Actor>,
    org: &Org,
    code: &str,
    source: Source,
) -> Result<(), AppError> {
    let forbidden = || {
        AppError::new(Kind::Forbidden, "forbidden")
            .text("suggestion.forbidden.source")
            .field("source")
    };
    match (source, actor) {
        (Source::Web, _) => Ok(()),
        (_, None) => Err(forbidden()),
        (Source::Grid, Some(a)) => {
            let worker = a.role == Some(Role::GridWorker) && org.within(&a.scope, code);
            worker.then_some(()).ok_or_else(forbidden)
        }
        (Source::Box | Source::Counter, Some(a)) => {
            if !access::covers(a, org, code) {
                return Err(access::outside_scope(code).into());
            }
            Ok(domain::require_triager(a, code)?)
        }
    }
}

/// The community's triage inbox (only `state` when given), the newest first.
pub async fn inbox(
    app: &App,
    actor: &Actor,
    code: &str,
    state: Option<&str>,
) -> Result<Vec<Suggestion>, AppError> {
    readable_community(actor, &app.org(), code)?;
    let state = match state.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(SuggestionState::parse(s).ok_or_else(|| {
            AppError::new(Kind::Invalid, "invalid_parameter")
                .text("suggestion.unknown_code")
                .arg("field", "state")
                .arg("value", s)
                .arg("codes", SuggestionState::codes())
                .field("state")
        })?),
    };
    Ok(app.store.suggestions(code, state).await?)
}

/// A suggestion with its log, if `actor` may read it (else 404).
pub async fn suggestion(app: &App, actor: &Actor, id: i64) -> Result<SuggestionView, AppError> {
    let s = readable(app, actor, id).await?;
    Ok(SuggestionView {
        events: app.store.suggestion_events(id).await?,
        photos: app
            .store
            .suggestion_photos(id)
            .await?
            .into_iter()
            .map(|(h, _)| h)
            .collect(),
        suggestion: s,
    })
}

async fn readable(app: &App, actor: &Actor, id: i64) -> Result<Suggestion, AppError> {
    let s = app
        .store
        .suggestion(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !reads(actor, &app.org(), &s.community) {
        return Err(AppError::not_found());
    }
    Ok(s)
}

// ---- triage -------------------------------------------------------------------------------

/// Triages a received suggestion once, as its community's staff (another community's
/// staff get a 404; a triaged one a 409).
pub async fn triage(
    app: &App,
    actor: &Actor,
    id: i64,
    new: &NewTriage,
) -> Result<TriageOutcome, AppError> {
    let s = readable(app, actor, id).await?;
    domain::require_triager(actor, &s.community)?;
    domain::check_triage(s.state)?;
    let triage = new.validate(id).map_err(|e| nest_topic_field(e, new))?;
    let now = app.now();
    let event = |data| SuggestionEvent {
        seq: s.version + 1,
        at: now,
        actor: actor.username.clone(),
        data,
    };
    let (ev, title, fields, stakeholders, join) = match triage {
        Triage::NewTopic(fields) => {
            let stakeholders = crate::topic::resolve(app, &s.community, &fields)
                .await
                .map_err(|e| prefix_field(e, "topic"))?;
            let title = fields.title.clone();
            let ev = event(SuggestionEventData::Topic { topic_id: 0 });
            (ev, Some(title), Some(fields), stakeholders, None)
        }
        Triage::ToTopic(topic_id) => {
            let t = open_topic(app, &s.community, topic_id).await?;
            let join = TopicEvent {
                seq: t.version + 1,
                at: now,
                actor: actor.username.clone(),
                data: TopicEventData::AddSuggestion { suggestion_id: id },
            };
            let ev = event(SuggestionEventData::Topic { topic_id });
            (
                ev,
                Some(t.title),
                None,
                Vec::new(),
                Some((t.id, t.version, join)),
            )
        }
        Triage::Answer(answer) => (
            event(SuggestionEventData::Answer { answer }),
            None,
            None,
            Vec::new(),
            None,
        ),
        Triage::Request { category } => {
            let (request_id, code) = make_request(app, actor, &s, category).await?;
            let ev = event(SuggestionEventData::Request { request_id, code });
            (ev, None, None, Vec::new(), None)
        }
        Triage::Merge(into) => {
            let target = app.store.suggestion(into).await?.ok_or_else(|| {
                AppError::new(Kind::Invalid, "invalid_parameter")
                    .text("suggestion.unknown_suggestion")
                    .arg("id", into)
                    .field("into")
            })?;
            domain::check_merge_target(&s, &target)?;
            (
                event(SuggestionEventData::Merge { into }),
                None,
                None,
                Vec::new(),
                None,
            )
        }
        Triage::Reject(reason) => (
            event(SuggestionEventData::Reject { reason }),
            None,
            None,
            Vec::new(),
            None,
        ),
    };
    let topic = match (&fields, &join) {
        (Some(f), _) => TopicLink::New {
            fields: f,
            stakeholders: &stakeholders,
        },
        (None, Some((topic_id, version, e))) => TopicLink::Join {
            topic_id: *topic_id,
            version: *version,
            event: e,
        },
        (None, None) => TopicLink::None,
    };
    let notice = domain::notice_text(&ev.data, title.as_deref())
        .and_then(|text| sms(app, domain::notice_phone(&s)?, &text));
    let written = app
        .store
        .triage_suggestion(&TriageWrite {
            suggestion_id: id,
            community: &s.community,
            version: s.version,
            event: &ev,
            topic,
            notice,
        })
        .await?;
    let topic_id = match written {
        Triaged::Done { topic_id } => topic_id,
        Triaged::SuggestionChanged => {
            return Err(AppError::new(Kind::Conflict, "changed").text("suggestion.changed"));
        }
        Triaged::TopicChanged => {
            return Err(AppError::new(Kind::Conflict, "changed")
                .text("suggestion.topic.changed")
                .field("topic_id"));
        }
    };
    let suggestion = app
        .store
        .suggestion(id)
        .await?
        .ok_or_else(|| AppError::internal("a suggestion vanished"))?;
    let topic = match topic_id {
        Some(t) => app.store.topic(t).await?,
        None => None,
    };
    Ok(TriageOutcome { suggestion, topic })
}

/// The SMS to `phone`, when the deployment sends SMS (as the request notices do).
pub fn sms(app: &App, phone: &str, text: &str) -> Option<OutboxItem> {
    app.config.sms_gateway.as_ref()?;
    Some(OutboxItem {
        channel: "sms".into(),
        target: phone.to_string(),
        secret: None,
        payload: json!({"phone": phone, "text": text}),
    })
}

/// An open topic of the community to join, or a 422 naming `topic_id`.
async fn open_topic(app: &App, community: &str, id: i64) -> Result<Topic, AppError> {
    match app.store.topic(id).await? {
        Some(t) if t.community == community && t.state.is_open() => Ok(t),
        _ => Err(AppError::new(Kind::Invalid, "invalid_parameter")
            .text("suggestion.unknown_topic")
            .arg("id", id)
            .field("topic_id")),
    }
}

/// Registers the request a suggestion becomes (once: keyed by the suggestion), with its
/// photos; its id and tracking code.
async fn make_request(
    app: &App,
    actor: &Actor,
    s: &Suggestion,
    category: Option<String>,
) -> Result<(i64, String), AppError> {
    if let Some(code) = &category
        && !app
            .store
            .categories()
            .await?
            .iter()
            .any(|c| &c.code == code)
    {
        return Err(AppError::new(Kind::Invalid, "invalid_parameter")
            .text("patrol.invalid.unknown_category")
            .arg("code", code)
            .field("category"));
    }
    let now = minhu_domain::time::truncate_ms(app.now());
    let subject = text::fill(
        "suggestion.request.subject",
        text::Lang::Zh,
        &[("source", s.source.zh())],
    );
    let author = s.author.clone();
    let intake = Intake {
        code: minhu_store::new_code(now),
        channel: Channel::SuggestionBox,
        kind: RequestType::Suggestion,
        subject: Some(subject),
        content: s.text.clone(),
        requester: Requester {
            name: author.as_ref().and_then(|a| a.name.clone()),
            phone: author.and_then(|a| a.phone),
        },
        address: None,
        lat: None,
        lon: None,
        jurisdiction: s.community.clone(),
        category,
        confidential: false,
        external_id: Some(format!("suggestion:{}", s.id)),
        received_at: now,
    };
    let registered = crate::intake::register(app, intake, actor).await?;
    let id = registered.request.id;
    for (hash, name) in app.store.suggestion_photos(s.id).await? {
        if let Some((mime, bytes)) = app.store.photo_bytes(&hash).await? {
            app.store
                .attach(id, &hash, &mime, &bytes, None, name.as_deref())
                .await?;
        }
    }
    Ok((id, registered.request.intake.code.clone()))
}

/// A refusal of the nested new topic's fields names them `topic.…`.
fn nest_topic_field(e: minhu_domain::DomainError, new: &NewTriage) -> AppError {
    let nested = new.outcome.trim() == "topic"
        && new.topic.is_some()
        && e.field
            .as_deref()
            .is_some_and(|f| !matches!(f, "outcome" | "topic" | "topic_id"));
    let e = AppError::from(e);
    if nested { prefix_field(e, "topic") } else { e }
}

fn prefix_field(mut e: AppError, prefix: &str) -> AppError {
    if let Some(f) = e.field.take() {
        e.field = Some(format!("{prefix}.{f}"));
    }
    e
}
