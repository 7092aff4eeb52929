//! The joint meeting's scenario in the seed's words, over real HTTP on both backends:
//! "社区能协调解决的两天内解决，社区解决不了的报街道、区有关部门协调". A resident of 德馨苑's
//! 公租房小区 reports that the top floors leak; the community dispatches it to the street as a
//! 疑难件; the street and the community say in their notes they cannot solve it (it needs
//! the city's 房管中心, 住建 and 财政); the sweep queues it for the district's joint meeting; a
//! 专题协调会 is proposed, approved by the convener, noticed and held (one unit by
//! substitute); it names a lead unit, co-units, a deadline and an acceptance criterion; 纪要第1期
//! is issued and its action item is tied to the request. Time passes: 催办 before the due
//! date, the 督办通知 with its 文号 after it, the 通报 five working days on; the lead unit
//! reports progress and claims done; the office strikes it off (销号). The request's own
//! timeline (staff API, staff page, public tracking page) shows each step in order, the
//! request kept its own deadline throughout, and it is then replied to and called back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use minhu_domain::org::Role;
use minhu_domain::time::{local_date, start_of_local_day};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::action_item_requests::{at, page, request};
use crate::helpers::{TestApp, actions};

const COMPLAINT: &str = "德馨苑公租房小区12号楼顶层住户反映：屋面防水层老化，一下雨就漏水，\
墙皮发霉脱落，物业说维修资金不够，已反映多次";

async fn ok(t: &TestApp, who: &str, path: &str, body: Value) -> Value {
    let (s, v) = t.post(who, path, body).await;
    assert!(s.is_success(), "{who} {path}: {s} {v}");
    v
}

/// The district's joint body (民呼必应快速响应机制建设工作联席会议), led by the office.
async fn joint_body(t: &TestApp) -> i64 {
    let v = ok(
        t,
        "admin",
        "/api/v1/joint-bodies",
        json!({"name": "民呼必应快速响应机制建设工作联席会议", "lead_unit": "ZHB",
               "convener": "zhb_head", "cadence": "每月一次，必要时召开专题协调会",
               "members": [
                   {"unit": "FGJ", "liaison": "周平", "phone": "0971-6100003"},
                   {"unit": "CZJ", "liaison": "李敏", "phone": "0971-6100002"},
                   {"unit": "ZJJ", "liaison": "王强", "phone": "0971-6100001"},
                   {"unit": "YB", "liaison": "孙丽", "phone": "13900000004"}]}),
    )
    .await;
    v["id"].as_i64().unwrap()
}

/// Sweeps as the server's job does, at `when`.
async fn sweep(t: &TestApp, when: DateTime<Utc>) {
    minhu_web::service::sweep(&t.app, when).await.unwrap();
}

async fn item(t: &TestApp, id: i64) -> Value {
    let (s, v) = t.get("admin", &format!("/api/v1/action-items/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

#[tokio::test]
async fn a_hard_case_the_street_cannot_solve_goes_to_the_joint_meeting() {
    let mut t = TestApp::spawn().await;
    t.add_person("zhb_head", Role::DistrictAdmin, "SFQ").await;
    t.add_person("h_zjj", Role::UnitHandler, "ZJJ").await;
    let body = joint_body(&t).await;

    // 1. Registered at the counter; the community cannot solve it and reports it up; the
    // street dispatches it to itself as a 疑难件.
    let id = t.walk_in(COMPLAINT).await;
    t.step("dxy_staff", id, "accept", json!({})).await;
    let r = t
        .step(
            "dxy_staff",
            id,
            "escalate",
            json!({"reason": "社区多次协调物业未果，屋面翻修资金社区解决不了，报街道"}),
        )
        .await;
    assert_eq!(
        (r["state"].as_str(), r["tier"].as_str()),
        (Some("pending_dispatch"), Some("street")),
        "{r}"
    );
    let r = t
        .step(
            "yb_street",
            id,
            "dispatch",
            json!({"unit": "YB", "difficulty": "hard"}),
        )
        .await;
    assert_eq!(
        (r["state"].as_str(), r["difficulty"].as_str()),
        (Some("dispatched"), Some("hard")),
        "{r}"
    );
    let deadline = r["deadline"].clone();
    let sla_version = r["sla_version"].clone();
    let code = r["code"].as_str().unwrap().to_string();

    // 2. The street tries, and says in its notes it cannot solve it either.
    t.step("yb_street", id, "sign", json!({})).await;
    let r = t.step("yb_street", id, "progress", json!({"note": "街道已组织物业、社区现场查看，屋面需整体翻修，物业维修资金不足，涉及市房管中心、区住建局和区财政局，街道无法协调解决，报区联席会议"})).await;
    assert_eq!(r["state"], "in_progress");

    // 3. The sweep takes the 疑难件 into the joint meeting's queue.
    sweep(&t, Utc::now()).await;
    let (s, queue) = t
        .get("admin", &format!("/api/v1/joint-bodies/{body}/candidates"))
        .await;
    assert_eq!(s, StatusCode::OK, "{queue}");
    let queue = queue.as_array().unwrap();
    assert_eq!(queue.len(), 1, "{queue:?}");
    let case = &queue[0];
    assert_eq!(
        (
            case["origin"].as_str(),
            case["state"].as_str(),
            case["requests"].clone()
        ),
        (Some("flagged"), Some("queued"), json!([id])),
        "{case}"
    );
    let queue_page = page(
        &t,
        Some("admin"),
        &format!("/staff/joint-bodies/{body}/candidates"),
    )
    .await;
    assert!(
        queue_page.contains("派单标记疑难件")
            && queue_page.contains(&format!("href=\"/staff/requests/{id}\""))
            && queue_page.contains("屋面防水层老化"),
        "the office sees the case: {queue_page}"
    );

    // 4. A 专题协调会: proposed, the case on its agenda, approved by the convener, noticed.
    let today = local_date(Utc::now()).to_string();
    let m = ok(
        &t,
        "admin",
        &format!("/api/v1/joint-bodies/{body}/meetings"),
        json!({"kind": "coordination", "day": today, "place": "区政府三楼会议室", "chair": "张副区长"}),
    )
    .await;
    assert_eq!(
        (m["state"].as_str(), m["kind"].as_str()),
        (Some("proposed"), Some("coordination")),
        "{m}"
    );
    let mid = m["id"].as_i64().unwrap();
    let path = |s: &str| format!("/api/v1/joint-meetings/{mid}/{s}");
    let v = ok(&t, "admin", &path("items"), json!({"candidate_id": case["id"], "presenter_unit": "YB", "proposed_handling": "提请区住建局牵头，区财政局、市房管中心协同解决屋面翻修资金"})).await;
    let summary = &v["items"][0]["requests"][0];
    assert_eq!(
        (summary["code"].as_str(), summary["jurisdiction"].as_str()),
        (Some(code.as_str()), Some("DXY-G03")),
        "{summary}"
    );
    let (s, _) = t.post("admin", &path("approve"), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only the convener approves");
    let v = ok(&t, "zhb_head", &path("approve"), json!({})).await;
    assert_eq!(
        (v["state"].as_str(), v["approved_by"].as_str()),
        (Some("approved"), Some("zhb_head"))
    );
    ok(&t, "admin", &path("admit"), json!({"item": 1})).await;
    assert_eq!(
        ok(&t, "admin", &path("notice"), json!({})).await["state"],
        "noticed"
    );

    // 5. Held: the members sign in, 财政局 by a substitute.
    for a in [
        json!({"unit": "ZJJ", "presence": "present", "person": "王强", "signed": true}),
        json!({"unit": "CZJ", "presence": "substitute", "person": "赵六", "signed": true}),
        json!({"unit": "FGJ", "presence": "present", "person": "周平", "signed": true}),
        json!({"unit": "YB", "presence": "present", "person": "孙丽", "signed": true}),
    ] {
        ok(&t, "admin", &path("attendance"), a).await;
    }
    let v = ok(&t, "admin", &path("hold"), json!({})).await;
    assert_eq!(v["state"], "held");
    let czj = v["attendance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["unit"] == "CZJ")
        .unwrap();
    assert_eq!(
        (czj["presence"].as_str(), czj["for_person"].as_str()),
        (Some("substitute"), Some("李敏"))
    );

    // 6. Decided: 住建局 leads, 财政局 and the street assist, 10 working days, a criterion.
    let v = ok(
        &t,
        "admin",
        &path("decide"),
        json!({"item": 1, "decisions": [{
        "text": "区住建局牵头，会同区财政局、应滨街道，10个工作日内完成12号楼屋面防水翻修",
        "lead_unit": "ZJJ", "co_units": ["CZJ", "YB"], "working_days": 10,
        "acceptance": "屋面翻修完成，雨天顶层住户家中无渗漏，经街道和社区验收",
        "funding": "区财政老旧小区改造专项资金"}]}),
    )
    .await;
    assert_eq!(v["items"][0]["state"], "decided", "{v}");

    // 7. 纪要第1期 issued; its action item is tied to the request.
    let v = ok(&t, "admin", &path("issue"), json!({})).await;
    assert_eq!(
        (v["state"].as_str(), v["number"].as_str()),
        (Some("minutes_issued"), Some("纪要第1期")),
        "{v}"
    );
    let iid = v["items"][0]["decisions"][0]["action_item_id"]
        .as_i64()
        .unwrap();
    let it = item(&t, iid).await;
    assert_eq!(
        (
            it["owner"].as_str(),
            it["co_units"].clone(),
            it["source_kind"].as_str()
        ),
        (Some("ZJJ"), json!(["CZJ", "YB"]), Some("meeting_decision")),
        "{it}"
    );
    assert_eq!(it["requests"][0]["code"], code.as_str());
    let due = at(&it["due"]);
    assert_eq!(
        due,
        t.app
            .calendar()
            .working_days_deadline(at(&it["events"][0]["at"]), 10)
    );
    let shown = page(&t, Some("admin"), &format!("/staff/joint-meetings/{mid}")).await;
    assert!(
        shown.contains("纪要第1期") && shown.contains("赵六（代李敏）"),
        "{shown}"
    );
    let minutes = page(
        &t,
        Some("admin"),
        &format!("/staff/joint-meetings/{mid}/paper/minutes"),
    )
    .await;
    for words in [
        "纪要第1期",
        "12号楼屋面防水翻修",
        "屋面翻修完成，雨天顶层住户家中无渗漏",
    ] {
        assert!(minutes.contains(words), "{words}: {minutes}");
    }
    let r = request(&t, id).await;
    assert_eq!(
        (r["state"].as_str(), r["deadline"].clone()),
        (Some("in_progress"), deadline.clone())
    );

    // 8. Time passes. Two working days before the due date: 催办.
    let cal = t.app.calendar();
    let due_day = local_date(due);
    let mut urge_day = due_day;
    for _ in 0..2 {
        urge_day = urge_day.pred_opt().unwrap();
        while !cal.is_working_day(urge_day) {
            urge_day = urge_day.pred_opt().unwrap();
        }
    }
    sweep(&t, start_of_local_day(urge_day) + Duration::hours(10)).await;
    assert_eq!(item(&t, iid).await["oversight_sent"], json!(["urge"]));
    // Past the due date: the 督办通知 with its 文号.
    sweep(&t, due + Duration::minutes(1)).await;
    let it = item(&t, iid).await;
    assert_eq!(it["oversight_sent"], json!(["urge", "supervise"]), "{it}");
    // Five working days on and still not done: the 通报.
    let bulletin = start_of_local_day(cal.add_working_days(due_day, 5)) + Duration::hours(10);
    sweep(&t, bulletin - Duration::days(1)).await;
    assert_eq!(
        item(&t, iid).await["oversight_sent"],
        json!(["urge", "supervise"]),
        "not a day early"
    );
    sweep(&t, bulletin).await;
    assert_eq!(
        item(&t, iid).await["oversight_sent"],
        json!(["urge", "supervise", "bulletin"])
    );

    // 9. The lead unit reports and claims done; the office strikes it off (销号).
    let step = |s: &str| format!("/api/v1/action-items/{iid}/{s}");
    ok(
        &t,
        "h_zjj",
        &step("progress"),
        json!({"note": "施工单位已进场，屋面防水层已铲除重做"}),
    )
    .await;
    ok(
        &t,
        "h_zjj",
        &step("claim-done"),
        json!({"note": "屋面翻修完工，经雨天检验无渗漏",
        "evidence": [{"kind": "document", "reference": "竣工验收单"}]}),
    )
    .await;
    let (s, _) = t.post("h_zjj", &step("verify"), json!({})).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the owner does not strike off its own work"
    );
    let v = ok(
        &t,
        "admin",
        &step("verify"),
        json!({"note": "街道、社区现场核实"}),
    )
    .await;
    assert_eq!(v["state"], "verified");

    // 10. The request's own timeline shows each step, in order; it kept its deadline.
    let r = request(&t, id).await;
    assert_eq!(
        r["deadline"], deadline,
        "the request's own deadline throughout"
    );
    assert_eq!(r["sla_version"], sla_version);
    assert_eq!(
        r["state"], "in_progress",
        "still open until replied and called back"
    );
    let timeline = r["timeline"].as_array().unwrap();
    let times: Vec<&str> = timeline.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(
        times
            .windows(2)
            .all(|w| at(&json!(w[0])) <= at(&json!(w[1]))),
        "{times:?}"
    );
    let steps: Vec<String> = timeline
        .iter()
        .filter(|e| e["source"] == "action_item" || e["actor"] != "system")
        .map(|e| {
            format!(
                "{}:{}",
                e["source"].as_str().unwrap(),
                e["action"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            "request:register",
            "request:accept",
            "request:escalate",
            "request:dispatch",
            "request:sign",
            "request:progress",
            "action_item:issued",
            "action_item:urged",
            "action_item:supervised",
            "action_item:bulletin",
            "action_item:progress",
            "action_item:claimed_done",
            "action_item:verified"
        ],
        "{timeline:?}"
    );
    let issued = timeline.iter().find(|e| e["action"] == "issued").unwrap();
    assert_eq!(
        (issued["item_id"].as_i64(), issued["due"].clone()),
        (Some(iid), it["due"].clone())
    );
    assert!(
        issued["detail"]
            .as_str()
            .unwrap()
            .contains("交区住建局办理，协办：区财政局、应滨街道办事处"),
        "{issued}"
    );
    let number = timeline
        .iter()
        .find(|e| e["action"] == "supervised")
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(number.contains("督字第"), "{number}");
    // What the monitor wrote into the request's own log is about its own deadline only.
    for e in timeline
        .iter()
        .filter(|e| e["source"] == "request" && e["actor"] == "system")
    {
        assert!(
            ["warn", "urge", "escalate"].contains(&e["action"].as_str().unwrap()),
            "{e}"
        );
    }

    // The staff request page shows the same steps and the 文号, linked to the item.
    let html = page(&t, Some("dxy_staff"), &format!("/staff/requests/{id}")).await;
    let mut from = 0;
    for words in [
        "督办事项交办",
        "督办事项催办",
        "督办通知",
        "督办通报",
        "落实情况反馈",
        "申请销号",
        "督办事项销号",
    ] {
        let found = html[from..]
            .find(words)
            .unwrap_or_else(|| panic!("{words} after the previous step: {html}"));
        from += found + words.len();
    }
    assert!(
        html.contains(&number) && html.contains(&format!("/staff/action-items/{iid}")),
        "{html}"
    );

    // The resident's tracking page: public wording, in order, no notes or names.
    let public = page(&t, None, &format!("/track/{code}")).await;
    let mut from = 0;
    for words in [
        "已提交联席会议研究并交办",
        "已催办",
        "已督办",
        "逾期未办结，已通报",
        "承办单位反馈了落实情况",
        "承办单位报告已办结",
        "已办结销号",
    ] {
        let found = public[from..]
            .find(words)
            .unwrap_or_else(|| panic!("{words} in order: {public}"));
        from += found + words.len();
    }
    for secret in [
        "竣工验收单",
        "王强",
        "赵六",
        "现场核实",
        "h_zjj",
        "维修资金不足",
    ] {
        assert!(!public.contains(secret), "{secret} on the public page");
    }

    // 11. Then replied and called back as usual.
    t.step(
        "yb_street",
        id,
        "reply",
        json!({
        "account": "经区联席会议专题协调，区住建局牵头完成12号楼屋面防水翻修（纪要第1期）",
        "public_reply": "12号楼屋面防水已整体翻修，经雨天检验无渗漏",
        "measures": "纳入老旧小区改造计划，物业每季度巡查屋面", "solved": true}),
    )
    .await;
    // The street dispatched it, so the street reviews the reply and calls the resident back.
    let r = t
        .step("yb_street", id, "review", json!({"pass": true}))
        .await;
    assert_eq!(
        (r["tier"].as_str(), r["state"].as_str()),
        (Some("street"), Some("pending_callback"))
    );
    let r = t.step("yb_street", id, "callback", json!({"reached": true, "contacted": true, "solved": true, "satisfaction": "satisfied"})).await;
    assert_eq!(r["state"], "closed");
    let own: Vec<&str> = r["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] != "system")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions(&r).len() >= own.len());
    assert_eq!(
        own,
        [
            "register", "accept", "escalate", "dispatch", "sign", "progress", "reply", "review",
            "callback"
        ]
    );
    let public = page(&t, None, &format!("/track/{code}")).await;
    assert!(public.contains("12号楼屋面防水已整体翻修"), "{public}");
}
