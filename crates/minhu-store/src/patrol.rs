//! Patrols, visits (入户走访), findings and diary days of grid workers (migration 0019), and
//! the reads the visit cadence and coverage need. A visit is written in one transaction
//! with its findings, its photos and the household's `last_visit_at`; every patrol, visit
//! and finding is keyed by the client's idempotency key, so a repeat finds the first row
//! and writes nothing.

use chrono::{DateTime, NaiveDate, Utc};
use minhu_domain::cadence::{CareCadence, HouseholdCadence};
use minhu_domain::diary::{DiaryState, FindingFact, VisitFact};
use minhu_domain::ids::{HouseholdId, PatrolId, ResidentId, VisitId};
use minhu_domain::patrol::{
    Finding, FindingClass, FindingOutcome, NewFinding, NewVisit, Patrol, PatrolState, Visit,
    VisitKind, VisitTarget,
};
use minhu_domain::time::{local_date, truncate_ms};

use crate::{Result, Store, StoreError, on_pool};

/// A cleaned photo to keep with a visit.
#[derive(Debug, Clone)]
pub struct VisitPhoto {
    pub hash: String,
    pub mime: String,
    pub bytes: Vec<u8>,
    pub name: Option<String>,
}

/// A visit as written: the visit, its findings, and whether this call created it.
#[derive(Debug, Clone)]
pub struct RecordedVisit {
    pub visit: Visit,
    pub findings: Vec<Finding>,
    pub photos: Vec<String>,
    pub created: bool,
}

/// A worker's finding with the request it became: tracking code and state.
#[derive(Debug, Clone)]
pub struct FindingWithRequest {
    pub finding: Finding,
    pub request_code: Option<String>,
    pub request_state: Option<String>,
}

/// A diary day's stored part (the counts are computed, never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryRow {
    pub narrative: String,
    pub state: DiaryState,
    pub submitted_at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
    pub commented_by: Option<String>,
    pub commented_at: Option<DateTime<Utc>>,
}

/// One household of the due queue with what the page shows of it (public tier only).
#[derive(Debug, Clone)]
pub struct CadenceRow {
    pub cadence: HouseholdCadence,
    pub building: String,
    pub unit: Option<String>,
}

/// One worker's month in figures, straight from the tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkloadRow {
    pub worker: String,
    pub grid: String,
    pub visits: i64,
    pub households_visited: i64,
    pub findings: i64,
    pub solved_on_spot: i64,
    pub requests_raised: i64,
}

type PatrolTuple = (
    i64,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    String,
);
type VisitTuple = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
    DateTime<Utc>,
    Option<i64>,
    String,
);
type FindingTuple = (
    i64,
    String,
    Option<i64>,
    Option<i64>,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<i64>,
    DateTime<Utc>,
);

type DiaryTuples = (Vec<(Option<i64>, String)>, Vec<(String, String)>);
type WorkloadTuples = (
    Vec<(String, String, i64, i64)>,
    Vec<(String, String, i64, i64, i64)>,
);

const PATROL_COLUMNS: &str = "id, worker, grid, started_at, ended_at, state";
const VISIT_COLUMNS: &str = "id, client_key, worker, grid, patrol_id, household_id, resident_id, place_id, kind, visited_at, duration_minutes, notes";
const FINDING_COLUMNS: &str = "f.id, f.client_key, f.visit_id, f.patrol_id, f.worker, f.grid, f.class, f.category, f.text, f.location, f.outcome, f.request_id, f.found_at";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} '{value}'"))
}

fn patrol_of(t: PatrolTuple) -> Result<Patrol> {
    let state = PatrolState::parse(&t.5).ok_or_else(|| corrupt("patrol state", &t.5))?;
    Ok(Patrol {
        id: PatrolId(t.0),
        worker: t.1,
        grid: t.2,
        started_at: t.3,
        ended_at: t.4,
        state,
    })
}

fn visit_of(t: VisitTuple) -> Result<Visit> {
    let kind = VisitKind::parse(&t.8).ok_or_else(|| corrupt("visit kind", &t.8))?;
    let target = match (t.5, t.6, t.7) {
        (_, Some(r), _) => VisitTarget::Resident(ResidentId(r)),
        (Some(h), None, _) => VisitTarget::Household(HouseholdId(h)),
        (None, None, Some(p)) => VisitTarget::Place(p),
        (None, None, None) => return Err(corrupt("visit without target", &t.1)),
    };
    Ok(Visit {
        id: VisitId(t.0),
        client_key: t.1,
        worker: t.2,
        grid: t.3,
        patrol: t.4.map(PatrolId),
        target,
        household: t.5.map(HouseholdId),
        kind,
        visited_at: t.9,
        duration_minutes: t.10.map(|m| m as u32),
        notes: t.11,
    })
}

fn finding_of(t: FindingTuple) -> Result<Finding> {
    let class = FindingClass::parse(&t.6).ok_or_else(|| corrupt("finding class", &t.6))?;
    let outcome = FindingOutcome::parse(&t.10).ok_or_else(|| corrupt("finding outcome", &t.10))?;
    Ok(Finding {
        id: t.0,
        client_key: t.1,
        visit: t.2.map(VisitId),
        patrol: t.3.map(PatrolId),
        worker: t.4,
        grid: t.5,
        class,
        category: t.7,
        text: t.8,
        location: t.9,
        outcome,
        request_id: t.11,
        found_at: t.12,
    })
}

fn day_text(at: DateTime<Utc>) -> String {
    local_date(at).format("%Y-%m-%d").to_string()
}

impl Store {
    /// Starts a patrol; a repeat of the client key answers the first patrol (false).
    pub async fn start_patrol(
        &self,
        client_key: &str,
        worker: &str,
        grid: &str,
        now: DateTime<Utc>,
    ) -> Result<(Patrol, bool)> {
        let now = truncate_ms(now);
        let created: Option<i64> = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar(
                "INSERT INTO patrols (client_key, worker, grid, started_at, state) VALUES ($1, $2, $3, $4, 'in_progress')
                 ON CONFLICT (client_key) DO NOTHING RETURNING id",
            )
            .bind(client_key)
            .bind(worker)
            .bind(grid)
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        let sql = format!("SELECT {PATROL_COLUMNS} FROM patrols WHERE client_key = $1");
        let row: PatrolTuple = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(client_key)
                .fetch_one(pool)
                .await?
        });
        Ok((patrol_of(row)?, created.is_some()))
    }

    pub async fn patrol(&self, id: PatrolId) -> Result<Option<Patrol>> {
        let sql = format!("SELECT {PATROL_COLUMNS} FROM patrols WHERE id = $1");
        let row: Option<PatrolTuple> = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        row.map(patrol_of).transpose()
    }

    /// The worker's patrol in progress in a grid, the latest if several (the phone's /grid).
    pub async fn running_patrol(&self, worker: &str, grid: &str) -> Result<Option<Patrol>> {
        let sql = format!(
            "SELECT {PATROL_COLUMNS} FROM patrols WHERE worker = $1 AND grid = $2 AND state = 'in_progress'
             ORDER BY started_at DESC, id DESC LIMIT 1"
        );
        let row: Option<PatrolTuple> = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(worker)
                .bind(grid)
                .fetch_optional(pool)
                .await?
        });
        row.map(patrol_of).transpose()
    }

    /// Ends a running patrol; false when it had ended already (of two ends, one wins).
    pub async fn end_patrol(&self, id: PatrolId, now: DateTime<Utc>) -> Result<bool> {
        let now = truncate_ms(now);
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("UPDATE patrols SET state = 'done', ended_at = $1 WHERE id = $2 AND state = 'in_progress'")
                .bind(now)
                .bind(id.0)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// The grid of an occupied household (None: no such household).
    pub async fn household_grid(&self, id: HouseholdId) -> Result<Option<String>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT grid FROM households WHERE id = $1")
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// A resident's household and its grid.
    pub async fn resident_household(
        &self,
        id: ResidentId,
    ) -> Result<Option<(HouseholdId, String)>> {
        let row: Option<(i64, String)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT h.id, h.grid FROM residents r JOIN households h ON h.id = r.household_id WHERE r.id = $1")
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(h, g)| (HouseholdId(h), g)))
    }

    /// The grid of a place.
    pub async fn place_grid(&self, id: i64) -> Result<Option<String>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT grid FROM places WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Records a visit with its findings and photos, and moves the household's
    /// `last_visit_at` forward, in one transaction. A repeat of the visit's client key
    /// writes nothing and answers the first visit (`created` false).
    pub async fn record_visit(
        &self,
        worker: &str,
        visit: &NewVisit,
        household: Option<HouseholdId>,
        findings: &[NewFinding],
        photos: &[VisitPhoto],
        now: DateTime<Utc>,
    ) -> Result<RecordedVisit> {
        let now = truncate_ms(now);
        let at = truncate_ms(visit.visited_at);
        let day = day_text(at);
        let (resident, place) = match visit.target {
            VisitTarget::Household(_) => (None, None),
            VisitTarget::Resident(r) => (Some(r.0), None),
            VisitTarget::Place(p) => (None, Some(p)),
        };
        let mut kept = Vec::with_capacity(photos.len());
        for p in photos {
            kept.push(self.photo_bytes_for_row(&p.hash, &p.bytes)?);
        }
        let created: Option<i64> = on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO visits (client_key, worker, grid, patrol_id, household_id, resident_id, place_id, kind, visited_at, day, duration_minutes, notes, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (client_key) DO NOTHING RETURNING id",
            )
            .bind(&visit.client_key)
            .bind(worker)
            .bind(&visit.grid)
            .bind(visit.patrol.map(|p| p.0))
            .bind(household.map(|h| h.0))
            .bind(resident)
            .bind(place)
            .bind(visit.kind.as_str())
            .bind(at)
            .bind(&day)
            .bind(visit.duration_minutes.map(i64::from))
            .bind(&visit.notes)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = id {
                for f in findings {
                    sqlx::query(
                        "INSERT INTO findings (client_key, visit_id, patrol_id, worker, grid, class, category, text, location, outcome, found_at, day)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (client_key) DO NOTHING",
                    )
                    .bind(&f.client_key)
                    .bind(id)
                    .bind(visit.patrol.map(|p| p.0))
                    .bind(worker)
                    .bind(&visit.grid)
                    .bind(f.class.as_str())
                    .bind(&f.category)
                    .bind(&f.text)
                    .bind(&f.location)
                    .bind(f.outcome.as_str())
                    .bind(at)
                    .bind(&day)
                    .execute(&mut *tx)
                    .await?;
                }
                for (p, in_db) in photos.iter().zip(&kept) {
                    sqlx::query(
                        "INSERT INTO attachments (hash, mime, size, bytes, exif_lat, exif_lon, created_at)
                         VALUES ($1, $2, $3, $4, NULL, NULL, $5) ON CONFLICT (hash) DO NOTHING",
                    )
                    .bind(&p.hash)
                    .bind(&p.mime)
                    .bind(p.bytes.len() as i64)
                    .bind(*in_db)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("INSERT INTO visit_photos (visit_id, hash, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                        .bind(id)
                        .bind(&p.hash)
                        .bind(&p.name)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(h) = household {
                    // Only forward: an offline visit synced late never moves it back.
                    sqlx::query("UPDATE households SET last_visit_at = $1 WHERE id = $2 AND (last_visit_at IS NULL OR last_visit_at < $1)")
                        .bind(at)
                        .bind(h.0)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            id
        });
        let stored = self
            .visit_by_key(&visit.client_key)
            .await?
            .ok_or_else(|| corrupt("visit vanished", &visit.client_key))?;
        let findings = self.findings_of_visit(stored.id).await?;
        let photos = self.visit_photos(stored.id).await?;
        Ok(RecordedVisit {
            visit: stored,
            findings,
            photos,
            created: created.is_some(),
        })
    }

    pub async fn visit_by_key(&self, client_key: &str) -> Result<Option<Visit>> {
        let sql = format!("SELECT {VISIT_COLUMNS} FROM visits WHERE client_key = $1");
        let row: Option<VisitTuple> = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(client_key)
                .fetch_optional(pool)
                .await?
        });
        row.map(visit_of).transpose()
    }

    pub async fn findings_of_visit(&self, visit: VisitId) -> Result<Vec<Finding>> {
        let sql =
            format!("SELECT {FINDING_COLUMNS} FROM findings f WHERE f.visit_id = $1 ORDER BY f.id");
        let rows: Vec<FindingTuple> = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(visit.0)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(finding_of).collect()
    }

    /// The hashes of a visit's photos.
    pub async fn visit_photos(&self, visit: VisitId) -> Result<Vec<String>> {
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar("SELECT hash FROM visit_photos WHERE visit_id = $1 ORDER BY hash")
                .bind(visit.0)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Records a finding made on a patrol without a visit; a repeat answers the first.
    pub async fn record_finding(
        &self,
        worker: &str,
        grid: &str,
        patrol: Option<PatrolId>,
        finding: &NewFinding,
        found_at: DateTime<Utc>,
    ) -> Result<(Finding, bool)> {
        let at = truncate_ms(found_at);
        let day = day_text(at);
        let id: Option<i64> = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar(
                "INSERT INTO findings (client_key, visit_id, patrol_id, worker, grid, class, category, text, location, outcome, found_at, day)
                 VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (client_key) DO NOTHING RETURNING id",
            )
            .bind(&finding.client_key)
            .bind(patrol.map(|p| p.0))
            .bind(worker)
            .bind(grid)
            .bind(finding.class.as_str())
            .bind(&finding.category)
            .bind(&finding.text)
            .bind(&finding.location)
            .bind(finding.outcome.as_str())
            .bind(at)
            .bind(&day)
            .fetch_optional(pool)
            .await?
        });
        let stored = self
            .finding_by_key(&finding.client_key)
            .await?
            .ok_or_else(|| corrupt("finding vanished", &finding.client_key))?;
        Ok((stored, id.is_some()))
    }

    pub async fn finding_by_key(&self, client_key: &str) -> Result<Option<Finding>> {
        let sql = format!("SELECT {FINDING_COLUMNS} FROM findings f WHERE f.client_key = $1");
        let row: Option<FindingTuple> = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(client_key)
                .fetch_optional(pool)
                .await?
        });
        row.map(finding_of).transpose()
    }

    /// Ties a reported finding to its request, once: false when it had one already.
    pub async fn link_finding_request(&self, finding: i64, request_id: i64) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("UPDATE findings SET request_id = $1 WHERE id = $2 AND request_id IS NULL")
                .bind(request_id)
                .bind(finding)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// A worker's findings, newest first, with the request each became.
    pub async fn findings_of_worker(
        &self,
        worker: &str,
        limit: i64,
    ) -> Result<Vec<FindingWithRequest>> {
        let sql = format!(
            "SELECT {FINDING_COLUMNS}, r.code, r.state FROM findings f LEFT JOIN requests r ON r.id = f.request_id
             WHERE f.worker = $1 ORDER BY f.found_at DESC, f.id DESC LIMIT $2"
        );
        type Row = (FindingTuple, Option<String>, Option<String>);
        let raw: Vec<Row> = on_pool!(&self.backend, read, |pool, DB| {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(worker)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                use sqlx::Row as _;
                let t: FindingTuple = (
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                    row.try_get(4)?,
                    row.try_get(5)?,
                    row.try_get(6)?,
                    row.try_get(7)?,
                    row.try_get(8)?,
                    row.try_get(9)?,
                    row.try_get(10)?,
                    row.try_get(11)?,
                    row.try_get(12)?,
                );
                out.push((t, row.try_get(13)?, row.try_get(14)?));
            }
            out
        });
        raw.into_iter()
            .map(|(t, code, state)| {
                Ok(FindingWithRequest {
                    finding: finding_of(t)?,
                    request_code: code,
                    request_state: state,
                })
            })
            .collect()
    }

    /// What the diary counts: a worker's visits and findings of one Shanghai day.
    pub async fn diary_facts(
        &self,
        worker: &str,
        day: NaiveDate,
    ) -> Result<(Vec<VisitFact>, Vec<FindingFact>)> {
        let day = day.format("%Y-%m-%d").to_string();
        let (visits, findings): DiaryTuples = on_pool!(&self.backend, read, |pool, DB| {
            let v = sqlx::query_as(
                "SELECT household_id, kind FROM visits WHERE worker = $1 AND day = $2",
            )
            .bind(worker)
            .bind(&day)
            .fetch_all(pool)
            .await?;
            let f = sqlx::query_as(
                "SELECT class, outcome FROM findings WHERE worker = $1 AND day = $2",
            )
            .bind(worker)
            .bind(&day)
            .fetch_all(pool)
            .await?;
            (v, f)
        });
        let visits = visits
            .into_iter()
            .map(|(h, k)| {
                Ok(VisitFact {
                    household: h.map(HouseholdId),
                    kind: VisitKind::parse(&k).ok_or_else(|| corrupt("visit kind", &k))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let findings = findings
            .into_iter()
            .map(|(c, o)| {
                Ok(FindingFact {
                    class: FindingClass::parse(&c).ok_or_else(|| corrupt("finding class", &c))?,
                    outcome: FindingOutcome::parse(&o)
                        .ok_or_else(|| corrupt("finding outcome", &o))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((visits, findings))
    }

    pub async fn diary_day(&self, worker: &str, day: NaiveDate) -> Result<Option<DiaryRow>> {
        type Row = (
            String,
            String,
            Option<DateTime<Utc>>,
            Option<String>,
            Option<String>,
            Option<DateTime<Utc>>,
        );
        let day = day.format("%Y-%m-%d").to_string();
        let row: Option<Row> = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_as("SELECT narrative, state, submitted_at, comment, commented_by, commented_at FROM diary_days WHERE worker = $1 AND day = $2")
                .bind(worker)
                .bind(&day)
                .fetch_optional(pool)
                .await?
        });
        row.map(|r| {
            Ok(DiaryRow {
                narrative: r.0,
                state: DiaryState::parse(&r.1).ok_or_else(|| corrupt("diary state", &r.1))?,
                submitted_at: r.2,
                comment: r.3,
                commented_by: r.4,
                commented_at: r.5,
            })
        })
        .transpose()
    }

    /// Writes the narrative while the day is open (and submits it when `state` says so).
    /// False when the day was submitted meanwhile.
    pub async fn write_diary(
        &self,
        worker: &str,
        day: NaiveDate,
        narrative: &str,
        state: DiaryState,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let now = truncate_ms(now);
        let day = day.format("%Y-%m-%d").to_string();
        let submitted = (state == DiaryState::Submitted).then_some(now);
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "INSERT INTO diary_days (worker, day, narrative, state, submitted_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (worker, day) DO UPDATE SET narrative = excluded.narrative, state = excluded.state,
                   submitted_at = excluded.submitted_at, updated_at = excluded.updated_at
                 WHERE diary_days.state = 'open'",
            )
            .bind(worker)
            .bind(&day)
            .bind(narrative)
            .bind(state.as_str())
            .bind(submitted)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n > 0)
    }

    /// The community's comment on a submitted day. False when the day is not submitted.
    pub async fn comment_diary(
        &self,
        worker: &str,
        day: NaiveDate,
        comment: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let now = truncate_ms(now);
        let day = day.format("%Y-%m-%d").to_string();
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "UPDATE diary_days SET state = 'commented', comment = $1, commented_by = $2, commented_at = $3, updated_at = $3
                 WHERE worker = $4 AND day = $5 AND state IN ('submitted', 'commented')",
            )
            .bind(comment)
            .bind(by)
            .bind(now)
            .bind(worker)
            .bind(&day)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n > 0)
    }

    /// The occupied households of a grid with their active care tags' cadences and last
    /// visit: what the due queue is computed from. Two indexed reads of one grid.
    pub async fn cadence_households(&self, grid: &str) -> Result<Vec<CadenceRow>> {
        type H = (i64, Option<DateTime<Utc>>, String, Option<String>);
        let (households, tags): (Vec<H>, Vec<(i64, String, i64)>) = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                let h = sqlx::query_as(
                    "SELECT h.id, h.last_visit_at, b.number, u.number FROM households h
                     JOIN buildings b ON b.id = h.building_id LEFT JOIN building_units u ON u.id = h.unit_id
                     WHERE h.grid = $1 AND h.state = 'occupied' ORDER BY h.id",
                )
                .bind(grid)
                .fetch_all(pool)
                .await?;
                let t = sqlx::query_as(
                    "SELECT r.household_id, c.kind, c.cadence_days FROM households h
                     JOIN residents r ON r.household_id = h.id
                     JOIN care_tags c ON c.resident_id = r.id
                     WHERE h.grid = $1 AND h.state = 'occupied' AND r.state = 'current' AND c.state = 'active'",
                )
                .bind(grid)
                .fetch_all(pool)
                .await?;
                (h, t)
            }
        );
        let mut care: std::collections::HashMap<i64, Vec<CareCadence>> = Default::default();
        for (h, kind, days) in tags {
            care.entry(h).or_default().push(CareCadence {
                kind,
                cadence_days: u32::try_from(days).unwrap_or(0),
            });
        }
        Ok(households
            .into_iter()
            .map(|(id, last, building, unit)| CadenceRow {
                cadence: HouseholdCadence {
                    household: HouseholdId(id),
                    grid: grid.to_string(),
                    last_visit_at: last,
                    care: care.remove(&id).unwrap_or_default(),
                },
                building,
                unit,
            })
            .collect())
    }

    /// Per grid: occupied households and those visited since `since`, read from the
    /// (grid, state, last_visit_at) index alone.
    pub async fn coverage_by_grid(
        &self,
        grids: &[String],
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, i64, i64)>> {
        if grids.is_empty() {
            return Ok(Vec::new());
        }
        let since = truncate_ms(since);
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "SELECT grid, COUNT(*), COALESCE(SUM(CASE WHEN last_visit_at >= ",
            );
            q.push_bind(since).push(
                " THEN 1 ELSE 0 END), 0) FROM households WHERE state = 'occupied' AND grid IN (",
            );
            let mut list = q.separated(", ");
            for g in grids {
                list.push_bind(g);
            }
            q.push(") GROUP BY grid ORDER BY grid");
            q.build_query_as().fetch_all(pool).await?
        }))
    }

    /// Per worker and grid: distinct households the worker visited since `since`.
    pub async fn visited_by_worker(
        &self,
        grids: &[String],
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, String, i64)>> {
        if grids.is_empty() {
            return Ok(Vec::new());
        }
        let since = truncate_ms(since);
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "SELECT worker, grid, COUNT(DISTINCT household_id) FROM visits WHERE household_id IS NOT NULL AND visited_at >= ",
            );
            q.push_bind(since).push(" AND grid IN (");
            let mut list = q.separated(", ");
            for g in grids {
                list.push_bind(g);
            }
            q.push(") GROUP BY worker, grid ORDER BY worker, grid");
            q.build_query_as().fetch_all(pool).await?
        }))
    }

    /// The grid workers whose scope is one of `grids`, with their grid.
    pub async fn grid_workers(&self, grids: &[String]) -> Result<Vec<(String, String)>> {
        if grids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "SELECT username, scope FROM users WHERE role = 'grid_worker' AND NOT disabled AND scope IN (",
            );
            let mut list = q.separated(", ");
            for g in grids {
                list.push_bind(g);
            }
            q.push(") ORDER BY username");
            q.build_query_as().fetch_all(pool).await?
        }))
    }

    /// Each worker's month (Shanghai days `from`..=`to`) in the grids: visits, households,
    /// findings, solved on the spot, requests raised.
    pub async fn workload(
        &self,
        grids: &[String],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<WorkloadRow>> {
        if grids.is_empty() {
            return Ok(Vec::new());
        }
        let (from, to) = (
            from.format("%Y-%m-%d").to_string(),
            to.format("%Y-%m-%d").to_string(),
        );
        let (visits, findings): WorkloadTuples = on_pool!(&self.backend, read, |pool, DB| {
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "SELECT worker, grid, COUNT(*), COUNT(DISTINCT household_id) FROM visits WHERE day >= ",
            );
            q.push_bind(&from)
                .push(" AND day <= ")
                .push_bind(&to)
                .push(" AND grid IN (");
            let mut list = q.separated(", ");
            for g in grids {
                list.push_bind(g);
            }
            q.push(") GROUP BY worker, grid");
            let v = q.build_query_as().fetch_all(pool).await?;
            let mut q = sqlx::QueryBuilder::<DB>::new(
                "SELECT worker, grid, COUNT(*), COALESCE(SUM(CASE WHEN outcome = 'solved_on_spot' THEN 1 ELSE 0 END), 0), \
                     COALESCE(SUM(CASE WHEN request_id IS NOT NULL THEN 1 ELSE 0 END), 0) FROM findings WHERE day >= ",
            );
            q.push_bind(&from)
                .push(" AND day <= ")
                .push_bind(&to)
                .push(" AND grid IN (");
            let mut list = q.separated(", ");
            for g in grids {
                list.push_bind(g);
            }
            q.push(") GROUP BY worker, grid");
            let f = q.build_query_as().fetch_all(pool).await?;
            (v, f)
        });
        let mut rows: std::collections::BTreeMap<(String, String), WorkloadRow> =
            Default::default();
        for (worker, grid, n, h) in visits {
            let r = rows
                .entry((worker.clone(), grid.clone()))
                .or_insert_with(|| WorkloadRow {
                    worker,
                    grid,
                    ..Default::default()
                });
            r.visits = n;
            r.households_visited = h;
        }
        for (worker, grid, n, solved, raised) in findings {
            let r = rows
                .entry((worker.clone(), grid.clone()))
                .or_insert_with(|| WorkloadRow {
                    worker,
                    grid,
                    ..Default::default()
                });
            r.findings = n;
            r.solved_on_spot = solved;
            r.requests_raised = raised;
        }
        Ok(rows.into_values().collect())
    }
}

/// A synthetic base ledger for tests and the coverage benchmark: per grid, buildings of
/// households with one resident each, every `care_every`-th with a care tag (cycling
/// living_alone 30 days, subsistence 30 days, disabled 90 days), and every
/// `visited_every`-th visited some days before `now` (0: none).
#[derive(Debug, Clone)]
pub struct LedgerFill {
    pub households_per_grid: usize,
    pub households_per_building: usize,
    pub care_every: usize,
    pub visited_every: usize,
    /// Also a visit row for each visited household, by this user (benchmarks: the day is
    /// `now`'s, whatever the visit's time).
    pub visits_by: Option<String>,
    pub now: DateTime<Utc>,
}

const FILL_CARE: [(&str, i64); 3] = [("living_alone", 30), ("subsistence", 30), ("disabled", 90)];

impl Store {
    /// Writes [`LedgerFill`]'s ledger for each (community, grid), in multi-row inserts.
    /// Answers the number of households written.
    pub async fn fill_grid_ledger(
        &self,
        grids: &[(String, String)],
        fill: &LedgerFill,
    ) -> Result<u64> {
        let mut written = 0;
        for (community, grid) in grids {
            written += self.fill_one_grid(community, grid, fill).await?;
        }
        Ok(written)
    }

    async fn fill_one_grid(&self, community: &str, grid: &str, fill: &LedgerFill) -> Result<u64> {
        let per_building = fill.households_per_building.max(1);
        let buildings = fill.households_per_grid.div_ceil(per_building);
        let rows: Vec<(usize, usize, Option<DateTime<Utc>>)> = (0..fill.households_per_grid)
            .map(|i| {
                let visited = fill.visited_every > 0 && i % fill.visited_every == 0;
                let at = visited
                    .then(|| truncate_ms(fill.now - chrono::Duration::days((i % 200) as i64 + 1)));
                (i / per_building, i % per_building, at)
            })
            .collect();
        let care_every = fill.care_every as i64;
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let mut ids = Vec::with_capacity(buildings);
            for b in 0..buildings {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO buildings (community, grid, number, name) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(community)
                .bind(grid)
                .bind(format!("{grid}-{}", b + 1))
                .bind(format!("{}号楼", b + 1))
                .fetch_one(&mut *tx)
                .await?;
                ids.push(id);
            }
            for chunk in rows.chunks(1000) {
                let mut q = sqlx::QueryBuilder::<DB>::new(
                    "INSERT INTO households (building_id, grid, room, state, last_visit_at) ",
                );
                q.push_values(chunk, |mut row, (b, n, at)| {
                    row.push_bind(ids[*b])
                        .push_bind(grid)
                        .push_bind(format!("{}{:02}", n / 4 + 1, n % 4 + 1))
                        .push_bind("occupied")
                        .push_bind(*at);
                });
                q.build().execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO residents (household_id, name) SELECT id, 'R' || CAST(id AS TEXT) FROM households WHERE grid = $1",
            )
            .bind(grid)
            .execute(&mut *tx)
            .await?;
            if care_every > 0 {
                for (k, (kind, days)) in FILL_CARE.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO care_tags (resident_id, kind, cadence_days) SELECT r.id, $1, $2 FROM residents r
                         JOIN households h ON h.id = r.household_id WHERE h.grid = $3 AND (h.id % $4) = 0 AND ((h.id / $4) % 3) = $5",
                    )
                    .bind(*kind)
                    .bind(*days)
                    .bind(grid)
                    .bind(care_every)
                    .bind(k as i64)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            if let Some(worker) = &fill.visits_by {
                sqlx::query(
                    "INSERT INTO visits (client_key, worker, grid, household_id, kind, visited_at, day, recorded_at)
                     SELECT 'fill-' || CAST(id AS TEXT), $1, grid, id, 'routine', last_visit_at, $2, last_visit_at
                     FROM households WHERE grid = $3 AND last_visit_at IS NOT NULL",
                )
                .bind(worker)
                .bind(day_text(fill.now))
                .bind(grid)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(rows.len() as u64)
    }
}

impl Store {
    /// A visit's photo: its type and its (cleaned) bytes.
    pub async fn visit_photo_bytes(
        &self,
        visit: VisitId,
        hash: &str,
    ) -> Result<Option<(String, Vec<u8>)>> {
        let row: Option<(String, Option<Vec<u8>>)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT a.mime, a.bytes FROM visit_photos v JOIN attachments a ON a.hash = v.hash
                 WHERE v.visit_id = $1 AND v.hash = $2",
            )
            .bind(visit.0)
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
}

impl Store {
    /// What the cadence needs of every occupied household of several grids (the
    /// workload's overdue counts), in two reads.
    pub async fn cadence_of_grids(&self, grids: &[String]) -> Result<Vec<HouseholdCadence>> {
        if grids.is_empty() {
            return Ok(Vec::new());
        }
        type H = (i64, String, Option<DateTime<Utc>>);
        let (households, tags): (Vec<H>, Vec<(i64, String, i64)>) = on_pool!(
            &self.backend,
            read,
            |pool, DB| {
                let mut q = sqlx::QueryBuilder::<DB>::new(
                    "SELECT id, grid, last_visit_at FROM households WHERE state = 'occupied' AND grid IN (",
                );
                let mut list = q.separated(", ");
                for g in grids {
                    list.push_bind(g);
                }
                q.push(") ORDER BY id");
                let h = q.build_query_as().fetch_all(pool).await?;
                let mut q = sqlx::QueryBuilder::<DB>::new(
                    "SELECT r.household_id, c.kind, c.cadence_days FROM households h
                     JOIN residents r ON r.household_id = h.id JOIN care_tags c ON c.resident_id = r.id
                     WHERE h.state = 'occupied' AND r.state = 'current' AND c.state = 'active' AND h.grid IN (",
                );
                let mut list = q.separated(", ");
                for g in grids {
                    list.push_bind(g);
                }
                q.push(")");
                let t = q.build_query_as().fetch_all(pool).await?;
                (h, t)
            }
        );
        let mut care: std::collections::HashMap<i64, Vec<CareCadence>> = Default::default();
        for (h, kind, days) in tags {
            care.entry(h).or_default().push(CareCadence {
                kind,
                cadence_days: u32::try_from(days).unwrap_or(0),
            });
        }
        Ok(households
            .into_iter()
            .map(|(id, grid, last)| HouseholdCadence {
                household: HouseholdId(id),
                grid,
                last_visit_at: last,
                care: care.remove(&id).unwrap_or_default(),
            })
            .collect())
    }
}
