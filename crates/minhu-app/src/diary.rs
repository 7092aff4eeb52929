//! The 社情日记 of a grid worker for one day: its counts computed from that day's visits
//! and findings (never typed), the worker's narrative and submission, and the community's
//! comment (点评). The worker reads and writes their own; staff whose scope covers the
//! worker's grid read it, and community staff comment on it; anyone else gets 404.

use chrono::{DateTime, NaiveDate, Utc};
use minhu_domain::access;
use minhu_domain::diary::{self, DiaryCounts, DiaryState};
use minhu_domain::org::{Actor, Role};
use minhu_domain::patrol;

use crate::{App, AppError, Kind};

/// A diary day as shown.
#[derive(Debug, Clone)]
pub struct DiaryView {
    pub worker: String,
    pub grid: String,
    pub day: NaiveDate,
    pub counts: DiaryCounts,
    pub narrative: String,
    pub state: DiaryState,
    pub submitted_at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
    pub commented_by: Option<String>,
    pub commented_at: Option<DateTime<Utc>>,
}

/// A day written `2026-11-03`.
pub fn parse_day(raw: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::new(Kind::Invalid, "invalid_parameter")
            .text("patrol.invalid.day")
            .field("day")
    })
}

/// The worker's grid, if the actor may read their diary (404 otherwise: who the grid
/// workers of another community are is not told).
async fn worker_grid(app: &App, actor: &Actor, username: &str) -> Result<String, AppError> {
    let user = app
        .store
        .user_by_username(username)
        .await?
        .filter(|u| u.role == Role::GridWorker.as_str())
        .ok_or_else(AppError::not_found)?;
    let own = actor.username == user.username;
    if !own && !access::covers(actor, &app.org(), &user.scope) {
        return Err(AppError::not_found());
    }
    Ok(user.scope)
}

/// The day's diary: computed counts and what was written.
pub async fn day(
    app: &App,
    actor: &Actor,
    username: &str,
    day: NaiveDate,
) -> Result<DiaryView, AppError> {
    let grid = worker_grid(app, actor, username).await?;
    let (visits, findings) = app.store.diary_facts(username, day).await?;
    let row = app.store.diary_day(username, day).await?;
    let counts = diary::count(&visits, &findings);
    let mut view = DiaryView {
        worker: username.to_string(),
        grid,
        day,
        counts,
        narrative: String::new(),
        state: DiaryState::Open,
        submitted_at: None,
        comment: None,
        commented_by: None,
        commented_at: None,
    };
    if let Some(r) = row {
        view.narrative = r.narrative;
        view.state = r.state;
        view.submitted_at = r.submitted_at;
        view.comment = r.comment;
        view.commented_by = r.commented_by;
        view.commented_at = r.commented_at;
    }
    Ok(view)
}

/// The worker writes the day's narrative, and submits it when `submit`.
pub async fn write(
    app: &App,
    actor: &Actor,
    username: &str,
    on: NaiveDate,
    narrative: &str,
    submit: bool,
    now: DateTime<Utc>,
) -> Result<DiaryView, AppError> {
    let current = day(app, actor, username, on).await?;
    if actor.username != username {
        return Err(AppError::new(Kind::Forbidden, "forbidden").text("patrol.forbidden.own_diary"));
    }
    let narrative = patrol::text("narrative", narrative, submit).map_err(AppError::from)?;
    let next = diary::write(current.state, submit).map_err(AppError::from)?;
    if !app
        .store
        .write_diary(username, on, &narrative, next, now)
        .await?
    {
        diary::write(DiaryState::Submitted, submit).map_err(AppError::from)?;
    }
    day(app, actor, username, on).await
}

/// Community staff comment on a submitted day.
pub async fn comment(
    app: &App,
    actor: &Actor,
    username: &str,
    on: NaiveDate,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<DiaryView, AppError> {
    let current = day(app, actor, username, on).await?;
    if actor.role != Some(Role::CommunityStaff) {
        return Err(
            AppError::new(Kind::Forbidden, "forbidden").text("patrol.forbidden.community_comments")
        );
    }
    let comment = patrol::text("comment", comment, true).map_err(AppError::from)?;
    diary::comment(current.state).map_err(AppError::from)?;
    if !app
        .store
        .comment_diary(username, on, &comment, &actor.username, now)
        .await?
    {
        diary::comment(DiaryState::Open).map_err(AppError::from)?;
    }
    day(app, actor, username, on).await
}
