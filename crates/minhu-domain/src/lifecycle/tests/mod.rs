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
