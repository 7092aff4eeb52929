//! Votes (表决): by show of hands, paper ballots or online, counted per option with invalid
//! ballots. [`check_count`] refuses a count larger than those present (in the vote's weight
//! unit: persons or households); [`outcome`] computes the pass from the stage's rule —
//! never typed in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::procedure::{PassBase, PassRule};
use crate::codes::code_enum;
use crate::error::{Arg, DomainError};

code_enum!(
    /// How a vote is taken.
    Method {
        Hands = "hands" / "举手表决",
        Paper = "paper" / "书面票决",
        Online = "online" / "线上表决",
    }
);

code_enum!(
    /// A vote is open, then closed (counted), then published.
    VoteState {
        Open = "open" / "表决中",
        Closed = "closed" / "已计票",
        Published = "published" / "已公布",
    }
);

code_enum!(
    /// Whose voice a ballot is.
    Weight {
        PerPerson = "per_person" / "一人一票",
        PerHousehold = "per_household" / "一户一票",
    }
);

/// The options of a yes/no motion.
pub const YES: &str = "赞成";
pub const NO: &str = "反对";
pub const ABSTAIN: &str = "弃权";
/// Most options a vote has, and the longest name.
pub const MAX_OPTIONS: usize = 20;
pub const MAX_OPTION: usize = 100;

/// The default options: 赞成 / 反对 / 弃权.
pub fn yes_no_abstain() -> Vec<String> {
    vec![YES.into(), NO.into(), ABSTAIN.into()]
}

/// Is this a motion of 赞成/反对/弃权 (the pass counts 赞成), or a choice among named options
/// (the pass counts the leading option)?
pub fn is_motion(options: &[String]) -> bool {
    options.iter().any(|o| o == YES)
}

/// Checks a vote's options: empty gives 赞成/反对/弃权; else 2 to [`MAX_OPTIONS`] distinct names.
pub fn options(given: &[String]) -> Result<Vec<String>, DomainError> {
    let mut out: Vec<String> = Vec::new();
    for o in given.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
        if o.chars().count() > MAX_OPTION {
            return Err(super::too_long("options", MAX_OPTION));
        }
        if !out.iter().any(|x| x == o) {
            out.push(o.to_string());
        }
    }
    if out.is_empty() {
        return Ok(yes_no_abstain());
    }
    if out.len() < 2 || out.len() > MAX_OPTIONS {
        return Err(DomainError::invalid_keyed(
            "options",
            "invalid_parameter",
            "sitting.options_count",
            vec![Arg::new("max", MAX_OPTIONS)],
        ));
    }
    Ok(out)
}

/// A count as given: per option, and the invalid ballots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub counts: BTreeMap<String, u64>,
    pub invalid: u64,
}

impl Count {
    pub fn valid(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// Checks a count against the vote's options and those present: every option known
/// (`counts.<name>`), no invalid ballots at a show of hands, and valid + invalid not above
/// those present (`counts`, with the numbers).
pub fn check_count(
    method: Method,
    options: &[String],
    count: &Count,
    present: u64,
) -> Result<(), DomainError> {
    if let Some(name) = count.counts.keys().find(|k| !options.contains(k)) {
        return Err(DomainError::invalid_keyed(
            &format!("counts.{name}"),
            "invalid_parameter",
            "sitting.unknown_option",
            vec![
                Arg::new("option", name),
                Arg::new("options", options.join("、")),
            ],
        ));
    }
    if method == Method::Hands && count.invalid > 0 {
        return Err(DomainError::invalid_keyed(
            "invalid",
            "invalid_parameter",
            "sitting.hands_no_invalid",
            vec![],
        ));
    }
    let total = count.valid() + count.invalid;
    if total > present {
        return Err(DomainError::invalid_keyed(
            "counts",
            "count_exceeds_attendance",
            "sitting.count_exceeds_attendance",
            vec![
                Arg::new("valid", count.valid()),
                Arg::new("invalid", count.invalid),
                Arg::new("total", total),
                Arg::new("present", present),
            ],
        ));
    }
    Ok(())
}

/// What a counted vote came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub passed: bool,
    /// The option carried (赞成 for a motion that passed; the leading named option).
    pub carried: Option<String>,
    /// The agreeing count and the base it was judged against.
    pub agreeing: u64,
    pub base: u64,
    /// The least agreeing count that would have passed.
    pub needed: u64,
}

/// The pass, computed from the stage's rule: the agreeing count (赞成, or the leading named
/// option — a tie carries nothing) against those present, entitled or valid ballots.
pub fn outcome(
    rule: PassRule,
    options: &[String],
    count: &Count,
    present: u64,
    entitled: u64,
) -> Outcome {
    let (leader, agreeing) = if is_motion(options) {
        (
            Some(YES.to_string()),
            count.counts.get(YES).copied().unwrap_or(0),
        )
    } else {
        leading(options, count)
    };
    let base = match rule.base {
        PassBase::Present => present,
        PassBase::Entitled => entitled,
        PassBase::Valid => count.valid(),
    };
    let passed = leader.is_some() && rule.threshold.met(agreeing, base);
    Outcome {
        passed,
        carried: leader.filter(|_| passed),
        agreeing,
        base,
        needed: rule.threshold.needed(base),
    }
}

/// The option with the most votes, and its count; `None` on a tie for the lead.
fn leading(options: &[String], count: &Count) -> (Option<String>, u64) {
    let mut ranked: Vec<(u64, &String)> = options
        .iter()
        .map(|o| (count.counts.get(o).copied().unwrap_or(0), o))
        .collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
    match ranked.as_slice() {
        [(top, name), rest @ ..] if rest.first().is_none_or(|(n, _)| n < top) => {
            (Some((*name).clone()), *top)
        }
        [(top, _), ..] => (None, *top),
        [] => (None, 0),
    }
}

/// A vote as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    pub id: i64,
    pub sitting_id: i64,
    pub agenda_seq: i64,
    pub method: Method,
    pub weight: Weight,
    pub options: Vec<String>,
    /// The count, once closed.
    pub count: Option<Count>,
    pub state: VoteState,
    /// Those present and entitled when the vote was closed.
    pub present: Option<u64>,
    pub entitled: Option<u64>,
    pub passed: Option<bool>,
    pub carried: Option<String>,
    pub opened_by: String,
    pub opened_at: chrono::DateTime<chrono::Utc>,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The 409 unless the vote is in `state`.
pub fn check_state(v: &Vote, state: VoteState) -> Result<(), DomainError> {
    if v.state == state {
        return Ok(());
    }
    Err(DomainError::conflict_keyed(
        "invalid_transition",
        "sitting.vote_state",
        vec![Arg::new("state", v.state.zh())],
    ))
}
