//! A table's rows read through the domain's validation: the headers matched to the sheet's
//! columns (by name or alias), each row's cells looked up by column, and a refusal for
//! every row the domain or the import's own checks turn down.

use std::collections::HashMap;

use minhu_domain::grid_import::{Cells, Problem, Sheet, column_of};
use minhu_domain::text::{self, Lang};

use super::Refusal;
use super::read::Table;

/// Where each of the sheet's columns is in the table (by the column's exported header).
pub(crate) struct Columns(HashMap<&'static str, usize>);

impl Columns {
    /// The table's columns; a required one missing is a refusal of the whole sheet (row 1).
    pub(crate) fn of(table: &Table) -> Result<Columns, Refusal> {
        let mut at = HashMap::new();
        for (i, h) in table.headers.iter().enumerate() {
            if let Some(c) = column_of(table.sheet, h) {
                at.entry(c.header).or_insert(i);
            }
        }
        for c in table.sheet.columns() {
            if c.required && !at.contains_key(c.header) {
                let sheet = table.sheet.zh();
                return Err(refusal(
                    table.sheet,
                    1,
                    &Problem {
                        field: c.header,
                        key: "grid_import.no_column",
                        args: vec![("sheet", sheet.into()), ("column", c.header.into())],
                    },
                ));
            }
        }
        Ok(Columns(at))
    }

    /// A row's cells under these columns.
    pub(crate) fn row<'a>(&'a self, cells: &'a [String]) -> RowCells<'a> {
        RowCells {
            columns: self,
            cells,
        }
    }
}

/// The cells of one row (a column the row is short of reads as empty).
pub(crate) struct RowCells<'a> {
    columns: &'a Columns,
    cells: &'a [String],
}

impl Cells for RowCells<'_> {
    fn cell(&self, header: &str) -> Option<&str> {
        let i = *self.columns.0.get(header)?;
        Some(self.cells.get(i).map(String::as_str).unwrap_or(""))
    }
}

/// Is every cell of the row blank?
pub(crate) fn blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

/// The refusal of row `row` of `sheet` for `p`, its reason from the catalogue.
pub(crate) fn refusal(sheet: Sheet, row: u64, p: &Problem) -> Refusal {
    let args: Vec<(&str, &str)> = p.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Refusal {
        sheet: sheet.zh().to_string(),
        row,
        field: p.field.to_string(),
        code: p.key.trim_start_matches("grid_import.").to_string(),
        reason: text::fill(p.key, Lang::Zh, &args),
        reason_en: text::fill(p.key, Lang::En, &args),
    }
}

/// A problem the import finds itself (not the domain's cell checks).
pub(crate) fn problem(
    field: &'static str,
    key: &'static str,
    args: &[(&'static str, &str)],
) -> Problem {
    Problem {
        field,
        key,
        args: args.iter().map(|(k, v)| (*k, v.to_string())).collect(),
    }
}
