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
                return Err(DomainError::invalid(
                    "referral",
                    "referral_required",
                    "紧急事项（原因3）须注明转接的紧急热线：110、119、120 或 122",
                    "an emergency (code 3) must record the referral: 110, 119, 120 or 122",
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
    let bad = |zh: &str, en: &str| {
        DomainError::invalid(
            "into",
            "invalid_merge_target",
            zh.to_string(),
            en.to_string(),
        )
    };
    if into == s.req.id {
        return Err(bad("不能合并到自身", "cannot merge a request into itself"));
    }
    let target = s
        .ctx
        .merge_target
        .filter(|t| t.id == into)
        .ok_or_else(|| bad("未找到要合并到的诉求", "merge target not found"))?;
    if !relation(s.actor, target, s.ctx.org).sees {
        return Err(bad("未找到要合并到的诉求", "merge target not found"));
    }
    if !target.state.is_open() {
        return Err(bad(
            "只能合并到仍在办理的诉求",
            "the merge target must still be open",
        ));
    }
    Ok(EventData::Merge { into })
}

/// Sets or corrects the category (the classifier learns from the final one).
pub(in crate::lifecycle) fn categorise(s: &Step, category: &str) -> Result<EventData, DomainError> {
    if !(s.rel.staff || s.rel.dispatcher) {
        return Err(s.not_staff());
    }
    if s.req.intake.category.as_deref() == Some(category) {
        return Err(DomainError::invalid(
            "category",
            "unchanged",
            "类别没有变化",
            "the category is unchanged",
        ));
    }
    Ok(EventData::Categorise {
        category: category.to_string(),
        previous: s.req.intake.category.clone(),
    })
}
