//! The notification sender: drains the outbox with retries (who hears of what is
//! [`minhu_domain::notify::rules`]).
//!
//! Channels: `webhook` (HTTP POST of JSON, signed `X-Minhu-Signature: sha256=HMAC(secret,
//! body)`, delivery id in `X-Minhu-Delivery` so receivers can drop a repeat) and `sms`
//! (the requester's phone, through the configured SMS gateway, same signed
//! POST with {phone, text}) and `email` (to units and offices, through the configured SMTP
//! relay). Delivery is at least once, in order per request and target;
//! failures back off exponentially up to five minutes. HTTPS targets and SMTP over
//! STARTTLS or implicit TLS go through rustls with the platform's roots plus `--ca-bundle`
//! (see `transport`); a certificate error is kept on the outbox row like any failure.
//!
//! Status back upstream: a webhook subscription with owner `channel:NAME` (e.g.
//! `channel:hotline_12345`, `channel:open311`) is that channel's endpoint. It hears of every
//! step of the requests that came in through the channel, and also of their registration
//! (the store queues that notice with the intake itself, bulk imports included; a repeat
//! of an upstream id queues nothing).

use crate::App;
pub use crate::config::SmtpConfig;
use chrono::{DateTime, Utc};

mod transport;
use transport::deliver;
pub use transport::http_client;

/// Exponential back-off: 1 s, 2 s, 4 s … up to 5 minutes.
pub fn backoff(attempts: i64) -> chrono::Duration {
    chrono::Duration::seconds(1i64 << attempts.clamp(0, 8)).min(chrono::Duration::minutes(5))
}

/// Delivers what is due; returns how many were delivered. A message waits for the earlier
/// ones of its request and target, so passes repeat while they make progress.
pub async fn send_due(
    app: &App,
    client: &reqwest::Client,
    now: DateTime<Utc>,
) -> Result<usize, minhu_store::StoreError> {
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

async fn send_pass(
    app: &App,
    client: &reqwest::Client,
    now: DateTime<Utc>,
) -> Result<usize, minhu_store::StoreError> {
    let due = app.store.due_messages(now, 200).await?;
    let mut delivered = 0;
    // A message that fails holds back the later ones of its request and target (order).
    let mut blocked: std::collections::HashSet<(i64, String)> = Default::default();
    for m in due {
        let key = (m.request_id, m.target.clone());
        if blocked.contains(&key) {
            continue;
        }
        match deliver(
            client,
            &m,
            app.config.sms_gateway.as_ref(),
            app.config.smtp.as_ref(),
        )
        .await
        {
            Ok(()) => {
                app.store.mark_delivered(m.id, Utc::now()).await?;
                delivered += 1;
            }
            Err(e) => {
                // The log names the target without the person: a phone or mailbox masked,
                // a webhook without its query; the gateway's own text may echo the number.
                let error = minhu_domain::privacy::redact_text(&e.to_string());
                tracing::warn!(id = m.id, channel = %m.channel, target = %loggable_target(&m.channel, &m.target), attempts = m.attempts + 1, %error, "notification not delivered; will retry");
                app.store
                    .mark_failed(m.id, &e, Utc::now() + backoff(m.attempts))
                    .await?;
                blocked.insert(key);
            }
        }
    }
    Ok(delivered)
}

/// A delivery target fit for the log: SMS numbers and e-mail addresses masked, webhook URLs
/// cut before their query (which may carry a token).
fn loggable_target(channel: &str, target: &str) -> String {
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
