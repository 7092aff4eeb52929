//! The grid worker's phone pages over real HTTP: the page routes the offline queue posts
//! to (`POST /grid/visits`, `POST /grid/findings`: session cookie + `x-csrf-token`), their
//! role and scope, the CSRF check, errors in Chinese naming the field, the pages and the
//! service worker. (tests/browser_offline.rs drives the same pages offline in Chromium.)

use std::collections::HashMap;

use minhu_domain::grid_ledger::Tenure;
use minhu_domain::org::Role;
use minhu_store::grid_ledger::{NewBuilding, NewHousehold};
use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::pages::{PASSWORD, with_passwords};

/// A phone's browser: keeps cookies, sends JSON with the CSRF header as the queue does.
struct Phone {
    base: String,
    client: reqwest::Client,
    cookies: HashMap<String, String>,
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

impl Phone {
    fn new(app: &TestApp) -> Phone {
        Phone {
            base: app.base.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.join("; ")
    }

    async fn keep(&mut self, resp: reqwest::Response) -> Answer {
        for v in resp.headers().get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (kv, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if val.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        Answer {
            status: resp.status(),
            headers: resp.headers().clone(),
            body: resp.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(resp).await
    }

    async fn form(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let csrf = self.cookies.get("csrf").cloned().unwrap_or_default();
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("_csrf", &csrf)
            .extend_pairs(fields)
            .finish();
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.keep(resp).await
    }

    /// The queue's post: the token fetched from `/grid/csrf` first, as the script does.
    async fn queue(&mut self, path: &str, body: &Value) -> Answer {
        let token = self.get("/grid/csrf").await.json()["csrf"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.post_json(path, body, Some(&token)).await
    }

    async fn post_json(&mut self, path: &str, body: &Value, token: Option<&str>) -> Answer {
        self.post_raw(path, body.to_string(), token).await
    }

    async fn post_raw(&mut self, path: &str, body: String, token: Option<&str>) -> Answer {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.header("x-csrf-token", t);
        }
        let resp = req.send().await.unwrap();
        self.keep(resp).await
    }

    async fn login(app: &TestApp, who: &str) -> Phone {
        let mut phone = Phone::new(app);
        phone.get("/login").await;
        let r = phone
            .form(
                "/login",
                &[("username", who), ("password", PASSWORD), ("next", "/grid")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login {who}: {}", r.body);
        phone
    }
}

/// Households: two in DXY-G03 (dxy_g3's grid), one in DXY-G01.
async fn households(app: &TestApp) -> Vec<i64> {
    let mut ids = Vec::new();
    for (grid, number, room, head) in [
        ("DXY-G03", "9", "301", "赵淑芬"),
        ("DXY-G03", "9", "402", "贺桂莲"),
        ("DXY-G01", "2", "101", "张伟"),
    ] {
        let store = &app.app.store;
        let building = store
            .add_building(&NewBuilding {
                community: "DXY".into(),
                grid: grid.into(),
                number: format!("{number}-{room}"),
                name: format!("德馨苑{number}号楼"),
                address: format!("德馨苑{number}号楼"),
                floors: Some(6),
            })
            .await
            .unwrap();
        let id = store
            .add_household(&NewHousehold {
                building_id: building,
                unit_id: None,
                grid: grid.into(),
                room: room.into(),
                head_name: head.into(),
                head_phone: "13800001111".into(),
                size: Some(2),
                tenure: Tenure::Owner,
            })
            .await
            .unwrap();
        ids.push(id.0);
    }
    ids
}

async fn setup() -> (TestApp, Vec<i64>) {
    let mut app = TestApp::spawn().await;
    app.add_person("dxy_g1", Role::GridWorker, "DXY-G01").await;
    with_passwords(&app, &["dxy_g3", "dxy_g1", "dxy_staff", "h_dxy_wy"]).await;
    let homes = households(&app).await;
    (app, homes)
}

fn visit(key: &str, grid: &str, household: i64) -> Value {
    json!({
        "client_key": key, "grid": grid, "household_id": household, "kind": "care",
        "notes": "独居老人，身体尚可。",
        "findings": [
            {"client_key": format!("{key}-f1"), "class": "public_security",
             "text": "楼层过道未封闭，窗户敞开。", "outcome": "reported"},
            {"client_key": format!("{key}-f2"), "class": "sanitation",
             "text": "楼道纸箱已清走。", "outcome": "solved_on_spot"}
        ]
    })
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test]
async fn a_queued_visit_is_recorded_once_however_often_it_is_sent() {
    let (app, homes) = setup().await;
    let mut phone = Phone::login(&app, "dxy_g3").await;
    let before = app.app.store.count_requests().await.unwrap();
    let body = visit("3b7c0e8e-0000-4000-8000-000000000001", "DXY-G03", homes[0]);
    let first = phone.queue("/grid/visits", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = phone.queue("/grid/visits", &body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(first.json(), again.json(), "a repeat answers the same body");
    let findings = first.json()["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 2);
    assert!(findings[0]["request_id"].is_i64(), "{}", first.body);
    let code = findings[0]["tracking_code"].as_str().unwrap_or_default();
    assert!(
        code.len() >= 12 && code.chars().all(|c| c.is_ascii_digit()),
        "the request has its tracking code: {}",
        first.body
    );
    assert!(findings[1]["request_id"].is_null());
    assert_eq!(app.app.store.count_requests().await.unwrap(), before + 1);

    // A patrol finding, twice: one.
    let finding = json!({"client_key": "k-patrol-1", "grid": "DXY-G03", "class": "fire_hazard",
        "text": "消防通道被电动车堵住，已劝离。", "outcome": "solved_on_spot"});
    assert_eq!(
        phone.queue("/grid/findings", &finding).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        phone.queue("/grid/findings", &finding).await.status,
        StatusCode::OK
    );
    let mine = app
        .app
        .store
        .findings_of_worker("dxy_g3", 50)
        .await
        .unwrap();
    assert_eq!(mine.len(), 3);

    // The pages show it: my findings with the request's state, the day's diary computed.
    let page = phone.get("/grid/findings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("楼层过道未封闭") && page.body.contains("已登记"));
    assert!(
        page.body.contains(code),
        "my findings show the request's code"
    );
    let today = minhu_domain::time::local_date(app.app.now()).format("%Y-%m-%d");
    let diary = phone.get(&format!("/grid/diary/{today}")).await;
    assert_eq!(diary.status, StatusCode::OK);
    assert!(
        diary.body.contains(r#"id="diary-households">1<"#),
        "{}",
        diary.body
    );
    assert!(diary.body.contains(r#"id="diary-findings">3<"#));
    assert!(diary.body.contains(r#"id="diary-solved">2<"#));
    assert!(diary.body.contains(r#"id="diary-reported">1<"#));
}

#[tokio::test]
async fn another_grids_worker_cannot_post_into_this_grid_or_read_its_pages() {
    let (app, homes) = setup().await;
    let mut other = Phone::login(&app, "dxy_g1").await;
    let into_g3 = other
        .queue("/grid/visits", &visit("k-other-1", "DXY-G03", homes[0]))
        .await;
    assert_eq!(into_g3.status, StatusCode::FORBIDDEN, "{}", into_g3.body);
    assert_eq!(into_g3.json()["error"]["field"], "grid");
    // Its own grid named, another grid's household: refused, nothing recorded.
    let smuggled = other
        .queue("/grid/visits", &visit("k-other-2", "DXY-G01", homes[0]))
        .await;
    assert!(smuggled.status.is_client_error(), "{}", smuggled.body);
    let finding = json!({"client_key": "k-other-3", "grid": "DXY-G03", "class": "other",
        "text": "x", "outcome": "solved_on_spot"});
    assert_eq!(
        other.queue("/grid/findings", &finding).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        other.get("/grid?grid=DXY-G03").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        app.app
            .store
            .findings_of_worker("dxy_g1", 50)
            .await
            .unwrap()
            .is_empty()
    );
    // A unit handler has no grid pages.
    let mut handler = Phone::login(&app, "h_dxy_wy").await;
    assert_eq!(handler.get("/grid").await.status, StatusCode::FORBIDDEN);
    // The picker lists only the worker's grid, masked.
    let mut mine = Phone::login(&app, "dxy_g3").await;
    let form = mine.get("/grid/visit").await;
    assert!(form.body.contains(&format!("value=\"{}\"", homes[0])));
    assert!(!form.body.contains(&format!("value=\"{}\"", homes[2])));
    assert!(!form.body.contains("赵淑芬") && !form.body.contains("13800001111"));
}

#[tokio::test]
async fn the_queue_routes_need_the_csrf_header_and_a_session() {
    let (app, homes) = setup().await;
    let mut phone = Phone::login(&app, "dxy_g3").await;
    let body = visit("k-csrf-1", "DXY-G03", homes[0]);
    let none = phone.post_json("/grid/visits", &body, None).await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    assert_eq!(none.json()["error"]["code"], "csrf");
    let wrong = phone
        .post_json(
            "/grid/visits",
            &body,
            Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    // No session: 401 (the queue waits for a login), never the login page's redirect.
    let mut stranger = Phone::new(&app);
    assert_eq!(
        stranger.get("/grid/csrf").await.status,
        StatusCode::UNAUTHORIZED
    );
    let anon = stranger.queue("/grid/visits", &body).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    assert!(
        app.app
            .store
            .findings_of_worker("dxy_g3", 50)
            .await
            .unwrap()
            .is_empty()
    );
    // The plain forms check the token too.
    let start = phone
        .client
        .post(format!("{}/grid/patrol/start", phone.base))
        .header("cookie", phone.cookie_header())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grid=DXY-G03&client_key=k-p-1")
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_bad_field_is_refused_in_chinese_naming_the_field() {
    let (app, homes) = setup().await;
    let mut phone = Phone::login(&app, "dxy_g3").await;
    let mut body = visit("k-bad-1", "DXY-G03", homes[0]);
    body["kind"] = json!("chat");
    let r = phone.queue("/grid/visits", &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "kind");
    assert!(has_chinese(r.json()["error"]["message"].as_str().unwrap()));
    let mut body = visit("k-bad-2", "DXY-G03", homes[0]);
    body["findings"][0]["outcome"] = json!("maybe");
    let r = phone.queue("/grid/visits", &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "findings[0].outcome");
    let token = phone.get("/grid/csrf").await.json()["csrf"]
        .as_str()
        .unwrap()
        .to_string();
    let r = phone
        .post_raw("/grid/visits", "{\"client_key\": ".into(), Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(has_chinese(r.json()["error"]["message"].as_str().unwrap()));
    // Nothing was recorded by the refusals: the key is still free.
    let ok = phone
        .queue("/grid/visits", &visit("k-bad-1", "DXY-G03", homes[0]))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);

    // The diary form: submitting with no narrative shows the page again with the error.
    let today = minhu_domain::time::local_date(app.app.now()).format("%Y-%m-%d");
    let r = phone
        .form(
            &format!("/grid/diary/{today}"),
            &[("narrative", ""), ("submit", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(r#"class="error" role="alert""#),
        "{}",
        r.body
    );
    let saved = phone
        .form(
            &format!("/grid/diary/{today}"),
            &[
                ("narrative", "走访独居老人一户，过道窗户问题已上报。"),
                ("submit", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = phone.get(&format!("/grid/diary/{today}")).await;
    assert!(page.body.contains("已提交") && page.body.contains("过道窗户问题已上报"));
    let bad_day = phone.get("/grid/diary/2026-13-45").await;
    assert_eq!(bad_day.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_day.body.contains("日期"));
}

#[tokio::test]
async fn the_pages_and_the_service_worker_are_served_for_offline_use() {
    let (app, homes) = setup().await;
    let mut phone = Phone::login(&app, "dxy_g3").await;
    let grid = phone.get("/grid").await;
    assert_eq!(grid.status, StatusCode::OK);
    assert!(grid.body.contains("id=\"sync-status\"") && grid.body.contains("已保存，待同步"));
    // Both of the grid's households were never visited: both are due.
    for h in &homes[..2] {
        assert!(
            grid.body.contains(&format!("data-household=\"{h}\"")),
            "{h}"
        );
    }
    assert!(
        !grid
            .body
            .contains(&format!("data-household=\"{}\"", homes[2]))
    );
    let sw = phone.get("/sw.js").await;
    assert_eq!(sw.status, StatusCode::OK);
    assert_eq!(sw.headers["service-worker-allowed"], "/grid");
    assert!(
        sw.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(!sw.body.contains("__VERSION__"), "the cache is versioned");
    for asset in [
        "/static/offline-queue.js",
        "/static/phone.js",
        "/static/phone.css",
    ] {
        assert_eq!(phone.get(asset).await.status, StatusCode::OK, "{asset}");
    }
    // A patrol started and ended from /grid.
    let key = "k-patrol-start-1";
    let r = phone
        .form(
            "/grid/patrol/start",
            &[("grid", "DXY-G03"), ("client_key", key)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let grid = phone.get("/grid").await;
    assert!(grid.body.contains("action=\"/grid/patrol/end\""));
    let id = grid
        .body
        .split("name=\"patrol_id\" value=\"")
        .nth(1)
        .unwrap();
    let id = id.split('"').next().unwrap().to_string();
    let r = phone
        .form(
            "/grid/patrol/end",
            &[("grid", "DXY-G03"), ("patrol_id", &id)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        phone
            .get("/grid")
            .await
            .body
            .contains("action=\"/grid/patrol/start\"")
    );
    // In English on request.
    let en = phone.get("/grid/visit?lang=en").await;
    assert!(en.body.contains("Household visit"));
}
