//! The residents' council hall over real HTTP (SQLite, and PostgreSQL when configured): a
//! 居民会议 at 德馨苑 on the e-bike charging motion, its quorum taken from a register set up
//! here (adults and minors, a moved-out household), refused without quorum and passed with
//! it; a tally above attendance refused; the notice too late; scope and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use minhu_domain::grid_ledger::{HouseholdEdit, Occupancy, ResidentEdit, ResidentState, Tenure};
use minhu_store::grid_ledger::{NewBuilding, NewHousehold, NewResident};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

pub const MOTION: &str = "把充电桩从地下室移到地面；物业办公室增加刷卡付费";

pub fn field(v: &Value) -> &str {
    v["error"]["field"].as_str().unwrap_or("")
}

pub fn message(v: &Value) -> String {
    v["error"]["message"].as_str().unwrap_or("").to_string()
}

/// A day `n` days from today (Asia/Shanghai).
pub fn in_days(n: i64) -> String {
    minhu_domain::time::local_date(Utc::now() + Duration::days(n)).to_string()
}

/// A household of the register: its residents (name, birth year) and whether it moved out.
pub struct Home<'a> {
    pub room: &'a str,
    pub people: &'a [(&'a str, i64)],
    pub moved_out: bool,
}

/// The register's ids: per household, its id and its residents' ids.
pub struct Register {
    pub households: Vec<(i64, Vec<i64>)>,
}

/// Sets up a building of 德馨苑 (DXY-G03) with `homes`; a moved-out household is vacant
/// and its residents moved out.
pub async fn register(t: &TestApp, building: &str, homes: &[Home<'_>]) -> Register {
    let store = &t.app.store;
    let b = store
        .add_building(&NewBuilding {
            community: "DXY".into(),
            grid: "DXY-G03".into(),
            number: building.into(),
            name: format!("德馨苑{building}号楼"),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut households = Vec::new();
    for home in homes {
        let h = store
            .add_household(&NewHousehold {
                building_id: b,
                unit_id: None,
                grid: "DXY-G03".into(),
                room: home.room.into(),
                head_name: home.people[0].0.into(),
                head_phone: String::new(),
                size: Some(home.people.len() as i64),
                tenure: Tenure::Owner,
            })
            .await
            .unwrap();
        let mut ids = Vec::new();
        for (name, born) in home.people {
            let r = store
                .add_resident(&NewResident {
                    household_id: h,
                    name: (*name).into(),
                    phone: String::new(),
                    id_number: String::new(),
                    birth_year: Some(*born),
                    relation: String::new(),
                })
                .await
                .unwrap();
            if home.moved_out {
                let edit = ResidentEdit {
                    state: Some(ResidentState::MovedOut),
                    ..Default::default()
                };
                store
                    .edit_resident(r, &edit, "seed", Utc::now())
                    .await
                    .unwrap();
            }
            ids.push(r.0);
        }
        if home.moved_out {
            let edit = HouseholdEdit {
                state: Some(Occupancy::Vacant),
                ..Default::default()
            };
            store
                .edit_household(h, &edit, "seed", Utc::now())
                .await
                .unwrap();
        }
        households.push((h.0, ids));
    }
    Register { households }
}

pub async fn ok(t: &TestApp, path: &str, body: Value, want: StatusCode) -> Value {
    let (s, v) = t.post("dxy_staff", path, body).await;
    assert_eq!(s, want, "{path}: {v}");
    v
}

pub async fn sign(t: &TestApp, sitting: i64, body: Value) -> (StatusCode, Value) {
    t.post(
        "dxy_staff",
        &format!("/api/v1/sittings/{sitting}/attendance"),
        body,
    )
    .await
}

/// 德馨苑8号楼: adults 张建国, 李秀英, 王芳, 刘德明; minors 张小宝, 王子涵; 陈立 moved out.
async fn building_eight(t: &TestApp) -> Register {
    register(
        t,
        "8",
        &[
            Home {
                room: "101",
                people: &[("张建国", 1960), ("李秀英", 1962), ("张小宝", 2015)],
                moved_out: false,
            },
            Home {
                room: "102",
                people: &[("王芳", 1985), ("王子涵", 2012)],
                moved_out: false,
            },
            Home {
                room: "201",
                people: &[("刘德明", 1948)],
                moved_out: false,
            },
            Home {
                room: "202",
                people: &[("陈立", 1990)],
                moved_out: true,
            },
        ],
    )
    .await
}

/// A screened topic of 德馨苑 for the agenda (a sitting's topic must be the community's).
pub async fn screened_topic(t: &TestApp) -> i64 {
    let v = ok(
        t,
        "/api/v1/communities/DXY/topics",
        super::suggestion::charging_topic(),
        StatusCode::CREATED,
    )
    .await;
    let id = v["id"].as_i64().unwrap();
    ok(
        t,
        &format!("/api/v1/topics/{id}/steps"),
        json!({"action": "screen", "note": "党支部审核同意"}),
        StatusCode::OK,
    )
    .await;
    id
}

fn charging_sitting(day: &str, topic: i64) -> Value {
    json!({
        "procedure": "resident_meeting",
        "title": "电动自行车充电问题居民会议",
        "day": day,
        "place": "德馨苑社区居民议事厅",
        "agenda": [{"title": "电动自行车充电桩", "motion": MOTION, "topic_id": topic}],
    })
}

#[tokio::test]
async fn a_resident_meeting_on_the_charging_motion_needs_its_quorum_from_the_register() {
    let t = TestApp::spawn().await;
    let topic = screened_topic(&t).await;
    let reg = building_eight(&t).await;
    let h = &reg.households;
    let (jianguo, xiuying, xiaobao) = (h[0].1[0], h[0].1[1], h[0].1[2]);
    let (wangfang, liu, chenli) = (h[1].1[0], h[2].1[0], h[3].1[0]);

    // The notice must be up three days before.
    let (s, v) = t
        .post(
            "dxy_staff",
            "/api/v1/communities/DXY/sittings",
            charging_sitting(&in_days(1), topic),
        )
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "notice_posted_at"),
        "{v}"
    );
    assert!(message(&v).contains('3'), "{v}");

    let v = ok(
        &t,
        "/api/v1/communities/DXY/sittings",
        charging_sitting(&in_days(3), topic),
        StatusCode::CREATED,
    )
    .await;
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["state"], "noticed");
    assert_eq!(v["body"], "resident_assembly");
    assert_eq!(v["agenda"][0]["topic_id"], topic);
    assert_eq!(
        v["quorum"]["entitled"], 4,
        "4 adults: minors and the moved-out left out: {v}"
    );
    assert_eq!(v["quorum"]["needed"], 3);

    // A minor and a resident who moved out are not on the list.
    for who in [xiaobao, chenli] {
        let (s, v) = sign(&t, id, json!({"subject_id": who, "presence": "present"})).await;
        assert_eq!(
            (s, field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, "subject_id"),
            "{v}"
        );
    }
    let (s, _) = sign(
        &t,
        id,
        json!({"subject_id": jianguo, "presence": "present"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = sign(&t, id, json!({"subject_id": xiuying, "presence": "absent"})).await;
    assert_eq!(s, StatusCode::OK);

    // One of four present: no quorum, and no vote nor decision.
    let v = ok(
        &t,
        &format!("/api/v1/sittings/{id}/hold"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["state"], "quorum_failed");
    assert_eq!(
        (
            v["quorum"]["present"].as_i64(),
            v["quorum"]["met"].as_bool()
        ),
        (Some(1), Some(false))
    );
    let (s, v) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/sittings/{id}/votes"),
            json!({"agenda_seq": 1, "method": "hands"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("quorum_not_met")),
        "{v}"
    );
    let text = message(&v);
    assert!(
        text.contains("应到4") && text.contains("实到1") && text.contains("至少需要3"),
        "{text}"
    );
    let (s, v) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/sittings/{id}/decisions"),
            json!({"vote_id": 1, "text": MOTION}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("quorum_not_met")),
        "{v}"
    );

    // A proxy's holder must be present; 刘德明 gives his proxy to 张建国.
    let (s, v) = sign(
        &t,
        id,
        json!({"subject_id": liu, "presence": "proxy", "proxy_to": xiuying}),
    )
    .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "proxy_to"),
        "{v}"
    );
    let (s, _) = sign(
        &t,
        id,
        json!({"subject_id": liu, "presence": "proxy", "proxy_to": jianguo}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = sign(
        &t,
        id,
        json!({"subject_id": wangfang, "presence": "present"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["quorum"]["present"], 3,
        "the proxy counts in a 居民会议: {v}"
    );
    let v = ok(
        &t,
        &format!("/api/v1/sittings/{id}/hold"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["state"], "held", "{v}");

    let vote = ok(
        &t,
        &format!("/api/v1/sittings/{id}/votes"),
        json!({"agenda_seq": 1, "method": "hands"}),
        StatusCode::CREATED,
    )
    .await;
    let vote = vote["id"].as_i64().unwrap();
    let close = format!("/api/v1/sitting-votes/{vote}/close");
    // Four hands among three present: refused, with the numbers.
    let (s, v) = t
        .post("dxy_staff", &close, json!({"counts": {"赞成": 4}}))
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "counts"),
        "{v}"
    );
    assert!(
        message(&v).contains('4') && message(&v).contains('3'),
        "{v}"
    );
    let (s, v) = t
        .post(
            "dxy_staff",
            &close,
            json!({"counts": {"赞成": 2, "反对": 1}, "invalid": 1}),
        )
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        "no invalid hands: {v}"
    );
    let v = ok(
        &t,
        &close,
        json!({"counts": {"赞成": 2, "反对": 1, "弃权": 0}}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (v["passed"].as_bool(), v["present"].as_i64()),
        (Some(true), Some(3)),
        "{v}"
    );

    // The decision's pass comes from the vote; a `passed` in the body is ignored.
    let d = ok(
        &t,
        &format!("/api/v1/sittings/{id}/decisions"),
        json!({"vote_id": vote, "text": MOTION, "passed": false}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (
            d["passed"].as_bool(),
            d["topic_id"].as_i64(),
            d["community"].as_str()
        ),
        (Some(true), Some(topic), Some("DXY")),
        "{d}"
    );
    let (s, _) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/sittings/{id}/decisions"),
            json!({"vote_id": vote, "text": MOTION}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "one decision per vote");
    let (s, got) = t
        .get(
            "dxy_staff",
            &format!("/api/v1/council-decisions/{}", d["id"]),
        )
        .await;
    assert_eq!((s, got["text"].as_str()), (StatusCode::OK, Some(MOTION)));

    let (s, v) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/sittings/{id}/minutes"),
            json!({"minutes": "会议记录全文", "summary": ""}),
        )
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "summary")
    );
    let v = ok(&t, &format!("/api/v1/sittings/{id}/minutes"), json!({"minutes": "会议记录全文……", "summary": "会议决定：把充电桩移到地面，物业办公室增加刷卡付费。"}), StatusCode::OK).await;
    assert_eq!(v["state"], "minutes_approved");
    assert!(v["number"].as_str().unwrap().starts_with("纪要第"), "{v}");
    let kinds: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"noticed"));
    assert!(
        kinds.contains(&"quorum_failed")
            && kinds.contains(&"held")
            && kinds.contains(&"decision_recorded"),
        "{kinds:?}"
    );
    assert_eq!(kinds.last(), Some(&"minutes_approved"));
    let (s, _) = sign(
        &t,
        id,
        json!({"subject_id": xiuying, "presence": "present"}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "approved minutes close the sign-in"
    );
}

#[tokio::test]
async fn another_communitys_staff_sees_nothing() {
    let t = TestApp::spawn().await;
    let topic = screened_topic(&t).await;
    building_eight(&t).await;
    let v = ok(
        &t,
        "/api/v1/communities/DXY/sittings",
        charging_sitting(&in_days(4), topic),
        StatusCode::CREATED,
    )
    .await;
    let id = v["id"].as_i64().unwrap();
    let (s, _) = t.get("ybsq_staff", &format!("/api/v1/sittings/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t
        .post(
            "ybsq_staff",
            &format!("/api/v1/sittings/{id}/hold"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = t
        .get("ybsq_staff", "/api/v1/communities/DXY/sittings")
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::FORBIDDEN, "jurisdiction"),
        "{v}"
    );
    let (s, _) = t
        .post(
            "ybsq_staff",
            "/api/v1/communities/DXY/sittings",
            charging_sitting(&in_days(4), topic),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = t
        .post(
            "yb_street",
            &format!("/api/v1/sittings/{id}/hold"),
            json!({}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the street reads, the community holds"
    );
    let (s, v) = t.get("yb_street", &format!("/api/v1/sittings/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn bad_input_names_the_field() {
    let t = TestApp::spawn().await;
    let topic = screened_topic(&t).await;
    let t = &t;
    let post = |body: Value| async move {
        let (s, v) = t
            .post("dxy_staff", "/api/v1/communities/DXY/sittings", body)
            .await;
        (s, field(&v).to_string())
    };
    let base = charging_sitting(&in_days(5), topic);
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let want = |f: &str| (StatusCode::UNPROCESSABLE_ENTITY, f.to_string());
    assert_eq!(
        post(with("procedure", json!("mob_rule"))).await,
        want("procedure")
    );
    assert_eq!(post(with("stage", json!(9))).await, want("stage"));
    assert_eq!(post(with("stage", json!("one"))).await, want("stage"));
    assert_eq!(post(with("day", json!("2026/06/01"))).await, want("day"));
    assert_eq!(post(with("agenda", json!([]))).await, want("agenda"));
    assert_eq!(
        post(with("agenda", json!([{"title": "充电", "motion": ""}]))).await,
        want("agenda[0].motion")
    );
    assert_eq!(
        post(with("body", json!("party_members"))).await,
        want("body")
    );
    assert_eq!(
        post(with("notice_posted_at", json!("yesterday"))).await,
        want("notice_posted_at")
    );
    let four = json!({"procedure": "four_deliberations", "stage": 4, "title": "决议公开", "day": in_days(5), "place": "公示栏", "agenda": [{"title": "t", "motion": "m"}]});
    assert_eq!(
        post(four.clone()).await,
        want("stage"),
        "a publication stage does not sit"
    );
    let mut members = four;
    members["stage"] = json!(2);
    assert_eq!(
        post(members).await,
        want("council_id"),
        "党员大会 needs its body"
    );

    let (s, v) = t
        .post(
            "dxy_staff",
            "/api/v1/communities/DXY/procedures",
            json!({"code": "x", "name": "x", "stages": []}),
        )
        .await;
    assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "stages"));
    let (s, v) = t.post("dxy_staff", "/api/v1/communities/DXY/procedures", json!({"code": "x", "name": "x", "stages": [{"name": "s", "bodies": ["household_assembly"], "quorum": "3/2", "pass": "1/2"}]})).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "stages[0].quorum"),
        "{v}"
    );
    let (s, v) = t.post("dxy_staff", "/api/v1/communities/DXY/councils", json!({"kind": "hearing", "name": "听证会", "members": [{"name": "甲", "role": "boss"}]})).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "members[0].role"),
        "{v}"
    );
    let (s, list) = t
        .get("dxy_staff", "/api/v1/communities/DXY/procedures")
        .await;
    assert_eq!(s, StatusCode::OK);
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec!["four_deliberations", "three_meetings", "resident_meeting"]
    );
}
