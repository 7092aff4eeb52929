//! The column mapping, and one row of an export validated into an intake.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use minhu_domain::intake::parse_intake;
use minhu_domain::org::Org;
use minhu_domain::request::{Channel, Intake, RequestType};
use minhu_domain::time::ZONE;
use minhu_store::new_code;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::*;

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

pub(crate) fn type_code(label: &str, m: &Mapping) -> Option<RequestType> {
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

pub(crate) fn parse_time(s: &str, m: &Mapping) -> Option<DateTime<Utc>> {
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
pub(crate) fn row_intake(
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
