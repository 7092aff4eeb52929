//! The service catalogue (categories, which Open311 lists as services) and the dispatch
//! catalogue (派单目录: category × jurisdiction → lead unit and co-handlers). The types and
//! the routing policy live in the domain ([`minhu_domain::catalogue`]).

use chrono::Utc;
use sqlx::types::Json;

use crate::{Result, Store, on_pool};

// `Category` and `DispatchRule` (with its `suggest` policy) moved to the domain.
pub use minhu_domain::catalogue::{Category, DispatchRule};

#[derive(sqlx::FromRow)]
struct CategoryRow {
    code: String,
    name: String,
    parent: Option<String>,
    group_name: String,
    description: String,
    keywords: String,
    path: Option<String>,
    service_type: String,
    attributes: Json<serde_json::Value>,
    active: bool,
}

impl From<CategoryRow> for Category {
    fn from(r: CategoryRow) -> Self {
        Category {
            code: r.code,
            name: r.name,
            parent: r.parent,
            group: r.group_name,
            description: r.description,
            keywords: r.keywords,
            path: r.path,
            service_type: r.service_type,
            attributes: r.attributes.0,
            active: r.active,
        }
    }
}

/// A dispatch rule as stored (`co_units` as JSON).
#[derive(sqlx::FromRow)]
struct DispatchRuleRow {
    id: i64,
    category: String,
    jurisdiction: String,
    lead_unit: String,
    co_units: Json<Vec<String>>,
    note: String,
}

impl From<DispatchRuleRow> for DispatchRule {
    fn from(r: DispatchRuleRow) -> Self {
        DispatchRule {
            id: r.id,
            category: r.category,
            jurisdiction: r.jurisdiction,
            lead_unit: r.lead_unit,
            co_units: r.co_units.0,
            note: r.note,
        }
    }
}

impl Store {
    /// Inserts or updates catalogue entries (parents first), in one transaction.
    pub async fn upsert_categories(&self, items: &[Category]) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            for (i, c) in items.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO categories (code, name, parent, group_name, description, keywords, path, service_type, attributes, active, sort)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent, group_name = excluded.group_name,
                        description = excluded.description, keywords = excluded.keywords, path = excluded.path,
                        service_type = excluded.service_type, attributes = excluded.attributes, active = excluded.active, sort = excluded.sort",
                )
                .bind(&c.code)
                .bind(&c.name)
                .bind(&c.parent)
                .bind(&c.group)
                .bind(&c.description)
                .bind(&c.keywords)
                .bind(&c.path)
                .bind(&c.service_type)
                .bind(Json(&c.attributes))
                .bind(c.active)
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        // Reference data changed: every server sharing the database reloads it.
        self.bump_config_version().await?;
        Ok(())
    }

    /// The whole catalogue, in its order.
    pub async fn categories(&self) -> Result<Vec<Category>> {
        let rows: Vec<CategoryRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT code, name, parent, group_name, description, keywords, path, service_type, attributes, active
                 FROM categories ORDER BY sort, code",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(Category::from).collect())
    }

    pub async fn dispatch_rules(&self) -> Result<Vec<DispatchRule>> {
        let rows: Vec<DispatchRuleRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT id, category, jurisdiction, lead_unit, co_units, note FROM dispatch_rules ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(DispatchRule::from).collect())
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
        let id = on_pool!(&self.backend, write, |pool, DB| {
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
        });
        // Reference data changed: every server sharing the database reloads it.
        self.bump_config_version().await?;
        Ok(id)
    }

    pub async fn delete_dispatch_rule(&self, id: i64) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("DELETE FROM dispatch_rules WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        // Reference data changed: every server sharing the database reloads it.
        self.bump_config_version().await?;
        Ok(n > 0)
    }
}
