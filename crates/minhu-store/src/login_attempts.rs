//! Counters of staff login attempts, one row per key in a fixed window, shared by every
//! server on the database. An attempt is reserved with one atomic upsert before the password
//! hash is checked, so parallel guesses are counted however many servers answer them.

use chrono::{DateTime, Duration, Utc};

use crate::{Result, Store, on_pool};

impl Store {
    /// Counts one attempt under `key` in the window that started less than `window` before
    /// `now` (a new window when the last one is over); returns the attempts in the window,
    /// this one included.
    pub async fn reserve_login_attempt(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<i64> {
        let cutoff = now - window;
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar(
                "INSERT INTO login_attempts (key, window_start, attempts) VALUES ($1, $2, 1)
                 ON CONFLICT (key) DO UPDATE SET
                   attempts = CASE WHEN login_attempts.window_start < $3 THEN 1
                                   ELSE login_attempts.attempts + 1 END,
                   window_start = CASE WHEN login_attempts.window_start < $3 THEN $2
                                       ELSE login_attempts.window_start END
                 RETURNING attempts",
            )
            .bind(key)
            .bind(now)
            .bind(cutoff)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Gives back one attempt under `key` (a login that succeeded is no guess).
    pub async fn release_login_attempt(&self, key: &str) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "UPDATE login_attempts SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0",
            )
            .bind(key)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Forgets the attempts under `key`, and every counter whose window ended before `stale`.
    pub async fn clear_login_attempts(&self, key: &str, stale: DateTime<Utc>) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("DELETE FROM login_attempts WHERE key = $1 OR window_start < $2")
                .bind(key)
                .bind(stale)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
