//! The reference data's version: one counter row, bumped by every change to the
//! organisation, calendar, policy, subscriptions, dispatch rules or grids, so that every
//! server sharing the database notices the change and reloads.

use crate::{Result, Store, on_pool};

impl Store {
    /// The current version of the reference data.
    pub async fn config_version(&self) -> Result<i64> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar::<_, i64>("SELECT version FROM config_version WHERE id = 1")
                .fetch_one(pool)
                .await?
        }))
    }

    /// Records that the reference data changed; returns the new version.
    pub async fn bump_config_version(&self) -> Result<i64> {
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar::<_, i64>(
                "UPDATE config_version SET version = version + 1 WHERE id = 1 RETURNING version",
            )
            .fetch_one(pool)
            .await?
        }))
    }
}
