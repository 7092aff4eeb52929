//! `minhu grid rollup` as an operator runs it: the real binary on a real database file,
//! printing a community's 社情日汇总 of one day — the counts per grid.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use chrono::{DateTime, Utc};
use common::minhu;
use minhu_app::patrol::{FindingInput, PatrolFindingInput};
use minhu_domain::org::{Actor, Role};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Records a finding of `grid` at `when`, as the grid's worker.
async fn finding(app: &minhu_app::App, grid: &str, key: &str, outcome: &str, when: &str) {
    // The demo's grid workers: dxy_g1 … dxy_g5.
    let worker = format!("dxy_g{}", grid.trim_start_matches("DXY-G0"));
    let actor = Actor::person(&worker, Role::GridWorker, grid);
    let input = PatrolFindingInput {
        grid: grid.into(),
        patrol_id: None,
        found_at: Some(at(when)),
        finding: FindingInput {
            client_key: key.into(),
            class: "sanitation".into(),
            category: None,
            text: format!("楼道堆放杂物 {key}"),
            location: None,
            outcome: outcome.into(),
        },
    };
    minhu_app::patrol::record_finding(app, &actor, input, at("2026-12-01T08:00:00+08:00"))
        .await
        .unwrap();
}

/// The counts the command printed for a line starting with `name`.
fn counts(out: &str, name: &str) -> Vec<String> {
    let line = out
        .lines()
        .find(|l| l.split('\t').next() == Some(name))
        .unwrap_or_else(|| panic!("no line {name} in:\n{out}"));
    line.split('\t').skip(1).map(str::to_string).collect()
}

/// `minhu grid rollup` of 德馨苑 on 2026-11-30, as printed.
fn rollup(db: &str) -> String {
    let (ok, out, err) = minhu(
        db,
        &[
            "grid",
            "rollup",
            "--community",
            "DXY",
            "--day",
            "2026-11-30",
        ],
        None,
    );
    assert!(ok, "{err}");
    out
}

#[test]
fn grid_rollup_prints_the_days_counts_per_grid() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    // A scratch PostgreSQL database when MINHU_TEST_POSTGRES_URL names the server.
    let db = match std::env::var("MINHU_TEST_POSTGRES_URL") {
        Ok(admin) if !admin.is_empty() => rt
            .block_on(minhu_store::create_scratch_postgres(&admin))
            .unwrap(),
        _ => format!("sqlite://{}", dir.path().join("rollup.db").display()),
    };
    let (ok, _, err) = minhu(&db, &["demo"], None);
    assert!(ok, "{err}");
    // The demo's own patrols may have findings that day: count what this test adds.
    let before = rollup(&db);

    rt.block_on(async {
        let store = minhu_store::Store::open(&db, minhu_store::StoreOptions::default())
            .await
            .unwrap();
        let app = minhu_app::App::load(store.clone()).await.unwrap();
        finding(
            &app,
            "DXY-G03",
            "a",
            "solved_on_spot",
            "2026-11-30T09:00:00+08:00",
        )
        .await;
        finding(
            &app,
            "DXY-G03",
            "b",
            "reported",
            "2026-11-30T10:30:00+08:00",
        )
        .await;
        finding(
            &app,
            "DXY-G01",
            "c",
            "solved_on_spot",
            "2026-11-30T23:50:00+08:00",
        )
        .await;
        // The day before (Beijing time), though the same UTC day as the first: not counted.
        finding(
            &app,
            "DXY-G01",
            "d",
            "solved_on_spot",
            "2026-11-29T23:30:00+08:00",
        )
        .await;
        store.close().await;
    });

    let after = rollup(&db);
    let out = after.clone();
    assert!(out.starts_with("社情日汇总 DXY 2026-11-30\n"), "{out}");
    assert!(
        out.contains("网格\t发现问题\t自办自结\t上报工单\t在办工单"),
        "{out}"
    );
    // findings, solved on the spot, reported (the still-open count includes older requests).
    let added = |name: &str| -> Vec<i64> {
        let (a, b) = (counts(&after, name), counts(&before, name));
        (0..3)
            .map(|i| a[i].parse::<i64>().unwrap() - b[i].parse::<i64>().unwrap())
            .collect()
    };
    assert_eq!(added("DXY-G03"), [2, 1, 1], "{before}\n{out}");
    assert_eq!(added("DXY-G01"), [1, 1, 0], "{before}\n{out}");
    assert_eq!(added("DXY-G05"), [0, 0, 0], "{before}\n{out}");
    assert_eq!(added("合计"), [3, 2, 1], "{before}\n{out}");
    let open: usize = counts(&out, "DXY-G03")[3].parse().unwrap();
    assert!(open >= 1, "the reported finding's request is open: {out}");

    let (ok, _, err) = minhu(
        &db,
        &[
            "grid",
            "rollup",
            "--community",
            "NOPE",
            "--day",
            "2026-11-30",
        ],
        None,
    );
    assert!(!ok && err.contains("NOPE"), "{err}");
    let (ok, _, err) = minhu(
        &db,
        &[
            "grid",
            "rollup",
            "--community",
            "DXY",
            "--day",
            "30/11/2026",
        ],
        None,
    );
    assert!(!ok && err.contains("--day"), "{err}");
}
