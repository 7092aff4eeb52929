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
//!   A district admin acts only inside its own district: dispatch rules, subscriptions,
//!   grid shapes and addresses must lie in it; what is shared by every district of the
//!   deployment (the calendar, the evaluation policy, an import, a deadline sweep) needs a
//!   district admin whose district is the whole deployment (or the command line);
//! - an exclusion from scoring is proposed by one district admin and approved by another
//!   over the same request, never by its proposer;
//! - an Open311 client (an API key) is its own actor, never the system: it registers
//!   requests and reads and follows up (urges) the requests it registered, nothing else;
//! - a repeat of an upstream id (idempotent intake) shows the stored request only to
//!   someone who may read it;
//! - lists of similar requests (duplicates, hints) show only requests the actor may read,
//!   and never a confidential one.

use crate::error::{Arg, DomainError, ErrorKind};
use crate::org::{Actor, Jurisdiction, Org, Role, Tier, UnitLevel};
use crate::request::Request;

pub mod register;

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
    /// The Open311 client that registered it (it may follow it up).
    pub client: bool,
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
        let client = own_client_request(actor, req);
        return Relation {
            sees: !actor.is_open311_client() || client,
            dispatcher: false,
            handler: false,
            co_handler: false,
            staff: false,
            summoned: false,
            client,
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
        client: false,
    }
}

/// Did this Open311 client register the request?
pub fn own_client_request(actor: &Actor, req: &Request) -> bool {
    actor.is_open311_client() && req.registered_by == actor.username
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
    /// The requester (with the tracking code), the system, or the Open311 client that
    /// registered it: checked by the caller.
    NoRole,
    /// Not at all: the request is "not found" (404) to this actor.
    None,
}

/// How `actor` may read `req`; [`Read::None`] is a 404.
pub fn read_access(actor: &Actor, req: &Request, org: &Org) -> Read {
    let Some(role) = actor.role else {
        if actor.is_open311_client() && !own_client_request(actor, req) {
            return Read::None;
        }
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

// ---- repeats and similar requests -----------------------------------------------------------

/// May `actor` be shown the stored request when its intake repeats that request's upstream
/// id (channel, external_id)? Only if they may read it: staff by scope, a unit it handles,
/// the Open311 client that registered it, the system (imports). Never the requester, who
/// reads by tracking code. Otherwise the repeat is a 409 that names no request.
pub fn may_see_repeat(actor: &Actor, req: &Request, org: &Org) -> bool {
    match read_access(actor, req, org) {
        Read::None => false,
        Read::NoRole => !actor.is_requester(),
        Read::Jurisdiction | Read::Unit => true,
    }
}

/// May a list of similar requests (possible duplicates, intake hints) show `req` to
/// `actor`? Only a request they may read, and never a confidential one: its text must not
/// surface beside another person's intake.
pub fn may_list_as_similar(actor: &Actor, req: &Request, org: &Org) -> bool {
    !req.intake.confidential && actor.role.is_some() && may_read(actor, req, org)
}

// ---- the district office's data --------------------------------------------------------------

/// Does the actor's scope cover the whole deployment (every district)? The system does;
/// a district admin does when theirs is the only district.
pub fn covers_deployment(actor: &Actor, org: &Org) -> bool {
    if actor.is_system() {
        return true;
    }
    is_district_admin(actor)
        && org
            .jurisdictions()
            .filter(|j| j.parent.is_none())
            .all(|j| org.within(&j.code, &actor.scope))
}

/// 403 unless the actor is a district admin whose district is the whole deployment: for
/// what every district shares (calendar, evaluation policy, imports, the deadline sweep).
pub fn require_deployment_admin(
    actor: &Actor,
    org: &Org,
    what_zh: &str,
    what_en: &str,
) -> Result<(), DomainError> {
    require_district_admin(actor, what_zh, what_en)?;
    if covers_deployment(actor, org) {
        return Ok(());
    }
    Err(DomainError::forbidden_keyed(
        "domain.forbidden.shared_by_districts",
        vec![Arg::by_lang("what", what_zh, what_en)],
    ))
}

/// 403 unless the actor is a district admin and `jurisdiction` lies in their district
/// (field `field`); an unknown jurisdiction is left to the caller's own 422/404.
pub fn require_admin_over(
    actor: &Actor,
    org: &Org,
    jurisdiction: &str,
    field: &str,
    what: (&str, &str),
) -> Result<(), DomainError> {
    require_district_admin(actor, what.0, what.1)?;
    if covers(actor, org, jurisdiction) {
        return Ok(());
    }
    Err(outside_scope(jurisdiction).with_field(field))
}

/// Is the unit the actor's to route work to: one sitting in their district, or a city unit
/// (which serves every district)? Unknown units are the caller's 422.
pub fn unit_in_scope(actor: &Actor, org: &Org, unit: &str) -> bool {
    match org.unit(unit) {
        Some(u) => u.level == UnitLevel::City || covers(actor, org, &u.jurisdiction),
        None => true,
    }
}

/// 403 (field `field`) unless the unit is within the actor's reach ([`unit_in_scope`]).
pub fn require_unit_in_scope(
    actor: &Actor,
    org: &Org,
    unit: &str,
    field: &str,
) -> Result<(), DomainError> {
    if unit_in_scope(actor, org, unit) {
        return Ok(());
    }
    Err(DomainError::forbidden_keyed(
        "domain.forbidden.unit_outside_scope",
        vec![Arg::new("unit", unit)],
    )
    .with_field(field))
}

/// Is a subscription's owner within the actor's district? A unit of the district, a
/// jurisdiction in it; anything wider (`*`, `channel:NAME`, an unknown owner) hears of
/// every district and needs [`covers_deployment`].
pub fn subscription_owner_in_scope(actor: &Actor, org: &Org, owner: &str) -> bool {
    if covers_deployment(actor, org) {
        return true;
    }
    if org.unit(owner).is_some() {
        // A city unit serves every district: its subscription hears of all of them.
        let city = org.unit(owner).is_some_and(|u| u.level == UnitLevel::City);
        return !city && unit_in_scope(actor, org, owner);
    }
    org.jurisdiction(owner).is_some() && covers(actor, org, owner)
}

// ---- exclusions from scoring ----------------------------------------------------------------

/// May `actor` approve the exclusion of `req` that `proposed_by` proposed? A district
/// admin over the request (else 404, as for any request outside one's scope), and not the
/// proposer (403 `self_approval`): two people decide that a request does not count.
pub fn may_approve_exclusion(
    actor: &Actor,
    req: &Request,
    org: &Org,
    proposed_by: &str,
) -> Result<(), DomainError> {
    if !is_district_admin(actor) {
        return Err(DomainError::forbidden_keyed(
            "domain.forbidden.district_admin",
            vec![Arg::by_lang(
                "what",
                "批准不计入考评",
                "approve an exclusion from scoring",
            )],
        ));
    }
    if !covers(actor, org, &req.intake.jurisdiction) {
        return Err(DomainError::not_found_keyed("domain.not_found.request"));
    }
    if actor.username == proposed_by {
        return Err(DomainError::keyed(
            ErrorKind::Forbidden,
            "self_approval",
            "domain.forbidden.self_approval",
            vec![],
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
