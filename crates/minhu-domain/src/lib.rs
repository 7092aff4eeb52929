//! Minhu's domain core. Pure: no database, no HTTP, no clock of its own
//! (every decision takes `now` from its caller), so it can be tested exhaustively.
//!
//! - [`org`]: jurisdictions (district → street → community → grid), units, people and their scope.
//! - [`calendar`]: the working-day calendar (holidays and 调休 make-up days as data).
//! - [`sla`]: the versioned deadline policy.
//! - [`request`]: the request (工单), its events and the state derived from them.
//! - [`lifecycle`]: commands checked against state, role and scope, producing events.
//! - [`privacy`]: validation and masking of personal fields.
//! - [`ids`]: identities as types, the public tracking code among them.
//! - [`rating_key`]: the requester's secret rating key (评价码).
//! - [`access`]: who may read and do what, where.
//! - [`catalogue`]: the service and dispatch catalogues and the routing policy.
//! - [`notify`]: who hears of what, and what they are told.
//! - [`ledger`]: the ledgers' facts and policy.
//! - [`text`]: the one text catalogue (zh-CN and en).
//! - [`action_item`], [`document_number`], [`publication`]: the shared base of community
//!   governance (督办事项, 文号, 公示).
//!
//! Coded enums (a stable string code and a Chinese label per variant) are all declared with
//! one macro, `code_enum!` in `codes.rs`.

pub mod access;
pub mod action_item;
pub mod cadence;
pub mod calendar;
pub mod catalogue;
mod codes;
pub mod council;
pub mod diary;
pub mod document_number;
pub mod error;
pub mod geo;
pub mod grid_import;
pub mod grid_ledger;
pub mod grid_meeting;
pub mod ids;
pub mod intake;
pub mod joint_meeting;
pub mod ledger;
pub mod lifecycle;
pub mod notify;
pub mod org;
pub mod patrol;
pub mod people;
pub mod privacy;
pub mod publication;
pub mod rating_key;
pub mod request;
pub mod sla;
pub mod suggestion;
pub mod text;
pub mod time;
pub mod topic;

#[cfg(test)]
mod testkit;

pub use error::{DomainError, ErrorKind};
