//! The lifecycle's steps, one function each, grouped by stage. Each step checks its own
//! role rule (403) and fields (422) and returns the event to append; the state (409) and
//! scope (404) were checked by [`decide`](super::decide) before.

use crate::error::{Arg, DomainError};
use crate::org::{Actor, Role};
use crate::request::{EventData, Request};

use super::{Command, Ctx, Relation};

pub(super) mod callback;
pub(super) mod dispatch;
pub(super) mod handling;
pub(super) mod oversight;
pub(super) mod review;
pub(super) mod screening;
pub(super) mod system;

/// One command being decided: the request, who acts, what they are to it, and the context.
pub(super) struct Step<'a> {
    pub req: &'a Request,
    pub actor: &'a Actor,
    pub ctx: &'a Ctx<'a>,
    pub rel: Relation,
    pub action: &'static str,
}

impl Step<'_> {
    /// Hands the command to its step.
    pub fn run(&self, cmd: &Command) -> Result<EventData, DomainError> {
        use Command as C;
        match cmd {
            C::Accept { note } => screening::accept(self, note),
            C::Answer { reply } => screening::answer(self, reply),
            C::Reject {
                reason_code,
                note,
                referral,
            } => screening::reject(self, *reason_code, note, referral),
            C::Merge { into } => screening::merge(self, *into),
            C::Categorise { category } => screening::categorise(self, category),
            C::Dispatch {
                unit,
                co_units,
                difficulty,
                urgency,
            } => dispatch::dispatch(self, unit, co_units, *difficulty, *urgency),
            C::Transfer { unit, reason } => dispatch::transfer(self, unit, reason),
            C::AddCoUnits { units, note } => dispatch::add_co_units(self, units, note),
            C::Escalate { reason } => dispatch::escalate(self, reason),
            C::Sign => handling::sign(self),
            C::RequestReturn { reason } => handling::request_return(self, reason),
            C::DecideReturn { approve, note } => handling::decide_return(self, *approve, note),
            C::Progress { note } => handling::progress(self, note),
            C::RequestExtension { days, reason } => {
                handling::request_extension(self, *days, reason)
            }
            C::DecideExtension { approve } => handling::decide_extension(self, *approve),
            C::Suspend { reason } => handling::suspend(self, reason),
            C::Resume => handling::resume(self),
            C::Reply {
                account,
                public_reply,
                measures,
                solved,
            } => review::reply(self, account, public_reply, measures, *solved),
            C::Review { pass, note } => review::review(self, *pass, note),
            C::Callback {
                reached,
                contacted,
                solved,
                satisfaction,
                note,
            } => callback::callback(self, *reached, *contacted, *solved, *satisfaction, note),
            C::Rate {
                satisfaction,
                comment,
            } => callback::rate(self, *satisfaction, comment),
            C::Reopen { reason } => callback::reopen(self, reason),
            C::Close { note } => callback::close(self, note),
            C::Archive => callback::archive(self),
            C::Urge { note } => oversight::urge(self, note),
            C::Supervise { note } => oversight::supervise(self, note),
            C::Whistle { units, note } => oversight::whistle(self, units, note),
            C::Arrive => oversight::arrive(self),
            C::Warn { level } => system::warn(self, *level),
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.actor.role
    }

    /// The 403 of a step only the people named by catalogue entry `who`
    /// (`domain.forbidden.<who>`) may take.
    pub fn forbid(&self, who: &'static str) -> DomainError {
        DomainError::forbidden_keyed(who, vec![Arg::new("action", self.action)])
    }

    /// Only the dispatching office of the request's current tier.
    pub fn need_dispatcher(&self) -> Result<(), DomainError> {
        if self.rel.dispatcher {
            return Ok(());
        }
        Err(self.forbid("domain.forbidden.dispatcher"))
    }

    /// Only the lead unit.
    pub fn need_handler(&self) -> Result<(), DomainError> {
        if self.rel.handler {
            return Ok(());
        }
        Err(self.forbid("domain.forbidden.handler"))
    }

    /// The 403 of a step for the staff of the request's jurisdiction.
    pub fn not_staff(&self) -> DomainError {
        self.forbid("domain.forbidden.staff")
    }

    /// Only the staff of the request's jurisdiction.
    pub fn need_staff(&self) -> Result<(), DomainError> {
        if self.rel.staff {
            return Ok(());
        }
        Err(self.not_staff())
    }
}

/// The 422 for a unit code the organisation does not know.
pub(super) fn unknown_unit(field: &str, code: &str) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "unknown_unit",
        "domain.unknown_unit.code",
        vec![Arg::new("unit", code)],
    )
}
