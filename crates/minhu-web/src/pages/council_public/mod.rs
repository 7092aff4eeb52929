//! The council hall for residents and the clerk's sitting page. Public (no login, Chinese
//! first, big text, no JavaScript, de-identified by `minhu_app::council_public`): a
//! community's hall (`/communities/{code}/council`: sittings noticed, recent decisions with
//! their votes, quorum and 公示) and a decision's progress
//! (`/communities/{code}/decisions/{id}`: its items, a bar of verified/total, the timeline,
//! the result 公示). For staff: a sitting's page with attendance entry ([`sitting`]).

mod sitting;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minhu_app::council::ProgressItem;
use minhu_app::council_public::{self as public, DecisionPage as View, Entry, Hall, PublicNotice};
use minhu_domain::text::{self, Lang};
use minhu_domain::time::ZONE;

use super::{Page, PageError, render};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/communities/{code}/council", get(hall))
        .route("/communities/{code}/decisions/{id}", get(decision))
        .route(
            "/communities/{code}/publications/{id}/photo",
            get(board_photo),
        )
        .merge(sitting::router())
}

fn id_of(text: &str) -> Result<i64, PageError> {
    text.parse()
        .map_err(|_| PageError::from(ApiError::not_found()))
}

fn community_name(app: &AppState, code: &str) -> String {
    app.org()
        .jurisdiction(code)
        .map(|j| j.name.clone())
        .unwrap_or_default()
}

fn day(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&ZONE).format("%Y-%m-%d").to_string()
}

/// A publication's kind in the reader's language.
fn kind_label(lang: Lang, n: &PublicNotice) -> String {
    match n.kind {
        Some(k) if lang.is_english() => k.as_str().replace('_', " "),
        Some(k) => k.zh().to_string(),
        None => String::new(),
    }
}

#[derive(Template)]
#[template(path = "council_public/hall.html")]
struct HallPage {
    p: Page,
    code: String,
    community_name: String,
    hall: Hall,
}

impl HallPage {
    fn kind(&self, n: &PublicNotice) -> String {
        kind_label(self.p.lang, n)
    }
    fn day(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        day(*at)
    }
}

async fn hall(
    State(app): State<AppState>,
    p: Page,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let hall = public::hall(&app, &code).await?;
    Ok(render(&HallPage {
        p,
        community_name: community_name(&app, &code),
        code,
        hall,
    })?
    .into_response())
}

/// One line of the timeline, worded for the reader.
pub struct Line {
    pub day: String,
    pub text: String,
    /// The 公示 shown, for its board and photo.
    pub notice: Option<PublicNotice>,
}

fn line(lang: Lang, at: chrono::DateTime<chrono::Utc>, e: &Entry) -> Line {
    match e {
        Entry::Published(n) => Line {
            day: day(at),
            text: format!("{}：{}", kind_label(lang, n), n.title),
            notice: Some(n.clone()),
        },
        Entry::Step {
            item_title,
            key,
            unit,
            due,
        } => {
            let due = due.map(|d| d.to_string()).unwrap_or_default();
            let words = text::fill(key, lang, &[("unit", unit), ("due", &due)]);
            Line {
                day: day(at),
                text: format!("{item_title}：{words}"),
                notice: None,
            }
        }
    }
}

#[derive(Template)]
#[template(path = "council_public/decision.html")]
struct DecisionPage {
    p: Page,
    code: String,
    community_name: String,
    v: View,
    items: Vec<ProgressItem>,
    lines: Vec<Line>,
    verified: usize,
    total: usize,
    /// Verified items as a share of all, 0–100, for the bar.
    percent: u32,
}

impl DecisionPage {
    fn kind(&self, n: &PublicNotice) -> String {
        kind_label(self.p.lang, n)
    }
    fn day(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        day(*at)
    }
    fn state(&self, i: &ProgressItem) -> String {
        if self.p.lang.is_english() {
            i.state.replace('_', " ")
        } else {
            i.state_label.clone()
        }
    }
}

async fn decision(
    State(app): State<AppState>,
    p: Page,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let v = public::decision_page(&app, &code, id_of(&id)?).await?;
    let lines = v
        .timeline
        .iter()
        .map(|(at, e)| line(p.lang, *at, e))
        .collect();
    let progress = v.progress.as_ref();
    Ok(render(&DecisionPage {
        p,
        community_name: community_name(&app, &code),
        items: progress.map(|g| g.items.clone()).unwrap_or_default(),
        verified: progress.map_or(0, |g| g.verified),
        total: progress.map_or(0, |g| g.total),
        percent: progress.map_or(0, |g| g.percent),
        code,
        v,
        lines,
    })?
    .into_response())
}

async fn board_photo(
    State(app): State<AppState>,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (mime, bytes) = public::board_photo(&app, &code, id_of(&id)?).await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600".into()),
        ],
        bytes,
    )
        .into_response())
}
