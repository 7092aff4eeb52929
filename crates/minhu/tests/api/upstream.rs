//! Status back upstream: the endpoint of a channel (a webhook subscription with owner
//! `channel:NAME`) hears of the registration of every request that came in through it —
//! imported in bulk or POSTed by an Open311 client — and of each later step, through the
//! outbox and its retrying sender, to a real local HTTP receiver; importing the same file
//! again queues nothing.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::TestApp;

#[derive(Clone, Default)]
struct Received {
    bodies: Arc<Mutex<Vec<(String, Value)>>>,
}

/// The upstream platform's receiver: checks the signature, keeps (delivery id, body).
async fn receive(
    axum::extract::State(r): axum::extract::State<Received>,
    headers: HeaderMap,
    body: String,
) -> &'static str {
    let sig = headers
        .get("x-minhu-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut mac = Hmac::<Sha256>::new_from_slice(b"upstream-secret").unwrap();
    mac.update(body.as_bytes());
    assert_eq!(
        sig,
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    );
    let delivery = headers
        .get("x-minhu-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    r.bodies
        .lock()
        .unwrap()
        .push((delivery, serde_json::from_str(&body).unwrap()));
    "ok"
}

/// A receiver on a free local port; returns its URL.
async fn receiver(received: &Received) -> String {
    let app = Router::new()
        .route("/status", post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://127.0.0.1:{port}/status")
}

async fn subscribe(t: &TestApp, channel: &str, target: &str) {
    let (s, v) = t
        .post(
            "admin",
            "/api/v1/subscriptions",
            json!({"owner": format!("channel:{channel}"), "channel": "webhook", "target": target, "secret": "upstream-secret"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

/// Drains the outbox as the server's sender does; returns how many were delivered.
async fn send(t: &TestApp) -> usize {
    let client = reqwest::Client::new();
    minhu_web::notify::send_due(&t.app, &client, Utc::now() + Duration::minutes(1))
        .await
        .unwrap()
}

async fn import_csv(t: &TestApp, csv: &str) -> Value {
    let resp = t
        .client
        .post(format!(
            "{}/api/v1/import?channel=hotline_12345&format=csv",
            t.base
        ))
        .bearer_auth(t.token("admin"))
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

const EXPORT: &str = "工单编号,受理时间,诉求类型,诉求内容,辖区\n\
U-1,2026-06-01 08:30:00,投诉,德馨苑3号楼门口路灯不亮,DXY-G03\n\
U-2,2026-06-01 09:00:00,求助,下水道堵塞外溢,DXY-G03\n\
U-3,2026-06-01 09:30:00,建议,希望增设休息座椅,DXY\n";

#[tokio::test]
async fn imported_requests_report_registration_and_each_step_back_upstream_once() {
    let t = TestApp::spawn().await;
    let received = Received::default();
    let url = receiver(&received).await;
    subscribe(&t, "hotline_12345", &url).await;
    // Another channel's endpoint hears nothing of these.
    subscribe(&t, "mayor_mailbox", &format!("{url}?mayor")).await;

    let r = import_csv(&t, EXPORT).await;
    assert_eq!(r["imported"], 3, "{r}");
    assert_eq!(
        send(&t).await,
        3,
        "one registration notice per imported row"
    );
    let got = received.bodies.lock().unwrap().clone();
    let mut by_upstream: Vec<(String, i64, String)> = got
        .iter()
        .map(|(_, b)| {
            assert_eq!(b["event"]["action"], "register", "{b}");
            assert_eq!(b["request"]["channel"], "hotline_12345");
            assert_eq!(b["request"]["state"], "registered");
            assert!(b["request"]["code"].as_str().is_some_and(|c| c.len() == 12));
            assert!(
                !b.to_string().contains("requester"),
                "no personal data upstream"
            );
            (
                b["request"]["external_id"].as_str().unwrap().to_string(),
                b["request"]["id"].as_i64().unwrap(),
                b["request"]["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    by_upstream.sort();
    assert_eq!(
        by_upstream.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
        ["U-1", "U-2", "U-3"]
    );
    // The notice names the request the tracking view knows.
    let (id, code) = (by_upstream[0].1, by_upstream[0].2.clone());
    let (s, v) = t.get("dxy_staff", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["code"], code.as_str(), "{v}");

    // Screening and dispatch of one of them: each step goes upstream, in order.
    t.step("dxy_staff", id, "accept", json!({})).await;
    t.step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    assert_eq!(send(&t).await, 2);
    let got = received.bodies.lock().unwrap().clone();
    let later: Vec<(&str, &str)> = got[3..]
        .iter()
        .map(|(_, b)| {
            (
                b["event"]["action"].as_str().unwrap(),
                b["request"]["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        later,
        [("accept", "pending_dispatch"), ("dispatch", "dispatched")]
    );
    assert!(got[3..].iter().all(|(_, b)| b["request"]["id"] == id));
    assert_eq!(got[4].1["request"]["lead_unit"], "DXY-WY");

    // The same file again: nothing imported, nothing queued, nothing sent.
    let again = import_csv(&t, EXPORT).await;
    assert_eq!(
        (again["imported"].clone(), again["already_imported"].clone()),
        (json!(0), json!(3)),
        "{again}"
    );
    assert_eq!(send(&t).await, 0);
    let got = received.bodies.lock().unwrap().clone();
    assert_eq!(got.len(), 5);
    assert!(
        got.iter().all(|(_, b)| !b.to_string().contains("mayor")),
        "the mayor's mailbox endpoint heard nothing"
    );
    let deliveries: std::collections::HashSet<&String> = got.iter().map(|(d, _)| d).collect();
    assert_eq!(deliveries.len(), 5, "distinct delivery ids");
    let (_, queued) = t
        .get("dxy_staff", &format!("/api/v1/requests/{id}/notifications"))
        .await;
    assert_eq!(queued.as_array().unwrap().len(), 3, "{queued}");
}

#[tokio::test]
async fn an_endpoint_that_is_down_gets_the_registration_later() {
    let t = TestApp::spawn().await;
    // Reserve a port but do not listen yet.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    subscribe(
        &t,
        "hotline_12345",
        &format!("http://127.0.0.1:{port}/status"),
    )
    .await;
    let r = import_csv(&t, EXPORT).await;
    assert_eq!(r["imported"], 3, "{r}");
    assert_eq!(send(&t).await, 0, "down: nothing delivered, all kept");

    let received = Received::default();
    let app = Router::new()
        .route("/status", post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::new();
    let mut delivered = 0;
    for round in 1..=4 {
        delivered += minhu_web::notify::send_due(
            &t.app,
            &client,
            Utc::now() + Duration::minutes(10 * round),
        )
        .await
        .unwrap();
    }
    assert_eq!(delivered, 3);
    assert_eq!(received.bodies.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn an_open311_client_hears_of_its_requests() {
    let t = TestApp::spawn().await;
    minhu_fixtures::demo::seed_catalogue(&t.app.store)
        .await
        .unwrap();
    let key = minhu_open311::issue_key(&t.app.store, "fixmystreet")
        .await
        .unwrap();
    let received = Received::default();
    let url = receiver(&received).await;
    subscribe(&t, "open311", &url).await;
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("api_key", key.as_str()),
            ("service_code", "SZ-LD"),
            ("address_string", "德馨苑8号楼"),
            ("attribute[fault]", "dark"),
            ("description", "路灯不亮"),
            ("jurisdiction_id", "DXY-G03"),
        ])
        .finish();
    let resp = t
        .client
        .post(format!("{}/open311/v2/requests.json", t.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let code = v[0]["service_request_id"].as_str().unwrap().to_string();
    assert_eq!(send(&t).await, 1);
    let got = received.bodies.lock().unwrap().clone();
    assert_eq!(got[0].1["event"]["action"], "register");
    assert_eq!(got[0].1["request"]["code"], code.as_str());
    assert_eq!(got[0].1["request"]["channel"], "open311");
    let id = got[0].1["request"]["id"].as_i64().unwrap();
    t.step("dxy_staff", id, "accept", json!({})).await;
    assert_eq!(send(&t).await, 1);
    assert_eq!(
        received.bodies.lock().unwrap()[1].1["event"]["action"],
        "accept"
    );
}
