//! Minhu's ledgers (台账) and evaluation (全评价), as pure computations over requests and
//! their event logs: the daily register (日登记, DESIGN §7 columns), the weekly summary
//! (周汇总) and monthly report (月上报), the 三率 and composite score per a versioned
//! evaluation policy (DESIGN §8), rankings, and xlsx/CSV exports. No I/O: storage feeds it.
//!
//! Every count is an additive [`facts::Counters`] row derived from one request's log
//! ([`facts::request_facts`]), so figures roll up exactly along the jurisdiction tree and a
//! pre-aggregated table of them can be refreshed incrementally from the event log.

pub mod export;
pub mod facts;
pub mod items;
pub mod policy;
pub mod register;
pub mod report;
pub mod topics;

pub use export::{Cell, CellRef, Column, Kind, Table, XlsxStream, to_csv, to_xlsx};
pub use facts::{Counters, Dims, FactLevel, Metric, Rates, RequestFacts, request_facts};
pub use items::{ItemFigures, UnitItems, item_figures};
pub use policy::{EvaluationPolicy, Period, YearMonth};
pub use register::{
    Personal, RegisterBuilder, RegisterFacts, RegisterRow, RegisterXlsx, register_facts,
    register_row, register_table,
};
pub use report::{Figures, LightRow, MonthlyReport, WeeklyReport, rank, weekly};
pub use topics::{HotSpot, TopicRow, hot_spots};
