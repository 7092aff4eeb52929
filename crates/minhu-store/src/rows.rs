//! Row types and the conversions between rows and domain values.

use chrono::{DateTime, Utc};
use minhu_domain::org::Tier;
use minhu_domain::request::{
    Channel, Event, EventData, Intake, RequestType, Requester, State, Warning,
};
use sqlx::types::Json;

use crate::{Result, StoreError};

pub(crate) const REQUEST_SELECT_BY_ID: &str = "SELECT id, code, channel, type, subject, content, requester_name, requester_phone, address, lat, lon, \
     jurisdiction, category, confidential, external_id, received_at FROM requests WHERE id = $1";

pub(crate) const REQUEST_SELECT_BY_CODE: &str = "SELECT id, code, channel, type, subject, content, requester_name, requester_phone, address, lat, lon, \
     jurisdiction, category, confidential, external_id, received_at FROM requests WHERE code = $1";

pub(crate) const SUMMARY_SELECT: &str = "SELECT id, code, state, channel, type, subject, content, jurisdiction, category, tier, lead_unit, \
     urgency, difficulty, deadline, yellow_at, received_at, updated_at FROM requests";

#[derive(sqlx::FromRow)]
pub(crate) struct RequestRow {
    pub id: i64,
    pub code: String,
    pub channel: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub subject: Option<String>,
    pub content: String,
    pub requester_name: Option<String>,
    pub requester_phone: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub jurisdiction: String,
    pub category: Option<String>,
    pub confidential: bool,
    pub external_id: Option<String>,
    pub received_at: DateTime<Utc>,
}

impl RequestRow {
    pub fn into_intake(self) -> Result<Intake> {
        Ok(Intake {
            channel: Channel::parse(&self.channel)
                .ok_or_else(|| StoreError::Corrupt(format!("channel {}", self.channel)))?,
            kind: RequestType::parse(&self.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("type {}", self.kind)))?,
            code: self.code,
            subject: self.subject,
            content: self.content,
            requester: Requester {
                name: self.requester_name,
                phone: self.requester_phone,
            },
            address: self.address,
            lat: self.lat,
            lon: self.lon,
            jurisdiction: self.jurisdiction,
            category: self.category,
            confidential: self.confidential,
            external_id: self.external_id,
            received_at: self.received_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    pub seq: i64,
    pub action: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub data: Json<serde_json::Value>,
}

impl EventRow {
    pub fn into_event(self) -> Result<Event> {
        let data = EventData::from_parts(&self.action, self.data.0)
            .map_err(|e| StoreError::Corrupt(format!("event {} {}: {e}", self.seq, self.action)))?;
        Ok(Event {
            seq: self.seq,
            at: self.at,
            actor: self.actor,
            role: self.role,
            data,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct JurisdictionRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UnitRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub jurisdiction: String,
    pub office: bool,
}

/// A person as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredUser {
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub role: String,
    pub scope: String,
    pub password_hash: Option<String>,
    pub disabled: bool,
}

/// One line of a queue.
#[derive(Debug, Clone)]
pub struct RequestSummary {
    pub id: i64,
    pub code: String,
    pub state: State,
    pub channel: Channel,
    pub kind: RequestType,
    pub subject: Option<String>,
    pub excerpt: String,
    pub jurisdiction: String,
    pub category: Option<String>,
    pub tier: Tier,
    pub lead_unit: Option<String>,
    pub urgency: String,
    pub difficulty: Option<String>,
    pub deadline: Option<DateTime<Utc>>,
    pub warning: Warning,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SummaryRow {
    pub id: i64,
    pub code: String,
    pub state: String,
    pub channel: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub subject: Option<String>,
    pub content: String,
    pub jurisdiction: String,
    pub category: Option<String>,
    pub tier: String,
    pub lead_unit: Option<String>,
    pub urgency: String,
    pub difficulty: Option<String>,
    pub deadline: Option<DateTime<Utc>>,
    pub yellow_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SummaryRow {
    pub fn into_summary(self, now: DateTime<Utc>) -> Result<RequestSummary> {
        let state = State::parse(&self.state)
            .ok_or_else(|| StoreError::Corrupt(format!("state {}", self.state)))?;
        let warning = minhu_domain::request::warning_at(state, self.deadline, self.yellow_at, now);
        Ok(RequestSummary {
            id: self.id,
            code: self.code,
            state,
            channel: Channel::parse(&self.channel)
                .ok_or_else(|| StoreError::Corrupt(format!("channel {}", self.channel)))?,
            kind: RequestType::parse(&self.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("type {}", self.kind)))?,
            subject: self.subject,
            excerpt: self.content.chars().take(80).collect(),
            jurisdiction: self.jurisdiction,
            category: self.category,
            tier: Tier::parse(&self.tier)
                .ok_or_else(|| StoreError::Corrupt(format!("tier {}", self.tier)))?,
            lead_unit: self.lead_unit,
            urgency: self.urgency,
            difficulty: self.difficulty,
            deadline: self.deadline,
            warning,
            received_at: self.received_at,
            updated_at: self.updated_at,
        })
    }
}
