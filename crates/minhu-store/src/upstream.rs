//! What the upstream channels keep: Open311 batch tokens and client updates, the public
//! listing of requests Open311 serves (never a personal field), and which upstream ids of
//! a channel are stored already.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use minhu_domain::request::{Event, State};

use crate::{Result, Store, on_pool};

/// An update a client POSTed (servicerequestupdates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUpdate {
    pub update_id: String,
    pub request_id: i64,
    pub event_seq: Option<i64>,
}

/// What Open311's GET requests may filter on.
#[derive(Debug, Clone, Default)]
pub struct Open311Filter {
    /// Tracking codes (`service_request_id`); when set, the other filters are ignored.
    pub codes: Option<Vec<String>>,
    /// Category codes or label paths (`service_code`).
    pub categories: Option<Vec<String>>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    pub updated_before: Option<DateTime<Utc>>,
    /// Some(true): open requests only; Some(false): closed only.
    pub open: Option<bool>,
    /// Only requests under this jurisdiction path ("/D/S/").
    pub path_prefix: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// The public facts of a request that Open311 shows. No personal fields are read.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicRequest {
    pub id: i64,
    pub code: String,
    pub state: String,
    pub channel: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub category: Option<String>,
    pub subject: Option<String>,
    pub content: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub jurisdiction: String,
    pub lead_unit: Option<String>,
    pub deadline: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

const PUBLIC_SELECT: &str = "SELECT id, code, state, channel, type, category, subject, content, address, lat, lon, jurisdiction, \
     lead_unit, deadline, received_at, updated_at, closed_at FROM requests";

fn open_states() -> Vec<&'static str> {
    State::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}

impl Store {
    pub async fn add_open311_token(&self, token: &str, request_id: i64, key_id: i64) -> Result<()> {
        let now = Utc::now();
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "INSERT INTO open311_tokens (token, request_id, key_id, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (token) DO NOTHING",
            )
            .bind(token)
            .bind(request_id)
            .bind(key_id)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The tracking code a token resolved to.
    pub async fn open311_token(&self, token: &str) -> Result<Option<String>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar(
                "SELECT r.code FROM open311_tokens t JOIN requests r ON r.id = t.request_id WHERE t.token = $1",
            )
            .bind(token)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// The token a request was answered with, if it came in through a batch service.
    pub async fn open311_token_of(&self, request_id: i64) -> Result<Option<String>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT token FROM open311_tokens WHERE request_id = $1")
                .bind(request_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    pub async fn open311_update(
        &self,
        key_id: i64,
        update_id: &str,
    ) -> Result<Option<StoredUpdate>> {
        let row: Option<(String, i64, Option<i64>)> = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_as(
                "SELECT update_id, request_id, event_seq FROM open311_updates WHERE key_id = $1 AND update_id = $2",
            )
            .bind(key_id)
            .bind(update_id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(update_id, request_id, event_seq)| StoredUpdate {
            update_id,
            request_id,
            event_seq,
        }))
    }

    /// Records a client's update; false when (key, update_id) was recorded before.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_open311_update(
        &self,
        key_id: i64,
        update_id: &str,
        request_id: i64,
        status: &str,
        description: &str,
        updated_datetime: DateTime<Utc>,
        event_seq: Option<i64>,
    ) -> Result<bool> {
        let now = Utc::now();
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "INSERT INTO open311_updates (key_id, update_id, request_id, status, description, updated_datetime, received_at, event_seq)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (key_id, update_id) DO NOTHING",
            )
            .bind(key_id)
            .bind(update_id)
            .bind(request_id)
            .bind(status)
            .bind(description)
            .bind(updated_datetime)
            .bind(now)
            .bind(event_seq)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Requests as Open311 lists them: never confidential ones, newest first.
    pub async fn open311_requests(&self, f: &Open311Filter) -> Result<Vec<PublicRequest>> {
        macro_rules! build {
            ($qb:expr) => {{
                let qb = $qb;
                qb.push(" WHERE confidential = FALSE");
                if let Some(codes) = &f.codes {
                    qb.push(" AND code IN (");
                    let mut sep = qb.separated(", ");
                    for c in codes {
                        sep.push_bind(c.clone());
                    }
                    qb.push(")");
                } else {
                    if let Some(cats) = &f.categories {
                        qb.push(" AND category IN (");
                        let mut sep = qb.separated(", ");
                        for c in cats {
                            sep.push_bind(c.clone());
                        }
                        qb.push(")");
                    }
                    if let Some(t) = f.start {
                        qb.push(" AND received_at >= ").push_bind(t);
                    }
                    if let Some(t) = f.end {
                        qb.push(" AND received_at <= ").push_bind(t);
                    }
                    if let Some(t) = f.updated_after {
                        qb.push(" AND updated_at >= ").push_bind(t);
                    }
                    if let Some(t) = f.updated_before {
                        qb.push(" AND updated_at <= ").push_bind(t);
                    }
                    if let Some(open) = f.open {
                        qb.push(if open {
                            " AND state IN ("
                        } else {
                            " AND state NOT IN ("
                        });
                        let mut sep = qb.separated(", ");
                        for s in open_states() {
                            sep.push_bind(s);
                        }
                        qb.push(")");
                    }
                    if let Some(p) = &f.path_prefix {
                        let upper = format!("{}0", p.trim_end_matches('/'));
                        qb.push(" AND jpath >= ")
                            .push_bind(p.clone())
                            .push(" AND jpath < ")
                            .push_bind(upper);
                    }
                }
                qb.push(" ORDER BY received_at DESC, id DESC LIMIT ")
                    .push_bind(f.limit)
                    .push(" OFFSET ")
                    .push_bind(f.offset);
            }};
        }
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            let mut qb = sqlx::QueryBuilder::<DB>::new(PUBLIC_SELECT);
            build!(&mut qb);
            qb.build_query_as().fetch_all(pool).await?
        }))
    }

    /// Events between two instants on requests that are not confidential, oldest first,
    /// with the request they belong to and all its events (for GET servicerequestupdates).
    pub async fn public_events_between(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(PublicRequest, Vec<Event>, i64)>> {
        let hits: Vec<(i64, i64)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT e.request_id, e.seq FROM events e JOIN requests r ON r.id = e.request_id
                 WHERE e.at >= $1 AND e.at <= $2 AND r.confidential = FALSE ORDER BY e.at, e.id LIMIT $3",
            )
            .bind(start)
            .bind(end)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        let ids: Vec<i64> = hits
            .iter()
            .map(|(r, _)| *r)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let events = self.events_of(&ids).await?;
        let mut reqs: HashMap<i64, PublicRequest> = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<PublicRequest> = on_pool!(&self.backend, read, |pool, DB| {
                let mut qb = sqlx::QueryBuilder::<DB>::new(PUBLIC_SELECT);
                qb.push(" WHERE id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(")");
                qb.build_query_as().fetch_all(pool).await?
            });
            reqs.extend(rows.into_iter().map(|r| (r.id, r)));
        }
        let mut out = Vec::with_capacity(hits.len());
        for (rid, seq) in hits {
            let (Some(r), Some(evs)) = (reqs.get(&rid), events.get(&rid)) else {
                continue;
            };
            if evs.iter().any(|e| e.seq == seq) {
                out.push((r.clone(), evs.clone(), seq));
            }
        }
        Ok(out)
    }

    /// Which of these upstream ids of a channel are stored already.
    pub async fn existing_external_ids(
        &self,
        channel: &str,
        ids: &[String],
    ) -> Result<HashSet<String>> {
        let mut out = HashSet::new();
        for chunk in ids.chunks(900) {
            let rows: Vec<String> = on_pool!(&self.backend, read, |pool, DB| {
                let mut qb = sqlx::QueryBuilder::<DB>::new(
                    "SELECT external_id FROM requests WHERE channel = ",
                );
                qb.push_bind(channel.to_string())
                    .push(" AND external_id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(id.clone());
                }
                qb.push(")");
                qb.build_query_scalar().fetch_all(pool).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }
}
