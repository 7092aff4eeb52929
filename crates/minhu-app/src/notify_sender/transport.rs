//! How one message leaves: a signed HTTP POST (webhooks, the SMS gateway) or a mail through
//! the SMTP relay.

use std::time::Duration;

use hmac::{Hmac, Mac};
use minhu_store::OutboxMessage;
use sha2::Sha256;

use crate::Secret;
use crate::config::SmtpConfig;

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
pub(super) async fn deliver(
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
