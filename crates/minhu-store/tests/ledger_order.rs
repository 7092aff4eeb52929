//! The ledger refresh on PostgreSQL counts an event whose transaction commits after later
//! events are already visible and folded in (a long import, or the writer of another server
//! sharing the database): the event-id watermark alone skipped it for good.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or example stops at its first failure

use chrono::Utc;
use minhu_domain::request::Channel;
use minhu_store::Store;
use sqlx::{Connection, Executor, Row};

mod common;
use common::{intake, open_with_org};

async fn register(store: &Store) -> i64 {
    let (i, e) = intake(
        &minhu_store::new_code(Utc::now()),
        Channel::Hotline12345,
        None,
    );
    store.intake(i, "/C/".into(), e).await.unwrap().id
}

/// Copies request `id` with its log under a new code, inside `tx`: a registration that
/// draws its ids now and commits whenever `tx` does.
async fn copy_inside(tx: &mut sqlx::PgConnection, id: i64) -> i64 {
    let cols: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
         WHERE table_name = 'requests' AND column_name NOT IN ('id', 'code') ORDER BY ordinal_position",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let cols = cols.join(", ");
    let sql = format!(
        "INSERT INTO requests (code, {cols}) SELECT 'SLOW' || id, {cols} FROM requests WHERE id = $1 RETURNING id"
    );
    let copy: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .get(0);
    sqlx::query(
        "INSERT INTO events (request_id, seq, action, at, actor, role, data)
         SELECT $1, seq, action, at, actor, role, data FROM events WHERE request_id = $2",
    )
    .bind(copy)
    .bind(id)
    .execute(&mut *tx)
    .await
    .unwrap();
    copy
}

async fn count(store_url: &str, sql: &'static str) -> i64 {
    let mut c = sqlx::PgConnection::connect(store_url).await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
}

#[tokio::test]
async fn an_event_committed_after_later_ones_is_still_counted() {
    let Ok(admin) = std::env::var("MINHU_TEST_POSTGRES_URL") else {
        eprintln!("skipped: PostgreSQL only (set MINHU_TEST_POSTGRES_URL)");
        return;
    };
    let url = minhu_store::create_scratch_postgres(&admin).await.unwrap();
    let store = open_with_org(&url).await;
    let org = store.load_org().await.unwrap();
    let first = register(&store).await;
    store.ledger_refresh(&org).await.unwrap();

    // A slow transaction draws the next ids and holds them uncommitted …
    let mut slow = sqlx::PgConnection::connect(&url).await.unwrap();
    slow.execute("BEGIN").await.unwrap();
    let held = copy_inside(&mut slow, first).await;
    // … while a later registration commits and the ledger folds it in.
    let later = register(&store).await;
    assert!(later > held);
    store.ledger_refresh(&org).await.unwrap();
    slow.execute("COMMIT").await.unwrap();

    store.ledger_refresh(&org).await.unwrap();
    let with_facts = count(
        &url,
        "SELECT COUNT(*) FROM ledger_requests WHERE request_id IN (SELECT id FROM requests)",
    )
    .await;
    assert_eq!(with_facts, 3, "every registered request is in the ledger");
    let received = count(
        &url,
        "SELECT CAST(SUM(received) AS BIGINT) FROM ledger_facts WHERE level = 'community' AND day NOT LIKE 'M%'",
    )
    .await;
    assert_eq!(received, 3, "the daily register counts all three");
    // Once nothing is running, a refresh has nothing more to do.
    let again = store.ledger_refresh(&org).await.unwrap();
    assert_eq!(again.requests, 0, "{again:?}");
}
