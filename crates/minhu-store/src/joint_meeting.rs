//! The joint meeting (联席会议): bodies and their members (`joint_bodies`,
//! `joint_body_members`), the office's queue of hard cases (`joint_candidates` with their
//! requests), meetings as event logs (`joint_meeting_events`, projected on `joint_meetings`)
//! and the action items their minutes gave (`joint_decision_items`).
//!
//! Every step of a meeting is appended only if the meeting is still at the version the step
//! was decided on, in the same transaction as what it changes (a candidate taken onto the
//! agenda, the minutes' number, the action items): two servers acting at once give one
//! step, and the loser decides again on the fresh log. The queue is filled from the flagged
//! 疑难件 by an idempotent insert guarded by a unique index, so it never holds a case twice.

use chrono::{DateTime, Utc};
use minhu_domain::action_item::{ActionItem, ItemEvent};
use minhu_domain::document_number::DocumentNumber;
use minhu_domain::ids::{ActionItemId, UnitCode};
use minhu_domain::joint_meeting::{
    self as domain, BodyFields, BodyState, Candidate, CandidateFields, CandidateKind,
    CandidateOrigin, CandidateState, CaseLine, JointBody, JointMeeting, MeetingEvent,
    MeetingEventData, Member, OpenDecision,
};
use minhu_domain::request::State;
use sqlx::types::Json;

use crate::action_item::{
    ItemNotices, NEXT_NUMBER, co_units_text, insert_item, queue_item_notices,
};
use crate::{Backend, NumberDraw, Result, Store, StoreError, on_pool, per_backend};

/// An action item a decision of the minutes becomes: the agenda item and decision numbers,
/// the item's `issue` event and state, and when its case was first admitted.
#[derive(Debug, Clone)]
pub struct DecisionIssue {
    pub item_no: u32,
    pub decision_no: u32,
    pub event: ItemEvent,
    pub item: ActionItem,
    pub first_admitted_at: DateTime<Utc>,
}

/// What a step changes besides the meeting: a candidate moved from one state to another
/// (the step fails as a whole when the candidate is no longer in `from`).
#[derive(Debug, Clone, Copy)]
pub struct CandidateMove {
    pub id: i64,
    pub from: CandidateState,
    pub to: CandidateState,
}

/// One line of the 销号台账: an action item of a body's minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLine {
    pub meeting_id: i64,
    pub number: Option<String>,
    pub item_no: i64,
    pub action_item_id: i64,
    pub title: String,
    pub owner: String,
    pub due: DateTime<Utc>,
    pub state: String,
}

type BodyRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
);
const BODY_COLUMNS: &str = "id, name, lead_unit, convener, cadence, state, created_by, created_at";

type CandidateRow = (
    i64,
    i64,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<String>,
);
const CANDIDATE_COLUMNS: &str = "id, body_id, kind, ref_id, origin, title, reason, state, proposed_by, proposed_at, dismissed_reason";

fn open_states() -> String {
    State::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} '{value}'"))
}

impl Store {
    // ---- bodies ----------------------------------------------------------------------------

    /// Records a body with its members, in one transaction; its id.
    pub async fn create_joint_body(
        &self,
        f: &BodyFields,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO joint_bodies (name, lead_unit, convener, cadence, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(&f.name)
                .bind(&f.lead_unit)
                .bind(&f.convener)
                .bind(&f.cadence)
                .bind(by)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            for (seq, m) in f.members.iter().enumerate() {
                sqlx::query("INSERT INTO joint_body_members (body_id, seq, unit, liaison, phone) VALUES ($1, $2, $3, $4, $5)")
                    .bind(id)
                    .bind(i64::try_from(seq).unwrap_or(i64::MAX))
                    .bind(&m.unit)
                    .bind(&m.liaison)
                    .bind(&m.phone)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            id
        }))
    }

    pub async fn joint_body(&self, id: i64) -> Result<Option<JointBody>> {
        let sql = format!("SELECT {BODY_COLUMNS} FROM joint_bodies WHERE id = $1");
        let row: Option<BodyRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        match row {
            Some(row) => Ok(Some(self.body_of(row).await?)),
            None => Ok(None),
        }
    }

    /// Every body, the oldest first.
    pub async fn joint_bodies(&self) -> Result<Vec<JointBody>> {
        let sql = format!("SELECT {BODY_COLUMNS} FROM joint_bodies ORDER BY id");
        let rows: Vec<BodyRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(pool)
                .await?
        });
        let mut out = Vec::new();
        for row in rows {
            out.push(self.body_of(row).await?);
        }
        Ok(out)
    }

    async fn body_of(&self, row: BodyRow) -> Result<JointBody> {
        let (id, name, lead_unit, convener, cadence, state, created_by, created_at) = row;
        let members: Vec<(String, String, String)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT unit, liaison, phone FROM joint_body_members WHERE body_id = $1 ORDER BY seq")
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        Ok(JointBody {
            id,
            name,
            lead_unit,
            convener,
            cadence,
            members: members
                .into_iter()
                .map(|(unit, liaison, phone)| Member {
                    unit,
                    liaison,
                    phone,
                })
                .collect(),
            state: BodyState::parse(&state).ok_or_else(|| corrupt("body state", &state))?,
            created_by,
            created_at,
        })
    }

    /// Dissolves an active body; false when it was dissolved already.
    pub async fn dissolve_joint_body(&self, id: i64) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "UPDATE joint_bodies SET state = 'dissolved' WHERE id = $1 AND state = 'active'",
            )
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n > 0)
    }

    // ---- the candidate queue ---------------------------------------------------------------

    /// Queues every open 疑难件 (difficulty `hard`) that is in no case of the body yet, as a
    /// flagged candidate; returns how many it queued. Idempotent: the unique index on flagged
    /// candidates (`joint_candidates_one_flag`) makes a second server's insert of the same
    /// request do nothing, so N servers sweeping queue each case once.
    pub async fn sync_flagged_candidates(&self, body_id: i64, now: DateTime<Utc>) -> Result<u64> {
        let insert = format!(
            "INSERT INTO joint_candidates (body_id, kind, ref_id, origin, title, reason, state, proposed_by, proposed_at)
             SELECT $1, 'request', r.id, 'flagged', COALESCE(r.subject, substr(r.content, 1, 60)), '', 'queued', 'system', $2
             FROM requests r WHERE r.difficulty = 'hard' AND r.state IN ({})
             AND NOT EXISTS (SELECT 1 FROM joint_candidate_requests cr JOIN joint_candidates c ON c.id = cr.candidate_id
                             WHERE cr.request_id = r.id AND c.body_id = $1 AND c.state <> 'dismissed')
             AND NOT EXISTS (SELECT 1 FROM joint_candidates c WHERE c.body_id = $1 AND c.origin = 'flagged' AND c.kind = 'request' AND c.ref_id = r.id)
             ON CONFLICT DO NOTHING",
            open_states()
        );
        let queued = on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let queued = sqlx::query(sqlx::AssertSqlSafe(insert.as_str()))
                .bind(body_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("INSERT INTO joint_candidate_requests (candidate_id, request_id)
                         SELECT c.id, c.ref_id FROM joint_candidates c WHERE c.body_id = $1 AND c.origin = 'flagged'
                         AND NOT EXISTS (SELECT 1 FROM joint_candidate_requests cr WHERE cr.candidate_id = c.id)
                         ON CONFLICT DO NOTHING")
                .bind(body_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            queued
        });
        Ok(queued)
    }

    /// Of `requests`, those already in a live (not dismissed) case of the body.
    pub async fn requests_in_joint_cases(
        &self,
        body_id: i64,
        requests: &[i64],
    ) -> Result<Vec<i64>> {
        let taken: Vec<i64> = on_pool!(&self.backend, read, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "SELECT cr.request_id FROM joint_candidate_requests cr JOIN joint_candidates c ON c.id = cr.candidate_id WHERE c.state <> 'dismissed' AND c.body_id = ",
            );
            q.push_bind(body_id).push(" AND cr.request_id IN (");
            let mut sep = q.separated(", ");
            for r in requests {
                sep.push_bind(*r);
            }
            q.push(")");
            q.build_query_scalar().fetch_all(pool).await?
        });
        Ok(taken)
    }

    /// Queues a case a street or community puts forward; its id.
    pub async fn add_joint_candidate(
        &self,
        body_id: i64,
        f: &CandidateFields,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let first = f.requests.first().copied().unwrap_or_default();
        self.add_joint_candidate_of(body_id, CandidateKind::Request, first, f, by, now)
            .await
    }

    /// Records a proposed case of `kind` about record `ref_id` (a council decision's
    /// referral: the decision), with its requests; its id.
    pub async fn add_joint_candidate_of(
        &self,
        body_id: i64,
        kind: CandidateKind,
        ref_id: i64,
        f: &CandidateFields,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO joint_candidates (body_id, kind, ref_id, origin, title, reason, state, proposed_by, proposed_at) VALUES ($1, $7, $2, 'proposed', $3, $4, 'queued', $5, $6) RETURNING id")
                .bind(body_id)
                .bind(ref_id)
                .bind(&f.title)
                .bind(&f.reason)
                .bind(by)
                .bind(now)
                .bind(kind.as_str())
                .fetch_one(&mut *tx)
                .await?;
            for r in &f.requests {
                sqlx::query("INSERT INTO joint_candidate_requests (candidate_id, request_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(*r)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            id
        }))
    }

    /// A body's candidates, the oldest first.
    pub async fn joint_candidates(&self, body_id: i64) -> Result<Vec<Candidate>> {
        let sql = format!(
            "SELECT {CANDIDATE_COLUMNS} FROM joint_candidates WHERE body_id = $1 ORDER BY proposed_at, id"
        );
        let rows: Vec<CandidateRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(body_id)
                .fetch_all(pool)
                .await?
        });
        let mut out = Vec::new();
        for row in rows {
            out.push(self.candidate_of(row).await?);
        }
        Ok(out)
    }

    pub async fn joint_candidate(&self, id: i64) -> Result<Option<Candidate>> {
        let sql = format!("SELECT {CANDIDATE_COLUMNS} FROM joint_candidates WHERE id = $1");
        let row: Option<CandidateRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        match row {
            Some(row) => Ok(Some(self.candidate_of(row).await?)),
            None => Ok(None),
        }
    }

    async fn candidate_of(&self, row: CandidateRow) -> Result<Candidate> {
        let (id, body_id, kind, ref_id, origin, title, reason, state, by, at, dismissed) = row;
        let requests: Vec<i64> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT request_id FROM joint_candidate_requests WHERE candidate_id = $1 ORDER BY request_id")
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        Ok(Candidate {
            id,
            body_id,
            kind: CandidateKind::parse(&kind).ok_or_else(|| corrupt("candidate kind", &kind))?,
            ref_id,
            origin: CandidateOrigin::parse(&origin).ok_or_else(|| corrupt("origin", &origin))?,
            requests,
            title,
            reason,
            state: CandidateState::parse(&state)
                .ok_or_else(|| corrupt("candidate state", &state))?,
            proposed_by: by,
            proposed_at: at,
            dismissed_reason: dismissed,
        })
    }

    /// Dismisses a queued candidate; false when it is no longer queued.
    pub async fn dismiss_joint_candidate(&self, id: i64, by: &str, reason: &str) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("UPDATE joint_candidates SET state = 'dismissed', dismissed_by = $2, dismissed_reason = $3 WHERE id = $1 AND state = 'queued'")
                .bind(id)
                .bind(by)
                .bind(reason)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// The agenda's case summary of `ids`: code, title, place, state, days open, SLA light.
    pub async fn joint_case_lines(&self, ids: &[i64], now: DateTime<Utc>) -> Result<Vec<CaseLine>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        type Row = (
            i64,
            String,
            Option<String>,
            String,
            String,
            String,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            DateTime<Utc>,
        );
        let rows: Vec<Row> = on_pool!(&self.backend, read, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "SELECT id, code, subject, content, jurisdiction, state, deadline, yellow_at, received_at FROM requests WHERE id IN (",
            );
            let mut sep = q.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            q.push(") ORDER BY id");
            q.build_query_as().fetch_all(pool).await?
        });
        rows.into_iter()
            .map(
                |(id, code, subject, content, jurisdiction, state, deadline, yellow, received)| {
                    let st = State::parse(&state).ok_or_else(|| corrupt("state", &state))?;
                    Ok(CaseLine {
                        id,
                        code,
                        title: subject.unwrap_or_else(|| content.chars().take(60).collect()),
                        jurisdiction,
                        state,
                        days_open: domain::days_between(received, now),
                        sla: minhu_domain::request::warning_at(st, deadline, yellow, now)
                            .as_str()
                            .to_string(),
                        deadline,
                    })
                },
            )
            .collect()
    }

    // ---- meetings ----------------------------------------------------------------------------

    /// Records a proposed meeting: its row and first event (`Propose`), then the carried
    /// items (`AddItem`) in one transaction; its id.
    pub async fn create_joint_meeting(
        &self,
        body_id: i64,
        events: &[MeetingEvent],
        after: &JointMeeting,
    ) -> Result<i64> {
        let Some(first) = events.first() else {
            return Err(StoreError::Corrupt("a meeting without its proposal".into()));
        };
        let day = after.day.format("%Y-%m-%d").to_string();
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO joint_meetings (body_id, kind, day, state, created_by, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(body_id)
                .bind(after.kind.as_str())
                .bind(&day)
                .bind(after.state.as_str())
                .bind(&first.actor)
                .bind(first.at)
                .bind(after.version)
                .fetch_one(&mut *tx)
                .await?;
            for e in events {
                sqlx::query("INSERT INTO joint_meeting_events (meeting_id, seq, action, at, actor, data) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(id)
                    .bind(e.seq)
                    .bind(e.data.action())
                    .bind(e.at)
                    .bind(&e.actor)
                    .bind(Json(&e.data))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            id
        }))
    }

    /// A meeting as its events make it, or `None`.
    pub async fn joint_meeting(&self, id: i64) -> Result<Option<JointMeeting>> {
        let body: Option<i64> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT body_id FROM joint_meetings WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        let Some(body) = body else {
            return Ok(None);
        };
        let rows: Vec<(i64, DateTime<Utc>, String, Json<MeetingEventData>)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                sqlx::query_as("SELECT seq, at, actor, data FROM joint_meeting_events WHERE meeting_id = $1 ORDER BY seq")
                    .bind(id)
                    .fetch_all(pool)
                    .await?
            }
        );
        let events: Vec<MeetingEvent> = rows
            .into_iter()
            .map(|(seq, at, actor, data)| MeetingEvent {
                seq,
                at,
                actor,
                data: data.0,
            })
            .collect();
        Ok(Some(JointMeeting::replay(id, body, &events)))
    }

    /// A body's meetings, the earliest day first.
    pub async fn joint_meetings(&self, body_id: i64) -> Result<Vec<JointMeeting>> {
        let ids: Vec<i64> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT id FROM joint_meetings WHERE body_id = $1 ORDER BY day, id")
                .bind(body_id)
                .fetch_all(pool)
                .await?
        });
        let mut out = Vec::new();
        for id in ids {
            if let Some(m) = self.joint_meeting(id).await? {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// Appends `event` if the meeting is still at `event.seq - 1`, with the projection from
    /// `after` and the candidate's move, in one transaction. False when the meeting (or the
    /// candidate) changed meanwhile: nothing is written.
    pub async fn append_joint_event(
        &self,
        after: &JointMeeting,
        event: &MeetingEvent,
        candidate: Option<CandidateMove>,
    ) -> Result<bool> {
        let step = Step {
            after,
            event,
            candidate,
        };
        match &self.backend {
            Backend::Sqlite { write, .. } => sqlite::append(write, &step).await,
            Backend::Postgres(pg) => postgres::append(pg, &step).await,
        }
    }

    /// Issues the minutes: appends the `IssueMinutes` event (with the number drawn once the
    /// version check has passed), records each decision's action item with its notices, and
    /// marks the decided cases, all in one transaction. `None` when the meeting changed
    /// meanwhile (another server issued it): nothing is written. Else the number printed.
    pub async fn issue_joint_minutes(
        &self,
        after: &JointMeeting,
        event: &MeetingEvent,
        draw: &NumberDraw,
        decisions: &[DecisionIssue],
        decided: &[i64],
        notices: ItemNotices<'_>,
    ) -> Result<Option<String>> {
        let step = Step {
            after,
            event,
            candidate: None,
        };
        let issue = Minutes {
            draw,
            decisions,
            decided,
        };
        match &self.backend {
            Backend::Sqlite { write, .. } => sqlite::issue(write, &step, &issue, notices).await,
            Backend::Postgres(pg) => postgres::issue(pg, &step, &issue, notices).await,
        }
    }

    /// The action items a meeting's minutes gave: (agenda item, decision, action item).
    pub async fn joint_decision_items(&self, meeting_id: i64) -> Result<Vec<(i64, i64, i64)>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT item_no, decision_no, action_item_id FROM joint_decision_items WHERE meeting_id = $1 ORDER BY item_no, decision_no")
                .bind(meeting_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The unverified action items of a body's minutes, the oldest first, with their requests.
    pub async fn joint_open_decisions(&self, body_id: i64) -> Result<Vec<OpenDecision>> {
        type Row = (i64, i64, String, String, DateTime<Utc>, DateTime<Utc>);
        let rows: Vec<Row> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT a.id, d.meeting_id, a.title, a.owner, a.due, d.first_admitted_at FROM joint_decision_items d JOIN action_items a ON a.id = d.action_item_id JOIN joint_meetings m ON m.id = d.meeting_id WHERE m.body_id = $1 AND a.state <> 'verified' ORDER BY a.issued_at, a.id")
                .bind(body_id)
                .fetch_all(pool)
                .await?
        });
        let mut out = Vec::new();
        for (id, meeting_id, title, owner, due, first) in rows {
            let requests: Vec<i64> = on_pool!(&self.backend, read, |pool, DB| {
                sqlx::query_scalar("SELECT request_id FROM action_item_requests WHERE item_id = $1 ORDER BY request_id")
                    .bind(id)
                    .fetch_all(pool)
                    .await?
            });
            out.push(OpenDecision {
                action_item_id: id,
                meeting_id,
                title,
                owner,
                requests,
                due,
                first_admitted_at: first,
            });
        }
        Ok(out)
    }

    /// The 销号台账 of a body: every action item of its minutes, by meeting and item.
    pub async fn joint_ledger(&self, body_id: i64) -> Result<Vec<LedgerLine>> {
        type Row = (
            i64,
            Option<String>,
            i64,
            i64,
            String,
            String,
            DateTime<Utc>,
            String,
        );
        let rows: Vec<Row> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT m.id, m.number_text, d.item_no, a.id, a.title, a.owner, a.due, a.state FROM joint_decision_items d JOIN action_items a ON a.id = d.action_item_id JOIN joint_meetings m ON m.id = d.meeting_id WHERE m.body_id = $1 ORDER BY m.day, m.id, d.item_no, d.decision_no")
                .bind(body_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(meeting_id, number, item_no, action_item_id, title, owner, due, state)| {
                    LedgerLine {
                        meeting_id,
                        number,
                        item_no,
                        action_item_id,
                        title,
                        owner,
                        due,
                        state,
                    }
                },
            )
            .collect())
    }
}

/// One step on a meeting.
struct Step<'a> {
    after: &'a JointMeeting,
    event: &'a MeetingEvent,
    candidate: Option<CandidateMove>,
}

/// What the minutes write besides their event.
struct Minutes<'a> {
    draw: &'a NumberDraw,
    decisions: &'a [DecisionIssue],
    decided: &'a [i64],
}

per_backend! {
    pub(super) async fn append(pool: &sqlx::Pool<DB>, s: &Step<'_>) -> Result<bool> {
        let mut tx = pool.begin().await?;
        if !claim(&mut tx, s).await? {
            return Ok(false);
        }
        if let Some(c) = s.candidate {
            let moved = sqlx::query("UPDATE joint_candidates SET state = $2 WHERE id = $1 AND state = $3")
                .bind(c.id)
                .bind(c.to.as_str())
                .bind(c.from.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if moved == 0 {
                return Ok(false);
            }
        }
        insert_event(&mut tx, s.after.id, s.event).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn issue(pool: &sqlx::Pool<DB>, s: &Step<'_>, m: &Minutes<'_>, notices: ItemNotices<'_>) -> Result<Option<String>> {
        let mut tx = pool.begin().await?;
        // Claim first: the number is drawn only by the server whose step stands.
        if !claim(&mut tx, s).await? {
            return Ok(None);
        }
        let seq: i64 = sqlx::query_scalar(NEXT_NUMBER)
            .bind(m.draw.key.kind.as_str())
            .bind(m.draw.key.unit.as_str())
            .bind(m.draw.key.year)
            .fetch_one(&mut *tx)
            .await?;
        let seq = u32::try_from(seq).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let text = DocumentNumber::new(&m.draw.key, &m.draw.issuer, seq).text();
        sqlx::query("UPDATE joint_meetings SET number = $2, number_text = $3 WHERE id = $1")
            .bind(s.after.id)
            .bind(i64::from(seq))
            .bind(&text)
            .execute(&mut *tx)
            .await?;
        let mut event = s.event.clone();
        if let MeetingEventData::IssueMinutes { number } = &mut event.data {
            *number = Some(text.clone());
        }
        insert_event(&mut tx, s.after.id, &event).await?;
        for d in m.decisions {
            let id = insert_item(&mut tx, &d.event, &d.item, notices).await?;
            sqlx::query("INSERT INTO joint_decision_items (meeting_id, item_no, decision_no, action_item_id, first_admitted_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(s.after.id)
                .bind(i64::from(d.item_no))
                .bind(i64::from(d.decision_no))
                .bind(id)
                .bind(d.first_admitted_at)
                .execute(&mut *tx)
                .await?;
        }
        for c in m.decided {
            sqlx::query("UPDATE joint_candidates SET state = 'decided' WHERE id = $1")
                .bind(*c)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(text))
    }

    /// The projection row moved to `after`, if still at the version before the event.
    async fn claim(conn: &mut Conn, s: &Step<'_>) -> Result<bool> {
        let n = sqlx::query("UPDATE joint_meetings SET state = $2, version = $3 WHERE id = $1 AND version = $4")
            .bind(s.after.id)
            .bind(s.after.state.as_str())
            .bind(s.event.seq)
            .bind(s.event.seq - 1)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    async fn insert_event(conn: &mut Conn, meeting: i64, e: &MeetingEvent) -> Result<()> {
        sqlx::query("INSERT INTO joint_meeting_events (meeting_id, seq, action, at, actor, data) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(meeting)
            .bind(e.seq)
            .bind(e.data.action())
            .bind(e.at)
            .bind(&e.actor)
            .bind(Json(&e.data))
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// An action item's row, co-units, requests, first event and notices, inside the
    /// minutes' transaction.
    async fn insert_item(conn: &mut Conn, issue: &ItemEvent, item: &ActionItem, notices: ItemNotices<'_>) -> Result<i64> {
        let (Some(source), Some(due), Some(issued_at)) = (item.source, item.due, item.issued_at) else {
            return Err(StoreError::Corrupt("an item without its issue event".into()));
        };
        Ok(insert_item!(conn, issue, item, source, due, issued_at, notices))
    }
}
