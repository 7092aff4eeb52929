//! Grid work over the JSON API: patrols, visits with findings and photos, findings on a
//! patrol, the worker's own findings, the overdue-visit queue, coverage per grid and per
//! worker, the computed 社情日记, and the monthly workload. Thin over `minhu_app::patrol`
//! and `minhu_app::diary`: every rule (scope, idempotency, sensitive care kinds) is there.
//!
//! A visit, a finding or a patrol start repeated with the same `client_key` answers 200
//! with the body of the first (201), and records nothing: the phone's offline queue
//! relies on it.

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use minhu_app::diary::{self, DiaryView};
use minhu_app::patrol::{
    self as app_patrol, AreaCoverage, DueLine, FindingInput, GridCoverage, PatrolFindingInput,
    PhotoInput, RecordedFinding, VisitInput, VisitOutcome, WorkerMonth,
};
use minhu_domain::cadence::Coverage;
use minhu_domain::patrol::Patrol;
use minhu_domain::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::de::Checked;
use crate::auth::Authed;
use crate::error::invalid_key;
use crate::{ApiError, AppState};

/// A visit body may carry its photos in base64 (a third larger than the bytes).
const MAX_VISIT_BODY: usize =
    app_patrol::MAX_PHOTOS * app_patrol::MAX_PHOTO_BYTES * 4 / 3 + 256 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/patrols", post(start_patrol))
        .route("/api/v1/patrols/{id}/end", post(end_patrol))
        .route(
            "/api/v1/visits",
            post(record_visit).layer(DefaultBodyLimit::max(MAX_VISIT_BODY)),
        )
        .route("/api/v1/findings", post(record_finding).get(my_findings))
        .route("/api/v1/grids/{code}/visits-due", get(visits_due))
        .route("/api/v1/grids/{code}/coverage", get(grid_coverage))
        .route("/api/v1/communities/{code}/coverage", get(area_coverage))
        .route(
            "/api/v1/diary/{username}/{day}",
            get(diary_day).put(write_diary),
        )
        .route(
            "/api/v1/diary/{username}/{day}/comment",
            post(comment_diary),
        )
        .route("/api/v1/workload", get(workload))
}

// ---- bodies -------------------------------------------------------------------------------

/// `POST /api/v1/patrols`: start a patrol in one of the worker's grids.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PatrolBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub grid: String,
    /// The client's idempotency key (1–64 of letters, digits, `-_.:`).
    #[serde(default, deserialize_with = "super::de::text")]
    pub client_key: String,
}

/// A patrol.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PatrolView {
    pub id: i64,
    pub worker: String,
    pub grid: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    /// `in_progress` or `done`.
    pub state: String,
}

/// A photo of a visit: a JPEG or PNG, cleaned of EXIF and GPS before it is kept.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PhotoBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub name: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub content_base64: String,
}

/// A finding of a visit.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct FindingBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub client_key: String,
    /// `dispute` 矛盾纠纷, `appeal` 群众诉求, `suggestion` 意见建议, `public_security` 治安隐患,
    /// `fire_hazard` 消防隐患, `sanitation` 环境卫生, `other` 其他.
    #[serde(default, deserialize_with = "super::de::text")]
    pub class: String,
    /// A category code of the catalogue.
    #[serde(default, deserialize_with = "super::de::text")]
    pub category: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub text: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub location: String,
    /// `solved_on_spot` (自办自结) or `reported` (becomes a request).
    #[serde(default, deserialize_with = "super::de::text")]
    pub outcome: String,
}

/// `POST /api/v1/visits`: a visit to exactly one of a household, a resident or a place.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct VisitBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub client_key: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub grid: String,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub patrol_id: Checked<i64>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub household_id: Checked<i64>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub resident_id: Checked<i64>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub place_id: Checked<i64>,
    /// `routine` 日常, `care` 关怀, `dispute_check` 矛盾排查, `policy` 政策宣传,
    /// `data_collection` 信息采集.
    #[serde(default, deserialize_with = "super::de::text")]
    pub kind: String,
    /// RFC 3339 with an offset; now when absent.
    #[serde(default, deserialize_with = "super::de::text")]
    pub visited_at: String,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub duration_minutes: Checked<i64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub notes: String,
    #[serde(default)]
    pub photos: Vec<PhotoBody>,
    #[serde(default)]
    pub findings: Vec<FindingBody>,
}

/// `POST /api/v1/findings`: a finding on a patrol, without a visit.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PatrolFindingBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub grid: String,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub patrol_id: Checked<i64>,
    /// RFC 3339 with an offset; now when absent.
    #[serde(default, deserialize_with = "super::de::text")]
    pub found_at: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub client_key: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub class: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub category: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub text: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub location: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub outcome: String,
}

/// A recorded finding; a reported one names the request it became.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FindingView {
    pub id: i64,
    pub client_key: String,
    pub visit_id: Option<i64>,
    pub patrol_id: Option<i64>,
    pub grid: String,
    pub class: String,
    pub category: Option<String>,
    pub text: String,
    pub location: Option<String>,
    pub outcome: String,
    pub found_at: String,
    pub request_id: Option<i64>,
    /// The request's public tracking code (查询码).
    pub tracking_code: Option<String>,
    /// When the request is due by the SLA policy (community tier: 2 working days).
    pub request_due: Option<String>,
}

/// The answer to a visit: 201 when recorded, 200 with the same body for a repeat.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VisitView {
    pub id: i64,
    pub client_key: String,
    pub worker: String,
    pub grid: String,
    pub patrol_id: Option<i64>,
    pub household_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub place_id: Option<i64>,
    pub kind: String,
    pub visited_at: String,
    pub duration_minutes: Option<u32>,
    pub notes: String,
    /// The SHA-256 of each photo kept (cleaned).
    pub photos: Vec<String>,
    pub findings: Vec<FindingView>,
}

/// One of the worker's own findings with its request's code and state.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MyFinding {
    pub id: i64,
    pub visit_id: Option<i64>,
    pub grid: String,
    pub class: String,
    pub text: String,
    pub outcome: String,
    pub found_at: String,
    pub request_id: Option<i64>,
    pub tracking_code: Option<String>,
    pub request_state: Option<String>,
}

/// `GET /api/v1/findings`: the caller's own findings, newest first.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingsQuery {
    /// 1–500, 100 by default.
    #[serde(default, deserialize_with = "super::de::param")]
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
}

/// `GET /api/v1/grids/{code}/visits-due`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// A grid worker of the grid (their queue is the grid's).
    #[serde(default, deserialize_with = "super::de::param")]
    pub worker: Option<String>,
}

/// One household due for a visit.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DueItem {
    pub household_id: i64,
    /// The building's number (public tier), and the unit (单元) if any.
    pub building: String,
    pub unit: Option<String>,
    pub last_visit_at: Option<String>,
    pub due_at: Option<String>,
    pub days_overdue: Option<i64>,
    pub never_visited: bool,
    pub cadence_days: u32,
    /// Why it is due, in the caller's language ("care cadence 30 days").
    pub reason: String,
    /// The care tag's kind: only for callers granted `sensitive`.
    pub care_kind: Option<String>,
}

/// A grid's overdue-visit queue, most overdue first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DueQueue {
    pub grid: String,
    pub count: usize,
    pub items: Vec<DueItem>,
}

/// `?days=` of a coverage (1–366, 90 by default).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    #[serde(default, deserialize_with = "super::de::param")]
    #[param(value_type = Option<u32>)]
    pub days: Option<String>,
}

/// Households visited in the window over occupied households.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CoverageFigures {
    pub occupied: u32,
    pub visited: u32,
    pub percent: f64,
}

/// One grid's coverage.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GridCoverageView {
    pub grid: String,
    pub days: u32,
    pub occupied: u32,
    pub visited: u32,
    pub percent: f64,
}

/// One worker's coverage: households they visited in the window over their grid's.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WorkerCoverageView {
    pub worker: String,
    pub grid: String,
    pub occupied: u32,
    pub visited: u32,
    pub percent: f64,
}

/// A community's coverage per grid and per worker.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AreaCoverageView {
    pub jurisdiction: String,
    pub days: u32,
    pub total: CoverageFigures,
    pub grids: Vec<GridCoverageView>,
    pub workers: Vec<WorkerCoverageView>,
}

/// A count of one kind or class, with its label.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Count {
    pub code: String,
    pub label: String,
    pub count: u32,
}

/// A 社情日记 day: counts computed from the day's visits and findings, never typed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DiaryDayView {
    pub worker: String,
    pub grid: String,
    pub day: String,
    pub households_visited: u32,
    pub visits: u32,
    pub visits_by_kind: Vec<Count>,
    pub findings: u32,
    pub findings_by_class: Vec<Count>,
    pub solved_on_spot: u32,
    pub reported: u32,
    pub narrative: String,
    /// `open`, `submitted` or `commented`.
    pub state: String,
    pub submitted_at: Option<String>,
    pub comment: Option<String>,
    pub commented_by: Option<String>,
    pub commented_at: Option<String>,
}

/// `PUT /api/v1/diary/{username}/{day}`: the worker's narrative; `submit` hands it in.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DiaryBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub narrative: String,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub submit: Checked<bool>,
}

/// `POST /api/v1/diary/{username}/{day}/comment`: the community's 点评.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CommentBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub comment: String,
}

/// `GET /api/v1/workload`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkloadQuery {
    /// A community (the caller's scope by default).
    #[serde(default, deserialize_with = "super::de::param")]
    pub community: Option<String>,
    /// `YYYY-MM`.
    #[serde(default, deserialize_with = "super::de::param")]
    pub month: Option<String>,
}

/// One grid worker's month (网格员工作量).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WorkerMonthView {
    pub worker: String,
    pub grid: String,
    pub visits: i64,
    /// Households visited in the month ÷ occupied households of the grid.
    pub coverage_percent: f64,
    pub households_visited: u32,
    pub findings: i64,
    pub solved_on_spot: i64,
    pub on_spot_rate: f64,
    pub requests_raised: i64,
    /// Households of the grid overdue for a visit now.
    pub overdue_visits: i64,
}

/// The month's workload of a community's grid workers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Workload {
    pub community: String,
    pub month: String,
    pub workers: Vec<WorkerMonthView>,
}

// ---- conversions --------------------------------------------------------------------------

fn opt_time(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(rfc3339)
}

fn patrol_view(p: Patrol) -> PatrolView {
    PatrolView {
        id: p.id.0,
        worker: p.worker,
        grid: p.grid,
        started_at: rfc3339(p.started_at),
        ended_at: opt_time(p.ended_at),
        state: p.state.as_str().to_string(),
    }
}

pub(crate) fn finding_view(r: RecordedFinding) -> FindingView {
    let f = r.finding;
    FindingView {
        id: f.id,
        client_key: f.client_key,
        visit_id: f.visit.map(|v| v.0),
        patrol_id: f.patrol.map(|p| p.0),
        grid: f.grid,
        class: f.class.as_str().to_string(),
        category: f.category,
        text: f.text,
        location: f.location,
        outcome: f.outcome.as_str().to_string(),
        found_at: rfc3339(f.found_at),
        request_id: f.request_id,
        tracking_code: r.request_code,
        request_due: opt_time(r.request_due),
    }
}

pub(crate) fn visit_view(o: VisitOutcome) -> VisitView {
    use minhu_domain::patrol::VisitTarget;
    let v = o.visit;
    let (resident, place) = match v.target {
        VisitTarget::Household(_) => (None, None),
        VisitTarget::Resident(r) => (Some(r.0), None),
        VisitTarget::Place(p) => (None, Some(p)),
    };
    VisitView {
        id: v.id.0,
        client_key: v.client_key,
        worker: v.worker,
        grid: v.grid,
        patrol_id: v.patrol.map(|p| p.0),
        household_id: v.household.map(|h| h.0),
        resident_id: resident,
        place_id: place,
        kind: v.kind.as_str().to_string(),
        visited_at: rfc3339(v.visited_at),
        duration_minutes: v.duration_minutes,
        notes: v.notes,
        photos: o.photos,
        findings: o.findings.into_iter().map(finding_view).collect(),
    }
}

fn figures(c: Coverage) -> CoverageFigures {
    CoverageFigures {
        occupied: c.occupied,
        visited: c.visited,
        percent: c.percent,
    }
}

fn grid_view(g: GridCoverage) -> GridCoverageView {
    GridCoverageView {
        grid: g.grid,
        days: g.days,
        occupied: g.coverage.occupied,
        visited: g.coverage.visited,
        percent: g.coverage.percent,
    }
}

fn area_view(a: AreaCoverage) -> AreaCoverageView {
    AreaCoverageView {
        jurisdiction: a.jurisdiction,
        days: a.days,
        total: figures(a.total),
        grids: a.grids.into_iter().map(grid_view).collect(),
        workers: a
            .workers
            .into_iter()
            .map(|w| WorkerCoverageView {
                worker: w.worker,
                grid: w.grid,
                occupied: w.coverage.occupied,
                visited: w.coverage.visited,
                percent: w.coverage.percent,
            })
            .collect(),
    }
}

fn due_item(d: DueLine) -> DueItem {
    let english = crate::error::is_english();
    DueItem {
        household_id: d.due.household.0,
        building: d.building,
        unit: d.unit,
        last_visit_at: opt_time(d.due.last_visit_at),
        due_at: opt_time(d.due.due_at),
        days_overdue: d.due.days_overdue,
        never_visited: d.due.reason.never_visited,
        cadence_days: d.due.reason.cadence_days,
        reason: if english { d.reason_en } else { d.reason_zh },
        care_kind: d.care_kind,
    }
}

fn diary_view(d: DiaryView) -> DiaryDayView {
    let c = d.counts;
    DiaryDayView {
        worker: d.worker,
        grid: d.grid,
        day: d.day.format("%Y-%m-%d").to_string(),
        households_visited: c.households_visited,
        visits: c.visits,
        visits_by_kind: c
            .visits_by_kind
            .into_iter()
            .map(|(k, n)| Count {
                code: k.as_str().into(),
                label: k.zh().into(),
                count: n,
            })
            .collect(),
        findings: c.findings,
        findings_by_class: c
            .findings_by_class
            .into_iter()
            .map(|(k, n)| Count {
                code: k.as_str().into(),
                label: k.zh().into(),
                count: n,
            })
            .collect(),
        solved_on_spot: c.solved_on_spot,
        reported: c.reported,
        narrative: d.narrative,
        state: d.state.as_str().into(),
        submitted_at: opt_time(d.submitted_at),
        comment: d.comment,
        commented_by: d.commented_by,
        commented_at: opt_time(d.commented_at),
    }
}

fn month_view(m: WorkerMonth) -> WorkerMonthView {
    WorkerMonthView {
        worker: m.worker,
        grid: m.grid,
        visits: m.visits,
        coverage_percent: m.coverage.percent,
        households_visited: m.coverage.visited,
        findings: m.findings,
        solved_on_spot: m.solved_on_spot,
        on_spot_rate: m.on_spot_rate,
        requests_raised: m.requests_raised,
        overdue_visits: m.overdue_visits,
    }
}

// ---- readers of fields ----------------------------------------------------------------------

/// An id field: absent, or a whole number (422 naming it otherwise).
fn id_field(field: &str, v: Checked<i64>) -> Result<Option<i64>, ApiError> {
    match v {
        Checked::Absent => Ok(None),
        Checked::Given(n) => Ok(Some(n)),
        Checked::Wrong => Err(invalid_key(
            field,
            "invalid_parameter",
            "patrol.invalid.integer",
            &[("field", field)],
        )),
    }
}

/// A time field: absent (empty), or RFC 3339 with an offset.
fn time_field(field: &str, raw: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| {
            invalid_key(
                field,
                "invalid_parameter",
                "api.invalid.rfc3339",
                &[("at", raw.trim())],
            )
        })
}

fn optional(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn finding_input(b: FindingBody) -> FindingInput {
    FindingInput {
        client_key: b.client_key,
        class: b.class,
        category: optional(b.category),
        text: b.text,
        location: optional(b.location),
        outcome: b.outcome,
    }
}

fn photo_inputs(photos: Vec<PhotoBody>) -> Result<Vec<PhotoInput>, ApiError> {
    let engine = base64::engine::general_purpose::STANDARD;
    photos
        .into_iter()
        .map(|p| {
            let name = optional(p.name);
            let bytes = engine.decode(p.content_base64.trim()).map_err(|_| {
                let label = name.clone().unwrap_or_else(|| "photo".into());
                invalid_key(
                    "photos",
                    "invalid_photo",
                    "patrol.invalid.photo_base64",
                    &[("name", &label)],
                )
            })?;
            Ok(PhotoInput { name, bytes })
        })
        .collect()
}

pub(crate) fn visit_input(b: VisitBody) -> Result<VisitInput, ApiError> {
    Ok(VisitInput {
        patrol_id: id_field("patrol_id", b.patrol_id)?,
        household_id: id_field("household_id", b.household_id)?,
        resident_id: id_field("resident_id", b.resident_id)?,
        place_id: id_field("place_id", b.place_id)?,
        duration_minutes: id_field("duration_minutes", b.duration_minutes)?,
        visited_at: time_field("visited_at", &b.visited_at)?,
        photos: photo_inputs(b.photos)?,
        findings: b.findings.into_iter().map(finding_input).collect(),
        client_key: b.client_key,
        grid: b.grid,
        kind: b.kind,
        notes: b.notes,
    })
}

fn days_param(raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    raw.map(|d| {
        d.parse::<i64>().map_err(|_| {
            invalid_key(
                "days",
                "invalid_parameter",
                "patrol.invalid.days",
                &[("max", "366")],
            )
        })
    })
    .transpose()
}

fn created_or_repeat(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

// ---- handlers -----------------------------------------------------------------------------

async fn start_patrol(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<PatrolView>), ApiError> {
    let body: PatrolBody = super::typed_body(&headers, body)?;
    let (patrol, created) =
        app_patrol::start_patrol(&app, &actor, &body.grid, &body.client_key, Utc::now()).await?;
    Ok((created_or_repeat(created), Json(patrol_view(patrol))))
}

async fn end_patrol(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<PatrolView>, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let patrol = app_patrol::end_patrol(&app, &actor, id, Utc::now()).await?;
    Ok(Json(patrol_view(patrol)))
}

async fn record_visit(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<VisitView>), ApiError> {
    let body: VisitBody = super::typed_body(&headers, body)?;
    let input = visit_input(body)?;
    let outcome = app_patrol::record_visit(&app, &actor, input, Utc::now()).await?;
    Ok((
        created_or_repeat(outcome.created),
        Json(visit_view(outcome)),
    ))
}

async fn record_finding(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<FindingView>), ApiError> {
    let b: PatrolFindingBody = super::typed_body(&headers, body)?;
    let input = patrol_finding_input(b)?;
    let (finding, created) = app_patrol::record_finding(&app, &actor, input, Utc::now()).await?;
    Ok((created_or_repeat(created), Json(finding_view(finding))))
}

/// A patrol finding's body as the use case takes it (the phone's queue posts the same).
pub(crate) fn patrol_finding_input(b: PatrolFindingBody) -> Result<PatrolFindingInput, ApiError> {
    Ok(PatrolFindingInput {
        patrol_id: id_field("patrol_id", b.patrol_id)?,
        found_at: time_field("found_at", &b.found_at)?,
        grid: b.grid,
        finding: FindingInput {
            client_key: b.client_key,
            class: b.class,
            category: optional(b.category),
            text: b.text,
            location: optional(b.location),
            outcome: b.outcome,
        },
    })
}

async fn my_findings(
    State(app): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<FindingsQuery>,
) -> Result<Json<Vec<MyFinding>>, ApiError> {
    let limit = match q.limit {
        None => 100,
        Some(l) => l
            .parse()
            .map_err(|_| invalid_key("limit", "invalid_parameter", "patrol.invalid.limit", &[]))?,
    };
    let rows = app_patrol::my_findings(&app, &actor, limit).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| MyFinding {
                id: r.finding.id,
                visit_id: r.finding.visit.map(|v| v.0),
                grid: r.finding.grid,
                class: r.finding.class.as_str().into(),
                text: r.finding.text,
                outcome: r.finding.outcome.as_str().into(),
                found_at: rfc3339(r.finding.found_at),
                request_id: r.finding.request_id,
                tracking_code: r.request_code,
                request_state: r.request_state,
            })
            .collect(),
    ))
}

async fn visits_due(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> Result<Json<DueQueue>, ApiError> {
    let lines =
        app_patrol::visits_due(&app, &actor, &code, q.worker.as_deref(), Utc::now()).await?;
    let items: Vec<DueItem> = lines.into_iter().map(due_item).collect();
    Ok(Json(DueQueue {
        grid: code,
        count: items.len(),
        items,
    }))
}

async fn grid_coverage(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> Result<Json<GridCoverageView>, ApiError> {
    let days = days_param(q.days.as_deref())?;
    let c = app_patrol::grid_coverage(&app, &actor, &code, days, Utc::now()).await?;
    Ok(Json(grid_view(c)))
}

async fn area_coverage(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> Result<Json<AreaCoverageView>, ApiError> {
    let days = days_param(q.days.as_deref())?;
    let c = app_patrol::area_coverage(&app, &actor, &code, days, Utc::now()).await?;
    Ok(Json(area_view(c)))
}

async fn diary_day(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path((username, day)): Path<(String, String)>,
) -> Result<Json<DiaryDayView>, ApiError> {
    let day = diary::parse_day(&day)?;
    Ok(Json(diary_view(
        diary::day(&app, &actor, &username, day).await?,
    )))
}

async fn write_diary(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path((username, day)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<DiaryDayView>, ApiError> {
    let day = diary::parse_day(&day)?;
    let b: DiaryBody = super::typed_body(&headers, body)?;
    let submit = b.submit.or(false).ok_or_else(|| {
        invalid_key(
            "submit",
            "invalid_parameter",
            "patrol.invalid.boolean",
            &[("field", "submit")],
        )
    })?;
    let view = diary::write(
        &app,
        &actor,
        &username,
        day,
        &b.narrative,
        submit,
        Utc::now(),
    )
    .await?;
    Ok(Json(diary_view(view)))
}

async fn comment_diary(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path((username, day)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<DiaryDayView>, ApiError> {
    let day = diary::parse_day(&day)?;
    let b: CommentBody = super::typed_body(&headers, body)?;
    let view = diary::comment(&app, &actor, &username, day, &b.comment, Utc::now()).await?;
    Ok(Json(diary_view(view)))
}

async fn workload(
    State(app): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<WorkloadQuery>,
) -> Result<Json<Workload>, ApiError> {
    let now = Utc::now();
    let month = q.month.unwrap_or_else(|| {
        minhu_domain::time::local_date(now)
            .format("%Y-%m")
            .to_string()
    });
    let community = q.community.unwrap_or_else(|| actor.scope.clone());
    let rows = app_patrol::workload(&app, &actor, Some(&community), &month, now).await?;
    Ok(Json(Workload {
        community,
        month,
        workers: rows.into_iter().map(month_view).collect(),
    }))
}
