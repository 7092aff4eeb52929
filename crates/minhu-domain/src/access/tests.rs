//! Unit tests of the access rules, on the test district of `testkit`.

use super::*;
use crate::org::Tier;
use crate::testkit::{org, person, registered};

fn with_lead(mut r: Request, lead: &str, co: &[&str]) -> Request {
    r.lead_unit = Some(lead.into());
    r.co_units = co.iter().map(|c| c.to_string()).collect();
    r
}

#[test]
fn staff_read_what_lies_in_their_scope_and_units_what_they_handle() {
    let org = org();
    let req = with_lead(registered("G1", Tier::Community), "CGJ", &["ZJJ"]);
    let read = |a: &Actor| read_access(a, &req, &org);
    assert_eq!(read(&person(Role::DistrictAdmin, "D")), Read::Jurisdiction);
    assert_eq!(read(&person(Role::StreetStaff, "S1")), Read::Jurisdiction);
    assert_eq!(
        read(&person(Role::CommunityStaff, "C1")),
        Read::Jurisdiction
    );
    assert_eq!(read(&person(Role::GridWorker, "G1")), Read::Jurisdiction);
    assert_eq!(read(&person(Role::Auditor, "D")), Read::Jurisdiction);
    assert_eq!(read(&person(Role::StreetStaff, "S2")), Read::None);
    assert_eq!(read(&person(Role::CommunityStaff, "C2")), Read::None);
    assert_eq!(read(&person(Role::UnitHandler, "CGJ")), Read::Unit);
    assert_eq!(read(&person(Role::UnitHandler, "ZJJ")), Read::Unit);
    assert_eq!(read(&person(Role::UnitHandler, "S1")), Read::None);
    assert_eq!(read(&Actor::system()), Read::NoRole);
    assert_eq!(read(&Actor::requester()), Read::NoRole);
}

#[test]
fn an_office_of_another_area_reads_a_request_it_handles_as_a_unit() {
    let org = org();
    let req = with_lead(registered("G1", Tier::Community), "C2", &[]);
    assert_eq!(
        read_access(&person(Role::CommunityStaff, "C2"), &req, &org),
        Read::Unit
    );
    assert!(relation(&person(Role::CommunityStaff, "C2"), &req, &org).handler);
}

#[test]
fn may_read_agrees_with_relation_sees() {
    let org = org();
    let req = with_lead(registered("C1", Tier::Community), "CGJ", &[]);
    for role in Role::ALL {
        for scope in ["D", "S1", "S2", "C1", "C2", "G1", "CGJ", "ZJJ"] {
            let a = person(*role, scope);
            assert_eq!(
                may_read(&a, &req, &org),
                relation(&a, &req, &org).sees,
                "{role:?} {scope}"
            );
        }
    }
}

#[test]
fn personal_fields_go_to_staff_and_handling_units_never_to_a_unit_when_confidential() {
    let org = org();
    let mut req = with_lead(registered("G1", Tier::Community), "CGJ", &["ZJJ"]);
    assert!(may_reveal(&person(Role::CommunityStaff, "C1"), &req, &org));
    assert!(may_reveal(&person(Role::DistrictAdmin, "D"), &req, &org));
    assert!(may_reveal(&person(Role::UnitHandler, "CGJ"), &req, &org));
    assert!(may_reveal(&person(Role::UnitHandler, "ZJJ"), &req, &org));
    assert!(!may_reveal(&person(Role::GridWorker, "G1"), &req, &org));
    assert!(!may_reveal(&person(Role::Auditor, "D"), &req, &org));
    assert!(!may_reveal(&person(Role::StreetStaff, "S2"), &req, &org));
    assert!(!may_reveal(&Actor::system(), &req, &org));
    req.intake.confidential = true;
    assert!(!may_reveal(&person(Role::UnitHandler, "CGJ"), &req, &org));
    assert!(!may_reveal(&person(Role::UnitHandler, "ZJJ"), &req, &org));
    assert!(may_reveal(&person(Role::CommunityStaff, "C1"), &req, &org));
}

#[test]
fn ledgers_cover_the_own_scope_by_default_and_nothing_outside_it() {
    let org = org();
    let street = person(Role::StreetStaff, "S1");
    assert_eq!(ledger_jurisdiction(&street, &org, None).unwrap().code, "S1");
    assert_eq!(
        ledger_jurisdiction(&street, &org, Some("C1")).unwrap().code,
        "C1"
    );
    let e = ledger_jurisdiction(&street, &org, Some("C2")).unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::Forbidden, Some("jurisdiction"))
    );
    let e = ledger_jurisdiction(&street, &org, Some("X")).unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Invalid, "invalid_parameter"));
    let e = ledger_jurisdiction(&person(Role::UnitHandler, "CGJ"), &org, None).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert_eq!(
        ledger_jurisdiction(&Actor::system(), &org, Some("C2"))
            .unwrap()
            .code,
        "C2"
    );
    assert_eq!(dashboard_jurisdiction(&street), Some("S1"));
    assert_eq!(
        dashboard_jurisdiction(&person(Role::UnitHandler, "CGJ")),
        None
    );
}

#[test]
fn queues_are_bounded_by_unit_or_area() {
    let org = org();
    assert_eq!(
        queue_bound(&person(Role::UnitHandler, "CGJ"), &org),
        QueueBound::Unit("CGJ".into())
    );
    assert_eq!(
        queue_bound(&person(Role::CommunityStaff, "C1"), &org),
        QueueBound::Path("/D/S1/C1/".into())
    );
    assert_eq!(
        queues(&person(Role::UnitHandler, "CGJ"), &org),
        ["mine", "unit", "yellow", "red"]
    );
    assert_eq!(
        queues(&person(Role::CommunityStaff, "C1"), &org),
        ["mine", "unit", "area", "new", "yellow", "red"]
    );
    assert_eq!(
        queues(&person(Role::DistrictAdmin, "D"), &org),
        ["mine", "area", "new", "yellow", "red"]
    );
    assert_eq!(default_queue(&person(Role::UnitHandler, "CGJ")), "unit");
    assert_eq!(default_queue(&person(Role::GridWorker, "G1")), "area");
    let h = person(Role::UnitHandler, "CGJ");
    assert!(queue_unit_filter(&h, &org, "CGJ").is_ok());
    assert_eq!(
        queue_unit_filter(&h, &org, "ZJJ").unwrap_err().kind,
        ErrorKind::Forbidden
    );
    let s = person(Role::StreetStaff, "S1");
    assert!(queue_unit_filter(&s, &org, "ZJJ").is_ok());
    assert_eq!(
        queue_unit_filter(&s, &org, "NOPE").unwrap_err().kind,
        ErrorKind::Invalid
    );
    assert!(queue_jurisdiction_filter(&s, &org, "G1").is_ok());
    assert_eq!(
        queue_jurisdiction_filter(&s, &org, "C2").unwrap_err().kind,
        ErrorKind::Forbidden
    );
}

#[test]
fn the_district_office_owns_the_shared_data() {
    assert!(is_district_admin(&person(Role::DistrictAdmin, "D")));
    assert!(require_district_admin(&person(Role::DistrictAdmin, "D"), "x", "x").is_ok());
    for role in [Role::StreetStaff, Role::Auditor, Role::UnitHandler] {
        let e = require_district_admin(&person(role, "D"), "修改考评策略", "change the policy")
            .unwrap_err();
        assert_eq!(e.en, "only a district_admin may change the policy");
        assert_eq!(e.zh, "只有区综合办管理员可以修改考评策略");
    }
    assert!(!is_district_admin(&Actor::system()));
    assert!(may_list_exclusions(&person(Role::Auditor, "D")));
    assert!(!may_list_exclusions(&person(Role::StreetStaff, "S1")));
    assert!(may_export_unmasked(&person(Role::CommunityStaff, "C1")));
    assert!(!may_export_unmasked(&person(Role::Auditor, "D")));
    assert!(!may_register(Role::UnitHandler) && !may_register(Role::Auditor));
    assert!(may_register(Role::GridWorker));
}

#[test]
fn dispatch_tiers_follow_the_office() {
    assert!(dispatches_tier(Role::DistrictAdmin, Tier::Community));
    assert!(dispatches_tier(Role::StreetStaff, Tier::Community));
    assert!(dispatches_tier(Role::StreetStaff, Tier::Street));
    assert!(!dispatches_tier(Role::StreetStaff, Tier::District));
    assert!(!dispatches_tier(Role::CommunityStaff, Tier::Street));
    assert!(!dispatches_tier(Role::GridWorker, Tier::Community));
}
