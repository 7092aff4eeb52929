//! The suggestion box over HTTP, in the seed's words: 德馨苑's box opened by two people (one
//! alone refused), the e-bike charging slip made a topic and its author told by SMS, other
//! slips answered, made a request (with its tracking code, channel suggestion_box),
//! merged or rejected with a reason; another community's staff get a 404; an anonymous
//! author hears nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

pub const CHARGING: &str = "地下室充电桩建得不合理；老人没有智能手机，不能扫码付费";

/// The same database served again by a server that sends SMS (as a deployment with a
/// gateway does): the test suite's default server has none, and sends no SMS at all.
pub async fn with_sms(mut t: TestApp) -> TestApp {
    let mut state = t.app.clone();
    state.app.config.sms_gateway = Some(("http://127.0.0.1:9/sms".into(), "s3cret".into()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = state.clone();
    tokio::spawn(async move {
        minhu::server::serve(listener, served, std::future::pending::<()>())
            .await
            .unwrap();
    });
    t.base = format!("http://{addr}");
    t.app = state;
    t
}

/// 德馨苑's box and an opening by two people; (box id, opening id).
pub async fn box_opened(t: &TestApp) -> (i64, i64) {
    let (s, b) = t
        .post(
            "dxy_staff",
            "/api/v1/communities/DXY/boxes",
            json!({"name": "德馨苑议事征集箱", "location": "3号楼门厅"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let box_id = b["id"].as_i64().unwrap();
    let path = format!("/api/v1/boxes/{box_id}/openings");
    let (s, alone) = t
        .post(
            "dxy_staff",
            &path,
            json!({"openers": ["陈志超"], "slips": 4}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{alone}");
    assert_eq!(alone["error"]["field"], "openers", "{alone}");
    let (s, o) = t
        .post(
            "dxy_staff",
            &path,
            json!({"openers": ["陈志超", "王丽"], "slips": 4, "note": "每周一开箱"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    assert_eq!(o["openers"], json!(["陈志超", "王丽"]));
    (box_id, o["id"].as_i64().unwrap())
}

/// A slip from the opening; its id.
pub async fn slip(t: &TestApp, opening: i64, text: &str, author: Value) -> i64 {
    let mut body = json!({"source": "box", "opening_id": opening, "text": text});
    for (k, v) in author.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (s, v) = t
        .post("dxy_staff", "/api/v1/communities/DXY/suggestions", body)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

pub async fn triage(t: &TestApp, who: &str, id: i64, body: Value) -> (StatusCode, Value) {
    t.post(who, &format!("/api/v1/suggestions/{id}/triage"), body)
        .await
}

async fn sms_of(t: &TestApp, id: i64) -> Vec<String> {
    t.app
        .store
        .outbox_for_subject("suggestion", id)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.channel == "sms")
        .map(|m| {
            assert_eq!(m.target, "13812345678");
            m.payload.0["text"].as_str().unwrap().to_string()
        })
        .collect()
}

pub fn charging_topic() -> Value {
    json!({"title": "地下室充电桩迁至地面并增加刷卡付费",
           "facts": CHARGING, "proposer_name": "王秀英", "proposer_phone": "13812345678",
           "procedure": "three_meetings"})
}

#[tokio::test]
async fn the_charging_slip_becomes_a_topic_and_its_author_hears() {
    let t = with_sms(TestApp::spawn().await).await;
    let (box_id, opening) = box_opened(&t).await;
    let id = slip(
        &t,
        opening,
        CHARGING,
        json!({"author_name": "王秀英", "author_phone": "138 1234 5678"}),
    )
    .await;
    let (_, shown) = t
        .get("dxy_staff", &format!("/api/v1/suggestions/{id}"))
        .await;
    assert_eq!(shown["author_phone"], "138****5678", "{shown}");
    assert_eq!(shown["author_name"], "王**");
    assert_eq!(shown["state"], "received");

    // Another community's staff do not learn it exists; the street above may not triage.
    let (s, _) = triage(
        &t,
        "ybsq_staff",
        id,
        json!({"outcome": "answer", "answer": "x"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = triage(
        &t,
        "yb_street",
        id,
        json!({"outcome": "answer", "answer": "x"}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, done) = triage(
        &t,
        "dxy_staff",
        id,
        json!({"outcome": "topic", "topic": charging_topic()}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["suggestion"]["state"], "became_topic");
    let topic = done["topic"]["id"].as_i64().unwrap();
    assert_eq!(done["suggestion"]["topic_id"], topic);
    assert_eq!(done["topic"]["state"], "draft");
    assert_eq!(done["topic"]["suggestions"], json!([id]));
    assert_eq!(done["topic"]["proposer_name"], "王**");
    let told = sms_of(&t, id).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("地下室充电桩迁至地面"), "{told:?}");

    let (s, again) = triage(
        &t,
        "dxy_staff",
        id,
        json!({"outcome": "reject", "reason": "重复"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "triaged once: {again}");

    // The opening record lists the slip; the topic moves on and its decision is told.
    let (_, record) = t.get("dxy_staff", &format!("/api/v1/boxes/{box_id}")).await;
    assert_eq!(
        record["openings"][0]["suggestions"][0]["id"], id,
        "{record}"
    );
    let steps = format!("/api/v1/topics/{topic}/steps");
    let (s, early) = t
        .post(
            "dxy_staff",
            &steps,
            json!({"action": "decide", "adopted": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a draft is not decided: {early}");
    for body in [
        json!({"action": "screen", "note": "党支部审核同意"}),
        json!({"action": "schedule"}),
        json!({"action": "decide", "adopted": true}),
    ] {
        let (s, v) = t.post("dxy_staff", &steps, body).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (_, shown) = t.get("dxy_staff", &format!("/api/v1/topics/{topic}")).await;
    assert_eq!(shown["state"], "decided", "{shown}");
    assert_eq!(shown["events"].as_array().unwrap().len(), 4);
    let told = sms_of(&t, id).await;
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[1].contains("决议"), "{told:?}");

    let resp = t
        .client
        .get(format!("{}/api/v1/communities/DXY/topics.xlsx", t.base))
        .bearer_auth(t.token("dxy_staff"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx (zip) file");
}

#[tokio::test]
async fn other_slips_are_answered_made_requests_merged_or_rejected() {
    let t = with_sms(TestApp::spawn().await).await;
    let (_, opening) = box_opened(&t).await;
    let contact = json!({"author_name": "王秀英", "author_phone": "13812345678"});
    let lamp = slip(&t, opening, "东门路灯坏了，晚上很黑", contact.clone()).await;
    let (s, v) = triage(&t, "dxy_staff", lamp, json!({"outcome": "request"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["suggestion"]["state"], "request");
    let code = v["suggestion"]["request_code"]
        .as_str()
        .unwrap()
        .to_string();
    let request = v["suggestion"]["request_id"].as_i64().unwrap();
    let (_, r) = t
        .get("dxy_staff", &format!("/api/v1/requests/{request}"))
        .await;
    assert_eq!(r["channel"], "suggestion_box", "{r}");
    assert_eq!(r["code"], code.as_str(), "{r}");
    let told = sms_of(&t, lamp).await;
    assert!(told.len() == 1 && told[0].contains(&code), "{told:?}");

    let hours = slip(&t, opening, "希望居委会周末也开放", contact.clone()).await;
    let (s, v) = triage(
        &t,
        "dxy_staff",
        hours,
        json!({"outcome": "answer", "answer": "周六上午已安排值班"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["suggestion"]["state"], "answered_direct");
    assert!(sms_of(&t, hours).await[0].contains("周六上午已安排值班"));

    let again = slip(&t, opening, "东门路灯还是不亮", json!({})).await;
    let (s, v) = triage(
        &t,
        "dxy_staff",
        again,
        json!({"outcome": "merge", "into": lamp}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["suggestion"]["state"], "merged");
    assert_eq!(v["suggestion"]["merged_into"], lamp);

    let ad = slip(&t, opening, "推销广告", json!({})).await;
    let (s, v) = triage(&t, "dxy_staff", ad, json!({"outcome": "reject"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "reason");
    let (s, v) = triage(
        &t,
        "dxy_staff",
        ad,
        json!({"outcome": "reject", "reason": "与社区事务无关"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["suggestion"]["reason"], "与社区事务无关");

    // An anonymous author is never told, though the outcome would tell one who left a phone.
    let (s, v) = t
        .post(
            "dxy_staff",
            "/api/v1/communities/DXY/suggestions",
            json!({"source": "counter", "text": "楼道堆物影响通行", "anonymous": true,
                   "author_name": "王秀英", "author_phone": "13812345678"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["anonymous"], true);
    assert!(v["author_phone"].is_null(), "{v}");
    let anon = v["id"].as_i64().unwrap();
    let (s, v) = triage(
        &t,
        "dxy_staff",
        anon,
        json!({"outcome": "answer", "answer": "已清理"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(sms_of(&t, anon).await.is_empty(), "anonymous: no notice");

    let (_, inbox) = t
        .get(
            "dxy_staff",
            "/api/v1/communities/DXY/suggestions?state=received",
        )
        .await;
    assert_eq!(inbox.as_array().unwrap().len(), 0, "{inbox}");
}

#[tokio::test]
async fn a_slip_joins_an_open_topic() {
    let t = TestApp::spawn().await;
    let (_, opening) = box_opened(&t).await;
    let first = slip(&t, opening, CHARGING, json!({})).await;
    let (_, v) = triage(
        &t,
        "dxy_staff",
        first,
        json!({"outcome": "topic", "topic": charging_topic()}),
    )
    .await;
    let topic = v["topic"]["id"].as_i64().unwrap();
    let second = slip(&t, opening, "充电桩在地下室不安全", json!({})).await;
    let (s, v) = triage(
        &t,
        "dxy_staff",
        second,
        json!({"outcome": "topic", "topic_id": topic}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["topic"]["suggestions"], json!([first, second]));
    let third = slip(&t, opening, "x", json!({})).await;
    let (s, v) = triage(
        &t,
        "dxy_staff",
        third,
        json!({"outcome": "topic", "topic_id": 999}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "topic_id");
    assert!(
        t.app
            .store
            .outbox_for_subject("suggestion", first)
            .await
            .unwrap()
            .is_empty(),
        "no SMS gateway: no SMS queued"
    );
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let t = TestApp::spawn().await;
    let (box_id, opening) = box_opened(&t).await;
    let post = |path: String, body: Value| {
        let t = &t;
        async move { t.post("dxy_staff", &path, body).await }
    };
    let field = |v: &Value| v["error"]["field"].as_str().unwrap_or_default().to_string();
    let (s, v) = post(
        format!("/api/v1/boxes/{box_id}/openings"),
        json!({"openers": ["陈志超", "王丽"]}),
    )
    .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "slips".into()),
        "{v}"
    );
    let (s, v) = post(
        format!("/api/v1/boxes/{box_id}/openings"),
        json!({"openers": ["陈志超", "王丽"], "slips": "many"}),
    )
    .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "slips".into()),
        "{v}"
    );
    let s_path = "/api/v1/communities/DXY/suggestions".to_string();
    let (s, v) = post(s_path.clone(), json!({"source": "box", "text": CHARGING})).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "opening_id".into()),
        "{v}"
    );
    let (s, v) = post(
        s_path.clone(),
        json!({"source": "counter", "text": CHARGING, "author_phone": "12345"}),
    )
    .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "author_phone".into()),
        "{v}"
    );
    let (s, v) = post(s_path.clone(), json!({"source": "counter", "text": "  "})).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "text".into()),
        "{v}"
    );
    let id = slip(&t, opening, CHARGING, json!({})).await;
    let (s, v) = triage(&t, "dxy_staff", id, json!({"outcome": "vote"})).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "outcome".into()),
        "{v}"
    );
    let mut topic = charging_topic();
    topic["title"] = json!("");
    let (s, v) = triage(
        &t,
        "dxy_staff",
        id,
        json!({"outcome": "topic", "topic": topic}),
    )
    .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "topic.title".into()),
        "{v}"
    );
    let mut topic = charging_topic();
    topic["stakeholders"] = json!([{"kind": "building", "id": 999_999}]);
    let (s, v) = triage(
        &t,
        "dxy_staff",
        id,
        json!({"outcome": "topic", "topic": topic}),
    )
    .await;
    assert_eq!(
        (s, field(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "topic.stakeholders".into()
        ),
        "{v}"
    );

    // Another community's box opening is not one of 德馨苑's.
    let (_, other) = t
        .post(
            "ybsq_staff",
            "/api/v1/communities/YBSQ/boxes",
            json!({"name": "议事箱"}),
        )
        .await;
    let (_, o) = t
        .post(
            "ybsq_staff",
            &format!("/api/v1/boxes/{}/openings", other["id"]),
            json!({"openers": ["甲", "乙"], "slips": 1}),
        )
        .await;
    let (s, v) = post(
        s_path.clone(),
        json!({"source": "box", "opening_id": o["id"], "text": CHARGING}),
    )
    .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "opening_id".into()),
        "{v}"
    );

    // Lists outside one's scope are a 403 naming the jurisdiction; records a 404.
    let (s, v) = t
        .get("ybsq_staff", "/api/v1/communities/DXY/suggestions")
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::FORBIDDEN, "jurisdiction".into()),
        "{v}"
    );
    let (s, _) = t
        .get("ybsq_staff", &format!("/api/v1/suggestions/{id}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t
        .get("ybsq_staff", &format!("/api/v1/boxes/{box_id}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = t
        .post(
            "ybsq_staff",
            &format!("/api/v1/boxes/{box_id}/openings"),
            json!({"openers": ["甲", "乙"], "slips": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
}
