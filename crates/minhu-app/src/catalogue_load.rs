//! Loading a deployment's service catalogue: the accepted classes and the services under them
//! (which Open311 lists, with their attributes), and where each goes (the dispatch catalogue
//! 派单目录: category × area → lead unit and co-handlers). `minhu catalogue load FILE` and the
//! demo district load through here, the same way.
//!
//! A file is CSV (UTF-8 or GB18030, a header row, read by the import's one CSV reader) or
//! JSON (an array of entries, or `{"categories": [...], "routes": [...]}`). An entry has the
//! fields `code` (required; letters, digits, `-` `_` `.`), `name` (required), `parent` (a
//! class code, in the file or stored), `group`, `description`, `keywords`, `path` (the label
//! path older requests carry, e.g. 市政设施/照明/路灯), `service_type` (`realtime` or
//! `batch`), `active` (true/false, 是/否), `attributes` (the Open311 attributes: a JSON array;
//! in CSV a JSON text), and its own route: `area` (a jurisdiction code), `unit` (the lead
//! unit's code), `co_units` (unit codes, a JSON array or separated by `;` `,` `、` or `|`),
//! `note`. A route on its own (a JSON `routes` item, or a CSV whose header has `category` and
//! no `code`) has `category` (a code or a label path prefix; empty: every category, the
//! fallback 兜底), `area`, `unit`, `co_units` and `note`.
//!
//! Every row is checked before anything is written: any error and nothing is written, and
//! every error names its row and field. Loading the same file again changes nothing (entries
//! are keyed by code, routes by category × area).

use std::collections::{HashMap, HashSet};

use minhu_domain::org::Org;
use minhu_domain::text::{self, Lang};
use minhu_store::open311::Category;
use minhu_store::{DispatchRule, Store, StoreError};
use serde_json::{Map, Value, json};

/// The fields of a catalogue entry.
pub const FIELDS: [&str; 14] = [
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

/// The fields of a route on its own.
pub const ROUTE_FIELDS: [&str; 5] = ["category", "area", "unit", "co_units", "note"];

/// The Open311 attribute datatypes.
pub const DATATYPES: [&str; 6] = [
    "string",
    "number",
    "datetime",
    "text",
    "singlevaluelist",
    "multivaluelist",
];

/// The format of a catalogue file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    /// `csv` (or `txt`) or `json`, in any case.
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" | "txt" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
    /// From a file name's extension.
    pub fn of_path(path: &str) -> Option<Format> {
        Format::parse(path.rsplit_once('.')?.1)
    }
}

/// The fields of one row, as JSON values (a CSV cell is a string).
pub type Fields = Map<String, Value>;

/// A row of the file: its number as a person finds it (CSV: its line, the header being line
/// 1; JSON: the 1-based index of the item in its array) and its fields.
#[derive(Debug, Clone)]
pub struct Row {
    pub number: u64,
    pub fields: Fields,
}

/// A file's rows: catalogue entries, and routes on their own.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub entries: Vec<Row>,
    pub routes: Vec<Row>,
}

/// Which list of the file a row is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Entries,
    Routes,
}

/// What is wrong with an Open311 attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeProblem {
    NotAnArray,
    NotAnObject { n: usize },
    NoCode { n: usize },
    CodeTwice { code: String },
    BadDatatype { code: String, datatype: String },
    NotABool { code: String, key: &'static str },
    BadOrder { code: String },
    NoDescription { code: String },
    NoValues { code: String, datatype: String },
    ValueWithoutKey { code: String },
    ValueWithoutName { code: String, key: String },
    ValueKeyTwice { code: String, key: String },
    UnexpectedValues { code: String, datatype: String },
}

impl AttributeProblem {
    pub fn message(&self, lang: Lang) -> String {
        use AttributeProblem::*;
        let f = |key: &str, args: &[(&str, &str)]| text::fill(key, lang, args);
        match self {
            NotAnArray => f("import.catalogue.attr.not_an_array", &[]),
            NotAnObject { n } => f(
                "import.catalogue.attr.not_an_object",
                &[("n", &n.to_string())],
            ),
            NoCode { n } => f("import.catalogue.attr.no_code", &[("n", &n.to_string())]),
            CodeTwice { code } => f("import.catalogue.attr.code_twice", &[("code", code)]),
            BadDatatype { code, datatype } => f(
                "import.catalogue.attr.bad_datatype",
                &[
                    ("code", code),
                    ("datatype", datatype),
                    ("choices", &DATATYPES.join("、")),
                ],
            ),
            NotABool { code, key } => f(
                "import.catalogue.attr.not_a_bool",
                &[("code", code), ("key", key)],
            ),
            BadOrder { code } => f("import.catalogue.attr.bad_order", &[("code", code)]),
            NoDescription { code } => f("import.catalogue.attr.no_description", &[("code", code)]),
            NoValues { code, datatype } => f(
                "import.catalogue.attr.no_values",
                &[("code", code), ("datatype", datatype)],
            ),
            ValueWithoutKey { code } => {
                f("import.catalogue.attr.value_without_key", &[("code", code)])
            }
            ValueWithoutName { code, key } => f(
                "import.catalogue.attr.value_without_name",
                &[("code", code), ("key", key)],
            ),
            ValueKeyTwice { code, key } => f(
                "import.catalogue.attr.value_key_twice",
                &[("code", code), ("key", key)],
            ),
            UnexpectedValues { code, datatype } => f(
                "import.catalogue.attr.unexpected_values",
                &[("code", code), ("datatype", datatype)],
            ),
        }
    }
}

/// What is wrong with one field of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    UnknownField { field: String },
    NotAnObject,
    NoCode,
    BadCode { code: String },
    CodeTwice { code: String, first: u64 },
    NoName,
    ParentIsSelf,
    ParentHasParent { parent: String },
    UnknownParent { parent: String },
    BadServiceType { value: String },
    BadActive { value: String },
    ActiveNotABool { value: String },
    AttributesNotJson { error: String },
    Attribute(AttributeProblem),
    CoUnitsNotAList,
    UnknownArea { area: String },
    UnknownUnit { unit: String },
    NoLeadUnit,
    UnknownCoUnit { unit: String },
    CoUnitIsLead { unit: String },
    CoUnitTwice { unit: String },
    NoUnit,
    UnknownCategory { category: String },
    RouteTwice { first: u64 },
}

impl Problem {
    pub fn message(&self, lang: Lang) -> String {
        use Problem::*;
        let f = |key: &str, args: &[(&str, &str)]| text::fill(key, lang, args);
        match self {
            UnknownField { field } => f(
                "import.catalogue.unknown_field",
                &[("field", field), ("fields", &FIELDS.join("、"))],
            ),
            NotAnObject => f("import.catalogue.not_an_object", &[]),
            NoCode => f("import.catalogue.no_code", &[]),
            BadCode { code } => f("import.catalogue.bad_code", &[("code", code)]),
            CodeTwice { code, first } => f(
                "import.catalogue.code_twice",
                &[("code", code), ("first", &first.to_string())],
            ),
            NoName => f("import.catalogue.no_name", &[]),
            ParentIsSelf => f("import.catalogue.parent_is_self", &[]),
            ParentHasParent { parent } => {
                f("import.catalogue.parent_has_parent", &[("parent", parent)])
            }
            UnknownParent { parent } => f("import.catalogue.unknown_parent", &[("parent", parent)]),
            BadServiceType { value } => f("import.catalogue.bad_service_type", &[("value", value)]),
            BadActive { value } => f("import.catalogue.bad_active", &[("value", value)]),
            ActiveNotABool { value } => {
                f("import.catalogue.active_not_a_bool", &[("value", value)])
            }
            AttributesNotJson { error } => {
                f("import.catalogue.attributes_not_json", &[("error", error)])
            }
            Attribute(p) => p.message(lang),
            CoUnitsNotAList => f("import.catalogue.co_units_not_a_list", &[]),
            UnknownArea { area } => f("import.catalogue.unknown_area", &[("area", area)]),
            UnknownUnit { unit } => f("import.catalogue.unknown_unit", &[("unit", unit)]),
            NoLeadUnit => f("import.catalogue.no_lead_unit", &[]),
            UnknownCoUnit { unit } => f("import.catalogue.unknown_co_unit", &[("unit", unit)]),
            CoUnitIsLead { unit } => f("import.catalogue.co_unit_is_lead", &[("unit", unit)]),
            CoUnitTwice { unit } => f("import.catalogue.co_unit_twice", &[("unit", unit)]),
            NoUnit => f("import.catalogue.no_unit", &[]),
            UnknownCategory { category } => f(
                "import.catalogue.unknown_category",
                &[("category", category)],
            ),
            RouteTwice { first } => f(
                "import.catalogue.route_twice",
                &[("first", &first.to_string())],
            ),
        }
    }
}

/// One problem with one row: the row, the field and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub part: Part,
    pub row: u64,
    pub field: String,
    pub problem: Problem,
}

impl RowError {
    pub fn message(&self, lang: Lang) -> String {
        let key = match self.part {
            Part::Entries => "import.catalogue.row",
            Part::Routes => "import.catalogue.route_row",
        };
        text::fill(
            key,
            lang,
            &[
                ("row", &self.row.to_string()),
                ("field", &self.field),
                ("message", &self.problem.message(lang)),
            ],
        )
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::Zh))
    }
}

/// Why a catalogue was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The file cannot be read as CSV or JSON (its encoding or its syntax).
    #[error("{0}")]
    Unreadable(String),
    #[error("{}", text::fill("import.catalogue.json_syntax", Lang::Zh, &[("line", &.line.to_string()), ("column", &.column.to_string()), ("error", .error)]))]
    JsonSyntax {
        line: usize,
        column: usize,
        error: String,
    },
    #[error("{}", text::get("import.catalogue.json_shape", Lang::Zh))]
    JsonShape,
    /// Rows that are wrong, every one of them; nothing was written.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Rows(Vec<RowError>),
    #[error("{}", text::get("import.catalogue.no_jurisdictions", Lang::Zh))]
    NoJurisdictions,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads a catalogue file into its rows (nothing checked yet but the syntax).
pub fn read(bytes: &[u8], format: Format) -> Result<Rows, CatalogueError> {
    match format {
        Format::Csv => read_csv(bytes),
        Format::Json => read_json(bytes),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Rows, CatalogueError> {
    let (headers, records) = crate::import::read_csv_rows(bytes, "auto")
        .map_err(|e| CatalogueError::Unreadable(e.to_string()))?;
    let mut rows = Vec::new();
    for (number, cells) in records {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let fields = headers
            .iter()
            .zip(cells.iter().map(|c| c.trim()))
            .filter(|(_, c)| !c.is_empty())
            .map(|(h, c)| (h.clone(), Value::String(c.to_string())))
            .collect();
        rows.push(Row { number, fields });
    }
    let is_routes = headers.iter().any(|h| h == "category") && !headers.iter().any(|h| h == "code");
    Ok(if is_routes {
        Rows {
            entries: Vec::new(),
            routes: rows,
        }
    } else {
        Rows {
            entries: rows,
            routes: Vec::new(),
        }
    })
}

fn read_json(bytes: &[u8]) -> Result<Rows, CatalogueError> {
    let text =
        crate::import::decode_text(bytes).map_err(|e| CatalogueError::Unreadable(e.to_string()))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| CatalogueError::JsonSyntax {
        line: e.line(),
        column: e.column(),
        error: e.to_string(),
    })?;
    let (entries, routes) = match value {
        Value::Array(a) => (a, Vec::new()),
        Value::Object(mut o) => {
            let mut list = |key: &str| match o.remove(key) {
                None => Ok(None),
                Some(Value::Array(a)) => Ok(Some(a)),
                Some(_) => Err(CatalogueError::JsonShape),
            };
            match (list("categories")?, list("routes")?) {
                (None, None) => return Err(CatalogueError::JsonShape),
                (c, r) => (c.unwrap_or_default(), r.unwrap_or_default()),
            }
        }
        _ => return Err(CatalogueError::JsonShape),
    };
    Ok(Rows {
        entries: json_rows(entries, Part::Entries)?,
        routes: json_rows(routes, Part::Routes)?,
    })
}

fn json_rows(items: Vec<Value>, part: Part) -> Result<Vec<Row>, CatalogueError> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let number = i as u64 + 1;
        match item {
            Value::Object(fields) => rows.push(Row { number, fields }),
            _ => errors.push(RowError {
                part,
                row: number,
                field: "-".into(),
                problem: Problem::NotAnObject,
            }),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(CatalogueError::Rows(errors))
    }
}

/// A field's text, trimmed; None when absent or empty.
fn text_of(o: &Fields, field: &str) -> Option<String> {
    match o.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn valid_code(c: &str) -> bool {
    !c.is_empty()
        && c.len() <= 40
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'))
}

/// A route of the dispatch catalogue as loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// A category code or label path prefix; empty for every category.
    pub category: String,
    pub area: String,
    pub unit: String,
    pub co_units: Vec<String>,
    pub note: String,
}

/// What a valid file loads: its entries (in file order) and its routes.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub categories: Vec<Category>,
    pub routes: Vec<Route>,
    /// The rows of the file (entries and routes on their own).
    pub rows: usize,
}

/// What the rows are checked against: the organisation, the stored catalogue and the file's
/// own entries.
struct Known<'a> {
    org: &'a Org,
    stored: HashMap<&'a str, &'a Category>,
    /// The file's entries: code → (parent, name).
    file: HashMap<String, (Option<String>, String)>,
    /// The label paths of the file's and the stored entries.
    paths: Vec<String>,
    root: Option<String>,
}

impl<'a> Known<'a> {
    fn new(rows: &Rows, org: &'a Org, stored: &'a [Category]) -> Self {
        let file: HashMap<String, (Option<String>, String)> = rows
            .entries
            .iter()
            .filter_map(|r| {
                let o = &r.fields;
                Some((
                    text_of(o, "code")?,
                    (text_of(o, "parent"), text_of(o, "name")?),
                ))
            })
            .collect();
        let paths = rows
            .entries
            .iter()
            .filter_map(|r| text_of(&r.fields, "path"))
            .chain(stored.iter().filter_map(|c| c.path.clone()))
            .collect();
        Known {
            org,
            stored: stored.iter().map(|c| (c.code.as_str(), c)).collect(),
            file,
            paths,
            root: org
                .jurisdictions()
                .find(|j| j.parent.is_none())
                .map(|j| j.code.clone()),
        }
    }

    /// The name of a class, from the file or the store.
    fn class_name(&self, code: &str) -> Option<String> {
        self.file
            .get(code)
            .map(|(_, n)| n.clone())
            .or_else(|| self.stored.get(code).map(|c| c.name.clone()))
    }

    /// Whether a route's category names something: a code, or a label path prefix.
    fn names_category(&self, category: &str) -> bool {
        category.is_empty()
            || self.file.contains_key(category)
            || self.stored.contains_key(category)
            || self.paths.iter().any(|p| {
                p == category
                    || p.strip_prefix(category)
                        .is_some_and(|rest| rest.starts_with('/'))
            })
    }
}

/// The errors of one row as they are found.
struct Check {
    part: Part,
    row: u64,
    errors: Vec<RowError>,
}

impl Check {
    fn new(part: Part, row: u64) -> Self {
        Check {
            part,
            row,
            errors: Vec::new(),
        }
    }
    fn err(&mut self, field: &str, problem: Problem) {
        self.errors.push(RowError {
            part: self.part,
            row: self.row,
            field: field.into(),
            problem,
        });
    }
    fn unknown_fields(&mut self, o: &Fields, fields: &[&str]) {
        for k in o.keys() {
            if !fields.contains(&k.as_str()) {
                self.err(k, Problem::UnknownField { field: k.clone() });
            }
        }
    }
}

/// Validates every row against the organisation and the stored catalogue: all the errors,
/// or what the file loads.
pub fn validate(rows: &Rows, org: &Org, stored: &[Category]) -> Result<Plan, Vec<RowError>> {
    let known = Known::new(rows, org, stored);
    let mut errors = Vec::new();
    let mut plan = Plan {
        rows: rows.entries.len() + rows.routes.len(),
        ..Plan::default()
    };
    let mut codes: HashMap<String, u64> = HashMap::new();
    // Routes are keyed by category × area, whether an entry's own or on their own.
    let mut keys: HashMap<(String, String), u64> = HashMap::new();
    for row in &rows.entries {
        match check_entry(&known, row, &mut codes) {
            Ok((category, route)) => {
                plan.categories.push(category);
                if let Some(r) = route {
                    keys.insert((r.category.clone(), r.area.clone()), row.number);
                    plan.routes.push(r);
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    for row in &rows.routes {
        match check_route_row(&known, row, &mut keys) {
            Ok(route) => plan.routes.push(route),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

/// One catalogue entry: its category and, when it names a unit, its route.
fn check_entry(
    known: &Known,
    row: &Row,
    codes: &mut HashMap<String, u64>,
) -> Result<(Category, Option<Route>), Vec<RowError>> {
    let o = &row.fields;
    let mut c = Check::new(Part::Entries, row.number);
    c.unknown_fields(o, &FIELDS);
    let code = text_of(o, "code");
    match &code {
        None => c.err("code", Problem::NoCode),
        Some(code) if !valid_code(code) => c.err("code", Problem::BadCode { code: code.clone() }),
        Some(code) => {
            if let Some(first) = codes.insert(code.clone(), row.number) {
                let code = code.clone();
                c.err("code", Problem::CodeTwice { code, first });
            }
        }
    }
    let name = text_of(o, "name");
    if name.is_none() {
        c.err("name", Problem::NoName);
    }
    let parent = text_of(o, "parent");
    if let (Some(p), Some(code)) = (&parent, &code) {
        check_parent(known, &mut c, p, code);
    }
    let service_type = text_of(o, "service_type").unwrap_or_else(|| "realtime".into());
    if !matches!(service_type.as_str(), "realtime" | "batch") {
        c.err(
            "service_type",
            Problem::BadServiceType {
                value: service_type.clone(),
            },
        );
    }
    let active = check_active(&mut c, o.get("active"));
    let attributes = check_attributes_field(&mut c, o.get("attributes"));
    let target = check_target(known, &mut c, o);
    let (Some(code), Some(name), true) = (code, name, c.errors.is_empty()) else {
        return Err(c.errors);
    };
    let group = text_of(o, "group").unwrap_or_else(|| match &parent {
        Some(p) => known.class_name(p).unwrap_or_default(),
        None => name.clone(),
    });
    let route = target.map(|(area, unit, co_units)| Route {
        category: code.clone(),
        area,
        unit,
        co_units,
        note: text_of(o, "note")
            .unwrap_or_else(|| text::fill("import.catalogue.note", Lang::Zh, &[("name", &name)])),
    });
    let category = Category {
        description: text_of(o, "description").unwrap_or_else(|| name.clone()),
        keywords: text_of(o, "keywords").unwrap_or_default(),
        path: text_of(o, "path"),
        code,
        name,
        parent,
        group,
        service_type,
        attributes,
        active,
    };
    Ok((category, route))
}

/// The catalogue has two levels: a parent is a class, in the file or stored.
fn check_parent(known: &Known, c: &mut Check, parent: &str, code: &str) {
    let grand = if parent == code {
        c.err("parent", Problem::ParentIsSelf);
        return;
    } else if let Some((grand, _)) = known.file.get(parent) {
        grand.is_some()
    } else if let Some(stored) = known.stored.get(parent) {
        stored.parent.is_some()
    } else {
        let parent = parent.to_string();
        c.err("parent", Problem::UnknownParent { parent });
        return;
    };
    if grand {
        let parent = parent.to_string();
        c.err("parent", Problem::ParentHasParent { parent });
    }
}

fn check_active(c: &mut Check, v: Option<&Value>) -> bool {
    match v {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "" | "true" | "1" | "是" | "yes" | "y" => true,
            "false" | "0" | "否" | "no" | "n" => false,
            other => {
                let value = other.to_string();
                c.err("active", Problem::BadActive { value });
                true
            }
        },
        Some(other) => {
            let value = other.to_string();
            c.err("active", Problem::ActiveNotABool { value });
            true
        }
    }
}

fn check_attributes_field(c: &mut Check, v: Option<&Value>) -> Value {
    let parsed = match v {
        None | Some(Value::Null) => return json!([]),
        Some(Value::String(s)) if s.trim().is_empty() => return json!([]),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(v) => v,
            Err(e) => {
                let error = e.to_string();
                c.err("attributes", Problem::AttributesNotJson { error });
                return json!([]);
            }
        },
        Some(v) => v.clone(),
    };
    check_attributes(&parsed).unwrap_or_else(|p| {
        c.err("attributes", Problem::Attribute(p));
        json!([])
    })
}

/// Checks the Open311 attributes of a service definition; returns them normalised.
pub fn check_attributes(v: &Value) -> Result<Value, AttributeProblem> {
    use AttributeProblem::*;
    let list = v.as_array().ok_or(NotAnArray)?;
    let mut codes = HashSet::new();
    let mut out = Vec::new();
    for (i, a) in list.iter().enumerate() {
        let n = i + 1;
        let a = a.as_object().ok_or(NotAnObject { n })?;
        let code = non_empty(a.get("code")).ok_or(NoCode { n })?;
        if !codes.insert(code.to_string()) {
            return Err(CodeTwice { code: code.into() });
        }
        let datatype = a
            .get("datatype")
            .and_then(Value::as_str)
            .unwrap_or("string");
        if !DATATYPES.contains(&datatype) {
            return Err(BadDatatype {
                code: code.into(),
                datatype: datatype.into(),
            });
        }
        for key in ["variable", "required"] {
            if a.get(key).is_some_and(|x| !x.is_boolean()) {
                return Err(NotABool {
                    code: code.into(),
                    key,
                });
            }
        }
        if a.get("order").is_some_and(|x| !x.is_u64()) {
            return Err(BadOrder { code: code.into() });
        }
        let description =
            non_empty(a.get("description")).ok_or(NoDescription { code: code.into() })?;
        let values = check_values(code, datatype, a.get("values"))?;
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

fn non_empty(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The values of a list attribute (each a key and a name); a list must have some, others none.
fn check_values(
    code: &str,
    datatype: &str,
    values: Option<&Value>,
) -> Result<Vec<Value>, AttributeProblem> {
    use AttributeProblem::*;
    if !datatype.ends_with("valuelist") {
        if values.is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty())) {
            return Err(UnexpectedValues {
                code: code.into(),
                datatype: datatype.into(),
            });
        }
        return Ok(Vec::new());
    }
    let vs = values
        .and_then(Value::as_array)
        .filter(|vs| !vs.is_empty())
        .ok_or(NoValues {
            code: code.into(),
            datatype: datatype.into(),
        })?;
    let mut keys = HashSet::new();
    let mut out = Vec::new();
    for v in vs {
        let key = match v.get("key") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(ValueWithoutKey { code: code.into() }),
        };
        let Some(name) = non_empty(v.get("name")) else {
            return Err(ValueWithoutName {
                code: code.into(),
                key,
            });
        };
        if !keys.insert(key.clone()) {
            return Err(ValueKeyTwice {
                code: code.into(),
                key,
            });
        }
        out.push(json!({"key": key, "name": name}));
    }
    Ok(out)
}

/// The co-handlers of a route: a JSON array, or codes separated by `;` `,` `、` or `|`.
fn co_units(c: &mut Check, v: Option<&Value>) -> Vec<String> {
    match v {
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
            c.err("co_units", Problem::CoUnitsNotAList);
            Vec::new()
        }
    }
}

/// Where a row sends its category: (area, lead unit, co-handlers), the area being the whole
/// organisation when not given. None when the row names no unit.
fn check_target(known: &Known, c: &mut Check, o: &Fields) -> Option<(String, String, Vec<String>)> {
    let org = known.org;
    let unit = text_of(o, "unit");
    let area = text_of(o, "area");
    let co = co_units(c, o.get("co_units"));
    if let Some(a) = &area
        && org.jurisdiction(a).is_none()
    {
        c.err("area", Problem::UnknownArea { area: a.clone() });
    }
    match &unit {
        Some(u) if org.unit(u).is_none() => c.err("unit", Problem::UnknownUnit { unit: u.clone() }),
        Some(_) => {}
        None if area.is_some() || !co.is_empty() => c.err("unit", Problem::NoLeadUnit),
        None => {}
    }
    let mut seen = HashSet::new();
    for cu in &co {
        let problem = if org.unit(cu).is_none() {
            Problem::UnknownCoUnit { unit: cu.clone() }
        } else if Some(cu) == unit.as_ref() {
            Problem::CoUnitIsLead { unit: cu.clone() }
        } else if !seen.insert(cu.clone()) {
            Problem::CoUnitTwice { unit: cu.clone() }
        } else {
            continue;
        };
        c.err("co_units", problem);
    }
    let unit = unit?;
    Some((
        area.or_else(|| known.root.clone()).unwrap_or_default(),
        unit,
        co,
    ))
}

/// One route on its own: a category (code or label path prefix, empty for all) × area.
fn check_route_row(
    known: &Known,
    row: &Row,
    keys: &mut HashMap<(String, String), u64>,
) -> Result<Route, Vec<RowError>> {
    let o = &row.fields;
    let mut c = Check::new(Part::Routes, row.number);
    c.unknown_fields(o, &ROUTE_FIELDS);
    let category = text_of(o, "category").unwrap_or_default();
    if !known.names_category(&category) {
        let category = category.clone();
        c.err("category", Problem::UnknownCategory { category });
    }
    let target = check_target(known, &mut c, o);
    if text_of(o, "unit").is_none() && !c.errors.iter().any(|e| e.field == "unit") {
        c.err("unit", Problem::NoUnit);
    }
    let Some((area, unit, co_units)) = target.filter(|_| c.errors.is_empty()) else {
        return Err(c.errors);
    };
    if let Some(first) = keys.insert((category.clone(), area.clone()), row.number) {
        c.err("area", Problem::RouteTwice { first });
        return Err(c.errors);
    }
    Ok(Route {
        category,
        area,
        unit,
        co_units,
        note: text_of(o, "note").unwrap_or_default(),
    })
}

/// What a load changed (or, on a dry run, would change).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub routes_added: usize,
    pub routes_updated: usize,
    pub routes_unchanged: usize,
}

/// The entries that differ from the stored ones, parents before their services (a foreign
/// key may hold them to it); the file's order when it has them so already.
fn changed_categories(stored: &[Category], plan: &Plan, s: &mut Summary) -> Vec<Category> {
    let stored: HashMap<&str, &Category> = stored.iter().map(|c| (c.code.as_str(), c)).collect();
    let mut changed: Vec<Category> = Vec::new();
    for c in &plan.categories {
        match stored.get(c.code.as_str()) {
            None => s.added += 1,
            Some(old) if **old == *c => {
                s.unchanged += 1;
                continue;
            }
            Some(_) => s.updated += 1,
        }
        changed.push(c.clone());
    }
    let child_first = changed.iter().enumerate().any(|(i, c)| {
        c.parent
            .as_ref()
            .is_some_and(|p| changed[i..].iter().any(|later| &later.code == p))
    });
    if child_first {
        changed.sort_by_key(|c| c.parent.is_some());
    }
    changed
}

/// The routes to write, each with the stored rule of its category × area it replaces.
fn changed_routes<'p>(
    rules: &[DispatchRule],
    plan: &'p Plan,
    s: &mut Summary,
) -> Vec<(Option<i64>, &'p Route)> {
    let mut ops = Vec::new();
    for r in &plan.routes {
        let same_key = rules
            .iter()
            .find(|x| x.category == r.category && x.jurisdiction == r.area);
        match same_key {
            Some(x) if x.lead_unit == r.unit && x.co_units == r.co_units && x.note == r.note => {
                s.routes_unchanged += 1
            }
            Some(x) => {
                s.routes_updated += 1;
                ops.push((Some(x.id), r));
            }
            None => {
                s.routes_added += 1;
                ops.push((None, r));
            }
        }
    }
    ops
}

/// Applies a validated plan: categories upserted (in one transaction), and each route set for
/// its category × area (replacing a different one). Idempotent; a dry run writes nothing.
pub async fn apply(store: &Store, plan: &Plan, dry_run: bool) -> Result<Summary, StoreError> {
    let mut s = Summary::default();
    let stored = store.categories().await?;
    let changed = changed_categories(&stored, plan, &mut s);
    let rules = store.dispatch_rules().await?;
    let routes = changed_routes(&rules, plan, &mut s);
    if dry_run {
        return Ok(s);
    }
    if !changed.is_empty() {
        store.upsert_categories(&changed).await?;
    }
    for (old, r) in routes {
        if let Some(id) = old {
            store.delete_dispatch_rule(id).await?;
        }
        store
            .add_dispatch_rule(&r.category, &r.area, &r.unit, &r.co_units, &r.note)
            .await?;
    }
    Ok(s)
}

/// What a load did: the file's rows and what changed.
#[derive(Debug)]
pub struct Loaded {
    pub rows: usize,
    pub summary: Summary,
}

/// Reads, checks and applies a catalogue file against the stored organisation and catalogue.
/// The caller reloads its snapshot when something changed.
pub async fn load(
    store: &Store,
    bytes: &[u8],
    format: Format,
    dry_run: bool,
) -> Result<Loaded, CatalogueError> {
    let rows = read(bytes, format)?;
    let org = store.load_org().await?;
    if org.jurisdictions().next().is_none() {
        return Err(CatalogueError::NoJurisdictions);
    }
    let stored = store.categories().await?;
    let plan = validate(&rows, &org, &stored).map_err(CatalogueError::Rows)?;
    let summary = apply(store, &plan, dry_run).await?;
    if !dry_run {
        // Reference data changed: every running server reloads its snapshot.
        store.bump_config_version().await?;
    }
    Ok(Loaded {
        rows: plan.rows,
        summary,
    })
}
