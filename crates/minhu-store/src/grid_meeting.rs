//! The grid's responsibility list (`duty_items`), the weekly grid-worker meetings and daily
//! rollups (`grid_meetings`) with their items (`grid_meeting_items`), and what the rollup
//! and the public board read: the community's open `grid_patrol` requests, a grid's posts,
//! household count and shape. Every change of a meeting is a conditional UPDATE on its
//! state, so an issued meeting stays as issued however many servers try again.

use chrono::{DateTime, NaiveDate, Utc};
use minhu_domain::grid_meeting::{
    Duty, DutyFields, DutyState, FindingFact, Frequency, ItemFields, Meeting, MeetingFields,
    MeetingItem, MeetingKind, MeetingState, OpenRequestFact, PostKind, Rollup, Subject,
};
use minhu_domain::request::State;

use minhu_domain::action_item::{ActionItem, ItemEvent};
use minhu_domain::document_number::DocumentNumber;
use minhu_domain::ids::{ActionItemId, UnitCode};
use sqlx::types::Json;

use crate::action_item::{
    ItemNotices, NEXT_NUMBER, co_units_text, insert_item, queue_item_notices,
};
use crate::{Backend, NumberDraw, Result, Store, StoreError, on_pool, per_backend};

/// What issuing a meeting writes besides its state: the minutes' number to draw, the rollup
/// to fix, and the action items its decisions become, each with the meeting item it
/// follows up (the item's `issue` event and the state that event makes).
#[derive(Debug, Clone, Default)]
pub struct MeetingIssue {
    pub number: Option<NumberDraw>,
    pub rollup: Option<Rollup>,
    pub actions: Vec<(i64, ItemEvent, ActionItem)>,
}

/// A post of a grid as its public board shows it: the post, the holder's name, the armband
/// number and the work phone printed on the board. Nothing else of the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardPost {
    pub post: String,
    pub person_name: String,
    pub armband_no: String,
    pub board_phone: String,
}

type DutyRow = (i64, String, Option<String>, String, String, String, String);
const DUTY_COLUMNS: &str = "id, grid, post, duty, frequency, source_document, state";

type MeetingRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
    DateTime<Utc>,
    Option<String>,
    Option<DateTime<Utc>>,
    i64,
);
const MEETING_COLUMNS: &str = "id, community, kind, day, number_text, attendees, state, rollup, created_by, created_at, issued_by, issued_at, version";

type ItemRow = (
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);
const ITEM_COLUMNS: &str = "id, meeting_id, seq, request_id, finding_id, grid, text, decision, owner_unit, working_days, action_item_id";

impl Store {
    /// Adds a duty to a grid's list; its id.
    pub async fn add_duty(
        &self,
        grid: &str,
        d: &DutyFields,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar("INSERT INTO duty_items (grid, post, duty, frequency, source_document, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(grid)
                .bind(d.post.map(PostKind::as_str))
                .bind(&d.duty)
                .bind(d.frequency.as_str())
                .bind(&d.source_document)
                .bind(by)
                .bind(now)
                .fetch_one(pool)
                .await?
        }))
    }

    /// A grid's duties, the whole grid's first then by post, in the order they were added;
    /// retired ones only when asked.
    pub async fn duties(&self, grid: &str, with_retired: bool) -> Result<Vec<Duty>> {
        let sql = format!(
            "SELECT {DUTY_COLUMNS} FROM duty_items WHERE grid = $1 AND (state = 'active' OR $2) ORDER BY post IS NOT NULL, post, id"
        );
        let rows: Vec<DutyRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(grid)
                .bind(with_retired)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(duty).collect()
    }

    pub async fn duty(&self, id: i64) -> Result<Option<Duty>> {
        let sql = format!("SELECT {DUTY_COLUMNS} FROM duty_items WHERE id = $1");
        let row: Option<DutyRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(duty).transpose()
    }

    /// Retires an active duty; false when it was retired already.
    pub async fn retire_duty(&self, id: i64, by: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("UPDATE duty_items SET state = 'retired', retired_by = $2, retired_at = $3 WHERE id = $1 AND state = 'active'")
                .bind(id)
                .bind(by)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Opens a meeting or a day's rollup; its id. A second rollup of the same community and
    /// day is a [`StoreError::Duplicate`].
    pub async fn create_grid_meeting(
        &self,
        community: &str,
        m: &MeetingFields,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let attendees =
            serde_json::to_string(&m.attendees).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let day = m.day.format("%Y-%m-%d").to_string();
        let res: std::result::Result<i64, sqlx::Error> = on_pool!(
            &self.backend,
            write,
            |pool, DB| {
                sqlx::query_scalar("INSERT INTO grid_meetings (community, kind, day, attendees, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                    .bind(community)
                    .bind(m.kind.as_str())
                    .bind(&day)
                    .bind(&attendees)
                    .bind(by)
                    .bind(now)
                    .fetch_one(pool)
                    .await
            }
        );
        match res {
            Ok(id) => Ok(id),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Duplicate(
                format!("rollup of {community} on {day}"),
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn grid_meeting(&self, id: i64) -> Result<Option<Meeting>> {
        let sql = format!("SELECT {MEETING_COLUMNS} FROM grid_meetings WHERE id = $1");
        let row: Option<MeetingRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(meeting).transpose()
    }

    /// A community's meetings and rollups, the latest day first.
    pub async fn grid_meetings(&self, community: &str) -> Result<Vec<Meeting>> {
        let sql = format!(
            "SELECT {MEETING_COLUMNS} FROM grid_meetings WHERE community = $1 ORDER BY day DESC, id DESC"
        );
        let rows: Vec<MeetingRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(community)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(meeting).collect()
    }

    /// The ids of a community's meetings with an item about `grid`.
    pub async fn grid_meetings_concerning(&self, community: &str, grid: &str) -> Result<Vec<i64>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT DISTINCT m.id FROM grid_meetings m JOIN grid_meeting_items i ON i.meeting_id = m.id WHERE m.community = $1 AND i.grid = $2")
                .bind(community)
                .bind(grid)
                .fetch_all(pool)
                .await?
        }))
    }

    /// A meeting's items in agenda order.
    pub async fn grid_meeting_items(&self, meeting_id: i64) -> Result<Vec<MeetingItem>> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM grid_meeting_items WHERE meeting_id = $1 ORDER BY seq"
        );
        let rows: Vec<ItemRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(meeting_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(item).collect())
    }

    /// Adds an item at the end of a draft meeting's agenda; its id, or `None` when the
    /// meeting is no longer a draft (the bump of its version both checks the state and
    /// holds the meeting's row, so two items added at once get two places).
    pub async fn add_grid_meeting_item(
        &self,
        meeting_id: i64,
        f: &ItemFields,
        grid: Option<&str>,
    ) -> Result<Option<i64>> {
        let (request_id, finding_id) = match f.subject {
            Some(Subject::Request(id)) => (Some(id), None),
            Some(Subject::Finding(id)) => (None, Some(id)),
            None => (None, None),
        };
        let owner = f.action.as_ref().map(|a| a.owner_unit.as_str());
        let days = f.action.as_ref().map(|a| i64::from(a.working_days));
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let held = sqlx::query(
                "UPDATE grid_meetings SET version = version + 1 WHERE id = $1 AND state = 'draft'",
            )
            .bind(meeting_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let id: Option<i64> = if held == 0 {
                None
            } else {
                Some(sqlx::query_scalar("INSERT INTO grid_meeting_items (meeting_id, seq, request_id, finding_id, grid, text, decision, owner_unit, working_days) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM grid_meeting_items WHERE meeting_id = $1), $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                    .bind(meeting_id)
                    .bind(request_id)
                    .bind(finding_id)
                    .bind(grid)
                    .bind(&f.text)
                    .bind(f.decision.as_deref())
                    .bind(owner)
                    .bind(days)
                    .fetch_one(&mut *tx)
                    .await?)
            };
            tx.commit().await?;
            id
        }))
    }

    /// Issues a draft meeting still at `version` (nothing added since the caller read it),
    /// in one transaction: the state, the minutes' number, the fixed rollup and every action
    /// item with its link from the meeting item. `None` when the meeting is issued already
    /// or changed meanwhile: nothing is written. Else the number printed, if one was drawn.
    pub async fn issue_grid_meeting(
        &self,
        id: i64,
        version: i64,
        by: &str,
        now: DateTime<Utc>,
        issue: &MeetingIssue,
        notices: ItemNotices<'_>,
    ) -> Result<Option<Option<String>>> {
        let rollup = match &issue.rollup {
            Some(r) => {
                Some(serde_json::to_string(r).map_err(|e| StoreError::Corrupt(e.to_string()))?)
            }
            None => None,
        };
        let claim = Claim {
            id,
            version,
            by,
            now,
            rollup: rollup.as_deref(),
        };
        match &self.backend {
            Backend::Sqlite { write, .. } => sqlite::issue(write, &claim, issue, notices).await,
            Backend::Postgres(pg) => postgres::issue(pg, &claim, issue, notices).await,
        }
    }

    /// The open `grid_patrol` requests located in a community (its materialised path), the
    /// oldest first.
    pub async fn open_grid_patrol_requests(
        &self,
        community_path: &str,
    ) -> Result<Vec<OpenRequestFact>> {
        let open: Vec<String> = State::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let sql = format!(
            "SELECT id, code, jurisdiction, state, COALESCE(subject, ''), received_at FROM requests WHERE channel = 'grid_patrol' AND jpath LIKE $1 AND state IN ({}) ORDER BY received_at, id",
            open.join(", ")
        );
        let pattern = format!("{community_path}%");
        let rows: Vec<(i64, String, String, String, String, DateTime<Utc>)> =
            on_pool!(&self.backend, read, |pool, DB| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(&pattern)
                    .fetch_all(pool)
                    .await?
            });
        Ok(rows
            .into_iter()
            .map(
                |(id, code, grid, state, subject, received_at)| OpenRequestFact {
                    id,
                    code,
                    grid,
                    state,
                    subject,
                    received_at,
                },
            )
            .collect())
    }

    /// The findings made on `day` (Asia/Shanghai) in the grids of `community`, in id order.
    pub async fn community_findings_of_day(
        &self,
        community: &str,
        day: NaiveDate,
    ) -> Result<Vec<FindingFact>> {
        let day = day.format("%Y-%m-%d").to_string();
        let rows: Vec<(i64, String, String, String, Option<i64>)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                sqlx::query_as("SELECT f.id, f.grid, f.class, f.outcome, f.request_id FROM findings f JOIN jurisdictions j ON j.code = f.grid WHERE f.day = $1 AND j.parent = $2 ORDER BY f.id")
                    .bind(&day)
                    .bind(community)
                    .fetch_all(pool)
                    .await?
            }
        );
        Ok(rows
            .into_iter()
            .map(|(id, grid, class, outcome, request_id)| FindingFact {
                id,
                grid,
                class,
                solved_on_spot: outcome == "solved_on_spot",
                request_id,
            })
            .collect())
    }

    /// The grid a finding was made in, if the finding exists.
    pub async fn finding_grid(&self, id: i64) -> Result<Option<String>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT grid FROM findings WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The jurisdiction a request lies in, if the request exists.
    pub async fn request_jurisdiction(&self, id: i64) -> Result<Option<String>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT jurisdiction FROM requests WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// How many households of a grid are on the ledger (demolished ones left out).
    pub async fn grid_household_count(&self, grid: &str) -> Result<i64> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM households WHERE grid = $1 AND state <> 'demolished'",
            )
            .bind(grid)
            .fetch_one(pool)
            .await?
        }))
    }
}

/// The meeting an issue claims, and what it stamps on it.
struct Claim<'a> {
    id: i64,
    version: i64,
    by: &'a str,
    now: DateTime<Utc>,
    rollup: Option<&'a str>,
}

per_backend! {
    pub(super) async fn issue(pool: &sqlx::Pool<DB>, c: &Claim<'_>, issue: &MeetingIssue, notices: ItemNotices<'_>) -> Result<Option<Option<String>>> {
        let mut tx = pool.begin().await?;
        let claimed = sqlx::query("UPDATE grid_meetings SET state = 'issued', issued_by = $2, issued_at = $3, rollup = $4, version = version + 1 WHERE id = $1 AND state = 'draft' AND version = $5")
            .bind(c.id)
            .bind(c.by)
            .bind(c.now)
            .bind(c.rollup)
            .bind(c.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed == 0 {
            return Ok(None);
        }
        let number = match &issue.number {
            Some(draw) => Some(draw_number(&mut tx, c.id, draw).await?),
            None => None,
        };
        for (meeting_item, event, item) in &issue.actions {
            let action_id = insert_item(&mut tx, event, item, notices).await?;
            sqlx::query("UPDATE grid_meeting_items SET action_item_id = $2 WHERE id = $1")
                .bind(meeting_item)
                .bind(action_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(number))
    }

    /// Draws the minutes' number and writes it on the meeting.
    async fn draw_number(conn: &mut Conn, id: i64, draw: &NumberDraw) -> Result<String> {
        let seq: i64 = sqlx::query_scalar(NEXT_NUMBER)
            .bind(draw.key.kind.as_str())
            .bind(draw.key.unit.as_str())
            .bind(draw.key.year)
            .fetch_one(&mut *conn)
            .await?;
        let seq = u32::try_from(seq).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let text = DocumentNumber::new(&draw.key, &draw.issuer, seq).text();
        sqlx::query("UPDATE grid_meetings SET number = $2, number_text = $3 WHERE id = $1")
            .bind(id)
            .bind(i64::from(seq))
            .bind(&text)
            .execute(&mut *conn)
            .await?;
        Ok(text)
    }

    /// An action item's row, co-units, first event and notices, inside the meeting's
    /// transaction: minutes and the items they give are issued (and told) together or not
    /// at all.
    async fn insert_item(conn: &mut Conn, issue: &ItemEvent, item: &ActionItem, notices: ItemNotices<'_>) -> Result<i64> {
        let (Some(source), Some(due), Some(issued_at)) = (item.source, item.due, item.issued_at) else {
            return Err(StoreError::Corrupt("an item without its issue event".into()));
        };
        Ok(insert_item!(conn, issue, item, source, due, issued_at, notices))
    }
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} '{value}'"))
}

fn duty((id, grid, post, duty, frequency, source_document, state): DutyRow) -> Result<Duty> {
    let post = match post {
        Some(p) => Some(PostKind::parse(&p).ok_or_else(|| corrupt("post", &p))?),
        None => None,
    };
    Ok(Duty {
        id,
        grid,
        post,
        duty,
        frequency: Frequency::parse(&frequency).ok_or_else(|| corrupt("frequency", &frequency))?,
        source_document,
        state: DutyState::parse(&state).ok_or_else(|| corrupt("duty state", &state))?,
    })
}

fn meeting(row: MeetingRow) -> Result<Meeting> {
    let (
        id,
        community,
        kind,
        day,
        number,
        attendees,
        state,
        rollup,
        created_by,
        created_at,
        issued_by,
        issued_at,
        version,
    ) = row;
    let rollup: Option<Rollup> = match rollup {
        Some(text) => {
            Some(serde_json::from_str(&text).map_err(|e| corrupt("rollup", &e.to_string()))?)
        }
        None => None,
    };
    Ok(Meeting {
        id,
        community,
        kind: MeetingKind::parse(&kind).ok_or_else(|| corrupt("meeting kind", &kind))?,
        day: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| corrupt("day", &day))?,
        number,
        attendees: serde_json::from_str(&attendees)
            .map_err(|_| corrupt("attendees", &attendees))?,
        state: MeetingState::parse(&state).ok_or_else(|| corrupt("meeting state", &state))?,
        rollup,
        created_by,
        created_at,
        issued_by,
        issued_at,
        version,
    })
}

fn item(row: ItemRow) -> MeetingItem {
    let (
        id,
        meeting_id,
        seq,
        request_id,
        finding_id,
        grid,
        text,
        decision,
        owner_unit,
        days,
        action_item_id,
    ) = row;
    let subject = match (request_id, finding_id) {
        (Some(r), _) => Some(Subject::Request(r)),
        (None, Some(f)) => Some(Subject::Finding(f)),
        (None, None) => None,
    };
    MeetingItem {
        id,
        meeting_id,
        seq,
        subject,
        grid,
        text,
        decision,
        owner_unit,
        working_days: days.and_then(|d| u32::try_from(d).ok()),
        action_item_id,
    }
}
