//! The reference data's version: a change made through one server is seen by another
//! sharing the database, which then reloads its whole snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or example stops at its first failure

use minhu_app::App;
use minhu_store::{Store, StoreOptions};

#[tokio::test]
async fn a_change_on_one_server_reloads_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let a = App::load(Store::open(&url, StoreOptions::default()).await.unwrap())
        .await
        .unwrap();
    let b = App::load(Store::open(&url, StoreOptions::default()).await.unwrap())
        .await
        .unwrap();
    assert!(
        !b.refresh_if_changed().await.unwrap(),
        "nothing changed yet"
    );
    // Opening a fresh store writes the built-in calendar, which already moves the version.
    let before = a.snapshot().version;
    assert_eq!(before, a.store.config_version().await.unwrap());
    a.reload().await.unwrap();
    assert_eq!(a.snapshot().version, before + 1);
    assert!(
        !a.refresh_if_changed().await.unwrap(),
        "a knows its own change"
    );
    assert!(b.refresh_if_changed().await.unwrap(), "b sees a's change");
    assert_eq!(b.snapshot().version, before + 1);
}
