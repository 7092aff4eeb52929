//! Notifications: who hears of an event (computed when the event is decided, written to the
//! outbox in the same transaction), and the sender that drains the outbox with retries.
//!
//! Channels: `webhook` (HTTP POST of JSON, signed `X-Minhu-Signature: sha256=HMAC(secret,
//! body)`, delivery id in `X-Minhu-Delivery` so receivers can drop a repeat) and `sms`
//! (the requester's phone, through the SMS gateway at `MINHU_SMS_GATEWAY`, same signed
//! POST with {phone, text}) and `email` (to units and offices, through the SMTP relay at
//! `MINHU_SMTP_HOST`). Delivery is at least once, in order per request and target;
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
use minhu_domain::org::Org;
use minhu_domain::request::{Event, EventData, Request};
use minhu_domain::time::rfc3339;
use minhu_store::{OutboxItem, OutboxMessage, Subscription};
use serde_json::json;
use sha2::Sha256;

use crate::AppState;

/// Units an event concerns directly (they hear of it through their own subscriptions).
fn units_concerned(req: &Request, e: &EventData) -> Vec<String> {
    match e {
        EventData::Dispatch { unit, co_units, .. } => std::iter::once(unit.clone())
            .chain(co_units.iter().cloned())
            .collect(),
        EventData::Transfer { unit, .. } => vec![unit.clone()],
        EventData::AddCoUnits { units, .. } | EventData::Whistle { units, .. } => units.clone(),
        EventData::Urge { .. }
        | EventData::Supervise { .. }
        | EventData::Warn { .. }
        | EventData::DecideReturn { .. }
        | EventData::DecideExtension { .. } => req.lead_unit.iter().cloned().collect(),
        _ => Vec::new(),
    }
}

/// What the requester is told by SMS, for the steps the design names.
fn requester_text(req: &Request, e: &EventData, org: &Org) -> Option<String> {
    let code = &req.intake.code;
    Some(match e {
        EventData::Accept { .. } => {
            format!("【民呼必应】您反映的问题已受理，查询码{code}，我们将尽快办理。")
        }
        EventData::Dispatch { unit, .. } => {
            let name = org.unit(unit).map(|u| u.name.as_str()).unwrap_or(unit);
            format!("【民呼必应】您的诉求（{code}）已交{name}办理。")
        }
        EventData::Reply { public_reply, .. } => {
            format!("【民呼必应】您的诉求（{code}）已办结：{public_reply}")
        }
        EventData::Callback { reached: true, .. } => {
            format!("【民呼必应】感谢您对诉求（{code}）办理情况的评价。")
        }
        _ => return None,
    })
}

/// The messages an event causes. `sms_gateway` is whether an SMS gateway is configured.
pub fn messages_for(
    subs: &[Subscription],
    org: &Org,
    req: &Request,
    event: &Event,
    sms_gateway: bool,
) -> Vec<OutboxItem> {
    let action = event.data.action();
    let mut units = units_concerned(req, &event.data);
    // An escalation is news for the office of the tier that now holds the request.
    if let EventData::Escalate { to, .. } = &event.data {
        if let Some(office) = org
            .ancestor_at(&req.intake.jurisdiction, to.level())
            .and_then(|j| org.own_unit(&j.code))
        {
            units.push(office.code.clone());
        }
    }
    let channel_owner = format!("channel:{}", req.intake.channel.as_str());
    let lineage = org.lineage(&req.intake.jurisdiction);
    let payload = OutboxItem::payload(req, event);
    let mut out: Vec<OutboxItem> = subs
        .iter()
        .filter(|s| matches!(s.channel.as_str(), "webhook" | "email") && s.wants(action))
        .filter(|s| {
            s.owner == "*"
                || s.owner == channel_owner
                || units.contains(&s.owner)
                || lineage.contains(&s.owner.as_str())
        })
        .map(|s| {
            let mut payload = payload.clone();
            if s.channel == "email" {
                let (subject, text) = email_text(req, &event.data, org);
                payload["subject"] = subject.into();
                payload["text"] = text.into();
            }
            OutboxItem {
                channel: s.channel.clone(),
                target: s.target.clone(),
                secret: s.secret.clone(),
                payload,
            }
        })
        .collect();
    if sms_gateway {
        if let (Some(phone), Some(text)) = (
            &req.intake.requester.phone,
            requester_text(req, &event.data, org),
        ) {
            out.push(OutboxItem {
                channel: "sms".into(),
                target: phone.clone(),
                secret: None,
                payload: json!({"phone": phone, "text": text}),
            });
        }
    }
    out
}

/// Subject and text of an e-mail to a unit or an office (no personal data).
fn email_text(req: &Request, e: &EventData, org: &Org) -> (String, String) {
    let step = match e {
        EventData::Dispatch { .. } => "派单",
        EventData::Transfer { .. } => "转办",
        EventData::AddCoUnits { .. } => "加派协办",
        EventData::Whistle { .. } => "吹哨召集",
        EventData::Urge { .. } => "催办",
        EventData::Supervise { .. } => "督办",
        EventData::Escalate { .. } => "上报",
        EventData::Warn { .. } => "时限预警",
        _ => "进展",
    };
    let code = &req.intake.code;
    let place = org
        .jurisdiction(&req.intake.jurisdiction)
        .map(|j| j.name.as_str())
        .unwrap_or("");
    let due = req.deadline.map(rfc3339).unwrap_or_else(|| "—".into());
    let subject = format!("【民呼必应】{step}：工单{code}");
    let text = format!(
        "工单{code}（{place}）{step}。\n诉求：{}\n当前状态：{}\n办理时限：{due}\n请登录民呼必应系统查看并办理。",
        req.intake
            .subject
            .clone()
            .unwrap_or_else(|| req.intake.content.chars().take(60).collect()),
        req.state.zh(),
    );
    (subject, text)
}

/// Where to send e-mail: an SMTP relay (`MINHU_SMTP_HOST`, `MINHU_SMTP_PORT`, `MINHU_SMTP_FROM`).
/// Plain SMTP to a relay the deployment runs; no credentials are sent.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
}

impl SmtpConfig {
    pub fn from_env() -> Option<SmtpConfig> {
        let host = std::env::var("MINHU_SMTP_HOST")
            .ok()
            .filter(|h| !h.is_empty())?;
        let port = std::env::var("MINHU_SMTP_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(25);
        let from = std::env::var("MINHU_SMTP_FROM").unwrap_or_else(|_| "minhu@localhost".into());
        Some(SmtpConfig { host, port, from })
    }
}

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
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Where and how one message goes.
async fn deliver(
    client: &reqwest::Client,
    m: &OutboxMessage,
    sms_gateway: Option<&(String, String)>,
    smtp: Option<&SmtpConfig>,
) -> Result<(), String> {
    if m.channel == "email" {
        return match smtp {
            Some(cfg) => send_email(cfg, m).await,
            None => Err("no SMTP relay configured (MINHU_SMTP_HOST)".into()),
        };
    }
    let (url, secret) = match m.channel.as_str() {
        "webhook" => (m.target.clone(), m.secret.clone()),
        "sms" => match sms_gateway {
            Some((url, secret)) => (url.clone(), Some(secret.clone())),
            None => return Err("no SMS gateway configured (MINHU_SMS_GATEWAY)".into()),
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
    app: &AppState,
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
    app: &AppState,
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
        match deliver(client, &m, app.sms_gateway.as_ref(), app.smtp.as_ref()).await {
            Ok(()) => {
                app.store.mark_delivered(m.id, Utc::now()).await?;
                delivered += 1;
            }
            Err(e) => {
                tracing::warn!(id = m.id, target = %m.target, attempts = m.attempts + 1, error = %e, "notification not delivered; will retry");
                app.store
                    .mark_failed(m.id, &e, Utc::now() + backoff(m.attempts))
                    .await?;
                blocked.insert(key);
            }
        }
    }
    Ok(delivered)
}

/// The sender: drains the outbox every `every` until the process ends.
pub fn spawn_sender(app: AppState, every: Duration) {
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = send_due(&app, &client, Utc::now()).await {
                tracing::warn!(error = %e, "outbox pass failed");
            }
        }
    });
}
