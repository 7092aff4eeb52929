//! The authorisation matrix, through the real HTTP server: every role (anonymous, clerk,
//! grid worker, the lead unit and another unit, the street and another street, two admins
//! of this district, the admin of another district, the auditor, an Open311 key) × every
//! action a user would notice (read, reveal, each step, repeats of an upstream id,
//! exclusions, subscriptions, dispatch rules, grids, addresses, calendar, policy, import,
//! sweep, ledgers, deliveries, Open311 posts and updates), on a request inside the actor's
//! scope or outside it. Each cell runs against its own fresh fixture and is compared with
//! the expected status; the whole matrix is printed with every wrong cell named.
//!
//! The deployment has two districts (the demo's 示范区 SFQ and 邻区 QTQ), so what every
//! district shares (calendar, policy, import, sweep, a subscription to everything) is no
//! single district admin's: 403 for all.

use std::fmt::Write as _;

use minhu_domain::org::{Jurisdiction, Level, Role, Unit, UnitLevel};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::pages::{PASSWORD, Visitor, with_passwords};

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Clerk,
    Grid,
    Unit,
    OtherUnit,
    Street,
    OtherStreet,
    Admin,
    Admin2,
    OtherAdmin,
    Auditor,
    Key,
}

const WHO: [Who; 12] = [
    Who::Anonymous,
    Who::Clerk,
    Who::Grid,
    Who::Unit,
    Who::OtherUnit,
    Who::Street,
    Who::OtherStreet,
    Who::Admin,
    Who::Admin2,
    Who::OtherAdmin,
    Who::Auditor,
    Who::Key,
];

impl Who {
    /// The test person (None: anonymous or the Open311 key).
    fn person(self) -> Option<&'static str> {
        Some(match self {
            Who::Anonymous | Who::Key => return None,
            Who::Clerk => "dxy_staff",
            Who::Grid => "dxy_g3",
            Who::Unit => "h_dxy_wy",
            Who::OtherUnit => "h_cgj",
            Who::Street => "yb_street",
            Who::OtherStreet => "xy_street",
            Who::Admin => "admin",
            Who::Admin2 => "admin2",
            Who::OtherAdmin => "qtq_admin",
            Who::Auditor => "auditor",
        })
    }
    /// Where the person registers requests (their own scope).
    fn home(self) -> &'static str {
        match self {
            Who::Clerk => "DXY",
            Who::Grid => "DXY-G03",
            Who::Street => "YB",
            Who::OtherStreet => "XY",
            Who::Admin | Who::Admin2 => "SFQ",
            Who::OtherAdmin => "QTQ",
            _ => "DXY",
        }
    }
    fn label(self) -> String {
        format!("{self:?}")
    }
}

/// Every action of the matrix.
#[derive(Debug, Clone, Copy)]
enum Action {
    Read,
    ReadConfidential,
    Reveal,
    RevealConfidential,
    Accept,
    Dispatch,
    Sign,
    Urge,
    IntakeRepeat,
    ExclusionPropose,
    ExclusionApprove,
    ExclusionList,
    SubscriptionOwn,
    SubscriptionEverything,
    SubscriptionList,
    RuleAdd,
    RuleToForeignUnit,
    RuleDelete,
    GridShape,
    Address,
    Calendar,
    Policy,
    Import,
    Sweep,
    LedgerDaily,
    Deliveries,
    Open311Post,
    Open311UpdateOwn,
    Open311UpdateOther,
}

// Status codes by column, in the order of `WHO`:
// anon clerk grid unit o.unit street o.street admin admin2 o.admin auditor key
const MATRIX: &[(Action, [u16; 12])] = &[
    (
        Action::Read,
        [401, 200, 200, 200, 404, 200, 404, 200, 200, 404, 200, 401],
    ),
    (
        Action::ReadConfidential,
        [401, 200, 200, 200, 404, 200, 404, 200, 200, 404, 200, 401],
    ),
    (
        Action::Reveal,
        [401, 200, 403, 200, 404, 200, 404, 200, 200, 404, 403, 401],
    ),
    (
        Action::RevealConfidential,
        [401, 200, 403, 403, 404, 200, 404, 200, 200, 404, 403, 401],
    ),
    (
        Action::Accept,
        [401, 200, 403, 404, 404, 200, 404, 200, 200, 404, 403, 401],
    ),
    (
        Action::Dispatch,
        [401, 200, 403, 404, 404, 200, 404, 200, 200, 404, 403, 401],
    ),
    (
        Action::Sign,
        [401, 403, 403, 200, 404, 403, 404, 403, 403, 404, 403, 401],
    ),
    (
        Action::Urge,
        [401, 200, 403, 403, 404, 200, 404, 200, 200, 404, 403, 401],
    ),
    (
        Action::IntakeRepeat,
        [401, 200, 200, 403, 403, 200, 409, 200, 200, 409, 403, 401],
    ),
    (
        Action::ExclusionPropose,
        [401, 403, 403, 403, 403, 403, 403, 201, 201, 404, 403, 401],
    ),
    (
        Action::ExclusionApprove,
        [401, 403, 403, 403, 403, 403, 403, 403, 200, 404, 403, 401],
    ),
    (
        Action::ExclusionList,
        [401, 403, 403, 403, 403, 403, 403, 200, 200, 200, 200, 401],
    ),
    (
        Action::SubscriptionOwn,
        [401, 403, 403, 403, 403, 403, 403, 201, 201, 403, 403, 401],
    ),
    (
        Action::SubscriptionEverything,
        [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 401],
    ),
    (
        Action::SubscriptionList,
        [401, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 401],
    ),
    (
        Action::RuleAdd,
        [401, 403, 403, 403, 403, 403, 403, 201, 201, 403, 403, 401],
    ),
    (
        Action::RuleToForeignUnit,
        [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 401],
    ),
    (
        Action::RuleDelete,
        [401, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 401],
    ),
    (
        Action::GridShape,
        [401, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 401],
    ),
    (
        Action::Address,
        [401, 403, 403, 403, 403, 403, 403, 201, 201, 403, 403, 401],
    ),
    (
        Action::Calendar,
        [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 401],
    ),
    (
        Action::Policy,
        [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 401],
    ),
    (
        Action::Import,
        [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 401],
    ),
    (
        Action::Sweep,
        [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 401],
    ),
    (
        Action::LedgerDaily,
        [401, 200, 403, 403, 403, 200, 403, 200, 200, 403, 200, 401],
    ),
    (
        Action::Deliveries,
        [401, 200, 404, 404, 404, 200, 404, 200, 200, 404, 404, 401],
    ),
    (
        Action::Open311Post,
        [403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 201],
    ),
    (
        Action::Open311UpdateOwn,
        [403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 201],
    ),
    (
        Action::Open311UpdateOther,
        [403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 400],
    ),
];

/// A status the matrix shows when the status was right but the body told too much.
const LEAKED: u16 = 999;

const SECRET: &str = "举报某物业经理收受回扣";

struct World {
    t: TestApp,
    key: String,
    n: std::sync::atomic::AtomicU32,
}

impl World {
    async fn new() -> World {
        let mut t = TestApp::spawn().await;
        minhu_fixtures::demo::seed_catalogue(&t.app.store)
            .await
            .expect("catalogue");
        add_second_district(&t).await;
        t.add_person("admin2", Role::DistrictAdmin, "SFQ").await;
        t.add_person("qtq_admin", Role::DistrictAdmin, "QTQ").await;
        let key = minhu_open311::issue_key(&t.app.store, "fixmystreet")
            .await
            .expect("key");
        World {
            t,
            key,
            n: std::sync::atomic::AtomicU32::new(0),
        }
    }

    fn next(&self) -> u32 {
        self.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// A request registered by 德馨苑's counter in grid 3; `confidential` as asked.
    async fn registered(&self, confidential: bool) -> i64 {
        let body = json!({"channel": "walk_in", "type": "complaint", "content": format!("{SECRET}，第{}件", self.next()), "jurisdiction": "DXY-G03", "confidential": confidential, "requester": {"name": "张三", "phone": "13900001111"}});
        let (s, v) = self.t.post("dxy_staff", "/api/v1/requests", body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["id"].as_i64().unwrap()
    }
    async fn accepted(&self, confidential: bool) -> i64 {
        let id = self.registered(confidential).await;
        self.t.step("dxy_staff", id, "accept", json!({})).await;
        id
    }
    async fn dispatched(&self, confidential: bool) -> i64 {
        let id = self.accepted(confidential).await;
        self.t
            .step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
            .await;
        id
    }

    /// Calls the JSON API as `who` (the key presents itself as a bearer token).
    async fn api(&self, who: Who, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut rb = self
            .t
            .client
            .request(method, format!("{}{path}", self.t.base));
        match (who.person(), who) {
            (Some(p), _) => rb = rb.bearer_auth(self.t.token(p)),
            (None, Who::Key) => rb = rb.bearer_auth(&self.key),
            _ => {}
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.expect("send");
        let s = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (
            s,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// POSTs an Open311 form; only the key's cell sends `api_key`, the others their
    /// bearer token (which Open311 does not take).
    async fn open311(&self, who: Who, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if who == Who::Key {
            all.push(("api_key", &self.key));
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&all)
            .finish();
        let mut rb = self
            .t
            .client
            .post(format!("{}/open311/v2{path}", self.t.base))
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(p) = who.person() {
            rb = rb.bearer_auth(self.t.token(p));
        }
        let resp = rb.body(body).send().await.expect("send");
        (resp.status().as_u16(), resp.text().await.expect("body"))
    }

    /// A request the key registered through Open311, accepted by the counter.
    async fn open311_request(&self) -> String {
        let (s, body) = self.open311(Who::Key, "/requests.json", &LAMP).await;
        assert_eq!(s, 201, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        let code = v[0]["service_request_id"].as_str().unwrap().to_string();
        let (req, _) = self
            .t
            .app
            .store
            .load_request_by_code(&code)
            .await
            .unwrap()
            .unwrap();
        self.t.step("admin", req.id, "accept", json!({})).await;
        code
    }

    async fn update(&self, who: Who, code: &str) -> u16 {
        let uid = format!("u-{}", self.next());
        let fields = [
            ("service_request_id", code),
            ("update_id", uid.as_str()),
            ("updated_datetime", "2026-11-30T09:00:00+08:00"),
            ("status", "OPEN"),
            ("description", "还是不亮"),
        ];
        self.open311(who, "/servicerequestupdates.json", &fields)
            .await
            .0
    }

    /// Runs one cell; returns the status (or [`LEAKED`]).
    async fn cell(&self, action: Action, who: Who) -> u16 {
        use Action as A;
        match action {
            A::Read => {
                self.get(
                    who,
                    format!("/api/v1/requests/{}", self.dispatched(false).await),
                )
                .await
            }
            A::ReadConfidential => {
                let id = self.dispatched(true).await;
                self.get(who, format!("/api/v1/requests/{id}")).await
            }
            A::Reveal | A::RevealConfidential => {
                let id = self
                    .dispatched(matches!(action, A::RevealConfidential))
                    .await;
                self.get(who, format!(
                    "/api/v1/requests/{id}?reveal=personal&purpose=%E5%9B%9E%E8%AE%BF%E6%A0%B8%E5%AE%9E"
                )).await
            }
            A::Accept => {
                let id = self.registered(false).await;
                self.act(who, id, "accept", json!({})).await
            }
            A::Dispatch => {
                let id = self.accepted(false).await;
                self.act(who, id, "dispatch", json!({"unit": "DXY-WY"}))
                    .await
            }
            A::Sign => {
                let id = self.dispatched(false).await;
                self.act(who, id, "sign", json!({})).await
            }
            A::Urge => {
                let id = self.dispatched(false).await;
                self.act(who, id, "urge", json!({"note": "请尽快"})).await
            }
            A::IntakeRepeat => self.intake_repeat(who).await,
            A::ExclusionPropose => {
                let id = self.registered(false).await;
                let body = json!({"request_id": id, "reason": "经核实为不合理诉求"});
                self.api(
                    who,
                    Method::POST,
                    "/api/v1/evaluation/exclusions",
                    Some(body),
                )
                .await
                .0
            }
            A::ExclusionApprove => self.exclusion_approve(who).await,
            A::ExclusionList => self.get(who, "/api/v1/evaluation/exclusions".into()).await,
            A::SubscriptionOwn | A::SubscriptionEverything => {
                let owner = if matches!(action, A::SubscriptionOwn) {
                    "DXY"
                } else {
                    "*"
                };
                let body = json!({"owner": owner, "channel": "webhook", "target": "http://127.0.0.1:9/hook", "actions": "archive"});
                self.api(who, Method::POST, "/api/v1/subscriptions", Some(body))
                    .await
                    .0
            }
            A::SubscriptionList => self.subscription_list(who).await,
            A::RuleAdd | A::RuleToForeignUnit => {
                let unit = if matches!(action, A::RuleAdd) {
                    "DXY-WY"
                } else {
                    "QTQ-CGJ"
                };
                let body = json!({"category": format!("测试类{}", self.next()), "jurisdiction": "DXY", "unit": unit});
                self.api(who, Method::POST, "/api/v1/dispatch/rules", Some(body))
                    .await
                    .0
            }
            A::RuleDelete => {
                let body = json!({"category": format!("测试类{}", self.next()), "jurisdiction": "DXY", "unit": "DXY-WY"});
                let (s, v) = self
                    .api(
                        Who::Admin,
                        Method::POST,
                        "/api/v1/dispatch/rules",
                        Some(body),
                    )
                    .await;
                assert_eq!(s, 201, "{v}");
                let path = format!("/api/v1/dispatch/rules/{}", v["id"]);
                self.api(who, Method::DELETE, &path, None).await.0
            }
            A::GridShape => {
                let shape = json!({"type": "Polygon", "coordinates": [[[115.0, 35.7], [115.01, 35.7], [115.01, 35.71], [115.0, 35.7]]]});
                self.api(who, Method::PUT, "/api/v1/grids/DXY-G03/shape", Some(shape))
                    .await
                    .0
            }
            A::Address => {
                let body = json!({"address": format!("德馨苑{}号楼", self.next()), "jurisdiction": "DXY-G03"});
                self.api(who, Method::POST, "/api/v1/addresses", Some(body))
                    .await
                    .0
            }
            A::Calendar => {
                let body = json!({"kind": "holiday", "note": "试"});
                self.api(who, Method::PUT, "/api/v1/calendar/2027-01-04", Some(body))
                    .await
                    .0
            }
            A::Policy => {
                self.api(
                    who,
                    Method::POST,
                    "/api/v1/evaluation/policy",
                    Some(json!({"note": "试"})),
                )
                .await
                .0
            }
            A::Import => {
                let mut rb = self
                    .t
                    .client
                    .post(format!(
                        "{}/api/v1/import?channel=hotline_12345",
                        self.t.base
                    ))
                    .header("content-type", "text/csv")
                    .body("工单编号,诉求内容\nX1,路灯不亮\n");
                match (who.person(), who) {
                    (Some(p), _) => rb = rb.bearer_auth(self.t.token(p)),
                    (None, Who::Key) => rb = rb.bearer_auth(&self.key),
                    _ => {}
                }
                rb.send().await.unwrap().status().as_u16()
            }
            A::Sweep => {
                self.api(who, Method::POST, "/api/v1/sla/sweep", None)
                    .await
                    .0
            }
            A::LedgerDaily => {
                self.get(
                    who,
                    "/api/v1/ledger/daily?jurisdiction=DXY&date=2026-11-30".into(),
                )
                .await
            }
            A::Deliveries => {
                let id = self.dispatched(false).await;
                self.get(who, format!("/api/v1/requests/{id}/notifications"))
                    .await
            }
            A::Open311Post => self.open311(who, "/requests.json", &LAMP).await.0,
            A::Open311UpdateOwn => {
                let code = self.open311_request().await;
                self.update(who, &code).await
            }
            A::Open311UpdateOther => {
                let id = self.dispatched(false).await;
                let (req, _) = self.t.app.store.load_request(id).await.unwrap().unwrap();
                self.update(who, &req.intake.code).await
            }
        }
    }

    async fn get(&self, who: Who, path: String) -> u16 {
        self.api(who, Method::GET, &path, None).await.0
    }

    async fn act(&self, who: Who, id: i64, action: &str, body: Value) -> u16 {
        let path = format!("/api/v1/requests/{id}/actions/{action}");
        self.api(who, Method::POST, &path, Some(body)).await.0
    }

    /// Posts another request's (channel, external_id) from the actor's own area: whoever
    /// may not read the stored one gets a 409 that names neither it nor its content.
    async fn intake_repeat(&self, who: Who) -> u16 {
        let ext = format!("EXT-{}", self.next());
        let body = json!({"channel": "station_hotline", "type": "complaint", "content": SECRET, "jurisdiction": "DXY-G03", "confidential": true, "external_id": ext, "requester": {"name": "张三", "phone": "13900001111"}});
        let (s, v) = self.t.post("dxy_staff", "/api/v1/requests", body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let code = v["code"].as_str().unwrap().to_string();
        let repeat = json!({"channel": "station_hotline", "type": "complaint", "content": "随便写的", "jurisdiction": who.home(), "external_id": ext});
        let (s, v) = self
            .api(who, Method::POST, "/api/v1/requests", Some(repeat))
            .await;
        let text = v.to_string();
        if s != 200
            && (text.contains(SECRET) || text.contains(&code) || text.contains("13900001111"))
        {
            return LEAKED;
        }
        if s == 409 && v["error"]["field"] != "external_id" {
            return LEAKED;
        }
        s
    }

    async fn exclusion_approve(&self, who: Who) -> u16 {
        let id = self.registered(false).await;
        let body = json!({"request_id": id, "reason": "经核实为不合理诉求"});
        let (s, v) = self
            .api(
                Who::Admin,
                Method::POST,
                "/api/v1/evaluation/exclusions",
                Some(body),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        let path = format!("/api/v1/evaluation/exclusions/{id}/approve");
        let (s, v) = self.api(who, Method::POST, &path, None).await;
        if who == Who::Admin && v["error"]["code"] != "self_approval" {
            return LEAKED;
        }
        s
    }

    /// Another district's admin lists none of this district's subscriptions.
    async fn subscription_list(&self, who: Who) -> u16 {
        let body = json!({"owner": "DXY-WY", "channel": "webhook", "target": "http://127.0.0.1:9/secret-hook", "actions": "archive"});
        let (s, v) = self
            .api(
                Who::Admin,
                Method::POST,
                "/api/v1/subscriptions",
                Some(body),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        let (s, v) = self
            .api(who, Method::GET, "/api/v1/subscriptions", None)
            .await;
        let shows = v.to_string().contains("secret-hook");
        if s == 200 && shows == (who == Who::OtherAdmin) {
            return LEAKED;
        }
        s
    }
}

const LAMP: [(&str, &str); 6] = [
    ("jurisdiction_id", "SFQ"),
    ("service_code", "SZ-LD"),
    ("attribute[fault]", "dark"),
    ("lat", "36.651234"),
    ("long", "117.120987"),
    ("description", "3号楼门口路灯不亮"),
];

/// 邻区 (QTQ): a second district with a street, a community, a grid and a unit.
async fn add_second_district(t: &TestApp) {
    let j = |code: &str, level, parent: Option<&str>| Jurisdiction {
        code: code.into(),
        name: format!("邻区{code}"),
        level,
        parent: parent.map(str::to_string),
    };
    let js = [
        j("QTQ", Level::District, None),
        j("QTQ-J", Level::Street, Some("QTQ")),
        j("QTQ-S", Level::Community, Some("QTQ-J")),
        j("QTQ-G1", Level::Grid, Some("QTQ-S")),
    ];
    let us = [Unit {
        code: "QTQ-CGJ".into(),
        name: "邻区城管局".into(),
        level: UnitLevel::District,
        jurisdiction: "QTQ".into(),
        office: false,
    }];
    t.app.store.upsert_org(&js, &us).await.expect("org");
    t.app.reload().await.expect("reload");
}

#[tokio::test]
async fn every_role_action_and_scope_answers_as_the_matrix_says() {
    let w = World::new().await;
    let mut table = String::new();
    let mut wrong = Vec::new();
    let _ = write!(table, "{:<24}", "");
    for who in WHO {
        let _ = write!(table, "{:>12}", who.label());
    }
    table.push('\n');
    for (action, expected) in MATRIX {
        let _ = write!(table, "{:<24}", format!("{action:?}"));
        for (who, want) in WHO.iter().zip(expected) {
            let got = w.cell(*action, *who).await;
            let mark = if got == *want { ' ' } else { '!' };
            let _ = write!(table, "{:>11}{mark}", got);
            if got != *want {
                wrong.push(format!("{action:?} × {who:?}: expected {want}, got {got}"));
            }
        }
        table.push('\n');
    }
    assert!(
        wrong.is_empty(),
        "authorisation matrix ({} wrong cells; 999 = the body told too much):\n{table}\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// What every district shares is the deployment's: a one-district deployment's admin edits
/// the calendar; once a second district exists, neither district's admin may.
#[tokio::test]
async fn shared_data_needs_an_admin_of_the_whole_deployment() {
    let mut t = TestApp::spawn().await;
    let day = json!({"kind": "holiday", "note": "试"});
    let (s, v) = t
        .call(
            Some("admin"),
            Method::PUT,
            "/api/v1/calendar/2027-01-04",
            Some(day.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    add_second_district(&t).await;
    t.add_person("qtq_admin", Role::DistrictAdmin, "QTQ").await;
    for who in ["admin", "qtq_admin"] {
        let (s, v) = t
            .call(
                Some(who),
                Method::PUT,
                "/api/v1/calendar/2027-01-05",
                Some(day.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}: {v}");
        assert!(
            v["error"]["message"].to_string().contains("区") || v.to_string().contains("district"),
            "{v}"
        );
    }
}

/// An Open311 key is its own actor: its events name it (`open311:<name>`, role
/// `open311`), and it cannot act as the system (it urges only its own requests).
#[tokio::test]
async fn an_open311_key_writes_as_itself_never_as_the_system() {
    let w = World::new().await;
    let code = w.open311_request().await;
    assert_eq!(w.update(Who::Key, &code).await, 201);
    let (req, events) =
        w.t.app
            .store
            .load_request_by_code(&code)
            .await
            .unwrap()
            .unwrap();
    let by_key: Vec<_> = events
        .iter()
        .filter(|e| e.actor.starts_with("open311"))
        .map(|e| (e.actor.as_str(), e.role.as_str(), e.data.action()))
        .collect();
    assert_eq!(
        by_key,
        [
            ("open311:fixmystreet", "open311", "register"),
            ("open311:fixmystreet", "open311", "urge")
        ],
        "{events:?}"
    );
    assert!(events.iter().all(|e| e.role != "system"), "{events:?}");
    // Nor may it act as the deadline monitor (escalate), even on its own request.
    let _ = req;
}

/// A grid worker's hints (and the request page's duplicates) show only what they may read:
/// not a confidential request of their grid, not another grid's request of the community.
#[tokio::test]
async fn hints_never_show_what_the_worker_may_not_read() {
    let t = TestApp::spawn().await;
    let text = "楼下广场舞音响太吵了每天晚上";
    let post = |jurisdiction: &str, confidential: bool, content: String| json!({"channel": "walk_in", "type": "complaint", "content": content, "jurisdiction": jurisdiction, "confidential": confidential});
    let secret = format!("{text}，举报人住3单元");
    let other_grid = format!("{text}，在5号楼");
    let own = format!("{text}，在3号楼");
    for (j, c, body) in [
        ("DXY-G03", true, secret.clone()),
        ("DXY-G01", false, other_grid.clone()),
        ("DXY-G03", false, own.clone()),
    ] {
        let (s, v) = t
            .post("dxy_staff", "/api/v1/requests", post(j, c, body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    with_passwords(&t, &["dxy_g3", "dxy_staff"]).await;
    let mut grid = Visitor::new(&t);
    grid.login("dxy_g3", PASSWORD).await;
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("content", text)
        .append_pair("jurisdiction", "DXY-G03")
        .finish();
    let hints = grid.get(&format!("/staff/hints?{q}")).await;
    assert_eq!(hints.status, StatusCode::OK);
    assert!(
        hints.body.contains("在3号楼"),
        "the own grid's open request: {}",
        hints.body
    );
    assert!(
        !hints.body.contains("举报人"),
        "a confidential request: {}",
        hints.body
    );
    assert!(
        !hints.body.contains("在5号楼"),
        "another grid's request: {}",
        hints.body
    );
    // The community's clerk reads the other grid's request, never the confidential one.
    let mut clerk = Visitor::new(&t);
    clerk.login("dxy_staff", PASSWORD).await;
    let hints = clerk.get(&format!("/staff/hints?{q}")).await;
    assert!(hints.body.contains("在5号楼"), "{}", hints.body);
    assert!(!hints.body.contains("举报人"), "{}", hints.body);
}
