//! The deadline policy: a versioned table keyed by tier × request type × urgency ×
//! difficulty. The first row that matches wins; `None` in a key matches anything.
//! Every computed deadline records the version of the policy that produced it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::codes::code_enum;
use crate::org::Tier;
use crate::request::{Difficulty, RequestType, Urgency};

code_enum!(
    /// What a limit's amount counts.
    LimitUnit {
        Hours = "hours" / "小时",
        Days = "days" / "自然日",
        WorkingDays = "working_days" / "工作日",
    }
);

/// The event from which a limit runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartEvent {
    /// From dispatch to the unit (or from reopening).
    #[default]
    Dispatch,
    /// From registration of the request.
    Register,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaRule {
    pub tier: Option<Tier>,
    #[serde(rename = "type")]
    pub kind: Option<RequestType>,
    pub urgency: Option<Urgency>,
    pub difficulty: Option<Difficulty>,
    pub amount: u32,
    pub unit: LimitUnit,
    #[serde(default)]
    pub from: StartEvent,
    /// Why this row exists, shown to administrators.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub version: i64,
    pub rules: Vec<SlaRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub due: DateTime<Utc>,
    /// When the yellow warning starts: the last quarter of the allowed time.
    pub yellow_at: DateTime<Utc>,
    pub sla_version: i64,
}

impl SlaPolicy {
    /// The default policy (version 1), from the seed and common 12345 practice.
    pub fn default_v1() -> Self {
        use Difficulty::*;
        use LimitUnit::*;
        let r = |tier, urgency, difficulty, amount, unit, note: &str| SlaRule {
            tier,
            kind: None,
            urgency,
            difficulty,
            amount,
            unit,
            from: StartEvent::Dispatch,
            note: note.to_string(),
        };
        SlaPolicy {
            version: 1,
            rules: vec![
                r(
                    None,
                    Some(Urgency::Critical),
                    None,
                    2,
                    Hours,
                    "特急件：2小时内答复",
                ),
                r(
                    None,
                    Some(Urgency::Urgent),
                    None,
                    24,
                    Hours,
                    "紧急件（含水电气热）：24小时内答复",
                ),
                r(
                    None,
                    None,
                    Some(Hard),
                    15,
                    WorkingDays,
                    "疑难件：15个工作日内限时办结",
                ),
                r(
                    None,
                    None,
                    Some(Easy),
                    0,
                    WorkingDays,
                    "易办件：接诉即办，当日答复",
                ),
                r(
                    Some(Tier::Community),
                    None,
                    None,
                    2,
                    WorkingDays,
                    "社区能解决的2个工作日内解决",
                ),
                r(
                    Some(Tier::Street),
                    None,
                    None,
                    5,
                    WorkingDays,
                    "街道：5个工作日",
                ),
                r(
                    Some(Tier::District),
                    None,
                    None,
                    7,
                    Days,
                    "区有关部门：7日内答复",
                ),
            ],
        }
    }

    pub fn rule_for(
        &self,
        tier: Tier,
        kind: RequestType,
        urgency: Urgency,
        difficulty: Option<Difficulty>,
    ) -> Option<&SlaRule> {
        self.rules.iter().find(|r| {
            r.tier.is_none_or(|t| t == tier)
                && r.kind.is_none_or(|k| k == kind)
                && r.urgency.is_none_or(|u| u == urgency)
                && r.difficulty.is_none_or(|d| Some(d) == difficulty)
        })
    }

    /// The deadline for a request dispatched (or reopened) at `from` and registered at
    /// `registered`; the matching rule says which of the two its limit runs from.
    #[allow(clippy::too_many_arguments)]
    pub fn deadline(
        &self,
        calendar: &Calendar,
        from: DateTime<Utc>,
        registered: DateTime<Utc>,
        tier: Tier,
        kind: RequestType,
        urgency: Urgency,
        difficulty: Option<Difficulty>,
    ) -> Deadline {
        // A policy without a fallback row still gives a deadline: 2 working days.
        let (amount, unit, start) = self
            .rule_for(tier, kind, urgency, difficulty)
            .map(|r| (r.amount, r.unit, r.from))
            .unwrap_or((2, LimitUnit::WorkingDays, StartEvent::Dispatch));
        let from = match start {
            StartEvent::Dispatch => from,
            StartEvent::Register => registered,
        };
        let due = match unit {
            LimitUnit::Hours => from + Duration::hours(amount as i64),
            LimitUnit::Days => Calendar::natural_days_deadline(from, amount),
            LimitUnit::WorkingDays => calendar.working_days_deadline(from, amount),
        };
        Deadline {
            due,
            yellow_at: yellow_at(from, due),
            sla_version: self.version,
        }
    }
}

/// The moment the last quarter of the time between `from` and `due` begins.
pub fn yellow_at(from: DateTime<Utc>, due: DateTime<Utc>) -> DateTime<Utc> {
    let span = (due - from).num_seconds().max(0);
    due - Duration::seconds(span / 4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::builtin_days;
    use crate::time::rfc3339;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn community_two_working_days_across_national_day() {
        let cal = Calendar::new(builtin_days());
        let p = SlaPolicy::default_v1();
        let d = p.deadline(
            &cal,
            at("2026-09-30T09:00:00+08:00"),
            at("2026-09-30T08:00:00+08:00"),
            Tier::Community,
            RequestType::Complaint,
            Urgency::Normal,
            None,
        );
        assert_eq!(rfc3339(d.due), "2026-10-09T23:59:59+08:00");
        assert_eq!(d.sla_version, 1);
        let d = p.deadline(
            &cal,
            at("2026-10-08T09:00:00+08:00"),
            at("2026-10-08T08:00:00+08:00"),
            Tier::Community,
            RequestType::Help,
            Urgency::Normal,
            None,
        );
        assert_eq!(
            rfc3339(d.due),
            "2026-10-10T23:59:59+08:00",
            "the make-up Saturday counts"
        );
    }

    #[test]
    fn urgency_and_difficulty_rows() {
        let cal = Calendar::new(builtin_days());
        let p = SlaPolicy::default_v1();
        let from = at("2026-09-30T09:00:00+08:00");
        let critical = p.deadline(
            &cal,
            from,
            from,
            Tier::District,
            RequestType::Help,
            Urgency::Critical,
            Some(Difficulty::Hard),
        );
        assert_eq!(rfc3339(critical.due), "2026-09-30T11:00:00+08:00");
        let easy = p.deadline(
            &cal,
            from,
            from,
            Tier::Community,
            RequestType::Consult,
            Urgency::Normal,
            Some(Difficulty::Easy),
        );
        assert_eq!(
            rfc3339(easy.due),
            "2026-09-30T23:59:59+08:00",
            "易办件: the same day"
        );
        let hard = p.deadline(
            &cal,
            from,
            from,
            Tier::Street,
            RequestType::Complaint,
            Urgency::Normal,
            Some(Difficulty::Hard),
        );
        // 15 working days from 30 Sep: Oct 8, 9, 10 (make-up), 12–16, 19–23, 26, 27 → the 15th is 27 Oct.
        assert_eq!(rfc3339(hard.due), "2026-10-27T23:59:59+08:00");
        let district = p.deadline(
            &cal,
            from,
            from,
            Tier::District,
            RequestType::Complaint,
            Urgency::Normal,
            None,
        );
        assert_eq!(
            rfc3339(district.due),
            "2026-10-07T23:59:59+08:00",
            "natural days ignore holidays"
        );
        assert!(district.yellow_at > from && district.yellow_at < district.due);
    }

    #[test]
    fn a_rule_may_run_from_registration() {
        let cal = Calendar::new(builtin_days());
        let mut p = SlaPolicy::default_v1();
        p.version = 2;
        p.rules.insert(
            0,
            SlaRule {
                tier: None,
                kind: Some(RequestType::Consult),
                urgency: None,
                difficulty: None,
                amount: 1,
                unit: LimitUnit::WorkingDays,
                from: StartEvent::Register,
                note: "咨询：登记后1个工作日".into(),
            },
        );
        let d = p.deadline(
            &cal,
            at("2026-10-09T09:00:00+08:00"),
            at("2026-09-30T16:00:00+08:00"),
            Tier::Community,
            RequestType::Consult,
            Urgency::Normal,
            None,
        );
        assert_eq!(rfc3339(d.due), "2026-10-08T23:59:59+08:00");
        assert_eq!(d.sla_version, 2);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn pick<T: Copy + std::fmt::Debug>(all: &'static [T]) -> impl Strategy<Value = T> {
            (0..all.len()).prop_map(move |i| all[i])
        }

        proptest! {
            #[test]
            fn every_deadline_lies_after_its_start_with_the_yellow_light_between(
                start in 0i64..700 * 86_400,
                tier in pick(Tier::ALL),
                kind in pick(RequestType::ALL),
                urgency in pick(Urgency::ALL),
                difficulty in proptest::option::of(pick(Difficulty::ALL)),
            ) {
                let cal = Calendar::new(builtin_days());
                let from = at("2025-01-01T00:00:00+08:00") + Duration::seconds(start);
                let d = SlaPolicy::default_v1()
                    .deadline(&cal, from, from, tier, kind, urgency, difficulty);
                prop_assert!(d.due >= from);
                prop_assert!(d.yellow_at >= from && d.yellow_at <= d.due);
                prop_assert_eq!(d.sla_version, 1);
                // The more urgent, the sooner (critical 2 h, urgent 24 h).
                if urgency == Urgency::Critical {
                    prop_assert_eq!(d.due - from, Duration::hours(2));
                }
            }
        }
    }
}
