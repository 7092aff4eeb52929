//! The pure ledger code on generated data: facts add up along the tree, a request's facts
//! follow its log, the register's xlsx reads back with its headers, rows and masks, CSV has
//! its BOM, ranks share ties.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)] // a test or example stops at its first failure

use std::collections::HashMap;

use calamine::{Data, Reader};
use chrono::{NaiveDate, TimeZone, Utc};
use minhu_domain::org::Org;
use minhu_domain::time::ZONE;
use minhu_fixtures::generate::{GenConfig, gen_org, gen_request};
use minhu_ledger::facts::{Counters, FactLevel, accumulate};
use minhu_ledger::*;

fn small() -> (
    GenConfig,
    Org,
    Vec<(
        minhu_domain::request::Request,
        String,
        Vec<minhu_domain::request::Event>,
    )>,
) {
    let cfg = GenConfig {
        prefix: "P".into(),
        districts: 2,
        streets: 5,
        communities_per_street: 4,
        requests: 4000,
        start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        days: 90,
        now: ZONE
            .with_ymd_and_hms(2026, 3, 25, 0, 0, 0)
            .unwrap()
            .with_timezone(&Utc),
        seed: 3,
    };
    let g = gen_org(&cfg);
    let org = Org::new(g.jurisdictions.clone(), g.units.clone());
    let items = (0..cfg.requests)
        .map(|i| gen_request(&cfg, &g, i))
        .collect();
    (cfg, org, items)
}

#[test]
fn facts_roll_up_exactly_along_the_tree() {
    let (_, org, items) = small();
    let policy = EvaluationPolicy::default_v1();
    let mut all = HashMap::new();
    for (i, (r, _, ev)) in items.iter().enumerate() {
        let mut r = r.clone();
        r.id = i as i64 + 1;
        accumulate(&mut all, &request_facts(&r, ev, &org, &policy, false), 1);
    }
    let period = Period {
        start: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        end: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
    };
    let sum = |level: FactLevel, code: &str| {
        let mut c = Counters::default();
        for ((l, k, d), v) in &all {
            if *l == level && k == code && period.contains(*d) {
                c.add(v);
            }
        }
        c
    };
    let mut district_total = Counters::default();
    for d in org.jurisdictions().filter(|j| j.parent.is_none()) {
        let dsum = sum(FactLevel::District, &d.code);
        let mut streets = Counters::default();
        for s in org
            .jurisdictions()
            .filter(|j| j.parent.as_deref() == Some(&d.code))
        {
            let ssum = sum(FactLevel::Street, &s.code);
            let mut comms = Counters::default();
            for c in org
                .jurisdictions()
                .filter(|j| j.parent.as_deref() == Some(&s.code))
            {
                comms.add(&sum(FactLevel::Community, &c.code));
            }
            assert_eq!(ssum, comms, "street {} = Σ communities", s.code);
            streets.add(&ssum);
        }
        assert_eq!(dsum, streets, "district {} = Σ streets", d.code);
        district_total.add(&dsum);
    }
    assert!(district_total.get(Metric::Received) > 1000);
    assert!(district_total.get(Metric::ValidCallbacks) > 500);
    // Every dispatched request has a lead unit: the unit level holds every dispatch.
    let mut units = Counters::default();
    for u in org.units() {
        units.add(&sum(FactLevel::Unit, &u.code));
    }
    assert_eq!(
        units.get(Metric::ValidCallbacks),
        district_total.get(Metric::ValidCallbacks)
    );
    // Removing each request's facts again leaves nothing.
    for (i, (r, _, ev)) in items.iter().enumerate() {
        let mut r = r.clone();
        r.id = i as i64 + 1;
        accumulate(&mut all, &request_facts(&r, ev, &org, &policy, false), -1);
    }
    assert!(all.values().all(Counters::is_zero));
}

#[test]
fn excluded_requests_do_not_score_and_one_callback_counts_per_month() {
    let (_, org, items) = small();
    let p = EvaluationPolicy::default_v1();
    let (r, _, ev) = items
        .iter()
        .find(|(r, _, _)| r.reopen_count > 0 && r.callback.as_ref().is_some_and(|c| c.reached))
        .expect("a re-handled request");
    let f = request_facts(r, ev, &org, &p, false);
    let valid = f
        .items
        .iter()
        .filter(|(_, m)| *m == Metric::ValidCallbacks)
        .count();
    let months: std::collections::HashSet<_> = ev
        .iter()
        .filter(|e| {
            matches!(
                e.data,
                minhu_domain::request::EventData::Callback { reached: true, .. }
            )
        })
        .map(|e| p.month_of(minhu_domain::time::local_date(e.at)))
        .collect();
    assert_eq!(valid, months.len());
    let x = request_facts(r, ev, &org, &p, true);
    assert!(!x.items.iter().any(|(_, m)| *m == Metric::ValidCallbacks));
    assert!(x.items.iter().any(|(_, m)| *m == Metric::Received));
}

#[test]
fn register_xlsx_reads_back_with_headers_rows_and_masks() {
    let (_, org, items) = small();
    let now = Utc::now();
    let rows: Vec<RegisterRow> = items
        .iter()
        .take(300)
        .enumerate()
        .map(|(i, (r, _, ev))| register_row(i + 1, r, ev, &org, Personal::Masked, now))
        .collect();
    let table = register_table("测试 日登记台账".into(), &rows);
    let bytes = to_xlsx(std::slice::from_ref(&table)).unwrap();
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range("日登记").unwrap();
    let got: Vec<&[Data]> = range.rows().collect();
    assert_eq!(got[0][0].to_string(), "测试 日登记台账");
    let headers: Vec<String> = got[1].iter().map(|c| c.to_string()).collect();
    assert_eq!(headers[..4], ["序号", "工单编号", "来源渠道", "接件时间"]);
    assert_eq!(got.len(), 302);
    let name = headers.iter().position(|h| h == "诉求人").unwrap();
    let phone = headers.iter().position(|h| h == "联系电话").unwrap();
    for (row, (r, _, _)) in got[2..].iter().zip(&items) {
        assert_eq!(row[1].to_string(), r.intake.code);
        let n = row[name].to_string();
        assert!(n.ends_with('*') && !n.contains(&r.intake.requester.name.as_ref().unwrap()[3..]));
        assert!(row[phone].to_string().contains("****"));
        assert!(matches!(row[3], Data::DateTime(_)));
    }
    let csv = to_csv(&table);
    assert!(csv.starts_with("\u{feff}序号,".as_bytes()));
    assert_eq!(String::from_utf8(csv).unwrap().lines().count(), 301);
    // Revealed: the names as given.
    let (r, _, ev) = &items[0];
    let shown = register_row(1, r, ev, &org, Personal::Revealed, now);
    assert_eq!(shown.requester_name, r.intake.requester.name);
}

#[test]
fn ranks_share_ties_and_unscored_come_last() {
    let p = EvaluationPolicy::default_v1();
    let mk = |code: &str, valid: i64, solved: i64| {
        let mut c = Counters::default();
        c.bump(Metric::ValidCallbacks, valid);
        c.bump(Metric::Contacted, valid);
        c.bump(Metric::Solved, solved);
        c.bump(Metric::Satisfied, valid);
        Figures::new(code, code, "street", c, 0, &p)
    };
    let mut l = vec![
        mk("A", 10, 5),
        mk("B", 0, 0),
        mk("C", 10, 10),
        mk("D", 20, 20),
        mk("E", 10, 9),
    ];
    rank(&mut l);
    let order: Vec<_> = l.iter().map(|f| (f.code.as_str(), f.rank)).collect();
    assert_eq!(
        order,
        [
            ("D", Some(1)),
            ("C", Some(1)),
            ("E", Some(3)),
            ("A", Some(4)),
            ("B", None)
        ]
    );
    assert!((l[0].rates.composite.unwrap() - 1.0).abs() < 1e-12);
}
