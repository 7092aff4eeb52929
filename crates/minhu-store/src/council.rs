//! The residents' council hall: a deployment's own procedures (`council_procedures`), the
//! council bodies and members, sittings with their agenda, event log, attendance, votes,
//! online ballots and decisions; and the register's entitled lists (adult residents,
//! occupied households) a quorum is computed from.
//!
//! Every change of a sitting goes through [`Store::append_sitting`]: one transaction that
//! bumps the sitting's version only if it is still the one the change was decided on,
//! appends the event and writes the change — so two servers cannot both record a pass.

use chrono::{DateTime, NaiveDate, Utc};
use minhu_domain::council::procedure::{Body, ProcedureTemplate, Stage};
use minhu_domain::council::vote::{Count, Method, Vote, VoteState, Weight};
use minhu_domain::council::{
    AgendaItem, AttendanceFields, AttendanceLine, AttendeeKind, Council, CouncilFields,
    CouncilKind, CouncilState, Decision, DecisionState, Expected, Member, MemberRole, Presence,
    ResidentFact, Scope, Sitting, SittingEvent, SittingFields, SittingState,
};
use minhu_domain::document_number::DocumentNumber;

use minhu_domain::notify::OutboxItem;
use minhu_domain::topic::{TopicEvent, TopicState};
use sqlx::types::Json;

use crate::action_item::{NEXT_NUMBER, NumberDraw};

pub mod followup;
use crate::{Result, Store, StoreError, on_pool, per_backend};

/// A change of a sitting, written with its event on the version it was decided on.
#[derive(Debug, Clone)]
pub enum SittingWrite {
    /// An attendance line (replaces the subject's earlier line).
    Attendance(AttendanceFields),
    /// The sitting held or its quorum failed.
    State(SittingState),
    /// A vote opened on an agenda item.
    OpenVote {
        agenda_seq: i64,
        method: Method,
        weight: Weight,
        options: Vec<String>,
    },
    /// A vote counted, with what it came to.
    CloseVote {
        vote_id: i64,
        count: Count,
        present: u64,
        entitled: u64,
        passed: bool,
        carried: Option<String>,
    },
    PublishVote {
        vote_id: i64,
    },
    /// A decision from a counted vote, with its topic's `decide` step (if it has a topic).
    Decision {
        vote_id: i64,
        agenda_seq: i64,
        topic_id: Option<i64>,
        text: String,
        passed: bool,
        topic_step: Option<TopicStep>,
    },
    /// The minutes and summary approved, numbered.
    Minutes {
        minutes: String,
        summary: String,
        number: NumberDraw,
    },
}

/// A topic's step written with a sitting's change: the topic still at `version`, the
/// event, the state it moves to and the notices to its suggestions' authors.
#[derive(Debug, Clone)]
pub struct TopicStep {
    pub topic_id: i64,
    pub version: i64,
    pub event: TopicEvent,
    pub state: TopicState,
    pub notices: Vec<(i64, OutboxItem)>,
}

impl SittingWrite {
    fn kind(&self) -> &'static str {
        match self {
            SittingWrite::Attendance(_) => "attendance",
            SittingWrite::State(SittingState::Held) => "held",
            SittingWrite::State(SittingState::QuorumFailed) => "quorum_failed",
            SittingWrite::State(_) => "state",
            SittingWrite::OpenVote { .. } => "vote_opened",
            SittingWrite::CloseVote { .. } => "vote_closed",
            SittingWrite::PublishVote { .. } => "vote_published",
            SittingWrite::Decision { .. } => "decision_recorded",
            SittingWrite::Minutes { .. } => "minutes_approved",
        }
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} '{value}'"))
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| corrupt("day", text))
}

fn count_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

type SittingRow = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    Option<i64>,
    String,
    String,
    String,
    DateTime<Utc>,
    String,
    (Option<String>, Option<String>, Option<String>),
    String,
    DateTime<Utc>,
    i64,
);

type AttendanceRow = (String, i64, String, Option<i64>, DateTime<Utc>);

type VoteRow = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    i64,
    String,
    Option<i64>,
    Option<i64>,
    Option<bool>,
    Option<String>,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);
const VOTE_COLUMNS: &str = "id, sitting_id, agenda_seq, method, weight, options, counts, invalid, state, present, entitled, passed, carried, opened_by, opened_at, closed_at";

type DecisionRow = (
    i64,
    i64,
    i64,
    String,
    i64,
    Option<i64>,
    String,
    bool,
    String,
    String,
    DateTime<Utc>,
);
const DECISION_COLUMNS: &str = "id, sitting_id, vote_id, community, agenda_seq, topic_id, text, passed, state, recorded_by, recorded_at";

impl Store {
    // ---- procedures ------------------------------------------------------------------------

    /// Stores a community's own procedure; a second with the same code is a Duplicate.
    pub async fn add_procedure(
        &self,
        community: &str,
        p: &ProcedureTemplate,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let stages = json(&p.stages)?;
        let res: std::result::Result<i64, sqlx::Error> = on_pool!(
            &self.backend,
            write,
            |pool, DB| {
                sqlx::query_scalar("INSERT INTO council_procedures (community, code, name, stages, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(community)
                .bind(&p.code)
                .bind(&p.name)
                .bind(&stages)
                .bind(by)
                .bind(now)
                .fetch_one(pool)
                .await
            }
        );
        match res {
            Ok(id) => Ok(id),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Duplicate(format!("procedure {}", p.code)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A community's own procedures, by code.
    pub async fn procedures(&self, community: &str) -> Result<Vec<ProcedureTemplate>> {
        let rows: Vec<(String, String, String)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT code, name, stages FROM council_procedures WHERE community = $1 ORDER BY code")
                .bind(community)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(code, name, stages)| {
                let stages: Vec<Stage> =
                    serde_json::from_str(&stages).map_err(|e| corrupt("stages", &e.to_string()))?;
                Ok(ProcedureTemplate {
                    code,
                    name,
                    preset: false,
                    stages,
                })
            })
            .collect()
    }

    // ---- councils --------------------------------------------------------------------------

    /// Adds a council body with its members; its id.
    pub async fn add_council(
        &self,
        community: &str,
        c: &CouncilFields,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let buildings = json(&c.buildings)?;
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO councils (community, kind, name, scope, buildings, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(community)
                .bind(c.kind.as_str())
                .bind(&c.name)
                .bind(c.scope.as_str())
                .bind(&buildings)
                .bind(by)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            for m in &c.members {
                sqlx::query("INSERT INTO council_members (council_id, name, role, position, term_from, term_until, represents) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(id)
                    .bind(&m.name)
                    .bind(m.role.as_str())
                    .bind(&m.position)
                    .bind(m.term_from.map(day_text))
                    .bind(m.term_until.map(day_text))
                    .bind(&m.represents)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            id
        }))
    }

    pub async fn council(&self, id: i64) -> Result<Option<Council>> {
        let row: Option<(i64, String, String, String, String, String, String)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                sqlx::query_as("SELECT id, community, kind, name, scope, buildings, state FROM councils WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await?
            }
        );
        let Some((id, community, kind, name, scope, buildings, state)) = row else {
            return Ok(None);
        };
        Ok(Some(Council {
            id,
            community,
            kind: CouncilKind::parse(&kind).ok_or_else(|| corrupt("council kind", &kind))?,
            name,
            scope: Scope::parse(&scope).ok_or_else(|| corrupt("scope", &scope))?,
            buildings: serde_json::from_str(&buildings)
                .map_err(|_| corrupt("buildings", &buildings))?,
            state: CouncilState::parse(&state).ok_or_else(|| corrupt("council state", &state))?,
            members: self.council_members(id).await?,
        }))
    }

    async fn council_members(&self, council: i64) -> Result<Vec<Member>> {
        type Row = (
            i64,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
        );
        let rows: Vec<Row> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT id, name, role, position, term_from, term_until, represents FROM council_members WHERE council_id = $1 ORDER BY id")
                .bind(council)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(id, name, role, position, from, until, represents)| {
                Ok(Member {
                    id,
                    name,
                    role: MemberRole::parse(&role).ok_or_else(|| corrupt("member role", &role))?,
                    position,
                    term_from: from.as_deref().map(parse_day).transpose()?,
                    term_until: until.as_deref().map(parse_day).transpose()?,
                    represents,
                })
            })
            .collect()
    }

    /// A community's council bodies, in the order they were added.
    pub async fn councils(&self, community: &str) -> Result<Vec<Council>> {
        let ids: Vec<i64> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT id FROM councils WHERE community = $1 ORDER BY id")
                .bind(community)
                .fetch_all(pool)
                .await?
        });
        let mut out = Vec::new();
        for id in ids {
            if let Some(c) = self.council(id).await? {
                out.push(c);
            }
        }
        Ok(out)
    }

    // ---- the register's entitled lists -------------------------------------------------------

    /// The current residents of the occupied households of `community` (of `buildings` only,
    /// when given), for the adult check. Moved-out and deceased residents are left out.
    pub async fn council_residents(
        &self,
        community: &str,
        buildings: &[String],
    ) -> Result<Vec<ResidentFact>> {
        type Row = (i64, String, String, Option<i64>, String, String);
        let rows: Vec<Row> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT r.id, r.name, r.id_number, r.birth_year, b.number, h.room FROM residents r JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id WHERE b.community = $1 AND b.state <> 'demolished' AND h.state = 'occupied' AND r.state = 'current' ORDER BY b.number, h.room, r.id")
                .bind(community)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter(|r| buildings.is_empty() || buildings.contains(&r.4))
            .map(
                |(id, name, id_number, birth_year, building, room)| ResidentFact {
                    id,
                    name,
                    id_number,
                    birth_year: birth_year.and_then(|y| i32::try_from(y).ok()),
                    place: format!("{building}号楼{room}"),
                },
            )
            .collect())
    }

    /// The occupied households of `community` (of `buildings` when given) with at least one
    /// current resident: a household that moved out is not entitled.
    pub async fn council_households(
        &self,
        community: &str,
        buildings: &[String],
    ) -> Result<Vec<Expected>> {
        let rows: Vec<(i64, String, String, String)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT h.id, h.head_name, b.number, h.room FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.community = $1 AND b.state <> 'demolished' AND h.state = 'occupied' AND EXISTS (SELECT 1 FROM residents r WHERE r.household_id = h.id AND r.state = 'current') ORDER BY b.number, h.room, h.id")
                .bind(community)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter(|r| buildings.is_empty() || buildings.contains(&r.2))
            .map(|(id, head, building, room)| Expected {
                kind: AttendeeKind::Household,
                subject_id: id,
                name: head,
                place: format!("{building}号楼{room}"),
            })
            .collect())
    }

    // ---- sittings --------------------------------------------------------------------------

    /// Notices a sitting: its row, agenda and first event in one transaction, with the
    /// `schedule` step of each agenda topic still at its version (topic id, version); its
    /// id, or `None` when one of those topics changed meanwhile (nothing written).
    pub async fn create_sitting(
        &self,
        community: &str,
        s: &SittingFields,
        schedule: &[(i64, i64)],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let day = day_text(s.day);
        let stage = i64::try_from(s.stage).unwrap_or(0);
        let detail = json(
            &serde_json::json!({"day": day, "notice_posted_at": minhu_domain::time::rfc3339(s.notice_posted_at)}),
        )?;
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO sittings (community, procedure_code, stage, stage_name, body, council_id, title, day, place, notice_posted_at, created_by, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1) RETURNING id")
                .bind(community)
                .bind(&s.procedure)
                .bind(stage)
                .bind(&s.stage_name)
                .bind(s.body.as_str())
                .bind(s.council_id)
                .bind(&s.title)
                .bind(&day)
                .bind(&s.place)
                .bind(s.notice_posted_at)
                .bind(by)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            for a in &s.agenda {
                sqlx::query("INSERT INTO sitting_agenda_items (sitting_id, seq, title, motion, topic_id) VALUES ($1, $2, $3, $4, $5)")
                    .bind(id)
                    .bind(a.seq)
                    .bind(&a.title)
                    .bind(&a.motion)
                    .bind(a.topic_id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("INSERT INTO sitting_events (sitting_id, seq, kind, detail, actor, at) VALUES ($1, 1, 'noticed', $2, $3, $4)")
                .bind(id)
                .bind(&detail)
                .bind(by)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for (topic, version) in schedule {
                let event = crate::council::followup::schedule_event(id, *version, by, now);
                let state = Some(minhu_domain::topic::TopicState::Scheduled.as_str());
                if !crate::topic::append_topic_event!(tx, *topic, *version, event, state) {
                    return Ok(None);
                }
            }
            tx.commit().await?;
            Some(id)
        }))
    }

    pub async fn sitting(&self, id: i64) -> Result<Option<Sitting>> {
        self.sitting_flat(id).await
    }

    /// Reads a sitting in two queries (a row type holds at most 16 columns).
    async fn sitting_flat(&self, id: i64) -> Result<Option<Sitting>> {
        type Head = (
            i64,
            String,
            String,
            i64,
            String,
            String,
            Option<i64>,
            String,
            String,
            String,
            DateTime<Utc>,
            String,
        );
        type Tail = (
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            DateTime<Utc>,
            i64,
        );
        let head: Option<Head> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT id, community, procedure_code, stage, stage_name, body, council_id, title, day, place, notice_posted_at, state FROM sittings WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        let Some(h) = head else { return Ok(None) };
        let t: Tail = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT number_text, minutes, summary, created_by, created_at, version FROM sittings WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await?
        });
        let row: SittingRow = (
            h.0,
            h.1,
            h.2,
            h.3,
            h.4,
            h.5,
            h.6,
            h.7,
            h.8,
            h.9,
            h.10,
            h.11,
            (t.0, t.1, t.2),
            t.3,
            t.4,
            t.5,
        );
        Ok(Some(self.sitting_of(row).await?))
    }

    async fn sitting_of(&self, r: SittingRow) -> Result<Sitting> {
        let (
            id,
            community,
            procedure,
            stage,
            stage_name,
            body,
            council_id,
            title,
            day,
            place,
            posted,
            state,
            (number, minutes, summary),
            created_by,
            created_at,
            version,
        ) = r;
        Ok(Sitting {
            id,
            community,
            procedure,
            stage: usize::try_from(stage).unwrap_or(0),
            stage_name,
            body: Body::parse(&body).ok_or_else(|| corrupt("body", &body))?,
            council_id,
            title,
            day: parse_day(&day)?,
            place,
            notice_posted_at: posted,
            state: SittingState::parse(&state).ok_or_else(|| corrupt("sitting state", &state))?,
            agenda: self.sitting_agenda(id).await?,
            number,
            minutes,
            summary,
            created_by,
            created_at,
            version,
        })
    }

    async fn sitting_agenda(&self, id: i64) -> Result<Vec<AgendaItem>> {
        let rows: Vec<(i64, String, String, Option<i64>)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                sqlx::query_as("SELECT seq, title, motion, topic_id FROM sitting_agenda_items WHERE sitting_id = $1 ORDER BY seq")
                .bind(id)
                .fetch_all(pool)
                .await?
            }
        );
        Ok(rows
            .into_iter()
            .map(|(seq, title, motion, topic_id)| AgendaItem {
                seq,
                title,
                motion,
                topic_id,
            })
            .collect())
    }

    /// A community's sittings, the latest day first.
    pub async fn sittings(&self, community: &str) -> Result<Vec<Sitting>> {
        let ids: Vec<i64> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar(
                "SELECT id FROM sittings WHERE community = $1 ORDER BY day DESC, id DESC",
            )
            .bind(community)
            .fetch_all(pool)
            .await?
        });
        let mut out = Vec::new();
        for id in ids {
            if let Some(s) = self.sitting_flat(id).await? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// A sitting's event log in order.
    pub async fn sitting_events(&self, id: i64) -> Result<Vec<SittingEvent>> {
        let rows: Vec<(i64, String, String, String, DateTime<Utc>)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                sqlx::query_as("SELECT seq, kind, detail, actor, at FROM sitting_events WHERE sitting_id = $1 ORDER BY seq")
                .bind(id)
                .fetch_all(pool)
                .await?
            }
        );
        rows.into_iter()
            .map(|(seq, kind, detail, actor, at)| {
                Ok(SittingEvent {
                    seq,
                    kind,
                    detail: serde_json::from_str(&detail).map_err(|_| corrupt("event", &detail))?,
                    actor,
                    at,
                })
            })
            .collect()
    }

    /// A sitting's attendance lines, in the order signed.
    pub async fn sitting_attendance(&self, id: i64) -> Result<Vec<AttendanceLine>> {
        let rows: Vec<AttendanceRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT kind, subject_id, presence, proxy_to, signed_at FROM sitting_attendance WHERE sitting_id = $1 ORDER BY signed_at, id")
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(kind, subject_id, presence, proxy_to, signed_at)| {
                Ok(AttendanceLine {
                    kind: AttendeeKind::parse(&kind)
                        .ok_or_else(|| corrupt("attendee kind", &kind))?,
                    subject_id,
                    presence: Presence::parse(&presence)
                        .ok_or_else(|| corrupt("presence", &presence))?,
                    proxy_to,
                    signed_at,
                })
            })
            .collect()
    }

    /// Writes `change` on a sitting still at `version`, with its event (detail `detail`), in
    /// one transaction. `None` when the sitting changed meanwhile (nothing written); else the
    /// id the change made (a vote's, a decision's), or 0.
    pub async fn append_sitting(
        &self,
        id: i64,
        version: i64,
        change: &SittingWrite,
        detail: &serde_json::Value,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let a = Append {
            id,
            version,
            by,
            now,
            detail: json(detail)?,
        };
        match &self.backend {
            crate::Backend::Sqlite { write, .. } => sqlite::append(write, &a, change).await,
            crate::Backend::Postgres(pg) => postgres::append(pg, &a, change).await,
        }
    }

    // ---- votes and decisions -----------------------------------------------------------------

    pub async fn sitting_vote(&self, id: i64) -> Result<Option<Vote>> {
        let sql = format!("SELECT {VOTE_COLUMNS} FROM sitting_votes WHERE id = $1");
        let row: Option<VoteRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(vote).transpose()
    }

    pub async fn sitting_votes(&self, sitting: i64) -> Result<Vec<Vote>> {
        let sql =
            format!("SELECT {VOTE_COLUMNS} FROM sitting_votes WHERE sitting_id = $1 ORDER BY id");
        let rows: Vec<VoteRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(sitting)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(vote).collect()
    }

    /// Casts an online ballot on an open vote: `Ok(false)` when the voter has voted already
    /// (one per person, by the unique key), or the vote is no longer open.
    pub async fn cast_ballot(
        &self,
        vote_id: i64,
        kind: AttendeeKind,
        voter: i64,
        choice: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let res: std::result::Result<u64, sqlx::Error> = on_pool!(
            &self.backend,
            write,
            |pool, DB| {
                sqlx::query("INSERT INTO sitting_ballots (vote_id, voter_kind, voter_id, choice, cast_at) SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM sitting_votes WHERE id = $1 AND state = 'open')")
                .bind(vote_id)
                .bind(kind.as_str())
                .bind(voter)
                .bind(choice)
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
            }
        );
        match res {
            Ok(n) => Ok(n > 0),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The online ballots of a vote per option.
    pub async fn ballot_counts(&self, vote_id: i64) -> Result<Vec<(String, i64)>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT choice, COUNT(*) FROM sitting_ballots WHERE vote_id = $1 GROUP BY choice ORDER BY choice")
                .bind(vote_id)
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn council_decision(&self, id: i64) -> Result<Option<Decision>> {
        let sql = format!("SELECT {DECISION_COLUMNS} FROM council_decisions WHERE id = $1");
        let row: Option<DecisionRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(decision).transpose()
    }

    /// A sitting's decisions in the order recorded.
    pub async fn council_decisions(&self, sitting: i64) -> Result<Vec<Decision>> {
        let sql = format!(
            "SELECT {DECISION_COLUMNS} FROM council_decisions WHERE sitting_id = $1 ORDER BY id"
        );
        let rows: Vec<DecisionRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(sitting)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(decision).collect()
    }
}

/// The sitting a change claims and what it stamps.
struct Append<'a> {
    id: i64,
    version: i64,
    by: &'a str,
    now: DateTime<Utc>,
    detail: String,
}

per_backend! {
    pub(super) async fn append(pool: &sqlx::Pool<DB>, a: &Append<'_>, change: &SittingWrite) -> Result<Option<i64>> {
        let mut tx = pool.begin().await?;
        let state = match change {
            SittingWrite::State(s) => Some(s.as_str()),
            SittingWrite::Minutes { .. } => Some(SittingState::MinutesApproved.as_str()),
            _ => None,
        };
        let claimed = sqlx::query("UPDATE sittings SET version = version + 1, state = COALESCE($3, state) WHERE id = $1 AND version = $2")
            .bind(a.id)
            .bind(a.version)
            .bind(state)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed == 0 {
            return Ok(None);
        }
        sqlx::query("INSERT INTO sitting_events (sitting_id, seq, kind, detail, actor, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(a.id)
            .bind(a.version + 1)
            .bind(change.kind())
            .bind(&a.detail)
            .bind(a.by)
            .bind(a.now)
            .execute(&mut *tx)
            .await?;
        // The topic moves with the decision, or neither is written.
        if let SittingWrite::Decision { topic_step: Some(t), .. } = change {
            if !crate::topic::append_topic_event!(tx, t.topic_id, t.version, t.event, Some(t.state.as_str())) {
                return Ok(None);
            }
            for (suggestion, m) in &t.notices {
                crate::suggestion::queue_suggestion_notice!(tx, *suggestion, t.event.seq, t.event.at, m);
            }
        }
        let made = write(&mut tx, a, change).await?;
        tx.commit().await?;
        Ok(Some(made))
    }

    async fn write(conn: &mut Conn, a: &Append<'_>, change: &SittingWrite) -> Result<i64> {
        Ok(match change {
            SittingWrite::Attendance(f) => {
                sqlx::query("DELETE FROM sitting_attendance WHERE sitting_id = $1 AND kind = $2 AND subject_id = $3")
                    .bind(a.id).bind(f.kind.as_str()).bind(f.subject_id)
                    .execute(&mut *conn).await?;
                sqlx::query_scalar("INSERT INTO sitting_attendance (sitting_id, kind, subject_id, presence, proxy_to, signed_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                    .bind(a.id).bind(f.kind.as_str()).bind(f.subject_id).bind(f.presence.as_str())
                    .bind(f.proxy_to).bind(f.signed_at).bind(a.by)
                    .fetch_one(&mut *conn).await?
            }
            SittingWrite::State(_) | SittingWrite::PublishVote { vote_id: 0 } => 0,
            SittingWrite::OpenVote { agenda_seq, method, weight, options } => {
                sqlx::query_scalar("INSERT INTO sitting_votes (sitting_id, agenda_seq, method, weight, options, opened_by, opened_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                    .bind(a.id).bind(agenda_seq).bind(method.as_str()).bind(weight.as_str())
                    .bind(json(options)?).bind(a.by).bind(a.now)
                    .fetch_one(&mut *conn).await?
            }
            SittingWrite::CloseVote { vote_id, count, present, entitled, passed, carried } => {
                let n = sqlx::query("UPDATE sitting_votes SET state = 'closed', counts = $2, invalid = $3, present = $4, entitled = $5, passed = $6, carried = $7, closed_at = $8 WHERE id = $1 AND state = 'open'")
                    .bind(vote_id).bind(json(&count.counts)?).bind(count_i64(count.invalid))
                    .bind(count_i64(*present)).bind(count_i64(*entitled)).bind(passed).bind(carried.as_deref()).bind(a.now)
                    .execute(&mut *conn).await?.rows_affected();
                if n == 0 {
                    return Err(StoreError::Corrupt("a vote closed twice".into()));
                }
                *vote_id
            }
            SittingWrite::PublishVote { vote_id } => {
                sqlx::query("UPDATE sitting_votes SET state = 'published' WHERE id = $1 AND state = 'closed'")
                    .bind(vote_id).execute(&mut *conn).await?;
                *vote_id
            }
            SittingWrite::Decision { vote_id, agenda_seq, topic_id, text, passed, .. } => {
                sqlx::query_scalar("INSERT INTO council_decisions (sitting_id, vote_id, community, agenda_seq, topic_id, text, passed, recorded_by, recorded_at) SELECT $1, $2, community, $3, $4, $5, $6, $7, $8 FROM sittings WHERE id = $1 RETURNING id")
                    .bind(a.id).bind(vote_id).bind(agenda_seq).bind(topic_id).bind(text)
                    .bind(passed).bind(a.by).bind(a.now)
                    .fetch_one(&mut *conn).await?
            }
            SittingWrite::Minutes { minutes, summary, number } => {
                let seq: i64 = sqlx::query_scalar(NEXT_NUMBER)
                    .bind(number.key.kind.as_str())
                    .bind(number.key.unit.as_str())
                    .bind(number.key.year)
                    .fetch_one(&mut *conn)
                    .await?;
                let seq32 = u32::try_from(seq).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let text = DocumentNumber::new(&number.key, &number.issuer, seq32).text();
                sqlx::query("UPDATE sittings SET number = $2, number_text = $3, minutes = $4, summary = $5 WHERE id = $1")
                    .bind(a.id).bind(seq).bind(&text).bind(minutes).bind(summary)
                    .execute(&mut *conn).await?;
                seq
            }
        })
    }
}

fn vote(r: VoteRow) -> Result<Vote> {
    let (
        id,
        sitting_id,
        agenda_seq,
        method,
        weight,
        options,
        counts,
        invalid,
        state,
        present,
        entitled,
        passed,
        carried,
        opened_by,
        opened_at,
        closed_at,
    ) = r;
    let count = match counts {
        Some(c) => Some(Count {
            counts: serde_json::from_str(&c).map_err(|_| corrupt("counts", &c))?,
            invalid: u64::try_from(invalid).unwrap_or(0),
        }),
        None => None,
    };
    Ok(Vote {
        id,
        sitting_id,
        agenda_seq,
        method: Method::parse(&method).ok_or_else(|| corrupt("method", &method))?,
        weight: Weight::parse(&weight).ok_or_else(|| corrupt("weight", &weight))?,
        options: serde_json::from_str(&options).map_err(|_| corrupt("options", &options))?,
        count,
        state: VoteState::parse(&state).ok_or_else(|| corrupt("vote state", &state))?,
        present: present.and_then(|p| u64::try_from(p).ok()),
        entitled: entitled.and_then(|p| u64::try_from(p).ok()),
        passed,
        carried,
        opened_by,
        opened_at,
        closed_at,
    })
}

fn decision(r: DecisionRow) -> Result<Decision> {
    let (
        id,
        sitting_id,
        vote_id,
        community,
        agenda_seq,
        topic_id,
        text,
        passed,
        state,
        recorded_by,
        recorded_at,
    ) = r;
    Ok(Decision {
        id,
        sitting_id,
        vote_id,
        community,
        agenda_seq,
        topic_id,
        text,
        passed,
        state: DecisionState::parse(&state).ok_or_else(|| corrupt("decision state", &state))?,
        recorded_by,
        recorded_at,
    })
}
