//! The phone pages as GET: what the templates show, read through [`super::data`].

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::data::{self, BuildingRow, DiaryView, DueRow, FindingRow, PatrolNow};
use super::grid_of;
use crate::AppState;
use crate::pages::{Page, PageError, Staff, render};

#[derive(Deserialize, Default)]
pub struct GridQuery {
    pub grid: Option<String>,
}

#[derive(Template)]
#[template(path = "patrol/grid.html")]
struct TodayPage {
    p: Page,
    me: Staff,
    grid: String,
    today: String,
    tab: &'static str,
    patrol: Option<PatrolNow>,
    patrol_key: String,
    due: Vec<DueRow>,
}

pub async fn today(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Query(q): Query<GridQuery>,
) -> Result<Response, PageError> {
    let grid = grid_of(&app, &me, q.grid.as_deref())?;
    let due = data::visits_due(&app, &me.actor, &grid, p.lang).await?;
    let patrol = data::current_patrol(&app, &me.actor, &grid).await?;
    Ok(render(&TodayPage {
        today: super::today(&app),
        patrol_key: crate::pages::session::random_token(),
        p,
        me,
        grid,
        tab: "today",
        patrol,
        due,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "patrol/visit.html")]
struct VisitPage {
    p: Page,
    me: Staff,
    grid: String,
    today: String,
    tab: &'static str,
    patrol_id: String,
    buildings: Vec<BuildingRow>,
    kinds: Vec<(&'static str, String)>,
    classes: Vec<(&'static str, String)>,
}

pub async fn visit_form(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Query(q): Query<GridQuery>,
) -> Result<Response, PageError> {
    let grid = grid_of(&app, &me, q.grid.as_deref())?;
    let buildings = data::households(&app, &me.actor, &grid).await?;
    let patrol_id = patrol_id(&app, &me, &grid).await?;
    Ok(render(&VisitPage {
        today: super::today(&app),
        kinds: data::visit_kinds(p.lang),
        classes: data::finding_classes(p.lang),
        p,
        me,
        grid,
        tab: "visit",
        patrol_id,
        buildings,
    })?
    .into_response())
}

/// The patrol in progress, for the forms' hidden field (empty when none).
async fn patrol_id(app: &AppState, me: &Staff, grid: &str) -> Result<String, PageError> {
    Ok(data::current_patrol(app, &me.actor, grid)
        .await?
        .map(|pt| pt.id.to_string())
        .unwrap_or_default())
}

#[derive(Template)]
#[template(path = "patrol/finding.html")]
struct FindingPage {
    p: Page,
    me: Staff,
    grid: String,
    today: String,
    tab: &'static str,
    patrol_id: String,
    classes: Vec<(&'static str, String)>,
}

pub async fn finding_form(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Query(q): Query<GridQuery>,
) -> Result<Response, PageError> {
    let grid = grid_of(&app, &me, q.grid.as_deref())?;
    let patrol_id = patrol_id(&app, &me, &grid).await?;
    Ok(render(&FindingPage {
        today: super::today(&app),
        classes: data::finding_classes(p.lang),
        p,
        me,
        grid,
        tab: "finding",
        patrol_id,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "patrol/findings.html")]
struct FindingsPage {
    p: Page,
    me: Staff,
    grid: String,
    today: String,
    tab: &'static str,
    findings: Vec<FindingRow>,
}

pub async fn findings(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Query(q): Query<GridQuery>,
) -> Result<Response, PageError> {
    let grid = grid_of(&app, &me, q.grid.as_deref())?;
    let findings = data::my_findings(&app, &me.actor, &grid, p.lang).await?;
    Ok(render(&FindingsPage {
        today: super::today(&app),
        p,
        me,
        grid,
        tab: "findings",
        findings,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "patrol/diary.html")]
pub(super) struct DiaryPage {
    pub p: Page,
    pub me: Staff,
    pub grid: String,
    pub today: String,
    pub tab: &'static str,
    pub day: String,
    pub grid_name: String,
    pub worker: String,
    pub d: DiaryView,
    pub editable: bool,
    pub error: Option<String>,
}

pub async fn diary(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(day): Path<String>,
) -> Result<Response, PageError> {
    let page = diary_page(&app, p, me, &day, None).await?;
    Ok(render(&page)?.into_response())
}

/// The diary page of `day` for the logged-in worker, with an error from a post shown.
pub(super) async fn diary_page(
    app: &AppState,
    p: Page,
    me: Staff,
    day: &str,
    error: Option<String>,
) -> Result<DiaryPage, PageError> {
    let date = data::parse_day(day)?;
    let grid = grid_of(app, &me, None)?;
    let d = data::diary(app, &me.actor, date, p.lang).await?;
    Ok(DiaryPage {
        today: super::today(app),
        grid_name: app
            .org()
            .jurisdiction(&grid)
            .map(|j| format!("{}（{}）", j.name, j.code))
            .unwrap_or_else(|| grid.clone()),
        worker: me.display_name.clone(),
        editable: d.editable,
        day: date.format("%Y-%m-%d").to_string(),
        p,
        me,
        grid,
        tab: "diary",
        d,
        error,
    })
}
