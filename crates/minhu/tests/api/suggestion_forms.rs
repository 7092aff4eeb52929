//! The staff's forms of the suggestion box over real HTTP (SQLite, and PostgreSQL when
//! configured): 德馨苑's clerk hangs a box, records an opening (one opener refused beside
//! `openers`, what was typed kept), triages the e-bike charging slip into a topic and
//! screens it from the topic page; a grid worker of another community gets a 404.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use minhu_domain::org::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::pages::{PASSWORD, Visitor, with_passwords};
use crate::suggestion::CHARGING;

#[tokio::test]
async fn the_clerk_works_the_box_from_the_inbox_page() {
    let mut t = TestApp::spawn().await;
    t.add_person("ybsq_g1", Role::GridWorker, "YBSQ-G01").await;
    with_passwords(&t, &["dxy_staff", "ybsq_g1"]).await;
    let mut clerk = Visitor::new(&t);
    clerk.login("dxy_staff", PASSWORD).await;
    let inbox = "/staff/communities/DXY/suggestions";
    let page = clerk.get(inbox).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("id=\"nav-council\""),
        "the staff nav links the box"
    );

    let r = clerk
        .post(
            "/staff/communities/DXY/boxes",
            &[("name", "德馨苑议事征集箱"), ("location", "3号楼门厅")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (_, boxes) = t.get("dxy_staff", "/api/v1/communities/DXY/boxes").await;
    let box_id = boxes[0]["id"].as_i64().unwrap();

    // One opener alone is refused beside the field; what was typed stays.
    let opening = format!("/staff/boxes/{box_id}/openings");
    let r = clerk
        .post(
            &opening,
            &[
                ("openers", "陈志超"),
                ("openers", ""),
                ("slips", "4"),
                ("note", "每周一开箱"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"error-openers\""), "{}", r.body);
    assert!(
        r.body.contains("value=\"陈志超\"") && r.body.contains("value=\"每周一开箱\""),
        "{}",
        r.body
    );
    let r = clerk
        .post(
            &opening,
            &[("openers", "陈志超"), ("openers", "王丽"), ("slips", "4")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (_, b) = t.get("dxy_staff", &format!("/api/v1/boxes/{box_id}")).await;
    assert_eq!(b["openings"].as_array().map(Vec::len), Some(1), "{b}");

    let (s, slip) = t
        .post(
            "dxy_staff",
            "/api/v1/communities/DXY/suggestions",
            json!({"source": "counter", "text": CHARGING}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{slip}");
    let id = slip["id"].as_i64().unwrap();
    let triage = format!("/staff/suggestions/{id}/triage");

    // A topic without a title is refused beside `topic.title`.
    let r = clerk
        .post(&triage, &[("outcome", "topic"), ("topic.facts", CHARGING)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"error-topic.title\""), "{}", r.body);

    let r = clerk
        .post(
            &triage,
            &[
                ("outcome", "topic"),
                ("topic.title", "地下室充电桩迁至地面并增加刷卡付费"),
                ("topic.facts", CHARGING),
                ("topic.proposer_name", "王秀英"),
                ("topic.procedure", "three_meetings"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let topic_path = r.location().to_string();
    assert!(topic_path.starts_with("/staff/topics/"), "{topic_path}");
    let (_, s) = t
        .get("dxy_staff", &format!("/api/v1/suggestions/{id}"))
        .await;
    assert_eq!(s["state"], "became_topic", "{s}");
    let topic_id: i64 = topic_path.rsplit('/').next().unwrap().parse().unwrap();

    let r = clerk
        .post(
            &format!("/staff/topics/{topic_id}/step"),
            &[("action", "screen"), ("note", "党组织审核通过")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (_, topic) = t
        .get("dxy_staff", &format!("/api/v1/topics/{topic_id}"))
        .await;
    assert_eq!(topic["state"], "screened", "{topic}");
    // Withdrawing needs a reason: refused beside `note`.
    let r = clerk
        .post(
            &format!("/staff/topics/{topic_id}/step"),
            &[("action", "withdraw")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"error-note\""), "{}", r.body);

    // A grid worker of another community learns nothing of 德馨苑's box.
    let (s, slip) = t
        .post(
            "dxy_staff",
            "/api/v1/communities/DXY/suggestions",
            json!({"source": "counter", "text": "楼道灯不亮"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut stranger = Visitor::new(&t);
    stranger.login("ybsq_g1", PASSWORD).await;
    let r = stranger
        .post(
            &format!("/staff/suggestions/{}/triage", slip["id"]),
            &[("outcome", "answer"), ("answer", "已修")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = stranger
        .post(&opening, &[("openers", "甲"), ("openers", "乙")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = stranger.get(&topic_path).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}
