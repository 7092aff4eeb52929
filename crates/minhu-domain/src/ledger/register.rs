//! What one request contributes to the daily register (日登记) from its event log: the
//! columns that are not intake fields. The ledger refresh stores one per request, so a
//! large register reads rows instead of replaying logs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::facts::{finished_late, is_done};
use crate::request::{Difficulty, Event, EventData, Request, Satisfaction, State, Urgency};

/// What a request's register row takes from its event log: every column except the
/// intake fields kept on the request row (personal fields, content, code, channel,
/// category, place) and the clock ("past due" is decided from `late` and `open_due` at
/// export time). The ledger refresh keeps one per request beside its facts, so a large
/// register reads rows instead of replaying logs; [`register_row`] builds from the same
/// value, so both paths give the same row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterFacts {
    pub state: State,
    pub urgency: Urgency,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficulty: Option<Difficulty>,
    /// Unit codes (names are looked up at export time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_units: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatched_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla_version: Option<i64>,
    #[serde(default)]
    pub extensions: i64,
    #[serde(default)]
    pub returns: i64,
    #[serde(default)]
    pub suspensions: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_reply: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solved: Option<bool>,
    /// Only for requests handled to the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    pub callback: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<Satisfaction>,
    #[serde(default)]
    pub urge_count: i64,
    #[serde(default)]
    pub supervise_count: i64,
    /// Answered (or closed) after the deadline.
    #[serde(default)]
    pub late: bool,
    /// The deadline of a request still open and unanswered: past due once the clock
    /// passes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_due: Option<DateTime<Utc>>,
    #[serde(default)]
    pub reopened: bool,
    /// Remarks from the log (not accepted, merged, escalated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remarks: Vec<String>,
}

/// The register facts of a request from its derived state and its log.
pub fn register_facts(req: &Request, events: &[Event]) -> RegisterFacts {
    let (mut suspensions, mut responsible) = (0, None);
    let mut remarks = Vec::new();
    for e in events {
        match &e.data {
            EventData::Suspend { .. } => suspensions += 1,
            EventData::Sign {} => responsible = Some(e.actor.clone()),
            EventData::Reject { reason, .. } => remarks.push(format!("不予受理：{reason}")),
            EventData::Merge { into } => remarks.push(format!("已合并至工单 {into}")),
            EventData::Escalate { from, to, .. } => {
                remarks.push(format!("升级：{}→{}", from.as_str(), to.as_str()))
            }
            _ => {}
        }
    }
    let callback = match &req.callback {
        None => "未回访".to_string(),
        Some(cb) if !cb.reached => "未接通".to_string(),
        Some(cb) => format!(
            "有效回访；{}；{}",
            if cb.contacted {
                "已联系"
            } else {
                "未联系"
            },
            if cb.solved { "已解决" } else { "未解决" }
        ),
    };
    // Request::overdue(now) = replied after the deadline, or open, unanswered and past it.
    let late = finished_late(req)
        || matches!((req.deadline, req.replied_at), (Some(due), Some(r)) if r > due);
    let open_due = match (req.deadline, req.replied_at) {
        (Some(due), None) if req.state.is_open() => Some(due),
        _ => None,
    };
    RegisterFacts {
        state: req.state,
        urgency: req.urgency,
        difficulty: req.difficulty,
        lead_unit: req.lead_unit.clone(),
        co_units: req.co_units.clone(),
        responsible,
        dispatched_at: req.dispatched_at,
        signed_at: req.signed_at,
        deadline: req.deadline,
        sla_version: req.sla_version,
        extensions: req.extension_count,
        returns: req.return_count,
        suspensions,
        account: req.reply.as_ref().map(|r| r.account.clone()),
        public_reply: req.reply.as_ref().map(|r| r.public_reply.clone()),
        solved: req
            .callback
            .as_ref()
            .filter(|c| c.reached)
            .map(|c| c.solved)
            .or(req.reply.as_ref().map(|r| r.solved)),
        closed_at: if is_done(req.state) {
            req.closed_at
        } else {
            None
        },
        callback,
        satisfaction: req.callback.as_ref().and_then(|c| c.satisfaction),
        urge_count: req.urge_count,
        supervise_count: req.supervise_count,
        late,
        open_due,
        reopened: req.reopen_count > 0,
        remarks,
    }
}
