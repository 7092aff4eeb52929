//! Who may read and do what, where: every role × scope rule of the product in one place
//! (the lifecycle's per-command rules stay beside their commands in `lifecycle`).

use crate::org::{Actor, Org, Role, Tier};
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
