//! Login sessions of the web pages, stored as token hashes with an expiry.

use chrono::{DateTime, Utc};

use crate::{Result, Store, StoredUser, on_pool};

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("DELETE FROM web_sessions WHERE expires_at < $1")
                .bind(now)
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO web_sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The user of a live session (not expired, user not disabled).
    pub async fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredUser>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT u.id, u.username, u.display_name, u.role, u.scope, u.password_hash, u.disabled
                 FROM web_sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
