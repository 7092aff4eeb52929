//! Grid work over real HTTP (issue 13): a grid worker's day in the seed's words — a care
//! visit to an elderly resident living alone, and a visit to a household that reports the
//! corridor windows open to the wind (楼层过道未封闭): one finding solved on the spot, one
//! reported, which becomes a request (channel grid_patrol, in the grid, community tier, 2
//! working days). The diary's counts equal the visits and findings; a repeated visit makes
//! one visit and one request; the overdue queue shrinks and coverage rises; another grid's
//! worker is refused; bad input is refused naming the field.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use minhu_domain::ids::{HouseholdId, VisitId};
use minhu_domain::org::Role;
use minhu_store::patrol::LedgerFill;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The demo district with a synthetic ledger: 12 households in DXY-G03 (every 4th with a
/// care tag), 5 in DXY-G01; nobody visited yet. A worker for G01 too.
async fn with_ledger() -> TestApp {
    let mut t = TestApp::spawn().await;
    let fill = |n| LedgerFill {
        households_per_grid: n,
        households_per_building: 6,
        care_every: 4,
        visited_every: 0,
        visits_by: None,
        now: Utc::now(),
    };
    let store = &t.app.store;
    let g3 = [("DXY".to_string(), "DXY-G03".to_string())];
    store.fill_grid_ledger(&g3, &fill(12)).await.unwrap();
    let g1 = [("DXY".to_string(), "DXY-G01".to_string())];
    store.fill_grid_ledger(&g1, &fill(5)).await.unwrap();
    t.add_person("dxy_g1", Role::GridWorker, "DXY-G01").await;
    t
}

/// A household of the grid: one with the care tag `kind`, or (None) one with none.
async fn household(t: &TestApp, grid: &str, kind: Option<&str>) -> HouseholdId {
    let rows = t.app.store.cadence_households(grid).await.unwrap();
    rows.iter()
        .find(|r| match kind {
            Some(k) => r.cadence.care.iter().any(|c| c.kind == k),
            None => r.cadence.care.is_empty(),
        })
        .map(|r| r.cadence.household)
        .expect("such a household")
}

fn today() -> String {
    minhu_domain::time::local_date(Utc::now())
        .format("%Y-%m-%d")
        .to_string()
}

fn at(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn corridor_visit(household: HouseholdId) -> Value {
    json!({
        "client_key": "visit-corridor-1",
        "grid": "DXY-G03",
        "household_id": household.0,
        "kind": "routine",
        "duration_minutes": 20,
        "notes": "住户反映楼层过道窗户未封闭，冬天冷风直灌",
        "findings": [
            {"client_key": "finding-corridor-window", "class": "appeal",
             "text": "楼层过道未封闭，窗户缺失，冷风灌入，请物业加装窗户", "location": "德馨苑3号楼过道",
             "outcome": "reported"},
            {"client_key": "finding-corridor-clutter", "class": "fire_hazard",
             "text": "过道堆放纸箱杂物，已当场劝导住户清理", "outcome": "solved_on_spot"}
        ]
    })
}

async fn put(t: &TestApp, who: &str, path: &str, body: Value) -> (StatusCode, Value) {
    t.call(Some(who), Method::PUT, path, Some(body)).await
}

#[tokio::test]
async fn a_grid_workers_day_in_the_seeds_words() {
    let t = with_ledger().await;
    let elderly = household(&t, "DXY-G03", Some("living_alone")).await;
    let ordinary = household(&t, "DXY-G03", None).await;

    // Before: nobody visited, every household is due, coverage 0.
    let (s, due) = t.get("dxy_g3", "/api/v1/grids/DXY-G03/visits-due").await;
    assert_eq!(s, StatusCode::OK, "{due}");
    assert_eq!(due["count"], 12);
    // Never-visited care households come first.
    assert!(due["items"][0]["cadence_days"].as_u64().unwrap() < 182);
    let (_, cov) = t
        .get("dxy_g3", "/api/v1/grids/DXY-G03/coverage?days=90")
        .await;
    assert_eq!(
        (cov["occupied"].as_u64(), cov["visited"].as_u64()),
        (Some(12), Some(0))
    );

    // The patrol starts; a repeat of its key is the same patrol.
    let start = json!({"grid": "DXY-G03", "client_key": "patrol-morning"});
    let (s, patrol) = t.post("dxy_g3", "/api/v1/patrols", start.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{patrol}");
    let (s, again) = t.post("dxy_g3", "/api/v1/patrols", start).await;
    assert_eq!((s, &again), (StatusCode::OK, &patrol));

    // A care visit to the elderly resident living alone.
    let (s, care) = t
        .post(
            "dxy_g3",
            "/api/v1/visits",
            json!({
                "client_key": "visit-elderly-1", "grid": "DXY-G03", "patrol_id": patrol["id"],
                "household_id": elderly.0, "kind": "care", "duration_minutes": 30,
                "notes": "独居老人身体尚可，叮嘱天冷注意保暖，留下网格员电话"
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{care}");
    assert_eq!(care["findings"], json!([]));

    // The corridor visit: one finding solved on the spot, one reported.
    let body = corridor_visit(ordinary);
    let (s, visit) = t.post("dxy_g3", "/api/v1/visits", body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{visit}");
    let reported = &visit["findings"][0];
    let solved = &visit["findings"][1];
    assert_eq!(solved["outcome"], "solved_on_spot");
    assert!(solved["request_id"].is_null() && solved["tracking_code"].is_null());
    let code = reported["tracking_code"].as_str().expect("a tracking code");
    let request_id = reported["request_id"].as_i64().unwrap();
    let cal = t.app.calendar();
    assert_eq!(
        at(&reported["request_due"]),
        cal.working_days_deadline(at(&reported["found_at"]), 2),
        "2 working days"
    );

    // The request is an ordinary one: grid_patrol, in the grid, community tier.
    let (s, req) = t
        .get("dxy_staff", &format!("/api/v1/requests/{request_id}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{req}");
    assert_eq!(req["code"], code);
    assert_eq!(req["channel"], "grid_patrol");
    assert_eq!(req["jurisdiction"], "DXY-G03");
    assert_eq!(req["tier"], "community");
    assert!(req["content"].as_str().unwrap().contains("楼层过道未封闭"));
    // Dispatched by the community, it is due in 2 working days.
    t.step("dxy_staff", request_id, "accept", json!({})).await;
    let r = t
        .step(
            "dxy_staff",
            request_id,
            "dispatch",
            json!({"unit": "DXY-WY"}),
        )
        .await;
    let dispatched = at(&r["events"].as_array().unwrap().last().unwrap()["at"]);
    assert_eq!(at(&r["deadline"]), cal.working_days_deadline(dispatched, 2));

    // The same visit again (the phone's queue retried): the same body, nothing new.
    let (s, repeat) = t.post("dxy_g3", "/api/v1/visits", body).await;
    assert_eq!(s, StatusCode::OK, "{repeat}");
    assert_eq!(repeat, visit);
    let (_, page) = t
        .get("dxy_staff", "/api/v1/requests?jurisdiction=DXY-G03")
        .await;
    let from_patrol = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["channel"] == "grid_patrol")
        .count();
    assert_eq!(
        from_patrol, 1,
        "one request however often the visit is sent"
    );

    // The worker follows the request from the list of their findings.
    let (s, mine) = t.get("dxy_g3", "/api/v1/findings").await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(mine.as_array().unwrap().len(), 2);
    let followed = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["outcome"] == "reported")
        .unwrap();
    assert_eq!(followed["tracking_code"], code);
    assert_eq!(followed["request_state"], r["state"]);

    // The diary's counts are the day's visits and findings.
    let path = format!("/api/v1/diary/dxy_g3/{}", today());
    let (s, diary) = t.get("dxy_g3", &path).await;
    assert_eq!(s, StatusCode::OK, "{diary}");
    assert_eq!(diary["households_visited"], 2);
    assert_eq!(diary["visits"], 2);
    assert_eq!(diary["findings"], 2);
    assert_eq!(diary["solved_on_spot"], 1);
    assert_eq!(diary["reported"], 1);
    let count = |list: &str, code: &str| {
        diary[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .map(|c| c["count"].as_u64().unwrap())
    };
    assert_eq!(count("visits_by_kind", "care"), Some(1));
    assert_eq!(count("visits_by_kind", "routine"), Some(1));
    assert_eq!(count("findings_by_class", "appeal"), Some(1));
    assert_eq!(count("findings_by_class", "fire_hazard"), Some(1));
    assert_eq!(diary["state"], "open");

    // The worker writes and submits; the community comments.
    let (s, d) = put(
        &t,
        "dxy_g3",
        &path,
        json!({"narrative": "上午走访两户，过道窗户问题已上报。", "submit": true}),
    )
    .await;
    assert_eq!(
        (s, d["state"].as_str()),
        (StatusCode::OK, Some("submitted")),
        "{d}"
    );
    let (s, _) = put(
        &t,
        "dxy_g3",
        &path,
        json!({"narrative": "改", "submit": false}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, d) = t
        .post(
            "dxy_g3",
            &format!("{path}/comment"),
            json!({"comment": "好"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{d}");
    let (s, d) = t
        .post(
            "dxy_staff",
            &format!("{path}/comment"),
            json!({"comment": "过道窗户问题请物业两日内处理。"}),
        )
        .await;
    assert_eq!(
        (s, d["state"].as_str()),
        (StatusCode::OK, Some("commented")),
        "{d}"
    );
    assert_eq!(d["commented_by"], "dxy_staff");
    assert_eq!(d["visits"], 2, "the counts stay computed");

    // The queue shrank by the two households visited; coverage rose.
    let (_, due) = t.get("dxy_g3", "/api/v1/grids/DXY-G03/visits-due").await;
    assert_eq!(due["count"], 10);
    let listed: Vec<i64> = due["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["household_id"].as_i64().unwrap())
        .collect();
    assert!(!listed.contains(&elderly.0) && !listed.contains(&ordinary.0));
    let (_, cov) = t
        .get("dxy_g3", "/api/v1/grids/DXY-G03/coverage?days=90")
        .await;
    assert_eq!(
        (cov["visited"].as_u64(), cov["percent"].as_f64()),
        (Some(2), Some(16.7))
    );

    // The community sees coverage per grid and per worker, and the month's workload.
    let (s, area) = t
        .get("dxy_staff", "/api/v1/communities/DXY/coverage?days=90")
        .await;
    assert_eq!(s, StatusCode::OK, "{area}");
    assert_eq!(area["total"]["occupied"], 17);
    assert_eq!(area["total"]["visited"], 2);
    let g3 = area["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["worker"] == "dxy_g3")
        .unwrap();
    assert_eq!(
        (g3["visited"].as_u64(), g3["occupied"].as_u64()),
        (Some(2), Some(12))
    );
    let month = &today()[..7];
    let (s, work) = t
        .get(
            "dxy_staff",
            &format!("/api/v1/workload?community=DXY&month={month}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{work}");
    let w = work["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["worker"] == "dxy_g3")
        .unwrap();
    assert_eq!(w["visits"], 2);
    assert_eq!(w["findings"], 2);
    assert_eq!(w["on_spot_rate"], 50.0);
    assert_eq!(w["requests_raised"], 1);
    assert_eq!(w["overdue_visits"], 10);

    // The patrol ends once.
    let end = format!("/api/v1/patrols/{}/end", patrol["id"]);
    let (s, p) = t.post("dxy_g3", &end, json!({})).await;
    assert_eq!((s, p["state"].as_str()), (StatusCode::OK, Some("done")));
    let (s, _) = t.post("dxy_g3", &end, json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn care_tag_kinds_in_the_queue_only_with_the_sensitive_grant() {
    let t = with_ledger().await;
    let en = |who: &'static str| {
        let t = &t;
        async move {
            let resp = t
                .client
                .get(format!("{}/api/v1/grids/DXY-G03/visits-due", t.base))
                .bearer_auth(t.token(who))
                .header("Accept-Language", "en")
                .send()
                .await
                .unwrap();
            resp.json::<Value>().await.unwrap()
        }
    };
    let plain = en("dxy_staff").await;
    let text = plain.to_string();
    assert!(text.contains("care cadence 30 days"), "{text}");
    for kind in ["living_alone", "subsistence", "disabled"] {
        assert!(
            !text.contains(kind),
            "{kind} shown without the grant: {text}"
        );
    }
    // Granted (read live, no restart): the kind is shown.
    t.app
        .store
        .add_grant("dxy_staff", "sensitive", "admin", Utc::now())
        .await
        .unwrap();
    let granted = en("dxy_staff").await.to_string();
    assert!(
        granted.contains("\"care_kind\":\"living_alone\""),
        "{granted}"
    );
    assert!(!en("dxy_g3").await.to_string().contains("living_alone"));
}

#[tokio::test]
async fn another_grids_worker_is_refused() {
    let t = with_ledger().await;
    let g3_household = household(&t, "DXY-G03", None).await;
    // Reading another grid's queue or coverage: 403 naming the grid.
    let (s, e) = t.get("dxy_g1", "/api/v1/grids/DXY-G03/visits-due").await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("grid")),
        "{e}"
    );
    let (s, _) = t.get("dxy_g1", "/api/v1/grids/DXY-G03/coverage").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Recording in another grid: 403.
    let mut body = corridor_visit(g3_household);
    let (s, e) = t.post("dxy_g1", "/api/v1/visits", body.clone()).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("grid")),
        "{e}"
    );
    // A household of another grid, in one's own grid: 422 naming it.
    body["grid"] = json!("DXY-G01");
    let (s, e) = t.post("dxy_g1", "/api/v1/visits", body).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("household_id")),
        "{e}"
    );
    // Another worker's diary: 404; the community's staff of another community: 404.
    let path = format!("/api/v1/diary/dxy_g3/{}", today());
    let (s, _) = t.get("dxy_g1", &path).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = t.get("ybsq_staff", &path).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = put(&t, "dxy_staff", &path, json!({"narrative": "x"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Another community's coverage: 403 naming the jurisdiction.
    let (s, e) = t
        .get("dxy_staff", "/api/v1/communities/YBSQ/coverage")
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("jurisdiction")),
        "{e}"
    );
    // Community staff read, but only grid workers record.
    let (s, _) = t.get("dxy_staff", "/api/v1/grids/DXY-G03/visits-due").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t
        .post(
            "dxy_staff",
            "/api/v1/patrols",
            json!({"grid": "DXY-G03", "client_key": "k1"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let t = with_ledger().await;
    let h = household(&t, "DXY-G03", None).await;
    let base =
        json!({"client_key": "v-bad", "grid": "DXY-G03", "household_id": h.0, "kind": "routine"});
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"household_id": 999_999}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "household_id",
        ),
        (
            json!({"household_id": "three"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "household_id",
        ),
        (
            json!({"kind": "picnic"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "kind",
        ),
        (
            json!({"grid": "DXY"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "grid",
        ),
        (
            json!({"client_key": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "client_key",
        ),
        (
            json!({"visited_at": "yesterday"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "visited_at",
        ),
        (
            json!({"duration_minutes": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "duration_minutes",
        ),
        (
            json!({"findings": [{"client_key": "f-x", "class": "ufo", "text": "t", "outcome": "reported"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "findings[0].class",
        ),
        (
            json!({"findings": [{"client_key": "f-x", "class": "other", "text": "", "outcome": "reported"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "findings[0].text",
        ),
        (
            json!({"findings": [{"client_key": "f-x", "class": "other", "text": "t", "outcome": "lost"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "findings[0].outcome",
        ),
        (
            json!({"findings": [{"client_key": "f-x", "class": "other", "text": "t", "outcome": "reported", "category": "NO-SUCH"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "findings[0].category",
        ),
        (
            json!({"patrol_id": 424242}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "patrol_id",
        ),
        (
            json!({"photos": [{"name": "a.jpg", "content_base64": "!!!"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "photos",
        ),
        (
            json!({"photos": [{"name": "a.txt", "content_base64": "aGVsbG8="}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "photos",
        ),
    ];
    for (patch, status, field) in cases {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, e) = t.post("dxy_g3", "/api/v1/visits", body.clone()).await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (status, Some(field)),
            "{body} → {e}"
        );
    }
    // A photo too big (after decoding): 422 naming photos.
    let mut big = crate::pages::jpeg_with_gps();
    big.resize(3 * 1024 * 1024, 0);
    let mut body = base.clone();
    body["photos"] = json!([{"name": "big.jpg", "content_base64": base64::engine::general_purpose::STANDARD.encode(&big)}]);
    let (s, e) = t.post("dxy_g3", "/api/v1/visits", body).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("photos")),
        "{e}"
    );
    // Nothing of these was recorded.
    let (_, due) = t.get("dxy_g3", "/api/v1/grids/DXY-G03/visits-due").await;
    assert_eq!(due["count"], 12);
    // Bad query values and days.
    let (s, e) = t
        .get("dxy_g3", "/api/v1/grids/DXY-G03/coverage?days=0")
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("days"))
    );
    let (s, e) = t.get("dxy_g3", "/api/v1/diary/dxy_g3/2026-13-01").await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("day"))
    );
    let (s, e) = t.get("dxy_staff", "/api/v1/workload?month=Nov").await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("month"))
    );
}

#[tokio::test]
async fn a_visits_photo_is_kept_without_its_gps() {
    let t = with_ledger().await;
    let h = household(&t, "DXY-G03", None).await;
    let jpeg = crate::pages::jpeg_with_gps();
    let (s, v) = t
        .post("dxy_g3", "/api/v1/visits", json!({
            "client_key": "v-photo", "grid": "DXY-G03", "household_id": h.0, "kind": "data_collection",
            "photos": [{"name": "door.jpg", "content_base64": base64::engine::general_purpose::STANDARD.encode(&jpeg)}]
        }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let hash = v["photos"][0].as_str().unwrap();
    let (mime, bytes) = t
        .app
        .store
        .visit_photo_bytes(VisitId(v["id"].as_i64().unwrap()), hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mime, "image/jpeg");
    assert!(!bytes.windows(4).any(|w| w == b"Exif"), "EXIF kept");
    assert!(bytes.len() < jpeg.len());
}

#[tokio::test]
async fn a_patrol_finding_without_a_visit_is_recorded_once_and_counted() {
    let t = with_ledger().await;
    let (_, patrol) = t
        .post(
            "dxy_g3",
            "/api/v1/patrols",
            json!({"grid": "DXY-G03", "client_key": "p-eve"}),
        )
        .await;
    let body = json!({
        "client_key": "finding-fire-lane", "grid": "DXY-G03", "patrol_id": patrol["id"],
        "class": "fire_hazard", "text": "消防通道被私家车占用", "location": "德馨苑5号楼北侧",
        "outcome": "reported"
    });
    let (s, first) = t.post("dxy_g3", "/api/v1/findings", body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert!(first["visit_id"].is_null());
    assert!(first["tracking_code"].is_string());
    let (s, again) = t.post("dxy_g3", "/api/v1/findings", body).await;
    assert_eq!((s, &again), (StatusCode::OK, &first));
    // Another grid's worker may not record in this grid, nor end this patrol.
    let (s, _) = t
        .post(
            "dxy_g1",
            "/api/v1/findings",
            json!({"client_key": "x1", "grid": "DXY-G03",
            "class": "other", "text": "t", "outcome": "solved_on_spot"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = t
        .post(
            "dxy_g1",
            &format!("/api/v1/patrols/{}/end", patrol["id"]),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, diary) = t
        .get("dxy_staff", &format!("/api/v1/diary/dxy_g3/{}", today()))
        .await;
    assert_eq!(
        (diary["visits"].as_u64(), diary["findings"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(diary["reported"], 1);
}
