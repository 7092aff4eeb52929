//! The joint meeting's rules: the state machine (only the convener approves, nothing is
//! decided before the meeting is held, minutes need every admitted item's outcome), the
//! checks of bodies, decisions and attendance, carry-over and the per-unit figures.

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::org::{Jurisdiction, Level, Unit, UnitLevel};

fn org() -> Org {
    let j = |code: &str, level, parent: Option<&str>| Jurisdiction {
        code: code.into(),
        name: code.into(),
        level,
        parent: parent.map(Into::into),
    };
    let u = |code: &str, office| Unit {
        code: code.into(),
        name: code.into(),
        level: UnitLevel::District,
        jurisdiction: "SFQ".into(),
        office,
    };
    Org::new(
        vec![
            j("SFQ", Level::District, None),
            j("YB", Level::Street, Some("SFQ")),
        ],
        vec![
            u("ZHB", true),
            u("FGJ", false),
            u("CZJ", false),
            u("ZJJ", false),
        ],
    )
}

fn body() -> JointBody {
    JointBody {
        id: 1,
        name: "民呼必应联席会议".into(),
        lead_unit: "ZHB".into(),
        convener: "zhb_head".into(),
        cadence: "每月一次".into(),
        members: vec![
            Member {
                unit: "FGJ".into(),
                liaison: "王强".into(),
                phone: "0971-1234567".into(),
            },
            Member {
                unit: "CZJ".into(),
                liaison: "李敏".into(),
                phone: "13900000000".into(),
            },
        ],
        state: BodyState::Active,
        created_by: "admin".into(),
        created_at: now(),
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
}

const OFFICE: Standing = Standing {
    office: true,
    convener: false,
};
const CONVENER: Standing = Standing {
    office: false,
    convener: true,
};

fn step(m: &mut JointMeeting, standing: Standing, c: Command) -> Result<(), DomainError> {
    let data = decide(m, standing, c)?;
    let e = MeetingEvent {
        seq: m.version + 1,
        at: now() + Duration::minutes(m.version),
        actor: "someone".into(),
        data,
    };
    m.apply(&e);
    Ok(())
}

fn proposed() -> JointMeeting {
    let f = NewMeeting {
        kind: "coordination".into(),
        day: "2026-03-05".into(),
        place: "区政府三楼会议室".into(),
        chair: "张副区长".into(),
    }
    .validate()
    .unwrap();
    let data = propose(OFFICE, &f).unwrap();
    JointMeeting::replay(
        7,
        1,
        &[MeetingEvent {
            seq: 1,
            at: now(),
            actor: "admin".into(),
            data,
        }],
    )
}

fn case(candidate: i64) -> NewAgendaItem {
    NewAgendaItem {
        candidate_id: Some(candidate),
        action_item_id: None,
        carried_from: None,
        title: "老旧小区雨污管网改造".into(),
        requests: vec![11, 12],
        presenter_unit: "YB".into(),
        proposed_handling: "住建局牵头".into(),
        first_admitted_at: None,
        due: None,
    }
}

fn decision() -> Decision {
    NewDecision {
        text: "住建局牵头30个工作日内完成管网改造".into(),
        lead_unit: "ZJJ".into(),
        co_units: vec!["CZJ".into()],
        working_days: Some(30),
        acceptance: "管网通水、无返水".into(),
        funding: "区财政专项".into(),
    }
    .validate(&org(), "ZHB", 0)
    .unwrap()
}

fn held() -> JointMeeting {
    let mut m = proposed();
    step(&mut m, CONVENER, Command::Approve).unwrap();
    step(&mut m, OFFICE, Command::AddItem(case(3))).unwrap();
    step(&mut m, OFFICE, Command::Admit { item: 1 }).unwrap();
    step(&mut m, OFFICE, Command::Notice).unwrap();
    step(&mut m, OFFICE, Command::Hold).unwrap();
    m
}

fn code(e: DomainError) -> (ErrorKindName, Option<String>) {
    (ErrorKindName(format!("{:?}", e.kind)), e.field.clone())
}

#[derive(Debug, PartialEq)]
struct ErrorKindName(String);

#[test]
fn only_the_convener_approves() {
    let mut m = proposed();
    let e = decide(&m, OFFICE, Command::Approve).unwrap_err();
    assert_eq!(code(e).0, ErrorKindName("Forbidden".into()));
    step(&mut m, CONVENER, Command::Approve).unwrap();
    assert_eq!(m.state, MeetingState::Approved);
    // Twice is a conflict, not a second approval.
    let e = decide(&m, CONVENER, Command::Approve).unwrap_err();
    assert_eq!(code(e).0, ErrorKindName("Conflict".into()));
    // The convener alone does not run the office's steps.
    let e = decide(&m, CONVENER, Command::Notice).unwrap_err();
    assert_eq!(code(e).0, ErrorKindName("Forbidden".into()));
}

#[test]
fn the_meeting_walks_its_states_in_order() {
    let mut m = proposed();
    // Nothing is noticed, held or decided out of order.
    assert!(decide(&m, OFFICE, Command::Notice).is_err());
    assert!(decide(&m, OFFICE, Command::Hold).is_err());
    step(&mut m, CONVENER, Command::Approve).unwrap();
    // A notice needs an admitted item.
    let e = decide(&m, OFFICE, Command::Notice).unwrap_err();
    assert_eq!(code(e).1.as_deref(), Some("items"));
    step(&mut m, OFFICE, Command::AddItem(case(3))).unwrap();
    assert_eq!(m.items[0].state, ItemState::Proposed);
    assert!(decide(&m, OFFICE, Command::Notice).is_err());
    step(&mut m, OFFICE, Command::Admit { item: 1 }).unwrap();
    let e = decide(
        &m,
        OFFICE,
        Command::Decide {
            item: 1,
            decisions: vec![decision()],
        },
    )
    .unwrap_err();
    assert_eq!(code(e).0, ErrorKindName("Conflict".into()));
    step(&mut m, OFFICE, Command::Notice).unwrap();
    // No new items once noticed.
    assert!(decide(&m, OFFICE, Command::AddItem(case(4))).is_err());
    step(&mut m, OFFICE, Command::Hold).unwrap();
    assert_eq!(m.state, MeetingState::Held);
    // Minutes need each admitted item's outcome.
    let e = decide(&m, OFFICE, Command::IssueMinutes).unwrap_err();
    assert_eq!(code(e).1.as_deref(), Some("items"));
    step(
        &mut m,
        OFFICE,
        Command::Decide {
            item: 1,
            decisions: vec![decision()],
        },
    )
    .unwrap();
    assert_eq!(m.items[0].state, ItemState::Decided);
    // A decided item is fixed.
    assert!(
        decide(
            &m,
            OFFICE,
            Command::Defer {
                item: 1,
                reason: "x".into()
            }
        )
        .is_err()
    );
    step(&mut m, OFFICE, Command::IssueMinutes).unwrap();
    assert_eq!(m.state, MeetingState::MinutesIssued);
    assert!(decide(&m, OFFICE, Command::IssueMinutes).is_err());
}

#[test]
fn an_unknown_item_names_the_field() {
    let m = held();
    let e = decide(
        &m,
        OFFICE,
        Command::Defer {
            item: 9,
            reason: "缺材料".into(),
        },
    )
    .unwrap_err();
    assert_eq!(code(e).1.as_deref(), Some("item"));
}

#[test]
fn attendance_records_substitutes_and_absences() {
    let b = body();
    let sub = NewAttendance {
        unit: "FGJ".into(),
        presence: "substitute".into(),
        person: "赵六".into(),
        signed: true,
        ..Default::default()
    }
    .validate(&b)
    .unwrap();
    assert_eq!(sub.for_person.as_deref(), Some("王强"));
    let e = NewAttendance {
        unit: "CZJ".into(),
        presence: "absent".into(),
        ..Default::default()
    }
    .validate(&b)
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("reason"));
    let e = NewAttendance {
        unit: "ZJJ".into(),
        presence: "present".into(),
        person: "x".into(),
        ..Default::default()
    }
    .validate(&b)
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("unit"));
    let e = NewAttendance {
        unit: "FGJ".into(),
        presence: "late".into(),
        person: "x".into(),
        ..Default::default()
    }
    .validate(&b)
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("presence"));
    // A second record of a unit replaces the first.
    let mut m = held();
    step(&mut m, OFFICE, Command::Attend(sub.clone())).unwrap();
    let mut present = sub;
    present.presence = Presence::Present;
    present.for_person = None;
    step(&mut m, OFFICE, Command::Attend(present)).unwrap();
    assert_eq!(m.attendance.len(), 1);
    assert_eq!(m.attendance[0].presence, Presence::Present);
}

#[test]
fn a_decision_names_its_fields() {
    let org = org();
    let base = NewDecision {
        text: "t".into(),
        lead_unit: "ZJJ".into(),
        co_units: vec![],
        working_days: Some(5),
        acceptance: "a".into(),
        funding: String::new(),
    };
    let field = |d: NewDecision| d.validate(&org, "ZHB", 2).unwrap_err().field.unwrap();
    assert_eq!(
        field(NewDecision {
            lead_unit: "ZHB".into(),
            ..base.clone()
        }),
        "decisions[2].lead_unit"
    );
    assert_eq!(
        field(NewDecision {
            lead_unit: "NOPE".into(),
            ..base.clone()
        }),
        "decisions[2].lead_unit"
    );
    assert_eq!(
        field(NewDecision {
            co_units: vec!["ZJJ".into()],
            ..base.clone()
        }),
        "decisions[2].co_units"
    );
    assert_eq!(
        field(NewDecision {
            working_days: Some(0),
            ..base.clone()
        }),
        "decisions[2].working_days"
    );
    assert_eq!(
        field(NewDecision {
            acceptance: " ".into(),
            ..base.clone()
        }),
        "decisions[2].acceptance"
    );
    assert!(base.validate(&org, "ZHB", 0).is_ok());
}

#[test]
fn a_body_is_led_by_an_office_and_lists_each_member_once() {
    let org = org();
    let mut new = NewBody {
        name: "联席会议".into(),
        lead_unit: "ZHB".into(),
        convener: "zhb_head".into(),
        cadence: "每月".into(),
        members: body().members,
    };
    assert!(new.validate(&org).is_ok());
    new.lead_unit = "FGJ".into();
    assert_eq!(new.validate(&org).unwrap_err().field.unwrap(), "lead_unit");
    new.lead_unit = "ZHB".into();
    new.members[1].unit = "FGJ".into();
    assert_eq!(
        new.validate(&org).unwrap_err().field.unwrap(),
        "members[1].unit"
    );
    new.members[1].unit = "CZJ".into();
    new.members[1].phone = "call me".into();
    assert_eq!(
        new.validate(&org).unwrap_err().field.unwrap(),
        "members[1].phone"
    );
}

#[test]
fn deferred_cases_and_unverified_items_are_carried_with_their_age() {
    let mut first = held();
    step(&mut first, OFFICE, Command::AddItem(case(4))).unwrap_err();
    // A second case, deferred; the first decided.
    let mut m = proposed();
    step(&mut m, CONVENER, Command::Approve).unwrap();
    step(&mut m, OFFICE, Command::AddItem(case(3))).unwrap();
    step(&mut m, OFFICE, Command::AddItem(case(4))).unwrap();
    step(&mut m, OFFICE, Command::Admit { item: 1 }).unwrap();
    step(&mut m, OFFICE, Command::Admit { item: 2 }).unwrap();
    step(&mut m, OFFICE, Command::Notice).unwrap();
    step(&mut m, OFFICE, Command::Hold).unwrap();
    step(
        &mut m,
        OFFICE,
        Command::Decide {
            item: 1,
            decisions: vec![decision()],
        },
    )
    .unwrap();
    step(
        &mut m,
        OFFICE,
        Command::Defer {
            item: 2,
            reason: "待补充测绘资料".into(),
        },
    )
    .unwrap();
    step(&mut m, OFFICE, Command::IssueMinutes).unwrap();
    first = m;
    let due = now() + Duration::days(3);
    let open = vec![OpenDecision {
        action_item_id: 40,
        meeting_id: first.id,
        title: "管网改造".into(),
        owner: "ZJJ".into(),
        requests: vec![11, 12],
        due,
        first_admitted_at: first.items[0].added_at,
    }];
    let carried = carry_over(std::slice::from_ref(&first), &open);
    assert_eq!(carried.len(), 2, "{carried:?}");
    assert_eq!(carried[0].candidate_id, Some(4));
    assert_eq!(carried[0].carried_from, Some(7));
    assert_eq!(carried[1].action_item_id, Some(40));
    // On the next meeting they come in admitted, and age from their first admission.
    let mut next = proposed();
    for item in carried {
        next.apply(&MeetingEvent {
            seq: next.version + 1,
            at: now() + Duration::days(20),
            actor: "admin".into(),
            data: MeetingEventData::AddItem {
                item,
                admitted: true,
            },
        });
    }
    assert!(next.items.iter().all(|i| i.state == ItemState::Admitted));
    let cal = Calendar::default();
    let later = now() + Duration::days(14);
    let (days, overdue) = age(&next.items[1], later, &cal);
    assert_eq!(days, 14);
    assert!(overdue > 0 && overdue <= 11, "{overdue}");
    assert_eq!(age(&next.items[0], later, &cal).1, 0);
    // Once decided at a later meeting, a case is not carried again.
    let mut third = held();
    third.items[0].source.candidate_id = Some(4);
    third.id = 8;
    step(
        &mut third,
        OFFICE,
        Command::Decide {
            item: 1,
            decisions: vec![decision()],
        },
    )
    .unwrap();
    step(&mut third, OFFICE, Command::IssueMinutes).unwrap();
    assert!(carry_over(&[first, third], &[]).is_empty());
}

#[test]
fn figures_are_the_shared_counts_of_meeting_decisions() {
    use crate::action_item::figures::ItemCounts;
    let c = |owner: &str, kind: &str, issued, on_time, late, overdue_open| ItemCounts {
        owner: owner.into(),
        source_kind: kind.into(),
        issued,
        on_time,
        late,
        overdue_open,
    };
    let counts = vec![
        c("CZJ", "meeting_decision", 2, 0, 0, 1),
        c("ZJJ", "council_decision", 4, 4, 0, 0),
        c("ZJJ", "meeting_decision", 3, 1, 1, 1),
        c("YB", "grid_duty", 1, 0, 0, 1),
        c("FGJ", "meeting_decision", 0, 0, 0, 0),
    ];
    let v = unit_figures(&counts);
    let lines: Vec<(&str, u32, u32, u32)> = v
        .iter()
        .map(|l| (l.unit.as_str(), l.decided, l.on_time, l.overdue))
        .collect();
    assert_eq!(
        lines,
        [("CZJ", 2, 0, 1), ("ZJJ", 3, 1, 2)],
        "other kinds and empty lines left out"
    );
}

#[test]
fn a_month_is_written_year_dash_month() {
    assert_eq!(
        parse_month("month", "2026-02").unwrap(),
        NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()
    );
    assert_eq!(
        next_month(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
        NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
    );
    for bad in ["2026-13", "2026-2", "二月", ""] {
        assert_eq!(
            parse_month("month", bad).unwrap_err().field.as_deref(),
            Some("month"),
            "{bad}"
        );
    }
}
