//! Public pages: home, the walls (问题墙 / 回音壁), submission and tracking. Nothing here
//! shows personal data: names keep the surname, numbers are masked, places stop at the
//! building, confidential requests never appear on a wall.

mod home;
mod submit;
mod track;
mod wall;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use minhu_domain::org::{Level, Org};

use super::attachments::{MAX_PHOTO_BYTES, MAX_PHOTOS};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/wall", get(wall::wall))
        .route("/track", get(track::track_form))
        .route("/track/{code}", get(track::track))
        .route("/track/{code}/rate", post(track::rate))
        .route(
            "/submit",
            get(submit::submit_form)
                .post(submit::submit)
                .layer(DefaultBodyLimit::max(
                    MAX_PHOTOS * MAX_PHOTO_BYTES + 256 * 1024,
                )),
        )
}

/// One option of a list on a form.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Text fit for the public: numbers masked, the requester's name reduced to the surname,
/// cut to `max` characters.
pub fn public_text(text: &str, requester_name: Option<&str>, max: usize) -> String {
    let mut t = minhu_domain::privacy::public_text(text, requester_name);
    if t.chars().count() > max {
        t = t.chars().take(max).collect::<String>() + "…";
    }
    t
}

/// Community (and grid) of a jurisdiction, never finer.
pub fn public_place(org: &Org, code: &str) -> String {
    let community = org
        .ancestor_at(code, Level::Community)
        .map(|j| j.name.as_str());
    let grid = org
        .jurisdiction(code)
        .filter(|j| j.level == Level::Grid)
        .map(|j| j.name.as_str());
    match (community, grid) {
        (Some(c), Some(g)) => format!("{c} · {g}"),
        (Some(c), None) => c.to_string(),
        _ => org
            .jurisdiction(code)
            .map(|j| j.name.clone())
            .unwrap_or_default(),
    }
}
