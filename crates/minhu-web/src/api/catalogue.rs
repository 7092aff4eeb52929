//! The dispatch catalogue, subscriptions, screening reasons, and the deadline monitor.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use minhu_domain::access;
use minhu_domain::request::NOT_ACCEPTED_REASONS;
use minhu_store::DispatchRule;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::places::unknown_jurisdiction;
use super::{ApiQuery, Created};
use crate::auth::Authed;
use crate::error::{invalid_key, require_district_admin_to};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/dispatch/rules", get(rules).post(add_rule))
        .route("/api/v1/dispatch/rules/{id}", delete(delete_rule))
        .route("/api/v1/dispatch/suggest", get(suggest))
        .route(
            "/api/v1/subscriptions",
            get(subscriptions).post(add_subscription),
        )
        .route("/api/v1/screening/reasons", get(reasons))
        .route("/api/v1/requests/{id}/notifications", get(notifications))
        .route("/api/v1/sla/sweep", post(sweep))
}

// ---- bodies -------------------------------------------------------------------------------

/// The catalogue's suggestion: the lead unit (and co-handling units) for a category in a
/// jurisdiction; `fallback` when it is the jurisdiction's catch-all rule (兜底).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Suggestion {
    pub unit: String,
    pub unit_name: Option<String>,
    pub co_units: Vec<String>,
    pub rule: i64,
    pub fallback: bool,
    pub note: String,
}

/// `POST /api/v1/dispatch/rules`: an empty category is the jurisdiction's fallback.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct RuleBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub category: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub jurisdiction: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub unit: String,
    #[serde(default, deserialize_with = "super::de::texts")]
    pub co_units: Vec<String>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub note: String,
}

/// `{"deleted": id}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Deleted {
    pub deleted: i64,
}

/// `GET /api/v1/dispatch/suggest`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    pub category: Option<String>,
    pub jurisdiction: Option<String>,
}

/// `POST /api/v1/subscriptions`: who hears of what, by webhook or e-mail.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionBody {
    /// A unit code, a jurisdiction code, `channel:NAME` or `*`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub owner: String,
    /// `webhook` or `email`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub channel: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub target: String,
    /// Signs webhook deliveries (HMAC-SHA256).
    #[serde(default, deserialize_with = "super::de::text")]
    pub secret: String,
    /// Comma-separated actions, `*` (all) by default.
    #[serde(default, deserialize_with = "super::de::text")]
    pub actions: String,
}

/// A reason for not accepting a request (不予受理).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ScreeningReason {
    pub code: String,
    pub reason: String,
    pub reason_en: String,
}

/// A message of a request's outbox (an SMS target is masked).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    pub event_seq: i64,
    pub channel: String,
    pub target: String,
    pub attempts: i64,
    pub delivered_at: Option<String>,
    pub last_error: Option<String>,
}

/// `POST /api/v1/sla/sweep?at=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SweepQuery {
    /// RFC 3339; now by default.
    #[serde(default, deserialize_with = "super::de::param")]
    pub at: Option<String>,
}

// ---- handlers -----------------------------------------------------------------------------

/// The catalogue's suggestion for a category in a jurisdiction, with the fallback (兜底).
pub fn suggestion(
    app: &AppState,
    category: Option<&str>,
    jurisdiction: &str,
) -> Option<Suggestion> {
    let rules = app.dispatch_rules();
    let org = app.org();
    DispatchRule::suggest(&rules, &org, category, jurisdiction).map(|r| Suggestion {
        unit: r.lead_unit.clone(),
        unit_name: org.unit(&r.lead_unit).map(|u| u.name.clone()),
        co_units: r.co_units.clone(),
        rule: r.id,
        fallback: r.category.is_empty(),
        note: r.note.clone(),
    })
}

/// [`suggestion`] as JSON (`null` when the catalogue has none).
pub fn suggestion_json(app: &AppState, category: Option<&str>, jurisdiction: &str) -> Value {
    serde_json::to_value(suggestion(app, category, jurisdiction)).unwrap_or(Value::Null)
}

/// The catalogue's rules (the store's own serialisation).
async fn rules(State(app): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        serde_json::to_value(&*app.dispatch_rules()).map_err(ApiError::internal)?,
    ))
}

async fn add_rule(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    require_district_admin_to(&actor, "api.what.catalogue")?;
    let body: RuleBody = super::typed_body(&headers, body)?;
    let org = app.org();
    let (category, jurisdiction, unit) = (
        body.category.trim(),
        body.jurisdiction.trim(),
        body.unit.trim(),
    );
    if org.jurisdiction(jurisdiction).is_none() {
        return Err(unknown_jurisdiction(jurisdiction));
    }
    if org.unit(unit).is_none() {
        return Err(unknown_unit("unit", unit));
    }
    if let Some(bad) = body.co_units.iter().find(|c| org.unit(c).is_none()) {
        return Err(unknown_unit("co_units", bad));
    }
    // Only inside the caller's district, to its own (or the city's) units.
    super::require_admin_over(
        &app,
        &actor,
        jurisdiction,
        "jurisdiction",
        "api.what.catalogue",
    )?;
    access::require_unit_in_scope(&actor, &org, unit, "unit")?;
    for co in &body.co_units {
        access::require_unit_in_scope(&actor, &org, co, "co_units")?;
    }
    let id = app
        .store
        .add_dispatch_rule(
            category,
            jurisdiction,
            unit,
            &body.co_units,
            body.note.trim(),
        )
        .await?;
    app.reload().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

fn unknown_unit(field: &str, unit: &str) -> ApiError {
    invalid_key(
        field,
        "invalid_parameter",
        "api.invalid.unit",
        &[("unit", unit)],
    )
}

async fn delete_rule(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Deleted>, ApiError> {
    require_district_admin_to(&actor, "api.what.catalogue")?;
    // Another district's rule is refused before anything is deleted.
    let rule_place = app
        .dispatch_rules()
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.jurisdiction.clone());
    if let Some(j) = rule_place {
        super::require_admin_over(&app, &actor, &j, "id", "api.what.catalogue")?;
    }
    if !app.store.delete_dispatch_rule(id).await? {
        return Err(ApiError::not_found());
    }
    app.reload().await?;
    Ok(Json(Deleted { deleted: id }))
}

async fn suggest(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<SuggestQuery>,
) -> Result<Json<Option<Suggestion>>, ApiError> {
    let jurisdiction = q.jurisdiction.as_deref().map(str::trim).unwrap_or("");
    if app.org().jurisdiction(jurisdiction).is_none() {
        return Err(unknown_jurisdiction(jurisdiction));
    }
    let category = q.category.as_deref().filter(|c| !c.is_empty());
    Ok(Json(suggestion(&app, category, jurisdiction)))
}

async fn subscriptions(
    State(app): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<Value>, ApiError> {
    require_district_admin_to(&actor, "api.what.catalogue")?;
    // Another district's targets and secrets are not the caller's to read.
    let org = app.org();
    let mine: Vec<_> = app
        .subscriptions()
        .iter()
        .filter(|s| access::subscription_owner_in_scope(&actor, &org, &s.owner))
        .cloned()
        .collect();
    Ok(Json(
        serde_json::to_value(&mine).map_err(ApiError::internal)?,
    ))
}

/// What the sender can POST to: an absolute `http://` or `https://` URL with a host (both
/// go through rustls); anything else would be queued and fail forever.
fn deliverable_webhook(target: &str) -> bool {
    reqwest::Url::parse(target).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
    })
}

async fn add_subscription(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    require_district_admin_to(&actor, "api.what.catalogue")?;
    let body: SubscriptionBody = super::typed_body(&headers, body)?;
    let (owner, channel, target) = (body.owner.trim(), body.channel.trim(), body.target.trim());
    if owner.is_empty() {
        return Err(invalid_key(
            "owner",
            "invalid_parameter",
            "api.invalid.owner_required",
            &[],
        ));
    }
    match channel {
        "webhook" if !deliverable_webhook(target) => {
            return Err(invalid_key(
                "target",
                "invalid_parameter",
                "api.invalid.webhook_url",
                &[],
            ));
        }
        "email" if target.parse::<lettre::Address>().is_err() => {
            return Err(invalid_key(
                "target",
                "invalid_parameter",
                "api.invalid.email",
                &[("target", target)],
            ));
        }
        "webhook" | "email" => {}
        _ => {
            return Err(invalid_key(
                "channel",
                "invalid_parameter",
                "api.invalid.channel",
                &[],
            ));
        }
    }
    if !access::subscription_owner_in_scope(&actor, &app.org(), owner) {
        return Err(ApiError::from(
            access::outside_scope(owner).with_field("owner"),
        ));
    }
    let secret = body.secret.trim();
    let actions = Some(body.actions.trim())
        .filter(|a| !a.is_empty())
        .unwrap_or("*");
    let id = app
        .store
        .add_subscription(
            owner,
            channel,
            target,
            Some(secret).filter(|s| !s.is_empty()),
            actions,
        )
        .await?;
    app.reload().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

async fn reasons() -> Json<Vec<ScreeningReason>> {
    Json(
        NOT_ACCEPTED_REASONS
            .iter()
            .map(|(code, zh, en)| ScreeningReason {
                code: code.to_string(),
                reason: zh.to_string(),
                reason_en: en.to_string(),
            })
            .collect(),
    )
}

async fn notifications(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Notification>>, ApiError> {
    let (req, _) = app
        .store
        .load_request(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !access::may_read_outbox(&actor, &req, &app.org()) {
        return Err(ApiError::not_found());
    }
    let rows = app.store.outbox_for_request(id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|m| Notification {
                target: if m.channel == "sms" {
                    minhu_domain::privacy::mask_phone(&m.target)
                } else {
                    m.target
                },
                id: m.id,
                event_seq: m.event_seq,
                channel: m.channel,
                attempts: m.attempts,
                delivered_at: m.delivered_at.map(minhu_domain::time::rfc3339),
                last_error: m.last_error,
            })
            .collect(),
    ))
}

/// Runs the deadline monitor now (or as of `at`), district_admin only.
async fn sweep(
    State(app): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<SweepQuery>,
) -> Result<Json<minhu_app::sweep::SweepReport>, ApiError> {
    // A sweep acts on every district's requests.
    super::require_deployment_admin(&app, &actor, "api.what.sweep")?;
    let at = match q.at.as_deref() {
        None => app.now(),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|_| {
                invalid_key(
                    "at",
                    "invalid_parameter",
                    "api.invalid.rfc3339",
                    &[("at", s)],
                )
            })?,
    };
    Ok(Json(minhu_app::sweep::sweep(&app, at).await?))
}
