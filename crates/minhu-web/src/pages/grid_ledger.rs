//! The staff pages of a grid's base ledger: the grid's buildings and households
//! (`/staff/grids/{code}/ledger`, masked), and a household with its residents
//! (`/staff/households/{id}`, masked, with a reveal form that asks for a purpose). ID
//! numbers and care tags appear only for a reader holding the `sensitive` grant at that
//! moment. The same use cases as the JSON API (`minhu_app::grid_ledger`).
//!
//! The forms: a household's and a resident's edits, care tags (only for a reader holding
//! the grant: for anyone else the page says nothing of them), in [`household`]; the
//! grid's posts and places, the index of grids and a household's access log in [`team`].
//! A refused form is shown again with what was typed and the refusal next to its field.

mod forms;
mod household;
mod team;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minhu_app::grid_ledger::{self as use_case, HouseholdPage};
use minhu_domain::access::register;
use minhu_domain::grid_ledger::Building;
use minhu_domain::ids::{BuildingId, HouseholdId};
use minhu_domain::org::Role;
use minhu_store::grid_ledger::HouseholdQuery;
use serde::Deserialize;

use super::{Page, PageError, Staff, render};
use crate::api::ApiQuery;
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/grids", get(team::grids_page))
        .route("/staff/grids/{code}/ledger", get(grid_page))
        .route(
            "/staff/grids/{code}/posts",
            get(team::posts_page).post(team::add_post),
        )
        .route("/staff/posts/{id}/end", post(team::end_post))
        .route(
            "/staff/grids/{code}/places",
            get(team::places_page).post(team::add_place),
        )
        .route("/staff/places/{id}/close", post(team::close_place))
        .route("/staff/households/{id}", get(household::page))
        .route("/staff/households/{id}/reveal", post(household::reveal))
        .route(
            "/staff/households/{id}/edit",
            post(household::edit_household),
        )
        .route(
            "/staff/households/{id}/access-log",
            get(team::access_log_page),
        )
        .route("/staff/residents/{id}/edit", post(household::edit_resident))
        .route("/staff/residents/{id}/care-tags", post(household::add_tag))
        .route("/staff/care-tags/{id}/end", post(household::end_tag))
}

impl Staff {
    /// Where the staff navigation's link to the register leads: a grid worker's own grid,
    /// a community clerk's index of the community's grids; none for anyone else.
    pub fn register_link(&self) -> Option<String> {
        match self.actor.role? {
            Role::GridWorker => Some(format!("/staff/grids/{}/ledger", self.actor.scope)),
            Role::CommunityStaff => Some("/staff/grids".to_string()),
            _ => None,
        }
    }
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

/// A path's id, or 404.
fn path_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(ApiError::not_found)
}

fn household_id(raw: &str) -> Result<HouseholdId, ApiError> {
    path_id(raw).map(HouseholdId)
}

/// Whether the actor edits `grid`'s register (for showing a page's forms).
fn editable(app: &AppState, me: &Staff, grid: &str) -> bool {
    register::may_edit(&me.actor, &app.org(), grid)
}
