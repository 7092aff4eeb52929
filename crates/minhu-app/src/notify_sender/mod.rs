//! The notification sender: drains the outbox with retries (who hears of what is
//! [`minhu_domain::notify::rules`]).
//!
//! Channels: `webhook` (HTTP POST of JSON, signed `X-Minhu-Signature: sha256=HMAC(secret,
//! body)`, delivery id in `X-Minhu-Delivery` so receivers can drop a repeat) and `sms`
//! (the requester's phone, through the configured SMS gateway, same signed
//! POST with {phone, text}) and `email` (to units and offices, through the configured SMTP
//! relay). Delivery is at least once, in order per request and target; within a healthy
//! cluster exactly once: a sender claims a batch for a lease before sending it
//! ([`minhu_store::Store::claim_due`]), so servers sharing one database never send the same
//! message twice, and a crashed server's claims are taken again when the lease lapses.
//! Failures back off exponentially up to an hour ([`backoff`]); after [`MAX_ATTEMPTS`] a
//! message is dead-lettered and shown to admins ([`deliveries`]), who may retry it.
//! HTTPS targets and SMTP over STARTTLS or implicit TLS go through rustls with the
//! platform's roots plus `--ca-bundle` (see `transport`); a certificate error is kept on the
//! outbox row like any failure.
//!
//! Status back upstream: a webhook subscription with owner `channel:NAME` (e.g.
//! `channel:hotline_12345`, `channel:open311`) is that channel's endpoint. It hears of every
//! step of the requests that came in through the channel, and also of their registration
//! (the store queues that notice with the intake itself, bulk imports included; a repeat
//! of an upstream id queues nothing).

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::App;
pub use crate::config::SmtpConfig;
use chrono::{DateTime, Utc};
use minhu_store::{Failure, OutboxMessage, StoreError};

pub mod deliveries;
mod transport;
use transport::deliver;
pub use transport::http_client;

/// After this many failed attempts a message is dead-lettered: no longer retried until an
/// admin retries it (with the back-off below, about two hours after the first failure).
pub const MAX_ATTEMPTS: i64 = 12;

/// How long a sender holds the messages it claimed. A crashed server's claims are taken
/// again once it lapses; a live sender sends nothing of its claim after [`LAST_SEND`]
/// before the end, so the lease never lapses while it is still sending.
pub const LEASE: Duration = Duration::from_secs(120);

/// The time kept for the last message of a claim: the transport's timeout, with a margin.
const LAST_SEND: Duration = Duration::from_secs(20);

/// Messages claimed at once; at most one per request and target (order).
const BATCH: i64 = 50;

/// Messages of one claim sent at the same time (each to a different request and target).
const IN_FLIGHT: usize = 8;

/// Exponential back-off after a failed attempt: 4 s, 8 s, 16 s … up to an hour.
pub fn backoff(attempts: i64) -> chrono::Duration {
    (chrono::Duration::seconds(4) * (1i32 << attempts.clamp(0, 16))).min(chrono::Duration::hours(1))
}

/// Delivers what is due at `now`; returns how many were delivered. A message waits for the
/// earlier ones of its request and target, so passes repeat while they make progress.
/// Several senders (servers) may run at once: each claims its messages first.
pub async fn send_due(
    app: &App,
    client: &reqwest::Client,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut total = 0;
    for _pass in 0..20 {
        let delivered = send_pass(app, client, now).await?;
        total += delivered;
        if delivered == 0 {
            break;
        }
    }
    Ok(total)
}

/// A sender's name on its claims: this process and a count, so that two senders in one
/// process (or two passes) never take each other's claims for their own.
fn claimant() -> String {
    static PROCESS: LazyLock<String> = LazyLock::new(|| {
        let started = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        format!("{}.{started:x}", std::process::id())
    });
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{}#{}", *PROCESS, NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Claims a batch and sends it; returns how many were delivered.
async fn send_pass(
    app: &App,
    client: &reqwest::Client,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    use futures::StreamExt;
    let claimant = claimant();
    let started = Instant::now();
    let lease = chrono::Duration::from_std(LEASE).unwrap_or_else(|_| chrono::Duration::minutes(2));
    let claimed = app
        .store
        .claim_due(now, now + lease, &claimant, BATCH)
        .await?;
    // The futures are made first: a closure inside the stream would not be `Send` enough
    // for the job that spawns this.
    let sends: Vec<_> = claimed
        .iter()
        .map(|m| send_claimed(app, client, m, &claimant, now, started))
        .collect();
    let outcomes: Vec<Result<bool, StoreError>> = futures::stream::iter(sends)
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut delivered = 0;
    for outcome in outcomes {
        delivered += usize::from(outcome?);
    }
    Ok(delivered)
}

/// Sends one claimed message, unless the claim's lease is running out (then it is given
/// back for another sender); records the outcome. True when delivered.
async fn send_claimed(
    app: &App,
    client: &reqwest::Client,
    m: &OutboxMessage,
    claimant: &str,
    now: DateTime<Utc>,
    started: Instant,
) -> Result<bool, StoreError> {
    if started.elapsed() + LAST_SEND > LEASE {
        app.store.release_claims(&[m.id], claimant).await?;
        return Ok(false);
    }
    match deliver(
        client,
        m,
        app.config.sms_gateway.as_ref(),
        app.config.smtp.as_ref(),
    )
    .await
    {
        Ok(()) => {
            app.store.mark_delivered(m.id, Utc::now()).await?;
            Ok(true)
        }
        Err(e) => {
            record_failure(app, m, claimant, &e, now).await?;
            Ok(false)
        }
    }
}

/// Backs a failed message off, or dead-letters it after [`MAX_ATTEMPTS`]. What is logged
/// and stored names the target without the person: a phone or mailbox masked, a webhook
/// without its query; the gateway's own text may echo the number.
async fn record_failure(
    app: &App,
    m: &OutboxMessage,
    claimant: &str,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let target = loggable_target(&m.channel, &m.target);
    let error = minhu_domain::privacy::redact_text(&error.replace(&m.target, &target));
    let attempts = m.attempts + 1;
    let failure = Failure {
        error: &error,
        next_attempt_at: now + backoff(m.attempts),
        max_attempts: MAX_ATTEMPTS,
        now,
    };
    match app.store.mark_failed(m.id, claimant, &failure).await? {
        Some(true) => {
            tracing::error!(id = m.id, channel = %m.channel, %target, attempts, %error, "notification dead-lettered after repeated failure; an admin may retry it");
        }
        Some(false) => {
            tracing::warn!(id = m.id, channel = %m.channel, %target, attempts, %error, "notification not delivered; will retry");
        }
        None => {
            tracing::warn!(
                id = m.id,
                "notification claim lapsed before its failure was recorded"
            );
        }
    }
    Ok(())
}

/// A delivery target fit for the log: SMS numbers and e-mail addresses masked, webhook URLs
/// cut before their query (which may carry a token).
pub fn loggable_target(channel: &str, target: &str) -> String {
    match channel {
        "sms" => minhu_domain::privacy::mask_phone(target),
        "email" => match target.split_once('@') {
            Some((_, domain)) => format!("***@{domain}"),
            None => "***".to_string(),
        },
        _ => target
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

#[cfg(test)]
mod log_tests {
    use super::loggable_target;

    #[test]
    fn a_failed_delivery_logs_no_phone_or_mailbox() {
        assert_eq!(loggable_target("sms", "13812345678"), "138****5678");
        assert_eq!(
            loggable_target("email", "he.guilian@example.cn"),
            "***@example.cn"
        );
        assert_eq!(
            loggable_target("webhook", "https://hook.example/in?token=s3cret"),
            "https://hook.example/in"
        );
    }
}
