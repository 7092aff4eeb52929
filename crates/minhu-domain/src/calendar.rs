//! The working-day calendar. Monday to Friday are working days unless the calendar says
//! otherwise: statutory holidays are days off, and the weekend make-up days (调休上班) are
//! working days. The calendar is data: the built-in years are only the default that a new
//! database is seeded with, and administrators edit it when the State Council publishes
//! the next year's arrangement.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::time::{end_of_local_day, local_date};

code_enum!(
    /// What the calendar says of a date that differs from the Monday-to-Friday rule.
    DayKind {
        /// A statutory holiday or a day off moved by 调休.
        Holiday = "holiday" / "节假日",
        /// A weekend day on which people work (调休上班).
        Workday = "workday" / "调休上班",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// What the day is, e.g. 国庆节 or 国庆节调休上班.
    pub note: String,
}

/// How far the loaded official schedule reaches, and whether that is soon too short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    /// The last year with holidays loaded; `None` when none are.
    pub last_year: Option<i32>,
    /// Days from today to the end of that year (negative once past it).
    pub days_left: Option<i64>,
}

impl Coverage {
    /// Warn this many days before the schedule ends: the longest deadline (疑难件, 15 working
    /// days) plus an extension must still count right, and the next year's schedule is
    /// published by the State Council in November or December.
    pub const WARN_DAYS: i64 = 60;

    /// True when deadlines will soon (or already) run past the loaded schedule.
    pub fn needs_next_year(&self) -> bool {
        self.days_left.is_none_or(|d| d < Self::WARN_DAYS)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    overrides: BTreeMap<NaiveDate, DayKind>,
}

impl Calendar {
    pub fn new(days: impl IntoIterator<Item = CalendarDay>) -> Self {
        Calendar {
            overrides: days.into_iter().map(|d| (d.date, d.kind)).collect(),
        }
    }

    /// The last year whose official holidays are loaded (the year of the latest holiday).
    /// Past its end every day counts by the weekend rule alone, which is wrong around 元旦,
    /// 春节 and every 调休 make-up day.
    pub fn last_loaded_year(&self) -> Option<i32> {
        self.overrides
            .iter()
            .rev()
            .find(|(_, kind)| **kind == DayKind::Holiday)
            .map(|(date, _)| date.year())
    }

    /// How long the loaded schedule still covers, seen from `today`.
    pub fn coverage(&self, today: NaiveDate) -> Coverage {
        let last_year = self.last_loaded_year();
        let days_left = last_year
            .and_then(|y| NaiveDate::from_ymd_opt(y, 12, 31))
            .map(|end| (end - today).num_days());
        Coverage {
            last_year,
            days_left,
        }
    }

    pub fn set(&mut self, date: NaiveDate, kind: DayKind) {
        self.overrides.insert(date, kind);
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.overrides.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The first working day on or after `date`.
    pub fn next_working_day_from(&self, mut date: NaiveDate) -> NaiveDate {
        while !self.is_working_day(date) {
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        date
    }

    /// The date that is `n` working days after `date`, counting from the next day
    /// (n = 0: `date` itself if it is a working day, else the next working day).
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            return self.next_working_day_from(date);
        }
        let mut d = date;
        let mut left = n;
        while left > 0 {
            let Some(next) = d.succ_opt() else { break };
            d = next;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Deadline `n` working days after the instant `from`: the end of that local day.
    pub fn working_days_deadline(&self, from: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        end_of_local_day(self.add_working_days(local_date(from), n))
    }

    /// Working days strictly after `from`'s date up to and including `to`'s date.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut count = 0;
        let mut d = from;
        while d < to {
            let Some(next) = d.succ_opt() else { break };
            d = next;
            if self.is_working_day(d) {
                count += 1;
            }
        }
        count
    }

    /// Natural-day deadline: the end of the local day `n` days later.
    pub fn natural_days_deadline(from: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        end_of_local_day(local_date(from) + Duration::days(n as i64))
    }
}

/// The official arrangements for 2025 (国办发明电〔2024〕12号) and 2026 (国办发明电〔2025〕7号),
/// the default content of a new database's calendar.
pub fn builtin_days() -> Vec<CalendarDay> {
    let mut days = Vec::new();
    let mut off = |y: i32, m: u32, d1: u32, d2: u32, note: &str| {
        // The dates below are written by hand; a test checks that every one exists.
        for date in (d1..=d2).filter_map(|d| NaiveDate::from_ymd_opt(y, m, d)) {
            days.push(CalendarDay {
                date,
                kind: DayKind::Holiday,
                note: note.to_string(),
            });
        }
    };
    // 2025
    off(2025, 1, 1, 1, "元旦");
    off(2025, 1, 28, 31, "春节");
    off(2025, 2, 1, 4, "春节");
    off(2025, 4, 4, 6, "清明节");
    off(2025, 5, 1, 5, "劳动节");
    off(2025, 5, 31, 31, "端午节");
    off(2025, 6, 1, 2, "端午节");
    off(2025, 10, 1, 8, "国庆节、中秋节");
    // 2026
    off(2026, 1, 1, 3, "元旦");
    off(2026, 2, 15, 23, "春节");
    off(2026, 4, 4, 6, "清明节");
    off(2026, 5, 1, 5, "劳动节");
    off(2026, 6, 19, 21, "端午节");
    off(2026, 9, 25, 27, "中秋节");
    off(2026, 10, 1, 7, "国庆节");
    let mut work = |y: i32, m: u32, d: u32, note: &str| {
        if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
            days.push(CalendarDay {
                date,
                kind: DayKind::Workday,
                note: note.to_string(),
            });
        }
    };
    work(2025, 1, 26, "春节调休上班");
    work(2025, 2, 8, "春节调休上班");
    work(2025, 4, 27, "劳动节调休上班");
    work(2025, 9, 28, "国庆节调休上班");
    work(2025, 10, 11, "国庆节调休上班");
    work(2026, 1, 4, "元旦调休上班");
    work(2026, 2, 14, "春节调休上班");
    work(2026, 2, 28, "春节调休上班");
    work(2026, 5, 9, "劳动节调休上班");
    work(2026, 9, 20, "国庆节调休上班");
    work(2026, 10, 10, "国庆节调休上班");
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> Calendar {
        Calendar::new(builtin_days())
    }

    #[test]
    fn the_schedule_warns_before_it_runs_out() {
        let c = cal();
        assert_eq!(c.last_loaded_year(), Some(2026));
        let autumn = c.coverage(d(2026, 9, 1));
        assert_eq!(autumn.days_left, Some(121));
        assert!(!autumn.needs_next_year());
        let december = c.coverage(d(2026, 12, 1));
        assert_eq!(december.days_left, Some(30));
        assert!(december.needs_next_year());
        assert!(c.coverage(d(2027, 1, 5)).needs_next_year());
        assert!(
            Calendar::default()
                .coverage(d(2026, 1, 1))
                .needs_next_year()
        );
        let mut next = c.clone();
        next.set(d(2027, 10, 1), DayKind::Holiday);
        assert!(!next.coverage(d(2026, 12, 1)).needs_next_year());
    }

    #[test]
    fn every_built_in_date_exists() {
        // 2025: 1 + 4 + 4 + 3 + 5 + 1 + 2 + 8 days off; 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7.
        let days = builtin_days();
        let off = days.iter().filter(|d| d.kind == DayKind::Holiday).count();
        let on = days.iter().filter(|d| d.kind == DayKind::Workday).count();
        assert_eq!((off, on), (28 + 33, 11));
    }

    #[test]
    fn weekends_holidays_and_makeup_days() {
        let c = cal();
        assert!(
            c.is_working_day(d(2026, 9, 30)),
            "Wednesday before National Day"
        );
        assert!(!c.is_working_day(d(2026, 10, 1)));
        assert!(!c.is_working_day(d(2026, 10, 7)));
        assert!(c.is_working_day(d(2026, 10, 10)), "make-up Saturday");
        assert!(c.is_working_day(d(2026, 9, 20)), "make-up Sunday");
        assert!(!c.is_working_day(d(2026, 10, 11)), "ordinary Sunday");
        assert!(
            !c.is_working_day(d(2025, 1, 28)),
            "Spring Festival eve 2025"
        );
        assert!(c.is_working_day(d(2025, 2, 8)));
    }

    #[test]
    fn two_working_days_across_national_day() {
        let c = cal();
        // Received on Wednesday 30 September: 1–7 October are off, 8 and 9 October count.
        assert_eq!(c.add_working_days(d(2026, 9, 30), 2), d(2026, 10, 9));
        // Received on Thursday 8 October: Friday 9 and the make-up Saturday 10 October.
        assert_eq!(c.add_working_days(d(2026, 10, 8), 2), d(2026, 10, 10));
        // Received during the holiday: counting starts after it.
        assert_eq!(c.add_working_days(d(2026, 10, 3), 2), d(2026, 10, 9));
    }

    #[test]
    fn same_day_rolls_to_next_working_day() {
        let c = cal();
        assert_eq!(c.add_working_days(d(2026, 10, 2), 0), d(2026, 10, 8));
        assert_eq!(c.add_working_days(d(2026, 10, 10), 0), d(2026, 10, 10));
    }

    #[test]
    fn spring_festival_2026_with_two_makeup_saturdays() {
        let c = cal();
        // Friday 13 February + 2 working days: Sat 14 (make-up), then 15–23 off, Tue 24.
        assert_eq!(c.add_working_days(d(2026, 2, 13), 2), d(2026, 2, 24));
        // 14 (make-up), 24, 25, 26, 27 and the make-up Saturday 28.
        assert_eq!(c.working_days_between(d(2026, 2, 13), d(2026, 2, 28)), 6);
    }

    #[test]
    fn deadline_is_end_of_local_day() {
        let c = cal();
        let received = chrono::DateTime::parse_from_rfc3339("2026-09-30T10:15:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        let due = c.working_days_deadline(received, 2);
        assert_eq!(crate::time::rfc3339(due), "2026-10-09T23:59:59+08:00");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use std::collections::BTreeMap;

        fn day(offset: i64) -> NaiveDate {
            d(2024, 1, 1) + Duration::days(offset)
        }

        /// A calendar of random holidays and make-up days over 2024–2028, with the same
        /// rule written out plainly to check against.
        fn calendars() -> impl Strategy<Value = (Calendar, BTreeMap<NaiveDate, DayKind>)> {
            proptest::collection::vec((0i64..1800, any::<bool>()), 0..80).prop_map(|days| {
                let overrides: BTreeMap<NaiveDate, DayKind> = days
                    .into_iter()
                    .map(|(o, off)| {
                        let kind = if off {
                            DayKind::Holiday
                        } else {
                            DayKind::Workday
                        };
                        (day(o), kind)
                    })
                    .collect();
                let cal = Calendar::new(overrides.iter().map(|(date, kind)| CalendarDay {
                    date: *date,
                    kind: *kind,
                    note: String::new(),
                }));
                (cal, overrides)
            })
        }

        fn works(overrides: &BTreeMap<NaiveDate, DayKind>, date: NaiveDate) -> bool {
            match overrides.get(&date) {
                Some(k) => *k == DayKind::Workday,
                None => date.weekday().num_days_from_monday() < 5,
            }
        }

        proptest! {
            #[test]
            fn n_working_days_later_is_the_nth_working_day_after(
                (cal, overrides) in calendars(), start in 0i64..1700, n in 1u32..40,
            ) {
                let from = day(start);
                let got = cal.add_working_days(from, n);
                prop_assert!(cal.is_working_day(got));
                prop_assert!(works(&overrides, got), "lands on a day off: {got}");
                // The plain count: the n-th day after `from` that the rule says is worked.
                let mut left = n;
                let mut want = from;
                while left > 0 {
                    want = want.succ_opt().unwrap();
                    if works(&overrides, want) {
                        left -= 1;
                    }
                }
                prop_assert_eq!(got, want);
                prop_assert_eq!(cal.working_days_between(from, got), n as i64);
            }

            #[test]
            fn adding_working_days_is_monotone(
                (cal, _) in calendars(), start in 0i64..1700, n in 0u32..30, more in 1u32..10,
            ) {
                let from = day(start);
                let a = cal.add_working_days(from, n);
                let b = cal.add_working_days(from, n + more);
                prop_assert!(a >= from);
                if n == 0 {
                    prop_assert_eq!(a, cal.next_working_day_from(from));
                    prop_assert!(cal.is_working_day(a));
                    // From a day off, n = 0 and n = 1 both land on the next working day.
                    let counted = if cal.is_working_day(from) { more } else { more - 1 };
                    prop_assert_eq!(cal.working_days_between(a, b), counted as i64);
                } else {
                    prop_assert!(a < b);
                    prop_assert_eq!(cal.working_days_between(a, b), more as i64);
                }
            }

            #[test]
            fn a_deadline_is_never_before_its_start(
                (cal, _) in calendars(), start in 0i64..1700, secs in 0i64..86_400, n in 0u32..30,
            ) {
                let from = crate::time::start_of_local_day(day(start)) + Duration::seconds(secs);
                let due = cal.working_days_deadline(from, n);
                prop_assert!(due >= from);
                prop_assert_eq!(due, end_of_local_day(local_date(due)));
                prop_assert!(cal.is_working_day(local_date(due)));
                let natural = Calendar::natural_days_deadline(from, n);
                prop_assert!(natural >= from);
                prop_assert_eq!((local_date(natural) - local_date(from)).num_days(), n as i64);
            }

            #[test]
            fn the_builtin_holidays_are_never_a_deadline(start in 0i64..1000, n in 0u32..20) {
                let cal = cal();
                let got = cal.add_working_days(day(start), n);
                for off in builtin_days().iter().filter(|x| x.kind == DayKind::Holiday) {
                    prop_assert_ne!(got, off.date);
                }
            }
        }
    }
}
