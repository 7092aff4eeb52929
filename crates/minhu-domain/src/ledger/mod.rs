//! The ledgers' pure facts and policy (台账, 三率): what each request contributes to the daily
//! register, the weekly summary and the monthly report, over a period.
//!
//! These are the folds storage needs to keep its pre-aggregated tables current; the
//! reports, rankings and exports built from them live in `minhu-ledger`.

pub mod facts;
pub mod period;
pub mod policy;
pub mod register;
pub mod rows;

pub use facts::{Counters, Dims, FactLevel, Metric, Rates, RequestFacts, request_facts};
pub use period::Period;
pub use policy::{EvaluationPolicy, YearMonth};
pub use register::{RegisterFacts, register_facts};
pub use rows::{LightRow, TopicRow};
