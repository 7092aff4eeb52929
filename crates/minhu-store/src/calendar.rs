//! The working-day calendar (holidays and 调休 make-up days) and the versioned SLA policy:
//! the rules deadlines are computed from.

use chrono::NaiveDate;
use chrono::Utc;
use minhu_domain::calendar::{Calendar, CalendarDay, DayKind};
use minhu_domain::sla::{SlaPolicy, SlaRule};
use sqlx::types::Json;

use crate::{Result, Store, StoreError, on_pool};

impl Store {
    pub async fn calendar_days(&self) -> Result<Vec<CalendarDay>> {
        let rows: Vec<(String, String, String)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT day, kind, note FROM calendar_days ORDER BY day")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(day, kind, note)| {
                Ok(CalendarDay {
                    date: NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                        .map_err(|e| StoreError::Corrupt(format!("calendar day {day}: {e}")))?,
                    kind: DayKind::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("calendar kind {kind}")))?,
                    note,
                })
            })
            .collect()
    }

    pub async fn load_calendar(&self) -> Result<Calendar> {
        Ok(Calendar::new(self.calendar_days().await?))
    }

    pub async fn set_calendar_day(&self, day: &CalendarDay) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "INSERT INTO calendar_days (day, kind, note) VALUES ($1, $2, $3)
                 ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, note = excluded.note",
            )
            .bind(day.date.to_string())
            .bind(day.kind.as_str())
            .bind(&day.note)
            .execute(pool)
            .await?;
        });
        // Reference data changed: every server sharing the database reloads it.
        self.bump_config_version().await?;
        Ok(())
    }

    /// Removes an override: the day falls back to the weekday rule.
    pub async fn clear_calendar_day(&self, date: NaiveDate) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("DELETE FROM calendar_days WHERE day = $1")
                .bind(date.to_string())
                .execute(pool)
                .await?
                .rows_affected()
        });
        // Reference data changed: every server sharing the database reloads it.
        self.bump_config_version().await?;
        Ok(n > 0)
    }

    /// The newest SLA policy version.
    pub async fn load_sla_policy(&self) -> Result<SlaPolicy> {
        let row: Option<(i64, Json<Vec<SlaRule>>)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT version, rules FROM sla_policies ORDER BY version DESC LIMIT 1")
                .fetch_optional(pool)
                .await?
        });
        Ok(match row {
            Some((version, Json(rules))) => SlaPolicy { version, rules },
            None => SlaPolicy::default_v1(),
        })
    }

    /// Saves a policy as a new version (versions are never edited in place).
    pub async fn save_sla_policy(&self, policy: &SlaPolicy, note: &str) -> Result<()> {
        let now = Utc::now();
        let res = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("INSERT INTO sla_policies (version, rules, note, created_at) VALUES ($1, $2, $3, $4)")
                .bind(policy.version)
                .bind(Json(&policy.rules))
                .bind(note)
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        });
        match res {
            Ok(_) => {
                // Reference data changed: every server sharing the database reloads it.
                self.bump_config_version().await?;
                Ok(())
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Duplicate(
                format!("SLA policy version {}", policy.version),
            )),
            Err(e) => Err(e.into()),
        }
    }
}
