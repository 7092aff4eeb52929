//! A topic (议题) of the residents' council: a title, the facts, the suggestions (and
//! requests) it comes from, its proposer (who signs the 议题申报表), the buildings and
//! households it concerns, and the procedure it will follow (a code the council's
//! procedures define). Its state comes from its event log:
//!
//! draft → screened (by the party org / 居委会) → scheduled (on a sitting's agenda) →
//! decided | not_adopted; any open topic may be withdrawn. A scheduled topic may be
//! scheduled again (carried to a later sitting). Suggestions join an open topic.
//!
//! Pure: the caller gives `now`; [`next_state`] is the one transition rule.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::error::{Arg, DomainError};
use crate::suggestion::{optional, required, required_error, unknown};

/// Longest title (one line of the ledger), facts, proposer name, procedure code, note.
pub const MAX_TITLE: usize = 100;
pub const MAX_FACTS: usize = 4000;
pub const MAX_PROPOSER: usize = 50;
pub const MAX_PROCEDURE: usize = 50;
pub const MAX_NOTE: usize = 500;
/// Most stakeholders and origin requests a topic lists.
pub const MAX_REFERENCES: usize = 200;

code_enum!(
    /// Where a topic stands.
    TopicState {
        Draft = "draft" / "草拟",
        Screened = "screened" / "已审核",
        Scheduled = "scheduled" / "已列入议程",
        Decided = "decided" / "已形成决议",
        NotAdopted = "not_adopted" / "未通过",
        Withdrawn = "withdrawn" / "已撤回",
    }
);

code_enum!(
    /// What a stakeholder reference points at in the people register.
    StakeholderKind {
        Building = "building" / "楼栋",
        Household = "household" / "住户",
    }
);

impl TopicState {
    /// Open: it may still take suggestions, be scheduled or withdrawn.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            TopicState::Draft | TopicState::Screened | TopicState::Scheduled
        )
    }
}

/// A stakeholder by reference (a building or a household of the register).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeholderRef {
    pub kind: StakeholderKind,
    pub id: i64,
}

/// A stakeholder as stored: the reference and what a page prints of it (the building's
/// name; the household's room, staff-tier, masked on public pages by [`mask_room`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stakeholder {
    pub kind: StakeholderKind,
    pub id: i64,
    pub building: String,
    pub room: Option<String>,
}

/// A room as the public sees it: every character but the first hidden (501 → 5**).
pub fn mask_room(room: &str) -> String {
    let mut chars = room.trim().chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

/// What staff fill in for a new topic (the 议题申报表's fields).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewTopic {
    pub title: String,
    pub facts: String,
    pub proposer_name: String,
    pub proposer_phone: String,
    pub procedure: String,
    pub stakeholders: Vec<(String, i64)>,
    pub origin_requests: Vec<i64>,
}

/// A checked new topic; the stakeholders still to be looked up in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicFields {
    pub title: String,
    pub facts: String,
    pub proposer_name: String,
    pub proposer_phone: Option<String>,
    pub procedure: String,
    pub stakeholders: Vec<StakeholderRef>,
    pub origin_requests: Vec<i64>,
}

impl NewTopic {
    /// Checks each field, naming the one at fault (`topic.` prefixed when nested in a
    /// triage is the caller's business).
    pub fn validate(&self) -> Result<TopicFields, DomainError> {
        let phone = self.proposer_phone.trim();
        let proposer_phone = if phone.is_empty() {
            None
        } else {
            Some(crate::privacy::normalize_phone(phone).ok_or_else(|| {
                DomainError::invalid_keyed(
                    "proposer_phone",
                    "invalid_parameter",
                    "suggestion.bad_phone",
                    vec![Arg::new("value", phone)],
                )
            })?)
        };
        if self.stakeholders.len() > MAX_REFERENCES || self.origin_requests.len() > MAX_REFERENCES {
            return Err(DomainError::invalid_keyed(
                "stakeholders",
                "invalid_parameter",
                "suggestion.topic.too_many",
                vec![Arg::new("max", MAX_REFERENCES)],
            ));
        }
        let mut stakeholders = Vec::new();
        for (kind, id) in &self.stakeholders {
            let kind = StakeholderKind::parse(kind.trim())
                .ok_or_else(|| unknown("stakeholders", kind, StakeholderKind::codes()))?;
            let r = StakeholderRef { kind, id: *id };
            if !stakeholders.contains(&r) {
                stakeholders.push(r);
            }
        }
        let mut origin_requests = self.origin_requests.clone();
        origin_requests.sort_unstable();
        origin_requests.dedup();
        Ok(TopicFields {
            title: required("title", &self.title, MAX_TITLE)?,
            facts: required("facts", &self.facts, MAX_FACTS)?,
            proposer_name: required("proposer_name", &self.proposer_name, MAX_PROPOSER)?,
            proposer_phone,
            procedure: optional("procedure", &self.procedure, MAX_PROCEDURE)?,
            stakeholders,
            origin_requests,
        })
    }
}

/// One step of a topic's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TopicEventData {
    /// Proposed, with the suggestions it came from.
    Propose {
        suggestions: Vec<i64>,
    },
    /// A further suggestion joined it.
    AddSuggestion {
        suggestion_id: i64,
    },
    /// Screened by the party org / 居委会.
    Screen {
        note: String,
    },
    /// Put on a sitting's agenda (the sitting, when the council names it).
    Schedule {
        sitting_id: Option<i64>,
    },
    /// The sitting's decision: adopted or not.
    Decide {
        adopted: bool,
        sitting_id: Option<i64>,
    },
    Withdraw {
        reason: String,
    },
}

/// An event of a topic's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicEvent {
    pub seq: i64,
    #[serde(with = "crate::time::serde_local")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub data: TopicEventData,
}

/// The state `data` moves a topic in `state` to, or the 409 naming the state.
pub fn next_state(state: TopicState, data: &TopicEventData) -> Result<TopicState, DomainError> {
    use TopicState::*;
    let next = match (state, data) {
        (Draft, TopicEventData::Screen { .. }) => Some(Screened),
        (Screened | Scheduled, TopicEventData::Schedule { .. }) => Some(Scheduled),
        (Scheduled, TopicEventData::Decide { adopted: true, .. }) => Some(Decided),
        (Scheduled, TopicEventData::Decide { adopted: false, .. }) => Some(NotAdopted),
        (s, TopicEventData::Withdraw { .. }) if s.is_open() => Some(Withdrawn),
        (s, TopicEventData::AddSuggestion { .. }) if s.is_open() => Some(s),
        _ => None,
    };
    next.ok_or_else(|| {
        DomainError::conflict_keyed(
            "invalid_transition",
            "suggestion.topic.invalid_transition",
            vec![Arg::by_lang("state", state.zh(), state.as_str())],
        )
    })
}

/// The state a topic's log folds to; `None` for an empty log or one breaking the rules.
pub fn replay(events: &[TopicEvent]) -> Option<TopicState> {
    let (first, rest) = events.split_first()?;
    if !matches!(first.data, TopicEventData::Propose { .. }) {
        return None;
    }
    rest.iter()
        .try_fold(TopicState::Draft, |s, e| next_state(s, &e.data).ok())
}

/// A step asked for by a client (`screen`, `schedule`, `decide`, `withdraw`), checked.
pub fn step(
    action: &str,
    note: &str,
    adopted: Option<bool>,
    sitting_id: Option<i64>,
) -> Result<TopicEventData, DomainError> {
    Ok(match action {
        "screen" => TopicEventData::Screen {
            note: optional("note", note, MAX_NOTE)?,
        },
        "schedule" => TopicEventData::Schedule { sitting_id },
        "decide" => TopicEventData::Decide {
            adopted: adopted.ok_or_else(|| required_error("adopted"))?,
            sitting_id,
        },
        "withdraw" => TopicEventData::Withdraw {
            reason: required("note", note, MAX_NOTE)?,
        },
        other => {
            return Err(unknown(
                "action",
                other,
                "screen, schedule, decide, withdraw".into(),
            ));
        }
    })
}

/// A topic as the store holds it (its projection row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    pub id: i64,
    pub community: String,
    pub title: String,
    pub facts: String,
    pub proposer_name: String,
    pub proposer_phone: Option<String>,
    pub procedure: String,
    pub stakeholders: Vec<Stakeholder>,
    pub origin_requests: Vec<i64>,
    /// The suggestions it came from, in the order they joined.
    pub suggestions: Vec<i64>,
    pub state: TopicState,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The number of events.
    pub version: i64,
}

/// What an author of an origin suggestion hears when the topic is decided, or `None`.
pub fn decision_notice(topic: &Topic, data: &TopicEventData) -> Option<String> {
    let TopicEventData::Decide { adopted, .. } = data else {
        return None;
    };
    let key = if *adopted {
        "suggestion.notice.decided"
    } else {
        "suggestion.notice.not_adopted"
    };
    Some(crate::text::fill(
        key,
        crate::text::Lang::Zh,
        &[("title", &topic.title)],
    ))
}

#[cfg(test)]
mod tests;
