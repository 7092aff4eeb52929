//! Imports of upstream platforms' exports (12345 hotline, mayor's mailbox, online messages,
//! digital city management, government service platform): CSV (UTF-8, or GBK/GB18030 and
//! Windows-1252 as old Excel writes them), xlsx and JSON, read through a column mapping.
//! Every row is validated the way intake validates (`parse_intake`), registered with its
//! upstream time and id, idempotently on (channel, upstream id); every row that is not
//! imported is reported with its row number and the reason. Shared by `minhu import` and
//! `POST /api/v1/import`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use minhu_domain::intake::parse_intake;
use minhu_domain::org::{Org, Tier};
use minhu_domain::request::{Channel, Event, EventData, Intake, RequestType};
use minhu_domain::time::ZONE;
use minhu_store::open311::BulkOutcome;
use minhu_store::{Store, StoreError, new_code};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Rows registered per transaction (an interrupted import keeps the chunks it committed;
/// running it again completes it, idempotently).
pub const CHUNK: usize = 20_000;

/// The channels an import may name.
pub const CHANNELS: [Channel; 5] = [
    Channel::Hotline12345,
    Channel::MayorMailbox,
    Channel::WebMessage,
    Channel::UrbanManagement,
    Channel::GovService,
];

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(msg: impl Into<String>) -> ImportError {
    ImportError::Invalid(msg.into())
}

/// Which source column feeds each field, and how values are translated. Every field lists
/// the column names it accepts (first found wins); the defaults know the usual Chinese and
/// English headers of the platforms' exports.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mapping {
    pub columns: HashMap<String, Vec<String>>,
    /// chrono formats tried in order after RFC 3339 (local Asia/Shanghai time).
    pub date_formats: Vec<String>,
    /// Upstream category label → catalogue code (or label path).
    pub categories: HashMap<String, String>,
    /// Upstream type label → type code; the Chinese names are known already.
    pub types: HashMap<String, String>,
    /// Jurisdiction when the row has none (default: the district).
    pub default_jurisdiction: Option<String>,
    /// `auto` (UTF-8, else GB18030), `utf-8`, `gbk`, `gb18030`, `windows-1252`.
    pub encoding: String,
    /// Worksheet of an xlsx file (default: the first).
    pub sheet: Option<String>,
}

/// The fields a row can fill.
pub const FIELDS: [&str; 13] = [
    "external_id",
    "received_at",
    "content",
    "subject",
    "type",
    "category",
    "name",
    "phone",
    "address",
    "lat",
    "lon",
    "jurisdiction",
    "confidential",
];

impl Default for Mapping {
    fn default() -> Self {
        let c = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let columns = HashMap::from([
            (
                "external_id".into(),
                c(&[
                    "external_id",
                    "工单编号",
                    "工单号",
                    "编号",
                    "案件编号",
                    "留言编号",
                    "信件编号",
                    "办件编号",
                    "id",
                ]),
            ),
            (
                "received_at".into(),
                c(&[
                    "received_at",
                    "受理时间",
                    "来电时间",
                    "留言时间",
                    "来信时间",
                    "立案时间",
                    "上报时间",
                    "申请时间",
                    "时间",
                    "日期",
                ]),
            ),
            (
                "content".into(),
                c(&[
                    "content",
                    "诉求内容",
                    "内容",
                    "留言内容",
                    "来信内容",
                    "问题描述",
                    "案件描述",
                    "事项内容",
                ]),
            ),
            (
                "subject".into(),
                c(&["subject", "标题", "主题", "留言标题", "来信标题"]),
            ),
            ("type".into(), c(&["type", "诉求类型", "类型", "来电类型"])),
            (
                "category".into(),
                c(&[
                    "category",
                    "诉求分类",
                    "分类",
                    "问题分类",
                    "案件类别",
                    "事项分类",
                    "事项名称",
                ]),
            ),
            (
                "name".into(),
                c(&[
                    "name",
                    "诉求人",
                    "姓名",
                    "来电人",
                    "留言人",
                    "来信人",
                    "申请人",
                ]),
            ),
            (
                "phone".into(),
                c(&["phone", "联系电话", "电话", "手机", "手机号"]),
            ),
            (
                "address".into(),
                c(&["address", "地址", "诉求地址", "事发地址", "问题地址"]),
            ),
            ("lat".into(), c(&["lat", "纬度"])),
            ("lon".into(), c(&["lon", "long", "经度"])),
            (
                "jurisdiction".into(),
                c(&[
                    "jurisdiction",
                    "辖区",
                    "辖区代码",
                    "所属辖区",
                    "社区",
                    "街道",
                ]),
            ),
            (
                "confidential".into(),
                c(&["confidential", "保密", "是否保密"]),
            ),
        ]);
        Mapping {
            columns,
            date_formats: [
                "%Y-%m-%d %H:%M:%S",
                "%Y/%m/%d %H:%M:%S",
                "%Y-%m-%d %H:%M",
                "%Y/%m/%d %H:%M",
                "%Y%m%d%H%M%S",
                "%Y年%m月%d日 %H:%M:%S",
                "%Y年%m月%d日 %H:%M",
                "%Y-%m-%dT%H:%M:%S",
            ]
            .map(String::from)
            .to_vec(),
            categories: HashMap::new(),
            types: HashMap::new(),
            default_jurisdiction: None,
            encoding: "auto".into(),
            sheet: None,
        }
    }
}

impl Mapping {
    /// A mapping file (JSON): its entries replace the defaults field by field.
    pub fn from_json(text: &str) -> Result<Mapping, ImportError> {
        let given: Mapping =
            serde_json::from_str(text).map_err(|e| invalid(format!("映射文件格式错误：{e}")))?;
        let mut m = Mapping::default();
        for (field, names) in given.columns {
            if !FIELDS.contains(&field.as_str()) {
                return Err(invalid(format!(
                    "映射文件中的字段“{field}”未知，可用：{}",
                    FIELDS.join(", ")
                )));
            }
            m.columns.insert(field, names);
        }
        if !given.date_formats.is_empty() && given.date_formats != Mapping::default().date_formats {
            m.date_formats = given.date_formats;
        }
        m.categories = given.categories;
        m.types = given.types;
        m.default_jurisdiction = given.default_jurisdiction;
        m.encoding = given.encoding;
        m.sheet = given.sheet;
        Ok(m)
    }
}

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" | "txt" => Some(Format::Csv),
            "xlsx" | "xlsm" | "xls" => Some(Format::Xlsx),
            "json" | "jsonl" | "ndjson" => Some(Format::Json),
            _ => None,
        }
    }
    /// From a file name's extension.
    pub fn of_path(path: &str) -> Option<Format> {
        Format::parse(path.rsplit_once('.')?.1)
    }
}

/// A row of the export: its number as a person would find it (a CSV line or a sheet row,
/// the header being row 1; the 1-based index of a JSON item) and its cells by header.
struct Row {
    number: u64,
    cells: csv::StringRecord,
}

/// A table read from an export.
struct Table {
    headers: Vec<String>,
    rows: Vec<Row>,
}

/// The text of an export (borrowed when it is UTF-8 already: no copy of a large file).
fn decode<'a>(bytes: &'a [u8], encoding: &str) -> Result<Cow<'a, str>, ImportError> {
    let enc = match encoding.to_ascii_lowercase().as_str() {
        "auto" | "" => {
            if let Ok(s) = std::str::from_utf8(bytes) {
                return Ok(Cow::Borrowed(s.strip_prefix('\u{feff}').unwrap_or(s)));
            }
            encoding_rs::GB18030
        }
        "utf-8" | "utf8" => {
            let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            return std::str::from_utf8(b)
                .map(Cow::Borrowed)
                .map_err(|e| invalid(format!("文件不是有效的 UTF-8：{e}")));
        }
        other => encoding_rs::Encoding::for_label(other.as_bytes()).ok_or_else(|| {
            invalid(format!(
                "未知的编码“{other}”，可用 auto、utf-8、gbk、gb18030、windows-1252"
            ))
        })?,
    };
    let (text, _, had_errors) = enc.decode(bytes);
    if had_errors {
        return Err(invalid(format!(
            "文件按 {} 解码失败：请在映射文件中用 encoding 指定正确的编码",
            enc.name()
        )));
    }
    Ok(text)
}

fn read_csv(bytes: &[u8], m: &Mapping) -> Result<Table, ImportError> {
    let text = decode(bytes, &m.encoding)?;
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| invalid(format!("无法读取 CSV 表头：{e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    // Line numbers from the byte offsets where records start (1 + newlines before it).
    let (mut line, mut at) = (1u64, 0usize);
    let bytes = text.as_bytes();
    for rec in r.records() {
        let rec = rec.map_err(|e| invalid(format!("CSV 格式错误：{e}")))?;
        let mut start = rec
            .position()
            .map(|p| p.byte() as usize)
            .unwrap_or(at)
            .clamp(at, bytes.len());
        // The reported start may lie on the terminator of the line before (CRLF).
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        line += bytes[at..start].iter().filter(|b| **b == b'\n').count() as u64;
        at = start;
        let number = line;
        rows.push(Row { number, cells: rec });
    }
    Ok(Table { headers, rows })
}

/// The text of a file: UTF-8 (a BOM dropped), else GB18030 as old Excel writes it.
pub fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, ImportError> {
    decode(bytes, "auto")
}

/// A CSV file as its header and its rows, each with its line number (the header being line
/// 1), decoded as an import would (`encoding` as in a mapping: `auto` takes UTF-8, else
/// GB18030). For the other loaders (the catalogue).
pub fn read_csv_rows(
    bytes: &[u8],
    encoding: &str,
) -> Result<(Vec<String>, Vec<(u64, Vec<String>)>), ImportError> {
    let m = Mapping {
        encoding: encoding.into(),
        ..Mapping::default()
    };
    let t = read_csv(bytes, &m)?;
    let rows = t
        .rows
        .into_iter()
        .map(|r| (r.number, r.cells.iter().map(str::to_string).collect()))
        .collect();
    Ok((t.headers, rows))
}

/// An Excel serial date (days since 1899-12-30) as local time.
fn excel_serial(v: f64) -> Option<NaiveDateTime> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    let ms = (v * 86_400_000.0).round() as i64;
    base.checked_add_signed(chrono::Duration::milliseconds(ms))
}

fn read_xlsx(bytes: &[u8], m: &Mapping) -> Result<Table, ImportError> {
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| invalid(format!("无法读取 Excel 文件：{e}")))?;
    let names = book.sheet_names();
    let sheet = match &m.sheet {
        Some(s) if names.contains(s) => s.clone(),
        Some(s) => return Err(invalid(format!("Excel 文件中没有工作表“{s}”"))),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| invalid("Excel 文件中没有工作表"))?,
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| invalid(format!("无法读取工作表“{sheet}”：{e}")))?;
    let first_row = range.start().map(|(r, _)| r as u64).unwrap_or(0);
    let cell = |d: &Data| -> String {
        match d {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(dt) => excel_serial(dt.as_f64())
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
            Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
            Data::Error(e) => format!("#ERROR {e:?}"),
        }
    };
    let mut it = range.rows();
    let headers: Vec<String> = it
        .next()
        .map(|r| r.iter().map(|c| cell(c).trim().to_string()).collect())
        .unwrap_or_default();
    let rows = it
        .enumerate()
        .map(|(i, r)| Row {
            number: first_row + i as u64 + 2,
            cells: r.iter().map(cell).collect(),
        })
        .collect();
    Ok(Table { headers, rows })
}

fn read_json(bytes: &[u8], m: &Mapping) -> Result<Table, ImportError> {
    let text = decode(bytes, &m.encoding)?;
    let trimmed = text.trim_start();
    let whole = serde_json::from_str::<Value>(&text);
    let items: Vec<Value> = match whole {
        Ok(Value::Array(a)) => a,
        Ok(Value::Object(mut o)) => match ["rows", "data", "records", "items"]
            .iter()
            .find_map(|k| o.remove(*k))
        {
            Some(Value::Array(a)) => a,
            // A single object: a JSON Lines file of one line.
            _ => vec![Value::Object(o)],
        },
        Ok(_) => return Err(invalid("JSON 应为对象数组")),
        Err(e) if !trimmed.starts_with('{') => {
            return Err(invalid(format!(
                "JSON 格式错误：第{}行第{}列：{e}",
                e.line(),
                e.column()
            )));
        }
        Err(_) => {
            // JSON Lines: one object a line.
            let mut v = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    v.push(Value::Null);
                    continue;
                }
                v.push(
                    serde_json::from_str(line)
                        .map_err(|e| invalid(format!("JSON Lines 第{}行格式错误：{e}", i + 1)))?,
                );
            }
            v
        }
    };
    let mut headers: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let mut cells = vec![String::new(); headers.len()];
        if let Value::Object(o) = item {
            for (k, v) in o {
                let k = k.trim().to_string();
                let at = *index.entry(k.clone()).or_insert_with(|| {
                    headers.push(k);
                    headers.len() - 1
                });
                if cells.len() <= at {
                    cells.resize(at + 1, String::new());
                }
                cells[at] = match v {
                    Value::Null => String::new(),
                    Value::String(s) => s,
                    other => other.to_string(),
                };
            }
        } else if !item.is_null() {
            cells = vec!["\u{0}not-an-object".into()];
        }
        rows.push(Row {
            number: i as u64 + 1,
            cells: cells.into(),
        });
    }
    Ok(Table { headers, rows })
}

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

fn type_code(label: &str, m: &Mapping) -> Option<RequestType> {
    if let Some(code) = m.types.get(label) {
        return RequestType::parse(code);
    }
    RequestType::parse(label).or_else(|| {
        Some(match label {
            "咨询" => RequestType::Consult,
            "求助" | "求决" => RequestType::Help,
            "投诉" => RequestType::Complaint,
            "举报" => RequestType::Report,
            "建议" | "意见建议" => RequestType::Suggestion,
            "表扬" | "感谢" => RequestType::Praise,
            _ => return None,
        })
    })
}

fn parse_time(s: &str, m: &Mapping) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let local = m
        .date_formats
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    ZONE.from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// What rows need besides the mapping: the organisation, the catalogue, the time.
pub struct Context<'a> {
    pub org: &'a Org,
    /// Catalogue codes and label paths that a category may name.
    pub categories: HashSet<String>,
    pub now: DateTime<Utc>,
    /// Who the register events name (e.g. "import:hotline_12345" or the API caller).
    pub actor: String,
    pub role: String,
}

/// Validates one row into an intake (or the reason it is refused).
/// `received_at` is the row's time as [`parse_time`] read it already (for ordering).
fn row_intake(
    cells: &csv::StringRecord,
    cols: &HashMap<&str, usize>,
    channel: Channel,
    m: &Mapping,
    cx: &Context,
    root: &str,
    received_at: Option<DateTime<Utc>>,
) -> Result<Intake, (Option<String>, String)> {
    let get = |f: &str| -> Option<&str> {
        cols.get(f)
            .and_then(|i| cells.get(*i))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    };
    let external_id = get("external_id").ok_or_else(|| {
        (
            Some("external_id".to_string()),
            "缺少上游编号（工单编号）".to_string(),
        )
    })?;
    let received = get("received_at")
        .ok_or_else(|| (Some("received_at".to_string()), "缺少受理时间".to_string()))?;
    let received_at = received_at.ok_or_else(|| {
        (
            Some("received_at".to_string()),
            format!("受理时间“{received}”无法识别（如 2026-06-01 08:30:00）"),
        )
    })?;
    if received_at > cx.now + chrono::Duration::days(1) {
        return Err((
            Some("received_at".to_string()),
            format!("受理时间“{received}”在未来"),
        ));
    }
    let mut body = Map::new();
    body.insert("channel".into(), json!(channel.as_str()));
    body.insert("external_id".into(), json!(external_id));
    if let Some(t) = get("type") {
        let kind = type_code(t, m).ok_or_else(|| {
            (
                Some("type".to_string()),
                format!("未知的诉求类型“{t}”（可用：咨询、求助、投诉、举报、建议、表扬）"),
            )
        })?;
        body.insert("type".into(), json!(kind.as_str()));
    }
    if let Some(c) = get("category") {
        let code = m.categories.get(c).map(String::as_str).unwrap_or(c);
        if !cx.categories.contains(code) {
            return Err((
                Some("category".to_string()),
                format!("未知的分类“{c}”：请在映射文件 categories 中对应到目录中的分类"),
            ));
        }
        body.insert("category".into(), json!(code));
    }
    for (field, key) in [
        ("content", "content"),
        ("subject", "subject"),
        ("address", "address"),
    ] {
        if let Some(v) = get(field) {
            body.insert(key.into(), json!(v));
        }
    }
    let name = get("name");
    let phone = get("phone");
    if name.is_some() || phone.is_some() {
        body.insert("requester".into(), json!({"name": name, "phone": phone}));
    }
    for f in ["lat", "lon"] {
        if let Some(v) = get(f) {
            body.insert(f.into(), json!(v));
        }
    }
    let jurisdiction = get("jurisdiction")
        .map(str::to_string)
        .or_else(|| m.default_jurisdiction.clone())
        .unwrap_or_else(|| root.to_string());
    body.insert("jurisdiction".into(), json!(jurisdiction));
    if let Some(c) = get("confidential") {
        let b = match c.to_ascii_lowercase().as_str() {
            "true" | "1" | "是" | "y" | "yes" => true,
            "false" | "0" | "否" | "n" | "no" => false,
            _ => {
                return Err((
                    Some("confidential".to_string()),
                    format!("是否保密“{c}”应为 是/否"),
                ));
            }
        };
        body.insert("confidential".into(), json!(b));
    }
    parse_intake(
        &Value::Object(body),
        None,
        cx.org,
        new_code(received_at),
        received_at,
    )
    .map_err(|e| (e.field.clone(), e.zh.clone()))
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
    if !CHANNELS.contains(&channel) {
        return Err(invalid(format!(
            "导入渠道须为：{}",
            CHANNELS.map(|c| c.as_str()).join("、")
        )));
    }
    if let Some(j) = &m.default_jurisdiction {
        if cx.org.jurisdiction(j).is_none() {
            return Err(invalid(format!(
                "映射文件的 default_jurisdiction“{j}”不存在"
            )));
        }
    }
    let table = match format {
        Format::Csv => read_csv(bytes, m)?,
        Format::Xlsx => read_xlsx(bytes, m)?,
        Format::Json => read_json(bytes, m)?,
    };
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
    let cell = |row: &Row, field: &str| -> Option<String> {
        cols.get(field)
            .and_then(|i| row.cells.get(*i))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let ext_col = cols["external_id"];
    let time_col = cols["received_at"];
    // First pass, in file order and without the database: blank rows, non-objects, each
    // row's time (the order of registration) and how often each upstream id occurs.
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
    // An upstream id on several rows: the first row (in the file) that is valid is imported,
    // the later ones are refused as repeats of it. Those few rows are settled here.
    let mut first_of: HashMap<&str, u64> = HashMap::new();
    let mut settled: HashMap<u32, Option<Intake>> = HashMap::new();
    for (at, k) in &order {
        let row = &table.rows[*k as usize];
        let Some(id) = row.cells.get(ext_col).map(str::trim) else {
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
            None => match row_intake(&row.cells, &cols, channel, m, cx, &root, *at) {
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
    drop(occurrences);
    // Register in time order: the time and tracking-code indexes then grow at their ends
    // instead of being written all over (write amplification made large imports slow).
    order.sort_by_key(|(at, _)| *at);
    // Rows done: the blank and non-object ones now, then each chunk as it commits.
    let mut done = total - order.len() as u64;
    progress(done, total);
    let mut jpaths: HashMap<String, String> = HashMap::new();
    // Validates one chunk of rows into registrations. Yields now and then, so that the
    // registration of the previous chunk (on the database's own thread) goes on meanwhile.
    let mut validate = async |rows: &[(Option<DateTime<Utc>>, u32)],
                              report: &mut Report|
           -> Vec<(Intake, String, Event)> {
        let mut batch = Vec::with_capacity(rows.len());
        for (n, (at, k)) in rows.iter().enumerate() {
            if n % 512 == 511 {
                tokio::task::yield_now().await;
            }
            let row = &table.rows[*k as usize];
            let intake = match settled.remove(k) {
                Some(Some(intake)) => intake,
                Some(None) => continue,
                None => match row_intake(&row.cells, &cols, channel, m, cx, &root, *at) {
                    Ok(intake) => intake,
                    Err((field, reason)) => {
                        report.refused.push(Refusal {
                            row: row.number,
                            external_id: cell(row, "external_id"),
                            field,
                            reason,
                        });
                        continue;
                    }
                },
            };
            let level = cx
                .org
                .jurisdiction(&intake.jurisdiction)
                .map(|j| j.level)
                .expect("parse_intake checked the jurisdiction");
            let jpath = match jpaths.get(&intake.jurisdiction) {
                Some(p) => p.clone(),
                None => {
                    let p = cx.org.path(&intake.jurisdiction);
                    jpaths.insert(intake.jurisdiction.clone(), p.clone());
                    p
                }
            };
            let first = Event {
                seq: 1,
                at: intake.received_at,
                actor: cx.actor.clone(),
                role: cx.role.clone(),
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
    };
    // Pipelined: chunk k+1 is validated while chunk k is written (its own transaction,
    // committed before the next is sent). Each chunk is idempotent on the upstream ids.
    let mut chunks = order.chunks(CHUNK);
    let mut next = match chunks.next() {
        Some(rows) => Some((validate(rows, &mut report).await, rows.len() as u64)),
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
                Some(rows) => Some((validate(rows, &mut report).await, rows.len() as u64)),
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

// ---- POST /api/v1/import ------------------------------------------------------------------------

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::routing::post;

use crate::auth::Authed;
use crate::{ApiError, AppState};

/// Largest export the API takes in one call (the CLI has no limit).
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/import", post(import_handler))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
}

fn unprocessable(field: &str, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_import", zh, en).field(field)
}

/// `POST /api/v1/import?channel=…[&format=csv|xlsx|json]`: the export as the body (or as
/// the `file` part of a multipart body, with an optional `mapping` part). District office only.
async fn import_handler(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
) -> Result<axum::Json<Value>, ApiError> {
    if actor.role != Some(minhu_domain::org::Role::DistrictAdmin) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "只有区综合办管理员可以导入上游工单",
            "only the district office may import upstream orders",
        ));
    }
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let channel_s = get("channel").ok_or_else(|| {
        unprocessable(
            "channel",
            "缺少导入渠道 channel",
            "query parameter 'channel' is required",
        )
    })?;
    let channel = Channel::parse(channel_s)
        .filter(|c| CHANNELS.contains(c))
        .ok_or_else(|| {
            let list = CHANNELS.map(|c| c.as_str()).join(", ");
            unprocessable(
                "channel",
                format!("导入渠道“{channel_s}”无效，可选：{list}"),
                format!("channel must be one of {list}"),
            )
        })?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let too_big = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "文件过大（上限 {} MB），请用命令行 minhu import",
                MAX_UPLOAD >> 20
            ),
            "file too large; use the command line (minhu import)",
        )
    };
    let mut mapping = Mapping::default();
    let mut format = get("format").and_then(Format::parse);
    let bytes: Vec<u8> = if ct.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &app).await.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_body",
                "无法读取 multipart 请求体",
                e.to_string(),
            )
        })?;
        let mut file = None;
        while let Some(field) = mp.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_big()
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_body",
                    "无法读取 multipart 请求体",
                    e.to_string(),
                )
            }
        })? {
            let name = field.name().unwrap_or("").to_string();
            let filename = field.file_name().map(str::to_string);
            let data = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_big()
                } else {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_body",
                        "无法读取上传文件",
                        e.to_string(),
                    )
                }
            })?;
            match name.as_str() {
                "file" => {
                    if format.is_none() {
                        format = filename.as_deref().and_then(Format::of_path);
                    }
                    file = Some(data.to_vec());
                }
                "mapping" => {
                    let text = String::from_utf8(data.to_vec()).map_err(|_| {
                        unprocessable(
                            "mapping",
                            "映射文件须为 UTF-8 JSON",
                            "the mapping must be UTF-8 JSON",
                        )
                    })?;
                    mapping = Mapping::from_json(&text)
                        .map_err(|e| unprocessable("mapping", e.to_string(), e.to_string()))?;
                }
                other => {
                    return Err(unprocessable(
                        other,
                        format!("未知的字段“{other}”：只接受 file 和 mapping"),
                        "only the parts 'file' and 'mapping' are accepted",
                    ));
                }
            }
        }
        file.ok_or_else(|| unprocessable("file", "缺少文件 file", "the part 'file' is required"))?
    } else {
        if format.is_none() {
            format = if ct.contains("csv") || ct.starts_with("text/plain") {
                Some(Format::Csv)
            } else if ct.contains("spreadsheetml") || ct.contains("ms-excel") {
                Some(Format::Xlsx)
            } else if ct.contains("json") {
                Some(Format::Json)
            } else {
                None
            };
        }
        axum::body::Bytes::from_request(req, &app)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_big()
                } else {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_body",
                        "无法读取请求体",
                        e.to_string(),
                    )
                }
            })?
            .to_vec()
    };
    let format = format.ok_or_else(|| {
        unprocessable(
            "format",
            "无法判断文件格式：请给出 format=csv|xlsx|json",
            "cannot tell the format: pass format=csv|xlsx|json",
        )
    })?;
    let org = app.org();
    let cx = Context {
        org: &org,
        categories: category_names(&app.store).await?,
        now: app.now(),
        actor: actor.username.clone(),
        role: actor.role_str().to_string(),
    };
    let report = import(
        &app.store,
        &bytes,
        format,
        channel,
        &mapping,
        &cx,
        &|_, _| {},
    )
    .await
    .map_err(|e| match e {
        ImportError::Invalid(msg) => unprocessable("file", msg.clone(), msg),
        ImportError::Store(s) => ApiError::from(s),
    })?;
    tracing::info!(channel = channel.as_str(), imported = report.imported, refused = report.refused.len(), by = %actor.username, "import");
    Ok(axum::Json(
        serde_json::to_value(&report).expect("report serialises"),
    ))
}
