//! What the phone pages read and write, through the patrol and ledger use cases
//! (`minhu_app::patrol`, `minhu_app::diary`, `minhu_app::grid_ledger`), turned into the rows
//! the templates show. The one place the pages meet those crates.

use axum::http::StatusCode;
use chrono::NaiveDate;
use minhu_app::patrol as uc;
use minhu_app::{AppError, diary as diary_uc, grid_ledger};
use minhu_domain::org::Actor;
use minhu_domain::patrol::{FindingClass, FindingOutcome, VisitKind};
use minhu_domain::text::Lang;
use serde_json::{Value, json};

use crate::api::patrol::{self as api, PatrolFindingBody, VisitBody};

use crate::pages::text::{error, labelled, time};
use crate::{ApiError, AppState};

/// A household of the overdue-visit queue.
pub struct DueRow {
    pub household_id: i64,
    pub label: String,
    pub days_overdue: i64,
    pub never: bool,
    pub reason: String,
}

/// The patrol in progress.
pub struct PatrolNow {
    pub id: i64,
    pub since: String,
}

/// A building of the household picker, its households labelled as the staff tier allows.
pub struct BuildingRow {
    pub name: String,
    pub households: Vec<HouseholdRow>,
}

pub struct HouseholdRow {
    pub id: i64,
    pub label: String,
}

/// One of my findings, with its request when reported.
pub struct FindingRow {
    pub id: i64,
    pub found_at: String,
    pub class: String,
    pub outcome: String,
    pub text: String,
    pub request: Option<RequestRef>,
}

pub struct RequestRef {
    pub code: String,
    pub state: String,
}

/// The day's diary as the page shows it: counts computed, never typed.
pub struct DiaryView {
    pub households_visited: u32,
    pub visits: u32,
    pub by_class: Vec<(String, u32)>,
    pub findings: u32,
    pub solved_on_spot: u32,
    pub reported: u32,
    pub state: String,
    pub narrative: String,
    pub comment: String,
    pub editable: bool,
}

pub fn visit_kinds(lang: Lang) -> Vec<(&'static str, String)> {
    VisitKind::ALL
        .iter()
        .map(|k| {
            let code = k.as_str();
            (code, labelled(lang, &format!("phone.kind.{code}"), k.zh()))
        })
        .collect()
}

pub fn finding_classes(lang: Lang) -> Vec<(&'static str, String)> {
    FindingClass::ALL
        .iter()
        .map(|c| (c.as_str(), class_label(lang, *c)))
        .collect()
}

fn class_label(lang: Lang, c: FindingClass) -> String {
    labelled(lang, &format!("phone.class.{}", c.as_str()), c.zh())
}

/// A day as the pages write it (`2026-05-12`).
pub fn parse_day(day: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
        error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
            "phone.diary.bad_day",
            &[("value", day)],
        )
        .field("day")
    })
}

/// The households a picker lists at most (a grid has about 300).
const PICKER_MAX: i64 = 500;

/// The grid's overdue-visit queue, most overdue first.
pub async fn visits_due(
    app: &AppState,
    actor: &Actor,
    grid: &str,
    lang: Lang,
) -> Result<Vec<DueRow>, ApiError> {
    let lines = uc::visits_due(app, actor, grid, None, app.now()).await?;
    Ok(lines
        .into_iter()
        .map(|l| DueRow {
            household_id: l.due.household.0,
            label: place_label(&l.building, l.unit.as_deref()),
            days_overdue: l.due.days_overdue.unwrap_or(0),
            never: l.due.reason.never_visited,
            reason: if lang.is_english() {
                l.reason_en
            } else {
                l.reason_zh
            },
        })
        .collect())
}

fn place_label(building: &str, unit: Option<&str>) -> String {
    match unit {
        Some(u) if !u.is_empty() => format!("{building} {u}"),
        _ => building.to_string(),
    }
}

/// The worker's patrol in progress in this grid, if any.
pub async fn current_patrol(
    app: &AppState,
    actor: &Actor,
    grid: &str,
) -> Result<Option<PatrolNow>, ApiError> {
    let running = app.store.running_patrol(&actor.username, grid).await?;
    Ok(running.map(|p| PatrolNow {
        id: p.id.0,
        since: time(&p.started_at),
    }))
}

/// The grid's households by building, labelled with what a list may show (masked staff
/// fields: the household number tells them apart; the queue's link preselects one).
pub async fn households(
    app: &AppState,
    actor: &Actor,
    grid: &str,
) -> Result<Vec<BuildingRow>, ApiError> {
    let query = minhu_store::grid_ledger::HouseholdQuery {
        grid: grid.to_string(),
        page: 1,
        per_page: PICKER_MAX,
        ..Default::default()
    };
    let page = grid_ledger::households(app, actor, &query).await?;
    let mut out: Vec<BuildingRow> = Vec::new();
    for h in page.items {
        let name = h.listing.building_name.clone();
        let label = format!(
            "{} {} · {} · #{}",
            h.listing.unit_number.as_deref().unwrap_or(""),
            h.view.room,
            h.view.head_name,
            h.listing.household.id.0
        );
        let row = HouseholdRow {
            id: h.listing.household.id.0,
            label,
        };
        match out.last_mut() {
            Some(b) if b.name == name => b.households.push(row),
            _ => out.push(BuildingRow {
                name,
                households: vec![row],
            }),
        }
    }
    Ok(out)
}

/// My findings, newest first, with their requests' state.
pub async fn my_findings(
    app: &AppState,
    actor: &Actor,
    grid: &str,
    lang: Lang,
) -> Result<Vec<FindingRow>, ApiError> {
    let rows = uc::my_findings(app, actor, 200).await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.finding.grid == grid)
        .map(|r| FindingRow {
            id: r.finding.id,
            found_at: time(&r.finding.found_at),
            class: class_label(lang, r.finding.class),
            outcome: outcome_label(lang, r.finding.outcome),
            text: r.finding.text,
            request: r.request_code.map(|code| RequestRef {
                state: r
                    .request_state
                    .as_deref()
                    .map(|s| crate::pages::code_label(lang, "state", s))
                    .unwrap_or_default(),
                code,
            }),
        })
        .collect())
}

fn outcome_label(lang: Lang, o: FindingOutcome) -> String {
    labelled(lang, &format!("phone.outcome.{}", o.as_str()), o.zh())
}

/// The worker's diary of `day`: counts computed by the diary use case.
pub async fn diary(
    app: &AppState,
    actor: &Actor,
    day: NaiveDate,
    lang: Lang,
) -> Result<DiaryView, ApiError> {
    let v = diary_uc::day(app, actor, &actor.username, day).await?;
    let c = v.counts;
    Ok(DiaryView {
        households_visited: c.households_visited,
        visits: c.visits,
        by_class: c
            .findings_by_class
            .iter()
            .map(|(class, n)| (class_label(lang, *class), *n))
            .collect(),
        findings: c.findings,
        solved_on_spot: c.solved_on_spot,
        reported: c.reported,
        state: labelled(
            lang,
            &format!("phone.diary_state.{}", v.state.as_str()),
            v.state.zh(),
        ),
        editable: v.state == minhu_domain::diary::DiaryState::Open,
        narrative: v.narrative,
        comment: v.comment.unwrap_or_default(),
    })
}

/// Records a queued visit, the API's body and answer (`crate::api::patrol`); true when it
/// is new (false: the key was seen, and the answer is the first one's).
pub async fn record_visit(
    app: &AppState,
    actor: &Actor,
    body: VisitBody,
) -> Result<(bool, Value), ApiError> {
    let input = api::visit_input(body)?;
    let out = uc::record_visit(app, actor, input, app.now()).await?;
    Ok((out.created, json!(api::visit_view(out))))
}

/// Records a queued patrol finding, as `POST /api/v1/findings` does.
pub async fn record_finding(
    app: &AppState,
    actor: &Actor,
    body: PatrolFindingBody,
) -> Result<(bool, Value), ApiError> {
    let input = api::patrol_finding_input(body)?;
    let (f, created) = uc::record_finding(app, actor, input, app.now()).await?;
    Ok((created, json!(api::finding_view(f))))
}

pub async fn start_patrol(
    app: &AppState,
    actor: &Actor,
    grid: &str,
    key: &str,
) -> Result<(), ApiError> {
    uc::start_patrol(app, actor, grid, key, app.now()).await?;
    Ok(())
}

pub async fn end_patrol(app: &AppState, actor: &Actor, id: &str) -> Result<(), ApiError> {
    let id = id.parse::<i64>().map_err(|_| {
        ApiError::from(
            AppError::new(minhu_app::Kind::Invalid, "invalid_parameter")
                .text("patrol.invalid.patrol")
                .field("patrol_id"),
        )
    })?;
    uc::end_patrol(app, actor, id, app.now()).await?;
    Ok(())
}

pub async fn write_diary(
    app: &AppState,
    actor: &Actor,
    day: NaiveDate,
    narrative: &str,
    submit: bool,
) -> Result<(), ApiError> {
    diary_uc::write(
        app,
        actor,
        &actor.username,
        day,
        narrative,
        submit,
        app.now(),
    )
    .await?;
    Ok(())
}
