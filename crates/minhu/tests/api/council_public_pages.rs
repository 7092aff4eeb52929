//! The council hall's public pages over real HTTP (SQLite, and PostgreSQL when
//! configured): a sitting of 德馨苑 held with quorum and a passed decision on the e-bike
//! charging motion (through the API), its 决议公示 on the east-gate board with a photo (via
//! `minhu_app::publication`), an action item issued from it (source council_decision) —
//! then the hall shows the noticed sitting to come, the decision's vote and quorum numbers
//! and the 公示 with its board; the decision's page shows the item and 0/1, then 1/1 once
//! claimed and verified. No phone in any spelling, no resident's name on any public page; a
//! notice not yet posted is not shown; another community's decision here is a 404. A
//! decided topic links from the public topics page to its sitting's anchor on the hall and
//! to its decision's page, whose verified/total is the progress API's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use minhu_app::publication::{NewPublication, publish};
use minhu_domain::org::{Actor, Role};
use minhu_domain::publication::{PublicationKind, Venue};
use reqwest::StatusCode;
use serde_json::json;

use crate::council::{Home, MOTION, in_days, ok, register, sign};
use crate::helpers::TestApp;
use crate::pages::{PASSWORD, Visitor, jpeg_with_gps, with_passwords};

/// The phone of a resident, in five spellings a clerk might paste into public text.
const PHONES: [&str; 5] = [
    "13812345678",
    "138 1234 5678",
    "138-1234-5678",
    "１３８１２３４５６７８",
    "+86 138 1234 5678",
];

/// A held sitting with a passed decision; (sitting id, decision id).
async fn decided(t: &TestApp) -> (i64, i64) {
    let reg = register(
        t,
        "6",
        &[
            Home {
                room: "301",
                people: &[("孙桂兰", 1950)],
                moved_out: false,
            },
            Home {
                room: "302",
                people: &[("周国强", 1972)],
                moved_out: false,
            },
        ],
    )
    .await;
    let motion = format!("{MOTION}（联系人电话{}）", PHONES.join("，"));
    let s = ok(
        t,
        "/api/v1/communities/DXY/sittings",
        json!({
            "procedure": "resident_meeting", "title": "充电桩居民会议", "day": in_days(3),
            "place": "社区议事厅", "agenda": [{"title": "充电桩", "motion": motion}],
        }),
        StatusCode::CREATED,
    )
    .await;
    let id = s["id"].as_i64().unwrap();
    for h in &reg.households {
        let (st, v) = sign(t, id, json!({"subject_id": h.1[0], "presence": "present"})).await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    ok(
        t,
        &format!("/api/v1/sittings/{id}/hold"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    let vote = ok(
        t,
        &format!("/api/v1/sittings/{id}/votes"),
        json!({"agenda_seq": 1, "method": "hands"}),
        StatusCode::CREATED,
    )
    .await;
    ok(
        t,
        &format!("/api/v1/sitting-votes/{}/close", vote["id"]),
        json!({"counts": {"赞成": 2, "反对": 0, "弃权": 0}}),
        StatusCode::OK,
    )
    .await;
    let d = ok(
        t,
        &format!("/api/v1/sittings/{id}/decisions"),
        json!({"vote_id": vote["id"], "text": format!("{MOTION}，由孙桂兰13812345678反映")}),
        StatusCode::CREATED,
    )
    .await;
    (id, d["id"].as_i64().unwrap())
}

/// A sitting to come, noticed now or (with `posted_in` days) later.
async fn notice(t: &TestApp, title: &str, posted_in: Option<i64>) -> i64 {
    let posted = posted_in
        .map(|d| (Utc::now() + Duration::days(d)).to_rfc3339())
        .unwrap_or_default();
    let s = ok(
        t,
        "/api/v1/communities/DXY/sittings",
        json!({
            "procedure": "resident_meeting", "title": title, "day": in_days(12),
            "place": "社区活动室", "notice_posted_at": posted,
            "agenda": [{"title": "评议", "motion": "评议充电桩迁移的落实"}],
        }),
        StatusCode::CREATED,
    )
    .await;
    s["id"].as_i64().unwrap()
}

/// The element with `id`, up to the closing `end` tag.
fn block<'a>(html: &'a str, id: &str, end: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[at..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

async fn item_step(t: &TestApp, who: &str, id: i64, step: &str, body: serde_json::Value) {
    let (st, v) = t
        .post(who, &format!("/api/v1/action-items/{id}/{step}"), body)
        .await;
    assert_eq!(st, StatusCode::OK, "{step}: {v}");
}

fn assert_public(body: &str) {
    for p in PHONES {
        assert!(!body.contains(p), "a phone ({p}) on a public page");
    }
    for name in ["孙桂兰", "周国强"] {
        assert!(!body.contains(name), "a resident's name ({name})");
    }
}

#[tokio::test]
async fn residents_see_the_hall_and_a_decisions_progress() {
    let t = TestApp::spawn().await;
    let (_, did) = decided(&t).await;
    let coming = notice(&t, "落实情况评议会", None).await;
    let later = notice(&t, "尚未张贴的会议", Some(2)).await;

    let staff = Actor::person("dxy_staff", Role::CommunityStaff, "DXY");
    let photo = minhu_app::upload::clean_photo(Some("公示栏.jpg"), &jpeg_with_gps()).unwrap();
    let now = Utc::now();
    let notice_row = publish(
        &t.app.app,
        &staff,
        NewPublication {
            kind: PublicationKind::Decision,
            subject_kind: "council_decision".into(),
            subject_id: did,
            title: "关于充电桩迁至地面的决议公示".into(),
            body: MOTION.into(),
            venue: Venue::Board {
                board: "德馨苑东门公示栏".into(),
                photo: None,
            },
            board_photo: Some(photo),
            jurisdiction: None,
            from: now - Duration::minutes(1),
            until: now + Duration::days(8),
        },
    )
    .await
    .unwrap();

    let (s, item) = t
        .post(
            "dxy_staff",
            "/api/v1/action-items",
            json!({"source_kind": "council_decision", "source_id": did,
                   "title": "充电桩迁至地面", "owner": "DXY-WY", "working_days": 10}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{item}");
    let item_id = item["id"].as_i64().unwrap();

    let mut resident = Visitor::new(&t);
    let hall = resident.get("/communities/DXY/council").await;
    assert_eq!(hall.status, StatusCode::OK, "{}", hall.body);
    let b = &hall.body;
    assert!(b.contains(&format!("id=\"sitting-{coming}\"")) && b.contains("落实情况评议会"));
    assert!(b.contains("社区活动室") && b.contains("评议充电桩迁移的落实"));
    assert!(
        !b.contains(&format!("sitting-{later}")) && !b.contains("尚未张贴"),
        "a notice not yet posted is shown"
    );
    let d = block(b, &format!("decision-{did}"), "</article>");
    assert!(d.contains("把充电桩从地下室移到地面"), "{d}");
    assert!(
        d.contains("通过") && d.contains("<strong>2</strong>"),
        "{d}"
    );
    assert!(
        d.contains("应到 <strong>2</strong>") && d.contains("实到 <strong>2</strong>"),
        "{d}"
    );
    assert!(
        d.contains("决议公示") && d.contains("德馨苑东门公示栏"),
        "{d}"
    );
    let photo_path = format!("/communities/DXY/publications/{}/photo", notice_row.id);
    assert!(d.contains(&photo_path), "{d}");
    assert!(b.contains("/communities/DXY/topics"));
    assert_public(b);
    let pic = resident.get(&photo_path).await;
    assert_eq!(pic.status, StatusCode::OK);

    let path = format!("/communities/DXY/decisions/{did}");
    let page = resident.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let org = t.app.org();
    let owner = &org.unit("DXY-WY").unwrap().name;
    let row = block(&page.body, &format!("item-{item_id}"), "</tr>");
    assert!(
        row.contains("充电桩迁至地面") && row.contains(owner.as_str()),
        "{row}"
    );
    assert!(row.contains("待办"), "{row}");
    assert!(page.body.contains("<strong>0/1</strong>"), "{}", page.body);
    assert!(page.body.contains("已提交居民议事会研究并交办"));
    assert_public(&page.body);

    item_step(
        &t,
        "h_dxy_wy",
        item_id,
        "claim-done",
        json!({"note": "已迁至地面", "evidence": [{"kind": "document", "reference": "验收单"}]}),
    )
    .await;
    item_step(&t, "dxy_staff", item_id, "verify", json!({})).await;
    let page = resident.get(&path).await;
    assert!(page.body.contains("<strong>1/1</strong>"), "{}", page.body);
    assert!(page.body.contains("已销号") && page.body.contains("已办结销号"));
    assert_public(&page.body);

    // Another community's path does not show 德馨苑's decision; an unknown one is 404 too.
    let r = resident
        .get(&format!("/communities/YBSQ/decisions/{did}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = resident.get("/communities/DXY/decisions/999999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = resident
        .get(&format!(
            "/communities/YBSQ/publications/{}/photo",
            notice_row.id
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_clerk_enters_attendance_on_the_sitting_page() {
    let t = TestApp::spawn().await;
    with_passwords(&t, &["dxy_staff", "ybsq_staff"]).await;
    let reg = register(
        &t,
        "7",
        &[
            Home {
                room: "101",
                people: &[("郑美玲", 1966)],
                moved_out: false,
            },
            Home {
                room: "102",
                people: &[("钱大勇", 1970)],
                moved_out: false,
            },
        ],
    )
    .await;
    let id = notice(&t, "充电桩听证", None).await;
    let mut clerk = Visitor::new(&t);
    clerk.login("dxy_staff", PASSWORD).await;
    let page = clerk.get(&format!("/staff/sittings/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&format!("/staff/sittings/{id}/sign-in")));
    assert!(page.body.contains("郑**") && !page.body.contains("郑美玲"));
    assert!(page.body.contains("id=\"entitled\">2<"), "{}", page.body);

    let form = format!("/staff/sittings/{id}/attendance");
    let r = clerk
        .post(
            &form,
            &[
                ("subject_id", &reg.households[0].1[0].to_string()),
                ("presence", "proxy"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"error-proxy_to\""), "{}", r.body);
    let r = clerk
        .post(
            &form,
            &[
                ("subject_id", &reg.households[0].1[0].to_string()),
                ("presence", "present"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = clerk.get(&format!("/staff/sittings/{id}")).await;
    assert!(page.body.contains("id=\"present\">1<"), "{}", page.body);

    let mut other = Visitor::new(&t);
    other.login("ybsq_staff", PASSWORD).await;
    let r = other.get(&format!("/staff/sittings/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// verified/total as the decision's public page shows it (`<strong>1/2</strong>`).
fn page_figure(body: &str) -> (u64, u64) {
    let p = block(body, "progress", "</p>");
    let at = p.find("<strong>").expect("a figure") + "<strong>".len();
    let (v, t) = p[at..p.find("</strong>").unwrap()].split_once('/').unwrap();
    (v.parse().unwrap(), t.parse().unwrap())
}

async fn api_figure(t: &TestApp, did: i64) -> (u64, u64) {
    let (s, v) = t
        .get(
            "dxy_staff",
            &format!("/api/v1/council-decisions/{did}/progress"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (
        v["verified"].as_u64().unwrap(),
        v["total"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn a_decided_topic_links_to_its_sitting_and_decision_and_the_figures_agree() {
    let t = TestApp::spawn().await;
    let d = crate::council_scenario::decided(&t).await;
    let did = d.decision;
    let (_, decision) = t
        .get("dxy_staff", &format!("/api/v1/council-decisions/{did}"))
        .await;
    let sid = decision["sitting_id"].as_i64().unwrap();
    let mut resident = Visitor::new(&t);

    // The public topics page: the decided topic links to its sitting on the hall and to its
    // decision's page, and both land on something.
    let topics = resident.get("/communities/DXY/topics").await;
    assert_eq!(topics.status, StatusCode::OK, "{}", topics.body);
    let row = block(&topics.body, &format!("topic-{}", d.topic), "</tr>");
    let to_sitting = format!("/communities/DXY/council#sitting-{sid}");
    let to_decision = format!("/communities/DXY/decisions/{did}");
    assert!(row.contains(&format!("href=\"{to_sitting}\"")), "{row}");
    assert!(row.contains(&format!("href=\"{to_decision}\"")), "{row}");
    let hall = resident.get("/communities/DXY/council").await;
    assert!(
        hall.body.contains(&format!("id=\"sitting-{sid}\"")),
        "the sitting's anchor: {}",
        hall.body
    );
    assert_eq!(resident.get(&to_decision).await.status, StatusCode::OK);

    // The API and the page count the same items, before and after one is verified.
    let (s, v) = crate::council_scenario::publish(&t, did, 7).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let items = format!("/api/v1/council-decisions/{did}/items");
    let mut ids = Vec::new();
    for title in ["充电桩迁至地面", "安装刷卡机"] {
        let v = ok(
            &t,
            &items,
            json!({"title": title, "owner": "DXY-WY", "working_days": 10}),
            StatusCode::CREATED,
        )
        .await;
        ids.push(v["item_id"].as_i64().unwrap());
    }
    let page = resident.get(&to_decision).await;
    assert_eq!(page_figure(&page.body), (0, 2), "{}", page.body);
    assert_eq!(api_figure(&t, did).await, (0, 2));
    crate::council_scenario::item_step(&t, "h_dxy_wy", ids[0], "claim-done", "已迁").await;
    crate::council_scenario::item_step(&t, "dxy_staff", ids[0], "verify", "").await;
    let page = resident.get(&to_decision).await;
    assert_eq!(page_figure(&page.body), (1, 2), "{}", page.body);
    assert_eq!(api_figure(&t, did).await, (1, 2));
    assert_public(&page.body);
}
