//! Intake (受理登记): turning what a resident or clerk sent into a validated [`Intake`],
//! naming the field at fault when something is wrong.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::error::{DomainError, ErrorKind};
use crate::org::{Actor, Org, Role};
use crate::privacy::normalize_phone;
use crate::request::{Channel, Intake, RequestType, Requester};

pub const MAX_CONTENT: usize = 5000;
pub const MAX_SHORT: usize = 200;

fn invalid(field: &str, code: &'static str, zh: String, en: String) -> DomainError {
    DomainError::invalid(field, code, zh, en)
}

fn text(obj: &Map<String, Value>, field: &str, max: usize) -> Result<Option<String>, DomainError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let t = s.trim();
            if t.chars().count() > max {
                return Err(invalid(
                    field,
                    "too_long",
                    format!("“{field}”不能超过{max}字"),
                    format!("'{field}' must be at most {max} characters"),
                ));
            }
            Ok(if t.is_empty() {
                None
            } else {
                Some(t.to_string())
            })
        }
        Some(_) => Err(invalid(
            field,
            "invalid_type",
            format!("“{field}”应为文本"),
            format!("'{field}' must be a string"),
        )),
    }
}

fn coord(obj: &Map<String, Value>, field: &str, range: f64) -> Result<Option<f64>, DomainError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        {
            Some(x) if x.is_finite() && x.abs() <= range => Ok(Some(x)),
            _ => Err(invalid(
                field,
                "invalid_coordinate",
                format!("“{field}”不是有效的坐标"),
                format!("'{field}' is not a valid coordinate"),
            )),
        },
    }
}

/// Validates an intake body. `actor` is the person registering it (None for public
/// channels, which must name the jurisdiction). `code` is the tracking code to give it.
pub fn parse_intake(
    body: &Value,
    actor: Option<&Actor>,
    org: &Org,
    code: String,
    now: DateTime<Utc>,
) -> Result<Intake, DomainError> {
    let Value::Object(obj) = body else {
        return Err(DomainError::new(
            ErrorKind::Invalid,
            "invalid_body",
            "请求体应为 JSON 对象",
            "the body must be a JSON object",
        ));
    };
    let channel_s = text(obj, "channel", 40)?.ok_or_else(|| {
        invalid(
            "channel",
            "required",
            "缺少来源渠道“channel”".into(),
            "field 'channel' is required".into(),
        )
    })?;
    let channel = Channel::parse(&channel_s).ok_or_else(|| {
        invalid(
            "channel",
            "unknown_value",
            format!("未知的来源渠道“{channel_s}”，可选：{}", Channel::codes()),
            format!(
                "unknown channel '{channel_s}'; one of: {}",
                Channel::codes()
            ),
        )
    })?;
    let kind = match text(obj, "type", 40)? {
        None => RequestType::Help,
        Some(t) => RequestType::parse(&t).ok_or_else(|| {
            invalid(
                "type",
                "unknown_value",
                format!("未知的诉求类型“{t}”，可选：{}", RequestType::codes()),
                format!("unknown type '{t}'; one of: {}", RequestType::codes()),
            )
        })?,
    };
    let content = text(obj, "content", MAX_CONTENT)?.ok_or_else(|| {
        invalid(
            "content",
            "required",
            "诉求内容不能为空".into(),
            "field 'content' is required and must not be empty".into(),
        )
    })?;
    let subject = text(obj, "subject", MAX_SHORT)?;
    let (name, phone) = match obj.get("requester") {
        None | Some(Value::Null) => (None, None),
        Some(Value::Object(r)) => {
            let name = text(r, "name", 50).map_err(|e| e.with_field("requester.name"))?;
            let phone = match text(r, "phone", 40).map_err(|e| e.with_field("requester.phone"))? {
                None => None,
                Some(p) => Some(normalize_phone(&p).ok_or_else(|| {
                    invalid(
                        "requester.phone",
                        "invalid_phone",
                        format!("联系电话“{p}”格式不正确（手机11位，或区号-号码）"),
                        format!("'{p}' is not a valid phone number (11-digit mobile, or area code and number)"),
                    )
                })?),
            };
            (name, phone)
        }
        Some(_) => {
            return Err(invalid(
                "requester",
                "invalid_type",
                "“requester”应为对象".into(),
                "'requester' must be an object".into(),
            ));
        }
    };
    let address = text(obj, "address", MAX_SHORT)?;
    let lat = coord(obj, "lat", 90.0)?;
    let lon = coord(obj, "lon", 180.0)?;
    if lat.is_some() != lon.is_some() {
        let f = if lat.is_some() { "lon" } else { "lat" };
        return Err(invalid(
            f,
            "required",
            "经纬度须同时提供".into(),
            "lat and lon must be given together".into(),
        ));
    }
    let category = text(obj, "category", 40)?;
    let confidential = match obj.get("confidential") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(invalid(
                "confidential",
                "invalid_type",
                "“confidential”应为 true 或 false".into(),
                "'confidential' must be true or false".into(),
            ));
        }
    };
    let external_id = text(obj, "external_id", 100)?;

    // Where: the named jurisdiction, else the registering person's own community or grid.
    let jurisdiction = match text(obj, "jurisdiction", 40)? {
        Some(j) => {
            if org.jurisdiction(&j).is_none() {
                return Err(invalid(
                    "jurisdiction",
                    "unknown_jurisdiction",
                    format!("未找到辖区代码“{j}”"),
                    format!("unknown jurisdiction code '{j}'"),
                ));
            }
            j
        }
        None => match actor {
            Some(a) if matches!(a.role, Some(Role::CommunityStaff | Role::GridWorker)) => {
                a.scope.clone()
            }
            _ => {
                return Err(invalid(
                    "jurisdiction",
                    "required",
                    "请填写诉求所在辖区（社区或网格代码）".into(),
                    "field 'jurisdiction' is required (a community or grid code)".into(),
                ));
            }
        },
    };
    if let Some(a) = actor {
        if let Some(role) = a.role {
            if matches!(role, Role::UnitHandler | Role::Auditor) {
                return Err(DomainError::forbidden(
                    format!("{}不能登记诉求", role.zh()),
                    format!("a {} cannot register requests", role.as_str()),
                ));
            }
            if !org.within(&jurisdiction, &a.scope) {
                return Err(DomainError::forbidden(
                    format!("辖区“{jurisdiction}”不在您的管辖范围内"),
                    format!("jurisdiction '{jurisdiction}' is outside your scope"),
                )
                .with_field("jurisdiction"));
            }
        }
    }
    Ok(Intake {
        code,
        channel,
        kind,
        subject,
        content,
        requester: Requester { name, phone },
        address,
        lat,
        lon,
        jurisdiction,
        category,
        confidential,
        external_id,
        received_at: now,
    })
}
