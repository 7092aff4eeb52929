//! The grid base ledger (网格基础台账) of a community over HTTP: import its workbook
//! (`POST /api/v1/communities/{code}/ledger/import`, the xlsx as the body, or one sheet as
//! CSV with `?sheet=`) and export it (`GET /api/v1/communities/{code}/ledger.xlsx`, staff
//! fields masked; `?unmasked=1&purpose=…` for jurisdiction staff, logged; sensitive fields
//! never). The work is `minhu_app::grid_import`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minhu_app::grid_import::{self, ExportMode, Options, parse_sheet};
use minhu_domain::access;
use minhu_domain::org::{Actor, Level, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use crate::auth::Authed;
use crate::error::{forbidden_key, invalid_key};
use crate::{ApiError, AppState};

/// Largest ledger file the API takes in one call (a street of 50,000 households is ~10 MB).
pub const MAX_LEDGER: usize = 64 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/communities/{code}/ledger/import",
            post(import).layer(DefaultBodyLimit::max(MAX_LEDGER)),
        )
        .route("/api/v1/communities/{code}/ledger.xlsx", get(export))
}

/// `POST …/ledger/import?dry_run=1&sheet=户`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerImportQuery {
    /// `1` or `true`: check and count only, write nothing.
    #[serde(default, deserialize_with = "crate::api::de::param")]
    pub dry_run: Option<String>,
    /// The body is one CSV of this sheet (楼栋, 户, 人 or 场所) instead of an xlsx workbook.
    #[serde(default, deserialize_with = "crate::api::de::param")]
    pub sheet: Option<String>,
}

/// `GET …/ledger.xlsx?unmasked=1&purpose=…`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerExportQuery {
    /// `1` or `true`: staff fields (names, phones, rooms) shown; jurisdiction staff only,
    /// with a purpose, logged. ID numbers and care tags are never in this export.
    #[serde(default, deserialize_with = "crate::api::de::param")]
    pub unmasked: Option<String>,
    #[serde(default, deserialize_with = "crate::api::de::param")]
    pub purpose: Option<String>,
}

/// What an import did, sheet by sheet, and every refused row.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LedgerImportReport {
    pub community: String,
    pub dry_run: bool,
    pub sheets: Vec<LedgerSheetCounts>,
    pub refusals: Vec<LedgerRefusal>,
    pub ignored_sheets: Vec<String>,
}

/// One sheet's counts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LedgerSheetCounts {
    /// 楼栋, 户, 人 or 场所.
    pub sheet: String,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub refused: usize,
}

/// A refused row: sheet, row as Excel numbers it, the header, and why.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LedgerRefusal {
    pub sheet: String,
    pub row: u64,
    pub field: String,
    pub code: String,
    pub reason: String,
    pub reason_en: String,
}

impl From<grid_import::Report> for LedgerImportReport {
    fn from(r: grid_import::Report) -> Self {
        LedgerImportReport {
            community: r.community,
            dry_run: r.dry_run,
            sheets: r
                .sheets
                .into_iter()
                .map(|s| LedgerSheetCounts {
                    sheet: s.sheet,
                    inserted: s.inserted,
                    updated: s.updated,
                    unchanged: s.unchanged,
                    refused: s.refused,
                })
                .collect(),
            refusals: r
                .refusals
                .into_iter()
                .map(|x| LedgerRefusal {
                    sheet: x.sheet,
                    row: x.row,
                    field: x.field,
                    code: x.code,
                    reason: x.reason,
                    reason_en: x.reason_en,
                })
                .collect(),
            ignored_sheets: r.ignored_sheets,
        }
    }
}

fn yes(v: Option<&str>) -> bool {
    matches!(v.map(str::trim), Some("1" | "true" | "yes"))
}

/// The community `code` if the caller's scope covers it: 404 when it is no community,
/// 403 (field `jurisdiction`) when it lies outside the scope.
fn community_in_scope(app: &AppState, actor: &Actor, code: &str) -> Result<(), ApiError> {
    let org = app.org();
    match org.jurisdiction(code) {
        Some(j) if j.level == Level::Community => {}
        _ => return Err(ApiError::not_found()),
    }
    if !access::covers(actor, &org, code) {
        return Err(access::outside_scope(code).into());
    }
    Ok(())
}

async fn import(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<LedgerImportQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<axum::Json<LedgerImportReport>, ApiError> {
    community_in_scope(&app, &actor, &code)?;
    // The community's own staff keep its ledger; the district office may seed it.
    if !matches!(actor.role, Some(Role::CommunityStaff | Role::DistrictAdmin)) {
        return Err(forbidden_key("grid_import.forbidden", &[]));
    }
    let sheet = q.sheet.as_deref().map(parse_sheet).transpose()?;
    let bytes = body.map_err(|rej| {
        if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
            let limit = (MAX_LEDGER >> 20).to_string();
            ApiError::keyed(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "api.import.too_large",
                &[("limit", &limit)],
            )
        } else {
            ApiError::keyed(rej.status(), "bad_body", "api.bad_body", &[]).detail(&rej)
        }
    })?;
    let org = app.org();
    let o = Options {
        community: &code,
        csv_sheet: sheet,
        dry_run: yes(q.dry_run.as_deref()),
        actor: &actor.username,
        now: app.now(),
    };
    let report = grid_import::import_ledger(&app.store, &org, &bytes, &o).await?;
    tracing::info!(community = %code, changed = report.changed(), refused = report.refusals.len(), by = %actor.username, "ledger import");
    Ok(axum::Json(report.into()))
}

async fn export(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<LedgerExportQuery>,
) -> Result<Response, ApiError> {
    community_in_scope(&app, &actor, &code)?;
    let mode = if yes(q.unmasked.as_deref()) {
        if !access::may_export_unmasked(&actor) {
            return Err(forbidden_key("grid_import.forbidden_unmasked", &[]));
        }
        if q.purpose.as_deref().is_none_or(|p| p.trim().is_empty()) {
            return Err(invalid_key(
                "purpose",
                "invalid_parameter",
                "grid_import.purpose_required",
                &[],
            ));
        }
        ExportMode::Unmasked
    } else {
        ExportMode::Masked
    };
    let ledger = app.store.community_ledger(&code).await?;
    let bytes = grid_import::export_xlsx(&ledger, mode)?;
    if mode == ExportMode::Unmasked {
        app.store
            .log_ledger_export(
                &actor.username,
                actor.role_str(),
                &code,
                "head_name,head_phone,room,name,phone",
                q.purpose.as_deref().unwrap_or_default().trim(),
            )
            .await?;
    }
    let disposition = format!("attachment; filename=\"ledger-{code}.xlsx\"");
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
