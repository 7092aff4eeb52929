//! Grid work "1+5" in the seed's words: 德馨苑's ledger imported (14 buildings, 1,528
//! households in 5 grids), a grid worker's day in grid 3 — a care visit to an elderly resident
//! living alone, a visit where a household reports that the corridor windows are open to the
//! wind (楼层过道未封闭) — one finding solved on the spot, one reported and handled on the
//! ordinary engine until its answer is on the echo wall; the day's diary counts what happened,
//! and the overdue queue and coverage move with every visit.

use minhu_fixtures::demo::ledger::dexinyuan_ledger_xlsx;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn import_dexinyuan(t: &TestApp) -> Value {
    let resp = t
        .client
        .post(format!("{}/api/v1/communities/DXY/ledger/import", t.base))
        .bearer_auth(t.token("dxy_staff"))
        .header("content-type", XLSX)
        .body(dexinyuan_ledger_xlsx())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

fn sheet(report: &Value, name: &str) -> (u64, u64) {
    let s = report["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sheet"] == name)
        .unwrap();
    (
        s["inserted"].as_u64().unwrap(),
        s["refused"].as_u64().unwrap(),
    )
}

async fn due(t: &TestApp) -> Value {
    let (s, due) = t
        .get("dxy_g3", "/api/v1/grids/DXY-G03/visits-due?worker=dxy_g3")
        .await;
    assert_eq!(s, StatusCode::OK, "{due}");
    due
}

async fn coverage(t: &TestApp) -> (u64, u64) {
    let (s, c) = t
        .get("dxy_g3", "/api/v1/grids/DXY-G03/coverage?days=90")
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    (
        c["occupied"].as_u64().unwrap(),
        c["visited"].as_u64().unwrap(),
    )
}

fn today() -> String {
    minhu_domain::time::local_date(chrono::Utc::now())
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn a_grid_workers_day_in_dexinyuan_from_ledger_to_echo_wall() {
    let t = TestApp::spawn().await;

    // 1. The community imports its 网格基础台账: 14 buildings, 1,528 households, 5 grids.
    let report = import_dexinyuan(&t).await;
    assert_eq!(sheet(&report, "楼栋"), (14, 0));
    assert_eq!(sheet(&report, "户"), (1528, 0));
    let mut grids = 0;
    let mut households = 0;
    for g in 1..=5 {
        let (s, page) = t
            .get("admin", &format!("/api/v1/grids/DXY-G0{g}/households"))
            .await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let n = page["total"].as_u64().unwrap();
        assert!((290..=320).contains(&n), "grid {g} has about 300: {n}");
        households += n;
        grids += 1;
    }
    assert_eq!((grids, households), (5, 1528));

    // 2. The district grants grid 3's worker the care list (special groups).
    let (s, _) = t
        .call(
            Some("admin"),
            Method::PUT,
            "/api/v1/users/dxy_g3/grants/sensitive",
            None,
        )
        .await;
    assert!(s.is_success(), "{s}");

    // 3. Morning: nobody has been visited yet; the care households come first.
    let before = due(&t).await;
    let (occupied, visited) = coverage(&t).await;
    assert_eq!(visited, 0);
    assert_eq!(before["count"].as_u64().unwrap(), occupied);
    let elderly = before["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["care_kind"] == "living_alone")
        .expect("an elderly resident living alone is due")
        .clone();
    assert!(elderly["cadence_days"].as_u64().unwrap() <= 30);
    let ordinary = before["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|i| i["care_kind"].is_null())
        .expect("an ordinary household")
        .clone();

    let (s, patrol) = t
        .post(
            "dxy_g3",
            "/api/v1/patrols",
            json!({"grid": "DXY-G03", "client_key": "dxy-g3-morning"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{patrol}");

    // 4. A care visit to the elderly resident living alone.
    let (s, care) = t
        .post(
            "dxy_g3",
            "/api/v1/visits",
            json!({
                "client_key": "dxy-g3-care-1", "grid": "DXY-G03", "patrol_id": patrol["id"],
                "household_id": elderly["household_id"], "kind": "care", "duration_minutes": 30,
                "notes": "独居老人身体尚可，暖气正常，留下网格员电话"
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{care}");

    // 5. The corridor: windows open to the wind (reported), boxes in the way (solved).
    let (s, visit) = t
        .post(
            "dxy_g3",
            "/api/v1/visits",
            json!({
                "client_key": "dxy-g3-corridor-1", "grid": "DXY-G03", "patrol_id": patrol["id"],
                "household_id": ordinary["household_id"], "kind": "routine",
                "notes": "住户反映楼层过道未封闭，冬天冷风直灌",
                "findings": [
                    {"client_key": "dxy-g3-window", "class": "appeal",
                     "text": "楼层过道未封闭，窗户缺失，冷风灌入，请物业加装窗户",
                     "outcome": "reported"},
                    {"client_key": "dxy-g3-boxes", "class": "fire_hazard",
                     "text": "过道堆放纸箱，已当场劝导住户清理", "outcome": "solved_on_spot"}
                ]
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{visit}");
    let reported = &visit["findings"][0];
    let id = reported["request_id"]
        .as_i64()
        .expect("the finding is a request");
    let code = reported["tracking_code"].as_str().unwrap().to_string();
    assert!(visit["findings"][1]["request_id"].is_null());

    // 6. The request runs on the ordinary engine: grid patrol, grid 3, community tier.
    let (_, req) = t.get("dxy_staff", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(req["channel"], "grid_patrol");
    assert_eq!(req["jurisdiction"], "DXY-G03");
    assert_eq!(req["tier"], "community");
    t.step("dxy_staff", id, "accept", json!({})).await;
    t.step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    t.step("h_dxy_wy", id, "sign", json!({})).await;
    let public_reply = "物业已为3层、5层过道加装窗户，楼道不再灌风。";
    t.step(
        "h_dxy_wy",
        id,
        "reply",
        json!({"account": "物业维修组加装过道窗户两扇", "public_reply": public_reply,
               "measures": "加装过道窗户", "solved": true}),
    )
    .await;
    t.step("dxy_staff", id, "review", json!({"pass": true}))
        .await;
    let r = t
        .step(
            "dxy_staff",
            id,
            "callback",
            json!({"reached": true, "contacted": true, "solved": true, "satisfaction": "satisfied"}),
        )
        .await;
    assert_eq!(r["state"], "closed");

    // 7. The answer is on the echo wall (回音壁), de-identified.
    let wall = t
        .client
        .get(format!("{}/wall?tab=answered&community=DXY", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(wall.contains(&code), "the request is on the echo wall");
    assert!(wall.contains("加装过道窗户"), "with its measures");

    // 8. The grid worker follows it: the finding shows the request closed.
    let (_, mine) = t.get("dxy_g3", "/api/v1/findings").await;
    let followed = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["tracking_code"] == code.as_str())
        .unwrap();
    assert_eq!(followed["request_state"], "closed");

    // 9. The diary counts what happened, never what was typed.
    let (s, diary) = t
        .get("dxy_g3", &format!("/api/v1/diary/dxy_g3/{}", today()))
        .await;
    assert_eq!(s, StatusCode::OK, "{diary}");
    assert_eq!(diary["households_visited"], 2);
    assert_eq!(diary["visits"], 2);
    assert_eq!(diary["findings"], 2);
    assert_eq!(diary["solved_on_spot"], 1);
    assert_eq!(diary["reported"], 1);

    // 10. The queue is two shorter and coverage two households higher.
    let after = due(&t).await;
    assert_eq!(
        after["count"].as_u64().unwrap(),
        before["count"].as_u64().unwrap() - 2
    );
    let listed: Vec<&Value> = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["household_id"])
        .collect();
    assert!(!listed.contains(&&elderly["household_id"]));
    assert!(!listed.contains(&&ordinary["household_id"]));
    assert_eq!(coverage(&t).await, (occupied, 2));
}

#[tokio::test]
async fn the_demo_district_has_a_month_of_grid_work() {
    let t = TestApp::spawn().await;
    assert!(minhu_fixtures::demo::load(&t.app).await.unwrap());

    // The board of grid 1 names its worker, armband and work phone, and its duties.
    let board = t
        .client
        .get(format!("{}/grids/DXY-G01/board", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        board.contains("王丽娟") && board.contains("DXY-001"),
        "{board}"
    );
    assert!(board.contains("每日巡查网格不少于半小时"));

    // Every worker patrolled the last 20 working days, five households a day.
    let (s, c) = t
        .get("dxy_staff", "/api/v1/communities/DXY/coverage?days=60")
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["total"]["occupied"], 1528);
    assert_eq!(c["total"]["visited"], 5 * 20 * 5);

    // Yesterday's (or the last working day's) diary is submitted and its counts computed.
    let calendar = t.app.calendar();
    let mut day = minhu_domain::time::local_date(chrono::Utc::now());
    loop {
        day -= chrono::Duration::days(1);
        if calendar.is_working_day(day) {
            break;
        }
    }
    let (s, d) = t
        .get(
            "dxy_staff",
            &format!("/api/v1/diary/dxy_g1/{}", day.format("%Y-%m-%d")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["visits"], 5);
    assert_eq!(d["solved_on_spot"], 1);
    assert_ne!(d["state"], "open");
}
