//! Storage for Minhu: one interface ([`Store`]) over SQLite (the embedded default) and
//! PostgreSQL. The same SQL text runs on both wherever the dialects agree (`$N` placeholders,
//! `RETURNING`, `ON CONFLICT`); each backend keeps its own migration folder, in step.
//!
//! Writes to requests go through one writer task that groups concurrent writes into a
//! single transaction (group commit): SQLite allows one writer at a time, so serialising
//! them here means no "database is locked" and one fsync per batch instead of one per
//! request. A caller is answered only after its batch has committed.
//!
//! One module per aggregate, each adding its methods to the one [`Store`]: `requests`
//! (queries and the projection), `writer` (group commit), `bulk` (imports and histories),
//! `org`, `calendar`, `catalogue`, `places`, `sessions`, `api_keys`, `attachments`, `wall`,
//! `outbox`, `upstream`, [`ledger`], `training` and `access_log`. This file opens the
//! database and holds the options, the errors and the backend macros. The types the
//! domain owns (categories, dispatch rules, subscriptions, outbox messages, the ledger
//! facts) come from `minhu_domain`; the store only maps them to rows.

mod access_log;
mod action_item;
mod action_item_figures;
mod api_keys;
mod attachments;
mod bulk;
mod calendar;
mod catalogue;
mod config_version;
pub mod council;
mod document_number;
mod exclusions;
pub mod grid_import;
pub mod grid_ledger;
mod grid_meeting;
mod joint_meeting;
pub mod ledger;
mod ledger_horizon;
mod login_attempts;
mod org;
mod outbox;
pub mod patrol;
mod places;
mod publication;
mod rating;
mod requests;
mod rows;
mod sessions;
pub mod suggestion;
pub mod topic;
mod training;
mod upstream;
mod wall;
mod writer;

use std::str::FromStr;
use std::time::Duration;

use minhu_domain::calendar::builtin_days;
use minhu_domain::sla::SlaPolicy;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use action_item::{ItemFilter, ItemNotices, ItemRow, NumberDraw};
pub use attachments::Attachment;
pub use catalogue::DispatchRule;
pub use exclusions::ExclusionProposal;
pub use grid_meeting::{BoardPost, MeetingIssue};
pub use joint_meeting::{CandidateMove, DecisionIssue, LedgerLine};
pub use outbox::{Delivery, Failure, OutboxMessage, Subscription};
pub use places::normalize_address;
pub use publication::PublicationRow;
pub use rating::StoredRatingKey;
pub use requests::{Dashboard, ListFilter, Page};
pub use rows::{RequestSummary, StoredUser};
pub use training::TrainingRow;
pub use wall::WallDetail;
pub use writer::{AppendOutcome, IntakeOutcome, OutboxItem, RatingIssue, new_code};

/// The old home of the upstream channels' types (named after its consumer, Open311): they
/// live in their aggregates' modules now and are re-exported here so callers compile.
pub mod open311 {
    pub use crate::api_keys::Open311Key;
    pub use crate::bulk::BulkOutcome;
    // `Category` moved to the domain (`minhu_domain::catalogue`).
    pub use crate::catalogue::Category;
    pub use crate::upstream::{Open311Filter, PublicRequest, StoredUpdate};
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL '{0}': use sqlite://FILE or postgres://…")]
    BadUrl(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("the writer task has stopped")]
    WriterGone,
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone)]
pub(crate) enum Backend {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// Runs the same body against whichever pool the store holds. `$pool` is bound to a
/// `&SqlitePool` or a `&PgPool`; `$qb` names the query-builder database type.
macro_rules! on_pool {
    ($backend:expr, read, |$pool:ident, $db:ident| $body:expr) => {
        match $backend {
            $crate::Backend::Sqlite { read, .. } => {
                #[allow(unused)]
                type $db = sqlx::Sqlite;
                let $pool = read;
                $body
            }
            $crate::Backend::Postgres(pg) => {
                #[allow(unused)]
                type $db = sqlx::Postgres;
                let $pool = pg;
                $body
            }
        }
    };
    ($backend:expr, write, |$pool:ident, $db:ident| $body:expr) => {
        match $backend {
            $crate::Backend::Sqlite { write, .. } => {
                #[allow(unused)]
                type $db = sqlx::Sqlite;
                let $pool = write;
                $body
            }
            $crate::Backend::Postgres(pg) => {
                #[allow(unused)]
                type $db = sqlx::Postgres;
                let $pool = pg;
                $body
            }
        }
    };
}
pub(crate) use on_pool;

/// Compiles the items once per backend, into modules `sqlite` and `postgres` of the calling
/// module: there `DB` names the database type, `Conn` its connection and `SQLITE` which one
/// it is. A write of several steps over one transaction is written once this way, as named
/// functions, where `on_pool!` would hold every step in one body.
macro_rules! per_backend {
    ($($item:item)*) => {
        pub(crate) mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused)]
            pub(crate) type DB = sqlx::Sqlite;
            #[allow(unused)]
            pub(crate) type Conn = sqlx::SqliteConnection;
            #[allow(unused)]
            pub(crate) const SQLITE: bool = true;
            $($item)*
        }
        pub(crate) mod postgres {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused)]
            pub(crate) type DB = sqlx::Postgres;
            #[allow(unused)]
            pub(crate) type Conn = sqlx::PgConnection;
            #[allow(unused)]
            pub(crate) const SQLITE: bool = false;
            $($item)*
        }
    };
}
pub(crate) use per_backend;

/// Options a deployment can set.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// SQLite: fsync the WAL on every commit (FULL). NORMAL survives a process crash but not
    /// a power loss; FULL survives both. Default FULL: an acknowledged request is on disk.
    pub sqlite_full_sync: bool,
    pub max_batch: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            sqlite_full_sync: true,
            max_batch: 512,
        }
    }
}

#[derive(Clone)]
pub struct Store {
    pub(crate) backend: Backend,
    writer: writer::WriterHandle,
    /// Folder for photo bytes beside an SQLite file; `None` keeps them in the database.
    files: Option<std::sync::Arc<std::path::PathBuf>>,
}

/// Planner statistics where the tables changed enough since the last ones. Without them
/// SQLite guesses, and picked the state index over a community's path for its echo wall.
const OPTIMIZE: &str = "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002";

/// Copies the WAL back into the database file every quarter second without blocking the
/// writer (PASSIVE). Under a steady stream of writes a passive checkpoint never catches up
/// with the end of the log, so the log is never restarted; once it passes 64 MB a RESTART
/// checkpoint waits for the writer between two batches, finishes the copy and rewinds it.
async fn checkpointer(pool: SqlitePool) {
    const RESTART_FRAMES: i64 = 16_384; // 64 MB of 4 KB pages
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut ticks: u64 = 0;
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        // Statistics for the query planner, refreshed every 10 minutes when the tables have
        // changed enough (and once at open, before any load).
        ticks += 1;
        if ticks.is_multiple_of(2400)
            && let Err(e) = sqlx::query(OPTIMIZE).execute(&pool).await
        {
            tracing::warn!(error = %e, "PRAGMA optimize failed");
        }
        let passive: std::result::Result<(i64, i64, i64), _> =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&pool)
                .await;
        let result = match passive {
            Ok((_, log_frames, _)) if log_frames > RESTART_FRAMES => {
                sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                    .execute(&pool)
                    .await
                    .map(|_| ())
            }
            other => other.map(|_| ()),
        };
        if let Err(e) = result {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

/// The photo folder for a file-backed SQLite URL: `<file>.files/` beside the database.
fn sqlite_files_dir(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite:")?;
    let path = path.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or("");
    if path.is_empty() || path.contains(":memory:") || path.starts_with("file:") {
        return None;
    }
    Some(std::path::PathBuf::from(format!("{path}.files")))
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `url`.
    pub async fn open(url: &str, options: StoreOptions) -> Result<Store> {
        let backend = if url.starts_with("sqlite:") {
            let connect = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(if options.sqlite_full_sync {
                    SqliteSynchronous::Full
                } else {
                    SqliteSynchronous::Normal
                })
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Room for the hot index pages as the tables grow (the default is 2 MB).
                .pragma("cache_size", "-65536");
            // The writer never checkpoints (that would stall every waiting intake behind a
            // burst of page copies and an fsync); a background task does, beside it.
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(connect.clone().pragma("wal_autocheckpoint", "0"))
                .await?;
            sqlx::migrate!("./migrations/sqlite").run(&write).await?;
            sqlx::query(OPTIMIZE).execute(&write).await?;
            // Readers map the file instead of copying pages through read() calls: long
            // report scans (the 100,000-row register) spend less time in the kernel.
            let read = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(
                    connect
                        .clone()
                        .read_only(true)
                        .pragma("mmap_size", "1073741824"),
                )
                .await?;
            let checkpoint = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(connect)
                .await?;
            tokio::spawn(checkpointer(checkpoint));
            Backend::Sqlite { read, write }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let connect = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .connect_with(connect)
                .await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            Backend::Postgres(pool)
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        let writer = writer::spawn(backend.clone(), options.max_batch);
        let files = sqlite_files_dir(url).map(std::sync::Arc::new);
        let store = Store {
            backend,
            writer,
            files,
        };
        store.seed_defaults().await?;
        Ok(store)
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Waits for pending writes and closes the pools.
    pub async fn close(self) {
        self.writer.shutdown().await;
        match self.backend {
            Backend::Sqlite { read, write } => {
                read.close().await;
                // Leave a compact database file behind: fold the WAL in before closing.
                let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&write)
                    .await;
                write.close().await;
            }
            Backend::Postgres(pg) => pg.close().await,
        }
    }

    /// A new database gets the built-in calendar and SLA policy version 1.
    async fn seed_defaults(&self) -> Result<()> {
        let has_policy: i64 = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT COUNT(*) FROM sla_policies")
                .fetch_one(pool)
                .await?
        });
        if has_policy == 0 {
            self.save_sla_policy(&SlaPolicy::default_v1(), "默认策略（种子文件与12345实践）")
                .await?;
            for day in builtin_days() {
                self.set_calendar_day(&day).await?;
            }
        }
        Ok(())
    }
}

/// For test suites: creates an empty, uniquely named PostgreSQL database next to the one
/// `admin_url` points at, and returns its URL.
pub async fn create_scratch_postgres(admin_url: &str) -> Result<String> {
    use rand::Rng;
    use sqlx::Connection;
    let name = format!("minhu_test_{:016x}", rand::rng().random::<u64>());
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let prefix = base.rsplit_once('/').map(|(p, _)| p).unwrap_or(base);
    Ok(format!("{prefix}/{name}{query}"))
}
