//! Who hears of an event, and what they are told: computed when the event is decided and
//! written to the outbox in the same transaction as the event.

use super::{OutboxItem, Subscription};
use crate::org::Org;
use crate::request::{Event, EventData, Request};
use crate::time::rfc3339;
use serde_json::json;

/// Units an event concerns directly (they hear of it through their own subscriptions).
fn units_concerned(req: &Request, e: &EventData) -> Vec<String> {
    match e {
        EventData::Dispatch { unit, co_units, .. } => std::iter::once(unit.clone())
            .chain(co_units.iter().cloned())
            .collect(),
        EventData::Transfer { unit, .. } => vec![unit.clone()],
        EventData::AddCoUnits { units, .. } | EventData::Whistle { units, .. } => units.clone(),
        EventData::Urge { .. }
        | EventData::Supervise { .. }
        | EventData::Warn { .. }
        | EventData::DecideReturn { .. }
        | EventData::DecideExtension { .. } => req.lead_unit.iter().cloned().collect(),
        _ => Vec::new(),
    }
}

/// What the requester is told by SMS, for the steps the design names.
fn requester_text(req: &Request, e: &EventData, org: &Org) -> Option<String> {
    let code = &req.intake.code;
    Some(match e {
        EventData::Accept { .. } => {
            format!("【民呼必应】您反映的问题已受理，查询码{code}，我们将尽快办理。")
        }
        EventData::Dispatch { unit, .. } => {
            let name = org.unit(unit).map(|u| u.name.as_str()).unwrap_or(unit);
            format!("【民呼必应】您的诉求（{code}）已交{name}办理。")
        }
        EventData::Reply { public_reply, .. } => {
            format!("【民呼必应】您的诉求（{code}）已办结：{public_reply}")
        }
        EventData::Callback { reached: true, .. } => {
            format!("【民呼必应】感谢您对诉求（{code}）办理情况的评价。")
        }
        _ => return None,
    })
}

/// The messages an event causes. `sms_gateway` is whether an SMS gateway is configured.
pub fn messages_for(
    subs: &[Subscription],
    org: &Org,
    req: &Request,
    event: &Event,
    sms_gateway: bool,
) -> Vec<OutboxItem> {
    let action = event.data.action();
    let mut units = units_concerned(req, &event.data);
    // An escalation is news for the office of the tier that now holds the request.
    if let EventData::Escalate { to, .. } = &event.data
        && let Some(office) = org
            .ancestor_at(&req.intake.jurisdiction, to.level())
            .and_then(|j| org.own_unit(&j.code))
    {
        units.push(office.code.clone());
    }
    let channel_owner = format!("channel:{}", req.intake.channel.as_str());
    let lineage = org.lineage(&req.intake.jurisdiction);
    let payload = OutboxItem::payload(req, event);
    let mut out: Vec<OutboxItem> = subs
        .iter()
        .filter(|s| matches!(s.channel.as_str(), "webhook" | "email") && s.wants(action))
        .filter(|s| {
            s.owner == "*"
                || s.owner == channel_owner
                || units.contains(&s.owner)
                || lineage.contains(&s.owner.as_str())
        })
        .map(|s| {
            let mut payload = payload.clone();
            if s.channel == "email" {
                let (subject, text) = email_text(req, &event.data, org);
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
        .collect();
    if sms_gateway
        && let (Some(phone), Some(text)) = (
            &req.intake.requester.phone,
            requester_text(req, &event.data, org),
        )
    {
        out.push(OutboxItem {
            channel: "sms".into(),
            target: phone.clone(),
            secret: None,
            payload: json!({"phone": phone, "text": text}),
        });
    }
    out
}

/// Subject and text of an e-mail to a unit or an office (no personal data).
fn email_text(req: &Request, e: &EventData, org: &Org) -> (String, String) {
    let step = match e {
        EventData::Dispatch { .. } => "派单",
        EventData::Transfer { .. } => "转办",
        EventData::AddCoUnits { .. } => "加派协办",
        EventData::Whistle { .. } => "吹哨召集",
        EventData::Urge { .. } => "催办",
        EventData::Supervise { .. } => "督办",
        EventData::Escalate { .. } => "上报",
        EventData::Warn { .. } => "时限预警",
        _ => "进展",
    };
    let code = &req.intake.code;
    let place = org
        .jurisdiction(&req.intake.jurisdiction)
        .map(|j| j.name.as_str())
        .unwrap_or("");
    let due = req.deadline.map(rfc3339).unwrap_or_else(|| "—".into());
    let subject = format!("【民呼必应】{step}：工单{code}");
    let text = format!(
        "工单{code}（{place}）{step}。\n诉求：{}\n当前状态：{}\n办理时限：{due}\n请登录民呼必应系统查看并办理。",
        req.intake
            .subject
            .clone()
            .unwrap_or_else(|| req.intake.content.chars().take(60).collect()),
        req.state.zh(),
    );
    (subject, text)
}
