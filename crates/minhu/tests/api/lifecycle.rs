//! Every illegal transition answers 409; the side paths move state and deadline as designed.

use minhu_domain::lifecycle::ACTIONS;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, actions};

/// A well-formed body for each action, so only the state can be at fault.
fn body(action: &str, other_id: i64) -> Value {
    match action {
        "answer" => json!({"reply": "已答复"}),
        "reject" => json!({"reason_code": 7, "note": "重复"}),
        "dispatch" => json!({"unit": "DXY-WY"}),
        "request_return" | "suspend" | "escalate" | "reopen" => json!({"reason": "原因"}),
        "decide_return" | "decide_extension" => json!({"approve": true}),
        "progress" => json!({"note": "进展"}),
        "request_extension" => json!({"days": 3, "reason": "需要采购"}),
        "reply" => json!({"account": "内部", "public_reply": "公开", "solved": true}),
        "review" => json!({"pass": true}),
        "callback" => {
            json!({"reached": true, "contacted": true, "solved": true, "satisfaction": "satisfied"})
        }
        "merge" => json!({"into": other_id}),
        "transfer" => json!({"unit": "DXY-GZF", "reason": "转公租房管理站"}),
        "add_co_units" => json!({"units": ["DXY-GZF"]}),
        "whistle" => json!({"units": ["CGJ"], "note": "请到场"}),
        "categorise" => json!({"category": "物业管理/公共设施/楼道"}),
        _ => json!({}),
    }
}

/// Which actions a state allows (per DESIGN §2 / §12); everything else must be 409.
fn allowed(state: &str) -> &'static [&'static str] {
    match state {
        "registered" => &["accept", "answer", "reject", "merge", "categorise"],
        "pending_dispatch" => &[
            "reject",
            "dispatch",
            "escalate",
            "urge",
            "supervise",
            "merge",
            "whistle",
            "arrive",
            "categorise",
        ],
        "dispatched" => &[
            "sign",
            "request_return",
            "escalate",
            "urge",
            "supervise",
            "transfer",
            "add_co_units",
            "whistle",
            "arrive",
            "categorise",
        ],
        "in_progress" => &[
            "progress",
            "request_return",
            "request_extension",
            "suspend",
            "escalate",
            "urge",
            "supervise",
            "reply",
            "transfer",
            "add_co_units",
            "whistle",
            "arrive",
            "categorise",
        ],
        "replied" => &["review", "arrive", "categorise"],
        "pending_callback" => &["callback", "close", "categorise"],
        "closed" => &["reopen", "archive", "categorise"],
        _ => &[],
    }
}

async fn assert_only_allowed(t: &TestApp, id: i64, state: &str, other: i64) {
    let before = t.get("admin", &format!("/api/v1/requests/{id}")).await.1;
    assert_eq!(before["state"], state);
    for action in ACTIONS {
        if allowed(state).contains(&action) {
            continue;
        }
        let (s, v) = t.act("admin", id, action, body(action, other)).await;
        assert_eq!(
            s,
            StatusCode::CONFLICT,
            "{action} in {state} must be 409: {v}"
        );
        assert_eq!(v["error"]["code"], "invalid_transition");
    }
    let after = t.get("admin", &format!("/api/v1/requests/{id}")).await.1;
    assert_eq!(
        before["events"], after["events"],
        "refused steps leave no trace"
    );
}

#[tokio::test]
async fn illegal_transitions_answer_409_in_every_state() {
    let t = TestApp::spawn().await;
    let other = t.walk_in("另一件诉求").await;
    let id = t.walk_in("楼道灯不亮").await;
    assert_only_allowed(&t, id, "registered", other).await;
    t.step("dxy_staff", id, "accept", json!({})).await;
    assert_only_allowed(&t, id, "pending_dispatch", other).await;
    t.step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    assert_only_allowed(&t, id, "dispatched", other).await;
    t.step("h_dxy_wy", id, "sign", json!({})).await;
    assert_only_allowed(&t, id, "in_progress", other).await;
    t.step(
        "h_dxy_wy",
        id,
        "reply",
        json!({"account": "已更换灯泡", "public_reply": "已修复", "solved": true}),
    )
    .await;
    assert_only_allowed(&t, id, "replied", other).await;
    t.step("dxy_staff", id, "review", json!({"pass": true}))
        .await;
    assert_only_allowed(&t, id, "pending_callback", other).await;
    t.step("dxy_staff", id, "callback", json!({"reached": true, "contacted": true, "solved": true, "satisfaction": "basically_satisfied"})).await;
    assert_only_allowed(&t, id, "closed", other).await;
    t.step("admin", id, "archive", json!({})).await;
    assert_only_allowed(&t, id, "archived", other).await;
}

#[tokio::test]
async fn return_is_arbitrated_and_extension_moves_the_deadline() {
    let t = TestApp::spawn().await;
    let id = t.walk_in("小区门口占道经营").await;
    t.step("dxy_staff", id, "accept", json!({})).await;
    t.step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    // The unit asks to return it; refused, it is back with the unit, still to sign.
    let r = t
        .step(
            "h_dxy_wy",
            id,
            "request_return",
            json!({"reason": "占道经营属城管职责"}),
        )
        .await;
    assert_eq!(r["state"], "return_requested");
    let (s, _) = t
        .act("h_dxy_wy", id, "decide_return", json!({"approve": true}))
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a unit cannot approve its own return"
    );
    let r = t
        .step(
            "dxy_staff",
            id,
            "decide_return",
            json!({"approve": false, "note": "请先现场处置"}),
        )
        .await;
    assert_eq!(r["state"], "dispatched");
    assert_eq!(r["lead_unit"], "DXY-WY");
    // Asked again after signing; approved this time: back in the dispatch queue, no unit.
    t.step("h_dxy_wy", id, "sign", json!({})).await;
    t.step(
        "h_dxy_wy",
        id,
        "request_return",
        json!({"reason": "占道经营属城管职责"}),
    )
    .await;
    let r = t
        .step("dxy_staff", id, "decide_return", json!({"approve": true}))
        .await;
    assert_eq!(r["state"], "pending_dispatch");
    assert!(r["lead_unit"].is_null() && r["deadline"].is_null());
    assert_eq!(r["return_count"], 1);
    // The community cannot send it to a district department: that is the street's or district's.
    let (s, v) = t
        .act("dxy_staff", id, "dispatch", json!({"unit": "CGJ"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["error"]["field"], "unit");
    let r = t
        .step(
            "admin",
            id,
            "dispatch",
            json!({"unit": "CGJ", "urgency": "urgent"}),
        )
        .await;
    assert_eq!(r["urgency"], "urgent");
    let d1 = chrono::DateTime::parse_from_rfc3339(r["deadline"].as_str().unwrap()).unwrap();
    let dispatched = chrono::DateTime::parse_from_rfc3339(
        r["events"].as_array().unwrap().last().unwrap()["at"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!((d1 - dispatched).num_hours(), 24, "urgent: 24 hours");
    t.step("h_cgj", id, "sign", json!({})).await;
    // Extension: asked by the unit, decided by the dispatcher, moves the deadline.
    let r = t
        .step(
            "h_cgj",
            id,
            "request_extension",
            json!({"days": 3, "reason": "需协调多个摊点"}),
        )
        .await;
    assert_eq!(r["pending_extension_days"], 3);
    let (s, _) = t
        .act(
            "h_cgj",
            id,
            "request_extension",
            json!({"days": 2, "reason": "再延"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "one pending extension at a time");
    let r = t
        .step("admin", id, "decide_extension", json!({"approve": true}))
        .await;
    let d2 = chrono::DateTime::parse_from_rfc3339(r["deadline"].as_str().unwrap()).unwrap();
    assert!(d2 > d1, "extension moves the deadline later");
    assert_eq!(r["extension_count"], 1);
    assert!(r["pending_extension_days"].is_null());
}

#[tokio::test]
async fn suspension_pauses_escalation_climbs_reopen_restarts() {
    let t = TestApp::spawn().await;
    let id = t.walk_in("顶楼漏水").await;
    t.step("dxy_staff", id, "accept", json!({})).await;
    t.step("dxy_staff", id, "dispatch", json!({"unit": "DXY-GZF"}))
        .await;
    let (s, _) = t.act("h_dxy_wy", id, "sign", json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another unit does not see it");
    let (s, _) = t.act("dxy_g3", id, "sign", json!({})).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the grid worker sees it but is not the unit"
    );
    // The community's own office can take it back and escalate it to the street.
    let r = t
        .step(
            "dxy_staff",
            id,
            "escalate",
            json!({"reason": "涉及房屋主体结构，社区无法解决"}),
        )
        .await;
    assert_eq!(r["state"], "pending_dispatch");
    assert_eq!(r["tier"], "street");
    let (s, _) = t
        .act("dxy_staff", id, "dispatch", json!({"unit": "DXY-GZF"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "now in the street's queue");
    let (_, q) = t
        .get("yb_street", "/api/v1/requests?state=pending_dispatch")
        .await;
    assert!(
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id && i["tier"] == "street")
    );
    let r = t
        .step("yb_street", id, "dispatch", json!({"unit": "YB"}))
        .await;
    assert_eq!(r["state"], "dispatched");
    // Escalate again, to the district; there it stops.
    let r = t
        .step(
            "yb_street",
            id,
            "escalate",
            json!({"reason": "需区住建局处理"}),
        )
        .await;
    assert_eq!(r["tier"], "district");
    let (s, v) = t
        .act("admin", id, "escalate", json!({"reason": "再上报"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    t.step(
        "admin",
        id,
        "dispatch",
        json!({"unit": "DXY-GZF", "difficulty": "hard"}),
    )
    .await;
    let r = t.step("h_dxy_gzf", id, "sign", json!({})).await;
    assert_eq!(r["difficulty"], "hard");
    let before = r["deadline"].as_str().unwrap().to_string();
    // Suspension pauses the clock: no warning while suspended; resumed with the time left.
    let (s, _) = t
        .act(
            "h_dxy_gzf",
            id,
            "suspend",
            json!({"reason": "等待雨季结束"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "suspension needs the dispatcher's approval"
    );
    let r = t
        .step(
            "admin",
            id,
            "suspend",
            json!({"reason": "等待雨季结束后施工"}),
        )
        .await;
    assert_eq!(r["state"], "suspended");
    assert_eq!(r["warning"], "none");
    let r = t.step("h_dxy_gzf", id, "resume", json!({})).await;
    assert_eq!(r["state"], "in_progress");
    let after = r["deadline"].as_str().unwrap();
    assert_eq!(
        after, before,
        "a pause within the same day costs no working day"
    );
    // Replied, reviewed, but the resident is unsatisfied: reopened with a fresh deadline.
    t.step(
        "h_dxy_gzf",
        id,
        "reply",
        json!({"account": "已修补", "public_reply": "已对屋面进行修补", "solved": true}),
    )
    .await;
    let r = t
        .step(
            "admin",
            id,
            "review",
            json!({"pass": false, "note": "未附现场照片"}),
        )
        .await;
    assert_eq!(r["state"], "in_progress", "a failed review sends it back");
    t.step(
        "h_dxy_gzf",
        id,
        "reply",
        json!({"account": "已修补并附照片", "public_reply": "已对屋面进行修补", "solved": true}),
    )
    .await;
    t.step("admin", id, "review", json!({"pass": true})).await;
    let r = t.step("dxy_staff", id, "callback", json!({"reached": true, "contacted": true, "solved": false, "satisfaction": "unsatisfied"})).await;
    assert_eq!(r["state"], "closed");
    let r = t
        .step("dxy_staff", id, "reopen", json!({"reason": "雨天仍漏水"}))
        .await;
    assert_eq!(r["state"], "in_progress");
    assert_eq!(r["reopen_count"], 1);
    // A fresh full limit from the moment of reopening (疑难件: 15 working days), recorded with its policy.
    let reopen = r["events"].as_array().unwrap().last().unwrap();
    assert_eq!(reopen["data"]["deadline"], r["deadline"]);
    assert_eq!(reopen["data"]["sla_version"], 1);
    assert!(r["deadline"].as_str().unwrap() >= after);
    assert_eq!(
        actions(&r),
        [
            "register", "accept", "dispatch", "escalate", "dispatch", "escalate", "dispatch",
            "sign", "suspend", "resume", "reply", "review", "reply", "review", "callback",
            "reopen"
        ]
    );
}

#[tokio::test]
async fn duplicates_merge_into_one_and_refusals_record_the_reason() {
    let t = TestApp::spawn().await;
    let first = t.walk_in("6号楼前路灯不亮").await;
    let dup = t.walk_in("6号楼门口的路灯坏了").await;
    let (s, v) = t.act("dxy_staff", dup, "merge", json!({"into": dup})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "into");
    let r = t
        .step("dxy_staff", dup, "merge", json!({"into": first}))
        .await;
    assert_eq!(r["state"], "merged");
    assert_eq!(r["merged_into"], first);
    let parent_code = t
        .get("dxy_staff", &format!("/api/v1/requests/{first}"))
        .await
        .1["code"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, track) = t
        .call(
            None,
            reqwest::Method::GET,
            &format!("/api/v1/track/{}", r["code"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(track["merged_into"], parent_code.as_str());
    // It follows its parent: when the parent is answered, the duplicate's requester sees it.
    assert_eq!(track["state"], "registered");
    t.step("dxy_staff", first, "accept", json!({})).await;
    t.step("dxy_staff", first, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    t.step("h_dxy_wy", first, "sign", json!({})).await;
    t.step(
        "h_dxy_wy",
        first,
        "reply",
        json!({"account": "更换灯具", "public_reply": "6号楼前路灯已修复", "solved": true}),
    )
    .await;
    let (_, track) = t
        .call(
            None,
            reqwest::Method::GET,
            &format!("/api/v1/track/{}", r["code"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(track["state"], "replied");
    assert_eq!(track["public_reply"], "6号楼前路灯已修复");
    assert_eq!(
        track["code"], r["code"],
        "still under the duplicate's own code"
    );
    assert_eq!(track["content"], "6号楼门口的路灯坏了");

    // Not accepted: the reason is told to the requester; an emergency records the referral.
    let gas = t.walk_in("楼道里闻到很浓的煤气味").await;
    let (s, v) = t
        .act("dxy_staff", gas, "reject", json!({"reason_code": 3}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["field"], "referral");
    let r = t
        .step(
            "dxy_staff",
            gas,
            "reject",
            json!({"reason_code": 3, "referral": "119"}),
        )
        .await;
    assert_eq!(r["state"], "not_accepted");
    let (_, track) = t
        .call(
            None,
            reqwest::Method::GET,
            &format!("/api/v1/track/{}", r["code"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(track["not_accepted"]["referral"], "119");
    assert!(
        track["not_accepted"]["reason"]
            .as_str()
            .unwrap()
            .contains("110、119、120、122")
    );
    let (s, _) = t
        .act("dxy_staff", gas, "reject", json!({"reason_code": 8}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}
