//! `minhu demo`: the demo district loaded into an empty database (as `serve --demo` does).

use anyhow::Result;
use minhu_web::AppState;

pub async fn run(url: &str) -> Result<()> {
    let store = super::open(url).await?;
    let app = AppState::load(store.clone()).await?;
    let loaded = minhu_fixtures::demo::load(&app)
        .await
        .map_err(anyhow::Error::msg)?;
    println!(
        "{}",
        if loaded {
            "demo district loaded"
        } else {
            "database already holds requests: demo not loaded"
        }
    );
    store.close().await;
    Ok(())
}
