//! After the sitting, the refusals and the edges, over real HTTP (SQLite, and PostgreSQL
//! when configured): an unpassed decision not published, a 公示 too short, items before the
//! 公示, the result before the items are verified, evaluation counts over the participants,
//! a topic of another community on the agenda, another community's staff; the referral to
//! the joint meeting in its candidate queue; and the authors told exactly once with two
//! servers on one database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use minhu_domain::org::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::council::{field, in_days, ok, sign};
use super::council_scenario::{
    AUTHOR_PHONE, DECISION, at_days, decided, item_step, noticed, publish, sms_about,
};
use super::suggestion::{charging_topic, with_sms};
use crate::helpers::TestApp;

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn the_follow_up_refuses_what_is_out_of_order() {
    let t = TestApp::spawn().await;
    let d = decided(&t).await;
    let id = d.decision;
    let items = format!("/api/v1/council-decisions/{id}/items");
    let item = json!({"title": "把地下室充电桩移到地面", "owner": "DXY-WY", "working_days": 20});

    // Items wait for the 公示; a 公示 shorter than 7 days is refused on `until`.
    let (s, v) = t.post("dxy_staff", &items, item.clone()).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::CONFLICT, "not_published"),
        "{v}"
    );
    let (s, v) = publish(&t, id, 5).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "until"),
        "{v}"
    );
    let (s, v) = publish(&t, id, 7).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = publish(&t, id, 7).await;
    assert_eq!(s, StatusCode::CONFLICT, "one 公示 at a time: {v}");

    // Another community's staff: nothing of it.
    for path in [
        format!("/api/v1/council-decisions/{id}/progress"),
        format!("/api/v1/council-decisions/{id}"),
    ] {
        let (s, _) = t.get("ybsq_staff", &path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
    let (s, _) = t.post("ybsq_staff", &items, item.clone()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The result waits for every item; the evaluation's counts stay within the participants.
    let issued = ok(&t, &items, item, StatusCode::CREATED).await;
    let (s, v) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/council-decisions/{id}/result"),
            json!({"online_wall": true, "until": at_days(7)}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "items_open"), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains('1'), "{v}");
    let (s, v) = t
        .post("dxy_staff", &format!("/api/v1/council-decisions/{id}/evaluation"),
              json!({"participants": 10, "satisfied": 6, "basically_satisfied": 3, "dissatisfied": 2}))
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "participants"),
        "{v}"
    );
    let (s, v) = t
        .post("dxy_staff", &format!("/api/v1/council-decisions/{id}/evaluation"),
              json!({"participants": 10, "satisfied": 6, "basically_satisfied": 3, "dissatisfied": 1}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "the result comes first: {v}");
    assert!(issued["item_id"].as_i64().is_some());
}

#[tokio::test]
async fn an_unpassed_decision_is_not_published() {
    let t = TestApp::spawn().await;
    let (_, _, sitting, adults) = noticed(&t).await;
    for who in &adults[..3] {
        sign(
            &t,
            sitting,
            json!({"subject_id": who, "presence": "present"}),
        )
        .await;
    }
    ok(
        &t,
        &format!("/api/v1/sittings/{sitting}/hold"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    let vote = ok(
        &t,
        &format!("/api/v1/sittings/{sitting}/votes"),
        json!({"agenda_seq": 1, "method": "hands"}),
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    ok(
        &t,
        &format!("/api/v1/sitting-votes/{vote}/close"),
        json!({"counts": {"赞成": 1, "反对": 2, "弃权": 0}}),
        StatusCode::OK,
    )
    .await;
    let d = ok(
        &t,
        &format!("/api/v1/sittings/{sitting}/decisions"),
        json!({"vote_id": vote, "text": DECISION}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(d["passed"], false);
    let topic = d["topic_id"].as_i64().unwrap();
    let (_, shown) = t.get("dxy_staff", &format!("/api/v1/topics/{topic}")).await;
    assert_eq!(shown["state"], "not_adopted", "{shown}");
    let (s, v) = publish(&t, d["id"].as_i64().unwrap(), 7).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "not_passed"), "{v}");
    assert!(
        minhu_app::council::public_progress(&t.app.app, d["id"].as_i64().unwrap())
            .await
            .is_err(),
        "not public"
    );
}

#[tokio::test]
async fn a_topic_of_another_community_is_refused_on_the_agenda() {
    let t = TestApp::spawn().await;
    let (s, other) = t
        .post(
            "ybsq_staff",
            "/api/v1/communities/YBSQ/topics",
            charging_topic(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    for topic in [other["id"].as_i64().unwrap(), 999_999] {
        let (s, v) = t
            .post(
                "dxy_staff",
                "/api/v1/communities/DXY/sittings",
                json!({"procedure": "resident_meeting", "title": "居民会议", "day": in_days(3),
                         "place": "议事厅",
                         "agenda": [{"title": "充电桩", "motion": DECISION, "topic_id": topic}]}),
            )
            .await;
        assert_eq!(
            (s, field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, "topic_id"),
            "{v}"
        );
    }
}

#[tokio::test]
async fn a_decision_beyond_the_community_reaches_the_joint_meetings_queue() {
    let mut t = TestApp::spawn().await;
    t.add_person("zhb_head", Role::DistrictAdmin, "SFQ").await;
    let d = decided(&t).await;
    let id = d.decision;
    let (s, body) = t
        .post(
            "admin",
            "/api/v1/joint-bodies",
            json!({"name": "民呼必应联席会议", "lead_unit": "ZHB", "convener": "zhb_head",
                     "cadence": "每月一次",
                     "members": [{"unit": "CZJ", "liaison": "李敏", "phone": "0971-6100002"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let body = body["id"].as_i64().unwrap();
    let refer = format!("/api/v1/council-decisions/{id}/referral");
    let (s, v) = t
        .post(
            "dxy_staff",
            &refer,
            json!({"body_id": body, "reason": "迁移充电桩需区财政资金"}),
        )
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "request_ids"),
        "{v}"
    );
    publish(&t, id, 7).await;
    let issued = ok(
        &t,
        &format!("/api/v1/council-decisions/{id}/items"),
        json!({"title": "把地下室充电桩移到地面", "owner": "DXY-WY", "working_days": 20,
               "request": {"content": "地下室充电桩迁至地面，需区级资金支持"}}),
        StatusCode::CREATED,
    )
    .await;
    let request = issued["request_id"].as_i64().unwrap();
    let c = ok(
        &t,
        &refer,
        json!({"body_id": body, "reason": "迁移充电桩需区财政资金"}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (c["kind"].as_str(), c["ref_id"].as_i64()),
        (Some("council_decision"), Some(id))
    );
    let (s, queue) = t
        .get("admin", &format!("/api/v1/joint-bodies/{body}/candidates"))
        .await;
    assert_eq!(s, StatusCode::OK, "{queue}");
    let mine: Vec<&Value> = queue
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["kind"] == "council_decision")
        .collect();
    assert_eq!(mine.len(), 1, "{queue}");
    assert_eq!(mine[0]["ref_id"], id);
    assert_eq!(mine[0]["requests"], json!([request]));
}

#[tokio::test]
async fn the_authors_hear_once_with_two_servers() {
    let t = with_sms(TestApp::spawn().await).await;
    let other = with_sms(TestApp::start(&t.db_url).await).await;
    let d = decided(&t).await;
    let id = d.decision;
    // Both servers publish at once: one 公示, one message.
    let path = format!("/api/v1/council-decisions/{id}/publications");
    let body = json!({"online_wall": true, "until": at_days(7)});
    let send = |base: String| {
        let req = t
            .client
            .post(format!("{base}{path}"))
            .bearer_auth(t.token("dxy_staff"))
            .json(&body)
            .send();
        async move { req.await.unwrap().status() }
    };
    let (a, b) = tokio::join!(send(t.base.clone()), send(other.base.clone()));
    let mut got = [a, b];
    got.sort();
    assert_eq!(got, [StatusCode::CREATED, StatusCode::CONFLICT]);
    assert_eq!(sms_about(&t, "council_decision", id).await.len(), 1);

    // An item verified; both servers' sweeps notice it at once: told once.
    let issued = ok(
        &t,
        &format!("/api/v1/council-decisions/{id}/items"),
        json!({"title": "物业办公室增加刷卡付费", "owner": "DXY-WY", "working_days": 10}),
        StatusCode::CREATED,
    )
    .await;
    let item = issued["item_id"].as_i64().unwrap();
    item_step(&t, "h_dxy_wy", item, "claim-done", "刷卡机已安装").await;
    item_step(&t, "dxy_staff", item, "verify", "").await;
    let (x, y) = tokio::join!(
        minhu_app::council::followup::tell_progress(&t.app.app),
        minhu_app::council::followup::tell_progress(&other.app.app)
    );
    x.unwrap();
    y.unwrap();
    minhu_app::council::followup::tell_progress(&t.app.app)
        .await
        .unwrap();
    let told = sms_about(&t, "council_decision", id).await;
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[1].contains("1/1"), "{told:?}");
    let _ = AUTHOR_PHONE;
}
