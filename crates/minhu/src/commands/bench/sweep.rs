//! `minhu bench-sweep`: one deadline sweep over a large number of open requests.

use std::time::Instant;

use anyhow::{Result, bail};
use chrono::Utc;
use minhu_app::App;
use minhu_domain::org::Tier;
use minhu_domain::request::{
    Channel, Event, EventData, Intake, Request, RequestType, Requester, Urgency,
};
use minhu_store::{Store, StoreOptions};

/// Fills an empty database with `n` dispatched, signed requests (`due` of them past their
/// deadline, the rest weeks from it), then times one sweep and a second, idle one.
pub async fn run(url: &str, n: usize, due: usize) -> Result<()> {
    let store = Store::open(url, StoreOptions::default()).await?;
    if store.count_requests().await? > 0 {
        bail!("bench-sweep needs an empty database");
    }
    let app = App::load(store.clone()).await?;
    let (js, us) = minhu_fixtures::demo::organisation();
    store.upsert_org(&js, &us).await?;
    app.reload().await?;
    let org = app.org();
    let now = minhu_domain::time::truncate_ms(Utc::now());
    let every = (n / due.max(1)).max(1);
    let bar = indicatif::ProgressBar::new(n as u64);
    let started = Instant::now();
    let mut made = 0;
    while made < n {
        let mut items = Vec::with_capacity(20_000);
        for k in made..(made + 20_000).min(n) {
            let lapsed = k % every == 0 && k / every < due;
            let received = now - chrono::Duration::days(3);
            let intake = Intake {
                code: format!("B{k:011}"),
                channel: Channel::GridPatrol,
                kind: RequestType::Help,
                subject: None,
                content: "基准：楼道灯不亮".into(),
                requester: Requester::default(),
                address: None,
                lat: None,
                lon: None,
                jurisdiction: "DXY-G01".into(),
                category: None,
                confidential: false,
                external_id: None,
                received_at: received,
            };
            let deadline = if lapsed {
                now - chrono::Duration::hours(1)
            } else {
                now + chrono::Duration::days(30)
            };
            let ev = |seq: i64, data: EventData| Event {
                seq,
                at: received,
                actor: "bench".into(),
                role: "community_staff".into(),
                data,
            };
            let events = vec![
                ev(
                    1,
                    EventData::Register {
                        channel: Channel::GridPatrol,
                        kind: RequestType::Help,
                        jurisdiction: "DXY-G01".into(),
                        tier: Tier::Community,
                        category: None,
                    },
                ),
                ev(2, EventData::Accept { note: None }),
                ev(
                    3,
                    EventData::Dispatch {
                        unit: "DXY-WY".into(),
                        co_units: vec![],
                        difficulty: None,
                        urgency: Urgency::Normal,
                        deadline,
                        yellow_at: minhu_domain::sla::yellow_at(received, deadline),
                        sla_version: 1,
                    },
                ),
                ev(4, EventData::Sign {}),
            ];
            let req = Request::replay(0, intake, &events);
            items.push((req, org.path("DXY-G01"), events));
        }
        store.bulk_insert(&items).await?;
        made += items.len();
        bar.set_position(made as u64);
    }
    bar.finish_and_clear();
    println!(
        "loaded {n} open requests in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let report = minhu_app::sweep::sweep(&app, now)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.en()))?;
    let first = t.elapsed();
    let t = Instant::now();
    let again = minhu_app::sweep::sweep(&app, now)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.en()))?;
    let second = t.elapsed();
    println!(
        "sweep over {n} open requests ({due} lapsed): {:.0} ms, examined {}, red {}, urged {}, escalated {}; second sweep {:.0} ms, acted {}",
        first.as_secs_f64() * 1000.0,
        report.examined,
        report.warned_red,
        report.urged,
        report.escalated,
        second.as_secs_f64() * 1000.0,
        again.warned_red + again.urged + again.escalated
    );
    store.close().await;
    Ok(())
}
