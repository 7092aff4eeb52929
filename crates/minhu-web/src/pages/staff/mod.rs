//! Staff pages: the queue, the counter intake form, the request page with the actions the
//! state allows this person, photos, the hints (suggested category and unit, possible
//! duplicates) shown while a request is typed in, and the dashboard. Who may see and do
//! what is decided by `minhu_domain::access`; these pages only turn a refusal into a page.

mod actions;
#[cfg(test)]
pub(crate) use actions::action_fields;
mod hints;
mod intake;
mod queue;
mod request;

use axum::Router;
use axum::routing::{get, post};
use minhu_domain::org::Unit;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(queue::queue))
        .route(
            "/staff/intake",
            get(intake::intake_form).post(intake::intake),
        )
        .route("/staff/hints", get(hints::hints))
        .route("/staff/requests/{id}", get(request::request_page))
        .route("/staff/requests/{id}/act/{action}", post(actions::act))
        .route("/staff/requests/{id}/photos/{hash}", get(request::photo))
        .route("/staff/dashboard", get(super::dashboard::dashboard))
}

/// A unit as the hints show it: name and code.
fn unit_label(u: &Unit) -> String {
    format!("{}（{}）", u.name, u.code)
}
