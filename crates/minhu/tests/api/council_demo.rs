//! The demo's residents' council hall and joint meeting history, read over the API as the
//! community's staff and the district office would: 德馨苑's suggestion box and its openings,
//! the e-bike topic decided by 3号楼's 户代表会议 with quorum from the register (and an
//! earlier sitting that failed its quorum), the decision's 公示 and its two items, and the
//! joint meeting series with an item that went through 督办 before its 销号.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveDate};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn ok(t: &TestApp, who: &str, path: &str) -> Value {
    let (s, v) = t.get(who, path).await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    v
}

fn list(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not a list: {v}"))
}

fn find<'a>(v: &'a Value, key: &str, value: &str) -> &'a Value {
    list(v)
        .iter()
        .find(|x| x[key] == value)
        .unwrap_or_else(|| panic!("no {key} = {value} in {v}"))
}

fn time(v: &Value) -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap()
}

/// The box, its openings (two openers each) and how their slips were triaged.
async fn the_box(t: &TestApp) {
    let boxes = ok(t, "dxy_staff", "/api/v1/communities/DXY/boxes").await;
    let b = find(&boxes, "name", "德馨苑东门议事征集箱");
    let b = ok(t, "dxy_staff", &format!("/api/v1/boxes/{}", b["id"])).await;
    let openings = list(&b["openings"]);
    assert!(openings.len() >= 3, "{b}");
    let mut states = Vec::new();
    for o in openings {
        let openers = list(&o["openers"]);
        assert_eq!(openers.len(), 2, "{o}");
        assert_ne!(openers[0], openers[1], "two different people");
        let slips = list(&o["suggestions"]);
        assert_eq!(o["slips"], json!(slips.len()), "{o}");
        states.extend(slips.iter().map(|s| s["state"].as_str().unwrap()));
    }
    let n = |state: &str| states.iter().filter(|s| **s == state).count();
    assert!(n("answered_direct") >= 3, "{states:?}");
    assert_eq!((n("merged"), n("rejected")), (1, 1), "{states:?}");
    assert_eq!(n("request"), 0, "no slip became a request");
    let all: Vec<&Value> = openings
        .iter()
        .flat_map(|o| list(&o["suggestions"]))
        .collect();
    let rejected = all.iter().find(|s| s["state"] == "rejected").unwrap();
    assert!(
        !rejected["reason"].as_str().unwrap().is_empty(),
        "{rejected}"
    );
    let ebike = all
        .iter()
        .find(|s| s["text"] == "地下室充电桩建得不合理；老人没有智能手机，不能扫码付费")
        .expect("the e-bike slip");
    assert_eq!(ebike["state"], "became_topic", "{ebike}");
    let merged = all.iter().find(|s| s["state"] == "merged").unwrap();
    assert_eq!(merged["merged_into"], ebike["id"], "{merged}");
}

/// The e-bike topic, from the slip and a web suggestion with a contact, decided; its id.
async fn the_topic(t: &TestApp) -> Value {
    let topics = ok(t, "dxy_staff", "/api/v1/communities/DXY/topics").await;
    let ebike = find(&topics, "title", "3号楼地下室电动车充电桩改造");
    assert_eq!(ebike["state"], "decided", "{ebike}");
    let from = list(&ebike["suggestions"]);
    assert_eq!(from.len(), 2, "{ebike}");
    let mut sources = Vec::new();
    for id in from {
        let s = ok(t, "dxy_staff", &format!("/api/v1/suggestions/{id}")).await;
        if s["source"] == "web" {
            assert!(s["author_phone"].is_string(), "a contact: {s}");
        }
        sources.push(s["source"].as_str().unwrap().to_string());
    }
    sources.sort();
    assert_eq!(sources, ["box", "web"]);
    let dance = find(&topics, "title", "3号楼前广场舞时间和音量约定");
    assert_ne!(dance["state"], "decided", "its sitting failed its quorum");
    ebike["id"].clone()
}

/// The two sittings: one quorum_failed, the e-bike one held with quorum and a passed
/// vote, noticed at least three days before; the decision's id.
async fn the_sittings(t: &TestApp, topic: &Value) -> i64 {
    let sittings = ok(t, "dxy_staff", "/api/v1/communities/DXY/sittings").await;
    let failed = find(&sittings, "state", "quorum_failed");
    let failed = ok(
        t,
        "dxy_staff",
        &format!("/api/v1/sittings/{}", failed["id"]),
    )
    .await;
    let q = &failed["quorum"];
    assert_eq!(q["met"], false, "{q}");
    assert!(q["entitled"].as_u64().unwrap() > 0 && q["present"].as_u64().unwrap() > 0);
    assert!(q["present"].as_u64() < q["needed"].as_u64(), "{q}");
    assert!(list(&failed["decisions"]).is_empty());

    let held = list(&sittings)
        .iter()
        .find(|s| s["title"].as_str().unwrap().contains("电动车充电桩"))
        .expect("the e-bike sitting");
    assert_eq!(held["body"], "household_assembly");
    let s = ok(t, "dxy_staff", &format!("/api/v1/sittings/{}", held["id"])).await;
    assert!(["held", "minutes_approved"].contains(&s["state"].as_str().unwrap()));
    let q = &s["quorum"];
    let (entitled, present) = (
        q["entitled"].as_u64().unwrap(),
        q["present"].as_u64().unwrap(),
    );
    assert!(entitled > 0 && present * 2 > entitled, "{q}");
    assert_eq!(q["met"], true);
    let day = NaiveDate::parse_from_str(s["day"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let noticed = time(&s["notice_posted_at"]).date_naive();
    assert!(
        (day - noticed).num_days() >= 3,
        "noticed {noticed} for {day}"
    );
    assert!(list(&s["agenda"]).iter().any(|a| a["topic_id"] == *topic));
    let vote = &list(&s["votes"])[0];
    assert_eq!(vote["passed"], true, "{vote}");
    let decision = &list(&s["decisions"])[0];
    assert_eq!(decision["topic_id"], *topic);
    decision["id"].as_i64().unwrap()
}

/// The decision passed, its 公示 on the east gate board and online for seven days, its
/// two items for the property company (one verified).
async fn the_decision(t: &TestApp, id: i64) {
    let d = ok(t, "dxy_staff", &format!("/api/v1/council-decisions/{id}")).await;
    assert_eq!(d["passed"], true, "{d}");
    assert_eq!(
        d["text"],
        "把充电桩从地下室移到地面；物业办公室增加刷卡付费"
    );

    let showing = ok(t, "dxy_staff", "/api/v1/publications?showing=1").await;
    let mine: Vec<&Value> = list(&showing)
        .iter()
        .filter(|p| p["subject_kind"] == "council_decision" && p["subject_id"] == id)
        .collect();
    assert_eq!(mine.len(), 2, "{showing}");
    assert!(mine.iter().any(|p| p["board"] == "德馨苑东门公示栏"));
    assert!(mine.iter().any(|p| p["venue"] == "online_wall"));
    for p in &mine {
        assert_eq!(p["kind"], "decision");
        assert!(
            (time(&p["until"]) - time(&p["from"])).num_days() >= 7,
            "{p}"
        );
    }

    let path = format!("/api/v1/action-items?source_kind=council_decision&source_id={id}");
    let items = ok(t, "dxy_staff", &path).await;
    let items = list(&items);
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items.iter().all(|i| i["owner"] == "DXY-WY"));
    let mut states: Vec<&str> = items.iter().map(|i| i["state"].as_str().unwrap()).collect();
    states.sort();
    assert_eq!(states, ["in_progress", "verified"]);
}

/// The joint meeting series: three meetings, the first an earlier one whose item was
/// reported on, claimed done and struck off, its request still open.
async fn the_joint_series(t: &TestApp) {
    let bodies = ok(t, "admin", "/api/v1/joint-bodies").await;
    let body = &list(&bodies)[0];
    let meetings = ok(
        t,
        "admin",
        &format!("/api/v1/joint-bodies/{}/meetings", body["id"]),
    )
    .await;
    let meetings = list(&meetings);
    assert_eq!(meetings.len(), 3, "{meetings:?}");
    let first = &meetings[0];
    assert_eq!(first["state"], "minutes_issued");
    assert_eq!(first["number"], "纪要第1期");
    let path = format!(
        "/api/v1/action-items?source_kind=meeting_decision&source_id={}",
        first["id"]
    );
    let items = ok(t, "admin", &path).await;
    let item = &list(&items)[0];
    let item = ok(t, "admin", &format!("/api/v1/action-items/{}", item["id"])).await;
    assert_eq!(item["state"], "verified");
    let actions: Vec<&str> = list(&item["events"])
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["issue", "progress", "claim_done", "verify"]);
    let request = &list(&item["requests"])[0];
    assert_ne!(
        request["state"], "closed",
        "the request stays open: {request}"
    );
}

#[tokio::test]
async fn the_demo_has_a_council_with_history() {
    let t = TestApp::spawn().await;
    assert!(minhu_fixtures::demo::load(&t.app).await.unwrap());
    the_box(&t).await;
    let topic = the_topic(&t).await;
    let decision = the_sittings(&t, &topic).await;
    the_decision(&t, decision).await;
    the_joint_series(&t).await;
}
