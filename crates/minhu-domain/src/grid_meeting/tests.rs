//! Unit tests of the grid's duties, meetings and the computed daily rollup.

use super::*;
use crate::error::ErrorKind;
use crate::testkit::{at, org, person};

fn field(e: &DomainError) -> &str {
    e.field.as_deref().unwrap_or("")
}

#[test]
fn a_duty_reads_its_post_and_frequency_and_names_a_bad_field() {
    let ok = NewDuty {
        post: Some("full_time".into()),
        duty: " 每日巡查网格不少于半小时 ".into(),
        frequency: "daily".into(),
        source_document: "入户走访制度".into(),
    }
    .validate()
    .unwrap();
    assert_eq!(ok.post, Some(PostKind::FullTime));
    assert_eq!(ok.duty, "每日巡查网格不少于半小时");
    assert_eq!(ok.frequency, Frequency::Daily);
    let whole_grid = NewDuty {
        post: Some(" ".into()),
        duty: "x".into(),
        frequency: "weekly".into(),
        ..NewDuty::default()
    };
    assert_eq!(whole_grid.validate().unwrap().post, None);
    let bad = |d: NewDuty| field(&d.validate().unwrap_err()).to_string();
    let base = NewDuty {
        duty: "x".into(),
        frequency: "daily".into(),
        ..NewDuty::default()
    };
    assert_eq!(
        bad(NewDuty {
            post: Some("mayor".into()),
            ..base.clone()
        }),
        "post"
    );
    assert_eq!(
        bad(NewDuty {
            frequency: "hourly".into(),
            ..base.clone()
        }),
        "frequency"
    );
    assert_eq!(
        bad(NewDuty {
            duty: "  ".into(),
            ..base.clone()
        }),
        "duty"
    );
    assert_eq!(
        bad(NewDuty {
            duty: "长".repeat(MAX_DUTY + 1),
            ..base
        }),
        "duty"
    );
}

#[test]
fn a_retired_duty_is_not_retired_twice() {
    let mut d = Duty {
        id: 1,
        grid: "G1".into(),
        post: None,
        duty: "x".into(),
        frequency: Frequency::Daily,
        source_document: String::new(),
        state: DutyState::Active,
    };
    assert!(check_retire(&d).is_ok());
    d.state = DutyState::Retired;
    assert_eq!(check_retire(&d).unwrap_err().kind, ErrorKind::Conflict);
}

#[test]
fn a_meeting_needs_a_kind_a_past_day_and_attendees() {
    let now = at("2026-06-01T10:00:00+08:00");
    let m = NewMeeting {
        kind: "weekly_meeting".into(),
        day: "2026-06-01".into(),
        attendees: vec![
            " 陈志超 ".into(),
            "陈志超".into(),
            "".into(),
            "网格员一".into(),
        ],
    }
    .validate(now)
    .unwrap();
    assert_eq!(m.kind, MeetingKind::WeeklyMeeting);
    assert_eq!(m.attendees, vec!["陈志超", "网格员一"]);
    let bad = |kind: &str, day: &str, who: &[&str]| {
        let e = NewMeeting {
            kind: kind.into(),
            day: day.into(),
            attendees: who.iter().map(|s| s.to_string()).collect(),
        }
        .validate(now)
        .unwrap_err();
        field(&e).to_string()
    };
    assert_eq!(bad("party", "2026-06-01", &["a"]), "kind");
    assert_eq!(bad("", "2026-06-01", &["a"]), "kind");
    assert_eq!(bad("daily_rollup", "1 June", &["a"]), "day");
    assert_eq!(bad("daily_rollup", "2026-06-02", &["a"]), "day");
    assert_eq!(bad("daily_rollup", "2026-06-01", &[" "]), "attendees");
}

#[test]
fn an_item_with_an_action_needs_a_decision_and_a_real_owner() {
    let org = org();
    let item = |decision: &str, owner: &str, days: Option<i64>| NewItem {
        request_id: Some(7),
        finding_id: None,
        text: "楼道窗户未封闭".into(),
        decision: decision.into(),
        action: Some(NewAction {
            owner_unit: owner.into(),
            working_days: days,
        }),
    };
    let ok = item("物业3日内封闭", "CGJ", Some(3))
        .validate(&org, "C1")
        .unwrap();
    assert_eq!(ok.subject, Some(Subject::Request(7)));
    assert_eq!(
        ok.action,
        Some(ActionFields {
            owner_unit: "CGJ".into(),
            working_days: 3
        })
    );
    let bad = |i: NewItem| field(&i.validate(&org, "C1").unwrap_err()).to_string();
    assert_eq!(bad(item("", "CGJ", Some(3))), "decision");
    assert_eq!(bad(item("d", "NOPE", Some(3))), "action.owner_unit");
    assert_eq!(bad(item("d", "C1", Some(3))), "action.owner_unit");
    assert_eq!(bad(item("d", "CGJ", None)), "action.working_days");
    assert_eq!(bad(item("d", "CGJ", Some(0))), "action.working_days");
    assert_eq!(bad(item("d", "CGJ", Some(-2))), "action.working_days");
    let mut both = item("d", "CGJ", Some(3));
    both.finding_id = Some(1);
    assert_eq!(bad(both), "finding_id");
    let mut blank = item("d", "CGJ", Some(3));
    blank.text = " ".into();
    assert_eq!(bad(blank), "text");
}

#[test]
fn an_issued_meeting_is_fixed_and_a_weekly_one_needs_items() {
    use MeetingKind::*;
    use MeetingState::*;
    assert!(check_issue(WeeklyMeeting, Draft, 2).is_ok());
    assert!(check_issue(DailyRollup, Draft, 0).is_ok());
    assert_eq!(
        field(&check_issue(WeeklyMeeting, Draft, 0).unwrap_err()),
        "items"
    );
    assert_eq!(
        check_issue(WeeklyMeeting, Issued, 2).unwrap_err().kind,
        ErrorKind::Conflict
    );
    assert_eq!(check_draft(Issued).unwrap_err().kind, ErrorKind::Conflict);
}

#[test]
fn the_community_holds_meetings_and_grid_workers_read_their_grid() {
    let org = org();
    let staff = person(Role::CommunityStaff, "C1");
    let other = person(Role::CommunityStaff, "C2");
    let street = person(Role::StreetStaff, "S1");
    let worker = person(Role::GridWorker, "G1");
    assert!(require_holder(&staff, "C1").is_ok());
    assert!(require_holder(&street, "C1").is_err());
    assert!(require_holder(&other, "C1").is_err());
    assert!(reads_community(&street, &org, "C1"));
    assert!(!reads_community(&other, &org, "C1"));
    assert!(!reads_community(&worker, &org, "C1"));
    assert_eq!(worker_grid(&worker, &org, "C1"), Some("G1"));
    assert_eq!(worker_grid(&worker, &org, "C2"), None);
    assert_eq!(community_of(&org, "G1"), Some("C1"));
    assert_eq!(community_of(&org, "C1"), None);
}

#[test]
fn the_rollup_counts_equal_the_days_findings() {
    let grids = vec!["G1".to_string(), "G2".to_string(), "G3".to_string()];
    let f = |id, grid: &str, class: &str, spot| FindingFact {
        id,
        grid: grid.into(),
        class: class.into(),
        solved_on_spot: spot,
        request_id: (!spot).then_some(id * 10),
    };
    let findings = vec![
        f(1, "G1", "environment", true),
        f(2, "G1", "safety", false),
        f(3, "G2", "environment", true),
        f(4, "ELSEWHERE", "safety", false),
    ];
    let open = |id, grid: &str, t: &str| OpenRequestFact {
        id,
        code: format!("C{id}"),
        grid: grid.into(),
        state: "in_progress".into(),
        subject: String::new(),
        received_at: at(t),
    };
    let opens = vec![
        open(20, "G1", "2026-06-01T09:00:00+08:00"),
        open(9, "G3", "2026-05-20T09:00:00+08:00"),
        open(99, "ELSEWHERE", "2026-05-01T09:00:00+08:00"),
    ];
    let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let r = rollup("C1", day, &grids, &findings, &opens);
    assert_eq!(r.grids.len(), 3);
    let g1 = &r.grids[0];
    assert_eq!(
        (g1.findings, g1.solved_on_spot, g1.reported, g1.still_open),
        (2, 1, 1, 1)
    );
    assert_eq!(r.grids[2].still_open, 1);
    assert_eq!(r.grids[2].findings, 0);
    assert_eq!(
        (
            r.total.findings,
            r.total.solved_on_spot,
            r.total.reported,
            r.total.still_open
        ),
        (3, 2, 1, 2)
    );
    assert_eq!(r.by_class.get("environment"), Some(&2));
    assert_eq!(r.by_class.get("safety"), Some(&1));
    let ids: Vec<i64> = r.open_requests.iter().map(|o| o.id).collect();
    assert_eq!(ids, vec![9, 20], "oldest first, other communities left out");
}

#[test]
fn every_key_used_is_in_the_catalogue() {
    for key in [
        "grid_meeting.duty_retired",
        "grid_meeting.day_in_future",
        "grid_meeting.bad_day",
        "grid_meeting.too_many_attendees",
        "grid_meeting.one_subject",
        "grid_meeting.action_needs_decision",
        "grid_meeting.issued",
        "grid_meeting.no_items",
        "grid_meeting.forbidden.holder",
        "grid_meeting.unknown_code",
    ] {
        assert!(crate::text::lookup(key).is_some(), "{key}");
    }
}

#[test]
fn the_board_map_fits_the_grid_in_its_box() {
    let shape = geo::MultiPolygon(vec![crate::geo::rectangle(115.025, 35.76, 115.027, 35.764)]);
    let paths = board_map(&shape, 400.0, 300.0);
    assert_eq!(paths.len(), 1);
    let p = &paths[0];
    assert!(p.starts_with('M') && p.ends_with('Z'), "{p}");
    for xy in p.trim_matches(|c| c == 'M' || c == 'Z').split('L') {
        let (x, y) = xy.split_once(',').unwrap();
        let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
        assert!(
            (0.0..=400.0).contains(&x) && (0.0..=300.0).contains(&y),
            "{xy}"
        );
    }
    assert!(board_map(&geo::MultiPolygon(vec![]), 400.0, 300.0).is_empty());
}
