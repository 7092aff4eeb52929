//! The issued minutes (例会纪要) and rollups (社情日汇总) as xlsx, beside their A4 pages:
//! headed in Chinese from the catalogue's `grid_meeting.page.*` texts, written as the 督办
//! register's export is (`crate::api::ledger::xlsx`). A draft has no paper yet: 409.

use axum::extract::{Path, State};
use axum::response::Response;
use minhu_app::grid_meeting as app_meeting;
use minhu_domain::grid_meeting::{self as domain, MeetingKind, MeetingState, Rollup};
use minhu_domain::text::Lang;
use minhu_ledger::{Cell, Column, Kind, Table};

use crate::api::ledger::{Format, file};
use crate::pages::text::{error, t};
use crate::pages::{PageError, Staff};
use crate::{ApiError, AppState};

fn zh(key: &'static str) -> &'static str {
    t(Lang::Zh, key)
}

fn columns(cols: &[(&'static str, f64, Kind)]) -> Vec<Column> {
    cols.iter()
        .map(|(key, width, kind)| Column {
            header: zh(key),
            width: *width,
            kind: *kind,
        })
        .collect()
}

fn text(v: &Option<String>) -> Cell {
    v.clone().map(Cell::Text).unwrap_or(Cell::Empty)
}

/// An issued meeting: the minutes' items, or the rollup fixed at issue.
pub(super) async fn meeting(
    State(app): State<AppState>,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let view = app_meeting::meeting(&app, &me.actor, id).await?;
    let m = &view.meeting;
    if m.state != MeetingState::Issued {
        return Err(error(
            axum::http::StatusCode::CONFLICT,
            "not_issued",
            "grid_meeting.form.not_issued",
            &[],
        )
        .into());
    }
    let name = super::community_name(&app.org(), &m.community);
    let table = match (&m.kind, &m.rollup) {
        (MeetingKind::DailyRollup, Some(r)) => rollup_table(&name, r),
        _ => minutes_table(&name, m, &view.items),
    };
    let stem = format!("grid-meeting-{id}");
    Ok(file(
        crate::api::ledger::xlsx(&[table])?,
        &stem,
        Format::Xlsx,
    ))
}

/// The day's rollup as computed now (the page `/staff/communities/{code}/rollup/{day}`).
pub(super) async fn rollup(
    State(app): State<AppState>,
    me: Staff,
    Path((code, day)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let day = domain::parse_day("day", &day)?;
    let r = app_meeting::rollup(&app, &me.actor, &code, day).await?;
    let name = super::community_name(&app.org(), &code);
    let table = rollup_table(&name, &r);
    let stem = format!("rollup-{code}-{day}");
    Ok(file(
        crate::api::ledger::xlsx(&[table])?,
        &stem,
        Format::Xlsx,
    ))
}

fn minutes_table(community: &str, m: &domain::Meeting, items: &[domain::MeetingItem]) -> Table {
    let title = format!(
        "{community}{} {} {}",
        zh("grid_meeting.page.weekly_title"),
        m.number.clone().unwrap_or_default(),
        m.day
    );
    Table {
        name: zh("grid_meeting.page.items").into(),
        title: Some(title),
        columns: columns(&[
            ("grid_meeting.page.seq", 6.0, Kind::Int),
            ("grid_meeting.page.grid", 10.0, Kind::Text),
            ("grid_meeting.page.item", 36.0, Kind::Text),
            ("grid_meeting.page.decision", 36.0, Kind::Text),
            ("grid_meeting.page.owner", 12.0, Kind::Text),
            ("grid_meeting.page.limit", 12.0, Kind::Int),
            ("grid_meeting.page.action_item", 12.0, Kind::Int),
        ]),
        rows: items
            .iter()
            .map(|i| {
                vec![
                    Cell::Int(i.seq),
                    text(&i.grid),
                    Cell::Text(i.text.clone()),
                    text(&i.decision),
                    text(&i.owner_unit),
                    i.working_days
                        .map(|d| Cell::Int(i64::from(d)))
                        .unwrap_or(Cell::Empty),
                    i.action_item_id.map(Cell::Int).unwrap_or(Cell::Empty),
                ]
            })
            .collect(),
    }
}

fn count(n: usize) -> Cell {
    Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn rollup_table(community: &str, r: &Rollup) -> Table {
    let line = |grid: String, l: &domain::RollupLine| {
        vec![
            Cell::Text(grid),
            count(l.findings),
            count(l.solved_on_spot),
            count(l.reported),
            count(l.still_open),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = r.grids.iter().map(|l| line(l.grid.clone(), l)).collect();
    rows.push(line(zh("grid_meeting.page.total").into(), &r.total));
    Table {
        name: zh("grid_meeting.page.rollup").into(),
        title: Some(format!(
            "{community}{} {}",
            zh("grid_meeting.page.rollup"),
            r.day
        )),
        columns: columns(&[
            ("grid_meeting.page.grid", 12.0, Kind::Text),
            ("grid_meeting.page.findings", 10.0, Kind::Int),
            ("grid_meeting.page.solved_on_spot", 10.0, Kind::Int),
            ("grid_meeting.page.reported", 10.0, Kind::Int),
            ("grid_meeting.page.still_open", 10.0, Kind::Int),
        ]),
        rows,
    }
}
