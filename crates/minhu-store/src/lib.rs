//! Storage for Minhu: one interface ([`Store`]) over SQLite (the embedded default) and
//! PostgreSQL. The same SQL text runs on both wherever the dialects agree (`$N` placeholders,
//! `RETURNING`, `ON CONFLICT`); each backend keeps its own migration folder, in step.
//!
//! Writes to requests go through one writer task that groups concurrent writes into a
//! single transaction (group commit): SQLite allows one writer at a time, so serialising
//! them here means no "database is locked" and one fsync per batch instead of one per
//! request. A caller is answered only after its batch has committed.

mod catalogue;
mod config_version;
pub mod ledger;
mod notify;
pub mod open311;
mod places;
mod rows;
mod web;
mod writer;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use minhu_domain::calendar::{Calendar, CalendarDay, DayKind, builtin_days};
use minhu_domain::org::{Jurisdiction, Level, Org, Role, Unit, UnitLevel};
use minhu_domain::request::{Event, Intake, Request, State, Warning};
use minhu_domain::sla::{SlaPolicy, SlaRule};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder, Sqlite};

pub use catalogue::DispatchRule;
pub use notify::{OutboxMessage, Subscription};
pub use places::normalize_address;
pub use rows::{RequestSummary, StoredUser};
pub use web::{Attachment, Dashboard, WallDetail};
pub use writer::{AppendOutcome, IntakeOutcome, OutboxItem, new_code};

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

/// Filter of a request queue.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only requests located under this jurisdiction path ("/D/S/C/").
    pub path_prefix: Option<String>,
    /// Only requests led or co-handled by this unit.
    pub unit: Option<String>,
    pub state: Option<State>,
    pub warning: Option<Warning>,
    /// Text search in subject and content, or an exact tracking code.
    pub q: Option<String>,
    /// Only these states (any when empty).
    pub states: Vec<State>,
    /// Only this category and those below it (code prefix).
    pub category: Option<String>,
    /// Leave out confidential requests (the public walls).
    pub public: bool,
    /// Only requests this person registered or acted on (the log's actor).
    pub actor: Option<String>,
    pub now: Option<DateTime<Utc>>,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

#[derive(Clone)]
pub struct Store {
    pub(crate) backend: Backend,
    writer: writer::WriterHandle,
    /// Folder for photo bytes beside an SQLite file; `None` keeps them in the database.
    files: Option<std::sync::Arc<std::path::PathBuf>>,
}

/// Copies the WAL back into the database file every quarter second without blocking the
/// writer (PASSIVE). Under a steady stream of writes a passive checkpoint never catches up
/// with the end of the log, so the log is never restarted; once it passes 64 MB a RESTART
/// checkpoint waits for the writer between two batches, finishes the copy and rewinds it.
/// Planner statistics where the tables changed enough since the last ones. Without them
/// SQLite guesses, and picked the state index over a community's path for its echo wall.
const OPTIMIZE: &str = "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002";

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
        if ticks % 2400 == 0 {
            if let Err(e) = sqlx::query(OPTIMIZE).execute(&pool).await {
                tracing::warn!(error = %e, "PRAGMA optimize failed");
            }
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

    // ---- organisation -------------------------------------------------------------

    pub async fn load_org(&self) -> Result<Org> {
        let (js, us): (Vec<rows::JurisdictionRow>, Vec<rows::UnitRow>) =
            on_pool!(&self.backend, read, |pool, DB| {
                (
                    sqlx::query_as(
                        "SELECT code, name, level, parent FROM jurisdictions ORDER BY sort, code",
                    )
                    .fetch_all(pool)
                    .await?,
                    sqlx::query_as(
                        "SELECT code, name, level, jurisdiction FROM units ORDER BY sort, code",
                    )
                    .fetch_all(pool)
                    .await?,
                )
            });
        let js = js
            .into_iter()
            .map(|r| {
                Ok(Jurisdiction {
                    level: Level::parse(&r.level).ok_or_else(|| {
                        StoreError::Corrupt(format!("jurisdiction level {}", r.level))
                    })?,
                    code: r.code,
                    name: r.name,
                    parent: r.parent,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let us = us
            .into_iter()
            .map(|r| {
                Ok(Unit {
                    level: UnitLevel::parse(&r.level)
                        .ok_or_else(|| StoreError::Corrupt(format!("unit level {}", r.level)))?,
                    code: r.code,
                    name: r.name,
                    jurisdiction: r.jurisdiction,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Org::new(js, us))
    }

    /// Inserts or updates jurisdictions and units (parents first), in one transaction.
    pub async fn upsert_org(&self, jurisdictions: &[Jurisdiction], units: &[Unit]) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            for (i, j) in jurisdictions.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO jurisdictions (code, name, level, parent, sort) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent, sort = excluded.sort",
                )
                .bind(&j.code)
                .bind(&j.name)
                .bind(j.level.as_str())
                .bind(&j.parent)
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
            }
            for (i, u) in units.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO units (code, name, level, jurisdiction, sort) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, jurisdiction = excluded.jurisdiction, sort = excluded.sort",
                )
                .bind(&u.code)
                .bind(&u.name)
                .bind(u.level.as_str())
                .bind(&u.jurisdiction)
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    // ---- people -------------------------------------------------------------------

    pub async fn add_user(
        &self,
        username: &str,
        display_name: Option<&str>,
        role: Role,
        scope: &str,
        password_hash: Option<&str>,
    ) -> Result<i64> {
        let now = Utc::now();
        let res: std::result::Result<i64, sqlx::Error> = on_pool!(
            &self.backend,
            write,
            |pool, DB| {
                sqlx::query_scalar(
                "INSERT INTO users (username, display_name, role, scope, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(username)
            .bind(display_name)
            .bind(role.as_str())
            .bind(scope)
            .bind(password_hash)
            .bind(now)
            .fetch_one(pool)
            .await
            }
        );
        match res {
            Ok(id) => Ok(id),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Duplicate(format!("user '{username}'")))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<StoredUser>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT id, username, display_name, role, scope, password_hash, disabled FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(pool)
                .await?
        }))
    }

    pub async fn set_password(&self, username: &str, password_hash: &str) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
                .bind(password_hash)
                .bind(username)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Stores the hash of a new bearer token.
    pub async fn add_token(
        &self,
        user_id: i64,
        token_hash: &str,
        label: Option<&str>,
    ) -> Result<()> {
        let now = Utc::now();
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4)")
                .bind(user_id)
                .bind(token_hash)
                .bind(label)
                .bind(now)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn revoke_tokens(&self, user_id: i64) -> Result<u64> {
        let now = Utc::now();
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// The live (not revoked, not disabled) user a token hash belongs to.
    pub async fn user_by_token_hash(&self, token_hash: &str) -> Result<Option<StoredUser>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT u.id, u.username, u.display_name, u.role, u.scope, u.password_hash, u.disabled
                 FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = FALSE",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        }))
    }

    // ---- calendar and SLA policy ----------------------------------------------------

    pub async fn calendar_days(&self) -> Result<Vec<CalendarDay>> {
        let rows: Vec<(String, String, String)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT day, kind, note FROM calendar_days ORDER BY day")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(day, kind, note)| {
                Ok(CalendarDay {
                    date: NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                        .map_err(|e| StoreError::Corrupt(format!("calendar day {day}: {e}")))?,
                    kind: DayKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("calendar kind {kind}")))?,
                    note,
                })
            })
            .collect()
    }

    pub async fn load_calendar(&self) -> Result<Calendar> {
        Ok(Calendar::new(self.calendar_days().await?))
    }

    pub async fn set_calendar_day(&self, day: &CalendarDay) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "INSERT INTO calendar_days (day, kind, note) VALUES ($1, $2, $3)
                 ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, note = excluded.note",
            )
            .bind(day.date.to_string())
            .bind(day.kind.as_str())
            .bind(&day.note)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Removes an override: the day falls back to the weekday rule.
    pub async fn clear_calendar_day(&self, date: NaiveDate) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("DELETE FROM calendar_days WHERE day = $1")
                .bind(date.to_string())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// The newest SLA policy version.
    pub async fn load_sla_policy(&self) -> Result<SlaPolicy> {
        let row: Option<(i64, Json<Vec<SlaRule>>)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT version, rules FROM sla_policies ORDER BY version DESC LIMIT 1")
                .fetch_optional(pool)
                .await?
        });
        Ok(match row {
            Some((version, Json(rules))) => SlaPolicy { version, rules },
            None => SlaPolicy::default_v1(),
        })
    }

    /// Saves a policy as a new version (versions are never edited in place).
    pub async fn save_sla_policy(&self, policy: &SlaPolicy, note: &str) -> Result<()> {
        let now = Utc::now();
        let res = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("INSERT INTO sla_policies (version, rules, note, created_at) VALUES ($1, $2, $3, $4)")
                .bind(policy.version)
                .bind(Json(&policy.rules))
                .bind(note)
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        });
        match res {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Duplicate(
                format!("SLA policy version {}", policy.version),
            )),
            Err(e) => Err(e.into()),
        }
    }

    // ---- requests -----------------------------------------------------------------

    /// Registers a request with its first event. Committed before this returns. Idempotent
    /// on (channel, external_id): a repeat answers with the request already stored.
    pub async fn intake(
        &self,
        intake: Intake,
        jpath: String,
        first: Event,
    ) -> Result<IntakeOutcome> {
        self.writer.intake(intake, jpath, first).await
    }

    /// Appends one event if the request is still at `expected_version` (optimistic
    /// concurrency), updating the projection from `after` in the same transaction.
    /// `outbox` holds the notifications the event causes; they commit with it.
    pub async fn append(
        &self,
        after: &Request,
        event: Event,
        outbox: Vec<OutboxItem>,
    ) -> Result<AppendOutcome> {
        self.writer.append(after.clone(), event, outbox).await
    }

    /// Loads a request and derives its state from its events (returned alongside).
    pub async fn load_request(&self, id: i64) -> Result<Option<(Request, Vec<Event>)>> {
        let row: Option<rows::RequestRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(rows::REQUEST_SELECT_BY_ID)
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        match row {
            None => Ok(None),
            Some(r) => self.hydrate(r).await.map(Some),
        }
    }

    pub async fn load_request_by_code(&self, code: &str) -> Result<Option<(Request, Vec<Event>)>> {
        let row: Option<rows::RequestRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(rows::REQUEST_SELECT_BY_CODE)
                .bind(code)
                .fetch_optional(pool)
                .await?
        });
        match row {
            None => Ok(None),
            Some(r) => self.hydrate(r).await.map(Some),
        }
    }

    pub async fn events(&self, request_id: i64) -> Result<Vec<Event>> {
        let rows: Vec<rows::EventRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT seq, action, at, actor, role, data FROM events WHERE request_id = $1 ORDER BY seq")
                .bind(request_id)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(rows::EventRow::into_event).collect()
    }

    async fn hydrate(&self, row: rows::RequestRow) -> Result<(Request, Vec<Event>)> {
        let id = row.id;
        let intake = row.into_intake()?;
        let events = self.events(id).await?;
        Ok((Request::replay(id, intake, &events), events))
    }

    /// A page of a queue, newest first.
    pub async fn list_requests(&self, f: &ListFilter) -> Result<Page<RequestSummary>> {
        let page_size = f.page_size.clamp(1, 200) as i64;
        let offset = (f.page.max(1) as i64 - 1) * page_size;
        let now = f.now.unwrap_or_else(Utc::now);
        macro_rules! filters {
            ($qb:expr, $co_like:literal) => {{
                let qb = $qb;
                qb.push(" WHERE 1=1");
                if let Some(p) = &f.path_prefix {
                    // Range scan on the path index: '/' + 1 == '0'.
                    let upper = format!("{}0", p.trim_end_matches('/'));
                    qb.push(" AND jpath >= ").push_bind(p.clone()).push(" AND jpath < ").push_bind(upper);
                }
                if let Some(u) = &f.unit {
                    qb.push(" AND (lead_unit = ").push_bind(u.clone()).push(concat!(" OR ", $co_like)).push_bind(format!("%\"{u}\"%")).push(")");
                }
                if let Some(s) = f.state {
                    qb.push(" AND state = ").push_bind(s.as_str());
                }
                if !f.states.is_empty() {
                    qb.push(" AND state IN (");
                    let mut sep = qb.separated(", ");
                    for s in &f.states {
                        sep.push_bind(s.as_str());
                    }
                    qb.push(")");
                }
                if let Some(c) = &f.category {
                    qb.push(" AND (category = ").push_bind(c.clone()).push(" OR category LIKE ").push_bind(format!("{}/%", c.replace('%', "").replace('_', ""))).push(")");
                }
                if f.public {
                    qb.push(" AND confidential = FALSE");
                }
                if let Some(a) = &f.actor {
                    qb.push(" AND id IN (SELECT request_id FROM events WHERE actor = ").push_bind(a.clone()).push(")");
                }
                match f.warning {
                    Some(Warning::Red) => {
                        qb.push(" AND state IN ('dispatched', 'return_requested', 'in_progress') AND deadline < ").push_bind(now);
                    }
                    Some(Warning::Yellow) => {
                        qb.push(" AND state IN ('dispatched', 'return_requested', 'in_progress') AND yellow_at <= ")
                            .push_bind(now)
                            .push(" AND deadline >= ")
                            .push_bind(now);
                    }
                    Some(Warning::None) => {
                        qb.push(" AND NOT (state IN ('dispatched', 'return_requested', 'in_progress') AND yellow_at <= ").push_bind(now).push(")");
                    }
                    None => {}
                }
                if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
                    let like = format!("%{}%", q.replace('%', "").replace('_', ""));
                    qb.push(" AND (code = ").push_bind(q.to_string()).push(" OR content LIKE ").push_bind(like.clone()).push(" OR subject LIKE ").push_bind(like).push(")");
                }
            }};
        }
        let (items, total): (Vec<rows::SummaryRow>, i64) = match &self.backend {
            Backend::Sqlite { read, .. } => {
                // The page's ids first, from the indexes alone; then only those rows (a deep
                // page would otherwise sort every matching row with its text).
                let mut qb = QueryBuilder::<Sqlite>::new(rows::SUMMARY_SELECT);
                qb.push(" WHERE id IN (SELECT id FROM requests");
                filters!(&mut qb, "co_units LIKE ");
                qb.push(" ORDER BY id DESC LIMIT ")
                    .push_bind(page_size)
                    .push(" OFFSET ")
                    .push_bind(offset)
                    .push(") ORDER BY id DESC");
                let items = qb.build_query_as().fetch_all(read).await?;
                let mut cq = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM requests");
                filters!(&mut cq, "co_units LIKE ");
                (items, cq.build_query_scalar().fetch_one(read).await?)
            }
            Backend::Postgres(pg) => {
                // The page's ids first, from the indexes alone; then only those rows (a deep
                // page would otherwise sort every matching row with its text).
                let mut qb = QueryBuilder::<Postgres>::new(rows::SUMMARY_SELECT);
                qb.push(" WHERE id IN (SELECT id FROM requests");
                filters!(&mut qb, "co_units::text LIKE ");
                qb.push(" ORDER BY id DESC LIMIT ")
                    .push_bind(page_size)
                    .push(" OFFSET ")
                    .push_bind(offset)
                    .push(") ORDER BY id DESC");
                let items = qb.build_query_as().fetch_all(pg).await?;
                let mut cq = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM requests");
                filters!(&mut cq, "co_units::text LIKE ");
                (items, cq.build_query_scalar().fetch_one(pg).await?)
            }
        };
        let items = items
            .into_iter()
            .map(|r| r.into_summary(now))
            .collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total })
    }

    pub async fn count_requests(&self) -> Result<i64> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT COUNT(*) FROM requests")
                .fetch_one(pool)
                .await?
        }))
    }

    /// Writes a whole history at once (demo data, imports of closed history): each request
    /// with its events, in one transaction, bypassing the writer queue.
    pub async fn bulk_insert(&self, items: &[(Request, String, Vec<Event>)]) -> Result<()> {
        // The same multi-row path as generated data, one transaction per chunk.
        for chunk in items.chunks(20_000) {
            self.insert_generated(chunk).await?;
        }
        Ok(())
    }

    /// Records a read or export of personal fields.
    pub async fn log_access(
        &self,
        actor: &str,
        role: &str,
        request_id: Option<i64>,
        fields: &str,
        purpose: &str,
    ) -> Result<()> {
        let now = Utc::now();
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("INSERT INTO access_log (at, actor, role, request_id, fields, purpose) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(now)
                .bind(actor)
                .bind(role)
                .bind(request_id)
                .bind(fields)
                .bind(purpose)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn access_log_count(&self, request_id: i64) -> Result<i64> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT COUNT(*) FROM access_log WHERE request_id = $1")
                .bind(request_id)
                .fetch_one(pool)
                .await?
        }))
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
