//! Action items tied to the requests they resolve, over real HTTP on both backends: the
//! issue checks each tracking code (unknown, out of scope and finished requests refused
//! alike, naming `requests`), the item lists its requests, and the request's own timeline
//! (staff API, staff page, public tracking page and API) shows the item's steps — issue,
//! 督办通知 with its 文号 from the sweep, done claim, 销号 — while the request keeps its own
//! state and deadline. The public page shows no unit notes and no phone numbers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::pages::{PASSWORD, Visitor, with_passwords};

pub(crate) async fn page(t: &TestApp, who: Option<&str>, path: &str) -> String {
    let mut r = t.client.get(format!("{}{path}", t.base));
    if let Some(who) = who {
        with_passwords(t, &[who]).await;
        let mut v = Visitor::new(t);
        v.login(who, PASSWORD).await;
        r = r.header("cookie", v.cookie_header());
    }
    let resp = r.send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.text().await.unwrap()
}

pub(crate) async fn request(t: &TestApp, id: i64) -> Value {
    let (s, v) = t.get("dxy_staff", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn issue(t: &TestApp, codes: &[&str]) -> (StatusCode, Value) {
    t.post(
        "dxy_staff",
        "/api/v1/action-items",
        json!({"source_kind": "meeting_decision", "source_id": 7, "title": "地下车库充电桩移至地面",
               "owner": "DXY-WY", "working_days": 3, "requests": codes}),
    )
    .await
}

fn assert_refused(s: StatusCode, v: &Value) {
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "requests", "{v}");
}

#[tokio::test]
async fn issuing_checks_each_request_and_leaves_its_state_and_deadline() {
    let t = TestApp::spawn().await;
    let id = t
        .walk_in("地下车库电瓶车充电桩线路老化，老人不会扫码")
        .await;
    t.step("dxy_staff", id, "accept", json!({})).await;
    let before = request(&t, id).await;
    let code = before["code"].as_str().unwrap().to_string();

    let (s, item) = issue(&t, &[&code]).await;
    assert_eq!(s, StatusCode::CREATED, "{item}");
    let linked = &item["requests"][0];
    assert_eq!(linked["code"], code.as_str(), "{item}");
    assert_eq!(linked["state"], before["state"]);
    assert_eq!(linked["deadline"], before["deadline"]);
    assert_eq!(linked["href"], format!("/staff/requests/{id}"));
    assert!(!linked["title"].as_str().unwrap().is_empty());
    let after = request(&t, id).await;
    for field in ["state", "deadline", "warning", "version"] {
        assert_eq!(
            after[field], before[field],
            "{field} unchanged by the issue"
        );
    }
    assert_eq!(
        after["events"], before["events"],
        "no request event written"
    );
    // The item's page lists the request with a link to it.
    let iid = item["id"].as_i64().unwrap();
    let html = page(&t, Some("dxy_staff"), &format!("/staff/action-items/{iid}")).await;
    assert!(
        html.contains(&format!("href=\"/staff/requests/{id}\"")),
        "{html}"
    );
    assert!(html.contains(&code) && html.contains("关联工单"), "{html}");
    let (_, shown) = t
        .get("dxy_staff", &format!("/api/v1/action-items/{iid}"))
        .await;
    assert_eq!(shown["requests"][0]["code"], code.as_str());

    // Unknown, out of scope (应滨社区's request) and finished requests are refused.
    let (s, unknown) = issue(&t, &[&code, "ZZ00000000"]).await;
    assert_refused(s, &unknown);
    let (s, v) = t
        .post("ybsq_staff", "/api/v1/requests", json!({"channel": "walk_in", "type": "complaint", "content": "应滨社区的事", "jurisdiction": "YBSQ-G01"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let elsewhere = v["code"].as_str().unwrap().to_string();
    let (s, hidden) = issue(&t, &[&elsewhere]).await;
    assert_refused(s, &hidden);
    assert_eq!(
        hidden["error"]["code"], unknown["error"]["code"],
        "out of scope reads as unknown"
    );
    let said = hidden["error"]["message"]
        .as_str()
        .unwrap()
        .replace(&elsewhere, "X");
    assert_eq!(
        said,
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .replace("ZZ00000000", "X"),
        "the same words: the code does not leak"
    );
    let done_id = t.walk_in("咨询充电桩收费标准").await;
    t.step("dxy_staff", done_id, "answer", json!({"reply": "已答复"}))
        .await;
    let done = request(&t, done_id).await;
    let (s, finished) = issue(&t, &[done["code"].as_str().unwrap()]).await;
    assert_refused(s, &finished);
    assert_eq!(finished["error"]["code"], "invalid_parameter");
    let (_, all) = t.get("dxy_staff", "/api/v1/action-items").await;
    assert_eq!(
        all.as_array().unwrap().len(),
        1,
        "refused issues wrote nothing"
    );
}

pub(crate) fn at(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn the_request_timeline_shows_the_items_steps_staff_and_public() {
    let t = TestApp::spawn().await;
    let id = t
        .walk_in("地下车库充电桩存在安全隐患，老人不会扫码付费")
        .await;
    t.step("dxy_staff", id, "accept", json!({})).await;
    let before = request(&t, id).await;
    let code = before["code"].as_str().unwrap().to_string();
    let (s, item) = issue(&t, &[&code]).await;
    assert_eq!(s, StatusCode::CREATED, "{item}");
    let iid = item["id"].as_i64().unwrap();

    // Past the due date the sweep sends the 督办通知 with its 文号.
    let late = at(&item["due"]) + Duration::minutes(1);
    minhu_web::service::sweep(&t.app, late).await.unwrap();
    let (_, v) = t
        .get("dxy_staff", &format!("/api/v1/action-items/{iid}"))
        .await;
    assert_eq!(v["oversight_sent"], json!(["supervise"]), "{v}");
    let note = "已移至地面，联系人王师傅13912345678";
    let (s, v) = t
        .post(
            "h_dxy_wy",
            &format!("/api/v1/action-items/{iid}/claim-done"),
            json!({"note": note, "evidence": [{"kind": "document", "reference": "验收单"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/action-items/{iid}/verify"),
            json!({"note": "现场核实"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // The staff API: the request's events and the item's steps, by time.
    let req = request(&t, id).await;
    let timeline = req["timeline"].as_array().unwrap();
    let steps: Vec<&str> = timeline
        .iter()
        .filter(|e| e["source"] == "action_item")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["issued", "supervised", "claimed_done", "verified"],
        "{req}"
    );
    assert_eq!(timeline[0]["source"], "request");
    assert_eq!(timeline[0]["action"], "register");
    let times: Vec<String> = timeline
        .iter()
        .map(|e| e["at"].as_str().unwrap().to_string())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let supervised = timeline
        .iter()
        .find(|e| e["action"] == "supervised")
        .unwrap();
    let number = supervised["number"].as_str().unwrap().to_string();
    assert!(number.contains("督"), "{supervised}");
    let issued = timeline.iter().find(|e| e["action"] == "issued").unwrap();
    assert_eq!(issued["due"], item["due"]);
    assert_eq!(issued["item_id"], iid);
    // The request keeps its own state and deadline.
    assert_eq!(req["state"], before["state"]);
    assert_eq!(req["deadline"], before["deadline"]);
    // Nothing of the item is written into the request's log: what it had is unchanged and
    // anything added since is the request's own deadline monitor.
    let (old, new) = (
        before["events"].as_array().unwrap(),
        req["events"].as_array().unwrap(),
    );
    assert_eq!(&new[..old.len()], &old[..]);
    assert!(
        new[old.len()..].iter().all(|e| e["actor"] == "system"),
        "{req}"
    );

    // The staff page shows the same steps, linked to the item.
    let html = page(&t, Some("dxy_staff"), &format!("/staff/requests/{id}")).await;
    for words in [
        "督办事项交办",
        "督办通知",
        "申请销号",
        "督办事项销号",
        number.as_str(),
    ] {
        assert!(html.contains(words), "{words}: {html}");
    }
    assert!(
        html.contains(&format!("/staff/action-items/{iid}")),
        "{html}"
    );

    // The public page and API: public wording, no notes, no phone numbers.
    let public = page(&t, None, &format!("/track/{code}")).await;
    for words in [
        "已提交联席会议研究并交办",
        "已督办",
        "承办单位报告已办结",
        "已办结销号",
    ] {
        assert!(public.contains(words), "{words}: {public}");
    }
    for secret in [
        "13912345678",
        "王师傅",
        "现场核实",
        "验收单",
        "h_dxy_wy",
        "dxy_staff",
    ] {
        assert!(!public.contains(secret), "{secret} on the public page");
    }
    let (s, tracked) = t
        .call(
            None,
            reqwest::Method::GET,
            &format!("/api/v1/track/{code}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let words: Vec<&str> = tracked["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    assert!(
        words
            .iter()
            .any(|w| w.starts_with("已提交联席会议研究并交办")),
        "{words:?}"
    );
    assert!(
        words.contains(&"已督办") && words.contains(&"已办结销号"),
        "{words:?}"
    );
    let text = tracked.to_string();
    assert!(
        !text.contains("13912345678") && !text.contains("王师傅"),
        "{text}"
    );

    // The two papers print.
    let notice = page(
        &t,
        Some("dxy_staff"),
        &format!("/staff/action-items/{iid}/notice"),
    )
    .await;
    assert!(
        notice.contains("督办通知单") && notice.contains(&number),
        "{notice}"
    );
    assert!(notice.contains(&code), "{notice}");
    let feedback = page(
        &t,
        Some("dxy_staff"),
        &format!("/staff/action-items/{iid}/feedback"),
    )
    .await;
    assert!(
        feedback.contains("落实情况反馈表") && feedback.contains(note),
        "{feedback}"
    );
}
