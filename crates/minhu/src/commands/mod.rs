//! The command line: one module per command group, the arguments of each beside the code
//! that runs it. [`run`] dispatches a parsed [`Cli`]; `main` only parses and sets up tracing.

pub mod bench;
pub mod calendar;
pub mod catalogue;
pub mod classify;
pub mod demo;
pub mod grid;
pub mod grid_meeting;
pub mod import;
pub mod ledger;
pub mod open311;
pub mod serve;
pub mod sla;
pub mod user;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use minhu_store::{Store, StoreOptions};

#[derive(Parser)]
#[command(name = "minhu", version, about = "民呼必应 Minhu — civic request response system", long_about = None)]
pub struct Cli {
    /// Database URL: sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "MINHU_DATABASE_URL",
        default_value = "sqlite://minhu.db"
    )]
    pub database: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the HTTP server (JSON API, /healthz).
    Serve(serve::ServeArgs),
    /// Manage people.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// Manage API bearer tokens.
    Token {
        #[command(subcommand)]
        command: user::TokenCommand,
    },
    /// Deadline monitor.
    Sla {
        #[command(subcommand)]
        command: sla::SlaCommand,
    },
    /// The working-day calendar (holidays and 调休 make-up days).
    Calendar {
        #[command(subcommand)]
        command: calendar::CalendarCommand,
    },
    /// Classify Chinese request texts into categories.
    Classify {
        #[command(subcommand)]
        command: classify::ClassifyCommand,
    },
    /// Load the demo district into an empty database (as `serve --demo` does).
    Demo,
    /// Open311 GeoReport v2: API keys of client applications.
    Open311(open311::Open311Args),
    /// Import an upstream platform's export (CSV, xlsx, JSON) with a column mapping.
    Import(import::ImportArgs),
    /// The service catalogue (categories, Open311 service definitions, routes): load a file.
    Catalogue {
        #[command(subcommand)]
        command: catalogue::CatalogueCommand,
    },
    /// Ledgers (台账): daily register, weekly/monthly reports, 三率 ranking, refresh, benchmark.
    Ledger {
        #[command(subcommand)]
        command: ledger::LedgerCommand,
    },
    /// The grid base ledger (网格基础台账): import, export, generated samples.
    Grid {
        #[command(subcommand)]
        command: grid::GridCommand,
    },
    /// Generate a city of requests with whole histories (for tests and benchmarks).
    Gen(ledger::GenArgs),
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
    /// Measure the visit cadence and coverage queries on GRIDS grids × HOUSEHOLDS households.
    BenchGridCoverage {
        #[arg(long, default_value_t = 1000)]
        grids: usize,
        #[arg(long, default_value_t = 300)]
        households: usize,
        #[arg(long, default_value_t = 20)]
        rounds: usize,
    },
}

/// Runs the command.
pub async fn run(cli: Cli) -> Result<()> {
    let db = &cli.database;
    match cli.command {
        Command::Serve(args) => serve::run(db, args).await,
        Command::User { command } => user::user(db, command).await,
        Command::Token { command } => user::token(db, command).await,
        Command::Sla { command } => sla::run(db, command).await,
        Command::Calendar { command } => calendar::run(db, command).await,
        Command::Classify { command } => classify::run(db, command).await,
        Command::Open311(args) => open311::open311(db, args).await,
        Command::Import(args) => import::import(db, args).await,
        Command::Catalogue { command } => catalogue::run(db, command).await,
        Command::Demo => demo::run(db).await,
        Command::Bench { n, concurrency } => bench::store(db, n, concurrency).await,
        Command::BenchSweep { n, due } => bench::sweep::run(db, n, due).await,
        Command::BenchPages { n, rounds } => bench::pages::run(db, n, rounds).await,
        Command::BenchGridCoverage {
            grids,
            households,
            rounds,
        } => bench::grid_coverage::run(db, grids, households, rounds).await,
        Command::Ledger { command } => ledger::run(db, command).await,
        Command::Grid { command } => grid::run(db, command).await,
        Command::Gen(args) => ledger::gen_data(db, args).await,
    }
}

/// The store at `url`, with the default options.
pub async fn open(url: &str) -> Result<Store> {
    Store::open(url, StoreOptions::default())
        .await
        .with_context(|| format!("opening database {url}"))
}
