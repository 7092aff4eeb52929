//! The public face of a request, shared by the request and update documents: the request
//! rebuilt from its public columns, its v2 and FixMyStreet statuses, and the public wording
//! of its steps (internal steps have none).

use minhu_domain::privacy::redact_text;
use minhu_domain::request::{
    Channel, Event, EventData, Intake, Request as Req, RequestType, Requester, State as ReqState,
};
use minhu_store::open311::PublicRequest;

/// v2's status: `open` or `closed`.
pub(super) fn open_or_closed(r: &Req) -> &'static str {
    if r.state.is_open() { "open" } else { "closed" }
}

/// FixMyStreet's extended status of a request.
pub(super) fn fms_status(r: &Req, events: &[Event]) -> &'static str {
    use ReqState as S;
    let reopened = matches!(
        events.last().map(|e| &e.data),
        Some(EventData::Reopen { .. })
    );
    let solved = r
        .callback
        .as_ref()
        .map(|c| c.solved)
        .or(r.reply.as_ref().map(|x| x.solved));
    match r.state {
        S::Registered => "OPEN",
        S::PendingDispatch => "INVESTIGATING",
        S::Dispatched | S::Suspended => "ACTION_SCHEDULED",
        S::ReturnRequested => "INTERNAL_REFERRAL",
        S::InProgress if reopened => "REOPEN",
        S::InProgress | S::Replied => "IN_PROGRESS",
        S::PendingCallback => {
            if solved == Some(true) {
                "FIXED"
            } else {
                "IN_PROGRESS"
            }
        }
        S::Closed | S::Archived => {
            if solved == Some(true) {
                "FIXED"
            } else {
                "CLOSED"
            }
        }
        S::DirectlyAnswered => "CLOSED",
        S::NotAccepted => {
            let code = events.iter().rev().find_map(|e| match &e.data {
                EventData::Reject { reason_code, .. } => Some(*reason_code),
                _ => None,
            });
            match code {
                Some(1..=3) => "NOT_COUNCILS_RESPONSIBILITY",
                _ => "NO_FURTHER_ACTION",
            }
        }
        S::Merged => "DUPLICATE",
    }
}

/// The public wording of a step, for notes and updates (None: an internal step).
pub(super) fn public_note(e: &EventData) -> Option<String> {
    use EventData as E;
    Some(match e {
        E::Register { .. } => "已登记".into(),
        E::Accept { .. } => "已受理".into(),
        E::Answer { reply } => format!("已直接答复：{}", redact_text(reply)),
        E::Reject {
            reason, referral, ..
        } => match referral {
            Some(r) => format!("不予受理：{reason}（已转 {r}）"),
            None => format!("不予受理：{reason}"),
        },
        E::Dispatch { .. } => "已派单至承办单位".into(),
        E::Sign {} => "承办单位已签收".into(),
        E::DecideReturn { approve: true, .. } => "退回重新派单".into(),
        E::DecideExtension { approve: true, .. } => "办理时限已延长".into(),
        E::Suspend { .. } => "暂时挂起".into(),
        E::Resume { .. } => "恢复办理".into(),
        E::Escalate { .. } => "已上报上级协调".into(),
        E::Urge { .. } => "已催办".into(),
        E::Reply {
            public_reply,
            measures,
            ..
        } => match measures {
            Some(m) => format!(
                "承办单位已答复：{}（整改措施：{}）",
                redact_text(public_reply),
                redact_text(m)
            ),
            None => format!("承办单位已答复：{}", redact_text(public_reply)),
        },
        E::Review { pass: true, .. } => "答复已审核".into(),
        E::Callback { reached: true, .. } => "已回访".into(),
        E::Reopen { .. } => "重新办理".into(),
        E::Close { .. } => "已办结".into(),
        E::Archive {} => "已归档".into(),
        E::Merge { .. } => "已与相同诉求合并办理".into(),
        _ => return None,
    })
}

pub(super) fn status_notes(r: &Req, events: &[Event]) -> String {
    let last_public = events.iter().rev().find_map(|e| match &e.data {
        d @ (EventData::Reply { .. } | EventData::Answer { .. } | EventData::Reject { .. }) => {
            public_note(d)
        }
        _ => None,
    });
    match (r.state.is_open(), last_public) {
        (false, Some(n)) => n,
        (true, Some(n)) if r.state == ReqState::PendingCallback => n,
        _ => r.state.zh().to_string(),
    }
}

/// A request rebuilt from its public columns and its events (no personal fields are read).
pub(super) fn rebuild(p: &PublicRequest, events: &[Event]) -> Req {
    let intake = Intake {
        code: p.code.clone(),
        channel: Channel::parse(&p.channel).unwrap_or(Channel::Web),
        kind: RequestType::parse(&p.kind).unwrap_or(RequestType::Help),
        subject: p.subject.clone(),
        content: p.content.clone(),
        requester: Requester::default(),
        address: p.address.clone(),
        lat: p.lat,
        lon: p.lon,
        jurisdiction: p.jurisdiction.clone(),
        category: p.category.clone(),
        confidential: false,
        external_id: None,
        received_at: p.received_at,
    };
    Req::replay(p.id, intake, events)
}
