//! Who reads and edits the people register of a grid (网格基础台账), and who may grant the
//! `sensitive` right (PIPL art. 28) that shows ID numbers and care tags.
//!
//! - jurisdiction staff (区综合办, 街道, 社区), auditors and grid workers read the register of
//!   a grid in their scope: a grid worker only their own grid; anything else is "not found";
//! - the community's staff and the grid's own worker edit it; auditors only read; street
//!   and district staff read (and oversee) but leave the ledger to those who keep it;
//! - staff fields (names, phones, rooms) are revealed, with a purpose, to the register's
//!   readers except auditors, who read what the ledger says, masked;
//! - sensitive fields need the `sensitive` grant on top of reading, checked at every read;
//! - unit handlers have no part in the register at all;
//! - only a district admin grants or removes `sensitive`, and only for a user whose scope
//!   lies in their district.

use crate::error::{Arg, DomainError};
use crate::org::{Actor, Org, Role};

use super::{covers, is_district_admin, outside_scope};

/// The grant that opens the sensitive tier.
pub const SENSITIVE: &str = "sensitive";

/// May `actor` read the register of `grid` at all (else 404)?
pub fn may_read(actor: &Actor, org: &Org, grid: &str) -> bool {
    match actor.role {
        Some(Role::UnitHandler) | None => false,
        Some(_) => covers(actor, org, grid),
    }
}

/// May `actor` edit the register of `grid` (households, residents, care tags, places,
/// posts)? The community's staff and the grid's worker.
pub fn may_edit(actor: &Actor, org: &Org, grid: &str) -> bool {
    matches!(actor.role, Some(Role::CommunityStaff | Role::GridWorker)) && covers(actor, org, grid)
}

/// May `actor` reveal the staff fields of a record of `grid` (with a purpose, logged)?
pub fn may_reveal(actor: &Actor, org: &Org, grid: &str) -> bool {
    actor.role != Some(Role::Auditor) && may_read(actor, org, grid)
}

/// May `actor` see the sensitive fields of a record of `grid`? `granted` is whether the
/// store holds the `sensitive` grant for them, read at this moment.
pub fn may_read_sensitive(actor: &Actor, org: &Org, grid: &str, granted: bool) -> bool {
    granted && may_read(actor, org, grid)
}

/// May `actor` read who looked at a record of `grid` (the access log, PIPL art. 45)? The
/// jurisdiction's staff, who answer a resident's question, and auditors; a grid worker
/// reads the register but not the log of its readers.
pub fn may_read_access_log(actor: &Actor, org: &Org, grid: &str) -> bool {
    let staff = actor
        .role
        .is_some_and(|r| super::staff_role(r) || r == Role::Auditor);
    staff && covers(actor, org, grid)
}

/// 403 unless the actor is a district admin, the only role that grants `sensitive`:
/// checked before the grantee is looked up, so a refusal tells nothing of who exists.
pub fn require_granter(actor: &Actor) -> Result<(), DomainError> {
    if is_district_admin(actor) {
        return Ok(());
    }
    Err(DomainError::forbidden_keyed(
        "domain.forbidden.district_admin",
        vec![Arg::by_lang(
            "what",
            "授予敏感信息查阅权限",
            "grant the sensitive right",
        )],
    )
    .with_field("grant"))
}

/// The jurisdiction a user's scope lies in: the scope itself, or a unit's jurisdiction.
fn scope_jurisdiction<'a>(org: &'a Org, role: Role, scope: &'a str) -> &'a str {
    match role {
        Role::UnitHandler => org.unit(scope).map_or(scope, |u| u.jurisdiction.as_str()),
        _ => scope,
    }
}

/// May `actor` grant (or remove) `sensitive` to a user of `role` and `scope`? A district
/// admin over the user's scope; 403 otherwise (field `username` when outside the district).
/// A unit handler never reads the register, so a grant to one is refused as well.
pub fn may_grant_sensitive(
    actor: &Actor,
    org: &Org,
    role: Role,
    scope: &str,
) -> Result<(), DomainError> {
    if !is_district_admin(actor) {
        return Err(DomainError::forbidden_keyed(
            "domain.forbidden.district_admin",
            vec![Arg::by_lang(
                "what",
                "授予敏感信息查阅权限",
                "grant the sensitive right",
            )],
        )
        .with_field("grant"));
    }
    if role == Role::UnitHandler {
        return Err(DomainError::forbidden_keyed(
            "grid_ledger.forbidden.grant_to_unit",
            vec![Arg::by_lang("role", role.zh(), role.as_str())],
        )
        .with_field("username"));
    }
    let jurisdiction = scope_jurisdiction(org, role, scope);
    if !covers(actor, org, jurisdiction) {
        return Err(outside_scope(jurisdiction).with_field("username"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{org, person};

    #[test]
    fn readers_of_a_grid_by_role_and_scope() {
        let org = org();
        let read = |role, scope| may_read(&person(role, scope), &org, "G1");
        assert!(read(Role::DistrictAdmin, "D"));
        assert!(read(Role::StreetStaff, "S1"));
        assert!(read(Role::CommunityStaff, "C1"));
        assert!(read(Role::GridWorker, "G1"));
        assert!(read(Role::Auditor, "D"));
        assert!(!read(Role::StreetStaff, "S2"));
        assert!(!read(Role::CommunityStaff, "C2"));
        assert!(!read(Role::GridWorker, "G2"), "another grid's worker");
        assert!(!read(Role::UnitHandler, "C1"), "units read nothing");
        assert!(!may_read(&Actor::requester(), &org, "G1"));
    }

    #[test]
    fn the_access_log_is_read_by_the_office_not_by_grid_workers() {
        let org = org();
        let log = |role, scope| may_read_access_log(&person(role, scope), &org, "G1");
        assert!(log(Role::CommunityStaff, "C1"));
        assert!(log(Role::Auditor, "D"));
        assert!(!log(Role::GridWorker, "G1"));
        assert!(!log(Role::CommunityStaff, "C2"));
        assert!(!log(Role::UnitHandler, "C1"));
    }

    #[test]
    fn the_community_and_the_grid_worker_edit_auditors_never() {
        let org = org();
        let edit = |role, scope| may_edit(&person(role, scope), &org, "G1");
        assert!(edit(Role::CommunityStaff, "C1"));
        assert!(edit(Role::GridWorker, "G1"));
        assert!(!edit(Role::Auditor, "D"));
        assert!(!edit(Role::DistrictAdmin, "D"));
        assert!(!edit(Role::StreetStaff, "S1"));
        assert!(!edit(Role::CommunityStaff, "C2"));
        assert!(!edit(Role::GridWorker, "G2"));
        assert!(!edit(Role::UnitHandler, "CGJ"));
    }

    #[test]
    fn reveals_are_for_readers_but_auditors_and_sensitive_needs_the_grant() {
        let org = org();
        assert!(may_reveal(&person(Role::GridWorker, "G1"), &org, "G1"));
        assert!(!may_reveal(&person(Role::Auditor, "D"), &org, "G1"));
        let staff = person(Role::CommunityStaff, "C1");
        assert!(!may_read_sensitive(&staff, &org, "G1", false));
        assert!(may_read_sensitive(&staff, &org, "G1", true));
        let other = person(Role::CommunityStaff, "C2");
        assert!(!may_read_sensitive(&other, &org, "G1", true));
    }

    #[test]
    fn only_a_district_admin_over_the_user_grants_sensitive() {
        let org = org();
        let admin = person(Role::DistrictAdmin, "D");
        assert!(may_grant_sensitive(&admin, &org, Role::GridWorker, "G1").is_ok());
        assert!(may_grant_sensitive(&admin, &org, Role::UnitHandler, "CGJ").is_err());
        let street = person(Role::StreetStaff, "S1");
        let e = may_grant_sensitive(&street, &org, Role::GridWorker, "G1").unwrap_err();
        assert_eq!(e.kind, crate::ErrorKind::Forbidden);
        let elsewhere = person(Role::DistrictAdmin, "D2");
        let e = may_grant_sensitive(&elsewhere, &org, Role::GridWorker, "G1").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("username"));
        let community = person(Role::CommunityStaff, "C1");
        assert!(may_grant_sensitive(&community, &org, Role::CommunityStaff, "C1").is_err());
    }
}
