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
