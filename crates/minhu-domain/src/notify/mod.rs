//! Who hears of what: subscriptions (webhooks, SMS, e-mail), the messages a step produces
//! for them, and the formats they receive.

pub mod items;
pub mod rules;

use serde::Serialize;

use crate::request::{Event, Request};
use crate::time::rfc3339;

/// Someone who hears of events: a webhook, a phone (SMS) or an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub id: i64,
    /// A unit code, a jurisdiction code, `channel:NAME`, or `*`.
    pub owner: String,
    pub channel: String,
    pub target: String,
    #[serde(skip)]
    pub secret: Option<String>,
    /// `*` or a comma list of actions.
    pub actions: String,
}

impl Subscription {
    pub fn wants(&self, action: &str) -> bool {
        self.actions == "*" || self.actions.split(',').any(|a| a.trim() == action)
    }
}

/// A message to deliver because of an event; storage keeps it in the outbox, committed
/// with the event.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    /// `webhook`, `sms` or `email`.
    pub channel: String,
    /// URL, phone number or e-mail address.
    pub target: String,
    /// Key for the webhook's HMAC signature.
    pub secret: Option<String>,
    pub payload: serde_json::Value,
}

impl OutboxItem {
    /// The JSON a webhook receives for an event of a request (see [`webhook_payload`]).
    pub fn payload(req: &Request, event: &Event) -> serde_json::Value {
        webhook_payload(req, event)
    }
}

/// The JSON a webhook receives for an event of a request: the request's public facts
/// after the event (never personal data) and the event itself.
pub fn webhook_payload(req: &Request, event: &Event) -> serde_json::Value {
    serde_json::json!({
        "request": {
            "id": req.id,
            "code": req.intake.code,
            "state": req.state.as_str(),
            "channel": req.intake.channel.as_str(),
            "external_id": req.intake.external_id,
            "jurisdiction": req.intake.jurisdiction,
            "tier": req.tier.as_str(),
            "lead_unit": req.lead_unit,
            "deadline": req.deadline.map(rfc3339),
            "public_reply": req.reply.as_ref().map(|r| r.public_reply.clone()),
        },
        "event": {"seq": event.seq, "action": event.data.action(), "at": rfc3339(event.at), "data": event.data.fields()},
    })
}

/// What a channel's endpoints (owner `channel:NAME`: an upstream platform, an Open311
/// client) are told of a request's registration: the webhook payload of its first event,
/// once per subscription that wants it.
pub fn registration_notices(
    subs: &[Subscription],
    req: &Request,
    first: &Event,
) -> Vec<OutboxItem> {
    let owner = format!("channel:{}", req.intake.channel.as_str());
    let action = first.data.action();
    let mut wanted = subs
        .iter()
        .filter(|s| s.owner == owner && s.channel == "webhook" && s.wants(action))
        .peekable();
    if wanted.peek().is_none() {
        return Vec::new();
    }
    let payload = webhook_payload(req, first);
    wanted
        .map(|s| OutboxItem {
            channel: s.channel.clone(),
            target: s.target.clone(),
            secret: s.secret.clone(),
            payload: payload.clone(),
        })
        .collect()
}
