//! Bad input gets the right status, names the field, and leaves nothing behind.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn intake_raw(
    t: &TestApp,
    who: Option<&str>,
    body: &str,
    content_type: &str,
    lang: &str,
) -> (StatusCode, Value) {
    let mut rb = t
        .client
        .post(format!("{}/api/v1/requests", t.base))
        .header("content-type", content_type)
        .header("accept-language", lang)
        .body(body.to_string());
    if let Some(w) = who {
        rb = rb.bearer_auth(t.token(w));
    }
    let resp = rb.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn bad_intakes_are_refused_precisely_and_store_nothing() {
    let t = TestApp::spawn().await;
    let ok = json!({"channel": "walk_in", "type": "complaint", "content": "路灯不亮", "jurisdiction": "DXY"});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            with("content", json!("")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "content",
        ),
        (
            with("content", json!("   ")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "content",
        ),
        (
            with("content", json!("灯".repeat(5001))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "content",
        ),
        (
            with("content", json!(42)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "content",
        ),
        (
            with("channel", json!("fax")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "channel",
        ),
        (
            with("channel", Value::Null),
            StatusCode::UNPROCESSABLE_ENTITY,
            "channel",
        ),
        (
            with("type", json!("gossip")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "type",
        ),
        (
            with("requester", json!({"name": "李四", "phone": "12345"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "requester.phone",
        ),
        (
            with("requester", json!({"phone": "1381234567"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "requester.phone",
        ),
        (
            with("jurisdiction", json!("NOWHERE")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "jurisdiction",
        ),
        (
            with("lat", json!(200.0)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lat",
        ),
        (
            with("lat", json!(34.7)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lon",
        ),
        (
            with("confidential", json!("yes")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "confidential",
        ),
    ];
    for (body, status, field) in cases {
        let (s, v) = t.post("dxy_staff", "/api/v1/requests", body.clone()).await;
        assert_eq!(s, status, "{body} → {v}");
        assert_eq!(v["error"]["field"], field, "{v}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }

    // Malformed JSON: 400, in Chinese by default and English on request.
    let (s, v) = intake_raw(
        &t,
        Some("dxy_staff"),
        "{\"channel\": \"walk_in\", ",
        "application/json",
        "zh-CN",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "malformed_json");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("JSON 格式错误")
    );
    let (_, v) = intake_raw(
        &t,
        Some("dxy_staff"),
        "[1,",
        "application/json",
        "en-US,en;q=0.9",
    )
    .await;
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("malformed JSON"),
        "{v}"
    );
    let (s, _) = intake_raw(
        &t,
        Some("dxy_staff"),
        "content=x",
        "application/x-www-form-urlencoded",
        "zh",
    )
    .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Over the size limit: 413 before anything is parsed.
    let huge = json!({"channel": "walk_in", "content": "长".repeat(30_000), "jurisdiction": "DXY"})
        .to_string();
    let (s, v) = intake_raw(&t, Some("dxy_staff"), &huge, "application/json", "zh").await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(v["error"]["code"], "payload_too_large");
    // No token, a wrong token: 401.
    let (s, v) = intake_raw(&t, None, &ok.to_string(), "application/json", "zh").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["code"], "unauthorized");
    let resp = t
        .client
        .post(format!("{}/api/v1/requests", t.base))
        .bearer_auth("mh_not_a_token")
        .json(&ok)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    assert_eq!(
        t.count().await,
        0,
        "nothing half-written after refused requests"
    );

    // Bad action bodies are refused the same way and leave no event.
    let id = t.walk_in("井盖破损").await;
    let (s, v) = t
        .act("dxy_staff", id, "reject", json!({"reason_code": "three"}))
        .await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("reason_code"))
    );
    t.step("dxy_staff", id, "accept", json!({})).await;
    let (s, v) = t
        .act("dxy_staff", id, "dispatch", json!({"unit": "NO-SUCH-UNIT"}))
        .await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("unit"))
    );
    let (s, v) = t
        .act(
            "dxy_staff",
            id,
            "dispatch",
            json!({"unit": "DXY-WY", "urgency": "asap"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("urgency"))
    );
    let (s, v) = t.act("dxy_staff", id, "fly", json!({})).await;
    assert_eq!(
        (s, v["error"]["code"].clone()),
        (StatusCode::NOT_FOUND, json!("unknown_action"))
    );
    let (s, _) = t.act("dxy_staff", 999_999, "accept", json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, r) = t.get("dxy_staff", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(
        r["events"].as_array().unwrap().len(),
        2,
        "only register and accept"
    );

    // Query parameters are checked too.
    let (s, v) = t.get("dxy_staff", "/api/v1/requests?state=lost").await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("state"))
    );
    let (s, v) = t.get("dxy_staff", "/api/v1/requests?page_size=1000").await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("page_size"))
    );
    let (s, _) = t
        .call(
            None,
            reqwest::Method::GET,
            "/api/v1/track/000000000000",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
