//! `minhu bench-grid-coverage`: the visit cadence and coverage queries of issue 13 on a
//! district of `grids` grids × `households` households (default 1,000 × 300 = 300,000),
//! bulk-inserted straight into the store. Times one grid's overdue-visit queue, one
//! community's coverage (per grid and per worker), the whole district's coverage, and a
//! community's monthly workload: through `minhu_app::patrol`, as the API calls them.

use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::Utc;
use minhu_app::App;
use minhu_domain::org::{Actor, Jurisdiction, Level, Role};
use minhu_store::patrol::LedgerFill;

const DISTRICT: &str = "BGD";
const STREETS: usize = 10;

fn jurisdiction(code: String, name: String, level: Level, parent: Option<String>) -> Jurisdiction {
    Jurisdiction {
        code,
        name,
        level,
        parent,
    }
}

/// District → 10 streets → communities of 10 grids each.
fn organisation(grids: usize) -> (Vec<Jurisdiction>, Vec<(String, String)>) {
    let communities = grids.div_ceil(10);
    let mut js = vec![jurisdiction(
        DISTRICT.into(),
        "基准区".into(),
        Level::District,
        None,
    )];
    for s in 0..STREETS {
        js.push(jurisdiction(
            format!("{DISTRICT}-S{s:02}"),
            format!("基准街道{s}"),
            Level::Street,
            Some(DISTRICT.into()),
        ));
    }
    let mut pairs = Vec::with_capacity(grids);
    for c in 0..communities {
        let community = format!("{DISTRICT}-S{:02}-C{c:03}", c % STREETS);
        js.push(jurisdiction(
            community.clone(),
            format!("基准社区{c}"),
            Level::Community,
            Some(format!("{DISTRICT}-S{:02}", c % STREETS)),
        ));
        for g in 0..10.min(grids - c * 10) {
            let grid = format!("{community}-G{g:02}");
            js.push(jurisdiction(
                grid.clone(),
                format!("基准网格{c}-{g}"),
                Level::Grid,
                Some(community.clone()),
            ));
            pairs.push((community.clone(), grid));
        }
    }
    (js, pairs)
}

/// The median and the slowest of `rounds` runs of `f`.
async fn time<F, Fut, T>(rounds: usize, mut f: F) -> Result<(Duration, Duration, T)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, minhu_app::AppError>>,
{
    let mut took = Vec::with_capacity(rounds);
    let mut last = None;
    for _ in 0..rounds.max(1) {
        let started = Instant::now();
        last = Some(f().await?);
        took.push(started.elapsed());
    }
    took.sort();
    let last = last.ok_or_else(|| anyhow::anyhow!("no round ran"))?;
    Ok((took[took.len() / 2], took[took.len() - 1], last))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Writes the district, a grid worker per grid and each grid's ledger.
async fn fill(
    store: &minhu_store::Store,
    js: &[Jurisdiction],
    pairs: &[(String, String)],
    households: usize,
    now: chrono::DateTime<Utc>,
) -> Result<()> {
    store.upsert_org(js, &[]).await?;
    let started = Instant::now();
    let mut written = 0;
    for (community, grid) in pairs {
        let worker = format!("w-{grid}");
        store
            .add_user(&worker, None, Role::GridWorker, grid, None)
            .await?;
        let fill = LedgerFill {
            households_per_grid: households,
            households_per_building: 60,
            care_every: 10,
            visited_every: 2,
            visits_by: Some(worker),
            now,
        };
        written += store
            .fill_grid_ledger(&[(community.clone(), grid.clone())], &fill)
            .await?;
    }
    // As an import does: the planner's statistics for the filled register.
    store.refresh_ledger_statistics().await?;
    println!(
        "filled {written} households in {} grids ({} communities) in {:.1} s",
        pairs.len(),
        pairs.len().div_ceil(10),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Fills an empty database and times the queries.
pub async fn run(url: &str, grids: usize, households: usize, rounds: usize) -> Result<()> {
    let store = super::super::open(url).await?;
    let app = App::load(store.clone()).await?;
    let (js, pairs) = organisation(grids.max(1));
    let now = Utc::now();
    if app.org().jurisdiction(DISTRICT).is_some() {
        println!("reusing the district {DISTRICT} already filled");
    } else {
        fill(&store, &js, &pairs, households, now).await?;
        app.reload().await?;
    }
    let actor = Actor::system();
    let (grid, community) = (&pairs[pairs.len() / 2].1, &pairs[pairs.len() / 2].0);
    let (med, max, queue) = time(rounds, || {
        minhu_app::patrol::visits_due(&app, &actor, grid, None, now)
    })
    .await?;
    println!(
        "one grid's overdue-visit queue ({grid}, {} due): median {}, max {}",
        queue.len(),
        ms(med),
        ms(max)
    );
    let (med, max, cov) = time(rounds, || {
        minhu_app::patrol::grid_coverage(&app, &actor, grid, Some(90), now)
    })
    .await?;
    println!(
        "one grid's coverage ({}%): median {}, max {}",
        cov.coverage.percent,
        ms(med),
        ms(max)
    );
    let (med, max, area) = time(rounds, || {
        minhu_app::patrol::area_coverage(&app, &actor, community, Some(90), now)
    })
    .await?;
    println!(
        "a community's coverage per grid and worker ({} grids, {} workers): median {}, max {}",
        area.grids.len(),
        area.workers.len(),
        ms(med),
        ms(max)
    );
    let (med, max, district) = time(rounds, || {
        minhu_app::patrol::area_coverage(&app, &actor, DISTRICT, Some(90), now)
    })
    .await?;
    println!(
        "the district's coverage per grid and worker ({} grids, {} households, {}%): median {}, max {}",
        district.grids.len(),
        district.total.occupied,
        district.total.percent,
        ms(med),
        ms(max)
    );
    let month = minhu_domain::time::local_date(now)
        .format("%Y-%m")
        .to_string();
    let (med, max, work) = time(rounds, || {
        minhu_app::patrol::workload(&app, &actor, Some(community), &month, now)
    })
    .await?;
    println!(
        "a community's monthly workload ({} workers): median {}, max {}",
        work.len(),
        ms(med),
        ms(max)
    );
    Ok(())
}
