//! An action item's steps as the timeline of a request it resolves shows them. The request
//! keeps its own log, state and SLA; its timeline is composed at read time from its events
//! and the logs of the items tied to it, so nothing about an item is ever written into the
//! request. Each [`ItemStep`] says when, which item, and what happened in the words both
//! the staff page and the public page can use: the staff see the unit and the 文号, the
//! public only the wording of [`ItemStep::public_key`] (no notes, no names of persons).

use chrono::{DateTime, Utc};

use super::{ActionItem, ItemEvent, ItemEventData, OversightLevel, SourceKind};
use crate::ids::{ActionItemId, UnitCode};

/// What an item's event means on a request's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    /// Issued (交办) to the owner unit with its co-units, due at the end of `due`'s day.
    Issued {
        source: SourceKind,
        owner: UnitCode,
        co_units: Vec<UnitCode>,
        due: DateTime<Utc>,
    },
    /// 催办 before the due date.
    Urged,
    /// 督办通知, with its 文号 once the store gave one.
    Supervised { number: Option<String> },
    /// 通报 when still overdue days later.
    Bulletin,
    /// The owner or a co-unit reported progress (落实情况反馈).
    Progress,
    /// The owner says it is done (申请销号).
    ClaimedDone,
    /// The issuing office checked it and struck it off (销号).
    Verified,
    /// Sent back by the issuing office, perhaps with a fresh due date.
    Reopened { due: Option<DateTime<Utc>> },
}

impl StepKind {
    /// The code the API names the step by.
    pub fn code(&self) -> &'static str {
        match self {
            StepKind::Issued { .. } => "issued",
            StepKind::Urged => "urged",
            StepKind::Supervised { .. } => "supervised",
            StepKind::Bulletin => "bulletin",
            StepKind::Progress => "progress",
            StepKind::ClaimedDone => "claimed_done",
            StepKind::Verified => "verified",
            StepKind::Reopened { .. } => "reopened",
        }
    }
}

/// One step of an item on a request's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemStep {
    pub at: DateTime<Utc>,
    pub item: ActionItemId,
    pub title: String,
    /// The unit that acted (`None` for the deadline monitor).
    pub unit: Option<UnitCode>,
    pub kind: StepKind,
}

impl ItemStep {
    /// The catalogue key of the step's public wording (`governance.page.track.*`): the issue
    /// names the body that decided it (联席会议, 居民议事会, 网格例会).
    pub fn public_key(&self) -> &'static str {
        match &self.kind {
            StepKind::Issued { source, .. } => match source {
                SourceKind::MeetingDecision => "governance.page.track.issued_meeting",
                SourceKind::CouncilDecision => "governance.page.track.issued_council",
                SourceKind::GridMeeting => "governance.page.track.issued_grid_meeting",
                SourceKind::MediationTerm | SourceKind::GridDuty => "governance.page.track.issued",
            },
            StepKind::Urged => "governance.page.track.urged",
            StepKind::Supervised { .. } => "governance.page.track.supervised",
            StepKind::Bulletin => "governance.page.track.bulletin",
            StepKind::Progress => "governance.page.track.progress",
            StepKind::ClaimedDone => "governance.page.track.claimed_done",
            StepKind::Verified => "governance.page.track.verified",
            StepKind::Reopened { .. } => "governance.page.track.reopened",
        }
    }
}

/// The steps of one item's log, in order.
pub fn item_steps(item: &ActionItem, events: &[ItemEvent]) -> Vec<ItemStep> {
    events
        .iter()
        .map(|e| ItemStep {
            at: e.at,
            item: item.id,
            title: item.title.clone(),
            unit: e.unit.clone(),
            kind: kind_of(&e.data),
        })
        .collect()
}

fn kind_of(data: &ItemEventData) -> StepKind {
    use ItemEventData as E;
    match data {
        E::Issue {
            source,
            owner,
            co_units,
            due,
            ..
        } => StepKind::Issued {
            source: source.kind,
            owner: owner.clone(),
            co_units: co_units.clone(),
            due: *due,
        },
        E::Progress { .. } => StepKind::Progress,
        E::ClaimDone { .. } => StepKind::ClaimedDone,
        E::Verify { .. } => StepKind::Verified,
        E::Reopen { due, .. } => StepKind::Reopened { due: *due },
        E::Oversee { level, number } => match level {
            OversightLevel::Urge => StepKind::Urged,
            OversightLevel::Supervise => StepKind::Supervised {
                number: number.clone(),
            },
            OversightLevel::Bulletin => StepKind::Bulletin,
        },
    }
}

/// The steps of all the items tied to a request, by time (then item, then log order), so
/// they can be merged with the request's own events.
pub fn request_steps(items: &[(ActionItem, Vec<ItemEvent>)]) -> Vec<ItemStep> {
    let mut all: Vec<(usize, ItemStep)> = items
        .iter()
        .flat_map(|(item, events)| item_steps(item, events).into_iter().enumerate())
        .collect();
    all.sort_by(|(ia, a), (ib, b)| a.at.cmp(&b.at).then(a.item.cmp(&b.item)).then(ia.cmp(ib)));
    all.into_iter().map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::action_item::{Evidence, EvidenceKind, Source};
    use crate::ids::RequestId;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn event(seq: i64, at: DateTime<Utc>, unit: Option<&str>, data: ItemEventData) -> ItemEvent {
        ItemEvent {
            seq,
            at,
            actor: "x".into(),
            unit: unit.map(UnitCode::new),
            data,
        }
    }

    fn log(id: i64, start: DateTime<Utc>) -> (ActionItem, Vec<ItemEvent>) {
        let due = start + Duration::days(7);
        let events = vec![
            event(
                1,
                start,
                Some("ZHB"),
                ItemEventData::Issue {
                    source: Source {
                        kind: SourceKind::MeetingDecision,
                        id: 1,
                    },
                    title: "加装充电桩".into(),
                    issued_by: UnitCode::new("ZHB"),
                    owner: UnitCode::new("FGW"),
                    co_units: vec![UnitCode::new("CZJ")],
                    working_days: 5,
                    due,
                    requests: vec![RequestId(9)],
                },
            ),
            event(
                2,
                due + Duration::hours(1),
                None,
                ItemEventData::Oversee {
                    level: OversightLevel::Supervise,
                    number: Some("督字第1号".into()),
                },
            ),
            event(
                3,
                due + Duration::days(1),
                Some("FGW"),
                ItemEventData::ClaimDone {
                    note: "已完成，联系人13800138000".into(),
                    evidence: vec![Evidence {
                        kind: EvidenceKind::Document,
                        reference: "f".into(),
                    }],
                },
            ),
        ];
        (ActionItem::replay(ActionItemId(id), &events), events)
    }

    #[test]
    fn each_event_is_a_step_with_its_public_wording() {
        let (item, events) = log(4, at("2026-10-09T10:00:00+08:00"));
        let steps = item_steps(&item, &events);
        let codes: Vec<&str> = steps.iter().map(|s| s.kind.code()).collect();
        assert_eq!(codes, ["issued", "supervised", "claimed_done"]);
        assert_eq!(
            steps[0].public_key(),
            "governance.page.track.issued_meeting"
        );
        assert_eq!(
            steps[1].kind,
            StepKind::Supervised {
                number: Some("督字第1号".into())
            }
        );
        assert!(steps[1].unit.is_none(), "the monitor acts for no unit");
        assert_eq!(steps[2].public_key(), "governance.page.track.claimed_done");
    }

    #[test]
    fn steps_of_several_items_interleave_by_time() {
        let a = log(1, at("2026-10-09T10:00:00+08:00"));
        let b = log(2, at("2026-10-10T10:00:00+08:00"));
        let steps = request_steps(&[b, a]);
        let order: Vec<(i64, &str)> = steps.iter().map(|s| (s.item.0, s.kind.code())).collect();
        assert_eq!(
            order,
            [
                (1, "issued"),
                (2, "issued"),
                (1, "supervised"),
                (1, "claimed_done"),
                (2, "supervised"),
                (2, "claimed_done"),
            ]
        );
        assert!(steps.windows(2).all(|w| w[0].at <= w[1].at));
    }
}
