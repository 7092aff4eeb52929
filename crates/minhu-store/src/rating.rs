//! Rating keys (评价码) and the rating limiter: a request's key is kept as its hash only,
//! with the SMS that told the requester; wrong guesses are counted per request in the
//! database, so the limit holds however many servers share it.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::{Result, Store, on_pool};

/// A request's rating key as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRatingKey {
    /// Hex SHA-256 of the key (see `minhu_app::rating`).
    pub key_hash: String,
    /// When the requester rated with it, if they did.
    pub used_at: Option<DateTime<Utc>>,
}

impl Store {
    /// A request's rating key, if it was given one (imported requests are not).
    pub async fn rating_key(&self, request_id: i64) -> Result<Option<StoredRatingKey>> {
        let row: Option<(String, Option<DateTime<Utc>>)> =
            on_pool!(&self.backend, read, |pool, DB| {
                sqlx::query_as("SELECT key_hash, used_at FROM rating_keys WHERE request_id = $1")
                    .bind(request_id)
                    .fetch_optional(pool)
                    .await?
            });
        Ok(row.map(|(key_hash, used_at)| StoredRatingKey { key_hash, used_at }))
    }

    /// Counts an attempt to rate a request with a key before the key is compared: returns
    /// the attempt's id and how many attempts (this one included) were made since `since`.
    /// Written first and counted after, so parallel guesses all count: the k-th to commit
    /// sees at least k.
    pub async fn count_rating_attempt(
        &self,
        request_id: i64,
        now: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> Result<(i64, i64)> {
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("DELETE FROM rating_attempts WHERE request_id = $1 AND at < $2")
                .bind(request_id)
                .bind(since)
                .execute(pool)
                .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO rating_attempts (request_id, at) VALUES ($1, $2) RETURNING id",
            )
            .bind(request_id)
            .bind(now)
            .fetch_one(pool)
            .await?;
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM rating_attempts WHERE request_id = $1 AND at >= $2",
            )
            .bind(request_id)
            .bind(since)
            .fetch_one(pool)
            .await?;
            (id, n)
        }))
    }

    /// Removes an attempt that turned out to carry the right key: only wrong ones count.
    pub async fn forget_rating_attempt(&self, attempt_id: i64) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("DELETE FROM rating_attempts WHERE id = $1")
                .bind(attempt_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Marks a request's key used, and overwrites the SMS that carried it with `sms_payload`
    /// (the same text without the key): a used key is kept nowhere in plain.
    pub async fn use_rating_key(
        &self,
        request_id: i64,
        now: DateTime<Utc>,
        sms_payload: &Value,
    ) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE rating_keys SET used_at = $1 WHERE request_id = $2")
                .bind(now)
                .bind(request_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE outbox SET payload = $1
                 WHERE id = (SELECT sms_outbox_id FROM rating_keys WHERE request_id = $2)",
            )
            .bind(sqlx::types::Json(sms_payload))
            .bind(request_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
