//! The council's topics (`topics`, the projection of `topic_events`). A topic's suggestions
//! are the suggestions whose `topic_id` names it. Every step is appended only on the
//! version it was decided on (the conditional UPDATE of `append_topic_event!`), with the
//! notices of the origin suggestions' authors in the same transaction.

use chrono::{DateTime, Utc};
use minhu_domain::notify::OutboxItem;
use minhu_domain::topic::{
    Stakeholder, Topic, TopicEvent, TopicEventData, TopicFields, TopicState,
};
use sqlx::types::Json;

use crate::suggestion::{from_json, queue_suggestion_notice};
use crate::{Result, Store, StoreError, on_pool};

const TOPIC_COLUMNS: &str = "id, community, title, facts, proposer_name, proposer_phone, procedure_code, stakeholders, origin_requests, state, created_by, created_at, updated_at, version";
type TopicRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    i64,
);

/// The first event of a topic.
pub(crate) fn propose_event(suggestions: Vec<i64>, at: DateTime<Utc>, by: &str) -> TopicEvent {
    TopicEvent {
        seq: 1,
        at,
        actor: by.to_string(),
        data: TopicEventData::Propose { suggestions },
    }
}

/// Inserts a draft topic and its `propose` event on `$tx`; evaluates to the new id.
macro_rules! insert_topic {
    ($tx:expr, $community:expr, $fields:expr, $stakeholders:expr, $propose:expr, $by:expr, $at:expr) => {{
        let id: i64 = sqlx::query_scalar("INSERT INTO topics (community, title, facts, proposer_name, proposer_phone, procedure_code, stakeholders, origin_requests, state, created_by, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $10, 1) RETURNING id")
            .bind($community)
            .bind(&$fields.title)
            .bind(&$fields.facts)
            .bind(&$fields.proposer_name)
            .bind($fields.proposer_phone.as_deref())
            .bind(&$fields.procedure)
            .bind($crate::suggestion::to_json(&$stakeholders)?)
            .bind($crate::suggestion::to_json(&$fields.origin_requests)?)
            .bind($by)
            .bind($at)
            .fetch_one(&mut *$tx)
            .await?;
        sqlx::query("INSERT INTO topic_events (topic_id, seq, at, actor, data) VALUES ($1, 1, $2, $3, $4)")
            .bind(id)
            .bind($at)
            .bind($by)
            .bind($crate::suggestion::to_json(&$propose.data)?)
            .execute(&mut *$tx)
            .await?;
        id
    }};
}

/// Appends `$event` to an open topic still at `$version` on `$tx`, moving it to `$state`
/// (`None`: the state it is in); evaluates to whether it was written.
macro_rules! append_topic_event {
    ($tx:expr, $id:expr, $version:expr, $event:expr, $state:expr) => {{
        let state: Option<&str> = $state;
        let claimed = sqlx::query("UPDATE topics SET state = COALESCE($3, state), updated_at = $4, version = version + 1 WHERE id = $1 AND version = $2 AND state IN ('draft', 'screened', 'scheduled')")
            .bind($id)
            .bind($version)
            .bind(state)
            .bind($event.at)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
        if claimed > 0 {
            sqlx::query("INSERT INTO topic_events (topic_id, seq, at, actor, data) VALUES ($1, $2, $3, $4, $5)")
                .bind($id)
                .bind($event.seq)
                .bind($event.at)
                .bind(&$event.actor)
                .bind($crate::suggestion::to_json(&$event.data)?)
                .execute(&mut *$tx)
                .await?;
        }
        claimed > 0
    }};
}
pub(crate) use {append_topic_event, insert_topic};

impl Store {
    /// Records a new draft topic (no suggestion yet); its id.
    pub async fn create_topic(
        &self,
        community: &str,
        fields: &TopicFields,
        stakeholders: &[Stakeholder],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let propose = propose_event(Vec::new(), now, by);
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let id = insert_topic!(tx, community, fields, stakeholders, &propose, by, now);
            tx.commit().await?;
            id
        }))
    }

    /// Appends a step to a topic still at `version`, moving it to `state`, with the
    /// notices to the authors of its suggestions (suggestion id, message); false when the
    /// topic changed meanwhile (nothing written).
    pub async fn append_topic_step(
        &self,
        id: i64,
        version: i64,
        event: &TopicEvent,
        state: TopicState,
        notices: &[(i64, OutboxItem)],
    ) -> Result<bool> {
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let written = append_topic_event!(tx, id, version, event, Some(state.as_str()));
            if written {
                for (suggestion, m) in notices {
                    queue_suggestion_notice!(tx, *suggestion, event.seq, event.at, m);
                }
                tx.commit().await?;
            }
            written
        }))
    }

    pub async fn topic(&self, id: i64) -> Result<Option<Topic>> {
        let sql = format!("SELECT {TOPIC_COLUMNS} FROM topics WHERE id = $1");
        let row: Option<TopicRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        match row {
            Some(r) => Ok(Some(self.with_suggestions(topic(r)?).await?)),
            None => Ok(None),
        }
    }

    /// A community's topics, the newest first.
    pub async fn topics(&self, community: &str) -> Result<Vec<Topic>> {
        let sql =
            format!("SELECT {TOPIC_COLUMNS} FROM topics WHERE community = $1 ORDER BY id DESC");
        let rows: Vec<TopicRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(community)
                .fetch_all(pool)
                .await?
        });
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.with_suggestions(topic(r)?).await?);
        }
        Ok(out)
    }

    async fn with_suggestions(&self, mut t: Topic) -> Result<Topic> {
        t.suggestions = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT id FROM suggestions WHERE topic_id = $1 ORDER BY id")
                .bind(t.id)
                .fetch_all(pool)
                .await?
        });
        Ok(t)
    }

    pub async fn topic_events(&self, id: i64) -> Result<Vec<TopicEvent>> {
        let rows: Vec<(i64, DateTime<Utc>, String, String)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                sqlx::query_as(
                    "SELECT seq, at, actor, data FROM topic_events WHERE topic_id = $1 ORDER BY seq",
                )
                .bind(id)
                .fetch_all(pool)
                .await?
            }
        );
        rows.into_iter()
            .map(|(seq, at, actor, data)| {
                Ok(TopicEvent {
                    seq,
                    at,
                    actor,
                    data: from_json(&data)?,
                })
            })
            .collect()
    }
}

fn topic(row: TopicRow) -> Result<Topic> {
    let (
        id,
        community,
        title,
        facts,
        proposer_name,
        proposer_phone,
        procedure,
        stakeholders,
        origin_requests,
        state,
        created_by,
        created_at,
        updated_at,
        version,
    ) = row;
    Ok(Topic {
        id,
        community,
        title,
        facts,
        proposer_name,
        proposer_phone,
        procedure,
        stakeholders: from_json(&stakeholders)?,
        origin_requests: from_json(&origin_requests)?,
        suggestions: Vec::new(),
        state: TopicState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("topic state '{state}'")))?,
        created_by,
        created_at,
        updated_at,
        version,
    })
}
