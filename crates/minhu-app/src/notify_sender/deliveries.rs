//! Failing deliveries, as the district office sees them: the messages still being retried
//! and the dead-lettered ones, of the requests in its district, with their targets masked;
//! and an admin's retry of one. Everyone else is refused (403); a message of a request
//! outside the admin's district is "not found" (404), as a request would be.

use chrono::{DateTime, Utc};
use minhu_domain::org::Actor;
use minhu_domain::text::{self, Lang};
use minhu_store::Delivery;

use super::loggable_target;
use crate::{App, AppError, Kind};

/// At most this many rows are listed (oldest first).
pub const LIST_LIMIT: i64 = 500;

/// Which failing deliveries to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Tried and failed, retried after a back-off.
    Failing,
    /// Failed too often: no longer retried until an admin retries it.
    Dead,
}

impl Listing {
    /// `failing` or `dead`; anything else is a 422 naming `state`.
    pub fn parse(s: &str) -> Result<Listing, AppError> {
        match s {
            "failing" => Ok(Listing::Failing),
            "dead" => Ok(Listing::Dead),
            _ => Err(AppError::new(Kind::Invalid, "unknown_value")
                .text("notify.deliveries.bad_state")
                .field("state")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Listing::Failing => "failing",
            Listing::Dead => "dead",
        }
    }
}

/// One undelivered message, fit to show: the target masked as in the log.
#[derive(Debug, Clone)]
pub struct DeliveryView {
    pub id: i64,
    pub request_id: i64,
    /// The request's tracking code.
    pub code: String,
    pub event_seq: i64,
    pub channel: String,
    pub target: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// When it is tried next; none once dead.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub dead_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub state: Listing,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            target: loggable_target(&d.channel, &d.target),
            next_attempt_at: d.dead_at.is_none().then_some(d.next_attempt_at),
            state: if d.dead_at.is_some() {
                Listing::Dead
            } else {
                Listing::Failing
            },
            id: d.id,
            request_id: d.request_id,
            code: d.code,
            event_seq: d.event_seq,
            channel: d.channel,
            attempts: d.attempts,
            last_error: d.last_error,
            dead_at: d.dead_at,
            created_at: d.created_at,
        }
    }
}

/// The jurisdiction path whose deliveries the actor sees: the district office's own.
fn admin_path(app: &App, actor: &Actor) -> Result<String, AppError> {
    let what = "notify.deliveries.what";
    minhu_domain::access::require_district_admin(
        actor,
        text::get(what, Lang::Zh),
        text::get(what, Lang::En),
    )?;
    let org = app.org();
    // An admin of no known district sees nothing (the root path would cover everything).
    if org.jurisdiction(&actor.scope).is_none() {
        return Err(AppError::not_found());
    }
    Ok(org.path(&actor.scope))
}

/// The failing (or dead: `state`, see [`Listing::parse`]) deliveries of the requests in
/// the admin's district, oldest first. The role is checked before the parameter.
pub async fn list(app: &App, actor: &Actor, state: &str) -> Result<Vec<DeliveryView>, AppError> {
    let path = admin_path(app, actor)?;
    let which = Listing::parse(state)?;
    let rows = app
        .store
        .failing_deliveries(which == Listing::Dead, &path, LIST_LIMIT)
        .await?;
    Ok(rows.into_iter().map(DeliveryView::from).collect())
}

/// Makes an undelivered message due again at once, with a fresh count of attempts (a dead
/// one comes back to life). 404 outside the admin's district, 409 once delivered.
pub async fn retry(app: &App, actor: &Actor, id: i64) -> Result<DeliveryView, AppError> {
    let path = admin_path(app, actor)?;
    let found = app.store.delivery(id).await?;
    let Some(d) = found.filter(|d| d.jpath.starts_with(&path)) else {
        return Err(AppError::not_found());
    };
    if !app.store.retry_delivery(d.id, app.now()).await? {
        return Err(AppError::new(Kind::Conflict, "already_delivered")
            .text("notify.deliveries.already_delivered"));
    }
    tracing::info!(id, actor = %actor.username, "delivery retried by an admin");
    let after = app
        .store
        .delivery(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(after.into())
}
