//! Subscriptions (who hears of what) and the outbox the sender drains: messages committed
//! with the event that caused them, delivered in order per request and target. Senders on
//! several servers claim messages for a lease before sending them ([`Store::claim_due`]);
//! a message that fails too often is dead-lettered until an admin retries it.

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
                "INSERT INTO outbox (request_id, subject_id, event_seq, channel, target, secret, payload, created_at, next_attempt_at) ",
            );
            qb.push_values(chunk, |mut b, (id, seq, at, m)| {
                b.push_bind(*id)
                    .push_bind(*id)
                    .push_bind(*seq)
                    .push_bind(m.channel.as_str())
                    .push_bind(m.target.as_str())
                    .push_bind(m.secret.as_deref())
                    .push_bind(sqlx::types::Json(&m.payload))
                    .push_bind(*at)
                    // Due when committed, by the real clock: an event stamped as of another
                    // moment (a sweep run with --at) must not hold its notices back.
                    .push_bind(chrono::Utc::now());
            });
            qb.build().execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use insert_outbox;

/// The columns of an [`OutboxMessage`] (a literal, for `concat!`).
macro_rules! outbox_columns {
    () => {
        "id, request_id, subject_kind, subject_id, event_seq, channel, target, secret, \
         payload, attempts, delivered_at, last_error, next_attempt_at, dead_at"
    };
}

/// The columns of a [`Delivery`] (outbox `o` joined with its request `r`).
macro_rules! delivery_columns {
    () => {
        "o.id, o.request_id, r.code, o.event_seq, o.channel, o.target, \
         o.attempts, o.next_attempt_at, o.last_error, o.dead_at, o.created_at, r.jpath"
    };
}

/// A failed attempt as the sender reports it.
#[derive(Debug, Clone, Copy)]
pub struct Failure<'a> {
    /// What went wrong, fit to show (targets masked).
    pub error: &'a str,
    pub next_attempt_at: DateTime<Utc>,
    /// After this many attempts the message is dead-lettered.
    pub max_attempts: i64,
    pub now: DateTime<Utc>,
}

/// An undelivered message as the admins see it, with its request's tracking code.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub request_id: i64,
    /// The request's tracking code.
    pub code: String,
    pub event_seq: i64,
    pub channel: String,
    /// As stored: the caller masks it before showing it.
    pub target: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    /// When it was dead-lettered (no longer retried).
    pub dead_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The request's jurisdiction path, for the scope check.
    pub jpath: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    /// The request the message is about; `None` for another subject (an action item).
    pub request_id: Option<i64>,
    /// What the message is about: `request` or `action_item`, and its id.
    pub subject_kind: String,
    pub subject_id: i64,
    /// The seq of the subject's event that caused it.
    pub event_seq: i64,
    pub channel: String,
    pub target: String,
    pub secret: Option<String>,
    pub payload: Json<serde_json::Value>,
    pub attempts: i64,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    /// When it was dead-lettered after repeated failure.
    pub dead_at: Option<DateTime<Utc>>,
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

    /// Claims up to `limit` messages due at `now` for `claimant` until `until`, oldest first,
    /// in one statement: no other sender can claim them before the lease lapses. Never one
    /// with an earlier undelivered message (dead ones included) for the same request and
    /// target (requests and action items alike: their subject), so delivery stays in order
    /// across servers; never a dead one. PostgreSQL
    /// skips the rows another sender is claiming at that moment (`FOR UPDATE SKIP LOCKED`);
    /// SQLite has one writer, so its one UPDATE is atomic as it stands.
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        claimant: &str,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>> {
        macro_rules! claim {
            ($pool:expr, $lock:literal) => {
                sqlx::query_as(concat!(
                    "UPDATE outbox SET claimed_until = $2, claimed_by = $3
                     WHERE id IN (SELECT o.id FROM outbox o
                       WHERE o.delivered_at IS NULL AND o.dead_at IS NULL AND o.next_attempt_at <= $1
                         AND (o.claimed_until IS NULL OR o.claimed_until <= $1)
                         AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.subject_kind = o.subject_kind
                                         AND p.subject_id = o.subject_id AND p.target = o.target AND p.delivered_at IS NULL AND p.id < o.id)
                       ORDER BY o.id LIMIT $4",
                    $lock,
                    ") RETURNING ",
                    outbox_columns!()
                ))
                .bind(now)
                .bind(until)
                .bind(claimant)
                .bind(limit)
                .fetch_all($pool)
                .await?
            };
        }
        let mut rows: Vec<OutboxMessage> = match &self.backend {
            crate::Backend::Sqlite { write, .. } => claim!(write, ""),
            crate::Backend::Postgres(pg) => claim!(pg, " FOR UPDATE OF o SKIP LOCKED"),
        };
        rows.sort_by_key(|m| m.id);
        Ok(rows)
    }

    /// Records a delivery and ends its claim.
    pub async fn mark_delivered(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "UPDATE outbox SET delivered_at = $1, attempts = attempts + 1, last_error = NULL,
                 claimed_until = NULL, claimed_by = NULL WHERE id = $2",
            )
            .bind(at)
            .bind(id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Records a failed attempt by the sender that holds the claim, and ends the claim: the
    /// next attempt at `next_attempt_at`, or none (dead-lettered at `now`) once the message
    /// has been tried `max_attempts` times. Returns whether it is now dead; `None` when the
    /// claim was no longer `claimant`'s (its lease lapsed and another sender took it).
    pub async fn mark_failed(
        &self,
        id: i64,
        claimant: &str,
        failure: &Failure<'_>,
    ) -> Result<Option<bool>> {
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar::<_, bool>(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2,
                   dead_at = CASE WHEN attempts + 1 >= $3 THEN $4 ELSE NULL END,
                   claimed_until = NULL, claimed_by = NULL
                 WHERE id = $5 AND claimed_by = $6 AND delivered_at IS NULL
                 RETURNING dead_at IS NOT NULL",
            )
            .bind(failure.error)
            .bind(failure.next_attempt_at)
            .bind(failure.max_attempts)
            .bind(failure.now)
            .bind(id)
            .bind(claimant)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Gives back claims `claimant` will not use (its lease is running out): another sender
    /// may take them at once.
    pub async fn release_claims(&self, ids: &[i64], claimant: &str) -> Result<()> {
        for id in ids {
            on_pool!(&self.backend, write, |pool, DB| {
                sqlx::query(
                    "UPDATE outbox SET claimed_until = NULL, claimed_by = NULL
                     WHERE id = $1 AND claimed_by = $2",
                )
                .bind(id)
                .bind(claimant)
                .execute(pool)
                .await?;
            });
        }
        Ok(())
    }

    /// Deliveries tried at least once and not delivered, oldest first, of requests located
    /// under the jurisdiction path `path_prefix`: the dead-lettered ones (`dead`) or those
    /// still being retried.
    pub async fn failing_deliveries(
        &self,
        dead: bool,
        path_prefix: &str,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        // Range scan on the path: '/' + 1 == '0'.
        let upper = format!("{}0", path_prefix.trim_end_matches('/'));
        macro_rules! list {
            ($pool:expr, $dead:literal) => {
                sqlx::query_as(concat!(
                    "SELECT ",
                    delivery_columns!(),
                    " FROM outbox o JOIN requests r ON r.id = o.request_id
                     WHERE o.delivered_at IS NULL AND o.attempts > 0 AND o.dead_at IS ",
                    $dead,
                    " NULL AND r.jpath >= $1 AND r.jpath < $2 ORDER BY o.id LIMIT $3"
                ))
                .bind(path_prefix)
                .bind(&upper)
                .bind(limit)
                .fetch_all($pool)
                .await?
            };
        }
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            if dead {
                list!(pool, "NOT")
            } else {
                list!(pool, "")
            }
        }))
    }

    /// One message as the admins' list shows it.
    pub async fn delivery(&self, id: i64) -> Result<Option<Delivery>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(concat!(
                "SELECT ",
                delivery_columns!(),
                " FROM outbox o JOIN requests r ON r.id = o.request_id WHERE o.id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// An admin's retry: an undelivered message (dead or still retried) is due again at
    /// `now` with a fresh count of attempts. False when it was delivered meanwhile.
    pub async fn retry_delivery(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let done = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "UPDATE outbox SET dead_at = NULL, attempts = 0, next_attempt_at = $1
                 WHERE id = $2 AND delivered_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    pub async fn outbox_for_request(&self, request_id: i64) -> Result<Vec<OutboxMessage>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(concat!(
                "SELECT ",
                outbox_columns!(),
                " FROM outbox WHERE request_id = $1 ORDER BY id"
            ))
            .bind(request_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The messages about a subject other than a request (`action_item`), in order.
    pub async fn outbox_for_subject(&self, kind: &str, id: i64) -> Result<Vec<OutboxMessage>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(concat!(
                "SELECT ",
                outbox_columns!(),
                " FROM outbox WHERE subject_kind = $1 AND subject_id = $2 ORDER BY id"
            ))
            .bind(kind)
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }
}
