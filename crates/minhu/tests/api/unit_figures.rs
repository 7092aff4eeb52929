//! Per-unit figures of action items for a month, over real HTTP on both backends: a
//! scripted set of items (written through the store with chosen times, as a month of work
//! would have left them) gives known issued / on-time / overdue counts per owner unit and
//! source kind in `GET /api/v1/action-items/figures`, in the monthly report's 督办 section
//! (JSON and xlsx), as the on-time rate column of the unit ranking, and in the 销号台账
//! xlsx filtered by source kind and month with the working days overdue.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use minhu_domain::action_item::{
    ActionItem, Evidence, EvidenceKind, ItemEvent, ItemEventData, Source, SourceKind,
};
use minhu_domain::ids::{ActionItemId, UnitCode};
use minhu_domain::time::{end_of_local_day, local_date, start_of_local_day};
use minhu_ledger::YearMonth;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::pages::{PASSWORD, Visitor, with_passwords};

/// The month scripted: long past, so every pending item is judged at the period's end.
const MONTH: &str = "2026-06";

fn ev(seq: i64, at: DateTime<Utc>, unit: &str, data: ItemEventData) -> ItemEvent {
    ItemEvent {
        seq,
        at,
        actor: "scripted".into(),
        unit: Some(UnitCode::new(unit)),
        data,
    }
}

/// An item issued at `issued`, due at the end of `due`'s day, verified at `verified`.
async fn script(
    t: &TestApp,
    owner: &str,
    kind: SourceKind,
    issued: DateTime<Utc>,
    due: DateTime<Utc>,
    verified: Option<DateTime<Utc>>,
) -> i64 {
    let issue = ev(
        1,
        issued,
        "ZHB",
        ItemEventData::Issue {
            source: Source { kind, id: 1 },
            title: format!("{owner} {kind:?}"),
            issued_by: UnitCode::new("ZHB"),
            owner: UnitCode::new(owner),
            co_units: vec![],
            working_days: 5,
            due: end_of_local_day(local_date(due)),
            requests: vec![],
        },
    );
    let mut item = ActionItem::replay(ActionItemId(0), std::slice::from_ref(&issue));
    let none = |_, _: &ItemEvent| Vec::new();
    item.id = t
        .app
        .store
        .insert_action_item(&issue, &item, &none)
        .await
        .unwrap();
    if let Some(v) = verified {
        let claim = ev(
            2,
            v - Duration::hours(1),
            owner,
            ItemEventData::ClaimDone {
                note: "done".into(),
                evidence: vec![Evidence {
                    kind: EvidenceKind::Document,
                    reference: "x".into(),
                }],
            },
        );
        let verify = ev(3, v, "ZHB", ItemEventData::Verify { note: None });
        for e in [claim, verify] {
            item.apply(&e);
            let stored = t.app.store.append_item_event(&item, &e, None, &none).await;
            assert!(stored.unwrap().is_some());
        }
    }
    item.id.0
}

fn counts(v: &Value) -> (i64, i64, i64, i64) {
    (
        v["issued"].as_i64().unwrap(),
        v["verified_on_time"].as_i64().unwrap(),
        v["verified_late"].as_i64().unwrap(),
        v["overdue_open"].as_i64().unwrap(),
    )
}

fn unit<'a>(units: &'a Value, code: &str) -> &'a Value {
    units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == code)
        .unwrap_or_else(|| panic!("{code} in {units}"))
}

async fn page_bytes(t: &TestApp, who: &str, path: &str) -> Vec<u8> {
    with_passwords(t, &[who]).await;
    let mut v = Visitor::new(t);
    v.login(who, PASSWORD).await;
    let r = t
        .client
        .get(format!("{}{path}", t.base))
        .header("cookie", v.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.bytes().await.unwrap().to_vec()
}

fn sheet(bytes: Vec<u8>, name: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn a_months_items_count_per_unit_in_the_figures_report_and_ranking() {
    let t = TestApp::spawn().await;
    let policy = t.app.store.evaluation_policy().await.unwrap();
    let period = policy.month_period(YearMonth::parse(MONTH).unwrap());
    let day = |n: i64| start_of_local_day(period.start) + Duration::days(n) + Duration::hours(10);
    use SourceKind::*;
    // 物业: one on time, one verified late, one still pending past due (council).
    let on_time = script(&t, "DXY-WY", MeetingDecision, day(1), day(5), Some(day(3))).await;
    let late = script(&t, "DXY-WY", MeetingDecision, day(1), day(5), Some(day(9))).await;
    script(&t, "DXY-WY", CouncilDecision, day(2), day(6), None).await;
    // 城管队: one issued, due after the month; one issued the month before, verified on time.
    script(&t, "DXY-CD", GridMeeting, day(2), day(45), None).await;
    let before = script(
        &t,
        "DXY-CD",
        MeetingDecision,
        day(-10),
        day(1),
        Some(day(1)),
    )
    .await;

    let (s, v) = t
        .get(
            "dxy_staff",
            &format!("/api/v1/action-items/figures?month={MONTH}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let wy = unit(&v["units"], "DXY-WY");
    assert_eq!(counts(&wy["total"]), (3, 1, 1, 1), "{wy}");
    assert_eq!(wy["total"]["overdue"], 2);
    let rate = wy["total"]["on_time_rate"].as_f64().unwrap();
    assert!((rate - 1.0 / 3.0).abs() < 1e-9, "{wy}");
    let kinds = wy["by_source_kind"].as_array().unwrap();
    let of = |k: &str| kinds.iter().find(|x| x["source_kind"] == k).unwrap();
    assert_eq!(counts(of("meeting_decision")), (2, 1, 1, 0));
    assert_eq!(counts(of("council_decision")), (1, 0, 0, 1));
    let cd = unit(&v["units"], "DXY-CD");
    assert_eq!(counts(&cd["total"]), (1, 1, 0, 0), "{cd}");
    assert_eq!(cd["total"]["on_time_rate"], 1.0);
    assert_eq!(counts(&v["total"]), (4, 2, 1, 1));
    let (s, v) = t
        .get("dxy_staff", "/api/v1/action-items/figures?month=2026-13")
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "month");
    // 应滨社区's staff see none of 德馨苑's units.
    let (_, other) = t
        .get(
            "ybsq_staff",
            &format!("/api/v1/action-items/figures?month={MONTH}"),
        )
        .await;
    assert!(
        other["units"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["code"] != "DXY-WY"),
        "{other}"
    );

    // The monthly report has the section, in JSON and as a sheet.
    let (s, r) = t
        .get(
            "admin",
            &format!("/api/v1/reports/monthly?jurisdiction=DXY&month={MONTH}"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let wy = unit(&r["action_items"]["units"], "DXY-WY");
    assert_eq!(counts(&wy["total"]), (3, 1, 1, 1), "{r}");
    let units = r["units"].as_array().unwrap();
    let wy_line = units.iter().find(|u| u["code"] == "DXY-WY").unwrap();
    assert!((wy_line["item_on_time_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    let r = t
        .client
        .get(format!(
            "{}/api/v1/reports/monthly?jurisdiction=DXY&month={MONTH}&format=xlsx",
            t.base
        ))
        .bearer_auth(t.token("admin"))
        .send()
        .await
        .unwrap();
    let rows = sheet(r.bytes().await.unwrap().to_vec(), "督办事项");
    assert_eq!(rows[1][..4], ["代码", "主办单位", "来源", "交办"]);
    let wy_total = rows
        .iter()
        .find(|r| r[0] == "DXY-WY" && r[2] == "合计")
        .unwrap();
    assert_eq!(wy_total[3..8], ["3", "1", "1", "1", "2"], "{rows:?}");

    // The unit ranking shows the on-time rate beside the 三率.
    let (s, rank) = t
        .get(
            "admin",
            &format!("/api/v1/evaluation?month={MONTH}&level=unit&jurisdiction=DXY"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{rank}");
    let line = unit(&rank["items"], "DXY-WY");
    assert!(
        (line["item_on_time_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9,
        "{line}"
    );

    // The 销号台账, joint-meeting items issued in the month: the two of 物业 only.
    let bytes = page_bytes(
        &t,
        "dxy_staff",
        &format!("/staff/action-items/ledger.xlsx?source_kind=meeting_decision&month={MONTH}"),
    )
    .await;
    let rows = sheet(bytes, "督办事项台账");
    let ids: Vec<&str> = rows[2..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids.len(), 2, "{rows:?}");
    assert!(
        ids.contains(&on_time.to_string().as_str()) && ids.contains(&late.to_string().as_str())
    );
    assert!(!ids.contains(&before.to_string().as_str()));
    assert_eq!(rows[1][9], "逾期工作日");
    let late_row = rows.iter().find(|r| r[0] == late.to_string()).unwrap();
    let cal = t.app.calendar();
    let expected = cal.working_days_between(local_date(day(5)), local_date(day(9)));
    assert_eq!(late_row[9], expected.to_string(), "{late_row:?}");
    assert!(!late_row[10].is_empty(), "the 销号 time: {late_row:?}");
    let on_time_row = rows.iter().find(|r| r[0] == on_time.to_string()).unwrap();
    assert_eq!(on_time_row[9], "0");
}
