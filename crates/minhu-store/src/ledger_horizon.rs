//! How far the ledger refresh has read the event log, in a way that holds when events
//! commit out of id order.
//!
//! On PostgreSQL an event's id is drawn at insert, its row becomes visible at commit: a
//! transaction still running when the refresh reads may hold ids below the highest visible
//! one (a long import; the writer of another server). Each event row records its
//! transaction (`events.tx`); a refresh reads, in one snapshot, the highest visible id, the
//! snapshot's `xmax` and the transactions still running. Every event it could not see with
//! an id at or below that highest id belongs to one of those running transactions (or to one
//! that began after the snapshot: `tx >= xmax`), so the next refresh looks at exactly those
//! again. SQLite draws ids inside its single write lock, so the watermark alone is exact.

use crate::{Backend, Result, Store};

/// Where a read of the event log stood.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Horizon {
    /// The highest event id visible.
    pub max_id: i64,
    /// PostgreSQL: no transaction at or above this had started when the log was read.
    pub xmax: i64,
    /// PostgreSQL: the transactions running when the log was read.
    pub running: Vec<i64>,
}

impl Horizon {
    /// Nothing can have become visible since `self` was read, if the log now stands at `now`.
    pub(crate) fn nothing_new(&self, now: &Horizon) -> bool {
        now.max_id <= self.max_id && self.running.is_empty()
    }

    pub(crate) fn running_text(&self) -> String {
        let ids: Vec<String> = self.running.iter().map(i64::to_string).collect();
        ids.join(",")
    }

    fn from_row(max_id: i64, xmax: i64, running: &str) -> Horizon {
        Horizon {
            max_id,
            xmax,
            running: running
                .split(',')
                .filter_map(|x| x.trim().parse().ok())
                .collect(),
        }
    }
}

const PG_NOW: &str = "SELECT COALESCE((SELECT MAX(id) FROM events), 0),
        pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
        COALESCE((SELECT string_agg(x::text, ',') FROM pg_snapshot_xip(pg_current_snapshot()) x), '')";

impl Store {
    /// Where the event log stands now (one statement, so one snapshot).
    pub(crate) async fn event_horizon(&self) -> Result<Horizon> {
        let (max_id, xmax, running): (i64, i64, String) = match &self.backend {
            Backend::Sqlite { write, .. } => {
                sqlx::query_as("SELECT COALESCE(MAX(id), 0), 0, '' FROM events")
                    .fetch_one(write)
                    .await?
            }
            Backend::Postgres(pg) => sqlx::query_as(PG_NOW).fetch_one(pg).await?,
        };
        Ok(Horizon::from_row(max_id, xmax, &running))
    }

    /// Where the last refresh stood, and the policy version its facts were built with.
    pub(crate) async fn stored_horizon(&self) -> Result<(Horizon, i64)> {
        let (w, version, xmax, running): (i64, i64, i64, String) = crate::on_pool!(
            &self.backend,
            write,
            |pool, DB| {
                sqlx::query_as(
                "SELECT event_watermark, policy_version, event_xmax, event_running FROM ledger_state WHERE id = 1",
            )
            .fetch_one(pool)
            .await?
            }
        );
        Ok((Horizon::from_row(w, xmax, &running), version))
    }

    /// The requests with events that `seen` did not cover, up to `now`.
    pub(crate) async fn requests_after(&self, seen: &Horizon, now: &Horizon) -> Result<Vec<i64>> {
        Ok(match &self.backend {
            Backend::Sqlite { read, .. } => {
                sqlx::query_scalar(
                    "SELECT DISTINCT request_id FROM events WHERE id > $1 AND id <= $2",
                )
                .bind(seen.max_id)
                .bind(now.max_id)
                .fetch_all(read)
                .await?
            }
            Backend::Postgres(pg) => {
                sqlx::query_scalar(
                    "SELECT DISTINCT request_id FROM events
                     WHERE (id > $1 AND id <= $2) OR tx >= $3 OR tx = ANY($4)",
                )
                .bind(seen.max_id)
                .bind(now.max_id)
                .bind(seen.xmax)
                .bind(&seen.running)
                .fetch_all(pg)
                .await?
            }
        })
    }
}
