//! The requests (工单): the writer's front door (intake, append), loading a request with
//! its log, the queues (one filtered page, newest first), the events of many requests, the
//! deadline monitor's candidates, a jurisdiction's dashboard figures, and requesters' names
//! for scrubbing public text.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use minhu_domain::request::{Event, Intake, Request, State, Warning};
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder, Sqlite};

use crate::{
    AppendOutcome, Backend, IntakeOutcome, OutboxItem, RequestSummary, Result, Store, on_pool, rows,
};

/// An event as stored: request id, sequence, action, time, actor, role, fields.
type EventRow = (
    i64,
    i64,
    String,
    DateTime<Utc>,
    String,
    String,
    Json<serde_json::Value>,
);

/// The dashboard's four reads: counts by state, arrivals, overdue, callback fields.
type DashboardRows = (
    Vec<(String, i64)>,
    Vec<(DateTime<Utc>,)>,
    i64,
    Vec<(Json<serde_json::Value>,)>,
);

/// Filter of a request queue.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only requests located under this jurisdiction path ("/D/S/C/").
    pub path_prefix: Option<String>,
    /// Only requests led or co-handled by this unit.
    pub unit: Option<String>,
    pub state: Option<State>,
    pub warning: Option<Warning>,
    /// Text search in subject and content, or an exact tracking code.
    pub q: Option<String>,
    /// Only these states (any when empty).
    pub states: Vec<State>,
    /// Only this category and those below it (code prefix).
    pub category: Option<String>,
    /// Leave out confidential requests (the public walls).
    pub public: bool,
    /// Only requests this person registered or acted on (the log's actor).
    pub actor: Option<String>,
    pub now: Option<DateTime<Utc>>,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Raw figures for a dashboard: requests per state, the received times since the start
/// of the window, how many are overdue now, and the satisfaction of callbacks in the window.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub states: Vec<(String, i64)>,
    pub received: Vec<DateTime<Utc>>,
    pub overdue: i64,
    pub satisfaction: HashMap<String, i64>,
}

impl Store {
    /// Registers a request with its first event. Committed before this returns. Idempotent
    /// on (channel, external_id): a repeat answers with the request already stored.
    pub async fn intake(
        &self,
        intake: Intake,
        jpath: String,
        first: Event,
    ) -> Result<IntakeOutcome> {
        self.writer.intake(intake, jpath, first, None).await
    }

    /// [`Store::intake`] for a request given a rating key: the key's hash (and the SMS that
    /// tells the requester) commit in the same transaction as the request.
    pub async fn intake_rated(
        &self,
        intake: Intake,
        jpath: String,
        first: Event,
        rating: crate::RatingIssue,
    ) -> Result<IntakeOutcome> {
        self.writer.intake(intake, jpath, first, Some(rating)).await
    }

    /// Appends one event if the request is still at `expected_version` (optimistic
    /// concurrency), updating the projection from `after` in the same transaction.
    /// `outbox` holds the notifications the event causes; they commit with it.
    pub async fn append(
        &self,
        after: &Request,
        event: Event,
        outbox: Vec<OutboxItem>,
    ) -> Result<AppendOutcome> {
        self.writer.append(after.clone(), event, outbox).await
    }

    /// Loads a request and derives its state from its events (returned alongside).
    pub async fn load_request(&self, id: i64) -> Result<Option<(Request, Vec<Event>)>> {
        let row: Option<rows::RequestRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(rows::REQUEST_SELECT_BY_ID)
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        match row {
            None => Ok(None),
            Some(r) => self.hydrate(r).await.map(Some),
        }
    }

    pub async fn load_request_by_code(&self, code: &str) -> Result<Option<(Request, Vec<Event>)>> {
        let row: Option<rows::RequestRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(rows::REQUEST_SELECT_BY_CODE)
                .bind(code)
                .fetch_optional(pool)
                .await?
        });
        match row {
            None => Ok(None),
            Some(r) => self.hydrate(r).await.map(Some),
        }
    }

    pub async fn events(&self, request_id: i64) -> Result<Vec<Event>> {
        let rows: Vec<rows::EventRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT seq, action, at, actor, role, data FROM events WHERE request_id = $1 ORDER BY seq")
                .bind(request_id)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(rows::EventRow::into_event).collect()
    }

    async fn hydrate(&self, row: rows::RequestRow) -> Result<(Request, Vec<Event>)> {
        let id = row.id;
        let intake = row.into_intake()?;
        let events = self.events(id).await?;
        Ok((Request::replay(id, intake, &events), events))
    }

    /// A page of a queue, newest first.
    pub async fn list_requests(&self, f: &ListFilter) -> Result<Page<RequestSummary>> {
        let page_size = f.page_size.clamp(1, 200) as i64;
        let offset = (f.page.max(1) as i64 - 1) * page_size;
        let now = f.now.unwrap_or_else(Utc::now);
        macro_rules! filters {
            ($qb:expr, $co_like:literal) => {{
                let qb = $qb;
                qb.push(" WHERE 1=1");
                if let Some(p) = &f.path_prefix {
                    // Range scan on the path index: '/' + 1 == '0'.
                    let upper = format!("{}0", p.trim_end_matches('/'));
                    qb.push(" AND jpath >= ").push_bind(p.clone()).push(" AND jpath < ").push_bind(upper);
                }
                if let Some(u) = &f.unit {
                    qb.push(" AND (lead_unit = ").push_bind(u.clone()).push(concat!(" OR ", $co_like)).push_bind(format!("%\"{u}\"%")).push(")");
                }
                if let Some(s) = f.state {
                    qb.push(" AND state = ").push_bind(s.as_str());
                }
                if !f.states.is_empty() {
                    qb.push(" AND state IN (");
                    let mut sep = qb.separated(", ");
                    for s in &f.states {
                        sep.push_bind(s.as_str());
                    }
                    qb.push(")");
                }
                if let Some(c) = &f.category {
                    qb.push(" AND (category = ").push_bind(c.clone()).push(" OR category LIKE ").push_bind(format!("{}/%", c.replace('%', "").replace('_', ""))).push(")");
                }
                if f.public {
                    qb.push(" AND confidential = FALSE");
                }
                if let Some(a) = &f.actor {
                    qb.push(" AND id IN (SELECT request_id FROM events WHERE actor = ").push_bind(a.clone()).push(")");
                }
                match f.warning {
                    Some(Warning::Red) => {
                        qb.push(" AND state IN ('dispatched', 'return_requested', 'in_progress') AND deadline < ").push_bind(now);
                    }
                    Some(Warning::Yellow) => {
                        qb.push(" AND state IN ('dispatched', 'return_requested', 'in_progress') AND yellow_at <= ")
                            .push_bind(now)
                            .push(" AND deadline >= ")
                            .push_bind(now);
                    }
                    Some(Warning::None) => {
                        qb.push(" AND NOT (state IN ('dispatched', 'return_requested', 'in_progress') AND yellow_at <= ").push_bind(now).push(")");
                    }
                    None => {}
                }
                if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
                    let like = format!("%{}%", q.replace('%', "").replace('_', ""));
                    qb.push(" AND (code = ").push_bind(q.to_string()).push(" OR content LIKE ").push_bind(like.clone()).push(" OR subject LIKE ").push_bind(like).push(")");
                }
            }};
        }
        let (items, total): (Vec<rows::SummaryRow>, i64) = match &self.backend {
            Backend::Sqlite { read, .. } => {
                // The page's ids first, from the indexes alone; then only those rows (a deep
                // page would otherwise sort every matching row with its text).
                let mut qb = QueryBuilder::<Sqlite>::new(rows::SUMMARY_SELECT);
                qb.push(" WHERE id IN (SELECT id FROM requests");
                filters!(&mut qb, "co_units LIKE ");
                qb.push(" ORDER BY id DESC LIMIT ")
                    .push_bind(page_size)
                    .push(" OFFSET ")
                    .push_bind(offset)
                    .push(") ORDER BY id DESC");
                let items = qb.build_query_as().fetch_all(read).await?;
                let mut cq = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM requests");
                filters!(&mut cq, "co_units LIKE ");
                (items, cq.build_query_scalar().fetch_one(read).await?)
            }
            Backend::Postgres(pg) => {
                // The page's ids first, from the indexes alone; then only those rows (a deep
                // page would otherwise sort every matching row with its text).
                let mut qb = QueryBuilder::<Postgres>::new(rows::SUMMARY_SELECT);
                qb.push(" WHERE id IN (SELECT id FROM requests");
                filters!(&mut qb, "co_units::text LIKE ");
                qb.push(" ORDER BY id DESC LIMIT ")
                    .push_bind(page_size)
                    .push(" OFFSET ")
                    .push_bind(offset)
                    .push(") ORDER BY id DESC");
                let items = qb.build_query_as().fetch_all(pg).await?;
                let mut cq = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM requests");
                filters!(&mut cq, "co_units::text LIKE ");
                (items, cq.build_query_scalar().fetch_one(pg).await?)
            }
        };
        let items = items
            .into_iter()
            .map(|r| r.into_summary(now))
            .collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total })
    }

    pub async fn count_requests(&self) -> Result<i64> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT COUNT(*) FROM requests")
                .fetch_one(pool)
                .await?
        }))
    }

    /// The events of several requests, by request id (for Open311 notes).
    pub async fn events_of(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<Event>>> {
        let mut out: HashMap<i64, Vec<Event>> = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<EventRow> = on_pool!(&self.backend, read, |pool, DB| {
                let mut qb = sqlx::QueryBuilder::<DB>::new(
                    "SELECT request_id, seq, action, at, actor, role, data FROM events WHERE request_id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(") ORDER BY request_id, seq");
                qb.build_query_as().fetch_all(pool).await?
            });
            for (rid, seq, action, at, actor, role, data) in rows {
                let e = rows::EventRow {
                    seq,
                    action,
                    at,
                    actor,
                    role,
                    data,
                }
                .into_event()?;
                out.entry(rid).or_default().push(e);
            }
        }
        Ok(out)
    }

    /// Requests the deadline monitor must look at as of `at`: clock running, yellow time
    /// come, and something possibly left to do; earliest first. The partial index
    /// `requests_sweep` keeps this proportional to the due requests, not the open ones
    /// (SQLite's planner, without statistics, must be told to use it).
    pub async fn sweep_candidates(&self, at: chrono::DateTime<Utc>) -> Result<Vec<i64>> {
        const WHERE: &str =
            " WHERE state IN ('dispatched', 'return_requested', 'in_progress') AND yellow_at <= $1
              AND (warned <> 'red' OR tier <> 'district') ORDER BY yellow_at, id";
        Ok(match &self.backend {
            crate::Backend::Sqlite { read, .. } => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT id FROM requests INDEXED BY requests_sweep{WHERE}"
                )))
                .bind(at)
                .fetch_all(read)
                .await?
            }
            crate::Backend::Postgres(pg) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT id FROM requests{WHERE}"
                )))
                .bind(at)
                .fetch_all(pg)
                .await?
            }
        })
    }

    /// Figures for a jurisdiction's dashboard since `since`.
    pub async fn dashboard(
        &self,
        path_prefix: &str,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Dashboard> {
        let upper = format!("{}0", path_prefix.trim_end_matches('/'));
        let (states, received, overdue, callbacks): DashboardRows = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                let states = sqlx::query_as(
                "SELECT state, COUNT(*) FROM requests WHERE jpath >= $1 AND jpath < $2 GROUP BY state",
            )
            .bind(path_prefix)
            .bind(&upper)
            .fetch_all(pool)
            .await?;
                let received = sqlx::query_as(
                "SELECT received_at FROM requests WHERE jpath >= $1 AND jpath < $2 AND received_at >= $3",
            )
            .bind(path_prefix)
            .bind(&upper)
            .bind(since)
            .fetch_all(pool)
            .await?;
                let overdue = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM requests WHERE jpath >= $1 AND jpath < $2
                 AND state IN ('dispatched', 'return_requested', 'in_progress') AND deadline < $3",
                )
                .bind(path_prefix)
                .bind(&upper)
                .bind(now)
                .fetch_one(pool)
                .await?;
                let callbacks = sqlx::query_as(
                    "SELECT e.data FROM events e JOIN requests r ON r.id = e.request_id
                 WHERE e.action = 'callback' AND r.jpath >= $1 AND r.jpath < $2 AND e.at >= $3",
                )
                .bind(path_prefix)
                .bind(&upper)
                .bind(since)
                .fetch_all(pool)
                .await?;
                (states, received, overdue, callbacks)
            }
        );
        let mut satisfaction: HashMap<String, i64> = HashMap::new();
        for (Json(v),) in callbacks {
            if let Some(s) = v.get("satisfaction").and_then(|s| s.as_str()) {
                *satisfaction.entry(s.to_string()).or_default() += 1;
            }
        }
        Ok(Dashboard {
            states,
            received: received.into_iter().map(|r| r.0).collect(),
            overdue,
            satisfaction,
        })
    }

    /// Requesters' names by request id (for scrubbing public text; never displayed).
    pub async fn requester_names(&self, ids: &[i64]) -> Result<HashMap<i64, String>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(i64, Option<String>)> = on_pool!(&self.backend, read, |pool, DB| {
            let mut qb =
                QueryBuilder::<DB>::new("SELECT id, requester_name FROM requests WHERE id IN (");
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(id, n)| n.map(|n| (id, n)))
            .collect())
    }

    /// Every requester's name and phone as stored: for privacy audits that check no public
    /// page or export shows them.
    pub async fn requester_identities(&self) -> Result<Vec<(Option<String>, Option<String>)>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT requester_name, requester_phone FROM requests WHERE requester_name IS NOT NULL OR requester_phone IS NOT NULL")
                .fetch_all(pool)
                .await?
        }))
    }
}
