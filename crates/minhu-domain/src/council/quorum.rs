//! Quorum (法定人数) from the people register: who is entitled to sit ([`is_adult`] on the
//! sitting's day, households, council members), and [`quorum`], the pure check of a present
//! count against a stage's rule, with the numbers a refusal prints.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::procedure::Threshold;
use crate::error::{Arg, DomainError};

/// The age from which a resident sits in the 居民会议.
pub const ADULT_AGE: i32 = 18;

/// A resident's birth date from an 18-digit ID number (digits 7–14, YYYYMMDD), if it reads.
pub fn birth_date_of_id(id_number: &str) -> Option<NaiveDate> {
    let id = id_number.trim();
    if id.len() != 18 || !id.is_ascii() {
        return None;
    }
    NaiveDate::parse_from_str(&id[6..14], "%Y%m%d").ok()
}

/// Is a resident at least 18 on `day`? The ID number's birth date decides when it reads;
/// else the birth year (counted adult in the year they turn 18); with neither, `None`.
pub fn is_adult(id_number: &str, birth_year: Option<i32>, day: NaiveDate) -> Option<bool> {
    if let Some(born) = birth_date_of_id(id_number) {
        let mut age = day.year() - born.year();
        if (day.month(), day.day()) < (born.month(), born.day()) {
            age -= 1;
        }
        return Some(age >= ADULT_AGE);
    }
    birth_year.map(|y| day.year() - y >= ADULT_AGE)
}

/// The counts a quorum is judged on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendance {
    /// 应到: entitled by the register.
    pub entitled: u64,
    /// Signed in present in person.
    pub present: u64,
    /// Represented by a proxy (委托).
    pub proxies: u64,
}

impl Attendance {
    /// Those counted present under the rule: proxies only when the stage counts them.
    pub fn counted(&self, proxies_count: bool) -> u64 {
        self.present + if proxies_count { self.proxies } else { 0 }
    }
}

/// The verdict on a quorum, with the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quorum {
    pub met: bool,
    pub entitled: u64,
    /// Counted present (proxies included when the rule says so).
    pub present: u64,
    /// The least count present that meets the rule.
    pub needed: u64,
    pub rule: Option<Threshold>,
}

/// Is the quorum met? Without a rule any sitting with someone present is.
pub fn quorum(a: Attendance, rule: Option<Threshold>, proxies_count: bool) -> Quorum {
    let present = a.counted(proxies_count);
    let (met, needed) = match rule {
        Some(t) => (t.met(present, a.entitled), t.needed(a.entitled)),
        None => (present > 0, 1),
    };
    Quorum {
        met,
        entitled: a.entitled,
        present,
        needed,
        rule,
    }
}

impl Quorum {
    /// The 409 for a step that needs the quorum (a vote, a decision), with the numbers.
    pub fn require(&self) -> Result<(), DomainError> {
        if self.met {
            return Ok(());
        }
        Err(DomainError::conflict_keyed(
            "quorum_not_met",
            "sitting.quorum_not_met",
            vec![
                Arg::new("entitled", self.entitled),
                Arg::new("present", self.present),
                Arg::new("needed", self.needed),
                Arg::new(
                    "rule",
                    self.rule.map(|r| r.text()).unwrap_or_else(|| "-".into()),
                ),
            ],
        ))
    }
}
