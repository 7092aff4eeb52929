//! Imports of upstream platforms' exports (12345 hotline, mayor's mailbox, online messages,
//! digital city management, government service platform): CSV (UTF-8, or GBK/GB18030 and
//! Windows-1252 as old Excel writes them), xlsx and JSON, read through a column mapping.
//! Every row is validated the way intake validates (`parse_intake`), registered with its
//! upstream time and id, idempotently on (channel, upstream id); every row that is not
//! imported is reported with its row number and the reason. Shared by `minhu import` and
//! `POST /api/v1/import`.
//!
//! `read` turns an export's bytes into a table, `map` turns a row into an intake through the
//! column mapping, `run` registers the rows in chunks and reports on every one.

#[cfg(test)]
mod fuzz;
mod map;
mod read;
mod run;

use minhu_domain::request::Channel;
use minhu_store::StoreError;

pub(crate) use map::*;
pub use map::{Context, FIELDS, Mapping};
pub(crate) use read::*;
pub use read::{CsvRows, Format, decode_text, read_csv_rows};
pub use run::{Refusal, Report, category_names, import};

/// Rows registered per transaction (an interrupted import keeps the chunks it committed;
/// running it again completes it, idempotently).
pub const CHUNK: usize = 20_000;

/// The channels an import may name.
pub const CHANNELS: [Channel; 5] = [
    Channel::Hotline12345,
    Channel::MayorMailbox,
    Channel::WebMessage,
    Channel::UrbanManagement,
    Channel::GovService,
];

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) fn invalid(msg: impl Into<String>) -> ImportError {
    ImportError::Invalid(msg.into())
}
