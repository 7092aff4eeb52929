//! The four gaps the first cut of action items left, over real HTTP on both backends: the
//! register in English, the district office (区综合办公室, unit `ZHB`) issuing and
//! verifying, the owner unit told of the issue and each rung exactly once with two servers
//! sweeping, and the evidence photos served to staff in scope only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::post;
use base64::Engine;
use chrono::{Duration, Utc};
use minhu_domain::time::{local_date, start_of_local_day};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, actions};
use crate::pages::{PASSWORD, Visitor, with_passwords};

/// A staff page fetched with the person's session, in `lang` when given.
async fn page(t: &TestApp, who: &str, path: &str, lang: Option<&str>) -> reqwest::Response {
    with_passwords(t, &[who]).await;
    let mut v = Visitor::new(t);
    v.login(who, PASSWORD).await;
    let mut r = t
        .client
        .get(format!("{}{path}", t.base))
        .header("cookie", v.cookie_header());
    if let Some(l) = lang {
        r = r.header("accept-language", l);
    }
    r.send().await.unwrap()
}

async fn issue(t: &TestApp, who: &str, owner: &str, working_days: u32) -> Value {
    let (s, v) = t
        .post(
            who,
            "/api/v1/action-items",
            json!({"source_kind": "meeting_decision", "source_id": 3, "title": "楼层过道窗户加装封闭",
                   "owner": owner, "working_days": working_days}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

async fn step(t: &TestApp, who: &str, id: i64, step: &str, body: Value) -> (StatusCode, Value) {
    t.post(who, &format!("/api/v1/action-items/{id}/{step}"), body)
        .await
}

#[tokio::test]
async fn the_register_reads_in_english_and_exports_english_headers() {
    let t = TestApp::spawn().await;
    let id = issue(&t, "dxy_staff", "DXY-WY", 5).await["id"]
        .as_i64()
        .unwrap();
    let html = page(&t, "dxy_staff", "/staff/action-items", Some("en"))
        .await
        .text()
        .await
        .unwrap();
    for heading in [
        "Action item register",
        "Owner unit",
        "Issued by",
        "Print (A4)",
    ] {
        assert!(html.contains(heading), "{heading}: {html}");
    }
    assert!(html.contains(">open<"), "the state in English: {html}");
    assert!(
        !html.contains("主办单位") && !html.contains("待办"),
        "{html}"
    );
    let item = page(
        &t,
        "dxy_staff",
        &format!("/staff/action-items/{id}"),
        Some("en"),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        item.contains("History") && item.contains("issued"),
        "{item}"
    );
    let print = page(&t, "dxy_staff", "/staff/action-items/print", Some("en"))
        .await
        .text()
        .await
        .unwrap();
    assert!(print.contains("Action item close-out register"), "{print}");
    // Chinese stays the default, as the paper register is.
    let zh = page(&t, "dxy_staff", "/staff/action-items", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        zh.contains("督办事项台账") && zh.contains("主办单位"),
        "{zh}"
    );

    let r = page(&t, "dxy_staff", "/staff/action-items.xlsx", Some("en")).await;
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range("Action items").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    let headers: Vec<String> = rows[1].iter().map(|c| c.to_string()).collect();
    assert_eq!(headers[..3], ["No.", "Action item", "Source"]);
    assert_eq!(rows[2][2].to_string(), "joint-meeting decision");
    assert_eq!(rows[2][7].to_string(), "open");
}

#[tokio::test]
async fn the_district_office_issues_to_a_street_and_verifies() {
    let t = TestApp::spawn().await;
    let v = issue(&t, "admin", "YB", 5).await;
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["issued_by"], "ZHB", "the district office's own unit: {v}");
    // The street office works it; the district office strikes it off.
    let (s, v) = step(
        &t,
        "yb_street",
        id,
        "progress",
        json!({"note": "已召开专题会"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = step(
        &t,
        "yb_street",
        id,
        "claim-done",
        json!({"note": "已完成", "evidence": [{"kind": "document", "reference": "验收单"}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = step(&t, "dxy_staff", id, "verify", json!({})).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a community does not see the street's item"
    );
    let (s, _) = step(&t, "yb_street", id, "verify", json!({})).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the owner cannot strike off its own work"
    );
    let (s, v) = step(&t, "admin", id, "verify", json!({"note": "已核实"})).await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("verified")),
        "{v}"
    );
    assert_eq!(actions(&v), ["issue", "progress", "claim_done", "verify"]);
    // The district's register lists it.
    let (_, list) = t.get("admin", "/api/v1/action-items?issued_by=ZHB").await;
    assert!(
        list.as_array().unwrap().iter().any(|l| l["id"] == id),
        "{list}"
    );
}

/// A webhook receiver keeping every body it is sent.
#[derive(Clone, Default)]
struct Inbox {
    bodies: Arc<Mutex<Vec<Value>>>,
}

async fn receive(
    axum::extract::State(i): axum::extract::State<Inbox>,
    body: String,
) -> &'static str {
    i.bodies
        .lock()
        .unwrap()
        .push(serde_json::from_str(&body).unwrap());
    "ok"
}

async fn serve_inbox(inbox: &Inbox) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(inbox.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://127.0.0.1:{port}/hook")
}

#[tokio::test]
async fn the_owner_unit_is_told_of_the_issue_and_each_rung_once() {
    let t = TestApp::spawn().await;
    let inbox = Inbox::default();
    let url = serve_inbox(&inbox).await;
    for (owner, channel, target) in [
        ("DXY-WY", "webhook", url.as_str()),
        ("DXY-WY", "email", "wuye@example.cn"),
        ("DXY-GZF", "webhook", url.as_str()),
    ] {
        let (s, v) = t
            .post(
                "admin",
                "/api/v1/subscriptions",
                json!({"owner": owner, "channel": channel, "target": target}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let id = issue(&t, "dxy_staff", "DXY-WY", 2).await["id"]
        .as_i64()
        .unwrap();
    let queued = |t: &TestApp| {
        let store = t.app.store.clone();
        async move { store.outbox_for_subject("action_item", id).await.unwrap() }
    };
    let rows = queued(&t).await;
    assert_eq!(
        rows.len(),
        2,
        "the owner's webhook and e-mail, not another unit's"
    );
    assert!(
        rows.iter()
            .all(|m| m.request_id.is_none() && m.event_seq == 1)
    );
    // A step of the owner's own tells nobody.
    step(
        &t,
        "h_dxy_wy",
        id,
        "progress",
        json!({"note": "已订购窗扇"}),
    )
    .await;
    assert_eq!(queued(&t).await.len(), 2);

    // Two servers sweep at once, past the bulletin day: the notice and the bulletin (the
    // reminder's time has gone) are queued once each, with the 文号 in the notice.
    let other = TestApp::start(&t.db_url).await;
    let cal = t.app.calendar();
    let due = local_date(cal.working_days_deadline(t.app.now(), 2));
    let late = start_of_local_day(cal.add_working_days(due, 6)) + Duration::hours(12);
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            minhu_web::service::sweep(&t.app, late),
            minhu_web::service::sweep(&other.app, late)
        );
        a.unwrap();
        b.unwrap();
    }
    let rows = queued(&t).await;
    let actions: Vec<(String, String)> = rows
        .iter()
        .map(|m| {
            (
                m.channel.clone(),
                m.payload.0["event"]["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("webhook", "action_item.issue"),
            ("email", "action_item.issue"),
            ("webhook", "action_item.supervise"),
            ("email", "action_item.supervise"),
            ("webhook", "action_item.bulletin"),
            ("email", "action_item.bulletin"),
        ]
        .map(|(c, a)| (c.to_string(), a.to_string())),
    );
    let notice = &rows[3].payload.0;
    assert!(
        notice["text"].as_str().unwrap().contains("德馨苑督字第1号"),
        "{notice}"
    );

    // The sender delivers the webhooks, each once.
    let client = reqwest::Client::new();
    for _ in 0..6 {
        minhu_app::notify_sender::send_due(&t.app, &client, Utc::now() + Duration::seconds(1))
            .await
            .unwrap();
        if inbox.bodies.lock().unwrap().len() >= 3 {
            break;
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let got: Vec<String> = inbox
        .bodies
        .lock()
        .unwrap()
        .iter()
        .map(|b| b["event"]["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        got,
        [
            "action_item.issue",
            "action_item.supervise",
            "action_item.bulletin"
        ],
        "in order, once each"
    );
    let webhooks = queued(&t).await;
    assert!(
        webhooks
            .iter()
            .filter(|m| m.channel == "webhook")
            .all(|m| m.delivered_at.is_some())
    );
}

#[tokio::test]
async fn evidence_photos_are_served_to_staff_in_scope() {
    let t = TestApp::spawn().await;
    let id = issue(&t, "dxy_staff", "DXY-WY", 5).await["id"]
        .as_i64()
        .unwrap();
    let jpeg = crate::pages::jpeg_with_gps();
    let data = base64::engine::general_purpose::STANDARD.encode(&jpeg);
    let (s, v) = step(
        &t,
        "h_dxy_wy",
        id,
        "progress",
        json!({"note": "已订购窗扇", "photos": [{"name": "现场.jpg", "data": data}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let hash = v["events"][1]["data"]["evidence"][0]["reference"]
        .as_str()
        .unwrap()
        .to_string();
    let href = format!("/staff/action-items/{id}/photos/{hash}");
    let item = page(&t, "dxy_staff", &format!("/staff/action-items/{id}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        item.contains(&href),
        "the item page links its photo: {item}"
    );

    let r = page(&t, "dxy_staff", &href, None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8]), "a JPEG");
    assert!(
        !bytes.windows(4).any(|w| w == b"Exif"),
        "served as cleaned, no EXIF"
    );
    let r = page(&t, "yb_street", &href, None).await;
    assert_eq!(r.status(), StatusCode::OK, "the street above sees it");
    for outsider in ["ybsq_staff", "dxy_g3"] {
        let r = page(&t, outsider, &href, None).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{outsider}");
    }
    // A photo the item does not cite is not served through it.
    let other = format!("/staff/action-items/{id}/photos/{}", "0".repeat(64));
    assert_eq!(
        page(&t, "dxy_staff", &other, None).await.status(),
        StatusCode::NOT_FOUND
    );
}
