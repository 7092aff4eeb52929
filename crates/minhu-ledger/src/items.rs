//! 督办事项按时销号情况: the monthly report's section on action items. Per owner unit, the
//! items decided and issued in the month, verified on time, and overdue (verified late or
//! still pending past due), in total and by source kind (联席会议议定事项, 议事决议, 网格例会
//! …), with the on-time rate the unit ranking shows beside the 三率. Built from the
//! store's counts (`minhu_domain::action_item::figures::ItemCounts`); pure.

use std::collections::BTreeMap;

use minhu_domain::action_item::SourceKind;
use minhu_domain::action_item::figures::ItemCounts;
use serde_json::{Value, json};

use crate::export::{Cell, Column, Kind, Table};

/// One owner unit's figures: the total and each source kind it had items of.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitItems {
    pub code: String,
    pub name: String,
    pub total: ItemCounts,
    pub by_kind: Vec<ItemCounts>,
}

/// The section: the units with items, by code, and their sum.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemFigures {
    pub units: Vec<UnitItems>,
    pub total: ItemCounts,
}

/// Adds up `counts` (one row per owner and kind) per owner for the units `names` gives a
/// name to; the others (outside the report's jurisdiction) are left out.
pub fn item_figures(counts: &[ItemCounts], names: impl Fn(&str) -> Option<String>) -> ItemFigures {
    let mut per_unit: BTreeMap<&str, Vec<&ItemCounts>> = BTreeMap::new();
    for c in counts {
        per_unit.entry(c.owner.as_str()).or_default().push(c);
    }
    let mut out = ItemFigures::default();
    for (code, rows) in per_unit {
        let Some(name) = names(code) else { continue };
        let mut total = ItemCounts {
            owner: code.to_string(),
            ..ItemCounts::default()
        };
        for r in &rows {
            total.add(r);
        }
        out.total.add(&total);
        out.units.push(UnitItems {
            code: code.to_string(),
            name,
            total,
            by_kind: rows.into_iter().cloned().collect(),
        });
    }
    out
}

impl ItemFigures {
    /// The counts of unit `code`, zero when it had no items.
    pub fn of_unit(&self, code: &str) -> ItemCounts {
        self.units
            .iter()
            .find(|u| u.code == code)
            .map(|u| u.total.clone())
            .unwrap_or_else(|| ItemCounts {
                owner: code.to_string(),
                ..ItemCounts::default()
            })
    }

    pub fn to_json(&self) -> Value {
        json!({
            "units": self.units.iter().map(|u| json!({
                "code": u.code,
                "name": u.name,
                "total": counts_json(&u.total),
                "by_source_kind": u.by_kind.iter().map(counts_json).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "total": counts_json(&self.total),
        })
    }

    /// The sheet: per unit a 合计 line, then a line per source kind; the sum last.
    pub fn table(&self, title: String) -> Table {
        let mut rows = Vec::new();
        for u in &self.units {
            rows.push(row(&u.code, &u.name, "合计", &u.total));
            for k in &u.by_kind {
                rows.push(row(&u.code, &u.name, kind_label(&k.source_kind), k));
            }
        }
        rows.push(row("", "合计", "合计", &self.total));
        Table {
            name: "督办事项".into(),
            title: Some(title),
            columns: columns(),
            rows,
        }
    }
}

fn kind_label(code: &str) -> &str {
    SourceKind::parse(code).map(SourceKind::zh).unwrap_or(code)
}

/// The counts as the API gives them, with the overdue sum and the on-time rate.
pub fn counts_json(c: &ItemCounts) -> Value {
    json!({
        "owner": c.owner,
        "source_kind": if c.source_kind.is_empty() { Value::Null } else { json!(c.source_kind) },
        "issued": c.issued,
        "verified_on_time": c.on_time,
        "verified_late": c.late,
        "overdue_open": c.overdue_open,
        "overdue": c.overdue(),
        "on_time_rate": c.on_time_rate(),
    })
}

fn row(code: &str, name: &str, kind: &str, c: &ItemCounts) -> Vec<Cell> {
    vec![
        Cell::Text(code.into()),
        Cell::Text(name.into()),
        Cell::Text(kind.into()),
        Cell::Int(c.issued),
        Cell::Int(c.on_time),
        Cell::Int(c.late),
        Cell::Int(c.overdue_open),
        Cell::Int(c.overdue()),
        Cell::opt_pct(c.on_time_rate()),
    ]
}

fn columns() -> Vec<Column> {
    let c = |header: &'static str, width: f64, kind: Kind| Column {
        header,
        width,
        kind,
    };
    vec![
        c("代码", 12.0, Kind::Text),
        c("主办单位", 24.0, Kind::Text),
        c("来源", 18.0, Kind::Text),
        c("交办", 8.0, Kind::Int),
        c("按时销号", 9.0, Kind::Int),
        c("逾期销号", 9.0, Kind::Int),
        c("逾期未办结", 10.0, Kind::Int),
        c("逾期合计", 9.0, Kind::Int),
        c("按时销号率", 11.0, Kind::Percent),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(owner: &str, kind: &str, issued: i64, on_time: i64, late: i64, open: i64) -> ItemCounts {
        ItemCounts {
            owner: owner.into(),
            source_kind: kind.into(),
            issued,
            on_time,
            late,
            overdue_open: open,
        }
    }

    #[test]
    fn units_sum_their_kinds_and_units_outside_are_left_out() {
        let counts = [
            c("FGW", "meeting_decision", 3, 1, 1, 1),
            c("FGW", "council_decision", 1, 1, 0, 0),
            c("CZJ", "meeting_decision", 2, 0, 0, 2),
            c("ELSEWHERE", "grid_meeting", 9, 9, 0, 0),
        ];
        let f = item_figures(&counts, |code| {
            (code != "ELSEWHERE").then(|| format!("{code}局"))
        });
        assert_eq!(f.units.len(), 2);
        let fgw = f.of_unit("FGW");
        assert_eq!((fgw.issued, fgw.on_time, fgw.overdue()), (4, 2, 2));
        assert_eq!(fgw.on_time_rate(), Some(0.5));
        assert_eq!(f.of_unit("CZJ").on_time_rate(), Some(0.0));
        assert_eq!(f.of_unit("NONE").on_time_rate(), None);
        assert_eq!((f.total.issued, f.total.overdue()), (6, 4));
        let t = f.table("t".into());
        // CZJ (total + 1 kind), FGW (total + 2 kinds), the sum.
        assert_eq!(t.rows.len(), 6);
        assert_eq!(t.rows[3][2], Cell::Text("联席会议议定事项".into()));
        assert_eq!(f.to_json()["units"][1]["total"]["overdue"], 2);
    }
}
