//! The dispatch catalogue, subscriptions, screening reasons, and the deadline monitor.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};

use minhu_domain::request::NOT_ACCEPTED_REASONS;
use minhu_store::DispatchRule;
use serde_json::{Value, json};

use crate::auth::Authed;
use crate::error::{invalid, require_district_admin};
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

/// The catalogue's suggestion for a category in a jurisdiction, with the fallback (兜底).
pub fn suggestion_json(app: &AppState, category: Option<&str>, jurisdiction: &str) -> Value {
    let rules = app.dispatch_rules();
    let org = app.org();
    match DispatchRule::suggest(&rules, &org, category, jurisdiction) {
        Some(r) => json!({
            "unit": r.lead_unit,
            "unit_name": org.unit(&r.lead_unit).map(|u| u.name.clone()),
            "co_units": r.co_units,
            "rule": r.id,
            "fallback": r.category.is_empty(),
            "note": r.note,
        }),
        None => Value::Null,
    }
}

async fn rules(State(app): State<AppState>) -> Json<Value> {
    Json(serde_json::to_value(&*app.dispatch_rules()).expect("rules serialise"))
}

async fn add_rule(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_district_admin(
        &actor,
        "维护派单目录、通知订阅和运行时限监控",
        "maintain the dispatch catalogue and subscriptions or run the sweep",
    )?;
    let body = super::json_body(&headers, body)?;
    let org = app.org();
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or("")
            .to_string()
    };
    let category = text("category");
    let jurisdiction = text("jurisdiction");
    let unit = text("unit");
    if org.jurisdiction(&jurisdiction).is_none() {
        return Err(invalid(
            "jurisdiction",
            format!("未找到辖区“{jurisdiction}”"),
            format!("unknown jurisdiction '{jurisdiction}'"),
        ));
    }
    if org.unit(&unit).is_none() {
        return Err(invalid(
            "unit",
            format!("未找到单位“{unit}”"),
            format!("unknown unit '{unit}'"),
        ));
    }
    let co: Vec<String> = body
        .get("co_units")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if let Some(bad) = co.iter().find(|c| org.unit(c).is_none()) {
        return Err(invalid(
            "co_units",
            format!("未找到单位“{bad}”"),
            format!("unknown unit '{bad}'"),
        ));
    }
    let id = app
        .store
        .add_dispatch_rule(&category, &jurisdiction, &unit, &co, &text("note"))
        .await?;
    app.reload().await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))))
}

async fn delete_rule(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    require_district_admin(
        &actor,
        "维护派单目录、通知订阅和运行时限监控",
        "maintain the dispatch catalogue and subscriptions or run the sweep",
    )?;
    if !app.store.delete_dispatch_rule(id).await? {
        return Err(ApiError::not_found());
    }
    app.reload().await?;
    Ok(Json(json!({"deleted": id})))
}

async fn suggest(
    State(app): State<AppState>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let jurisdiction = q.get("jurisdiction").map(|s| s.trim()).unwrap_or("");
    if app.org().jurisdiction(jurisdiction).is_none() {
        return Err(invalid(
            "jurisdiction",
            format!("未找到辖区“{jurisdiction}”"),
            format!("unknown jurisdiction '{jurisdiction}'"),
        ));
    }
    Ok(Json(suggestion_json(
        &app,
        q.get("category")
            .map(String::as_str)
            .filter(|c| !c.is_empty()),
        jurisdiction,
    )))
}

async fn subscriptions(
    State(app): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<Value>, ApiError> {
    require_district_admin(
        &actor,
        "维护派单目录、通知订阅和运行时限监控",
        "maintain the dispatch catalogue and subscriptions or run the sweep",
    )?;
    Ok(Json(
        serde_json::to_value(&*app.subscriptions()).expect("subscriptions serialise"),
    ))
}

async fn add_subscription(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_district_admin(
        &actor,
        "维护派单目录、通知订阅和运行时限监控",
        "maintain the dispatch catalogue and subscriptions or run the sweep",
    )?;
    let body = super::json_body(&headers, body)?;
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or("")
            .to_string()
    };
    let (owner, channel, target) = (text("owner"), text("channel"), text("target"));
    if owner.is_empty() {
        return Err(invalid(
            "owner",
            "请填写订阅者（单位代码、辖区代码、channel:渠道 或 *）".into(),
            "owner is required (unit code, jurisdiction code, channel:NAME or *)".into(),
        ));
    }
    match channel.as_str() {
        "webhook" if !(target.starts_with("http://") || target.starts_with("https://")) => {
            return Err(invalid(
                "target",
                "webhook 地址须以 http:// 或 https:// 开头".into(),
                "target must be an http(s) URL".into(),
            ));
        }
        "email" if target.parse::<lettre::Address>().is_err() => {
            return Err(invalid(
                "target",
                format!("“{target}”不是有效的电子邮件地址"),
                format!("'{target}' is not an e-mail address"),
            ));
        }
        "webhook" | "email" => {}
        _ => {
            return Err(invalid(
                "channel",
                "通知方式可选：webhook、email".into(),
                "channel must be webhook or email".into(),
            ));
        }
    }
    let secret = text("secret");
    let actions = Some(text("actions"))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| "*".into());
    let id = app
        .store
        .add_subscription(
            &owner,
            &channel,
            &target,
            Some(secret.as_str()).filter(|s| !s.is_empty()),
            &actions,
        )
        .await?;
    app.reload().await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))))
}

async fn reasons() -> Json<Value> {
    Json(Value::Array(
        NOT_ACCEPTED_REASONS
            .iter()
            .map(|(code, zh, en)| json!({"code": code, "reason": zh, "reason_en": en}))
            .collect(),
    ))
}

async fn notifications(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let (req, _) = app
        .store
        .load_request(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !minhu_domain::lifecycle::relation(&actor, &req, &app.org()).staff {
        return Err(ApiError::not_found());
    }
    let rows = app.store.outbox_for_request(id).await?;
    Ok(Json(Value::Array(
        rows.iter()
            .map(|m| json!({
                "id": m.id, "event_seq": m.event_seq, "channel": m.channel,
                "target": if m.channel == "sms" { minhu_domain::privacy::mask_phone(&m.target) } else { m.target.clone() },
                "attempts": m.attempts, "delivered_at": m.delivered_at.map(minhu_domain::time::rfc3339), "last_error": m.last_error,
            }))
            .collect(),
    )))
}

#[derive(serde::Deserialize)]
struct SweepQuery {
    at: Option<String>,
}

/// Runs the deadline monitor now (or as of `at`), district_admin only.
async fn sweep(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<SweepQuery>,
) -> Result<Json<Value>, ApiError> {
    require_district_admin(
        &actor,
        "维护派单目录、通知订阅和运行时限监控",
        "maintain the dispatch catalogue and subscriptions or run the sweep",
    )?;
    let at = match q.at.as_deref().filter(|s| !s.is_empty()) {
        None => app.now(),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|_| {
                invalid(
                    "at",
                    format!("“{s}”不是 RFC 3339 时间"),
                    format!("'{s}' is not RFC 3339"),
                )
            })?,
    };
    let report = crate::service::sweep(&app, at).await?;
    Ok(Json(
        serde_json::to_value(report).expect("report serialises"),
    ))
}
