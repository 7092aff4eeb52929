//! `minhu bench-pages`: how long the public walls and the staff queues take to render with
//! N requests in the database (the demo district's history, repeated), served in-process
//! through the same router as `minhu serve` (no network in the figure; use `wrk` for that).

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use minhu_store::{Store, StoreOptions};
use minhu_web::AppState;
use tower::ServiceExt;

pub async fn run(url: &str, n: usize, rounds: usize) -> Result<()> {
    let store = Store::open(url, StoreOptions::default()).await?;
    if store.count_requests().await? > 0 {
        bail!("bench-pages needs an empty database");
    }
    let app = AppState::load(store.clone()).await?;
    minhu_fixtures::demo::load(&app)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    // Repeat the demo's history (every state, every community) until there are N requests.
    let org = app.org();
    let now = minhu_domain::time::truncate_ms(Utc::now());
    let mut round = 0;
    while (store.count_requests().await? as usize) < n {
        round += 1;
        let mut items = minhu_fixtures::demo::history(&org, &app.calendar(), &app.sla(), now)
            .map_err(|e| anyhow::anyhow!(e))?;
        let missing = n - store.count_requests().await? as usize;
        items.truncate(missing);
        for (req, _, _) in items.iter_mut() {
            req.intake.code = format!("{}{round:03}", req.intake.code);
            req.intake.external_id = None;
        }
        store.bulk_insert(&items).await?;
    }
    let total = store.count_requests().await?;
    // Staff sessions for a community clerk and the district office.
    let mut cookies = Vec::new();
    for who in ["dxy_staff", "admin"] {
        let Some(user) = store.user_by_username(who).await? else {
            bail!("the demo user {who} is missing");
        };
        let token = format!("bench-{who}-{}", rand_suffix());
        store
            .create_session(
                &minhu_app::credentials::hash_token(&token),
                user.id,
                now,
                now + chrono::Duration::hours(1),
            )
            .await?;
        cookies.push(format!("minhu_session={token}"));
    }
    let router = minhu::server::router(app.clone());
    let pages: Vec<(&str, String, Option<&String>)> = vec![
        ("problem wall, page 1", "/wall".into(), None),
        ("echo wall, page 1", "/wall?tab=answered".into(), None),
        ("problem wall, 德馨苑", "/wall?community=DXY".into(), None),
        (
            "echo wall, page 20",
            "/wall?tab=answered&page=20".into(),
            None,
        ),
        (
            "queue, 德馨苑 clerk",
            "/staff?view=area".into(),
            Some(&cookies[0]),
        ),
        (
            "queue, district, all",
            "/staff?view=area".into(),
            Some(&cookies[1]),
        ),
        (
            "queue, district, red",
            "/staff?view=red".into(),
            Some(&cookies[1]),
        ),
        (
            "queue, district, page 100",
            "/staff?view=area&page=100".into(),
            Some(&cookies[1]),
        ),
        (
            "dashboard, district",
            "/staff/dashboard".into(),
            Some(&cookies[1]),
        ),
    ];
    println!(
        "{total} requests in the database; {rounds} renders of each page (in-process, release build recommended)"
    );
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>8}",
        "page", "p50 ms", "p95 ms", "max ms", "bytes"
    );
    for (name, path, cookie) in pages {
        let mut times = Vec::with_capacity(rounds);
        let mut bytes = 0;
        for _ in 0..rounds {
            let mut req = Request::get(&path);
            if let Some(c) = cookie {
                req = req.header("cookie", c.as_str());
            }
            let started = Instant::now();
            let resp = router.clone().oneshot(req.body(Body::empty())?).await?;
            let status = resp.status();
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
            times.push(started.elapsed());
            if status != StatusCode::OK {
                bail!("{path}: {status}");
            }
            bytes = body.len();
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{name:<28} {:>9.2} {:>9.2} {:>9.2} {bytes:>8}",
            ms(times[times.len() / 2]),
            ms(times[times.len() * 95 / 100]),
            ms(times.last().copied().unwrap_or_default()),
        );
    }
    store.close().await;
    Ok(())
}

fn rand_suffix() -> u64 {
    Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64
}
