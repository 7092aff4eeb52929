//! The people register's privacy tiers over real HTTP (PIPL art. 28): ID numbers and care
//! tags never reach a reader without the `sensitive` grant (not even the community's own
//! staff), another grid's worker gets 404 for everything of this grid, a list never carries
//! a sensitive field; every sensitive read and every staff reveal is in the access log;
//! only a district admin grants, and a removal holds at once on every server.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::grid_ledger::{ELDER_ID, patch, seed};
use crate::helpers::TestApp;

/// The digits of a text, as a leak would show them whatever the spelling.
fn digits(v: &Value) -> String {
    v.to_string()
        .chars()
        .filter_map(|c| minhu_domain::privacy::digit_of(c).map(|d| char::from(b'0' + d)))
        .collect()
}

/// Asserts an answer holds no sensitive field: no ID number, no care tag.
fn no_sensitive(v: &Value, who: &str) {
    let text = v.to_string();
    assert!(
        !text.contains(ELDER_ID) && !digits(v).contains("110105194912"),
        "{who}: {text}"
    );
    for leak in ["id_number", "care_tags", "living_alone", "独居"] {
        assert!(!text.contains(leak), "{who} sees {leak}: {text}");
    }
}

async fn grant(t: &TestApp, who: &str, user: &str) -> (StatusCode, Value) {
    t.call(
        Some(who),
        Method::PUT,
        &format!("/api/v1/users/{user}/grants/sensitive"),
        None,
    )
    .await
}

#[tokio::test]
async fn sensitive_fields_never_reach_a_reader_without_the_grant() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let record = format!("/api/v1/households/{}", s.household);
    for who in ["dxy_staff", "dxy_g3", "admin", "auditor", "yb_street"] {
        let (st, v) = t.get(who, &record).await;
        assert_eq!(st, StatusCode::OK, "{who}: {v}");
        assert_eq!(v["sensitive"], false);
        no_sensitive(&v, who);
        let (_, list) = t.get(who, "/api/v1/grids/DXY-G03/households").await;
        no_sensitive(&list, who);
    }
    // A reveal shows the staff fields, never the sensitive ones.
    let (st, v) = t
        .post(
            "dxy_staff",
            &format!("{record}/reveal"),
            json!({"purpose": "核实独居老人联系方式"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["residents"][0]["name"], "贺桂莲");
    assert!(!v.to_string().contains(ELDER_ID));
    assert!(v["residents"][0].get("care_tags").is_none());
    // The community's own staff granted: now they see, the list still does not.
    let (st, _) = grant(&t, "admin", "dxy_staff").await;
    assert_eq!(st, StatusCode::OK);
    let (_, v) = t.get("dxy_staff", &record).await;
    assert_eq!(v["sensitive"], true);
    assert_eq!(v["residents"][0]["id_number"], ELDER_ID);
    assert_eq!(v["residents"][0]["care_tags"][0]["kind"], "living_alone");
    let (_, list) = t.get("dxy_staff", "/api/v1/grids/DXY-G03/households").await;
    no_sensitive(&list, "a list, granted");
    // Granted, but of another grid: still nothing.
    let (st, _) = grant(&t, "admin", "dxy_g1").await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = t.get("dxy_g1", &record).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    no_sensitive(&v, "dxy_g1");
}

#[tokio::test]
async fn another_grids_worker_and_a_unit_get_404_for_everything() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let h = s.household;
    for who in ["dxy_g1", "h_dxy_wy", "ybsq_staff", "xy_street"] {
        for path in [
            "/api/v1/grids/DXY-G03/buildings".to_string(),
            "/api/v1/grids/DXY-G03/households".into(),
            "/api/v1/grids/DXY-G03/posts".into(),
            "/api/v1/grids/DXY-G03/places".into(),
            format!("/api/v1/households/{h}"),
        ] {
            let (st, v) = t.get(who, &path).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{who} GET {path}: {v}");
            no_sensitive(&v, who);
        }
        let (st, _) = t
            .post(
                who,
                &format!("/api/v1/households/{h}/reveal"),
                json!({"purpose": "x"}),
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{who} reveal");
        let (st, _) = patch(
            &t,
            who,
            &format!("/api/v1/households/{h}"),
            json!({"tenure": "rented"}),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{who} patch");
        let (st, _) = t
            .post(
                who,
                &format!("/api/v1/residents/{}/care-tags", s.elder),
                json!({"kind": "disabled"}),
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{who} tag");
    }
    // dxy_g1 reads their own grid.
    let (st, _) = t
        .get(
            "dxy_g1",
            &format!("/api/v1/households/{}", s.other_household),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = t
        .get(
            "dxy_g3",
            &format!("/api/v1/households/{}", s.other_household),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_sensitive_read_and_every_reveal_is_in_the_access_log() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let record = format!("/api/v1/households/{}", s.household);
    let store = t.app.store.clone();
    // A reader without the grant leaves no sensitive read behind.
    t.get("dxy_g3", &record).await;
    assert!(
        store
            .subject_access_log("resident", s.elder.0)
            .await
            .unwrap()
            .is_empty()
    );

    let (st, v) = t
        .post(
            "dxy_g3",
            &format!("{record}/reveal"),
            json!({"purpose": "入户走访核实"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["household"]["revealed"], true);
    assert_eq!(v["household"]["room"], "501");
    let log = store
        .subject_access_log("household", s.household.0)
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].actor.as_str(), log[0].role.as_str()),
        ("dxy_g3", "grid_worker")
    );
    assert_eq!(log[0].purpose, "入户走访核实");
    assert!(log[0].fields.contains("resident.phone") && log[0].fields.contains("household.room"));

    let (st, v) = t
        .post(
            "dxy_g3",
            &format!("{record}/reveal"),
            json!({"purpose": "  "}),
        )
        .await;
    assert_eq!(
        (st, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("purpose"))
    );
    let (st, v) = t
        .post(
            "auditor",
            &format!("{record}/reveal"),
            json!({"purpose": "审计"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "auditors read masked: {v}");
    assert_eq!(
        store
            .subject_access_log("household", s.household.0)
            .await
            .unwrap()
            .len(),
        1
    );

    grant(&t, "admin", "dxy_g3").await;
    for _ in 0..2 {
        let (_, v) = t.get("dxy_g3", &record).await;
        assert_eq!(v["sensitive"], true);
    }
    t.post(
        "dxy_g3",
        &format!("{record}/reveal"),
        json!({"purpose": "低保复核"}),
    )
    .await;
    for resident in [s.elder, s.son] {
        let log = store
            .subject_access_log("resident", resident.0)
            .await
            .unwrap();
        assert_eq!(log.len(), 3, "each read of {resident} logged");
        assert!(
            log.iter()
                .all(|l| l.actor == "dxy_g3" && l.fields.contains("id_number"))
        );
        assert_eq!(log[2].purpose, "低保复核");
    }
}

#[tokio::test]
async fn granting_is_refused_to_anyone_but_a_district_admin_over_the_user() {
    let mut t = TestApp::spawn().await;
    seed(&mut t).await;
    for who in ["dxy_staff", "yb_street", "auditor", "dxy_g3", "h_cgj"] {
        let (st, v) = grant(&t, who, "dxy_g3").await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who}: {v}");
        let (st, _) = t
            .call(
                Some(who),
                Method::DELETE,
                "/api/v1/users/dxy_g3/grants/sensitive",
                None,
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{who} removes");
    }
    assert!(!t.app.store.has_grant("dxy_g3", "sensitive").await.unwrap());
    let (st, v) = grant(&t, "admin", "h_cgj").await;
    assert_eq!(
        (st, v["error"]["field"].clone()),
        (StatusCode::FORBIDDEN, json!("username"))
    );
    let (st, v) = grant(&t, "admin", "nobody").await;
    assert_eq!(
        (st, v["error"]["field"].clone()),
        (StatusCode::NOT_FOUND, json!("username"))
    );
    let (st, v) = grant(&t, "admin", "dxy_g3").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        (v["held"].clone(), v["changed"].clone()),
        (json!(true), json!(true))
    );
    let (_, v) = grant(&t, "admin", "dxy_g3").await;
    assert_eq!(v["changed"], false);
}

/// Two servers on one database (PostgreSQL when configured, else one SQLite file): the
/// grant is read from the store at every request, so a removal on one server holds on the
/// other at the very next read.
#[tokio::test]
async fn removing_the_grant_takes_effect_at_once_on_every_server() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let other = TestApp::start(&t.db_url).await;
    let token = minhu_web::auth::issue_token(&other.app.store, "dxy_staff", None)
        .await
        .unwrap();
    let read_on_other = || async {
        let resp = other
            .client
            .get(format!("{}/api/v1/households/{}", other.base, s.household))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json::<Value>().await.unwrap()
    };
    no_sensitive(&read_on_other().await, "before the grant");
    grant(&t, "admin", "dxy_staff").await;
    assert_eq!(read_on_other().await["residents"][0]["id_number"], ELDER_ID);
    let (st, v) = t
        .call(
            Some("admin"),
            Method::DELETE,
            "/api/v1/users/dxy_staff/grants/sensitive",
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["changed"], true);
    let after = read_on_other().await;
    assert_eq!(after["sensitive"], false);
    no_sensitive(&after, "after the removal, on the other server");
}

#[tokio::test]
async fn bad_input_is_a_422_naming_the_field() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let household = format!("/api/v1/households/{}", s.household);
    let resident = format!("/api/v1/residents/{}", s.son);
    let tags = format!("/api/v1/residents/{}/care-tags", s.son);
    let cases: Vec<(&str, String, Value, &str)> = vec![
        (
            "PATCH",
            household.clone(),
            json!({"tenure": "squatted"}),
            "tenure",
        ),
        (
            "PATCH",
            household.clone(),
            json!({"head_phone": "12345"}),
            "head_phone",
        ),
        ("PATCH", household.clone(), json!({"size": "many"}), "size"),
        ("PATCH", household.clone(), json!({}), "body"),
        (
            "PATCH",
            resident.clone(),
            json!({"id_number": "110105194912310021"}),
            "id_number",
        ),
        (
            "PATCH",
            resident.clone(),
            json!({"phone": "not a phone"}),
            "phone",
        ),
        (
            "PATCH",
            resident.clone(),
            json!({"birth_year": 1700}),
            "birth_year",
        ),
        (
            "POST",
            tags.clone(),
            json!({"kind": "key_person", "basis": "曾有前科"}),
            "basis",
        ),
        (
            "POST",
            tags.clone(),
            json!({"kind": "living_alone", "cadence_days": 0}),
            "cadence_days",
        ),
        ("POST", tags.clone(), json!({"kind": "lonely"}), "kind"),
    ];
    for (method, path, body, field) in cases {
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let (st, v) = t.call(Some("dxy_g3"), m, &path, Some(body.clone())).await;
        assert_eq!(
            st,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{method} {path} {body}: {v}"
        );
        assert_eq!(v["error"]["field"], field, "{body}: {v}");
        assert!(!v["error"]["message"].as_str().unwrap_or("").is_empty());
    }
    // Nothing refused was written.
    assert!(
        t.app
            .store
            .ledger_edits_of("household", s.household.0)
            .await
            .unwrap()
            .is_empty()
    );
    let (st, v) = t.post("dxy_g3", &tags, json!({"kind": "key_person"})).await;
    assert_eq!(st, StatusCode::CREATED, "a key person is only a tag: {v}");
}

#[tokio::test]
async fn phones_in_every_spelling_are_masked() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let (_, v) = t
        .get("dxy_staff", &format!("/api/v1/households/{}", s.household))
        .await;
    assert_eq!(v["household"]["head_phone"], "138****5678");
    assert_eq!(v["residents"][0]["phone"], "138****5678");
    assert_eq!(v["residents"][1]["phone"], "139****4321");
    assert_eq!(v["residents"][0]["name"], "贺**");
    assert!(v["residents"][0]["birth_year"].is_null());
    let (_, list) = t.get("dxy_staff", "/api/v1/grids/DXY-G03/households").await;
    for answer in [&v, &list] {
        let d = digits(answer);
        assert!(
            !d.contains("12345678") && !d.contains("87654321"),
            "{answer}"
        );
    }
}

/// The staff pages: masked by default, a reveal with a purpose (logged), and ID numbers
/// and care tags only for a reader granted `sensitive`; another grid's worker gets 404.
#[tokio::test]
async fn the_pages_keep_the_tiers() {
    use crate::pages::{PASSWORD, Visitor, with_passwords};
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    with_passwords(&t, &["dxy_staff", "dxy_g1"]).await;
    let mut staff = Visitor::new(&t);
    staff.login("dxy_staff", PASSWORD).await;
    let list = staff.get("/staff/grids/DXY-G03/ledger").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("德馨苑3号楼") && list.body.contains("贺**"));
    let page_path = format!("/staff/households/{}", s.household);
    let page = staff.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("138****5678") && page.body.contains("id=\"reveal\""));
    for body in [&list.body, &page.body] {
        assert!(!body.contains(ELDER_ID) && !body.contains("独居老人") && !body.contains("贺桂莲"));
    }
    let shown = staff
        .post(&format!("{page_path}/reveal"), &[("purpose", "电话回访")])
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains("贺桂莲") && !shown.body.contains(ELDER_ID));
    let log = t
        .app
        .store
        .subject_access_log("household", s.household.0)
        .await
        .unwrap();
    assert_eq!(log.last().map(|l| l.purpose.as_str()), Some("电话回访"));

    grant(&t, "admin", "dxy_staff").await;
    let page = staff.get(&page_path).await;
    assert!(
        page.body.contains(ELDER_ID) && page.body.contains("独居老人"),
        "{}",
        page.body
    );
    let list = staff.get("/staff/grids/DXY-G03/ledger").await;
    assert!(!list.body.contains(ELDER_ID) && !list.body.contains("独居老人"));

    let mut other = Visitor::new(&t);
    other.login("dxy_g1", PASSWORD).await;
    for path in ["/staff/grids/DXY-G03/ledger".to_string(), page_path.clone()] {
        let r = other.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.body.contains(ELDER_ID) && !r.body.contains("贺"));
    }
}
