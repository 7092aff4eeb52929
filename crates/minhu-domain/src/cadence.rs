//! The visit cadence (走访频次): how often each household must be visited, which households
//! are overdue, and household coverage. An ordinary household is visited twice a year
//! ([`ORDINARY_CADENCE_DAYS`]); a household with an active care tag (独居老人, 低保/特困 …) as
//! often as its most frequent tag says (`care_tags.cadence_days`). Coverage is the share of
//! occupied households visited in the last N days. Pure: the caller gives the households,
//! their tags and last visits, and `now`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Arg, DomainError};
use crate::ids::HouseholdId;

/// Twice a year, for a household without a care tag.
pub const ORDINARY_CADENCE_DAYS: u32 = 182;
/// The coverage window when none is asked for.
pub const DEFAULT_WINDOW_DAYS: u32 = 90;
/// The longest coverage window (a year and a day).
pub const MAX_WINDOW_DAYS: u32 = 366;

/// An active care tag's cadence. `kind` is sensitive (PIPL art. 28): the caller decides
/// whether it may be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareCadence {
    pub kind: String,
    pub cadence_days: u32,
}

/// A household as the cadence needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdCadence {
    pub household: HouseholdId,
    pub grid: String,
    pub last_visit_at: Option<DateTime<Utc>>,
    pub care: Vec<CareCadence>,
}

/// Why a household is due: the cadence that applies and the tag that set it, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueReason {
    pub cadence_days: u32,
    /// The care tag whose cadence applies (None: the ordinary twice a year).
    pub care_kind: Option<String>,
    pub never_visited: bool,
}

/// One line of the overdue-visit queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueVisit {
    pub household: HouseholdId,
    pub grid: String,
    pub last_visit_at: Option<DateTime<Utc>>,
    /// When the visit fell due (None when the household was never visited).
    pub due_at: Option<DateTime<Utc>>,
    /// Whole days since it fell due (None when never visited).
    pub days_overdue: Option<i64>,
    pub reason: DueReason,
}

/// The cadence that applies to a household: the shortest active care tag's, or twice a year.
pub fn cadence_of(h: &HouseholdCadence) -> DueReason {
    let tightest = h.care.iter().filter(|c| c.cadence_days > 0).min_by(|a, b| {
        a.cadence_days
            .cmp(&b.cadence_days)
            .then(a.kind.cmp(&b.kind))
    });
    match tightest {
        Some(c) if c.cadence_days < ORDINARY_CADENCE_DAYS => DueReason {
            cadence_days: c.cadence_days,
            care_kind: Some(c.kind.clone()),
            never_visited: h.last_visit_at.is_none(),
        },
        _ => DueReason {
            cadence_days: ORDINARY_CADENCE_DAYS,
            care_kind: None,
            never_visited: h.last_visit_at.is_none(),
        },
    }
}

/// The household's line in the queue, if it is due at `now`.
pub fn due(h: &HouseholdCadence, now: DateTime<Utc>) -> Option<DueVisit> {
    let reason = cadence_of(h);
    let (due_at, days_overdue) = match h.last_visit_at {
        None => (None, None),
        Some(last) => {
            let due_at = last + Duration::days(i64::from(reason.cadence_days));
            if due_at > now {
                return None;
            }
            (Some(due_at), Some((now - due_at).num_days()))
        }
    };
    Some(DueVisit {
        household: h.household,
        grid: h.grid.clone(),
        last_visit_at: h.last_visit_at,
        due_at,
        days_overdue,
        reason,
    })
}

/// The overdue-visit queue, most overdue first: never-visited households before all others
/// (tighter cadence first), then by the day they fell due; ties by household id.
pub fn queue(households: &[HouseholdCadence], now: DateTime<Utc>) -> Vec<DueVisit> {
    let mut due: Vec<DueVisit> = households.iter().filter_map(|h| due(h, now)).collect();
    due.sort_by(|a, b| {
        let key = |d: &DueVisit| (d.due_at.is_some(), d.due_at, d.reason.cadence_days);
        key(a).cmp(&key(b)).then(a.household.cmp(&b.household))
    });
    due
}

/// Households visited in the window over occupied households.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub occupied: u32,
    pub visited: u32,
    /// 0–100, one decimal; 0 when there is no occupied household.
    pub percent: f64,
}

impl Coverage {
    pub fn new(visited: u32, occupied: u32) -> Coverage {
        let visited = visited.min(occupied);
        let percent = if occupied == 0 {
            0.0
        } else {
            (f64::from(visited) * 1000.0 / f64::from(occupied)).round() / 10.0
        };
        Coverage {
            occupied,
            visited,
            percent,
        }
    }
}

/// The coverage window in days: 1 to 366, 90 when not given.
pub fn window_days(days: Option<i64>) -> Result<u32, DomainError> {
    match days {
        None => Ok(DEFAULT_WINDOW_DAYS),
        Some(d) if (1..=i64::from(MAX_WINDOW_DAYS)).contains(&d) => Ok(d as u32),
        Some(_) => Err(DomainError::invalid_keyed(
            "days",
            "invalid_parameter",
            "patrol.invalid.days",
            vec![Arg::new("max", MAX_WINDOW_DAYS)],
        )),
    }
}

/// The first instant of a window of `days` ending at `now`.
pub fn window_start(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    now - Duration::days(i64::from(days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap()
    }

    fn household(id: i64, last_days_ago: Option<i64>, care: &[(&str, u32)]) -> HouseholdCadence {
        HouseholdCadence {
            household: HouseholdId(id),
            grid: "DXY-G01".into(),
            last_visit_at: last_days_ago.map(|d| now() - Duration::days(d)),
            care: care
                .iter()
                .map(|(k, c)| CareCadence {
                    kind: (*k).into(),
                    cadence_days: *c,
                })
                .collect(),
        }
    }

    #[test]
    fn ordinary_households_twice_a_year_care_tags_their_own() {
        let ordinary = household(1, Some(100), &[]);
        assert_eq!(cadence_of(&ordinary).cadence_days, 182);
        assert!(due(&ordinary, now()).is_none(), "100 days < 182");
        let hardship = household(2, Some(40), &[("hardship", 30), ("disabled", 90)]);
        let d = due(&hardship, now()).unwrap();
        assert_eq!(d.reason.cadence_days, 30);
        assert_eq!(d.reason.care_kind.as_deref(), Some("hardship"));
        assert_eq!(d.days_overdue, Some(10));
        let slack = household(3, Some(190), &[("veteran", 365)]);
        assert_eq!(
            cadence_of(&slack).cadence_days,
            182,
            "never looser than ordinary"
        );
        assert!(due(&slack, now()).is_some());
    }

    #[test]
    fn the_queue_is_most_overdue_first_and_shrinks_with_a_visit() {
        let mut hs = vec![
            household(1, Some(200), &[]),
            household(2, Some(60), &[("alone", 30)]),
            household(3, None, &[]),
            household(4, None, &[("alone", 30)]),
            household(5, Some(10), &[("alone", 30)]),
        ];
        let q = queue(&hs, now());
        let ids: Vec<i64> = q.iter().map(|d| d.household.0).collect();
        // Never visited first (care cadence first), then 200-182=18 vs 60-30=30 days overdue.
        assert_eq!(ids, vec![4, 3, 2, 1]);
        assert!(q[0].reason.never_visited);
        hs[1].last_visit_at = Some(now());
        assert_eq!(queue(&hs, now()).len(), 3);
    }

    #[test]
    fn coverage_is_a_share_of_occupied_households() {
        assert_eq!(Coverage::new(1, 3).percent, 33.3);
        assert_eq!(Coverage::new(0, 0).percent, 0.0);
        assert_eq!(Coverage::new(300, 300).percent, 100.0);
        assert_eq!(window_days(None).unwrap(), 90);
        assert!(window_days(Some(0)).is_err());
        assert_eq!(window_days(Some(30)).unwrap(), 30);
    }
}
