//! Parsing a command from its action name and JSON fields, naming the field at fault.

use serde_json::{Map, Value};

use super::{Command, MAX_NOTE};
use crate::error::{Arg, DomainError, ErrorKind};
use crate::request::{Difficulty, Satisfaction, Urgency};

struct Fields<'a>(&'a Map<String, Value>);

fn non_empty(v: Vec<String>, field: &str) -> Result<Vec<String>, DomainError> {
    if v.is_empty() {
        return Err(DomainError::invalid_keyed(
            field,
            "required",
            "domain.required.units",
            vec![Arg::new("field", field)],
        ));
    }
    Ok(v)
}

fn missing(field: &str) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "required",
        "domain.required.field",
        vec![Arg::new("field", field)],
    )
}

/// The 422 for a field of the wrong JSON type; `want` names the type's catalogue entry.
fn wrong_type(field: &str, want: &str) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "invalid_type",
        "domain.invalid_type.field",
        vec![Arg::new("field", field), Arg::text("want", want)],
    )
}

impl Fields<'_> {
    fn get(&self, f: &str) -> Option<&Value> {
        self.0.get(f).filter(|v| !v.is_null())
    }
    fn opt_text(&self, f: &str) -> Result<Option<String>, DomainError> {
        match self.get(f) {
            None => Ok(None),
            Some(Value::String(s)) => {
                let t = s.trim();
                if t.chars().count() > MAX_NOTE {
                    return Err(DomainError::invalid_keyed(
                        f,
                        "too_long",
                        "domain.too_long.note",
                        vec![Arg::new("field", f), Arg::new("max", MAX_NOTE)],
                    ));
                }
                Ok(if t.is_empty() {
                    None
                } else {
                    Some(t.to_string())
                })
            }
            Some(_) => Err(wrong_type(f, "domain.type.string")),
        }
    }
    fn text(&self, f: &str) -> Result<String, DomainError> {
        self.opt_text(f)?.ok_or_else(|| missing(f))
    }
    fn opt_bool(&self, f: &str) -> Result<Option<bool>, DomainError> {
        match self.get(f) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong_type(f, "domain.type.bool")),
        }
    }
    fn bool(&self, f: &str) -> Result<bool, DomainError> {
        self.opt_bool(f)?.ok_or_else(|| missing(f))
    }
    fn int(&self, f: &str) -> Result<i64, DomainError> {
        match self.get(f) {
            None => Err(missing(f)),
            Some(v) => v
                .as_i64()
                .ok_or_else(|| wrong_type(f, "domain.type.integer")),
        }
    }
    fn opt_code<T>(
        &self,
        f: &str,
        parse: fn(&str) -> Option<T>,
        codes: fn() -> String,
    ) -> Result<Option<T>, DomainError> {
        match self.get(f) {
            None => Ok(None),
            Some(Value::String(s)) => parse(s).map(Some).ok_or_else(|| {
                DomainError::invalid_keyed(
                    f,
                    "unknown_value",
                    "domain.unknown_value.field",
                    vec![
                        Arg::new("field", f),
                        Arg::new("value", s),
                        Arg::new("codes", codes()),
                    ],
                )
            }),
            Some(_) => Err(wrong_type(f, "domain.type.string")),
        }
    }
    fn strings(&self, f: &str) -> Result<Vec<String>, DomainError> {
        match self.get(f) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(|s| s.trim().to_string())
                        .ok_or_else(|| wrong_type(f, "domain.type.strings"))
                })
                .collect(),
            Some(_) => Err(wrong_type(f, "domain.type.strings")),
        }
    }
}

impl Command {
    /// Parses an action name and its JSON fields, naming the field at fault.
    pub fn parse(action: &str, body: &Value) -> Result<Command, DomainError> {
        let empty = Map::new();
        let obj = match body {
            Value::Object(m) => m,
            Value::Null => &empty,
            _ => {
                return Err(DomainError::keyed(
                    ErrorKind::Invalid,
                    "invalid_body",
                    "domain.invalid_body",
                    vec![],
                ));
            }
        };
        parse_fields(action, &Fields(obj))
    }
}

fn parse_fields(action: &str, f: &Fields) -> Result<Command, DomainError> {
    Ok(match action {
        "accept" => Command::Accept {
            note: f.opt_text("note")?,
        },
        "answer" => Command::Answer {
            reply: f.text("reply")?,
        },
        "reject" => reject(f)?,
        "dispatch" => Command::Dispatch {
            unit: f.text("unit")?,
            co_units: f.strings("co_units")?,
            difficulty: f.opt_code("difficulty", Difficulty::parse, Difficulty::codes)?,
            urgency: f.opt_code("urgency", Urgency::parse, Urgency::codes)?,
        },
        "sign" => Command::Sign,
        "request_return" => Command::RequestReturn {
            reason: f.text("reason")?,
        },
        "decide_return" => Command::DecideReturn {
            approve: f.bool("approve")?,
            note: f.opt_text("note")?,
        },
        "progress" => Command::Progress {
            note: f.text("note")?,
        },
        "request_extension" => request_extension(f)?,
        "decide_extension" => Command::DecideExtension {
            approve: f.bool("approve")?,
        },
        "suspend" => Command::Suspend {
            reason: f.text("reason")?,
        },
        "resume" => Command::Resume,
        "escalate" => Command::Escalate {
            reason: f.text("reason")?,
        },
        "urge" => Command::Urge {
            note: f.opt_text("note")?,
        },
        "supervise" => Command::Supervise {
            note: f.opt_text("note")?,
        },
        "reply" => Command::Reply {
            account: f.text("account")?,
            public_reply: f.text("public_reply")?,
            measures: f.opt_text("measures")?,
            solved: f.bool("solved")?,
        },
        "review" => Command::Review {
            pass: f.bool("pass")?,
            note: f.opt_text("note")?,
        },
        "callback" => callback(f)?,
        "reopen" => Command::Reopen {
            reason: f.text("reason")?,
        },
        "close" => Command::Close {
            note: f.opt_text("note")?,
        },
        "archive" => Command::Archive,
        "merge" => Command::Merge {
            into: f.int("into")?,
        },
        "transfer" => Command::Transfer {
            unit: f.text("unit")?,
            reason: f.text("reason")?,
        },
        "add_co_units" => Command::AddCoUnits {
            units: non_empty(f.strings("units")?, "units")?,
            note: f.opt_text("note")?,
        },
        "whistle" => Command::Whistle {
            units: non_empty(f.strings("units")?, "units")?,
            note: f.opt_text("note")?,
        },
        "arrive" => Command::Arrive,
        "categorise" => categorise(f)?,
        other => {
            return Err(DomainError::keyed(
                ErrorKind::NotFound,
                "unknown_action",
                "domain.unknown_action",
                vec![Arg::new("action", other)],
            ));
        }
    })
}

fn reject(f: &Fields) -> Result<Command, DomainError> {
    let code = f.int("reason_code")?;
    if !(1..=7).contains(&code) {
        return Err(DomainError::invalid_keyed(
            "reason_code",
            "out_of_range",
            "domain.out_of_range.reason_code",
            vec![],
        ));
    }
    Ok(Command::Reject {
        reason_code: code as u8,
        note: f.opt_text("note")?,
        referral: f.opt_text("referral")?,
    })
}

fn request_extension(f: &Fields) -> Result<Command, DomainError> {
    let days = f.int("days")?;
    if !(1..=30).contains(&days) {
        return Err(DomainError::invalid_keyed(
            "days",
            "out_of_range",
            "domain.out_of_range.days",
            vec![],
        ));
    }
    Ok(Command::RequestExtension {
        days: days as u32,
        reason: f.text("reason")?,
    })
}

fn callback(f: &Fields) -> Result<Command, DomainError> {
    let reached = f.bool("reached")?;
    let (contacted, solved, satisfaction) = if reached {
        let s = f
            .opt_code("satisfaction", Satisfaction::parse, Satisfaction::codes)?
            .ok_or_else(|| missing("satisfaction"))?;
        (f.bool("contacted")?, f.bool("solved")?, Some(s))
    } else {
        (false, false, None)
    };
    Ok(Command::Callback {
        reached,
        contacted,
        solved,
        satisfaction,
        note: f.opt_text("note")?,
    })
}

fn categorise(f: &Fields) -> Result<Command, DomainError> {
    let category = f.text("category")?;
    if category.chars().count() > 40 {
        return Err(DomainError::invalid_keyed(
            "category",
            "too_long",
            "domain.too_long.category",
            vec![],
        ));
    }
    Ok(Command::Categorise { category })
}
