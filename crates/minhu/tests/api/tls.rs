//! TLS for what leaves Minhu, tried against local servers: a test CA and a certificate for
//! localhost/127.0.0.1 are made here (rcgen); an HTTPS webhook receiver and a small SMTP
//! relay (EHLO, STARTTLS, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA) run on tokio-rustls. The real
//! sender (`minhu_app::notify_sender::send_due` on the server's store, with the client the
//! server builds from its configuration) delivers to them with the CA bundle, and without it
//! fails with the certificate error written on the outbox row. The API refuses a webhook
//! target the sender cannot reach.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use minhu_app::config::{CaBundle, Config, SmtpConfig, SmtpTls};
use minhu_app::notify_sender::{http_client, send_due};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::helpers::TestApp;

/// A test CA, as the PEM bundle a deployment would configure, and a server certificate it
/// signed for localhost and 127.0.0.1.
struct Pki {
    bundle: CaBundle,
    server: Arc<ServerConfig>,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    use rcgen::{KeyUsagePurpose, SanType};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "Minhu test CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    let leaf = leaf.signed_by(&key, &ca).unwrap();
    let server = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone(), CertificateDer::from(ca.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    Pki {
        bundle: CaBundle::from_pem("test-ca.pem", ca.pem().as_bytes()).unwrap(),
        server: Arc::new(server),
    }
}

/// One request as the HTTPS receiver saw it.
#[derive(Clone, Debug)]
struct Received {
    headers: HashMap<String, String>,
    body: String,
}

/// Reads one line (to `\n`, without the line end) a byte at a time, so that nothing is
/// buffered past a STARTTLS. `None` at the end of the stream.
async fn read_line<S: AsyncRead + Unpin>(s: &mut S) -> Option<String> {
    let mut line = Vec::new();
    loop {
        match s.read_u8().await {
            Ok(b'\n') => break,
            Ok(b) => line.push(b),
            Err(_) if line.is_empty() => return None,
            Err(_) => break,
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Some(String::from_utf8_lossy(&line).into_owned())
}

/// An HTTPS webhook receiver on a free local port (HTTP/1.1, one request per connection).
/// A client that refuses the certificate never gets here: the handshake fails.
async fn https_receiver(server: Arc<ServerConfig>) -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    let keep = got.clone();
    let acceptor = TlsAcceptor::from(server);
    tokio::spawn(async move {
        loop {
            let (sock, _) = listener.accept().await.unwrap();
            let (acceptor, keep) = (acceptor.clone(), keep.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                let _request_line = read_line(&mut tls).await;
                let mut headers = HashMap::new();
                while let Some(line) = read_line(&mut tls).await {
                    let Some((k, v)) = line.split_once(':') else {
                        break;
                    };
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
                let len: usize = headers["content-length"].parse().unwrap();
                let mut body = vec![0; len];
                tls.read_exact(&mut body).await.unwrap();
                let body = String::from_utf8(body).unwrap();
                keep.lock().unwrap().push(Received { headers, body });
                let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                tls.write_all(ok).await.unwrap();
                tls.shutdown().await.ok();
            });
        }
    });
    (port, got)
}

/// How the test relay protects its connection.
#[derive(Clone, Copy, PartialEq)]
enum Relay {
    StartTls,
    ImplicitTls,
}

/// One mail as the relay took it: the recipient line, the message, whether the session was
/// encrypted, and the user it authenticated as.
#[derive(Clone, Debug)]
struct Mail {
    rcpt: String,
    data: String,
    encrypted: bool,
    user: String,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A minimal SMTP relay that insists on TLS and on the account `minhu` / `relay-pass`.
async fn smtp_relay(mode: Relay, server: Arc<ServerConfig>) -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let keep = mails.clone();
    let acceptor = TlsAcceptor::from(server);
    tokio::spawn(async move {
        loop {
            let (sock, _) = listener.accept().await.unwrap();
            let (acceptor, keep) = (acceptor.clone(), keep.clone());
            tokio::spawn(async move {
                let io: Box<dyn Io> = match mode {
                    Relay::StartTls => Box::new(sock),
                    Relay::ImplicitTls => match acceptor.accept(sock).await {
                        Ok(tls) => Box::new(tls),
                        Err(_) => return,
                    },
                };
                smtp_session(io, mode == Relay::ImplicitTls, acceptor, keep).await;
            });
        }
    });
    (port, mails)
}

/// The relay's side of one session, a small state machine.
async fn smtp_session(
    mut io: Box<dyn Io>,
    mut encrypted: bool,
    acceptor: TlsAcceptor,
    mails: Arc<Mutex<Vec<Mail>>>,
) {
    let (mut user, mut rcpt) = (String::new(), String::new());
    let _ = io.write_all(b"220 relay.test ESMTP\r\n").await;
    while let Some(line) = read_line(&mut io).await {
        let up = line.to_ascii_uppercase();
        let reply = if up.starts_with("EHLO") && !encrypted {
            "250-relay.test\r\n250 STARTTLS".to_string()
        } else if up.starts_with("EHLO") {
            "250-relay.test\r\n250 AUTH PLAIN LOGIN".to_string()
        } else if up == "STARTTLS" && !encrypted {
            let _ = io.write_all(b"220 2.0.0 ready for TLS\r\n").await;
            match acceptor.accept(io).await {
                Ok(tls) => io = Box::new(tls),
                Err(_) => return,
            }
            encrypted = true;
            continue;
        } else if up.starts_with("AUTH") && !encrypted {
            "538 5.7.11 encryption required".to_string()
        } else if up.starts_with("AUTH PLAIN") {
            let initial = line.split_whitespace().nth(2).map(str::to_string);
            let response = match initial {
                Some(r) => r,
                None => ask(&mut io, "334 ").await,
            };
            let plain = decode(&response);
            let mut parts = plain.split('\0').skip(1);
            authenticate(&mut user, parts.next(), parts.next())
        } else if up.starts_with("AUTH LOGIN") {
            let name = decode(&ask(&mut io, "334 VXNlcm5hbWU6").await);
            let pass = decode(&ask(&mut io, "334 UGFzc3dvcmQ6").await);
            authenticate(&mut user, Some(&name), Some(&pass))
        } else if up.starts_with("MAIL FROM") && user.is_empty() {
            "530 5.7.0 authentication required".to_string()
        } else if up.starts_with("RCPT TO") {
            rcpt = line.clone();
            "250 ok".to_string()
        } else if up == "DATA" {
            let _ = io.write_all(b"354 end with .\r\n").await;
            let mut data = String::new();
            while let Some(l) = read_line(&mut io).await {
                if l == "." {
                    break;
                }
                data.push_str(&l);
                data.push('\n');
            }
            mails.lock().unwrap().push(Mail {
                rcpt: rcpt.clone(),
                data,
                encrypted,
                user: user.clone(),
            });
            "250 queued".to_string()
        } else if up == "QUIT" {
            let _ = io.write_all(b"221 bye\r\n").await;
            return;
        } else {
            "250 ok".to_string()
        };
        if io
            .write_all(format!("{reply}\r\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

async fn ask(io: &mut Box<dyn Io>, prompt: &str) -> String {
    let _ = io.write_all(format!("{prompt}\r\n").as_bytes()).await;
    read_line(io).await.unwrap_or_default()
}

fn decode(b64: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn authenticate(user: &mut String, name: Option<&str>, pass: Option<&str>) -> String {
    if name == Some("minhu") && pass == Some("relay-pass") {
        *user = "minhu".into();
        "235 2.7.0 authenticated".into()
    } else {
        "535 5.7.8 bad credentials".into()
    }
}

/// A request dispatched to 德馨苑物业 (DXY-WY), which the subscriptions below hear of.
async fn dispatched(t: &TestApp) -> i64 {
    let id = t.walk_in("楼道堆放杂物").await;
    t.step("dxy_staff", id, "accept", json!({})).await;
    t.step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    id
}

async fn subscribe(t: &TestApp, channel: &str, target: &str) {
    let (s, v) = t
        .post(
            "admin",
            "/api/v1/subscriptions",
            json!({"owner": "DXY-WY", "channel": channel, "target": target, "secret": "hook-secret", "actions": "dispatch"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

/// One pass of the sender, as the server runs it, `minutes` from now (past any back-off).
async fn send(t: &TestApp, config: Config, minutes: i64) -> usize {
    let mut app = t.app.clone();
    let client = http_client(&config).unwrap();
    app.config = config;
    send_due(&app, &client, Utc::now() + Duration::minutes(minutes))
        .await
        .unwrap()
}

/// The outbox rows of a request as staff see them.
async fn notifications(t: &TestApp, id: i64) -> Vec<Value> {
    let (s, list) = t
        .get("dxy_staff", &format!("/api/v1/requests/{id}/notifications"))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

fn with_bundle(pki: &Pki) -> Config {
    Config {
        ca_bundle: Some(pki.bundle.clone()),
        ..Config::default()
    }
}

#[tokio::test]
async fn an_https_webhook_is_delivered_with_the_ca_bundle_and_its_signature_intact() {
    let t = TestApp::spawn().await;
    let pki = pki();
    let (port, got) = https_receiver(pki.server.clone()).await;
    subscribe(&t, "webhook", &format!("https://localhost:{port}/hook")).await;
    let id = dispatched(&t).await;
    assert_eq!(send(&t, with_bundle(&pki), 0).await, 1);
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let mut mac = Hmac::<Sha256>::new_from_slice(b"hook-secret").unwrap();
    mac.update(got[0].body.as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(got[0].headers["x-minhu-signature"], expected);
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["event"]["action"], "dispatch", "{body}");
    let rows = notifications(&t, id).await;
    assert!(rows[0]["delivered_at"].is_string(), "{rows:?}");
}

#[tokio::test]
async fn without_the_ca_bundle_an_https_webhook_fails_with_the_certificate_error_on_its_row() {
    let t = TestApp::spawn().await;
    let pki = pki();
    let (port, got) = https_receiver(pki.server.clone()).await;
    subscribe(&t, "webhook", &format!("https://127.0.0.1:{port}/hook")).await;
    let id = dispatched(&t).await;
    assert_eq!(send(&t, Config::default(), 0).await, 0);
    assert!(got.lock().unwrap().is_empty());
    let rows = notifications(&t, id).await;
    let error = rows[0]["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("certificate") && error.contains("UnknownIssuer"),
        "the row says why: {rows:?}"
    );
    assert!(rows[0]["delivered_at"].is_null());
    // Once the deployment trusts its CA, the retry goes through.
    assert_eq!(send(&t, with_bundle(&pki), 10).await, 1);
    assert_eq!(got.lock().unwrap().len(), 1);
}

fn smtp(pki: &Pki, port: u16, tls: SmtpTls, password: &str) -> Config {
    Config {
        smtp: Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            from: "minhu@district.example".into(),
            tls,
            auth: Some(("minhu".into(), password.into())),
            ca_bundle: Some(pki.bundle.clone()),
        }),
        ..with_bundle(pki)
    }
}

#[tokio::test]
async fn a_mail_goes_through_starttls_with_auth_and_the_relay_checks_the_password() {
    let t = TestApp::spawn().await;
    let pki = pki();
    let (port, mails) = smtp_relay(Relay::StartTls, pki.server.clone()).await;
    subscribe(&t, "email", "wuye@dxy.example").await;
    let id = dispatched(&t).await;
    // A wrong password: the relay refuses and the row says so.
    assert_eq!(
        send(&t, smtp(&pki, port, SmtpTls::StartTls, "wrong"), 0).await,
        0
    );
    assert!(mails.lock().unwrap().is_empty());
    let rows = notifications(&t, id).await;
    let error = rows[0]["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("535"), "{rows:?}");
    // The right one: upgraded with STARTTLS, authenticated, delivered.
    assert_eq!(
        send(&t, smtp(&pki, port, SmtpTls::StartTls, "relay-pass"), 10).await,
        1
    );
    let got = mails.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert!(got[0].encrypted && got[0].user == "minhu", "{got:?}");
    assert!(got[0].rcpt.contains("wuye@dxy.example"), "{got:?}");
    assert!(
        got[0].data.contains("From: minhu@district.example"),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_mail_goes_through_implicit_tls_and_an_unknown_ca_is_told_on_the_row() {
    let t = TestApp::spawn().await;
    let pki = pki();
    let (port, mails) = smtp_relay(Relay::ImplicitTls, pki.server.clone()).await;
    subscribe(&t, "email", "wuye@dxy.example").await;
    let id = dispatched(&t).await;
    let mut untrusting = smtp(&pki, port, SmtpTls::Tls, "relay-pass");
    if let Some(s) = untrusting.smtp.as_mut() {
        s.ca_bundle = None;
    }
    assert_eq!(send(&t, untrusting, 0).await, 0);
    let rows = notifications(&t, id).await;
    let error = rows[0]["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("UnknownIssuer"), "{rows:?}");
    assert_eq!(
        send(&t, smtp(&pki, port, SmtpTls::Tls, "relay-pass"), 10).await,
        1
    );
    let got = mails.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert!(got[0].encrypted && got[0].user == "minhu", "{got:?}");
}

#[tokio::test]
async fn a_webhook_target_the_sender_cannot_reach_is_refused_naming_target() {
    let t = TestApp::spawn().await;
    for target in [
        "ftp://upstream.example/hook",
        "http://",
        "https:// upstream.example/hook",
        "mailto:ops@upstream.example",
        "upstream.example/hook",
        "file:///etc/passwd",
    ] {
        let (s, v) = t
            .post(
                "admin",
                "/api/v1/subscriptions",
                json!({"owner": "DXY-WY", "channel": "webhook", "target": target}),
            )
            .await;
        assert_eq!(
            (s, v["error"]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("target")),
            "{target}: {v}"
        );
    }
    // What the sender can do is taken: plain and TLS, names and addresses, ports, queries.
    for target in [
        "https://upstream.example/hook",
        "http://127.0.0.1:8080/hook?x=1",
        "https://[::1]:8443/hook",
    ] {
        let (s, v) = t
            .post(
                "admin",
                "/api/v1/subscriptions",
                json!({"owner": "DXY-WY", "channel": "webhook", "target": target}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{target}: {v}");
    }
}
