//! Writes of many requests at once, beside the writer queue: imports (validated intakes,
//! idempotent on the upstream id, their channels told in the same transaction) and whole
//! histories (demo data, generated cities, closed history).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use minhu_domain::notify::{OutboxItem, Subscription, registration_notices};
use minhu_domain::request::{Event, Intake, Request};
use sqlx::types::Json;

use crate::writer::{self, REQUEST_INSERT};
use crate::{Backend, Result, Store, StoreError, on_pool, per_backend};

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

/// 29 parameters a row: 1,000 rows stay under SQLite's limit of 32,766 parameters.
const ROWS_PER_INSERT: usize = 1000;

/// Rounds of drawing new codes for rows whose tracking code was taken.
const ROUNDS: usize = 8;

/// (request id, event seq, event time, message): a row for the outbox.
type Notice = (i64, i64, DateTime<Utc>, OutboxItem);

/// An import in flight: the projections still to insert (with their place in the batch),
/// the jurisdiction paths and first events by place, every code drawn so far, the answers
/// so far, and the notices for the channels' endpoints.
struct Import {
    pending: Vec<(usize, Request)>,
    jpaths: Vec<String>,
    firsts: Vec<Event>,
    seen: HashSet<String>,
    out: Vec<Option<BulkOutcome>>,
    notices: Vec<Notice>,
}

/// The stored requests of upstream ids: (channel, external id) → (id, code).
type StoredIds = HashMap<(String, String), (i64, String)>;

impl Import {
    /// Projections (owning their intakes), with codes unique within the batch.
    fn new(items: Vec<(Intake, String, Event)>) -> Import {
        let mut import = Import {
            pending: Vec::with_capacity(items.len()),
            jpaths: Vec::with_capacity(items.len()),
            firsts: Vec::with_capacity(items.len()),
            seen: HashSet::with_capacity(items.len()),
            out: vec![None; items.len()],
            notices: Vec::new(),
        };
        for (k, (intake, jpath, first)) in items.into_iter().enumerate() {
            let mut r = Request::replay(0, intake, std::slice::from_ref(&first));
            if !import.seen.insert(r.intake.code.clone()) {
                import.draw_code(&mut r);
            }
            import.jpaths.push(jpath);
            import.firsts.push(first);
            import.pending.push((k, r));
        }
        import
    }

    /// Gives a request a code not drawn before in this import.
    fn draw_code(&mut self, r: &mut Request) {
        loop {
            r.intake.code = writer::new_code(r.intake.received_at);
            if self.seen.insert(r.intake.code.clone()) {
                return;
            }
        }
    }

    /// The pending rows that were inserted, with their ids.
    fn created(&self, inserted: &HashMap<String, i64>) -> Vec<(i64, usize)> {
        self.pending
            .iter()
            .filter_map(|(k, r)| inserted.get(&r.intake.code).map(|id| (*id, *k)))
            .collect()
    }

    /// Answers the pending rows that were inserted (their channels' endpoints are told);
    /// returns the rest: repeats of an upstream id, or a tracking code already taken.
    fn answer_created(
        &mut self,
        inserted: &HashMap<String, i64>,
        subs: &[Subscription],
    ) -> Vec<(usize, Request)> {
        let mut missing = Vec::new();
        for (k, mut r) in std::mem::take(&mut self.pending) {
            let Some(id) = inserted.get(&r.intake.code) else {
                missing.push((k, r));
                continue;
            };
            if !subs.is_empty() {
                r.id = *id;
                let first = &self.firsts[k];
                for m in registration_notices(subs, &r, first) {
                    self.notices.push((*id, first.seq, first.at, m));
                }
            }
            self.out[k] = Some(BulkOutcome::Created {
                id: *id,
                code: std::mem::take(&mut r.intake.code),
            });
        }
        missing
    }

    /// Answers the repeats of a stored upstream id with the stored request; the others
    /// draw a new code and wait for the next round.
    fn answer_missing(&mut self, missing: Vec<(usize, Request)>, stored: &StoredIds) {
        for (k, mut r) in missing {
            if let Some(ext) = &r.intake.external_id {
                let key = (r.intake.channel.as_str().to_string(), ext.clone());
                if let Some((id, code)) = stored.get(&key) {
                    self.out[k] = Some(BulkOutcome::Existing {
                        id: *id,
                        code: code.clone(),
                    });
                    continue;
                }
            }
            self.draw_code(&mut r);
            self.pending.push((k, r));
        }
    }

    fn outcomes(self) -> Result<Vec<BulkOutcome>> {
        self.out
            .into_iter()
            .map(|o| {
                o.ok_or_else(|| StoreError::Corrupt("a row of the import went unanswered".into()))
            })
            .collect()
    }
}

/// The upstream ids among rows, by channel.
fn upstream_ids(rows: &[(usize, Request)]) -> HashMap<&'static str, Vec<&str>> {
    let mut wanted: HashMap<&'static str, Vec<&str>> = HashMap::new();
    for (_, r) in rows {
        if let Some(ext) = &r.intake.external_id {
            wanted
                .entry(r.intake.channel.as_str())
                .or_default()
                .push(ext.as_str());
        }
    }
    wanted
}

per_backend! {
    /// One transaction for the whole import, in rounds: insert the pending rows, tell the
    /// channels, answer the repeats, draw new codes for the rest.
    pub(super) async fn bulk_intake(pool: &sqlx::Pool<DB>, import: &mut Import) -> Result<()> {
        let mut tx = begin(pool).await?;
        // The endpoints of channels hear of each registration (see `outbox`). Read once
        // this transaction holds the write lock (SQLite: a read first would pin a
        // snapshot that the checkpointer may make stale before the first write).
        let mut subs: Option<Vec<Subscription>> = None;
        for _round in 0..ROUNDS {
            if import.pending.is_empty() {
                break;
            }
            let inserted = insert_requests(&mut tx, &import.pending, &import.jpaths).await?;
            if subs.is_none() {
                let rows: Vec<crate::outbox::SubscriptionRow> =
                    sqlx::query_as(crate::outbox::CHANNEL_SUBSCRIPTIONS)
                        .fetch_all(&mut *tx)
                        .await?;
                subs = Some(rows.into_iter().map(Subscription::from).collect());
            }
            insert_first_events(&mut tx, &import.created(&inserted), &import.firsts).await?;
            let missing = import.answer_created(&inserted, subs.as_deref().unwrap_or_default());
            let stored = stored_upstream_ids(&mut tx, &missing).await?;
            import.answer_missing(missing, &stored);
        }
        if !import.pending.is_empty() {
            return Err(StoreError::Corrupt(
                "could not allocate tracking codes for an import batch".into(),
            ));
        }
        crate::outbox::insert_outbox!(tx, DB, &import.notices);
        tx.commit().await?;
        Ok(())
    }

    /// SQLite: the write lock from the start (BEGIN IMMEDIATE), so no read of this
    /// transaction can pin a snapshot that a checkpoint makes stale before it writes. And
    /// with foreign keys checked at commit and INSERT OR IGNORE, no statement can abort
    /// half-way, so SQLite keeps no statement journal for the multi-row INSERTs (measured:
    /// it cost a sixth of an import). Rows were validated before.
    async fn begin(pool: &sqlx::Pool<DB>) -> Result<sqlx::Transaction<'static, DB>> {
        if !SQLITE {
            return Ok(pool.begin().await?);
        }
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// A multi-row INSERT of pending rows. SQLite numbers the rows of one INSERT
    /// consecutively, in order (one writer, AUTOINCREMENT): no RETURNING needed there (its
    /// rows were a third of the statement's cost); [`insert_chunk`] checks.
    fn build_insert(chunk: &[(usize, Request)], jpaths: &[String]) -> sqlx::QueryBuilder<DB> {
        let sql = if SQLITE {
            REQUEST_INSERT.replacen("INSERT INTO", "INSERT OR IGNORE INTO", 1)
        } else {
            REQUEST_INSERT.to_string()
        };
        let mut qb = sqlx::QueryBuilder::<DB>::new(sql);
        qb.push_values(chunk, |mut b, (k, r)| {
            crate::writer::push_request_values!(b, r.intake.code.as_str(), jpaths[*k].as_str(), r);
        });
        if !SQLITE {
            qb.push(" ON CONFLICT DO NOTHING RETURNING id, code");
        }
        qb
    }

    /// Inserts the pending rows; the ids of those inserted, by code. Each multi-row INSERT
    /// is bound (on this thread) while the one before runs (on the database's thread):
    /// binding cost as much as executing, in turn.
    async fn insert_requests(
        conn: &mut Conn,
        pending: &[(usize, Request)],
        jpaths: &[String],
    ) -> Result<HashMap<String, i64>> {
        let mut inserted: HashMap<String, i64> = HashMap::with_capacity(pending.len());
        let chunks: Vec<&[(usize, Request)]> = pending.chunks(ROWS_PER_INSERT).collect();
        // The highest id so far: a statement's rows have ids above it. (An ignored row may
        // burn an id, so the range of a statement is not `changes()` long.)
        let mut prev_last: i64 = if SQLITE {
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM requests")
                .fetch_one(&mut *conn)
                .await?
        } else {
            0
        };
        let mut next = chunks.first().map(|c| build_insert(c, jpaths));
        for (i, chunk) in chunks.iter().enumerate() {
            let Some(mut qb) = next.take() else { break };
            let run = insert_chunk(&mut *conn, &mut qb, chunk, prev_last);
            let (got, built) =
                tokio::join!(run, async { chunks.get(i + 1).map(|c| build_insert(c, jpaths)) });
            let (got, last) = got?;
            prev_last = last;
            inserted.extend(got.into_iter().map(|(id, code)| (code, id)));
            next = built;
        }
        Ok(inserted)
    }

    /// Runs one multi-row INSERT: the (id, code) of the rows inserted, and the highest id
    /// so far (SQLite).
    async fn insert_chunk(
        conn: &mut Conn,
        qb: &mut sqlx::QueryBuilder<DB>,
        chunk: &[(usize, Request)],
        prev_last: i64,
    ) -> Result<(Vec<(i64, String)>, i64)> {
        if !SQLITE {
            let got: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *conn).await?;
            return Ok((got, 0));
        }
        qb.build().execute(&mut *conn).await?;
        let (last, n, first_code, last_code): (i64, i64, Option<String>, Option<String>) =
            sqlx::query_as(
                "SELECT last_insert_rowid(), changes(),
                    (SELECT code FROM requests WHERE id = last_insert_rowid() - changes() + 1),
                    (SELECT code FROM requests WHERE id = last_insert_rowid())",
            )
            .fetch_one(&mut *conn)
            .await?;
        let in_order = n == chunk.len() as i64
            && first_code.as_deref() == chunk.first().map(|(_, r)| r.intake.code.as_str())
            && last_code.as_deref() == chunk.last().map(|(_, r)| r.intake.code.as_str());
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
        let got = sqlx::query_as("SELECT id, code FROM requests WHERE id > $1 AND id <= $2")
            .bind(prev_last)
            .bind(last)
            .fetch_all(&mut *conn)
            .await?;
        Ok((got, last))
    }

    /// The first event of each request inserted: (request id, place in the batch).
    async fn insert_first_events(
        conn: &mut Conn,
        created: &[(i64, usize)],
        firsts: &[Event],
    ) -> Result<()> {
        let sql = if SQLITE {
            "INSERT OR IGNORE INTO events (request_id, seq, action, at, actor, role, data) "
        } else {
            "INSERT INTO events (request_id, seq, action, at, actor, role, data) "
        };
        for chunk in created.chunks(ROWS_PER_INSERT * 4) {
            let mut qb = sqlx::QueryBuilder::<DB>::new(sql);
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
            qb.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// The stored requests of the upstream ids among rows, looked up many at a time.
    async fn stored_upstream_ids(conn: &mut Conn, rows: &[(usize, Request)]) -> Result<StoredIds> {
        let mut stored = StoredIds::new();
        for (channel, ids) in &upstream_ids(rows) {
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
                    qb.build_query_as().fetch_all(&mut *conn).await?;
                for (ext, id, code) in rows {
                    stored.insert((channel.to_string(), ext), (id, code));
                }
            }
        }
        Ok(stored)
    }
}

impl Store {
    /// Registers many validated intakes at once, each with its first event, in one
    /// transaction: multi-row INSERTs, idempotent on (channel, external_id). Outcomes are
    /// in the order of `items`. Tracking codes that collide are drawn again. The endpoints
    /// of the channel (`channel:NAME` webhooks) are told of each registration, in the same
    /// transaction; a repeat of a stored upstream id changes nothing and tells no one.
    pub async fn bulk_intake(
        &self,
        items: Vec<(Intake, String, Event)>,
    ) -> Result<Vec<BulkOutcome>> {
        let mut import = Import::new(items);
        match &self.backend {
            Backend::Sqlite { write, .. } => sqlite::bulk_intake(write, &mut import).await?,
            Backend::Postgres(pg) => postgres::bulk_intake(pg, &mut import).await?,
        }
        import.outcomes()
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

    /// Inserts generated requests with their events: multi-row INSERTs in one transaction
    /// (the caller chunks). Codes must be new.
    pub async fn insert_generated(&self, items: &[(Request, String, Vec<Event>)]) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let mut ids: HashMap<String, i64> = HashMap::with_capacity(items.len());
            for chunk in items.chunks(500) {
                let mut q = sqlx::QueryBuilder::<DB>::new(crate::writer::REQUEST_INSERT);
                q.push_values(chunk, |mut b, (r, jpath, _)| {
                    crate::writer::push_request_values!(
                        b,
                        r.intake.code.as_str(),
                        jpath.as_str(),
                        r
                    );
                });
                q.push(" RETURNING id, code");
                let got: Vec<(i64, String)> = q.build_query_as().fetch_all(&mut *tx).await?;
                ids.extend(got.into_iter().map(|(id, code)| (code, id)));
            }
            let events: Vec<(i64, &Event)> = items
                .iter()
                .flat_map(|(r, _, evs)| {
                    let id = ids[&r.intake.code];
                    evs.iter().map(move |e| (id, e))
                })
                .collect();
            for chunk in events.chunks(2000) {
                let mut q = sqlx::QueryBuilder::<DB>::new(
                    "INSERT INTO events (request_id, seq, action, at, actor, role, data) ",
                );
                q.push_values(chunk, |mut b, (id, e)| {
                    b.push_bind(*id)
                        .push_bind(e.seq)
                        .push_bind(e.data.action())
                        .push_bind(e.at)
                        .push_bind(e.actor.as_str())
                        .push_bind(e.role.as_str())
                        .push_bind(Json(e.data.fields()));
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
