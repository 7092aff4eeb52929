//! The request writer: one task that takes every request write, groups what has queued up
//! into one transaction, commits it, and only then answers each caller (group commit).
//! If a batch fails as a whole, each of its writes is retried alone, so one bad write
//! cannot take its neighbours down with it.

use std::collections::{HashMap, HashSet};

use minhu_domain::ids::TrackingCode;
use minhu_domain::notify::{Subscription, registration_notices};
use minhu_domain::request::{Event, Intake, Request};
use sqlx::types::Json;
use tokio::sync::{mpsc, oneshot};

use crate::{Backend, Result, StoreError, per_backend};

// `OutboxItem` and its webhook payload (`OutboxItem::payload`) moved to the domain
// (`minhu_domain::notify`).
pub use minhu_domain::notify::OutboxItem;

/// Result of an intake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeOutcome {
    pub id: i64,
    pub code: String,
    /// False when (channel, external_id) was already stored: `id` is that request.
    pub created: bool,
}

/// What a new request's rating key leaves in the store, worked out once the writer knows
/// the request's id and final tracking code: the key's hash and, if the requester is told
/// by SMS, that message. It runs inside the intake's transaction, so a request is never
/// registered without its key (the plain key lives only in the caller's closure and the SMS).
pub type RatingIssue = Box<dyn Fn(i64, &str) -> (String, Option<OutboxItem>) + Send + Sync>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendOutcome {
    Appended,
    /// Someone else changed the request first; reload and decide again.
    Conflict,
}

enum Op {
    Intake {
        intake: Intake,
        jpath: String,
        first: Event,
        rating: Option<RatingIssue>,
    },
    Append {
        after: Box<Request>,
        event: Event,
        outbox: Vec<OutboxItem>,
    },
}

enum Outcome {
    Intake(IntakeOutcome),
    Append(AppendOutcome),
}

enum Job {
    Write {
        op: Op,
        reply: oneshot::Sender<Result<Outcome>>,
    },
    Shutdown(oneshot::Sender<()>),
}

#[derive(Clone)]
pub(crate) struct WriterHandle {
    tx: mpsc::Sender<Job>,
}

pub(crate) fn spawn(backend: Backend, max_batch: usize) -> WriterHandle {
    let (tx, rx) = mpsc::channel(16 * 1024);
    tokio::spawn(run(backend, rx, max_batch.max(1)));
    WriterHandle { tx }
}

impl WriterHandle {
    async fn submit(&self, op: Op) -> Result<Outcome> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Write { op, reply })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    pub async fn intake(
        &self,
        intake: Intake,
        jpath: String,
        first: Event,
        rating: Option<RatingIssue>,
    ) -> Result<IntakeOutcome> {
        match self
            .submit(Op::Intake {
                intake,
                jpath,
                first,
                rating,
            })
            .await?
        {
            Outcome::Intake(o) => Ok(o),
            Outcome::Append(_) => unreachable!("intake answered with an append outcome"),
        }
    }

    pub async fn append(
        &self,
        after: Request,
        event: Event,
        outbox: Vec<OutboxItem>,
    ) -> Result<AppendOutcome> {
        match self
            .submit(Op::Append {
                after: Box::new(after),
                event,
                outbox,
            })
            .await?
        {
            Outcome::Append(o) => Ok(o),
            Outcome::Intake(_) => unreachable!("append answered with an intake outcome"),
        }
    }

    /// Lets every write queued so far commit, then stops the task.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Job::Shutdown(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

async fn run(backend: Backend, mut rx: mpsc::Receiver<Job>, max_batch: usize) {
    let mut ops: Vec<Op> = Vec::with_capacity(max_batch);
    let mut replies: Vec<oneshot::Sender<Result<Outcome>>> = Vec::with_capacity(max_batch);
    while let Some(first) = rx.recv().await {
        let mut stop = None;
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Write { op, reply } => {
                    ops.push(op);
                    replies.push(reply);
                }
                Job::Shutdown(done) => {
                    stop = Some(done);
                    break;
                }
            }
            if ops.len() < max_batch {
                next = rx.try_recv().ok();
            }
        }
        if !ops.is_empty() {
            match write_batch(&backend, &ops).await {
                Ok(outcomes) => {
                    for (reply, outcome) in replies.drain(..).zip(outcomes) {
                        let _ = reply.send(Ok(outcome));
                    }
                }
                Err(batch_err) => {
                    tracing::warn!(error = %batch_err, size = ops.len(), "batch failed; retrying its writes one by one");
                    for (op, reply) in ops.iter().zip(replies.drain(..)) {
                        let r = write_batch(&backend, std::slice::from_ref(op))
                            .await
                            .map(|mut v| v.remove(0));
                        let _ = reply.send(r);
                    }
                }
            }
            ops.clear();
        }
        if let Some(done) = stop {
            let _ = done.send(());
            return;
        }
    }
}

macro_rules! insert_event {
    ($request_id:expr, $e:expr) => {{
        let e: &minhu_domain::request::Event = $e;
        sqlx::query("INSERT INTO events (request_id, seq, action, at, actor, role, data) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind($request_id)
            .bind(e.seq)
            .bind(e.data.action())
            .bind(e.at)
            .bind(&e.actor)
            .bind(&e.role)
            .bind(sqlx::types::Json(e.data.fields()))
    }};
}

/// A fresh public tracking code ([`TrackingCode::generate`]: day prefix, 7 random digits).
/// The random part keeps codes hard to guess; the date prefix keeps each day's codes
/// together in the index, so intake does not slow down as the table grows (random keys
/// did, measured). The domain draws no random numbers, so the store draws them here.
pub fn new_code(received_at: chrono::DateTime<chrono::Utc>) -> String {
    use rand::Rng;
    let random = rand::rng().random_range(0..TrackingCode::PER_DAY);
    TrackingCode::generate(received_at, random).into_string()
}

/// Columns of a request row, in the order of [`push_request_values`].
pub(crate) const REQUEST_INSERT: &str = "INSERT INTO requests (code, channel, type, subject, content, requester_name, requester_phone, address, lat, lon,
    jurisdiction, jpath, category, confidential, external_id, received_at,
    state, tier, lead_unit, co_units, difficulty, urgency, deadline, yellow_at, sla_version, urge_count, updated_at, closed_at, version) ";

/// Binds one request row (intake facts plus projection) to a multi-row VALUES list.
macro_rules! push_request_values {
    ($b:expr, $code:expr, $jpath:expr, $r:expr) => {{
        let r: &minhu_domain::request::Request = $r;
        let i = &r.intake;
        $b.push_bind($code)
            .push_bind(i.channel.as_str())
            .push_bind(i.kind.as_str())
            .push_bind(i.subject.as_deref())
            .push_bind(i.content.as_str())
            .push_bind(i.requester.name.as_deref())
            .push_bind(i.requester.phone.as_deref())
            .push_bind(i.address.as_deref())
            .push_bind(i.lat)
            .push_bind(i.lon)
            .push_bind(i.jurisdiction.as_str())
            .push_bind($jpath)
            .push_bind(i.category.as_deref())
            .push_bind(i.confidential)
            .push_bind(i.external_id.as_deref())
            .push_bind(i.received_at)
            .push_bind(r.state.as_str())
            .push_bind(r.tier.as_str())
            .push_bind(r.lead_unit.as_deref())
            .push_bind(Json(r.co_units.clone()))
            .push_bind(r.difficulty.map(|d| d.as_str()))
            .push_bind(r.urgency.as_str())
            .push_bind(r.deadline)
            .push_bind(r.yellow_at)
            .push_bind(r.sla_version)
            .push_bind(r.urge_count)
            .push_bind(r.updated_at)
            .push_bind(r.closed_at)
            .push_bind(r.version);
    }};
}
pub(crate) use push_request_values;

/// Rows per multi-row INSERT (29 parameters each stays under SQLite's 32,766 limit).
const ROWS_PER_INSERT: usize = 500;

/// One intake of a batch: its place among the batch's ops, its projection (with a code
/// unique within the batch), and its jurisdiction path and first event.
struct IntakeRow<'a> {
    k: usize,
    request: Request,
    jpath: &'a str,
    first: &'a Event,
    rating: Option<&'a RatingIssue>,
}

/// The batch's intakes as projections, their codes made unique within the batch.
fn intake_rows(ops: &[Op]) -> Vec<IntakeRow<'_>> {
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for (k, op) in ops.iter().enumerate() {
        if let Op::Intake {
            intake,
            jpath,
            first,
            rating,
        } = op
        {
            let mut request = Request::replay(0, intake.clone(), std::slice::from_ref(first));
            while !seen.insert(request.intake.code.clone()) {
                request.intake.code = new_code(intake.received_at);
            }
            rows.push(IntakeRow {
                k,
                request,
                jpath,
                first,
                rating: rating.as_ref(),
            });
        }
    }
    rows
}

/// One transaction for the whole batch. Intakes go in as multi-row INSERTs (one statement
/// for the requests, one for their first events): per-statement round trips to the
/// database dominated the cost when each intake had its own.
async fn write_batch(backend: &Backend, ops: &[Op]) -> Result<Vec<Outcome>> {
    match backend {
        Backend::Sqlite { write, .. } => sqlite::write_batch(write, ops).await,
        Backend::Postgres(pg) => postgres::write_batch(pg, ops).await,
    }
}

per_backend! {
    pub(super) async fn write_batch(pool: &sqlx::Pool<DB>, ops: &[Op]) -> Result<Vec<Outcome>> {
        let mut tx = pool.begin().await?;
        let mut out: Vec<Option<Outcome>> = (0..ops.len()).map(|_| None).collect();
        let rows = intake_rows(ops);
        let inserted = insert_intakes(&mut tx, &rows).await?;
        for row in &rows {
            let outcome = match inserted.get(&row.request.intake.code) {
                Some(id) => IntakeOutcome {
                    id: *id,
                    code: row.request.intake.code.clone(),
                    created: true,
                },
                None => intake_not_inserted(&mut tx, row).await?,
            };
            out[row.k] = Some(Outcome::Intake(outcome));
        }
        tell_channels(&mut tx, &rows, &out).await?;
        save_rating_keys(&mut tx, &rows, &out).await?;
        // Rows are locked in request-id order, the same in every server's writer: two
        // batches touching the same requests on two servers then wait, never deadlock.
        let mut appends: Vec<usize> = (0..ops.len())
            .filter(|&k| matches!(ops[k], Op::Append { .. }))
            .collect();
        appends.sort_by_key(|&k| match &ops[k] {
            Op::Append { after, .. } => after.id,
            _ => 0,
        });
        for k in appends {
            if let Op::Append {
                after,
                event,
                outbox,
            } = &ops[k]
            {
                out[k] = Some(Outcome::Append(append(&mut tx, after, event, outbox).await?));
            }
        }
        tx.commit().await?;
        out.into_iter()
            .map(|o| o.ok_or_else(|| StoreError::Corrupt("a write of the batch went unanswered".into())))
            .collect()
    }

    /// The batch's requests and their first events in multi-row INSERTs; the ids of the
    /// requests inserted, by code (a repeat of an upstream id or a taken code is skipped).
    async fn insert_intakes(conn: &mut Conn, rows: &[IntakeRow<'_>]) -> Result<HashMap<String, i64>> {
        let mut inserted = HashMap::new();
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut qb = sqlx::QueryBuilder::<DB>::new(REQUEST_INSERT);
            qb.push_values(chunk, |mut b, row| {
                push_request_values!(b, row.request.intake.code.as_str(), row.jpath, &row.request)
            });
            qb.push(" ON CONFLICT DO NOTHING RETURNING id, code");
            let got: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *conn).await?;
            inserted.extend(got.into_iter().map(|(id, code)| (code, id)));
        }
        let created: Vec<(i64, &Event)> = rows
            .iter()
            .filter_map(|row| inserted.get(&row.request.intake.code).map(|id| (*id, row.first)))
            .collect();
        for chunk in created.chunks(ROWS_PER_INSERT) {
            let mut qb = sqlx::QueryBuilder::<DB>::new(
                "INSERT INTO events (request_id, seq, action, at, actor, role, data) ",
            );
            qb.push_values(chunk, |mut b, (id, e)| {
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
        Ok(inserted)
    }

    /// An intake the multi-row INSERT skipped: a repeat of an upstream id (answered with the
    /// request stored before), or (rarely) a tracking code already taken (drawn again).
    async fn intake_not_inserted(conn: &mut Conn, row: &IntakeRow<'_>) -> Result<IntakeOutcome> {
        let intake = &row.request.intake;
        if let Some(ext) = &intake.external_id {
            let existing: Option<(i64, String)> = sqlx::query_as(
                "SELECT id, code FROM requests WHERE channel = $1 AND external_id = $2",
            )
            .bind(intake.channel.as_str())
            .bind(ext)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some((id, code)) = existing {
                return Ok(IntakeOutcome {
                    id,
                    code,
                    created: false,
                });
            }
        }
        let mut r = row.request.clone();
        for _attempt in 0..8 {
            r.intake.code = new_code(intake.received_at);
            let mut qb = sqlx::QueryBuilder::<DB>::new(REQUEST_INSERT);
            qb.push_values(std::iter::once(&r), |mut b, r| {
                push_request_values!(b, r.intake.code.as_str(), row.jpath, r)
            });
            qb.push(" ON CONFLICT DO NOTHING RETURNING id");
            let id: Option<i64> = qb.build_query_scalar().fetch_optional(&mut *conn).await?;
            if let Some(id) = id {
                insert_event!(id, row.first).execute(&mut *conn).await?;
                return Ok(IntakeOutcome {
                    id,
                    code: r.intake.code,
                    created: true,
                });
            }
        }
        Err(StoreError::Corrupt("could not allocate a tracking code".into()))
    }

    /// A channel's endpoints (an upstream platform, an Open311 client) hear of the
    /// registration of each request that came in through it, in the same transaction.
    async fn tell_channels(
        conn: &mut Conn,
        rows: &[IntakeRow<'_>],
        out: &[Option<Outcome>],
    ) -> Result<()> {
        if !rows.iter().any(|row| out[row.k].is_some()) {
            return Ok(());
        }
        let subs: Vec<crate::outbox::SubscriptionRow> = sqlx::query_as(crate::outbox::CHANNEL_SUBSCRIPTIONS)
            .fetch_all(&mut *conn)
            .await?;
        let subs: Vec<Subscription> = subs.into_iter().map(Subscription::from).collect();
        if subs.is_empty() {
            return Ok(());
        }
        let mut notices = Vec::new();
        for row in rows {
            if let Some(Outcome::Intake(o)) = &out[row.k]
                && o.created {
                    let mut r = row.request.clone();
                    r.id = o.id;
                    r.intake.code = o.code.clone();
                    for m in registration_notices(&subs, &r, row.first) {
                        notices.push((o.id, row.first.seq, row.first.at, m));
                    }
                }
        }
        crate::outbox::insert_outbox!(conn, DB, &notices);
        Ok(())
    }

    /// The rating keys of the batch's new requests (a repeat gets none), in one multi-row
    /// INSERT (a statement per row cost a third of intake throughput on SQLite, measured),
    /// with the SMS that tells each requester theirs, linked so the text can be blanked once
    /// the key is used.
    async fn save_rating_keys(
        conn: &mut Conn,
        rows: &[IntakeRow<'_>],
        out: &[Option<Outcome>],
    ) -> Result<()> {
        let mut keys: Vec<(i64, String, Option<i64>, chrono::DateTime<chrono::Utc>)> = Vec::new();
        for row in rows {
            let (Some(issue), Some(Outcome::Intake(o))) = (row.rating, &out[row.k]) else {
                continue;
            };
            if !o.created {
                continue;
            }
            let (key_hash, sms) = issue(o.id, &o.code);
            let sms_id = match &sms {
                Some(m) => Some(insert_sms(conn, o.id, row.first, m).await?),
                None => None,
            };
            keys.push((o.id, key_hash, sms_id, row.first.at));
        }
        for chunk in keys.chunks(ROWS_PER_INSERT) {
            let mut qb = sqlx::QueryBuilder::<DB>::new(
                "INSERT INTO rating_keys (request_id, key_hash, sms_outbox_id, created_at) ",
            );
            qb.push_values(chunk, |mut b, (id, hash, sms_id, at)| {
                b.push_bind(*id).push_bind(hash.as_str()).push_bind(*sms_id).push_bind(*at);
            });
            qb.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Queues the SMS giving a requester their key; its outbox id.
    async fn insert_sms(conn: &mut Conn, id: i64, first: &Event, m: &OutboxItem) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO outbox (request_id, subject_id, event_seq, channel, target, secret, payload, created_at, next_attempt_at)
             VALUES ($1, $1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(id)
        .bind(first.seq)
        .bind(m.channel.as_str())
        .bind(m.target.as_str())
        .bind(m.secret.as_deref())
        .bind(Json(&m.payload))
        .bind(first.at)
        .fetch_one(&mut *conn)
        .await?)
    }

    /// Appends one event if the request is still at the version before it, updating the
    /// projection; its notifications commit with the event or not at all.
    async fn append(
        conn: &mut Conn,
        r: &Request,
        event: &Event,
        outbox: &[OutboxItem],
    ) -> Result<AppendOutcome> {
        let updated = sqlx::query(
            "UPDATE requests SET state = $1, tier = $2, lead_unit = $3, co_units = $4, difficulty = $5, urgency = $6,
                deadline = $7, yellow_at = $8, sla_version = $9, urge_count = $10, updated_at = $11, closed_at = $12, version = $13,
                warned = $16, category = $17
             WHERE id = $14 AND version = $15",
        )
        .bind(r.state.as_str())
        .bind(r.tier.as_str())
        .bind(&r.lead_unit)
        .bind(Json(&r.co_units))
        .bind(r.difficulty.map(|d| d.as_str()))
        .bind(r.urgency.as_str())
        .bind(r.deadline)
        .bind(r.yellow_at)
        .bind(r.sla_version)
        .bind(r.urge_count)
        .bind(r.updated_at)
        .bind(r.closed_at)
        .bind(r.version)
        .bind(r.id)
        .bind(event.seq - 1)
        .bind(r.warned.as_str())
        .bind(&r.intake.category)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if updated != 1 {
            return Ok(AppendOutcome::Conflict);
        }
        insert_event!(r.id, event).execute(&mut *conn).await?;
        for m in outbox {
            sqlx::query(
                "INSERT INTO outbox (request_id, subject_id, event_seq, channel, target, secret, payload, created_at, next_attempt_at)
                 VALUES ($1, $1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(r.id)
            .bind(event.seq)
            .bind(m.channel.as_str())
            .bind(m.target.as_str())
            .bind(m.secret.as_deref())
            .bind(Json(&m.payload))
            .bind(event.at)
            .bind(chrono::Utc::now()) // due when committed (see outbox::insert_outbox)
            .execute(&mut *conn)
            .await?;
        }
        Ok(AppendOutcome::Appended)
    }
}
