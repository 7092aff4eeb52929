//! Storage for the upstream channels: the service catalogue (categories, which Open311 lists
//! as services), Open311 API keys (hashed), batch tokens, client updates, the public listing
//! of requests that Open311 serves, and a bulk intake path for imports.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use minhu_domain::request::{Event, Intake, Request, State};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;

use crate::{Result, Store, StoreError, on_pool, rows, writer};

/// One entry of the catalogue: an accepted class (no parent) or a service under one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    pub group: String,
    pub description: String,
    pub keywords: String,
    /// The label path (一级/二级/三级) older requests carry instead of the code.
    pub path: Option<String>,
    /// `realtime` or `batch`.
    pub service_type: String,
    /// Open311 attributes of the service definition.
    pub attributes: serde_json::Value,
    pub active: bool,
}

#[derive(sqlx::FromRow)]
struct CategoryRow {
    code: String,
    name: String,
    parent: Option<String>,
    group_name: String,
    description: String,
    keywords: String,
    path: Option<String>,
    service_type: String,
    attributes: Json<serde_json::Value>,
    active: bool,
}

impl From<CategoryRow> for Category {
    fn from(r: CategoryRow) -> Self {
        Category {
            code: r.code,
            name: r.name,
            parent: r.parent,
            group: r.group_name,
            description: r.description,
            keywords: r.keywords,
            path: r.path,
            service_type: r.service_type,
            attributes: r.attributes.0,
            active: r.active,
        }
    }
}

/// A live Open311 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311Key {
    pub id: i64,
    pub name: String,
}

/// An update a client POSTed (servicerequestupdates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUpdate {
    pub update_id: String,
    pub request_id: i64,
    pub event_seq: Option<i64>,
}

/// What Open311's GET requests may filter on.
#[derive(Debug, Clone, Default)]
pub struct Open311Filter {
    /// Tracking codes (`service_request_id`); when set, the other filters are ignored.
    pub codes: Option<Vec<String>>,
    /// Category codes or label paths (`service_code`).
    pub categories: Option<Vec<String>>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    pub updated_before: Option<DateTime<Utc>>,
    /// Some(true): open requests only; Some(false): closed only.
    pub open: Option<bool>,
    /// Only requests under this jurisdiction path ("/D/S/").
    pub path_prefix: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// The public facts of a request that Open311 shows. No personal fields are read.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicRequest {
    pub id: i64,
    pub code: String,
    pub state: String,
    pub channel: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub category: Option<String>,
    pub subject: Option<String>,
    pub content: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub jurisdiction: String,
    pub lead_unit: Option<String>,
    pub deadline: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

const PUBLIC_SELECT: &str = "SELECT id, code, state, channel, type, category, subject, content, address, lat, lon, jurisdiction, \
     lead_unit, deadline, received_at, updated_at, closed_at FROM requests";

/// Result of one row of a bulk intake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkOutcome {
    Created {
        id: i64,
        code: String,
    },
    /// (channel, external_id) was stored before: this is that request.
    Existing {
        id: i64,
        code: String,
    },
}

/// Columns of a request row, in the order [`bulk_intake`](Store::bulk_intake) binds them.
const REQUEST_INSERT: &str = "INSERT INTO requests (code, channel, type, subject, content, requester_name, requester_phone, address, lat, lon,
    jurisdiction, jpath, category, confidential, external_id, received_at,
    state, tier, lead_unit, co_units, difficulty, urgency, deadline, yellow_at, sla_version, urge_count, updated_at, closed_at, version) ";

/// 29 parameters a row: 1,000 rows stay under SQLite's limit of 32,766 parameters.
const ROWS_PER_INSERT: usize = 1000;

fn open_states() -> Vec<&'static str> {
    State::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}

impl Store {
    // ---- the catalogue ------------------------------------------------------------

    /// Inserts or updates catalogue entries (parents first), in one transaction.
    pub async fn upsert_categories(&self, items: &[Category]) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            for (i, c) in items.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO categories (code, name, parent, group_name, description, keywords, path, service_type, attributes, active, sort)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent, group_name = excluded.group_name,
                        description = excluded.description, keywords = excluded.keywords, path = excluded.path,
                        service_type = excluded.service_type, attributes = excluded.attributes, active = excluded.active, sort = excluded.sort",
                )
                .bind(&c.code)
                .bind(&c.name)
                .bind(&c.parent)
                .bind(&c.group)
                .bind(&c.description)
                .bind(&c.keywords)
                .bind(&c.path)
                .bind(&c.service_type)
                .bind(Json(&c.attributes))
                .bind(c.active)
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The whole catalogue, in its order.
    pub async fn categories(&self) -> Result<Vec<Category>> {
        let rows: Vec<CategoryRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT code, name, parent, group_name, description, keywords, path, service_type, attributes, active
                 FROM categories ORDER BY sort, code",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(Category::from).collect())
    }

    // ---- Open311 keys ---------------------------------------------------------------

    /// Stores the hash of a new key under a client's name; returns its id.
    pub async fn add_open311_key(&self, name: &str, key_hash: &str) -> Result<i64> {
        let now = Utc::now();
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar(
                "INSERT INTO open311_keys (name, key_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(name)
            .bind(key_hash)
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Revokes every live key of a client; returns how many.
    pub async fn revoke_open311_keys(&self, name: &str) -> Result<u64> {
        let now = Utc::now();
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "UPDATE open311_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(name)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// The live key with this hash.
    pub async fn open311_key(&self, key_hash: &str) -> Result<Option<Open311Key>> {
        let row: Option<(i64, String)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT id, name FROM open311_keys WHERE key_hash = $1 AND revoked_at IS NULL",
            )
            .bind(key_hash)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(id, name)| Open311Key { id, name }))
    }

    // ---- tokens and updates -----------------------------------------------------------

    pub async fn add_open311_token(&self, token: &str, request_id: i64, key_id: i64) -> Result<()> {
        let now = Utc::now();
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "INSERT INTO open311_tokens (token, request_id, key_id, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (token) DO NOTHING",
            )
            .bind(token)
            .bind(request_id)
            .bind(key_id)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The tracking code a token resolved to.
    pub async fn open311_token(&self, token: &str) -> Result<Option<String>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar(
                "SELECT r.code FROM open311_tokens t JOIN requests r ON r.id = t.request_id WHERE t.token = $1",
            )
            .bind(token)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The token a request was answered with, if it came in through a batch service.
    pub async fn open311_token_of(&self, request_id: i64) -> Result<Option<String>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT token FROM open311_tokens WHERE request_id = $1")
                .bind(request_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    pub async fn open311_update(
        &self,
        key_id: i64,
        update_id: &str,
    ) -> Result<Option<StoredUpdate>> {
        let row: Option<(String, i64, Option<i64>)> = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_as(
                "SELECT update_id, request_id, event_seq FROM open311_updates WHERE key_id = $1 AND update_id = $2",
            )
            .bind(key_id)
            .bind(update_id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(update_id, request_id, event_seq)| StoredUpdate {
            update_id,
            request_id,
            event_seq,
        }))
    }

    /// Records a client's update; false when (key, update_id) was recorded before.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_open311_update(
        &self,
        key_id: i64,
        update_id: &str,
        request_id: i64,
        status: &str,
        description: &str,
        updated_datetime: DateTime<Utc>,
        event_seq: Option<i64>,
    ) -> Result<bool> {
        let now = Utc::now();
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "INSERT INTO open311_updates (key_id, update_id, request_id, status, description, updated_datetime, received_at, event_seq)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (key_id, update_id) DO NOTHING",
            )
            .bind(key_id)
            .bind(update_id)
            .bind(request_id)
            .bind(status)
            .bind(description)
            .bind(updated_datetime)
            .bind(now)
            .bind(event_seq)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Records a media item of a request: a URL the client gave, or an uploaded file.
    pub async fn add_open311_media(
        &self,
        request_id: i64,
        url: Option<&str>,
        file: Option<(&str, &str, &[u8])>,
    ) -> Result<i64> {
        let now = Utc::now();
        let (filename, content_type, data) = match file {
            Some((f, c, d)) => (Some(f), Some(c), Some(d)),
            None => (None, None, None),
        };
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar(
                "INSERT INTO open311_media (request_id, url, filename, content_type, data, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(request_id)
            .bind(url)
            .bind(filename)
            .bind(content_type)
            .bind(data)
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    /// An uploaded file: (content type, bytes), unless the request is confidential.
    pub async fn open311_media_file(&self, id: i64) -> Result<Option<(String, Vec<u8>)>> {
        let row: Option<(Option<String>, Option<Vec<u8>>)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                sqlx::query_as(
                "SELECT m.content_type, m.data FROM open311_media m JOIN requests r ON r.id = m.request_id
                 WHERE m.id = $1 AND r.confidential = FALSE",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
            }
        );
        Ok(match row {
            Some((Some(ct), Some(data))) => Some((ct, data)),
            _ => None,
        })
    }

    /// The media of several requests, oldest first: (media id, the client's URL if any).
    pub async fn open311_media_of(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<(i64, Option<String>)>>> {
        let mut out: HashMap<i64, Vec<(i64, Option<String>)>> = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(i64, i64, Option<String>)> =
                on_pool!(&self.backend, read, |pool, DB| {
                    let mut qb = sqlx::QueryBuilder::<DB>::new(
                        "SELECT request_id, id, url FROM open311_media WHERE request_id IN (",
                    );
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    qb.push(") ORDER BY request_id, id");
                    qb.build_query_as().fetch_all(pool).await?
                });
            for (rid, id, url) in rows {
                out.entry(rid).or_default().push((id, url));
            }
        }
        Ok(out)
    }

    // ---- the public listing -------------------------------------------------------------

    /// Requests as Open311 lists them: never confidential ones, newest first.
    pub async fn open311_requests(&self, f: &Open311Filter) -> Result<Vec<PublicRequest>> {
        macro_rules! build {
            ($qb:expr) => {{
                let qb = $qb;
                qb.push(" WHERE confidential = FALSE");
                if let Some(codes) = &f.codes {
                    qb.push(" AND code IN (");
                    let mut sep = qb.separated(", ");
                    for c in codes {
                        sep.push_bind(c.clone());
                    }
                    qb.push(")");
                } else {
                    if let Some(cats) = &f.categories {
                        qb.push(" AND category IN (");
                        let mut sep = qb.separated(", ");
                        for c in cats {
                            sep.push_bind(c.clone());
                        }
                        qb.push(")");
                    }
                    if let Some(t) = f.start {
                        qb.push(" AND received_at >= ").push_bind(t);
                    }
                    if let Some(t) = f.end {
                        qb.push(" AND received_at <= ").push_bind(t);
                    }
                    if let Some(t) = f.updated_after {
                        qb.push(" AND updated_at >= ").push_bind(t);
                    }
                    if let Some(t) = f.updated_before {
                        qb.push(" AND updated_at <= ").push_bind(t);
                    }
                    if let Some(open) = f.open {
                        qb.push(if open {
                            " AND state IN ("
                        } else {
                            " AND state NOT IN ("
                        });
                        let mut sep = qb.separated(", ");
                        for s in open_states() {
                            sep.push_bind(s);
                        }
                        qb.push(")");
                    }
                    if let Some(p) = &f.path_prefix {
                        let upper = format!("{}0", p.trim_end_matches('/'));
                        qb.push(" AND jpath >= ")
                            .push_bind(p.clone())
                            .push(" AND jpath < ")
                            .push_bind(upper);
                    }
                }
                qb.push(" ORDER BY received_at DESC, id DESC LIMIT ")
                    .push_bind(f.limit)
                    .push(" OFFSET ")
                    .push_bind(f.offset);
            }};
        }
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            let mut qb = sqlx::QueryBuilder::<DB>::new(PUBLIC_SELECT);
            build!(&mut qb);
            qb.build_query_as().fetch_all(pool).await?
        }))
    }

    /// The events of several requests, by request id (for Open311 notes).
    pub async fn events_of(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<Event>>> {
        let mut out: HashMap<i64, Vec<Event>> = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(
                i64,
                i64,
                String,
                DateTime<Utc>,
                String,
                String,
                Json<serde_json::Value>,
            )> = on_pool!(&self.backend, read, |pool, DB| {
                let mut qb = sqlx::QueryBuilder::<DB>::new(
                    "SELECT request_id, seq, action, at, actor, role, data FROM events WHERE request_id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(") ORDER BY request_id, seq");
                qb.build_query_as().fetch_all(pool).await?
            });
            for (rid, seq, action, at, actor, role, data) in rows {
                let e = rows::EventRow {
                    seq,
                    action,
                    at,
                    actor,
                    role,
                    data,
                }
                .into_event()?;
                out.entry(rid).or_default().push(e);
            }
        }
        Ok(out)
    }

    /// Events between two instants on requests that are not confidential, oldest first,
    /// with the request they belong to and all its events (for GET servicerequestupdates).
    pub async fn public_events_between(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(PublicRequest, Vec<Event>, i64)>> {
        let hits: Vec<(i64, i64)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT e.request_id, e.seq FROM events e JOIN requests r ON r.id = e.request_id
                 WHERE e.at >= $1 AND e.at <= $2 AND r.confidential = FALSE ORDER BY e.at, e.id LIMIT $3",
            )
            .bind(start)
            .bind(end)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        let ids: Vec<i64> = hits
            .iter()
            .map(|(r, _)| *r)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let events = self.events_of(&ids).await?;
        let mut reqs: HashMap<i64, PublicRequest> = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<PublicRequest> = on_pool!(&self.backend, read, |pool, DB| {
                let mut qb = sqlx::QueryBuilder::<DB>::new(PUBLIC_SELECT);
                qb.push(" WHERE id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(")");
                qb.build_query_as().fetch_all(pool).await?
            });
            reqs.extend(rows.into_iter().map(|r| (r.id, r)));
        }
        let mut out = Vec::with_capacity(hits.len());
        for (rid, seq) in hits {
            let (Some(r), Some(evs)) = (reqs.get(&rid), events.get(&rid)) else {
                continue;
            };
            if evs.iter().any(|e| e.seq == seq) {
                out.push((r.clone(), evs.clone(), seq));
            }
        }
        Ok(out)
    }

    // ---- bulk intake (imports) --------------------------------------------------------------

    /// Registers many validated intakes at once, each with its first event, in one
    /// transaction: multi-row INSERTs, idempotent on (channel, external_id). Outcomes are
    /// in the order of `items`. Tracking codes that collide are drawn again. The endpoints
    /// of the channel (`channel:NAME` webhooks) are told of each registration, in the same
    /// transaction; a repeat of a stored upstream id changes nothing and tells no one.
    pub async fn bulk_intake(
        &self,
        items: Vec<(Intake, String, Event)>,
    ) -> Result<Vec<BulkOutcome>> {
        let mut out: Vec<Option<BulkOutcome>> = vec![None; items.len()];
        // Projections (owning their intakes), with codes unique within the batch.
        let mut seen: HashSet<String> = HashSet::with_capacity(items.len());
        let mut jpaths = Vec::with_capacity(items.len());
        let mut firsts = Vec::with_capacity(items.len());
        let mut pending: Vec<(usize, Request)> = Vec::with_capacity(items.len());
        for (k, (intake, jpath, first)) in items.into_iter().enumerate() {
            let mut r = Request::replay(0, intake, std::slice::from_ref(&first));
            while !seen.insert(r.intake.code.clone()) {
                r.intake.code = writer::new_code(r.intake.received_at);
            }
            jpaths.push(jpath);
            firsts.push(first);
            pending.push((k, r));
        }
        let is_sqlite = self.backend_name() == "sqlite";
        on_pool!(&self.backend, write, |pool, DB| {
            // SQLite: the write lock from the start (BEGIN IMMEDIATE), so no read of this
            // transaction can pin a snapshot that a checkpoint makes stale before it writes.
            let mut tx = if is_sqlite {
                pool.begin_with("BEGIN IMMEDIATE").await?
            } else {
                pool.begin().await?
            };
            // SQLite: with foreign keys checked at commit and INSERT OR IGNORE, no statement
            // can abort half-way, so SQLite keeps no statement journal for the multi-row
            // INSERTs (measured: it cost a sixth of an import). Rows were validated before.
            let sqlite = is_sqlite;
            if sqlite {
                sqlx::query("PRAGMA defer_foreign_keys = ON")
                    .execute(&mut *tx)
                    .await?;
            }
            let (insert_requests, insert_events) = if sqlite {
                (
                    REQUEST_INSERT.replacen("INSERT INTO", "INSERT OR IGNORE INTO", 1),
                    "INSERT OR IGNORE INTO events (request_id, seq, action, at, actor, role, data) ",
                )
            } else {
                (
                    REQUEST_INSERT.to_string(),
                    "INSERT INTO events (request_id, seq, action, at, actor, role, data) ",
                )
            };
            let on_conflict = if sqlite {
                ""
            } else {
                " ON CONFLICT DO NOTHING"
            };
            // The endpoints of channels hear of each registration (see `notify`). Read once
            // this transaction holds the write lock (SQLite: a read first would pin a
            // snapshot that the checkpointer may make stale before the first write).
            let mut subs: Option<Vec<crate::notify::Subscription>> = None;
            let mut notices = Vec::new();
            for _round in 0..8 {
                if pending.is_empty() {
                    break;
                }
                let mut inserted: HashMap<String, i64> = HashMap::with_capacity(pending.len());
                // Each multi-row INSERT is bound (on this thread) while the one before runs
                // (on the database's thread): binding cost as much as executing, in turn.
                let chunks: Vec<&[(usize, Request)]> = pending.chunks(ROWS_PER_INSERT).collect();
                let build = |chunk: &[(usize, Request)]| {
                    let mut qb = sqlx::QueryBuilder::<DB>::new(insert_requests.as_str());
                    qb.push_values(chunk, |mut b, (k, r)| {
                        crate::writer::push_request_values!(
                            b,
                            r.intake.code.as_str(),
                            jpaths[*k].as_str(),
                            r
                        );
                    });
                    // SQLite numbers the rows of one INSERT consecutively, in order (one
                    // writer, AUTOINCREMENT): no RETURNING needed (its rows were a third
                    // of the statement's cost); checked below.
                    if !sqlite {
                        qb.push(on_conflict).push(" RETURNING id, code");
                    }
                    qb
                };
                // The highest id so far: a statement's rows have ids above it. (An ignored
                // row may burn an id, so the range of a statement is not `changes()` long.)
                let mut prev_last: i64 = if sqlite {
                    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM requests")
                        .fetch_one(&mut *tx)
                        .await?
                } else {
                    0
                };
                let mut next = chunks.first().map(|c| build(c));
                for (i, chunk) in chunks.iter().enumerate() {
                    let mut qb = next.take().expect("built");
                    let run = async {
                        if !sqlite {
                            let got: Vec<(i64, String)> =
                                qb.build_query_as().fetch_all(&mut *tx).await?;
                            return Ok::<_, StoreError>((got, 0));
                        }
                        qb.build().execute(&mut *tx).await?;
                        let (last, n, first_code, last_code): (i64, i64, Option<String>, Option<String>) =
                            sqlx::query_as(
                                "SELECT last_insert_rowid(), changes(),
                                    (SELECT code FROM requests WHERE id = last_insert_rowid() - changes() + 1),
                                    (SELECT code FROM requests WHERE id = last_insert_rowid())",
                            )
                            .fetch_one(&mut *tx)
                            .await?;
                        let in_order = n == chunk.len() as i64
                            && first_code.as_deref()
                                == chunk.first().map(|(_, r)| r.intake.code.as_str())
                            && last_code.as_deref()
                                == chunk.last().map(|(_, r)| r.intake.code.as_str());
                        if in_order {
                            let got = (last - n + 1..=last)
                                .zip(chunk.iter())
                                .map(|(id, (_, r))| (id, r.intake.code.clone()))
                                .collect();
                            return Ok((got, last));
                        }
                        if n == 0 {
                            return Ok((Vec::new(), prev_last));
                        }
                        // Some rows were ignored (repeats): read the new ones back.
                        let got = sqlx::query_as(
                            "SELECT id, code FROM requests WHERE id > $1 AND id <= $2",
                        )
                        .bind(prev_last)
                        .bind(last)
                        .fetch_all(&mut *tx)
                        .await?;
                        Ok((got, last))
                    };
                    let (got, built) =
                        tokio::join!(run, async { chunks.get(i + 1).map(|c| build(c)) });
                    let (got, last) = got?;
                    prev_last = last;
                    inserted.extend(got.into_iter().map(|(id, code)| (code, id)));
                    next = built;
                }
                if subs.is_none() {
                    subs = Some(
                        sqlx::query_as(crate::notify::CHANNEL_SUBSCRIPTIONS)
                            .fetch_all(&mut *tx)
                            .await?,
                    );
                }
                let subs = subs.as_deref().unwrap_or_default();
                let created: Vec<(i64, usize)> = pending
                    .iter()
                    .filter_map(|(k, r)| inserted.get(&r.intake.code).map(|id| (*id, *k)))
                    .collect();
                for chunk in created.chunks(ROWS_PER_INSERT * 4) {
                    let mut qb = sqlx::QueryBuilder::<DB>::new(insert_events);
                    qb.push_values(chunk, |mut b, (id, k)| {
                        let e = &firsts[*k];
                        b.push_bind(*id)
                            .push_bind(e.seq)
                            .push_bind(e.data.action())
                            .push_bind(e.at)
                            .push_bind(e.actor.as_str())
                            .push_bind(e.role.as_str())
                            .push_bind(Json(e.data.fields()));
                    });
                    qb.build().execute(&mut *tx).await?;
                }
                // The rest: repeats of an upstream id, or a tracking code already taken.
                let mut missing = Vec::new();
                for (k, mut r) in pending {
                    let Some(id) = inserted.get(&r.intake.code) else {
                        missing.push((k, r));
                        continue;
                    };
                    if !subs.is_empty() {
                        r.id = *id;
                        let first = &firsts[k];
                        for m in crate::notify::registration_notices(subs, &r, first) {
                            notices.push((*id, first.seq, first.at, m));
                        }
                    }
                    out[k] = Some(BulkOutcome::Created {
                        id: *id,
                        code: std::mem::take(&mut r.intake.code),
                    });
                }
                // Stored upstream ids among them, looked up many at a time.
                let mut stored: HashMap<(String, String), (i64, String)> = HashMap::new();
                let mut wanted: HashMap<&'static str, Vec<&str>> = HashMap::new();
                for (_, r) in &missing {
                    if let Some(ext) = &r.intake.external_id {
                        wanted
                            .entry(r.intake.channel.as_str())
                            .or_default()
                            .push(ext.as_str());
                    }
                }
                for (channel, ids) in &wanted {
                    for chunk in ids.chunks(900) {
                        let mut qb = sqlx::QueryBuilder::<DB>::new(
                            "SELECT external_id, id, code FROM requests WHERE channel = ",
                        );
                        qb.push_bind(*channel).push(" AND external_id IN (");
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(")");
                        let rows: Vec<(String, i64, String)> =
                            qb.build_query_as().fetch_all(&mut *tx).await?;
                        for (ext, id, code) in rows {
                            stored.insert((channel.to_string(), ext), (id, code));
                        }
                    }
                }
                let mut retry = Vec::new();
                for (k, mut r) in missing {
                    if let Some(ext) = &r.intake.external_id {
                        let key = (r.intake.channel.as_str().to_string(), ext.clone());
                        if let Some((id, code)) = stored.get(&key) {
                            out[k] = Some(BulkOutcome::Existing {
                                id: *id,
                                code: code.clone(),
                            });
                            continue;
                        }
                    }
                    loop {
                        r.intake.code = writer::new_code(r.intake.received_at);
                        if seen.insert(r.intake.code.clone()) {
                            break;
                        }
                    }
                    retry.push((k, r));
                }
                pending = retry;
            }
            if !pending.is_empty() {
                return Err(StoreError::Corrupt(
                    "could not allocate tracking codes for an import batch".into(),
                ));
            }
            crate::notify::insert_outbox!(tx, DB, &notices);
            tx.commit().await?;
        });
        Ok(out
            .into_iter()
            .map(|o| o.expect("every row answered"))
            .collect())
    }

    /// Which of these upstream ids of a channel are stored already.
    pub async fn existing_external_ids(
        &self,
        channel: &str,
        ids: &[String],
    ) -> Result<HashSet<String>> {
        let mut out = HashSet::new();
        for chunk in ids.chunks(900) {
            let rows: Vec<String> = on_pool!(&self.backend, read, |pool, DB| {
                let mut qb = sqlx::QueryBuilder::<DB>::new(
                    "SELECT external_id FROM requests WHERE channel = ",
                );
                qb.push_bind(channel.to_string())
                    .push(" AND external_id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(id.clone());
                }
                qb.push(")");
                qb.build_query_scalar().fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }
}
