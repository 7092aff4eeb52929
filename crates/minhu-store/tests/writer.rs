//! The grouped writer: concurrent intakes land once each, upstream repeats inside one batch
//! resolve to the first, a taken tracking code is replaced, and appends are guarded by the
//! request's version. Runs on SQLite, or on PostgreSQL when MINHU_TEST_POSTGRES_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or example stops at its first failure

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use minhu_domain::request::{Channel, Event, EventData, Request};
use minhu_store::{AppendOutcome, Store, StoreOptions};

mod common;
use common::{intake, store_and_url};

async fn store() -> (Store, Option<tempfile::TempDir>) {
    let (s, _, dir) = store_and_url().await;
    (s, dir)
}

#[tokio::test]
async fn concurrent_intakes_with_repeats_and_a_taken_code() {
    let (store, _dir) = store().await;
    let mut tasks = Vec::new();
    // 200 intakes at once: pairs carry the same upstream id.
    for k in 0..200 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let (i, e) = intake(
                &minhu_store::new_code(Utc::now()),
                Channel::Hotline12345,
                Some(format!("UP-{}", k / 2)),
            );
            (k / 2, store.intake(i, "/C/".into(), e).await.unwrap())
        }));
    }
    let mut by_upstream: HashMap<usize, Vec<_>> = HashMap::new();
    for t in tasks {
        let (up, o) = t.await.unwrap();
        by_upstream.entry(up).or_default().push(o);
    }
    assert_eq!(store.count_requests().await.unwrap(), 100);
    for (_, pair) in by_upstream {
        assert_eq!(pair.len(), 2);
        assert_eq!(pair[0].id, pair[1].id, "a repeat answers with the first");
        assert_eq!(pair[0].code, pair[1].code);
        assert_eq!(pair.iter().filter(|o| o.created).count(), 1);
    }
    // A taken tracking code is replaced, not refused.
    let taken = minhu_store::new_code(Utc::now());
    assert_eq!(taken.len(), 12);
    let (i, e) = intake(&taken, Channel::WalkIn, None);
    let first = store.intake(i, "/C/".into(), e).await.unwrap();
    let (i, e) = intake(&taken, Channel::WalkIn, None);
    let second = store.intake(i, "/C/".into(), e).await.unwrap();
    assert!(first.created && second.created);
    assert_ne!(first.code, second.code);
    let codes: HashSet<String> = [first.code.clone(), second.code.clone()].into();
    assert_eq!(codes.len(), 2);

    // Appends: the first wins, a stale one is a conflict and leaves no event.
    let (req, events) = store.load_request(first.id).await.unwrap().unwrap();
    assert_eq!(events.len(), 1);
    let accept = |r: &Request| Event {
        seq: r.version + 1,
        at: Utc::now(),
        actor: "t".into(),
        role: "community_staff".into(),
        data: EventData::Accept { note: None },
    };
    let mut a = req.clone();
    let ev = accept(&a);
    a.apply(&ev);
    assert_eq!(
        store.append(&a, ev, vec![]).await.unwrap(),
        AppendOutcome::Appended
    );
    let mut b = req.clone();
    let ev = accept(&b);
    b.apply(&ev);
    assert_eq!(
        store.append(&b, ev, vec![]).await.unwrap(),
        AppendOutcome::Conflict
    );
    assert_eq!(store.events(first.id).await.unwrap().len(), 2);
    store.close().await;
}

/// Two servers' writers on one database, each appending to the same requests in the
/// opposite order: every write is answered (appended, or a conflict to decide again), none
/// fails. Rows locked in batch order deadlocked on PostgreSQL, and the step failed with an
/// internal error.
#[tokio::test]
async fn two_writers_in_opposite_orders_never_deadlock() {
    let (store, url, _dir) = store_and_url().await;
    let other = Store::open(&url, StoreOptions::default()).await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..24 {
        let (i, e) = intake(&minhu_store::new_code(Utc::now()), Channel::WalkIn, None);
        ids.push(store.intake(i, "/C/".into(), e).await.unwrap().id);
    }
    for round in 0..6 {
        let mut tasks = Vec::new();
        for (n, s) in [&store, &other].into_iter().enumerate() {
            let order: Vec<i64> = if n == 0 {
                ids.clone()
            } else {
                ids.iter().rev().copied().collect()
            };
            for id in order {
                let s = s.clone();
                tasks.push(tokio::spawn(async move {
                    let (mut r, _) = s.load_request(id).await.unwrap().unwrap();
                    let ev = Event {
                        seq: r.version + 1,
                        at: Utc::now(),
                        actor: "t".into(),
                        role: "community_staff".into(),
                        data: EventData::Progress {
                            note: format!("第{round}轮"),
                        },
                    };
                    r.apply(&ev);
                    s.append(&r, ev, vec![]).await
                }));
            }
        }
        for t in tasks {
            let outcome = t.await.unwrap();
            assert!(outcome.is_ok(), "round {round}: {outcome:?}");
        }
    }
    other.close().await;
    store.close().await;
    if url.starts_with("postgres") {
        assert_eq!(
            deadlocks(&url).await,
            0,
            "PostgreSQL broke deadlocks between the writers"
        );
    }
}

/// Deadlocks PostgreSQL detected in the database so far (its statistics arrive within a
/// second or so of the transaction that hit one).
async fn deadlocks(url: &str) -> i64 {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    sqlx::query_scalar("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        .fetch_one(&mut c)
        .await
        .unwrap()
}
