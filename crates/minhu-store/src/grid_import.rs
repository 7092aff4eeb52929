//! The grid base ledger in bulk: a community's whole register read at once (for an import
//! to compare its rows with, and for the 网格基础台账 export), and rows written by natural key
//! in transactions of a few thousand rows, multi-row INSERTs and one UPDATE per changed
//! record, with the edits' audit rows (`ledger_edits`) in the same transaction.
//!
//! The caller (`minhu_app::grid_import`) decides what is new, changed or unchanged; this
//! module only reads and writes what it is given.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::{Backend, Result, Store, on_pool};

/// Rows written per transaction: an interrupted import keeps what it committed, and running
/// it again completes it (unchanged rows are not written).
pub const TX_ROWS: usize = 5000;
/// Rows of one multi-row INSERT (at most 12 parameters a row: under SQLite's 32,766).
const INSERT_ROWS: usize = 1000;

/// A stored building.
#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct LedgerBuilding {
    pub id: i64,
    pub number: String,
    pub grid: String,
    pub name: String,
    pub address: String,
    pub floors: Option<i64>,
    pub built: Option<i64>,
}

/// A stored household, with its building's and unit's numbers (empty: no unit).
#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct LedgerHousehold {
    pub id: i64,
    pub building_id: i64,
    pub unit_id: Option<i64>,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub grid: String,
    pub head_name: String,
    pub head_phone: String,
    pub size: Option<i64>,
    pub tenure: String,
}

/// A stored resident, with their active care tag kinds (sorted).
#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct LedgerResident {
    pub id: i64,
    pub household_id: i64,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub relation: String,
    pub residence: String,
    pub occupation: String,
    #[sqlx(skip)]
    pub care: Vec<String>,
}

/// A stored place.
#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct LedgerPlace {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub grid: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub risk_level: String,
}

/// A community's register, whole.
#[derive(Debug, Clone, Default)]
pub struct CommunityLedger {
    pub buildings: Vec<LedgerBuilding>,
    /// (id, building id, number).
    pub units: Vec<(i64, i64, String)>,
    pub households: Vec<LedgerHousehold>,
    pub residents: Vec<LedgerResident>,
    pub places: Vec<LedgerPlace>,
}

/// One audit row of `ledger_edits`: which record, what was done, which fields (never values
/// of staff or sensitive fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEdit {
    pub entity: &'static str,
    pub entity_id: i64,
    pub action: &'static str,
    pub fields: String,
    pub detail: String,
}

/// The care tags to set on a resident: the active kinds (others end), with their cadences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareSet {
    pub resident_id: i64,
    pub kinds: Vec<(&'static str, i64)>,
}

const BUILDINGS: &str = "SELECT id, number, grid, name, address, floors, built FROM buildings WHERE community = $1 ORDER BY id";
const UNITS: &str = "SELECT u.id, u.building_id, u.number FROM building_units u JOIN buildings b ON b.id = u.building_id WHERE b.community = $1";
const HOUSEHOLDS: &str = "SELECT h.id, h.building_id, h.unit_id, b.number AS building, COALESCE(u.number, '') AS unit, h.room, h.grid, h.head_name, h.head_phone, h.size, h.tenure
    FROM households h JOIN buildings b ON b.id = h.building_id LEFT JOIN building_units u ON u.id = h.unit_id
    WHERE b.community = $1 ORDER BY h.id";
const RESIDENTS: &str = "SELECT r.id, r.household_id, r.name, r.phone, r.id_number, r.birth_year, r.gender, r.relation, r.residence, r.occupation
    FROM residents r JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id
    WHERE b.community = $1 ORDER BY r.id";
const CARE: &str =
    "SELECT t.resident_id, t.kind FROM care_tags t JOIN residents r ON r.id = t.resident_id
    JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id
    WHERE b.community = $1 AND t.state = 'active' ORDER BY t.resident_id, t.kind";
const PLACES: &str = "SELECT id, name, kind, grid, address, contact_name, contact_phone, risk_level FROM places WHERE community = $1 ORDER BY id";

impl Store {
    /// Refreshes the planner's statistics of the register after an import: on PostgreSQL a
    /// street's import can multiply the households before autovacuum notices, and until
    /// then a grid's overdue queue was measured at 100 ms instead of 3 (`bench/grid_coverage.sh`).
    pub async fn refresh_ledger_statistics(&self) -> Result<()> {
        if let Backend::Postgres(pg) = &self.backend {
            sqlx::query("ANALYZE buildings, households, residents, care_tags, places")
                .execute(pg)
                .await?;
        }
        Ok(())
    }

    /// The whole register of `community`: buildings, units, households, residents (with
    /// their active care tags) and places.
    pub async fn community_ledger(&self, community: &str) -> Result<CommunityLedger> {
        let mut l = CommunityLedger::default();
        let care: Vec<(i64, String)>;
        on_pool!(&self.backend, read, |pool, DB| {
            l.buildings = sqlx::query_as(BUILDINGS)
                .bind(community)
                .fetch_all(pool)
                .await?;
            l.units = sqlx::query_as(UNITS)
                .bind(community)
                .fetch_all(pool)
                .await?;
            l.households = sqlx::query_as(HOUSEHOLDS)
                .bind(community)
                .fetch_all(pool)
                .await?;
            l.residents = sqlx::query_as(RESIDENTS)
                .bind(community)
                .fetch_all(pool)
                .await?;
            care = sqlx::query_as(CARE).bind(community).fetch_all(pool).await?;
            l.places = sqlx::query_as(PLACES)
                .bind(community)
                .fetch_all(pool)
                .await?;
        });
        let mut by_resident: HashMap<i64, Vec<String>> = HashMap::new();
        for (id, kind) in care {
            by_resident.entry(id).or_default().push(kind);
        }
        for r in &mut l.residents {
            if let Some(kinds) = by_resident.remove(&r.id) {
                r.care = kinds;
            }
        }
        Ok(l)
    }

    /// Inserts buildings (`id` 0) and updates the others; answers every row's id, in order.
    pub async fn write_buildings(
        &self,
        community: &str,
        rows: &[LedgerBuilding],
    ) -> Result<Vec<i64>> {
        let mut ids: HashMap<String, i64> = HashMap::new();
        for tx_rows in rows.chunks(TX_ROWS) {
            on_pool!(&self.backend, write, |pool, DB| {
                let mut tx = pool.begin().await?;
                let new: Vec<&LedgerBuilding> = tx_rows.iter().filter(|b| b.id == 0).collect();
                for chunk in new.chunks(INSERT_ROWS) {
                    let mut q = sqlx::QueryBuilder::<DB>::new(
                        "INSERT INTO buildings (community, grid, number, name, address, floors, built) ",
                    );
                    q.push_values(chunk, |mut v, b| {
                        v.push_bind(community)
                            .push_bind(&b.grid)
                            .push_bind(&b.number)
                            .push_bind(&b.name)
                            .push_bind(&b.address)
                            .push_bind(b.floors)
                            .push_bind(b.built);
                    });
                    q.push(" RETURNING id, number");
                    let got: Vec<(i64, String)> = q.build_query_as().fetch_all(&mut *tx).await?;
                    ids.extend(got.into_iter().map(|(id, n)| (n, id)));
                }
                for b in tx_rows.iter().filter(|b| b.id != 0) {
                    sqlx::query("UPDATE buildings SET grid = $1, name = $2, address = $3, floors = $4, built = $5 WHERE id = $6")
                        .bind(&b.grid)
                        .bind(&b.name)
                        .bind(&b.address)
                        .bind(b.floors)
                        .bind(b.built)
                        .bind(b.id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            });
        }
        Ok(rows
            .iter()
            .map(|b| {
                if b.id != 0 {
                    b.id
                } else {
                    ids.get(&b.number).copied().unwrap_or(0)
                }
            })
            .collect())
    }

    /// Inserts building units (building id, number); answers their ids, in order.
    pub async fn insert_units(&self, units: &[(i64, String)]) -> Result<Vec<i64>> {
        let mut ids: HashMap<(i64, String), i64> = HashMap::new();
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            for chunk in units.chunks(INSERT_ROWS) {
                let mut q = sqlx::QueryBuilder::<DB>::new(
                    "INSERT INTO building_units (building_id, number) ",
                );
                q.push_values(chunk, |mut v, (b, n)| {
                    v.push_bind(*b).push_bind(n);
                });
                q.push(" RETURNING id, building_id, number");
                let got: Vec<(i64, i64, String)> = q.build_query_as().fetch_all(&mut *tx).await?;
                ids.extend(got.into_iter().map(|(id, b, n)| ((b, n), id)));
            }
            tx.commit().await?;
        });
        Ok(units
            .iter()
            .map(|k| ids.get(k).copied().unwrap_or(0))
            .collect())
    }

    /// Inserts households (`id` 0) and updates the others; answers every row's id, in order.
    pub async fn write_households(&self, rows: &[LedgerHousehold]) -> Result<Vec<i64>> {
        type Key = (i64, Option<i64>, String);
        let mut ids: HashMap<Key, i64> = HashMap::new();
        for tx_rows in rows.chunks(TX_ROWS) {
            on_pool!(&self.backend, write, |pool, DB| {
                let mut tx = pool.begin().await?;
                let new: Vec<&LedgerHousehold> = tx_rows.iter().filter(|h| h.id == 0).collect();
                for chunk in new.chunks(INSERT_ROWS) {
                    let mut q = sqlx::QueryBuilder::<DB>::new(
                        "INSERT INTO households (building_id, unit_id, grid, room, head_name, head_phone, size, tenure) ",
                    );
                    q.push_values(chunk, |mut v, h| {
                        v.push_bind(h.building_id)
                            .push_bind(h.unit_id)
                            .push_bind(&h.grid)
                            .push_bind(&h.room)
                            .push_bind(&h.head_name)
                            .push_bind(&h.head_phone)
                            .push_bind(h.size)
                            .push_bind(&h.tenure);
                    });
                    q.push(" RETURNING id, building_id, unit_id, room");
                    let got: Vec<(i64, i64, Option<i64>, String)> =
                        q.build_query_as().fetch_all(&mut *tx).await?;
                    ids.extend(got.into_iter().map(|(id, b, u, r)| ((b, u, r), id)));
                }
                for h in tx_rows.iter().filter(|h| h.id != 0) {
                    sqlx::query("UPDATE households SET grid = $1, head_name = $2, head_phone = $3, size = $4, tenure = $5 WHERE id = $6")
                        .bind(&h.grid)
                        .bind(&h.head_name)
                        .bind(&h.head_phone)
                        .bind(h.size)
                        .bind(&h.tenure)
                        .bind(h.id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            });
        }
        Ok(rows
            .iter()
            .map(|h| match h.id {
                0 => ids
                    .get(&(h.building_id, h.unit_id, h.room.clone()))
                    .copied()
                    .unwrap_or(0),
                id => id,
            })
            .collect())
    }

    /// Inserts residents (`id` 0) and updates the others; answers every row's id, in order.
    pub async fn write_residents(&self, rows: &[LedgerResident]) -> Result<Vec<i64>> {
        let mut ids: HashMap<(i64, String), i64> = HashMap::new();
        for tx_rows in rows.chunks(TX_ROWS) {
            on_pool!(&self.backend, write, |pool, DB| {
                let mut tx = pool.begin().await?;
                let new: Vec<&LedgerResident> = tx_rows.iter().filter(|r| r.id == 0).collect();
                for chunk in new.chunks(INSERT_ROWS) {
                    let mut q = sqlx::QueryBuilder::<DB>::new(
                        "INSERT INTO residents (household_id, name, phone, id_number, birth_year, gender, relation, residence, occupation) ",
                    );
                    q.push_values(chunk, |mut v, r| {
                        v.push_bind(r.household_id)
                            .push_bind(&r.name)
                            .push_bind(&r.phone)
                            .push_bind(&r.id_number)
                            .push_bind(r.birth_year)
                            .push_bind(&r.gender)
                            .push_bind(&r.relation)
                            .push_bind(&r.residence)
                            .push_bind(&r.occupation);
                    });
                    q.push(" RETURNING id, household_id, name");
                    let got: Vec<(i64, i64, String)> =
                        q.build_query_as().fetch_all(&mut *tx).await?;
                    ids.extend(got.into_iter().map(|(id, h, n)| ((h, n), id)));
                }
                for r in tx_rows.iter().filter(|r| r.id != 0) {
                    sqlx::query("UPDATE residents SET phone = $1, id_number = $2, birth_year = $3, gender = $4, relation = $5, residence = $6, occupation = $7 WHERE id = $8")
                        .bind(&r.phone)
                        .bind(&r.id_number)
                        .bind(r.birth_year)
                        .bind(&r.gender)
                        .bind(&r.relation)
                        .bind(&r.residence)
                        .bind(&r.occupation)
                        .bind(r.id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            });
        }
        Ok(rows
            .iter()
            .map(|r| match r.id {
                0 => ids
                    .get(&(r.household_id, r.name.clone()))
                    .copied()
                    .unwrap_or(0),
                id => id,
            })
            .collect())
    }

    /// Sets residents' care tags: the kinds listed become (or stay) active with their
    /// cadence, since `today` when new; the others end. `fresh` residents have no tags yet
    /// (no ending to do: one multi-row INSERT).
    pub async fn set_care_tags(&self, sets: &[CareSet], fresh: bool, today: &str) -> Result<()> {
        let tags: Vec<(i64, &str, i64)> = sets
            .iter()
            .flat_map(|s| s.kinds.iter().map(|(k, c)| (s.resident_id, *k, *c)))
            .collect();
        on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            if !fresh {
                for s in sets {
                    let mut q = sqlx::QueryBuilder::<DB>::new(
                        "UPDATE care_tags SET state = 'ended', until = ",
                    );
                    q.push_bind(today)
                        .push(" WHERE state = 'active' AND resident_id = ")
                        .push_bind(s.resident_id);
                    if !s.kinds.is_empty() {
                        q.push(" AND kind NOT IN (");
                        let mut sep = q.separated(", ");
                        for (k, _) in &s.kinds {
                            sep.push_bind(*k);
                        }
                        q.push(")");
                    }
                    q.build().execute(&mut *tx).await?;
                }
            }
            for chunk in tags.chunks(INSERT_ROWS) {
                let mut q = sqlx::QueryBuilder::<DB>::new(
                    "INSERT INTO care_tags (resident_id, kind, cadence_days, since) ",
                );
                q.push_values(chunk, |mut v, (r, k, c)| {
                    v.push_bind(*r).push_bind(*k).push_bind(*c).push_bind(today);
                });
                q.push(
                    " ON CONFLICT (resident_id, kind) DO UPDATE SET state = 'active', until = NULL, cadence_days = excluded.cadence_days
                      WHERE care_tags.state <> 'active'",
                );
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Inserts places (`id` 0) and updates the others.
    pub async fn write_places(&self, community: &str, rows: &[LedgerPlace]) -> Result<Vec<i64>> {
        let mut ids: HashMap<String, i64> = HashMap::new();
        for tx_rows in rows.chunks(TX_ROWS) {
            on_pool!(&self.backend, write, |pool, DB| {
                let mut tx = pool.begin().await?;
                let new: Vec<&LedgerPlace> = tx_rows.iter().filter(|p| p.id == 0).collect();
                for chunk in new.chunks(INSERT_ROWS) {
                    let mut q = sqlx::QueryBuilder::<DB>::new(
                        "INSERT INTO places (community, grid, kind, name, address, contact_name, contact_phone, risk_level) ",
                    );
                    q.push_values(chunk, |mut v, p| {
                        v.push_bind(community)
                            .push_bind(&p.grid)
                            .push_bind(&p.kind)
                            .push_bind(&p.name)
                            .push_bind(&p.address)
                            .push_bind(&p.contact_name)
                            .push_bind(&p.contact_phone)
                            .push_bind(&p.risk_level);
                    });
                    q.push(" RETURNING id, name");
                    let got: Vec<(i64, String)> = q.build_query_as().fetch_all(&mut *tx).await?;
                    ids.extend(got.into_iter().map(|(id, n)| (n, id)));
                }
                for p in tx_rows.iter().filter(|p| p.id != 0) {
                    sqlx::query("UPDATE places SET grid = $1, kind = $2, address = $3, contact_name = $4, contact_phone = $5, risk_level = $6 WHERE id = $7")
                        .bind(&p.grid)
                        .bind(&p.kind)
                        .bind(&p.address)
                        .bind(&p.contact_name)
                        .bind(&p.contact_phone)
                        .bind(&p.risk_level)
                        .bind(p.id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            });
        }
        Ok(rows
            .iter()
            .map(|p| {
                if p.id != 0 {
                    p.id
                } else {
                    ids.get(&p.name).copied().unwrap_or(0)
                }
            })
            .collect())
    }

    /// Appends audit rows of the register's edits, by `actor` at `at`.
    pub async fn log_ledger_edits(
        &self,
        actor: &str,
        at: DateTime<Utc>,
        edits: &[LedgerEdit],
    ) -> Result<()> {
        for tx_rows in edits.chunks(TX_ROWS) {
            on_pool!(&self.backend, write, |pool, DB| {
                let mut tx = pool.begin().await?;
                for chunk in tx_rows.chunks(INSERT_ROWS) {
                    let mut q = sqlx::QueryBuilder::<DB>::new(
                        "INSERT INTO ledger_edits (at, actor, entity, entity_id, action, fields, detail) ",
                    );
                    q.push_values(chunk, |mut v, e| {
                        v.push_bind(at)
                            .push_bind(actor)
                            .push_bind(e.entity)
                            .push_bind(e.entity_id)
                            .push_bind(e.action)
                            .push_bind(&e.fields)
                            .push_bind(&e.detail);
                    });
                    q.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
            });
        }
        Ok(())
    }

    /// The audit rows of the register for an entity kind (oldest first): (entity id,
    /// action, fields, detail).
    pub async fn ledger_edits(&self, entity: &str) -> Result<Vec<(i64, String, String, String)>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT entity_id, action, fields, detail FROM ledger_edits WHERE entity = $1 ORDER BY id",
            )
            .bind(entity)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Records an export of a community's register with staff fields shown: who, which
    /// community (`subject_kind` `community_ledger`), which fields and why.
    pub async fn log_ledger_export(
        &self,
        actor: &str,
        role: &str,
        community: &str,
        fields: &str,
        purpose: &str,
    ) -> Result<()> {
        let now = Utc::now();
        let fields = format!("{community}: {fields}");
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("INSERT INTO access_log (at, actor, role, request_id, fields, purpose, subject_kind) VALUES ($1, $2, $3, NULL, $4, $5, 'community_ledger')")
                .bind(now)
                .bind(actor)
                .bind(role)
                .bind(&fields)
                .bind(purpose)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The exports of a community's register logged so far: (actor, fields, purpose).
    pub async fn ledger_exports_logged(&self) -> Result<Vec<(String, String, String)>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(
                "SELECT actor, fields, purpose FROM access_log WHERE subject_kind = 'community_ledger' ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
