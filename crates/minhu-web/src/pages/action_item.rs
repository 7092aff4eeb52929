//! The 督办 register for staff (`/staff/action-items`): every item the reader may see, with
//! its state and the rung of the ladder it has reached; one item with its history; the
//! register as an A4 page to print (`/staff/action-items/print`, with `print.css`) and as
//! xlsx, headed in the reader's language, Chinese by default (`/staff/action-items.xlsx`);
//! an evidence photo of an item (`/staff/action-items/{id}/photos/{hash}`). The 销号台账
//! xlsx (`/staff/action-items/ledger.xlsx`) takes `source_kind`, `issuer` and `month`
//! (issued in that YYYY-MM) and adds the working days overdue and the 销号 time. An item's page lists the requests it resolves; its
//! 督办通知单 (`/notice`) and 落实情况反馈表 (`/feedback`) print on A4 (papers to sign). Every word comes
//! from the text catalogue (`governance.page.*`). The same use cases as the API
//! (`minhu_app::action_item`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use minhu_app::action_item::{self as items, ItemRow};
use minhu_domain::action_item::{
    ActionItem, EvidenceKind, ItemEvent, ItemEventData, OversightLevel,
};
use minhu_domain::calendar::Calendar;
use minhu_domain::ids::ActionItemId;
use minhu_domain::text::Lang;
use minhu_domain::time::local_date;
use minhu_ledger::{Cell, Column, Kind, Table};
use minhu_store::ItemFilter;

use super::text::{labelled, t};
use super::{Page, PageError, Staff, render};
use crate::AppState;
use crate::api::action_item::{ItemLine, LinkedRequest, line_of_row, linked_requests};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/action-items", get(register))
        .route("/staff/action-items/print", get(print))
        .route("/staff/action-items.xlsx", get(xlsx))
        .route("/staff/action-items/ledger.xlsx", get(ledger_xlsx))
        .route("/staff/action-items/{id}", get(item))
        .route("/staff/action-items/{id}/notice", get(notice))
        .route("/staff/action-items/{id}/feedback", get(feedback))
        .route("/staff/action-items/{id}/photos/{hash}", get(photo))
        .route("/static/print.css", get(print_css))
}

/// A register line as shown: the API's line with its labels in the reader's language.
pub struct Line {
    pub l: ItemLine,
    pub state_label: String,
    pub oversight_label: String,
}

/// The label of a coded value of an item (`state`, `oversight`, `source`, `action`):
/// `governance.page.<kind>.<code>`, the code itself when the catalogue lacks it.
fn label(lang: Lang, kind: &str, code: &str) -> String {
    labelled(lang, &format!("governance.page.{kind}.{code}"), code)
}

fn line(lang: Lang, r: &ItemRow, now: DateTime<Utc>) -> Line {
    let l = line_of_row(r, now);
    let state_label = label(lang, "state", &l.state);
    let oversight_label = l
        .oversight
        .as_deref()
        .map(|o| label(lang, "oversight", o))
        .unwrap_or_default();
    Line {
        l,
        state_label,
        oversight_label,
    }
}

async fn lines(app: &AppState, me: &Staff, lang: Lang) -> Result<Vec<Line>, PageError> {
    let now = app.now();
    let rows = items::list(app, &me.actor, &ItemFilter::default()).await?;
    Ok(rows.iter().map(|r| line(lang, r, now)).collect())
}

#[derive(Template)]
#[template(path = "action_item/register.html")]
struct RegisterPage {
    p: Page,
    me: Staff,
    rows: Vec<Line>,
}

async fn register(State(app): State<AppState>, p: Page, me: Staff) -> Result<Response, PageError> {
    let rows = lines(&app, &me, p.lang).await?;
    Ok(render(&RegisterPage { p, me, rows })?.into_response())
}

#[derive(Template)]
#[template(path = "action_item/print.html")]
struct PrintPage {
    p: Page,
    rows: Vec<Line>,
    printed: String,
}

async fn print(State(app): State<AppState>, p: Page, me: Staff) -> Result<Response, PageError> {
    let rows = lines(&app, &me, p.lang).await?;
    let printed = super::time(&app.now());
    Ok(render(&PrintPage { p, rows, printed })?.into_response())
}

/// The register's xlsx has the first nine columns; the 销号台账 all of them.
const REGISTER_COLUMNS: usize = 9;

/// The ledger's columns (catalogue keys), as the paper 销号台账 has them.
const COLUMNS: [(&str, f64, Kind); 11] = [
    ("governance.page.col.id", 8.0, Kind::Int),
    ("governance.page.col.title", 40.0, Kind::Text),
    ("governance.page.col.source", 18.0, Kind::Text),
    ("governance.page.col.issued_by", 12.0, Kind::Text),
    ("governance.page.col.owner", 14.0, Kind::Text),
    ("governance.page.col.co_units", 18.0, Kind::Text),
    ("governance.page.col.due", 12.0, Kind::Date),
    ("governance.page.col.state", 10.0, Kind::Text),
    ("governance.page.col.oversight", 10.0, Kind::Text),
    ("governance.page.col.days_overdue", 10.0, Kind::Int),
    ("governance.page.col.verified_at", 16.0, Kind::DateTime),
];

/// Working days past the due date: to now while the owner still works on it, to the
/// claim or the 销号 once it reported done (the row's last write); 0 when on time.
fn days_overdue(row: &ItemRow, now: DateTime<Utc>, calendar: &Calendar) -> i64 {
    let pending = matches!(row.state.as_str(), "open" | "in_progress" | "reopened");
    let end = if pending { now } else { row.updated_at };
    if end <= row.due {
        return 0;
    }
    calendar.working_days_between(local_date(row.due), local_date(end))
}

fn xlsx_row(lang: Lang, r: &Line, row: &ItemRow, now: DateTime<Utc>, cal: &Calendar) -> Vec<Cell> {
    let l = &r.l;
    let verified = if row.state == "verified" {
        Cell::DateTime(row.updated_at)
    } else {
        Cell::Empty
    };
    vec![
        Cell::Int(l.id),
        Cell::Text(l.title.clone()),
        Cell::Text(label(lang, "source", &l.source_kind)),
        Cell::Text(l.issued_by.clone()),
        Cell::Text(l.owner.clone()),
        Cell::Text(l.co_units.join("、")),
        l.due_date.parse().map(Cell::Date).unwrap_or(Cell::Empty),
        Cell::Text(r.state_label.clone()),
        Cell::Text(r.oversight_label.clone()),
        Cell::Int(days_overdue(row, now, cal)),
        verified,
    ]
}

/// The 销号台账's choice of items: by source kind, issuing office and month of issue.
#[derive(Debug, Default, serde::Deserialize)]
struct LedgerQuery {
    source_kind: Option<String>,
    issuer: Option<String>,
    /// YYYY-MM: issued in that month (Asia/Shanghai).
    month: Option<String>,
}

/// The register's xlsx: every item the reader may see, the register's nine columns.
async fn xlsx(State(app): State<AppState>, p: Page, me: Staff) -> Result<Response, PageError> {
    let rows = items::list(&app, &me.actor, &ItemFilter::default()).await?;
    sheet(&app, p.lang, &rows, REGISTER_COLUMNS)
}

/// The 销号台账: the items chosen by `LedgerQuery`, with the working days overdue and the
/// 销号 time.
async fn ledger_xlsx(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, PageError> {
    let filter = ItemFilter {
        issued_by: q.issuer.clone().filter(|s| !s.is_empty()),
        ..ItemFilter::default()
    };
    let month = q.month.as_deref().filter(|m| !m.is_empty());
    let kind = q.source_kind.as_deref().filter(|k| !k.is_empty());
    let rows: Vec<ItemRow> = items::list(&app, &me.actor, &filter)
        .await?
        .into_iter()
        .filter(|r| kind.is_none_or(|k| r.source_kind == k))
        .filter(|r| month.is_none_or(|m| local_date(r.issued_at).format("%Y-%m").to_string() == m))
        .collect();
    sheet(&app, p.lang, &rows, COLUMNS.len())
}

/// The first `width` columns of the ledger for `rows`, as an xlsx download.
fn sheet(
    app: &AppState,
    lang: Lang,
    rows: &[ItemRow],
    width: usize,
) -> Result<Response, PageError> {
    let now = app.now();
    let cal = app.calendar();
    let table = Table {
        name: t(lang, "governance.page.sheet").into(),
        title: Some(t(lang, "governance.page.print.title").into()),
        columns: COLUMNS[..width]
            .iter()
            .map(|(key, width, kind)| Column {
                header: t(lang, key),
                width: *width,
                kind: *kind,
            })
            .collect(),
        rows: rows
            .iter()
            .map(|row| {
                let mut cells = xlsx_row(lang, &line(lang, row, now), row, now, &cal);
                cells.truncate(width);
                cells
            })
            .collect(),
    };
    let bytes = crate::api::ledger::xlsx(&[table])?;
    Ok(crate::api::ledger::file(
        bytes,
        "action-items",
        crate::api::ledger::Format::Xlsx,
    ))
}

/// One line of an item's history as shown, with links to the photos it cites.
pub struct HistoryLine {
    pub at: String,
    pub actor: String,
    pub unit: Option<String>,
    pub action: String,
    pub photos: Vec<String>,
}

fn history_line(lang: Lang, id: i64, e: &ItemEvent) -> HistoryLine {
    let evidence = match &e.data {
        ItemEventData::Progress { evidence, .. } | ItemEventData::ClaimDone { evidence, .. } => {
            evidence.as_slice()
        }
        _ => &[],
    };
    HistoryLine {
        at: super::time(&e.at),
        actor: e.actor.clone(),
        unit: e.unit.as_ref().map(|u| u.as_str().to_string()),
        action: label(lang, "action", e.data.action()),
        photos: evidence
            .iter()
            .filter(|ev| ev.kind == EvidenceKind::Photo)
            .map(|ev| format!("/staff/action-items/{id}/photos/{}", ev.reference))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "action_item/item.html")]
struct ItemPage {
    p: Page,
    me: Staff,
    item: ActionItem,
    requests: Vec<LinkedRequest>,
    history: Vec<HistoryLine>,
    state: String,
    ladder: Vec<String>,
}

async fn item(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (item, events) = items::show(&app, &me.actor, ActionItemId(id)).await?;
    let lang = p.lang;
    let state = label(lang, "state", item.state.as_str());
    let ladder = item
        .oversight
        .iter()
        .map(|l| label(lang, "oversight", l.as_str()))
        .collect();
    let history = events.iter().map(|e| history_line(lang, id, e)).collect();
    let mut requests = linked_requests(&app, &item).await?;
    for r in &mut requests {
        r.state_label = super::code_label(lang, "state", &r.state);
    }
    let page = ItemPage {
        p,
        me,
        requests,
        item,
        history,
        state,
        ladder,
    };
    Ok(render(&page)?.into_response())
}

/// What the two papers of an item print: its facts with the units by name.
pub struct Paper {
    pub id: i64,
    pub title: String,
    pub source: String,
    pub issuer: String,
    pub owner: String,
    pub co_units: String,
    pub issued: String,
    pub due: String,
    pub overdue_days: i64,
    pub requests: Vec<LinkedRequest>,
    /// The 督办通知's 文号 and when it was sent, once the monitor sent it.
    pub number: String,
    pub noticed: String,
    /// The feedback so far: (time, unit, note).
    pub progress: Vec<(String, String, String)>,
    pub printed: String,
}

async fn paper(app: &AppState, me: &Staff, lang: Lang, id: i64) -> Result<Paper, PageError> {
    let (item, events) = items::show(app, &me.actor, ActionItemId(id)).await?;
    let org = app.org();
    let name = |u: &str| {
        org.unit(u)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| u.to_string())
    };
    let notice = events.iter().rev().find_map(|e| match &e.data {
        ItemEventData::Oversee {
            level: OversightLevel::Supervise,
            number,
        } => Some((number.clone().unwrap_or_default(), super::time(&e.at))),
        _ => None,
    });
    let (number, noticed) = notice.unwrap_or_default();
    let now = app.now();
    Ok(Paper {
        id,
        title: item.title.clone(),
        source: item
            .source
            .map(|s| label(lang, "source", s.kind.as_str()))
            .unwrap_or_default(),
        issuer: name(item.issued_by.as_str()),
        owner: name(item.owner.as_str()),
        co_units: item
            .co_units
            .iter()
            .map(|u| name(u.as_str()))
            .collect::<Vec<_>>()
            .join("、"),
        issued: item.issued_at.map(|t| super::time(&t)).unwrap_or_default(),
        due: item.due_date().map(|d| d.to_string()).unwrap_or_default(),
        overdue_days: item.overdue_working_days(now, &app.calendar()),
        requests: linked_requests(app, &item).await?,
        number,
        noticed,
        progress: item
            .progress
            .iter()
            .map(|p| {
                let unit = p
                    .unit
                    .as_ref()
                    .map(|u| name(u.as_str()))
                    .unwrap_or_default();
                (super::time(&p.at), unit, p.note.clone())
            })
            .collect(),
        printed: super::time(&now),
    })
}

#[derive(Template)]
#[template(path = "action_item/notice.html")]
struct NoticePage {
    p: Page,
    d: Paper,
}

/// 督办通知单: the notice the issuing office sends the owner unit once the item is overdue
/// (its 文号 from the monitor's 督办 step; blank before that, to print by hand).
async fn notice(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let d = paper(&app, &me, p.lang, id).await?;
    Ok(render(&NoticePage { p, d })?.into_response())
}

#[derive(Template)]
#[template(path = "action_item/feedback.html")]
struct FeedbackPage {
    p: Page,
    d: Paper,
}

/// 落实情况反馈表: the owner unit's written feedback, with what it reported so far and lines
/// to fill, sign and stamp, and the issuing office's verdict.
async fn feedback(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let d = paper(&app, &me, p.lang, id).await?;
    Ok(render(&FeedbackPage { p, d })?.into_response())
}

/// An evidence photo of an item the reader may see (404 otherwise), as a request's photos
/// are served.
async fn photo(
    State(app): State<AppState>,
    me: Staff,
    Path((id, hash)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let (mime, bytes) = items::evidence_photo(&app, &me.actor, ActionItemId(id), &hash).await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, max-age=3600".into()),
        ],
        bytes,
    )
        .into_response())
}

async fn print_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/print.css"),
    )
}
