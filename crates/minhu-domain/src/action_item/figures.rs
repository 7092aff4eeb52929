//! Per-unit figures of action items for a month (督办事项按时销号情况): what the store
//! counts for each owner unit and source kind, and the rates the monthly report and the
//! unit ranking show. Pure: the store fills [`ItemCounts`], the ledger adds them up.
//!
//! For an assessment period [start, end) judged at `as_of` (the end, or now if earlier):
//! - `issued`: items issued in the period (议定/交办);
//! - `on_time`: items verified (销号) in the period by the end of their due day;
//! - `late`: items verified in the period after their due day;
//! - `overdue_open`: items still pending at `as_of` whose due day ended before it.
//!
//! 逾期 (`overdue`) = `late` + `overdue_open`; the on-time rate is `on_time` over the items
//! that were judged (`on_time` + `overdue`), none when nothing was.

use serde::Serialize;

/// The counts of one owner unit for one source kind (or summed over several).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ItemCounts {
    pub owner: String,
    pub source_kind: String,
    pub issued: i64,
    pub on_time: i64,
    pub late: i64,
    pub overdue_open: i64,
}

impl ItemCounts {
    /// Verified late or still pending past due.
    pub fn overdue(&self) -> i64 {
        self.late + self.overdue_open
    }

    /// `on_time / (on_time + overdue)`, none when no item was judged.
    pub fn on_time_rate(&self) -> Option<f64> {
        let judged = self.on_time + self.overdue();
        (judged > 0).then(|| self.on_time as f64 / judged as f64)
    }

    /// Adds `other`'s counts (the owner and kind stay this one's).
    pub fn add(&mut self, other: &ItemCounts) {
        self.issued += other.issued;
        self.on_time += other.on_time;
        self.late += other.late;
        self.overdue_open += other.overdue_open;
    }

    pub fn is_zero(&self) -> bool {
        self.issued == 0 && self.on_time == 0 && self.overdue() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_counts_late_and_pending_overdue_against_on_time() {
        let c = ItemCounts {
            owner: "FGW".into(),
            source_kind: "meeting_decision".into(),
            issued: 5,
            on_time: 3,
            late: 1,
            overdue_open: 2,
        };
        assert_eq!(c.overdue(), 3);
        assert_eq!(c.on_time_rate(), Some(0.5));
        let none = ItemCounts {
            issued: 2,
            ..Default::default()
        };
        assert_eq!(none.on_time_rate(), None, "nothing judged yet");
        let mut sum = none.clone();
        sum.add(&c);
        assert_eq!((sum.issued, sum.on_time, sum.overdue()), (7, 3, 3));
        assert!(!sum.is_zero() && ItemCounts::default().is_zero());
    }
}
