//! The staff pages of a grid's base ledger: the grid's buildings and households
//! (`/staff/grids/{code}/ledger`, masked), and a household with its residents
//! (`/staff/households/{id}`, masked, with a reveal form that asks for a purpose). ID
//! numbers and care tags appear only for a reader holding the `sensitive` grant at that
//! moment. The same use cases as the JSON API (`minhu_app::grid_ledger`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minhu_app::grid_ledger::{self as use_case, HouseholdPage, HouseholdRecord};
use minhu_domain::grid_ledger::Building;
use minhu_domain::ids::{BuildingId, HouseholdId};
use minhu_store::grid_ledger::HouseholdQuery;
use serde::Deserialize;

use super::form::CheckedForm;
use super::{Page, PageError, Staff, render};
use crate::api::ApiQuery;
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/grids/{code}/ledger", get(grid_page))
        .route("/staff/households/{id}", get(household_page))
        .route("/staff/households/{id}/reveal", post(reveal))
}

#[derive(Debug, Default, Deserialize)]
struct LedgerQuery {
    building: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "grid_ledger/grid.html")]
struct GridPage {
    p: Page,
    me: Staff,
    grid: String,
    buildings: Vec<Building>,
    households: HouseholdPage,
    q: String,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "grid_ledger/household.html")]
struct HouseholdView {
    p: Page,
    me: Staff,
    r: HouseholdRecord,
}

async fn grid_page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> Result<Response, PageError> {
    let num = |s: &Option<String>| s.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
    let query = HouseholdQuery {
        grid: code.clone(),
        building: num(&q.building).map(BuildingId),
        q: q.q.clone().filter(|s| !s.trim().is_empty()),
        page: num(&q.page).unwrap_or(1),
        per_page: 50,
    };
    let buildings = use_case::buildings(&app, &me.actor, &code).await?;
    let households = use_case::households(&app, &me.actor, &query).await?;
    let shown = households.page * households.per_page;
    let next = (shown < households.total).then(|| {
        format!(
            "/staff/grids/{code}/ledger?page={}&q={}",
            households.page + 1,
            q.q.clone().unwrap_or_default()
        )
    });
    Ok(render(&GridPage {
        p,
        me,
        grid: code,
        buildings,
        households,
        q: q.q.unwrap_or_default(),
        next,
    })?
    .into_response())
}

fn household_id(raw: &str) -> Result<HouseholdId, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(HouseholdId)
        .ok_or_else(ApiError::not_found)
}

async fn household_page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = use_case::household(&app, &me.actor, household_id(&id)?).await?;
    Ok(render(&HouseholdView { p, me, r })?.into_response())
}

/// Shows the staff fields for the purpose given (logged); the page is rendered, not
/// redirected to, so the revealed fields live only in this answer.
async fn reveal(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let purpose = form.get("purpose").unwrap_or("");
    let r = use_case::reveal_household(&app, &me.actor, household_id(&id)?, purpose).await?;
    Ok(render(&HouseholdView { p, me, r })?.into_response())
}
