//! The community's suggestion box (议事征集箱) and the suggestions it and the other channels
//! bring: a [`SuggestionBox`] hangs somewhere in a community; each [`Opening`] is recorded
//! with when, by which two people (one alone is refused) and how many slips were found;
//! each [`Suggestion`] comes from an opening, the web form, a grid worker or the counter,
//! and is triaged once: merged into another, made a topic (议题), answered directly, made
//! an ordinary request, or rejected with a reason.
//!
//! A suggestion's state comes only from its event log ([`replay`]); [`check_triage`] is the
//! one rule: only a received suggestion is triaged. The author is staff-tier: shown masked
//! ([`Author::masked`]) and told of the outcome only when they left a phone
//! ([`notice_text`]). Who triages: the staff of the suggestion's community
//! ([`require_triager`]). Pure: the caller gives `now`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::error::{Arg, DomainError};
use crate::org::{Actor, Role};
use crate::privacy;
use crate::text::{self, Lang};

/// Longest box name and place (characters).
pub const MAX_NAME: usize = 50;
pub const MAX_LOCATION: usize = 100;
/// Longest opener name: a person's name.
pub const MAX_OPENER: usize = 50;
/// Most slips one opening records.
pub const MAX_SLIPS: i64 = 10_000;
/// Longest note, suggestion text, answer and reason.
pub const MAX_NOTE: usize = 500;
pub const MAX_TEXT: usize = 2000;
pub const MAX_ANSWER: usize = 1000;
pub const MAX_REASON: usize = 500;
/// Longest author name.
pub const MAX_AUTHOR: usize = 50;

code_enum!(
    /// Where a suggestion came from.
    Source {
        Box = "box" / "征集箱",
        Web = "web" / "线上",
        Grid = "grid" / "网格员",
        Counter = "counter" / "来访",
    }
);

code_enum!(
    /// Where a suggestion stands: received until triaged, then one outcome for good.
    SuggestionState {
        Received = "received" / "已收到",
        Merged = "merged" / "已合并",
        BecameTopic = "became_topic" / "已转为议题",
        AnsweredDirect = "answered_direct" / "已直接答复",
        Request = "request" / "已转为工单",
        Rejected = "rejected" / "不予采纳",
    }
);

// ---- boxes and openings -------------------------------------------------------------------

/// A box as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestionBox {
    pub id: i64,
    pub community: String,
    pub name: String,
    /// Where it hangs (e.g. 3号楼门厅).
    pub location: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// What the community fills in to hang a box.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewBox {
    pub name: String,
    pub location: String,
}

/// A checked new box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxFields {
    pub name: String,
    pub location: String,
}

impl NewBox {
    pub fn validate(&self) -> Result<BoxFields, DomainError> {
        Ok(BoxFields {
            name: required("name", &self.name, MAX_NAME)?,
            location: optional("location", &self.location, MAX_LOCATION)?,
        })
    }
}

/// An opening as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    pub id: i64,
    pub box_id: i64,
    pub opened_at: DateTime<Utc>,
    /// The two people who opened it together.
    pub openers: [String; 2],
    /// How many slips were found.
    pub slips: i64,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// What the community records of an opening.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewOpening {
    pub opened_at: Option<DateTime<Utc>>,
    pub openers: Vec<String>,
    pub slips: Option<i64>,
    pub note: String,
}

/// A checked opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningFields {
    pub opened_at: DateTime<Utc>,
    pub openers: [String; 2],
    pub slips: i64,
    pub note: String,
}

impl NewOpening {
    /// Checks each field: two different people (a box is never opened alone), a time not
    /// in the future (default `now`), a slip count from 0.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<OpeningFields, DomainError> {
        let openers = openers(&self.openers)?;
        let opened_at = self.opened_at.unwrap_or(now);
        if opened_at > now {
            return Err(DomainError::invalid_keyed(
                "opened_at",
                "invalid_parameter",
                "suggestion.opened_in_future",
                vec![],
            ));
        }
        let slips = self.slips.ok_or_else(|| required_error("slips"))?;
        if !(0..=MAX_SLIPS).contains(&slips) {
            return Err(DomainError::invalid_keyed(
                "slips",
                "out_of_range",
                "suggestion.slips_range",
                vec![Arg::new("max", MAX_SLIPS)],
            ));
        }
        Ok(OpeningFields {
            opened_at,
            openers,
            slips,
            note: optional("note", &self.note, MAX_NOTE)?,
        })
    }
}

/// Exactly two different names: the box's rule is that nobody opens it alone.
fn openers(given: &[String]) -> Result<[String; 2], DomainError> {
    let mut names: Vec<String> = Vec::new();
    for name in given.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        if name.chars().count() > MAX_OPENER {
            return Err(too_long("openers", MAX_OPENER));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    match <[String; 2]>::try_from(names) {
        Ok(two) => Ok(two),
        Err(names) => Err(DomainError::invalid_keyed(
            "openers",
            "two_openers",
            "suggestion.two_openers",
            vec![Arg::new("count", names.len())],
        )),
    }
}

// ---- suggestions --------------------------------------------------------------------------

/// Who wrote a suggestion, when they gave their name (staff-tier: never shown unmasked on
/// a public page or export).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub name: Option<String>,
    /// Normalised; `None` when they left none (then they hear nothing back).
    pub phone: Option<String>,
}

impl Author {
    /// The name and phone as staff lists show them: surname and masked digits.
    pub fn masked(&self) -> (Option<String>, Option<String>) {
        (
            self.name.as_deref().map(privacy::mask_name),
            self.phone.as_deref().map(privacy::mask_phone),
        )
    }
}

/// What a channel gives for a new suggestion (codes unchecked).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewSuggestion {
    pub source: String,
    pub opening_id: Option<i64>,
    pub text: String,
    pub anonymous: bool,
    pub author_name: String,
    pub author_phone: String,
}

/// A checked new suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestionFields {
    pub source: Source,
    pub opening_id: Option<i64>,
    pub text: String,
    /// `None` for an anonymous one.
    pub author: Option<Author>,
}

impl NewSuggestion {
    /// Checks each field: a known source, an opening for a slip from the box (and none for
    /// the others), the text, and the author unless anonymous (a phone must be one).
    pub fn validate(&self) -> Result<SuggestionFields, DomainError> {
        let source = self.source.trim();
        if source.is_empty() {
            return Err(required_error("source"));
        }
        let source =
            Source::parse(source).ok_or_else(|| unknown("source", source, Source::codes()))?;
        match (source, self.opening_id) {
            (Source::Box, None) => return Err(required_error("opening_id")),
            (Source::Box, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return Err(DomainError::invalid_keyed(
                    "opening_id",
                    "invalid_parameter",
                    "suggestion.opening_only_box",
                    vec![],
                ));
            }
        }
        let text = required("text", &self.text, MAX_TEXT)?;
        Ok(SuggestionFields {
            source,
            opening_id: self.opening_id,
            text,
            author: if self.anonymous {
                None
            } else {
                author(&self.author_name, &self.author_phone)?
            },
        })
    }
}

fn author(name: &str, phone: &str) -> Result<Option<Author>, DomainError> {
    let name = optional("author_name", name, MAX_AUTHOR)?;
    let phone = phone.trim();
    let phone = if phone.is_empty() {
        None
    } else {
        Some(privacy::normalize_phone(phone).ok_or_else(|| {
            DomainError::invalid_keyed(
                "author_phone",
                "invalid_parameter",
                "suggestion.bad_phone",
                vec![Arg::new("value", phone)],
            )
        })?)
    };
    if name.is_empty() && phone.is_none() {
        return Ok(None);
    }
    Ok(Some(Author {
        name: (!name.is_empty()).then_some(name),
        phone,
    }))
}

/// One step of a suggestion's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SuggestionEventData {
    Receive { source: Source },
    Merge { into: i64 },
    Topic { topic_id: i64 },
    Answer { answer: String },
    Request { request_id: i64, code: String },
    Reject { reason: String },
}

impl SuggestionEventData {
    /// The state the step leaves the suggestion in.
    pub fn state(&self) -> SuggestionState {
        match self {
            SuggestionEventData::Receive { .. } => SuggestionState::Received,
            SuggestionEventData::Merge { .. } => SuggestionState::Merged,
            SuggestionEventData::Topic { .. } => SuggestionState::BecameTopic,
            SuggestionEventData::Answer { .. } => SuggestionState::AnsweredDirect,
            SuggestionEventData::Request { .. } => SuggestionState::Request,
            SuggestionEventData::Reject { .. } => SuggestionState::Rejected,
        }
    }
}

/// An event of a suggestion's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestionEvent {
    pub seq: i64,
    #[serde(with = "crate::time::serde_local")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub data: SuggestionEventData,
}

/// What a suggestion's triage produced, folded from its log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub merged_into: Option<i64>,
    pub topic_id: Option<i64>,
    pub answer: Option<String>,
    pub request_id: Option<i64>,
    pub request_code: Option<String>,
    pub reason: Option<String>,
}

/// A suggestion as the store holds it (its projection row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub id: i64,
    pub community: String,
    pub source: Source,
    pub opening_id: Option<i64>,
    pub text: String,
    pub author: Option<Author>,
    pub state: SuggestionState,
    pub outcome: Outcome,
    pub received_by: String,
    pub received_at: DateTime<Utc>,
    /// The number of events: a triage is written only on the version it was decided on.
    pub version: i64,
}

/// The state and outcome a log folds to; `None` for an empty log or one that breaks the
/// rule (a second triage, a triage before the receipt).
pub fn replay(events: &[SuggestionEvent]) -> Option<(SuggestionState, Outcome)> {
    let (first, rest) = events.split_first()?;
    if !matches!(first.data, SuggestionEventData::Receive { .. }) {
        return None;
    }
    let mut state = SuggestionState::Received;
    let mut out = Outcome::default();
    for e in rest {
        check_triage(state).ok()?;
        state = e.data.state();
        match &e.data {
            SuggestionEventData::Receive { .. } => return None,
            SuggestionEventData::Merge { into } => out.merged_into = Some(*into),
            SuggestionEventData::Topic { topic_id } => out.topic_id = Some(*topic_id),
            SuggestionEventData::Answer { answer } => out.answer = Some(answer.clone()),
            SuggestionEventData::Request { request_id, code } => {
                out.request_id = Some(*request_id);
                out.request_code = Some(code.clone());
            }
            SuggestionEventData::Reject { reason } => out.reason = Some(reason.clone()),
        }
    }
    Some((state, out))
}

/// The 409 for triaging a suggestion that is triaged already: each is triaged once.
pub fn check_triage(state: SuggestionState) -> Result<(), DomainError> {
    if state != SuggestionState::Received {
        return Err(DomainError::conflict_keyed(
            "invalid_transition",
            "suggestion.triaged",
            vec![Arg::by_lang("state", state.zh(), state.as_str())],
        ));
    }
    Ok(())
}

/// How a received suggestion is triaged (fields unchecked).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewTriage {
    /// `topic`, `answer`, `request`, `merge`, `reject`.
    pub outcome: String,
    pub answer: String,
    pub reason: String,
    /// The suggestion to merge into.
    pub into: Option<i64>,
    /// The existing topic to add the suggestion to (else `topic` makes a new one).
    pub topic_id: Option<i64>,
    pub topic: Option<crate::topic::NewTopic>,
    /// For `request`: the category code, if known.
    pub category: Option<String>,
}

/// A checked triage.
#[derive(Debug, Clone, PartialEq)]
pub enum Triage {
    NewTopic(crate::topic::TopicFields),
    ToTopic(i64),
    Answer(String),
    Request { category: Option<String> },
    Merge(i64),
    Reject(String),
}

code_enum!(
    /// The triage outcomes, as a client names them.
    TriageKind {
        Topic = "topic" / "转为议题",
        Answer = "answer" / "直接答复",
        Request = "request" / "转为工单",
        Merge = "merge" / "合并",
        Reject = "reject" / "不予采纳",
    }
);

impl NewTriage {
    /// Checks the fields the outcome needs, naming the one at fault. `self_id` is the
    /// suggestion's own id (it cannot be merged into itself).
    pub fn validate(&self, self_id: i64) -> Result<Triage, DomainError> {
        let outcome = self.outcome.trim();
        if outcome.is_empty() {
            return Err(required_error("outcome"));
        }
        let kind = TriageKind::parse(outcome)
            .ok_or_else(|| unknown("outcome", outcome, TriageKind::codes()))?;
        Ok(match kind {
            TriageKind::Topic => match (self.topic_id, &self.topic) {
                (Some(id), None) => Triage::ToTopic(id),
                (None, Some(t)) => Triage::NewTopic(t.validate()?),
                (None, None) => return Err(required_error("topic")),
                (Some(_), Some(_)) => {
                    return Err(DomainError::invalid_keyed(
                        "topic_id",
                        "invalid_parameter",
                        "suggestion.topic_or_new",
                        vec![],
                    ));
                }
            },
            TriageKind::Answer => Triage::Answer(required("answer", &self.answer, MAX_ANSWER)?),
            TriageKind::Request => Triage::Request {
                category: self
                    .category
                    .as_deref()
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
            },
            TriageKind::Merge => {
                let into = self.into.ok_or_else(|| required_error("into"))?;
                if into == self_id {
                    return Err(DomainError::invalid_keyed(
                        "into",
                        "invalid_parameter",
                        "suggestion.merge_self",
                        vec![],
                    ));
                }
                Triage::Merge(into)
            }
            TriageKind::Reject => Triage::Reject(required("reason", &self.reason, MAX_REASON)?),
        })
    }
}

/// The 422 for merging into a suggestion that cannot take it: another community's, or one
/// merged itself (merges do not chain).
pub fn check_merge_target(me: &Suggestion, target: &Suggestion) -> Result<(), DomainError> {
    if target.community != me.community || target.state == SuggestionState::Merged {
        return Err(DomainError::invalid_keyed(
            "into",
            "invalid_parameter",
            "suggestion.merge_target",
            vec![Arg::new("id", target.id)],
        ));
    }
    Ok(())
}

// ---- who may do what ----------------------------------------------------------------------

/// 403 unless `actor` is the staff of `community` itself: they open its box and triage its
/// suggestions.
pub fn require_triager(actor: &Actor, community: &str) -> Result<(), DomainError> {
    if actor.role == Some(Role::CommunityStaff) && actor.scope == community {
        return Ok(());
    }
    Err(DomainError::forbidden_keyed(
        "suggestion.forbidden.triager",
        vec![],
    ))
}

// ---- what the author hears ----------------------------------------------------------------

/// What the author hears of a step (by SMS, in Chinese), or `None` when the step tells
/// nobody. `topic_title` names the topic of a `Topic` step.
pub fn notice_text(data: &SuggestionEventData, topic_title: Option<&str>) -> Option<String> {
    let lang = Lang::Zh;
    Some(match data {
        SuggestionEventData::Topic { .. } => text::fill(
            "suggestion.notice.topic",
            lang,
            &[("title", topic_title.unwrap_or_default())],
        ),
        SuggestionEventData::Answer { answer } => {
            text::fill("suggestion.notice.answer", lang, &[("answer", answer)])
        }
        SuggestionEventData::Request { code, .. } => {
            text::fill("suggestion.notice.request", lang, &[("code", code)])
        }
        _ => return None,
    })
}

/// The phone to tell, if the suggestion's author left one.
pub fn notice_phone(s: &Suggestion) -> Option<&str> {
    s.author.as_ref().and_then(|a| a.phone.as_deref())
}

// ---- small checks -------------------------------------------------------------------------

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
        "suggestion.unknown_code",
        vec![
            Arg::new("field", field),
            Arg::new("value", value),
            Arg::new("codes", codes),
        ],
    )
}

/// A trimmed, non-empty text of at most `max` characters.
pub(crate) fn required(field: &str, text: &str, max: usize) -> Result<String, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(required_error(field));
    }
    optional(field, text, max)
}

/// A trimmed text of at most `max` characters (may be empty).
pub(crate) fn optional(field: &str, text: &str, max: usize) -> Result<String, DomainError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(too_long(field, max));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests;
