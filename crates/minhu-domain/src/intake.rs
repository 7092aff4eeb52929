//! Intake (受理登记): turning what a resident or clerk sent into a validated [`Intake`],
//! naming the field at fault when something is wrong.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::access::may_register;
use crate::error::{Arg, DomainError, ErrorKind};
use crate::org::{Actor, Org, Role};
use crate::privacy::normalize_phone;
use crate::request::{Channel, Intake, RequestType, Requester};

pub const MAX_CONTENT: usize = 5000;
pub const MAX_SHORT: usize = 200;

/// A 422 for `field`, told by catalogue entry `key`.
fn invalid(field: &str, code: &'static str, key: &'static str, args: Vec<Arg>) -> DomainError {
    DomainError::invalid_keyed(field, code, key, args)
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
                    "domain.too_long.field",
                    vec![Arg::new("field", field), Arg::new("max", max)],
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
            "domain.invalid_type.string",
            vec![Arg::new("field", field)],
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
                "domain.invalid_coordinate",
                vec![Arg::new("field", field)],
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
        return Err(DomainError::keyed(
            ErrorKind::Invalid,
            "invalid_body",
            "domain.invalid_body",
            vec![],
        ));
    };
    let (channel, kind) = channel_and_kind(obj)?;
    let content = text(obj, "content", MAX_CONTENT)?
        .ok_or_else(|| invalid("content", "required", "domain.required.content", vec![]))?;
    let subject = text(obj, "subject", MAX_SHORT)?;
    let requester = requester(obj)?;
    let address = text(obj, "address", MAX_SHORT)?;
    let (lat, lon) = coordinates(obj)?;
    let category = text(obj, "category", 40)?;
    let confidential = confidential(obj)?;
    let external_id = text(obj, "external_id", 100)?;
    let jurisdiction = located(obj, actor, org)?;
    if let Some(a) = actor {
        check_registrar(a, org, &jurisdiction)?;
    }
    Ok(Intake {
        code,
        channel,
        kind,
        subject,
        content,
        requester,
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

/// The channel (required) and the request type (help unless given).
fn channel_and_kind(obj: &Map<String, Value>) -> Result<(Channel, RequestType), DomainError> {
    let channel_s = text(obj, "channel", 40)?
        .ok_or_else(|| invalid("channel", "required", "domain.required.channel", vec![]))?;
    let channel = Channel::parse(&channel_s).ok_or_else(|| {
        invalid(
            "channel",
            "unknown_value",
            "domain.unknown_value.channel",
            vec![
                Arg::new("value", &channel_s),
                Arg::new("codes", Channel::codes()),
            ],
        )
    })?;
    let kind = match text(obj, "type", 40)? {
        None => RequestType::Help,
        Some(t) => RequestType::parse(&t).ok_or_else(|| {
            invalid(
                "type",
                "unknown_value",
                "domain.unknown_value.type",
                vec![
                    Arg::new("value", &t),
                    Arg::new("codes", RequestType::codes()),
                ],
            )
        })?,
    };
    Ok((channel, kind))
}

/// The requester's name and phone (normalised), both optional.
fn requester(obj: &Map<String, Value>) -> Result<Requester, DomainError> {
    match obj.get("requester") {
        None | Some(Value::Null) => Ok(Requester::default()),
        Some(Value::Object(r)) => {
            let name = text(r, "name", 50).map_err(|e| e.with_field("requester.name"))?;
            let phone = match text(r, "phone", 40).map_err(|e| e.with_field("requester.phone"))? {
                None => None,
                Some(p) => Some(normalize_phone(&p).ok_or_else(|| {
                    invalid(
                        "requester.phone",
                        "invalid_phone",
                        "domain.invalid_phone",
                        vec![Arg::new("phone", &p)],
                    )
                })?),
            };
            Ok(Requester { name, phone })
        }
        Some(_) => Err(invalid(
            "requester",
            "invalid_type",
            "domain.invalid_type.requester",
            vec![],
        )),
    }
}

/// Latitude and longitude, both or neither.
fn coordinates(obj: &Map<String, Value>) -> Result<(Option<f64>, Option<f64>), DomainError> {
    let lat = coord(obj, "lat", 90.0)?;
    let lon = coord(obj, "lon", 180.0)?;
    if lat.is_some() != lon.is_some() {
        let f = if lat.is_some() { "lon" } else { "lat" };
        return Err(invalid(
            f,
            "required",
            "domain.required.coordinates",
            vec![],
        ));
    }
    Ok((lat, lon))
}

fn confidential(obj: &Map<String, Value>) -> Result<bool, DomainError> {
    match obj.get("confidential") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(invalid(
            "confidential",
            "invalid_type",
            "domain.invalid_type.confidential",
            vec![],
        )),
    }
}

/// Where: the named jurisdiction, else the registering person's own community or grid.
fn located(
    obj: &Map<String, Value>,
    actor: Option<&Actor>,
    org: &Org,
) -> Result<String, DomainError> {
    match text(obj, "jurisdiction", 40)? {
        Some(j) => {
            if org.jurisdiction(&j).is_none() {
                return Err(invalid(
                    "jurisdiction",
                    "unknown_jurisdiction",
                    "domain.unknown_jurisdiction.code",
                    vec![Arg::new("jurisdiction", &j)],
                ));
            }
            Ok(j)
        }
        None => match actor {
            Some(a) if matches!(a.role, Some(Role::CommunityStaff | Role::GridWorker)) => {
                Ok(a.scope.clone())
            }
            _ => Err(invalid(
                "jurisdiction",
                "required",
                "domain.required.jurisdiction",
                vec![],
            )),
        },
    }
}

/// A person registers only with a role that may, and only within their own scope.
fn check_registrar(a: &Actor, org: &Org, jurisdiction: &str) -> Result<(), DomainError> {
    let Some(role) = a.role else {
        return Ok(());
    };
    if !may_register(role) {
        return Err(DomainError::forbidden_keyed(
            "domain.forbidden.register_role",
            vec![Arg::by_lang("role", role.zh(), role.as_str())],
        ));
    }
    if !org.within(jurisdiction, &a.scope) {
        return Err(DomainError::forbidden_keyed(
            "domain.forbidden.outside_scope",
            vec![Arg::new("jurisdiction", jurisdiction)],
        )
        .with_field("jurisdiction"));
    }
    Ok(())
}
