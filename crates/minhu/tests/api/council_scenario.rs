//! The charging problem from the box to the published result, over real HTTP in the seed's
//! words (SQLite, and PostgreSQL when configured): the slip dropped into 德馨苑's box, a
//! topic, a 居民会议 noticed ahead with its quorum from a register set up here, the decision
//! passed and published on the board with its photo, two items carried out (one through a
//! request), the public progress at 100 %, the result published, the 评议会, and the author
//! told at each step. And a sitting without quorum that cannot record a pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::council::{Home, field, in_days, ok, register, sign};
use super::suggestion::{CHARGING, box_opened, charging_topic, slip, triage, with_sms};
use crate::helpers::TestApp;

pub const DECISION: &str = "把充电桩移到地面；物业办公室增加刷卡付费";
pub const AUTHOR_PHONE: &str = "13812345678";

pub fn photo() -> String {
    base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        crate::pages::jpeg_with_gps(),
    )
}

/// `n` days (and a minute, for the request's way) from now, RFC 3339.
pub fn at_days(n: i64) -> String {
    minhu_domain::time::rfc3339(Utc::now() + Duration::days(n) + Duration::minutes(1))
}

/// What the way to a decision made.
pub struct Decided {
    pub suggestion: i64,
    pub topic: i64,
    pub decision: i64,
}

/// The SMS texts told about `kind` `id` (to the author's phone).
pub async fn sms_about(t: &TestApp, kind: &str, id: i64) -> Vec<String> {
    t.app
        .store
        .outbox_for_subject(kind, id)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.channel == "sms")
        .map(|m| {
            assert_eq!(m.target, AUTHOR_PHONE);
            m.payload.0["text"].as_str().unwrap().to_string()
        })
        .collect()
}

/// 德馨苑9号楼's register: four adults in three households, a child.
async fn building_nine(t: &TestApp) -> Vec<i64> {
    let reg = register(
        t,
        "9",
        &[
            Home {
                room: "101",
                people: &[("赵大爷", 1950), ("钱阿姨", 1952)],
                moved_out: false,
            },
            Home {
                room: "102",
                people: &[("孙丽", 1980), ("孙小明", 2016)],
                moved_out: false,
            },
            Home {
                room: "201",
                people: &[("李强", 1975)],
                moved_out: false,
            },
        ],
    )
    .await;
    let h = &reg.households;
    vec![h[0].1[0], h[0].1[1], h[1].1[0], h[2].1[0]]
}

/// The slip, its topic (author told), screened, and a 居民会议 noticed three days ahead
/// with the topic on its agenda; (suggestion, topic, sitting, adults).
pub async fn noticed(t: &TestApp) -> (i64, i64, i64, Vec<i64>) {
    let (_, opening) = box_opened(t).await;
    let suggestion = slip(
        t,
        opening,
        CHARGING,
        json!({"author_name": "王秀英", "author_phone": AUTHOR_PHONE}),
    )
    .await;
    let (s, done) = triage(
        t,
        "dxy_staff",
        suggestion,
        json!({"outcome": "topic", "topic": charging_topic()}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    let topic = done["topic"]["id"].as_i64().unwrap();
    ok(
        t,
        &format!("/api/v1/topics/{topic}/steps"),
        json!({"action": "screen", "note": "党支部审核同意"}),
        StatusCode::OK,
    )
    .await;
    let adults = building_nine(t).await;
    let v = ok(
        t,
        "/api/v1/communities/DXY/sittings",
        json!({"procedure": "resident_meeting", "title": "电动自行车充电问题户代表会议",
               "day": in_days(3), "place": "德馨苑社区居民议事厅",
               "agenda": [{"title": "电动自行车充电桩", "motion": DECISION, "topic_id": topic}]}),
        StatusCode::CREATED,
    )
    .await;
    let sitting = v["id"].as_i64().unwrap();
    let (_, shown) = t.get("dxy_staff", &format!("/api/v1/topics/{topic}")).await;
    assert_eq!(
        shown["state"], "scheduled",
        "noticed, the topic is scheduled: {shown}"
    );
    (suggestion, topic, sitting, adults)
}

/// The whole way to a passed decision: quorum met (3 of 4), 3 hands for.
pub async fn decided(t: &TestApp) -> Decided {
    let (suggestion, topic, sitting, adults) = noticed(t).await;
    for who in &adults[..3] {
        let (s, v) = sign(
            t,
            sitting,
            json!({"subject_id": who, "presence": "present"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let v = ok(
        t,
        &format!("/api/v1/sittings/{sitting}/hold"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["state"], "held", "{v}");
    let vote = ok(
        t,
        &format!("/api/v1/sittings/{sitting}/votes"),
        json!({"agenda_seq": 1, "method": "hands"}),
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let v = ok(
        t,
        &format!("/api/v1/sitting-votes/{vote}/close"),
        json!({"counts": {"赞成": 3, "反对": 0, "弃权": 0}}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["passed"], true, "{v}");
    let d = ok(
        t,
        &format!("/api/v1/sittings/{sitting}/decisions"),
        json!({"vote_id": vote, "text": DECISION}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(d["passed"], true);
    Decided {
        suggestion,
        topic,
        decision: d["id"].as_i64().unwrap(),
    }
}

pub async fn publish(t: &TestApp, decision: i64, days: i64) -> (StatusCode, Value) {
    t.post(
        "dxy_staff",
        &format!("/api/v1/council-decisions/{decision}/publications"),
        json!({"online_wall": true, "board": "德馨苑东门公示栏",
               "board_photo": {"name": "公示栏.jpg", "data": photo()},
               "until": at_days(days)}),
    )
    .await
}

/// A step on an item; a done claim carries the photo of the work.
pub async fn item_step(t: &TestApp, who: &str, id: i64, step: &str, note: &str) {
    let mut body = json!({"note": note});
    if step == "claim-done" {
        body["photos"] = json!([{"name": "现场.jpg", "data": photo()}]);
    }
    let (s, v) = t
        .post(who, &format!("/api/v1/action-items/{id}/{step}"), body)
        .await;
    assert_eq!(s, StatusCode::OK, "{step}: {v}");
}

#[tokio::test]
async fn the_charging_problem_from_the_box_to_the_published_result() {
    let t = with_sms(TestApp::spawn().await).await;
    let d = decided(&t).await;
    let id = d.decision;
    let (_, topic) = t
        .get("dxy_staff", &format!("/api/v1/topics/{}", d.topic))
        .await;
    assert_eq!(
        topic["state"], "decided",
        "the vote decided the topic: {topic}"
    );
    let told = sms_about(&t, "suggestion", d.suggestion).await;
    assert_eq!(told.len(), 2, "topic, decision: {told:?}");

    // 决议公示 on the wall and the board with its photo, for 7 days.
    let (s, v) = publish(&t, id, 7).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v[1]["venue"], "board");
    assert_eq!(v[1]["board_photo"].as_str().unwrap().len(), 64);
    assert_eq!(sms_about(&t, "council_decision", id).await.len(), 1);

    // Two items: the chargers moved by the property company (with a request), the card
    // payment at the property office.
    let items = format!("/api/v1/council-decisions/{id}/items");
    let moved = ok(
        &t,
        &items,
        json!({"title": "把地下室充电桩移到地面", "owner": "DXY-WY", "working_days": 20,
               "request": {"content": "德馨苑9号楼地下室充电桩迁至地面车棚"}}),
        StatusCode::CREATED,
    )
    .await;
    let code = moved["request_code"].as_str().unwrap().to_string();
    let request = moved["request_id"].as_i64().unwrap();
    let (_, r) = t
        .get("dxy_staff", &format!("/api/v1/requests/{request}"))
        .await;
    assert_eq!(r["channel"], "council", "{r}");
    let card = ok(
        &t,
        &items,
        json!({"title": "物业办公室增加刷卡付费", "owner": "DXY-WY", "working_days": 10}),
        StatusCode::CREATED,
    )
    .await;
    let (moved, card) = (
        moved["item_id"].as_i64().unwrap(),
        card["item_id"].as_i64().unwrap(),
    );
    let (_, items_of_request) = t
        .get(
            "dxy_staff",
            &format!("/api/v1/action-items?request={request}"),
        )
        .await;
    assert!(
        items_of_request
            .to_string()
            .contains("把地下室充电桩移到地面"),
        "{items_of_request}"
    );

    // Progress, claims, verification by the community; the author hears of each.
    item_step(&t, "h_dxy_wy", moved, "progress", "已选址地面车棚").await;
    item_step(&t, "h_dxy_wy", moved, "claim-done", "充电桩已迁至地面").await;
    item_step(&t, "dxy_staff", moved, "verify", "").await;
    minhu_app::council::followup::tell_progress(&t.app.app)
        .await
        .unwrap();
    let (_, half) = t
        .get(
            "dxy_staff",
            &format!("/api/v1/council-decisions/{id}/progress"),
        )
        .await;
    assert_eq!(
        (half["verified"].as_i64(), half["percent"].as_i64()),
        (Some(1), Some(50)),
        "{half}"
    );
    assert_eq!(half["requests"][0]["code"], code.as_str());
    let (s, early) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/council-decisions/{id}/result"),
            json!({"online_wall": true, "until": at_days(7)}),
        )
        .await;
    assert_eq!(
        (s, early["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("items_open")),
        "{early}"
    );
    item_step(&t, "h_dxy_wy", card, "claim-done", "刷卡机已安装").await;
    item_step(&t, "dxy_staff", card, "verify", "").await;
    minhu_app::council::followup::tell_progress(&t.app.app)
        .await
        .unwrap();

    // The public timeline at 100 %, without notes.
    let public = minhu_app::council::public_progress(&t.app.app, id)
        .await
        .unwrap();
    assert_eq!((public.verified, public.total, public.percent), (2, 2, 100));
    let steps: Vec<&str> = public.items[0]
        .steps
        .iter()
        .map(|s| s.action.as_str())
        .collect();
    assert_eq!(steps, ["issue", "progress", "claim_done", "verify"]);
    assert!(
        public
            .items
            .iter()
            .flat_map(|i| &i.steps)
            .all(|s| s.note.is_none())
    );
    let (_, staff) = t
        .get(
            "dxy_staff",
            &format!("/api/v1/council-decisions/{id}/progress"),
        )
        .await;
    assert_eq!(staff["items"][0]["steps"][1]["note"], "已选址地面车棚");

    // 实施结果公开, then the 评议会.
    let (s, v) = t
        .post("dxy_staff", &format!("/api/v1/council-decisions/{id}/result"),
              json!({"online_wall": true, "body": "充电桩已移到地面，物业办公室可刷卡付费", "until": at_days(7)}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v[0]["kind"], "implementation_result");
    let e = ok(
        &t,
        &format!("/api/v1/council-decisions/{id}/evaluation"),
        json!({"participants": 12, "satisfied": 9, "basically_satisfied": 2, "dissatisfied": 1,
               "note": "老人反映刷卡方便"}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(e["satisfaction"], 91, "{e}");
    let (_, done) = t
        .get(
            "dxy_staff",
            &format!("/api/v1/council-decisions/{id}/progress"),
        )
        .await;
    assert_eq!(done["result_published"], true);
    assert_eq!(done["evaluation"]["participants"], 12);

    // The author heard: topic, decision; then published, two progress steps, the result.
    let told = sms_about(&t, "council_decision", id).await;
    assert_eq!(told.len(), 4, "{told:?}");
    assert!(told[0].contains("已公示"), "{told:?}");
    assert!(
        told[1].contains("1/2") && told[2].contains("2/2"),
        "{told:?}"
    );
    assert!(told[3].contains("实施结果"), "{told:?}");
}

#[tokio::test]
async fn a_sitting_without_quorum_cannot_record_a_pass() {
    let t = TestApp::spawn().await;
    let (_, topic, sitting, adults) = noticed(&t).await;
    let (s, _) = sign(
        &t,
        sitting,
        json!({"subject_id": adults[0], "presence": "present"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let v = ok(
        &t,
        &format!("/api/v1/sittings/{sitting}/hold"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["state"], "quorum_failed");
    let (s, v) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/sittings/{sitting}/decisions"),
            json!({"vote_id": 1, "text": DECISION}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("quorum_not_met")),
        "{v}"
    );
    let (_, shown) = t.get("dxy_staff", &format!("/api/v1/topics/{topic}")).await;
    assert_eq!(
        shown["state"], "scheduled",
        "still waiting for a sitting: {shown}"
    );
    let _ = field(&v);
}
