//! Ledgers (台账), reports and evaluation (issue 04): the daily register, the weekly
//! summary, the monthly report, the 三率 ranking, the evaluation policy and exclusions.
//! JSON by default; `format=xlsx` or `format=csv` for files. Every figure is read from the
//! pre-aggregated facts after folding in the events appended since the last read, so it is
//! current to the last event (see `minhu_store::ledger`).
//!
//! The builders (`daily_register`, `weekly_report`, `monthly_report`, `evaluation`) are
//! public so the command line (`minhu ledger …`) produces the same files.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use minhu_domain::org::{Actor, Jurisdiction, Level, Org, Role};
use minhu_domain::request::Intake;
use minhu_domain::time::ZONE;
use minhu_ledger::facts::{Counters, FactLevel};
use minhu_ledger::report::{self, Figures, MonthlyReport, WeeklyReport, rank};
use minhu_ledger::{
    EvaluationPolicy, Period, Personal, RegisterBuilder, RegisterFacts, RegisterRow, RegisterXlsx,
    Table, YearMonth,
};
use serde_json::{Value, json};

use crate::auth::Authed;
use crate::error::{invalid, require_district_admin};
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
}

fn forbidden(field: &str, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", zh, en).field(field)
}

/// Local midnight starting a date, as UTC.
pub fn local_start(d: NaiveDate) -> DateTime<Utc> {
    ZONE.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("Shanghai has no DST")
        .with_timezone(&Utc)
}

/// The jurisdiction a ledger is asked for: the caller's own scope by default; it must lie
/// within that scope. Unit handlers have no jurisdiction ledgers.
pub fn ledger_jurisdiction<'a>(
    actor: &Actor,
    org: &'a Org,
    asked: Option<&str>,
) -> Result<&'a Jurisdiction, ApiError> {
    if matches!(actor.role, Some(Role::UnitHandler)) {
        return Err(forbidden(
            "jurisdiction",
            "承办单位经办人无权查看辖区台账",
            "unit handlers have no jurisdiction ledgers",
        ));
    }
    let code = asked.unwrap_or(&actor.scope);
    let j = org.jurisdiction(code).ok_or_else(|| {
        invalid(
            "jurisdiction",
            format!("未找到辖区“{code}”"),
            format!("unknown jurisdiction '{code}'"),
        )
    })?;
    if !actor.is_system() && !org.within(code, &actor.scope) {
        return Err(forbidden(
            "jurisdiction",
            format!("辖区“{code}”不在您的管辖范围内"),
            format!("jurisdiction '{code}' is outside your scope"),
        ));
    }
    Ok(j)
}

/// May this caller have personal fields unmasked in an export of `j`? Staff of the
/// jurisdiction (district, street, community) only, with a reason.
fn unmasking(actor: &Actor, q: &HashMap<String, String>) -> Result<Option<String>, ApiError> {
    match q.get("unmasked").map(|s| s.trim()) {
        None | Some("") | Some("0") | Some("false") => Ok(None),
        Some("1") | Some("true") => {
            if !matches!(
                actor.role,
                Some(Role::DistrictAdmin | Role::StreetStaff | Role::CommunityStaff)
            ) {
                return Err(forbidden(
                    "unmasked",
                    "您无权导出未脱敏的个人信息",
                    "you may not export unmasked personal data",
                ));
            }
            let reason = q
                .get("reason")
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    invalid(
                        "reason",
                        "导出未脱敏信息须填写事由（reason）".into(),
                        "an unmasked export needs a reason".into(),
                    )
                })?;
            Ok(Some(reason.to_string()))
        }
        Some(other) => Err(invalid(
            "unmasked",
            format!("unmasked 应为 1 或 0，收到“{other}”"),
            format!("unmasked must be 1 or 0, got '{other}'"),
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xlsx,
    Csv,
}

fn format_of(q: &HashMap<String, String>, csv_ok: bool) -> Result<Format, ApiError> {
    match q.get("format").map(|s| s.trim()) {
        None | Some("") | Some("json") => Ok(Format::Json),
        Some("xlsx") => Ok(Format::Xlsx),
        Some("csv") if csv_ok => Ok(Format::Csv),
        Some(other) => Err(invalid(
            "format",
            format!(
                "format 应为 json、xlsx{}，收到“{other}”",
                if csv_ok { " 或 csv" } else { "" }
            ),
            format!(
                "format must be json or xlsx{}, got '{other}'",
                if csv_ok { " or csv" } else { "" }
            ),
        )),
    }
}

pub(crate) fn file(bytes: Vec<u8>, name: &str, format: Format) -> Response {
    let ct = match format {
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Format::Csv => "text/csv; charset=utf-8",
        Format::Json => "application/json",
    };
    let ext = match format {
        Format::Xlsx => "xlsx",
        Format::Csv => "csv",
        Format::Json => "json",
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

fn parse_date(q: &HashMap<String, String>) -> Result<NaiveDate, ApiError> {
    let raw = q.get("date").map(|s| s.trim()).unwrap_or("");
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        invalid(
            "date",
            format!("date 应为 YYYY-MM-DD，收到“{raw}”"),
            format!("date must be YYYY-MM-DD, got '{raw}'"),
        )
    })
}

fn parse_month(q: &HashMap<String, String>) -> Result<YearMonth, ApiError> {
    let raw = q.get("month").map(|s| s.trim()).unwrap_or("");
    YearMonth::parse(raw).ok_or_else(|| {
        invalid(
            "month",
            format!("month 应为 YYYY-MM，收到“{raw}”"),
            format!("month must be YYYY-MM, got '{raw}'"),
        )
    })
}

// ---- daily register ---------------------------------------------------------------------

/// The daily register of a jurisdiction (its own requests and all below it) for a date.
pub struct DailyRegister {
    pub jurisdiction: Jurisdiction,
    pub date: NaiveDate,
    pub masked: bool,
    pub rows: Vec<RegisterRow>,
}

impl DailyRegister {
    pub fn title(&self) -> String {
        format!(
            "{} 日登记台账 {}{}",
            self.jurisdiction.name,
            self.date,
            if self.masked { "" } else { "（未脱敏）" }
        )
    }
    pub fn table(&self) -> Table {
        minhu_ledger::register_table(self.title(), &self.rows)
    }
}

/// Rows read from the database per page of a register.
const REGISTER_PAGE: usize = 5_000;

/// One request of a register: id, intake fields, register facts.
pub type RegisterItem = (i64, Intake, RegisterFacts);

/// Walks the register of a subtree (`jpath`) received in [from, to), in order of receipt,
/// at most `limit` rows: pages of stored register facts (kept by the ledger refresh, which
/// runs first; a request it has not seen yet is replayed from its log), each page handed
/// to `each`. Returns the ids shown.
pub async fn register_pages(
    app: &AppState,
    jpath: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: Option<usize>,
    mut each: impl FnMut(Vec<RegisterItem>) -> Result<(), ApiError>,
) -> Result<Vec<i64>, ApiError> {
    app.store.ledger_refresh(&app.org()).await?;
    let limit = limit.unwrap_or(usize::MAX);
    // The next page is read (on its own task) while this one is handed on.
    let fetch = |after: Option<(DateTime<Utc>, i64)>, want: usize| {
        let store = app.store.clone();
        let jpath = jpath.to_string();
        tokio::spawn(async move {
            store
                .ledger_register_page(&jpath, from, to, after, want)
                .await
        })
    };
    let mut ids = Vec::new();
    let mut next = Some((
        fetch(None, REGISTER_PAGE.min(limit)),
        REGISTER_PAGE.min(limit),
    ));
    while let Some((pending, want)) = next.take() {
        let page = pending.await.map_err(ApiError::internal)??;
        let shown = ids.len() + page.len();
        if page.len() == want && shown < limit {
            let last = page.last().expect("a full page");
            let want = REGISTER_PAGE.min(limit - shown);
            next = Some((fetch(Some((last.intake.received_at, last.id)), want), want));
        }
        let missing: Vec<i64> = page
            .iter()
            .filter(|s| s.facts.is_none())
            .map(|s| s.id)
            .collect();
        let mut replayed: HashMap<i64, RegisterFacts> = if missing.is_empty() {
            HashMap::new()
        } else {
            app.store
                .load_requests_with_events(&missing)
                .await?
                .iter()
                .map(|(r, ev)| (r.id, minhu_ledger::register_facts(r, ev)))
                .collect()
        };
        let mut items = Vec::with_capacity(page.len());
        for s in page {
            ids.push(s.id);
            let facts = match s.facts {
                Some(f) => f,
                None => replayed.remove(&s.id).ok_or_else(|| {
                    ApiError::internal(format!("request {} vanished from the register", s.id))
                })?,
            };
            items.push((s.id, s.intake, facts));
        }
        if !items.is_empty() {
            each(items)?;
        }
    }
    Ok(ids)
}

async fn log_unmasked(
    app: &AppState,
    actor: &Actor,
    ids: &[i64],
    purpose: String,
) -> Result<(), ApiError> {
    app.store
        .log_access_many(
            &actor.username,
            actor.role_str(),
            ids,
            "requester.name,requester.phone,address,content",
            &purpose,
        )
        .await?;
    Ok(())
}

/// Builds a daily register. `unmasked_reason`: the caller may see personal fields and gave
/// this reason (every request shown is logged to the access log).
pub async fn daily_register(
    app: &AppState,
    actor: &Actor,
    j: &Jurisdiction,
    date: NaiveDate,
    unmasked_reason: Option<&str>,
) -> Result<DailyRegister, ApiError> {
    let org = app.org();
    let jpath = org.path(&j.code);
    let personal = if unmasked_reason.is_some() {
        Personal::Revealed
    } else {
        Personal::Masked
    };
    let mut builder = RegisterBuilder::new(&org, personal, app.now());
    let mut rows: Vec<RegisterRow> = Vec::new();
    let ids = register_pages(
        app,
        &jpath,
        local_start(date),
        local_start(date.succ_opt().expect("date")),
        None,
        |items| {
            for (id, intake, facts) in &items {
                rows.push(builder.row(rows.len() + 1, *id, intake, facts));
            }
            Ok(())
        },
    )
    .await?;
    if let Some(reason) = unmasked_reason {
        log_unmasked(
            app,
            actor,
            &ids,
            format!("日登记台账 {} {}：{reason}", j.code, date),
        )
        .await?;
    }
    Ok(DailyRegister {
        jurisdiction: j.clone(),
        date,
        masked: personal == Personal::Masked,
        rows,
    })
}

/// A register written straight to xlsx (constant memory): pages are read from the database
/// while a blocking thread builds and writes the rows of the previous ones. Returns the
/// workbook and the number of rows.
pub async fn register_xlsx(
    app: &AppState,
    title: &str,
    jpath: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: Option<usize>,
    personal: Personal,
) -> Result<(Vec<u8>, Vec<i64>), ApiError> {
    // Rows are built here, page by page; the blocking thread only writes them.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<RegisterRow>>(2);
    let org = app.org();
    let title = title.to_string();
    let writer = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let mut x = RegisterXlsx::new(&title).map_err(|e| e.to_string())?;
        for rows in rx {
            for row in &rows {
                x.push(row).map_err(|e| e.to_string())?;
            }
        }
        x.finish().map_err(|e| e.to_string())
    });
    let mut builder = RegisterBuilder::new(&org, personal, app.now());
    let mut seq = 0;
    let read = register_pages(app, jpath, from, to, limit, |items| {
        let rows = items
            .iter()
            .map(|(id, intake, facts)| {
                seq += 1;
                builder.row(seq, *id, intake, facts)
            })
            .collect();
        tx.send(rows)
            .map_err(|_| ApiError::internal("the xlsx writer stopped"))
    })
    .await;
    drop(tx);
    let written = writer.await.map_err(ApiError::internal)?;
    let ids = read?;
    let bytes = written.map_err(ApiError::internal)?;
    Ok((bytes, ids))
}

/// The daily register as xlsx, written as it is read (see [`register_xlsx`]).
pub async fn daily_register_xlsx(
    app: &AppState,
    actor: &Actor,
    j: &Jurisdiction,
    date: NaiveDate,
    unmasked_reason: Option<&str>,
) -> Result<Vec<u8>, ApiError> {
    let org = app.org();
    let personal = if unmasked_reason.is_some() {
        Personal::Revealed
    } else {
        Personal::Masked
    };
    let title = DailyRegister {
        jurisdiction: j.clone(),
        date,
        masked: personal == Personal::Masked,
        rows: Vec::new(),
    }
    .title();
    let (bytes, ids) = register_xlsx(
        app,
        &title,
        &org.path(&j.code),
        local_start(date),
        local_start(date.succ_opt().expect("date")),
        None,
        personal,
    )
    .await?;
    if let Some(reason) = unmasked_reason {
        log_unmasked(
            app,
            actor,
            &ids,
            format!("日登记台账 {} {}：{reason}", j.code, date),
        )
        .await?;
    }
    Ok(bytes)
}

async fn daily(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let org = app.org();
    let j = ledger_jurisdiction(&actor, &org, param(&q, "jurisdiction"))?;
    let date = parse_date(&q)?;
    let format = format_of(&q, true)?;
    let reason = unmasking(&actor, &q)?;
    let name = format!("ledger-daily-{}-{}", j.code, date);
    if format == Format::Xlsx {
        let bytes = daily_register_xlsx(&app, &actor, j, date, reason.as_deref()).await?;
        return Ok(file(bytes, &name, format));
    }
    let reg = daily_register(&app, &actor, j, date, reason.as_deref()).await?;
    Ok(match format {
        Format::Json => Json(json!({
            "jurisdiction": j.code,
            "name": j.name,
            "date": date,
            "masked": reg.masked,
            "count": reg.rows.len(),
            "rows": reg.rows,
        }))
        .into_response(),
        Format::Csv | Format::Xlsx => file(minhu_ledger::to_csv(&reg.table()), &name, Format::Csv),
    })
}

// ---- weekly summary -----------------------------------------------------------------------

pub async fn weekly_report(
    app: &AppState,
    j: &Jurisdiction,
    week: &str,
) -> Result<WeeklyReport, ApiError> {
    let period = Period::iso_week(week).ok_or_else(|| {
        invalid(
            "week",
            format!("week 应为 YYYY-Www（如 2026-W20），收到“{week}”"),
            format!("week must be YYYY-Www (e.g. 2026-W20), got '{week}'"),
        )
    })?;
    let org = app.org();
    let jpath = org.path(&j.code);
    let rows = app
        .store
        .ledger_light_rows(&jpath, local_start(period.start), local_start(period.end))
        .await?;
    let prev = period.previous();
    let previous = app
        .store
        .ledger_count_received(&jpath, local_start(prev.start), local_start(prev.end))
        .await?;
    let spots = topic_hot_spots(app, &jpath, period, 10).await?;
    Ok(report::weekly(
        &org, &j.code, week, period, &rows, previous, spots,
    ))
}

async fn weekly(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let org = app.org();
    let j = ledger_jurisdiction(&actor, &org, param(&q, "jurisdiction"))?;
    let format = format_of(&q, false)?;
    let week = q.get("week").map(|s| s.trim()).unwrap_or("");
    let r = weekly_report(&app, j, week).await?;
    Ok(match format {
        Format::Xlsx => file(
            xlsx(&r.tables())?,
            &format!("report-weekly-{}-{}", j.code, week),
            format,
        ),
        _ => Json(serde_json::to_value(&r).map_err(ApiError::internal)?).into_response(),
    })
}

// ---- monthly report and evaluation --------------------------------------------------------

fn fact_level(l: Level) -> Option<FactLevel> {
    FactLevel::of_level(l)
}

/// Folds the events appended since the last refresh into the ledger facts and register
/// facts (incremental: one indexed read when nothing is new). Safe to call from a timer
/// beside the reports, which refresh by themselves too; concurrent refreshes serialise.
pub async fn refresh(app: &AppState) -> Result<minhu_store::ledger::LedgerRefresh, ApiError> {
    Ok(app.store.ledger_refresh(&app.org()).await?)
}

/// Brings the facts up to the last event, then reads the policy in force.
async fn current(app: &AppState) -> Result<EvaluationPolicy, ApiError> {
    app.store.ledger_refresh(&app.org()).await?;
    Ok(app.store.evaluation_policy().await?)
}

fn figures_for(
    list: impl Iterator<Item = (String, String, &'static str)>,
    sums: &HashMap<String, Counters>,
    overdue: &HashMap<String, i64>,
    policy: &EvaluationPolicy,
) -> Vec<Figures> {
    list.map(|(code, name, level)| {
        Figures::new(
            &code,
            &name,
            level,
            sums.get(&code).copied().unwrap_or_default(),
            overdue.get(&code).copied().unwrap_or(0),
            policy,
        )
    })
    .collect()
}

pub async fn monthly_report(
    app: &AppState,
    j: &Jurisdiction,
    month: YearMonth,
) -> Result<MonthlyReport, ApiError> {
    let level = fact_level(j.level).ok_or_else(|| {
        invalid(
            "jurisdiction",
            "月报按社区、街道或区编制；网格请查看其所在社区".into(),
            "monthly reports are made for communities, streets and districts; for a grid, ask for its community".into(),
        )
    })?;
    let policy = current(app).await?;
    let org = app.org();
    let period = policy.month_period(month);
    let as_of = app.now();
    let store = &app.store;
    let own = store
        .ledger_month_sums(level, Some(std::slice::from_ref(&j.code)), month)
        .await?;
    let own_overdue = store.ledger_overdue_open(level, period, as_of).await?;
    let totals = Figures::new(
        &j.code,
        &j.name,
        j.level.as_str(),
        own.get(&j.code).copied().unwrap_or_default(),
        own_overdue.get(&j.code).copied().unwrap_or(0),
        &policy,
    );
    let kids: Vec<&Jurisdiction> = org
        .jurisdictions()
        .filter(|c| c.parent.as_deref() == Some(j.code.as_str()))
        .collect();
    let mut children = Vec::new();
    if let Some(kid_level) = kids.first().and_then(|k| fact_level(k.level)) {
        let codes: Vec<String> = kids.iter().map(|k| k.code.clone()).collect();
        let sums = store
            .ledger_month_sums(kid_level, Some(&codes), month)
            .await?;
        let overdue = store.ledger_overdue_open(kid_level, period, as_of).await?;
        children = figures_for(
            kids.iter()
                .map(|k| (k.code.clone(), k.name.clone(), k.level.as_str())),
            &sums,
            &overdue,
            &policy,
        );
        rank(&mut children);
        // Requests located at the jurisdiction itself (not in any child): "本级".
        let mut rest = totals.counters;
        let mut rest_overdue = totals.overdue_open;
        for c in &children {
            rest.sub(&c.counters);
            rest_overdue -= c.overdue_open;
        }
        if !rest.is_zero() || rest_overdue != 0 {
            children.push(Figures::new(
                &j.code,
                &format!("{}（本级）", j.name),
                j.level.as_str(),
                rest,
                rest_overdue,
                &policy,
            ));
        }
    }
    let unit_codes: Vec<String> = org
        .units()
        .filter(|u| org.within(&u.jurisdiction, &j.code))
        .map(|u| u.code.clone())
        .collect();
    let sums = store
        .ledger_month_sums(FactLevel::Unit, Some(&unit_codes), month)
        .await?;
    let overdue = store
        .ledger_overdue_open(FactLevel::Unit, period, as_of)
        .await?;
    let mut units = figures_for(
        unit_codes.iter().filter_map(|c| {
            org.unit(c)
                .map(|u| (u.code.clone(), u.name.clone(), "unit"))
        }),
        &sums,
        &overdue,
        &policy,
    );
    rank(&mut units);
    let jpath = org.path(&j.code);
    let rows = store
        .ledger_light_rows(&jpath, local_start(period.start), local_start(period.end))
        .await?;
    let hot_spots = topic_hot_spots(app, &jpath, period, 10).await?;
    Ok(MonthlyReport {
        jurisdiction: j.code.clone(),
        name: j.name.clone(),
        month: month.to_string(),
        period,
        policy_version: policy.version,
        as_of,
        totals,
        children,
        units,
        top_categories: report::top_categories(&rows, 10),
        hot_spots,
        repeats: report::repeats(&rows),
    })
}

/// Hot spots (热点) of a jurisdiction (its own requests and all below it) received from
/// `from` to `to` (local dates, both included): recurring topics per community × category,
/// largest first, at most `limit` (see `minhu_ledger::topics`). For the dashboard.
pub async fn hot_spots(
    app: &AppState,
    jurisdiction: &str,
    from: NaiveDate,
    to: NaiveDate,
    limit: usize,
) -> Result<Vec<minhu_ledger::HotSpot>, ApiError> {
    let org = app.org();
    if org.jurisdiction(jurisdiction).is_none() {
        return Err(invalid(
            "jurisdiction",
            format!("未找到辖区“{jurisdiction}”"),
            format!("unknown jurisdiction '{jurisdiction}'"),
        ));
    }
    let period = Period {
        start: from,
        end: to.succ_opt().expect("date"),
    };
    topic_hot_spots(app, &org.path(jurisdiction), period, limit).await
}

/// The hot spots of a subtree's requests received in a period (segmentation and clustering
/// on a blocking thread).
async fn topic_hot_spots(
    app: &AppState,
    jpath: &str,
    period: Period,
    limit: usize,
) -> Result<Vec<minhu_ledger::HotSpot>, ApiError> {
    let texts = app
        .store
        .ledger_topic_rows(jpath, local_start(period.start), local_start(period.end))
        .await?;
    let org = app.org();
    tokio::task::spawn_blocking(move || minhu_ledger::hot_spots(&texts, &org, limit))
        .await
        .map_err(ApiError::internal)
}

async fn monthly(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let org = app.org();
    let j = ledger_jurisdiction(&actor, &org, param(&q, "jurisdiction"))?;
    let month = parse_month(&q)?;
    let format = format_of(&q, false)?;
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

/// The ranking of a level for a month (within a jurisdiction when given).
pub async fn evaluation(
    app: &AppState,
    month: YearMonth,
    level: FactLevel,
    within: Option<&str>,
) -> Result<(EvaluationPolicy, Period, Vec<Figures>), ApiError> {
    let policy = current(app).await?;
    let org = app.org();
    let period = policy.month_period(month);
    let sums = app.store.ledger_month_sums(level, None, month).await?;
    let overdue = app
        .store
        .ledger_overdue_open(level, period, app.now())
        .await?;
    let list: Vec<(String, String, &'static str)> = match level {
        FactLevel::Unit => org
            .units()
            .filter(|u| within.is_none_or(|w| org.within(&u.jurisdiction, w)))
            .map(|u| (u.code.clone(), u.name.clone(), "unit"))
            .collect(),
        _ => org
            .jurisdictions()
            .filter(|x| fact_level(x.level) == Some(level))
            .filter(|x| within.is_none_or(|w| org.within(&x.code, w)))
            .map(|x| (x.code.clone(), x.name.clone(), x.level.as_str()))
            .collect(),
    };
    let mut figures = figures_for(list.into_iter(), &sums, &overdue, &policy);
    rank(&mut figures);
    Ok((policy, period, figures))
}

pub fn evaluation_table(
    month: YearMonth,
    level: FactLevel,
    policy: &EvaluationPolicy,
    period: Period,
    list: &[Figures],
) -> Table {
    report::figures_table(
        "三率排名",
        format!(
            "{month} {} 三率排名（{} 至 {}，考评策略第{}版）",
            match level {
                FactLevel::Community => "社区",
                FactLevel::Street => "街道",
                FactLevel::District => "区",
                FactLevel::Unit => "承办单位",
            },
            period.start,
            period.last(),
            policy.version
        ),
        list,
    )
}

async fn evaluation_route(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let month = parse_month(&q)?;
    let raw = q.get("level").map(|s| s.trim()).unwrap_or("street");
    let level = FactLevel::parse(raw).ok_or_else(|| {
        invalid(
            "level",
            format!("level 应为 street、community、district 或 unit，收到“{raw}”"),
            format!("level must be street, community, district or unit, got '{raw}'"),
        )
    })?;
    let format = format_of(&q, true)?;
    let org = app.org();
    let within = match q
        .get("jurisdiction")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        Some(code) => {
            if org.jurisdiction(code).is_none() {
                return Err(invalid(
                    "jurisdiction",
                    format!("未找到辖区“{code}”"),
                    format!("unknown jurisdiction '{code}'"),
                ));
            }
            Some(code.to_string())
        }
        None => None,
    };
    let _ = &actor; // rankings are aggregates without personal data: any signed-in user
    let (policy, period, list) = evaluation(&app, month, level, within.as_deref()).await?;
    let name = format!("evaluation-{}-{}", level.as_str(), month);
    Ok(match format {
        Format::Json => Json(json!({
            "month": month.to_string(),
            "level": level.as_str(),
            "period": {"start": period.start, "end": period.last()},
            "policy_version": policy.version,
            "items": list.iter().map(Figures::evaluation_json).collect::<Vec<_>>(),
        }))
        .into_response(),
        Format::Xlsx => file(
            xlsx(&[evaluation_table(month, level, &policy, period, &list)])?,
            &name,
            format,
        ),
        Format::Csv => file(
            minhu_ledger::to_csv(&evaluation_table(month, level, &policy, period, &list)),
            &name,
            format,
        ),
    })
}

// ---- policy and exclusions ------------------------------------------------------------------

fn policy_json(p: &EvaluationPolicy) -> Value {
    serde_json::to_value(p).unwrap_or(Value::Null)
}

async fn policy_list(
    State(app): State<AppState>,
    Authed(_actor): Authed,
) -> Result<Json<Value>, ApiError> {
    let all = app.store.evaluation_policies().await?;
    let current = app.store.evaluation_policy().await?;
    Ok(Json(json!({
        "current": policy_json(&current),
        "versions": all.iter().map(|s| {
            let mut v = policy_json(&s.policy);
            v["note"] = json!(s.note);
            v["created_by"] = json!(s.created_by);
            v["created_at"] = json!(minhu_domain::time::rfc3339(s.created_at));
            v
        }).collect::<Vec<_>>(),
    })))
}

/// A new policy version: `{w_response, w_resolution, w_satisfaction, basic_factor,
/// period_start_day, note}`; unspecified numbers keep the current version's.
async fn policy_create(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_district_admin(&actor, "修改考评策略", "change the evaluation policy")?;
    let body = super::json_body(&headers, body)?;
    let cur = app.store.evaluation_policy().await?;
    let num = |k: &str, d: f64| -> Result<f64, ApiError> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(d),
            Some(v) => v.as_f64().ok_or_else(|| {
                invalid(
                    k,
                    format!("“{k}”应为数值"),
                    format!("'{k}' must be a number"),
                )
            }),
        }
    };
    let p = EvaluationPolicy {
        version: cur.version + 1,
        w_response: num("w_response", cur.w_response)?,
        w_resolution: num("w_resolution", cur.w_resolution)?,
        w_satisfaction: num("w_satisfaction", cur.w_satisfaction)?,
        basic_factor: num("basic_factor", cur.basic_factor)?,
        period_start_day: num("period_start_day", cur.period_start_day as f64)? as u32,
    };
    p.validate()
        .map_err(|(f, msg)| invalid(f, format!("考评策略无效：{msg}"), msg))?;
    let note = body.get("note").and_then(Value::as_str).unwrap_or("");
    app.store
        .save_evaluation_policy(&p, note, &actor.username)
        .await
        .map_err(|e| match e {
            minhu_store::StoreError::Duplicate(_) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "策略版本已被他人创建，请重试",
                "that policy version was just created; retry",
            ),
            e => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(policy_json(&p))))
}

async fn exclusion_list(
    State(app): State<AppState>,
    Authed(actor): Authed,
) -> Result<Json<Value>, ApiError> {
    if !matches!(actor.role, Some(Role::DistrictAdmin | Role::Auditor)) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "只有区综合办管理员和审计查阅员可以查看考评剔除记录",
            "only district_admin and auditor may list exclusions",
        ));
    }
    let all = app.store.evaluation_exclusions().await?;
    Ok(Json(json!({
        "items": all.iter().map(|e| json!({
            "request_id": e.request_id,
            "reason": e.reason,
            "approved_by": e.approved_by,
            "approved_at": minhu_domain::time::rfc3339(e.approved_at),
        })).collect::<Vec<_>>()
    })))
}

/// Excludes a request from scoring: `{request_id, reason}`; the caller (a district_admin)
/// is recorded as the approver.
async fn exclusion_create(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_district_admin(&actor, "批准考评剔除", "approve exclusions from scoring")?;
    let body = super::json_body(&headers, body)?;
    let id = body
        .get("request_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| {
            invalid(
                "request_id",
                "request_id 应为工单编号（整数）".into(),
                "request_id must be a request id (integer)".into(),
            )
        })?;
    let reason = body
        .get("reason")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            invalid(
                "reason",
                "剔除须填写理由".into(),
                "an exclusion needs a reason".into(),
            )
        })?;
    let (req, _) = app
        .store
        .load_request(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !app.org().within(&req.intake.jurisdiction, &actor.scope) {
        return Err(ApiError::not_found());
    }
    let created = app
        .store
        .exclude_from_evaluation(id, reason, &actor.username)
        .await?;
    if !created {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "该工单已被剔除",
            "the request is already excluded",
        ));
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({"request_id": id, "reason": reason, "approved_by": actor.username})),
    ))
}
