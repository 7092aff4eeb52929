//! 公示 (publications): what is shown, where, from when until when, and who took it down
//! early. The period and the venue are checked by `minhu_domain::publication` before they
//! reach here; "showing" is `from_at <= now < until_at` and not withdrawn, the domain's
//! `is_showing`.

use chrono::{DateTime, Utc};

use crate::{Result, Store, on_pool};

/// A publication as stored (also what is written: `id` and the withdrawal are ignored).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PublicationRow {
    pub id: i64,
    pub kind: String,
    pub subject_kind: String,
    pub subject_id: i64,
    pub title: String,
    pub body: String,
    /// `online_wall` or `board`.
    pub venue: String,
    pub board: Option<String>,
    /// The attachment hash of the photo of the posted sheet.
    pub board_photo: Option<String>,
    /// The jurisdiction it is shown in (whose staff may withdraw it).
    pub jurisdiction: String,
    pub from_at: DateTime<Utc>,
    pub until_at: DateTime<Utc>,
    pub published_by: String,
    pub published_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<String>,
}

const SELECT: &str = "SELECT id, kind, subject_kind, subject_id, title, body, venue, board, board_photo, jurisdiction, from_at, until_at, published_by, published_at, withdrawn_at, withdrawn_by FROM publications";

impl Store {
    /// Records a publication; its id.
    pub async fn insert_publication(&self, p: &PublicationRow) -> Result<i64> {
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar(
                "INSERT INTO publications (kind, subject_kind, subject_id, title, body, venue, board, board_photo, jurisdiction, from_at, until_at, published_by, published_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            )
            .bind(&p.kind)
            .bind(&p.subject_kind)
            .bind(p.subject_id)
            .bind(&p.title)
            .bind(&p.body)
            .bind(&p.venue)
            .bind(&p.board)
            .bind(&p.board_photo)
            .bind(&p.jurisdiction)
            .bind(p.from_at)
            .bind(p.until_at)
            .bind(&p.published_by)
            .bind(p.published_at)
            .fetch_one(pool)
            .await?
        }))
    }

    pub async fn publication(&self, id: i64) -> Result<Option<PublicationRow>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Takes a publication down. False when it was withdrawn already (of two at once, one
    /// wins).
    pub async fn withdraw_publication(&self, id: i64, by: &str, at: DateTime<Utc>) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("UPDATE publications SET withdrawn_at = $1, withdrawn_by = $2 WHERE id = $3 AND withdrawn_at IS NULL")
                .bind(at)
                .bind(by)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Publications newest first; with `showing_at`, only those up at that moment.
    pub async fn publications(
        &self,
        showing_at: Option<DateTime<Utc>>,
    ) -> Result<Vec<PublicationRow>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(SELECT);
            if let Some(at) = showing_at {
                q.push(" WHERE withdrawn_at IS NULL AND from_at <= ")
                    .push_bind(at)
                    .push(" AND until_at > ")
                    .push_bind(at);
            }
            q.push(" ORDER BY from_at DESC, id DESC");
            q.build_query_as::<PublicationRow>().fetch_all(pool).await?
        }))
    }
}
