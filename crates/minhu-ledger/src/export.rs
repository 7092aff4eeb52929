//! Spreadsheet (xlsx, via rust_xlsxwriter) and CSV (UTF-8 with BOM, so Excel opens Chinese
//! text correctly) exports of tables.
//!
//! xlsx layout of each sheet: a title in row 1, Chinese headers in row 2 (bold, frozen with
//! the title), data from row 3; column widths set; times as Excel date-times in
//! Asia/Shanghai ("yyyy-mm-dd hh:mm"), rates as percentages.

use chrono::{DateTime, NaiveDate, Utc};
use minhu_domain::time::ZONE;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Float,
    Percent,
    Date,
    DateTime,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub header: &'static str,
    pub width: f64,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    /// A fraction shown as a percentage.
    Percent(f64),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
}

impl Cell {
    pub fn opt_pct(v: Option<f64>) -> Cell {
        v.map(Cell::Percent).unwrap_or(Cell::Empty)
    }
    /// The text a CSV shows.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => format!("{f:.4}"),
            Cell::Percent(f) => format!("{:.4}", f),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::DateTime(t) => t.with_timezone(&ZONE).format("%Y-%m-%d %H:%M").to_string(),
        }
    }
}

/// One sheet of an export.
#[derive(Debug, Clone)]
pub struct Table {
    /// Sheet name (≤ 31 characters).
    pub name: String,
    pub title: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

/// Writes the tables as one workbook, a sheet each.
pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    // Deflate level 1: about half the save time of the default 6 for a file ~1.5x larger
    // (a 100,000-row register is mostly compressible XML).
    wb.set_zip_compression_level(1);
    let bold = Format::new().set_bold();
    let title_fmt = Format::new().set_bold().set_font_size(14);
    let dt_fmt = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let pct_fmt = Format::new().set_num_format("0.0%");
    let num_fmt = Format::new().set_num_format("0.0000");
    for t in tables {
        // Constant-memory mode: rows are streamed to a temporary file as they are written
        // (fast and flat in memory for 100,000-row registers).
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name(&t.name)?;
        for (c, col) in t.columns.iter().enumerate() {
            ws.set_column_width(c as u16, col.width)?;
        }
        let title = t.title.as_deref().unwrap_or(&t.name);
        ws.write_string_with_format(0, 0, title, &title_fmt)?;
        for (c, col) in t.columns.iter().enumerate() {
            ws.write_string_with_format(1, c as u16, col.header, &bold)?;
        }
        ws.set_freeze_panes(2, 0)?;
        for (r, row) in t.rows.iter().enumerate() {
            let r = (r + 2) as u32;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(s) => {
                        if !s.is_empty() {
                            ws.write_string(r, c, s)?;
                        }
                    }
                    Cell::Int(i) => {
                        ws.write_number(r, c, *i as f64)?;
                    }
                    Cell::Float(f) => {
                        ws.write_number_with_format(r, c, *f, &num_fmt)?;
                    }
                    Cell::Percent(f) => {
                        ws.write_number_with_format(r, c, *f, &pct_fmt)?;
                    }
                    Cell::Date(d) => {
                        ws.write_datetime_with_format(r, c, d, &date_fmt)?;
                    }
                    Cell::DateTime(t) => {
                        let local = t.with_timezone(&ZONE).naive_local();
                        ws.write_datetime_with_format(r, c, local, &dt_fmt)?;
                    }
                }
            }
        }
    }
    wb.save_to_buffer()
}

/// One table as CSV: UTF-8 with a byte-order mark, a header row, CRLF line ends.
pub fn to_csv(table: &Table) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + table.rows.len() * 256);
    out.extend_from_slice("\u{feff}".as_bytes());
    let line = |out: &mut Vec<u8>, fields: &mut dyn Iterator<Item = String>| {
        let mut first = true;
        for f in fields {
            if !first {
                out.push(b',');
            }
            first = false;
            if f.contains([',', '"', '\n', '\r']) {
                out.push(b'"');
                out.extend_from_slice(f.replace('"', "\"\"").as_bytes());
                out.push(b'"');
            } else {
                out.extend_from_slice(f.as_bytes());
            }
        }
        out.extend_from_slice(b"\r\n");
    };
    line(
        &mut out,
        &mut table.columns.iter().map(|c| c.header.to_string()),
    );
    for row in &table.rows {
        line(&mut out, &mut row.iter().map(Cell::to_text));
    }
    out
}
