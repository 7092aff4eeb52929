//! Ledgers, reports and 三率 (issue 04): every figure of a generated month recomputed here
//! from the raw event logs, independently of the ledger code, and compared with the API;
//! roll-up along the tree; the register's masking in JSON, xlsx (read back) and CSV;
//! incremental refresh; policy versions and exclusions.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use minhu_domain::org::Role;
use minhu_domain::request::{Event, EventData, Request, Satisfaction, State};
use minhu_domain::time::ZONE;
use minhu_fixtures::generate::{GenConfig, gen_org, gen_request};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn local(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    ZONE.from_local_datetime(
        &NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
    )
    .unwrap()
    .with_timezone(&Utc)
}

fn day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&ZONE).date_naive()
}

/// Generates a small city (prefix T: 2 districts, 4 streets, 3 communities each), loads it,
/// and adds a district_admin scoped to each generated district. Returns its tokens.
async fn load_generated(t: &TestApp, requests: usize) -> (GenConfig, HashMap<String, String>) {
    let cfg = GenConfig {
        prefix: "T".into(),
        districts: 2,
        streets: 4,
        communities_per_street: 3,
        requests,
        start: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        days: 61,
        now: local(2026, 10, 28),
        seed: 7,
    };
    let org = gen_org(&cfg);
    let store = &t.app.store;
    store
        .upsert_org(&org.jurisdictions, &org.units)
        .await
        .unwrap();
    t.app.reload().await.unwrap();
    let items: Vec<_> = (0..requests).map(|i| gen_request(&cfg, &org, i)).collect();
    for chunk in items.chunks(300) {
        store.insert_generated(chunk).await.unwrap();
    }
    let mut tokens = HashMap::new();
    for (name, role, scope) in [
        ("td01_admin", Role::DistrictAdmin, "TD01"),
        ("td01_admin2", Role::DistrictAdmin, "TD01"),
        ("td02_admin", Role::DistrictAdmin, "TD02"),
    ] {
        store.add_user(name, None, role, scope, None).await.unwrap();
        let tok = minhu_web::auth::issue_token(store, name, None)
            .await
            .unwrap();
        tokens.insert(name.to_string(), tok);
    }
    (cfg, tokens)
}

async fn get_with(t: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let resp = t
        .client
        .get(format!("{}{path}", t.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let s = resp.status();
    (s, resp.json().await.unwrap())
}

/// The reference: figures recomputed from raw events, written independently of
/// minhu-ledger (straight from the definitions of DESIGN §7/§8).
#[derive(Debug, Default, Clone, PartialEq)]
struct Ref {
    received: i64,
    dispatched: i64,
    due: i64,
    closed: i64,
    closed_on_time: i64,
    overdue: i64,
    returned: i64,
    reopened: i64,
    valid: i64,
    contacted: i64,
    solved: i64,
    satisfied: i64,
    basic: i64,
}

fn reference(
    all: &[(Request, Vec<Event>)],
    belongs: impl Fn(&Request) -> bool,
    start: NaiveDate,
    end: NaiveDate,
    excluded: &[i64],
    now: DateTime<Utc>,
) -> Ref {
    let inp = |t: DateTime<Utc>| day(t) >= start && day(t) < end;
    let mut r = Ref::default();
    for (req, events) in all.iter().filter(|(q, _)| belongs(q)) {
        if inp(req.intake.received_at) {
            r.received += 1;
        }
        for e in events {
            match &e.data {
                EventData::Dispatch { .. } if inp(e.at) => r.dispatched += 1,
                EventData::DecideReturn { approve: true, .. } if inp(e.at) => r.returned += 1,
                EventData::Reopen { .. } if inp(e.at) => r.reopened += 1,
                _ => {}
            }
        }
        if let Some(due) = req.deadline.filter(|d| inp(*d)) {
            r.due += 1;
            let late = match req.replied_at {
                Some(rep) => rep > due,
                None => req.state.is_open() && now > due,
            };
            if late {
                r.overdue += 1;
            }
        }
        let done = matches!(
            req.state,
            State::Closed | State::Archived | State::DirectlyAnswered
        );
        if let Some(c) = req.closed_at.filter(|c| done && inp(*c)) {
            r.closed += 1;
            let finished = req.replied_at.unwrap_or(c);
            if req.deadline.is_none_or(|d| finished <= d) {
                r.closed_on_time += 1;
            }
        }
        if excluded.contains(&req.id) {
            continue;
        }
        // The latest valid callback within the period.
        let last = events
            .iter()
            .rev()
            .find(|e| inp(e.at) && matches!(e.data, EventData::Callback { reached: true, .. }));
        if let Some(Event {
            data:
                EventData::Callback {
                    contacted,
                    solved,
                    satisfaction,
                    ..
                },
            ..
        }) = last
        {
            r.valid += 1;
            r.contacted += *contacted as i64;
            r.solved += *solved as i64;
            match satisfaction {
                Some(Satisfaction::Satisfied) => r.satisfied += 1,
                Some(Satisfaction::BasicallySatisfied) => r.basic += 1,
                _ => {}
            }
        }
    }
    r
}

fn close(a: &Value, b: Option<f64>, what: &str) {
    match (a.as_f64(), b) {
        (Some(x), Some(y)) => assert!((x - y).abs() < 1e-9, "{what}: api {x} vs ref {y}"),
        (None, None) => {}
        _ => panic!("{what}: api {a} vs ref {b:?}"),
    }
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn check(api: &Value, r: &Ref, what: &str) {
    let n = |k: &str| {
        api[k]
            .as_i64()
            .unwrap_or_else(|| panic!("{what}: no {k} in {api}"))
    };
    assert_eq!(n("received"), r.received, "{what} received");
    assert_eq!(n("dispatched"), r.dispatched, "{what} dispatched");
    assert_eq!(n("due"), r.due, "{what} due");
    assert_eq!(n("closed"), r.closed, "{what} closed");
    assert_eq!(n("closed_on_time"), r.closed_on_time, "{what} on time");
    assert_eq!(n("overdue"), r.overdue, "{what} overdue");
    assert_eq!(n("returned"), r.returned, "{what} returned");
    assert_eq!(n("reopened"), r.reopened, "{what} reopened");
    assert_eq!(n("valid_callbacks"), r.valid, "{what} valid callbacks");
    close(&api["response_rate"], ratio(r.contacted, r.valid), what);
    close(&api["resolution_rate"], ratio(r.solved, r.valid), what);
    let sat = (r.valid > 0).then(|| (r.satisfied as f64 + 0.9 * r.basic as f64) / r.valid as f64);
    close(&api["satisfaction_rate"], sat, what);
    let comp = (r.valid > 0).then(|| {
        0.1 * ratio(r.contacted, r.valid).unwrap()
            + 0.5 * ratio(r.solved, r.valid).unwrap()
            + 0.4 * sat.unwrap()
    });
    close(&api["composite"], comp, what);
    close(
        &api["on_time_rate"],
        ratio(r.closed_on_time, r.closed),
        what,
    );
    close(&api["return_rate"], ratio(r.returned, r.dispatched), what);
    close(&api["rehandle_rate"], ratio(r.reopened, r.closed), what);
}

const SUMMED: [&str; 16] = [
    "received",
    "dispatched",
    "due",
    "closed",
    "closed_on_time",
    "late",
    "returned",
    "reopened",
    "urged",
    "supervised",
    "valid_callbacks",
    "contacted",
    "solved",
    "satisfied",
    "basically_satisfied",
    "overdue",
];

fn assert_rolls_up(report: &Value) {
    for k in SUMMED {
        let sum: i64 = report["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c[k].as_i64().unwrap())
            .sum();
        assert_eq!(
            sum,
            report["totals"][k].as_i64().unwrap(),
            "{} {k}: children do not add up",
            report["jurisdiction"]
        );
    }
}

#[tokio::test]
async fn every_figure_of_a_generated_month_agrees_with_the_event_log() {
    let t = TestApp::spawn().await;
    let (_cfg, tokens) = load_generated(&t, 1500).await;
    let admin = &tokens["td01_admin"];
    let store = &t.app.store;

    // Two requests excluded from scoring, with reason and approver (district_admin only).
    let all_ids = store.all_request_ids().await.unwrap();
    let all = store.load_requests_with_events(&all_ids).await.unwrap();
    let scored: Vec<i64> = all
        .iter()
        .filter(|(r, ev)| {
            r.intake.jurisdiction.starts_with("TD01")
                && ev.iter().any(|e| {
                    matches!(e.data, EventData::Callback { reached: true, .. })
                        && day(e.at).format("%Y-%m").to_string() == "2026-10"
                })
        })
        .map(|(r, _)| r.id)
        .take(2)
        .collect();
    assert_eq!(scored.len(), 2);
    for id in &scored {
        let resp = t
            .client
            .post(format!("{}/api/v1/evaluation/exclusions", t.base))
            .bearer_auth(admin)
            .json(&json!({"request_id": id, "reason": "经核实为不合理诉求"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        // A proposal counts only once another district admin approves it (issue 08):
        // its proposer may not.
        let approve = |who: &str| {
            t.client
                .post(format!(
                    "{}/api/v1/evaluation/exclusions/{id}/approve",
                    t.base
                ))
                .bearer_auth(tokens[who].clone())
                .send()
        };
        assert_eq!(
            approve("td01_admin").await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            approve("td02_admin").await.unwrap().status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            approve("td01_admin2").await.unwrap().status(),
            StatusCode::OK
        );
    }
    let (s, _) = t
        .post(
            "yb_street",
            "/api/v1/evaluation/exclusions",
            json!({"request_id": scored[0], "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (start, end) = (
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
    );
    let now = Utc::now();
    let org = t.app.org();

    // District report: totals, streets (children), units.
    let (s, d) = get_with(
        &t,
        admin,
        "/api/v1/reports/monthly?jurisdiction=TD01&month=2026-10",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["period"]["start"], "2026-10-01");
    assert_eq!(d["period"]["end"], "2026-10-31");
    let within = |code: String| {
        let org = org.clone();
        move |r: &Request| org.within(&r.intake.jurisdiction, &code)
    };
    check(
        &d["totals"],
        &reference(&all, within("TD01".into()), start, end, &scored, now),
        "TD01",
    );
    assert!(
        d["totals"]["received"].as_i64().unwrap() > 300,
        "{}",
        d["totals"]
    );
    assert!(d["totals"]["returned"].as_i64().unwrap() > 0);
    assert!(d["totals"]["reopened"].as_i64().unwrap() > 0);
    assert!(d["totals"]["overdue"].as_i64().unwrap() > 0);
    let streets = d["children"].as_array().unwrap();
    assert_eq!(streets.len(), 2);
    for s in streets {
        let code = s["code"].as_str().unwrap().to_string();
        check(
            s,
            &reference(&all, within(code.clone()), start, end, &scored, now),
            &code,
        );
    }
    assert_rolls_up(&d);
    for u in d["units"].as_array().unwrap() {
        let code = u["code"].as_str().unwrap().to_string();
        let c2 = code.clone();
        check(
            u,
            &reference(
                &all,
                move |r| r.lead_unit.as_deref() == Some(&c2),
                start,
                end,
                &scored,
                now,
            ),
            &code,
        );
    }

    // Each street = Σ its communities, and each community against the log.
    for s in streets {
        let code = s["code"].as_str().unwrap();
        let (st, r) = get_with(
            &t,
            admin,
            &format!("/api/v1/reports/monthly?jurisdiction={code}&month=2026-10"),
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        let mut own = r["totals"].clone();
        own["rank"] = s["rank"].clone();
        assert_eq!(own, *s, "street figures differ between reports");
        assert_eq!(r["children"].as_array().unwrap().len(), 3);
        assert_rolls_up(&r);
        for c in r["children"].as_array().unwrap() {
            let cc = c["code"].as_str().unwrap().to_string();
            check(
                c,
                &reference(&all, within(cc.clone()), start, end, &scored, now),
                &cc,
            );
        }
    }

    // The month rows the rankings read equal the sums of the day rows.
    for level in [
        minhu_ledger::FactLevel::Community,
        minhu_ledger::FactLevel::Street,
        minhu_ledger::FactLevel::District,
        minhu_ledger::FactLevel::Unit,
    ] {
        let by_day = store
            .ledger_sums(level, None, minhu_ledger::Period { start, end })
            .await
            .unwrap();
        let by_month = store
            .ledger_month_sums(
                level,
                None,
                minhu_ledger::YearMonth::parse("2026-10").unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(by_day, by_month, "{level:?}");
    }

    // The evaluation of all communities: the 三率, ranks by composite.
    let (s, e) = t
        .get(
            "admin",
            "/api/v1/evaluation?month=2026-10&level=community&jurisdiction=TD01",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let items = e["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    let mut last = f64::INFINITY;
    for (i, it) in items.iter().enumerate() {
        let code = it["code"].as_str().unwrap().to_string();
        let r = reference(&all, within(code.clone()), start, end, &scored, now);
        assert_eq!(it["valid_callbacks"].as_i64().unwrap(), r.valid, "{code}");
        close(&it["response_rate"], ratio(r.contacted, r.valid), &code);
        let c = it["composite"].as_f64().unwrap();
        assert!(c <= last);
        last = c;
        assert!(it["rank"].as_u64().unwrap() <= i as u64 + 1);
    }
    assert_eq!(items[0]["rank"], 1);
    // Every street of the city, unit level too.
    let (_, e) = t
        .get("auditor", "/api/v1/evaluation?month=2026-10&level=street")
        .await;
    let codes: Vec<&str> = e["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"TD01S001") && codes.contains(&"TD02S002") && codes.contains(&"YB"));
    let (s, e) = t
        .get(
            "admin",
            "/api/v1/evaluation?month=2026-10&level=unit&jurisdiction=TD02",
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    for it in e["items"].as_array().unwrap() {
        let code = it["code"].as_str().unwrap().to_string();
        let c2 = code.clone();
        let r = reference(
            &all,
            move |q| q.lead_unit.as_deref() == Some(&c2),
            start,
            end,
            &scored,
            now,
        );
        assert_eq!(it["valid_callbacks"].as_i64().unwrap(), r.valid, "{code}");
    }
    let (s, e) = t
        .get("admin", "/api/v1/evaluation?month=2026-13&level=street")
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["field"], "month");
    let (s, _) = t
        .get("admin", "/api/v1/evaluation?month=2026-10&level=planet")
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // The monthly report as a workbook.
    let resp = t
        .client
        .get(format!(
            "{}/api/v1/reports/monthly?jurisdiction=TD01&month=2026-10&format=xlsx",
            t.base
        ))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.unwrap();
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names = wb.sheet_names().to_vec();
    assert_eq!(names[0], "辖区汇总");
    let sheet = wb.worksheet_range("辖区汇总").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    assert_eq!(rows[1][3].to_string(), "受理量");
    assert_eq!(rows[2][3].to_string(), d["totals"]["received"].to_string());
}

#[tokio::test]
async fn the_register_masks_personal_fields_in_every_format() {
    let t = TestApp::spawn().await;
    let (s, v) = t
        .post(
            "dxy_staff",
            "/api/v1/requests",
            json!({"channel": "walk_in", "type": "complaint", "content": "楼道灯坏了，请联系13812345678",
                   "requester": {"name": "贺桂莲", "phone": "13812345678"}, "address": "德馨苑3号楼2单元501",
                   "jurisdiction": "DXY-G03", "category": "市政设施/照明/楼道灯"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let code = v["code"].as_str().unwrap().to_string();
    let today = day(Utc::now());
    let path = format!("/api/v1/ledger/daily?jurisdiction=DXY&date={today}");

    let (s, j) = t.get("dxy_staff", &path).await;
    assert_eq!(s, StatusCode::OK, "{j}");
    assert_eq!(j["masked"], true);
    let row = j["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap()
        .clone();
    assert_eq!(row["requester_name"], "贺**");
    assert_eq!(row["requester_phone"], "138****5678");
    assert_eq!(row["address"], "德馨苑3号楼");
    assert!(!row["content"].as_str().unwrap().contains("13812345678"));
    assert_eq!(row["category"], json!(["市政设施", "照明", "楼道灯"]));
    assert_eq!(row["state"], "已登记");

    // The street and the district see it in their registers too; others may not ask.
    let (_, ys) = t
        .get(
            "yb_street",
            &format!("/api/v1/ledger/daily?jurisdiction=YB&date={today}"),
        )
        .await;
    assert!(
        ys["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == code)
    );
    let (_, ad) = t
        .get("admin", &format!("/api/v1/ledger/daily?date={today}"))
        .await;
    assert_eq!(ad["jurisdiction"], "SFQ");
    assert!(
        ad["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == code)
    );
    assert_eq!(t.get("xy_street", &path).await.0, StatusCode::FORBIDDEN);
    assert_eq!(t.get("ybsq_staff", &path).await.0, StatusCode::FORBIDDEN);
    assert_eq!(t.get("h_dxy_wy", &path).await.0, StatusCode::FORBIDDEN);
    let (s, e) = t
        .get(
            "dxy_staff",
            "/api/v1/ledger/daily?jurisdiction=DXY&date=06-05",
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("date"))
    );
    let (s, _) = t.get("dxy_staff", &format!("{path}&format=pdf")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // xlsx: Chinese headers under the title, the row, masked.
    let fetch = |p: String| {
        let c = t
            .client
            .get(format!("{}{p}", t.base))
            .bearer_auth(t.token("dxy_staff"));
        async move { c.send().await.unwrap() }
    };
    let resp = fetch(format!("{path}&format=xlsx")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = resp.bytes().await.unwrap().to_vec();
    use calamine::{Data, Reader};
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("日登记").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert!(rows[0][0].to_string().contains("德馨苑社区 日登记台账"));
    let headers: Vec<String> = rows[1].iter().map(|c| c.to_string()).collect();
    for h in [
        "工单编号",
        "来源渠道",
        "接件时间",
        "诉求人",
        "联系电话",
        "诉求内容",
        "主办单位",
        "办理时限",
        "满意度",
        "是否超期",
        "是否重办",
        "备注",
    ] {
        assert!(
            headers.iter().any(|x| x.contains(h)),
            "header {h} missing: {headers:?}"
        );
    }
    let col = |h: &str| headers.iter().position(|x| x == h).unwrap();
    let r = rows
        .iter()
        .find(|r| r[col("工单编号")].to_string() == code)
        .expect("row in xlsx");
    assert_eq!(r[col("诉求人")].to_string(), "贺**");
    assert_eq!(r[col("联系电话")].to_string(), "138****5678");
    assert!(
        matches!(r[col("接件时间")], Data::DateTime(_)),
        "received is a date: {:?}",
        r[col("接件时间")]
    );
    assert_eq!(rows.len() - 2, j["count"].as_u64().unwrap() as usize);

    // CSV: BOM, header, masked.
    let resp = fetch(format!("{path}&format=csv")).await;
    let text = resp.bytes().await.unwrap().to_vec();
    assert_eq!(&text[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.lines()
            .next()
            .unwrap()
            .starts_with("\u{feff}序号,工单编号,来源渠道,接件时间")
    );
    assert!(text.contains("贺**") && !text.contains("贺桂莲") && !text.contains("13812345678"));

    // Unmasked: permitted roles only, with a reason, and logged per request.
    let before = t.app.store.access_log_count(id).await.unwrap();
    let (s, e) = t.get("dxy_staff", &format!("{path}&unmasked=1")).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let (s, _) = t
        .get(
            "auditor",
            &format!("/api/v1/ledger/daily?jurisdiction=DXY&date={today}&unmasked=1&reason=audit"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = t
        .get(
            "dxy_g3",
            &format!("/api/v1/ledger/daily?jurisdiction=DXY-G03&date={today}&unmasked=1&reason=x"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(t.app.store.access_log_count(id).await.unwrap(), before);
    let resp = fetch(format!(
        "{path}&format=csv&unmasked=1&reason=%E5%9B%9E%E8%AE%BF"
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(text.contains("贺桂莲") && text.contains("13812345678"));
    assert_eq!(t.app.store.access_log_count(id).await.unwrap(), before + 1);
}

#[tokio::test]
async fn reports_follow_each_new_event_and_policy_versions_rebuild() {
    let t = TestApp::spawn().await;
    let today = day(Utc::now());
    let month = today.format("%Y-%m").to_string();
    let path = format!("/api/v1/reports/monthly?jurisdiction=DXY&month={month}");
    let (s, r0) = t.get("dxy_staff", &path).await;
    assert_eq!(s, StatusCode::OK, "{r0}");
    let n = |r: &Value, k: &str| r["totals"][k].as_i64().unwrap();

    let id = t.walk_in("小区门口路灯不亮").await;
    let (_, r1) = t.get("dxy_staff", &path).await;
    assert_eq!(n(&r1, "received"), n(&r0, "received") + 1);
    t.step("dxy_staff", id, "accept", json!({})).await;
    t.step("dxy_staff", id, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    t.step("h_dxy_wy", id, "sign", json!({})).await;
    t.step(
        "h_dxy_wy",
        id,
        "reply",
        json!({"account": "已修复", "public_reply": "路灯已修复", "solved": true}),
    )
    .await;
    t.step("dxy_staff", id, "review", json!({"pass": true}))
        .await;
    t.step("dxy_staff", id, "callback", json!({"reached": true, "contacted": true, "solved": true, "satisfaction": "basically_satisfied"})).await;
    let (_, r2) = t.get("dxy_staff", &path).await;
    assert_eq!(n(&r2, "closed"), n(&r1, "closed") + 1);
    assert_eq!(n(&r2, "valid_callbacks"), n(&r1, "valid_callbacks") + 1);
    assert_eq!(
        n(&r2, "basically_satisfied"),
        n(&r1, "basically_satisfied") + 1
    );
    assert_eq!(n(&r2, "dispatched"), n(&r1, "dispatched") + 1);
    let wy = r2["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "DXY-WY")
        .unwrap();
    assert!(wy["valid_callbacks"].as_i64().unwrap() >= 1);
    assert_eq!(r2["policy_version"], 1);

    // Reopened: the re-handling shows at once.
    t.step("dxy_staff", id, "reopen", json!({"reason": "又坏了"}))
        .await;
    let (_, r3) = t.get("dxy_staff", &path).await;
    assert_eq!(n(&r3, "reopened"), n(&r2, "reopened") + 1);
    assert_eq!(n(&r3, "closed"), n(&r2, "closed") - 1);

    // A new policy version (Beijing period, 19th to 18th): only a district_admin may.
    let (s, _) = t
        .post(
            "yb_street",
            "/api/v1/evaluation/policy",
            json!({"period_start_day": 19}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = t
        .post(
            "admin",
            "/api/v1/evaluation/policy",
            json!({"w_response": 0.5}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("w_response"))
    );
    let (s, p) = t
        .post(
            "admin",
            "/api/v1/evaluation/policy",
            json!({"period_start_day": 19, "note": "北京口径"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["version"], 2);
    let (_, list) = t.get("auditor", "/api/v1/evaluation/policy").await;
    assert_eq!(list["current"]["period_start_day"], 19);
    assert_eq!(list["versions"].as_array().unwrap().len(), 1);
    let (_, r4) = t.get("dxy_staff", &path).await;
    assert_eq!(r4["policy_version"], 2);
    let m = minhu_ledger::YearMonth::parse(&month).unwrap();
    let start = NaiveDate::from_ymd_opt(m.prev().year, m.prev().month, 19).unwrap();
    assert_eq!(r4["period"]["start"], start.to_string());
    let _ = Duration::days(1);

    // The weekly summary of the week of today, JSON and xlsx.
    let week = today.format("%G-W%V").to_string();
    let (s, w) = t
        .get(
            "yb_street",
            &format!("/api/v1/reports/weekly?jurisdiction=YB&week={week}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{w}");
    assert!(w["received"].as_i64().unwrap() >= 1);
    assert_eq!(w["by_day"].as_array().unwrap().len(), 7);
    let by_day: i64 = w["by_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["count"].as_i64().unwrap())
        .sum();
    assert_eq!(by_day, w["received"].as_i64().unwrap());
    let (s, _) = t
        .get(
            "yb_street",
            "/api/v1/reports/weekly?jurisdiction=YB&week=2026-20",
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let resp = t
        .client
        .get(format!(
            "{}/api/v1/reports/weekly?jurisdiction=YB&week={week}&format=xlsx",
            t.base
        ))
        .bearer_auth(t.token("yb_street"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    use calamine::Reader;
    let mut wb =
        calamine::Xlsx::new(std::io::Cursor::new(resp.bytes().await.unwrap().to_vec())).unwrap();
    assert!(wb.sheet_names().contains(&"紧急事项".to_string()));
    assert!(wb.worksheet_range("概况").is_ok());
}

/// The register is read from the register facts the refresh stores (not replayed): every
/// row of several days, in JSON and in the streamed xlsx, equals the row built by replaying
/// the request's raw log.
#[tokio::test]
async fn the_register_read_from_stored_facts_equals_the_replayed_log() {
    let t = TestApp::spawn().await;
    let (_cfg, tokens) = load_generated(&t, 1200).await;
    let admin = &tokens["td01_admin"];
    let store = &t.app.store;
    // A request the refresh has not seen: no stored register facts yet.
    let (s, v) = t
        .post(
            "dxy_staff",
            "/api/v1/requests",
            json!({"channel": "walk_in", "type": "complaint", "content": "楼道灯坏了",
                   "jurisdiction": "DXY-G03"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let today = day(Utc::now());
    let page = store
        .ledger_register_page(
            "/",
            local(today.year(), today.month(), today.day()),
            local(today.year(), today.month(), today.day()) + Duration::days(1),
            None,
            100,
        )
        .await
        .unwrap();
    let fresh = page.iter().find(|p| p.id == v["id"].as_i64().unwrap());
    assert!(fresh.is_some_and(|p| p.facts.is_none()));

    // Keyset pages (small, with ties on received_at) add up to the whole period in order.
    store.ledger_refresh(&t.app.org()).await.unwrap();
    let (from, to) = (local(2026, 9, 1), local(2026, 10, 1));
    let whole = store
        .ledger_register_page("/TD01/", from, to, None, 100_000)
        .await
        .unwrap();
    assert!(whole.len() > 200, "{}", whole.len());
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .ledger_register_page("/TD01/", from, to, after, 7)
            .await
            .unwrap();
        if let Some(l) = page.last() {
            after = Some((l.intake.received_at, l.id));
        }
        let n = page.len();
        paged.extend(page.into_iter().map(|p| p.id));
        if n < 7 {
            break;
        }
    }
    assert_eq!(paged, whole.iter().map(|p| p.id).collect::<Vec<_>>());
    assert!(whole.iter().all(|p| p.facts.is_some()));

    let org = t.app.org();
    let all_ids = store.all_request_ids().await.unwrap();
    let all = store.load_requests_with_events(&all_ids).await.unwrap();
    let now = Utc::now();
    let mut compared = 0;
    for (code, date) in [
        ("TD01", NaiveDate::from_ymd_opt(2026, 9, 2).unwrap()),
        ("TD01", NaiveDate::from_ymd_opt(2026, 10, 20).unwrap()),
        ("TD01S001", NaiveDate::from_ymd_opt(2026, 10, 5).unwrap()),
    ] {
        let mut want: Vec<&(Request, Vec<Event>)> = all
            .iter()
            .filter(|(r, _)| {
                org.within(&r.intake.jurisdiction, code) && day(r.intake.received_at) == date
            })
            .collect();
        want.sort_by_key(|(r, _)| (r.intake.received_at, r.id));
        let rows: Vec<minhu_ledger::RegisterRow> = want
            .iter()
            .enumerate()
            .map(|(i, (r, ev))| {
                minhu_ledger::register_row(i + 1, r, ev, &org, minhu_ledger::Personal::Masked, now)
            })
            .collect();
        assert!(!rows.is_empty());
        let (s, j) = get_with(
            &t,
            admin,
            &format!("/api/v1/ledger/daily?jurisdiction={code}&date={date}"),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{j}");
        assert_eq!(
            j["rows"],
            serde_json::to_value(&rows).unwrap(),
            "{code} {date}"
        );
        compared += rows.len();

        // The streamed xlsx holds the same cells as the table of the replayed rows.
        let resp = t
            .client
            .get(format!(
                "{}/api/v1/ledger/daily?jurisdiction={code}&date={date}&format=xlsx",
                t.base
            ))
            .bearer_auth(admin)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let got = resp.bytes().await.unwrap().to_vec();
        let title = format!("{} 日登记台账 {date}", org.jurisdiction(code).unwrap().name);
        let expected =
            minhu_ledger::to_xlsx(&[minhu_ledger::register_table(title, &rows)]).unwrap();
        use calamine::Reader;
        let read = |b: Vec<u8>| {
            let mut wb = calamine::Xlsx::new(std::io::Cursor::new(b)).unwrap();
            let r = wb.worksheet_range("日登记").unwrap();
            r.rows()
                .map(|row| row.iter().map(|c| c.to_string()).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        };
        assert_eq!(read(got), read(expected), "{code} {date} xlsx");
    }
    assert!(compared > 20, "{compared}");
}

/// Hot spots (issue 06): eight e-bike charging complaints in one community among varied
/// requests make the month's top hot spot, in the monthly report (JSON and xlsx) and from
/// the library function the dashboard calls.
#[tokio::test]
async fn the_monthly_report_ranks_the_month_s_hot_spots() {
    let t = TestApp::spawn().await;
    let ebike = [
        "小区电动车充电桩设在地下室，推车上下很困难，老人推不动，希望把充电桩建到地面上。",
        "3号楼楼道里有人私拉电线给电动车充电，晚上一直充，很危险，请处理。",
        "楼道停放电动车充电，堵住了消防通道，存在火灾隐患。",
        "电动车没地方充电，只能从窗户拉线到楼道充电，希望增加充电桩。",
        "反映楼道内电动车充电的安全问题，已经好几次看到电线冒火花。",
        "小区充电桩太少，电动车排队充电，很多人只好在楼道里充电。",
        "5号楼一楼楼道长期有电动车充电，电线乱拉，物业不管。",
        "希望小区地面增设电动车充电棚，杜绝楼道飞线充电。",
    ];
    let mut codes = Vec::new();
    for text in ebike {
        let (s, v) = t
            .post(
                "dxy_staff",
                "/api/v1/requests",
                json!({"channel": "walk_in", "type": "complaint", "content": text,
                       "jurisdiction": "DXY-G03", "category": "公共服务/充电设施/电动车充电"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        codes.push(v["code"].as_str().unwrap().to_string());
    }
    for (jur, cat, text) in [
        (
            "DXY-G01",
            "市政设施/照明/路灯",
            "小区门口路灯不亮，晚上出行不安全。",
        ),
        (
            "DXY-G02",
            "物业管理/公共设施/楼道",
            "楼道墙皮脱落，希望物业尽快粉刷。",
        ),
        (
            "DXY-G03",
            "环境卫生/垃圾清运/生活垃圾",
            "垃圾桶满了没人清运，气味很大。",
        ),
        (
            "DXY",
            "公共服务/充电设施/汽车充电",
            "地下车库的汽车充电桩坏了好几天，一直没人修。",
        ),
        (
            "YBSQ",
            "公共服务/充电设施/电动车充电",
            "楼道电动车充电问题严重，请社区管一管。",
        ),
        ("YBSQ", "市政设施/道路/井盖", "路口井盖松动，车一过就响。"),
    ] {
        let (s, v) = t
            .post(
                "admin",
                "/api/v1/requests",
                json!({"channel": "walk_in", "type": "complaint", "content": text,
                       "jurisdiction": jur, "category": cat}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let today = day(Utc::now());
    let month = today.format("%Y-%m").to_string();
    let (s, r) = t
        .get(
            "admin",
            &format!("/api/v1/reports/monthly?jurisdiction=YB&month={month}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let spots = r["hot_spots"].as_array().unwrap();
    let top = &spots[0];
    assert_eq!(top["community"], "DXY", "{spots:?}");
    assert_eq!(top["category"], "公共服务/充电设施");
    assert_eq!(top["count"], 8, "{spots:?}");
    let kws: Vec<&str> = top["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(
        kws.iter().any(|k| k.contains("电动车")) && kws.iter().any(|k| k.contains("充电")),
        "{kws:?}"
    );
    assert_eq!(top["samples"][0], codes[0].as_str());
    assert!(
        spots
            .iter()
            .all(|s| s["count"].as_i64().unwrap() < 8 || s == top)
    );

    // The dashboard's function: the same top hot spot.
    let spots = minhu_web::api::ledger::hot_spots(&t.app, "DXY", today, today, 5)
        .await
        .unwrap();
    assert_eq!(spots[0].community, "DXY");
    assert_eq!(spots[0].count, 8);
    assert!(spots[0].keywords.iter().any(|k| k.contains("充电")));

    // The workbook's 热点 sheet.
    let resp = t
        .client
        .get(format!(
            "{}/api/v1/reports/monthly?jurisdiction=YB&month={month}&format=xlsx",
            t.base
        ))
        .bearer_auth(t.token("admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    use calamine::Reader;
    let mut wb =
        calamine::Xlsx::new(std::io::Cursor::new(resp.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = wb.worksheet_range("热点").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    assert_eq!(rows[1][1].to_string(), "社区");
    assert_eq!(rows[2][1].to_string(), "德馨苑社区");
    assert_eq!(rows[2][4].to_string(), "8");
    assert!(rows[2][3].to_string().contains("充电"));
}
