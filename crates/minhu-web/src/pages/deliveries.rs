//! The district office's page of failing deliveries (`/staff/deliveries`): the messages
//! being retried and the dead-lettered ones, with channel, masked target, attempts, last
//! error, next attempt and the request's tracking code, and a button to retry one. The
//! same use cases as `GET /api/v1/deliveries` (`minhu_app::notify_sender::deliveries`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minhu_app::notify_sender::MAX_ATTEMPTS;
use minhu_app::notify_sender::deliveries::{self, DeliveryView, Listing};
use minhu_domain::org::Actor;
use serde::Deserialize;

use super::form::CheckedForm;
use super::{Page, PageError, Staff, render, see_other};
use crate::api::ApiQuery;
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/deliveries", get(page))
        .route("/staff/deliveries/{id}/retry", post(retry))
}

#[derive(Debug, Default, Deserialize)]
struct StateQuery {
    #[serde(default)]
    state: Option<String>,
}

/// One tab: failing or dead.
struct Tab {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "staff/deliveries.html")]
struct DeliveriesPage {
    p: Page,
    me: Staff,
    state: &'static str,
    tabs: Vec<Tab>,
    rows: Vec<DeliveryView>,
    max_attempts: i64,
}

async fn page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    ApiQuery(q): ApiQuery<StateQuery>,
) -> Result<Response, PageError> {
    let asked = q.state.as_deref().unwrap_or(Listing::Failing.as_str());
    let rows = deliveries::list(&app, &me.actor, asked).await?;
    let state = Listing::parse(asked)?.as_str();
    let tabs = [Listing::Failing, Listing::Dead]
        .iter()
        .map(|l| Tab {
            value: l.as_str(),
            label: p.t(match l {
                Listing::Failing => "notify.deliveries.failing",
                Listing::Dead => "notify.deliveries.dead",
            }),
            selected: l.as_str() == state,
        })
        .collect();
    Ok(render(&DeliveriesPage {
        p,
        me,
        state,
        tabs,
        rows,
        max_attempts: MAX_ATTEMPTS,
    })?
    .into_response())
}

async fn retry(
    State(app): State<AppState>,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    deliveries::retry(&app, &me.actor, id).await?;
    let back = match form.get("state") {
        Some("dead") => "dead",
        _ => "failing",
    };
    Ok(see_other(&format!(
        "/staff/deliveries?state={back}&retried={id}"
    )))
}

/// For the dashboard: how many deliveries of the admin's district are failing or dead;
/// `None` for everyone else (the page is the district office's).
pub async fn dashboard_count(app: &AppState, actor: &Actor) -> Option<usize> {
    if !minhu_domain::access::is_district_admin(actor) {
        return None;
    }
    let mut n = 0;
    for state in [Listing::Failing, Listing::Dead] {
        n += deliveries::list(app, actor, state.as_str())
            .await
            .ok()?
            .len();
    }
    Some(n)
}
