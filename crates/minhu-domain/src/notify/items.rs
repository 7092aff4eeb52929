//! Who hears of an action item (督办事项): its owner unit, through the unit's webhook and
//! e-mail subscriptions, when the item is issued to it and at each rung of the deadline
//! ladder (催办, 督办通知, 通报). The other steps are the unit's own or the office's answer
//! to it, and tell nobody. The store queues these messages in the transaction that appends
//! the event, so each is queued exactly once whichever server appended it.

use serde_json::json;

use super::{OutboxItem, Subscription};
use crate::action_item::{ActionItem, ItemEvent, ItemEventData, OversightLevel};
use crate::org::Org;
use crate::text::{self, Lang};
use crate::time::rfc3339;

/// The action a subscription names to hear of this event (`*` hears all), or `None` when
/// the event tells nobody.
pub fn notice_action(event: &ItemEvent) -> Option<&'static str> {
    match &event.data {
        ItemEventData::Issue { .. } => Some("action_item.issue"),
        ItemEventData::Oversee { level, .. } => Some(match level {
            OversightLevel::Urge => "action_item.urge",
            OversightLevel::Supervise => "action_item.supervise",
            OversightLevel::Bulletin => "action_item.bulletin",
        }),
        _ => None,
    }
}

/// The messages `event` causes for `item` (the item after the event, with its id).
pub fn item_messages(
    subs: &[Subscription],
    org: &Org,
    item: &ActionItem,
    event: &ItemEvent,
) -> Vec<OutboxItem> {
    let Some(action) = notice_action(event) else {
        return Vec::new();
    };
    let payload = item_payload(item, event, action);
    subs.iter()
        .filter(|s| matches!(s.channel.as_str(), "webhook" | "email"))
        .filter(|s| s.owner == item.owner.as_str() && s.wants(action))
        .map(|s| {
            let mut payload = payload.clone();
            if s.channel == "email" {
                let (subject, text) = email_text(org, item, event, action);
                payload["subject"] = subject.into();
                payload["text"] = text.into();
            }
            OutboxItem {
                channel: s.channel.clone(),
                target: s.target.clone(),
                secret: s.secret.clone(),
                payload,
            }
        })
        .collect()
}

/// The JSON a webhook receives: the item's facts after the event (no personal data) and
/// the event, with the 督办通知's 文号 when it has one.
pub fn item_payload(item: &ActionItem, event: &ItemEvent, action: &str) -> serde_json::Value {
    let (level, number) = match &event.data {
        ItemEventData::Oversee { level, number } => (Some(level.as_str()), number.clone()),
        _ => (None, None),
    };
    json!({
        "action_item": {
            "id": item.id.0,
            "title": item.title,
            "source_kind": item.source.as_ref().map(|s| s.kind.as_str()),
            "source_id": item.source.as_ref().map(|s| s.id),
            "issued_by": item.issued_by.as_str(),
            "owner": item.owner.as_str(),
            "co_units": item.co_units.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
            "due": item.due.map(rfc3339),
            "state": item.state.as_str(),
        },
        "event": {"seq": event.seq, "action": action, "at": rfc3339(event.at),
                  "level": level, "number": number},
    })
}

/// Subject and text of the e-mail to the owner unit, in Chinese as the units read them.
fn email_text(org: &Org, item: &ActionItem, event: &ItemEvent, action: &str) -> (String, String) {
    let lang = Lang::Zh;
    let step_key = format!(
        "governance.notice.step.{}",
        action.trim_start_matches("action_item.")
    );
    let step = text::get(&step_key, lang).to_string();
    let name = |code: &str| {
        org.unit(code)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let due = item
        .due_date()
        .map(|d| d.to_string())
        .unwrap_or_else(|| "—".into());
    let subject = text::fill(
        "governance.notice.subject",
        lang,
        &[("step", &step), ("title", &item.title)],
    );
    let mut body = text::fill(
        "governance.notice.text",
        lang,
        &[
            ("title", &item.title),
            ("step", &step),
            ("issuer", &name(item.issued_by.as_str())),
            ("owner", &name(item.owner.as_str())),
            ("due", &due),
        ],
    );
    if let ItemEventData::Oversee {
        number: Some(n), ..
    } = &event.data
    {
        body.push('\n');
        body.push_str(&text::fill(
            "governance.notice.number",
            lang,
            &[("number", n)],
        ));
    }
    (subject, body)
}

#[cfg(test)]
mod tests;
