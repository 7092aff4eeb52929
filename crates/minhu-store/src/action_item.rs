//! 督办事项 (action items): the event log and its projection row. An item's state comes only
//! from its events (`minhu_domain::action_item::ActionItem::replay`); `action_items` is the
//! row the registers and the deadline monitor read, written in the same transaction as each
//! event and only if the item's version is still the one the caller decided on, as the
//! requests writer guarantees for requests. Of two servers appending to one item at once,
//! one wins; the other gets `None` and decides again on the fresh log. The messages an
//! event causes (the owner unit's notices) go into the outbox in the same transaction, so
//! an event is told exactly once, whichever server appended it.

use chrono::{DateTime, Utc};
use minhu_domain::action_item::{ActionItem, ItemEvent, ItemEventData, ItemState, OversightLevel};
use minhu_domain::document_number::{DocumentNumber, SequenceKey};
use minhu_domain::ids::{ActionItemId, UnitCode};
use sqlx::types::Json;

use crate::{OutboxItem, Result, Store, StoreError, on_pool};

/// The messages an item's event causes, worked out inside the appending transaction once
/// the event is final: the item's id is known and a 督办通知 carries its 文号.
pub type ItemNotices<'a> = &'a (dyn Fn(ActionItemId, &ItemEvent) -> Vec<OutboxItem> + Sync);

/// Queues `$messages` for item `$id`'s event `$event` on the transaction `$tx`: subject
/// `action_item`, no request; due at once by the real clock (see `outbox::insert_outbox`).
macro_rules! queue_item_notices {
    ($tx:expr, $id:expr, $event:expr, $messages:expr) => {
        for m in $messages {
            sqlx::query(
                "INSERT INTO outbox (request_id, subject_kind, subject_id, event_seq, channel, target, secret, payload, created_at, next_attempt_at)
                 VALUES (NULL, 'action_item', $1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind($id)
            .bind($event.seq)
            .bind(m.channel.as_str())
            .bind(m.target.as_str())
            .bind(m.secret.as_deref())
            .bind(Json(&m.payload))
            .bind($event.at)
            .bind(Utc::now())
            .execute(&mut *$tx)
            .await?;
        }
    };
}

/// Inserts an item's row, co-units and first event on the transaction `$tx`, with the
/// messages `$notices` gives for it: the one insert of an action item, used by
/// `Store::insert_action_item` and by the minutes of a grid meeting (issued together with
/// their items). Evaluates to the new id.
macro_rules! insert_item {
    ($tx:expr, $issue:expr, $item:expr, $source:expr, $due:expr, $issued_at:expr, $notices:expr) => {{
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO action_items (source_kind, source_id, title, issued_by, owner, co_units, due, state, oversight, issued_at, updated_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $9, 1) RETURNING id",
        )
        .bind($source.kind.as_str())
        .bind($source.id)
        .bind(&$item.title)
        .bind($item.issued_by.as_str())
        .bind($item.owner.as_str())
        .bind(co_units_text(&$item.co_units))
        .bind($due)
        .bind($item.state.as_str())
        .bind($issued_at)
        .fetch_one(&mut *$tx)
        .await?;
        for unit in &$item.co_units {
            sqlx::query("INSERT INTO action_item_units (item_id, unit) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(unit.as_str())
                .execute(&mut *$tx)
                .await?;
        }
        for request in &$item.requests {
            sqlx::query("INSERT INTO action_item_requests (item_id, request_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(request.0)
                .execute(&mut *$tx)
                .await?;
        }
        sqlx::query("INSERT INTO action_item_events (item_id, seq, action, at, actor, unit, data) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id)
            .bind($issue.seq)
            .bind($issue.data.action())
            .bind($issue.at)
            .bind(&$issue.actor)
            .bind($issue.unit.as_ref().map(UnitCode::as_str))
            .bind(Json(&$issue.data))
            .execute(&mut *$tx)
            .await?;
        queue_item_notices!($tx, id, $issue, $notices(ActionItemId(id), $issue));
        id
    }};
}
pub(crate) use {insert_item, queue_item_notices};

/// The SQL that hands out the next number of a document sequence, inside the caller's
/// transaction: the upsert takes the counter's row lock, so concurrent callers queue.
pub(crate) const NEXT_NUMBER: &str =
    "INSERT INTO document_counters (kind, issuer, year, last) VALUES ($1, $2, $3, 1)
     ON CONFLICT (kind, issuer, year) DO UPDATE SET last = document_counters.last + 1
     RETURNING last";

/// One line of the 督办 register: the projection row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub source_kind: String,
    pub source_id: i64,
    pub title: String,
    pub issued_by: String,
    pub owner: String,
    /// Comma-separated co-units.
    pub co_units: String,
    pub due: DateTime<Utc>,
    pub state: String,
    /// The highest rung of the ladder sent since the due date was set.
    pub oversight: Option<String>,
    pub issued_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl ItemRow {
    pub fn co_unit_list(&self) -> Vec<&str> {
        self.co_units.split(',').filter(|u| !u.is_empty()).collect()
    }
}

/// Which items a register lists. Every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    /// Owned by this unit, or helped by it as a co-unit.
    pub unit: Option<String>,
    pub issued_by: Option<String>,
    pub state: Option<ItemState>,
    pub source: Option<(String, i64)>,
    /// Tied to this request (see `action_item_requests`).
    pub request: Option<i64>,
    /// Still pending and past the due instant at this moment.
    pub overdue_at: Option<DateTime<Utc>>,
}

/// A document number the store draws as it appends the event that carries it, so a lost
/// race leaves no gap in the sequence.
#[derive(Debug, Clone)]
pub struct NumberDraw {
    pub key: SequenceKey,
    /// The issuer's short name as printed (德馨苑).
    pub issuer: String,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    at: DateTime<Utc>,
    actor: String,
    unit: Option<String>,
    data: Json<ItemEventData>,
}

const SELECT: &str = "SELECT id, source_kind, source_id, title, issued_by, owner, co_units, due, state, oversight, issued_at, updated_at, version FROM action_items";

fn highest_rung(item: &ActionItem) -> Option<&'static str> {
    item.oversight
        .iter()
        .max_by_key(|l| rung(**l))
        .map(|l| l.as_str())
}

fn rung(level: OversightLevel) -> u8 {
    match level {
        OversightLevel::Urge => 0,
        OversightLevel::Supervise => 1,
        OversightLevel::Bulletin => 2,
    }
}

pub(crate) fn co_units_text(units: &[UnitCode]) -> String {
    units
        .iter()
        .map(UnitCode::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

impl Store {
    /// Records a new item: its first (`issue`) event, its row and the messages `notices`
    /// gives for it, in one transaction. `item` is the state that event makes
    /// (`ActionItem::replay` of it alone).
    pub async fn insert_action_item(
        &self,
        issue: &ItemEvent,
        item: &ActionItem,
        notices: ItemNotices<'_>,
    ) -> Result<ActionItemId> {
        let (Some(source), Some(due), Some(issued_at)) = (item.source, item.due, item.issued_at)
        else {
            return Err(StoreError::Corrupt(
                "an item without its issue event".into(),
            ));
        };
        let id: i64 = on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let id = insert_item!(tx, issue, item, source, due, issued_at, notices);
            tx.commit().await?;
            id
        });
        Ok(ActionItemId(id))
    }

    /// Appends `event` to its item if the item is still at `event.seq - 1`, and writes the
    /// row from `after` (the state with the event applied), in one transaction. With a
    /// `draw`, the next number of that sequence goes into the event (a 督办通知's 文号),
    /// drawn only once the version check has passed; then the messages `notices` gives for
    /// the event as stored join the outbox. `None` when the item changed since it was read:
    /// nothing is written and the caller decides again.
    pub async fn append_item_event(
        &self,
        after: &ActionItem,
        event: &ItemEvent,
        draw: Option<&NumberDraw>,
        notices: ItemNotices<'_>,
    ) -> Result<Option<ItemEvent>> {
        let Some(due) = after.due else {
            return Err(StoreError::Corrupt("an item without a due date".into()));
        };
        let mut event = event.clone();
        let stored = on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let claimed = sqlx::query(
                "UPDATE action_items SET state = $1, due = $2, oversight = $3, updated_at = $4, version = $5
                 WHERE id = $6 AND version = $7",
            )
            .bind(after.state.as_str())
            .bind(due)
            .bind(highest_rung(after))
            .bind(event.at)
            .bind(event.seq)
            .bind(after.id.0)
            .bind(event.seq - 1)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed == 0 {
                None
            } else {
                if let (Some(d), ItemEventData::Oversee { number, .. }) = (draw, &mut event.data) {
                    let seq: i64 = sqlx::query_scalar(NEXT_NUMBER)
                        .bind(d.key.kind.as_str())
                        .bind(d.key.unit.as_str())
                        .bind(d.key.year)
                        .fetch_one(&mut *tx)
                        .await?;
                    let seq = u32::try_from(seq).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    *number = Some(DocumentNumber::new(&d.key, &d.issuer, seq).text());
                }
                sqlx::query("INSERT INTO action_item_events (item_id, seq, action, at, actor, unit, data) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(after.id.0)
                    .bind(event.seq)
                    .bind(event.data.action())
                    .bind(event.at)
                    .bind(&event.actor)
                    .bind(event.unit.as_ref().map(UnitCode::as_str))
                    .bind(Json(&event.data))
                    .execute(&mut *tx)
                    .await?;
                queue_item_notices!(tx, after.id.0, event, notices(after.id, &event));
                tx.commit().await?;
                Some(event)
            }
        });
        Ok(stored)
    }

    /// An item as its events make it, with the events, or `None`.
    pub async fn load_action_item(
        &self,
        id: ActionItemId,
    ) -> Result<Option<(ActionItem, Vec<ItemEvent>)>> {
        let rows: Vec<EventRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT seq, at, actor, unit, data FROM action_item_events WHERE item_id = $1 ORDER BY seq")
                .bind(id.0)
                .fetch_all(pool)
                .await?
        });
        if rows.is_empty() {
            return Ok(None);
        }
        let events: Vec<ItemEvent> = rows
            .into_iter()
            .map(|r| ItemEvent {
                seq: r.seq,
                at: r.at,
                actor: r.actor,
                unit: r.unit.map(UnitCode::new),
                data: r.data.0,
            })
            .collect();
        Ok(Some((ActionItem::replay(id, &events), events)))
    }

    /// The register's rows matching `filter`, due first.
    pub async fn action_items(&self, filter: &ItemFilter) -> Result<Vec<ItemRow>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(SELECT);
            q.push(" WHERE 1 = 1");
            if let Some(unit) = &filter.unit {
                q.push(" AND (owner = ")
                    .push_bind(unit.clone())
                    .push(" OR id IN (SELECT item_id FROM action_item_units WHERE unit = ")
                    .push_bind(unit.clone())
                    .push("))");
            }
            if let Some(issuer) = &filter.issued_by {
                q.push(" AND issued_by = ").push_bind(issuer.clone());
            }
            if let Some(state) = filter.state {
                q.push(" AND state = ").push_bind(state.as_str());
            }
            if let Some((kind, id)) = &filter.source {
                q.push(" AND source_kind = ")
                    .push_bind(kind.clone())
                    .push(" AND source_id = ")
                    .push_bind(*id);
            }
            if let Some(request) = filter.request {
                q.push(" AND id IN (SELECT item_id FROM action_item_requests WHERE request_id = ")
                    .push_bind(request)
                    .push(")");
            }
            if let Some(at) = filter.overdue_at {
                q.push(" AND state IN ('open', 'in_progress', 'reopened') AND due < ")
                    .push_bind(at);
            }
            q.push(" ORDER BY due, id");
            q.build_query_as::<ItemRow>().fetch_all(pool).await?
        }))
    }

    /// The items the deadline monitor must look at as of `at`: still pending, due before
    /// `horizon` (the reminder's lead time), and not yet at the top of the ladder.
    pub async fn action_items_for_oversight(
        &self,
        horizon: DateTime<Utc>,
    ) -> Result<Vec<ActionItemId>> {
        let ids: Vec<i64> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar(
                "SELECT id FROM action_items WHERE state IN ('open', 'in_progress', 'reopened')
                 AND due < $1 AND (oversight IS NULL OR oversight <> 'bulletin') ORDER BY due, id",
            )
            .bind(horizon)
            .fetch_all(pool)
            .await?
        });
        Ok(ids.into_iter().map(ActionItemId).collect())
    }
}
