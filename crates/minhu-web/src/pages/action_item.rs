//! The 督办 register for staff (`/staff/action-items`): every item the reader may see, with
//! its state and the rung of the ladder it has reached; one item with its history; the
//! register as an A4 page to print (`/staff/action-items/print`, with `print.css`) and as
//! xlsx with Chinese headers (`/staff/action-items.xlsx`). The same use cases as the API
//! (`minhu_app::action_item`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minhu_app::action_item as items;
use minhu_domain::action_item::{ActionItem, ItemEvent, ItemState, OversightLevel};
use minhu_domain::ids::ActionItemId;
use minhu_ledger::{Cell, Column, Kind, Table};
use minhu_store::ItemFilter;

use super::{Page, PageError, Staff, render};
use crate::AppState;
use crate::api::action_item::{ItemLine, line_of_row};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/action-items", get(register))
        .route("/staff/action-items/print", get(print))
        .route("/staff/action-items.xlsx", get(xlsx))
        .route("/staff/action-items/{id}", get(item))
        .route("/static/print.css", get(print_css))
}

/// A register line as shown: the API's line with its labels.
pub struct Line {
    pub l: ItemLine,
    pub oversight_label: &'static str,
}

fn label(level: Option<&str>) -> &'static str {
    level
        .and_then(OversightLevel::parse)
        .map(OversightLevel::zh)
        .unwrap_or("")
}

async fn lines(app: &AppState, me: &Staff) -> Result<Vec<Line>, PageError> {
    let now = app.now();
    let rows = items::list(app, &me.actor, &ItemFilter::default()).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let l = line_of_row(r, now);
            let oversight_label = label(l.oversight.as_deref());
            Line { l, oversight_label }
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
    let rows = lines(&app, &me).await?;
    Ok(render(&RegisterPage { p, me, rows })?.into_response())
}

#[derive(Template)]
#[template(path = "action_item/print.html")]
struct PrintPage {
    rows: Vec<Line>,
    printed: String,
}

async fn print(State(app): State<AppState>, me: Staff) -> Result<Response, PageError> {
    let rows = lines(&app, &me).await?;
    let printed = super::time(&app.now());
    Ok(render(&PrintPage { rows, printed })?.into_response())
}

/// The register's columns, headed in Chinese as the paper 销号台账 is.
const COLUMNS: [(&str, f64, Kind); 9] = [
    ("编号", 8.0, Kind::Int),
    ("督办事项", 40.0, Kind::Text),
    ("来源", 18.0, Kind::Text),
    ("交办单位", 12.0, Kind::Text),
    ("主办单位", 14.0, Kind::Text),
    ("协办单位", 18.0, Kind::Text),
    ("办理时限", 12.0, Kind::Date),
    ("状态", 10.0, Kind::Text),
    ("督办等级", 10.0, Kind::Text),
];

async fn xlsx(State(app): State<AppState>, _p: Page, me: Staff) -> Result<Response, PageError> {
    let rows = lines(&app, &me).await?;
    let source = |k: &str| {
        minhu_domain::action_item::SourceKind::parse(k)
            .map(|s| s.zh().to_string())
            .unwrap_or_else(|| k.to_string())
    };
    let table = Table {
        name: "督办事项台账".into(),
        title: Some("督办事项销号台账".into()),
        columns: COLUMNS
            .iter()
            .map(|(header, width, kind)| Column {
                header,
                width: *width,
                kind: *kind,
            })
            .collect(),
        rows: rows
            .iter()
            .map(|r| {
                let l = &r.l;
                vec![
                    Cell::Int(l.id),
                    Cell::Text(l.title.clone()),
                    Cell::Text(source(&l.source_kind)),
                    Cell::Text(l.issued_by.clone()),
                    Cell::Text(l.owner.clone()),
                    Cell::Text(l.co_units.join("、")),
                    l.due_date.parse().map(Cell::Date).unwrap_or(Cell::Empty),
                    Cell::Text(l.state_label.clone()),
                    Cell::Text(r.oversight_label.to_string()),
                ]
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

#[derive(Template)]
#[template(path = "action_item/item.html")]
struct ItemPage {
    p: Page,
    me: Staff,
    item: ActionItem,
    events: Vec<ItemEvent>,
    state: &'static str,
    ladder: Vec<&'static str>,
}

async fn item(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (item, events) = items::show(&app, &me.actor, ActionItemId(id)).await?;
    let state = ItemState::zh(item.state);
    let ladder = item.oversight.iter().map(|l| l.zh()).collect();
    let page = ItemPage {
        p,
        me,
        item,
        events,
        state,
        ladder,
    };
    Ok(render(&page)?.into_response())
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
