//! The evaluation policy (考评策略): the weights of the three rates, the factor for
//! 基本满意, and the assessment period. Versioned: a report names the version it used.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationPolicy {
    pub version: i64,
    /// Weight of 响应率 in the composite.
    pub w_response: f64,
    /// Weight of 解决率.
    pub w_resolution: f64,
    /// Weight of 满意率.
    pub w_satisfaction: f64,
    /// How much a 基本满意 counts towards 满意率 (满意 counts 1).
    pub basic_factor: f64,
    /// First day of the assessment month: 1 is the calendar month; 19 makes "2026-05" run
    /// from 19 April to 18 May (Beijing practice). 1..=28.
    pub period_start_day: u32,
}

impl Default for EvaluationPolicy {
    fn default() -> Self {
        EvaluationPolicy::default_v1()
    }
}

impl EvaluationPolicy {
    /// DESIGN §8: 0.1 × 响应率 + 0.5 × 解决率 + 0.4 × 满意率, 基本满意 × 0.9, calendar month.
    pub fn default_v1() -> Self {
        EvaluationPolicy {
            version: 1,
            w_response: 0.1,
            w_resolution: 0.5,
            w_satisfaction: 0.4,
            basic_factor: 0.9,
            period_start_day: 1,
        }
    }

    /// Checks the numbers (a message naming the field on failure).
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        for (f, v) in [
            ("w_response", self.w_response),
            ("w_resolution", self.w_resolution),
            ("w_satisfaction", self.w_satisfaction),
            ("basic_factor", self.basic_factor),
        ] {
            if !(0.0..=1.0).contains(&v) || !v.is_finite() {
                return Err((f, format!("{f} must lie in 0..1, got {v}")));
            }
        }
        let sum = self.w_response + self.w_resolution + self.w_satisfaction;
        if (sum - 1.0).abs() > 1e-9 {
            return Err((
                "w_response",
                format!("the weights must add up to 1, got {sum}"),
            ));
        }
        if !(1..=28).contains(&self.period_start_day) {
            return Err((
                "period_start_day",
                format!(
                    "period_start_day must be 1..28, got {}",
                    self.period_start_day
                ),
            ));
        }
        Ok(())
    }

    /// The assessment period named by a month: [start, end) as local dates.
    pub fn month_period(&self, month: YearMonth) -> Period {
        let first = month.first_day();
        if self.period_start_day == 1 {
            Period {
                start: first,
                end: month.next().first_day(),
            }
        } else {
            let d = self.period_start_day;
            let prev = month.prev();
            Period {
                start: NaiveDate::from_ymd_opt(prev.year, prev.month, d).unwrap_or_default(),
                end: NaiveDate::from_ymd_opt(month.year, month.month, d).unwrap_or_default(),
            }
        }
    }

    /// The assessment month a local date belongs to.
    pub fn month_of(&self, date: NaiveDate) -> YearMonth {
        let m = YearMonth {
            year: date.year(),
            month: date.month(),
        };
        if self.period_start_day > 1 && date.day() >= self.period_start_day {
            m.next()
        } else {
            m
        }
    }
}

/// A calendar month, "YYYY-MM".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let ym = YearMonth {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
        };
        (1..=12).contains(&ym.month).then_some(ym)
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }
    pub fn next(self) -> Self {
        if self.month == 12 {
            YearMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
    pub fn prev(self) -> Self {
        if self.month == 1 {
            YearMonth {
                year: self.year - 1,
                month: 12,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month - 1,
            }
        }
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

pub use super::period::Period;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let p = EvaluationPolicy::default_v1();
        let m = YearMonth::parse("2026-05").unwrap();
        assert_eq!(p.month_period(m).start.to_string(), "2026-05-01");
        assert_eq!(p.month_period(m).end.to_string(), "2026-06-01");
        let b = EvaluationPolicy {
            period_start_day: 19,
            ..p.clone()
        };
        assert_eq!(b.month_period(m).start.to_string(), "2026-04-19");
        assert_eq!(b.month_period(m).end.to_string(), "2026-05-19");
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(b.month_of(d("2026-05-18")), m);
        assert_eq!(b.month_of(d("2026-04-19")), m);
        assert_eq!(b.month_of(d("2026-12-20")).to_string(), "2027-01");
        assert_eq!(p.month_of(d("2026-05-31")), m);
        let jan = YearMonth::parse("2027-01").unwrap();
        assert_eq!(b.month_period(jan).start.to_string(), "2026-12-19");
        let w = Period::iso_week("2026-W20").unwrap();
        assert_eq!(w.start.to_string(), "2026-05-11");
        assert_eq!(w.days(), 7);
        assert!(YearMonth::parse("2026-13").is_none());
        assert!(p.validate().is_ok());
        assert!(
            EvaluationPolicy {
                w_response: 0.5,
                ..p
            }
            .validate()
            .is_err()
        );
    }
}
