//! The dispatch catalogue (派单目录): category × jurisdiction → lead unit and co-handlers.

use chrono::Utc;
use minhu_domain::org::Org;
use sqlx::types::Json;

use crate::{Result, Store, on_pool};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct DispatchRule {
    pub id: i64,
    /// A category code prefix; '' matches every category.
    pub category: String,
    /// The rule covers this jurisdiction and everything below it.
    pub jurisdiction: String,
    pub lead_unit: String,
    #[sqlx(json)]
    pub co_units: Vec<String>,
    pub note: String,
}

impl DispatchRule {
    /// The most specific rule for a category in a jurisdiction: the longest category
    /// prefix, then the deepest jurisdiction. None when no rule covers it.
    pub fn suggest<'a>(
        rules: &'a [DispatchRule],
        org: &Org,
        category: Option<&str>,
        jurisdiction: &str,
    ) -> Option<&'a DispatchRule> {
        let cat = category.unwrap_or("");
        let lineage = org.lineage(jurisdiction);
        rules
            .iter()
            .filter(|r| cat.starts_with(r.category.as_str()))
            .filter_map(|r| {
                lineage
                    .iter()
                    .position(|j| *j == r.jurisdiction)
                    .map(|depth| (r, depth))
            })
            .max_by_key(|(r, depth)| (r.category.chars().count(), *depth, std::cmp::Reverse(r.id)))
            .map(|(r, _)| r)
    }
}

impl Store {
    pub async fn dispatch_rules(&self) -> Result<Vec<DispatchRule>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT id, category, jurisdiction, lead_unit, co_units, note FROM dispatch_rules ORDER BY id")
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn add_dispatch_rule(
        &self,
        category: &str,
        jurisdiction: &str,
        lead_unit: &str,
        co_units: &[String],
        note: &str,
    ) -> Result<i64> {
        let now = Utc::now();
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar(
                "INSERT INTO dispatch_rules (category, jurisdiction, lead_unit, co_units, note, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(category)
            .bind(jurisdiction)
            .bind(lead_unit)
            .bind(Json(co_units))
            .bind(note)
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    pub async fn delete_dispatch_rule(&self, id: i64) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("DELETE FROM dispatch_rules WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
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
}
