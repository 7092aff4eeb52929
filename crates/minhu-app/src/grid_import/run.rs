//! Running an import: each sheet's rows compared with the stored register by natural key,
//! then what is new inserted and what changed updated (sheet by sheet, since a household
//! needs its building's id and a resident their household's), each change audited. Rows
//! that are the same as stored are not written, so importing a file twice changes nothing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use minhu_domain::grid_import::{
    self as g, Address, H_BUILDING, H_NAME, H_PERSON, H_ROOM, Problem, Sheet,
};
use minhu_domain::grid_ledger::ORDINARY_CADENCE_DAYS;
use minhu_domain::org::{Level, Org};
use minhu_domain::time::ZONE;
use minhu_store::Store;
use minhu_store::grid_import::{
    CareSet, CommunityLedger, LedgerBuilding, LedgerEdit, LedgerHousehold, LedgerPlace,
    LedgerResident,
};

use super::read::{Table, read_file};
use super::rows::{Columns, blank, problem, refusal};
use super::{Report, SheetReport, invalid};
use crate::AppError;

/// What to import into, as whom, and whether to write.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// The community code (e.g. `DXY`).
    pub community: &'a str,
    /// The bytes are one CSV of this sheet (else an xlsx workbook).
    pub csv_sheet: Option<g::Sheet>,
    pub dry_run: bool,
    /// Who imports (named on the audit rows).
    pub actor: &'a str,
    pub now: DateTime<Utc>,
}

/// Imports a ledger file into `o.community`'s register; the report counts every row.
pub async fn import_ledger(
    store: &Store,
    org: &Org,
    bytes: &[u8],
    o: &Options<'_>,
) -> Result<Report, AppError> {
    match org.jurisdiction(o.community) {
        Some(j) if j.level == Level::Community => {}
        _ => {
            return Err(invalid(
                "community",
                "grid_import.not_a_community",
                &[("community", o.community)],
            ));
        }
    }
    let started = std::time::Instant::now();
    let (tables, ignored) = read_file(bytes, o.csv_sheet)?;
    tracing::debug!(elapsed = ?started.elapsed(), "ledger import: file read");
    let stored = store.community_ledger(o.community).await?;
    tracing::debug!(elapsed = ?started.elapsed(), "ledger import: register read");
    let mut run = Run::new(store, org, o, stored);
    run.report.ignored_sheets = ignored;
    for t in &tables {
        let Ok(cols) = Columns::of(t).map_err(|r| run.refuse_sheet(t, r)) else {
            continue;
        };
        match t.sheet {
            Sheet::Buildings => run.buildings(t, &cols).await?,
            Sheet::Households => run.households(t, &cols).await?,
            Sheet::Residents => run.residents(t, &cols).await?,
            Sheet::Places => run.places(t, &cols).await?,
        }
        tracing::debug!(elapsed = ?started.elapsed(), sheet = t.sheet.zh(), "ledger import: sheet done");
    }
    if !o.dry_run {
        store.log_ledger_edits(o.actor, o.now, &run.edits).await?;
        store.refresh_ledger_statistics().await?;
    }
    Ok(run.report)
}

/// A record to write, with the fields that changed (empty for a new one).
struct Write<T> {
    row: T,
    changed: Vec<&'static str>,
}

/// Sets `slot` to a given value, noting the field when it changes.
fn set<T: PartialEq>(
    slot: &mut T,
    given: Option<T>,
    name: &'static str,
    ch: &mut Vec<&'static str>,
) {
    if let Some(v) = given
        && *slot != v
    {
        *slot = v;
        ch.push(name);
    }
}

/// A coded value given non-empty (an empty cell leaves a NOT NULL code as stored).
fn code(given: Option<Option<&'static str>>) -> Option<String> {
    given.flatten().map(String::from)
}

/// An import in progress: the stored register by natural key, what was refused so far
/// (rows of a sheet refer to rows of the sheets before), the report and the audit rows.
struct Run<'a> {
    store: &'a Store,
    org: &'a Org,
    o: &'a Options<'a>,
    /// By building number.
    buildings: HashMap<String, LedgerBuilding>,
    units: HashMap<(i64, String), i64>,
    households: HashMap<Address, LedgerHousehold>,
    residents: HashMap<(i64, String), LedgerResident>,
    places: HashMap<String, LedgerPlace>,
    /// Rows refused on the sheets before, by key: the row number.
    refused_buildings: HashMap<String, u64>,
    refused_households: HashMap<Address, u64>,
    /// Ids handed out in a dry run (negative: never stored).
    fake_id: i64,
    report: Report,
    edits: Vec<LedgerEdit>,
}

impl<'a> Run<'a> {
    fn new(store: &'a Store, org: &'a Org, o: &'a Options<'a>, l: CommunityLedger) -> Self {
        let key = |h: &LedgerHousehold| Address {
            building: h.building.clone(),
            unit: h.unit.clone(),
            room: h.room.clone(),
        };
        Run {
            store,
            org,
            o,
            buildings: l
                .buildings
                .into_iter()
                .map(|b| (b.number.clone(), b))
                .collect(),
            units: l.units.into_iter().map(|(id, b, n)| ((b, n), id)).collect(),
            households: l.households.into_iter().map(|h| (key(&h), h)).collect(),
            residents: l
                .residents
                .into_iter()
                .map(|r| ((r.household_id, r.name.clone()), r))
                .collect(),
            places: l.places.into_iter().map(|p| (p.name.clone(), p)).collect(),
            refused_buildings: HashMap::new(),
            refused_households: HashMap::new(),
            fake_id: 0,
            report: Report {
                community: o.community.to_string(),
                dry_run: o.dry_run,
                ..Report::default()
            },
            edits: Vec::new(),
        }
    }

    fn counts(&mut self, sheet: Sheet) -> &mut SheetReport {
        let name = sheet.zh();
        if let Some(i) = self.report.sheets.iter().position(|s| s.sheet == name) {
            return &mut self.report.sheets[i];
        }
        self.report.sheets.push(SheetReport {
            sheet: name.to_string(),
            ..SheetReport::default()
        });
        let last = self.report.sheets.len() - 1;
        &mut self.report.sheets[last]
    }

    fn refuse(&mut self, sheet: Sheet, row: u64, p: &Problem) {
        self.counts(sheet).refused += 1;
        self.report.refusals.push(refusal(sheet, row, p));
    }

    /// A sheet without a required column: every row is refused by that one refusal.
    fn refuse_sheet(&mut self, t: &Table, r: super::Refusal) {
        let n = t.rows.iter().filter(|(_, c)| !blank(c)).count();
        self.counts(t.sheet).refused += n;
        self.report.refusals.push(r);
    }

    /// Counts a planned write, and keeps it if anything is to be written.
    fn tally<T>(&mut self, sheet: Sheet, is_new: bool, w: Write<T>, out: &mut Vec<Write<T>>) {
        let c = self.counts(sheet);
        if is_new {
            c.inserted += 1;
        } else if w.changed.is_empty() {
            c.unchanged += 1;
            return;
        } else {
            c.updated += 1;
        }
        out.push(w);
    }

    /// Audit rows for the writes of one entity kind: one per changed record naming the
    /// fields, and one for the records the import created (their count).
    fn audit<T>(&mut self, entity: &'static str, writes: &[Write<T>], ids: &[i64]) {
        let mut created = 0;
        for (w, id) in writes.iter().zip(ids) {
            if w.changed.is_empty() {
                created += 1;
                continue;
            }
            self.edits.push(LedgerEdit {
                entity,
                entity_id: *id,
                action: "import_update",
                fields: w.changed.join(","),
                detail: String::new(),
            });
        }
        if created > 0 {
            self.edits.push(LedgerEdit {
                entity,
                entity_id: 0,
                action: "import_insert",
                fields: String::new(),
                detail: format!("{created}"),
            });
        }
    }

    fn next_fake(&mut self) -> i64 {
        self.fake_id -= 1;
        self.fake_id
    }

    // ---- 楼栋 ----------------------------------------------------------------------------

    async fn buildings(&mut self, t: &Table, cols: &Columns) -> Result<(), AppError> {
        let mut writes = Vec::new();
        let mut seen: HashMap<String, u64> = HashMap::new();
        for (n, cells) in t.rows.iter().filter(|(_, c)| !blank(c)) {
            match self.building(cols, cells, *n, &mut seen) {
                Ok((is_new, w)) => self.tally(Sheet::Buildings, is_new, w, &mut writes),
                Err((key, p)) => {
                    if let Some(k) = key {
                        self.refused_buildings.entry(k).or_insert(*n);
                    }
                    self.refuse(Sheet::Buildings, *n, &p);
                }
            }
        }
        let rows: Vec<LedgerBuilding> = writes.iter().map(|w| w.row.clone()).collect();
        let ids = if self.o.dry_run {
            rows.iter()
                .map(|b| if b.id == 0 { self.next_fake() } else { b.id })
                .collect()
        } else {
            self.store.write_buildings(self.o.community, &rows).await?
        };
        self.audit("building", &writes, &ids);
        for (mut b, id) in rows.into_iter().zip(ids) {
            b.id = id;
            self.buildings.insert(b.number.clone(), b);
        }
        Ok(())
    }

    /// A building row merged into what is stored: (is new, the write).
    #[allow(clippy::type_complexity)]
    fn building(
        &self,
        cols: &Columns,
        cells: &[String],
        n: u64,
        seen: &mut HashMap<String, u64>,
    ) -> Result<(bool, Write<LedgerBuilding>), (Option<String>, Problem)> {
        let number = g::building_key(&cols.row(cells)).map_err(|p| (None, p))?;
        if let Some(first) = seen.get(&number) {
            let first = first.to_string();
            return Err((
                None,
                problem(H_BUILDING, "grid_import.duplicate", &[("first", &first)]),
            ));
        }
        seen.insert(number.clone(), n);
        let key = Some(number);
        let r = g::building_row(&cols.row(cells)).map_err(|p| (key.clone(), p))?;
        let grid =
            g::resolve_grid(self.org, self.o.community, &r.grid).map_err(|p| (key.clone(), p))?;
        let stored = self.buildings.get(&r.number);
        let mut b = stored.cloned().unwrap_or_else(|| LedgerBuilding {
            number: r.number.clone(),
            ..LedgerBuilding::default()
        });
        let mut ch = Vec::new();
        set(&mut b.grid, Some(grid), "grid", &mut ch);
        set(&mut b.name, r.name, "name", &mut ch);
        set(&mut b.address, r.address, "address", &mut ch);
        set(&mut b.floors, r.floors, "floors", &mut ch);
        set(&mut b.built, r.built, "built", &mut ch);
        let is_new = stored.is_none();
        if is_new {
            ch.clear();
        }
        Ok((
            is_new,
            Write {
                row: b,
                changed: ch,
            },
        ))
    }

    // ---- 户 ------------------------------------------------------------------------------

    async fn households(&mut self, t: &Table, cols: &Columns) -> Result<(), AppError> {
        let mut writes = Vec::new();
        let mut seen: HashMap<Address, u64> = HashMap::new();
        for (n, cells) in t.rows.iter().filter(|(_, c)| !blank(c)) {
            match self.household(cols, cells, *n, &mut seen) {
                Ok((is_new, w)) => self.tally(Sheet::Households, is_new, w, &mut writes),
                Err((key, p)) => {
                    if let Some(k) = key {
                        self.refused_households.entry(k).or_insert(*n);
                    }
                    self.refuse(Sheet::Households, *n, &p);
                }
            }
        }
        self.follow_building_grids(&mut writes, &seen);
        self.ensure_units(&mut writes).await?;
        let rows: Vec<LedgerHousehold> = writes.iter().map(|w| w.row.clone()).collect();
        let ids = if self.o.dry_run {
            rows.iter()
                .map(|h| if h.id == 0 { self.next_fake() } else { h.id })
                .collect()
        } else {
            self.store.write_households(&rows).await?
        };
        self.audit("household", &writes, &ids);
        for (mut h, id) in rows.into_iter().zip(ids) {
            h.id = id;
            let key = Address {
                building: h.building.clone(),
                unit: h.unit.clone(),
                room: h.room.clone(),
            };
            self.households.insert(key, h);
        }
        Ok(())
    }

    #[allow(clippy::type_complexity)]
    fn household(
        &self,
        cols: &Columns,
        cells: &[String],
        n: u64,
        seen: &mut HashMap<Address, u64>,
    ) -> Result<(bool, Write<LedgerHousehold>), (Option<Address>, Problem)> {
        let address = g::address(&cols.row(cells)).map_err(|p| (None, p))?;
        if let Some(first) = seen.get(&address) {
            let first = first.to_string();
            return Err((
                None,
                problem(H_ROOM, "grid_import.duplicate", &[("first", &first)]),
            ));
        }
        seen.insert(address.clone(), n);
        let key = Some(address);
        let r = g::household_row(&cols.row(cells)).map_err(|p| (key.clone(), p))?;
        let building = self
            .building_of(&r.address.building)
            .map_err(|p| (key.clone(), p))?;
        let stored = self.households.get(&r.address);
        let mut h = stored.cloned().unwrap_or_else(|| LedgerHousehold {
            building_id: building.id,
            building: r.address.building.clone(),
            unit: r.address.unit.clone(),
            room: r.address.room.clone(),
            tenure: "owner".into(),
            ..LedgerHousehold::default()
        });
        let mut ch = Vec::new();
        // A building's households are in the building's grid.
        set(&mut h.grid, Some(building.grid.clone()), "grid", &mut ch);
        set(&mut h.head_name, r.head_name, "head_name", &mut ch);
        set(&mut h.head_phone, r.head_phone, "head_phone", &mut ch);
        set(&mut h.size, r.size, "size", &mut ch);
        set(&mut h.tenure, code(r.tenure), "tenure", &mut ch);
        let is_new = stored.is_none();
        if is_new {
            ch.clear();
        }
        Ok((
            is_new,
            Write {
                row: h,
                changed: ch,
            },
        ))
    }

    /// The building a row names: stored or on this file's 楼栋 sheet.
    fn building_of(&self, number: &str) -> Result<&LedgerBuilding, Problem> {
        if let Some(b) = self.buildings.get(number) {
            return Ok(b);
        }
        Err(match self.refused_buildings.get(number) {
            Some(row) => {
                let row = row.to_string();
                problem(H_BUILDING, "grid_import.refused_building", &[("row", &row)])
            }
            None => problem(
                H_BUILDING,
                "grid_import.unknown_building",
                &[("building", number)],
            ),
        })
    }

    /// Stored households not on the sheet follow their building into its new grid.
    fn follow_building_grids(
        &self,
        writes: &mut Vec<Write<LedgerHousehold>>,
        on_sheet: &HashMap<Address, u64>,
    ) {
        for (key, h) in &self.households {
            let Some(b) = self.buildings.get(&h.building) else {
                continue;
            };
            if b.grid != h.grid && !on_sheet.contains_key(key) {
                let mut row = h.clone();
                row.grid = b.grid.clone();
                writes.push(Write {
                    row,
                    changed: vec!["grid"],
                });
            }
        }
    }

    /// Gives each new household its unit's id, inserting the units not stored yet.
    async fn ensure_units(
        &mut self,
        writes: &mut [Write<LedgerHousehold>],
    ) -> Result<(), AppError> {
        let mut missing: Vec<(i64, String)> = Vec::new();
        for w in writes
            .iter()
            .filter(|w| w.row.id == 0 && !w.row.unit.is_empty())
        {
            let k = (w.row.building_id, w.row.unit.clone());
            if !self.units.contains_key(&k) && !missing.contains(&k) {
                missing.push(k);
            }
        }
        let ids = if self.o.dry_run || missing.is_empty() {
            missing.iter().map(|_| self.next_fake()).collect()
        } else {
            self.store.insert_units(&missing).await?
        };
        self.units.extend(missing.into_iter().zip(ids));
        for w in writes
            .iter_mut()
            .filter(|w| w.row.id == 0 && !w.row.unit.is_empty())
        {
            w.row.unit_id = self
                .units
                .get(&(w.row.building_id, w.row.unit.clone()))
                .copied();
        }
        Ok(())
    }

    // ---- 人 ------------------------------------------------------------------------------

    async fn residents(&mut self, t: &Table, cols: &Columns) -> Result<(), AppError> {
        let mut writes = Vec::new();
        let mut care: Vec<Option<Vec<&'static str>>> = Vec::new();
        let mut seen: HashMap<(Address, String), u64> = HashMap::new();
        for (n, cells) in t.rows.iter().filter(|(_, c)| !blank(c)) {
            match self.resident(cols, cells, *n, &mut seen) {
                Ok((is_new, w, tags)) => {
                    let before = writes.len();
                    self.tally(Sheet::Residents, is_new, w, &mut writes);
                    if writes.len() > before {
                        care.push(tags);
                    }
                }
                Err(p) => self.refuse(Sheet::Residents, *n, &p),
            }
        }
        let rows: Vec<LedgerResident> = writes.iter().map(|w| w.row.clone()).collect();
        let ids = if self.o.dry_run {
            rows.iter()
                .map(|r| if r.id == 0 { self.next_fake() } else { r.id })
                .collect()
        } else {
            self.store.write_residents(&rows).await?
        };
        if !self.o.dry_run {
            self.write_care(&rows, &ids, care).await?;
        }
        self.audit("resident", &writes, &ids);
        Ok(())
    }

    /// Care tags of the residents written whose tags were given and differ.
    async fn write_care(
        &self,
        rows: &[LedgerResident],
        ids: &[i64],
        care: Vec<Option<Vec<&'static str>>>,
    ) -> Result<(), AppError> {
        let cadence = |k: &str| {
            g::CareKind::parse(k)
                .map(|c| i64::from(c.default_cadence_days()))
                .unwrap_or(i64::from(ORDINARY_CADENCE_DAYS))
        };
        let (mut fresh, mut changed) = (Vec::new(), Vec::new());
        for ((r, id), tags) in rows.iter().zip(ids).zip(care) {
            let Some(tags) = tags else { continue };
            let set = CareSet {
                resident_id: *id,
                kinds: tags.iter().map(|k| (*k, cadence(k))).collect(),
            };
            if r.id == 0 {
                if !set.kinds.is_empty() {
                    fresh.push(set);
                }
            } else {
                changed.push(set);
            }
        }
        let today = self.o.now.with_timezone(&ZONE).date_naive().to_string();
        self.store.set_care_tags(&fresh, true, &today).await?;
        self.store.set_care_tags(&changed, false, &today).await?;
        Ok(())
    }

    /// A resident row merged into what is stored: (is new, the write, the care tags to set
    /// when they changed).
    #[allow(clippy::type_complexity)]
    fn resident(
        &self,
        cols: &Columns,
        cells: &[String],
        n: u64,
        seen: &mut HashMap<(Address, String), u64>,
    ) -> Result<(bool, Write<LedgerResident>, Option<Vec<&'static str>>), Problem> {
        let r = g::resident_row(&cols.row(cells))?;
        let key = (r.address.clone(), r.name.clone());
        if let Some(first) = seen.get(&key) {
            let first = first.to_string();
            return Err(problem(
                H_PERSON,
                "grid_import.duplicate",
                &[("first", &first)],
            ));
        }
        seen.insert(key, n);
        let household = self.household_of(&r.address)?;
        let stored = self.residents.get(&(household, r.name.clone()));
        let mut p = stored.cloned().unwrap_or_else(|| LedgerResident {
            household_id: household,
            name: r.name.clone(),
            residence: "registered".into(),
            ..LedgerResident::default()
        });
        let mut ch = Vec::new();
        set(&mut p.relation, r.relation, "relation", &mut ch);
        set(
            &mut p.gender,
            r.gender.map(|g| g.map(String::from)),
            "gender",
            &mut ch,
        );
        set(&mut p.birth_year, r.birth_year, "birth_year", &mut ch);
        set(&mut p.id_number, r.id_number, "id_number", &mut ch);
        set(&mut p.phone, r.phone, "phone", &mut ch);
        set(&mut p.residence, code(r.residence), "residence", &mut ch);
        set(&mut p.occupation, r.occupation, "occupation", &mut ch);
        let tags = r.care.filter(|t| {
            let now: Vec<&str> = p.care.iter().map(String::as_str).collect();
            now != *t
        });
        if tags.is_some() {
            ch.push("care_tags");
        }
        let is_new = stored.is_none();
        if is_new {
            ch.clear();
        }
        Ok((
            is_new,
            Write {
                row: p,
                changed: ch,
            },
            tags,
        ))
    }

    /// The household a row names: stored or on this file's 户 sheet.
    fn household_of(&self, a: &Address) -> Result<i64, Problem> {
        if let Some(h) = self.households.get(a) {
            return Ok(h.id);
        }
        if let Some(row) = self.refused_households.get(a) {
            let row = row.to_string();
            return Err(problem(
                H_ROOM,
                "grid_import.refused_household",
                &[("row", &row)],
            ));
        }
        if !self.buildings.contains_key(&a.building) {
            return self.building_of(&a.building).map(|b| b.id);
        }
        Err(problem(
            H_ROOM,
            "grid_import.unknown_household",
            &[
                ("building", &a.building),
                ("unit", &a.unit),
                ("room", &a.room),
            ],
        ))
    }

    // ---- 场所 ----------------------------------------------------------------------------

    async fn places(&mut self, t: &Table, cols: &Columns) -> Result<(), AppError> {
        let mut writes = Vec::new();
        let mut seen: HashMap<String, u64> = HashMap::new();
        for (n, cells) in t.rows.iter().filter(|(_, c)| !blank(c)) {
            match self.place(cols, cells, *n, &mut seen) {
                Ok((is_new, w)) => self.tally(Sheet::Places, is_new, w, &mut writes),
                Err(p) => self.refuse(Sheet::Places, *n, &p),
            }
        }
        let rows: Vec<LedgerPlace> = writes.iter().map(|w| w.row.clone()).collect();
        let ids = if self.o.dry_run {
            rows.iter()
                .map(|p| if p.id == 0 { self.next_fake() } else { p.id })
                .collect()
        } else {
            self.store.write_places(self.o.community, &rows).await?
        };
        self.audit("place", &writes, &ids);
        Ok(())
    }

    fn place(
        &self,
        cols: &Columns,
        cells: &[String],
        n: u64,
        seen: &mut HashMap<String, u64>,
    ) -> Result<(bool, Write<LedgerPlace>), Problem> {
        let r = g::place_row(&cols.row(cells))?;
        if let Some(first) = seen.get(&r.name) {
            let first = first.to_string();
            return Err(problem(
                H_NAME,
                "grid_import.duplicate",
                &[("first", &first)],
            ));
        }
        seen.insert(r.name.clone(), n);
        let grid = g::resolve_grid(self.org, self.o.community, &r.grid)?;
        let stored = self.places.get(&r.name);
        let mut p = stored.cloned().unwrap_or_else(|| LedgerPlace {
            name: r.name.clone(),
            risk_level: "low".into(),
            ..LedgerPlace::default()
        });
        let mut ch = Vec::new();
        set(&mut p.grid, Some(grid), "grid", &mut ch);
        set(&mut p.kind, Some(r.kind), "kind", &mut ch);
        set(&mut p.address, r.address, "address", &mut ch);
        set(&mut p.contact_name, r.contact_name, "contact_name", &mut ch);
        set(
            &mut p.contact_phone,
            r.contact_phone,
            "contact_phone",
            &mut ch,
        );
        set(&mut p.risk_level, code(r.risk_level), "risk_level", &mut ch);
        let is_new = stored.is_none();
        if is_new {
            ch.clear();
        }
        Ok((
            is_new,
            Write {
                row: p,
                changed: ch,
            },
        ))
    }
}
