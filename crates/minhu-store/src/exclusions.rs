//! Exclusions from scoring in two steps: a district admin proposes one (it waits in
//! `exclusion_proposals` and changes no figure), another approves it (it moves to
//! `evaluation_exclusions`, which the ledger refresh reads, and the request's facts are
//! recomputed at the next refresh). Who may do which is `minhu_domain::access`.

use chrono::{DateTime, Utc};

use crate::{Result, Store, on_pool};

/// An exclusion waiting for its approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExclusionProposal {
    pub request_id: i64,
    pub reason: String,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
}

impl Store {
    /// Proposes to exclude a request from scoring. False when it is proposed or excluded
    /// already.
    pub async fn propose_exclusion(
        &self,
        request_id: i64,
        reason: &str,
        proposed_by: &str,
    ) -> Result<bool> {
        let now = minhu_domain::time::truncate_ms(Utc::now());
        let n = on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let done: Option<i64> = sqlx::query_scalar(
                "SELECT request_id FROM evaluation_exclusions WHERE request_id = $1",
            )
            .bind(request_id)
            .fetch_optional(&mut *tx)
            .await?;
            let n = if done.is_some() {
                0
            } else {
                sqlx::query("INSERT INTO exclusion_proposals (request_id, reason, proposed_by, proposed_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                    .bind(request_id)
                    .bind(reason)
                    .bind(proposed_by)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            };
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    /// The proposal waiting for a request, if any.
    pub async fn exclusion_proposal(&self, request_id: i64) -> Result<Option<ExclusionProposal>> {
        let row: Option<(i64, String, String, DateTime<Utc>)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                sqlx::query_as("SELECT request_id, reason, proposed_by, proposed_at FROM exclusion_proposals WHERE request_id = $1")
                    .bind(request_id)
                    .fetch_optional(pool)
                    .await?
            }
        );
        Ok(row.map(proposal))
    }

    /// Every proposal waiting, oldest first.
    pub async fn exclusion_proposals(&self) -> Result<Vec<ExclusionProposal>> {
        let rows: Vec<(i64, String, String, DateTime<Utc>)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                sqlx::query_as("SELECT request_id, reason, proposed_by, proposed_at FROM exclusion_proposals ORDER BY proposed_at, request_id")
                    .fetch_all(pool)
                    .await?
            }
        );
        Ok(rows.into_iter().map(proposal).collect())
    }

    /// Approves the waiting proposal of a request, in one transaction: the exclusion is
    /// recorded with its proposer and approver, the proposal removed, the request marked
    /// for the next ledger refresh. None when no proposal waits (approved already, or
    /// never proposed).
    pub async fn approve_exclusion(
        &self,
        request_id: i64,
        approved_by: &str,
    ) -> Result<Option<ExclusionProposal>> {
        let now = minhu_domain::time::truncate_ms(Utc::now());
        let taken: Option<(i64, String, String, DateTime<Utc>)> = on_pool!(
            &self.backend,
            write,
            |pool, DB| {
                let mut tx = pool.begin().await?;
                // Deleting first claims the proposal: of two approvals at once, one wins.
                let row: Option<(i64, String, String, DateTime<Utc>)> = sqlx::query_as(
                    "DELETE FROM exclusion_proposals WHERE request_id = $1 RETURNING request_id, reason, proposed_by, proposed_at",
                )
                .bind(request_id)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((_, reason, proposed_by, _)) = &row {
                    sqlx::query("INSERT INTO evaluation_exclusions (request_id, reason, approved_by, approved_at, proposed_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
                        .bind(request_id)
                        .bind(reason)
                        .bind(approved_by)
                        .bind(now)
                        .bind(proposed_by)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO ledger_dirty (request_id) VALUES ($1) ON CONFLICT DO NOTHING",
                    )
                    .bind(request_id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                row
            }
        );
        Ok(taken.map(proposal))
    }

    /// Who proposed each approved exclusion (older exclusions have none), by request.
    pub async fn exclusion_proposers(&self) -> Result<Vec<(i64, Option<String>)>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT request_id, proposed_by FROM evaluation_exclusions ORDER BY request_id",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}

fn proposal(
    (request_id, reason, proposed_by, proposed_at): (i64, String, String, DateTime<Utc>),
) -> ExclusionProposal {
    ExclusionProposal {
        request_id,
        reason,
        proposed_by,
        proposed_at,
    }
}
