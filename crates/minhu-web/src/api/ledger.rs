//! Ledgers (台账), reports and evaluation (issue 04) over HTTP: the daily register, the
//! weekly summary, the monthly report, the 三率 ranking, the evaluation policy and
//! exclusions. JSON by default; `format=xlsx` or `format=csv` for files. The handlers parse,
//! check access (`minhu_domain::access`) and shape the response; the builders live in
//! `minhu_app::ledger` (re-exported here at their old paths) so the pages and the command
//! line (`minhu ledger …`) produce the same files.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use minhu_domain::access;
use minhu_domain::org::{Actor, Jurisdiction, Org};
use minhu_ledger::facts::FactLevel;
use minhu_ledger::report::Figures;
use minhu_ledger::{EvaluationPolicy, RegisterRow, Table, YearMonth};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

pub use minhu_app::ledger::{
    DailyRegister, RegisterItem, daily_register, daily_register_xlsx, evaluation, evaluation_table,
    hot_spots, local_start, monthly_report, refresh, register_pages, register_xlsx, weekly_report,
};

use super::ApiQuery;
use super::de::Checked;
use super::places::unknown_jurisdiction;
use crate::auth::Authed;
use crate::error::{forbidden_key, invalid_key, require_district_admin_to};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/ledger/daily", get(daily))
        .route("/api/v1/reports/weekly", get(weekly))
        .route("/api/v1/reports/monthly", get(monthly))
        .route("/api/v1/evaluation", get(evaluation_route))
        .route(
            "/api/v1/evaluation/policy",
            get(policy_list).post(policy_create),
        )
        .route(
            "/api/v1/evaluation/exclusions",
            get(exclusion_list).post(exclusion_create),
        )
        .route(
            "/api/v1/evaluation/exclusions/{id}/approve",
            post(exclusion_approve),
        )
}

// ---- bodies -------------------------------------------------------------------------------

/// `GET /api/v1/ledger/daily`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DailyQuery {
    /// The caller's own scope by default.
    #[serde(default, deserialize_with = "super::de::param")]
    pub jurisdiction: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default, deserialize_with = "super::de::param")]
    pub date: Option<String>,
    /// `json` (default), `xlsx` or `csv`.
    #[serde(default, deserialize_with = "super::de::param")]
    pub format: Option<String>,
    /// `1` to unmask personal fields (jurisdiction staff, with a `reason`; logged).
    #[serde(default, deserialize_with = "super::de::param")]
    pub unmasked: Option<String>,
    #[serde(default, deserialize_with = "super::de::param")]
    pub reason: Option<String>,
}

/// The daily register as JSON.
#[derive(Debug, Serialize, ToSchema)]
pub struct DailyLedger {
    pub jurisdiction: String,
    pub name: String,
    pub date: NaiveDate,
    pub masked: bool,
    pub count: usize,
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<RegisterRow>,
}

/// `GET /api/v1/reports/weekly`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeeklyQuery {
    #[serde(default, deserialize_with = "super::de::param")]
    pub jurisdiction: Option<String>,
    /// ISO week, YYYY-Www.
    #[serde(default, deserialize_with = "super::de::param")]
    pub week: Option<String>,
    /// `json` (default) or `xlsx`.
    #[serde(default, deserialize_with = "super::de::param")]
    pub format: Option<String>,
}

/// `GET /api/v1/reports/monthly`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthlyQuery {
    #[serde(default, deserialize_with = "super::de::param")]
    pub jurisdiction: Option<String>,
    /// YYYY-MM (the assessment month of the policy in force).
    #[serde(default, deserialize_with = "super::de::param")]
    pub month: Option<String>,
    /// `json` (default) or `xlsx`.
    #[serde(default, deserialize_with = "super::de::param")]
    pub format: Option<String>,
}

/// `GET /api/v1/evaluation`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvaluationQuery {
    #[serde(default, deserialize_with = "super::de::param")]
    pub month: Option<String>,
    /// `street` (default), `community`, `district` or `unit`.
    pub level: Option<String>,
    /// Rank only those within this jurisdiction.
    #[serde(default, deserialize_with = "super::de::param")]
    pub jurisdiction: Option<String>,
    /// `json` (default), `xlsx` or `csv`.
    #[serde(default, deserialize_with = "super::de::param")]
    pub format: Option<String>,
}

/// The 三率 ranking of a level for a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ranking {
    pub month: String,
    pub level: String,
    pub period: PeriodDays,
    pub policy_version: i64,
    /// Ranked figures (`Figures::evaluation_json`).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
}

/// A period by its first and last local dates (both included).
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodDays {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// A version of the evaluation policy (考评策略).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Policy {
    pub version: i64,
    pub w_response: f64,
    pub w_resolution: f64,
    pub w_satisfaction: f64,
    pub basic_factor: f64,
    pub period_start_day: u32,
}

impl From<&EvaluationPolicy> for Policy {
    fn from(p: &EvaluationPolicy) -> Self {
        Policy {
            version: p.version,
            w_response: p.w_response,
            w_resolution: p.w_resolution,
            w_satisfaction: p.w_satisfaction,
            basic_factor: p.basic_factor,
            period_start_day: p.period_start_day,
        }
    }
}

/// A stored version of the policy, with who made it and why.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PolicyVersion {
    #[serde(flatten)]
    pub policy: Policy,
    pub note: String,
    pub created_by: String,
    pub created_at: String,
}

/// `GET /api/v1/evaluation/policy`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Policies {
    pub current: Policy,
    pub versions: Vec<PolicyVersion>,
}

/// `POST /api/v1/evaluation/policy`: unspecified numbers keep the current version's.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PolicyBody {
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub w_response: Checked<f64>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub w_resolution: Checked<f64>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub w_satisfaction: Checked<f64>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub basic_factor: Checked<f64>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub period_start_day: Checked<f64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub note: String,
}

/// An exclusion from scoring (考评剔除).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Exclusion {
    pub request_id: i64,
    pub reason: String,
    pub approved_by: String,
    pub approved_at: String,
}

/// `GET /api/v1/evaluation/exclusions`: the approved exclusions (the only ones that change
/// a figure) and the proposals waiting for a second district admin, within the caller's
/// scope.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Exclusions {
    pub items: Vec<Exclusion>,
    pub proposed: Vec<ExclusionProposed>,
}

/// An exclusion waiting for its approval.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExclusionProposed {
    pub request_id: i64,
    pub reason: String,
    pub proposed_by: String,
    pub proposed_at: String,
}

/// `POST /api/v1/evaluation/exclusions`: the caller proposes; another district admin
/// approves (`POST /api/v1/evaluation/exclusions/{id}/approve`).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ExclusionBody {
    #[serde(default)]
    #[schema(value_type = i64)]
    pub request_id: Checked<i64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub reason: String,
}

/// An exclusion as proposed (`status` `proposed`, no approver yet) or as approved.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExclusionMade {
    pub request_id: i64,
    pub reason: String,
    /// `proposed` or `approved`.
    pub status: String,
    pub proposed_by: String,
    pub approved_by: Option<String>,
}

// ---- parameters ---------------------------------------------------------------------------

/// The jurisdiction a ledger is asked for: the caller's own scope by default; it must lie
/// within that scope (`minhu_domain::access::ledger_jurisdiction`).
pub fn ledger_jurisdiction<'a>(
    actor: &Actor,
    org: &'a Org,
    asked: Option<&str>,
) -> Result<&'a Jurisdiction, ApiError> {
    Ok(access::ledger_jurisdiction(actor, org, asked)?)
}

/// May this caller have personal fields unmasked in an export? Staff of the jurisdiction
/// (district, street, community) only, with a reason.
fn unmasking(
    actor: &Actor,
    unmasked: Option<&str>,
    reason: Option<&str>,
) -> Result<Option<String>, ApiError> {
    match unmasked {
        None | Some("0") | Some("false") => Ok(None),
        Some("1") | Some("true") => {
            if !access::may_export_unmasked(actor) {
                return Err(forbidden_key("api.forbidden.unmasked", &[]).field("unmasked"));
            }
            let reason = reason.ok_or_else(|| {
                invalid_key(
                    "reason",
                    "invalid_parameter",
                    "api.invalid.unmask_reason",
                    &[],
                )
            })?;
            Ok(Some(reason.to_string()))
        }
        Some(other) => Err(invalid_key(
            "unmasked",
            "invalid_parameter",
            "api.invalid.unmasked",
            &[("unmasked", other)],
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xlsx,
    Csv,
}

fn format_of(raw: Option<&str>, csv_ok: bool) -> Result<Format, ApiError> {
    match raw {
        None | Some("json") => Ok(Format::Json),
        Some("xlsx") => Ok(Format::Xlsx),
        Some("csv") if csv_ok => Ok(Format::Csv),
        Some(other) => Err(invalid_key(
            "format",
            "invalid_parameter",
            if csv_ok {
                "api.invalid.format_csv"
            } else {
                "api.invalid.format"
            },
            &[("format", other)],
        )),
    }
}

pub(crate) fn file(bytes: Vec<u8>, name: &str, format: Format) -> Response {
    let (ct, ext) = match format {
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Json => ("application/json", "json"),
    };
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

pub(crate) fn xlsx(tables: &[Table]) -> Result<Vec<u8>, ApiError> {
    minhu_ledger::to_xlsx(tables).map_err(ApiError::internal)
}

/// A query parameter, trimmed; absent when empty.
pub(crate) fn param<'q>(q: &'q HashMap<String, String>, key: &str) -> Option<&'q str> {
    q.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn parse_date(raw: Option<&str>) -> Result<NaiveDate, ApiError> {
    let raw = raw.unwrap_or("");
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        invalid_key(
            "date",
            "invalid_parameter",
            "api.invalid.ledger_date",
            &[("date", raw)],
        )
    })
}

fn parse_month(raw: Option<&str>) -> Result<YearMonth, ApiError> {
    let raw = raw.unwrap_or("");
    YearMonth::parse(raw).ok_or_else(|| {
        invalid_key(
            "month",
            "invalid_parameter",
            "api.invalid.month",
            &[("month", raw)],
        )
    })
}

// ---- handlers -----------------------------------------------------------------------------

async fn daily(
    State(app): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<DailyQuery>,
) -> Result<Response, ApiError> {
    let org = app.org();
    let j = ledger_jurisdiction(&actor, &org, q.jurisdiction.as_deref())?;
    let date = parse_date(q.date.as_deref())?;
    let format = format_of(q.format.as_deref(), true)?;
    let reason = unmasking(&actor, q.unmasked.as_deref(), q.reason.as_deref())?;
    let name = format!("ledger-daily-{}-{}", j.code, date);
    if format == Format::Xlsx {
        let bytes = daily_register_xlsx(&app, &actor, j, date, reason.as_deref()).await?;
        return Ok(file(bytes, &name, format));
    }
    let reg = daily_register(&app, &actor, j, date, reason.as_deref()).await?;
    Ok(match format {
        Format::Json => Json(DailyLedger {
            jurisdiction: j.code.clone(),
            name: j.name.clone(),
            date,
            masked: reg.masked,
            count: reg.rows.len(),
            rows: reg.rows,
        })
        .into_response(),
        Format::Csv | Format::Xlsx => file(minhu_ledger::to_csv(&reg.table()), &name, Format::Csv),
    })
}

async fn weekly(
    State(app): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<WeeklyQuery>,
) -> Result<Response, ApiError> {
    let org = app.org();
    let j = ledger_jurisdiction(&actor, &org, q.jurisdiction.as_deref())?;
    let format = format_of(q.format.as_deref(), false)?;
    let week = q.week.as_deref().unwrap_or("");
    let r = weekly_report(&app, j, week).await?;
    Ok(match format {
        Format::Xlsx => file(
            xlsx(&r.tables())?,
            &format!("report-weekly-{}-{}", j.code, week),
            format,
        ),
        _ => Json(r).into_response(),
    })
}

async fn monthly(
    State(app): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<MonthlyQuery>,
) -> Result<Response, ApiError> {
    let org = app.org();
    let j = ledger_jurisdiction(&actor, &org, q.jurisdiction.as_deref())?;
    let month = parse_month(q.month.as_deref())?;
    let format = format_of(q.format.as_deref(), false)?;
    let r = monthly_report(&app, j, month).await?;
    Ok(match format {
        Format::Xlsx => file(
            xlsx(&r.tables())?,
            &format!("report-monthly-{}-{}", j.code, month),
            format,
        ),
        _ => Json(r.to_json()).into_response(),
    })
}

async fn evaluation_route(
    State(app): State<AppState>,
    Authed(_actor): Authed, // rankings are aggregates without personal data: any signed-in user
    ApiQuery(q): ApiQuery<EvaluationQuery>,
) -> Result<Response, ApiError> {
    let month = parse_month(q.month.as_deref())?;
    let raw = q.level.as_deref().map(str::trim).unwrap_or("street");
    let level = FactLevel::parse(raw).ok_or_else(|| {
        invalid_key(
            "level",
            "invalid_parameter",
            "api.invalid.level",
            &[("level", raw)],
        )
    })?;
    let format = format_of(q.format.as_deref(), true)?;
    if let Some(code) = q.jurisdiction.as_deref()
        && app.org().jurisdiction(code).is_none()
    {
        return Err(unknown_jurisdiction(code));
    }
    let (policy, period, list) = evaluation(&app, month, level, q.jurisdiction.as_deref()).await?;
    let name = format!("evaluation-{}-{}", level.as_str(), month);
    let table = || evaluation_table(month, level, &policy, period, &list);
    Ok(match format {
        Format::Json => Json(Ranking {
            month: month.to_string(),
            level: level.as_str().to_string(),
            period: PeriodDays {
                start: period.start,
                end: period.last(),
            },
            policy_version: policy.version,
            items: list.iter().map(Figures::evaluation_json).collect(),
        })
        .into_response(),
        Format::Xlsx => file(xlsx(&[table()])?, &name, format),
        Format::Csv => file(minhu_ledger::to_csv(&table()), &name, format),
    })
}

// ---- policy and exclusions ------------------------------------------------------------------

async fn policy_list(
    State(app): State<AppState>,
    Authed(_actor): Authed,
) -> Result<Json<Policies>, ApiError> {
    let all = app.store.evaluation_policies().await?;
    let current = app.store.evaluation_policy().await?;
    Ok(Json(Policies {
        current: Policy::from(&current),
        versions: all
            .iter()
            .map(|s| PolicyVersion {
                policy: Policy::from(&s.policy),
                note: s.note.clone(),
                created_by: s.created_by.clone(),
                created_at: minhu_domain::time::rfc3339(s.created_at),
            })
            .collect(),
    }))
}

/// A new policy version; unspecified numbers keep the current version's.
async fn policy_create(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Policy>), ApiError> {
    super::require_deployment_admin(&app, &actor, "api.what.policy")?;
    let body: PolicyBody = super::typed_body(&headers, body)?;
    let cur = app.store.evaluation_policy().await?;
    let num = |k: &str, v: Checked<f64>, d: f64| {
        v.or(d)
            .ok_or_else(|| invalid_key(k, "invalid_parameter", "api.invalid.number", &[("key", k)]))
    };
    let p = EvaluationPolicy {
        version: cur.version + 1,
        w_response: num("w_response", body.w_response, cur.w_response)?,
        w_resolution: num("w_resolution", body.w_resolution, cur.w_resolution)?,
        w_satisfaction: num("w_satisfaction", body.w_satisfaction, cur.w_satisfaction)?,
        basic_factor: num("basic_factor", body.basic_factor, cur.basic_factor)?,
        period_start_day: num(
            "period_start_day",
            body.period_start_day,
            cur.period_start_day as f64,
        )? as u32,
    };
    p.validate().map_err(|(f, msg)| {
        invalid_key(
            f,
            "invalid_parameter",
            "api.invalid.policy",
            &[("reason", &msg)],
        )
        .english(msg)
    })?;
    app.store
        .save_evaluation_policy(&p, &body.note, &actor.username)
        .await
        .map_err(|e| match e {
            minhu_store::StoreError::Duplicate(_) => ApiError::keyed(
                StatusCode::CONFLICT,
                "conflict",
                "api.conflict.policy_version",
                &[],
            ),
            e => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(Policy::from(&p))))
}

async fn exclusion_list(
    State(app): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<Exclusions>, ApiError> {
    if !access::may_list_exclusions(&actor) {
        return Err(forbidden_key("api.forbidden.exclusions", &[]));
    }
    let all = app.store.evaluation_exclusions().await?;
    let waiting = app.store.exclusion_proposals().await?;
    let mut items = Vec::new();
    for e in all {
        if in_scope(&app, &actor, e.request_id).await? {
            items.push(Exclusion {
                request_id: e.request_id,
                reason: e.reason,
                approved_by: e.approved_by,
                approved_at: minhu_domain::time::rfc3339(e.approved_at),
            });
        }
    }
    let mut proposed = Vec::new();
    for p in waiting {
        if in_scope(&app, &actor, p.request_id).await? {
            proposed.push(ExclusionProposed {
                request_id: p.request_id,
                reason: p.reason,
                proposed_by: p.proposed_by,
                proposed_at: minhu_domain::time::rfc3339(p.proposed_at),
            });
        }
    }
    Ok(Json(Exclusions { items, proposed }))
}

/// Does the request lie in the caller's scope (another district's exclusions are not
/// listed)?
async fn in_scope(app: &AppState, actor: &Actor, id: i64) -> Result<bool, ApiError> {
    let org = app.org();
    Ok(match app.store.load_request(id).await? {
        Some((req, _)) => access::covers(actor, &org, &req.intake.jurisdiction),
        None => false,
    })
}

/// Proposes to exclude a request from scoring (a district_admin over the request); it
/// changes no figure until another district admin approves it.
async fn exclusion_create(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ExclusionMade>), ApiError> {
    require_district_admin_to(&actor, "api.what.exclusion")?;
    let body: ExclusionBody = super::typed_body(&headers, body)?;
    let id = body.request_id.given().ok_or_else(|| {
        invalid_key(
            "request_id",
            "invalid_parameter",
            "api.invalid.request_id",
            &[],
        )
    })?;
    let reason = Some(body.reason.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            invalid_key(
                "reason",
                "invalid_parameter",
                "api.invalid.exclusion_reason",
                &[],
            )
        })?;
    if !in_scope(&app, &actor, id).await? {
        return Err(ApiError::not_found());
    }
    if !app
        .store
        .propose_exclusion(id, reason, &actor.username)
        .await?
    {
        return Err(ApiError::keyed(
            StatusCode::CONFLICT,
            "conflict",
            "api.conflict.excluded",
            &[],
        ));
    }
    Ok((
        StatusCode::CREATED,
        Json(ExclusionMade {
            request_id: id,
            reason: reason.to_string(),
            status: "proposed".into(),
            proposed_by: actor.username,
            approved_by: None,
        }),
    ))
}

/// Approves a proposed exclusion: a district admin over the request other than its
/// proposer (403 `self_approval`); 404 when none waits (or outside the caller's scope).
async fn exclusion_approve(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<ExclusionMade>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let (req, _) = app
        .store
        .load_request(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let waiting = app.store.exclusion_proposal(id).await?;
    let proposer = waiting
        .as_ref()
        .map(|p| p.proposed_by.as_str())
        .unwrap_or("");
    access::may_approve_exclusion(&actor, &req, &app.org(), proposer)?;
    if waiting.is_none() {
        return Err(ApiError::not_found());
    }
    let done = app
        .store
        .approve_exclusion(id, &actor.username)
        .await?
        .ok_or_else(ApiError::not_found)?;
    tracing::info!(id, proposed_by = %done.proposed_by, approved_by = %actor.username, "exclusion approved");
    Ok(Json(ExclusionMade {
        request_id: id,
        reason: done.reason,
        status: "approved".into(),
        proposed_by: done.proposed_by,
        approved_by: Some(actor.username),
    }))
}
