//! Parsing a command from its action name and JSON fields, naming the field at fault.

use serde_json::{Map, Value};

use super::{Command, MAX_NOTE};
use crate::error::{DomainError, ErrorKind};
use crate::request::{Difficulty, Satisfaction, Urgency};

struct Fields<'a>(&'a Map<String, Value>);

fn non_empty(v: Vec<String>, field: &str) -> Result<Vec<String>, DomainError> {
    if v.is_empty() {
        return Err(DomainError::invalid(
            field,
            "required",
            format!("“{field}”至少需要一个单位"),
            format!("'{field}' needs at least one unit"),
        ));
    }
    Ok(v)
}

fn missing(field: &str) -> DomainError {
    DomainError::invalid(
        field,
        "required",
        format!("缺少必填字段“{field}”"),
        format!("field '{field}' is required"),
    )
}

fn wrong_type(field: &str, want_zh: &str, want_en: &str) -> DomainError {
    DomainError::invalid(
        field,
        "invalid_type",
        format!("字段“{field}”应为{want_zh}"),
        format!("field '{field}' must be {want_en}"),
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
                    return Err(DomainError::invalid(
                        f,
                        "too_long",
                        format!("字段“{f}”超过{MAX_NOTE}字"),
                        format!("field '{f}' is longer than {MAX_NOTE} characters"),
                    ));
                }
                Ok(if t.is_empty() {
                    None
                } else {
                    Some(t.to_string())
                })
            }
            Some(_) => Err(wrong_type(f, "文本", "a string")),
        }
    }
    fn text(&self, f: &str) -> Result<String, DomainError> {
        self.opt_text(f)?.ok_or_else(|| missing(f))
    }
    fn opt_bool(&self, f: &str) -> Result<Option<bool>, DomainError> {
        match self.get(f) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong_type(f, "true 或 false", "true or false")),
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
                .ok_or_else(|| wrong_type(f, "整数", "an integer")),
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
                DomainError::invalid(
                    f,
                    "unknown_value",
                    format!("字段“{f}”的取值“{s}”无效，可选：{}", codes()),
                    format!("unknown value '{s}' for '{f}'; one of: {}", codes()),
                )
            }),
            Some(_) => Err(wrong_type(f, "文本", "a string")),
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
                        .ok_or_else(|| wrong_type(f, "文本数组", "an array of strings"))
                })
                .collect(),
            Some(_) => Err(wrong_type(f, "文本数组", "an array of strings")),
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
                return Err(DomainError::new(
                    ErrorKind::Invalid,
                    "invalid_body",
                    "请求体应为 JSON 对象",
                    "the body must be a JSON object",
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
            return Err(DomainError::new(
                ErrorKind::NotFound,
                "unknown_action",
                format!("未知操作“{other}”"),
                format!("unknown action '{other}'"),
            ));
        }
    })
}

fn reject(f: &Fields) -> Result<Command, DomainError> {
    let code = f.int("reason_code")?;
    if !(1..=7).contains(&code) {
        return Err(DomainError::invalid(
            "reason_code",
            "out_of_range",
            "不予受理原因代码应为1至7",
            "reason_code must be 1 to 7",
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
        return Err(DomainError::invalid(
            "days",
            "out_of_range",
            "延期天数应为1至30个工作日",
            "days must be 1 to 30 working days",
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
        return Err(DomainError::invalid(
            "category",
            "too_long",
            "类别不能超过40个字",
            "category must be at most 40 characters",
        ));
    }
    Ok(Command::Categorise { category })
}
