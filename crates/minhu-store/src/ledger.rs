//! Storage of the ledgers: the evaluation policy and exclusions, the
//! pre-aggregated facts table and its incremental refresh from the event log, and the
//! queries the daily register and the reports run.
//!
//! ## Keeping the facts current
//!
//! `ledger_facts` holds additive counters per (level, code, local day), each a sum of the
//! facts of single requests ([`minhu_domain::ledger::request_facts`], a pure function of the
//! request's log). `ledger_requests` keeps, per request, the facts last applied. A refresh
//! ([`Store::ledger_refresh`]):
//!
//! 1. reads where the last refresh stood and where the log stands now ([`crate::ledger_horizon`]:
//!    the event-id watermark, and on PostgreSQL the transactions then still running);
//!    nothing to do when nothing new can be visible (and no request is marked dirty): one
//!    indexed read, well under a millisecond;
//! 2. collects the requests with events the last refresh did not see (plus `ledger_dirty`,
//!    e.g. an exclusion from scoring), replays each from its whole log, computes its facts;
//! 3. per chunk of 1,000 requests, in one transaction: reads their old facts, applies
//!    "new minus old" to `ledger_facts` by additive UPSERTs, stores the new facts;
//! 4. moves the watermark.
//!
//! Reapplying a request is idempotent (the delta against what was stored is zero), so a
//! crash between chunks only repeats work. Every chunk transaction starts by writing the
//! `ledger_state` row, which serialises refreshes (a row lock on PostgreSQL, the write lock
//! on SQLite). Event ids need not become visible in id order (an import's transaction, or
//! the writers of several servers on one PostgreSQL): the horizon covers that. A new evaluation policy version (its period start
//! decides which callback of a month counts) rebuilds the table from scratch.
//!
//! Reports call the refresh first, so they are current to the last event; `minhu ledger
//! refresh [--every SECS]` keeps it warm from outside.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use minhu_domain::ledger::facts::{Counters, FactKey, FactLevel, Metric, N_METRICS, RequestFacts};
use minhu_domain::ledger::{
    EvaluationPolicy, LightRow, Period, RegisterFacts, TopicRow, YearMonth,
};
use minhu_domain::org::Org;
use minhu_domain::request::{
    Channel, Event, Intake, Request, RequestType, Requester, State, Urgency,
};
use sqlx::types::Json;

use crate::{Result, Store, StoreError, on_pool, rows};

const METRIC_COLUMNS: &str = "received, dispatched, due, closed, closed_on_time, late, returned, reopened, urged, supervised, valid_callbacks, contacted, solved, satisfied, basically_satisfied, unsatisfied";

/// The outcome of a refresh.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerRefresh {
    /// Requests whose facts were recomputed.
    pub requests: usize,
    /// The event id the facts are now current to.
    pub watermark: i64,
    /// The table was rebuilt from scratch (first run or a new policy version).
    pub rebuilt: bool,
}

/// A stored evaluation policy version.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPolicy {
    pub policy: EvaluationPolicy,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    pub request_id: i64,
    pub reason: String,
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct PolicyRow {
    version: i64,
    w_response: f64,
    w_resolution: f64,
    w_satisfaction: f64,
    basic_factor: f64,
    period_start_day: i64,
    note: String,
    created_by: String,
    created_at: DateTime<Utc>,
}

impl PolicyRow {
    fn into_stored(self) -> StoredPolicy {
        StoredPolicy {
            policy: EvaluationPolicy {
                version: self.version,
                w_response: self.w_response,
                w_resolution: self.w_resolution,
                w_satisfaction: self.w_satisfaction,
                basic_factor: self.basic_factor,
                period_start_day: self.period_start_day as u32,
            },
            note: self.note,
            created_by: self.created_by,
            created_at: self.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct EventRowWithRequest {
    request_id: i64,
    seq: i64,
    action: String,
    at: DateTime<Utc>,
    actor: String,
    role: String,
    data: Json<serde_json::Value>,
}

#[derive(sqlx::FromRow)]
struct LightDbRow {
    id: i64,
    code: String,
    received_at: DateTime<Utc>,
    channel: String,
    #[sqlx(rename = "type")]
    kind: String,
    category: Option<String>,
    jurisdiction: String,
    urgency: String,
    state: String,
    lead_unit: Option<String>,
    requester_phone: Option<String>,
    subject: Option<String>,
}

/// One request of a register page: its intake fields (all but lat, lon and external_id,
/// which the register does not show) and its stored register facts.
#[derive(Debug, Clone)]
pub struct RegisterSource {
    pub id: i64,
    pub intake: Intake,
    /// None when the refresh has not seen the request yet.
    pub facts: Option<RegisterFacts>,
}

/// A register row as the page query returns it: id, code, channel, type, subject,
/// content, requester name and phone, address, jurisdiction, category, confidential,
/// received_at, register facts.
#[derive(serde::Deserialize)]
struct RegisterJsonRow(
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Flag,
    String,
    Option<RegisterFacts>,
);

/// A boolean as SQLite (0/1) or PostgreSQL (true/false) puts it in JSON.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Flag {
    Bool(bool),
    Int(i64),
}

impl Flag {
    fn is_true(&self) -> bool {
        match self {
            Flag::Bool(b) => *b,
            Flag::Int(i) => *i != 0,
        }
    }
}

const REQUEST_COLUMNS: &str = "SELECT id, code, channel, type, subject, content, requester_name, requester_phone, address, lat, lon, \
     jurisdiction, category, confidential, external_id, received_at FROM requests";

/// Range of a subtree in `jpath` order ('/' + 1 == '0').
fn jpath_upper(jpath: &str) -> String {
    format!("{}0", jpath.trim_end_matches('/'))
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {v}"))
}

impl Store {
    /// The latest evaluation policy (version 1 of DESIGN §8 when none was saved).
    pub async fn evaluation_policy(&self) -> Result<EvaluationPolicy> {
        Ok(self
            .evaluation_policies()
            .await?
            .pop()
            .map(|s| s.policy)
            .unwrap_or_else(EvaluationPolicy::default_v1))
    }

    /// Every version, oldest first.
    pub async fn evaluation_policies(&self) -> Result<Vec<StoredPolicy>> {
        let rows: Vec<PolicyRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT version, w_response, w_resolution, w_satisfaction, basic_factor, period_start_day, note, created_by, created_at FROM evaluation_policies ORDER BY version")
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(PolicyRow::into_stored).collect())
    }

    /// Saves a new version (versions are never edited).
    pub async fn save_evaluation_policy(
        &self,
        p: &EvaluationPolicy,
        note: &str,
        by: &str,
    ) -> Result<()> {
        let now = minhu_domain::time::truncate_ms(Utc::now());
        let res = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("INSERT INTO evaluation_policies (version, w_response, w_resolution, w_satisfaction, basic_factor, period_start_day, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(p.version)
                .bind(p.w_response)
                .bind(p.w_resolution)
                .bind(p.w_satisfaction)
                .bind(p.basic_factor)
                .bind(p.period_start_day as i64)
                .bind(note)
                .bind(by)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        });
        match res {
            Ok(()) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Duplicate(
                format!("evaluation policy version {}", p.version),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Excludes a request from scoring, with the reason and who approved it. False when it
    /// was excluded already. Its facts are recomputed at the next refresh.
    pub async fn exclude_from_evaluation(
        &self,
        request_id: i64,
        reason: &str,
        approved_by: &str,
    ) -> Result<bool> {
        let now = minhu_domain::time::truncate_ms(Utc::now());
        let n = on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("INSERT INTO evaluation_exclusions (request_id, reason, approved_by, approved_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(request_id)
                .bind(reason)
                .bind(approved_by)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("INSERT INTO ledger_dirty (request_id) VALUES ($1) ON CONFLICT DO NOTHING")
                .bind(request_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    pub async fn evaluation_exclusions(&self) -> Result<Vec<Exclusion>> {
        let rows: Vec<(i64, String, String, DateTime<Utc>)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                sqlx::query_as("SELECT request_id, reason, approved_by, approved_at FROM evaluation_exclusions ORDER BY approved_at, request_id")
                    .fetch_all(pool)
                    .await?
            }
        );
        Ok(rows
            .into_iter()
            .map(|(request_id, reason, approved_by, approved_at)| Exclusion {
                request_id,
                reason,
                approved_by,
                approved_at,
            })
            .collect())
    }

    /// Requests with their whole logs, by id (replayed), in id order.
    pub async fn load_requests_with_events(
        &self,
        ids: &[i64],
    ) -> Result<Vec<(Request, Vec<Event>)>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(1000) {
            let (reqs, evs): (Vec<rows::RequestRow>, Vec<EventRowWithRequest>) = on_pool!(
                &self.backend,
                read,
                |pool, DB| {
                    let mut q = sqlx::QueryBuilder::<DB>::new(REQUEST_COLUMNS);
                    q.push(" WHERE id IN (");
                    let mut sep = q.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    q.push(") ORDER BY id");
                    let reqs = q.build_query_as().fetch_all(pool).await?;
                    let mut q = sqlx::QueryBuilder::<DB>::new(
                        "SELECT request_id, seq, action, at, actor, role, data FROM events WHERE request_id IN (",
                    );
                    let mut sep = q.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    q.push(") ORDER BY request_id, seq");
                    (reqs, q.build_query_as().fetch_all(pool).await?)
                }
            );
            let mut by_req: HashMap<i64, Vec<Event>> = HashMap::with_capacity(reqs.len());
            for e in evs {
                let id = e.request_id;
                let ev = rows::EventRow {
                    seq: e.seq,
                    action: e.action,
                    at: e.at,
                    actor: e.actor,
                    role: e.role,
                    data: e.data,
                }
                .into_event()?;
                by_req.entry(id).or_default().push(ev);
            }
            for r in reqs {
                let id = r.id;
                let intake = r.into_intake()?;
                let events = by_req.remove(&id).unwrap_or_default();
                out.push((Request::replay(id, intake, &events), events));
            }
        }
        Ok(out)
    }

    /// Ids of the requests located in a subtree (`jpath` prefix) received in [from, to),
    /// in order of receipt.
    pub async fn ledger_ids_received(
        &self,
        jpath: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT id FROM requests WHERE jpath >= $1 AND jpath < $2 AND received_at >= $3 AND received_at < $4 ORDER BY received_at, id")
                .bind(jpath)
                .bind(jpath_upper(jpath))
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
        }))
    }

    /// A page of the register of a subtree (`jpath` prefix): the requests received in
    /// [from, to), in order of receipt (then id), after `after` = (received_at, id) of the
    /// last row of the previous page, at most `limit`. Each with its intake fields and the
    /// register facts the last refresh stored (None for a request it has not seen yet: the
    /// caller replays those).
    pub async fn ledger_register_page(
        &self,
        jpath: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after: Option<(DateTime<Utc>, i64)>,
        limit: usize,
    ) -> Result<Vec<RegisterSource>> {
        let hint = self.subtree_index(jpath);
        // One text value per row (the intake fields as a JSON array, the stored register
        // facts appended as its last element): a single decoded value per row instead of
        // seventeen halves the cost of moving 100,000 rows out of SQLite.
        let (array, cast) = match self.backend_name() {
            "sqlite" => ("json_array", ""),
            _ => ("json_build_array", "::text"),
        };
        let rows: Vec<String> = on_pool!(&self.backend, read, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(format!(
                "SELECT rtrim({array}(r.id, r.code, r.channel, r.type, r.subject, r.content, r.requester_name, r.requester_phone, r.address, \
                 r.jurisdiction, r.category, r.confidential, r.received_at){cast}, ']') || ',' || COALESCE(l.register, 'null') || ']' \
                 FROM requests r{hint} LEFT JOIN ledger_requests l ON l.request_id = r.id WHERE r.jpath >= "
            ));
            q.push_bind(jpath)
                .push(" AND r.jpath < ")
                .push_bind(jpath_upper(jpath))
                .push(" AND r.received_at >= ")
                .push_bind(from)
                .push(" AND r.received_at < ")
                .push_bind(to);
            if let Some((at, id)) = after {
                // The first conjunct lets the index range start at the previous page's end.
                q.push(" AND r.received_at >= ")
                    .push_bind(at)
                    .push(" AND (r.received_at > ")
                    .push_bind(at)
                    .push(" OR r.id > ")
                    .push_bind(id)
                    .push(")");
            }
            q.push(" ORDER BY r.received_at, r.id LIMIT ")
                .push_bind(limit as i64);
            q.build_query_scalar().fetch_all(pool).await?
        });
        rows.iter()
            .map(|raw| {
                let r: RegisterJsonRow = serde_json::from_str(raw)
                    .map_err(|e| StoreError::Corrupt(format!("register row {raw:.80}: {e}")))?;
                let received_at = DateTime::parse_from_rfc3339(&r.12)
                    .map_err(|_| corrupt("received_at", &r.12))?
                    .with_timezone(&Utc);
                Ok(RegisterSource {
                    id: r.0,
                    intake: Intake {
                        channel: Channel::parse(&r.2).ok_or_else(|| corrupt("channel", &r.2))?,
                        kind: RequestType::parse(&r.3).ok_or_else(|| corrupt("type", &r.3))?,
                        code: r.1,
                        subject: r.4,
                        content: r.5,
                        requester: Requester {
                            name: r.6,
                            phone: r.7,
                        },
                        address: r.8,
                        lat: None,
                        lon: None,
                        jurisdiction: r.9,
                        category: r.10,
                        confidential: r.11.is_true(),
                        external_id: None,
                        received_at,
                    },
                    facts: r.13,
                })
            })
            .collect()
    }

    /// SQLite without statistics picks the receipt-time index even for a community
    /// (scanning the whole city's requests of the period): a subtree below the top level is
    /// read through (jpath, received_at) instead. PostgreSQL plans with statistics.
    fn subtree_index(&self, jpath: &str) -> &'static str {
        match (self.backend_name(), jpath.matches('/').count() > 2) {
            ("sqlite", true) => " INDEXED BY requests_jpath_received",
            ("sqlite", false) => " INDEXED BY requests_received_at",
            _ => "",
        }
    }

    /// The texts of a subtree's requests received in [from, to), for hot spots.
    pub async fn ledger_topic_rows(
        &self,
        jpath: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<TopicRow>> {
        let hint = self.subtree_index(jpath);
        type Raw = (
            i64,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            bool,
        );
        let rows: Vec<Raw> = on_pool!(&self.backend, read, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(format!(
                "SELECT r.id, r.code, r.jurisdiction, r.category, r.subject, r.content, r.confidential FROM requests r{hint} WHERE r.jpath >= "
            ));
            q.push_bind(jpath)
                .push(" AND r.jpath < ")
                .push_bind(jpath_upper(jpath))
                .push(" AND r.received_at >= ")
                .push_bind(from)
                .push(" AND r.received_at < ")
                .push_bind(to)
                .push(" ORDER BY r.id");
            q.build_query_as().fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(id, code, jurisdiction, category, subject, content, confidential)| TopicRow {
                    id,
                    code,
                    jurisdiction,
                    category,
                    subject,
                    content,
                    confidential,
                },
            )
            .collect())
    }

    /// Every request id (for tests and audits that recompute from the log).
    pub async fn all_request_ids(&self) -> Result<Vec<i64>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT id FROM requests ORDER BY id")
                .fetch_all(pool)
                .await?
        }))
    }

    /// The light rows of a subtree's requests received in [from, to).
    pub async fn ledger_light_rows(
        &self,
        jpath: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<LightRow>> {
        let rows: Vec<LightDbRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT id, code, received_at, channel, type, category, jurisdiction, urgency, state, lead_unit, requester_phone, subject FROM requests WHERE jpath >= $1 AND jpath < $2 AND received_at >= $3 AND received_at < $4 ORDER BY received_at, id")
                .bind(jpath)
                .bind(jpath_upper(jpath))
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(LightRow {
                    channel: Channel::parse(&r.channel)
                        .ok_or_else(|| corrupt("channel", &r.channel))?,
                    kind: RequestType::parse(&r.kind).ok_or_else(|| corrupt("type", &r.kind))?,
                    urgency: Urgency::parse(&r.urgency)
                        .ok_or_else(|| corrupt("urgency", &r.urgency))?,
                    state: State::parse(&r.state).ok_or_else(|| corrupt("state", &r.state))?,
                    id: r.id,
                    code: r.code,
                    received_at: r.received_at,
                    category: r.category,
                    jurisdiction: r.jurisdiction,
                    lead_unit: r.lead_unit,
                    requester_phone: r.requester_phone,
                    subject: r.subject,
                })
            })
            .collect()
    }

    pub async fn ledger_count_received(
        &self,
        jpath: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT COUNT(*) FROM requests WHERE jpath >= $1 AND jpath < $2 AND received_at >= $3 AND received_at < $4")
                .bind(jpath)
                .bind(jpath_upper(jpath))
                .bind(from)
                .bind(to)
                .fetch_one(pool)
                .await?
        }))
    }

    /// Folds the events appended since the last refresh into `ledger_facts`.
    pub async fn ledger_refresh(&self, org: &Org) -> Result<LedgerRefresh> {
        let policy = self.evaluation_policy().await?;
        let (mut seen, version) = self.stored_horizon().await?;
        let now_at = self.event_horizon().await?;
        let dirty: Vec<i64> = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar("SELECT request_id FROM ledger_dirty")
                .fetch_all(pool)
                .await?
        });
        let rebuilt = version != policy.version;
        if rebuilt {
            on_pool!(&self.backend, write, |pool, DB| {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "UPDATE ledger_state SET event_watermark = 0, event_xmax = 0, event_running = '', policy_version = $1 WHERE id = 1",
                )
                .bind(policy.version)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM ledger_facts")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM ledger_requests")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            });
            seen = Default::default();
        }
        if seen.nothing_new(&now_at) && dirty.is_empty() {
            return Ok(LedgerRefresh {
                requests: 0,
                watermark: seen.max_id,
                rebuilt,
            });
        }
        let mut ids = self.requests_after(&seen, &now_at).await?;
        ids.extend(dirty.iter().copied());
        ids.sort_unstable();
        ids.dedup();
        // Requests are loaded and replayed 1,000 at a time; their facts are applied 20,000 at
        // a time (one transaction each), so that deltas to the same rows combine first.
        let mut pending: Vec<(i64, RequestFacts, String)> = Vec::new();
        for (k, chunk) in ids.chunks(1000).enumerate() {
            let loaded = self.load_requests_with_events(chunk).await?;
            let excluded: HashSet<i64> = on_pool!(&self.backend, read, |pool, DB| {
                let mut q = sqlx::QueryBuilder::<DB>::new(
                    "SELECT request_id FROM evaluation_exclusions WHERE request_id IN (",
                );
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                q.push(")");
                q.build_query_scalar::<i64>()
                    .fetch_all(pool)
                    .await?
                    .into_iter()
                    .collect()
            });
            pending.extend(loaded.iter().map(|(r, ev)| {
                (
                    r.id,
                    minhu_domain::ledger::request_facts(
                        r,
                        ev,
                        org,
                        &policy,
                        excluded.contains(&r.id),
                    ),
                    // Plain fields only: serialising cannot fail.
                    serde_json::to_string(&minhu_domain::ledger::register_facts(r, ev))
                        .unwrap_or_default(),
                )
            }));
            let last = (k + 1) * 1000 >= ids.len();
            if pending.len() >= 20_000 || last {
                let batch_ids: Vec<i64> = pending.iter().map(|(id, _, _)| *id).collect();
                self.apply_facts(&batch_ids, &pending, &policy).await?;
                pending.clear();
            }
        }
        let now = Utc::now();
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            // A refresh that read the log later may have stored its place already: keep that.
            sqlx::query("UPDATE ledger_state SET event_watermark = $1, event_xmax = $2, event_running = $3, refreshed_at = $4 WHERE id = 1 AND (event_watermark < $1 OR (event_watermark = $1 AND event_xmax <= $2))")
                .bind(now_at.max_id)
                .bind(now_at.xmax)
                .bind(now_at.running_text())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for id in &dirty {
                sqlx::query("DELETE FROM ledger_dirty WHERE request_id = $1")
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(LedgerRefresh {
            requests: ids.len(),
            watermark: now_at.max_id,
            rebuilt,
        })
    }

    /// One chunk: "new minus old" into ledger_facts, and the new facts (with the register
    /// facts, JSON) stored.
    async fn apply_facts(
        &self,
        ids: &[i64],
        new: &[(i64, RequestFacts, String)],
        policy: &EvaluationPolicy,
    ) -> Result<()> {
        let now = Utc::now();
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            // Serialises refreshes: the first write takes the row (or database) lock.
            sqlx::query("UPDATE ledger_state SET refreshed_at = $1 WHERE id = 1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let mut old: Vec<(i64, String)> = Vec::new();
            for part in ids.chunks(1000) {
                let mut q = sqlx::QueryBuilder::<DB>::new(
                    "SELECT request_id, facts FROM ledger_requests WHERE request_id IN (",
                );
                let mut sep = q.separated(", ");
                for id in part {
                    sep.push_bind(*id);
                }
                q.push(")");
                old.extend(
                    q.build_query_as::<(i64, String)>()
                        .fetch_all(&mut *tx)
                        .await?,
                );
            }
            let mut delta: HashMap<FactKey, Counters> = HashMap::new();
            for (_, f) in &old {
                let f: RequestFacts = serde_json::from_str(f)
                    .map_err(|e| StoreError::Corrupt(format!("ledger facts: {e}")))?;
                minhu_domain::ledger::facts::accumulate(&mut delta, &f, -1);
            }
            for (_, f, _) in new {
                minhu_domain::ledger::facts::accumulate(&mut delta, f, 1);
            }
            // Each day row also adds to its assessment month's row (day "M2026-06": sorts
            // after every date, so date ranges never include it), which monthly rankings
            // read directly instead of summing ~30 day rows per code.
            let mut months: HashMap<(FactLevel, String, String), Counters> = HashMap::new();
            for ((level, code, day), c) in &delta {
                months
                    .entry((*level, code.clone(), format!("M{}", policy.month_of(*day))))
                    .or_default()
                    .add(c);
            }
            let rows: Vec<((FactLevel, String, String), Counters)> = delta
                .into_iter()
                .map(|((l, c, d), v)| ((l, c, d.to_string()), v))
                .chain(months)
                .filter(|(_, c)| !c.is_zero())
                .collect();
            for chunk in rows.chunks(1000) {
                let mut q = sqlx::QueryBuilder::<DB>::new(format!(
                    "INSERT INTO ledger_facts (level, code, day, {METRIC_COLUMNS}) "
                ));
                q.push_values(chunk, |mut b, ((level, code, day), c)| {
                    b.push_bind(level.as_str())
                        .push_bind(code.clone())
                        .push_bind(day.clone());
                    for v in c.0 {
                        b.push_bind(v);
                    }
                });
                q.push(" ON CONFLICT (level, day, code) DO UPDATE SET ");
                let mut first = true;
                for m in Metric::ALL {
                    if !first {
                        q.push(", ");
                    }
                    first = false;
                    let c = m.code();
                    q.push(format!("{c} = ledger_facts.{c} + excluded.{c}"));
                }
                q.build().execute(&mut *tx).await?;
            }
            for chunk in new.chunks(500) {
                let mut q = sqlx::QueryBuilder::<DB>::new(
                    "INSERT INTO ledger_requests (request_id, community, street, district, unit, open_deadline, facts, register) ",
                );
                q.push_values(chunk, |mut b, (id, f, register)| {
                    b.push_bind(*id)
                        .push_bind(f.dims.community.clone())
                        .push_bind(f.dims.street.clone())
                        .push_bind(f.dims.district.clone())
                        .push_bind(f.dims.unit.clone())
                        .push_bind(f.open_deadline)
                        .push_bind(serde_json::to_string(f).unwrap_or_default()) // plain fields: cannot fail
                        .push_bind(register.as_str());
                });
                q.push(" ON CONFLICT (request_id) DO UPDATE SET community = excluded.community, street = excluded.street, district = excluded.district, unit = excluded.unit, open_deadline = excluded.open_deadline, facts = excluded.facts, register = excluded.register");
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sums of the facts of a level over a period, per code (all codes of the level when
    /// `codes` is None).
    pub async fn ledger_sums(
        &self,
        level: FactLevel,
        codes: Option<&[String]>,
        period: Period,
    ) -> Result<HashMap<String, Counters>> {
        self.sums_where(level, codes, Err(period)).await
    }

    /// Sums of the facts of a level over an assessment month of the policy in force (one
    /// pre-summed row per code).
    pub async fn ledger_month_sums(
        &self,
        level: FactLevel,
        codes: Option<&[String]>,
        month: YearMonth,
    ) -> Result<HashMap<String, Counters>> {
        self.sums_where(level, codes, Ok(month)).await
    }

    async fn sums_where(
        &self,
        level: FactLevel,
        codes: Option<&[String]>,
        when: std::result::Result<YearMonth, Period>,
    ) -> Result<HashMap<String, Counters>> {
        let sums = METRIC_COLUMNS
            .split(", ")
            .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows: HashMap<String, Counters> = on_pool!(&self.backend, read, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(format!(
                "SELECT code, {sums} FROM ledger_facts WHERE level = "
            ));
            q.push_bind(level.as_str());
            match when {
                Ok(month) => {
                    q.push(" AND day = ").push_bind(format!("M{month}"));
                }
                Err(period) => {
                    q.push(" AND day >= ")
                        .push_bind(period.start.to_string())
                        .push(" AND day < ")
                        .push_bind(period.end.to_string());
                }
            }
            if let Some(codes) = codes {
                if codes.is_empty() {
                    return Ok(HashMap::new());
                }
                q.push(" AND code IN (");
                let mut sep = q.separated(", ");
                for c in codes {
                    sep.push_bind(c.clone());
                }
                q.push(")");
            }
            q.push(" GROUP BY code");
            let raw = q.build().fetch_all(pool).await?;
            use sqlx::Row;
            let mut out: HashMap<String, Counters> = HashMap::with_capacity(raw.len());
            for r in raw {
                let code: String = r.try_get(0)?;
                let mut c = Counters::default();
                for i in 0..N_METRICS {
                    c.0[i] = r.try_get::<i64, _>(i + 1)?;
                }
                out.insert(code, c);
            }
            out
        });
        Ok(rows)
    }

    /// Requests due in the period (by local date of their deadline), still open and
    /// unanswered, whose deadline passed before `as_of`: per code of a level.
    pub async fn ledger_overdue_open(
        &self,
        level: FactLevel,
        period: Period,
        as_of: DateTime<Utc>,
    ) -> Result<HashMap<String, i64>> {
        let lo = minhu_domain::time::end_of_local_day(period.start - chrono::Duration::days(1));
        let hi = minhu_domain::time::end_of_local_day(period.last());
        let col = level.as_str();
        let rows: Vec<(Option<String>, i64)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {col}, COUNT(*) FROM ledger_requests WHERE open_deadline > $1 AND open_deadline <= $2 AND open_deadline < $3 GROUP BY {col}"
            )))
            .bind(lo)
            .bind(hi)
            .bind(as_of)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(c, n)| c.map(|c| (c, n)))
            .collect())
    }
}
