//! The request writer: one task that takes every request write, groups what has queued up
//! into one transaction, commits it, and only then answers each caller (group commit).
//! If a batch fails as a whole, each of its writes is retried alone, so one bad write
//! cannot take its neighbours down with it.

use minhu_domain::request::{Event, Intake, Request};
use sqlx::types::Json;
use tokio::sync::{mpsc, oneshot};

use crate::{Backend, Result, StoreError, on_pool};

/// Result of an intake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeOutcome {
    pub id: i64,
    pub code: String,
    /// False when (channel, external_id) was already stored: `id` is that request.
    pub created: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendOutcome {
    Appended,
    /// Someone else changed the request first; reload and decide again.
    Conflict,
}

enum Op {
    Intake { intake: Intake, jpath: String, first: Event },
    Append { after: Box<Request>, event: Event },
}

enum Outcome {
    Intake(IntakeOutcome),
    Append(AppendOutcome),
}

enum Job {
    Write { op: Op, reply: oneshot::Sender<Result<Outcome>> },
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
        self.tx.send(Job::Write { op, reply }).await.map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    pub async fn intake(&self, intake: Intake, jpath: String, first: Event) -> Result<IntakeOutcome> {
        match self.submit(Op::Intake { intake, jpath, first }).await? {
            Outcome::Intake(o) => Ok(o),
            Outcome::Append(_) => unreachable!("intake answered with an append outcome"),
        }
    }

    pub async fn append(&self, after: Request, event: Event) -> Result<AppendOutcome> {
        match self.submit(Op::Append { after: Box::new(after), event }).await? {
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
                        let r = write_batch(&backend, std::slice::from_ref(op)).await.map(|mut v| v.remove(0));
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

/// INSERT of a request row with its projection; yields the new id (or nothing on a
/// conflict with an existing code or (channel, external_id)).
macro_rules! insert_request {
    ($intake:expr, $code:expr, $jpath:expr, $req:expr) => {{
        let i: &minhu_domain::request::Intake = $intake;
        let r: &minhu_domain::request::Request = $req;
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO requests (code, channel, type, subject, content, requester_name, requester_phone, address, lat, lon,
                jurisdiction, jpath, category, confidential, external_id, received_at,
                state, tier, lead_unit, co_units, difficulty, urgency, deadline, yellow_at, sla_version, urge_count, updated_at, closed_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind($code)
        .bind(i.channel.as_str())
        .bind(i.kind.as_str())
        .bind(&i.subject)
        .bind(&i.content)
        .bind(&i.requester.name)
        .bind(&i.requester.phone)
        .bind(&i.address)
        .bind(i.lat)
        .bind(i.lon)
        .bind(&i.jurisdiction)
        .bind($jpath)
        .bind(&i.category)
        .bind(i.confidential)
        .bind(&i.external_id)
        .bind(i.received_at)
        .bind(r.state.as_str())
        .bind(r.tier.as_str())
        .bind(&r.lead_unit)
        .bind(sqlx::types::Json(&r.co_units))
        .bind(r.difficulty.map(|d| d.as_str()))
        .bind(r.urgency.as_str())
        .bind(r.deadline)
        .bind(r.yellow_at)
        .bind(r.sla_version)
        .bind(r.urge_count)
        .bind(r.updated_at)
        .bind(r.closed_at)
        .bind(r.version)
    }};
}
pub(crate) use insert_request;

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
pub(crate) use insert_event;

/// A fresh public tracking code: 2-digit year + 10 random digits (easy to read out on the
/// phone, hard to guess).
pub fn new_code(year: i32) -> String {
    use rand::Rng;
    let n: u64 = rand::rng().random_range(0..10_000_000_000);
    format!("{:02}{:010}", year.rem_euclid(100), n)
}

async fn write_batch(backend: &Backend, ops: &[Op]) -> Result<Vec<Outcome>> {
    on_pool!(backend, write, |pool, DB| {
        let mut tx = pool.begin().await?;
        let mut out = Vec::with_capacity(ops.len());
        for op in ops {
            match op {
                Op::Intake { intake, jpath, first } => {
                    let mut blank = Request::replay(0, intake.clone(), std::slice::from_ref(first));
                    let mut code = intake.code.clone();
                    let mut outcome = None;
                    for _attempt in 0..8 {
                        blank.intake.code = code.clone();
                        let id: Option<i64> = insert_request!(&blank.intake, &code, jpath, &blank).fetch_optional(&mut *tx).await?;
                        if let Some(id) = id {
                            insert_event!(id, first).execute(&mut *tx).await?;
                            outcome = Some(IntakeOutcome { id, code: code.clone(), created: true });
                            break;
                        }
                        if let Some(ext) = &intake.external_id {
                            let existing: Option<(i64, String)> = sqlx::query_as("SELECT id, code FROM requests WHERE channel = $1 AND external_id = $2")
                                .bind(intake.channel.as_str())
                                .bind(ext)
                                .fetch_optional(&mut *tx)
                                .await?;
                            if let Some((id, code)) = existing {
                                outcome = Some(IntakeOutcome { id, code, created: false });
                                break;
                            }
                        }
                        // The tracking code was taken: draw another.
                        code = new_code(minhu_domain::time::local_date(intake.received_at).format("%Y").to_string().parse().unwrap_or(2026));
                    }
                    let outcome = outcome.ok_or_else(|| StoreError::Corrupt("could not allocate a tracking code".into()))?;
                    out.push(Outcome::Intake(outcome));
                }
                Op::Append { after, event } => {
                    let r = after.as_ref();
                    let updated = sqlx::query(
                        "UPDATE requests SET state = $1, tier = $2, lead_unit = $3, co_units = $4, difficulty = $5, urgency = $6,
                            deadline = $7, yellow_at = $8, sla_version = $9, urge_count = $10, updated_at = $11, closed_at = $12, version = $13
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
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if updated == 1 {
                        insert_event!(r.id, event).execute(&mut *tx).await?;
                        out.push(Outcome::Append(AppendOutcome::Appended));
                    } else {
                        out.push(Outcome::Append(AppendOutcome::Conflict));
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(out)
    })
}
