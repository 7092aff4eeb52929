//! Three real `minhu serve` processes on one PostgreSQL, as a district runs them behind a
//! load balancer, with deadline sweeps from the command line racing them; a real webhook
//! receiver counts what it gets. The subscription is added through server A after all
//! three started, so B and C know of it only through the polled `config_version`.
//! Counted: no message twice (by delivery id, and by request and event), none missing
//! (every outbox row delivered), and each lapsed request escalated exactly once.
//!
//! PostgreSQL only: skipped, with a notice, unless MINHU_TEST_POSTGRES_URL names an admin
//! database (`.ci/run` sets it for this crate's tests).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use minhu_domain::org::Role;
use minhu_store::{Store, StoreOptions};
use serde_json::{Value, json};

/// Requests made through each server.
const PER_SERVER: usize = 6;
/// `minhu sla sweep` runs started at once.
const SWEEPS: usize = 4;

/// The servers, killed when the test ends however it ends.
struct Servers {
    children: Vec<Child>,
    logs: tempfile::TempDir,
}

impl Drop for Servers {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Servers {
    /// What the servers wrote to stderr (warnings and errors), for a failure's message.
    fn logs(&self) -> String {
        (0..self.children.len())
            .map(|i| {
                let path = self.logs.path().join(format!("server{i}.log"));
                format!(
                    "--- server {i} ---\n{}",
                    std::fs::read_to_string(path).unwrap_or_default()
                )
            })
            .collect()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `minhu serve` three times on `db`, with the jobs run every second.
fn start_servers(db: &str) -> (Servers, Vec<String>) {
    let logs = tempfile::tempdir().unwrap();
    let mut children = Vec::new();
    let mut bases = Vec::new();
    for i in 0..3 {
        let addr = format!("127.0.0.1:{}", free_port());
        let log = std::fs::File::create(logs.path().join(format!("server{i}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_minhu"))
            .args(["--database", db, "serve", "--listen", &addr])
            .env("MINHU_LOG", "warn")
            .env("MINHU_SWEEP_SECONDS", "1")
            .env("MINHU_CONFIG_POLL_SECONDS", "1")
            .env("MINHU_LEDGER_SECONDS", "1")
            .env("MINHU_CLASSIFIER_MODEL", "off")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start minhu serve");
        children.push(child);
        bases.push(format!("http://{addr}"));
    }
    (Servers { children, logs }, bases)
}

async fn wait_healthy(client: &reqwest::Client, base: &str) {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} never answered /healthz");
}

/// The webhook receiver: (delivery id, request id, event seq) of every POST it gets.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(String, i64, i64)>>>);

async fn receive(
    axum::extract::State(r): axum::extract::State<Received>,
    headers: HeaderMap,
    body: String,
) -> &'static str {
    let delivery = headers
        .get("x-minhu-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let v: Value = serde_json::from_str(&body).unwrap_or_default();
    let request = v["request"]["id"].as_i64().unwrap_or(-1);
    let seq = v["event"]["seq"].as_i64().unwrap_or(-1);
    r.0.lock().unwrap().push((delivery, request, seq));
    "ok"
}

async fn receiver(received: &Received) -> String {
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://127.0.0.1:{port}/hook")
}

/// The demo organisation and the people acting, with their tokens.
async fn seed(db: &str) -> HashMap<&'static str, String> {
    let store = Store::open(db, StoreOptions::default()).await.unwrap();
    let (js, us) = minhu_fixtures::demo::organisation();
    store.upsert_org(&js, &us).await.unwrap();
    let mut tokens = HashMap::new();
    for (name, role, scope) in [
        ("admin", Role::DistrictAdmin, "SFQ"),
        ("dxy_staff", Role::CommunityStaff, "DXY"),
    ] {
        store.add_user(name, None, role, scope, None).await.unwrap();
        let token = minhu_app::credentials::issue_token(&store, name, None)
            .await
            .unwrap();
        tokens.insert(name, token);
    }
    store.close().await;
    tokens
}

async fn call(client: &reqwest::Client, base: &str, token: &str, path: &str, body: Value) -> Value {
    let r = client
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap_or_default();
    assert!(status.is_success(), "{base}{path}: {status} {v}");
    v
}

/// A walk-in registered, accepted and dispatched through one server; its id.
async fn dispatched_request(client: &reqwest::Client, base: &str, token: &str, n: usize) -> i64 {
    let v = call(
        client,
        base,
        token,
        "/api/v1/requests",
        json!({"channel": "walk_in", "type": "complaint", "content": format!("{n} 号楼楼道灯不亮"), "jurisdiction": "DXY-G03"}),
    )
    .await;
    let id = v["id"].as_i64().unwrap();
    for (action, body) in [
        ("accept", json!({})),
        ("dispatch", json!({"unit": "DXY-WY"})),
    ] {
        call(
            client,
            base,
            token,
            &format!("/api/v1/requests/{id}/actions/{action}"),
            body,
        )
        .await;
    }
    id
}

/// The lines of a command's stderr that say why it failed.
fn last_error(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| l.starts_with("Error"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every outbox row of these requests: (id, delivered).
async fn outbox(store: &Store, ids: &[i64]) -> Vec<(i64, bool)> {
    let mut rows = Vec::new();
    for id in ids {
        for m in store.outbox_for_request(*id).await.unwrap() {
            rows.push((m.id, m.delivered_at.is_some()));
        }
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_servers_and_racing_sweeps_deliver_each_notice_once() {
    let Ok(admin_url) = std::env::var("MINHU_TEST_POSTGRES_URL") else {
        println!(
            "skipped: MINHU_TEST_POSTGRES_URL is not set (the three-server test needs PostgreSQL)"
        );
        return;
    };
    let started = Instant::now();
    let db = minhu_store::create_scratch_postgres(&admin_url)
        .await
        .unwrap();
    let tokens = seed(&db).await;
    let (servers, bases) = start_servers(&db);
    let client = reqwest::Client::new();
    for b in &bases {
        wait_healthy(&client, b).await;
    }

    // Subscribed through A after all three started: B and C hear of it by the version poll.
    let received = Received::default();
    let hook = receiver(&received).await;
    call(
        &client,
        &bases[0],
        &tokens["admin"],
        "/api/v1/subscriptions",
        json!({"owner": "*", "channel": "webhook", "target": hook, "secret": "s3cret"}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;

    // Requests through all three servers at once.
    let tasks: Vec<_> = (0..PER_SERVER * 3)
        .map(|n| {
            let base = bases[n % 3].clone();
            let (client, token) = (client.clone(), tokens["dxy_staff"].clone());
            tokio::spawn(
                async move { (n % 3, dispatched_request(&client, &base, &token, n).await) },
            )
        })
        .collect();
    let mut made = Vec::new();
    for t in tasks {
        made.push(t.await.unwrap());
    }
    let ids: Vec<i64> = made.iter().map(|(_, id)| *id).collect();

    // Sweeps from the command line, as of a month on, racing each other and the servers.
    let at = minhu_domain::time::rfc3339(chrono::Utc::now() + chrono::Duration::days(30));
    let sweeps: Vec<_> = (0..SWEEPS)
        .map(|_| {
            let (db, at) = (db.clone(), at.clone());
            std::thread::spawn(move || common::minhu(&db, &["sla", "sweep", "--at", &at], None))
        })
        .collect();
    let sweeps: Vec<(bool, String, String)> =
        sweeps.into_iter().map(|h| h.join().unwrap()).collect();
    // A failed sweep's last words (its log before them is warnings).
    let failed: Vec<String> = sweeps
        .iter()
        .filter(|(ok, _, _)| !ok)
        .map(|(_, _, e)| last_error(e))
        .collect();

    // Until the outbox is drained (and the receiver has counted it all).
    let store = Store::open(&db, StoreOptions::default()).await.unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    let rows = loop {
        let rows = outbox(&store, &ids).await;
        let drained = rows.iter().all(|(_, d)| *d);
        if (drained && received.0.lock().unwrap().len() >= rows.len()) || Instant::now() > until {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // A little longer: a double sent late would show now.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = received.0.lock().unwrap().clone();

    let mut per_delivery: HashMap<&str, usize> = HashMap::new();
    let mut per_event: HashMap<(i64, i64), usize> = HashMap::new();
    for (d, r, s) in &got {
        *per_delivery.entry(d.as_str()).or_default() += 1;
        *per_event.entry((*r, *s)).or_default() += 1;
    }
    let doubles: Vec<_> = per_delivery.iter().filter(|(_, n)| **n > 1).collect();
    let event_doubles: Vec<_> = per_event.iter().filter(|(_, n)| **n > 1).collect();
    let delivered: HashSet<String> = got.iter().map(|(d, _, _)| d.clone()).collect();
    let missing: Vec<i64> = rows
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !delivered.contains(&id.to_string()))
        .collect();
    let mut escalations = Vec::new();
    for id in &ids {
        let (_, events) = store.load_request(*id).await.unwrap().unwrap();
        let n = events
            .iter()
            .filter(|e| e.data.action() == "escalate")
            .count();
        escalations.push((*id, n));
        if n != 1 {
            let log: Vec<String> = events
                .iter()
                .map(|e| {
                    format!(
                        "{} {} {}",
                        e.seq,
                        e.data.action(),
                        minhu_domain::time::rfc3339(e.at)
                    )
                })
                .collect();
            println!("request {id} escalated {n} times: {log:?}");
        }
    }
    let queued_per_server: Vec<usize> = (0..3)
        .map(|s| {
            made.iter()
                .filter(|(server, _)| *server == s)
                .filter(|(_, id)| got.iter().any(|(_, r, _)| r == id))
                .count()
        })
        .collect();
    println!(
        "three servers: {} requests, {} outbox rows, {} received, {} doubles, {} missing, \
         sweeps failed {}/{SWEEPS}, {:.1} s",
        ids.len(),
        rows.len(),
        got.len(),
        doubles.len(),
        missing.len(),
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    let logs = servers.logs();
    assert_eq!(
        queued_per_server,
        vec![PER_SERVER; 3],
        "requests made on every server were notified (B and C reloaded the subscription)\n{logs}"
    );
    assert_eq!(
        doubles,
        Vec::<(&&str, &usize)>::new(),
        "a delivery id twice\n{logs}"
    );
    assert_eq!(
        event_doubles,
        Vec::<(&(i64, i64), &usize)>::new(),
        "an event told twice"
    );
    assert_eq!(
        missing,
        Vec::<i64>::new(),
        "outbox rows never delivered\n{logs}"
    );
    assert!(
        escalations.iter().all(|(_, n)| *n == 1),
        "each lapsed request escalates exactly once: {escalations:?}"
    );
    // Last, so that the counts above are checked whatever a sweep did.
    assert!(failed.is_empty(), "a sweep aborted: {failed:?}");
    store.close().await;
    drop(servers);
}
