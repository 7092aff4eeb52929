//! 文号 counters: one per document kind, issuing unit and year. The next number is one
//! upsert (`INSERT … ON CONFLICT DO UPDATE … RETURNING`), which holds the counter's row
//! lock until it commits: any number of servers asking at once on PostgreSQL queue on that
//! row and each gets its own number, never the same twice; SQLite has one writer anyway.

use minhu_domain::document_number::{DocumentNumber, SequenceKey};

use crate::action_item::NEXT_NUMBER;
use crate::{Result, Store, StoreError, on_pool};

impl Store {
    /// The next number of `key`'s sequence (from 1), taken for good.
    pub async fn next_document_seq(&self, key: &SequenceKey) -> Result<u32> {
        let seq: i64 = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar(NEXT_NUMBER)
                .bind(key.kind.as_str())
                .bind(key.unit.as_str())
                .bind(key.year)
                .fetch_one(pool)
                .await?
        });
        u32::try_from(seq).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// The next document number of `key`, with the issuer's short name to print.
    pub async fn next_document_number(
        &self,
        key: &SequenceKey,
        issuer: &str,
    ) -> Result<DocumentNumber> {
        let seq = self.next_document_seq(key).await?;
        Ok(DocumentNumber::new(key, issuer, seq))
    }

    /// The last number handed out for `key` (0 before the first).
    pub async fn last_document_seq(&self, key: &SequenceKey) -> Result<u32> {
        let last: Option<i64> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar(
                "SELECT last FROM document_counters WHERE kind = $1 AND issuer = $2 AND year = $3",
            )
            .bind(key.kind.as_str())
            .bind(key.unit.as_str())
            .bind(key.year)
            .fetch_optional(pool)
            .await?
        });
        u32::try_from(last.unwrap_or(0)).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}
