//! The organisation, the calendar and the deadline policy, as the API shows them.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{Datelike, NaiveDate};
use minhu_domain::calendar::{CalendarDay, DayKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use crate::auth::Authed;
use crate::error::invalid_key;
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

// ---- bodies -------------------------------------------------------------------------------

/// One jurisdiction of `GET /api/v1/jurisdictions`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JurisdictionItem {
    pub code: String,
    pub name: String,
    /// `district`, `street`, `community` or `grid`.
    pub level: String,
    pub parent: Option<String>,
}

/// One unit of `GET /api/v1/units`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnitItem {
    pub code: String,
    pub name: String,
    pub level: String,
    pub jurisdiction: String,
}

/// `GET /api/v1/me`: who the token belongs to.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub role: String,
    pub scope: String,
}

/// `GET /api/v1/calendar?year=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// 2000–2100; this year by default.
    #[serde(default, deserialize_with = "super::de::param")]
    pub year: Option<String>,
}

/// A year of the working-day calendar: its overrides and its number of working days.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    pub working_days: i64,
    pub days: Vec<CalendarDayItem>,
}

/// One override of the calendar (a holiday, or a make-up working day 调休).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarDayItem {
    pub date: String,
    /// `holiday` or `workday`.
    pub kind: String,
    pub note: String,
}

/// `PUT /api/v1/calendar/{date}`.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct DayBody {
    /// `holiday` or `workday`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub kind: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub note: String,
}

/// The day as set, and whether it is now a working day.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DaySet {
    pub date: String,
    pub kind: String,
    pub note: String,
    pub working_day: bool,
}

/// The day with its override removed, and whether it is a working day.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DayCleared {
    pub date: String,
    pub working_day: bool,
}

// ---- handlers -----------------------------------------------------------------------------

async fn jurisdictions(State(app): State<AppState>) -> Json<Vec<JurisdictionItem>> {
    let org = app.org();
    Json(
        org.jurisdictions()
            .map(|j| JurisdictionItem {
                code: j.code.clone(),
                name: j.name.clone(),
                level: j.level.as_str().to_string(),
                parent: j.parent.clone(),
            })
            .collect(),
    )
}

async fn units(State(app): State<AppState>) -> Json<Vec<UnitItem>> {
    let org = app.org();
    Json(
        org.units()
            .map(|u| UnitItem {
                code: u.code.clone(),
                name: u.name.clone(),
                level: u.level.as_str().to_string(),
                jurisdiction: u.jurisdiction.clone(),
            })
            .collect(),
    )
}

async fn me(Authed(actor): Authed) -> Json<Me> {
    Json(Me {
        role: actor.role_str().to_string(),
        username: actor.username,
        scope: actor.scope,
    })
}

async fn calendar(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> Result<Json<CalendarYear>, ApiError> {
    let bad_year = || invalid_key("year", "invalid_year", "api.invalid.year", &[]);
    let year = match q.year.as_deref() {
        None => app.now().with_timezone(&minhu_domain::time::ZONE).year(),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(bad_year)?,
    };
    let cal = app.calendar();
    let days = app
        .store
        .calendar_days()
        .await?
        .into_iter()
        .filter(|d| d.date.year() == year)
        .map(|d| CalendarDayItem {
            date: d.date.to_string(),
            kind: d.kind.as_str().to_string(),
            note: d.note,
        })
        .collect();
    let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(bad_year)?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(bad_year)?;
    let working_days = cal.working_days_between(first.pred_opt().ok_or_else(bad_year)?, last);
    Ok(Json(CalendarYear {
        year,
        working_days,
        days,
    }))
}

fn parse_date(s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| invalid_key("date", "invalid_date", "api.invalid.date", &[("date", s)]))
}

async fn set_day(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(date): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<DaySet>, ApiError> {
    super::require_deployment_admin(&app, &actor, "api.what.calendar")?;
    let date = parse_date(&date)?;
    let body: DayBody = super::typed_body(&headers, body)?;
    let kind = DayKind::parse(&body.kind)
        .ok_or_else(|| invalid_key("kind", "unknown_value", "api.invalid.day_kind", &[]))?;
    let note = body.note.trim().to_string();
    app.store
        .set_calendar_day(&CalendarDay {
            date,
            kind,
            note: note.clone(),
        })
        .await?;
    app.reload().await?;
    tracing::info!(actor = %actor.username, %date, kind = kind.as_str(), "calendar day set");
    Ok(Json(DaySet {
        date: date.to_string(),
        kind: kind.as_str().to_string(),
        note,
        working_day: app.calendar().is_working_day(date),
    }))
}

async fn clear_day(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(date): Path<String>,
) -> Result<Json<DayCleared>, ApiError> {
    super::require_deployment_admin(&app, &actor, "api.what.calendar")?;
    let date = parse_date(&date)?;
    if !app.store.clear_calendar_day(date).await? {
        return Err(ApiError::not_found());
    }
    app.reload().await?;
    Ok(Json(DayCleared {
        date: date.to_string(),
        working_day: app.calendar().is_working_day(date),
    }))
}

/// The deadline policy in force (its own serialisation, from the domain).
async fn sla_policy(State(app): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        serde_json::to_value(&*app.sla()).map_err(ApiError::internal)?,
    ))
}
