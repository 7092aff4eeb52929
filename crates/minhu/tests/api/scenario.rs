//! The seed's e-bike charging case, from 贺桂莲's walk-in complaint to a satisfied callback.

use chrono::{DateTime, Utc};
use minhu_domain::calendar::Calendar;
use minhu_domain::time::{local_date, rfc3339};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, actions};

#[tokio::test]
async fn ebike_charging_complaint_from_counter_to_closed() {
    let t = TestApp::spawn().await;

    // 1. 贺桂莲 walks into the 民呼必应 service station; the clerk registers her complaint.
    let (s, r) = t
        .post(
            "dxy_staff",
            "/api/v1/requests",
            json!({
                "channel": "walk_in",
                "type": "complaint",
                "subject": "地下室电动车充电难",
                "content": "小区电动车充电桩设在地下室，推车上下很困难，老人推不动，希望把充电桩建到地面上。",
                "requester": {"name": "贺桂莲", "phone": "139 3712 5806"},
                "address": "德馨苑6号楼2单元301",
                "jurisdiction": "DXY-G03",
                "category": "公共服务/充电设施/电动车充电"
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let id = r["id"].as_i64().unwrap();
    let code = r["code"].as_str().unwrap().to_string();
    assert_eq!(r["state"], "registered");
    assert_eq!(r["tier"], "community");
    assert_eq!(
        r["requester"]["name"], "贺**",
        "personal data masked by default"
    );
    assert_eq!(r["requester"]["phone"], "139****5806");
    assert_eq!(r["address"], "德馨苑6号楼");
    assert_eq!(actions(&r), ["register"]);
    assert!(r["received_at"].as_str().unwrap().ends_with("+08:00"));

    // 2. The community screens it: accepted (one of the 7 accepted classes).
    let r = t
        .step("dxy_staff", id, "accept", json!({"note": "居民反映集中"}))
        .await;
    assert_eq!(r["state"], "pending_dispatch");

    // 3. Dispatched to the charging service point, with property management and the
    //    public-housing station as co-handlers. Deadline: 2 working days (community level).
    let r = t
        .step(
            "dxy_staff",
            id,
            "dispatch",
            json!({"unit": "DXY-CD", "co_units": ["DXY-WY", "DXY-GZF"]}),
        )
        .await;
    assert_eq!(r["state"], "dispatched");
    assert_eq!(r["lead_unit"], "DXY-CD");
    assert_eq!(r["co_units"], json!(["DXY-WY", "DXY-GZF"]));
    assert_eq!(r["sla_version"], 1);
    let dispatched_at: DateTime<Utc> =
        DateTime::parse_from_rfc3339(r["events"][2]["at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc);
    let calendar = Calendar::new(t.app.store.calendar_days().await.unwrap());
    let expected = calendar.working_days_deadline(dispatched_at, 2);
    assert_eq!(r["deadline"], rfc3339(expected));
    assert!(calendar.is_working_day(local_date(expected)));
    assert_eq!(r["warning"], "none");

    // 4. The unit signs for it, reports progress; a co-handler adds a note too.
    let r = t.step("h_dxy_cd", id, "sign", json!({})).await;
    assert_eq!(r["state"], "in_progress");
    let r = t
        .step(
            "h_dxy_cd",
            id,
            "progress",
            json!({"note": "已现场查看，拟在中心广场东侧地面建设充电棚"}),
        )
        .await;
    assert_eq!(r["state"], "in_progress");
    let r = t
        .step(
            "h_dxy_wy",
            id,
            "progress",
            json!({"note": "物业配合提供场地"}),
        )
        .await;
    assert_eq!(r["events"].as_array().unwrap().len(), 6);

    // 5. Reply: the internal account and the public reply are separate.
    let r = t
        .step(
            "h_dxy_cd",
            id,
            "reply",
            json!({
                "account": "协调物业与公租房管理站，充电桩迁建至地面，增加充值卡刷卡充电。",
                "public_reply": "充电桩已统一建到地面，老人可到物业办理充值卡直接刷卡充电。",
                "measures": "充电桩统一建在地面；缴费升级，增加充值卡",
                "solved": true
            }),
        )
        .await;
    assert_eq!(r["state"], "replied");
    assert_eq!(r["reply"]["solved"], true);

    // 6. The community reviews the reply, then calls her back: satisfied.
    let r = t
        .step("dxy_staff", id, "review", json!({"pass": true}))
        .await;
    assert_eq!(r["state"], "pending_callback");
    let r = t.step("dxy_staff", id, "callback", json!({"reached": true, "contacted": true, "solved": true, "satisfaction": "satisfied"})).await;
    assert_eq!(r["state"], "closed");
    assert_eq!(r["callback"]["satisfaction"], "satisfied");
    assert!(r["closed_at"].is_string());
    assert_eq!(
        actions(&r),
        [
            "register", "accept", "dispatch", "sign", "progress", "progress", "reply", "review",
            "callback"
        ]
    );
    let roles: Vec<&str> = r["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "community_staff",
            "community_staff",
            "community_staff",
            "unit_handler",
            "unit_handler",
            "unit_handler",
            "unit_handler",
            "community_staff",
            "community_staff"
        ]
    );
    let seqs: Vec<i64> = r["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=9).collect::<Vec<_>>());

    // 7. The stored state is what the log derives, and the queue agrees.
    let (s, fresh) = t.get("dxy_staff", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(fresh["state"], "closed");
    assert_eq!(fresh["events"], r["events"]);
    let (_, q) = t
        .get(
            "dxy_staff",
            "/api/v1/requests?state=closed&jurisdiction=DXY",
        )
        .await;
    assert!(q["items"].as_array().unwrap().iter().any(|i| i["id"] == id));

    // 8. She tracks it with her code: de-identified, with the public reply only.
    let (s, track) = t
        .call(
            None,
            reqwest::Method::GET,
            &format!("/api/v1/track/{code}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(track["state"], "closed");
    assert_eq!(
        track["public_reply"],
        "充电桩已统一建到地面，老人可到物业办理充值卡直接刷卡充电。"
    );
    assert_eq!(track["satisfaction"], "satisfied");
    assert_eq!(track["community"], "德馨苑社区");
    let text = track.to_string();
    assert!(
        !text.contains("贺桂莲") && !text.contains("5806") && !text.contains("协调物业与公租房"),
        "no personal data or internal account: {text}"
    );
    assert!(
        !text.contains("dxy_staff"),
        "no staff usernames on the public view"
    );

    // 9. Staff may reveal her details for the callback; the read is logged.
    assert_eq!(t.app.store.access_log_count(id).await.unwrap(), 0);
    let (s, revealed) = t
        .get(
            "dxy_staff",
            &format!("/api/v1/requests/{id}?reveal=personal&purpose=回访"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(revealed["requester"]["name"], "贺桂莲");
    assert_eq!(revealed["requester"]["phone"], "13937125806");
    assert_eq!(t.app.store.access_log_count(id).await.unwrap(), 1);
    let (s, _) = t
        .get("auditor", &format!("/api/v1/requests/{id}?reveal=personal"))
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "an auditor reads the record, not the person"
    );
    assert_eq!(t.app.store.access_log_count(id).await.unwrap(), 1);
}
