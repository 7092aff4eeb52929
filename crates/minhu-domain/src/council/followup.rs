//! After the sitting: what keeps a decision (决议) from staying on paper. Its 公示, the action
//! items and requests that carry it out, the progress figure (verified items over items),
//! the 实施结果公开 once every item is verified, and the 评议会's evaluation with the
//! participants' satisfaction. The steps are the decision's follow-up log; the rules that
//! order them are here, pure (the caller gives what it read).

use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::error::{Arg, DomainError};

/// Longest evaluation note (characters).
pub const MAX_NOTE: usize = 2000;

code_enum!(
    /// A step of a decision's follow-up log.
    StepKind {
        /// 决议公示 posted.
        Published = "published" / "决议公示",
        /// A request raised through intake for it.
        RequestRaised = "request_raised" / "转为工单",
        /// The authors told that more of its items are verified.
        ProgressTold = "progress_told" / "进展告知",
        /// 实施结果公开.
        ResultPublished = "result_published" / "实施结果公示",
        /// The 评议会's result.
        Evaluated = "evaluated" / "评议",
        /// Referred to the district's joint meeting.
        Referred = "referred" / "提请联席会议",
    }
);

/// 409 unless the decision passed: only a passed decision is published or carried out.
pub fn require_passed(passed: bool) -> Result<(), DomainError> {
    if passed {
        return Ok(());
    }
    Err(DomainError::conflict_keyed(
        "not_passed",
        "sitting.followup.not_passed",
        vec![],
    ))
}

/// 409 unless the decision's 公示 has started: the residents see a decision before it is
/// carried out (决议公开 precedes 实施, as 四议两公开 orders them).
pub fn require_published(published: bool) -> Result<(), DomainError> {
    if published {
        return Ok(());
    }
    Err(DomainError::conflict_keyed(
        "not_published",
        "sitting.followup.not_published",
        vec![],
    ))
}

/// The progress figure: verified items over items, in whole percent (0 with no items).
pub fn percent(verified: usize, items: usize) -> u32 {
    if items == 0 {
        return 0;
    }
    u32::try_from(verified * 100 / items).unwrap_or(100)
}

/// 409 unless there are items and every one is verified: the result is published once the
/// work is done, naming how many are still open.
pub fn require_all_verified(verified: usize, items: usize) -> Result<(), DomainError> {
    if items > 0 && verified == items {
        return Ok(());
    }
    Err(DomainError::conflict_keyed(
        "items_open",
        "sitting.followup.items_open",
        vec![
            Arg::new("open", items - verified.min(items)),
            Arg::new("items", items),
        ],
    ))
}

/// What the 评议会 fills in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEvaluation {
    pub sitting_id: Option<i64>,
    pub participants: Option<i64>,
    pub satisfied: Option<i64>,
    pub basically_satisfied: Option<i64>,
    pub dissatisfied: Option<i64>,
    pub note: String,
}

/// A checked evaluation: 满意 / 基本满意 / 不满意 counts among the participants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub sitting_id: Option<i64>,
    pub participants: u64,
    pub satisfied: u64,
    pub basically_satisfied: u64,
    pub dissatisfied: u64,
    pub note: String,
}

fn count(field: &str, v: Option<i64>) -> Result<u64, DomainError> {
    let v = v.ok_or_else(|| crate::council::required_field(field))?;
    u64::try_from(v).map_err(|_| {
        DomainError::invalid_keyed(
            field,
            "invalid_parameter",
            "sitting.followup.negative",
            vec![Arg::new("field", field)],
        )
    })
}

impl NewEvaluation {
    /// Every count given and not negative; the three together at most the participants
    /// (422 naming `participants`, with the numbers).
    pub fn validate(&self) -> Result<Evaluation, DomainError> {
        let e = Evaluation {
            sitting_id: self.sitting_id,
            participants: count("participants", self.participants)?,
            satisfied: count("satisfied", self.satisfied)?,
            basically_satisfied: count("basically_satisfied", self.basically_satisfied)?,
            dissatisfied: count("dissatisfied", self.dissatisfied)?,
            note: self.note.trim().chars().take(MAX_NOTE).collect(),
        };
        let given = e.satisfied + e.basically_satisfied + e.dissatisfied;
        if given > e.participants {
            return Err(DomainError::invalid_keyed(
                "participants",
                "count_exceeds",
                "sitting.followup.counts_exceed",
                vec![
                    Arg::new("given", given),
                    Arg::new("participants", e.participants),
                ],
            ));
        }
        Ok(e)
    }
}

impl Evaluation {
    /// The satisfaction rate the community's figures use: 满意 and 基本满意 over those who
    /// answered, in whole percent (`None` when nobody answered).
    pub fn satisfaction_percent(&self) -> Option<u32> {
        let answered = self.satisfied + self.basically_satisfied + self.dissatisfied;
        if answered == 0 {
            return None;
        }
        u32::try_from((self.satisfied + self.basically_satisfied) * 100 / answered).ok()
    }
}

/// What an author of an origin suggestion hears at a step: the decision published, more
/// of its items verified (with the figure), the result published.
pub fn author_notice(step: StepKind, title: &str, verified: usize, items: usize) -> Option<String> {
    let key = match step {
        StepKind::Published => "sitting.notice.published",
        StepKind::ProgressTold => "sitting.notice.progress",
        StepKind::ResultPublished => "sitting.notice.result",
        _ => return None,
    };
    Some(crate::text::fill(
        key,
        crate::text::Lang::Zh,
        &[
            ("title", title),
            ("verified", &verified.to_string()),
            ("items", &items.to_string()),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(p: i64, s: i64, b: i64, d: i64) -> NewEvaluation {
        NewEvaluation {
            participants: Some(p),
            satisfied: Some(s),
            basically_satisfied: Some(b),
            dissatisfied: Some(d),
            ..Default::default()
        }
    }

    #[test]
    fn counts_over_the_participants_are_refused_naming_participants() {
        let e = eval(10, 6, 3, 2).validate().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("participants"));
        assert!(e.zh.contains("11") && e.zh.contains("10"), "{}", e.zh);
        let ok = eval(10, 6, 3, 1).validate().unwrap();
        assert_eq!(ok.satisfaction_percent(), Some(90));
        assert_eq!(
            eval(3, -1, 0, 0).validate().unwrap_err().field.as_deref(),
            Some("satisfied")
        );
        assert_eq!(
            eval(0, 0, 0, 0).validate().unwrap().satisfaction_percent(),
            None
        );
    }

    #[test]
    fn the_result_waits_for_every_item() {
        assert_eq!(percent(1, 2), 50);
        assert_eq!(percent(0, 0), 0);
        assert!(require_all_verified(1, 2).is_err());
        assert!(require_all_verified(0, 0).is_err());
        assert!(require_all_verified(2, 2).is_ok());
        assert!(require_passed(false).is_err());
        assert!(require_published(false).is_err());
    }

    #[test]
    fn authors_hear_of_the_three_steps_only() {
        let t = author_notice(StepKind::ProgressTold, "充电桩", 1, 2).unwrap();
        assert!(
            t.contains("充电桩") && t.contains('1') && t.contains('2'),
            "{t}"
        );
        assert!(author_notice(StepKind::Evaluated, "充电桩", 0, 0).is_none());
    }
}
