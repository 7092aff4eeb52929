//! The 社情日记 (diary of social conditions) of one grid worker for one Asia/Shanghai day.
//! Its counts are COMPUTED from that day's visits and findings, never typed: households
//! visited (distinct), visits by kind, findings by class, solved on the spot (自办自结,
//! still counted) and reported. The worker adds a narrative and submits; the community
//! comments (点评). States: open → submitted → commented.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::error::DomainError;
use crate::ids::HouseholdId;
use crate::patrol::{FindingClass, FindingOutcome, VisitKind};

code_enum!(
    /// Where a diary day stands.
    DiaryState {
        Open = "open" / "未提交",
        Submitted = "submitted" / "已提交",
        Commented = "commented" / "已点评",
    }
);

/// What the diary needs of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitFact {
    pub household: Option<HouseholdId>,
    pub kind: VisitKind,
}

/// What the diary needs of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingFact {
    pub class: FindingClass,
    pub outcome: FindingOutcome,
}

/// The day's counts, in the catalogue's order of kinds and classes (zeros included, so a
/// printed page always has every box).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiaryCounts {
    pub households_visited: u32,
    pub visits: u32,
    pub visits_by_kind: Vec<(VisitKind, u32)>,
    pub findings: u32,
    pub findings_by_class: Vec<(FindingClass, u32)>,
    pub solved_on_spot: u32,
    pub reported: u32,
}

/// Counts one day's visits and findings (the caller picks the worker's items of that day).
pub fn count(visits: &[VisitFact], findings: &[FindingFact]) -> DiaryCounts {
    let households: BTreeSet<HouseholdId> = visits.iter().filter_map(|v| v.household).collect();
    let by_kind = VisitKind::ALL
        .iter()
        .map(|&k| (k, visits.iter().filter(|v| v.kind == k).count() as u32))
        .collect();
    let by_class = FindingClass::ALL
        .iter()
        .map(|&c| (c, findings.iter().filter(|f| f.class == c).count() as u32))
        .collect();
    let with = |o: FindingOutcome| findings.iter().filter(|f| f.outcome == o).count() as u32;
    DiaryCounts {
        households_visited: households.len() as u32,
        visits: visits.len() as u32,
        visits_by_kind: by_kind,
        findings: findings.len() as u32,
        findings_by_class: by_class,
        solved_on_spot: with(FindingOutcome::SolvedOnSpot),
        reported: with(FindingOutcome::Reported),
    }
}

/// The worker writes the narrative (and may submit) while the day is open.
pub fn write(state: DiaryState, submit: bool) -> Result<DiaryState, DomainError> {
    if state != DiaryState::Open {
        return Err(DomainError::conflict_keyed(
            "diary_submitted",
            "patrol.conflict.diary_submitted",
            vec![],
        ));
    }
    Ok(if submit {
        DiaryState::Submitted
    } else {
        DiaryState::Open
    })
}

/// The community comments on a submitted day (and may comment again).
pub fn comment(state: DiaryState) -> Result<DiaryState, DomainError> {
    if state == DiaryState::Open {
        return Err(DomainError::conflict_keyed(
            "diary_not_submitted",
            "patrol.conflict.diary_not_submitted",
            vec![],
        ));
    }
    Ok(DiaryState::Commented)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(h: Option<i64>, kind: VisitKind) -> VisitFact {
        VisitFact {
            household: h.map(HouseholdId),
            kind,
        }
    }

    #[test]
    fn counts_come_from_the_items() {
        let visits = [
            visit(Some(1), VisitKind::Care),
            visit(Some(2), VisitKind::Routine),
            visit(Some(1), VisitKind::Routine),
            visit(None, VisitKind::Policy),
        ];
        let findings = [
            FindingFact {
                class: FindingClass::FireHazard,
                outcome: FindingOutcome::SolvedOnSpot,
            },
            FindingFact {
                class: FindingClass::Appeal,
                outcome: FindingOutcome::Reported,
            },
        ];
        let c = count(&visits, &findings);
        assert_eq!(c.households_visited, 2, "household 1 twice counts once");
        assert_eq!(c.visits, 4);
        assert_eq!(c.visits_by_kind[0], (VisitKind::Routine, 2));
        assert_eq!(c.visits_by_kind.len(), VisitKind::ALL.len());
        assert_eq!(c.findings, 2);
        assert_eq!(c.solved_on_spot, 1);
        assert_eq!(c.reported, 1);
        let fire = c
            .findings_by_class
            .iter()
            .find(|(k, _)| *k == FindingClass::FireHazard);
        assert_eq!(fire, Some(&(FindingClass::FireHazard, 1)));
        let sum: u32 = c.findings_by_class.iter().map(|(_, n)| n).sum();
        assert_eq!(sum, c.solved_on_spot + c.reported);
    }

    #[test]
    fn an_empty_day_has_every_box_at_zero() {
        let c = count(&[], &[]);
        assert_eq!(c.visits, 0);
        assert_eq!(c.findings_by_class.len(), FindingClass::ALL.len());
    }

    #[test]
    fn submit_then_comment() {
        assert_eq!(write(DiaryState::Open, false).unwrap(), DiaryState::Open);
        assert_eq!(
            write(DiaryState::Open, true).unwrap(),
            DiaryState::Submitted
        );
        assert!(write(DiaryState::Submitted, false).is_err());
        assert!(comment(DiaryState::Open).is_err());
        assert_eq!(
            comment(DiaryState::Submitted).unwrap(),
            DiaryState::Commented
        );
        assert!(write(DiaryState::Commented, true).is_err());
    }
}
