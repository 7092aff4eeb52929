//! People see and act only within their scope: outside it a request does not exist (404);
//! inside it, a step their role may not take is forbidden (403).

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn scope_hides_and_roles_forbid() {
    let t = TestApp::spawn().await;
    let id = t.walk_in("电梯经常故障").await;
    let path = format!("/api/v1/requests/{id}");

    // Another community's clerk: it does not exist for them.
    assert_eq!(t.get("ybsq_staff", &path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        t.act("ybsq_staff", id, "accept", json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    // Another street too; its own street and the district see it.
    assert_eq!(t.get("xy_street", &path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(t.get("yb_street", &path).await.0, StatusCode::OK);
    assert_eq!(t.get("auditor", &path).await.0, StatusCode::OK);
    // A unit sees only what was dispatched to it.
    assert_eq!(t.get("h_dxy_wy", &path).await.0, StatusCode::NOT_FOUND);

    // Inside the scope but the wrong role.
    let (s, v) = t.act("auditor", id, "accept", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(
        t.act("dxy_g3", id, "accept", json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    t.step("dxy_staff", id, "accept", json!({})).await;
    t.step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    assert_eq!(t.get("h_dxy_wy", &path).await.0, StatusCode::OK);
    assert_eq!(
        t.act("h_dxy_cd", id, "sign", json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.act("dxy_staff", id, "sign", json!({})).await.0,
        StatusCode::FORBIDDEN,
        "the clerk is not the property company"
    );
    assert_eq!(
        t.act("ybsq_staff", id, "urge", json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    let r = t
        .step("yb_street", id, "urge", json!({"note": "请尽快处理"}))
        .await;
    assert_eq!(r["urge_count"], 1);
    let r = t
        .step("admin", id, "supervise", json!({"note": "区综合办督办"}))
        .await;
    assert_eq!(r["supervise_count"], 1);
    assert_eq!(
        t.act("dxy_staff", id, "supervise", json!({})).await.0,
        StatusCode::FORBIDDEN
    );

    // Queues are bounded by scope.
    let (_, mine) = t.get("ybsq_staff", "/api/v1/requests").await;
    assert_eq!(mine["total"], 0);
    let (s, _) = t
        .get("ybsq_staff", "/api/v1/requests?jurisdiction=DXY")
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, unit) = t.get("h_dxy_wy", "/api/v1/requests").await;
    assert_eq!(unit["total"], 1);
    let (s, _) = t.get("h_dxy_wy", "/api/v1/requests?unit=CGJ").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Intake outside one's own area is refused.
    let (s, v) = t
        .post(
            "ybsq_staff",
            "/api/v1/requests",
            json!({"channel": "walk_in", "content": "路灯不亮", "jurisdiction": "DXY"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["field"], "jurisdiction");
    let (s, _) = t
        .post(
            "h_dxy_wy",
            "/api/v1/requests",
            json!({"channel": "walk_in", "content": "路灯不亮", "jurisdiction": "DXY"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// A repeat of another request's upstream id (channel, external_id) answers the stored
/// request only to someone who may read it; another community's clerk gets a 409 naming
/// the field and nothing of the request (issue 08: it used to return it in full).
#[tokio::test]
async fn a_repeated_external_id_shows_nothing_outside_the_scope() {
    let t = TestApp::spawn().await;
    let first = json!({"channel": "station_hotline", "type": "complaint", "content": "举报楼长挪用维修基金", "jurisdiction": "DXY-G03", "confidential": true, "external_id": "H-77", "requester": {"name": "李四", "phone": "13900002222"}});
    let (s, v) = t.post("dxy_staff", "/api/v1/requests", first).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let code = v["code"].as_str().unwrap().to_string();
    let repeat = |j: &str| json!({"channel": "station_hotline", "type": "complaint", "content": "x", "jurisdiction": j, "external_id": "H-77"});
    let (s, v) = t
        .post("ybsq_staff", "/api/v1/requests", repeat("YBSQ"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "duplicate_external_id");
    assert_eq!(v["error"]["field"], "external_id");
    let text = v.to_string();
    assert!(
        !text.contains(&code) && !text.contains("挪用") && !text.contains("2222"),
        "{v}"
    );
    // The own counter (and the district) still get the stored request, nothing new.
    let n = t.count().await;
    let (s, v) = t.post("dxy_staff", "/api/v1/requests", repeat("DXY")).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::OK, Some(code.as_str()))
    );
    let (s, _) = t.post("admin", "/api/v1/requests", repeat("SFQ")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(t.count().await, n);
}
