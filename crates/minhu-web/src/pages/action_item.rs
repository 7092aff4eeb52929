//! The 督办 register for staff (`/staff/action-items`): every item the reader may see, with
//! its state and the rung of the ladder it has reached; one item with its history; the
//! register as an A4 page to print (`/staff/action-items/print`, with `print.css`) and as
//! xlsx, headed in the reader's language, Chinese by default (`/staff/action-items.xlsx`);
//! an evidence photo of an item (`/staff/action-items/{id}/photos/{hash}`). Every word comes
//! from the text catalogue (`governance.page.*`). The same use cases as the API
//! (`minhu_app::action_item`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minhu_app::action_item as items;
use minhu_domain::action_item::{ActionItem, EvidenceKind, ItemEvent, ItemEventData};
use minhu_domain::ids::ActionItemId;
use minhu_domain::text::Lang;
use minhu_ledger::{Cell, Column, Kind, Table};
use minhu_store::ItemFilter;

use super::text::{labelled, t};
use super::{Page, PageError, Staff, render};
use crate::AppState;
use crate::api::action_item::{ItemLine, line_of_row};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/action-items", get(register))
        .route("/staff/action-items/print", get(print))
        .route("/staff/action-items.xlsx", get(xlsx))
        .route("/staff/action-items/{id}", get(item))
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

async fn lines(app: &AppState, me: &Staff, lang: Lang) -> Result<Vec<Line>, PageError> {
    let now = app.now();
    let rows = items::list(app, &me.actor, &ItemFilter::default()).await?;
    Ok(rows
        .iter()
        .map(|r| {
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
        })
        .collect())
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

/// The register's columns (catalogue keys), as the paper 销号台账 has them.
const COLUMNS: [(&str, f64, Kind); 9] = [
    ("governance.page.col.id", 8.0, Kind::Int),
    ("governance.page.col.title", 40.0, Kind::Text),
    ("governance.page.col.source", 18.0, Kind::Text),
    ("governance.page.col.issued_by", 12.0, Kind::Text),
    ("governance.page.col.owner", 14.0, Kind::Text),
    ("governance.page.col.co_units", 18.0, Kind::Text),
    ("governance.page.col.due", 12.0, Kind::Date),
    ("governance.page.col.state", 10.0, Kind::Text),
    ("governance.page.col.oversight", 10.0, Kind::Text),
];

fn xlsx_row(lang: Lang, r: &Line) -> Vec<Cell> {
    let l = &r.l;
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
    ]
}

async fn xlsx(State(app): State<AppState>, p: Page, me: Staff) -> Result<Response, PageError> {
    let lang = p.lang;
    let rows = lines(&app, &me, lang).await?;
    let table = Table {
        name: t(lang, "governance.page.sheet").into(),
        title: Some(t(lang, "governance.page.print.title").into()),
        columns: COLUMNS
            .iter()
            .map(|(key, width, kind)| Column {
                header: t(lang, key),
                width: *width,
                kind: *kind,
            })
            .collect(),
        rows: rows.iter().map(|r| xlsx_row(lang, r)).collect(),
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
    let page = ItemPage {
        p,
        me,
        item,
        history,
        state,
        ladder,
    };
    Ok(render(&page)?.into_response())
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
