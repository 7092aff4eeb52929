//! What the phone pages read and write, through the patrol and ledger use cases
//! (`minhu_app::patrol`, `minhu_app::diary`, `minhu_app::grid_ledger`), turned into the rows
//! the templates show. The one place the pages meet those crates.

use axum::http::StatusCode;
use chrono::NaiveDate;
use minhu_domain::org::Actor;
use minhu_domain::patrol::{FindingClass, VisitKind};
use minhu_domain::text::Lang;
use serde_json::Value;

use crate::pages::text::{error, labelled};
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

fn not_yet() -> ApiError {
    ApiError::internal("the patrol use cases are not wired yet")
}

pub async fn visits_due(
    _app: &AppState,
    _actor: &Actor,
    _grid: &str,
    _lang: Lang,
) -> Result<Vec<DueRow>, ApiError> {
    Ok(Vec::new())
}

pub async fn current_patrol(
    _app: &AppState,
    _actor: &Actor,
    _grid: &str,
) -> Result<Option<PatrolNow>, ApiError> {
    Ok(None)
}

pub async fn households(
    _app: &AppState,
    _actor: &Actor,
    _grid: &str,
) -> Result<Vec<BuildingRow>, ApiError> {
    Ok(Vec::new())
}

pub async fn my_findings(
    _app: &AppState,
    _actor: &Actor,
    _grid: &str,
    _lang: Lang,
) -> Result<Vec<FindingRow>, ApiError> {
    Ok(Vec::new())
}

pub async fn diary(
    _app: &AppState,
    _actor: &Actor,
    _day: NaiveDate,
    _lang: Lang,
) -> Result<DiaryView, ApiError> {
    Err(not_yet())
}

pub async fn record_visit(
    _app: &AppState,
    _actor: &Actor,
    _item: Value,
) -> Result<(bool, Value), ApiError> {
    Err(not_yet())
}

pub async fn record_finding(
    _app: &AppState,
    _actor: &Actor,
    _item: Value,
) -> Result<(bool, Value), ApiError> {
    Err(not_yet())
}

pub async fn start_patrol(
    _app: &AppState,
    _actor: &Actor,
    _grid: &str,
    _key: &str,
) -> Result<(), ApiError> {
    Err(not_yet())
}

pub async fn end_patrol(_app: &AppState, _actor: &Actor, _id: &str) -> Result<(), ApiError> {
    Err(not_yet())
}

pub async fn write_diary(
    _app: &AppState,
    _actor: &Actor,
    _day: NaiveDate,
    _narrative: &str,
    _submit: bool,
) -> Result<(), ApiError> {
    Err(not_yet())
}
