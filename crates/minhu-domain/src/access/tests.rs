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

// ---- issue 08: scope for every role ----------------------------------------------------------

/// The test district plus a second one (E → ES → EC), so no district admin covers all.
fn two_districts() -> Org {
    let base = org();
    let mut js: Vec<Jurisdiction> = base.jurisdictions().cloned().collect();
    let mut us: Vec<crate::org::Unit> = base.units().cloned().collect();
    let j = |code: &str, level, parent: Option<&str>| Jurisdiction {
        code: code.into(),
        name: code.into(),
        level,
        parent: parent.map(str::to_string),
    };
    use crate::org::Level;
    js.push(j("E", Level::District, None));
    js.push(j("ES", Level::Street, Some("E")));
    us.push(crate::org::Unit {
        code: "ECG".into(),
        name: "ECG".into(),
        level: UnitLevel::District,
        jurisdiction: "E".into(),
        office: false,
    });
    us.push(crate::org::Unit {
        code: "CITY".into(),
        name: "CITY".into(),
        level: UnitLevel::City,
        jurisdiction: "E".into(),
        office: false,
    });
    Org::new(js, us)
}

#[test]
fn the_district_admin_acts_only_inside_its_district() {
    let one = org();
    let two = two_districts();
    let admin = person(Role::DistrictAdmin, "D");
    let other = person(Role::DistrictAdmin, "E");
    // (who, org, jurisdiction or unit) → allowed?
    assert!(covers_deployment(&admin, &one));
    assert!(!covers_deployment(&admin, &two));
    assert!(!covers_deployment(&other, &two));
    assert!(covers_deployment(&Actor::system(), &two));
    assert!(!covers_deployment(&person(Role::Auditor, "D"), &one));
    assert!(require_deployment_admin(&admin, &one, "x", "x").is_ok());
    let e =
        require_deployment_admin(&admin, &two, "修改工作日历", "edit the calendar").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert!(require_admin_over(&admin, &two, "C1", "jurisdiction", ("x", "x")).is_ok());
    let e = require_admin_over(&other, &two, "C1", "jurisdiction", ("x", "x")).unwrap_err();
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::Forbidden, Some("jurisdiction"))
    );
    let e = require_admin_over(
        &person(Role::StreetStaff, "S1"),
        &two,
        "C1",
        "f",
        ("x", "x"),
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert!(unit_in_scope(&admin, &two, "CGJ"));
    assert!(!unit_in_scope(&admin, &two, "ECG"));
    assert!(
        unit_in_scope(&admin, &two, "CITY"),
        "a city unit serves every district"
    );
    assert!(require_unit_in_scope(&admin, &two, "ECG", "unit").is_err());
    for (owner, mine) in [
        ("CGJ", true),
        ("C1", true),
        ("ECG", false),
        ("ES", false),
        ("*", false),
        ("channel:web", false),
        ("CITY", false),
    ] {
        assert_eq!(
            subscription_owner_in_scope(&admin, &two, owner),
            mine,
            "{owner}"
        );
    }
    assert!(subscription_owner_in_scope(&admin, &one, "*"));
}

#[test]
fn an_exclusion_needs_a_second_district_admin_over_the_request() {
    let org = two_districts();
    let req = registered("C1", Tier::Community);
    let a = person(Role::DistrictAdmin, "D");
    let b = Actor::person("admin2", Role::DistrictAdmin, "D");
    assert!(may_approve_exclusion(&b, &req, &org, &a.username).is_ok());
    let e = may_approve_exclusion(&a, &req, &org, &a.username).unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Forbidden, "self_approval"));
    let e = may_approve_exclusion(&person(Role::DistrictAdmin, "E"), &req, &org, "x").unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    for role in [
        Role::StreetStaff,
        Role::Auditor,
        Role::UnitHandler,
        Role::GridWorker,
    ] {
        let e = may_approve_exclusion(&person(role, "S1"), &req, &org, "x").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{role:?}");
    }
}

#[test]
fn an_open311_client_is_its_own_actor_with_narrow_rights() {
    let org = org();
    let client = Actor::open311_client("fms");
    assert!(!client.is_system() && client.is_open311_client());
    assert_eq!(client.role_str(), "open311");
    let mut own = registered("C1", Tier::Community);
    own.registered_by = client.username.clone();
    let theirs = registered("C1", Tier::Community);
    assert!(may_read(&client, &own, &org) && relation(&client, &own, &org).client);
    assert!(!may_read(&client, &theirs, &org));
    assert!(!relation(&client, &theirs, &org).client);
    assert!(!covers(&client, &org, "D"));
    assert!(ledger_jurisdiction(&client, &org, Some("D")).is_err());
    assert!(!covers_deployment(&client, &org));
    assert!(!may_reveal(&client, &own, &org));
}

#[test]
fn repeats_and_similar_lists_show_only_what_the_actor_reads() {
    let org = org();
    let mut req = registered("G1", Tier::Community);
    for (who, sees) in [
        (person(Role::CommunityStaff, "C1"), true),
        (person(Role::GridWorker, "G1"), true),
        (person(Role::StreetStaff, "S2"), false),
        (person(Role::DistrictAdmin, "D"), true),
        (Actor::system(), true),
        (Actor::requester(), false),
        (Actor::open311_client("fms"), false),
    ] {
        assert_eq!(may_see_repeat(&who, &req, &org), sees, "{}", who.username);
    }
    let grid = person(Role::GridWorker, "G1");
    assert!(may_list_as_similar(&grid, &req, &org));
    assert!(!may_list_as_similar(
        &person(Role::CommunityStaff, "C2"),
        &req,
        &org
    ));
    req.intake.confidential = true;
    assert!(!may_list_as_similar(&grid, &req, &org));
    assert!(!may_list_as_similar(
        &person(Role::CommunityStaff, "C1"),
        &req,
        &org
    ));
}
