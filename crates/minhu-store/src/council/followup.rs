//! After the sitting: a decision's follow-up log (`council_decision_steps`), the requests
//! raised for it (`council_decision_requests`), its 评议会 (`council_evaluations`) and its
//! publications (`publications` with subject `council_decision`). Every step goes through
//! [`Store::append_decision_step`]: one transaction that bumps the decision's
//! `followup_version` only if it is still the one the step was decided on, appends the
//! step, writes what it carries and queues the authors' notices — so a step, and what the
//! authors hear of it, happens once however many servers try it.

use chrono::{DateTime, Utc};
use minhu_domain::council::followup::{Evaluation, StepKind};
use minhu_domain::notify::OutboxItem;
use minhu_domain::topic::{TopicEvent, TopicEventData};
use sqlx::types::Json;

use crate::{PublicationRow, Result, Store, StoreError, on_pool, per_backend};

/// The `schedule` event a sitting writes on its agenda's topic at `version`.
pub(crate) fn schedule_event(
    sitting: i64,
    version: i64,
    by: &str,
    at: DateTime<Utc>,
) -> TopicEvent {
    TopicEvent {
        seq: version + 1,
        at,
        actor: by.to_string(),
        data: TopicEventData::Schedule {
            sitting_id: Some(sitting),
        },
    }
}

/// What a follow-up step writes besides its log line.
#[derive(Debug, Clone)]
pub enum DecisionWrite {
    /// 决议公示 or 实施结果公示: one publication per venue.
    Publish {
        step: StepKind,
        publications: Vec<PublicationRow>,
    },
    /// A request raised through intake, the decision's `n`th, tied to an item (if any).
    Request {
        n: i64,
        request_id: i64,
        code: String,
        item_id: Option<i64>,
    },
    /// The authors told of `verified` verified items.
    ProgressTold {
        verified: i64,
    },
    Evaluated(Evaluation),
    /// Referred to a joint meeting: the candidate it made.
    Referred {
        candidate_id: i64,
    },
}

impl DecisionWrite {
    fn kind(&self) -> StepKind {
        match self {
            DecisionWrite::Publish { step, .. } => *step,
            DecisionWrite::Request { .. } => StepKind::RequestRaised,
            DecisionWrite::ProgressTold { .. } => StepKind::ProgressTold,
            DecisionWrite::Evaluated(_) => StepKind::Evaluated,
            DecisionWrite::Referred { .. } => StepKind::Referred,
        }
    }
}

/// A line of a decision's follow-up log.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionStep {
    pub seq: i64,
    pub kind: StepKind,
    pub detail: serde_json::Value,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// A request raised for a decision.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DecisionRequest {
    pub n: i64,
    pub request_id: i64,
    pub code: String,
    pub item_id: Option<i64>,
}

/// Where a decision's follow-up stands: its version and how many verified items its
/// authors have been told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowupState {
    pub version: i64,
    pub verified_told: i64,
}

/// The 评议会's result as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationRow {
    pub evaluation: Evaluation,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

type EvaluationTuple = (
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    DateTime<Utc>,
);

fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The step a change claims and what it stamps.
struct Claim<'a> {
    decision: i64,
    version: i64,
    detail: String,
    notices: &'a [OutboxItem],
    by: &'a str,
    now: DateTime<Utc>,
}

impl Store {
    /// Writes `change` on a decision whose follow-up is still at `version`, with its log
    /// line (detail `detail`) and the `notices` to its authors, in one transaction. `None`
    /// when it changed meanwhile (nothing written); else the step's seq.
    #[allow(clippy::too_many_arguments)]
    pub async fn append_decision_step(
        &self,
        decision: i64,
        version: i64,
        change: &DecisionWrite,
        detail: &serde_json::Value,
        notices: &[OutboxItem],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let c = Claim {
            decision,
            version,
            detail: serde_json::to_string(detail)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            notices,
            by,
            now,
        };
        match &self.backend {
            crate::Backend::Sqlite { write, .. } => sqlite::append_step(write, &c, change).await,
            crate::Backend::Postgres(pg) => postgres::append_step(pg, &c, change).await,
        }
    }

    pub async fn decision_followup(&self, decision: i64) -> Result<Option<FollowupState>> {
        let row: Option<(i64, i64)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT followup_version, verified_told FROM council_decisions WHERE id = $1",
            )
            .bind(decision)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(version, verified_told)| FollowupState {
            version,
            verified_told,
        }))
    }

    pub async fn decision_steps(&self, decision: i64) -> Result<Vec<DecisionStep>> {
        let rows: Vec<(i64, String, String, String, DateTime<Utc>)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                sqlx::query_as("SELECT seq, kind, detail, actor, at FROM council_decision_steps WHERE decision_id = $1 ORDER BY seq")
                    .bind(decision)
                    .fetch_all(pool)
                    .await?
            }
        );
        rows.into_iter()
            .map(|(seq, kind, detail, actor, at)| {
                Ok(DecisionStep {
                    seq,
                    kind: StepKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("decision step '{kind}'")))?,
                    detail: serde_json::from_str(&detail)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    actor,
                    at,
                })
            })
            .collect()
    }

    pub async fn decision_requests(&self, decision: i64) -> Result<Vec<DecisionRequest>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT n, request_id, code, item_id FROM council_decision_requests WHERE decision_id = $1 ORDER BY n")
                .bind(decision)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The publications of a decision (its 公示 and its result's), oldest first.
    pub async fn decision_publications(&self, decision: i64) -> Result<Vec<PublicationRow>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT id, kind, subject_kind, subject_id, title, body, venue, board, board_photo, jurisdiction, from_at, until_at, published_by, published_at, withdrawn_at, withdrawn_by FROM publications WHERE subject_kind = 'council_decision' AND subject_id = $1 ORDER BY id")
                .bind(decision)
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn council_evaluation(&self, decision: i64) -> Result<Option<EvaluationRow>> {
        let row: Option<EvaluationTuple> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT sitting_id, participants, satisfied, basically_satisfied, dissatisfied, note, recorded_by, recorded_at FROM council_evaluations WHERE decision_id = $1")
                .bind(decision)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(
            |(sitting_id, p, s, b, d, note, recorded_by, recorded_at)| EvaluationRow {
                evaluation: Evaluation {
                    sitting_id,
                    participants: unsigned(p),
                    satisfied: unsigned(s),
                    basically_satisfied: unsigned(b),
                    dissatisfied: unsigned(d),
                    note,
                },
                recorded_by,
                recorded_at,
            },
        ))
    }

    /// Passed decisions with more verified items than their authors have been told of.
    pub async fn decisions_with_news(&self) -> Result<Vec<i64>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT d.id FROM council_decisions d WHERE d.passed AND d.verified_told < (SELECT COUNT(*) FROM action_items i WHERE i.source_kind = 'council_decision' AND i.source_id = d.id AND i.state = 'verified') ORDER BY d.id")
                .fetch_all(pool)
                .await?
        }))
    }
}

per_backend! {
    pub(super) async fn append_step(pool: &sqlx::Pool<DB>, c: &Claim<'_>, change: &DecisionWrite) -> Result<Option<i64>> {
        let mut tx = pool.begin().await?;
        let told = match change {
            DecisionWrite::ProgressTold { verified } => Some(*verified),
            _ => None,
        };
        let claimed = sqlx::query("UPDATE council_decisions SET followup_version = followup_version + 1, verified_told = COALESCE($3, verified_told) WHERE id = $1 AND followup_version = $2")
            .bind(c.decision)
            .bind(c.version)
            .bind(told)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed == 0 {
            return Ok(None);
        }
        let seq = c.version + 1;
        sqlx::query("INSERT INTO council_decision_steps (decision_id, seq, kind, detail, actor, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(c.decision)
            .bind(seq)
            .bind(change.kind().as_str())
            .bind(&c.detail)
            .bind(c.by)
            .bind(c.now)
            .execute(&mut *tx)
            .await?;
        write_step(&mut tx, c, change).await?;
        for m in c.notices {
            sqlx::query(
                "INSERT INTO outbox (request_id, subject_kind, subject_id, event_seq, channel, target, secret, payload, created_at, next_attempt_at)
                 VALUES (NULL, 'council_decision', $1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(c.decision)
            .bind(seq)
            .bind(m.channel.as_str())
            .bind(m.target.as_str())
            .bind(m.secret.as_deref())
            .bind(Json(&m.payload))
            .bind(c.now)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(seq))
    }

    async fn write_step(conn: &mut Conn, c: &Claim<'_>, change: &DecisionWrite) -> Result<()> {
        match change {
            DecisionWrite::Publish { publications, .. } => {
                for p in publications {
                    sqlx::query(
                        "INSERT INTO publications (kind, subject_kind, subject_id, title, body, venue, board, board_photo, jurisdiction, from_at, until_at, published_by, published_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    )
                    .bind(&p.kind).bind(&p.subject_kind).bind(p.subject_id).bind(&p.title).bind(&p.body)
                    .bind(&p.venue).bind(&p.board).bind(&p.board_photo).bind(&p.jurisdiction)
                    .bind(p.from_at).bind(p.until_at).bind(&p.published_by).bind(p.published_at)
                    .execute(&mut *conn).await?;
                }
            }
            DecisionWrite::Request { n, request_id, code, item_id } => {
                sqlx::query("INSERT INTO council_decision_requests (decision_id, n, request_id, code, item_id) VALUES ($1, $2, $3, $4, $5)")
                    .bind(c.decision).bind(n).bind(request_id).bind(code).bind(item_id)
                    .execute(&mut *conn).await?;
            }
            DecisionWrite::Evaluated(e) => {
                sqlx::query("INSERT INTO council_evaluations (decision_id, sitting_id, participants, satisfied, basically_satisfied, dissatisfied, note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                    .bind(c.decision).bind(e.sitting_id).bind(signed(e.participants)).bind(signed(e.satisfied))
                    .bind(signed(e.basically_satisfied)).bind(signed(e.dissatisfied)).bind(&e.note)
                    .bind(c.by).bind(c.now)
                    .execute(&mut *conn).await?;
            }
            DecisionWrite::ProgressTold { .. } | DecisionWrite::Referred { .. } => {}
        }
        Ok(())
    }
}
