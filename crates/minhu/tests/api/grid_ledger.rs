//! The grid's base ledger over real HTTP: buildings and households of a grid with paging
//! and search, audited edits, care tags, posts and places, by role.

use minhu_domain::grid_ledger::{CareTagDraft, Tenure};
use minhu_domain::ids::{BuildingId, HouseholdId, ResidentId};
use minhu_domain::org::Role;
use minhu_store::grid_ledger::{NewBuilding, NewHousehold, NewResident};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// What [`seed`] made: a household of 德馨苑3号楼 in DXY-G03 with two residents (the first
/// an elder living alone), and a household of another grid (DXY-G01).
pub struct Seeded {
    pub building: BuildingId,
    pub household: HouseholdId,
    pub elder: ResidentId,
    pub son: ResidentId,
    pub tag: i64,
    pub other_household: HouseholdId,
}

/// The elder's ID number (valid check digit) and the phones as an import may hold them.
pub const ELDER_ID: &str = "11010519491231002X";
pub const ELDER_PHONE_WRITTEN: &str = "１３８ １２３４ ５６７８";
pub const SON_PHONE_WRITTEN: &str = "+86 139-8765-4321";

/// Seeds a small ledger straight into the store (as the import would) and adds the
/// people the ledger tests act as: dxy_g1 (another grid's worker).
pub async fn seed(t: &mut TestApp) -> Seeded {
    t.add_person("dxy_g1", Role::GridWorker, "DXY-G01").await;
    let store = &t.app.store;
    let building = store
        .add_building(&NewBuilding {
            community: "DXY".into(),
            grid: "DXY-G03".into(),
            number: "3".into(),
            name: "德馨苑3号楼".into(),
            floors: Some(6),
            ..Default::default()
        })
        .await
        .unwrap();
    let unit = store
        .add_building_unit(building, "2", Some(6))
        .await
        .unwrap();
    let household = store
        .add_household(&NewHousehold {
            building_id: building,
            unit_id: Some(unit),
            grid: "DXY-G03".into(),
            room: "501".into(),
            head_name: "贺桂莲".into(),
            head_phone: ELDER_PHONE_WRITTEN.into(),
            size: Some(2),
            tenure: Tenure::Owner,
        })
        .await
        .unwrap();
    for room in ["101", "102", "201"] {
        store
            .add_household(&NewHousehold {
                building_id: building,
                unit_id: Some(unit),
                grid: "DXY-G03".into(),
                room: room.into(),
                head_name: "李四".into(),
                head_phone: String::new(),
                size: None,
                tenure: Tenure::Rented,
            })
            .await
            .unwrap();
    }
    let elder = store
        .add_resident(&NewResident {
            household_id: household,
            name: "贺桂莲".into(),
            phone: ELDER_PHONE_WRITTEN.into(),
            id_number: ELDER_ID.into(),
            birth_year: Some(1949),
            relation: "户主".into(),
        })
        .await
        .unwrap();
    let son = store
        .add_resident(&NewResident {
            household_id: household,
            name: "王小明".into(),
            phone: SON_PHONE_WRITTEN.into(),
            id_number: String::new(),
            birth_year: Some(1975),
            relation: "子".into(),
        })
        .await
        .unwrap();
    let tag = CareTagDraft {
        kind: "living_alone".into(),
        basis: "独居，子女在外地".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    let tag = match store
        .add_care_tag(elder, &tag, "seed", chrono::Utc::now())
        .await
        .unwrap()
    {
        minhu_store::grid_ledger::TagAdded::Added(id) => id,
        other => panic!("{other:?}"),
    };
    let other_building = store
        .add_building(&NewBuilding {
            community: "DXY".into(),
            grid: "DXY-G01".into(),
            number: "1".into(),
            name: "德馨苑1号楼".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let other_household = store
        .add_household(&NewHousehold {
            building_id: other_building,
            unit_id: None,
            grid: "DXY-G01".into(),
            room: "101".into(),
            head_name: "赵六".into(),
            head_phone: "13700001111".into(),
            size: Some(1),
            tenure: Tenure::Owner,
        })
        .await
        .unwrap();
    Seeded {
        building,
        household,
        elder,
        son,
        tag,
        other_household,
    }
}

pub async fn patch(t: &TestApp, who: &str, path: &str, body: Value) -> (StatusCode, Value) {
    t.call(Some(who), Method::PATCH, path, Some(body)).await
}

#[tokio::test]
async fn a_grid_worker_lists_the_buildings_and_pages_the_households() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let (st, v) = t.get("dxy_g3", "/api/v1/grids/DXY-G03/buildings").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["name"], "德馨苑3号楼");

    let (st, v) = t
        .get("dxy_g3", "/api/v1/grids/DXY-G03/households?per_page=3")
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 4);
    assert_eq!(v["items"].as_array().unwrap().len(), 3);
    assert_eq!(v["items"][0]["room"], "***", "rooms are staff fields");
    let (_, page2) = t
        .get(
            "dxy_g3",
            "/api/v1/grids/DXY-G03/households?per_page=3&page=2",
        )
        .await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    let (_, found) = t
        .get(
            "dxy_g3",
            &format!(
                "/api/v1/grids/DXY-G03/households?q=50&building={}",
                s.building
            ),
        )
        .await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["id"], s.household.0);
    let (st, v) = t
        .get("dxy_g3", "/api/v1/grids/DXY-G03/households?page=two")
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["field"], "page");
    // The community reads its grids; a community is no grid.
    let (st, _) = t.get("dxy_staff", "/api/v1/grids/DXY-G03/households").await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = t.get("dxy_staff", "/api/v1/grids/DXY/households").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn edits_are_audited_with_values_only_for_public_fields() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let path = format!("/api/v1/households/{}", s.household);
    let (st, v) = patch(
        &t,
        "dxy_g3",
        &path,
        json!({"tenure": "rented", "head_phone": "13912345678", "tenancy_from": "2026-01-01"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["household"]["tenure"], "rented");
    assert_eq!(
        v["household"]["head_phone"], "139****5678",
        "an edit is no reveal"
    );
    let edits = t
        .app
        .store
        .ledger_edits_of("household", s.household.0)
        .await
        .unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].actor, "dxy_g3");
    assert_eq!(edits[0].fields, "head_phone,tenure,tenancy_from");
    let detail: Value = serde_json::from_str(&edits[0].detail).unwrap();
    assert_eq!(
        detail,
        json!({"tenure": "rented"}),
        "staff values are never kept"
    );

    let (st, v) = patch(
        &t,
        "dxy_staff",
        &format!("/api/v1/residents/{}", s.son),
        json!({"occupation": "司机", "relation": "儿子"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let edits = t
        .app
        .store
        .ledger_edits_of("resident", s.son.0)
        .await
        .unwrap();
    assert_eq!(edits[0].fields, "relation,occupation");
    assert!(!edits[0].detail.contains("司机"));

    // Readers who do not keep the ledger: auditors and the street read, never edit.
    for who in ["auditor", "yb_street", "admin"] {
        let (st, v) = patch(&t, who, &path, json!({"tenure": "owner"})).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who}: {v}");
        assert_eq!(v["error"]["field"], "grid");
    }
    let (st, _) = patch(&t, "h_dxy_wy", &path, json!({"tenure": "owner"})).await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "a unit has no part in the register"
    );
}

#[tokio::test]
async fn care_tags_are_added_once_and_ended() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let path = format!("/api/v1/residents/{}/care-tags", s.son);
    let (st, v) = t
        .post(
            "dxy_g3",
            &path,
            json!({"kind": "disabled", "basis": "二级肢体"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (st, v) = t.post("dxy_g3", &path, json!({"kind": "disabled"})).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["field"], "kind");
    let end = format!("/api/v1/care-tags/{id}/end");
    let (st, v) = t.post("dxy_g3", &end, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, _) = t.post("dxy_g3", &end, json!({})).await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, v) = t
        .post(
            "dxy_g3",
            &path,
            json!({"kind": "disabled", "cadence_days": 14}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["id"], id, "the ended tag is active again");
    // The audit names the tag, never its kind or basis.
    let edits = t.app.store.ledger_edits_of("care_tag", id).await.unwrap();
    assert_eq!(edits.len(), 3);
    assert!(
        edits
            .iter()
            .all(|e| !e.detail.contains("disabled") && !e.detail.contains("肢体"))
    );
    let (st, _) = t.post("dxy_g1", &end, json!({})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let _ = s.tag;
}

#[tokio::test]
async fn posts_and_places_of_a_grid() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let (st, v) = t
        .post(
            "dxy_staff",
            "/api/v1/grids/DXY-G03/posts",
            json!({"post": "full_time", "person_name": "陈志超", "username": "dxy_g3", "armband_no": "DXY-003", "board_phone": "0371-6688 1234", "since": "2026-01-01"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let post = v["id"].as_i64().unwrap();
    let (st, v) = t
        .post(
            "dxy_g3",
            "/api/v1/grids/DXY-G03/posts",
            json!({"post": "building_head", "person_name": "贺桂莲", "building_id": s.building.0}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, v) = t.get("dxy_g3", "/api/v1/grids/DXY-G03/posts").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 2);
    let full_time = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == post)
        .unwrap();
    assert_eq!(
        full_time["board_phone"], "0371-66881234",
        "the board phone is public"
    );
    assert_eq!(full_time["post_label"], "专职网格员");
    let (st, v) = t
        .post(
            "dxy_g3",
            &format!("/api/v1/posts/{post}/end"),
            json!({"until": "2026-06-30"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (_, v) = t.get("dxy_g3", "/api/v1/grids/DXY-G03/posts").await;
    assert_eq!(v.as_array().unwrap().len(), 1);
    let (_, v) = t
        .get("dxy_g3", "/api/v1/grids/DXY-G03/posts?state=all")
        .await;
    assert_eq!(v.as_array().unwrap().len(), 2);
    let (st, v) = t
        .post(
            "dxy_g3",
            "/api/v1/grids/DXY-G03/posts",
            json!({"post": "chief", "person_name": "x"}),
        )
        .await;
    assert_eq!(
        (st, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("post"))
    );
    let (st, v) = t
        .post(
            "dxy_g1",
            "/api/v1/grids/DXY-G01/posts",
            json!({"post": "part_time", "person_name": "x", "building_id": s.building.0}),
        )
        .await;
    assert_eq!(
        (st, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("building_id"))
    );

    let place = json!({"kind": "shop", "name": "德馨便利店", "contact_name": "周五", "contact_phone": "13600001234"});
    let (st, v) = t
        .post("dxy_g3", "/api/v1/grids/DXY-G03/places", place.clone())
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, _) = t
        .post("dxy_g3", "/api/v1/grids/DXY-G03/places", place)
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, v) = t.get("auditor", "/api/v1/grids/DXY-G03/places").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v[0]["contact_phone"], "136****1234");
    assert_eq!(v[0]["contact_name"], "周*");
    let (st, _) = t.get("dxy_g1", "/api/v1/grids/DXY-G03/places").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}
