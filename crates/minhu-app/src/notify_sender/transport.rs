//! How one message leaves: a signed HTTP POST (webhooks, the SMS gateway; `http://` or
//! `https://`) or a mail through the SMTP relay (plain, STARTTLS or implicit TLS, with AUTH).
//! TLS is rustls on aws-lc-rs; the roots are the platform's plus the deployment's CA bundle
//! (`--ca-bundle`). A failure is returned with its causes, so the outbox row's `last_error`
//! says "invalid peer certificate: UnknownIssuer" and not just "error sending request".

use std::time::Duration;

use hmac::{Hmac, Mac};
use minhu_store::OutboxMessage;
use sha2::Sha256;

use crate::Secret;
use crate::config::{CaBundle, Config, SmtpConfig, SmtpTls};

/// How long one delivery may take, connection and TLS handshake included.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP client for webhooks and the SMS gateway: rustls, trusting the platform's roots
/// plus the configured CA bundle. Fails when no root can be loaded at all (no system
/// certificates and no bundle) or the bundle holds a certificate rustls refuses; the binary
/// builds it once at start-up so that such a deployment stops there.
pub fn http_client(config: &Config) -> Result<reqwest::Client, String> {
    // A webhook answers for itself: a redirect would carry the signed notice (and, for the
    // SMS gateway, a phone) to a host nobody subscribed. It counts as a failed delivery.
    let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(bundle) = &config.ca_bundle {
        let certs = bundle
            .certificates()
            .iter()
            .map(|der| reqwest::Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{}: {}", bundle.source, error_chain(&e)))?;
        builder = builder.tls_certs_merge(certs);
    }
    builder.build().map_err(|e| {
        format!(
            "TLS for webhooks and the SMS gateway: {} (install the system CA certificates or \
             give a bundle with --ca-bundle / MINHU_CA_BUNDLE)",
            error_chain(&e)
        )
    })
}

/// An error with its causes: the certificate problem is usually three sources down
/// ("error sending request: client error (Connect): invalid peer certificate: UnknownIssuer").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

async fn send_email(smtp: &SmtpConfig, m: &OutboxMessage) -> Result<(), String> {
    use lettre::{AsyncTransport, Message};
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
    smtp_transport(smtp)?
        .send(email)
        .await
        .map(|_| ())
        .map_err(|e| error_chain(&e))
}

/// The relay connection as configured: plain, STARTTLS (required, never silently plain) or
/// implicit TLS, with AUTH when an account is set. A password is never sent in clear.
fn smtp_transport(
    smtp: &SmtpConfig,
) -> Result<lettre::AsyncSmtpTransport<lettre::Tokio1Executor>, String> {
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::transport::smtp::client::Tls;
    let mut builder =
        lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(&smtp.host)
            .port(smtp.port)
            .timeout(Some(TIMEOUT));
    builder = match smtp.tls {
        SmtpTls::None if smtp.auth.is_some() => {
            return Err(
                "SMTP AUTH needs --smtp-tls starttls or tls: the password would \
                        travel in clear"
                    .into(),
            );
        }
        SmtpTls::None => builder,
        SmtpTls::StartTls => builder.tls(Tls::Required(tls_parameters(smtp)?)),
        SmtpTls::Tls => builder.tls(Tls::Wrapper(tls_parameters(smtp)?)),
    };
    if let Some((user, password)) = &smtp.auth {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose().to_string(),
        ));
    }
    Ok(builder.build())
}

/// rustls for the relay: the platform's roots plus the CA bundle, the relay's host name
/// checked against its certificate.
fn tls_parameters(
    smtp: &SmtpConfig,
) -> Result<lettre::transport::smtp::client::TlsParameters, String> {
    use lettre::transport::smtp::client::{Certificate, TlsParameters};
    let mut params = TlsParameters::builder(smtp.host.clone());
    for der in smtp.ca_bundle.iter().flat_map(CaBundle::certificates) {
        let cert = Certificate::from_der(der.clone()).map_err(|e| error_chain(&e))?;
        params = params.add_root_certificate(cert);
    }
    params
        .build_rustls()
        .map_err(|e| format!("TLS for the SMTP relay: {}", error_chain(&e)))
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
        .timeout(TIMEOUT);
    if let Some(s) = secret.as_deref().filter(|s| !s.is_empty()) {
        rb = rb.header("x-minhu-signature", sign(s, &body));
    }
    let resp = rb.body(body).send().await.map_err(|e| error_chain(&e))?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", resp.status()))
    }
}
