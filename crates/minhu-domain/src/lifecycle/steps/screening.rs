//! Screening (受理): accepting, answering at once, refusing, merging a duplicate and
//! setting the category. The dispatching office of the current tier screens.

use crate::error::DomainError;
use crate::request::{EMERGENCY_LINES, EventData, NOT_ACCEPTED_REASONS};

use super::Step;
use crate::access::relation;

pub(in crate::lifecycle) fn accept(
    s: &Step,
    note: &Option<String>,
) -> Result<EventData, DomainError> {
    s.need_dispatcher()?;
    Ok(EventData::Accept { note: note.clone() })
}

pub(in crate::lifecycle) fn answer(s: &Step, reply: &str) -> Result<EventData, DomainError> {
    s.need_dispatcher()?;
    Ok(EventData::Answer {
        reply: reply.to_string(),
    })
}

/// 不予受理 with one of the 7 reasons; an emergency (reason 3) records the hotline it was
/// referred to.
pub(in crate::lifecycle) fn reject(
    s: &Step,
    reason_code: u8,
    note: &Option<String>,
    referral: &Option<String>,
) -> Result<EventData, DomainError> {
    s.need_dispatcher()?;
    if reason_code == 3 {
        match referral.as_deref() {
            Some(r) if EMERGENCY_LINES.contains(&r) => {}
            _ => {
                return Err(DomainError::invalid_keyed(
                    "referral",
                    "referral_required",
                    "domain.referral_required",
                    vec![],
                ));
            }
        }
    }
    let reason = NOT_ACCEPTED_REASONS[(reason_code - 1) as usize]
        .1
        .to_string();
    Ok(EventData::Reject {
        reason_code,
        reason,
        note: note.clone(),
        referral: referral.clone(),
    })
}

/// Merges a duplicate into another open request the actor can see (the caller loads it
/// into [`Ctx::merge_target`](crate::lifecycle::Ctx)).
pub(in crate::lifecycle) fn merge(s: &Step, into: i64) -> Result<EventData, DomainError> {
    s.need_dispatcher()?;
    let bad =
        |key: &'static str| DomainError::invalid_keyed("into", "invalid_merge_target", key, vec![]);
    if into == s.req.id {
        return Err(bad("domain.invalid_merge_target.itself"));
    }
    let target = s
        .ctx
        .merge_target
        .filter(|t| t.id == into)
        .ok_or_else(|| bad("domain.invalid_merge_target.not_found"))?;
    if !relation(s.actor, target, s.ctx.org).sees {
        return Err(bad("domain.invalid_merge_target.not_found"));
    }
    if !target.state.is_open() {
        return Err(bad("domain.invalid_merge_target.closed"));
    }
    Ok(EventData::Merge { into })
}

/// Sets or corrects the category (the classifier learns from the final one).
pub(in crate::lifecycle) fn categorise(s: &Step, category: &str) -> Result<EventData, DomainError> {
    if !(s.rel.staff || s.rel.dispatcher) {
        return Err(s.not_staff());
    }
    if s.req.intake.category.as_deref() == Some(category) {
        return Err(DomainError::invalid_keyed(
            "category",
            "unchanged",
            "domain.unchanged",
            vec![],
        ));
    }
    Ok(EventData::Categorise {
        category: category.to_string(),
        previous: s.req.intake.category.clone(),
    })
}
