//! Oversight while a request is handled: urging (催办), supervision (督办), the street's
//! whistle summoning units to the scene (吹哨) and their arrival (报到).

use crate::access::oversees;
use crate::error::DomainError;
use crate::org::Role;
use crate::request::EventData;

use super::{Step, unknown_unit};

pub(in crate::lifecycle) fn urge(
    s: &Step,
    note: &Option<String>,
) -> Result<EventData, DomainError> {
    // The Open311 client that registered it follows it up as an urge (`rel.client`).
    if !(s.actor.is_system() || s.rel.staff || s.rel.client) {
        return Err(s.not_staff());
    }
    Ok(EventData::Urge { note: note.clone() })
}

pub(in crate::lifecycle) fn supervise(
    s: &Step,
    note: &Option<String>,
) -> Result<EventData, DomainError> {
    if !(s.rel.staff && s.role().is_some_and(oversees)) {
        return Err(s.forbid("domain.forbidden.street_or_district"));
    }
    Ok(EventData::Supervise { note: note.clone() })
}

pub(in crate::lifecycle) fn whistle(
    s: &Step,
    units: &[String],
    note: &Option<String>,
) -> Result<EventData, DomainError> {
    if !(s.rel.staff && s.role().is_some_and(oversees)) {
        return Err(s.forbid("domain.forbidden.whistle"));
    }
    if let Some(code) = units.iter().find(|c| s.ctx.org.unit(c).is_none()) {
        return Err(unknown_unit("units", code));
    }
    Ok(EventData::Whistle {
        units: units.to_vec(),
        note: note.clone(),
    })
}

/// A summoned unit reports once; anyone else is refused.
pub(in crate::lifecycle) fn arrive(s: &Step) -> Result<EventData, DomainError> {
    // Any person's office counts here (the page offers the step by trying it).
    let unit = match s.role() {
        Some(Role::UnitHandler) => s.actor.scope.clone(),
        _ => s
            .ctx
            .org
            .own_unit(&s.actor.scope)
            .map(|u| u.code.clone())
            .unwrap_or_default(),
    };
    match s.req.summoned.iter().find(|m| m.unit == unit) {
        Some(m) if m.arrived_at.is_none() => Ok(EventData::Arrive { unit }),
        Some(_) => Err(DomainError::conflict_keyed(
            "already_arrived",
            "domain.already_arrived",
            vec![],
        )),
        None => Err(s.forbid("domain.forbidden.summoned")),
    }
}
