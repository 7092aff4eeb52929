//! Dispatch (派单): naming the lead unit and co-handlers, moving the request to another
//! unit (转办), adding co-handlers (加派) and escalating to the tier above (上报).

use crate::error::{Arg, DomainError, ErrorKind};
use crate::org::{Role, Tier, Unit};
use crate::request::{Difficulty, EventData, Urgency};

use super::{Step, unknown_unit};

pub(in crate::lifecycle) fn dispatch(
    s: &Step,
    unit: &str,
    co_units: &[String],
    difficulty: Option<Difficulty>,
    urgency: Option<Urgency>,
) -> Result<EventData, DomainError> {
    s.need_dispatcher()?;
    let (req, ctx) = (s.req, s.ctx);
    let u = ctx
        .org
        .unit(unit)
        .ok_or_else(|| unknown_unit("unit", unit))?;
    for c in co_units {
        if ctx.org.unit(c).is_none() {
            return Err(unknown_unit("co_units", c));
        }
        if c == unit {
            return Err(DomainError::invalid_keyed(
                "co_units",
                "lead_in_co_units",
                "domain.lead_in_co_units",
                vec![],
            ));
        }
    }
    check_unit_in_tier(s, u)?;
    let mut co: Vec<String> = Vec::new();
    for c in co_units {
        if !co.contains(c) {
            co.push(c.clone());
        }
    }
    let urgency = urgency.unwrap_or(req.urgency);
    let difficulty = difficulty.or(req.difficulty);
    let d = ctx.sla.deadline(
        ctx.calendar,
        ctx.now,
        req.intake.received_at,
        req.tier,
        req.intake.kind,
        urgency,
        difficulty,
    );
    Ok(EventData::Dispatch {
        unit: unit.to_string(),
        co_units: co,
        difficulty,
        urgency,
        deadline: d.due,
        yellow_at: d.yellow_at,
        sla_version: d.sla_version,
    })
}

/// 转办: another lead unit, with a fresh deadline.
pub(in crate::lifecycle) fn transfer(
    s: &Step,
    unit: &str,
    reason: &str,
) -> Result<EventData, DomainError> {
    s.need_dispatcher()?;
    let (req, ctx) = (s.req, s.ctx);
    let u = ctx
        .org
        .unit(unit)
        .ok_or_else(|| unknown_unit("unit", unit))?;
    if req.lead_unit.as_deref() == Some(unit) {
        return Err(DomainError::invalid_keyed(
            "unit",
            "same_unit",
            "domain.same_unit",
            vec![],
        ));
    }
    check_unit_in_tier(s, u)?;
    let d = ctx.sla.deadline(
        ctx.calendar,
        ctx.now,
        req.intake.received_at,
        req.tier,
        req.intake.kind,
        req.urgency,
        req.difficulty,
    );
    Ok(EventData::Transfer {
        unit: unit.to_string(),
        reason: reason.to_string(),
        deadline: d.due,
        yellow_at: d.yellow_at,
        sla_version: d.sla_version,
    })
}

/// 加派: only the units not yet handling the request are added; none new is a 422.
pub(in crate::lifecycle) fn add_co_units(
    s: &Step,
    units: &[String],
    note: &Option<String>,
) -> Result<EventData, DomainError> {
    s.need_dispatcher()?;
    let req = s.req;
    let mut added = Vec::new();
    for code in units {
        let u = s
            .ctx
            .org
            .unit(code)
            .ok_or_else(|| unknown_unit("units", code))?;
        check_unit_in_tier(s, u)?;
        if req.lead_unit.as_deref() != Some(code.as_str())
            && !req.co_units.contains(code)
            && !added.contains(code)
        {
            added.push(code.clone());
        }
    }
    if added.is_empty() {
        return Err(DomainError::invalid_keyed(
            "units",
            "nothing_to_add",
            "domain.nothing_to_add",
            vec![],
        ));
    }
    Ok(EventData::AddCoUnits {
        units: added,
        note: note.clone(),
    })
}

/// 上报: the tier above takes the request over (the system escalates lapsed ones).
pub(in crate::lifecycle) fn escalate(s: &Step, reason: &str) -> Result<EventData, DomainError> {
    if !(s.actor.is_system() || s.rel.dispatcher || s.rel.handler) {
        return Err(s.forbid("domain.forbidden.dispatcher_or_handler"));
    }
    // `allowed_from` refuses escalation at the top tier, so this is only a guard.
    let to = s.req.tier.up().ok_or_else(|| {
        DomainError::conflict_keyed(
            "invalid_transition",
            "domain.invalid_transition.top_tier",
            vec![],
        )
    })?;
    Ok(EventData::Escalate {
        reason: reason.to_string(),
        from: s.req.tier,
        to,
    })
}

/// A tier dispatches within its own area; the district office may dispatch anywhere.
fn check_unit_in_tier(s: &Step, u: &Unit) -> Result<(), DomainError> {
    let (req, org) = (s.req, s.ctx.org);
    if s.role() == Some(Role::DistrictAdmin) || req.tier == Tier::District {
        return Ok(());
    }
    let area = org
        .ancestor_at(&req.intake.jurisdiction, req.tier.level())
        .map(|j| j.code.clone());
    if area
        .as_deref()
        .is_some_and(|a| org.within(&u.jurisdiction, a))
    {
        return Ok(());
    }
    // In Chinese the unit by its name and the tier by its label; in English by their codes.
    Err(DomainError::keyed(
        ErrorKind::Forbidden,
        "unit_outside_tier",
        "domain.unit_outside_tier",
        vec![
            Arg::by_lang("unit", u.name.as_str(), u.code.as_str()),
            Arg::by_lang("tier", req.tier.level().zh(), req.tier.as_str()),
        ],
    )
    .with_field("unit"))
}
