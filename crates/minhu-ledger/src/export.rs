//! Spreadsheet (xlsx, via rust_xlsxwriter) and CSV (UTF-8 with BOM, so Excel opens Chinese
//! text correctly) exports of tables.
//!
//! xlsx layout of each sheet: a title in row 1, Chinese headers in row 2 (bold, frozen with
//! the title), data from row 3; column widths set; times as Excel date-times in
//! Asia/Shanghai ("yyyy-mm-dd hh:mm"), rates as percentages.

use std::borrow::Cow;

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

/// A borrowed cell: what a row hands to a streaming writer without cloning its strings.
#[derive(Debug, Clone, PartialEq)]
pub enum CellRef<'a> {
    Empty,
    Text(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Percent(f64),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
}

impl Cell {
    pub fn as_ref(&self) -> CellRef<'_> {
        match self {
            Cell::Empty => CellRef::Empty,
            Cell::Text(s) => CellRef::Text(Cow::Borrowed(s)),
            Cell::Int(i) => CellRef::Int(*i),
            Cell::Float(f) => CellRef::Float(*f),
            Cell::Percent(f) => CellRef::Percent(*f),
            Cell::Date(d) => CellRef::Date(*d),
            Cell::DateTime(t) => CellRef::DateTime(*t),
        }
    }
}

impl CellRef<'_> {
    pub fn into_owned(self) -> Cell {
        match self {
            CellRef::Empty => Cell::Empty,
            CellRef::Text(s) => Cell::Text(s.into_owned()),
            CellRef::Int(i) => Cell::Int(i),
            CellRef::Float(f) => Cell::Float(f),
            CellRef::Percent(f) => Cell::Percent(f),
            CellRef::Date(d) => Cell::Date(d),
            CellRef::DateTime(t) => Cell::DateTime(t),
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

/// A workbook written row by row: each sheet in constant-memory mode (rows go to a
/// temporary file as they are written, so memory stays flat for 100,000-row registers),
/// zipped at [`XlsxStream::finish`].
pub struct XlsxStream {
    wb: Workbook,
    sheets: usize,
    next_row: u32,
    bold: Format,
    title: Format,
    dt: Format,
    date: Format,
    pct: Format,
    num: Format,
}

impl Default for XlsxStream {
    fn default() -> Self {
        Self::new()
    }
}

impl XlsxStream {
    pub fn new() -> Self {
        let mut wb = Workbook::new();
        // Deflate level 1: about half the save time of the default 6 for a file ~1.5x larger
        // (a 100,000-row register is mostly compressible XML).
        wb.set_zip_compression_level(1);
        XlsxStream {
            wb,
            sheets: 0,
            next_row: 0,
            bold: Format::new().set_bold(),
            title: Format::new().set_bold().set_font_size(14),
            dt: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            pct: Format::new().set_num_format("0.0%"),
            num: Format::new().set_num_format("0.0000"),
        }
    }

    /// Starts a sheet: the title in row 1, the headers in row 2 (bold, frozen with the
    /// title), widths set; rows follow from row 3.
    pub fn sheet(
        &mut self,
        name: &str,
        title: Option<&str>,
        columns: &[Column],
    ) -> Result<(), XlsxError> {
        let ws = self.wb.add_worksheet_with_constant_memory()?;
        ws.set_name(name)?;
        for (c, col) in columns.iter().enumerate() {
            ws.set_column_width(c as u16, col.width)?;
        }
        ws.write_string_with_format(0, 0, title.unwrap_or(name), &self.title)?;
        for (c, col) in columns.iter().enumerate() {
            ws.write_string_with_format(1, c as u16, col.header, &self.bold)?;
        }
        ws.set_freeze_panes(2, 0)?;
        self.sheets += 1;
        self.next_row = 2;
        Ok(())
    }

    /// Appends a row to the current sheet.
    pub fn row<'c>(
        &mut self,
        cells: impl IntoIterator<Item = CellRef<'c>>,
    ) -> Result<(), XlsxError> {
        let r = self.next_row;
        let ws = self.wb.worksheet_from_index(self.sheets - 1)?;
        for (c, cell) in cells.into_iter().enumerate() {
            let c = c as u16;
            match cell {
                CellRef::Empty => {}
                CellRef::Text(s) => {
                    if !s.is_empty() {
                        ws.write_string(r, c, s)?;
                    }
                }
                CellRef::Int(i) => {
                    ws.write_number(r, c, i as f64)?;
                }
                CellRef::Float(f) => {
                    ws.write_number_with_format(r, c, f, &self.num)?;
                }
                CellRef::Percent(f) => {
                    ws.write_number_with_format(r, c, f, &self.pct)?;
                }
                CellRef::Date(d) => {
                    ws.write_datetime_with_format(r, c, d, &self.date)?;
                }
                CellRef::DateTime(t) => {
                    let local = t.with_timezone(&ZONE).naive_local();
                    ws.write_datetime_with_format(r, c, local, &self.dt)?;
                }
            }
        }
        self.next_row += 1;
        Ok(())
    }

    /// Zips the workbook.
    pub fn finish(mut self) -> Result<Vec<u8>, XlsxError> {
        self.wb.save_to_buffer()
    }
}

/// Writes the tables as one workbook, a sheet each.
pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let mut x = XlsxStream::new();
    for t in tables {
        x.sheet(&t.name, t.title.as_deref(), &t.columns)?;
        for row in &t.rows {
            x.row(row.iter().map(Cell::as_ref))?;
        }
    }
    x.finish()
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
