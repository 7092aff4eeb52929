//! JSON views of requests: the staff view (personal fields masked unless revealed and
//! logged), the queue line, and the requester's public tracking view.

use chrono::{DateTime, Utc};
use minhu_domain::org::Org;
use minhu_domain::privacy::{mask_address, mask_name, mask_phone, public_text, redact_text};
use minhu_domain::request::{Event, EventData, Request};
use minhu_domain::text::{self, Lang};
use minhu_domain::time::rfc3339;
use minhu_store::RequestSummary;
use serde_json::{Value, json};

fn t(at: Option<DateTime<Utc>>) -> Value {
    at.map(|a| Value::String(rfc3339(a))).unwrap_or(Value::Null)
}

fn unit_name(org: &Org, code: Option<&str>) -> Value {
    code.and_then(|c| org.unit(c))
        .map(|u| Value::String(u.name.clone()))
        .unwrap_or(Value::Null)
}

/// Whether personal fields are shown as stored or masked.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Personal {
    Masked,
    Revealed,
}

pub fn event_json(e: &Event) -> Value {
    json!({
        "seq": e.seq,
        "action": e.data.action(),
        "at": rfc3339(e.at),
        "actor": e.actor,
        "role": e.role,
        "data": e.data.fields(),
    })
}

/// The staff view of a request (`GET /api/v1/requests/{id}`).
pub fn request_json(
    r: &Request,
    events: &[Event],
    org: &Org,
    now: DateTime<Utc>,
    personal: Personal,
) -> Value {
    let i = &r.intake;
    let (name, phone, address) = match personal {
        Personal::Revealed => (
            i.requester.name.clone(),
            i.requester.phone.clone(),
            i.address.clone(),
        ),
        Personal::Masked => (
            i.requester.name.as_deref().map(mask_name),
            i.requester.phone.as_deref().map(mask_phone),
            i.address.as_deref().map(mask_address),
        ),
    };
    json!({
        "id": r.id,
        "code": i.code,
        "state": r.state.as_str(),
        "state_name": r.state.zh(),
        "channel": i.channel.as_str(),
        "type": i.kind.as_str(),
        "category": i.category,
        "difficulty": r.difficulty.map(|d| d.as_str()),
        "urgency": r.urgency.as_str(),
        "jurisdiction": i.jurisdiction,
        "jurisdiction_name": org.jurisdiction(&i.jurisdiction).map(|j| j.name.clone()),
        "tier": r.tier.as_str(),
        "lead_unit": r.lead_unit,
        "lead_unit_name": unit_name(org, r.lead_unit.as_deref()),
        "co_units": r.co_units,
        "deadline": t(r.deadline),
        "warning": r.warning(now).as_str(),
        "overdue": r.overdue(now),
        "sla_version": r.sla_version,
        "subject": i.subject,
        "content": i.content,
        "requester": {"name": name, "phone": phone},
        "personal_fields": if personal == Personal::Revealed { "revealed" } else { "masked" },
        "address": address,
        "lat": i.lat,
        "lon": i.lon,
        "confidential": i.confidential,
        "external_id": i.external_id,
        "received_at": rfc3339(i.received_at),
        "dispatched_at": t(r.dispatched_at),
        "signed_at": t(r.signed_at),
        "replied_at": t(r.replied_at),
        "closed_at": t(r.closed_at),
        "updated_at": rfc3339(r.updated_at),
        "urge_count": r.urge_count,
        "supervise_count": r.supervise_count,
        "return_count": r.return_count,
        "extension_count": r.extension_count,
        "reopen_count": r.reopen_count,
        "pending_extension_days": r.pending_extension,
        "reply": r.reply,
        "callback": r.callback,
        "merged_into": r.merged_into,
        "version": r.version,
        "events": events.iter().map(event_json).collect::<Vec<_>>(),
    })
}

/// One line of a queue (`GET /api/v1/requests`): no personal fields.
pub fn summary_json(s: &RequestSummary, org: &Org) -> Value {
    json!({
        "id": s.id,
        "code": s.code,
        "state": s.state.as_str(),
        "state_name": s.state.zh(),
        "channel": s.channel.as_str(),
        "type": s.kind.as_str(),
        "subject": s.subject,
        "excerpt": redact_text(&s.excerpt),
        "jurisdiction": s.jurisdiction,
        "category": s.category,
        "tier": s.tier.as_str(),
        "lead_unit": s.lead_unit,
        "lead_unit_name": unit_name(org, s.lead_unit.as_deref()),
        "urgency": s.urgency,
        "difficulty": s.difficulty,
        "deadline": t(s.deadline),
        "warning": s.warning.as_str(),
        "received_at": rfc3339(s.received_at),
        "updated_at": rfc3339(s.updated_at),
    })
}

/// The catalogue key of each step's public wording on the requester's timeline
/// (`track.step.*`); `None` for steps the public does not see.
pub(crate) fn public_step_key(e: &EventData) -> Option<&'static str> {
    use EventData as E;
    Some(match e {
        E::Register { .. } => "track.step.register",
        E::Accept { .. } => "track.step.accept",
        E::Answer { .. } => "track.step.answer",
        E::Reject { .. } => "track.step.reject",
        E::Dispatch { .. } => "track.step.dispatch",
        E::Sign {} => "track.step.sign",
        E::Progress { .. } => "track.step.progress",
        E::DecideExtension { approve: true, .. } => "track.step.extension",
        E::Suspend { .. } => "track.step.suspend",
        E::Resume { .. } => "track.step.resume",
        E::Escalate { .. } => "track.step.escalate",
        E::Reply { .. } => "track.step.reply",
        E::Review { pass: true, .. } => "track.step.review",
        E::Callback { reached: true, .. } => "track.step.callback",
        E::Reopen { .. } => "track.step.reopen",
        E::Close { .. } => "track.step.close",
        E::Merge { .. } => "track.step.merge",
        _ => return None,
    })
}

/// Public wording of each step on the requester's timeline: (Chinese, English).
pub(crate) fn public_step(e: &EventData) -> Option<(&'static str, &'static str)> {
    public_step_key(e).map(|key| (text::get(key, Lang::Zh), text::get(key, Lang::En)))
}

/// The requester's view (`GET /api/v1/track/{code}`): de-identified, no staff names.
pub fn track_json(r: &Request, events: &[Event], org: &Org, now: DateTime<Utc>) -> Value {
    let i = &r.intake;
    let community = org
        .ancestor_at(&i.jurisdiction, minhu_domain::org::Level::Community)
        .map(|j| j.name.clone());
    let reject_reason = events.iter().rev().find_map(|e| match &e.data {
        EventData::Reject {
            reason, referral, ..
        } => Some(json!({"reason": reason, "referral": referral})),
        _ => None,
    });
    let answer = events.iter().rev().find_map(|e| match &e.data {
        EventData::Answer { reply } => Some(reply.clone()),
        _ => None,
    });
    json!({
        "code": i.code,
        "state": r.state.as_str(),
        "state_name": r.state.zh(),
        "channel": i.channel.as_str(),
        "channel_name": i.channel.zh(),
        "type": i.kind.as_str(),
        "type_name": i.kind.zh(),
        "subject": i.subject.as_deref().map(|s| public_text(s, i.requester.name.as_deref())),
        "content": if i.confidential { None } else { Some(public_text(&i.content, i.requester.name.as_deref())) },
        "community": community,
        "received_at": rfc3339(i.received_at),
        "deadline": t(r.deadline),
        "warning": r.warning(now).as_str(),
        "lead_unit_name": unit_name(org, r.lead_unit.as_deref()),
        "public_reply": r.reply.as_ref().map(|x| x.public_reply.clone()),
        "measures": r.reply.as_ref().and_then(|x| x.measures.clone()),
        "answer": answer,
        "not_accepted": reject_reason,
        "satisfaction": r.callback.as_ref().and_then(|c| c.satisfaction).map(|s| s.as_str()),
        "merged_into": Value::Null,
        "timeline": events.iter().filter_map(|e| public_step(&e.data).map(|(zh, en)| json!({"at": rfc3339(e.at), "step": zh, "step_en": en}))).collect::<Vec<_>>(),
    })
}

// ---- a request's timeline with the steps of its action items ----------------------------

/// The words of an action item's step on a request's timeline: the step's label and a
/// line of detail for staff (title, units by name, due date, 文号), or the public wording
/// (units by name and the due date only: no notes, no persons).
pub mod item_steps {
    use minhu_domain::action_item::steps::{ItemStep, StepKind};
    use minhu_domain::ids::UnitCode;
    use minhu_domain::org::Org;
    use minhu_domain::text::{self, Lang};
    use minhu_domain::time::local_date;

    fn name(org: &Org, unit: &UnitCode) -> String {
        org.unit(unit.as_str())
            .map(|u| u.name.clone())
            .unwrap_or_else(|| unit.to_string())
    }

    /// The step's label for staff (`governance.page.link.step.*`).
    pub fn label(step: &ItemStep, lang: Lang) -> String {
        let key = format!("governance.page.link.step.{}", step.kind.code());
        text::get(&key, lang).to_string()
    }

    /// The staff's line of detail: the item's title, and for the issue its units and due
    /// date, for a 督办通知 its 文号, for a reopening its fresh due date.
    pub fn detail(step: &ItemStep, org: &Org, lang: Lang) -> String {
        let title = step.title.as_str();
        match &step.kind {
            StepKind::Issued {
                owner,
                co_units,
                due,
                ..
            } => {
                let co = if co_units.is_empty() {
                    String::new()
                } else {
                    let units: Vec<String> = co_units.iter().map(|u| name(org, u)).collect();
                    text::fill(
                        "governance.page.link.detail.co_units",
                        lang,
                        &[("units", &units.join("、"))],
                    )
                };
                text::fill(
                    "governance.page.link.detail.issued",
                    lang,
                    &[
                        ("title", title),
                        ("unit", &name(org, owner)),
                        ("co", &co),
                        ("due", &local_date(*due).to_string()),
                    ],
                )
            }
            StepKind::Supervised {
                number: Some(number),
            } => text::fill(
                "governance.page.link.detail.numbered",
                lang,
                &[("title", title), ("number", number)],
            ),
            StepKind::Reopened { due: Some(due) } => text::fill(
                "governance.page.link.detail.reopened",
                lang,
                &[("title", title), ("due", &local_date(*due).to_string())],
            ),
            _ => text::fill(
                "governance.page.link.detail.item",
                lang,
                &[("title", title)],
            ),
        }
    }

    /// Who acted, by unit name (the deadline monitor for rungs of the ladder).
    pub fn who(step: &ItemStep, org: &Org, lang: Lang) -> String {
        match &step.unit {
            Some(u) => name(org, u),
            None => text::get("governance.page.link.monitor", lang).to_string(),
        }
    }

    /// The public wording (`governance.page.track.*`): the owner unit and the due date
    /// for the issue, set phrases for the rest.
    pub fn public(step: &ItemStep, org: &Org, lang: Lang) -> String {
        let (unit, due) = match &step.kind {
            StepKind::Issued { owner, due, .. } => (name(org, owner), local_date(*due).to_string()),
            _ => (String::new(), String::new()),
        };
        text::fill(step.public_key(), lang, &[("unit", &unit), ("due", &due)])
    }
}

/// The staff's timeline of a request (`timeline` of `GET /api/v1/requests/{id}`): its own
/// events and the steps of the action items tied to it, by time (the request's event first
/// at the same instant). The items' steps carry `source: "action_item"`.
pub fn timeline_json(
    events: &[Event],
    steps: &[minhu_domain::action_item::steps::ItemStep],
    org: &Org,
) -> Value {
    use minhu_domain::action_item::steps::StepKind;
    let mut rows: Vec<(DateTime<Utc>, Value)> = events
        .iter()
        .map(|e| {
            let mut v = event_json(e);
            v["source"] = json!("request");
            (e.at, v)
        })
        .collect();
    for s in steps {
        let (due, number) = match &s.kind {
            StepKind::Issued { due, .. } | StepKind::Reopened { due: Some(due) } => {
                (Some(rfc3339(*due)), None)
            }
            StepKind::Supervised { number } => (None, number.clone()),
            _ => (None, None),
        };
        let v = json!({
            "source": "action_item",
            "at": rfc3339(s.at),
            "action": s.kind.code(),
            "item_id": s.item.0,
            "item_title": s.title,
            "unit": s.unit.as_ref().map(|u| u.to_string()),
            "due": due,
            "number": number,
            "step": item_steps::label(s, Lang::Zh),
            "detail": item_steps::detail(s, org, Lang::Zh),
        });
        rows.push((s.at, v));
    }
    rows.sort_by_key(|(at, _)| *at);
    Value::Array(rows.into_iter().map(|(_, v)| v).collect())
}

/// Adds the items' steps to a public tracking view's `timeline`, in public wording, by time.
pub fn with_public_steps(
    view: &mut Value,
    steps: &[minhu_domain::action_item::steps::ItemStep],
    org: &Org,
) {
    let Some(list) = view["timeline"].as_array_mut() else {
        return;
    };
    for s in steps {
        list.push(json!({
            "at": rfc3339(s.at),
            "step": item_steps::public(s, org, Lang::Zh),
            "step_en": item_steps::public(s, org, Lang::En),
        }));
    }
    // Each entry's `at` is RFC 3339 in one offset, so the text sorts as the instant does.
    list.sort_by(|a, b| a["at"].as_str().cmp(&b["at"].as_str()));
}
