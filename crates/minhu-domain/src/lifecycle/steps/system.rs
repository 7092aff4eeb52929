//! The system's own acts: the deadline monitor's warning lights, and what it does next to a
//! request (warn, urge, escalate) as of a given time.

use chrono::{DateTime, Utc};

use crate::error::DomainError;
use crate::lifecycle::Command;
use crate::request::{Difficulty, EventData, Request, State, Warning};

use super::Step;

pub(in crate::lifecycle) fn warn(s: &Step, level: Warning) -> Result<EventData, DomainError> {
    if !s.actor.is_system() {
        return Err(s.forbid("domain.forbidden.monitor"));
    }
    Ok(EventData::Warn { level })
}

/// What the deadline monitor must do next to a request as of `now`, if anything: light
/// the warning, urge the unit (at red; at yellow too for 重点件), then escalate a lapsed
/// community- or street-level request one tier up. Everything it does is an event, and the
/// state those events derive makes the next call return `None`: sweeping twice changes
/// nothing more.
pub fn next_system_act(req: &Request, now: DateTime<Utc>) -> Option<Command> {
    if !req.state.clock_running() {
        return None;
    }
    match req.warning(now) {
        Warning::Red => {
            if req.warned != Warning::Red {
                Some(Command::Warn {
                    level: Warning::Red,
                })
            } else if req.auto_urged != Warning::Red && req.state != State::ReturnRequested {
                Some(Command::Urge {
                    note: Some("已超过办理时限，系统自动催办".into()),
                })
            } else if req.tier.up().is_some()
                && matches!(req.state, State::Dispatched | State::InProgress)
            {
                Some(Command::Escalate {
                    reason: format!(
                        "{}级办理超过时限，系统自动上报上一级",
                        req.tier.level().zh()
                    ),
                })
            } else {
                None
            }
        }
        Warning::Yellow => {
            if req.warned == Warning::None {
                Some(Command::Warn {
                    level: Warning::Yellow,
                })
            } else if req.difficulty == Some(Difficulty::Key)
                && req.auto_urged == Warning::None
                && req.state != State::ReturnRequested
            {
                Some(Command::Urge {
                    note: Some("重点件临近办理时限，系统自动催办".into()),
                })
            } else {
                None
            }
        }
        Warning::None => None,
    }
}
