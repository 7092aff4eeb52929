//! Running an import: the rows validated, registered in chunks, each accounted for.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use minhu_domain::org::Tier;
use minhu_domain::request::{Channel, Event, EventData, Intake};
use minhu_store::open311::BulkOutcome;
use minhu_store::{Store, StoreError};
use serde::Serialize;

use super::*;

/// One row not imported, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Refusal {
    pub row: u64,
    pub external_id: Option<String>,
    pub field: Option<String>,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub channel: String,
    /// Data rows read (blank ones included).
    pub rows: u64,
    pub imported: u64,
    /// Rows whose upstream id was imported before (nothing changed).
    pub already_imported: u64,
    pub blank: u64,
    pub refused: Vec<Refusal>,
}

impl Report {
    /// Every row is accounted for exactly once.
    pub fn balanced(&self) -> bool {
        self.imported + self.already_imported + self.blank + self.refused.len() as u64 == self.rows
    }
}

/// Reads and imports a whole export. `progress(done, total)` is called after each chunk.
pub async fn import(
    store: &Store,
    bytes: &[u8],
    format: Format,
    channel: Channel,
    m: &Mapping,
    cx: &Context<'_>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Report, ImportError> {
    check_setup(channel, m, cx)?;
    let table = match format {
        Format::Csv => read_csv(bytes, m)?,
        Format::Xlsx => read_xlsx(bytes, m)?,
        Format::Json => read_json(bytes, m)?,
    };
    let cols = column_map(&table, m)?;
    let root = cx
        .org
        .jurisdictions()
        .find(|j| j.parent.is_none())
        .map(|j| j.code.clone())
        .ok_or_else(|| invalid("尚未建立辖区"))?;
    let total = table.rows.len() as u64;
    let mut report = Report {
        channel: channel.as_str().to_string(),
        rows: total,
        ..Default::default()
    };
    let ext_col = cols["external_id"];
    let time_col = cols["received_at"];
    let (mut order, occurrences) = first_pass(&table, ext_col, time_col, m, &mut report);
    let settled = settle_repeats(
        &table,
        &order,
        &occurrences,
        Repeats {
            ext_col,
            cols: &cols,
            channel,
            m,
            cx,
            root: &root,
        },
        &mut report,
    );
    drop(occurrences);
    // Register in time order: the time and tracking-code indexes then grow at their ends
    // instead of being written all over (write amplification made large imports slow).
    order.sort_by_key(|(at, _)| *at);
    // Rows done: the blank and non-object ones now, then each chunk as it commits.
    let mut done = total - order.len() as u64;
    progress(done, total);
    let mut validator = Validator {
        table: &table,
        settled,
        jpaths: HashMap::new(),
        cols: &cols,
        channel,
        m,
        cx,
        root: &root,
    };
    // Pipelined: chunk k+1 is validated while chunk k is written (its own transaction,
    // committed before the next is sent). Each chunk is idempotent on the upstream ids.
    let mut chunks = order.chunks(CHUNK);
    let mut next = match chunks.next() {
        Some(rows) => Some((validator.chunk(rows, &mut report).await, rows.len() as u64)),
        None => None,
    };
    // A file imported before (run again, or resumed after an interruption) is mostly
    // repeats: while a chunk has any, the next one's upstream ids are looked up first
    // (cheap reads) instead of attempted as inserts. A fresh import looks up only its first.
    let mut precheck = true;
    while let Some((mut batch, len)) = next.take() {
        let rows = chunks.next();
        let write = async {
            let mut repeats = 0;
            if precheck && !batch.is_empty() {
                let ids: Vec<String> = batch
                    .iter()
                    .filter_map(|(i, _, _)| i.external_id.clone())
                    .collect();
                let stored = store.existing_external_ids(channel.as_str(), &ids).await?;
                if !stored.is_empty() {
                    repeats = batch.len();
                    batch.retain(|(i, _, _)| {
                        !i.external_id.as_ref().is_some_and(|e| stored.contains(e))
                    });
                    repeats -= batch.len();
                }
            }
            if batch.is_empty() {
                return Ok::<_, StoreError>((Vec::new(), repeats));
            }
            Ok((store.bulk_intake(batch).await?, repeats))
        };
        let (written, validated) = tokio::join!(write, async {
            match rows {
                Some(rows) => Some((validator.chunk(rows, &mut report).await, rows.len() as u64)),
                None => None,
            }
        });
        let (outcomes, repeats) = written?;
        report.already_imported += repeats as u64;
        precheck = repeats > 0;
        for outcome in outcomes {
            match outcome {
                BulkOutcome::Created { .. } => report.imported += 1,
                BulkOutcome::Existing { .. } => {
                    report.already_imported += 1;
                    precheck = true;
                }
            }
        }
        done += len;
        progress(done, total);
        next = validated;
    }
    report.refused.sort_by_key(|r| r.row);
    Ok(report)
}

/// The import's channel is one imports may use, and the mapping's default place exists.
fn check_setup(channel: Channel, m: &Mapping, cx: &Context<'_>) -> Result<(), ImportError> {
    if !CHANNELS.contains(&channel) {
        return Err(invalid(format!(
            "导入渠道须为：{}",
            CHANNELS.map(|c| c.as_str()).join("、")
        )));
    }
    if let Some(j) = &m.default_jurisdiction
        && cx.org.jurisdiction(j).is_none()
    {
        return Err(invalid(format!(
            "映射文件的 default_jurisdiction“{j}”不存在"
        )));
    }
    Ok(())
}

/// Which column of the file holds each field, by the mapping's column names; the three
/// fields every row needs must be there.
fn column_map(table: &Table, m: &Mapping) -> Result<HashMap<&'static str, usize>, ImportError> {
    let mut cols: HashMap<&str, usize> = HashMap::new();
    for field in FIELDS {
        let names = m.columns.get(field).cloned().unwrap_or_default();
        if let Some(i) = names
            .iter()
            .find_map(|n| table.headers.iter().position(|h| h == n.trim()))
        {
            cols.insert(field, i);
        }
    }
    for required in ["external_id", "received_at", "content"] {
        if !cols.contains_key(required) {
            return Err(invalid(format!(
                "找不到“{required}”对应的列（可用列名：{}）；文件的表头是：{}",
                m.columns
                    .get(required)
                    .map(|v| v.join("、"))
                    .unwrap_or_default(),
                table.headers.join("、")
            )));
        }
    }
    Ok(cols)
}

/// First pass, in file order and without the database: blank rows and non-objects are
/// counted or refused; each other row gives its time (the order of registration), and each
/// upstream id how often it occurs.
fn first_pass<'t>(
    table: &'t Table,
    ext_col: usize,
    time_col: usize,
    m: &Mapping,
    report: &mut Report,
) -> (Vec<Timed>, HashMap<&'t str, u32>) {
    let mut order: Vec<(Option<DateTime<Utc>>, u32)> = Vec::with_capacity(table.rows.len());
    let mut occurrences: HashMap<&str, u32> = HashMap::with_capacity(table.rows.len());
    for (k, row) in table.rows.iter().enumerate() {
        if row.cells.iter().all(|c| c.trim().is_empty()) {
            report.blank += 1;
            continue;
        }
        if row.cells.get(0).is_some_and(|c| c.starts_with('\u{0}')) {
            report.refused.push(Refusal {
                row: row.number,
                external_id: None,
                field: None,
                reason: "该项不是 JSON 对象".into(),
            });
            continue;
        }
        if let Some(id) = row
            .cells
            .get(ext_col)
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            *occurrences.entry(id).or_default() += 1;
        }
        let at = row
            .cells
            .get(time_col)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|t| parse_time(t, m));
        order.push((at, k as u32));
    }
    (order, occurrences)
}

/// What settling repeated upstream ids needs to read a row.
struct Repeats<'a> {
    ext_col: usize,
    cols: &'a HashMap<&'static str, usize>,
    channel: Channel,
    m: &'a Mapping,
    cx: &'a Context<'a>,
    root: &'a str,
}

/// An upstream id on several rows: the first row (in the file) that is valid is imported,
/// the later ones are refused as repeats of it. Those few rows are settled here.
fn settle_repeats(
    table: &Table,
    order: &[Timed],
    occurrences: &HashMap<&str, u32>,
    r: Repeats<'_>,
    report: &mut Report,
) -> HashMap<u32, Option<Intake>> {
    let mut first_of: HashMap<&str, u64> = HashMap::new();
    let mut settled: HashMap<u32, Option<Intake>> = HashMap::new();
    for (at, k) in order {
        let row = &table.rows[*k as usize];
        let Some(id) = row.cells.get(r.ext_col).map(str::trim) else {
            continue;
        };
        if occurrences.get(id).is_none_or(|n| *n < 2) {
            continue;
        }
        let outcome = match first_of.get(id) {
            Some(first) => {
                report.refused.push(Refusal {
                    row: row.number,
                    external_id: Some(id.to_string()),
                    field: Some("external_id".into()),
                    reason: format!("上游编号与第{first}行重复"),
                });
                None
            }
            None => match row_intake(&row.cells, r.cols, r.channel, r.m, r.cx, r.root, *at) {
                Err((field, reason)) => {
                    report.refused.push(Refusal {
                        row: row.number,
                        external_id: Some(id.to_string()),
                        field,
                        reason,
                    });
                    None
                }
                Ok(intake) => {
                    first_of.insert(id, row.number);
                    Some(intake)
                }
            },
        };
        settled.insert(*k, outcome);
    }
    settled
}

/// A field's trimmed text in a row, when the file has its column and the cell is not blank.
fn cell(cols: &HashMap<&'static str, usize>, row: &Row, field: &str) -> Option<String> {
    cols.get(field)
        .and_then(|i| row.cells.get(*i))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Validates chunks of rows into registrations, each with its path and first event.
struct Validator<'a> {
    table: &'a Table,
    /// The rows whose upstream id repeats, settled beforehand.
    settled: HashMap<u32, Option<Intake>>,
    /// Jurisdiction paths, computed once per jurisdiction.
    jpaths: HashMap<String, String>,
    cols: &'a HashMap<&'static str, usize>,
    channel: Channel,
    m: &'a Mapping,
    cx: &'a Context<'a>,
    root: &'a str,
}

impl Validator<'_> {
    /// One chunk's registrations; refused rows go to the report. Yields now and then, so
    /// that the registration of the previous chunk (on the database's own thread) goes on.
    async fn chunk(&mut self, rows: &[Timed], report: &mut Report) -> Vec<(Intake, String, Event)> {
        let mut batch = Vec::with_capacity(rows.len());
        for (n, (at, k)) in rows.iter().enumerate() {
            if n % 512 == 511 {
                tokio::task::yield_now().await;
            }
            let row = &self.table.rows[*k as usize];
            let intake = match self.settled.remove(k) {
                Some(Some(intake)) => intake,
                Some(None) => continue,
                None => match row_intake(
                    &row.cells,
                    self.cols,
                    self.channel,
                    self.m,
                    self.cx,
                    self.root,
                    *at,
                ) {
                    Ok(intake) => intake,
                    Err((field, reason)) => {
                        report.refused.push(Refusal {
                            row: row.number,
                            external_id: cell(self.cols, row, "external_id"),
                            field,
                            reason,
                        });
                        continue;
                    }
                },
            };
            // parse_intake checked the jurisdiction; a row that still names none is refused.
            let Some(level) = self
                .cx
                .org
                .jurisdiction(&intake.jurisdiction)
                .map(|j| j.level)
            else {
                report.refused.push(Refusal {
                    row: row.number,
                    external_id: cell(self.cols, row, "external_id"),
                    field: Some("jurisdiction".into()),
                    reason: format!("未找到辖区“{}”", intake.jurisdiction),
                });
                continue;
            };
            let jpath = match self.jpaths.get(&intake.jurisdiction) {
                Some(p) => p.clone(),
                None => {
                    let p = self.cx.org.path(&intake.jurisdiction);
                    self.jpaths.insert(intake.jurisdiction.clone(), p.clone());
                    p
                }
            };
            let first = Event {
                seq: 1,
                at: intake.received_at,
                actor: self.cx.actor.clone(),
                role: self.cx.role.clone(),
                data: EventData::Register {
                    channel: intake.channel,
                    kind: intake.kind,
                    jurisdiction: intake.jurisdiction.clone(),
                    tier: Tier::for_level(level),
                    category: intake.category.clone(),
                },
            };
            batch.push((intake, jpath, first));
        }
        batch
    }
}

/// A row's index in the file with its time, when it has one: the order of registration.
type Timed = (Option<DateTime<Utc>>, u32);

/// Catalogue codes and label paths, for checking categories.
pub async fn category_names(store: &Store) -> Result<HashSet<String>, StoreError> {
    let mut out = HashSet::new();
    for c in store.categories().await? {
        if let Some(p) = c.path {
            out.insert(p);
        }
        out.insert(c.code);
    }
    Ok(out)
}
