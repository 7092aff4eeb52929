//! The per-unit figures of action items for an assessment period, in one query over the
//! projection rows (`action_items`): per owner unit and source kind, the items issued, the
//! items verified on time and late, and those still pending past due (see
//! `minhu_domain::action_item::figures` for the definitions). A verified item's row was
//! last written by its 销号 (nothing but a reopen follows a verify), so its `updated_at`
//! is the moment it was verified.

use chrono::{DateTime, Utc};
use minhu_domain::action_item::figures::ItemCounts;

use crate::{Result, Store, on_pool};

/// Verified in the period: `state = 'verified' AND updated_at >= $1 AND updated_at < $2`;
/// issued in it: `issued_at >= $1 AND issued_at < $2`; pending past due at `$3`.
const COUNTS: &str = "SELECT owner, source_kind,
    CAST(SUM(CASE WHEN issued_at >= $1 AND issued_at < $2 THEN 1 ELSE 0 END) AS BIGINT) AS issued,
    CAST(SUM(CASE WHEN state = 'verified' AND updated_at >= $1 AND updated_at < $2 AND updated_at <= due THEN 1 ELSE 0 END) AS BIGINT) AS on_time,
    CAST(SUM(CASE WHEN state = 'verified' AND updated_at >= $1 AND updated_at < $2 AND updated_at > due THEN 1 ELSE 0 END) AS BIGINT) AS late,
    CAST(SUM(CASE WHEN state IN ('open', 'in_progress', 'reopened') AND due < $3 THEN 1 ELSE 0 END) AS BIGINT) AS overdue_open
  FROM action_items
  WHERE (issued_at >= $1 AND issued_at < $2)
     OR (state = 'verified' AND updated_at >= $1 AND updated_at < $2)
     OR (state IN ('open', 'in_progress', 'reopened') AND due < $3)
  GROUP BY owner, source_kind ORDER BY owner, source_kind";

#[derive(sqlx::FromRow)]
struct CountRow {
    owner: String,
    source_kind: String,
    issued: i64,
    on_time: i64,
    late: i64,
    overdue_open: i64,
}

impl Store {
    /// The counts per owner unit and source kind for the period [`from`, `to`), pending
    /// items judged overdue at `as_of` (the period's end, or now if earlier). Units and
    /// kinds with nothing to count are left out.
    pub async fn action_item_counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        as_of: DateTime<Utc>,
    ) -> Result<Vec<ItemCounts>> {
        let rows: Vec<CountRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(COUNTS)
                .bind(from)
                .bind(to)
                .bind(as_of)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| ItemCounts {
                owner: r.owner,
                source_kind: r.source_kind,
                issued: r.issued,
                on_time: r.on_time,
                late: r.late,
                overdue_open: r.overdue_open,
            })
            .collect())
    }
}
