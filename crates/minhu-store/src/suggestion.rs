//! The suggestion box: boxes (`suggestion_boxes`), their openings (`box_openings`), the
//! suggestions (`suggestions`, the projection of `suggestion_events`) and their photos
//! (`suggestion_photos`, kept in `attachments`). A triage is one transaction: the
//! suggestion's row claimed on its version, its event, the topic it makes or joins (see
//! `topic.rs`), and the author's notice in the outbox, so a triage done twice at once is
//! written once and told once.

use chrono::{DateTime, Utc};
use minhu_domain::notify::OutboxItem;
use minhu_domain::suggestion::{
    Author, BoxFields, Opening, OpeningFields, Outcome, Source, Suggestion, SuggestionBox,
    SuggestionEvent, SuggestionEventData, SuggestionFields, SuggestionState,
};
use minhu_domain::topic::{Stakeholder, TopicEvent, TopicFields};
use sqlx::types::Json;

use crate::{Backend, Result, Store, StoreError, on_pool, per_backend};

/// What a triage writes besides the suggestion's event: the topic it makes or joins.
#[derive(Debug, Clone)]
pub enum TopicLink<'a> {
    None,
    /// A new topic in draft, with its stakeholders looked up in the register.
    New {
        fields: &'a TopicFields,
        stakeholders: &'a [Stakeholder],
    },
    /// An existing open topic, still at `version`; `event` is its `add_suggestion` step.
    Join {
        topic_id: i64,
        version: i64,
        event: &'a TopicEvent,
    },
}

/// A triage as decided on the suggestion's `version`: the event (its topic id, for a new
/// topic, filled in by the store), the topic link and the author's SMS, if any.
#[derive(Debug, Clone)]
pub struct TriageWrite<'a> {
    pub suggestion_id: i64,
    pub community: &'a str,
    pub version: i64,
    pub event: &'a SuggestionEvent,
    pub topic: TopicLink<'a>,
    pub notice: Option<OutboxItem>,
}

/// How a triage ended in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Triaged {
    /// Written; the topic made or joined, if any.
    Done { topic_id: Option<i64> },
    /// The suggestion changed since it was read: nothing written.
    SuggestionChanged,
    /// The topic changed (or closed) since it was read: nothing written.
    TopicChanged,
}

type BoxRow = (i64, String, String, String, String, DateTime<Utc>);
type OpeningRow = (
    i64,
    i64,
    DateTime<Utc>,
    String,
    String,
    i64,
    String,
    String,
    DateTime<Utc>,
);
const OPENING_COLUMNS: &str =
    "id, box_id, opened_at, opener_1, opener_2, slips, note, recorded_by, recorded_at";

pub(crate) const SUGGESTION_COLUMNS: &str = "id, community, source, opening_id, text, author_name, author_phone, state, merged_into, topic_id, answer, request_id, request_code, reason, received_by, received_at, version";
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SuggestionRow {
    id: i64,
    community: String,
    source: String,
    opening_id: Option<i64>,
    text: String,
    author_name: Option<String>,
    author_phone: Option<String>,
    state: String,
    merged_into: Option<i64>,
    topic_id: Option<i64>,
    answer: Option<String>,
    request_id: Option<i64>,
    request_code: Option<String>,
    reason: Option<String>,
    received_by: String,
    received_at: DateTime<Utc>,
    version: i64,
}

impl Store {
    /// Hangs a box in a community; its id.
    pub async fn add_suggestion_box(
        &self,
        community: &str,
        b: &BoxFields,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar("INSERT INTO suggestion_boxes (community, name, location, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(community)
                .bind(&b.name)
                .bind(&b.location)
                .bind(by)
                .bind(now)
                .fetch_one(pool)
                .await?
        }))
    }

    /// A community's boxes in the order they were hung.
    pub async fn suggestion_boxes(&self, community: &str) -> Result<Vec<SuggestionBox>> {
        let rows: Vec<BoxRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT id, community, name, location, created_by, created_at FROM suggestion_boxes WHERE community = $1 ORDER BY id")
                .bind(community)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(suggestion_box).collect())
    }

    pub async fn suggestion_box(&self, id: i64) -> Result<Option<SuggestionBox>> {
        let row: Option<BoxRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT id, community, name, location, created_by, created_at FROM suggestion_boxes WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(suggestion_box))
    }

    /// Records an opening of a box; its id.
    pub async fn record_opening(
        &self,
        box_id: i64,
        o: &OpeningFields,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar("INSERT INTO box_openings (box_id, opened_at, opener_1, opener_2, slips, note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(box_id)
                .bind(o.opened_at)
                .bind(&o.openers[0])
                .bind(&o.openers[1])
                .bind(o.slips)
                .bind(&o.note)
                .bind(by)
                .bind(now)
                .fetch_one(pool)
                .await?
        }))
    }

    /// A box's openings, the earliest first.
    pub async fn box_openings(&self, box_id: i64) -> Result<Vec<Opening>> {
        let sql = format!(
            "SELECT {OPENING_COLUMNS} FROM box_openings WHERE box_id = $1 ORDER BY opened_at, id"
        );
        let rows: Vec<OpeningRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(box_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(opening).collect())
    }

    pub async fn box_opening(&self, id: i64) -> Result<Option<Opening>> {
        let sql = format!("SELECT {OPENING_COLUMNS} FROM box_openings WHERE id = $1");
        let row: Option<OpeningRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(opening))
    }

    /// Records a suggestion with its `receive` event and its photos (kept already, by
    /// hash), in one transaction; its id.
    pub async fn add_suggestion(
        &self,
        community: &str,
        s: &SuggestionFields,
        photos: &[(String, Option<String>)],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let receive = SuggestionEvent {
            seq: 1,
            at: now,
            actor: by.to_string(),
            data: SuggestionEventData::Receive { source: s.source },
        };
        let data = to_json(&receive.data)?;
        let name = s.author.as_ref().and_then(|a| a.name.as_deref());
        let phone = s.author.as_ref().and_then(|a| a.phone.as_deref());
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO suggestions (community, source, opening_id, text, author_name, author_phone, state, received_by, received_at, version) VALUES ($1, $2, $3, $4, $5, $6, 'received', $7, $8, 1) RETURNING id")
                .bind(community)
                .bind(s.source.as_str())
                .bind(s.opening_id)
                .bind(&s.text)
                .bind(name)
                .bind(phone)
                .bind(by)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO suggestion_events (suggestion_id, seq, at, actor, data) VALUES ($1, 1, $2, $3, $4)")
                .bind(id)
                .bind(now)
                .bind(by)
                .bind(&data)
                .execute(&mut *tx)
                .await?;
            for (hash, file) in photos {
                sqlx::query("INSERT INTO suggestion_photos (suggestion_id, hash, name) VALUES ($1, $2, $3) ON CONFLICT (suggestion_id, hash) DO NOTHING")
                    .bind(id)
                    .bind(hash)
                    .bind(file.as_deref())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            id
        }))
    }

    pub async fn suggestion(&self, id: i64) -> Result<Option<Suggestion>> {
        let sql = format!("SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE id = $1");
        let row: Option<SuggestionRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(suggestion).transpose()
    }

    /// A community's suggestions, the newest first; only those in `state` when given.
    pub async fn suggestions(
        &self,
        community: &str,
        state: Option<SuggestionState>,
    ) -> Result<Vec<Suggestion>> {
        let sql = format!(
            "SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE community = $1 AND ($2 = '' OR state = $2) ORDER BY id DESC"
        );
        let state = state.map(SuggestionState::as_str).unwrap_or("");
        let rows: Vec<SuggestionRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(community)
                .bind(state)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(suggestion).collect()
    }

    /// The suggestions of an opening, or of a topic, in id order.
    pub async fn suggestions_where(&self, of: SuggestionsOf) -> Result<Vec<Suggestion>> {
        let (column, id) = match of {
            SuggestionsOf::Opening(id) => ("opening_id", id),
            SuggestionsOf::Topic(id) => ("topic_id", id),
        };
        let sql =
            format!("SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE {column} = $1 ORDER BY id");
        let rows: Vec<SuggestionRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(suggestion).collect()
    }

    pub async fn suggestion_events(&self, id: i64) -> Result<Vec<SuggestionEvent>> {
        let rows: Vec<(i64, DateTime<Utc>, String, String)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                sqlx::query_as("SELECT seq, at, actor, data FROM suggestion_events WHERE suggestion_id = $1 ORDER BY seq")
                    .bind(id)
                    .fetch_all(pool)
                    .await?
            }
        );
        rows.into_iter()
            .map(|(seq, at, actor, data)| {
                Ok(SuggestionEvent {
                    seq,
                    at,
                    actor,
                    data: from_json(&data)?,
                })
            })
            .collect()
    }

    /// The hashes (and file names) of a suggestion's photos.
    pub async fn suggestion_photos(&self, id: i64) -> Result<Vec<(String, Option<String>)>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT hash, name FROM suggestion_photos WHERE suggestion_id = $1 ORDER BY hash",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Writes a triage decided on `t.version`, in one transaction (see [`TriageWrite`]).
    pub async fn triage_suggestion(&self, t: &TriageWrite<'_>) -> Result<Triaged> {
        match &self.backend {
            Backend::Sqlite { write, .. } => sqlite::triage(write, t).await,
            Backend::Postgres(pg) => postgres::triage(pg, t).await,
        }
    }
}

/// Which suggestions [`Store::suggestions_where`] lists.
#[derive(Debug, Clone, Copy)]
pub enum SuggestionsOf {
    Opening(i64),
    Topic(i64),
}

per_backend! {
    pub(super) async fn triage(pool: &sqlx::Pool<DB>, t: &TriageWrite<'_>) -> Result<Triaged> {
        let mut tx = pool.begin().await?;
        let claimed = sqlx::query("UPDATE suggestions SET version = version + 1 WHERE id = $1 AND version = $2 AND state = 'received'")
            .bind(t.suggestion_id)
            .bind(t.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed == 0 {
            return Ok(Triaged::SuggestionChanged);
        }
        let topic_id = match &t.topic {
            TopicLink::None => None,
            TopicLink::New { fields, stakeholders } => {
                let at = t.event.at;
                let by = t.event.actor.as_str();
                let propose = crate::topic::propose_event(vec![t.suggestion_id], at, by);
                Some(crate::topic::insert_topic!(tx, t.community, fields, stakeholders, &propose, by, at))
            }
            TopicLink::Join { topic_id, version, event } => {
                if !crate::topic::append_topic_event!(tx, *topic_id, *version, event, None) {
                    return Ok(Triaged::TopicChanged);
                }
                Some(*topic_id)
            }
        };
        let mut event = t.event.clone();
        if let (SuggestionEventData::Topic { topic_id: slot }, Some(id)) = (&mut event.data, topic_id) {
            *slot = id;
        }
        let out = outcome_of(&event.data);
        sqlx::query("UPDATE suggestions SET state = $2, merged_into = $3, topic_id = $4, answer = $5, request_id = $6, request_code = $7, reason = $8 WHERE id = $1")
            .bind(t.suggestion_id)
            .bind(event.data.state().as_str())
            .bind(out.merged_into)
            .bind(out.topic_id)
            .bind(out.answer.as_deref())
            .bind(out.request_id)
            .bind(out.request_code.as_deref())
            .bind(out.reason.as_deref())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO suggestion_events (suggestion_id, seq, at, actor, data) VALUES ($1, $2, $3, $4, $5)")
            .bind(t.suggestion_id)
            .bind(event.seq)
            .bind(event.at)
            .bind(&event.actor)
            .bind(to_json(&event.data)?)
            .execute(&mut *tx)
            .await?;
        if let Some(m) = &t.notice {
            queue_suggestion_notice!(tx, t.suggestion_id, event.seq, event.at, m);
        }
        tx.commit().await?;
        Ok(Triaged::Done { topic_id })
    }
}

/// Queues the SMS `$m` to a suggestion's author on `$tx`: subject `suggestion`, no request;
/// due at once by the real clock (see `outbox::insert_outbox`).
macro_rules! queue_suggestion_notice {
    ($tx:expr, $id:expr, $seq:expr, $at:expr, $m:expr) => {
        sqlx::query(
            "INSERT INTO outbox (request_id, subject_kind, subject_id, event_seq, channel, target, secret, payload, created_at, next_attempt_at)
             VALUES (NULL, 'suggestion', $1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind($id)
        .bind($seq)
        .bind($m.channel.as_str())
        .bind($m.target.as_str())
        .bind($m.secret.as_deref())
        .bind(Json(&$m.payload))
        .bind($at)
        .bind(Utc::now())
        .execute(&mut *$tx)
        .await?;
    };
}
pub(crate) use queue_suggestion_notice;

fn outcome_of(data: &SuggestionEventData) -> Outcome {
    let mut out = Outcome::default();
    match data {
        SuggestionEventData::Receive { .. } => {}
        SuggestionEventData::Merge { into } => out.merged_into = Some(*into),
        SuggestionEventData::Topic { topic_id } => out.topic_id = Some(*topic_id),
        SuggestionEventData::Answer { answer } => out.answer = Some(answer.clone()),
        SuggestionEventData::Request { request_id, code } => {
            out.request_id = Some(*request_id);
            out.request_code = Some(code.clone());
        }
        SuggestionEventData::Reject { reason } => out.reason = Some(reason.clone()),
    }
    out
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{e}: {text}")))
}

fn suggestion_box(
    (id, community, name, location, created_by, created_at): BoxRow,
) -> SuggestionBox {
    SuggestionBox {
        id,
        community,
        name,
        location,
        created_by,
        created_at,
    }
}

fn opening(row: OpeningRow) -> Opening {
    let (id, box_id, opened_at, a, b, slips, note, recorded_by, recorded_at) = row;
    Opening {
        id,
        box_id,
        opened_at,
        openers: [a, b],
        slips,
        note,
        recorded_by,
        recorded_at,
    }
}

pub(crate) fn suggestion(row: SuggestionRow) -> Result<Suggestion> {
    let SuggestionRow {
        id,
        community,
        source,
        opening_id,
        text,
        author_name,
        author_phone,
        state,
        merged_into,
        topic_id,
        answer,
        request_id,
        request_code,
        reason,
        received_by,
        received_at,
        version,
    } = row;
    let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("{what} '{v}'"));
    let author = (author_name.is_some() || author_phone.is_some()).then_some(Author {
        name: author_name,
        phone: author_phone,
    });
    Ok(Suggestion {
        id,
        community,
        source: Source::parse(&source).ok_or_else(|| corrupt("source", &source))?,
        opening_id,
        text,
        author,
        state: SuggestionState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        outcome: Outcome {
            merged_into,
            topic_id,
            answer,
            request_id,
            request_code,
            reason,
        },
        received_by,
        received_at,
        version,
    })
}
