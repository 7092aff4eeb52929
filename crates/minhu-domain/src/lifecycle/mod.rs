//! The lifecycle as one state machine. A [`Command`] is parsed from an action name and its
//! fields; [`decide`] checks it against the request's state (409), the actor's scope (404)
//! and role (403), and produces the [`EventData`] to append. Applying that event with
//! [`Request::apply`] gives the new state.
//!
//! This file is the table: the commands, the states each is allowed from
//! ([`Command::allowed_from`]) and [`decide`], which checks the state and the actor's scope
//! and hands the command to its step. The steps, one function each with their role rule,
//! live in `steps/` by stage: screening, dispatch, handling, reply and review, callback,
//! oversight and the system's own acts.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::calendar::Calendar;
use crate::error::{Arg, DomainError, ErrorKind};
use crate::org::{Actor, Org};
use crate::request::{Difficulty, EventData, Request, Satisfaction, State, Urgency};
use crate::sla::SlaPolicy;

mod parse;
mod steps;
#[cfg(test)]
mod tests;

pub use crate::access::{Relation, relation};
pub use steps::handling::shift_for_pause;
pub use steps::system::next_system_act;

/// Longest free text a step accepts (characters).
pub const MAX_NOTE: usize = 5000;

/// Everything a decision needs besides the request and the actor.
pub struct Ctx<'a> {
    pub now: DateTime<Utc>,
    pub org: &'a Org,
    pub calendar: &'a Calendar,
    pub sla: &'a SlaPolicy,
    /// For `merge`: the request to merge into, loaded by the caller.
    pub merge_target: Option<&'a Request>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Accept {
        note: Option<String>,
    },
    Answer {
        reply: String,
    },
    Reject {
        reason_code: u8,
        note: Option<String>,
        referral: Option<String>,
    },
    Dispatch {
        unit: String,
        co_units: Vec<String>,
        difficulty: Option<Difficulty>,
        urgency: Option<Urgency>,
    },
    Sign,
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
    },
    Suspend {
        reason: String,
    },
    Resume,
    Escalate {
        reason: String,
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
    },
    Close {
        note: Option<String>,
    },
    Archive,
    Merge {
        into: i64,
    },
    Transfer {
        unit: String,
        reason: String,
    },
    AddCoUnits {
        units: Vec<String>,
        note: Option<String>,
    },
    Whistle {
        units: Vec<String>,
        note: Option<String>,
    },
    Arrive,
    /// Set or correct the category.
    Categorise {
        category: String,
    },
    /// The requester's own rating after the reply, given with the tracking code on the
    /// public tracking page. Counts as a reached callback.
    Rate {
        satisfaction: Satisfaction,
        comment: Option<String>,
    },
    /// System only (the deadline monitor): light a warning.
    Warn {
        level: crate::request::Warning,
    },
}

/// Every action name the API accepts, in lifecycle order.
pub const ACTIONS: [&str; 27] = [
    "accept",
    "answer",
    "reject",
    "dispatch",
    "sign",
    "request_return",
    "decide_return",
    "progress",
    "request_extension",
    "decide_extension",
    "suspend",
    "resume",
    "escalate",
    "urge",
    "supervise",
    "reply",
    "review",
    "callback",
    "reopen",
    "close",
    "archive",
    "merge",
    "transfer",
    "add_co_units",
    "whistle",
    "arrive",
    "categorise",
];

impl Command {
    pub fn action(&self) -> &'static str {
        match self {
            Command::Accept { .. } => "accept",
            Command::Answer { .. } => "answer",
            Command::Reject { .. } => "reject",
            Command::Dispatch { .. } => "dispatch",
            Command::Sign => "sign",
            Command::RequestReturn { .. } => "request_return",
            Command::DecideReturn { .. } => "decide_return",
            Command::Progress { .. } => "progress",
            Command::RequestExtension { .. } => "request_extension",
            Command::DecideExtension { .. } => "decide_extension",
            Command::Suspend { .. } => "suspend",
            Command::Resume => "resume",
            Command::Escalate { .. } => "escalate",
            Command::Urge { .. } => "urge",
            Command::Supervise { .. } => "supervise",
            Command::Reply { .. } => "reply",
            Command::Review { .. } => "review",
            Command::Callback { .. } => "callback",
            Command::Reopen { .. } => "reopen",
            Command::Close { .. } => "close",
            Command::Archive => "archive",
            Command::Merge { .. } => "merge",
            Command::Transfer { .. } => "transfer",
            Command::AddCoUnits { .. } => "add_co_units",
            Command::Whistle { .. } => "whistle",
            Command::Arrive => "arrive",
            Command::Categorise { .. } => "categorise",
            Command::Rate { .. } => "rate",
            Command::Warn { .. } => "warn",
        }
    }

    /// The states from which this command is allowed.
    pub fn allowed_from(&self, req: &Request) -> bool {
        use State::*;
        let s = req.state;
        match self {
            Command::Accept { .. } | Command::Answer { .. } => s == Registered,
            Command::Reject { .. } => matches!(s, Registered | PendingDispatch),
            Command::Dispatch { .. } => s == PendingDispatch,
            Command::Sign => s == Dispatched,
            Command::RequestReturn { .. } => matches!(s, Dispatched | InProgress),
            Command::DecideReturn { .. } => s == ReturnRequested,
            Command::Progress { .. } => s == InProgress,
            Command::RequestExtension { .. } => s == InProgress && req.pending_extension.is_none(),
            Command::DecideExtension { .. } => s == InProgress && req.pending_extension.is_some(),
            Command::Suspend { .. } => s == InProgress,
            Command::Resume => s == Suspended,
            Command::Escalate { .. } => {
                matches!(s, PendingDispatch | Dispatched | InProgress) && req.tier.up().is_some()
            }
            Command::Urge { .. } => matches!(
                s,
                PendingDispatch | Dispatched | ReturnRequested | InProgress
            ),
            Command::Supervise { .. } => matches!(
                s,
                PendingDispatch | Dispatched | ReturnRequested | InProgress | Suspended
            ),
            Command::Reply { .. } => s == InProgress,
            Command::Review { .. } => s == Replied,
            Command::Callback { .. } | Command::Close { .. } | Command::Rate { .. } => {
                s == PendingCallback
            }
            Command::Reopen { .. } => s == Closed && req.reply.is_some(),
            Command::Archive => s == Closed,
            Command::Merge { .. } => matches!(s, Registered | PendingDispatch),
            Command::Transfer { .. } => matches!(s, Dispatched | InProgress),
            Command::AddCoUnits { .. } => matches!(s, Dispatched | InProgress),
            Command::Whistle { .. } => matches!(s, PendingDispatch | Dispatched | InProgress),
            Command::Arrive => matches!(
                s,
                PendingDispatch | Dispatched | InProgress | Suspended | Replied
            ),
            Command::Warn { .. } => s.clock_running(),
            Command::Categorise { .. } => !matches!(s, Merged | Archived),
        }
    }
}

/// A body every action parses: the representative command [`offered_actions`] decides.
fn action_sample() -> Value {
    serde_json::json!({
        "note": "-", "reply": "-", "reason": "-", "reason_code": 1, "unit": "-",
        "units": ["-"], "days": 1, "approve": true, "pass": true, "reached": true,
        "satisfaction": "satisfied", "contacted": true, "account": "-", "public_reply": "-",
        "solved": true,
        "into": 0, "category": "-", "difficulty": "easy", "urgency": "normal", "level": "yellow",
    })
}

/// The actions this person may take on this request now, in lifecycle order: those whose
/// state and role checks pass. Decided with a representative command of each kind, so a
/// refusal only because of the sample's field values (an unknown unit, say) still offers it.
pub fn offered_actions(req: &Request, actor: &Actor, ctx: &Ctx) -> Vec<&'static str> {
    let sample = action_sample();
    ACTIONS
        .iter()
        .copied()
        .filter(|action| {
            let Ok(cmd) = Command::parse(action, &sample) else {
                debug_assert!(false, "the sample does not parse as '{action}'");
                return false;
            };
            match decide(req, &cmd, actor, ctx) {
                Ok(_) => true,
                Err(e) => e.kind == ErrorKind::Invalid,
            }
        })
        .collect()
}

/// Decides a command: the event to append, or the reason it is refused. The checks come in
/// a fixed order: out of scope (404), then the state (409), then the step's own role rule
/// (403) and its field checks (422).
pub fn decide(
    req: &Request,
    cmd: &Command,
    actor: &Actor,
    ctx: &Ctx,
) -> Result<EventData, DomainError> {
    let rel = relation(actor, req, ctx.org);
    if !rel.sees {
        return Err(DomainError::not_found_keyed("domain.not_found.request"));
    }
    if !cmd.allowed_from(req) {
        return Err(refused_transition(req, cmd));
    }
    let step = steps::Step {
        req,
        actor,
        ctx,
        rel,
        action: cmd.action(),
    };
    step.run(cmd)
}

/// The 409 for a command the state does not allow, saying why where the state alone does not.
fn refused_transition(req: &Request, cmd: &Command) -> DomainError {
    let key = match cmd {
        Command::Escalate { .. } if req.tier.up().is_none() => {
            "domain.invalid_transition.at_district"
        }
        Command::DecideExtension { .. } if req.pending_extension.is_none() => {
            "domain.invalid_transition.no_pending_extension"
        }
        Command::RequestExtension { .. } if req.pending_extension.is_some() => {
            "domain.invalid_transition.extension_pending"
        }
        _ => "domain.invalid_transition.state",
    };
    DomainError::conflict_keyed(
        "invalid_transition",
        key,
        vec![
            Arg::new("action", cmd.action()),
            Arg::by_lang("state", req.state.zh(), req.state.as_str()),
        ],
    )
}
