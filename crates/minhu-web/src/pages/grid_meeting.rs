//! The grid's papers as pages: the public board (`/grids/{grid}/board`, 网格公示牌), and for
//! staff the community's meetings, a meeting's minutes (例会纪要) or rollup record, and the
//! day's computed 社情日汇总 — each printable on A4 (`/static/grid_meeting.css` has the print
//! rules). The same use cases as the API (`minhu_app::grid_meeting`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minhu_app::grid_meeting::{self as app_meeting, Board};
use minhu_domain::grid_ledger::PostKind;
use minhu_domain::grid_meeting::{self as domain, Meeting, MeetingItem, MeetingKind, Rollup};
use minhu_domain::org::Org;
use minhu_store::BoardPost;

use super::form::Echo;
use super::{Page, PageError, Staff, render};
use crate::{ApiError, AppState};

mod forms;
mod xlsx;

use forms::Errors;
pub use forms::nav;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/grid_meeting.css", get(css))
        .route("/grids/{grid}/board", get(board))
        .route("/staff/communities/{code}/meetings", get(list))
        .route("/staff/meetings/{id}", get(meeting))
        .route("/staff/communities/{code}/rollup/{day}", get(rollup))
        .route("/staff/meetings/{id}/xlsx", get(xlsx::meeting))
        .route(
            "/staff/communities/{code}/rollup/{day}/xlsx",
            get(xlsx::rollup),
        )
        .merge(forms::router())
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../templates/grid_meeting/print.css"),
    )
}

#[derive(Template)]
#[template(path = "grid_meeting/board.html")]
struct BoardPage {
    p: Page,
    board: Board,
    /// Each post with its label in the reader's language.
    posts: Vec<(String, BoardPost)>,
}

/// The public board: no login, nothing of residents (see `minhu_app::grid_meeting::board`).
async fn board(
    State(app): State<AppState>,
    p: Page,
    Path(grid): Path<String>,
) -> Result<Response, PageError> {
    let board = app_meeting::board(&app, &grid).await?;
    let posts = board
        .posts
        .iter()
        .map(|post| {
            let label = PostKind::parse(&post.post)
                .map(|k| {
                    if p.lang.is_english() {
                        k.as_str().to_string()
                    } else {
                        k.zh().to_string()
                    }
                })
                .unwrap_or_else(|| post.post.clone());
            (label, post.clone())
        })
        .collect();
    Ok(render(&BoardPage { p, board, posts })?.into_response())
}

fn community_name(org: &Org, code: &str) -> String {
    org.jurisdiction(code)
        .map(|j| j.name.clone())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "grid_meeting/list.html")]
struct ListPage {
    p: Page,
    me: Staff,
    code: String,
    community_name: String,
    today: String,
    meetings: Vec<Meeting>,
    /// The community's grids (code, name), each with its duty list.
    grids: Vec<(String, String)>,
    /// The new-meeting form as it was posted (kind, day, attendees), when refused.
    values: Echo,
    error: Errors,
}

impl ListPage {
    /// A field of the form for `kind`, as typed if that form was the one refused.
    fn value(&self, kind: &str, field: &str, default: &str) -> String {
        if self.values.v("kind") == kind {
            self.values.v(field)
        } else {
            default.to_string()
        }
    }
    /// The refusal of the form for `kind` at `field` ("" for one naming no field shown).
    fn error_of(&self, kind: &str, field: &str) -> Option<&str> {
        if self.values.v("kind") != kind {
            return None;
        }
        match field {
            "" => self.error.other(&["day", "attendees"]),
            f => self.error.at(f),
        }
    }
}

async fn list_page(
    app: &AppState,
    p: Page,
    me: Staff,
    code: String,
    values: Echo,
    error: Errors,
) -> Result<ListPage, PageError> {
    let meetings = app_meeting::meetings(app, &me.actor, &code).await?;
    let org = app.org();
    let grids = org
        .jurisdictions()
        .filter(|j| j.level == minhu_domain::org::Level::Grid && j.parent.as_deref() == Some(&code))
        .filter(|j| minhu_domain::access::covers(&me.actor, &org, &j.code))
        .map(|j| (j.code.clone(), j.name.clone()))
        .collect();
    Ok(ListPage {
        grids,
        p,
        me,
        community_name: community_name(&app.org(), &code),
        today: minhu_domain::time::local_date(app.now()).to_string(),
        code,
        meetings,
        values,
        error,
    })
}

async fn list(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let empty = Echo(serde_json::Map::new());
    let page = list_page(&app, p, me, code, empty, Errors::default()).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "grid_meeting/meeting.html")]
struct MeetingPage {
    p: Page,
    title: &'static str,
    community_name: String,
    m: Meeting,
    items: Vec<MeetingItem>,
    rollup: Option<Rollup>,
    issued: bool,
}

async fn meeting(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let view = app_meeting::meeting(&app, &me.actor, id).await?;
    let title = p.t(match view.meeting.kind {
        MeetingKind::WeeklyMeeting => "grid_meeting.page.weekly_title",
        MeetingKind::DailyRollup => "grid_meeting.page.rollup",
    });
    let rollup = view.meeting.rollup.clone();
    Ok(render(&MeetingPage {
        p,
        title,
        community_name: community_name(&app.org(), &view.meeting.community),
        issued: view.meeting.state == domain::MeetingState::Issued,
        m: view.meeting,
        items: view.items,
        rollup,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "grid_meeting/rollup.html")]
struct RollupPage {
    p: Page,
    community_name: String,
    r: Rollup,
}

async fn rollup(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path((code, day)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let day = domain::parse_day("day", &day)?;
    let r = app_meeting::rollup(&app, &me.actor, &code, day).await?;
    Ok(render(&RollupPage {
        p,
        community_name: community_name(&app.org(), &code),
        r,
    })?
    .into_response())
}
