//! The district's joint meeting (联席会议) over real HTTP: a 疑难件 queued for the office, a
//! meeting proposed, approved by the convener only, noticed, held with a substitute, decided
//! with a lead unit, minutes 第1期 and 第2期 with their action items tied to the requests
//! (which stay open with their deadline), carry-over with age, the figures, bad input named
//! by field, scope, and two servers issuing the same minutes at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use minhu_domain::org::Role;
use minhu_store::ItemFilter;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn field(v: &Value) -> &str {
    v["error"]["field"].as_str().unwrap_or("")
}

fn today() -> String {
    minhu_domain::time::local_date(chrono::Utc::now()).to_string()
}

async fn people(t: &mut TestApp) {
    t.add_person("zhb_head", Role::DistrictAdmin, "SFQ").await;
    t.add_person("h_zjj", Role::UnitHandler, "ZJJ").await;
}

/// The district's joint body: led by ZHB, convened by zhb_head.
async fn body(t: &TestApp) -> i64 {
    let (s, v) = t
        .post(
            "admin",
            "/api/v1/joint-bodies",
            json!({"name": "民呼必应联席会议", "lead_unit": "ZHB", "convener": "zhb_head",
                   "cadence": "每月一次",
                   "members": [
                       {"unit": "ZJJ", "liaison": "王强", "phone": "0971-6100001"},
                       {"unit": "CZJ", "liaison": "李敏", "phone": "0971-6100002"},
                       {"unit": "FGJ", "liaison": "周平", "phone": "0971-6100003"},
                       {"unit": "YB", "liaison": "孙丽", "phone": "13900000004"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["members"][1]["liaison"], "李敏");
    v["id"].as_i64().unwrap()
}

/// A walk-in request of 德馨苑 dispatched as 疑难件 (hard).
async fn hard_case(t: &TestApp, content: &str) -> Value {
    let id = t.walk_in(content).await;
    t.step("dxy_staff", id, "accept", json!({})).await;
    let r = t
        .step(
            "dxy_staff",
            id,
            "dispatch",
            json!({"unit": "DXY-WY", "difficulty": "hard"}),
        )
        .await;
    assert_eq!(r["difficulty"], "hard");
    // The sweep takes it into the queue (reading the queue writes nothing).
    minhu_web::service::sweep(&t.app, chrono::Utc::now())
        .await
        .unwrap();
    r
}

async fn candidate_of(t: &TestApp, body: i64, request: i64) -> Value {
    let (s, list) = t
        .get("admin", &format!("/api/v1/joint-bodies/{body}/candidates"))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["requests"].as_array().unwrap().contains(&json!(request)))
        .cloned()
        .unwrap_or(Value::Null)
}

async fn ok(t: &TestApp, who: &str, path: &str, body: Value) -> Value {
    let (s, v) = t.post(who, path, body).await;
    assert!(s.is_success(), "{who} {path}: {s} {v}");
    v
}

async fn propose(t: &TestApp, body: i64) -> Value {
    let (s, v) = t
        .post(
            "admin",
            &format!("/api/v1/joint-bodies/{body}/meetings"),
            json!({"kind": "coordination", "day": today(), "place": "区政府三楼会议室", "chair": "张副区长"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "proposed");
    v
}

/// A meeting approved, noticed and held, with `candidates` on its agenda.
async fn held(t: &TestApp, body: i64, candidates: &[i64]) -> i64 {
    let m = propose(t, body).await;
    let id = m["id"].as_i64().unwrap();
    let path = |s: &str| format!("/api/v1/joint-meetings/{id}/{s}");
    for c in candidates {
        ok(t, "admin", &path("items"), json!({"candidate_id": c, "presenter_unit": "YB", "proposed_handling": "提请区住建局牵头"})).await;
    }
    let items = m["items"].as_array().unwrap().len() + candidates.len();
    ok(t, "zhb_head", &path("approve"), json!({})).await;
    for no in m["items"].as_array().unwrap().len() + 1..=items {
        ok(t, "admin", &path("admit"), json!({"item": no})).await;
    }
    ok(t, "admin", &path("notice"), json!({})).await;
    ok(t, "admin", &path("hold"), json!({})).await;
    id
}

fn decision(lead: &str) -> Value {
    json!({"text": "区住建局牵头30个工作日内完成雨污管网改造", "lead_unit": lead, "co_units": ["CZJ"],
           "working_days": 30, "acceptance": "管网通水、雨天无返水", "funding": "区财政老旧小区改造专项"})
}

#[tokio::test]
async fn a_hard_case_goes_through_the_joint_meeting() {
    let mut t = TestApp::spawn().await;
    people(&mut t).await;

    // Bad bodies name their field; only the office's staff set one up.
    for (b, want) in [
        (json!({"lead_unit": "ZHB"}), "name"),
        (
            json!({"name": "x", "lead_unit": "CGJ", "convener": "zhb_head", "cadence": "每月",
                   "members": [{"unit": "ZJJ", "liaison": "王强", "phone": "1"}]}),
            "lead_unit",
        ),
        (
            json!({"name": "x", "lead_unit": "ZHB", "convener": "zhb_head", "cadence": "每月",
                   "members": [{"unit": "ZJJ", "liaison": "王强", "phone": "电话"}]}),
            "members[0].phone",
        ),
        (
            json!({"name": "x", "lead_unit": "ZHB", "convener": "nobody", "cadence": "每月",
                   "members": [{"unit": "ZJJ", "liaison": "王强", "phone": "1"}]}),
            "convener",
        ),
    ] {
        let (s, v) = t.post("admin", "/api/v1/joint-bodies", b.clone()).await;
        assert_eq!(
            (s, field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, want),
            "{b}: {v}"
        );
    }
    let (s, _) = t
        .post(
            "yb_street",
            "/api/v1/joint-bodies",
            json!({"name": "x", "lead_unit": "ZHB", "convener": "zhb_head", "cadence": "每月",
                   "members": [{"unit": "ZJJ", "liaison": "王强", "phone": "1"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let body = body(&t).await;

    // A 疑难件 appears in the office's queue by itself, by the sweep.
    let hard = hard_case(&t, "德馨苑雨污管网老化，雨天污水倒灌").await;
    let hard_id = hard["id"].as_i64().unwrap();
    let deadline = hard["deadline"].clone();
    let flagged = candidate_of(&t, body, hard_id).await;
    assert_eq!(
        (
            flagged["origin"].as_str(),
            flagged["state"].as_str(),
            flagged["kind"].as_str()
        ),
        (Some("flagged"), Some("queued"), Some("request")),
        "{flagged}"
    );
    // Listing again does not queue it twice.
    let (_, list) = t
        .get("admin", &format!("/api/v1/joint-bodies/{body}/candidates"))
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    // The community puts forward two requests as one case it cannot solve.
    let a = t.walk_in("6号楼外墙脱落").await;
    let b = t.walk_in("7号楼外墙脱落").await;
    let cands = format!("/api/v1/joint-bodies/{body}/candidates");
    let (s, elsewhere) = t
        .post("ybsq_staff", "/api/v1/requests", json!({"channel": "walk_in", "type": "complaint", "content": "应滨社区的事", "jurisdiction": "YBSQ-G01"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    for (b, want) in [
        (
            json!({"request_ids": [a, b], "title": "外墙脱落"}),
            "reason",
        ),
        (
            json!({"request_ids": [], "title": "t", "reason": "r"}),
            "request_ids",
        ),
        (
            json!({"request_ids": "a", "title": "t", "reason": "r"}),
            "request_ids",
        ),
        (
            json!({"request_ids": [elsewhere["id"]], "title": "t", "reason": "r"}),
            "request_ids",
        ),
        (
            json!({"request_ids": [hard_id], "title": "t", "reason": "r"}),
            "request_ids",
        ),
    ] {
        let (s, v) = t.post("dxy_staff", &cands, b.clone()).await;
        assert_eq!(
            (s, field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, want),
            "{b}: {v}"
        );
    }
    let (s, walls) = t
        .post("dxy_staff", &cands, json!({"request_ids": [a, b], "title": "6、7号楼外墙脱落", "reason": "涉及维修基金使用，社区和街道无法协调"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{walls}");
    assert_eq!(walls["origin"], "proposed");
    assert_eq!(walls["requests"], json!([a, b]));
    // A unit handler puts nothing forward; the community does not read the office's queue.
    let (s, _) = t
        .post(
            "h_cgj",
            &cands,
            json!({"request_ids": [a], "title": "t", "reason": "r"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t.get("dxy_staff", &cands).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A third case is dismissed, once.
    let c = t.walk_in("广场舞噪音").await;
    let (_, noise) = t
        .post(
            "dxy_staff",
            &cands,
            json!({"request_ids": [c], "title": "噪音", "reason": "多次调解无果"}),
        )
        .await;
    let dismiss = format!("/api/v1/joint-candidates/{}/dismiss", noise["id"]);
    let (s, v) = t.post("admin", &dismiss, json!({})).await;
    assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "reason"));
    let (s, _) = t.post("dxy_staff", &dismiss, json!({"reason": "x"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let v = ok(
        &t,
        "admin",
        &dismiss,
        json!({"reason": "属社区自治事项，退回社区"}),
    )
    .await;
    assert_eq!(v["state"], "dismissed");
    let (s, _) = t.post("admin", &dismiss, json!({"reason": "again"})).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The meeting: proposed with a bad kind refused by name.
    let (s, v) = t
        .post(
            "admin",
            &format!("/api/v1/joint-bodies/{body}/meetings"),
            json!({"kind": "party", "day": today(), "place": "p", "chair": "c"}),
        )
        .await;
    assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "kind"));
    let m = propose(&t, body).await;
    let id = m["id"].as_i64().unwrap();
    let path = |s: &str| format!("/api/v1/joint-meetings/{id}/{s}");
    let v = ok(&t, "admin", &path("items"), json!({"candidate_id": flagged["id"], "presenter_unit": "YB", "proposed_handling": "提请区住建局牵头改造"})).await;
    assert_eq!(v["items"][0]["state"], "proposed");
    let summary = &v["items"][0]["requests"][0];
    assert_eq!(summary["code"], hard["code"], "{summary}");
    assert_eq!(summary["jurisdiction"], "DXY-G03");
    assert_eq!(summary["days_open"], 0);
    assert_eq!(summary["sla"], "none");
    let (s, _) = t
        .post(
            "admin",
            &path("items"),
            json!({"candidate_id": flagged["id"], "presenter_unit": "YB"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a case is on one agenda");
    ok(
        &t,
        "admin",
        &path("items"),
        json!({"candidate_id": walls["id"], "presenter_unit": "YB"}),
    )
    .await;
    let (s, v) = t
        .post("admin", &path("items"), json!({"presenter_unit": "YB"}))
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "candidate_id")
    );
    assert_eq!(candidate_of(&t, body, hard_id).await["state"], "admitted");

    // Only the convener approves.
    let (s, v) = t.post("admin", &path("approve"), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let v = ok(&t, "zhb_head", &path("approve"), json!({})).await;
    assert_eq!(
        (v["state"].as_str(), v["approved_by"].as_str()),
        (Some("approved"), Some("zhb_head"))
    );
    let (s, v) = t.post("admin", &path("hold"), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = t
        .post("admin", &path("admit"), json!({"item": "one"}))
        .await;
    assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "item"));
    ok(&t, "admin", &path("admit"), json!({"item": 1})).await;
    ok(&t, "admin", &path("admit"), json!({"item": 2})).await;
    let v = ok(&t, "admin", &path("notice"), json!({})).await;
    assert_eq!(v["state"], "noticed");

    // Attendance: present, a substitute (代), an absence with its reason.
    let (s, v) = t
        .post(
            "admin",
            &path("attendance"),
            json!({"unit": "CGJ", "presence": "present", "person": "x"}),
        )
        .await;
    assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "unit"));
    let (s, v) = t
        .post(
            "admin",
            &path("attendance"),
            json!({"unit": "FGJ", "presence": "absent"}),
        )
        .await;
    assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "reason"));
    ok(
        &t,
        "admin",
        &path("attendance"),
        json!({"unit": "ZJJ", "presence": "present", "person": "王强", "signed": true}),
    )
    .await;
    ok(
        &t,
        "admin",
        &path("attendance"),
        json!({"unit": "CZJ", "presence": "substitute", "person": "赵六", "signed": true}),
    )
    .await;
    ok(
        &t,
        "admin",
        &path("attendance"),
        json!({"unit": "FGJ", "presence": "absent", "reason": "参加市里会议"}),
    )
    .await;
    let v = ok(&t, "admin", &path("hold"), json!({})).await;
    assert_eq!(v["state"], "held");
    let sub = v["attendance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["unit"] == "CZJ")
        .unwrap()
        .clone();
    assert_eq!(
        (sub["presence"].as_str(), sub["for_person"].as_str()),
        (Some("substitute"), Some("李敏"))
    );

    // Decisions: the office leads none; bad fields named.
    for (d, want) in [
        (decision("ZHB"), "decisions[0].lead_unit"),
        (decision("NOPE"), "decisions[0].lead_unit"),
        (
            json!({"text": "t", "lead_unit": "ZJJ", "working_days": "ten", "acceptance": "a"}),
            "decisions[0].working_days",
        ),
        (
            json!({"text": "t", "lead_unit": "ZJJ", "working_days": 10}),
            "decisions[0].acceptance",
        ),
    ] {
        let (s, v) = t
            .post(
                "admin",
                &path("decide"),
                json!({"item": 1, "decisions": [d.clone()]}),
            )
            .await;
        assert_eq!(
            (s, field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, want),
            "{d}: {v}"
        );
    }
    let (s, v) = t.post("admin", &path("issue"), json!({})).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "items"),
        "{v}"
    );
    ok(
        &t,
        "admin",
        &path("decide"),
        json!({"item": 1, "decisions": [decision("ZJJ")]}),
    )
    .await;
    ok(
        &t,
        "admin",
        &path("defer"),
        json!({"item": 2, "reason": "待维修基金使用方案"}),
    )
    .await;
    let (s, _) = t.post("h_zjj", &path("issue"), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let v = ok(&t, "admin", &path("issue"), json!({})).await;
    assert_eq!(
        (v["state"].as_str(), v["number"].as_str()),
        (Some("minutes_issued"), Some("纪要第1期")),
        "{v}"
    );
    let item_id = v["items"][0]["decisions"][0]["action_item_id"]
        .as_i64()
        .expect("an action item");
    let (s, _) = t.post("admin", &path("issue"), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The action item: tied to the request, owned by the lead unit, issued by the office.
    let rows = t
        .app
        .store
        .action_items(&ItemFilter {
            request: Some(hard_id),
            ..ItemFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (
            row.id,
            row.source_kind.as_str(),
            row.owner.as_str(),
            row.issued_by.as_str(),
            row.co_units.as_str()
        ),
        (item_id, "meeting_decision", "ZJJ", "ZHB", "CZJ")
    );
    assert_eq!(
        row.due,
        t.app.calendar().working_days_deadline(row.issued_at, 30)
    );
    // The request is still open with its own deadline.
    let (_, r) = t.get("admin", &format!("/api/v1/requests/{hard_id}")).await;
    assert_eq!(r["state"], "dispatched");
    assert_eq!(r["deadline"], deadline);
    assert_eq!(candidate_of(&t, body, hard_id).await["state"], "decided");
    // The lead unit reads its item and the meeting; a unit outside the body reads neither.
    let (s, _) = t
        .get("h_zjj", &format!("/api/v1/action-items/{item_id}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t
        .get("h_zjj", &format!("/api/v1/joint-meetings/{id}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    for who in ["h_cgj", "ybsq_staff", "dxy_staff"] {
        let (s, _) = t.get(who, &format!("/api/v1/joint-meetings/{id}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
        let (s, _) = t.get(who, &format!("/api/v1/joint-bodies/{body}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
    }

    // The next meeting carries the deferred case and the unverified item, with their age.
    let next = propose(&t, body).await;
    let carried = next["items"].as_array().unwrap();
    assert_eq!(carried.len(), 2, "{next}");
    assert_eq!(carried[0]["candidate_id"], walls["id"]);
    assert_eq!(carried[0]["carried_from"], id);
    assert_eq!(carried[1]["action_item_id"], item_id);
    assert_eq!(carried[1]["requests"][0]["id"], hard_id);
    for c in carried {
        assert_eq!(c["state"], "admitted");
        assert_eq!(
            (c["age_days"].as_i64(), c["overdue_working_days"].as_i64()),
            (Some(0), Some(0))
        );
    }
    let second = next["id"].as_i64().unwrap();
    let path2 = |s: &str| format!("/api/v1/joint-meetings/{second}/{s}");
    ok(&t, "zhb_head", &path2("approve"), json!({})).await;
    ok(&t, "admin", &path2("notice"), json!({})).await;
    ok(&t, "admin", &path2("hold"), json!({})).await;
    ok(&t, "admin", &path2("decide"), json!({"item": 1, "decisions": [{"text": "区住建局会同区财政局启用维修基金修复外墙", "lead_unit": "ZJJ", "co_units": ["CZJ", "YB"], "working_days": 20, "acceptance": "外墙修复并经街道验收"}]})).await;
    ok(
        &t,
        "admin",
        &path2("discuss"),
        json!({"item": 2, "note": "住建局汇报：已完成设计，正在招标"}),
    )
    .await;
    let v = ok(&t, "admin", &path2("issue"), json!({})).await;
    assert_eq!(v["number"], "纪要第2期", "{v}");
    let rows = t
        .app
        .store
        .action_items(&ItemFilter {
            request: Some(b),
            ..ItemFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "the case's second request is tied too");

    // The month's figures per unit, for the district only.
    let month = &today()[..7];
    let (s, v) = t
        .get("admin", &format!("/api/v1/joint-figures?month={month}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let zjj = v
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["unit"] == "ZJJ")
        .unwrap();
    assert_eq!(
        (
            zjj["decided"].as_i64(),
            zjj["on_time"].as_i64(),
            zjj["overdue"].as_i64()
        ),
        (Some(2), Some(0), Some(0))
    );
    let (s, v) = t.get("admin", "/api/v1/joint-figures?month=2026-13").await;
    assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "month"));
    let (s, v) = t
        .get("dxy_staff", &format!("/api/v1/joint-figures?month={month}"))
        .await;
    assert_eq!((s, field(&v)), (StatusCode::FORBIDDEN, "jurisdiction"));
    let figures = minhu_app::joint_meeting::joint_unit_figures(
        &t.app,
        minhu_domain::joint_meeting::parse_month("month", month).unwrap(),
    )
    .await
    .unwrap();
    assert!(figures.iter().any(|f| f.unit == "ZJJ" && f.decided == 2));

    // A dissolved body stays on record and meets no more.
    let dissolve = format!("/api/v1/joint-bodies/{body}/dissolve");
    let (s, _) = t.post("h_zjj", &dissolve, json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let v = ok(&t, "admin", &dissolve, json!({})).await;
    assert_eq!(v["state"], "dissolved");
    let (s, _) = t.post("admin", &dissolve, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = t
        .post(
            "admin",
            &format!("/api/v1/joint-bodies/{body}/meetings"),
            json!({"kind": "regular", "day": today(), "place": "p", "chair": "c"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, list) = t.get("h_zjj", "/api/v1/joint-bodies").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "a member reads its body");
    let (_, list) = t.get("h_cgj", "/api/v1/joint-bodies").await;
    assert!(list.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn reading_the_queue_writes_nothing_and_two_sweeping_servers_queue_once() {
    let mut t = TestApp::spawn().await;
    people(&mut t).await;
    let body = body(&t).await;
    let cands = format!("/api/v1/joint-bodies/{body}/candidates");
    let mut ids = Vec::new();
    for content in ["德馨苑地下车库长期积水", "德馨苑12号楼屋面漏水"] {
        let id = t.walk_in(content).await;
        t.step("dxy_staff", id, "accept", json!({})).await;
        t.step(
            "dxy_staff",
            id,
            "dispatch",
            json!({"unit": "DXY-WY", "difficulty": "hard"}),
        )
        .await;
        ids.push(id);
    }
    // Listing the queue (twice) queues nothing.
    for _ in 0..2 {
        let (s, list) = t.get("admin", &cands).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        assert_eq!(list, json!([]), "a GET takes nothing in");
    }
    // Two servers sweep at once, three times: each case is queued once.
    let other = TestApp::start(&t.db_url).await;
    let now = chrono::Utc::now();
    let mut queued = 0;
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            minhu_web::service::sweep(&t.app, now),
            minhu_web::service::sweep(&other.app, now)
        );
        queued += a.unwrap().joint_candidates + b.unwrap().joint_candidates;
    }
    // The second server's own monitor sweeps once as it starts and may take the cases in
    // before these sweeps do; whichever server queues them, no case is counted twice.
    assert!(
        queued <= 2,
        "the sweeps' reports count each case at most once: {queued}"
    );
    let (_, list) = t.get("admin", &cands).await;
    let mut got: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(
                (c["origin"].as_str(), c["state"].as_str()),
                (Some("flagged"), Some("queued"))
            );
            c["requests"][0].as_i64().unwrap()
        })
        .collect();
    got.sort();
    assert_eq!(got, ids, "{list}");
}

#[tokio::test]
async fn two_servers_issuing_the_same_minutes_give_one_set_of_items() {
    let mut t = TestApp::spawn().await;
    people(&mut t).await;
    let body = body(&t).await;
    let hard = hard_case(&t, "德馨苑地下车库长期积水").await;
    let flagged = candidate_of(&t, body, hard["id"].as_i64().unwrap()).await;
    let id = held(&t, body, &[flagged["id"].as_i64().unwrap()]).await;
    ok(
        &t,
        "admin",
        &format!("/api/v1/joint-meetings/{id}/decide"),
        json!({"item": 1, "decisions": [decision("ZJJ"), decision("SZYL")]}),
    )
    .await;

    let other = TestApp::start(&t.db_url).await;
    let issue = |base: String| {
        let req = t
            .client
            .post(format!("{base}/api/v1/joint-meetings/{id}/issue"))
            .bearer_auth(t.token("admin"))
            .json(&json!({}));
        async move { req.send().await.unwrap().status() }
    };
    let (a, b) = tokio::join!(issue(t.base.clone()), issue(other.base.clone()));
    let mut got = [a, b];
    got.sort();
    assert_eq!(got, [StatusCode::OK, StatusCode::CONFLICT]);
    let rows = t
        .app
        .store
        .action_items(&ItemFilter {
            source: Some(("meeting_decision".into(), id)),
            ..ItemFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "one item per decision, once");
    let (_, v) = t
        .get("admin", &format!("/api/v1/joint-meetings/{id}"))
        .await;
    assert_eq!(v["number"], "纪要第1期");
}

#[tokio::test]
async fn the_demo_has_a_joint_meeting_series() {
    let t = TestApp::spawn().await;
    assert!(minhu_fixtures::demo::load(&t.app).await.unwrap());
    let admin = minhu_domain::org::Actor::person("admin", Role::DistrictAdmin, "SFQ");
    let bodies = minhu_app::joint_meeting::bodies(&t.app, &admin)
        .await
        .unwrap();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0].convener, "zhangzhan");
    let meetings = minhu_app::joint_meeting::meetings(&t.app, &admin, bodies[0].id)
        .await
        .unwrap();
    assert_eq!(meetings.len(), 3, "{meetings:?}");
    assert_eq!(meetings[0].number.as_deref(), Some("纪要第1期"));
    assert_eq!(meetings[1].number.as_deref(), Some("纪要第2期"));
    assert_eq!(meetings[2].state.as_str(), "proposed");
    assert_eq!(meetings[2].items.len(), 2, "both unverified items carried");
    let month = minhu_domain::time::local_date(t.app.now())
        .format("%Y-%m-01")
        .to_string();
    let month = chrono::NaiveDate::parse_from_str(&month, "%Y-%m-%d").unwrap();
    let figures = minhu_app::joint_meeting::joint_unit_figures(&t.app, month)
        .await
        .unwrap();
    let units: Vec<&str> = figures.iter().map(|f| f.unit.as_str()).collect();
    assert_eq!(units, ["CZJ", "ZJJ"]);
}
