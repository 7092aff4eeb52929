//! A span of local dates, the unit every ledger figure is counted over: a day, an ISO
//! week, or an assessment month (see [`super::policy::EvaluationPolicy::month_period`]).

use chrono::{Duration, NaiveDate};
use serde::Serialize;

/// A span of local dates, [start, end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub start: NaiveDate,
    /// Exclusive.
    pub end: NaiveDate,
}

impl Period {
    pub fn day(date: NaiveDate) -> Self {
        Period {
            start: date,
            end: date + Duration::days(1),
        }
    }
    /// ISO week "YYYY-Www", Monday to Sunday.
    pub fn iso_week(s: &str) -> Option<Self> {
        let (y, w) = s.trim().split_once("-W")?;
        let year: i32 = y.parse().ok()?;
        let week: u32 = w.parse().ok()?;
        let start = NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Mon)?;
        Some(Period {
            start,
            end: start + Duration::days(7),
        })
    }
    pub fn contains(&self, d: NaiveDate) -> bool {
        d >= self.start && d < self.end
    }
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }
    /// The period of the same length just before this one.
    pub fn previous(&self) -> Self {
        let len = self.end - self.start;
        Period {
            start: self.start - len,
            end: self.start,
        }
    }
    /// Last day included.
    pub fn last(&self) -> NaiveDate {
        self.end - Duration::days(1)
    }
}
