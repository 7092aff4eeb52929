//! Subscriptions (who hears of what) and the outbox the sender drains: messages committed
//! with the event that caused them, delivered in order per request and target.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use crate::{Result, Store, on_pool};

// `Subscription` moved to the domain (`minhu_domain::notify`).
pub use minhu_domain::notify::Subscription;

/// The webhook subscriptions of channels (owner `channel:NAME`): the endpoints of the
/// upstream platforms and of Open311 clients, which hear of a request's registration too.
/// Read inside the writing transaction, so a registration and its notices commit together.
/// A subscription as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct SubscriptionRow {
    id: i64,
    owner: String,
    channel: String,
    target: String,
    secret: Option<String>,
    actions: String,
}

impl From<SubscriptionRow> for Subscription {
    fn from(r: SubscriptionRow) -> Self {
        Subscription {
            id: r.id,
            owner: r.owner,
            channel: r.channel,
            target: r.target,
            secret: r.secret,
            actions: r.actions,
        }
    }
}

pub(crate) const CHANNEL_SUBSCRIPTIONS: &str =
    "SELECT id, owner, channel, target, secret, actions FROM subscriptions
     WHERE active = TRUE AND channel = 'webhook' AND owner LIKE 'channel:%' ORDER BY id";

/// Rows per multi-row INSERT into the outbox (8 parameters a row).
pub(crate) const OUTBOX_ROWS_PER_INSERT: usize = 1000;

/// Appends (request id, event seq, event time, message) rows to the outbox on a
/// transaction, in multi-row INSERTs. `$db` is the backend's database type.
macro_rules! insert_outbox {
    ($tx:expr, $db:ty, $rows:expr) => {{
        let rows: &[(i64, i64, chrono::DateTime<chrono::Utc>, $crate::OutboxItem)] = $rows;
        for chunk in rows.chunks($crate::outbox::OUTBOX_ROWS_PER_INSERT) {
            let mut qb = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO outbox (request_id, event_seq, channel, target, secret, payload, created_at, next_attempt_at) ",
            );
            qb.push_values(chunk, |mut b, (id, seq, at, m)| {
                b.push_bind(*id)
                    .push_bind(*seq)
                    .push_bind(m.channel.as_str())
                    .push_bind(m.target.as_str())
                    .push_bind(m.secret.as_deref())
                    .push_bind(sqlx::types::Json(&m.payload))
                    .push_bind(*at)
                    .push_bind(*at);
            });
            qb.build().execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use insert_outbox;

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
        let rows: Vec<SubscriptionRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT id, owner, channel, target, secret, actions FROM subscriptions WHERE active = TRUE ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(Subscription::from).collect())
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
        let id = on_pool!(&self.backend, write, |pool, DB| {
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
        });
        // Reference data changed: every server sharing the database reloads it.
        self.bump_config_version().await?;
        Ok(id)
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
