//! `minhu`: the one binary. Server, administration and batch jobs.

mod bench_pages;
mod bench_sweep;
mod catalogue_cli;
mod classify_cli;
mod ledger_cli;
mod serve_cli;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand};
use minhu_domain::calendar::{CalendarDay, DayKind};
use minhu_domain::org::{Role, Tier};
use minhu_domain::request::{Channel, Event, EventData, Intake, RequestType, Requester, Warning};
use minhu_store::{ListFilter, Store, StoreOptions};
use minhu_web::AppState;

mod upstream;

// The server allocates many small, short-lived buffers per request; mimalloc handles that
// pattern with far less time in the allocator than glibc malloc (measured with perf).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "minhu", version, about = "民呼必应 Minhu — civic request response system", long_about = None)]
struct Cli {
    /// Database URL: sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "MINHU_DATABASE_URL",
        default_value = "sqlite://minhu.db"
    )]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (JSON API, /healthz).
    Serve(serve_cli::ServeArgs),
    /// Manage people.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Deadline monitor.
    Sla {
        #[command(subcommand)]
        command: SlaCommand,
    },
    /// The working-day calendar (holidays and 调休 make-up days).
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Classify Chinese request texts into categories.
    Classify {
        #[command(subcommand)]
        command: classify_cli::ClassifyCommand,
    },
    /// Load the demo district into an empty database (as `serve --demo` does).
    Demo,
    /// Open311 GeoReport v2: API keys of client applications.
    Open311(upstream::Open311Args),
    /// Import an upstream platform's export (CSV, xlsx, JSON) with a column mapping.
    Import(upstream::ImportArgs),
    /// The service catalogue (categories, Open311 service definitions, routes): load a file.
    Catalogue {
        #[command(subcommand)]
        command: catalogue_cli::CatalogueCommand,
    },
    /// Ledgers (台账): daily register, weekly/monthly reports, 三率 ranking, refresh, benchmark.
    Ledger {
        #[command(subcommand)]
        command: ledger_cli::LedgerCommand,
    },
    /// Generate a city of requests with whole histories (for tests and benchmarks).
    Gen(ledger_cli::GenArgs),
    /// Measure the storage layer's durable intake rate (no HTTP).
    Bench {
        /// Number of intakes.
        #[arg(long, default_value_t = 20000)]
        n: usize,
        /// Concurrent writers.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
    /// Measure one deadline sweep over N open requests, of which DUE have lapsed.
    BenchSweep {
        #[arg(long, default_value_t = 1_000_000)]
        n: usize,
        #[arg(long, default_value_t = 1000)]
        due: usize,
    },
    /// Measure how long the walls, queues and dashboard take to render with N requests.
    BenchPages {
        #[arg(long, default_value_t = 10_000)]
        n: usize,
        /// Renders of each page.
        #[arg(long, default_value_t = 50)]
        rounds: usize,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a person. Roles: district_admin, street_staff, community_staff, grid_worker,
    /// unit_handler, auditor. Scope: a jurisdiction code (a unit code for unit_handler).
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        scope: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Read a password for web login from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a new bearer token for a person (shown once; stored hashed).
    Issue {
        #[arg(long)]
        username: String,
        #[arg(long)]
        label: Option<String>,
    },
    /// Revoke every token of a person.
    Revoke {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum SlaCommand {
    /// Run the deadline monitor as of a moment: light yellow (last quarter of the time) and
    /// red (past due) warnings, urge the unit, escalate a lapsed community- or street-level
    /// request one tier up; each act is an event by the system. Idempotent. The server runs
    /// the same sweep by itself every MINHU_SWEEP_SECONDS (default 60).
    Sweep {
        /// The moment to sweep at (RFC 3339), default now.
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// List the overrides of a year.
    List {
        #[arg(long)]
        year: Option<i32>,
    },
    /// Mark a date as a holiday or a (make-up) working day.
    Set {
        date: NaiveDate,
        /// holiday or workday
        kind: String,
        #[arg(long, default_value = "")]
        note: String,
    },
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MINHU_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("MINHU_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(url: &str) -> Result<Store> {
    Store::open(url, StoreOptions::default())
        .await
        .with_context(|| format!("opening database {url}"))
}

#[tokio::main]
async fn main() -> Result<()> {
    init_tracing();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve_cli::run(&cli.database, args).await,
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    scope,
                    display_name,
                    password_stdin,
                },
        } => {
            let store = open(&cli.database).await?;
            let role = Role::parse(&role).with_context(|| format!("unknown role '{role}'; one of: district_admin, street_staff, community_staff, grid_worker, unit_handler, auditor"))?;
            let org = store.load_org().await?;
            org.check_scope(role, &scope)
                .map_err(|e| anyhow::anyhow!("{}", e.en))?;
            let hash = if password_stdin {
                let mut pw = String::new();
                std::io::stdin().read_to_string(&mut pw)?;
                let pw = pw.trim_end_matches(['\r', '\n']);
                if pw.chars().count() < 8 {
                    bail!("the password must have at least 8 characters");
                }
                Some(minhu_web::auth::hash_password(pw))
            } else {
                None
            };
            let id = store
                .add_user(
                    &username,
                    display_name.as_deref(),
                    role,
                    &scope,
                    hash.as_deref(),
                )
                .await?;
            println!(
                "added user {username} (id {id}, role {}, scope {scope})",
                role.as_str()
            );
            store.close().await;
            Ok(())
        }
        Command::Token { command } => {
            let store = open(&cli.database).await?;
            match command {
                TokenCommand::Issue { username, label } => {
                    let token =
                        minhu_web::auth::issue_token(&store, &username, label.as_deref()).await?;
                    println!("{token}");
                }
                TokenCommand::Revoke { username } => {
                    let user = store
                        .user_by_username(&username)
                        .await?
                        .with_context(|| format!("no such user: {username}"))?;
                    let n = store.revoke_tokens(user.id).await?;
                    println!("revoked {n} token(s) of {username}");
                }
            }
            store.close().await;
            Ok(())
        }
        Command::Sla {
            command: SlaCommand::Sweep { at },
        } => {
            let store = open(&cli.database).await?;
            let at = match at {
                Some(s) => DateTime::parse_from_rfc3339(&s)
                    .with_context(|| format!("--at '{s}' is not RFC 3339"))?
                    .with_timezone(&Utc),
                None => Utc::now(),
            };
            let app = AppState::load(store.clone()).await?;
            let report = minhu_app::sweep::sweep(&app, at)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "sweep at {}: examined {}, yellow {}, red {}, urged {}, escalated {}",
                minhu_domain::time::rfc3339(at),
                report.examined,
                report.warned_yellow,
                report.warned_red,
                report.urged,
                report.escalated
            );
            for warning in [Warning::Yellow, Warning::Red] {
                let page = store
                    .list_requests(&ListFilter {
                        warning: Some(warning),
                        now: Some(at),
                        page: 1,
                        page_size: 20,
                        ..Default::default()
                    })
                    .await?;
                println!("{} ({}): {}", warning.zh(), warning.as_str(), page.total);
                for s in &page.items {
                    let due = s
                        .deadline
                        .map(minhu_domain::time::rfc3339)
                        .unwrap_or_default();
                    println!(
                        "  {} {} {} due {}",
                        s.code,
                        s.state.as_str(),
                        s.lead_unit.as_deref().unwrap_or("-"),
                        due
                    );
                }
            }
            store.close().await;
            Ok(())
        }
        Command::Calendar { command } => {
            let store = open(&cli.database).await?;
            match command {
                CalendarCommand::List { year } => {
                    for d in store.calendar_days().await? {
                        if year.is_none_or(|y| chrono::Datelike::year(&d.date) == y) {
                            println!("{} {} {}", d.date, d.kind.as_str(), d.note);
                        }
                    }
                }
                CalendarCommand::Set { date, kind, note } => {
                    let kind = DayKind::parse(&kind).with_context(|| {
                        format!("kind must be holiday or workday, not '{kind}'")
                    })?;
                    store
                        .set_calendar_day(&CalendarDay { date, kind, note })
                        .await?;
                    println!("{date} is now a {}", kind.as_str());
                }
            }
            store.close().await;
            Ok(())
        }
        Command::Classify { command } => classify_cli::run(&cli.database, command).await,
        Command::Open311(args) => upstream::open311(&cli.database, args).await,
        Command::Import(args) => upstream::import(&cli.database, args).await,
        Command::Catalogue { command } => catalogue_cli::run(&cli.database, command).await,
        Command::Demo => {
            let store = open(&cli.database).await?;
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
        Command::Bench { n, concurrency } => bench_store(&cli.database, n, concurrency).await,
        Command::BenchSweep { n, due } => bench_sweep::run(&cli.database, n, due).await,
        Command::BenchPages { n, rounds } => bench_pages::run(&cli.database, n, rounds).await,
        Command::Ledger { command } => ledger_cli::run(&cli.database, command).await,
        Command::Gen(args) => ledger_cli::gen_data(&cli.database, args).await,
    }
}

/// The storage layer's own limit: `n` durable intakes from `concurrency` tasks, no HTTP.
async fn bench_store(url: &str, n: usize, concurrency: usize) -> Result<()> {
    let store = open(url).await?;
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
