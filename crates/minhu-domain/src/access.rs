//! Who may read and do what, where: every role × scope rule of the product in one place
//! (the lifecycle's per-command rules stay beside their commands in `lifecycle`, built on
//! [`relation`]). Pure functions of the actor, the organisation and the request; the front
//! ends turn a refusal into their own response.
//!
//! The rules, in the product's words:
//! - jurisdiction staff (区综合办, 街道, 社区) and auditors and grid workers read the requests
//!   located in their scope; a unit reads the requests it leads, co-handles or was summoned to;
//!   anything else is "not found" (404), never "forbidden", so ids do not leak;
//! - personal fields are revealed to the staff over the request, and to its lead or
//!   co-handling unit unless the request is confidential;
//! - ledgers and dashboards cover a jurisdiction within the actor's scope (their own scope by
//!   default); unit handlers have none;
//! - queues are bounded by the actor's unit (a unit handler) or jurisdiction (everyone else);
//! - the district office (区综合办) owns the shared data: catalogue, calendar, policies.

#[cfg(test)]
use crate::error::ErrorKind;
use crate::error::{Arg, DomainError};
use crate::org::{Actor, Jurisdiction, Org, Role, Tier};
use crate::request::Request;

/// What an actor is to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    /// May read the request at all.
    pub sees: bool,
    /// Screens, dispatches, arbitrates returns and extensions, reviews (the current tier's office).
    pub dispatcher: bool,
    /// Handles it as the lead unit.
    pub handler: bool,
    /// A co-handling unit.
    pub co_handler: bool,
    /// Jurisdiction staff over the request (callbacks, urging, reopening).
    pub staff: bool,
    /// A unit summoned by a whistle.
    pub summoned: bool,
}

/// The roles that staff a jurisdiction's office (区综合办, 街道, 社区).
pub fn staff_role(role: Role) -> bool {
    matches!(
        role,
        Role::DistrictAdmin | Role::StreetStaff | Role::CommunityStaff
    )
}

/// The unit a person acts for: a unit handler's unit, or a community's or street's own
/// office for its staff. Nobody else acts for a unit.
pub fn acting_unit<'a>(actor: &'a Actor, org: &'a Org) -> Option<&'a str> {
    match actor.role? {
        Role::UnitHandler => Some(actor.scope.as_str()),
        Role::CommunityStaff | Role::StreetStaff => {
            org.own_unit(&actor.scope).map(|u| u.code.as_str())
        }
        _ => None,
    }
}

/// Works out what `actor` is to `req`. The system and the requester (no role) see the
/// request and are nothing else to it; their steps are checked by the lifecycle.
pub fn relation(actor: &Actor, req: &Request, org: &Org) -> Relation {
    let Some(role) = actor.role else {
        return Relation {
            sees: true,
            dispatcher: false,
            handler: false,
            co_handler: false,
            staff: false,
            summoned: false,
        };
    };
    let jur = &req.intake.jurisdiction;
    let in_scope = role != Role::UnitHandler && org.within(jur, &actor.scope);
    let acting_unit = acting_unit(actor, org);
    let handler = acting_unit.is_some_and(|u| req.lead_unit.as_deref() == Some(u));
    let co_handler = acting_unit.is_some_and(|u| req.co_units.iter().any(|c| c == u));
    let summoned = acting_unit.is_some_and(|u| req.summoned.iter().any(|s| s.unit == u));
    let staff = in_scope && staff_role(role);
    let dispatcher = staff && dispatches_tier(role, req.tier);
    Relation {
        sees: in_scope || handler || co_handler || summoned,
        dispatcher,
        handler,
        co_handler,
        staff,
        summoned,
    }
}

/// Does staff of this role dispatch requests held at this tier (given the request is in
/// their area)? The district office dispatches every tier, a street office the street's and
/// communities', a community office only its own.
pub fn dispatches_tier(role: Role, tier: Tier) -> bool {
    match role {
        Role::DistrictAdmin => true,
        Role::StreetStaff => tier <= Tier::Street,
        Role::CommunityStaff => tier == Tier::Community,
        _ => false,
    }
}

/// The roles that supervise and whistle (街道 and 区综合办).
pub fn oversees(role: Role) -> bool {
    matches!(role, Role::DistrictAdmin | Role::StreetStaff)
}

/// Is this person the district office (区综合办), which owns the shared data?
pub fn is_district_admin(actor: &Actor) -> bool {
    actor.role == Some(Role::DistrictAdmin)
}

/// 403 unless the actor is the district office; `what` names the thing being done
/// ("修改考评策略" / "change the evaluation policy"). Same text as the web layer's
/// `require_district_admin`.
pub fn require_district_admin(
    actor: &Actor,
    what_zh: &str,
    what_en: &str,
) -> Result<(), DomainError> {
    if is_district_admin(actor) {
        return Ok(());
    }
    Err(DomainError::forbidden_keyed(
        "domain.forbidden.district_admin",
        vec![Arg::by_lang("what", what_zh, what_en)],
    ))
}

/// How an actor may read a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Staff, auditors and grid workers whose scope covers the request's jurisdiction.
    Jurisdiction,
    /// The lead, a co-handling or a summoned unit.
    Unit,
    /// The requester (with the tracking code) or the system: checked by the caller.
    NoRole,
    /// Not at all: the request is "not found" (404) to this actor.
    None,
}

/// How `actor` may read `req`; [`Read::None`] is a 404.
pub fn read_access(actor: &Actor, req: &Request, org: &Org) -> Read {
    let Some(role) = actor.role else {
        return Read::NoRole;
    };
    if role != Role::UnitHandler && org.within(&req.intake.jurisdiction, &actor.scope) {
        return Read::Jurisdiction;
    }
    let rel = relation(actor, req, org);
    if rel.handler || rel.co_handler || rel.summoned {
        Read::Unit
    } else {
        Read::None
    }
}

/// May `actor` read `req` at all (else 404)? The same as `relation(..).sees`.
pub fn may_read(actor: &Actor, req: &Request, org: &Org) -> bool {
    read_access(actor, req, org) != Read::None
}

/// May `actor` see the request's personal fields? The staff of the request's
/// jurisdiction may; the lead or a co-handling unit may (it calls back), except for a
/// confidential (e.g. whistle-blowing) request. Nobody else, whatever else they read.
pub fn may_reveal(actor: &Actor, req: &Request, org: &Org) -> bool {
    let rel = relation(actor, req, org);
    match actor.role {
        Some(r) if staff_role(r) => rel.staff,
        Some(Role::UnitHandler) => (rel.handler || rel.co_handler) && !req.intake.confidential,
        _ => false,
    }
}

/// May `actor` export ledgers with personal fields unmasked (with a stated reason)?
/// Jurisdiction staff only.
pub fn may_export_unmasked(actor: &Actor) -> bool {
    actor.role.is_some_and(staff_role)
}

/// May `actor` read the outbox (messages sent) of `req`? The staff over the request only;
/// anyone else gets a 404.
pub fn may_read_outbox(actor: &Actor, req: &Request, org: &Org) -> bool {
    relation(actor, req, org).staff
}

/// Is the jurisdiction `code` within the actor's own scope? The system's scope is
/// everything; a unit handler's scope is a unit, never a jurisdiction.
pub fn covers(actor: &Actor, org: &Org, code: &str) -> bool {
    match actor.role {
        None => actor.is_system(),
        Some(Role::UnitHandler) => false,
        Some(_) => org.within(code, &actor.scope),
    }
}

/// The jurisdiction a ledger (台账, report) is asked for: the actor's own scope by default,
/// and it must lie within that scope. Unit handlers have no jurisdiction ledgers (403);
/// an unknown code is a 422 (`invalid_parameter`), one outside the scope a 403.
pub fn ledger_jurisdiction<'a>(
    actor: &Actor,
    org: &'a Org,
    asked: Option<&str>,
) -> Result<&'a Jurisdiction, DomainError> {
    if actor.role == Some(Role::UnitHandler) {
        return Err(
            DomainError::forbidden_keyed("domain.forbidden.unit_ledger", vec![])
                .with_field("jurisdiction"),
        );
    }
    let code = asked.unwrap_or(&actor.scope);
    let j = org.jurisdiction(code).ok_or_else(|| {
        DomainError::invalid_keyed(
            "jurisdiction",
            "invalid_parameter",
            "domain.invalid_parameter.jurisdiction",
            vec![Arg::new("jurisdiction", code)],
        )
    })?;
    if !actor.is_system() && !org.within(code, &actor.scope) {
        return Err(outside_scope(code));
    }
    Ok(j)
}

/// The jurisdiction a dashboard covers: the actor's own scope. `None` for unit handlers
/// (the dashboard is for jurisdiction staff: 403).
pub fn dashboard_jurisdiction(actor: &Actor) -> Option<&str> {
    match actor.role {
        Some(Role::UnitHandler) | None => None,
        Some(_) => Some(actor.scope.as_str()),
    }
}

/// The 403 for a jurisdiction outside the actor's scope (field `jurisdiction`).
pub fn outside_scope(code: &str) -> DomainError {
    DomainError::forbidden_keyed(
        "domain.forbidden.outside_scope",
        vec![Arg::new("jurisdiction", code)],
    )
    .with_field("jurisdiction")
}

/// What bounds every queue an actor lists: one unit, or a jurisdiction subtree (by its
/// materialised path, as storage filters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueBound {
    /// A unit handler sees the requests of their unit.
    Unit(String),
    /// Everyone else sees the requests located under this path ("/D/S/C/").
    Path(String),
}

/// The bound of every queue of this actor.
pub fn queue_bound(actor: &Actor, org: &Org) -> QueueBound {
    match actor.role {
        Some(Role::UnitHandler) => QueueBound::Unit(actor.scope.clone()),
        _ => QueueBound::Path(org.path(&actor.scope)),
    }
}

/// The queues (tabs of the staff pages) an actor has, in the page's order: what they
/// handled; their unit's (a unit handler's, or a community's or street's own office's);
/// for jurisdiction staff their whole area and the requests to screen or dispatch; then
/// the yellow and red warnings.
pub fn queues(actor: &Actor, org: &Org) -> Vec<&'static str> {
    let handler = actor.role == Some(Role::UnitHandler);
    let mut views = vec!["mine"];
    if acting_unit(actor, org).is_some() {
        views.push("unit");
    }
    if !handler {
        views.extend(["area", "new"]);
    }
    views.extend(["yellow", "red"]);
    views
}

/// The queue the staff pages open on: a unit handler's unit, everyone else's area.
pub fn default_queue(actor: &Actor) -> &'static str {
    if actor.role == Some(Role::UnitHandler) {
        "unit"
    } else {
        "area"
    }
}

/// May the actor filter a queue by this unit? A unit handler only by their own unit (403,
/// field `unit`); others by any unit the organisation knows (else 422).
pub fn queue_unit_filter(actor: &Actor, org: &Org, unit: &str) -> Result<(), DomainError> {
    if actor.role == Some(Role::UnitHandler) {
        if unit == actor.scope {
            return Ok(());
        }
        return Err(DomainError::forbidden_keyed(
            "domain.forbidden.other_unit",
            vec![Arg::new("unit", unit)],
        )
        .with_field("unit"));
    }
    if org.unit(unit).is_none() {
        return Err(DomainError::invalid_keyed(
            "unit",
            "invalid_parameter",
            "domain.invalid_parameter.unit",
            vec![Arg::new("unit", unit)],
        ));
    }
    Ok(())
}

/// May the actor filter a queue by this jurisdiction? It must exist (422) and lie in the
/// actor's scope (403); a unit handler's queue is bounded by the unit anyway.
pub fn queue_jurisdiction_filter(actor: &Actor, org: &Org, code: &str) -> Result<(), DomainError> {
    if org.jurisdiction(code).is_none() {
        return Err(DomainError::invalid_keyed(
            "jurisdiction",
            "invalid_parameter",
            "domain.invalid_parameter.jurisdiction",
            vec![Arg::new("jurisdiction", code)],
        ));
    }
    if actor.role != Some(Role::UnitHandler) && !org.within(code, &actor.scope) {
        return Err(outside_scope(code));
    }
    Ok(())
}

/// May this role register requests (intake)? Everyone but units and auditors.
pub fn may_register(role: Role) -> bool {
    !matches!(role, Role::UnitHandler | Role::Auditor)
}

/// May the actor list the exclusions from scoring? The district office and auditors.
pub fn may_list_exclusions(actor: &Actor) -> bool {
    matches!(actor.role, Some(Role::DistrictAdmin | Role::Auditor))
}

#[cfg(test)]
mod tests;
