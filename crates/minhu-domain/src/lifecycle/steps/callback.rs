//! After the reply: the callback (回访) by jurisdiction staff or the requester's own rating,
//! closing, reopening and archiving.

use crate::access::is_district_admin;
use crate::error::DomainError;
use crate::request::{EventData, Satisfaction};

use super::Step;

pub(in crate::lifecycle) fn callback(
    s: &Step,
    reached: bool,
    contacted: bool,
    solved: bool,
    satisfaction: Option<Satisfaction>,
    note: &Option<String>,
) -> Result<EventData, DomainError> {
    s.need_staff()?;
    Ok(EventData::Callback {
        reached,
        contacted,
        solved,
        satisfaction,
        note: note.clone(),
    })
}

/// The requester's own rating on the tracking page: a reached callback.
pub(in crate::lifecycle) fn rate(
    s: &Step,
    satisfaction: Satisfaction,
    comment: &Option<String>,
) -> Result<EventData, DomainError> {
    if !s.actor.is_requester() {
        return Err(s.forbid("domain.forbidden.requester"));
    }
    Ok(EventData::Callback {
        reached: true,
        contacted: true,
        solved: satisfaction != Satisfaction::Unsatisfied,
        satisfaction: Some(satisfaction),
        note: comment.clone(),
    })
}

/// Reopening starts a fresh deadline from now.
pub(in crate::lifecycle) fn reopen(s: &Step, reason: &str) -> Result<EventData, DomainError> {
    s.need_staff()?;
    let (req, ctx) = (s.req, s.ctx);
    let d = ctx.sla.deadline(
        ctx.calendar,
        ctx.now,
        ctx.now,
        req.tier,
        req.intake.kind,
        req.urgency,
        req.difficulty,
    );
    Ok(EventData::Reopen {
        reason: reason.to_string(),
        deadline: d.due,
        yellow_at: d.yellow_at,
        sla_version: d.sla_version,
    })
}

pub(in crate::lifecycle) fn close(
    s: &Step,
    note: &Option<String>,
) -> Result<EventData, DomainError> {
    s.need_staff()?;
    Ok(EventData::Close { note: note.clone() })
}

pub(in crate::lifecycle) fn archive(s: &Step) -> Result<EventData, DomainError> {
    if !(is_district_admin(s.actor) && s.rel.staff) {
        return Err(s.forbid("domain.forbidden.district_office"));
    }
    Ok(EventData::Archive {})
}
