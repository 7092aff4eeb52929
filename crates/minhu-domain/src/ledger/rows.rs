//! The rows storage feeds the reports: the light facts of a request for mixes, categories
//! and repeats, and a request's text for topic detection (hot spots).

use chrono::{DateTime, Utc};

use crate::request::{Channel, RequestType, State, Urgency};

/// The light facts of a request that mixes, categories and hot spots need.
#[derive(Debug, Clone, PartialEq)]
pub struct LightRow {
    pub id: i64,
    pub code: String,
    pub received_at: DateTime<Utc>,
    pub channel: Channel,
    pub kind: RequestType,
    pub category: Option<String>,
    pub jurisdiction: String,
    pub urgency: Urgency,
    pub state: State,
    pub lead_unit: Option<String>,
    pub requester_phone: Option<String>,
    pub subject: Option<String>,
}

/// A request as topic detection needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicRow {
    pub id: i64,
    pub code: String,
    pub jurisdiction: String,
    pub category: Option<String>,
    pub subject: Option<String>,
    pub content: String,
    /// Confidential requests count but are never shown as samples.
    pub confidential: bool,
}
