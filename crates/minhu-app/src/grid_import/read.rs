//! Reading a ledger file into tables: an xlsx workbook (its sheets told by their names), or
//! one CSV file holding one sheet. Row numbers are those Excel shows (the header row is 1
//! when the sheet starts at A1); CSV rows are numbered by line.

use calamine::{Data, Reader};

use super::{Sheet, invalid};
use crate::AppError;

/// One sheet of the file: its kind, its name in the file, its headers and its rows.
pub(crate) struct Table {
    pub(crate) sheet: Sheet,
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<(u64, Vec<String>)>,
}

/// The sheet a `--sheet` / `?sheet=` value names (楼栋, 户, 人, 场所, or an alias).
pub fn parse_sheet(name: &str) -> Result<Sheet, AppError> {
    Sheet::parse(name)
        .ok_or_else(|| invalid("sheet", "grid_import.unknown_sheet", &[("sheet", name)]))
}

/// The tables of the file, in the order rows are written, and the names of sheets that are
/// not part of the ledger. With `csv_sheet`, the bytes are one CSV of that sheet.
pub(crate) fn read_file(
    bytes: &[u8],
    csv_sheet: Option<Sheet>,
) -> Result<(Vec<Table>, Vec<String>), AppError> {
    if let Some(sheet) = csv_sheet {
        let (headers, rows) = crate::import::read_csv_rows(bytes, "auto").map_err(|e| {
            let e = e.to_string();
            invalid("file", "grid_import.unreadable", &[("error", &e)])
        })?;
        return Ok((
            vec![Table {
                sheet,
                headers,
                rows,
            }],
            Vec::new(),
        ));
    }
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| unreadable(&e))?;
    let mut tables = Vec::new();
    let mut ignored = Vec::new();
    for name in book.sheet_names() {
        let Some(sheet) = Sheet::parse(&name) else {
            ignored.push(name);
            continue;
        };
        // The first sheet of a kind counts; a second one is not read twice.
        if tables.iter().any(|t: &Table| t.sheet == sheet) {
            ignored.push(name);
            continue;
        }
        let range = book.worksheet_range(&name).map_err(|e| unreadable(&e))?;
        tables.push(table(sheet, &range));
    }
    if tables.is_empty() {
        return Err(invalid("file", "grid_import.no_sheets", &[]));
    }
    tables.sort_by_key(|t| t.sheet);
    Ok((tables, ignored))
}

fn unreadable(e: &dyn std::fmt::Display) -> AppError {
    let e = e.to_string();
    invalid("file", "grid_import.unreadable", &[("error", &e)])
}

/// A sheet's range as headers and numbered rows (blank rows dropped).
fn table(sheet: Sheet, range: &calamine::Range<Data>) -> Table {
    let first_row = range.start().map(|(r, _)| u64::from(r)).unwrap_or(0);
    let mut it = range.rows();
    let headers = it
        .next()
        .map(|r| r.iter().map(|c| cell(c).trim().to_string()).collect())
        .unwrap_or_default();
    let rows = it
        .enumerate()
        .map(|(i, r)| {
            (
                first_row + i as u64 + 2,
                r.iter().map(cell).collect::<Vec<_>>(),
            )
        })
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    Table {
        sheet,
        headers,
        rows,
    }
}

/// A cell as text: whole numbers without a decimal point (a phone typed as a number).
fn cell(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => crate::import::excel_serial(dt.as_f64())
            .map(|t| t.format("%Y").to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#ERROR {e:?}"),
    }
}
