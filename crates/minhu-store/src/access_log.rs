//! The access log: every read or export of personal fields, who, why and of which request.

use chrono::Utc;

use crate::{Result, Store, on_pool};

impl Store {
    /// Records a read or export of personal fields.
    pub async fn log_access(
        &self,
        actor: &str,
        role: &str,
        request_id: Option<i64>,
        fields: &str,
        purpose: &str,
    ) -> Result<()> {
        let now = Utc::now();
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("INSERT INTO access_log (at, actor, role, request_id, fields, purpose) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(now)
                .bind(actor)
                .bind(role)
                .bind(request_id)
                .bind(fields)
                .bind(purpose)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn access_log_count(&self, request_id: i64) -> Result<i64> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT COUNT(*) FROM access_log WHERE request_id = $1")
                .bind(request_id)
                .fetch_one(pool)
                .await?
        }))
    }

    /// Records one read of personal fields per request, in one statement per 1,000.
    pub async fn log_access_many(
        &self,
        actor: &str,
        role: &str,
        request_ids: &[i64],
        fields: &str,
        purpose: &str,
    ) -> Result<()> {
        let now = Utc::now();
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            for chunk in request_ids.chunks(1000) {
                let mut q = sqlx::QueryBuilder::<DB>::new(
                    "INSERT INTO access_log (at, actor, role, request_id, fields, purpose) ",
                );
                q.push_values(chunk, |mut b, id| {
                    b.push_bind(now)
                        .push_bind(actor)
                        .push_bind(role)
                        .push_bind(*id)
                        .push_bind(fields)
                        .push_bind(purpose);
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
