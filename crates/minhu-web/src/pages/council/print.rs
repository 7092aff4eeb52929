//! The printable papers of a sitting and its votes. Names of residents appear only here, on
//! the staff's own sheets (the read is logged by `minhu_app::council::sign_in_sheet`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minhu_app::council::{self as app_council, SittingView};
use minhu_domain::council::Expected;
use minhu_domain::council::vote::Vote;

use crate::pages::{Page, PageError, Staff, render};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/sittings/{id}/sign-in", get(sign_in))
        .route("/staff/sittings/{id}/minutes", get(minutes))
        .route("/staff/sittings/{id}/summary", get(summary))
        .route("/staff/sitting-votes/{id}/ballot", get(ballot))
        .route("/staff/sitting-votes/{id}/tally", get(tally))
}

fn id_of(text: &str) -> Result<i64, PageError> {
    text.parse()
        .map_err(|_| PageError::from(ApiError::not_found()))
}

#[derive(Template)]
#[template(path = "council/sign_in.html")]
struct SignInPage {
    p: Page,
    v: SittingView,
    rows: Vec<Expected>,
}

#[derive(Template)]
#[template(path = "council/minutes.html")]
struct MinutesPage {
    p: Page,
    v: SittingView,
    /// The summary (纪要) rather than the full minutes.
    summary: bool,
}

#[derive(Template)]
#[template(path = "council/vote.html")]
struct VotePage {
    p: Page,
    v: SittingView,
    vote: Vote,
    motion: String,
    /// The tally sheet (计票单) rather than a blank ballot.
    tally: bool,
}

impl VotePage {
    fn count_of(&self, option: &str) -> String {
        self.vote
            .count
            .as_ref()
            .and_then(|c| c.counts.get(option))
            .map(|n| n.to_string())
            .unwrap_or_default()
    }
}

async fn sign_in(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (v, rows) = app_council::sign_in_sheet(&app, &me.actor, id_of(&id)?).await?;
    Ok(render(&SignInPage { p, v, rows })?.into_response())
}

async fn minutes(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let v = app_council::sitting(&app, &me.actor, id_of(&id)?).await?;
    Ok(render(&MinutesPage {
        p,
        v,
        summary: false,
    })?
    .into_response())
}

async fn summary(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let v = app_council::sitting(&app, &me.actor, id_of(&id)?).await?;
    Ok(render(&MinutesPage {
        p,
        v,
        summary: true,
    })?
    .into_response())
}

async fn vote_page(
    app: &AppState,
    me: &Staff,
    p: Page,
    id: &str,
    tally: bool,
) -> Result<Response, PageError> {
    let (vote, v) = app_council::vote(app, &me.actor, id_of(id)?).await?;
    let motion = v
        .sitting
        .agenda
        .iter()
        .find(|a| a.seq == vote.agenda_seq)
        .map(|a| a.motion.clone())
        .unwrap_or_default();
    Ok(render(&VotePage {
        p,
        v,
        vote,
        motion,
        tally,
    })?
    .into_response())
}

async fn ballot(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    vote_page(&app, &me, p, &id, false).await
}

async fn tally(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    vote_page(&app, &me, p, &id, true).await
}
