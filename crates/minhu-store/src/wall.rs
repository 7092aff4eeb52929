//! The public walls' details of a request beyond its row: the public reply (never the
//! internal account), the measures taken, the latest progress note and the satisfaction.

use std::collections::HashMap;

use sqlx::QueryBuilder;
use sqlx::types::Json;

use crate::{Result, Store, on_pool};

/// What the public walls show of a request besides its row: the public reply (never the
/// internal account), the measures taken, the latest progress note and the satisfaction.
#[derive(Debug, Clone, Default)]
pub struct WallDetail {
    pub public_reply: Option<String>,
    pub measures: Option<String>,
    pub progress: Option<String>,
    pub satisfaction: Option<String>,
    /// Never shown: used to scrub the requester's name out of the public text.
    pub requester_name: Option<String>,
}

impl Store {
    /// Public details for a page of the walls, from each request's reply, callback and
    /// progress events (the latest of each).
    pub async fn wall_details(&self, ids: &[i64]) -> Result<HashMap<i64, WallDetail>> {
        let mut out: HashMap<i64, WallDetail> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows: Vec<(i64, String, Json<serde_json::Value>)> = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                let mut qb = QueryBuilder::<DB>::new(
                    "SELECT request_id, action, data FROM events WHERE action IN ('reply', 'callback', 'progress') AND request_id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in ids {
                    sep.push_bind(*id);
                }
                qb.push(") ORDER BY request_id, seq");
                qb.build_query_as().fetch_all(pool).await?
            }
        );
        for (id, name) in self.requester_names(ids).await? {
            out.entry(id).or_default().requester_name = Some(name);
        }
        for (id, action, Json(v)) in rows {
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
            let d = out.entry(id).or_default();
            match action.as_str() {
                "reply" => {
                    d.public_reply = s("public_reply");
                    d.measures = s("measures");
                }
                "callback" => {
                    if let Some(sat) = s("satisfaction") {
                        d.satisfaction = Some(sat);
                    }
                }
                _ => d.progress = s("note"),
            }
        }
        Ok(out)
    }
}
