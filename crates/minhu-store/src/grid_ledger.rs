//! The grid's base ledger and the people register (migration 0018): buildings, units,
//! households, residents, care tags, places, grid posts, the edit audit (`ledger_edits`)
//! and the `sensitive` grant (`user_grants`). Every edit writes its `ledger_edits` row in
//! the same transaction, with values only for public-tier fields (`minhu_domain::people`).
//! A grant is read from the database at every check ([`Store::has_grant`]), never cached,
//! so removing one takes effect at once on every server.
//!
//! Dates (tenancy, since/until) are `TEXT` `YYYY-MM-DD` on both backends and bound as text.

use chrono::{DateTime, NaiveDate, Utc};
use minhu_domain::grid_ledger::{
    Building, CareKind, CareTag, Gender, GridPost, Household, HouseholdEdit, NewCareTag, NewPlace,
    NewPost, Occupancy, Place, PlaceKind, PlaceState, PostKind, Residence, Resident, ResidentEdit,
    ResidentState, RiskLevel, Standing, Tenure,
};
use minhu_domain::ids::{BuildingId, HouseholdId, ResidentId};
use minhu_domain::people::{self, Tier};

use crate::{Result, Store, StoreError, on_pool};

/// A household as a list shows it: with its building's number and name and its unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdListing {
    pub household: Household,
    pub building_number: String,
    pub building_name: String,
    pub unit_number: Option<String>,
}

/// A page of a grid's households.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdQuery {
    pub grid: String,
    pub building: Option<BuildingId>,
    /// Matches the room or the building number (never a name or a phone: a search must not
    /// confirm who lives where to someone who has not revealed it).
    pub q: Option<String>,
    /// From 1.
    pub page: i64,
    pub per_page: i64,
}

/// A building to add (imports and the demo district use it too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewBuilding {
    pub community: String,
    pub grid: String,
    pub number: String,
    pub name: String,
    pub address: String,
    pub floors: Option<i64>,
}

/// A household to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHousehold {
    pub building_id: BuildingId,
    pub unit_id: Option<i64>,
    pub grid: String,
    pub room: String,
    pub head_name: String,
    pub head_phone: String,
    pub size: Option<i64>,
    pub tenure: Tenure,
}

/// A resident to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResident {
    pub household_id: HouseholdId,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub birth_year: Option<i64>,
    pub relation: String,
}

/// One row of the edit audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEdit {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    pub fields: String,
    /// JSON of the public-tier values set; staff and sensitive fields are named only.
    pub detail: String,
}

/// One line of the access log about a register record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectAccess {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub subject_kind: String,
    pub subject_id: i64,
    pub fields: String,
    pub purpose: String,
}

/// What happened to adding a care tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagAdded {
    /// The tag's id (a new one, or an ended tag of the same kind made active again).
    Added(i64),
    /// The resident has an active tag of this kind already.
    AlreadyActive,
}

const BUILDING_COLS: &str = "id, community, grid, number, name, address, floors, built, state";
const HOUSEHOLD_COLS: &str = "h.id, h.building_id, h.unit_id, h.grid, h.room, h.head_name, h.head_phone, h.size, h.tenure, h.tenancy_from, h.tenancy_until, h.state, h.last_visit_at";
const RESIDENT_COLS: &str = "id, household_id, name, phone, id_number, birth_year, gender, relation, residence, occupation, state";
const TAG_COLS: &str = "id, resident_id, kind, basis, cadence_days, helper, since, until, state";
const PLACE_COLS: &str =
    "id, community, grid, kind, name, address, contact_name, contact_phone, risk_level, state";
const POST_COLS: &str = "id, grid, post, person_name, username, building_id, armband_no, board_phone, since, until, state";

#[derive(sqlx::FromRow)]
struct BuildingRow {
    id: i64,
    community: String,
    grid: String,
    number: String,
    name: String,
    address: String,
    floors: Option<i64>,
    built: Option<i64>,
    state: String,
}

#[derive(sqlx::FromRow)]
struct HouseholdRow {
    id: i64,
    building_id: i64,
    unit_id: Option<i64>,
    grid: String,
    room: String,
    head_name: String,
    head_phone: String,
    size: Option<i64>,
    tenure: String,
    tenancy_from: Option<String>,
    tenancy_until: Option<String>,
    state: String,
    last_visit_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ListingRow {
    #[sqlx(flatten)]
    h: HouseholdRow,
    building_number: String,
    building_name: String,
    unit_number: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ResidentRow {
    id: i64,
    household_id: i64,
    name: String,
    phone: String,
    id_number: String,
    birth_year: Option<i64>,
    gender: Option<String>,
    relation: String,
    residence: String,
    occupation: String,
    state: String,
}

#[derive(sqlx::FromRow)]
struct TagRow {
    id: i64,
    resident_id: i64,
    kind: String,
    basis: String,
    cadence_days: i64,
    helper: String,
    since: Option<String>,
    until: Option<String>,
    state: String,
}

#[derive(sqlx::FromRow)]
struct PlaceRow {
    id: i64,
    community: String,
    grid: String,
    kind: String,
    name: String,
    address: String,
    contact_name: String,
    contact_phone: String,
    risk_level: String,
    state: String,
}

#[derive(sqlx::FromRow)]
struct PostRow {
    id: i64,
    grid: String,
    post: String,
    person_name: String,
    username: Option<String>,
    building_id: Option<i64>,
    armband_no: String,
    board_phone: String,
    since: String,
    until: Option<String>,
    state: String,
}

/// A stored code read back, or the corruption named.
fn code<T>(what: &str, value: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(value).ok_or_else(|| StoreError::Corrupt(format!("{what} '{value}'")))
}

fn day(value: Option<String>) -> Result<Option<NaiveDate>> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                .map_err(|_| StoreError::Corrupt(format!("date '{v}'")))
        })
        .transpose()
}

fn day_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

impl BuildingRow {
    fn into_domain(self) -> Result<Building> {
        Ok(Building {
            id: BuildingId(self.id),
            state: code("building state", &self.state, Occupancy::parse)?,
            community: self.community,
            grid: self.grid,
            number: self.number,
            name: self.name,
            address: self.address,
            floors: self.floors,
            built: self.built,
        })
    }
}

impl HouseholdRow {
    fn into_domain(self) -> Result<Household> {
        Ok(Household {
            id: HouseholdId(self.id),
            building_id: BuildingId(self.building_id),
            unit_id: self.unit_id,
            tenure: code("tenure", &self.tenure, Tenure::parse)?,
            state: code("household state", &self.state, Occupancy::parse)?,
            tenancy_from: day(self.tenancy_from)?,
            tenancy_until: day(self.tenancy_until)?,
            grid: self.grid,
            room: self.room,
            head_name: self.head_name,
            head_phone: self.head_phone,
            size: self.size,
            last_visit_at: self.last_visit_at,
        })
    }
}

impl ResidentRow {
    fn into_domain(self) -> Result<Resident> {
        Ok(Resident {
            id: ResidentId(self.id),
            household_id: HouseholdId(self.household_id),
            gender: self
                .gender
                .as_deref()
                .map(|g| code("gender", g, Gender::parse))
                .transpose()?,
            residence: code("residence", &self.residence, Residence::parse)?,
            state: code("resident state", &self.state, ResidentState::parse)?,
            name: self.name,
            phone: self.phone,
            id_number: self.id_number,
            birth_year: self.birth_year,
            relation: self.relation,
            occupation: self.occupation,
        })
    }
}

impl TagRow {
    fn into_domain(self) -> Result<CareTag> {
        Ok(CareTag {
            id: self.id,
            resident_id: ResidentId(self.resident_id),
            kind: code("care kind", &self.kind, CareKind::parse)?,
            state: code("tag state", &self.state, Standing::parse)?,
            cadence_days: u32::try_from(self.cadence_days).unwrap_or(0),
            since: day(self.since)?,
            until: day(self.until)?,
            basis: self.basis,
            helper: self.helper,
        })
    }
}

impl PlaceRow {
    fn into_domain(self) -> Result<Place> {
        Ok(Place {
            id: self.id,
            kind: code("place kind", &self.kind, PlaceKind::parse)?,
            risk_level: code("risk level", &self.risk_level, RiskLevel::parse)?,
            state: code("place state", &self.state, PlaceState::parse)?,
            community: self.community,
            grid: self.grid,
            name: self.name,
            address: self.address,
            contact_name: self.contact_name,
            contact_phone: self.contact_phone,
        })
    }
}

impl PostRow {
    fn into_domain(self) -> Result<GridPost> {
        Ok(GridPost {
            id: self.id,
            post: code("post", &self.post, PostKind::parse)?,
            state: code("post state", &self.state, Standing::parse)?,
            since: day(Some(self.since))?
                .ok_or_else(|| StoreError::Corrupt("post without since".into()))?,
            until: day(self.until)?,
            building_id: self.building_id.map(BuildingId),
            grid: self.grid,
            person_name: self.person_name,
            username: self.username,
            armband_no: self.armband_no,
            board_phone: self.board_phone,
        })
    }
}

/// A unique violation as `Duplicate(field)`: two rooms, or two residents, of one name.
fn duplicate(e: StoreError, field: &str) -> StoreError {
    match e {
        StoreError::Db(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            StoreError::Duplicate(field.to_string())
        }
        e => e,
    }
}

fn all<R, T>(rows: Vec<R>, f: fn(R) -> Result<T>) -> Result<Vec<T>> {
    rows.into_iter().map(f).collect()
}

/// The audit detail of an edit: the public-tier values as JSON, the others named only.
fn public_detail(values: &[(&str, serde_json::Value)], tier: fn(&str) -> Tier) -> String {
    let shown: serde_json::Map<String, serde_json::Value> = values
        .iter()
        .filter(|(f, _)| tier(f) == Tier::Public)
        .map(|(f, v)| (f.to_string(), v.clone()))
        .collect();
    serde_json::Value::Object(shown).to_string()
}

/// The ledger_edits insert, to run inside a write's transaction.
const EDIT_INSERT: &str = "INSERT INTO ledger_edits (at, actor, entity, entity_id, action, fields, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)";

impl Store {
    // ---- reads ---------------------------------------------------------------------------

    /// The buildings of a grid, by number.
    pub async fn buildings_of_grid(&self, grid: &str) -> Result<Vec<Building>> {
        let sql = format!(
            "SELECT {BUILDING_COLS} FROM buildings WHERE grid = $1 ORDER BY length(number), number"
        );
        let rows: Vec<BuildingRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(grid)
                .fetch_all(pool)
                .await?
        });
        all(rows, BuildingRow::into_domain)
    }

    pub async fn building(&self, id: BuildingId) -> Result<Option<Building>> {
        let sql = format!("SELECT {BUILDING_COLS} FROM buildings WHERE id = $1");
        let row: Option<BuildingRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        row.map(BuildingRow::into_domain).transpose()
    }

    /// A page of a grid's households (by building, unit and room) and how many match.
    pub async fn households_of_grid(
        &self,
        q: &HouseholdQuery,
    ) -> Result<(Vec<HouseholdListing>, i64)> {
        let per_page = q.per_page.clamp(1, 500);
        let offset = (q.page.max(1) - 1) * per_page;
        let pattern = q.q.as_deref().map(|s| format!("%{}%", s.trim()));
        let filter = "h.grid = $1 AND ($2 IS NULL OR h.building_id = $2) AND ($3 IS NULL OR h.room LIKE $3 OR b.number LIKE $3)";
        let list = format!(
            "SELECT {HOUSEHOLD_COLS}, b.number AS building_number, b.name AS building_name, u.number AS unit_number FROM households h JOIN buildings b ON b.id = h.building_id LEFT JOIN building_units u ON u.id = h.unit_id WHERE {filter} ORDER BY length(b.number), b.number, u.number, length(h.room), h.room, h.id LIMIT $4 OFFSET $5"
        );
        let count = format!(
            "SELECT COUNT(*) FROM households h JOIN buildings b ON b.id = h.building_id WHERE {filter}"
        );
        let building = q.building.map(|b| b.0);
        let (rows, total): (Vec<ListingRow>, i64) = on_pool!(&self.backend, read, |pool, DB| {
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(list))
                .bind(&q.grid)
                .bind(building)
                .bind(pattern.as_deref())
                .bind(per_page)
                .bind(offset)
                .fetch_all(pool)
                .await?;
            let total = sqlx::query_scalar(sqlx::AssertSqlSafe(count))
                .bind(&q.grid)
                .bind(building)
                .bind(pattern.as_deref())
                .fetch_one(pool)
                .await?;
            (rows, total)
        });
        let listings = rows
            .into_iter()
            .map(|r| {
                Ok(HouseholdListing {
                    household: r.h.into_domain()?,
                    building_number: r.building_number,
                    building_name: r.building_name,
                    unit_number: r.unit_number,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((listings, total))
    }

    /// One household with its building and unit.
    pub async fn household(&self, id: HouseholdId) -> Result<Option<HouseholdListing>> {
        let sql = format!(
            "SELECT {HOUSEHOLD_COLS}, b.number AS building_number, b.name AS building_name, u.number AS unit_number FROM households h JOIN buildings b ON b.id = h.building_id LEFT JOIN building_units u ON u.id = h.unit_id WHERE h.id = $1"
        );
        let row: Option<ListingRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        row.map(|r| {
            Ok(HouseholdListing {
                household: r.h.into_domain()?,
                building_number: r.building_number,
                building_name: r.building_name,
                unit_number: r.unit_number,
            })
        })
        .transpose()
    }

    /// The residents of a household, head first (by id).
    pub async fn residents_of_household(&self, id: HouseholdId) -> Result<Vec<Resident>> {
        let sql =
            format!("SELECT {RESIDENT_COLS} FROM residents WHERE household_id = $1 ORDER BY id");
        let rows: Vec<ResidentRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id.0)
                .fetch_all(pool)
                .await?
        });
        all(rows, ResidentRow::into_domain)
    }

    pub async fn resident(&self, id: ResidentId) -> Result<Option<Resident>> {
        let sql = format!("SELECT {RESIDENT_COLS} FROM residents WHERE id = $1");
        let row: Option<ResidentRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        row.map(ResidentRow::into_domain).transpose()
    }

    /// The grid a resident's household lies in.
    pub async fn resident_grid(&self, id: ResidentId) -> Result<Option<String>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_scalar("SELECT h.grid FROM residents r JOIN households h ON h.id = r.household_id WHERE r.id = $1")
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The care tags (active and ended) of a household's residents.
    pub async fn care_tags_of_household(&self, id: HouseholdId) -> Result<Vec<CareTag>> {
        let sql = format!(
            "SELECT {TAG_COLS} FROM care_tags WHERE resident_id IN (SELECT id FROM residents WHERE household_id = $1) ORDER BY resident_id, id"
        );
        let rows: Vec<TagRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id.0)
                .fetch_all(pool)
                .await?
        });
        all(rows, TagRow::into_domain)
    }

    /// A care tag and the grid it lies in.
    pub async fn care_tag(&self, id: i64) -> Result<Option<(CareTag, String)>> {
        let sql = format!(
            "SELECT t.{cols}, h.grid AS grid FROM care_tags t JOIN residents r ON r.id = t.resident_id JOIN households h ON h.id = r.household_id WHERE t.id = $1",
            cols = TAG_COLS.replace(", ", ", t.")
        );
        let found: Option<TagRowWithGrid> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        found
            .map(|r| Ok((r.tag.into_domain()?, r.grid)))
            .transpose()
    }

    /// The places of a grid, by name.
    pub async fn places_of_grid(&self, grid: &str) -> Result<Vec<Place>> {
        let sql = format!("SELECT {PLACE_COLS} FROM places WHERE grid = $1 ORDER BY name, id");
        let rows: Vec<PlaceRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(grid)
                .fetch_all(pool)
                .await?
        });
        all(rows, PlaceRow::into_domain)
    }

    /// The posts of a grid: the active ones, or all with `include_ended`, by post and since.
    pub async fn posts_of_grid(&self, grid: &str, include_ended: bool) -> Result<Vec<GridPost>> {
        let sql = format!(
            "SELECT {POST_COLS} FROM grid_posts WHERE grid = $1 AND ($2 OR state = 'active') ORDER BY state, post, since, id"
        );
        let rows: Vec<PostRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(grid)
                .bind(include_ended)
                .fetch_all(pool)
                .await?
        });
        all(rows, PostRow::into_domain)
    }

    /// A post by id.
    pub async fn grid_post(&self, id: i64) -> Result<Option<GridPost>> {
        let sql = format!("SELECT {POST_COLS} FROM grid_posts WHERE id = $1");
        let row: Option<PostRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(PostRow::into_domain).transpose()
    }

    /// The edit audit of one record, oldest first.
    pub async fn ledger_edits_of(&self, entity: &str, entity_id: i64) -> Result<Vec<LedgerEdit>> {
        type Row = (DateTime<Utc>, String, String, i64, String, String, String);
        let rows: Vec<Row> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT at, actor, entity, entity_id, action, fields, detail FROM ledger_edits WHERE entity = $1 AND entity_id = $2 ORDER BY id")
                .bind(entity)
                .bind(entity_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(at, actor, entity, entity_id, action, fields, detail)| LedgerEdit {
                    at,
                    actor,
                    entity,
                    entity_id,
                    action,
                    fields,
                    detail,
                },
            )
            .collect())
    }

    // ---- adds (imports, the demo district, tests) -----------------------------------------

    pub async fn add_building(&self, b: &NewBuilding) -> Result<BuildingId> {
        let id: i64 = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar("INSERT INTO buildings (community, grid, number, name, address, floors) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(&b.community)
                .bind(&b.grid)
                .bind(&b.number)
                .bind(&b.name)
                .bind(&b.address)
                .bind(b.floors)
                .fetch_one(pool)
                .await?
        });
        Ok(BuildingId(id))
    }

    pub async fn add_building_unit(
        &self,
        building: BuildingId,
        number: &str,
        floors: Option<i64>,
    ) -> Result<i64> {
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar("INSERT INTO building_units (building_id, number, floors) VALUES ($1, $2, $3) RETURNING id")
                .bind(building.0)
                .bind(number)
                .bind(floors)
                .fetch_one(pool)
                .await?
        }))
    }

    pub async fn add_household(&self, h: &NewHousehold) -> Result<HouseholdId> {
        let id: i64 = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar("INSERT INTO households (building_id, unit_id, grid, room, head_name, head_phone, size, tenure) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(h.building_id.0)
                .bind(h.unit_id)
                .bind(&h.grid)
                .bind(&h.room)
                .bind(&h.head_name)
                .bind(&h.head_phone)
                .bind(h.size)
                .bind(h.tenure.as_str())
                .fetch_one(pool)
                .await?
        });
        Ok(HouseholdId(id))
    }

    pub async fn add_resident(&self, r: &NewResident) -> Result<ResidentId> {
        let id: i64 = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar("INSERT INTO residents (household_id, name, phone, id_number, birth_year, relation) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(r.household_id.0)
                .bind(&r.name)
                .bind(&r.phone)
                .bind(&r.id_number)
                .bind(r.birth_year)
                .bind(&r.relation)
                .fetch_one(pool)
                .await?
        });
        Ok(ResidentId(id))
    }

    // ---- audited edits ---------------------------------------------------------------------

    /// Applies an edit to a household and records it in `ledger_edits`, in one
    /// transaction. False when there is no such household; `Duplicate("room")` when the
    /// room is another household's.
    pub async fn edit_household(
        &self,
        id: HouseholdId,
        edit: &HouseholdEdit,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        self.write_household_edit(id, edit, actor, at)
            .await
            .map_err(|e| duplicate(e, "room"))
    }

    async fn write_household_edit(
        &self,
        id: HouseholdId,
        edit: &HouseholdEdit,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        use serde_json::json;
        let mut values: Vec<(&str, serde_json::Value)> = Vec::new();
        let mut push = |f: &'static str, v: Option<serde_json::Value>| {
            if let Some(v) = v {
                values.push((f, v));
            }
        };
        push("room", edit.room.as_ref().map(|v| json!(v)));
        push("head_name", edit.head_name.as_ref().map(|v| json!(v)));
        push("head_phone", edit.head_phone.as_ref().map(|v| json!(v)));
        push("size", edit.size.map(|v| json!(v)));
        push("tenure", edit.tenure.map(|v| json!(v.as_str())));
        push(
            "tenancy_from",
            edit.tenancy_from.map(|v| json!(day_text(v))),
        );
        push(
            "tenancy_until",
            edit.tenancy_until.map(|v| json!(day_text(v))),
        );
        push("state", edit.state.map(|v| json!(v.as_str())));
        let detail = public_detail(&values, people::household_field);
        let fields = edit.fields().join(",");
        let n = on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE households SET room = COALESCE($2, room), head_name = COALESCE($3, head_name), head_phone = COALESCE($4, head_phone), size = COALESCE($5, size), tenure = COALESCE($6, tenure), tenancy_from = CASE WHEN $7 THEN $8 ELSE tenancy_from END, tenancy_until = CASE WHEN $9 THEN $10 ELSE tenancy_until END, state = COALESCE($11, state) WHERE id = $1")
                .bind(id.0)
                .bind(edit.room.as_deref())
                .bind(edit.head_name.as_deref())
                .bind(edit.head_phone.as_deref())
                .bind(edit.size)
                .bind(edit.tenure.map(Tenure::as_str))
                .bind(edit.tenancy_from.is_some())
                .bind(edit.tenancy_from.and_then(day_text))
                .bind(edit.tenancy_until.is_some())
                .bind(edit.tenancy_until.and_then(day_text))
                .bind(edit.state.map(Occupancy::as_str))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                sqlx::query(EDIT_INSERT)
                    .bind(at)
                    .bind(actor)
                    .bind("household")
                    .bind(id.0)
                    .bind("edit")
                    .bind(&fields)
                    .bind(&detail)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    /// Applies an edit to a resident and records it, in one transaction. False when there
    /// is no such resident; `Duplicate("name")` when the household has one of that name.
    pub async fn edit_resident(
        &self,
        id: ResidentId,
        edit: &ResidentEdit,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        self.write_resident_edit(id, edit, actor, at)
            .await
            .map_err(|e| duplicate(e, "name"))
    }

    async fn write_resident_edit(
        &self,
        id: ResidentId,
        edit: &ResidentEdit,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        use serde_json::json;
        let values: Vec<(&str, serde_json::Value)> = [
            ("gender", edit.gender.map(|v| json!(v.as_str()))),
            ("relation", edit.relation.as_ref().map(|v| json!(v))),
            ("state", edit.state.map(|v| json!(v.as_str()))),
        ]
        .into_iter()
        .filter_map(|(f, v)| v.map(|v| (f, v)))
        .collect();
        let detail = public_detail(&values, people::resident_field);
        let fields = edit.fields().join(",");
        let n = on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE residents SET name = COALESCE($2, name), phone = COALESCE($3, phone), id_number = COALESCE($4, id_number), birth_year = COALESCE($5, birth_year), gender = COALESCE($6, gender), relation = COALESCE($7, relation), residence = COALESCE($8, residence), occupation = COALESCE($9, occupation), state = COALESCE($10, state) WHERE id = $1")
                .bind(id.0)
                .bind(edit.name.as_deref())
                .bind(edit.phone.as_deref())
                .bind(edit.id_number.as_deref())
                .bind(edit.birth_year)
                .bind(edit.gender.map(Gender::as_str))
                .bind(edit.relation.as_deref())
                .bind(edit.residence.map(Residence::as_str))
                .bind(edit.occupation.as_deref())
                .bind(edit.state.map(ResidentState::as_str))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                sqlx::query(EDIT_INSERT)
                    .bind(at)
                    .bind(actor)
                    .bind("resident")
                    .bind(id.0)
                    .bind("edit")
                    .bind(&fields)
                    .bind(&detail)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    /// Tags a resident, audited. An ended tag of the same kind becomes active again with
    /// the new values (one row per resident and kind); an active one is left as it is.
    pub async fn add_care_tag(
        &self,
        resident: ResidentId,
        tag: &NewCareTag,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<TagAdded> {
        let since = day_text(tag.since);
        let id: Option<i64> = on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let id: Option<i64> = sqlx::query_scalar("INSERT INTO care_tags (resident_id, kind, basis, cadence_days, helper, since, state) VALUES ($1, $2, $3, $4, $5, $6, 'active') ON CONFLICT (resident_id, kind) DO UPDATE SET basis = excluded.basis, cadence_days = excluded.cadence_days, helper = excluded.helper, since = excluded.since, until = NULL, state = 'active' WHERE care_tags.state = 'ended' RETURNING id")
                .bind(resident.0)
                .bind(tag.kind.as_str())
                .bind(&tag.basis)
                .bind(i64::from(tag.cadence_days))
                .bind(&tag.helper)
                .bind(since.as_deref())
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(id) = id {
                // A care tag is sensitive as a whole: the audit names it, never its kind.
                sqlx::query(EDIT_INSERT)
                    .bind(at)
                    .bind(actor)
                    .bind("care_tag")
                    .bind(id)
                    .bind("add")
                    .bind("care_tags")
                    .bind("{}")
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            id
        });
        Ok(id.map_or(TagAdded::AlreadyActive, TagAdded::Added))
    }

    /// Ends an active care tag on `until`, audited. False when it is not active.
    pub async fn end_care_tag(
        &self,
        id: i64,
        until: NaiveDate,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        self.end_record("care_tags", "care_tag", id, until, actor, at)
            .await
    }

    /// Fills a post of a grid, audited (a post is public: its values are kept).
    pub async fn add_post(
        &self,
        grid: &str,
        post: &NewPost,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let detail = serde_json::json!({
            "post": post.post.as_str(), "person_name": post.person_name,
            "armband_no": post.armband_no, "board_phone": post.board_phone,
        })
        .to_string();
        let since = post.since.format("%Y-%m-%d").to_string();
        Ok(on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO grid_posts (grid, post, person_name, username, building_id, armband_no, board_phone, since) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                .bind(grid)
                .bind(post.post.as_str())
                .bind(&post.person_name)
                .bind(post.username.as_deref())
                .bind(post.building_id.map(|b| b.0))
                .bind(&post.armband_no)
                .bind(&post.board_phone)
                .bind(&since)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(EDIT_INSERT)
                .bind(at)
                .bind(actor)
                .bind("grid_post")
                .bind(id)
                .bind("add")
                .bind("post,person_name,armband_no,board_phone")
                .bind(&detail)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            id
        }))
    }

    /// Ends an active post on `until`, audited. False when it is not active.
    pub async fn end_post(
        &self,
        id: i64,
        until: NaiveDate,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        self.end_record("grid_posts", "grid_post", id, until, actor, at)
            .await
    }

    /// Sets an active row of `table` to ended, with its audit row, in one transaction.
    async fn end_record(
        &self,
        table: &'static str,
        entity: &'static str,
        id: i64,
        until: NaiveDate,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let sql = format!(
            "UPDATE {table} SET state = 'ended', until = $2 WHERE id = $1 AND state = 'active'"
        );
        let until = until.format("%Y-%m-%d").to_string();
        let detail = serde_json::json!({ "until": until }).to_string();
        let n = on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(&until)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                sqlx::query(EDIT_INSERT)
                    .bind(at)
                    .bind(actor)
                    .bind(entity)
                    .bind(id)
                    .bind("end")
                    .bind("state,until")
                    .bind(&detail)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    /// A place by id.
    pub async fn place(&self, id: i64) -> Result<Option<Place>> {
        let sql = format!("SELECT {PLACE_COLS} FROM places WHERE id = $1");
        let row: Option<PlaceRow> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(PlaceRow::into_domain).transpose()
    }

    /// Closes an active place (kept for the record, never deleted), audited. False when it
    /// is closed already.
    pub async fn close_place(&self, id: i64, actor: &str, at: DateTime<Utc>) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE places SET state = 'closed' WHERE id = $1 AND state = 'active'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0 {
                sqlx::query(EDIT_INSERT)
                    .bind(at)
                    .bind(actor)
                    .bind("place")
                    .bind(id)
                    .bind("end")
                    .bind("state")
                    .bind(r#"{"state":"closed"}"#)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    /// Registers a place in a grid, audited. `Duplicate` when the community has a place
    /// of that name.
    pub async fn add_place(
        &self,
        community: &str,
        grid: &str,
        place: &NewPlace,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let detail = serde_json::json!({
            "kind": place.kind.as_str(), "name": place.name, "address": place.address,
            "risk_level": place.risk_level.as_str(),
        })
        .to_string();
        let res: std::result::Result<i64, sqlx::Error> = on_pool!(
            &self.backend,
            write,
            |pool, DB| {
                async {
                let mut tx = pool.begin().await?;
                let id: i64 = sqlx::query_scalar("INSERT INTO places (community, grid, kind, name, address, contact_name, contact_phone, risk_level) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                    .bind(community)
                    .bind(grid)
                    .bind(place.kind.as_str())
                    .bind(&place.name)
                    .bind(&place.address)
                    .bind(&place.contact_name)
                    .bind(&place.contact_phone)
                    .bind(place.risk_level.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(EDIT_INSERT)
                    .bind(at)
                    .bind(actor)
                    .bind("place")
                    .bind(id)
                    .bind("add")
                    .bind("kind,name,address,contact_name,contact_phone,risk_level")
                    .bind(&detail)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok::<i64, sqlx::Error>(id)
            }
            .await
            }
        );
        match res {
            Ok(id) => Ok(id),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::Duplicate(format!("place '{}'", place.name)))
            }
            Err(e) => Err(e.into()),
        }
    }

    // ---- grants ----------------------------------------------------------------------------

    /// Grants `grant` to a user; false when they hold it already.
    pub async fn add_grant(
        &self,
        username: &str,
        grant: &str,
        granted_by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("INSERT INTO user_grants (username, grant_name, granted_by, granted_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(username)
                .bind(grant)
                .bind(granted_by)
                .bind(at)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Removes a grant; false when the user did not hold it.
    pub async fn remove_grant(&self, username: &str, grant: &str) -> Result<bool> {
        let n = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("DELETE FROM user_grants WHERE username = $1 AND grant_name = $2")
                .bind(username)
                .bind(grant)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Does the user hold `grant` now? Read from the database at every call (the write
    /// pool on SQLite, so a removal just committed is seen), never cached: every server
    /// agrees the moment a grant is removed.
    pub async fn has_grant(&self, username: &str, grant: &str) -> Result<bool> {
        let n: i64 = on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM user_grants WHERE username = $1 AND grant_name = $2",
            )
            .bind(username)
            .bind(grant)
            .fetch_one(pool)
            .await?
        });
        Ok(n > 0)
    }

    // ---- the access log of register records -------------------------------------------------

    /// Records a read of a register record's personal fields: who, which record, which
    /// fields and why.
    pub async fn log_subject_access(
        &self,
        actor: &str,
        role: &str,
        subject_kind: &str,
        subject_id: i64,
        fields: &str,
        purpose: &str,
    ) -> Result<()> {
        let now = minhu_domain::time::truncate_ms(Utc::now());
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query("INSERT INTO access_log (at, actor, role, fields, purpose, subject_kind, subject_id) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(now)
                .bind(actor)
                .bind(role)
                .bind(fields)
                .bind(purpose)
                .bind(subject_kind)
                .bind(subject_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The access log of a household: reads of the household itself and of each of its
    /// residents (moved-out ones too), newest first, so a clerk can tell a resident who
    /// looked at their data (PIPL art. 45).
    pub async fn household_access_log(&self, household: HouseholdId) -> Result<Vec<SubjectAccess>> {
        type Row = (DateTime<Utc>, String, String, String, i64, String, String);
        let rows: Vec<Row> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT at, actor, role, subject_kind, subject_id, fields, purpose FROM access_log WHERE (subject_kind = 'household' AND subject_id = $1) OR (subject_kind = 'resident' AND subject_id IN (SELECT id FROM residents WHERE household_id = $1)) ORDER BY id DESC")
                .bind(household.0)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(at, actor, role, subject_kind, subject_id, fields, purpose)| SubjectAccess {
                    at,
                    actor,
                    role,
                    subject_kind,
                    subject_id,
                    fields,
                    purpose,
                },
            )
            .collect())
    }

    /// The access log of one register record, oldest first.
    pub async fn subject_access_log(
        &self,
        subject_kind: &str,
        subject_id: i64,
    ) -> Result<Vec<SubjectAccess>> {
        type Row = (DateTime<Utc>, String, String, String, i64, String, String);
        let rows: Vec<Row> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT at, actor, role, subject_kind, subject_id, fields, purpose FROM access_log WHERE subject_kind = $1 AND subject_id = $2 ORDER BY id")
                .bind(subject_kind)
                .bind(subject_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(at, actor, role, subject_kind, subject_id, fields, purpose)| SubjectAccess {
                    at,
                    actor,
                    role,
                    subject_kind,
                    subject_id,
                    fields,
                    purpose,
                },
            )
            .collect())
    }
}

#[derive(sqlx::FromRow)]
struct TagRowWithGrid {
    #[sqlx(flatten)]
    tag: TagRow,
    grid: String,
}
