//! The body's 销号台账 as xlsx: every action item its minutes gave (item, unit, due, status,
//! working days overdue), headed in Chinese from the catalogue's `meeting.page.*` texts and
//! written as the other registers are (`crate::api::ledger::xlsx`, rust_xlsxwriter).

use axum::extract::{Path, State};
use axum::response::Response;
use minhu_app::joint_meeting as app_joint;
use minhu_domain::action_item::ItemState;
use minhu_domain::text::Lang;
use minhu_ledger::{Cell, Column, Kind, Table};

use crate::api::ledger::{Format, file};
use crate::pages::text::t;
use crate::pages::{PageError, Staff};
use crate::{ApiError, AppState};

fn zh(key: &'static str) -> &'static str {
    t(Lang::Zh, key)
}

pub(super) async fn ledger(
    State(app): State<AppState>,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let body = app_joint::body(&app, &me.actor, id).await?;
    let lines = app_joint::ledger(&app, &me.actor, id).await?;
    let org = app.org();
    let columns = [
        ("meeting.page.number", 14.0, Kind::Text),
        ("meeting.page.item_no", 6.0, Kind::Int),
        ("meeting.page.action_item", 10.0, Kind::Int),
        ("meeting.page.decision", 40.0, Kind::Text),
        ("meeting.page.lead_unit", 20.0, Kind::Text),
        ("meeting.page.due", 12.0, Kind::Text),
        ("meeting.page.status", 10.0, Kind::Text),
        ("meeting.page.overdue_days", 10.0, Kind::Int),
    ]
    .iter()
    .map(|(key, width, kind)| Column {
        header: zh(key),
        width: *width,
        kind: *kind,
    })
    .collect();
    let rows = lines
        .into_iter()
        .map(|e| {
            let l = e.line;
            let owner = org
                .unit(&l.owner)
                .map(|u| u.name.clone())
                .unwrap_or(l.owner);
            let status = ItemState::parse(&l.state)
                .map(|s| s.zh().to_string())
                .unwrap_or(l.state);
            vec![
                Cell::Text(l.number.unwrap_or_default()),
                Cell::Int(l.item_no),
                Cell::Int(l.action_item_id),
                Cell::Text(l.title),
                Cell::Text(owner),
                Cell::Text(minhu_domain::time::local_date(l.due).to_string()),
                Cell::Text(status),
                Cell::Int(e.overdue_days),
            ]
        })
        .collect();
    let table = Table {
        name: zh("meeting.page.ledger").into(),
        title: Some(format!("{}{}", body.name, zh("meeting.page.ledger"))),
        columns,
        rows,
    };
    Ok(file(
        crate::api::ledger::xlsx(&[table])?,
        &format!("joint-ledger-{id}"),
        Format::Xlsx,
    ))
}
