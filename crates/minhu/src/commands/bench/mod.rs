//! `minhu bench`, `bench-sweep` and `bench-pages`: measurements of the storage layer's
//! durable intake rate (no HTTP), of one deadline sweep, and of the pages' render times.

pub mod grid_coverage;
pub mod pages;
pub mod sweep;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Result;
use chrono::Utc;
use minhu_domain::org::Tier;
use minhu_domain::request::{Channel, Event, EventData, Intake, RequestType, Requester};

/// The storage layer's own limit: `n` durable intakes from `concurrency` tasks, no HTTP.
pub async fn store(url: &str, n: usize, concurrency: usize) -> Result<()> {
    let store = super::open(url).await?;
    let code = "BENCH";
    store
        .upsert_org(
            &[minhu_domain::org::Jurisdiction {
                code: code.into(),
                name: "基准测试社区".into(),
                level: minhu_domain::org::Level::Community,
                parent: None,
            }],
            &[],
        )
        .await?;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let store = store.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let now = minhu_domain::time::truncate_ms(Utc::now());
                let intake = Intake {
                    code: minhu_store::new_code(now),
                    channel: Channel::WalkIn,
                    kind: RequestType::Complaint,
                    subject: None,
                    content: "基准测试：小区门口路灯不亮，晚上很黑。".into(),
                    requester: Requester {
                        name: Some("测试".into()),
                        phone: Some("13800000000".into()),
                    },
                    address: None,
                    lat: None,
                    lon: None,
                    jurisdiction: code.into(),
                    category: None,
                    confidential: false,
                    external_id: None,
                    received_at: now,
                };
                let first = Event {
                    seq: 1,
                    at: now,
                    actor: "bench".into(),
                    role: "system".into(),
                    data: EventData::Register {
                        channel: Channel::WalkIn,
                        kind: RequestType::Complaint,
                        jurisdiction: code.into(),
                        tier: Tier::Community,
                        category: None,
                    },
                };
                let t = Instant::now();
                store.intake(intake, format!("/{code}/"), first).await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = started.elapsed();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "storage ({}): {} durable intakes in {:.2} s = {:.0}/s; latency p50 {:.2} ms, p99 {:.2} ms",
        store.backend_name(),
        all.len(),
        elapsed.as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0
    );
    store.close().await;
    Ok(())
}
