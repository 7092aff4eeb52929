//! Deadlines that act: the monitor warns, urges and escalates by itself; the catalogue
//! suggests the unit; transfer, co-handling and the whistle; notifications reach a real
//! webhook receiver, retried while it is down, once each, in order.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{TestApp, actions};

fn at(v: &Value, key: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v[key].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn a_lapsed_community_request_climbs_to_the_street_by_itself() {
    let t = TestApp::spawn().await;
    let id = t.walk_in("楼道灯坏了").await;
    t.step("dxy_staff", id, "accept", json!({})).await;
    let r = t
        .step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    let deadline = at(&r, "deadline");
    t.step("h_dxy_wy", id, "sign", json!({})).await;

    // Before the yellow time: nothing to do.
    let early = at(&r["events"][2], "at") + Duration::minutes(1);
    let rep = minhu_web::service::sweep(&t.app, early).await.unwrap();
    assert_eq!(
        (rep.warned_yellow, rep.warned_red, rep.escalated),
        (0, 0, 0)
    );

    // In the last quarter: a yellow warning, no urging for an ordinary item.
    let yellow = deadline - Duration::hours(1);
    let rep = minhu_web::service::sweep(&t.app, yellow).await.unwrap();
    assert_eq!((rep.warned_yellow, rep.urged, rep.escalated), (1, 0, 0));
    let (_, r) = t.get("dxy_staff", &format!("/api/v1/requests/{id}")).await;
    let last = r["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["data"]["level"].as_str()),
        (Some("warn"), Some("yellow"))
    );
    assert_eq!(r["state"], "in_progress", "a yellow light changes no state");

    // Past the deadline (the sweep run with --at): red, urged, escalated to the street.
    let late = deadline + Duration::hours(2);
    let rep = minhu_web::service::sweep(&t.app, late).await.unwrap();
    assert_eq!(
        (rep.warned_red, rep.urged, rep.escalated),
        (1, 1, 1),
        "{rep:?}"
    );
    let (_, r) = t.get("yb_street", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(r["state"], "pending_dispatch");
    assert_eq!(r["tier"], "street");
    assert_eq!(r["urge_count"], 1);
    assert_eq!(
        actions(&r),
        [
            "register", "accept", "dispatch", "sign", "warn", "warn", "urge", "escalate"
        ]
    );
    let system: Vec<&Value> = r["events"].as_array().unwrap().iter().skip(4).collect();
    assert!(
        system
            .iter()
            .all(|e| e["actor"] == "system" && e["role"] == "system"),
        "the monitor acts as the system"
    );
    assert_eq!(system[3]["data"]["from"], "community");
    assert_eq!(system[3]["data"]["to"], "street");
    let (_, queue) = t
        .get("yb_street", "/api/v1/requests?state=pending_dispatch")
        .await;
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id && i["tier"] == "street"),
        "in the street's dispatch queue"
    );

    // A second sweep changes nothing.
    let rep = minhu_web::service::sweep(&t.app, late).await.unwrap();
    assert_eq!(
        rep,
        minhu_web::service::SweepReport {
            examined: 0,
            ..Default::default()
        }
    );
    let (_, again) = t.get("yb_street", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(again["events"], r["events"]);

    // The street dispatches; when that lapses too, it climbs to the district.
    let r = t
        .step("yb_street", id, "dispatch", json!({"unit": "YB"}))
        .await;
    let rep = minhu_web::service::sweep(&t.app, at(&r, "deadline") + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(rep.escalated, 1);
    let (_, r) = t.get("admin", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(r["tier"], "district");
    // At the district there is no tier above: red and urged, never escalated.
    let r = t
        .step("admin", id, "dispatch", json!({"unit": "ZJJ"}))
        .await;
    let far = at(&r, "deadline") + Duration::days(3);
    let rep = minhu_web::service::sweep(&t.app, far).await.unwrap();
    assert_eq!(
        (rep.warned_red, rep.urged, rep.escalated),
        (1, 1, 0),
        "{rep:?}"
    );
    let rep = minhu_web::service::sweep(&t.app, far + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(rep.warned_red + rep.urged + rep.escalated, 0);
}

#[tokio::test]
async fn key_items_are_urged_at_yellow_and_the_api_sweeps_too() {
    let t = TestApp::spawn().await;
    let id = t.walk_in("电梯困人隐患").await;
    t.step("dxy_staff", id, "accept", json!({})).await;
    let r = t
        .step(
            "dxy_staff",
            id,
            "dispatch",
            json!({"unit": "DXY-WY", "difficulty": "key"}),
        )
        .await;
    let yellow = at(&r, "deadline") - Duration::minutes(30);
    let (s, v) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/sla/sweep?at={}", urlencode(&yellow)),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, rep) = t
        .post(
            "admin",
            &format!("/api/v1/sla/sweep?at={}", urlencode(&yellow)),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{rep}");
    assert_eq!(
        (rep["warned_yellow"].as_i64(), rep["urged"].as_i64()),
        (Some(1), Some(1)),
        "重点件: tracked and urged"
    );
    let (_, r) = t.get("dxy_staff", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(r["urge_count"], 1);
    let (s, v) = t
        .post("admin", "/api/v1/sla/sweep?at=tomorrow", json!({}))
        .await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("at"))
    );
}

fn urlencode(t: &DateTime<Utc>) -> String {
    minhu_domain::time::rfc3339(*t).replace('+', "%2B")
}

#[tokio::test]
async fn the_catalogue_suggests_the_unit_with_a_fallback() {
    let t = TestApp::spawn().await;
    let (s, _) = t
        .post(
            "dxy_staff",
            "/api/v1/dispatch/rules",
            json!({"category": "物业管理", "jurisdiction": "DXY", "unit": "DXY-WY"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (category, jurisdiction, unit) in [
        ("", "SFQ", "ZHB"),
        ("物业管理", "DXY", "DXY-WY"),
        ("物业管理/房屋维修", "DXY", "DXY-GZF"),
        ("市政设施/照明", "SFQ", "SZYL"),
    ] {
        let (s, v) = t
            .post(
                "admin",
                "/api/v1/dispatch/rules",
                json!({"category": category, "jurisdiction": jurisdiction, "unit": unit}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, v) = t
        .post(
            "admin",
            "/api/v1/dispatch/rules",
            json!({"category": "x", "jurisdiction": "DXY", "unit": "NOPE"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("unit"))
    );
    let suggest =
        |c: &str, j: &str| format!("/api/v1/dispatch/suggest?category={}&jurisdiction={j}", c);
    let (_, v) = t
        .get("dxy_staff", &suggest("物业管理/房屋维修/漏水", "DXY-G02"))
        .await;
    assert_eq!(v["unit"], "DXY-GZF", "the longest category prefix wins");
    let (_, v) = t
        .get("dxy_staff", &suggest("物业管理/电梯/故障", "DXY-G02"))
        .await;
    assert_eq!(v["unit"], "DXY-WY");
    let (_, v) = t
        .get("dxy_staff", &suggest("物业管理/电梯/故障", "YBSQ"))
        .await;
    assert_eq!(
        v["unit"], "ZHB",
        "another community has no such rule: the district takes it (兜底)"
    );
    assert_eq!(v["fallback"], true);
    // Intake shows the suggestion; staff may still choose another unit.
    let (s, r) = t
        .post("dxy_staff", "/api/v1/requests", json!({"channel": "walk_in", "content": "楼顶漏水", "category": "物业管理/房屋维修/漏水", "jurisdiction": "DXY-G02"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(r["suggestion"]["unit"], "DXY-GZF");
    let id = r["id"].as_i64().unwrap();
    t.step("dxy_staff", id, "accept", json!({})).await;
    let r = t
        .step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    assert_eq!(r["lead_unit"], "DXY-WY");
    assert!(
        r.get("suggestion").is_none(),
        "no suggestion once dispatched"
    );
}

#[tokio::test]
async fn transfer_co_handling_and_the_whistle() {
    let t = TestApp::spawn().await;
    let id = t.walk_in("小区门口违章搭建").await;
    t.step("dxy_staff", id, "accept", json!({})).await;
    let first = t
        .step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    // 转办: to the public-housing station, with a fresh deadline; the old unit loses sight of it.
    let r = t
        .step(
            "dxy_staff",
            id,
            "transfer",
            json!({"unit": "DXY-GZF", "reason": "属公租房管理范围"}),
        )
        .await;
    assert_eq!(
        (r["state"].as_str(), r["lead_unit"].as_str()),
        (Some("dispatched"), Some("DXY-GZF"))
    );
    assert!(r["deadline"].as_str().unwrap() >= first["deadline"].as_str().unwrap());
    assert_eq!(
        t.get("h_dxy_wy", &format!("/api/v1/requests/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, _) = t
        .act(
            "dxy_staff",
            id,
            "transfer",
            json!({"unit": "CGJ", "reason": "城管"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the community cannot hand it to a district department"
    );
    // 加派: property management helps.
    let r = t
        .step(
            "dxy_staff",
            id,
            "add_co_units",
            json!({"units": ["DXY-WY"]}),
        )
        .await;
    assert_eq!(r["co_units"], json!(["DXY-WY"]));
    assert_eq!(
        t.get("h_dxy_wy", &format!("/api/v1/requests/{id}")).await.0,
        StatusCode::OK
    );
    t.step("h_dxy_gzf", id, "sign", json!({})).await;
    // 吹哨: the street summons the city-management bureau; only the street may whistle.
    assert_eq!(
        t.act("dxy_staff", id, "whistle", json!({"units": ["CGJ"]}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let r = t
        .step(
            "yb_street",
            id,
            "whistle",
            json!({"units": ["CGJ"], "note": "请城管执法局到场"}),
        )
        .await;
    assert_eq!(
        r["events"].as_array().unwrap().last().unwrap()["action"],
        "whistle"
    );
    let (s, seen) = t.get("h_cgj", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(s, StatusCode::OK, "a summoned unit sees the request");
    assert_eq!(seen["state"], "in_progress");
    let r = t.step("h_cgj", id, "arrive", json!({})).await;
    let arrival = r["events"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (arrival["action"].as_str(), arrival["data"]["unit"].as_str()),
        (Some("arrive"), Some("CGJ"))
    );
    assert!(
        arrival["at"].as_str().unwrap().ends_with("+08:00"),
        "arrival timestamped"
    );
    let (s, v) = t.act("h_cgj", id, "arrive", json!({})).await;
    assert_eq!(
        (s, v["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("already_arrived"))
    );
    assert_eq!(
        t.act("h_dxy_cd", id, "arrive", json!({})).await.0,
        StatusCode::NOT_FOUND,
        "not summoned: does not see it"
    );
    // The screening reasons are data, in Chinese.
    let (_, reasons) = t
        .call(
            None,
            reqwest::Method::GET,
            "/api/v1/screening/reasons",
            None,
        )
        .await;
    assert_eq!(reasons.as_array().unwrap().len(), 7);
    assert!(reasons[2]["reason"].as_str().unwrap().contains("110"));
}

#[derive(Clone, Default)]
struct Received {
    bodies: Arc<Mutex<Vec<(String, Value)>>>,
}

async fn receive(
    axum::extract::State(r): axum::extract::State<Received>,
    headers: HeaderMap,
    body: String,
) -> &'static str {
    let sig = headers
        .get("x-minhu-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
    mac.update(body.as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(sig, expected, "HMAC signature over the body");
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

#[tokio::test]
async fn webhooks_survive_a_receiver_that_is_down_delivered_once_in_order() {
    let t = TestApp::spawn().await;
    // Reserve a port for the receiver, but do not listen yet: it is "down".
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let (s, v) = t
        .post("admin", "/api/v1/subscriptions", json!({"owner": "DXY-WY", "channel": "webhook", "target": format!("http://127.0.0.1:{port}/hook"), "secret": "s3cret"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = t.walk_in("下水道堵塞").await;
    t.step("dxy_staff", id, "accept", json!({})).await;
    t.step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    t.step("yb_street", id, "urge", json!({"note": "请尽快"}))
        .await;
    t.step("admin", id, "supervise", json!({"note": "督办"}))
        .await;
    let (_, queued) = t
        .get("dxy_staff", &format!("/api/v1/requests/{id}/notifications"))
        .await;
    assert_eq!(
        queued.as_array().unwrap().len(),
        3,
        "dispatch, urge and supervise concern the unit: {queued}"
    );

    let client = reqwest::Client::new();
    // Down: every attempt fails and is rescheduled; nothing is lost.
    let sent = minhu_web::notify::send_due(&t.app, &client, Utc::now())
        .await
        .unwrap();
    assert_eq!(sent, 0);
    let (_, after_fail) = t
        .get("dxy_staff", &format!("/api/v1/requests/{id}/notifications"))
        .await;
    assert_eq!(after_fail[0]["attempts"], 1);
    assert!(after_fail[0]["last_error"].is_string());
    assert_eq!(
        after_fail[1]["attempts"], 0,
        "later messages wait behind the first (order per request)"
    );

    // The receiver comes up; the retries (after their back-off) deliver everything once.
    let received = Received::default();
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    for round in 0..4 {
        minhu_web::notify::send_due(
            &t.app,
            &client,
            Utc::now() + Duration::minutes(10 * (round + 1)),
        )
        .await
        .unwrap();
    }
    let got = received.bodies.lock().unwrap().clone();
    let actions: Vec<&str> = got
        .iter()
        .map(|(_, b)| b["event"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["dispatch", "urge", "supervise"],
        "in order, once each"
    );
    let ids: std::collections::HashSet<&String> = got.iter().map(|(d, _)| d).collect();
    assert_eq!(ids.len(), 3, "distinct delivery ids");
    assert_eq!(got[0].1["request"]["id"], id);
    assert!(
        !got.iter().any(|(_, b)| b.to_string().contains("requester")),
        "no personal data in webhooks"
    );
    let (_, done) = t
        .get("dxy_staff", &format!("/api/v1/requests/{id}/notifications"))
        .await;
    assert!(
        done.as_array()
            .unwrap()
            .iter()
            .all(|m| m["delivered_at"].is_string())
    );
    // Nothing more to send.
    assert_eq!(
        minhu_web::notify::send_due(&t.app, &client, Utc::now() + Duration::hours(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(received.bodies.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_point_or_a_known_address_resolves_to_its_grid() {
    let t = TestApp::spawn().await;
    let square = |w: f64| json!({"type": "Polygon", "coordinates": [[[w, 35.76], [w + 0.002, 35.76], [w + 0.002, 35.764], [w, 35.764], [w, 35.76]]]});
    for g in 0..3 {
        let (s, v) = t
            .call(
                Some("admin"),
                reqwest::Method::PUT,
                &format!("/api/v1/grids/DXY-G0{}/shape", g + 1),
                Some(square(115.025 + g as f64 * 0.002)),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = t
        .call(
            Some("admin"),
            reqwest::Method::PUT,
            "/api/v1/grids/DXY/shape",
            Some(square(115.0)),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("code")),
        "only grids have shapes"
    );
    let (s, v) = t
        .call(
            Some("admin"),
            reqwest::Method::PUT,
            "/api/v1/grids/DXY-G04/shape",
            Some(json!({"type": "Point", "coordinates": [1, 2]})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("shape"))
    );
    let (s, _) = t
        .post(
            "admin",
            "/api/v1/addresses",
            json!({"address": "德馨苑 6号楼", "jurisdiction": "DXY-G03"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    let intake = |extra: Value| {
        let mut b = json!({"channel": "walk_in", "content": "路灯不亮"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    // A WGS84 point inside grid 2.
    let (s, r) = t
        .post(
            "dxy_staff",
            "/api/v1/requests",
            intake(json!({"lat": 35.762, "lon": 115.028})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["jurisdiction"], "DXY-G02");
    // The same kind of point from a domestic map picker (GCJ-02): converted, then located.
    let (glat, glon) = minhu_domain::geo::wgs84_to_gcj02(35.762, 115.030);
    let (_, r) = t
        .post(
            "dxy_staff",
            "/api/v1/requests",
            intake(json!({"lat": glat, "lon": glon, "crs": "gcj02"})),
        )
        .await;
    assert_eq!(r["jurisdiction"], "DXY-G03");
    assert!(
        (r["lat"].as_f64().unwrap() - 35.762).abs() < 1e-5
            && (r["lon"].as_f64().unwrap() - 115.030).abs() < 1e-5,
        "stored as WGS84: {r}"
    );
    // A known building, written with a unit and a room number.
    let (_, r) = t
        .post(
            "dxy_staff",
            "/api/v1/requests",
            intake(json!({"address": "德馨苑6号楼2单元301"})),
        )
        .await;
    assert_eq!(r["jurisdiction"], "DXY-G03");
    // Nowhere known: the clerk's own community.
    let (_, r) = t
        .post(
            "dxy_staff",
            "/api/v1/requests",
            intake(json!({"lat": 30.0, "lon": 120.0})),
        )
        .await;
    assert_eq!(r["jurisdiction"], "DXY");
    let (s, v) = t
        .post(
            "dxy_staff",
            "/api/v1/requests",
            intake(json!({"lat": 35.7, "lon": 115.0, "crs": "bd09"})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("crs"))
    );
    let (_, v) = t
        .get("dxy_staff", "/api/v1/locate?lat=35.762&lon=115.026")
        .await;
    assert_eq!(
        (v["jurisdiction"].as_str(), v["community"]["name"].as_str()),
        (Some("DXY-G01"), Some("德馨苑社区"))
    );
}

#[tokio::test]
async fn the_requester_hears_by_sms_through_the_gateway() {
    let t = TestApp::spawn().await;
    let received = Received::default();
    let gateway = Router::new()
        .route("/sms", post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, gateway).await.unwrap() });
    // A server configured with an SMS gateway (MINHU_SMS_GATEWAY / MINHU_SMS_SECRET).
    let mut app = t.app.clone();
    app.config.sms_gateway = Some((format!("http://127.0.0.1:{port}/sms"), "s3cret".into()));
    let (s, r) = t
        .post("dxy_staff", "/api/v1/requests", json!({"channel": "station_hotline", "content": "井盖缺失", "requester": {"name": "王秀英", "phone": "13812345678"}, "jurisdiction": "DXY"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = r["id"].as_i64().unwrap();
    let code = r["code"].as_str().unwrap().to_string();
    let staff = minhu_domain::org::Actor::person(
        "dxy_staff",
        minhu_domain::org::Role::CommunityStaff,
        "DXY",
    );
    let step = |a: &str, b: Value| minhu_domain::lifecycle::Command::parse(a, &b).unwrap();
    minhu_web::service::perform(&app, id, &step("accept", json!({})), &staff)
        .await
        .unwrap();
    minhu_web::service::perform(
        &app,
        id,
        &step("dispatch", json!({"unit": "DXY-WY"})),
        &staff,
    )
    .await
    .unwrap();
    let sent = minhu_web::notify::send_due(
        &app,
        &reqwest::Client::new(),
        Utc::now() + Duration::seconds(1),
    )
    .await
    .unwrap();
    assert_eq!(sent, 2);
    let got = received.bodies.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].1["phone"], "13812345678");
    assert!(
        got[0].1["text"].as_str().unwrap().contains(&code),
        "acceptance names the tracking code"
    );
    assert!(
        got[1].1["text"]
            .as_str()
            .unwrap()
            .contains("德馨苑物业服务中心"),
        "dispatch names the unit"
    );
    // Staff see the message with the phone masked.
    let (_, list) = t
        .get("dxy_staff", &format!("/api/v1/requests/{id}/notifications"))
        .await;
    assert_eq!(list[0]["target"], "138****5678");
}

/// A minimal SMTP relay (enough of RFC 5321 for one client): records (recipient, message).
async fn smtp_relay() -> (u16, Arc<Mutex<Vec<(String, String)>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let store = mails.clone();
    tokio::spawn(async move {
        loop {
            let (sock, _) = listener.accept().await.unwrap();
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = sock.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 relay.test ESMTP\r\n").await.unwrap();
                let (mut rcpt, mut data, mut in_data) = (String::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            store
                                .lock()
                                .unwrap()
                                .push((rcpt.clone(), std::mem::take(&mut data)));
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let up = line.to_ascii_uppercase();
                    let reply: &[u8] = if up.starts_with("RCPT TO") {
                        rcpt = line.clone();
                        b"250 ok\r\n"
                    } else if up == "DATA" {
                        in_data = true;
                        b"354 end with .\r\n"
                    } else if up == "QUIT" {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 relay.test\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}

#[tokio::test]
async fn units_hear_by_email_through_an_smtp_relay() {
    let t = TestApp::spawn().await;
    let (port, mails) = smtp_relay().await;
    let mut app = t.app.clone();
    app.config.smtp = Some(minhu_web::notify::SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        from: "minhu@district.example".into(),
        ..Default::default()
    });
    let (s, v) = t
        .post(
            "admin",
            "/api/v1/subscriptions",
            json!({"owner": "DXY-WY", "channel": "email", "target": "not-an-address"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("target"))
    );
    let (s, _) = t.post("admin", "/api/v1/subscriptions", json!({"owner": "DXY-WY", "channel": "email", "target": "wuye@dxy.example", "actions": "dispatch,urge"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let id = t.walk_in("楼道堆放杂物").await;
    t.step("dxy_staff", id, "accept", json!({})).await;
    t.step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    t.step("admin", id, "supervise", json!({})).await; // not subscribed: no mail
    let sent = minhu_web::notify::send_due(
        &app,
        &reqwest::Client::new(),
        Utc::now() + Duration::seconds(1),
    )
    .await
    .unwrap();
    assert_eq!(sent, 1);
    let got = mails.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert!(got[0].0.contains("wuye@dxy.example"), "{}", got[0].0);
    assert!(
        got[0].1.contains("Subject:") && got[0].1.contains("From: minhu@district.example"),
        "{}",
        got[0].1
    );
    let (_, list) = t
        .get("dxy_staff", &format!("/api/v1/requests/{id}/notifications"))
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0]["delivered_at"].is_string());
}

/// Lapsed community requests, each dispatched and signed: their deadlines.
async fn lapsed_requests(t: &TestApp, n: usize) -> (Vec<i64>, DateTime<Utc>) {
    let mut ids = Vec::new();
    let mut latest = Utc::now();
    for i in 0..n {
        let id = t.walk_in(&format!("{i}号楼楼道灯坏了")).await;
        t.step("dxy_staff", id, "accept", json!({})).await;
        let r = t
            .step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
            .await;
        latest = latest.max(at(&r, "deadline"));
        t.step("h_dxy_wy", id, "sign", json!({})).await;
        ids.push(id);
    }
    (ids, latest)
}

#[tokio::test]
async fn a_sweep_as_of_the_future_writes_no_future_time_into_the_log() {
    let t = TestApp::spawn().await;
    let (ids, deadline) = lapsed_requests(&t, 1).await;
    let id = ids[0];
    let future = deadline + Duration::days(3);
    let rep = minhu_web::service::sweep(&t.app, future).await.unwrap();
    assert_eq!(rep.escalated, 1, "evaluated as of --at: {rep:?}");
    let after = Utc::now() + Duration::seconds(1);
    let (_, r) = t.get("admin", &format!("/api/v1/requests/{id}")).await;
    let events = r["events"].as_array().unwrap();
    assert_eq!(r["tier"], "street");
    for e in events {
        assert!(
            at(e, "at") <= after,
            "event {} stamped {} though it is {}",
            e["action"],
            e["at"],
            Utc::now()
        );
    }
    // The street takes it over at once: its own act is not refused as "before the last event".
    let (status, _) = t
        .act("yb_street", id, "dispatch", json!({"unit": "YB"}))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn sweeps_racing_on_two_servers_escalate_each_lapsed_request_once() {
    let t = TestApp::spawn().await;
    let other = TestApp::start(&t.db_url).await;
    let (ids, deadline) = lapsed_requests(&t, 12).await;
    let late = deadline + Duration::hours(2);
    let sweeps: Vec<_> = (0..6)
        .map(|i| {
            let app = if i % 2 == 0 {
                t.app.clone()
            } else {
                other.app.clone()
            };
            tokio::spawn(async move { minhu_web::service::sweep(&app, late).await })
        })
        .collect();
    let mut escalated = 0;
    for s in sweeps {
        let rep = s
            .await
            .unwrap()
            .expect("a racing sweep goes on, never aborts");
        escalated += rep.escalated;
    }
    assert_eq!(escalated, ids.len(), "escalations reported over all sweeps");
    for id in ids {
        let (_, r) = t.get("admin", &format!("/api/v1/requests/{id}")).await;
        let acts = actions(&r);
        let count = |a: &str| acts.iter().filter(|x| *x == a).count();
        assert_eq!(
            (count("escalate"), count("urge"), count("warn")),
            (1, 1, 1),
            "request {id}: {acts:?}"
        );
        assert_eq!(r["tier"], "street", "request {id} climbed one tier only");
    }
}

#[tokio::test]
async fn a_sweep_racing_the_units_replies_skips_them_and_goes_on() {
    let t = TestApp::spawn().await;
    let (ids, deadline) = lapsed_requests(&t, 16).await;
    let late = deadline + Duration::hours(2);
    // The unit replies to half of them while the monitor sweeps all.
    let replies: Vec<_> = ids
        .iter()
        .step_by(2)
        .map(|&id| {
            let (base, token) = (t.base.clone(), t.token("h_dxy_wy").to_string());
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(format!("{base}/api/v1/requests/{id}/reply"))
                    .bearer_auth(token)
                    .json(&json!({"account": "已更换灯泡", "public_reply": "灯已换好", "solved": true}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let rep = minhu_web::service::sweep(&t.app, late)
        .await
        .expect("the sweep never aborts on a race");
    for r in replies {
        r.await.unwrap();
    }
    // Whatever was skipped, the next sweep takes up; no request is acted on twice.
    let again = minhu_web::service::sweep(&t.app, late).await.unwrap();
    assert_eq!(again.skipped, 0);
    assert!(rep.examined >= ids.len() / 2, "{rep:?}");
    for id in ids {
        let (_, r) = t.get("admin", &format!("/api/v1/requests/{id}")).await;
        let acts = actions(&r);
        assert!(
            acts.iter().filter(|a| *a == "escalate").count() <= 1,
            "{id}: {acts:?}"
        );
        let replied = acts.iter().any(|a| a == "reply");
        let escalated = acts.iter().any(|a| a == "escalate");
        assert!(replied || escalated, "request {id} left unswept: {acts:?}");
    }
}
