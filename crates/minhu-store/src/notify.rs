//! Subscriptions (who hears of what) and the outbox the sender drains.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use crate::{Result, Store, on_pool};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Subscription {
    pub id: i64,
    /// A unit code, a jurisdiction code, `channel:NAME`, or `*`.
    pub owner: String,
    pub channel: String,
    pub target: String,
    #[serde(skip)]
    pub secret: Option<String>,
    /// `*` or a comma list of actions.
    pub actions: String,
}

impl Subscription {
    pub fn wants(&self, action: &str) -> bool {
        self.actions == "*" || self.actions.split(',').any(|a| a.trim() == action)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub request_id: i64,
    pub event_seq: i64,
    pub channel: String,
    pub target: String,
    pub secret: Option<String>,
    pub payload: Json<serde_json::Value>,
    pub attempts: i64,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

impl Store {
    pub async fn subscriptions(&self) -> Result<Vec<Subscription>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT id, owner, channel, target, secret, actions FROM subscriptions WHERE active = TRUE ORDER BY id")
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn add_subscription(
        &self,
        owner: &str,
        channel: &str,
        target: &str,
        secret: Option<&str>,
        actions: &str,
    ) -> Result<i64> {
        let now = Utc::now();
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar(
                "INSERT INTO subscriptions (owner, channel, target, secret, actions, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(owner)
            .bind(channel)
            .bind(target)
            .bind(secret)
            .bind(actions)
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Messages due for (another) attempt, oldest first, and never one that has an earlier
    /// undelivered message for the same request and target: delivery stays in order.
    pub async fn due_messages(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<OutboxMessage>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT id, request_id, event_seq, channel, target, secret, payload, attempts, delivered_at, last_error FROM outbox o
                 WHERE delivered_at IS NULL AND next_attempt_at <= $1
                   AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.request_id = o.request_id AND p.target = o.target
                                   AND p.delivered_at IS NULL AND p.id < o.id)
                 ORDER BY id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn mark_delivered(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("UPDATE outbox SET delivered_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3")
                .bind(error)
                .bind(next_attempt_at)
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn outbox_for_request(&self, request_id: i64) -> Result<Vec<OutboxMessage>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT id, request_id, event_seq, channel, target, secret, payload, attempts, delivered_at, last_error
                 FROM outbox WHERE request_id = $1 ORDER BY id",
            )
            .bind(request_id)
            .fetch_all(pool)
            .await?
        }))
    }
}
