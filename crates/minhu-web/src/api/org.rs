//! The organisation, the calendar and the deadline policy, as the API shows them.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{Datelike, NaiveDate};
use minhu_domain::calendar::{CalendarDay, DayKind};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::Authed;
use crate::error::require_district_admin;
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/jurisdictions", get(jurisdictions))
        .route("/api/v1/units", get(units))
        .route("/api/v1/me", get(me))
        .route("/api/v1/calendar", get(calendar))
        .route("/api/v1/calendar/{date}", put(set_day).delete(clear_day))
        .route("/api/v1/sla/policy", get(sla_policy))
}

async fn jurisdictions(State(app): State<AppState>) -> Json<Value> {
    let org = app.org();
    Json(Value::Array(
        org.jurisdictions().map(|j| json!({"code": j.code, "name": j.name, "level": j.level.as_str(), "parent": j.parent})).collect(),
    ))
}

async fn units(State(app): State<AppState>) -> Json<Value> {
    let org = app.org();
    Json(Value::Array(
        org.units().map(|u| json!({"code": u.code, "name": u.name, "level": u.level.as_str(), "jurisdiction": u.jurisdiction})).collect(),
    ))
}

async fn me(Authed(actor): Authed) -> Json<Value> {
    Json(json!({"username": actor.username, "role": actor.role_str(), "scope": actor.scope}))
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<String>,
}

async fn calendar(
    State(app): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Json<Value>, ApiError> {
    let year = match q.year.as_deref().filter(|s| !s.is_empty()) {
        None => app.now().with_timezone(&minhu_domain::time::ZONE).year(),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_year",
                    "年份应为2000至2100之间的整数",
                    "year must be an integer 2000–2100",
                )
                .field("year")
            })?,
    };
    let cal = app.calendar();
    let days: Vec<Value> = app
        .store
        .calendar_days()
        .await?
        .into_iter()
        .filter(|d| d.date.year() == year)
        .map(|d| json!({"date": d.date.to_string(), "kind": d.kind.as_str(), "note": d.note}))
        .collect();
    let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid");
    let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid");
    let working_days = cal.working_days_between(first.pred_opt().expect("valid"), last);
    Ok(Json(
        json!({"year": year, "working_days": working_days, "days": days}),
    ))
}

fn parse_date(s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_date",
            format!("日期“{s}”格式应为 YYYY-MM-DD"),
            format!("date '{s}' must be YYYY-MM-DD"),
        )
        .field("date")
    })
}

async fn set_day(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(date): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    require_district_admin(&actor, "修改工作日历", "edit the calendar")?;
    let date = parse_date(&date)?;
    let body = super::json_body(&headers, body)?;
    let kind_s = body.get("kind").and_then(Value::as_str).unwrap_or("");
    let kind = DayKind::parse(kind_s).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_value",
            "kind 应为 holiday 或 workday",
            "kind must be holiday or workday",
        )
        .field("kind")
    })?;
    let note = body
        .get("note")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    app.store
        .set_calendar_day(&CalendarDay {
            date,
            kind,
            note: note.clone(),
        })
        .await?;
    app.reload().await?;
    tracing::info!(actor = %actor.username, %date, kind = kind.as_str(), "calendar day set");
    Ok(Json(
        json!({"date": date.to_string(), "kind": kind.as_str(), "note": note, "working_day": app.calendar().is_working_day(date)}),
    ))
}

async fn clear_day(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(date): Path<String>,
) -> Result<Json<Value>, ApiError> {
    require_district_admin(&actor, "修改工作日历", "edit the calendar")?;
    let date = parse_date(&date)?;
    if !app.store.clear_calendar_day(date).await? {
        return Err(ApiError::not_found());
    }
    app.reload().await?;
    Ok(Json(
        json!({"date": date.to_string(), "working_day": app.calendar().is_working_day(date)}),
    ))
}

async fn sla_policy(State(app): State<AppState>) -> Json<Value> {
    Json(serde_json::to_value(&*app.sla()).expect("policy serialises"))
}
