//! `minhu catalogue load FILE`: a deployment's own service catalogue — the accepted classes
//! and the services under them (which Open311 lists, with their attributes), and where each
//! goes (the dispatch catalogue 派单目录: category × area → lead unit and co-handlers).
//!
//! CSV (UTF-8, a header row) or JSON (an array of objects, or {"categories": [...]}), one
//! entry a row with the fields: `code` (required; letters, digits, `-` `_` `.`), `name`
//! (required), `parent` (a class code, in the file or stored), `group`, `description`,
//! `keywords`, `path` (the label path older requests carry, e.g. 市政设施/照明/路灯),
//! `service_type` (`realtime` or `batch`), `active` (true/false, 是/否), `attributes` (the
//! Open311 attributes: a JSON array; in CSV a JSON text), `area` (a jurisdiction code),
//! `unit` (the lead unit's code), `co_units` (unit codes, JSON array or separated by
//! `;` `,` `、` or `|`), `note`.
//!
//! Every row is checked before anything is written; any error and nothing is written, and
//! every error is printed with its row and field. Loading the same file again changes
//! nothing (entries are keyed by code, routes by category × area).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use minhu_domain::org::Org;
use minhu_store::open311::Category;
use minhu_store::{DispatchRule, Store, StoreOptions};
use serde_json::{Map, Value, json};

#[derive(Subcommand)]
pub enum CatalogueCommand {
    /// Load (insert or update) catalogue entries and their routes from a CSV or JSON file.
    Load(LoadArgs),
}

#[derive(Args)]
pub struct LoadArgs {
    /// csv or json (default: from the file name).
    #[arg(long)]
    format: Option<String>,
    /// Check every row and report what would change, without writing.
    #[arg(long)]
    dry_run: bool,
    /// The catalogue file.
    file: PathBuf,
}

/// One problem with one row: the row as a person finds it (CSV: its line, the header being
/// line 1; JSON: the 1-based index of the item), the field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: u64,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第{}行 {}：{}", self.row, self.field, self.message)
    }
}

/// A validated entry: the category and, when it names a unit, its route.
#[derive(Debug, Clone)]
pub struct Entry {
    pub category: Category,
    pub route: Option<Route>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub area: String,
    pub unit: String,
    pub co_units: Vec<String>,
    pub note: String,
}

const FIELDS: [&str; 14] = [
    "code",
    "name",
    "parent",
    "group",
    "description",
    "keywords",
    "path",
    "service_type",
    "active",
    "attributes",
    "area",
    "unit",
    "co_units",
    "note",
];

const DATATYPES: [&str; 6] = [
    "string",
    "number",
    "datetime",
    "text",
    "singlevaluelist",
    "multivaluelist",
];

/// The rows of a file: (row number, fields as JSON values).
type Rows = Vec<(u64, Map<String, Value>)>;

/// Reads the file into (row number, fields as JSON values).
fn read_rows(bytes: &[u8], json: bool) -> Result<Rows, RowError> {
    let whole = |message: String| RowError {
        row: 0,
        field: "file".into(),
        message,
    };
    let decoded = minhu_app::import::decode_text(bytes).map_err(|e| whole(e.to_string()))?;
    let text: &str = &decoded;
    if json {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            whole(format!(
                "JSON 格式错误：第{}行第{}列：{e}",
                e.line(),
                e.column()
            ))
        })?;
        let items = match v {
            Value::Array(a) => a,
            Value::Object(mut o) => match o.remove("categories") {
                Some(Value::Array(a)) => a,
                _ => {
                    return Err(whole(
                        "JSON 应为对象数组，或 {\"categories\": [...]}".into(),
                    ));
                }
            },
            _ => return Err(whole("JSON 应为对象数组".into())),
        };
        return items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(o) => Ok((i as u64 + 1, o)),
                _ => Err(RowError {
                    row: i as u64 + 1,
                    field: "-".into(),
                    message: "该项不是 JSON 对象".into(),
                }),
            })
            .collect();
    }
    let (headers, records) = minhu_app::import::read_csv_rows(text.as_bytes(), "utf-8")
        .map_err(|e| whole(e.to_string()))?;
    let mut rows = Vec::new();
    for (line, rec) in records {
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut o = Map::new();
        for (h, c) in headers.iter().zip(rec.iter()) {
            let c = c.trim();
            if !c.is_empty() {
                o.insert(h.clone(), Value::String(c.to_string()));
            }
        }
        rows.push((line, o));
    }
    Ok(rows)
}

fn text(o: &Map<String, Value>, field: &str) -> Option<String> {
    match o.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Checks the Open311 attributes of a service definition; returns them normalised.
fn check_attributes(v: &Value) -> Result<Value, String> {
    let list = v.as_array().ok_or("应为 JSON 数组")?;
    let mut codes = HashSet::new();
    let mut out = Vec::new();
    for (i, a) in list.iter().enumerate() {
        let n = i + 1;
        let a = a.as_object().ok_or(format!("第{n}个属性应为对象"))?;
        let code = a
            .get("code")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .ok_or(format!("第{n}个属性缺少 code"))?;
        if !codes.insert(code.to_string()) {
            return Err(format!("属性 code“{code}”重复"));
        }
        let datatype = a
            .get("datatype")
            .and_then(Value::as_str)
            .unwrap_or("string");
        if !DATATYPES.contains(&datatype) {
            return Err(format!(
                "属性“{code}”的 datatype“{datatype}”无效，可选：{}",
                DATATYPES.join("、")
            ));
        }
        for key in ["variable", "required"] {
            if a.get(key).is_some_and(|x| !x.is_boolean()) {
                return Err(format!("属性“{code}”的 {key} 应为 true 或 false"));
            }
        }
        if a.get("order").is_some_and(|x| !x.is_u64()) {
            return Err(format!("属性“{code}”的 order 应为非负整数"));
        }
        let description = a
            .get("description")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .ok_or(format!("属性“{code}”缺少 description（Open311 要求）"))?;
        let mut values = Vec::new();
        if datatype.ends_with("valuelist") {
            let vs = a
                .get("values")
                .and_then(Value::as_array)
                .filter(|vs| !vs.is_empty())
                .ok_or(format!("属性“{code}”是 {datatype}，须有 values"))?;
            let mut keys = HashSet::new();
            for v in vs {
                let key = match v.get("key") {
                    Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => return Err(format!("属性“{code}”的 values 每项须有 key")),
                };
                let name = v
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .ok_or(format!("属性“{code}”的值“{key}”缺少 name"))?;
                if !keys.insert(key.clone()) {
                    return Err(format!("属性“{code}”的值 key“{key}”重复"));
                }
                values.push(json!({"key": key, "name": name}));
            }
        } else if a
            .get("values")
            .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        {
            return Err(format!("属性“{code}”是 {datatype}，不应有 values"));
        }
        out.push(json!({
            "variable": a.get("variable").and_then(Value::as_bool).unwrap_or(true),
            "code": code,
            "datatype": datatype,
            "required": a.get("required").and_then(Value::as_bool).unwrap_or(false),
            "datatype_description": a.get("datatype_description").and_then(Value::as_str).unwrap_or(""),
            "order": a.get("order").and_then(Value::as_u64).unwrap_or(n as u64),
            "description": description,
            "values": values,
        }));
    }
    Ok(Value::Array(out))
}

/// Where a check reports an error of the row: the field and the message.
type Report<'a> = dyn FnMut(&str, String) + 'a;

/// A parent must be a class (no parent of its own), in the file or already stored.
fn check_parent(
    p: &str,
    c: &str,
    file_codes: &HashMap<String, (Option<String>, String)>,
    stored_codes: &HashMap<&str, &Category>,
    err: &mut Report,
) {
    if p == c {
        err("parent", "上级分类不能是自己".into());
    } else if let Some((grand, _)) = file_codes.get(p) {
        if grand.is_some() {
            err(
                "parent",
                format!("上级分类“{p}”本身有上级：目录只有两级（大类和事项）"),
            );
        }
    } else if let Some(c) = stored_codes.get(p) {
        if c.parent.is_some() {
            err(
                "parent",
                format!("上级分类“{p}”本身有上级：目录只有两级（大类和事项）"),
            );
        }
    } else {
        err(
            "parent",
            format!("上级分类“{p}”既不在文件中，也不在已有目录中"),
        );
    }
}

/// `active`: a boolean, or its word (true/false, 是/否, …); true when absent.
fn read_active(o: &Map<String, Value>, err: &mut Report) -> bool {
    match o.get("active") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "" | "true" | "1" | "是" | "yes" | "y" => true,
            "false" | "0" | "否" | "no" | "n" => false,
            other => {
                err("active", format!("active“{other}”应为 true/false 或 是/否"));
                true
            }
        },
        Some(other) => {
            err(
                "active",
                format!("active 应为 true 或 false，而不是 {other}"),
            );
            true
        }
    }
}

/// `attributes`: Open311 attribute definitions, as JSON or as a JSON string; none when absent.
fn read_attributes(o: &Map<String, Value>, err: &mut Report) -> Value {
    match o.get("attributes") {
        None | Some(Value::Null) => json!([]),
        Some(Value::String(s)) if s.trim().is_empty() => json!([]),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(v) => check_attributes(&v).unwrap_or_else(|m| {
                err("attributes", m);
                json!([])
            }),
            Err(e) => {
                err("attributes", format!("不是有效的 JSON：{e}"));
                json!([])
            }
        },
        Some(v) => check_attributes(v).unwrap_or_else(|m| {
            err("attributes", m);
            json!([])
        }),
    }
}

/// The route of a row: its lead unit, its area and its co-handling units, each checked
/// against the organisation.
fn read_route(
    o: &Map<String, Value>,
    org: &Org,
    err: &mut Report,
) -> (Option<String>, Option<String>, Vec<String>) {
    let unit = text(o, "unit");
    let area = text(o, "area");
    let co_units: Vec<String> = match o.get("co_units") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) => s
            .split([';', ',', '、', '|', '；', '，'])
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
        Some(_) => {
            err("co_units", "应为单位代码的列表".into());
            Vec::new()
        }
    };
    if let Some(a) = &area
        && org.jurisdiction(a).is_none()
    {
        err("area", format!("辖区“{a}”不存在"));
    }
    if let Some(u) = &unit {
        if org.unit(u).is_none() {
            err("unit", format!("单位“{u}”不存在"));
        }
    } else if area.is_some() || !co_units.is_empty() {
        err(
            "unit",
            "给出了 area 或 co_units，却没有主办单位 unit".into(),
        );
    }
    let mut co_seen = HashSet::new();
    for cu in &co_units {
        if org.unit(cu).is_none() {
            err("co_units", format!("协办单位“{cu}”不存在"));
        } else if Some(cu) == unit.as_ref() {
            err("co_units", format!("协办单位“{cu}”就是主办单位"));
        } else if !co_seen.insert(cu.clone()) {
            err("co_units", format!("协办单位“{cu}”重复"));
        }
    }
    (unit, area, co_units)
}

fn valid_code(c: &str) -> bool {
    !c.is_empty()
        && c.len() <= 40
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'))
}

/// Validates every row against the organisation and the stored catalogue. All the errors,
/// or the entries in file order.
pub fn validate(
    rows: &[(u64, Map<String, Value>)],
    org: &Org,
    stored: &[Category],
) -> Result<Vec<Entry>, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut entries = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let stored_codes: HashMap<&str, &Category> =
        stored.iter().map(|c| (c.code.as_str(), c)).collect();
    let file_codes: HashMap<String, (Option<String>, String)> = rows
        .iter()
        .filter_map(|(_, o)| Some((text(o, "code")?, (text(o, "parent"), text(o, "name")?))))
        .collect();
    let root = org
        .jurisdictions()
        .find(|j| j.parent.is_none())
        .map(|j| j.code.clone());
    for (row, o) in rows {
        let row = *row;
        let mut mine: Vec<RowError> = Vec::new();
        let mut err = |field: &str, message: String| {
            mine.push(RowError {
                row,
                field: field.into(),
                message,
            })
        };
        for k in o.keys() {
            if !FIELDS.contains(&k.as_str()) {
                err(k, format!("未知的字段“{k}”，可用：{}", FIELDS.join("、")));
            }
        }
        let code = text(o, "code");
        match &code {
            None => err("code", "缺少分类代码 code".into()),
            Some(c) if !valid_code(c) => err(
                "code",
                format!("分类代码“{c}”无效：1 至 40 个字母、数字或 - _ ."),
            ),
            Some(c) => {
                if let Some(first) = seen.insert(c.clone(), row) {
                    err("code", format!("分类代码“{c}”与第{first}行重复"));
                }
            }
        }
        let name = text(o, "name");
        if name.is_none() {
            err("name", "缺少名称 name".into());
        }
        let parent = text(o, "parent");
        if let (Some(p), Some(c)) = (&parent, &code) {
            check_parent(p, c, &file_codes, &stored_codes, &mut err);
        }
        let service_type = text(o, "service_type").unwrap_or_else(|| "realtime".into());
        if !matches!(service_type.as_str(), "realtime" | "batch") {
            err(
                "service_type",
                format!("service_type“{service_type}”应为 realtime 或 batch"),
            );
        }
        let active = read_active(o, &mut err);
        let attributes = read_attributes(o, &mut err);
        let (unit, area, co_units) = read_route(o, org, &mut err);
        if !mine.is_empty() {
            errors.append(&mut mine);
            continue;
        }
        // Both were checked above: a missing one is among `mine`.
        let (Some(code), Some(name)) = (code, name) else {
            continue;
        };
        let group = text(o, "group").unwrap_or_else(|| match &parent {
            Some(p) => file_codes
                .get(p)
                .map(|(_, n)| n.clone())
                .or_else(|| stored_codes.get(p.as_str()).map(|c| c.name.clone()))
                .unwrap_or_default(),
            None => name.clone(),
        });
        let route = unit.map(|unit| Route {
            area: area.or_else(|| root.clone()).unwrap_or_default(),
            unit,
            co_units,
            note: text(o, "note").unwrap_or_else(|| format!("目录：{name}")),
        });
        entries.push(Entry {
            category: Category {
                description: text(o, "description").unwrap_or_else(|| name.clone()),
                keywords: text(o, "keywords").unwrap_or_default(),
                path: text(o, "path"),
                code,
                name,
                parent,
                group,
                service_type,
                attributes,
                active,
            },
            route,
        });
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

/// What a load changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub routes_added: usize,
    pub routes_updated: usize,
    pub routes_unchanged: usize,
}

/// Applies validated entries: categories upserted (parents first, in one transaction), and
/// each route set for its category × area (replacing a different one). Idempotent.
pub async fn apply(store: &Store, entries: &[Entry], dry_run: bool) -> Result<Summary> {
    let stored: HashMap<String, Category> = store
        .categories()
        .await?
        .into_iter()
        .map(|c| (c.code.clone(), c))
        .collect();
    let mut s = Summary::default();
    let mut changed: Vec<Category> = Vec::new();
    for e in entries {
        match stored.get(&e.category.code) {
            None => {
                s.added += 1;
                changed.push(e.category.clone());
            }
            Some(c) if *c == e.category => s.unchanged += 1,
            Some(_) => {
                s.updated += 1;
                changed.push(e.category.clone());
            }
        }
    }
    // Parents before their services (a foreign key may hold them to it).
    changed.sort_by_key(|c| c.parent.is_some());
    let rules = store.dispatch_rules().await?;
    let mut route_ops: Vec<(Option<i64>, &Entry, &Route)> = Vec::new();
    for e in entries {
        let Some(r) = &e.route else { continue };
        let same_key: Vec<&DispatchRule> = rules
            .iter()
            .filter(|x| x.category == e.category.code && x.jurisdiction == r.area)
            .collect();
        match same_key.first() {
            Some(x) if x.lead_unit == r.unit && x.co_units == r.co_units && x.note == r.note => {
                s.routes_unchanged += 1
            }
            Some(x) => {
                s.routes_updated += 1;
                route_ops.push((Some(x.id), e, r));
            }
            None => {
                s.routes_added += 1;
                route_ops.push((None, e, r));
            }
        }
    }
    if dry_run {
        return Ok(s);
    }
    if !changed.is_empty() {
        store.upsert_categories(&changed).await?;
    }
    for (old, e, r) in route_ops {
        if let Some(id) = old {
            store.delete_dispatch_rule(id).await?;
        }
        store
            .add_dispatch_rule(&e.category.code, &r.area, &r.unit, &r.co_units, &r.note)
            .await?;
    }
    Ok(s)
}

pub async fn run(database: &str, command: CatalogueCommand) -> Result<()> {
    let CatalogueCommand::Load(args) = command;
    let file = args.file.display().to_string();
    let json = match args
        .format
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => true,
        Some("csv") => false,
        Some(other) => bail!("--format '{other}': csv or json"),
        None => match file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()) {
            Some(e) if e == "json" => true,
            Some(e) if e == "csv" || e == "txt" => false,
            _ => bail!("cannot tell the format of '{file}': pass --format csv|json"),
        },
    };
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {file}"))?;
    let store = Store::open(database, StoreOptions::default()).await?;
    let result = async {
        let rows = read_rows(&bytes, json).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
        let org = store.load_org().await?;
        if org.jurisdictions().next().is_none() {
            bail!("no jurisdictions yet: load the organisation before the catalogue");
        }
        let stored = store.categories().await?;
        let entries = match validate(&rows, &org, &stored) {
            Ok(e) => e,
            Err(errors) => {
                for e in &errors {
                    eprintln!("{file}: {e}");
                }
                bail!(
                    "{} error(s) in {} row(s); nothing was loaded",
                    errors.len(),
                    errors.iter().map(|e| e.row).collect::<HashSet<_>>().len()
                );
            }
        };
        let s = apply(&store, &entries, args.dry_run).await?;
        println!(
            "{}{} 条：新增 {}，更新 {}，未变 {}；派单规则：新增 {}，更新 {}，未变 {}",
            if args.dry_run {
                "（试运行，未写入）"
            } else {
                ""
            },
            entries.len(),
            s.added,
            s.updated,
            s.unchanged,
            s.routes_added,
            s.routes_updated,
            s.routes_unchanged
        );
        Ok(())
    }
    .await;
    store.close().await;
    result
}
