//! Rating from the tracking page needs the requester's rating key (评价码), tried as an
//! outsider would: the tracking code is public (the wall prints it), so a stranger holding it
//! must not be able to rate, close, or move a single 三率 figure; the key is given only to
//! the requester, never shown on a public or staff page; wrong guesses are limited per
//! request across servers; staff callbacks stay open.

use chrono::Utc;
use minhu_domain::intake::parse_intake;
use minhu_domain::org::{Actor, Role};
use minhu_domain::rating_key::RatingKey;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::pages::{PASSWORD, Visitor, by_id, receipt_next, with_passwords};

/// A resident's own web submission; returns (tracking code, rating key as shown).
async fn submit(t: &TestApp, phone: &str) -> (String, String) {
    let mut resident = Visitor::new(t);
    resident.get("/submit").await;
    let form = reqwest::multipart::Form::new()
        .text("_csrf", resident.csrf())
        .text(
            "content",
            "小区东门路灯坏了一个月，晚上很黑，老人出门不安全",
        )
        .text("type", "complaint")
        .text("jurisdiction", "DXY")
        .text("name", "王秀英")
        .text("phone", phone.to_string());
    let r = resident.post_multipart("/submit", form).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let no_store = r.headers.get("cache-control").and_then(|v| v.to_str().ok());
    assert_eq!(no_store, Some("no-store"), "the key's page is never cached");
    let code = by_id(&r.body, "tracking-code").to_string();
    let key = by_id(&r.body, "rating-key").to_string();
    assert!(RatingKey::parse(&key).is_some(), "{key}");
    assert_eq!(key.len(), 9, "two groups of four: {key}");
    (code, key)
}

async fn id_of(t: &TestApp, code: &str) -> i64 {
    let (_, v) = t
        .get("dxy_staff", &format!("/api/v1/requests?q={code}"))
        .await;
    v["items"][0]["id"].as_i64().unwrap()
}

/// Screened, dispatched, handled, replied and reviewed: awaiting the callback.
async fn to_pending_callback(t: &TestApp, id: i64) {
    t.step("dxy_staff", id, "accept", json!({})).await;
    t.step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    t.step("h_dxy_wy", id, "sign", json!({})).await;
    t.step(
        "h_dxy_wy",
        id,
        "reply",
        json!({"account": "更换灯具", "public_reply": "东门路灯已修复", "solved": true}),
    )
    .await;
    let r = t
        .step("dxy_staff", id, "review", json!({"pass": true}))
        .await;
    assert_eq!(r["state"], "pending_callback");
}

/// Everything a forged rating could move: the request's state and events, the 三率 of this
/// month at every level and the community's monthly report.
async fn figures(t: &TestApp, id: i64) -> Value {
    let month = Utc::now()
        .with_timezone(&minhu_domain::time::ZONE)
        .format("%Y-%m")
        .to_string();
    let (_, request) = t.get("admin", &format!("/api/v1/requests/{id}")).await;
    let mut out = json!({
        "state": request["state"],
        "events": request["events"],
        "callback": request["callback"],
    });
    for level in ["street", "community", "unit", "district"] {
        let (s, v) = t
            .get(
                "admin",
                &format!("/api/v1/evaluation?month={month}&level={level}"),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        out[level] = v["items"].clone();
    }
    let (s, v) = t
        .get(
            "admin",
            &format!("/api/v1/reports/monthly?month={month}&jurisdiction=DXY"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    out["monthly"] = json!([v["totals"], v["units"]]);
    out
}

/// A stranger posts a rating through the tracking page.
async fn stranger_rates(t: &TestApp, code: &str, key: Option<&str>) -> (StatusCode, String) {
    let mut v = Visitor::new(t);
    let page = v.get(&format!("/track/{code}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let mut fields = vec![("satisfaction", "unsatisfied"), ("comment", "根本没修")];
    if let Some(k) = key {
        fields.push(("rating_key", k));
    }
    let r = v.post(&format!("/track/{code}/rate"), &fields).await;
    (r.status, r.body)
}

/// The field a refused rating's page marks.
fn field(body: &str) -> &str {
    let at = body.find("data-field=\"").map(|i| i + 12).unwrap_or(0);
    body[at..].split('"').next().unwrap_or("")
}

/// A key that is well formed and not `key`.
fn other_key(key: &str, n: u8) -> String {
    let mut k = RatingKey::generate([n, 1, 2, 3, 4, 5, 6, 7]).grouped();
    if RatingKey::parse(&k) == RatingKey::parse(key) {
        k = RatingKey::generate([n, 9, 9, 9, 9, 9, 9, 9]).grouped();
    }
    k
}

#[tokio::test]
async fn a_stranger_with_the_public_code_changes_no_figure() {
    let t = TestApp::spawn().await;
    let (code, key) = submit(&t, "13812345678").await;
    let id = id_of(&t, &code).await;
    to_pending_callback(&t, id).await;
    // The code is public: the wall shows it.
    let wall = Visitor::new(&t).get("/wall?community=DXY").await;
    assert!(wall.body.contains(&code));
    // The tracking page asks for the key (in Chinese first) and never shows it.
    let page = Visitor::new(&t).get(&format!("/track/{code}")).await;
    assert!(page.body.contains("name=\"rating_key\""));
    assert!(page.body.contains(">评价码</label>"), "{}", page.body);
    assert!(!page.body.contains(&key));
    let english = Visitor::new(&t)
        .get(&format!("/track/{code}?lang=en"))
        .await;
    assert!(english.body.contains(">Rating key</label>"));
    let before = figures(&t, id).await;

    let (s, body) = stranger_rates(&t, &code, None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "no key: {body}");
    assert_eq!(field(&body), "rating_key");
    assert!(body.contains("请填写评价码"), "{body}");
    let (s, body) = stranger_rates(&t, &code, Some("12345")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "malformed: {body}");
    assert_eq!(field(&body), "rating_key");
    for n in 0..4 {
        let (s, body) = stranger_rates(&t, &code, Some(&other_key(&key, n))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "wrong key: {body}");
        assert_eq!(field(&body), "rating_key");
        assert!(body.contains("评价码不正确"), "{body}");
    }
    assert_eq!(figures(&t, id).await, before, "nothing was recorded");
    let track = Visitor::new(&t).get(&format!("/track/{code}")).await;
    assert_eq!(by_id(&track.body, "track-state"), "待回访");

    // The requester, with the key as they read it off the SMS (any case, no dash).
    let typed = key.replace('-', " ").to_lowercase();
    let mut resident = Visitor::new(&t);
    resident.get(&format!("/track/{code}")).await;
    let r = resident
        .post(
            &format!("/track/{code}/rate"),
            &[
                ("satisfaction", "basically_satisfied"),
                ("rating_key", &typed),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = figures(&t, id).await;
    assert_eq!(after["state"], "closed");
    assert_eq!(after["callback"]["satisfaction"], "basically_satisfied");
    assert_ne!(
        after["community"], before["community"],
        "a real rating counts"
    );
    // Once: the key is used up, and the stranger still cannot rate.
    let r = resident
        .post(
            &format!("/track/{code}/rate"),
            &[("satisfaction", "unsatisfied"), ("rating_key", &key)],
        )
        .await;
    assert!(
        !r.status.is_success() && !r.status.is_redirection(),
        "{}",
        r.status
    );
    let (s, _) = stranger_rates(&t, &code, Some(&key)).await;
    assert!(s.is_client_error(), "{s}");
    assert_eq!(figures(&t, id).await, after, "rated once");
}

#[tokio::test]
async fn wrong_keys_are_limited_per_request_on_every_server() {
    let t = TestApp::spawn().await;
    let second = TestApp::start(&t.db_url).await; // another server on the same database
    let (code, key) = submit(&t, "13812345678").await;
    let (other_code, other_key_shown) = submit(&t, "13900001111").await;
    let id = id_of(&t, &code).await;
    to_pending_callback(&t, id).await;
    let other = id_of(&t, &other_code).await;
    to_pending_callback(&t, other).await;
    let before = figures(&t, id).await;

    // Five guesses spread over two servers, then a sixth: refused without a comparison.
    for n in 0..5u8 {
        let server = if n % 2 == 0 { &t } else { &second };
        let (s, _) = stranger_rates(server, &code, Some(&other_key(&key, n))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, body) = stranger_rates(&second, &code, Some(&other_key(&key, 9))).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(field(&body), "rating_key");
    assert!(body.contains("请致电社区服务站"), "{body}");
    // Even the right key waits out the hour now (else the limit would tell it apart).
    let (s, _) = stranger_rates(&t, &code, Some(&key)).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(figures(&t, id).await, before, "nothing was recorded");

    // The limit is per request: the other resident still rates with their key.
    let mut resident = Visitor::new(&t);
    resident.get(&format!("/track/{other_code}")).await;
    let r = resident
        .post(
            &format!("/track/{other_code}/rate"),
            &[
                ("satisfaction", "satisfied"),
                ("rating_key", &other_key_shown),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Staff callbacks are untouched by the lock.
    let r = t
        .step("dxy_staff", id, "callback", json!({"reached": true, "contacted": true, "solved": true, "satisfaction": "satisfied"}))
        .await;
    assert_eq!(r["state"], "closed");
}

#[tokio::test]
async fn parallel_guesses_all_count() {
    let t = TestApp::spawn().await;
    let (code, key) = submit(&t, "13812345678").await;
    let id = id_of(&t, &code).await;
    to_pending_callback(&t, id).await;
    let before = figures(&t, id).await;
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..12u8 {
        let mut v = Visitor::new(&t);
        v.get(&format!("/track/{code}")).await;
        let (path, guess) = (format!("/track/{code}/rate"), other_key(&key, n));
        guesses.spawn(async move {
            let fields = [
                ("satisfaction", "unsatisfied"),
                ("rating_key", guess.as_str()),
            ];
            v.post(&path, &fields).await.status
        });
    }
    let got = guesses.join_all().await;
    let wrong = got.iter().filter(|s| **s == StatusCode::FORBIDDEN).count();
    let locked = got
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((wrong + locked, wrong <= 5), (12, true), "{got:?}");
    assert_eq!(figures(&t, id).await, before);
}

#[tokio::test]
async fn the_key_is_given_to_the_requester_only() {
    let t = TestApp::spawn().await;
    with_passwords(&t, &["dxy_staff"]).await;
    let (code, key) = submit(&t, "13812345678").await;
    let id = id_of(&t, &code).await;
    let bare = key.replace('-', "");
    let shows_key = |body: &str| body.contains(&key) || body.contains(&bare);

    // Nowhere public, nowhere for staff, not in the store in plain.
    let mut visitor = Visitor::new(&t);
    for path in [
        format!("/track/{code}"),
        "/wall?community=DXY".to_string(),
        "/open311/v2/requests.json".to_string(),
        format!("/open311/v2/requests/{code}.json"),
        format!("/api/v1/track/{code}"),
    ] {
        let r = visitor.get(&path).await;
        assert!(!shows_key(&r.body), "{path} shows the key");
    }
    let mut clerk = Visitor::new(&t);
    clerk.login("dxy_staff", PASSWORD).await;
    let page = clerk.get(&format!("/staff/requests/{id}?new=1")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !shows_key(&page.body),
        "the staff request page shows the key"
    );
    for path in [
        format!("/api/v1/requests/{id}"),
        format!("/api/v1/requests?q={code}"),
        format!("/api/v1/requests/{id}/notifications"),
    ] {
        let (_, v) = t.get("dxy_staff", &path).await;
        assert!(!shows_key(&v.to_string()), "{path} shows the key");
    }
    let today = Utc::now()
        .with_timezone(&minhu_domain::time::ZONE)
        .format("%Y-%m-%d");
    let export = t
        .client
        .get(format!(
            "{}/api/v1/ledger/daily?jurisdiction=DXY&date={today}&format=csv",
            t.base
        ))
        .bearer_auth(t.token("dxy_staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(export.contains(&code) && !shows_key(&export), "{export}");
    let stored = t.app.store.rating_key(id).await.unwrap().unwrap();
    assert_eq!(stored.key_hash.len(), 64);
    assert!(!stored.key_hash.contains(&bare));

    // The counter's receipt: the clerk reads it out or prints it; shown this once.
    let r = clerk
        .post(
            "/staff/intake",
            &[
                ("content", "楼上漏水到我家厨房"),
                ("channel", "walk_in"),
                ("type", "help"),
                ("jurisdiction", "DXY"),
                ("name", "李大爷"),
                ("phone", "13900001111"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let receipt_key = by_id(&r.body, "rating-key").to_string();
    assert!(RatingKey::parse(&receipt_key).is_some(), "{receipt_key}");
    assert!(r.body.contains("id=\"receipt-code\""));
    let next = receipt_next(&r.body);
    let page = clerk.get(&next).await;
    assert!(page.body.contains("id=\"created\""), "{next}");
    assert!(!page.body.contains(&receipt_key));

    // The API answer to the registering channel carries it; a repeat does not.
    let body = json!({"channel": "station_hotline", "external_id": "HL-77", "content": "井盖缺失", "jurisdiction": "DXY",
                      "requester": {"phone": "13700001234"}});
    let (s, v) = t.post("dxy_staff", "/api/v1/requests", body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(RatingKey::parse(v["rating_key"].as_str().unwrap()).is_some());
    let (s, again) = t.post("dxy_staff", "/api/v1/requests", body).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert!(again.get("rating_key").is_none(), "{again}");
    let (_, shown) = t
        .get("dxy_staff", &format!("/api/v1/requests/{}", v["id"]))
        .await;
    assert!(shown.get("rating_key").is_none());
}

#[tokio::test]
async fn the_sms_carries_the_key_until_it_is_used() {
    let t = TestApp::spawn().await;
    // A server configured with an SMS gateway registers a request with a phone.
    let mut app = t.app.clone();
    app.config.sms_gateway = Some(("http://127.0.0.1:9/sms".into(), "s3cret".into()));
    let now = Utc::now();
    let clerk = Actor::person("dxy_staff", Role::CommunityStaff, "DXY");
    let body = json!({"channel": "station_hotline", "type": "complaint", "content": "东门路灯坏了",
                      "jurisdiction": "DXY", "requester": {"name": "王秀英", "phone": "13812345678"}});
    let intake = parse_intake(
        &body,
        Some(&clerk),
        &app.org(),
        minhu_store::new_code(now),
        now,
    )
    .unwrap();
    let done = minhu_app::intake::register(&app, intake, &clerk)
        .await
        .unwrap();
    let key = done.rating_key.unwrap().grouped();
    let id = done.request.id;
    let code = done.request.intake.code.clone();
    let outbox = t.app.store.outbox_for_request(id).await.unwrap();
    let sms: Vec<_> = outbox.iter().filter(|m| m.channel == "sms").collect();
    assert_eq!(sms.len(), 1, "one SMS at intake");
    assert_eq!(sms[0].target, "13812345678");
    let text = sms[0].payload.0["text"].as_str().unwrap().to_string();
    assert!(text.contains(&code) && text.contains(&key), "{text}");

    to_pending_callback(&t, id).await;
    let mut resident = Visitor::new(&t);
    resident.get(&format!("/track/{code}")).await;
    let r = resident
        .post(
            &format!("/track/{code}/rate"),
            &[("satisfaction", "satisfied"), ("rating_key", &key)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let outbox = t.app.store.outbox_for_request(id).await.unwrap();
    let first = outbox.iter().find(|m| m.channel == "sms").unwrap();
    let text = first.payload.0["text"].as_str().unwrap();
    assert!(text.contains(&code) && !text.contains(&key), "{text}");
}

#[tokio::test]
async fn no_other_door_rates_as_the_requester() {
    let t = TestApp::spawn().await;
    let (code, _key) = submit(&t, "13812345678").await;
    let id = id_of(&t, &code).await;
    to_pending_callback(&t, id).await;
    let before = figures(&t, id).await;
    // The API has no "rate" action, for staff or anyone.
    for who in ["dxy_staff", "admin"] {
        let (s, v) = t
            .act(who, id, "rate", json!({"satisfaction": "unsatisfied"}))
            .await;
        assert!(s.is_client_error(), "{who}: {s} {v}");
    }
    let (s, _) = t
        .call(
            None,
            reqwest::Method::POST,
            &format!("/api/v1/requests/{id}/actions/rate"),
            Some(json!({"satisfaction": "unsatisfied"})),
        )
        .await;
    assert!(s.is_client_error(), "{s}");
    assert_eq!(figures(&t, id).await, before);
}

#[tokio::test]
async fn an_open311_client_gets_the_key_in_its_post_answer_only() {
    let t = TestApp::spawn().await;
    minhu_fixtures::demo::seed_catalogue(&t.app.store)
        .await
        .unwrap();
    let api_key = minhu_open311::issue_key(&t.app.store, "fixmystreet")
        .await
        .unwrap();
    let form = [
        ("api_key", api_key.as_str()),
        ("service_code", "CS-LJ"),
        ("address_string", "德馨苑6号楼"),
        ("description", "6号楼垃圾桶满了好几天没人清"),
        ("phone", "13812345678"),
    ];
    let r = t
        .client
        .post(format!("{}/open311/v2/requests.json", t.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    let code = v[0]["service_request_id"].as_str().unwrap().to_string();
    let key = v[0]["rating_key"].as_str().unwrap().to_string();
    assert!(RatingKey::parse(&key).is_some(), "{v}");
    for path in [
        format!("/open311/v2/requests/{code}.json"),
        "/open311/v2/requests.json".to_string(),
        format!("/open311/v2/requests/{code}.xml"),
    ] {
        let body = t
            .client
            .get(format!("{}{path}", t.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains(&code), "{path}: {body}");
        assert!(
            !body.contains(&key) && !body.contains("rating_key"),
            "{path}"
        );
    }
}
