//! The bulk paths beside the writer: an import lands each row once, answers a repeat of an
//! upstream id with the stored request, redraws a taken tracking code and tells the
//! channel's endpoints of each registration only; and the one training query leaves out
//! what carries no category or a meaningless one. Runs on SQLite, or on PostgreSQL when
//! MINHU_TEST_POSTGRES_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or example stops at its first failure

use std::collections::HashSet;

use chrono::Utc;
use minhu_domain::org::{Jurisdiction, Level, Tier};
use minhu_domain::request::{
    Channel, Event, EventData, Intake, Request, RequestType, Requester, State,
};
use minhu_store::open311::BulkOutcome;
use minhu_store::{Store, StoreOptions, TrainingRow};

async fn store() -> (Store, Option<tempfile::TempDir>) {
    let (url, dir) = match std::env::var("MINHU_TEST_POSTGRES_URL") {
        Ok(admin) if !admin.is_empty() => (
            minhu_store::create_scratch_postgres(&admin).await.unwrap(),
            None,
        ),
        _ => {
            let dir = tempfile::tempdir().unwrap();
            (
                format!("sqlite://{}", dir.path().join("b.db").display()),
                Some(dir),
            )
        }
    };
    let s = Store::open(&url, StoreOptions::default()).await.unwrap();
    s.upsert_org(
        &[Jurisdiction {
            code: "C".into(),
            name: "测试社区".into(),
            level: Level::Community,
            parent: None,
        }],
        &[],
    )
    .await
    .unwrap();
    (s, dir)
}

fn intake(code: &str, external: Option<String>, category: Option<&str>) -> (Intake, Event) {
    let now = minhu_domain::time::truncate_ms(Utc::now());
    let channel = Channel::Hotline12345;
    let i = Intake {
        code: code.into(),
        channel,
        kind: RequestType::Help,
        subject: Some(format!("主题 {code}")),
        content: format!("内容 {code}"),
        requester: Requester::default(),
        address: None,
        lat: None,
        lon: None,
        jurisdiction: "C".into(),
        category: category.map(Into::into),
        confidential: false,
        external_id: external,
        received_at: now,
    };
    let e = Event {
        seq: 1,
        at: now,
        actor: "t".into(),
        role: "system".into(),
        data: EventData::Register {
            channel,
            kind: RequestType::Help,
            jurisdiction: "C".into(),
            tier: Tier::Community,
            category: None,
        },
    };
    (i, e)
}

fn row(code: &str, up: Option<&str>) -> (Intake, String, Event) {
    let (i, e) = intake(code, up.map(Into::into), None);
    (i, "/C/".into(), e)
}

fn created(o: &BulkOutcome) -> (i64, String) {
    match o {
        BulkOutcome::Created { id, code } => (*id, code.clone()),
        other => panic!("expected a new request, got {other:?}"),
    }
}

#[tokio::test]
async fn import_repeats_taken_codes_and_channel_notices() {
    let (store, _dir) = store().await;
    let owner = format!("channel:{}", Channel::Hotline12345.as_str());
    store
        .add_subscription(&owner, "webhook", "http://upstream.test/hook", None, "*")
        .await
        .unwrap();
    // Two rows share a code inside the batch: the second draws another.
    let same = minhu_store::new_code(Utc::now());
    let first = store
        .bulk_intake(vec![
            row(&same, Some("UP-0")),
            row(&same, Some("UP-1")),
            row(&minhu_store::new_code(Utc::now()), Some("UP-2")),
        ])
        .await
        .unwrap();
    let first: Vec<(i64, String)> = first.iter().map(created).collect();
    let codes: HashSet<&String> = first.iter().map(|(_, c)| c).collect();
    assert_eq!(codes.len(), 3, "codes are unique: {first:?}");
    assert_eq!(store.count_requests().await.unwrap(), 3);

    // Repeats of stored upstream ids answer with the stored request; a taken code is
    // redrawn; only the new request's channel hears of it.
    let taken = first[0].1.clone();
    let second = store
        .bulk_intake(vec![
            row(&minhu_store::new_code(Utc::now()), Some("UP-1")),
            row(&taken, Some("UP-9")),
            row(&minhu_store::new_code(Utc::now()), Some("UP-0")),
        ])
        .await
        .unwrap();
    assert_eq!(
        second[0],
        BulkOutcome::Existing {
            id: first[1].0,
            code: first[1].1.clone()
        }
    );
    assert_eq!(
        second[2],
        BulkOutcome::Existing {
            id: first[0].0,
            code: first[0].1.clone()
        }
    );
    let (new_id, new_code) = created(&second[1]);
    assert_ne!(new_code, taken);
    assert_eq!(store.count_requests().await.unwrap(), 4);
    for (id, code) in first.iter().chain([&(new_id, new_code)]) {
        let out = store.outbox_for_request(*id).await.unwrap();
        assert_eq!(out.len(), 1, "one notice for request {id}");
        assert_eq!(out[0].payload.0["request"]["code"], code.as_str());
        assert_eq!(out[0].payload.0["event"]["action"], "register");
        let (req, events) = store.load_request(*id).await.unwrap().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(&req.intake.code, code);
    }
    store.close().await;
}

#[tokio::test]
async fn one_training_query() {
    let (store, _dir) = store().await;
    let history: Vec<(Request, String, Vec<Event>)> = [
        (Some("A"), State::Registered),
        (Some("B"), State::Merged),
        (Some("C"), State::NotAccepted),
        (None, State::Closed),
        (Some(""), State::Closed),
        (Some("D"), State::Closed),
        (Some("E"), State::InProgress),
    ]
    .into_iter()
    .map(|(category, state)| {
        let (i, e) = intake(&minhu_store::new_code(Utc::now()), None, category);
        let mut r = Request::replay(0, i, std::slice::from_ref(&e));
        r.state = state;
        (r, "/C/".to_string(), vec![e])
    })
    .collect();
    store.bulk_insert(&history).await.unwrap();
    let rows = store.training_rows(10).await.unwrap();
    let want = |k: usize, category: &str| TrainingRow {
        subject: history[k].0.intake.subject.clone(),
        content: history[k].0.intake.content.clone(),
        category: category.into(),
    };
    // Newest first; merged, not accepted and uncategorised requests are left out.
    assert_eq!(rows, vec![want(6, "E"), want(5, "D"), want(0, "A")]);
    assert_eq!(store.training_rows(2).await.unwrap(), rows[..2].to_vec());
    let labelled = store.labelled_requests(10).await.unwrap();
    let expected: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.content.clone(), r.category.clone()))
        .collect();
    assert_eq!(labelled, expected);
    store.close().await;
}

/// Every write of reference data moves the version other servers poll, whoever writes it
/// (the API, the command line, an import of the catalogue).
#[tokio::test]
async fn reference_data_writes_move_the_config_version() {
    let (s, _dir) = store().await;
    let v0 = s.config_version().await.unwrap();
    s.set_calendar_day(&minhu_domain::calendar::CalendarDay {
        date: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        kind: minhu_domain::calendar::DayKind::Holiday,
        note: "元旦".into(),
    })
    .await
    .unwrap();
    let v1 = s.config_version().await.unwrap();
    assert!(v1 > v0, "calendar: {v0} -> {v1}");
    s.add_subscription("unit:X", "webhook", "http://127.0.0.1:9/h", None, "*")
        .await
        .unwrap();
    let v2 = s.config_version().await.unwrap();
    assert!(v2 > v1, "subscription: {v1} -> {v2}");
    s.set_grid_shape(
        "C",
        r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#,
    )
    .await
    .unwrap();
    assert!(s.config_version().await.unwrap() > v2, "grid shape");
}
