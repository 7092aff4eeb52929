//! Texts for the classifier and the duplicate check: the categorised requests a deployment's
//! classifier learns from, and the open requests a new one may duplicate.

use crate::{Result, Store, on_pool};

/// One categorised request as the classifier learns from it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TrainingRow {
    pub subject: Option<String>,
    pub content: String,
    /// The request's final category, as stored on its row.
    pub category: String,
}

impl Store {
    /// Requests not yet dispatched or still being handled under a jurisdiction path, newest
    /// first: (id, code, content, state). The candidates a new request may duplicate.
    pub async fn open_texts(
        &self,
        path_prefix: &str,
        limit: i64,
    ) -> Result<Vec<(i64, String, String, String)>> {
        let upper = format!("{}0", path_prefix.trim_end_matches('/'));
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT id, code, content, state FROM requests
                 WHERE jpath >= $1 AND jpath < $2
                   AND state IN ('registered', 'pending_dispatch', 'dispatched', 'return_requested', 'in_progress', 'suspended')
                 ORDER BY id DESC LIMIT $3",
            )
            .bind(path_prefix)
            .bind(upper)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Categorised requests, newest first, at most `limit`: what a deployment's classifier
    /// learns from, staff corrections included (the row keeps the final category). Merged
    /// requests and those not accepted are left out: their category says nothing of their
    /// text. The one training query; the two below are kept for their callers.
    pub async fn training_rows(&self, limit: i64) -> Result<Vec<TrainingRow>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT subject, content, category FROM requests
                 WHERE category IS NOT NULL AND category <> '' AND state NOT IN ('merged', 'not_accepted')
                 ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// (content, category) of [`training_rows`](Store::training_rows): what the server's
    /// classifier trains on today (content only).
    pub async fn labelled_requests(&self, limit: i64) -> Result<Vec<(String, String)>> {
        Ok(self
            .training_rows(limit)
            .await?
            .into_iter()
            .map(|r| (r.content, r.category))
            .collect())
    }

    /// The requests handled to the end (closed, archived, answered directly) that carry a
    /// category: `(subject, content, category)` in id order. The category is the request's
    /// final one, as stored on its row.
    pub async fn classifier_training_rows(&self) -> Result<Vec<(Option<String>, String, String)>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT subject, content, category FROM requests WHERE state IN ('closed', 'archived', 'directly_answered') AND category IS NOT NULL AND category <> '' ORDER BY id")
                .fetch_all(pool)
                .await?
        }))
    }
}
