//! `minhu ledger …` (scheduled exports of the ledgers, the refresh of the facts, the ledger
//! benchmark) and `minhu gen` (a generated city for tests and benchmarks).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use minhu_app::ledger as web;
use minhu_domain::org::Actor;
use minhu_fixtures::generate::{GenConfig, gen_org, gen_request};
use minhu_ledger::facts::FactLevel;
use minhu_ledger::{Table, YearMonth};
use minhu_store::{Store, StoreOptions};
use minhu_web::AppState;

#[derive(Subcommand)]
pub enum LedgerCommand {
    /// The daily register (日登记) of a jurisdiction and date. The file type follows --out
    /// (.xlsx, .csv or .json). Personal fields are masked unless --unmasked --reason.
    Daily {
        #[arg(long)]
        jurisdiction: String,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long)]
        out: PathBuf,
        /// Show names, phones and addresses (logged to the access log with the reason).
        #[arg(long, requires = "reason")]
        unmasked: bool,
        #[arg(long)]
        reason: Option<String>,
    },
    /// The weekly summary (周汇总): --week YYYY-Www. Writes .xlsx or .json.
    Weekly {
        #[arg(long)]
        jurisdiction: String,
        #[arg(long)]
        week: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// The monthly report (月上报): --month YYYY-MM. Writes .xlsx or .json.
    Monthly {
        #[arg(long)]
        jurisdiction: String,
        #[arg(long)]
        month: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// The 三率 ranking of a level (street, community, district, unit) for a month.
    /// Writes .xlsx, .csv or .json.
    Evaluation {
        #[arg(long)]
        month: String,
        #[arg(long, default_value = "street")]
        level: String,
        #[arg(long)]
        jurisdiction: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Fold the events appended since the last refresh into the ledger facts (reports do
    /// this themselves; run it from cron, or with --every to keep the facts warm).
    Refresh {
        /// Repeat every this many seconds (until stopped).
        #[arg(long)]
        every: Option<u64>,
    },
    /// Time the ledger paths on the data in the database (e.g. after `minhu gen`).
    Bench {
        /// The month to rank (YYYY-MM).
        #[arg(long)]
        month: String,
        /// The community whose daily register is timed (default: the first one).
        #[arg(long)]
        community: Option<String>,
        /// The date of that register (default: the 15th of the month).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Rows of the large register export.
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Repetitions of each timing (the median is shown).
        #[arg(long, default_value_t = 7)]
        repeat: usize,
        /// Time the large register export only.
        #[arg(long)]
        register_only: bool,
    },
}

#[derive(Args)]
pub struct GenArgs {
    /// Requests to generate.
    #[arg(long, default_value_t = 100_000)]
    requests: usize,
    #[arg(long, default_value_t = 16)]
    districts: usize,
    #[arg(long, default_value_t = 343)]
    streets: usize,
    #[arg(long, default_value_t = 20)]
    communities: usize,
    /// The year the requests fall in (events end at its last day).
    #[arg(long, default_value_t = 2026)]
    year: i32,
    /// Prefix of the generated codes.
    #[arg(long, default_value = "G")]
    prefix: String,
    #[arg(long, default_value_t = 12345)]
    seed: u64,
    /// Requests per transaction.
    #[arg(long, default_value_t = 5_000)]
    chunk: usize,
    /// Build the ledger facts afterwards.
    #[arg(long)]
    refresh: bool,
}

async fn open_fast(url: &str) -> Result<Store> {
    Store::open(url, StoreOptions::default())
        .await
        .with_context(|| format!("opening database {url}"))
}

fn ext(out: &Path) -> String {
    out.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn write_tables(out: &Path, tables: &[Table], json: serde_json::Value, csv_ok: bool) -> Result<()> {
    let bytes = match ext(out).as_str() {
        "xlsx" => minhu_ledger::to_xlsx(tables)?,
        "csv" if csv_ok => minhu_ledger::to_csv(&tables[0]),
        "json" => serde_json::to_vec_pretty(&json)?,
        other => bail!(
            "--out must end in .xlsx{} or .json (got '.{other}')",
            if csv_ok { ", .csv" } else { "" }
        ),
    };
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}

fn api(e: minhu_app::AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.en())
}

pub async fn run(url: &str, cmd: LedgerCommand) -> Result<()> {
    let store = open_fast(url).await?;
    let app = AppState::load(store.clone()).await?;
    let org = app.org();
    let jur = |code: &str| {
        org.jurisdiction(code)
            .cloned()
            .with_context(|| format!("unknown jurisdiction '{code}'"))
    };
    match cmd {
        LedgerCommand::Daily {
            jurisdiction,
            date,
            out,
            unmasked,
            reason,
        } => {
            let j = jur(&jurisdiction)?;
            let actor = Actor::system();
            let reason = if unmasked { reason } else { None };
            if ext(&out) == "xlsx" {
                // Streamed: rows are written as they are read (constant memory).
                let bytes = web::daily_register_xlsx(&app, &actor, &j, date, reason.as_deref())
                    .await
                    .map_err(api)?;
                std::fs::write(&out, &bytes)
                    .with_context(|| format!("writing {}", out.display()))?;
                eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
                store.close().await;
                return Ok(());
            }
            let reg = web::daily_register(&app, &actor, &j, date, reason.as_deref())
                .await
                .map_err(api)?;
            let json = serde_json::json!({"jurisdiction": j.code, "date": date, "masked": reg.masked, "rows": reg.rows});
            write_tables(&out, &[reg.table()], json, true)?;
        }
        LedgerCommand::Weekly {
            jurisdiction,
            week,
            out,
        } => {
            let j = jur(&jurisdiction)?;
            let r = web::weekly_report(&app, &j, &week).await.map_err(api)?;
            write_tables(&out, &r.tables(), serde_json::to_value(&r)?, false)?;
        }
        LedgerCommand::Monthly {
            jurisdiction,
            month,
            out,
        } => {
            let j = jur(&jurisdiction)?;
            let m = YearMonth::parse(&month).context("--month must be YYYY-MM")?;
            let r = web::monthly_report(&app, &j, m).await.map_err(api)?;
            write_tables(&out, &r.tables(), r.to_json(), false)?;
        }
        LedgerCommand::Evaluation {
            month,
            level,
            jurisdiction,
            out,
        } => {
            let m = YearMonth::parse(&month).context("--month must be YYYY-MM")?;
            let l = FactLevel::parse(&level)
                .context("--level must be street, community, district or unit")?;
            let (policy, period, list) = web::evaluation(&app, m, l, jurisdiction.as_deref())
                .await
                .map_err(api)?;
            let json = serde_json::json!({
                "month": month, "level": level, "policy_version": policy.version,
                "items": list.iter().map(minhu_ledger::Figures::evaluation_json).collect::<Vec<_>>(),
            });
            write_tables(
                &out,
                &[web::evaluation_table(m, l, &policy, period, &list)],
                json,
                true,
            )?;
        }
        LedgerCommand::Refresh { every } => loop {
            let t = Instant::now();
            let r = store.ledger_refresh(&app.org()).await?;
            println!(
                "ledger facts current to event {} ({} request(s) recomputed{}) in {:.1} ms",
                r.watermark,
                r.requests,
                if r.rebuilt { ", rebuilt" } else { "" },
                t.elapsed().as_secs_f64() * 1000.0
            );
            match every {
                Some(s) => tokio::time::sleep(Duration::from_secs(s.max(1))).await,
                None => break,
            }
        },
        LedgerCommand::Bench {
            month,
            community,
            date,
            rows,
            repeat,
            register_only,
        } => {
            if register_only {
                bench_register(&app, &month, rows, repeat).await?
            } else {
                bench(&app, &month, community, date, repeat).await?;
                bench_register(&app, &month, rows, repeat).await?
            }
        }
    }
    store.close().await;
    Ok(())
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

async fn bench(
    app: &AppState,
    month: &str,
    community: Option<String>,
    date: Option<NaiveDate>,
    repeat: usize,
) -> Result<()> {
    let m = YearMonth::parse(month).context("--month must be YYYY-MM")?;
    let org = app.org();
    let repeat = repeat.max(1);
    println!(
        "database: {}, {} requests",
        app.store.backend_name(),
        app.store.count_requests().await?
    );

    let t = Instant::now();
    let r = app.store.ledger_refresh(&org).await?;
    println!(
        "refresh (catch-up): {} request(s) in {:.0} ms{}",
        r.requests,
        t.elapsed().as_secs_f64() * 1000.0,
        if r.rebuilt { " (rebuilt)" } else { "" }
    );
    let mut times = Vec::new();
    for _ in 0..repeat {
        let t = Instant::now();
        app.store.ledger_refresh(&org).await?;
        times.push(t.elapsed());
    }
    println!("refresh with nothing new: median {:.2} ms", median(times));

    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..repeat {
        let t = Instant::now();
        let (_, _, list) = web::evaluation(app, m, FactLevel::Street, None)
            .await
            .map_err(api)?;
        times.push(t.elapsed());
        n = list.len();
    }
    println!(
        "monthly ranking of all {n} streets ({month}, refresh included): median {:.2} ms",
        median(times)
    );
    let period = app.store.evaluation_policy().await?.month_period(m);
    let (mut ts, mut to) = (Vec::new(), Vec::new());
    for _ in 0..repeat {
        let t = Instant::now();
        app.store
            .ledger_sums(FactLevel::Street, None, period)
            .await?;
        ts.push(t.elapsed());
        let t = Instant::now();
        app.store
            .ledger_overdue_open(FactLevel::Street, period, app.now())
            .await?;
        to.push(t.elapsed());
    }
    println!(
        "  of which: street sums {:.2} ms, open past due {:.2} ms",
        median(ts),
        median(to)
    );
    let mut times = Vec::new();
    for _ in 0..repeat {
        let t = Instant::now();
        let (_, _, list) = web::evaluation(app, m, FactLevel::Community, None)
            .await
            .map_err(api)?;
        times.push(t.elapsed());
        n = list.len();
    }
    println!(
        "monthly ranking of all {n} communities: median {:.2} ms",
        median(times)
    );

    let date = date.unwrap_or_else(|| m.first_day() + chrono::Duration::days(14));
    // Default: the busiest community of that day.
    let community = match community {
        Some(c) => c,
        None => {
            let day = app
                .store
                .ledger_light_rows(
                    "/",
                    web::local_start(date),
                    web::local_start(date + chrono::Duration::days(1)),
                )
                .await?;
            let mut count: std::collections::HashMap<String, usize> = Default::default();
            for r in &day {
                if let Some(c) =
                    org.ancestor_at(&r.jurisdiction, minhu_domain::org::Level::Community)
                {
                    *count.entry(c.code.clone()).or_default() += 1;
                }
            }
            count
                .into_iter()
                .max_by_key(|(c, n)| (*n, std::cmp::Reverse(c.clone())))
                .map(|(c, _)| c)
                .context("no request that day")?
        }
    };
    let j = org
        .jurisdiction(&community)
        .cloned()
        .context("unknown community")?;
    let actor = Actor::system();
    let mut times = Vec::new();
    let mut times_x = Vec::new();
    let mut count = 0;
    for _ in 0..repeat {
        let t = Instant::now();
        let reg = web::daily_register(app, &actor, &j, date, None)
            .await
            .map_err(api)?;
        times.push(t.elapsed());
        minhu_ledger::to_xlsx(&[reg.table()])?;
        times_x.push(t.elapsed());
        count = reg.rows.len();
    }
    println!(
        "daily register of {community} on {date} ({count} rows): median {:.2} ms as JSON rows, {:.2} ms with the xlsx",
        median(times),
        median(times_x)
    );

    Ok(())
}

/// A large register: the first `rows` requests received from the month's start on, across
/// the whole database, read from the stored register facts and written to xlsx as it is
/// read.
async fn bench_register(app: &AppState, month: &str, rows: usize, repeat: usize) -> Result<()> {
    let m = YearMonth::parse(month).context("--month must be YYYY-MM")?;
    let p = app.store.evaluation_policy().await?.month_period(m);
    // From the month's start on, so that `rows` can exceed one month's requests.
    let (from, to) = (
        web::local_start(p.start),
        web::local_start(p.start + chrono::Duration::days(366)),
    );
    let (mut t_read, mut t_all) = (Vec::new(), Vec::new());
    let (mut n_rows, mut size) = (0, 0);
    for _ in 0..repeat.min(5) {
        let t = Instant::now();
        let mut rows_read = 0;
        web::register_pages(app, "/", from, to, Some(rows), |items| {
            rows_read += items.len();
            Ok(())
        })
        .await
        .map_err(api)?;
        t_read.push(t.elapsed());
        let t = Instant::now();
        let (bytes, ids) = web::register_xlsx(
            app,
            "基准 日登记台账",
            "/",
            from,
            to,
            Some(rows),
            minhu_ledger::Personal::Masked,
        )
        .await
        .map_err(api)?;
        t_all.push(t.elapsed());
        n_rows = ids.len();
        size = bytes.len();
        assert_eq!(rows_read, n_rows);
    }
    println!(
        "register of {n_rows} rows (from {month} on, whole database): reading the stored register facts {:.0} ms; xlsx end to end (read, build, write, zip) median {:.2} s ({:.1} MB)",
        median(t_read),
        median(t_all) / 1000.0,
        size as f64 / 1e6,
    );
    Ok(())
}

/// `minhu gen`: a generated city written in chunked multi-row transactions, with a
/// progress bar; request generation runs on a blocking thread beside the inserts.
pub async fn gen_data(url: &str, a: GenArgs) -> Result<()> {
    let store = Store::open(
        url,
        StoreOptions {
            sqlite_full_sync: false,
            ..StoreOptions::default()
        },
    )
    .await
    .with_context(|| format!("opening database {url}"))?;
    let mut cfg = GenConfig::city(a.requests, a.year);
    cfg.prefix = a.prefix;
    cfg.districts = a.districts;
    cfg.streets = a.streets;
    cfg.communities_per_street = a.communities;
    cfg.seed = a.seed;
    let org = gen_org(&cfg);
    store.upsert_org(&org.jurisdictions, &org.units).await?;
    eprintln!(
        "organisation: {} jurisdictions, {} units",
        org.jurisdictions.len(),
        org.units.len()
    );
    let cfg = std::sync::Arc::new(cfg);
    let org = std::sync::Arc::new(org);
    let bar = indicatif::ProgressBar::new(a.requests as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} requests ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let chunk = a.chunk.max(1);
    let started = Instant::now();
    let make = |from: usize| {
        let (cfg, org) = (cfg.clone(), org.clone());
        let to = (from + chunk).min(cfg.requests);
        tokio::task::spawn_blocking(move || {
            (from..to)
                .map(|i| gen_request(&cfg, &org, i))
                .collect::<Vec<_>>()
        })
    };
    let mut next = (a.requests > 0).then(|| make(0));
    let mut from = 0;
    let mut events = 0usize;
    while let Some(pending) = next.take() {
        let items = pending.await?;
        from += items.len();
        if from < a.requests {
            next = Some(make(from));
        }
        events += items.iter().map(|(_, _, e)| e.len()).sum::<usize>();
        store.insert_generated(&items).await?;
        bar.inc(items.len() as u64);
    }
    bar.finish();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "generated {} requests with {} events in {:.1} s ({:.0} requests/s)",
        a.requests,
        events,
        secs,
        a.requests as f64 / secs
    );
    if a.refresh {
        let app = AppState::load(store.clone()).await?;
        let t = Instant::now();
        let r = store.ledger_refresh(&app.org()).await?;
        println!(
            "ledger facts built for {} requests in {:.1} s",
            r.requests,
            t.elapsed().as_secs_f64()
        );
    }
    store.close().await;
    Ok(())
}
