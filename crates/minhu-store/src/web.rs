//! What the web pages need beyond the request log: login sessions, photos, and the
//! public details shown on the walls (reply, measures, satisfaction, latest progress).

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use sqlx::types::Json;

use crate::{Result, Store, StoredUser, on_pool};

/// A stored photo's description.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attachment {
    pub hash: String,
    pub mime: String,
    pub size: i64,
    pub exif_lat: Option<f64>,
    pub exif_lon: Option<f64>,
}

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
    // ---- login sessions -------------------------------------------------------------

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("DELETE FROM web_sessions WHERE expires_at < $1")
                .bind(now)
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO web_sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The user of a live session (not expired, user not disabled).
    pub async fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredUser>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT u.id, u.username, u.display_name, u.role, u.scope, u.password_hash, u.disabled
                 FROM web_sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    // ---- photos ---------------------------------------------------------------------

    /// Where photo bytes go: a folder beside the SQLite file, or the database itself.
    fn attachment_path(&self, hash: &str) -> Option<PathBuf> {
        self.files
            .as_ref()
            .map(|dir| dir.join(&hash[..2]).join(hash))
    }

    /// Stores a photo under the SHA-256 `hash` of `bytes` (idempotent) and links it to a
    /// request. On disk the file is written and synced before the row that names it.
    pub async fn attach(
        &self,
        request_id: i64,
        hash: &str,
        mime: &str,
        bytes: &[u8],
        exif: Option<(f64, f64)>,
        name: Option<&str>,
    ) -> Result<()> {
        let in_db = match self.attachment_path(hash) {
            Some(path) => {
                if !path.exists() {
                    let dir = path.parent().expect("attachment folder");
                    std::fs::create_dir_all(dir)?;
                    let tmp = dir.join(format!("{hash}.tmp"));
                    {
                        use std::io::Write;
                        let mut f = std::fs::File::create(&tmp)?;
                        f.write_all(bytes)?;
                        f.sync_all()?;
                    }
                    std::fs::rename(&tmp, &path)?;
                }
                None
            }
            None => Some(bytes),
        };
        let now = Utc::now();
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO attachments (hash, mime, size, bytes, exif_lat, exif_lon, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING",
            )
            .bind(hash)
            .bind(mime)
            .bind(bytes.len() as i64)
            .bind(in_db)
            .bind(exif.map(|e| e.0))
            .bind(exif.map(|e| e.1))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO request_attachments (request_id, hash, name) VALUES ($1, $2, $3)
                 ON CONFLICT (request_id, hash) DO NOTHING",
            )
            .bind(request_id)
            .bind(hash)
            .bind(name)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn attachments_of(&self, request_id: i64) -> Result<Vec<Attachment>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT a.hash, a.mime, a.size, a.exif_lat, a.exif_lon
                 FROM request_attachments r JOIN attachments a ON a.hash = r.hash
                 WHERE r.request_id = $1 ORDER BY a.created_at, a.hash",
            )
            .bind(request_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// A photo's type and bytes, if it is attached to this request.
    pub async fn attachment_bytes(
        &self,
        request_id: i64,
        hash: &str,
    ) -> Result<Option<(String, Vec<u8>)>> {
        let row: Option<(String, Option<Vec<u8>>)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT a.mime, a.bytes FROM request_attachments r JOIN attachments a ON a.hash = r.hash
                 WHERE r.request_id = $1 AND r.hash = $2",
            )
            .bind(request_id)
            .bind(hash)
            .fetch_optional(pool)
            .await?
        });
        let Some((mime, bytes)) = row else {
            return Ok(None);
        };
        let bytes = match (bytes, self.attachment_path(hash)) {
            (Some(b), _) => b,
            (None, Some(path)) => std::fs::read(path)?,
            (None, None) => return Ok(None),
        };
        Ok(Some((mime, bytes)))
    }

    // ---- texts for the classifier and the duplicate check ------------------------------

    /// Requests not yet dispatched or still being handled under a jurisdiction path, newest
    /// first: (id, code, content, state). The candidates a new request may duplicate.
    pub async fn open_texts(
        &self,
        path_prefix: &str,
        limit: i64,
    ) -> Result<Vec<(i64, String, String, String)>> {
        let upper = format!("{}0", path_prefix.trim_end_matches('/'));
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT id, code, content, state FROM requests
                 WHERE jpath >= $1 AND jpath < $2
                   AND state IN ('registered', 'pending_dispatch', 'dispatched', 'return_requested', 'in_progress', 'suspended')
                 ORDER BY id DESC LIMIT $3",
            )
            .bind(path_prefix)
            .bind(upper)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// (content, category) of categorised requests, newest first: what a deployment's
    /// classifier learns from, staff corrections included (the row keeps the final category).
    pub async fn labelled_requests(&self, limit: i64) -> Result<Vec<(String, String)>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT content, category FROM requests
                 WHERE category IS NOT NULL AND category <> '' AND state NOT IN ('merged', 'not_accepted')
                 ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    // ---- the dashboard --------------------------------------------------------------

    /// Figures for a jurisdiction's dashboard since `since`.
    pub async fn dashboard(
        &self,
        path_prefix: &str,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Dashboard> {
        let upper = format!("{}0", path_prefix.trim_end_matches('/'));
        let (states, received, overdue, callbacks): (
            Vec<(String, i64)>,
            Vec<(DateTime<Utc>,)>,
            i64,
            Vec<(Json<serde_json::Value>,)>,
        ) = on_pool!(&self.backend, read, |pool, DB| {
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
        });
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

    // ---- the walls ------------------------------------------------------------------

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
