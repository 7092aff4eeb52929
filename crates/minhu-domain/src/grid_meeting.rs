//! The grid's paperwork that turns findings into handling: the responsibility list
//! (责任清单: a [`Duty`] per grid, or per post of the grid), the weekly grid-worker meeting
//! (网格员工作例会) and the daily 社情日汇总 across a community's grids. Both are a
//! [`MeetingKind`] of one record: a day, its attendees, its items (each about a request or a
//! finding, with the decision taken) and a state, draft → issued. Issuing turns every
//! decision that names an owner unit into an action item (督办, source `grid_meeting`) and
//! gives a weekly meeting's minutes their `纪要第N期` number.
//!
//! The rollup's content is computed, never typed: [`rollup`] folds the day's findings and
//! the community's open `grid_patrol` requests into what went in, what was solved on the
//! spot and what is still open, per grid.
//!
//! Who may do what: the staff of the community hold the meetings and keep the duties; the
//! staff above read them; a grid worker reads their grid's duties and the meetings that
//! concern their grid. Pure: the caller gives the organisation, the facts and `now`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::covers;
use crate::action_item::MAX_WORKING_DAYS;
use crate::codes::code_enum;
use crate::error::{Arg, DomainError};
use crate::org::{Actor, Level, Org, Role};

/// Longest duty text (characters): a line or two of the printed list.
pub const MAX_DUTY: usize = 500;
/// Longest source document reference (the 文件 a duty comes from).
pub const MAX_SOURCE: usize = 200;
/// Longest item text (characters).
pub const MAX_TEXT: usize = 2000;
/// Longest decision: it becomes the action item's title, one line on the 销号台账.
pub const MAX_DECISION: usize = crate::action_item::MAX_TITLE;
/// Most attendees a meeting lists, and the longest name.
pub const MAX_ATTENDEES: usize = 100;
pub const MAX_ATTENDEE: usize = 50;

/// The posts of a grid a duty may belong to: the ledger's posts (`grid_posts.post`).
pub use crate::grid_ledger::PostKind;

code_enum!(
    /// How often a duty is done.
    Frequency {
        Daily = "daily" / "每日",
        Weekly = "weekly" / "每周",
        Monthly = "monthly" / "每月",
        Quarterly = "quarterly" / "每季度",
        Yearly = "yearly" / "每年",
        AsNeeded = "as_needed" / "随时",
    }
);

code_enum!(
    /// Where a duty stands: retired duties stay on record, off the board.
    DutyState {
        Active = "active" / "有效",
        Retired = "retired" / "已停用",
    }
);

code_enum!(
    /// The two records of the grid's handling loop.
    MeetingKind {
        WeeklyMeeting = "weekly_meeting" / "网格员工作例会",
        DailyRollup = "daily_rollup" / "社情日汇总",
    }
);

code_enum!(
    /// A meeting is drafted while it is held, then issued (印发) and fixed.
    MeetingState {
        Draft = "draft" / "草稿",
        Issued = "issued" / "已印发",
    }
);

/// A duty of the list as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duty {
    pub id: i64,
    pub grid: String,
    /// The post it belongs to; `None` for the whole grid.
    pub post: Option<PostKind>,
    pub duty: String,
    pub frequency: Frequency,
    pub source_document: String,
    pub state: DutyState,
}

/// What the community fills in to add a duty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewDuty {
    pub post: Option<String>,
    pub duty: String,
    pub frequency: String,
    pub source_document: String,
}

/// A checked new duty: the post and frequency read, the texts trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyFields {
    pub post: Option<PostKind>,
    pub duty: String,
    pub frequency: Frequency,
    pub source_document: String,
}

impl NewDuty {
    /// Checks each field, naming the one at fault.
    pub fn validate(&self) -> Result<DutyFields, DomainError> {
        let post = match self.post.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => {
                Some(PostKind::parse(p).ok_or_else(|| unknown("post", p, PostKind::codes()))?)
            }
        };
        let frequency = self.frequency.trim();
        if frequency.is_empty() {
            return Err(required_error("frequency"));
        }
        let frequency = Frequency::parse(frequency)
            .ok_or_else(|| unknown("frequency", frequency, Frequency::codes()))?;
        Ok(DutyFields {
            post,
            duty: required("duty", &self.duty, MAX_DUTY)?,
            frequency,
            source_document: optional("source_document", &self.source_document, MAX_SOURCE)?,
        })
    }
}

/// The 409 for retiring a duty that is retired already.
pub fn check_retire(duty: &Duty) -> Result<(), DomainError> {
    if duty.state == DutyState::Retired {
        return Err(DomainError::conflict_keyed(
            "invalid_transition",
            "grid_meeting.duty_retired",
            vec![],
        ));
    }
    Ok(())
}

/// What the community fills in to open a meeting or a day's rollup.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewMeeting {
    pub kind: String,
    pub day: String,
    pub attendees: Vec<String>,
}

/// A checked new meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingFields {
    pub kind: MeetingKind,
    pub day: NaiveDate,
    pub attendees: Vec<String>,
}

impl NewMeeting {
    /// Checks each field: a known kind, a `YYYY-MM-DD` day not after today (Shanghai), at
    /// least one attendee, names trimmed and each listed once.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<MeetingFields, DomainError> {
        let kind = self.kind.trim();
        if kind.is_empty() {
            return Err(required_error("kind"));
        }
        let kind =
            MeetingKind::parse(kind).ok_or_else(|| unknown("kind", kind, MeetingKind::codes()))?;
        let day = parse_day("day", &self.day)?;
        if day > crate::time::local_date(now) {
            return Err(DomainError::invalid_keyed(
                "day",
                "invalid_parameter",
                "grid_meeting.day_in_future",
                vec![Arg::new("day", day)],
            ));
        }
        Ok(MeetingFields {
            kind,
            day,
            attendees: attendees(&self.attendees)?,
        })
    }
}

/// A day written `YYYY-MM-DD`, or a 422 on `field`.
pub fn parse_day(field: &str, text: &str) -> Result<NaiveDate, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(required_error(field));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        DomainError::invalid_keyed(
            field,
            "invalid_parameter",
            "grid_meeting.bad_day",
            vec![Arg::new("field", field), Arg::new("value", text)],
        )
    })
}

fn attendees(given: &[String]) -> Result<Vec<String>, DomainError> {
    let mut out: Vec<String> = Vec::new();
    for name in given.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        if name.chars().count() > MAX_ATTENDEE {
            return Err(too_long("attendees", MAX_ATTENDEE));
        }
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    if out.is_empty() {
        return Err(required_error("attendees"));
    }
    if out.len() > MAX_ATTENDEES {
        return Err(DomainError::invalid_keyed(
            "attendees",
            "invalid_parameter",
            "grid_meeting.too_many_attendees",
            vec![Arg::new("max", MAX_ATTENDEES)],
        ));
    }
    Ok(out)
}

/// What an item of a meeting is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Request(i64),
    Finding(i64),
}

/// The follow-up a decision asks for: the owner unit and its limit in working days.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewAction {
    pub owner_unit: String,
    pub working_days: Option<i64>,
}

/// What the community fills in for one item.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewItem {
    pub request_id: Option<i64>,
    pub finding_id: Option<i64>,
    pub text: String,
    pub decision: String,
    pub action: Option<NewAction>,
}

/// A checked action: the owner unit (known to the organisation, not the issuing office).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFields {
    pub owner_unit: String,
    pub working_days: u32,
}

/// A checked item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFields {
    pub subject: Option<Subject>,
    pub text: String,
    pub decision: Option<String>,
    pub action: Option<ActionFields>,
}

impl NewItem {
    /// Checks each field. `issuer` is the unit that will issue the action items (the
    /// community's own office): it cannot own one, since it is the one that verifies it.
    pub fn validate(&self, org: &Org, issuer: &str) -> Result<ItemFields, DomainError> {
        let subject = match (self.request_id, self.finding_id) {
            (Some(_), Some(_)) => {
                return Err(DomainError::invalid_keyed(
                    "finding_id",
                    "invalid_parameter",
                    "grid_meeting.one_subject",
                    vec![],
                ));
            }
            (Some(id), None) => Some(Subject::Request(id)),
            (None, Some(id)) => Some(Subject::Finding(id)),
            (None, None) => None,
        };
        let decision = optional("decision", &self.decision, MAX_DECISION)?;
        let decision = (!decision.is_empty()).then_some(decision);
        let action = match &self.action {
            None => None,
            Some(a) => {
                if decision.is_none() {
                    return Err(DomainError::invalid_keyed(
                        "decision",
                        "required",
                        "grid_meeting.action_needs_decision",
                        vec![],
                    ));
                }
                Some(action(a, org, issuer)?)
            }
        };
        Ok(ItemFields {
            subject,
            text: required("text", &self.text, MAX_TEXT)?,
            decision,
            action,
        })
    }
}

fn action(a: &NewAction, org: &Org, issuer: &str) -> Result<ActionFields, DomainError> {
    let owner = a.owner_unit.trim();
    if owner.is_empty() {
        return Err(required_error("action.owner_unit"));
    }
    if org.unit(owner).is_none() {
        return Err(DomainError::invalid_keyed(
            "action.owner_unit",
            "invalid_parameter",
            "domain.invalid_parameter.unit",
            vec![Arg::new("unit", owner)],
        ));
    }
    if owner == issuer {
        return Err(DomainError::invalid_keyed(
            "action.owner_unit",
            "owner_is_issuer",
            "governance.action_item.owner_is_issuer",
            vec![],
        ));
    }
    let days = a
        .working_days
        .ok_or_else(|| required_error("action.working_days"))?;
    let days = u32::try_from(days)
        .ok()
        .filter(|d| (1..=MAX_WORKING_DAYS).contains(d))
        .ok_or_else(|| {
            DomainError::invalid_keyed(
                "action.working_days",
                "out_of_range",
                "governance.action_item.working_days",
                vec![Arg::new("max", MAX_WORKING_DAYS)],
            )
        })?;
    Ok(ActionFields {
        owner_unit: owner.to_string(),
        working_days: days,
    })
}

/// The 409 for editing or issuing a meeting that is issued already: issued papers are fixed.
pub fn check_draft(state: MeetingState) -> Result<(), DomainError> {
    if state == MeetingState::Issued {
        return Err(DomainError::conflict_keyed(
            "invalid_transition",
            "grid_meeting.issued",
            vec![],
        ));
    }
    Ok(())
}

/// Checks that a meeting may be issued: still a draft, and a weekly meeting has walked at
/// least one item (its minutes record something).
pub fn check_issue(
    kind: MeetingKind,
    state: MeetingState,
    items: usize,
) -> Result<(), DomainError> {
    check_draft(state)?;
    if kind == MeetingKind::WeeklyMeeting && items == 0 {
        return Err(DomainError::invalid_keyed(
            "items",
            "required",
            "grid_meeting.no_items",
            vec![],
        ));
    }
    Ok(())
}

/// A meeting or rollup as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: i64,
    pub community: String,
    pub kind: MeetingKind,
    pub day: NaiveDate,
    /// The minutes' number (纪要第N期), once a weekly meeting is issued.
    pub number: Option<String>,
    pub attendees: Vec<String>,
    pub state: MeetingState,
    /// The rollup as it stood when a daily rollup was issued.
    pub rollup: Option<Rollup>,
    pub created_by: String,
    #[serde(with = "crate::time::serde_local")]
    pub created_at: DateTime<Utc>,
    pub issued_by: Option<String>,
    #[serde(with = "crate::time::serde_local_opt")]
    pub issued_at: Option<DateTime<Utc>>,
    /// Bumped by every change: an issue is written only on the version it was decided on.
    pub version: i64,
}

/// An item of a meeting as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingItem {
    pub id: i64,
    pub meeting_id: i64,
    /// Its place on the agenda, from 1.
    pub seq: i64,
    pub subject: Option<Subject>,
    /// The grid the item concerns (its request's or finding's grid).
    pub grid: Option<String>,
    pub text: String,
    pub decision: Option<String>,
    pub owner_unit: Option<String>,
    pub working_days: Option<u32>,
    /// The action item the decision became when the meeting was issued.
    pub action_item_id: Option<i64>,
}

impl Meeting {
    /// Does the meeting concern `grid`? A rollup covers every grid of its community; a
    /// weekly meeting the grids its items are about.
    pub fn concerns(&self, items: &[MeetingItem], grid: &str) -> bool {
        self.kind == MeetingKind::DailyRollup
            || items.iter().any(|i| i.grid.as_deref() == Some(grid))
    }
}

// ---- who may do what ----------------------------------------------------------------------

/// May `actor` read the community's meetings and its grids' duties whole (the community's
/// staff, and the staff and auditors above)? Grid workers read less: see [`worker_grid`].
pub fn reads_community(actor: &Actor, org: &Org, community: &str) -> bool {
    actor.role != Some(Role::GridWorker) && covers(actor, org, community)
}

/// The grid of a grid worker whose grid lies in `community`, else `None`.
pub fn worker_grid<'a>(actor: &'a Actor, org: &Org, community: &str) -> Option<&'a str> {
    (actor.role == Some(Role::GridWorker) && org.within(&actor.scope, community))
        .then_some(actor.scope.as_str())
}

/// 403 unless `actor` is the staff of `community` itself: they hold its meetings and keep
/// its grids' duties.
pub fn require_holder(actor: &Actor, community: &str) -> Result<(), DomainError> {
    if actor.role == Some(Role::CommunityStaff) && actor.scope == community {
        return Ok(());
    }
    Err(DomainError::forbidden_keyed(
        "grid_meeting.forbidden.holder",
        vec![],
    ))
}

/// The community a grid belongs to, if `grid` is a grid.
pub fn community_of<'a>(org: &'a Org, grid: &str) -> Option<&'a str> {
    match org.jurisdiction(grid) {
        Some(j) if j.level == Level::Grid => org
            .ancestor_at(grid, Level::Community)
            .map(|c| c.code.as_str()),
        _ => None,
    }
}

// ---- the daily rollup ---------------------------------------------------------------------

/// A finding of the day as the rollup reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingFact {
    pub id: i64,
    pub grid: String,
    /// The finding's class code (patrol's classes).
    pub class: String,
    pub solved_on_spot: bool,
    /// The request it became, when reported.
    pub request_id: Option<i64>,
}

/// An open `grid_patrol` request of one of the community's grids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRequestFact {
    pub id: i64,
    pub code: String,
    pub grid: String,
    pub state: String,
    pub subject: String,
    #[serde(with = "crate::time::serde_local")]
    pub received_at: DateTime<Utc>,
}

/// One grid's line of the rollup, or the total line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupLine {
    pub grid: String,
    /// Findings made that day (what went in).
    pub findings: usize,
    /// Of them, solved on the spot (自办自结).
    pub solved_on_spot: usize,
    /// Of them, reported as requests.
    pub reported: usize,
    /// Open grid_patrol requests of the grid, whatever day they came in.
    pub still_open: usize,
}

/// The computed 社情日汇总 of a community and day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollup {
    pub community: String,
    pub day: NaiveDate,
    /// Every grid of the community, in code order, also those with nothing that day.
    pub grids: Vec<RollupLine>,
    pub total: RollupLine,
    /// Findings by class, in code order.
    pub by_class: BTreeMap<String, usize>,
    /// The open requests, oldest first.
    pub open_requests: Vec<OpenRequestFact>,
}

/// Folds the day's findings and the open requests into the rollup. Facts of a grid not
/// listed in `grids` are left out (the caller reads the community's grids only).
pub fn rollup(
    community: &str,
    day: NaiveDate,
    grids: &[String],
    findings: &[FindingFact],
    open: &[OpenRequestFact],
) -> Rollup {
    let mut lines: BTreeMap<&str, RollupLine> = grids
        .iter()
        .map(|g| {
            let line = RollupLine {
                grid: g.clone(),
                ..RollupLine::default()
            };
            (g.as_str(), line)
        })
        .collect();
    let mut by_class = BTreeMap::new();
    for f in findings {
        let Some(line) = lines.get_mut(f.grid.as_str()) else {
            continue;
        };
        line.findings += 1;
        if f.solved_on_spot {
            line.solved_on_spot += 1;
        } else {
            line.reported += 1;
        }
        *by_class.entry(f.class.clone()).or_insert(0) += 1;
    }
    let mut open_requests = Vec::new();
    for r in open {
        if let Some(line) = lines.get_mut(r.grid.as_str()) {
            line.still_open += 1;
            open_requests.push(r.clone());
        }
    }
    open_requests.sort_by_key(|r| (r.received_at, r.id));
    let grids: Vec<RollupLine> = lines.into_values().collect();
    let total = grids.iter().fold(
        RollupLine {
            grid: community.to_string(),
            ..RollupLine::default()
        },
        |mut t, l| {
            t.findings += l.findings;
            t.solved_on_spot += l.solved_on_spot;
            t.reported += l.reported;
            t.still_open += l.still_open;
            t
        },
    );
    Rollup {
        community: community.to_string(),
        day,
        grids,
        total,
        by_class,
        open_requests,
    }
}

// ---- the board's map ------------------------------------------------------------------------

/// The grid's outline for the public board: SVG path data in a box `width` × `height`
/// (north up, the longitude scaled by the cosine of the latitude so the shape is not
/// stretched), one path per polygon, holes included. Empty for an empty shape.
pub fn board_map(shape: &geo::MultiPolygon<f64>, width: f64, height: f64) -> Vec<String> {
    use geo::BoundingRect;
    let Some(rect) = shape.bounding_rect() else {
        return Vec::new();
    };
    let (min, max) = (rect.min(), rect.max());
    let squash = ((min.y + max.y) / 2.0).to_radians().cos().max(0.01);
    let (w, h) = (
        ((max.x - min.x) * squash).max(1e-9),
        (max.y - min.y).max(1e-9),
    );
    let scale = (width / w).min(height / h) * 0.9;
    let (dx, dy) = ((width - w * scale) / 2.0, (height - h * scale) / 2.0);
    let point = |c: &geo::Coord<f64>| {
        let x = dx + (c.x - min.x) * squash * scale;
        let y = dy + (max.y - c.y) * scale;
        format!("{x:.1},{y:.1}")
    };
    let ring = |r: &geo::LineString<f64>| {
        let pts: Vec<String> = r.coords().map(point).collect();
        format!("M{}Z", pts.join("L"))
    };
    shape
        .0
        .iter()
        .map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(ring)
                .collect::<String>()
        })
        .collect()
}

// ---- small checks -------------------------------------------------------------------------

fn required_error(field: &str) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "required",
        "domain.required.field",
        vec![Arg::new("field", field)],
    )
}

fn too_long(field: &str, max: usize) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "too_long",
        "domain.too_long.note",
        vec![Arg::new("field", field), Arg::new("max", max)],
    )
}

fn unknown(field: &str, value: &str, codes: String) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "invalid_parameter",
        "grid_meeting.unknown_code",
        vec![
            Arg::new("field", field),
            Arg::new("value", value),
            Arg::new("codes", codes),
        ],
    )
}

/// A trimmed, non-empty text of at most `max` characters.
fn required(field: &str, text: &str, max: usize) -> Result<String, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(required_error(field));
    }
    optional(field, text, max)
}

/// A trimmed text of at most `max` characters (may be empty).
fn optional(field: &str, text: &str, max: usize) -> Result<String, DomainError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(too_long(field, max));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests;
