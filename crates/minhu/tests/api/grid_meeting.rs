//! The grid's responsibility list, the weekly grid-worker meeting, the daily 社情日汇总 and
//! the grid's public board, over real HTTP (SQLite, and PostgreSQL when configured).

use chrono::{Duration, Utc};
use minhu_app::patrol::{FindingInput, PatrolFindingInput};
use minhu_domain::org::{Actor, Role};
use minhu_store::ItemFilter;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn today() -> String {
    minhu_domain::time::local_date(Utc::now()).to_string()
}

fn field(v: &Value) -> &str {
    v["error"]["field"].as_str().unwrap_or("")
}

async fn duty(t: &TestApp, grid: &str, body: Value) -> Value {
    let (s, v) = t
        .post("dxy_staff", &format!("/api/v1/grids/{grid}/duties"), body)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

#[tokio::test]
async fn duties_per_grid_and_post_are_listed_and_retired() {
    let mut t = TestApp::spawn().await;
    t.add_person("dxy_g1", Role::GridWorker, "DXY-G01").await;
    let patrol = duty(
        &t,
        "DXY-G03",
        json!({"post": "full_time", "duty": "每日巡查网格不少于半小时", "frequency": "daily", "source_document": "入户走访制度"}),
    )
    .await;
    assert_eq!(patrol["post"], "full_time");
    assert_eq!(patrol["frequency_label"], "每日");
    let whole = duty(
        &t,
        "DXY-G03",
        json!({"duty": "困难家庭每月走访一次", "frequency": "monthly"}),
    )
    .await;
    assert_eq!(whole["post"], Value::Null);

    let (s, list) = t.get("dxy_g3", "/api/v1/grids/DXY-G03/duties").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            whole["id"].as_i64().unwrap(),
            patrol["id"].as_i64().unwrap()
        ]
    );

    let retire = format!("/api/v1/duties/{}/retire", patrol["id"]);
    let (s, _) = t.post("dxy_g3", &retire, json!({})).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a grid worker reads duties, the community keeps them"
    );
    let (s, v) = t.post("dxy_staff", &retire, json!({})).await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("retired")),
        "{v}"
    );
    let (s, _) = t.post("dxy_staff", &retire, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, list) = t.get("dxy_staff", "/api/v1/grids/DXY-G03/duties").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, all) = t
        .get("dxy_staff", "/api/v1/grids/DXY-G03/duties?all=1")
        .await;
    assert_eq!(all.as_array().unwrap().len(), 2);

    // Outside scope: another community's staff and another grid's worker.
    let (s, v) = t.get("ybsq_staff", "/api/v1/grids/DXY-G03/duties").await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::FORBIDDEN, "jurisdiction"),
        "{v}"
    );
    let (s, v) = t.get("dxy_g1", "/api/v1/grids/DXY-G03/duties").await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::FORBIDDEN, "jurisdiction"),
        "{v}"
    );
    let (s, _) = t
        .post(
            "ybsq_staff",
            "/api/v1/grids/DXY-G03/duties",
            json!({"duty": "x", "frequency": "daily"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = t.post("ybsq_staff", &retire, json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t
        .post(
            "yb_street",
            "/api/v1/grids/DXY-G03/duties",
            json!({"duty": "x", "frequency": "daily"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the street reads, the community keeps the list"
    );
    let (s, _) = t.get("dxy_staff", "/api/v1/grids/NOPE/duties").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Bad input names the field.
    for (body, want) in [
        (json!({"duty": "x", "frequency": "hourly"}), "frequency"),
        (json!({"duty": "x"}), "frequency"),
        (
            json!({"post": "mayor", "duty": "x", "frequency": "daily"}),
            "post",
        ),
        (json!({"duty": " ", "frequency": "daily"}), "duty"),
    ] {
        let (s, v) = t
            .post("dxy_staff", "/api/v1/grids/DXY-G03/duties", body)
            .await;
        assert_eq!(
            (s, field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, want),
            "{v}"
        );
    }
}

async fn weekly(t: &TestApp) -> i64 {
    let (s, v) = t
        .post(
            "dxy_staff",
            "/api/v1/communities/DXY/meetings",
            json!({"kind": "weekly_meeting", "day": today(), "attendees": ["陈志超", "网格员三"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "draft");
    v["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_weekly_meeting_issues_its_decisions_as_action_items() {
    let mut t = TestApp::spawn().await;
    t.add_person("dxy_g1", Role::GridWorker, "DXY-G01").await;
    // The property company hears of what it is tasked with, by e-mail.
    let (s, v) = t
        .post(
            "admin",
            "/api/v1/subscriptions",
            json!({"owner": "DXY-WY", "channel": "email", "target": "wuye@example.cn"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let windows = t.walk_in("楼层过道窗户未封闭，冬天漏风").await;
    let lights = t.walk_in("3号楼楼道灯不亮").await;
    let id = weekly(&t).await;
    let items = format!("/api/v1/meetings/{id}/items");

    // Bad items name their field; nothing is added.
    let (s, v) = t
        .post("ybsq_staff", "/api/v1/communities/YBSQ/meetings", json!({}))
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "kind"),
        "{v}"
    );
    let (s, elsewhere) = t
        .post("ybsq_staff", "/api/v1/requests", json!({"channel": "walk_in", "type": "complaint", "content": "应滨社区的事", "jurisdiction": "YBSQ-G01"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{elsewhere}");
    for (body, want) in [
        (
            json!({"request_id": windows, "text": "x", "action": {"owner_unit": "DXY-WY", "working_days": 3}}),
            "decision",
        ),
        (
            json!({"request_id": windows, "text": "x", "decision": "d", "action": {"owner_unit": "NOPE", "working_days": 3}}),
            "action.owner_unit",
        ),
        (
            json!({"request_id": windows, "text": "x", "decision": "d", "action": {"owner_unit": "DXY", "working_days": 3}}),
            "action.owner_unit",
        ),
        (
            json!({"request_id": windows, "text": "x", "decision": "d", "action": {"owner_unit": "DXY-WY", "working_days": "three"}}),
            "action.working_days",
        ),
        (
            json!({"request_id": windows, "text": "x", "decision": "d", "action": {"owner_unit": "DXY-WY", "working_days": 0}}),
            "action.working_days",
        ),
        (json!({"request_id": "seven", "text": "x"}), "request_id"),
        (
            json!({"request_id": elsewhere["id"], "text": "x"}),
            "request_id",
        ),
        (
            json!({"request_id": windows, "finding_id": 1, "text": "x"}),
            "finding_id",
        ),
        (json!({"request_id": windows, "text": ""}), "text"),
    ] {
        let (s, v) = t.post("dxy_staff", &items, body.clone()).await;
        assert_eq!(
            (s, field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, want),
            "{body}: {v}"
        );
    }

    // Two open items walked, each decided with an owner unit.
    let (s, a) = t
        .post("dxy_staff", &items, json!({"request_id": windows, "text": "过道窗户未封闭", "decision": "物业3个工作日内加装窗户", "action": {"owner_unit": "DXY-WY", "working_days": 3}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(
        (a["seq"].as_i64(), a["grid"].as_str()),
        (Some(1), Some("DXY-G03"))
    );
    let (s, b) = t
        .post("dxy_staff", &items, json!({"request_id": lights, "text": "楼道灯不亮", "decision": "公租房管理站2个工作日内更换", "action": {"owner_unit": "DXY-GZF", "working_days": 2}}))
        .await;
    assert_eq!(
        (s, b["seq"].as_i64()),
        (StatusCode::CREATED, Some(2)),
        "{b}"
    );

    // Scope: the street reads but does not hold; another community sees nothing.
    let (s, _) = t.get("yb_street", &format!("/api/v1/meetings/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t
        .post(
            "yb_street",
            &format!("/api/v1/meetings/{id}/issue"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = t.get("ybsq_staff", &format!("/api/v1/meetings/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t.post("ybsq_staff", &items, json!({"text": "x"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = t
        .get("ybsq_staff", "/api/v1/communities/DXY/meetings")
        .await;
    assert_eq!((s, field(&v)), (StatusCode::FORBIDDEN, "jurisdiction"));

    let (s, issued) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/meetings/{id}/issue"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{issued}");
    assert_eq!(issued["state"], "issued");
    assert_eq!(issued["number"], "纪要第1期");
    let linked: Vec<i64> = issued["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["action_item_id"]
                .as_i64()
                .expect("each decision has its item")
        })
        .collect();
    assert_eq!(linked.len(), 2);
    // Issued with the minutes, each item tells its owner unit, once: only DXY-WY listens.
    let mut told = Vec::new();
    for item in &linked {
        told.extend(
            t.app
                .store
                .outbox_for_subject("action_item", *item)
                .await
                .unwrap(),
        );
    }
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].target, "wuye@example.cn");

    // The action items: owned by the named units, issued by the community's office, due on
    // the working-day calendar.
    let rows = t
        .app
        .store
        .action_items(&ItemFilter {
            source: Some(("grid_meeting".into(), id)),
            ..ItemFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    let calendar = t.app.calendar();
    for (owner, days) in [("DXY-WY", 3), ("DXY-GZF", 2)] {
        let row = rows.iter().find(|r| r.owner == owner).expect(owner);
        assert_eq!(row.issued_by, "DXY");
        assert_eq!(row.state, "open");
        assert!(linked.contains(&row.id));
        assert_eq!(
            row.due,
            calendar.working_days_deadline(row.issued_at, days),
            "{owner}"
        );
    }

    // Issued is fixed.
    let (s, v) = t
        .post("dxy_staff", &items, json!({"text": "再加一条"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, _) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/meetings/{id}/issue"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The next meeting's minutes are the next number; one without items is not issued.
    let second = weekly(&t).await;
    let (s, v) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/meetings/{second}/issue"),
            json!({}),
        )
        .await;
    assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "items"));
    let (s, _) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/meetings/{second}/items"),
            json!({"text": "通报本周走访情况"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, v) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/meetings/{second}/issue"),
            json!({}),
        )
        .await;
    assert_eq!(v["number"], "纪要第2期", "{v}");

    // Grid workers read the meetings about their grid, no other.
    let (s, _) = t.get("dxy_g3", &format!("/api/v1/meetings/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t.get("dxy_g3", &format!("/api/v1/meetings/{second}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t.get("dxy_g1", &format!("/api/v1/meetings/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = t.get("dxy_g3", "/api/v1/communities/DXY/meetings").await;
    let seen: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, vec![id]);
    let (_, list) = t.get("dxy_staff", "/api/v1/communities/DXY/meetings").await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

async fn finding(
    t: &TestApp,
    worker: &str,
    grid: &str,
    key: &str,
    class: &str,
    outcome: &str,
) -> i64 {
    let actor = Actor::person(worker, Role::GridWorker, grid);
    let input = PatrolFindingInput {
        grid: grid.into(),
        patrol_id: None,
        found_at: None,
        finding: FindingInput {
            client_key: key.into(),
            class: class.into(),
            category: None,
            text: format!("{class}: {key}"),
            location: None,
            outcome: outcome.into(),
        },
    };
    let (recorded, created) = minhu_app::patrol::record_finding(&t.app, &actor, input, Utc::now())
        .await
        .unwrap();
    assert!(created);
    recorded.finding.id
}

#[tokio::test]
async fn the_daily_rollup_counts_the_days_findings() {
    let mut t = TestApp::spawn().await;
    t.add_person("dxy_g1", Role::GridWorker, "DXY-G01").await;
    finding(
        &t,
        "dxy_g3",
        "DXY-G03",
        "f-1",
        "sanitation",
        "solved_on_spot",
    )
    .await;
    finding(
        &t,
        "dxy_g3",
        "DXY-G03",
        "f-2",
        "fire_hazard",
        "solved_on_spot",
    )
    .await;
    let reported = finding(&t, "dxy_g3", "DXY-G03", "f-3", "appeal", "reported").await;
    finding(&t, "dxy_g1", "DXY-G01", "f-4", "sanitation", "reported").await;

    let path = format!("/api/v1/communities/DXY/rollup/{}", today());
    let (s, r) = t.get("dxy_staff", &path).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let counts = |l: &Value| {
        (
            l["findings"].as_i64().unwrap(),
            l["solved_on_spot"].as_i64().unwrap(),
            l["reported"].as_i64().unwrap(),
            l["still_open"].as_i64().unwrap(),
        )
    };
    assert_eq!(counts(&r["total"]), (4, 2, 2, 2));
    let grids = r["grids"].as_array().unwrap();
    assert_eq!(grids.len(), 5, "every grid of 德馨苑 has its line");
    let line = |g: &str| grids.iter().find(|l| l["grid"] == g).unwrap().clone();
    assert_eq!(counts(&line("DXY-G03")), (3, 2, 1, 1));
    assert_eq!(counts(&line("DXY-G01")), (1, 0, 1, 1));
    assert_eq!(counts(&line("DXY-G05")), (0, 0, 0, 0));
    assert_eq!(r["open_requests"].as_array().unwrap().len(), 2);
    let sanitation = r["by_class"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["class"] == "sanitation")
        .cloned();
    assert_eq!(sanitation.unwrap()["count"], 2);

    // Yesterday had no findings, but the reports are still open.
    let yesterday = minhu_domain::time::local_date(Utc::now() - Duration::days(1));
    let (_, r) = t
        .get(
            "dxy_staff",
            &format!("/api/v1/communities/DXY/rollup/{yesterday}"),
        )
        .await;
    assert_eq!(counts(&r["total"]), (0, 0, 0, 2));

    let (s, _) = t.get("dxy_g3", &path).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "a grid worker reads the rollup of the community's grids"
    );
    let (s, v) = t.get("ybsq_staff", &path).await;
    assert_eq!((s, field(&v)), (StatusCode::FORBIDDEN, "jurisdiction"));
    let (s, v) = t
        .get("dxy_staff", "/api/v1/communities/DXY/rollup/yesterday")
        .await;
    assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "day"));
    let (s, _) = t
        .get(
            "dxy_staff",
            &format!("/api/v1/communities/NOPE/rollup/{}", today()),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The day's rollup as a record: an item about the reported finding, issued and fixed.
    let body = json!({"kind": "daily_rollup", "day": today(), "attendees": ["陈志超"]});
    let (s, m) = t
        .post(
            "dxy_staff",
            "/api/v1/communities/DXY/meetings",
            body.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let id = m["id"].as_i64().unwrap();
    let (s, again) = t
        .post("dxy_staff", "/api/v1/communities/DXY/meetings", body)
        .await;
    assert_eq!(
        (s, field(&again)),
        (StatusCode::CONFLICT, "day"),
        "one rollup a day"
    );
    let (s, item) = t
        .post("dxy_staff", &format!("/api/v1/meetings/{id}/items"), json!({"finding_id": reported, "text": "群众诉求已上报", "decision": "物业2日内答复", "action": {"owner_unit": "DXY-WY", "working_days": 2}}))
        .await;
    assert_eq!(
        (s, item["grid"].as_str()),
        (StatusCode::CREATED, Some("DXY-G03")),
        "{item}"
    );
    let (s, issued) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/meetings/{id}/issue"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{issued}");
    assert_eq!(
        issued["number"],
        Value::Null,
        "a rollup is not numbered minutes"
    );
    assert_eq!(counts(&issued["rollup"]["total"]), (4, 2, 2, 2));
    assert!(issued["items"][0]["action_item_id"].as_i64().is_some());
}

#[tokio::test]
async fn the_board_shows_posts_and_duties_and_no_resident() {
    use minhu_domain::grid_ledger::{NewPost, PostKind, Tenure};
    use minhu_store::grid_ledger::{NewBuilding, NewHousehold, NewResident};
    let t = TestApp::spawn().await;
    let store = &t.app.store;
    let shape = r#"{"type":"Polygon","coordinates":[[[115.029,35.76],[115.031,35.76],[115.031,35.764],[115.029,35.764],[115.029,35.76]]]}"#;
    store.set_grid_shape("DXY-G03", shape).await.unwrap();
    // As `PUT /api/v1/grids/{code}/shape` does: every server's snapshot takes the shape.
    t.app.reload().await.unwrap();
    let building = store
        .add_building(&NewBuilding {
            community: "DXY".into(),
            grid: "DXY-G03".into(),
            number: "6".into(),
            name: "德馨苑6号楼".into(),
            ..NewBuilding::default()
        })
        .await
        .unwrap();
    for (room, head, phone) in [
        ("101", "王秀兰", "13800001111"),
        ("102", "赵德胜", "13900002222"),
    ] {
        let h = store
            .add_household(&NewHousehold {
                building_id: building,
                unit_id: None,
                grid: "DXY-G03".into(),
                room: room.into(),
                head_name: head.into(),
                head_phone: phone.into(),
                size: Some(2),
                tenure: Tenure::Owner,
            })
            .await
            .unwrap();
        store
            .add_resident(&NewResident {
                household_id: h,
                name: format!("{head}之子"),
                phone: "13700003333".into(),
                id_number: "410901199001011234".into(),
                birth_year: Some(1990),
                relation: "子".into(),
            })
            .await
            .unwrap();
    }
    let since = minhu_domain::time::local_date(Utc::now());
    for (post, name, armband, phone) in [
        (PostKind::FullTime, "李网格", "DXY-003", "0393-8881234"),
        (PostKind::BuildingHead, "周楼长", "DXY-L06", "0393-8885678"),
    ] {
        store
            .add_post(
                "DXY-G03",
                &NewPost {
                    post,
                    person_name: name.into(),
                    username: None,
                    building_id: None,
                    armband_no: armband.into(),
                    board_phone: phone.into(),
                    since,
                },
                "dxy_staff",
                Utc::now(),
            )
            .await
            .unwrap();
    }
    duty(
        &t,
        "DXY-G03",
        json!({"post": "full_time", "duty": "每日巡查网格不少于半小时", "frequency": "daily"}),
    )
    .await;

    let resp = t
        .client
        .get(format!("{}/grids/DXY-G03/board", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    for shown in [
        "李网格",
        "DXY-003",
        "0393-8881234",
        "周楼长",
        "DXY-L06",
        "0393-8885678",
        "每日巡查网格不少于半小时",
        "<svg",
        "<path",
        "id=\"households\">2<",
    ] {
        assert!(html.contains(shown), "{shown} missing from the board");
    }
    for hidden in [
        "王秀兰",
        "赵德胜",
        "之子",
        "13800001111",
        "13900002222",
        "13700003333",
        "410901199001011234",
    ] {
        assert!(!html.contains(hidden), "{hidden} is on the public board");
    }
    let resp = t
        .client
        .get(format!("{}/grids/NOPE/board", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

/// A page fetched with a staff session cookie made for `who`.
async fn staff_page(t: &TestApp, who: &str, path: &str) -> (StatusCode, String) {
    let user = t.app.store.user_by_username(who).await.unwrap().unwrap();
    let now = Utc::now();
    let token = format!(
        "test-session-{who}-{}",
        now.timestamp_nanos_opt().unwrap_or_default()
    );
    t.app
        .store
        .create_session(
            &minhu_app::credentials::hash_token(&token),
            user.id,
            now,
            now + Duration::hours(1),
        )
        .await
        .unwrap();
    let resp = t
        .client
        .get(format!("{}{path}", t.base))
        .header("cookie", format!("minhu_session={token}"))
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn the_minutes_and_the_rollup_print_on_a4() {
    let t = TestApp::spawn().await;
    let windows = t.walk_in("楼层过道窗户未封闭").await;
    finding(
        &t,
        "dxy_g3",
        "DXY-G03",
        "p-1",
        "sanitation",
        "solved_on_spot",
    )
    .await;
    let id = weekly(&t).await;
    t.post("dxy_staff", &format!("/api/v1/meetings/{id}/items"), json!({"request_id": windows, "text": "过道窗户未封闭", "decision": "物业3个工作日内加装窗户", "action": {"owner_unit": "DXY-WY", "working_days": 3}}))
        .await;
    let (s, _) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/meetings/{id}/issue"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let (s, html) = staff_page(&t, "dxy_staff", &format!("/staff/meetings/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    for shown in [
        "网格员工作例会纪要",
        "纪要第1期",
        "物业3个工作日内加装窗户",
        "DXY-WY",
        "/static/grid_meeting.css",
    ] {
        assert!(html.contains(shown), "{shown} missing from the minutes");
    }
    let (s, html) = staff_page(
        &t,
        "dxy_staff",
        &format!("/staff/communities/DXY/rollup/{}", today()),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"total-findings\">1<"), "{html}");
    let (s, html) = staff_page(&t, "dxy_staff", "/staff/communities/DXY/meetings").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(&format!("/staff/meetings/{id}")));
    let (s, _) = staff_page(&t, "ybsq_staff", &format!("/staff/meetings/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let css = t
        .client
        .get(format!("{}/static/grid_meeting.css", t.base))
        .send()
        .await
        .unwrap();
    let css = css.text().await.unwrap();
    assert!(css.contains("@page") && css.contains("size: A4") && css.contains("@media print"));
}
