//! `cargo bench -p minhu-ledger --bench xlsx [-- ROWS]`: the register of ROWS (default
//! 100,000) generated requests: building the rows, then writing xlsx and CSV. Not a test:
//! it prints figures.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or example stops at its first failure

use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use minhu_domain::org::Org;
use minhu_domain::time::ZONE;
use minhu_fixtures::generate::{GenConfig, gen_org, gen_request};
use minhu_ledger::{Personal, register_row, register_table, to_csv, to_xlsx};

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let cfg = GenConfig {
        requests: n,
        days: 30,
        start: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        now: ZONE
            .with_ymd_and_hms(2026, 7, 15, 0, 0, 0)
            .unwrap()
            .with_timezone(&Utc),
        ..GenConfig::city(n, 2026)
    };
    let g = gen_org(&cfg);
    let org = Org::new(g.jurisdictions.clone(), g.units.clone());
    let t = Instant::now();
    let items: Vec<_> = (0..n).map(|i| gen_request(&cfg, &g, i)).collect();
    let t_gen = t.elapsed();
    let now = Utc::now();
    let t = Instant::now();
    let rows: Vec<_> = items
        .iter()
        .enumerate()
        .map(|(i, (r, _, ev))| register_row(i + 1, r, ev, &org, Personal::Masked, now))
        .collect();
    let table = register_table("基准 日登记台账".into(), &rows);
    let t_rows = t.elapsed();
    let t = Instant::now();
    let xlsx = to_xlsx(std::slice::from_ref(&table)).expect("xlsx");
    let t_xlsx = t.elapsed();
    let t = Instant::now();
    let csv = to_csv(&table);
    let t_csv = t.elapsed();
    println!(
        "{n} register rows ({} columns): generate {:.0} ms, rows {:.0} ms, xlsx {:.0} ms ({:.1} MB), csv {:.0} ms ({:.1} MB)",
        table.columns.len(),
        t_gen.as_secs_f64() * 1e3,
        t_rows.as_secs_f64() * 1e3,
        t_xlsx.as_secs_f64() * 1e3,
        xlsx.len() as f64 / 1e6,
        t_csv.as_secs_f64() * 1e3,
        csv.len() as f64 / 1e6
    );
}
