//! The home page: what Minhu is, the ways in, and how many requests each wall shows.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minhu_domain::request::State as ReqState;
use minhu_store::ListFilter;

use super::wall::{ANSWERED_STATES, OPEN_STATES};
use crate::AppState;
use crate::pages::{Page, PageError, render};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    p: Page,
    open: i64,
    answered: i64,
}

pub(super) async fn home(State(app): State<AppState>, p: Page) -> Result<Response, PageError> {
    let count = |states: &[ReqState]| ListFilter {
        states: states.to_vec(),
        public: true,
        page: 1,
        page_size: 1,
        ..Default::default()
    };
    let open = app.store.list_requests(&count(OPEN_STATES)).await?.total;
    let answered = app
        .store
        .list_requests(&count(ANSWERED_STATES))
        .await?
        .total;
    Ok(render(&HomePage { p, open, answered })?.into_response())
}
