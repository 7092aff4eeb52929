//! The notification sender under attack, on SQLite and PostgreSQL: senders racing on one
//! database never deliver a message twice (each claims before it sends); a target that
//! always fails is dead-lettered after a bounded number of attempts, no longer retried, and
//! shown to the district office, who may retry it; and only the district office sees those
//! deliveries, its own district's only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use chrono::{Duration, Utc};
use minhu_app::notify_sender::MAX_ATTEMPTS;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::pages::{PASSWORD, Visitor, with_passwords};

/// A receiver that counts each delivery id it is sent.
#[derive(Clone, Default)]
struct Counter {
    seen: Arc<Mutex<HashMap<String, usize>>>,
}

impl Counter {
    fn total(&self) -> usize {
        self.seen.lock().unwrap().values().sum()
    }
    fn doubles(&self) -> Vec<(String, usize)> {
        let seen = self.seen.lock().unwrap();
        seen.iter()
            .filter(|(_, n)| **n > 1)
            .map(|(id, n)| (id.clone(), *n))
            .collect()
    }
}

async fn count(
    axum::extract::State(c): axum::extract::State<Counter>,
    headers: HeaderMap,
) -> &'static str {
    let id = headers
        .get("x-minhu-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // A little latency, as a real receiver has: racing senders overlap for longer.
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    *c.seen.lock().unwrap().entry(id).or_default() += 1;
    "ok"
}

/// Serves the counter on `listener`; returns its URL.
fn serve_counter(listener: tokio::net::TcpListener, c: &Counter) -> String {
    let port = listener.local_addr().unwrap().port();
    let app = Router::new()
        .route("/hook", post(count))
        .with_state(c.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://127.0.0.1:{port}/hook")
}

async fn subscribe_walk_ins(t: &TestApp, target: &str) {
    let (s, v) = t
        .post(
            "admin",
            "/api/v1/subscriptions",
            json!({"owner": "channel:walk_in", "channel": "webhook", "target": target, "secret": "s3cret"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

async fn undelivered(t: &TestApp, ids: &[i64]) -> usize {
    let mut n = 0;
    for id in ids {
        let rows = t.app.store.outbox_for_request(*id).await.unwrap();
        n += rows.iter().filter(|m| m.delivered_at.is_none()).count();
    }
    n
}

#[tokio::test]
async fn senders_racing_on_one_database_never_deliver_a_message_twice() {
    let t = TestApp::spawn().await;
    let counter = Counter::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = serve_counter(listener, &counter);
    subscribe_walk_ins(&t, &url).await;
    let mut ids = Vec::new();
    for i in 0..40 {
        let id = t.walk_in(&format!("楼道灯不亮 {i} 号楼")).await;
        t.step("dxy_staff", id, "accept", json!({})).await;
        ids.push(id);
    }
    let queued: usize = {
        let mut n = 0;
        for id in &ids {
            n += t.app.store.outbox_for_request(*id).await.unwrap().len();
        }
        n
    };
    assert_eq!(queued, 80, "registration and acceptance of each request");
    // A second server: its own pool on the same database.
    let other = minhu_app::App::load(
        minhu_store::Store::open(&t.db_url, Default::default())
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    let client = reqwest::Client::new();
    let at = Utc::now() + Duration::seconds(1);
    let (a, b, c) = tokio::join!(
        minhu_app::notify_sender::send_due(&t.app, &client, at),
        minhu_app::notify_sender::send_due(&t.app, &client, at),
        minhu_app::notify_sender::send_due(&other, &client, at),
    );
    let mut sent = a.unwrap() + b.unwrap() + c.unwrap();
    // Whatever a pass left (a message waits for its request's earlier one, which the test
    // server's own sender may still be delivering) goes next: pass again until nothing is
    // left, within ten seconds.
    for _ in 0..50 {
        sent += minhu_app::notify_sender::send_due(&t.app, &client, at)
            .await
            .unwrap();
        if undelivered(&t, &ids).await == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(counter.doubles(), vec![], "no delivery id twice");
    assert_eq!(counter.total(), 80, "every message delivered once");
    // The test server's own sender races too (it runs every second), so these three
    // delivered part of it; no sender counts a message another one delivered.
    assert!(sent <= 80, "{sent}");
    assert_eq!(undelivered(&t, &ids).await, 0);
}

#[tokio::test]
async fn a_target_that_always_fails_is_dead_lettered_shown_to_admins_and_retried() {
    let t = TestApp::spawn().await;
    // A port nobody listens on (yet): every attempt fails.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let target = format!("http://127.0.0.1:{port}/hook?token=t0psecret");
    subscribe_walk_ins(&t, &target).await;
    let id = t.walk_in("小区门口井盖缺失").await;
    let client = reqwest::Client::new();
    // Each round is past the longest back-off: the message is due every time.
    let mut at = Utc::now();
    for _ in 0..MAX_ATTEMPTS + 3 {
        at += Duration::hours(2);
        minhu_app::notify_sender::send_due(&t.app, &client, at)
            .await
            .unwrap();
    }
    let rows = t.app.store.outbox_for_request(id).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].attempts, MAX_ATTEMPTS,
        "tried {MAX_ATTEMPTS} times, then no more"
    );
    assert!(rows[0].dead_at.is_some(), "dead-lettered");

    let (s, failing) = t.get("admin", "/api/v1/deliveries").await;
    assert_eq!(s, StatusCode::OK, "{failing}");
    assert_eq!(failing, json!([]), "a dead message is no longer failing");
    let (s, dead) = t.get("admin", "/api/v1/deliveries?state=dead").await;
    assert_eq!(s, StatusCode::OK, "{dead}");
    let d = &dead[0];
    assert_eq!(dead.as_array().unwrap().len(), 1, "{dead}");
    assert_eq!(d["state"], "dead");
    assert_eq!(d["attempts"], MAX_ATTEMPTS);
    assert_eq!(d["channel"], "webhook");
    assert_eq!(d["target"], format!("http://127.0.0.1:{port}/hook"));
    assert!(
        d["next_attempt_at"].is_null() && d["dead_at"].is_string(),
        "{d}"
    );
    assert!(
        d["last_error"].as_str().is_some_and(|e| !e.is_empty()),
        "{d}"
    );
    assert!(
        !dead.to_string().contains("t0psecret"),
        "the target's token is never shown: {dead}"
    );
    let (_, req) = t.get("admin", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(d["tracking_code"], req["code"]);

    // The admin page lists it, linked from the dashboard.
    with_passwords(&t, &["admin"]).await;
    let mut v = Visitor::new(&t);
    v.login("admin", PASSWORD).await;
    let dash = v.get("/staff/dashboard").await;
    assert!(
        dash.body.contains("href=\"/staff/deliveries\""),
        "dashboard links the page"
    );
    let page = v.get("/staff/deliveries?state=dead").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let code = req["code"].as_str().unwrap();
    assert!(page.body.contains(code), "tracking code on the page");
    assert!(page.body.contains(&format!("127.0.0.1:{port}/hook")));
    assert!(!page.body.contains("t0psecret"));
    assert!(page.body.contains("已停止重试"), "Chinese first");

    // The receiver comes up; the admin retries from the page; it is delivered once.
    let counter = Counter::default();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    serve_counter(listener, &counter);
    let mid = d["id"].as_i64().unwrap().to_string();
    let r = v
        .post(
            &format!("/staff/deliveries/{mid}/retry"),
            &[("state", "dead")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sent = minhu_app::notify_sender::send_due(&t.app, &client, Utc::now())
        .await
        .unwrap();
    assert_eq!(sent, 1);
    assert_eq!(counter.total(), 1);
    let (_, dead) = t.get("admin", "/api/v1/deliveries?state=dead").await;
    assert_eq!(dead, json!([]));
    // Delivered: nothing to retry.
    let (s, v) = t
        .post(
            "admin",
            &format!("/api/v1/deliveries/{mid}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
}

#[tokio::test]
async fn a_failure_backs_off_visibly_and_an_admin_may_retry_it_at_once() {
    let t = TestApp::spawn().await;
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    subscribe_walk_ins(&t, &format!("http://127.0.0.1:{port}/hook")).await;
    t.walk_in("路灯不亮").await;
    let client = reqwest::Client::new();
    let at = Utc::now();
    minhu_app::notify_sender::send_due(&t.app, &client, at)
        .await
        .unwrap();
    let (s, failing) = t.get("admin", "/api/v1/deliveries?state=failing").await;
    assert_eq!(s, StatusCode::OK, "{failing}");
    let d = &failing[0];
    assert_eq!(
        (d["state"].clone(), d["attempts"].clone()),
        (json!("failing"), json!(1))
    );
    let next =
        chrono::DateTime::parse_from_rfc3339(d["next_attempt_at"].as_str().unwrap()).unwrap();
    assert!(next.with_timezone(&Utc) > at, "the next attempt waits: {d}");
    // Not yet due: a pass right away tries nothing.
    minhu_app::notify_sender::send_due(&t.app, &client, at)
        .await
        .unwrap();
    let (_, again) = t.get("admin", "/api/v1/deliveries").await;
    assert_eq!(again[0]["attempts"], 1, "backed off, not retried at once");
    // An admin's retry makes it due now, with a fresh count.
    let id = d["id"].as_i64().unwrap();
    let (s, r) = t
        .post(
            "admin",
            &format!("/api/v1/deliveries/{id}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["attempts"], 0);
}

#[tokio::test]
async fn only_the_district_office_sees_and_retries_failing_deliveries_of_its_district() {
    let t = TestApp::spawn().await;
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    subscribe_walk_ins(&t, &format!("http://127.0.0.1:{port}/hook")).await;
    t.walk_in("垃圾清运不及时").await;
    minhu_app::notify_sender::send_due(&t.app, &reqwest::Client::new(), Utc::now())
        .await
        .unwrap();
    let (_, failing) = t.get("admin", "/api/v1/deliveries").await;
    assert_eq!(failing.as_array().unwrap().len(), 1, "{failing}");
    let mid = failing[0]["id"].as_i64().unwrap();
    let retry = format!("/api/v1/deliveries/{mid}/retry");

    for who in ["dxy_staff", "yb_street", "auditor", "dxy_g3", "h_dxy_wy"] {
        let (s, v) = t.get(who, "/api/v1/deliveries").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who} lists: {v}");
        let (s, v) = t.post(who, &retry, json!({})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who} retries: {v}");
        // The role is checked before the parameters: nothing is told by a bad state.
        let (s, _) = t.get(who, "/api/v1/deliveries?state=nonsense").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
    }
    let (s, _) = t
        .call(None, reqwest::Method::GET, "/api/v1/deliveries", None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = t.get("admin", "/api/v1/deliveries?state=nonsense").await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("state")),
        "{v}"
    );
    let (s, _) = t
        .post("admin", "/api/v1/deliveries/999999/retry", json!({}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t
        .post("admin", "/api/v1/deliveries/abc/retry", json!({}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The office of another district sees none of this district's deliveries.
    let (js, us) = minhu_fixtures::demo::organisation();
    let mut js = js;
    js.push(minhu_domain::org::Jurisdiction {
        code: "QTQ".into(),
        name: "其他区".into(),
        level: minhu_domain::org::Level::District,
        parent: None,
    });
    t.app.store.upsert_org(&js, &us).await.unwrap();
    t.app.reload().await.unwrap();
    t.app
        .store
        .add_user(
            "qtq_admin",
            None,
            minhu_domain::org::Role::DistrictAdmin,
            "QTQ",
            None,
        )
        .await
        .unwrap();
    let token = minhu_web::auth::issue_token(&t.app.store, "qtq_admin", None)
        .await
        .unwrap();
    let as_other = |method: reqwest::Method, path: &str| {
        t.client
            .request(method, format!("{}{path}", t.base))
            .bearer_auth(&token)
            .json(&json!({}))
    };
    let r = as_other(reqwest::Method::GET, "/api/v1/deliveries")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let listed: Value = r.json().await.unwrap();
    assert_eq!(
        listed,
        json!([]),
        "another district's office sees nothing of ours"
    );
    let r = as_other(reqwest::Method::POST, &retry)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "out of scope is not found"
    );
}

#[tokio::test]
async fn a_webhook_that_redirects_elsewhere_gets_no_notice_passed_on() {
    let t = TestApp::spawn().await;
    let elsewhere = Counter::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stranger = serve_counter(listener, &elsewhere);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let redirect = Router::new().route(
        "/hook",
        post(move || {
            let to = stranger.clone();
            async move { axum::response::Redirect::temporary(&to) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, redirect).await.unwrap() });
    subscribe_walk_ins(&t, &format!("http://127.0.0.1:{port}/hook")).await;
    t.walk_in("路灯不亮").await;
    let client = minhu_app::notify_sender::http_client(&t.app.config).unwrap();
    minhu_app::notify_sender::send_due(&t.app, &client, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        elsewhere.total(),
        0,
        "the signed notice went where nobody subscribed"
    );
    let (_, failing) = t.get("admin", "/api/v1/deliveries?state=failing").await;
    assert!(
        failing[0]["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("307"),
        "a redirect is a failed delivery, shown to the office: {failing}"
    );
}
