//! The register's staff forms over real HTTP, as a clerk and a grid worker use them in a
//! browser without JavaScript: each form saves and the change shows; a bad field comes back
//! with its Chinese message next to it and the other values kept; another grid's worker
//! gets 404 on every form; care tags exist only for a reader holding the `sensitive` grant;
//! the access log lists a reveal.

use reqwest::{Method, StatusCode};

use super::grid_ledger::{ELDER_ID, Seeded, seed};
use crate::helpers::TestApp;
use crate::pages::{PASSWORD, Visitor, by_id, with_passwords};

/// A signed-in visitor.
async fn signed_in(t: &TestApp, who: &str) -> Visitor {
    with_passwords(t, &[who]).await;
    let mut v = Visitor::new(t);
    v.login(who, PASSWORD).await;
    v
}

async fn grant(t: &TestApp, user: &str) {
    let path = format!("/api/v1/users/{user}/grants/sensitive");
    let (st, v) = t.call(Some("admin"), Method::PUT, &path, None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

/// The number following `prefix` in the page (an id of a row or a form).
fn id_after(html: &str, prefix: &str) -> String {
    let at = html.find(prefix).unwrap_or_else(|| panic!("no {prefix}")) + prefix.len();
    html[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

/// The input `name` of form `form` holds `value`.
fn kept(html: &str, form: &str, name: &str, value: &str) -> bool {
    html.contains(&format!(
        "name=\"{name}\" id=\"{form}-{name}\" value=\"{value}\""
    ))
}

fn household(s: &Seeded) -> String {
    format!("/staff/households/{}", s.household)
}

#[tokio::test]
async fn a_clerk_edits_a_household_and_a_resident_through_the_forms() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let mut clerk = signed_in(&t, "dxy_staff").await;
    let page = clerk.get(&household(&s)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"household\" class=\"ledger-form\""));
    // Masked fields start empty, the mask as placeholder: nothing is revealed by a form.
    assert!(page.body.contains("placeholder=\"138****5678\""));
    assert!(!page.body.contains("贺桂莲"));

    let r = clerk
        .post(
            &format!("{}/edit", household(&s)),
            &[
                ("head_name", ""),
                ("head_phone", "139 1111 2222"),
                ("size", "3"),
                ("tenure", "rented"),
                ("state", "occupied"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = clerk.get(r.location()).await;
    assert!(page.body.contains("id=\"saved\""), "{}", page.body);
    assert_eq!(by_id(&page.body, "head-phone"), "139****2222");
    assert_eq!(by_id(&page.body, "size"), "3");
    assert_eq!(by_id(&page.body, "tenure"), "出租");
    let edits = t
        .app
        .store
        .ledger_edits_of("household", s.household.0)
        .await
        .unwrap();
    let last = edits.last().unwrap();
    assert_eq!(last.actor, "dxy_staff");
    assert_eq!(last.fields, "head_phone,size,tenure", "only what changed");
    assert!(
        !last.detail.contains("13911112222"),
        "a staff field is named only"
    );

    let r = clerk
        .post(
            &format!("/staff/residents/{}/edit", s.son),
            &[
                ("name", ""),
                ("phone", ""),
                ("birth_year", "1976"),
                ("residence", ""),
                ("occupation", "教师"),
                ("state", "moved_out"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let son = t.app.store.resident(s.son).await.unwrap().unwrap();
    assert_eq!(son.birth_year, Some(1976));
    assert_eq!(son.occupation, "教师");
    assert_eq!(son.state.as_str(), "moved_out");
    let edits = t
        .app
        .store
        .ledger_edits_of("resident", s.son.0)
        .await
        .unwrap();
    assert_eq!(edits.last().unwrap().fields, "birth_year,occupation,state");
    // Revealed, the form shows the stored values.
    let shown = clerk
        .post(
            &format!("{}/reveal", household(&s)),
            &[("purpose", "核对住户信息")],
        )
        .await;
    assert!(kept(
        &shown.body,
        &format!("resident-{}", s.son),
        "occupation",
        "教师"
    ));
    assert!(kept(&shown.body, "household", "head_phone", "13911112222"));
}

#[tokio::test]
async fn a_bad_field_shows_its_chinese_error_and_keeps_the_other_values() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let mut clerk = signed_in(&t, "dxy_staff").await;
    clerk.get(&household(&s)).await;
    let r = clerk
        .post(
            &format!("{}/edit", household(&s)),
            &[
                ("head_name", "贺桂兰"),
                ("head_phone", "12345"),
                ("size", "4"),
                ("tenure", "rented"),
                ("state", "occupied"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        by_id(&r.body, "household-head_phone-error"),
        "字段“户主电话”不是有效的电话号码（手机号或带区号的固定电话）"
    );
    assert!(kept(&r.body, "household", "head_phone", "12345"));
    assert!(kept(&r.body, "household", "head_name", "贺桂兰"));
    assert!(kept(&r.body, "household", "size", "4"));
    assert!(r.body.contains("<option value=\"rented\" selected>"));
    let h = t.app.store.household(s.household).await.unwrap().unwrap();
    assert_eq!(h.household.size, Some(2), "nothing saved");

    let form = format!("resident-{}", s.son);
    let r = clerk
        .post(
            &format!("/staff/residents/{}/edit", s.son),
            &[
                ("birth_year", "1700"),
                ("occupation", "司机"),
                ("state", "current"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        by_id(&r.body, &format!("{form}-birth_year-error")),
        "字段“出生年份”应在 1880 到 2100 之间"
    );
    assert!(kept(&r.body, &form, "occupation", "司机"));
    let r = clerk
        .post(
            &format!("/staff/residents/{}/edit", s.son),
            &[("birth_year", "一九七五"), ("state", "current")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        by_id(&r.body, &format!("{form}-birth_year-error")),
        "字段“出生年份”应为整数"
    );
    // Nothing different from the record: said at the top of the form.
    let r = clerk
        .post(
            &format!("/staff/residents/{}/edit", s.son),
            &[("birth_year", "1975"), ("state", "current")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(by_id(&r.body, &format!("{form}-error")), "没有要修改的字段");

    clerk.get("/staff/grids/DXY-G03/posts").await;
    let r = clerk
        .post(
            "/staff/grids/DXY-G03/posts",
            &[
                ("post", "grid_head"),
                ("person_name", ""),
                ("armband_no", "DXY-003"),
                ("board_phone", "0371-66881234"),
                ("since", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        by_id(&r.body, "post-person_name-error"),
        "缺少必填字段“人员姓名”"
    );
    assert!(kept(&r.body, "post", "armband_no", "DXY-003"));
    assert!(kept(&r.body, "post", "board_phone", "0371-66881234"));
    let r = clerk
        .post(
            "/staff/grids/DXY-G03/places",
            &[
                ("kind", "shop"),
                ("name", "德馨便利店"),
                ("contact_phone", "打电话"),
                ("risk_level", "medium"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(by_id(&r.body, "place-contact_phone-error").starts_with("字段“联系电话”"));
    assert!(kept(&r.body, "place", "name", "德馨便利店"));
    assert!(r.body.contains("<option value=\"medium\" selected>"));
}

#[tokio::test]
async fn posts_and_places_are_listed_added_and_ended() {
    let mut t = TestApp::spawn().await;
    let _s = seed(&mut t).await;
    let mut clerk = signed_in(&t, "dxy_staff").await;
    let grid = clerk.get("/staff/grids/DXY-G03/ledger").await;
    assert!(
        grid.body.contains("href=\"/grids/DXY-G03/board\""),
        "the public board"
    );
    assert!(grid.body.contains("href=\"/staff/grids/DXY-G03/posts\""));
    clerk.get("/staff/grids/DXY-G03/posts").await;
    let r = clerk
        .post(
            "/staff/grids/DXY-G03/posts",
            &[
                ("post", "full_time"),
                ("person_name", "周敏"),
                ("armband_no", "DXY-G03-01"),
                ("board_phone", "0371-66881234"),
                ("since", "2026-03-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let posts = clerk.get(r.location()).await;
    assert!(posts.body.contains("周敏") && posts.body.contains("专职网格员"));
    assert!(posts.body.contains("DXY-G03-01") && posts.body.contains("2026-03-01"));
    let board = clerk.get("/grids/DXY-G03/board").await;
    assert!(board.body.contains("DXY-G03-01"), "on the public board");
    let id = id_after(&posts.body, "id=\"end-post-");
    let r = clerk.post(&format!("/staff/posts/{id}/end"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let posts = clerk.get(r.location()).await;
    assert!(!posts.body.contains("id=\"end-post-"), "ended");
    let post = t
        .app
        .store
        .grid_post(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(post.state.as_str(), "ended");

    let r = clerk
        .post(
            "/staff/grids/DXY-G03/places",
            &[
                ("kind", "shop"),
                ("name", "德馨便利店"),
                ("address", "德馨苑3号楼底商"),
                ("contact_name", "刘强"),
                ("contact_phone", "13700002222"),
                ("risk_level", "low"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let places = clerk.get(r.location()).await;
    assert!(places.body.contains("德馨便利店") && places.body.contains("商铺"));
    assert!(places.body.contains("137****2222") && !places.body.contains("13700002222"));
    let dup = clerk
        .post(
            "/staff/grids/DXY-G03/places",
            &[("kind", "firm"), ("name", "德馨便利店")],
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(
        by_id(&dup.body, "place-name-error"),
        "本社区已有名为“德馨便利店”的场所"
    );
    let id = id_after(&places.body, "id=\"close-place-");
    let r = clerk.post(&format!("/staff/places/{id}/close"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let places = clerk.get(r.location()).await;
    assert!(places.body.contains("已关闭") && !places.body.contains("id=\"close-place-"));
}

#[tokio::test]
async fn another_grids_worker_gets_404_on_every_form() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let mut clerk = signed_in(&t, "dxy_staff").await;
    clerk.get("/staff/grids/DXY-G03/posts").await;
    clerk
        .post(
            "/staff/grids/DXY-G03/posts",
            &[("post", "grid_head"), ("person_name", "陈志超")],
        )
        .await;
    clerk
        .post(
            "/staff/grids/DXY-G03/places",
            &[("kind", "shop"), ("name", "小店")],
        )
        .await;
    let post = id_after(
        &clerk.get("/staff/grids/DXY-G03/posts").await.body,
        "id=\"end-post-",
    );
    let place = id_after(
        &clerk.get("/staff/grids/DXY-G03/places").await.body,
        "id=\"close-place-",
    );
    grant(&t, "dxy_g1").await;
    let mut other = signed_in(&t, "dxy_g1").await;
    other.get("/staff").await;
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("{}/edit", household(&s)), vec![("size", "5")]),
        (format!("{}/reveal", household(&s)), vec![("purpose", "x")]),
        (
            format!("/staff/residents/{}/edit", s.son),
            vec![("occupation", "x")],
        ),
        (
            format!("/staff/residents/{}/care-tags", s.son),
            vec![("kind", "disabled")],
        ),
        (format!("/staff/care-tags/{}/end", s.tag), vec![]),
        (
            "/staff/grids/DXY-G03/posts".into(),
            vec![("post", "grid_head"), ("person_name", "")],
        ),
        (format!("/staff/posts/{post}/end"), vec![]),
        (
            "/staff/grids/DXY-G03/places".into(),
            vec![("kind", "bad"), ("name", "")],
        ),
        (format!("/staff/places/{place}/close"), vec![]),
    ];
    for (path, fields) in &posts {
        let r = other.post(path, fields).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        assert!(
            !r.body.contains("贺") && !r.body.contains("王小明"),
            "{path}"
        );
    }
    for path in [
        "/staff/grids/DXY-G03/posts".to_string(),
        "/staff/grids/DXY-G03/places".into(),
        format!("{}/access-log", household(&s)),
    ] {
        assert_eq!(
            other.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let edits = t
        .app
        .store
        .ledger_edits_of("household", s.household.0)
        .await
        .unwrap();
    assert!(edits.iter().all(|e| e.actor != "dxy_g1"));
    let tag = t.app.store.care_tag(s.tag).await.unwrap().unwrap();
    assert_eq!(tag.0.state.as_str(), "active");
}

#[tokio::test]
async fn care_tag_forms_are_absent_and_refused_without_the_grant() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let mut worker = signed_in(&t, "dxy_g3").await;
    let page = worker.get(&household(&s)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(&format!("id=\"resident-{}\"", s.elder)),
        "edit forms"
    );
    for absent in [
        "care-tags",
        "tag-",
        "关爱标签",
        "独居",
        "走访周期",
        "id_number",
        ELDER_ID,
    ] {
        assert!(!page.body.contains(absent), "{absent} without the grant");
    }
    let r = worker
        .post(
            &format!("/staff/residents/{}/care-tags", s.son),
            &[
                ("kind", "disabled"),
                ("cadence_days", "30"),
                ("cadence_prefill", "30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = worker
        .post(&format!("/staff/care-tags/{}/end", s.tag), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // An ID number posted by hand is not taken from a reader without the grant.
    let r = worker
        .post(
            &format!("/staff/residents/{}/edit", s.elder),
            &[("id_number", "110105194912310021"), ("occupation", "退休")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let elder = t.app.store.resident(s.elder).await.unwrap().unwrap();
    assert_eq!(elder.id_number, ELDER_ID);
    assert!(
        t.app
            .store
            .care_tags_of_household(s.household)
            .await
            .unwrap()
            .len()
            == 1
    );

    grant(&t, "dxy_g3").await;
    let page = worker.get(&household(&s)).await;
    let tag_form = format!("tag-{}", s.son);
    assert!(
        page.body.contains(&format!("id=\"{tag_form}\"")),
        "{}",
        page.body
    );
    assert!(
        kept(&page.body, &tag_form, "cadence_days", "30"),
        "the default, prefilled"
    );
    assert!(page.body.contains(&format!("id=\"end-tag-{}\"", s.tag)));
    assert!(
        page.body
            .contains(&format!("id=\"resident-{}-id_number\"", s.elder))
    );
    // The prefilled cadence left as it was: the chosen kind's own default (优抚对象 90).
    let r = worker
        .post(
            &format!("/staff/residents/{}/care-tags", s.son),
            &[
                ("kind", "entitled"),
                ("basis", "退役军人"),
                ("cadence_days", "30"),
                ("cadence_prefill", "30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A cadence typed in is kept.
    let r = worker
        .post(
            &format!("/staff/residents/{}/care-tags", s.elder),
            &[
                ("kind", "disabled"),
                ("cadence_days", "14"),
                ("cadence_prefill", "30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let tags = t
        .app
        .store
        .care_tags_of_household(s.household)
        .await
        .unwrap();
    let cadence = |kind: &str| {
        tags.iter()
            .find(|t| t.kind.as_str() == kind)
            .map(|t| t.cadence_days)
    };
    assert_eq!(cadence("entitled"), Some(90));
    assert_eq!(cadence("disabled"), Some(14));
    // 重点人员 takes no basis: refused next to the field, the rest kept.
    let r = worker
        .post(
            &format!("/staff/residents/{}/care-tags", s.son),
            &[
                ("kind", "key_person"),
                ("basis", "某某事由"),
                ("cadence_days", "30"),
                ("cadence_prefill", "30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        by_id(&r.body, &format!("{tag_form}-basis-error")),
        "“重点人员”为受限标签，不得填写依据或说明"
    );
    assert!(kept(&r.body, &tag_form, "basis", "某某事由"));
    let r = worker
        .post(&format!("/staff/care-tags/{}/end", s.tag), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let tag = t.app.store.care_tag(s.tag).await.unwrap().unwrap();
    assert_eq!(tag.0.state.as_str(), "ended");
    let page = worker.get(r.location()).await;
    assert!(!page.body.contains(&format!("id=\"end-tag-{}\"", s.tag)));
}

#[tokio::test]
async fn the_access_log_lists_a_reveal_for_the_clerk() {
    let mut t = TestApp::spawn().await;
    let s = seed(&mut t).await;
    let mut clerk = signed_in(&t, "dxy_staff").await;
    let page = clerk.get(&household(&s)).await;
    assert!(page.body.contains("id=\"access-log-link\""));
    let r = clerk
        .post(
            &format!("{}/reveal", household(&s)),
            &[("purpose", "居民来电核实")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let log = clerk.get(&format!("{}/access-log", household(&s))).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let row = log.body.split("<tr class=\"access\">").nth(1).unwrap_or("");
    for want in [
        "dxy_staff",
        "社区工作人员",
        "本户",
        "门牌",
        "户主姓名",
        "居民来电核实",
    ] {
        assert!(row.contains(want), "{want}: {row}");
    }
    assert!(!log.body.contains("贺桂莲") && !log.body.contains(ELDER_ID));
    // A granted read of the residents' ID numbers is listed under the resident.
    grant(&t, "dxy_g3").await;
    let mut worker = signed_in(&t, "dxy_g3").await;
    worker.get(&household(&s)).await;
    let log = clerk.get(&format!("{}/access-log", household(&s))).await;
    let granted_read = |who: &str| {
        log.body
            .split("<tr class=\"access\">")
            .any(|row| row.contains("dxy_g3") && row.contains(who) && row.contains("身份证号"))
    };
    assert!(granted_read("贺**") && granted_read("王**"), "{}", log.body);
    // The grid worker reads the register, not who read it.
    assert!(
        !worker
            .get(&household(&s))
            .await
            .body
            .contains("access-log-link")
    );
    let r = worker.get(&format!("{}/access-log", household(&s))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_staff_navigation_leads_to_the_register() {
    let mut t = TestApp::spawn().await;
    let _s = seed(&mut t).await;
    let mut worker = signed_in(&t, "dxy_g3").await;
    let home = worker.get("/staff").await;
    assert!(
        home.body
            .contains("href=\"/staff/grids/DXY-G03/ledger\" id=\"nav-register\"")
    );
    let mut clerk = signed_in(&t, "dxy_staff").await;
    let home = clerk.get("/staff").await;
    assert!(
        home.body
            .contains("href=\"/staff/grids\" id=\"nav-register\"")
    );
    let grids = clerk.get("/staff/grids").await;
    for g in ["DXY-G01", "DXY-G03", "DXY-G05"] {
        assert!(
            grids.body.contains(&format!("/staff/grids/{g}/ledger")),
            "{g}"
        );
    }
    let admin = signed_in(&t, "admin").await;
    let mut admin = admin;
    assert!(!admin.get("/staff").await.body.contains("nav-register"));
}
