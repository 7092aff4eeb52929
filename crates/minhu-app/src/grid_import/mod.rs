//! Seeding the grid base ledger (网格基础台账) from the workbook a community keeps, and the
//! export back in the same shape. Shared by `minhu grid import|export` and
//! `POST /api/v1/communities/{code}/ledger/import`, `GET …/ledger.xlsx`.
//!
//! `read` turns the file (an xlsx with sheets 楼栋/户/人/场所, or one CSV for one sheet) into
//! tables; `rows` reads each row through the domain (`minhu_domain::grid_import`) and
//! refuses what is wrong, naming sheet, row (as Excel numbers it) and header; `run` compares
//! with the stored register by natural key (building: community + 楼栋号; household:
//! building + 单元 + 室号; resident: household + 姓名; place: community + 名称), writes only
//! what is new or changed, and audits each change in `ledger_edits`; `export` writes the
//! workbook back, staff fields masked unless asked otherwise, sensitive fields never.

mod export;
mod read;
mod rows;
mod run;

use serde::{Deserialize, Serialize};

pub use export::{ExportMode, export_xlsx};
pub use minhu_domain::grid_import::Sheet;
pub use read::parse_sheet;
pub use run::{Options, import_ledger};

use crate::AppError;
use crate::error::Kind;

/// What an import did, sheet by sheet, and every row it refused.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Report {
    pub community: String,
    /// Nothing was written: the counts say what an import would do.
    pub dry_run: bool,
    pub sheets: Vec<SheetReport>,
    pub refusals: Vec<Refusal>,
    /// Sheets of the workbook that are not part of the ledger (left alone).
    pub ignored_sheets: Vec<String>,
}

/// The counts of one sheet.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SheetReport {
    /// The sheet's name as exported: 楼栋, 户, 人, 场所.
    pub sheet: String,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub refused: usize,
}

/// A refused row: where (sheet, row as Excel numbers it, header) and why (a catalogue
/// key and its text in both languages).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Refusal {
    pub sheet: String,
    pub row: u64,
    pub field: String,
    pub code: String,
    pub reason: String,
    pub reason_en: String,
}

impl Report {
    /// The counts of `sheet`.
    pub fn sheet(&self, sheet: Sheet) -> Option<&SheetReport> {
        self.sheets.iter().find(|s| s.sheet == sheet.zh())
    }
    /// Rows inserted or updated, over all sheets.
    pub fn changed(&self) -> usize {
        self.sheets.iter().map(|s| s.inserted + s.updated).sum()
    }
    /// Rows read, over all sheets.
    pub fn rows(&self) -> usize {
        self.sheets
            .iter()
            .map(|s| s.inserted + s.updated + s.unchanged + s.refused)
            .sum()
    }
}

/// A whole-file error: 422 naming `field`, its message from catalogue entry `key`.
pub(crate) fn invalid(field: &str, key: &'static str, args: &[(&'static str, &str)]) -> AppError {
    let mut e = AppError::new(Kind::Invalid, "invalid_ledger")
        .text(key)
        .field(field);
    for (k, v) in args {
        e = e.arg(k, v);
    }
    e
}
