//! The suggestion box's pages: the public web form (no login, no JavaScript), the public
//! topic page that shows no author or proposer phone in any spelling and masks rooms, and
//! the staff's 开箱记录 and 议题申报表.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::pages::{PASSWORD, Visitor, by_id, with_passwords};
use crate::suggestion::{CHARGING, box_opened, charging_topic, slip, triage, with_sms};

#[tokio::test]
async fn a_resident_suggests_on_the_web_and_the_public_sees_the_topic_de_identified() {
    let mut t = TestApp::spawn().await;
    let seeded = crate::grid_ledger::seed(&mut t).await;
    let t = with_sms(t).await;

    let mut resident = Visitor::new(&t);
    let r = resident.get("/communities/DXY/suggest").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("提意见")
            && r.body
                .contains("method=\"post\" action=\"/communities/DXY/suggest\"")
    );
    let form = |text: &str, csrf: String| {
        reqwest::multipart::Form::new()
            .text("_csrf", csrf)
            .text("text", text.to_string())
            .text("author_name", "王秀英")
            .text("author_phone", "138-1234-5678")
    };
    let r = resident
        .post_multipart("/communities/DXY/suggest", form(" ", resident.csrf()))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("data-field=\"text\""), "{}", r.body);
    let r = resident
        .post_multipart("/communities/DXY/suggest", form(CHARGING, resident.csrf()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body.contains("短信"), "told they will hear: {}", r.body);
    let id: i64 = by_id(&r.body, "suggestion-id").parse().unwrap();
    let (_, s) = t
        .get("dxy_staff", &format!("/api/v1/suggestions/{id}"))
        .await;
    assert_eq!(s["source"], "web", "{s}");
    assert_eq!(s["author_phone"], "138****5678");

    // Made a topic whose facts carry the phone as staff typed it, about a household.
    let mut topic = charging_topic();
    topic["facts"] = json!(format!("{CHARGING}。联系人王秀英，电话138 1234 5678"));
    topic["stakeholders"] = json!([{"kind": "household", "id": seeded.household.0},
                                   {"kind": "building", "id": seeded.building.0}]);
    let (s, v) = triage(
        &t,
        "dxy_staff",
        id,
        json!({"outcome": "topic", "topic": topic}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let topic_id = v["topic"]["id"].as_i64().unwrap();
    let page = Visitor::new(&t).get("/communities/DXY/topics").await;
    assert!(
        !page.body.contains("地下室充电桩迁至地面"),
        "a draft is not public yet"
    );
    let (s, _) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/topics/{topic_id}/steps"),
            json!({"action": "screen"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let page = Visitor::new(&t).get("/communities/DXY/topics").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.body;
    assert!(html.contains("地下室充电桩迁至地面"), "{html}");
    assert!(html.contains("已审核"), "the state is shown");
    for spelling in [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "1234 5678",
        "王秀英",
    ] {
        assert!(!html.contains(spelling), "{spelling} on the public page");
    }
    assert!(
        html.contains("德馨苑3号楼 5**") && !html.contains("501"),
        "room masked: {html}"
    );

    // The staff's papers: the opening record and the topic's 申报表.
    with_passwords(&t, &["dxy_staff"]).await;
    let (box_id, opening) = box_opened(&t).await;
    slip(&t, opening, "楼道灯不亮", json!({})).await;
    let mut staff = Visitor::new(&t);
    staff.login("dxy_staff", PASSWORD).await;
    let r = staff.get(&format!("/staff/boxes/{box_id}/record")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("开箱记录") && r.body.contains("陈志超") && r.body.contains("王丽"));
    assert!(r.body.contains("楼道灯不亮") && r.body.contains("签字"));
    let r = staff.get(&format!("/staff/topics/{topic_id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("议题申报表") && r.body.contains("王**"));
    assert!(
        !r.body.contains("13812345678"),
        "the proposer's phone masked"
    );
    let r = staff.get("/staff/communities/DXY/suggestions").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("楼道灯不亮") && !r.body.contains("13812345678"));
}
