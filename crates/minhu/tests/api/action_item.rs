//! The shared governance base over real HTTP: 督办事项 from issue to 销号 with the roles and
//! scopes, the deadline ladder (催办 → 督办通知 → 通报) with the clock moved forward, once on
//! two servers sweeping at once, 文号 unique under concurrency, and 公示 with its minimum
//! period.

use base64::Engine;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use minhu_domain::calendar::Calendar;
use minhu_domain::document_number::{DocumentKind, SequenceKey};
use minhu_domain::ids::UnitCode;
use minhu_domain::time::{end_of_local_day, local_date, start_of_local_day};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, actions};

fn at(v: &Value, key: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v[key].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn photo() -> String {
    base64::engine::general_purpose::STANDARD.encode(crate::pages::jpeg_with_gps())
}

/// 德馨苑's office issues an item to the property company, with the rental station helping.
async fn issue(t: &TestApp, title: &str, working_days: u32) -> Value {
    let (s, v) = t
        .post(
            "dxy_staff",
            "/api/v1/action-items",
            json!({"source_kind": "grid_duty", "source_id": 7, "title": title,
                   "owner": "DXY-WY", "co_units": ["DXY-GZF"], "working_days": working_days}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

async fn step(t: &TestApp, who: &str, id: i64, step: &str, body: Value) -> (StatusCode, Value) {
    t.post(who, &format!("/api/v1/action-items/{id}/{step}"), body)
        .await
}

#[tokio::test]
async fn an_item_lives_from_issue_to_verification() {
    let t = TestApp::spawn().await;
    let v = issue(&t, "楼层过道窗户加装封闭", 5).await;
    let id = v["id"].as_i64().unwrap();
    assert_eq!(
        (v["state"].as_str(), v["owner"].as_str()),
        (Some("open"), Some("DXY-WY"))
    );
    assert_eq!(v["issued_by"], "DXY");
    assert_eq!(v["co_units"], json!(["DXY-GZF"]));

    // The owner reports progress with a photo; the photo is cleaned and cited by its hash.
    let (s, v) = step(
        &t,
        "h_dxy_wy",
        id,
        "progress",
        json!({"note": "已订购窗扇", "photos": [{"name": "现场.jpg", "data": photo()}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "in_progress");
    let ev = &v["events"][1]["data"]["evidence"][0];
    assert_eq!(ev["kind"], "photo");
    assert_eq!(ev["reference"].as_str().unwrap().len(), 64, "{ev}");
    // A co-unit reports progress too, but may not claim the item done.
    let (s, _) = step(
        &t,
        "h_dxy_gzf",
        id,
        "progress",
        json!({"note": "协助通知住户"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = step(
        &t,
        "h_dxy_gzf",
        id,
        "claim-done",
        json!({"note": "完成", "evidence": [{"kind": "document", "reference": "验收单"}]}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");

    // Wrong state first (409), then the missing evidence (422 naming the field).
    let (s, _) = step(&t, "dxy_staff", id, "verify", json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, v) = step(&t, "h_dxy_wy", id, "claim-done", json!({"note": "已完成"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "evidence", "{v}");

    let (s, v) = step(
        &t,
        "h_dxy_wy",
        id,
        "claim-done",
        json!({"note": "窗扇已装好", "photos": [{"name": "完工.jpg", "data": photo()}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "done_claimed");
    // The owner cannot strike off its own work.
    let (s, _) = step(&t, "h_dxy_wy", id, "verify", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The office sends it back, the owner claims again, the office strikes it off (销号).
    let (s, v) = step(&t, "dxy_staff", id, "reopen", json!({"reason": "三楼未装"})).await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("reopened")),
        "{v}"
    );
    let (s, _) = step(
        &t,
        "h_dxy_wy",
        id,
        "claim-done",
        json!({"note": "三楼补装", "evidence": [{"kind": "document", "reference": "补装记录"}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = step(&t, "dxy_staff", id, "verify", json!({"note": "已核实"})).await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("verified")),
        "{v}"
    );
    assert_eq!(
        actions(&v),
        [
            "issue",
            "progress",
            "progress",
            "claim_done",
            "reopen",
            "claim_done",
            "verify"
        ]
    );
    let (s, again) = step(&t, "dxy_staff", id, "verify", json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{again}");

    // The register lists it for its issuer and owner.
    let (_, list) = t
        .get(
            "dxy_staff",
            "/api/v1/action-items?issuer=DXY&state=verified",
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let (_, list) = t
        .get("h_dxy_gzf", "/api/v1/action-items?owner=DXY-GZF")
        .await;
    assert_eq!(list[0]["id"], id, "a co-unit sees what it helps with");
}

#[tokio::test]
async fn roles_and_scopes_of_an_item() {
    let t = TestApp::spawn().await;
    let id = issue(&t, "小区东门路灯维修", 3).await["id"]
        .as_i64()
        .unwrap();
    // The street above reads it; other communities, other units and grid workers do not.
    let (s, _) = t
        .get("yb_street", &format!("/api/v1/action-items/{id}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    for outsider in ["ybsq_staff", "h_dxy_cd", "dxy_g3"] {
        let (s, _) = t.get(outsider, &format!("/api/v1/action-items/{id}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{outsider}");
        let (s, _) = step(&t, outsider, id, "progress", json!({"note": "x"})).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{outsider}");
        let (_, list) = t.get(outsider, "/api/v1/action-items").await;
        assert_eq!(list, json!([]), "{outsider}");
    }
    // Reading is not acting: the street may not report for the owner.
    let (s, _) = step(&t, "yb_street", id, "progress", json!({"note": "x"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Only an office's staff issue; the owner must be a known unit, not the issuer.
    let body = json!({"source_kind": "grid_duty", "source_id": 1, "title": "t", "owner": "DXY-WY", "working_days": 2});
    for who in ["h_dxy_gzf", "dxy_g3", "auditor"] {
        let (s, _) = t.post(who, "/api/v1/action-items", body.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
    }
    for (field, patch) in [
        ("owner", json!({"owner": "NOPE"})),
        ("owner", json!({"owner": "DXY"})),
        ("working_days", json!({"working_days": 0})),
        ("title", json!({"title": " "})),
        ("source_kind", json!({"source_kind": "wish"})),
    ] {
        let mut b = body.clone();
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        let (s, v) = t.post("dxy_staff", "/api/v1/action-items", b).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {v}");
        assert_eq!(v["error"]["field"], field, "{v}");
    }
}

/// The working day `n` working days before `date`.
fn working_days_before(cal: &Calendar, date: NaiveDate, n: u32) -> NaiveDate {
    let (mut d, mut left) = (date, n);
    while left > 0 {
        d = d.pred_opt().unwrap();
        if cal.is_working_day(d) {
            left -= 1;
        }
    }
    d
}

fn noon(d: NaiveDate) -> DateTime<Utc> {
    start_of_local_day(d) + Duration::hours(12)
}

#[tokio::test]
async fn the_ladder_urges_supervises_and_bulletins_once_each() {
    let t = TestApp::spawn().await;
    let cal = t.app.calendar();
    // A limit whose due date is a Monday: the reminder two working days before skips the
    // weekend back to Thursday.
    let now = t.app.now();
    let n = (3..20)
        .find(|n| local_date(cal.working_days_deadline(now, *n)).weekday() == Weekday::Mon)
        .unwrap();
    let v = issue(&t, "楼道堆物清理", n).await;
    let id = v["id"].as_i64().unwrap();
    let due = at(&v, "due");
    let due_date = local_date(due);
    assert_eq!(due, end_of_local_day(due_date));
    let urge_day = working_days_before(&cal, due_date, 2);
    assert!(
        (due_date - urge_day).num_days() >= 4,
        "the weekend is skipped"
    );
    let sweep = |at| minhu_web::service::sweep(&t.app, at);

    let rep = sweep(noon(working_days_before(&cal, urge_day, 1)))
        .await
        .unwrap();
    assert_eq!(rep.action_items.urged, 0, "{rep:?}");
    let rep = sweep(start_of_local_day(urge_day) + Duration::hours(9))
        .await
        .unwrap();
    assert_eq!(rep.action_items.urged, 1, "{rep:?}");
    let rep = sweep(noon(urge_day)).await.unwrap();
    assert_eq!(rep.action_items.urged, 0, "once");

    // Still open on the due day: no notice yet; the minute after, the 督办通知 with its 文号.
    let rep = sweep(due - Duration::minutes(1)).await.unwrap();
    assert_eq!(rep.action_items.supervised, 0);
    let rep = sweep(due + Duration::minutes(1)).await.unwrap();
    assert_eq!(
        (rep.action_items.supervised, rep.action_items.bulletins),
        (1, 0)
    );
    let (_, v) = t
        .get("dxy_staff", &format!("/api/v1/action-items/{id}"))
        .await;
    let notice = &v["events"][2]["data"];
    assert_eq!(notice["level"], "supervise");
    let year = local_date(due + Duration::minutes(1)).year();
    assert_eq!(
        notice["number"],
        format!("（{year}）德馨苑督字第1号"),
        "{notice}"
    );

    // The bulletin on the fifth working day after the due date, not before.
    let bulletin_day = cal.add_working_days(due_date, 5);
    let rep = sweep(noon(working_days_before(&cal, bulletin_day, 1)))
        .await
        .unwrap();
    assert_eq!(rep.action_items.bulletins, 0, "{rep:?}");
    let rep = sweep(noon(bulletin_day)).await.unwrap();
    assert_eq!(rep.action_items.bulletins, 1, "{rep:?}");
    let rep = sweep(noon(bulletin_day) + Duration::days(3)).await.unwrap();
    assert_eq!(rep.action_items, Default::default(), "nothing more to do");
    let (_, v) = t
        .get("h_dxy_wy", &format!("/api/v1/action-items/{id}"))
        .await;
    assert_eq!(actions(&v), ["issue", "oversee", "oversee", "oversee"]);
    assert_eq!(
        v["oversight_sent"],
        json!(["urge", "supervise", "bulletin"])
    );
    assert!(
        v["events"].as_array().unwrap()[1..]
            .iter()
            .all(|e| e["actor"] == "system")
    );
    let (_, late) = t
        .get(
            "dxy_staff",
            &format!(
                "/api/v1/action-items?overdue=1&at={}",
                minhu_domain::time::rfc3339(noon(bulletin_day)).replace('+', "%2B")
            ),
        )
        .await;
    assert_eq!(late[0]["id"], id, "{late}");
    assert_eq!(late[0]["oversight"], "bulletin");
}

#[tokio::test]
async fn two_servers_sweeping_at_once_send_each_rung_once() {
    let t = TestApp::spawn().await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(
            issue(&t, &format!("事项{i}"), 2).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let other = TestApp::start(&t.db_url).await;
    let cal = t.app.calendar();
    let due = local_date(cal.working_days_deadline(t.app.now(), 2));
    let late = noon(cal.add_working_days(due, 6));
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            minhu_web::service::sweep(&t.app, late),
            minhu_web::service::sweep(&other.app, late)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.action_items.skipped + b.action_items.skipped, 0);
    }
    let mut numbers = Vec::new();
    for id in ids {
        let (item, events) = t
            .app
            .store
            .load_action_item(minhu_domain::ids::ActionItemId(id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            item.oversight,
            [
                minhu_domain::action_item::OversightLevel::Supervise,
                minhu_domain::action_item::OversightLevel::Bulletin
            ],
            "item {id}: one notice and one bulletin, no late reminder"
        );
        for e in events {
            if let minhu_domain::action_item::ItemEventData::Oversee {
                number: Some(n), ..
            } = e.data
            {
                numbers.push(n);
            }
        }
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 6, "six notices, six numbers: {numbers:?}");
    // A lost race draws no number: the counter stands at six, no gap.
    let key = SequenceKey::new(DocumentKind::SupervisionNotice, UnitCode::new("DXY"), late);
    assert_eq!(t.app.store.last_document_seq(&key).await.unwrap(), 6);
}

#[tokio::test]
async fn document_numbers_are_unique_under_concurrency_and_per_year_and_issuer() {
    let t = TestApp::spawn().await;
    let other = TestApp::start(&t.db_url).await;
    let now = t.app.now();
    let key = SequenceKey::new(DocumentKind::MediationAgreement, UnitCode::new("DXY"), now);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = if i % 2 == 0 {
            t.app.store.clone()
        } else {
            other.app.store.clone()
        };
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            store.next_document_seq(&key).await.unwrap()
        }));
    }
    let mut got = Vec::new();
    for task in tasks {
        got.push(task.await.unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, (1..=40).collect::<Vec<u32>>());
    assert_eq!(t.app.store.last_document_seq(&key).await.unwrap(), 40);
    // Another issuer, another kind and next year each count from 1.
    let next_year = SequenceKey {
        year: key.year + 1,
        ..key.clone()
    };
    let other_issuer = SequenceKey {
        unit: UnitCode::new("YBSQ"),
        ..key.clone()
    };
    let minutes = SequenceKey {
        kind: DocumentKind::MeetingMinutes,
        ..key.clone()
    };
    for k in [next_year, other_issuer, minutes] {
        assert_eq!(t.app.store.next_document_seq(&k).await.unwrap(), 1, "{k:?}");
    }
    let n = t
        .app
        .store
        .next_document_number(&key, "德馨苑")
        .await
        .unwrap();
    assert_eq!(n.text(), format!("（{}）德馨苑人调字第41号", key.year));
}

#[tokio::test]
async fn a_publication_shows_between_from_and_until_for_its_minimum_period() {
    let t = TestApp::spawn().await;
    let now = t.app.now();
    let rfc = minhu_domain::time::rfc3339;
    let body = |from: DateTime<Utc>, until: DateTime<Utc>| {
        json!({"kind": "decision", "subject_kind": "action_item", "subject_id": 1,
               "title": "关于封闭楼层过道的决议", "body": "经居民议事会表决通过……",
               "venue": "board", "board": "德馨苑东门公示栏",
               "board_photo": {"name": "公示栏.jpg", "data": photo()},
               "from": rfc(from), "until": rfc(until)})
    };
    let from = now + Duration::days(1);
    let (s, v) = t
        .post(
            "dxy_staff",
            "/api/v1/publications",
            body(from, from + Duration::days(6)),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "until");
    let (s, v) = t
        .post(
            "dxy_g3",
            "/api/v1/publications",
            body(from, from + Duration::days(7)),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = t
        .post(
            "dxy_staff",
            "/api/v1/publications",
            body(from, from + Duration::days(7)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["board_photo"].as_str().unwrap().len(), 64);
    assert_eq!(v["jurisdiction"], "DXY");

    assert!(!showing(&t, id, now).await, "not before from");
    assert!(showing(&t, id, from).await);
    assert!(showing(&t, id, from + Duration::days(7) - Duration::seconds(1)).await);
    assert!(
        !showing(&t, id, from + Duration::days(7)).await,
        "not from until on"
    );
    let (s, _) = t
        .post(
            "ybsq_staff",
            &format!("/api/v1/publications/{id}/withdraw"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/publications/{id}/withdraw"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(!showing(&t, id, from).await, "withdrawn");
    let (s, _) = t
        .post(
            "dxy_staff",
            &format!("/api/v1/publications/{id}/withdraw"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

/// Is publication `id` among those showing at `at`?
async fn showing(t: &TestApp, id: i64, at: DateTime<Utc>) -> bool {
    let at = minhu_domain::time::rfc3339(at).replace('+', "%2B");
    let (s, v) = t
        .get(
            "dxy_staff",
            &format!("/api/v1/publications?showing=1&at={at}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().iter().any(|p| p["id"] == id)
}

/// A staff page fetched with the person's session (signed in through the login form).
async fn page(t: &TestApp, who: &str, path: &str) -> reqwest::Response {
    use crate::pages::{PASSWORD, Visitor, with_passwords};
    with_passwords(t, &[who]).await;
    let mut v = Visitor::new(t);
    v.login(who, PASSWORD).await;
    t.client
        .get(format!("{}{path}", t.base))
        .header("cookie", v.cookie_header())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_register_prints_on_a4_and_exports_xlsx_with_chinese_headers() {
    let t = TestApp::spawn().await;
    let id = issue(&t, "楼层过道窗户加装封闭", 5).await["id"]
        .as_i64()
        .unwrap();
    let r = page(&t, "dxy_staff", "/staff/action-items").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("楼层过道窗户加装封闭") && html.contains("主办单位"),
        "{html}"
    );
    let r = page(&t, "dxy_staff", &format!("/staff/action-items/{id}")).await;
    assert!(r.text().await.unwrap().contains("待办"));
    let r = page(&t, "ybsq_staff", &format!("/staff/action-items/{id}")).await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "another community's item"
    );

    let print = page(&t, "dxy_staff", "/staff/action-items/print")
        .await
        .text()
        .await
        .unwrap();
    assert!(print.contains("/static/print.css") && print.contains("楼层过道窗户加装封闭"));
    let css = page(&t, "dxy_staff", "/static/print.css")
        .await
        .text()
        .await
        .unwrap();
    assert!(css.contains("@page { size: A4"), "{css}");
    let other = page(&t, "ybsq_staff", "/staff/action-items/print")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !other.contains("楼层过道窗户加装封闭"),
        "out of scope, not printed"
    );

    let r = page(&t, "dxy_staff", "/staff/action-items.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range("督办事项台账").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    let headers: Vec<String> = rows[1].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        headers,
        [
            "编号",
            "督办事项",
            "来源",
            "交办单位",
            "主办单位",
            "协办单位",
            "办理时限",
            "状态",
            "督办等级"
        ]
    );
    assert_eq!(rows[2][1].to_string(), "楼层过道窗户加装封闭");
    assert_eq!(rows[2][4].to_string(), "DXY-WY");
    assert_eq!(rows[2][7].to_string(), "待办");
}
