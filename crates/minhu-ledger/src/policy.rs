//! The evaluation policy (考评策略) and the period it is counted over. They moved to the
//! domain ([`minhu_domain::ledger::policy`], [`minhu_domain::ledger::period`]); re-exported
//! here.

pub use minhu_domain::ledger::period::Period;
pub use minhu_domain::ledger::policy::{EvaluationPolicy, YearMonth};
