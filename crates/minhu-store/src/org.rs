//! The organisation as stored: jurisdictions and units (the tree of 属地 and the units that
//! handle requests) and the people who sign in.

use chrono::Utc;
use minhu_domain::org::{Jurisdiction, Level, Org, Role, Unit, UnitLevel};

use crate::{Result, Store, StoreError, StoredUser, on_pool, rows};

impl Store {
    pub async fn load_org(&self) -> Result<Org> {
        let (js, us): (Vec<rows::JurisdictionRow>, Vec<rows::UnitRow>) = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                (
                    sqlx::query_as(
                        "SELECT code, name, level, parent FROM jurisdictions ORDER BY sort, code",
                    )
                    .fetch_all(pool)
                    .await?,
                    sqlx::query_as(
                        "SELECT code, name, level, jurisdiction, office FROM units ORDER BY sort, code",
                    )
                    .fetch_all(pool)
                    .await?,
                )
            }
        );
        let js = js
            .into_iter()
            .map(|r| {
                Ok(Jurisdiction {
                    level: Level::parse(&r.level).ok_or_else(|| {
                        StoreError::Corrupt(format!("jurisdiction level {}", r.level))
                    })?,
                    code: r.code,
                    name: r.name,
                    parent: r.parent,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let us = us
            .into_iter()
            .map(|r| {
                Ok(Unit {
                    level: UnitLevel::parse(&r.level)
                        .ok_or_else(|| StoreError::Corrupt(format!("unit level {}", r.level)))?,
                    code: r.code,
                    name: r.name,
                    jurisdiction: r.jurisdiction,
                    office: r.office,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Org::new(js, us))
    }

    /// Inserts or updates jurisdictions and units (parents first), in one transaction.
    pub async fn upsert_org(&self, jurisdictions: &[Jurisdiction], units: &[Unit]) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            for (i, j) in jurisdictions.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO jurisdictions (code, name, level, parent, sort) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent, sort = excluded.sort",
                )
                .bind(&j.code)
                .bind(&j.name)
                .bind(j.level.as_str())
                .bind(&j.parent)
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
            }
            for (i, u) in units.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO units (code, name, level, jurisdiction, sort, office) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, jurisdiction = excluded.jurisdiction, sort = excluded.sort, office = excluded.office",
                )
                .bind(&u.code)
                .bind(&u.name)
                .bind(u.level.as_str())
                .bind(&u.jurisdiction)
                .bind(i as i64)
                .bind(u.office)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        // Reference data changed: every server sharing the database reloads it.
        self.bump_config_version().await?;
        Ok(())
    }

    pub async fn add_user(
        &self,
        username: &str,
        display_name: Option<&str>,
        role: Role,
        scope: &str,
        password_hash: Option<&str>,
    ) -> Result<i64> {
        let now = Utc::now();
        let res: std::result::Result<i64, sqlx::Error> = on_pool!(
            &self.backend,
            write,
            |pool, DB| {
                sqlx::query_scalar(
                "INSERT INTO users (username, display_name, role, scope, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(username)
            .bind(display_name)
            .bind(role.as_str())
            .bind(scope)
            .bind(password_hash)
            .bind(now)
            .fetch_one(pool)
            .await
            }
        );
        match res {
            Ok(id) => Ok(id),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Duplicate(format!("user '{username}'")))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<StoredUser>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT id, username, display_name, role, scope, password_hash, disabled FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(pool)
                .await?
        }))
    }

    pub async fn set_password(&self, username: &str, password_hash: &str) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
                .bind(password_hash)
                .bind(username)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }
}
