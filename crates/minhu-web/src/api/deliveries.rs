//! Failing deliveries for the district office: `GET /api/v1/deliveries?state=failing|dead`
//! lists the messages being retried or dead-lettered (targets masked), and
//! `POST /api/v1/deliveries/{id}/retry` makes one due again. The rules are
//! `minhu_app::notify_sender::deliveries`.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use minhu_app::notify_sender::deliveries::{self, DeliveryView, Listing};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use crate::auth::Authed;
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/deliveries", get(list))
        .route("/api/v1/deliveries/{id}/retry", post(retry))
}

/// `GET /api/v1/deliveries?state=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// `failing` (being retried, the default) or `dead` (no longer retried).
    #[serde(default, deserialize_with = "super::de::param")]
    pub state: Option<String>,
}

/// An undelivered message that failed at least once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryItem {
    /// The delivery id (sent as `X-Minhu-Delivery`).
    pub id: i64,
    pub request_id: i64,
    /// The request's tracking code.
    pub tracking_code: String,
    pub event_seq: i64,
    /// `webhook`, `sms` or `email`.
    pub channel: String,
    /// Masked: a phone or mailbox hidden, a webhook URL without its query.
    pub target: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// When it is tried next (RFC 3339); absent once dead.
    pub next_attempt_at: Option<String>,
    /// When it was dead-lettered (RFC 3339).
    pub dead_at: Option<String>,
    pub created_at: String,
    /// `failing` or `dead`.
    pub state: String,
}

impl From<DeliveryView> for DeliveryItem {
    fn from(d: DeliveryView) -> Self {
        use minhu_domain::time::rfc3339;
        DeliveryItem {
            id: d.id,
            request_id: d.request_id,
            tracking_code: d.code,
            event_seq: d.event_seq,
            channel: d.channel,
            target: d.target,
            attempts: d.attempts,
            last_error: d.last_error,
            next_attempt_at: d.next_attempt_at.map(rfc3339),
            dead_at: d.dead_at.map(rfc3339),
            created_at: rfc3339(d.created_at),
            state: d.state.as_str().to_string(),
        }
    }
}

async fn list(
    State(app): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<DeliveriesQuery>,
) -> Result<Json<Vec<DeliveryItem>>, ApiError> {
    let state = q.state.as_deref().unwrap_or(Listing::Failing.as_str());
    let rows = deliveries::list(&app, &actor, state).await?;
    Ok(Json(rows.into_iter().map(DeliveryItem::from).collect()))
}

async fn retry(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<DeliveryItem>, ApiError> {
    // An id that is not a number names nothing: 404, as an unknown one.
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    Ok(Json(deliveries::retry(&app, &actor, id).await?.into()))
}
