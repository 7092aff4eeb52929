//! Ledger pages: the daily register (日登记), weekly summary (周汇总), monthly report (月上报)
//! and the 三率 ranking, as tables with a chart, for the person's jurisdiction, with the same
//! xlsx/CSV files as the API. Personal fields are masked here; unmasked registers are an
//! API export with a recorded reason.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use minhu_domain::org::Level;
use minhu_ledger::{Cell, FactLevel, Table, YearMonth};

use super::public::Choice;
use super::t;
use super::text::error;
use super::{Page, PageError, Staff, render};
use crate::api::ledger as api;
use crate::{ApiError, AppState};

/// 422 for a ledger parameter: the catalogue's `key` with `{value}` filled in.
fn invalid(field: &str, key: &str, value: &str) -> ApiError {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_parameter",
        key,
        &[("value", value)],
    )
    .field(field)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/ledger", get(ledger_page))
        .route("/staff/ledger/file", get(ledger_file))
}

/// Rows shown on the page; the files carry all of them.
const PAGE_ROWS: usize = 500;

pub struct HtmlTable {
    pub title: String,
    pub headers: Vec<&'static str>,
    /// Each cell's text, and whether it is a number (right-aligned).
    pub rows: Vec<Vec<(String, bool)>>,
    pub hidden: usize,
}

pub struct ChartBar {
    pub label: String,
    pub value: String,
    pub y: usize,
    pub width: u32,
}

#[derive(Template)]
#[template(path = "staff/ledger.html")]
struct LedgerPage {
    p: Page,
    me: Staff,
    kind: String,
    kinds: Vec<Choice>,
    places: Vec<Choice>,
    levels: Vec<Choice>,
    date: String,
    week: String,
    month: String,
    chart_title: String,
    chart: Vec<ChartBar>,
    tables: Vec<HtmlTable>,
    file_query: String,
}

fn html_table(t: &Table) -> HtmlTable {
    HtmlTable {
        title: t.title.clone().unwrap_or_else(|| t.name.clone()),
        headers: t.columns.iter().map(|c| c.header).collect(),
        rows: t
            .rows
            .iter()
            .take(PAGE_ROWS)
            .map(|r| {
                r.iter()
                    .map(|c| {
                        let numeric = matches!(c, Cell::Int(_) | Cell::Float(_) | Cell::Percent(_));
                        let text = match c {
                            Cell::Percent(f) => format!("{:.1}%", f * 100.0),
                            _ => c.to_text(),
                        };
                        (text, numeric)
                    })
                    .collect()
            })
            .collect(),
        hidden: t.rows.len().saturating_sub(PAGE_ROWS),
    }
}

/// What was asked: kind, place and period, checked against the person's scope.
struct Asked {
    kind: String,
    jurisdiction: minhu_domain::org::Jurisdiction,
    date: NaiveDate,
    week: String,
    month: String,
    level: FactLevel,
}

/// What was asked; the person's scope (and a unit's having no jurisdiction ledger) is
/// checked by the API's `ledger_jurisdiction`.
fn asked(app: &AppState, me: &Staff, q: &HashMap<String, String>) -> Result<Asked, ApiError> {
    let get = |k: &str| api::param(q, k);
    let org = app.org();
    let j = api::ledger_jurisdiction(&me.actor, &org, get("jurisdiction"))?.clone();
    let today = minhu_domain::time::local_date(app.now());
    let date = match get("date") {
        None => today,
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| invalid("date", "ledger.page.error.date", d))?,
    };
    let iso = today.iso_week();
    let week = get("week")
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}-W{:02}", iso.year(), iso.week()));
    let month = get("month")
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}-{:02}", today.year(), today.month()));
    let level = match get("level") {
        None => FactLevel::Community,
        Some(l) => {
            FactLevel::parse(l).ok_or_else(|| invalid("level", "ledger.page.error.level", l))?
        }
    };
    let kind = get("kind").unwrap_or("daily").to_string();
    if !["daily", "weekly", "monthly", "evaluation"].contains(&kind.as_str()) {
        return Err(invalid("kind", "ledger.page.error.kind", &kind));
    }
    Ok(Asked {
        kind,
        jurisdiction: j,
        date,
        week,
        month,
        level,
    })
}

fn month_of(raw: &str) -> Result<YearMonth, ApiError> {
    YearMonth::parse(raw).ok_or_else(|| invalid("month", "ledger.page.error.month", raw))
}

/// A chart of a ledger: the catalogue key of its title, and its bars as (label, value,
/// fraction of the largest).
type Chart = (&'static str, Vec<(String, String, f64)>);

/// The tables of what was asked, and a chart.
async fn build(app: &AppState, me: &Staff, a: &Asked) -> Result<(Vec<Table>, Chart), ApiError> {
    Ok(match a.kind.as_str() {
        "daily" => {
            let reg = api::daily_register(app, &me.actor, &a.jurisdiction, a.date, None).await?;
            let mut per_place: Vec<(String, i64)> = Vec::new();
            for r in &reg.rows {
                match per_place.iter_mut().find(|(p, _)| *p == r.place) {
                    Some((_, n)) => *n += 1,
                    None => per_place.push((r.place.clone(), 1)),
                }
            }
            let max = per_place.iter().map(|x| x.1).max().unwrap_or(1).max(1) as f64;
            let chart = per_place
                .into_iter()
                .map(|(p, n)| (p, n.to_string(), n as f64 / max))
                .collect();
            (vec![reg.table()], ("ledger.page.chart.daily", chart))
        }
        "weekly" => {
            let r = api::weekly_report(app, &a.jurisdiction, &a.week).await?;
            let max = r.by_day.iter().map(|c| c.count).max().unwrap_or(1).max(1) as f64;
            let chart = r
                .by_day
                .iter()
                .map(|c| (c.name.clone(), c.count.to_string(), c.count as f64 / max))
                .collect();
            (r.tables(), ("ledger.page.chart.weekly", chart))
        }
        "monthly" => {
            let r = api::monthly_report(app, &a.jurisdiction, month_of(&a.month)?).await?;
            let received =
                |f: &minhu_ledger::Figures| f.counters.get(minhu_ledger::Metric::Received);
            let max = r.children.iter().map(received).max().unwrap_or(1).max(1) as f64;
            let chart = r
                .children
                .iter()
                .map(|f| {
                    (
                        f.name.clone(),
                        received(f).to_string(),
                        received(f) as f64 / max,
                    )
                })
                .collect();
            (r.tables(), ("ledger.page.chart.monthly", chart))
        }
        _ => {
            let month = month_of(&a.month)?;
            let (policy, period, list) =
                api::evaluation(app, month, a.level, Some(&a.jurisdiction.code)).await?;
            let chart = list
                .iter()
                .filter_map(|f| {
                    f.rates
                        .composite
                        .map(|c| (f.name.clone(), format!("{:.1}", c * 100.0), c))
                })
                .take(30)
                .collect();
            (
                vec![api::evaluation_table(
                    month, a.level, &policy, period, &list,
                )],
                ("ledger.page.chart.evaluation", chart),
            )
        }
    })
}

async fn ledger_page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let a = asked(&app, &me, &q)?;
    let (tables, (chart_title, bars)) = build(&app, &me, &a).await?;
    let org = app.org();
    let l = p.lang;
    let kinds = [
        ("daily", "ledger.page.kind.daily"),
        ("weekly", "ledger.page.kind.weekly"),
        ("monthly", "ledger.page.kind.monthly"),
        ("evaluation", "ledger.page.kind.evaluation"),
    ]
    .iter()
    .map(|(k, key)| Choice {
        value: k.to_string(),
        label: t(l, key).into(),
        selected: a.kind == *k,
    })
    .collect();
    let places = org
        .jurisdictions()
        .filter(|j| org.within(&j.code, &me.actor.scope))
        .filter(|j| j.level != Level::Grid)
        .map(|j| Choice {
            value: j.code.clone(),
            label: j.name.clone(),
            selected: j.code == a.jurisdiction.code,
        })
        .collect();
    let levels = [
        ("community", "ledger.page.level.community"),
        ("street", "ledger.page.level.street"),
        ("unit", "ledger.page.level.unit"),
    ]
    .iter()
    .map(|(k, key)| Choice {
        value: k.to_string(),
        label: t(l, key).into(),
        selected: a.level.as_str() == *k,
    })
    .collect();
    let file_query = form_urlencoded::Serializer::new(String::new())
        .append_pair("kind", &a.kind)
        .append_pair("jurisdiction", &a.jurisdiction.code)
        .append_pair("date", &a.date.to_string())
        .append_pair("week", &a.week)
        .append_pair("month", &a.month)
        .append_pair("level", a.level.as_str())
        .finish();
    let chart = bars
        .into_iter()
        .take(40)
        .enumerate()
        .map(|(i, (label, value, frac))| ChartBar {
            label,
            value,
            y: i * 22,
            width: (frac.clamp(0.0, 1.0) * 360.0).round() as u32,
        })
        .collect();
    Ok(render(&LedgerPage {
        kind: a.kind.clone(),
        kinds,
        places,
        levels,
        date: a.date.to_string(),
        week: a.week.clone(),
        month: a.month.clone(),
        chart_title: t(l, chart_title).into(),
        chart,
        tables: tables.iter().map(html_table).collect(),
        file_query,
        me,
        p,
    })?
    .into_response())
}

async fn ledger_file(
    State(app): State<AppState>,
    me: Staff,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let a = asked(&app, &me, &q)?;
    let (tables, _) = build(&app, &me, &a).await?;
    let name = format!(
        "{}-{}-{}",
        a.kind,
        a.jurisdiction.code,
        match a.kind.as_str() {
            "daily" => a.date.to_string(),
            "weekly" => a.week.clone(),
            _ => a.month.clone(),
        }
    );
    Ok(match q.get("format").map(String::as_str) {
        Some("csv") => api::file(minhu_ledger::to_csv(&tables[0]), &name, api::Format::Csv),
        _ => api::file(api::xlsx(&tables)?, &name, api::Format::Xlsx),
    })
}
