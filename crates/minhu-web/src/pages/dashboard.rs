//! The supervisor's dashboard: volume per day, requests per state, red lights and the
//! satisfaction of callbacks over the last 30 days, drawn as server-rendered SVG (no
//! script, no CDN), for the person's own jurisdiction.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minhu_domain::access;
use minhu_domain::request::{Satisfaction, State as ReqState};
use minhu_domain::time::local_date;
use minhu_store::Dashboard;

use super::session::forbidden;
use super::{Lang, Page, PageError, Staff, code_label, render};
use crate::AppState;

pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub label: String,
    pub value: i64,
}

pub struct Line {
    pub label: String,
    pub value: i64,
    pub width: u32,
    pub tone: &'static str,
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardPage {
    p: Page,
    me: Staff,
    area: String,
    total: i64,
    open: i64,
    overdue: i64,
    satisfied_rate: String,
    days: Vec<Bar>,
    states: Vec<Line>,
    satisfaction: Vec<Line>,
    hot_spots: Vec<minhu_ledger::HotSpot>,
    /// Shown when deadlines will soon be counted past the loaded official holidays.
    calendar_warning: Option<String>,
    /// For the district office: failing and dead deliveries (a link to their page).
    failing_deliveries: Option<usize>,
}

const DAYS: i64 = 30;
const CHART_HEIGHT: u32 = 120;

pub async fn dashboard(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
) -> Result<Response, PageError> {
    let Some(area) = access::dashboard_jurisdiction(&me.actor).map(str::to_string) else {
        return Err(forbidden("staff.dashboard.forbidden"));
    };
    let org = app.org();
    let l = p.lang;
    let now = app.now();
    let since = now - chrono::Duration::days(DAYS);
    let figures = app.store.dashboard(&org.path(&area), since, now).await?;
    // Recurring topics of the last 30 days (community × category), largest first.
    let hot_spots =
        crate::api::ledger::hot_spots(&app, &area, local_date(since), local_date(now), 8).await?;

    let days = per_day_bars(&figures, local_date(since));
    let total: i64 = figures.states.iter().map(|(_, n)| n).sum();
    let open: i64 = figures
        .states
        .iter()
        .filter(|(s, _)| ReqState::parse(s).is_some_and(|s| s.is_open()))
        .map(|(_, n)| n)
        .sum();
    let states = state_lines(l, &figures);
    let satisfaction = satisfaction_lines(l, &figures);
    let satisfied_rate = satisfied_rate(&figures);
    let calendar_warning = calendar_warning(l, &app.calendar(), local_date(now));
    let failing_deliveries = super::deliveries::dashboard_count(&app, &me.actor).await;
    Ok(render(&DashboardPage {
        area: org
            .jurisdiction(&area)
            .map(|j| j.name.clone())
            .unwrap_or_default(),
        total,
        open,
        overdue: figures.overdue,
        satisfied_rate,
        days,
        states,
        satisfaction,
        hot_spots,
        calendar_warning,
        failing_deliveries,
        me,
        p,
    })?
    .into_response())
}

/// The warning that next year's official holidays must be loaded, when they are due.
fn calendar_warning(
    l: Lang,
    calendar: &minhu_domain::calendar::Calendar,
    today: NaiveDate,
) -> Option<String> {
    let c = calendar.coverage(today);
    if !c.needs_next_year() {
        return None;
    }
    let year = c
        .last_year
        .map(|y| y.to_string())
        .unwrap_or_else(|| "—".into());
    let days = c.days_left.unwrap_or(0).to_string();
    Some(minhu_domain::text::fill(
        "staff.dashboard.calendar_warning",
        l,
        &[("year", &year), ("days", &days)],
    ))
}

/// Requests received per local day over the window, as bars.
fn per_day_bars(figures: &Dashboard, first: NaiveDate) -> Vec<Bar> {
    let mut per_day: BTreeMap<NaiveDate, i64> = (0..=DAYS)
        .map(|d| (first + chrono::Duration::days(d), 0))
        .collect();
    for at in &figures.received {
        if let Some(n) = per_day.get_mut(&local_date(*at)) {
            *n += 1;
        }
    }
    let max = per_day.values().copied().max().unwrap_or(0).max(1);
    per_day
        .iter()
        .enumerate()
        .map(|(i, (date, n))| {
            let height = (*n as u64 * CHART_HEIGHT as u64 / max as u64) as u32;
            Bar {
                x: i as u32 * 20,
                y: CHART_HEIGHT - height,
                width: 16,
                height,
                label: date.format("%m-%d").to_string(),
                value: *n,
            }
        })
        .collect()
}

/// Requests per state (the states that have any), open ones in one tone, done in another.
fn state_lines(l: Lang, figures: &Dashboard) -> Vec<Line> {
    let max = figures
        .states
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(1)
        .max(1);
    ReqState::ALL
        .iter()
        .filter_map(|s| {
            let n = figures.states.iter().find(|(c, _)| c == s.as_str())?.1;
            Some(Line {
                label: code_label(l, "state", s.as_str()),
                value: n,
                width: (n * 300 / max) as u32,
                tone: if s.is_open() { "open" } else { "done" },
            })
        })
        .collect()
}

/// Callbacks per satisfaction, the unsatisfied in red.
fn satisfaction_lines(l: Lang, figures: &Dashboard) -> Vec<Line> {
    let max = figures
        .satisfaction
        .values()
        .copied()
        .max()
        .unwrap_or(1)
        .max(1);
    Satisfaction::ALL
        .iter()
        .map(|s| {
            let n = figures.satisfaction.get(s.as_str()).copied().unwrap_or(0);
            Line {
                label: code_label(l, "satisfaction", s.as_str()),
                value: n,
                width: (n * 300 / max) as u32,
                tone: match s {
                    Satisfaction::Unsatisfied => "red",
                    _ => "done",
                },
            }
        })
        .collect()
}

/// The share of callbacks not unsatisfied, or a dash when there were none.
fn satisfied_rate(figures: &Dashboard) -> String {
    let total: i64 = figures.satisfaction.values().sum();
    let satisfied = figures
        .satisfaction
        .iter()
        .filter(|(k, _)| k.as_str() != Satisfaction::Unsatisfied.as_str())
        .map(|(_, n)| n)
        .sum::<i64>();
    if total > 0 {
        format!("{:.1}%", satisfied as f64 * 100.0 / total as f64)
    } else {
        "—".into()
    }
}
