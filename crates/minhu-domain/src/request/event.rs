//! The request's append-only log: one [`Event`] per step, its [`EventData`] tagged with the
//! action name the API uses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Channel, Difficulty, RequestType, Satisfaction, Urgency, Warning};
use crate::org::Tier;

/// One entry of the append-only log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    #[serde(with = "crate::time::serde_local")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub data: EventData,
}

/// The data of each step. The tag is the action name of the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum EventData {
    Register {
        channel: Channel,
        #[serde(rename = "type")]
        kind: RequestType,
        jurisdiction: String,
        tier: Tier,
        category: Option<String>,
    },
    Accept {
        note: Option<String>,
    },
    Answer {
        reply: String,
    },
    Reject {
        reason_code: u8,
        reason: String,
        note: Option<String>,
        referral: Option<String>,
    },
    Dispatch {
        unit: String,
        co_units: Vec<String>,
        difficulty: Option<Difficulty>,
        urgency: Urgency,
        #[serde(with = "crate::time::serde_local")]
        deadline: DateTime<Utc>,
        #[serde(with = "crate::time::serde_local")]
        yellow_at: DateTime<Utc>,
        sla_version: i64,
    },
    Sign {},
    RequestReturn {
        reason: String,
    },
    DecideReturn {
        approve: bool,
        note: Option<String>,
    },
    Progress {
        note: String,
    },
    RequestExtension {
        days: u32,
        reason: String,
    },
    DecideExtension {
        approve: bool,
        #[serde(default, with = "crate::time::serde_local_opt")]
        deadline: Option<DateTime<Utc>>,
        #[serde(default, with = "crate::time::serde_local_opt")]
        yellow_at: Option<DateTime<Utc>>,
    },
    Suspend {
        reason: String,
    },
    Resume {
        #[serde(default, with = "crate::time::serde_local_opt")]
        deadline: Option<DateTime<Utc>>,
        #[serde(default, with = "crate::time::serde_local_opt")]
        yellow_at: Option<DateTime<Utc>>,
    },
    Escalate {
        reason: String,
        from: Tier,
        to: Tier,
    },
    Urge {
        note: Option<String>,
    },
    Supervise {
        note: Option<String>,
    },
    Reply {
        account: String,
        public_reply: String,
        measures: Option<String>,
        solved: bool,
    },
    Review {
        pass: bool,
        note: Option<String>,
    },
    Callback {
        reached: bool,
        contacted: bool,
        solved: bool,
        satisfaction: Option<Satisfaction>,
        note: Option<String>,
    },
    Reopen {
        reason: String,
        #[serde(with = "crate::time::serde_local")]
        deadline: DateTime<Utc>,
        #[serde(with = "crate::time::serde_local")]
        yellow_at: DateTime<Utc>,
        sla_version: i64,
    },
    Close {
        note: Option<String>,
    },
    Archive {},
    Merge {
        into: i64,
    },
    /// The deadline monitor lit a warning (yellow: last quarter of the time; red: past due).
    Warn {
        level: Warning,
    },
    /// 转办: the request moves to another lead unit, with a fresh deadline.
    Transfer {
        unit: String,
        reason: String,
        #[serde(with = "crate::time::serde_local")]
        deadline: DateTime<Utc>,
        #[serde(with = "crate::time::serde_local")]
        yellow_at: DateTime<Utc>,
        sla_version: i64,
    },
    /// 加派: more co-handling units.
    AddCoUnits {
        units: Vec<String>,
        note: Option<String>,
    },
    /// 吹哨: the street (or district) summons units to the scene.
    Whistle {
        units: Vec<String>,
        note: Option<String>,
    },
    /// A summoned unit reports its arrival (报到).
    Arrive {
        unit: String,
    },
    /// Staff set or correct the category (the classifier learns from the final one).
    Categorise {
        category: String,
        previous: Option<String>,
    },
}

impl EventData {
    pub fn action(&self) -> &'static str {
        match self {
            EventData::Register { .. } => "register",
            EventData::Accept { .. } => "accept",
            EventData::Answer { .. } => "answer",
            EventData::Reject { .. } => "reject",
            EventData::Dispatch { .. } => "dispatch",
            EventData::Sign {} => "sign",
            EventData::RequestReturn { .. } => "request_return",
            EventData::DecideReturn { .. } => "decide_return",
            EventData::Progress { .. } => "progress",
            EventData::RequestExtension { .. } => "request_extension",
            EventData::DecideExtension { .. } => "decide_extension",
            EventData::Suspend { .. } => "suspend",
            EventData::Resume { .. } => "resume",
            EventData::Escalate { .. } => "escalate",
            EventData::Urge { .. } => "urge",
            EventData::Supervise { .. } => "supervise",
            EventData::Reply { .. } => "reply",
            EventData::Review { .. } => "review",
            EventData::Callback { .. } => "callback",
            EventData::Reopen { .. } => "reopen",
            EventData::Close { .. } => "close",
            EventData::Archive {} => "archive",
            EventData::Merge { .. } => "merge",
            EventData::Warn { .. } => "warn",
            EventData::Transfer { .. } => "transfer",
            EventData::AddCoUnits { .. } => "add_co_units",
            EventData::Whistle { .. } => "whistle",
            EventData::Arrive { .. } => "arrive",
            EventData::Categorise { .. } => "categorise",
        }
    }

    /// The step's fields without the action tag, as the API shows and storage keeps them.
    pub fn fields(&self) -> serde_json::Value {
        // Event data is plain strings, numbers and lists: serialising it cannot fail.
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(obj) = v.as_object_mut() {
            obj.remove("action");
        }
        v
    }

    /// Rebuilds event data from a stored action name and its fields.
    pub fn from_parts(action: &str, fields: serde_json::Value) -> Result<Self, serde_json::Error> {
        let mut obj = match fields {
            serde_json::Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        obj.insert(
            "action".into(),
            serde_json::Value::String(action.to_string()),
        );
        serde_json::from_value(serde_json::Value::Object(obj))
    }
}
