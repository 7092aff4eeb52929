//! Credentials machines present, stored only as hashes: staff bearer tokens for the JSON
//! API and Open311 client keys.

use chrono::Utc;

use crate::{Result, Store, StoredUser, on_pool};

/// A live Open311 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311Key {
    pub id: i64,
    pub name: String,
}

impl Store {
    /// Stores the hash of a new bearer token.
    pub async fn add_token(
        &self,
        user_id: i64,
        token_hash: &str,
        label: Option<&str>,
    ) -> Result<()> {
        let now = Utc::now();
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4)")
                .bind(user_id)
                .bind(token_hash)
                .bind(label)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn revoke_tokens(&self, user_id: i64) -> Result<u64> {
        let now = Utc::now();
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// The live (not revoked, not disabled) user a token hash belongs to.
    pub async fn user_by_token_hash(&self, token_hash: &str) -> Result<Option<StoredUser>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT u.id, u.username, u.display_name, u.role, u.scope, u.password_hash, u.disabled
                 FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = FALSE",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Stores the hash of a new key under a client's name; returns its id.
    pub async fn add_open311_key(&self, name: &str, key_hash: &str) -> Result<i64> {
        let now = Utc::now();
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar(
                "INSERT INTO open311_keys (name, key_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(name)
            .bind(key_hash)
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Revokes every live key of a client; returns how many.
    pub async fn revoke_open311_keys(&self, name: &str) -> Result<u64> {
        let now = Utc::now();
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "UPDATE open311_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(name)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// The live key with this hash.
    pub async fn open311_key(&self, key_hash: &str) -> Result<Option<Open311Key>> {
        let row: Option<(i64, String)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT id, name FROM open311_keys WHERE key_hash = $1 AND revoked_at IS NULL",
            )
            .bind(key_hash)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(id, name)| Open311Key { id, name }))
    }
}
