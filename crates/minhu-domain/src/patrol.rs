//! Grid work in the field (入户走访): a grid worker's patrol (巡查), the visits (走访) made on
//! it to a household, a resident or a place, and the findings (发现的问题) each visit or
//! patrol turns up. A finding is either solved on the spot (自办自结, still counted in the
//! diary) or reported, when it becomes an ordinary request (channel `grid_patrol`).
//!
//! Every patrol start, visit and finding carries the client's idempotency key: the phone's
//! offline queue may send the same item several times and the store keeps the first one.
//! Pure: validation and the types; the caller gives `now`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::error::{Arg, DomainError};
use crate::ids::{HouseholdId, PatrolId, ResidentId, VisitId};

code_enum!(
    /// What a visit was for.
    #[derive(PartialOrd, Ord)]
    VisitKind {
        Routine = "routine" / "日常走访",
        Care = "care" / "关怀走访",
        DisputeCheck = "dispute_check" / "矛盾排查",
        Policy = "policy" / "政策宣传",
        DataCollection = "data_collection" / "信息采集",
    }
);

code_enum!(
    /// The class of a finding, as the 社情日记 counts them (the boxes of the paper diary).
    #[derive(PartialOrd, Ord)]
    FindingClass {
        Dispute = "dispute" / "矛盾纠纷",
        Appeal = "appeal" / "群众诉求",
        Suggestion = "suggestion" / "意见建议",
        PublicSecurity = "public_security" / "治安隐患",
        FireHazard = "fire_hazard" / "消防隐患",
        Sanitation = "sanitation" / "环境卫生",
        Other = "other" / "其他",
    }
);

code_enum!(
    /// What became of a finding.
    FindingOutcome {
        SolvedOnSpot = "solved_on_spot" / "自办自结",
        Reported = "reported" / "上报",
    }
);

code_enum!(
    /// A patrol's state: started on the phone, ended when the worker says so.
    PatrolState {
        InProgress = "in_progress" / "巡查中",
        Done = "done" / "已结束",
    }
);

/// Whom or what a visit was to: exactly one of a household, a resident or a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum VisitTarget {
    Household(HouseholdId),
    Resident(ResidentId),
    Place(i64),
}

/// The longest idempotency key a client may send.
pub const MAX_CLIENT_KEY: usize = 64;
/// The longest note or finding text kept.
pub const MAX_TEXT: usize = 2000;
/// A visit longer than a working day is a typing mistake.
pub const MAX_DURATION_MINUTES: u32 = 600;
/// How far in the past a queued offline visit may still be recorded.
pub const MAX_BACKDATE_DAYS: i64 = 30;

/// A patrol as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patrol {
    pub id: PatrolId,
    pub worker: String,
    pub grid: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub state: PatrolState,
}

/// A finding as the worker records it, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewFinding {
    pub client_key: String,
    pub class: FindingClass,
    pub category: Option<String>,
    pub text: String,
    pub location: Option<String>,
    pub outcome: FindingOutcome,
}

/// A visit as the worker records it, validated (the target's grid is the store's to check).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewVisit {
    pub client_key: String,
    pub grid: String,
    pub patrol: Option<PatrolId>,
    pub target: VisitTarget,
    pub kind: VisitKind,
    pub visited_at: DateTime<Utc>,
    pub duration_minutes: Option<u32>,
    pub notes: String,
}

/// A stored visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: VisitId,
    pub client_key: String,
    pub worker: String,
    pub grid: String,
    pub patrol: Option<PatrolId>,
    pub target: VisitTarget,
    /// The household visited: the target's, or the resident's household.
    pub household: Option<HouseholdId>,
    pub kind: VisitKind,
    pub visited_at: DateTime<Utc>,
    pub duration_minutes: Option<u32>,
    pub notes: String,
}

/// A stored finding, with the request it became when reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub id: i64,
    pub client_key: String,
    pub visit: Option<VisitId>,
    pub patrol: Option<PatrolId>,
    pub worker: String,
    pub grid: String,
    pub class: FindingClass,
    pub category: Option<String>,
    pub text: String,
    pub location: Option<String>,
    pub outcome: FindingOutcome,
    pub request_id: Option<i64>,
    pub found_at: DateTime<Utc>,
}

fn invalid(field: &str, key: &'static str, args: Vec<Arg>) -> DomainError {
    DomainError::invalid_keyed(field, "invalid_parameter", key, args)
}

/// An idempotency key: 1 to 64 characters of letters, digits and `-_.:`.
pub fn client_key(field: &str, raw: &str) -> Result<String, DomainError> {
    let key = raw.trim();
    let ok = !key.is_empty()
        && key.len() <= MAX_CLIENT_KEY
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if ok {
        Ok(key.to_string())
    } else {
        Err(invalid(field, "patrol.invalid.client_key", vec![]))
    }
}

/// A visit kind by its code, or a 422 naming the field and the accepted codes.
pub fn visit_kind(field: &str, raw: &str) -> Result<VisitKind, DomainError> {
    VisitKind::parse(raw.trim()).ok_or_else(|| {
        invalid(
            field,
            "patrol.invalid.kind",
            vec![
                Arg::new("value", raw),
                Arg::new("codes", VisitKind::codes()),
            ],
        )
    })
}

/// A finding class by its code.
pub fn finding_class(field: &str, raw: &str) -> Result<FindingClass, DomainError> {
    FindingClass::parse(raw.trim()).ok_or_else(|| {
        invalid(
            field,
            "patrol.invalid.class",
            vec![
                Arg::new("value", raw),
                Arg::new("codes", FindingClass::codes()),
            ],
        )
    })
}

/// A finding's outcome by its code.
pub fn finding_outcome(field: &str, raw: &str) -> Result<FindingOutcome, DomainError> {
    FindingOutcome::parse(raw.trim()).ok_or_else(|| {
        invalid(
            field,
            "patrol.invalid.outcome",
            vec![
                Arg::new("value", raw),
                Arg::new("codes", FindingOutcome::codes()),
            ],
        )
    })
}

/// Exactly one of household, resident and place.
pub fn visit_target(
    household: Option<i64>,
    resident: Option<i64>,
    place: Option<i64>,
) -> Result<VisitTarget, DomainError> {
    match (household, resident, place) {
        (Some(h), None, None) => Ok(VisitTarget::Household(HouseholdId(h))),
        (None, Some(r), None) => Ok(VisitTarget::Resident(ResidentId(r))),
        (None, None, Some(p)) => Ok(VisitTarget::Place(p)),
        _ => Err(invalid("household_id", "patrol.invalid.target", vec![])),
    }
}

/// When a visit happened: not in the future (a minute's clock skew allowed), not older than
/// the offline queue could hold.
pub fn visited_at(
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, DomainError> {
    let at = at.unwrap_or(now);
    if at > now + Duration::minutes(1) || at < now - Duration::days(MAX_BACKDATE_DAYS) {
        return Err(invalid(
            "visited_at",
            "patrol.invalid.visited_at",
            vec![Arg::new("days", MAX_BACKDATE_DAYS)],
        ));
    }
    Ok(at)
}

/// A visit's length in minutes: 1 to 600.
pub fn duration(minutes: Option<i64>) -> Result<Option<u32>, DomainError> {
    match minutes {
        None => Ok(None),
        Some(m) if (1..=MAX_DURATION_MINUTES as i64).contains(&m) => Ok(Some(m as u32)),
        Some(_) => Err(invalid(
            "duration_minutes",
            "patrol.invalid.duration",
            vec![Arg::new("max", MAX_DURATION_MINUTES)],
        )),
    }
}

/// Free text cut at nothing: too long is refused, not silently shortened.
pub fn text(field: &str, raw: &str, required: bool) -> Result<String, DomainError> {
    let t = raw.trim();
    if required && t.is_empty() {
        return Err(invalid(field, "patrol.invalid.text_required", vec![]));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(invalid(
            field,
            "patrol.invalid.text_too_long",
            vec![Arg::new("max", MAX_TEXT)],
        ));
    }
    Ok(t.to_string())
}

/// A patrol may be ended once, by its worker.
pub fn end_patrol(patrol: &Patrol, worker: &str) -> Result<(), DomainError> {
    if patrol.worker != worker {
        return Err(DomainError::forbidden_keyed(
            "patrol.forbidden.not_your_patrol",
            vec![],
        ));
    }
    if patrol.state == PatrolState::Done {
        return Err(DomainError::conflict_keyed(
            "patrol_ended",
            "patrol.conflict.patrol_ended",
            vec![],
        ));
    }
    Ok(())
}

/// A visit may be recorded on a patrol only while it runs, by its worker, in its grid.
pub fn visit_on_patrol(patrol: &Patrol, worker: &str, grid: &str) -> Result<(), DomainError> {
    if patrol.worker != worker || patrol.grid != grid {
        return Err(invalid("patrol_id", "patrol.invalid.patrol", vec![]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn client_keys_are_short_and_plain() {
        assert_eq!(client_key("client_key", " a-1:b ").unwrap(), "a-1:b");
        assert!(client_key("client_key", "").is_err());
        assert!(client_key("client_key", "has space").is_err());
        assert!(client_key("client_key", &"x".repeat(65)).is_err());
    }

    #[test]
    fn a_visit_has_exactly_one_target() {
        assert_eq!(
            visit_target(Some(3), None, None).unwrap(),
            VisitTarget::Household(HouseholdId(3))
        );
        let e = visit_target(Some(3), Some(4), None).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("household_id"));
        assert!(visit_target(None, None, None).is_err());
    }

    #[test]
    fn codes_name_the_field() {
        let e = visit_kind("kind", "picnic").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("kind"));
        assert!(e.en.contains("routine"));
        assert_eq!(
            finding_class("findings[0].class", "fire_hazard").unwrap(),
            FindingClass::FireHazard
        );
        assert!(finding_outcome("outcome", "lost").is_err());
    }

    #[test]
    fn visited_at_is_neither_future_nor_stale() {
        let now = Utc.with_ymd_and_hms(2026, 11, 3, 2, 0, 0).unwrap();
        assert_eq!(visited_at(None, now).unwrap(), now);
        assert!(visited_at(Some(now + Duration::hours(1)), now).is_err());
        assert!(visited_at(Some(now - Duration::days(31)), now).is_err());
        assert!(duration(Some(0)).is_err());
        assert_eq!(duration(Some(25)).unwrap(), Some(25));
    }
}
