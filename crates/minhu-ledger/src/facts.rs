//! Additive facts: what one request contributes, day by day, to the ledger counters.
//! They moved to the domain ([`minhu_domain::ledger::facts`]) so storage can keep its
//! pre-aggregated table without depending on the reports; re-exported here.

pub use minhu_domain::ledger::facts::*;
