//! The notification sender: drains the outbox with retries (who hears of what is
//! [`minhu_domain::notify::rules`]).
//!
//! Channels: `webhook` (HTTP POST of JSON, signed `X-Minhu-Signature: sha256=HMAC(secret,
//! body)`, delivery id in `X-Minhu-Delivery` so receivers can drop a repeat) and `sms`
//! (the requester's phone, through the configured SMS gateway, same signed
//! POST with {phone, text}) and `email` (to units and offices, through the configured SMTP
//! relay). Delivery is at least once, in order per request and target;
//! failures back off exponentially up to five minutes. HTTPS targets need a TLS-enabled
//! build (not yet: plain HTTP only).
//!
//! Status back upstream: a webhook subscription with owner `channel:NAME` (e.g.
//! `channel:hotline_12345`, `channel:open311`) is that channel's endpoint. It hears of every
//! step of the requests that came in through the channel, and also of their registration
//! (the store queues that notice with the intake itself, bulk imports included; a repeat
//! of an upstream id queues nothing).

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use minhu_store::OutboxMessage;
use sha2::Sha256;

pub use crate::config::SmtpConfig;
use crate::{App, Secret};

async fn send_email(smtp: &SmtpConfig, m: &OutboxMessage) -> Result<(), String> {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let subject = m.payload.0["subject"]
        .as_str()
        .unwrap_or("【民呼必应】通知");
    let text = m.payload.0["text"].as_str().unwrap_or("");
    let email = Message::builder()
        .from(
            smtp.from
                .parse()
                .map_err(|e| format!("bad sender {}: {e}", smtp.from))?,
        )
        .to(m
            .target
            .parse()
            .map_err(|e| format!("bad address {}: {e}", m.target))?)
        .subject(subject)
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(text.to_string())
        .map_err(|e| e.to_string())?;
    let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(10)))
        .build();
    mailer
        .send(email)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes a key of any length: this arm never runs.
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Where and how one message goes.
async fn deliver(
    client: &reqwest::Client,
    m: &OutboxMessage,
    sms_gateway: Option<&(String, Secret)>,
    smtp: Option<&SmtpConfig>,
) -> Result<(), String> {
    if m.channel == "email" {
        return match smtp {
            Some(cfg) => send_email(cfg, m).await,
            None => Err("no SMTP relay configured (--smtp-host, MINHU_SMTP_HOST)".into()),
        };
    }
    let (url, secret) = match m.channel.as_str() {
        "webhook" => (m.target.clone(), m.secret.clone()),
        "sms" => match sms_gateway {
            Some((url, secret)) => (url.clone(), Some(secret.expose().to_string())),
            None => {
                return Err("no SMS gateway configured (--sms-gateway, MINHU_SMS_GATEWAY)".into());
            }
        },
        other => return Err(format!("channel {other} is not supported yet")),
    };
    let body = serde_json::to_vec(&m.payload.0).map_err(|e| e.to_string())?;
    let mut rb = client
        .post(&url)
        .header("content-type", "application/json")
        .header("x-minhu-delivery", m.id.to_string())
        .header(
            "x-minhu-event",
            m.payload.0["event"]["action"].as_str().unwrap_or("sms"),
        )
        .timeout(Duration::from_secs(10));
    if let Some(s) = secret.as_deref().filter(|s| !s.is_empty()) {
        rb = rb.header("x-minhu-signature", sign(s, &body));
    }
    let resp = rb.body(body).send().await.map_err(|e| format!("{e}"))?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", resp.status()))
    }
}

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
