//! Unit tests of the lifecycle's parsing and pause arithmetic.

use chrono::{DateTime, Utc};

use super::*;
use crate::calendar::{Calendar, builtin_days};
use crate::time::rfc3339;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn every_action_parses_the_sample_offered_actions_decides_with() {
    for action in ACTIONS {
        assert!(
            Command::parse(action, &action_sample()).is_ok(),
            "{action} does not parse the sample"
        );
    }
}

#[test]
fn suspension_over_national_day_gives_back_the_working_days_paused() {
    let cal = Calendar::new(builtin_days());
    let due = at("2026-09-30T23:59:59+08:00");
    // Suspended on Tue 29 Sep, resumed Fri 9 Oct: paused over 30 Sep, 8 and 9 Oct (3 working days).
    let moved = shift_for_pause(
        &cal,
        due,
        at("2026-09-29T10:00:00+08:00"),
        at("2026-10-09T09:00:00+08:00"),
    );
    // The 3 working days after 30 Sep are 8 and 9 Oct and the make-up Saturday 10 Oct.
    assert_eq!(rfc3339(moved), "2026-10-10T23:59:59+08:00");
}

#[test]
fn short_pause_same_day_keeps_a_day_deadline_and_hours_move_by_the_clock() {
    let cal = Calendar::new(builtin_days());
    let due = at("2026-10-09T23:59:59+08:00");
    assert_eq!(
        shift_for_pause(
            &cal,
            due,
            at("2026-10-08T10:00:00+08:00"),
            at("2026-10-08T11:00:00+08:00")
        ),
        due
    );
    let hourly = at("2026-10-08T12:00:00+08:00");
    assert_eq!(
        rfc3339(shift_for_pause(
            &cal,
            hourly,
            at("2026-10-08T10:00:00+08:00"),
            at("2026-10-08T11:30:00+08:00")
        )),
        "2026-10-08T13:30:00+08:00"
    );
}

mod matrix;

mod pause_properties {
    use chrono::Duration;
    use proptest::prelude::*;

    use super::*;
    use crate::time::{end_of_local_day, local_date, start_of_local_day};

    proptest! {
        #[test]
        fn a_pause_never_shortens_a_deadline_and_gives_back_what_it_took(
            due_day in 0i64..600,
            by_hours in any::<bool>(),
            due_secs in 0i64..86_399,
            since_off in -30i64 * 86_400..0,
            paused in 0i64..40 * 86_400,
        ) {
            let cal = Calendar::new(crate::calendar::builtin_days());
            let day = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap() + Duration::days(due_day);
            let due = if by_hours {
                start_of_local_day(day) + Duration::seconds(due_secs)
            } else {
                end_of_local_day(day)
            };
            let since = due + Duration::seconds(since_off);
            let until = since + Duration::seconds(paused);
            let moved = shift_for_pause(&cal, due, since, until);
            prop_assert!(moved >= due);
            if moved == end_of_local_day(local_date(moved)) && due == end_of_local_day(local_date(due)) {
                // Day deadlines move by the working days paused, onto a working day.
                let taken = cal.working_days_between(local_date(since), local_date(until));
                prop_assert_eq!(cal.working_days_between(local_date(due), local_date(moved)), taken);
                if taken > 0 {
                    prop_assert!(cal.is_working_day(local_date(moved)));
                }
            } else {
                // Clock deadlines move by the clock time paused.
                prop_assert_eq!(moved - due, until - since);
            }
        }
    }

    #[test]
    fn the_clock_case_is_taken_for_any_deadline_not_at_a_day_end() {
        let cal = Calendar::new(crate::calendar::builtin_days());
        let due = at("2026-10-09T23:59:58+08:00");
        let since = at("2026-10-08T10:00:00+08:00");
        let moved = shift_for_pause(&cal, due, since, since + Duration::hours(30));
        assert_eq!(moved - due, Duration::hours(30));
    }
}

/// The refusals read word for word as before they moved into the catalogue.
mod texts {
    use super::*;
    use crate::org::{Role, Tier};
    use crate::request::State;
    use crate::testkit::{World, person, registered};

    fn refusal(req: &Request, cmd: &Command, actor: &Actor) -> (String, String) {
        let w = World::new();
        let ctx = Ctx {
            now: at("2026-09-29T10:00:00+08:00"),
            org: &w.org,
            calendar: &w.calendar,
            sla: &w.sla,
            merge_target: None,
        };
        let e = decide(req, cmd, actor, &ctx).unwrap_err();
        (e.zh, e.en)
    }

    #[test]
    fn lifecycle_refusals_keep_their_wording() {
        let grid = person(Role::GridWorker, "G1");
        let req = registered("G1", Tier::Community);
        assert_eq!(
            refusal(&req, &Command::Accept { note: None }, &grid),
            (
                "只有当前层级的派单人员（社区/街道/区综合办）可以执行“accept”".into(),
                "only the dispatching office of the current tier may 'accept'".into()
            )
        );
        let mut top = registered("G1", Tier::District);
        top.state = State::InProgress;
        let escalate = Command::Escalate { reason: "x".into() };
        assert_eq!(
            refusal(&top, &escalate, &person(Role::DistrictAdmin, "D")),
            (
                "当前状态“办理中”下不能执行“escalate”，已在区级，无法再上报".into(),
                "'escalate' is not allowed in state 'in_progress'".into()
            )
        );
        let mut pending = registered("G1", Tier::Community);
        pending.state = State::PendingDispatch;
        let dispatch = Command::Dispatch {
            unit: "C2".into(),
            co_units: vec![],
            difficulty: None,
            urgency: None,
        };
        assert_eq!(
            refusal(&pending, &dispatch, &person(Role::StreetStaff, "S1")),
            (
                "单位“C2单位”不在本社区辖区内，请上报上级派单".into(),
                "unit 'C2' is outside this community; escalate instead".into()
            )
        );
        assert_eq!(
            refusal(
                &req,
                &Command::Accept { note: None },
                &person(Role::StreetStaff, "S2")
            ),
            ("未找到该诉求".into(), "request not found".into())
        );
    }

    #[test]
    fn parse_and_scope_refusals_keep_their_wording() {
        let e = Command::parse("suspend", &serde_json::json!({})).unwrap_err();
        assert_eq!(
            (e.zh.as_str(), e.en.as_str()),
            ("缺少必填字段“reason”", "field 'reason' is required")
        );
        let e = Command::parse("decide_return", &serde_json::json!({"approve": 1})).unwrap_err();
        assert_eq!(
            (e.zh.as_str(), e.en.as_str()),
            (
                "字段“approve”应为true 或 false",
                "field 'approve' must be true or false"
            )
        );
        let e = Command::parse(
            "dispatch",
            &serde_json::json!({"unit": "X", "urgency": "soon"}),
        )
        .unwrap_err();
        assert_eq!(
            e.en,
            "unknown value 'soon' for 'urgency'; one of: normal, urgent, critical"
        );
        assert_eq!(
            e.zh,
            "字段“urgency”的取值“soon”无效，可选：normal, urgent, critical"
        );
        let e = crate::testkit::org()
            .check_scope(Role::StreetStaff, "C1")
            .unwrap_err();
        assert_eq!(e.zh, "角色 street_staff 的范围应为街道级辖区，“C1”是社区");
        assert_eq!(
            e.en,
            "role street_staff needs a street jurisdiction; 'C1' is a community"
        );
        let e = crate::intake::parse_intake(
            &serde_json::json!({"channel": "walk_in", "content": "路灯坏了", "jurisdiction": "G1"}),
            Some(&person(Role::Auditor, "D")),
            &crate::testkit::org(),
            "MH-1".into(),
            at("2026-09-29T10:00:00+08:00"),
        )
        .unwrap_err();
        assert_eq!(
            (e.zh.as_str(), e.en.as_str()),
            (
                "审计查阅员不能登记诉求",
                "a auditor cannot register requests"
            )
        );
    }
}
