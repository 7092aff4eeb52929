//! What the store's test binaries share: a fresh store with a one-community organisation,
//! and an intake with its first event.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use minhu_domain::org::{Jurisdiction, Level, Tier};
use minhu_domain::request::{Channel, Event, EventData, Intake, RequestType, Requester};
use minhu_store::{Store, StoreOptions};

/// A fresh store: PostgreSQL when MINHU_TEST_POSTGRES_URL is set, else SQLite in a
/// temporary folder; with its URL.
pub async fn store_and_url() -> (Store, String, Option<tempfile::TempDir>) {
    let (url, dir) = match std::env::var("MINHU_TEST_POSTGRES_URL") {
        Ok(admin) if !admin.is_empty() => (
            minhu_store::create_scratch_postgres(&admin).await.unwrap(),
            None,
        ),
        _ => {
            let dir = tempfile::tempdir().unwrap();
            (
                format!("sqlite://{}", dir.path().join("w.db").display()),
                Some(dir),
            )
        }
    };
    let s = open_with_org(&url).await;
    (s, url, dir)
}

/// Opens the store at `url` with one community, `C`, in its organisation.
pub async fn open_with_org(url: &str) -> Store {
    let s = Store::open(url, StoreOptions::default()).await.unwrap();
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
    s
}

/// An intake with its `register` event, in community `C`.
pub fn intake(code: &str, channel: Channel, external: Option<String>) -> (Intake, Event) {
    let now = minhu_domain::time::truncate_ms(Utc::now());
    let i = Intake {
        code: code.into(),
        channel,
        kind: RequestType::Help,
        subject: None,
        content: "下水道堵塞".into(),
        requester: Requester::default(),
        address: None,
        lat: None,
        lon: None,
        jurisdiction: "C".into(),
        category: None,
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
