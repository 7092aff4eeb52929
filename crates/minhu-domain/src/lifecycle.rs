//! The lifecycle as one state machine. A [`Command`] is parsed from an action name and its
//! fields; [`decide`] checks it against the request's state (409), the actor's scope (404)
//! and role (403), and produces the [`EventData`] to append. Applying that event with
//! [`Request::apply`] gives the new state.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use crate::calendar::Calendar;
use crate::error::{DomainError, ErrorKind};
use crate::org::{Actor, Org, Role, Tier};
use crate::request::{
    Difficulty, EMERGENCY_LINES, EventData, NOT_ACCEPTED_REASONS, Request, Satisfaction, State,
    Urgency,
};
use crate::sla::{SlaPolicy, yellow_at};
use crate::time::{end_of_local_day, local_date};

/// Longest free text a step accepts (characters).
pub const MAX_NOTE: usize = 5000;

/// Everything a decision needs besides the request and the actor.
pub struct Ctx<'a> {
    pub now: DateTime<Utc>,
    pub org: &'a Org,
    pub calendar: &'a Calendar,
    pub sla: &'a SlaPolicy,
    /// For `merge`: the request to merge into, loaded by the caller.
    pub merge_target: Option<&'a Request>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Accept {
        note: Option<String>,
    },
    Answer {
        reply: String,
    },
    Reject {
        reason_code: u8,
        note: Option<String>,
        referral: Option<String>,
    },
    Dispatch {
        unit: String,
        co_units: Vec<String>,
        difficulty: Option<Difficulty>,
        urgency: Option<Urgency>,
    },
    Sign,
    RequestReturn {
        reason: String,
    },
    DecideReturn {
        approve: bool,
        note: Option<String>,
    },
    Progress {
        note: String,
    },
    RequestExtension {
        days: u32,
        reason: String,
    },
    DecideExtension {
        approve: bool,
    },
    Suspend {
        reason: String,
    },
    Resume,
    Escalate {
        reason: String,
    },
    Urge {
        note: Option<String>,
    },
    Supervise {
        note: Option<String>,
    },
    Reply {
        account: String,
        public_reply: String,
        measures: Option<String>,
        solved: bool,
    },
    Review {
        pass: bool,
        note: Option<String>,
    },
    Callback {
        reached: bool,
        contacted: bool,
        solved: bool,
        satisfaction: Option<Satisfaction>,
        note: Option<String>,
    },
    Reopen {
        reason: String,
    },
    Close {
        note: Option<String>,
    },
    Archive,
    Merge {
        into: i64,
    },
    Transfer {
        unit: String,
        reason: String,
    },
    AddCoUnits {
        units: Vec<String>,
        note: Option<String>,
    },
    Whistle {
        units: Vec<String>,
        note: Option<String>,
    },
    Arrive,
    /// Set or correct the category.
    Categorise {
        category: String,
    },
    /// The requester's own rating after the reply, given with the tracking code on the
    /// public tracking page. Counts as a reached callback.
    Rate {
        satisfaction: Satisfaction,
        comment: Option<String>,
    },
    /// System only (the deadline monitor): light a warning.
    Warn {
        level: crate::request::Warning,
    },
}

/// Every action name the API accepts, in lifecycle order.
pub const ACTIONS: [&str; 27] = [
    "accept",
    "answer",
    "reject",
    "dispatch",
    "sign",
    "request_return",
    "decide_return",
    "progress",
    "request_extension",
    "decide_extension",
    "suspend",
    "resume",
    "escalate",
    "urge",
    "supervise",
    "reply",
    "review",
    "callback",
    "reopen",
    "close",
    "archive",
    "merge",
    "transfer",
    "add_co_units",
    "whistle",
    "arrive",
    "categorise",
];

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
        let f = Fields(obj);
        Ok(match action {
            "accept" => Command::Accept {
                note: f.opt_text("note")?,
            },
            "answer" => Command::Answer {
                reply: f.text("reply")?,
            },
            "reject" => {
                let code = f.int("reason_code")?;
                if !(1..=7).contains(&code) {
                    return Err(DomainError::invalid(
                        "reason_code",
                        "out_of_range",
                        "不予受理原因代码应为1至7",
                        "reason_code must be 1 to 7",
                    ));
                }
                Command::Reject {
                    reason_code: code as u8,
                    note: f.opt_text("note")?,
                    referral: f.opt_text("referral")?,
                }
            }
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
            "request_extension" => {
                let days = f.int("days")?;
                if !(1..=30).contains(&days) {
                    return Err(DomainError::invalid(
                        "days",
                        "out_of_range",
                        "延期天数应为1至30个工作日",
                        "days must be 1 to 30 working days",
                    ));
                }
                Command::RequestExtension {
                    days: days as u32,
                    reason: f.text("reason")?,
                }
            }
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
            "callback" => {
                let reached = f.bool("reached")?;
                let (contacted, solved, satisfaction) = if reached {
                    let s = f
                        .opt_code("satisfaction", Satisfaction::parse, Satisfaction::codes)?
                        .ok_or_else(|| missing("satisfaction"))?;
                    (f.bool("contacted")?, f.bool("solved")?, Some(s))
                } else {
                    (false, false, None)
                };
                Command::Callback {
                    reached,
                    contacted,
                    solved,
                    satisfaction,
                    note: f.opt_text("note")?,
                }
            }
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
            "categorise" => {
                let category = f.text("category")?;
                if category.chars().count() > 40 {
                    return Err(DomainError::invalid(
                        "category",
                        "too_long",
                        "类别不能超过40个字",
                        "category must be at most 40 characters",
                    ));
                }
                Command::Categorise { category }
            }
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

    pub fn action(&self) -> &'static str {
        match self {
            Command::Accept { .. } => "accept",
            Command::Answer { .. } => "answer",
            Command::Reject { .. } => "reject",
            Command::Dispatch { .. } => "dispatch",
            Command::Sign => "sign",
            Command::RequestReturn { .. } => "request_return",
            Command::DecideReturn { .. } => "decide_return",
            Command::Progress { .. } => "progress",
            Command::RequestExtension { .. } => "request_extension",
            Command::DecideExtension { .. } => "decide_extension",
            Command::Suspend { .. } => "suspend",
            Command::Resume => "resume",
            Command::Escalate { .. } => "escalate",
            Command::Urge { .. } => "urge",
            Command::Supervise { .. } => "supervise",
            Command::Reply { .. } => "reply",
            Command::Review { .. } => "review",
            Command::Callback { .. } => "callback",
            Command::Reopen { .. } => "reopen",
            Command::Close { .. } => "close",
            Command::Archive => "archive",
            Command::Merge { .. } => "merge",
            Command::Transfer { .. } => "transfer",
            Command::AddCoUnits { .. } => "add_co_units",
            Command::Whistle { .. } => "whistle",
            Command::Arrive => "arrive",
            Command::Categorise { .. } => "categorise",
            Command::Rate { .. } => "rate",
            Command::Warn { .. } => "warn",
        }
    }

    /// The states from which this command is allowed.
    pub fn allowed_from(&self, req: &Request) -> bool {
        use State::*;
        let s = req.state;
        match self {
            Command::Accept { .. } | Command::Answer { .. } => s == Registered,
            Command::Reject { .. } => matches!(s, Registered | PendingDispatch),
            Command::Dispatch { .. } => s == PendingDispatch,
            Command::Sign => s == Dispatched,
            Command::RequestReturn { .. } => matches!(s, Dispatched | InProgress),
            Command::DecideReturn { .. } => s == ReturnRequested,
            Command::Progress { .. } => s == InProgress,
            Command::RequestExtension { .. } => s == InProgress && req.pending_extension.is_none(),
            Command::DecideExtension { .. } => s == InProgress && req.pending_extension.is_some(),
            Command::Suspend { .. } => s == InProgress,
            Command::Resume => s == Suspended,
            Command::Escalate { .. } => {
                matches!(s, PendingDispatch | Dispatched | InProgress) && req.tier.up().is_some()
            }
            Command::Urge { .. } => matches!(
                s,
                PendingDispatch | Dispatched | ReturnRequested | InProgress
            ),
            Command::Supervise { .. } => matches!(
                s,
                PendingDispatch | Dispatched | ReturnRequested | InProgress | Suspended
            ),
            Command::Reply { .. } => s == InProgress,
            Command::Review { .. } => s == Replied,
            Command::Callback { .. } | Command::Close { .. } | Command::Rate { .. } => {
                s == PendingCallback
            }
            Command::Reopen { .. } => s == Closed && req.reply.is_some(),
            Command::Archive => s == Closed,
            Command::Merge { .. } => matches!(s, Registered | PendingDispatch),
            Command::Transfer { .. } => matches!(s, Dispatched | InProgress),
            Command::AddCoUnits { .. } => matches!(s, Dispatched | InProgress),
            Command::Whistle { .. } => matches!(s, PendingDispatch | Dispatched | InProgress),
            Command::Arrive => matches!(
                s,
                PendingDispatch | Dispatched | InProgress | Suspended | Replied
            ),
            Command::Warn { .. } => s.clock_running(),
            Command::Categorise { .. } => !matches!(s, Merged | Archived),
        }
    }
}

/// What an actor is to a request.
pub struct Relation {
    /// May read the request at all.
    pub sees: bool,
    /// Screens, dispatches, arbitrates returns and extensions, reviews (the current tier's office).
    pub dispatcher: bool,
    /// Handles it as the lead unit.
    pub handler: bool,
    /// A co-handling unit.
    pub co_handler: bool,
    /// Jurisdiction staff over the request (callbacks, urging, reopening).
    pub staff: bool,
    /// A unit summoned by a whistle.
    pub summoned: bool,
}

fn staff_role(role: Role) -> bool {
    matches!(
        role,
        Role::DistrictAdmin | Role::StreetStaff | Role::CommunityStaff
    )
}

/// Works out what `actor` is to `req`.
pub fn relation(actor: &Actor, req: &Request, org: &Org) -> Relation {
    let Some(role) = actor.role else {
        return Relation {
            sees: true,
            dispatcher: false,
            handler: false,
            co_handler: false,
            staff: false,
            summoned: false,
        };
    };
    let jur = &req.intake.jurisdiction;
    let in_scope = role != Role::UnitHandler && org.within(jur, &actor.scope);
    let acting_unit: Option<&str> = match role {
        Role::UnitHandler => Some(actor.scope.as_str()),
        Role::CommunityStaff | Role::StreetStaff => {
            org.own_unit(&actor.scope).map(|u| u.code.as_str())
        }
        _ => None,
    };
    let handler = acting_unit.is_some_and(|u| req.lead_unit.as_deref() == Some(u));
    let co_handler = acting_unit.is_some_and(|u| req.co_units.iter().any(|c| c == u));
    let summoned = acting_unit.is_some_and(|u| req.summoned.iter().any(|s| s.unit == u));
    let staff = in_scope && staff_role(role);
    let dispatcher = staff
        && match role {
            Role::DistrictAdmin => true,
            Role::StreetStaff => req.tier <= Tier::Street,
            Role::CommunityStaff => req.tier == Tier::Community,
            _ => false,
        };
    Relation {
        sees: in_scope || handler || co_handler || summoned,
        dispatcher,
        handler,
        co_handler,
        staff,
        summoned,
    }
}

/// A body every action parses: the representative command [`offered_actions`] decides.
fn action_sample() -> Value {
    serde_json::json!({
        "note": "-", "reply": "-", "reason": "-", "reason_code": 1, "unit": "-",
        "units": ["-"], "days": 1, "approve": true, "pass": true, "reached": true,
        "satisfaction": "satisfied", "contacted": true, "account": "-", "public_reply": "-",
        "solved": true,
        "into": 0, "category": "-", "difficulty": "easy", "urgency": "normal", "level": "yellow",
    })
}

/// The actions this person may take on this request now, in lifecycle order: those whose
/// state and role checks pass. Decided with a representative command of each kind, so a
/// refusal only because of the sample's field values (an unknown unit, say) still offers it.
pub fn offered_actions(req: &Request, actor: &Actor, ctx: &Ctx) -> Vec<&'static str> {
    let sample = action_sample();
    ACTIONS
        .iter()
        .copied()
        .filter(|action| {
            let Ok(cmd) = Command::parse(action, &sample) else {
                debug_assert!(false, "the sample does not parse as '{action}'");
                return false;
            };
            match decide(req, &cmd, actor, ctx) {
                Ok(_) => true,
                Err(e) => e.kind == ErrorKind::Invalid,
            }
        })
        .collect()
}

fn forbid(action: &str, who_zh: &str, who_en: &str) -> DomainError {
    DomainError::forbidden(
        format!("只有{who_zh}可以执行“{action}”"),
        format!("only {who_en} may '{action}'"),
    )
}

/// Moves a deadline by a pause from `since` to `until`. Day-based deadlines (ending at the
/// end of a local day) move by the working days the pause covered; hour-based ones by the
/// clock time paused.
pub fn shift_for_pause(
    calendar: &Calendar,
    due: DateTime<Utc>,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> DateTime<Utc> {
    let due_day = local_date(due);
    if due == end_of_local_day(due_day) {
        let paused = calendar.working_days_between(local_date(since), local_date(until));
        if paused == 0 {
            return due;
        }
        end_of_local_day(calendar.add_working_days(due_day, paused as u32))
    } else {
        due + (until - since).max(Duration::zero())
    }
}

/// Decides a command: the event to append, or the reason it is refused.
pub fn decide(
    req: &Request,
    cmd: &Command,
    actor: &Actor,
    ctx: &Ctx,
) -> Result<EventData, DomainError> {
    let rel = relation(actor, req, ctx.org);
    if !rel.sees {
        return Err(DomainError::not_found("未找到该诉求", "request not found"));
    }
    let action = cmd.action();
    if !cmd.allowed_from(req) {
        let extra_zh = match cmd {
            Command::Escalate { .. } if req.tier.up().is_none() => "，已在区级，无法再上报",
            Command::DecideExtension { .. } if req.pending_extension.is_none() => {
                "，没有待审批的延期申请"
            }
            Command::RequestExtension { .. } if req.pending_extension.is_some() => {
                "，已有待审批的延期申请"
            }
            _ => "",
        };
        return Err(DomainError::conflict(
            "invalid_transition",
            format!("当前状态“{}”下不能执行“{action}”{extra_zh}", req.state.zh()),
            format!(
                "'{action}' is not allowed in state '{}'",
                req.state.as_str()
            ),
        ));
    }
    let system = actor.is_system();
    let role = actor.role;
    let dispatcher = || {
        forbid(
            action,
            "当前层级的派单人员（社区/街道/区综合办）",
            "the dispatching office of the current tier",
        )
    };
    let handler = || forbid(action, "主办单位", "the lead unit");
    let staff = || {
        forbid(
            action,
            "辖区工作人员",
            "staff of the request's jurisdiction",
        )
    };
    let now = ctx.now;
    Ok(match cmd {
        Command::Accept { note } => {
            if !rel.dispatcher {
                return Err(dispatcher());
            }
            EventData::Accept { note: note.clone() }
        }
        Command::Answer { reply } => {
            if !rel.dispatcher {
                return Err(dispatcher());
            }
            EventData::Answer {
                reply: reply.clone(),
            }
        }
        Command::Reject {
            reason_code,
            note,
            referral,
        } => {
            if !rel.dispatcher {
                return Err(dispatcher());
            }
            if *reason_code == 3 {
                match referral.as_deref() {
                    Some(r) if EMERGENCY_LINES.contains(&r) => {}
                    _ => {
                        return Err(DomainError::invalid(
                            "referral",
                            "referral_required",
                            "紧急事项（原因3）须注明转接的紧急热线：110、119、120 或 122",
                            "an emergency (code 3) must record the referral: 110, 119, 120 or 122",
                        ));
                    }
                }
            }
            let reason = NOT_ACCEPTED_REASONS[(*reason_code - 1) as usize]
                .1
                .to_string();
            EventData::Reject {
                reason_code: *reason_code,
                reason,
                note: note.clone(),
                referral: referral.clone(),
            }
        }
        Command::Dispatch {
            unit,
            co_units,
            difficulty,
            urgency,
        } => {
            if !rel.dispatcher {
                return Err(dispatcher());
            }
            let unknown = |field: &str, code: &str| {
                DomainError::invalid(
                    field,
                    "unknown_unit",
                    format!("未找到单位“{code}”"),
                    format!("unknown unit '{code}'"),
                )
            };
            let u = ctx.org.unit(unit).ok_or_else(|| unknown("unit", unit))?;
            for c in co_units {
                if ctx.org.unit(c).is_none() {
                    return Err(unknown("co_units", c));
                }
                if c == unit {
                    return Err(DomainError::invalid(
                        "co_units",
                        "lead_in_co_units",
                        "协办单位不能与主办单位相同",
                        "a co-handler cannot be the lead unit",
                    ));
                }
            }
            check_unit_in_tier(req, u, role, ctx)?;
            let mut co: Vec<String> = Vec::new();
            for c in co_units {
                if !co.contains(c) {
                    co.push(c.clone());
                }
            }
            let urgency = urgency.unwrap_or(req.urgency);
            let difficulty = difficulty.or(req.difficulty);
            let d = ctx.sla.deadline(
                ctx.calendar,
                now,
                req.intake.received_at,
                req.tier,
                req.intake.kind,
                urgency,
                difficulty,
            );
            EventData::Dispatch {
                unit: unit.clone(),
                co_units: co,
                difficulty,
                urgency,
                deadline: d.due,
                yellow_at: d.yellow_at,
                sla_version: d.sla_version,
            }
        }
        Command::Sign => {
            if !rel.handler {
                return Err(handler());
            }
            EventData::Sign {}
        }
        Command::RequestReturn { reason } => {
            if !rel.handler {
                return Err(handler());
            }
            EventData::RequestReturn {
                reason: reason.clone(),
            }
        }
        Command::DecideReturn { approve, note } => {
            if !rel.dispatcher {
                return Err(dispatcher());
            }
            EventData::DecideReturn {
                approve: *approve,
                note: note.clone(),
            }
        }
        Command::Progress { note } => {
            if !(rel.handler || rel.co_handler) {
                return Err(forbid(
                    action,
                    "主办或协办单位",
                    "the lead or a co-handling unit",
                ));
            }
            EventData::Progress { note: note.clone() }
        }
        Command::RequestExtension { days, reason } => {
            if !rel.handler {
                return Err(handler());
            }
            EventData::RequestExtension {
                days: *days,
                reason: reason.clone(),
            }
        }
        Command::DecideExtension { approve } => {
            if !rel.dispatcher {
                return Err(dispatcher());
            }
            let (deadline, yellow) = if *approve {
                let days = req.pending_extension.unwrap_or(0);
                let base = req.deadline.unwrap_or(now).max(now);
                let due = ctx.calendar.working_days_deadline(base, days);
                (Some(due), Some(yellow_at(now, due)))
            } else {
                (None, None)
            };
            EventData::DecideExtension {
                approve: *approve,
                deadline,
                yellow_at: yellow,
            }
        }
        Command::Suspend { reason } => {
            if !rel.dispatcher {
                return Err(dispatcher());
            }
            EventData::Suspend {
                reason: reason.clone(),
            }
        }
        Command::Resume => {
            if !(rel.dispatcher || rel.handler) {
                return Err(forbid(
                    action,
                    "派单人员或主办单位",
                    "the dispatching office or the lead unit",
                ));
            }
            // The clock was paused: the deadline moves by the time spent suspended.
            let (deadline, yellow) = match (req.deadline, req.suspended_at) {
                (Some(due), Some(since)) => {
                    let moved = shift_for_pause(ctx.calendar, due, since, now);
                    (Some(moved), req.yellow_at.map(|y| moved - (due - y)))
                }
                _ => (req.deadline, req.yellow_at),
            };
            EventData::Resume {
                deadline,
                yellow_at: yellow,
            }
        }
        Command::Escalate { reason } => {
            if !(system || rel.dispatcher || rel.handler) {
                return Err(forbid(
                    action,
                    "派单人员或主办单位",
                    "the dispatching office or the lead unit",
                ));
            }
            let to = req.tier.up().expect("checked in allowed_from");
            EventData::Escalate {
                reason: reason.clone(),
                from: req.tier,
                to,
            }
        }
        Command::Urge { note } => {
            if !(system || rel.staff) {
                return Err(staff());
            }
            EventData::Urge { note: note.clone() }
        }
        Command::Supervise { note } => {
            if !(rel.staff && matches!(role, Some(Role::DistrictAdmin | Role::StreetStaff))) {
                return Err(forbid(
                    action,
                    "街道或区综合办",
                    "the street office or the district office",
                ));
            }
            EventData::Supervise { note: note.clone() }
        }
        Command::Reply {
            account,
            public_reply,
            measures,
            solved,
        } => {
            if !rel.handler {
                return Err(handler());
            }
            EventData::Reply {
                account: account.clone(),
                public_reply: public_reply.clone(),
                measures: measures.clone(),
                solved: *solved,
            }
        }
        Command::Review { pass, note } => {
            if !rel.dispatcher {
                return Err(dispatcher());
            }
            EventData::Review {
                pass: *pass,
                note: note.clone(),
            }
        }
        Command::Callback {
            reached,
            contacted,
            solved,
            satisfaction,
            note,
        } => {
            if !rel.staff {
                return Err(staff());
            }
            EventData::Callback {
                reached: *reached,
                contacted: *contacted,
                solved: *solved,
                satisfaction: *satisfaction,
                note: note.clone(),
            }
        }
        Command::Categorise { category } => {
            if !(rel.staff || rel.dispatcher) {
                return Err(staff());
            }
            if req.intake.category.as_deref() == Some(category.as_str()) {
                return Err(DomainError::invalid(
                    "category",
                    "unchanged",
                    "类别没有变化",
                    "the category is unchanged",
                ));
            }
            EventData::Categorise {
                category: category.clone(),
                previous: req.intake.category.clone(),
            }
        }
        Command::Rate {
            satisfaction,
            comment,
        } => {
            if !actor.is_requester() {
                return Err(forbid(action, "诉求人本人", "the requester"));
            }
            EventData::Callback {
                reached: true,
                contacted: true,
                solved: *satisfaction != Satisfaction::Unsatisfied,
                satisfaction: Some(*satisfaction),
                note: comment.clone(),
            }
        }
        Command::Reopen { reason } => {
            if !rel.staff {
                return Err(staff());
            }
            let d = ctx.sla.deadline(
                ctx.calendar,
                now,
                now,
                req.tier,
                req.intake.kind,
                req.urgency,
                req.difficulty,
            );
            EventData::Reopen {
                reason: reason.clone(),
                deadline: d.due,
                yellow_at: d.yellow_at,
                sla_version: d.sla_version,
            }
        }
        Command::Close { note } => {
            if !rel.staff {
                return Err(staff());
            }
            EventData::Close { note: note.clone() }
        }
        Command::Archive => {
            if role != Some(Role::DistrictAdmin) || !rel.staff {
                return Err(forbid(action, "区综合办管理员", "the district office"));
            }
            EventData::Archive {}
        }
        Command::Merge { into } => {
            if !rel.dispatcher {
                return Err(dispatcher());
            }
            let bad = |zh: &str, en: &str| {
                DomainError::invalid(
                    "into",
                    "invalid_merge_target",
                    zh.to_string(),
                    en.to_string(),
                )
            };
            if *into == req.id {
                return Err(bad("不能合并到自身", "cannot merge a request into itself"));
            }
            let target = ctx
                .merge_target
                .filter(|t| t.id == *into)
                .ok_or_else(|| bad("未找到要合并到的诉求", "merge target not found"))?;
            if !relation(actor, target, ctx.org).sees {
                return Err(bad("未找到要合并到的诉求", "merge target not found"));
            }
            if !target.state.is_open() {
                return Err(bad(
                    "只能合并到仍在办理的诉求",
                    "the merge target must still be open",
                ));
            }
            EventData::Merge { into: *into }
        }
        Command::Transfer { unit, reason } => {
            if !rel.dispatcher {
                return Err(dispatcher());
            }
            let u = ctx.org.unit(unit).ok_or_else(|| {
                DomainError::invalid(
                    "unit",
                    "unknown_unit",
                    format!("未找到单位“{unit}”"),
                    format!("unknown unit '{unit}'"),
                )
            })?;
            if req.lead_unit.as_deref() == Some(unit.as_str()) {
                return Err(DomainError::invalid(
                    "unit",
                    "same_unit",
                    "已由该单位主办",
                    "the request is already with this unit",
                ));
            }
            check_unit_in_tier(req, u, role, ctx)?;
            let d = ctx.sla.deadline(
                ctx.calendar,
                now,
                req.intake.received_at,
                req.tier,
                req.intake.kind,
                req.urgency,
                req.difficulty,
            );
            EventData::Transfer {
                unit: unit.clone(),
                reason: reason.clone(),
                deadline: d.due,
                yellow_at: d.yellow_at,
                sla_version: d.sla_version,
            }
        }
        Command::AddCoUnits { units, note } => {
            if !rel.dispatcher {
                return Err(dispatcher());
            }
            let mut added = Vec::new();
            for code in units {
                let u = ctx.org.unit(code).ok_or_else(|| {
                    DomainError::invalid(
                        "units",
                        "unknown_unit",
                        format!("未找到单位“{code}”"),
                        format!("unknown unit '{code}'"),
                    )
                })?;
                check_unit_in_tier(req, u, role, ctx)?;
                if req.lead_unit.as_deref() != Some(code.as_str())
                    && !req.co_units.contains(code)
                    && !added.contains(code)
                {
                    added.push(code.clone());
                }
            }
            if added.is_empty() {
                return Err(DomainError::invalid(
                    "units",
                    "nothing_to_add",
                    "这些单位已在办理该诉求",
                    "these units already handle the request",
                ));
            }
            EventData::AddCoUnits {
                units: added,
                note: note.clone(),
            }
        }
        Command::Whistle { units, note } => {
            if !(rel.staff && matches!(role, Some(Role::StreetStaff | Role::DistrictAdmin))) {
                return Err(forbid(
                    action,
                    "街道或区综合办（街乡吹哨）",
                    "the street office or the district office",
                ));
            }
            for code in units {
                if ctx.org.unit(code).is_none() {
                    return Err(DomainError::invalid(
                        "units",
                        "unknown_unit",
                        format!("未找到单位“{code}”"),
                        format!("unknown unit '{code}'"),
                    ));
                }
            }
            EventData::Whistle {
                units: units.clone(),
                note: note.clone(),
            }
        }
        Command::Arrive => {
            let unit = match role {
                Some(Role::UnitHandler) => actor.scope.clone(),
                _ => ctx
                    .org
                    .own_unit(&actor.scope)
                    .map(|u| u.code.clone())
                    .unwrap_or_default(),
            };
            match req.summoned.iter().find(|s| s.unit == unit) {
                Some(s) if s.arrived_at.is_none() => EventData::Arrive { unit },
                Some(_) => {
                    return Err(DomainError::conflict(
                        "already_arrived",
                        "该单位已报到",
                        "this unit has already reported its arrival",
                    ));
                }
                None => return Err(forbid(action, "被吹哨召集的单位", "a summoned unit")),
            }
        }
        Command::Warn { level } => {
            if !system {
                return Err(forbid(action, "系统（时限监控）", "the deadline monitor"));
            }
            EventData::Warn { level: *level }
        }
    })
}

/// A tier dispatches within its own area; the district office may dispatch anywhere.
fn check_unit_in_tier(
    req: &Request,
    u: &crate::org::Unit,
    role: Option<Role>,
    ctx: &Ctx,
) -> Result<(), DomainError> {
    if role == Some(Role::DistrictAdmin) || req.tier == Tier::District {
        return Ok(());
    }
    let area = ctx
        .org
        .ancestor_at(&req.intake.jurisdiction, req.tier.level())
        .map(|j| j.code.clone());
    if area
        .as_deref()
        .is_some_and(|a| ctx.org.within(&u.jurisdiction, a))
    {
        return Ok(());
    }
    Err(DomainError::new(
        ErrorKind::Forbidden,
        "unit_outside_tier",
        format!(
            "单位“{}”不在本{}辖区内，请上报上级派单",
            u.name,
            req.tier.level().zh()
        ),
        format!(
            "unit '{}' is outside this {}; escalate instead",
            u.code,
            req.tier.as_str()
        ),
    )
    .with_field("unit"))
}

/// What the deadline monitor must do next to a request as of `now`, if anything: light
/// the warning, urge the unit (at red; at yellow too for 重点件), then escalate a lapsed
/// community- or street-level request one tier up. Everything it does is an event, and the
/// state those events derive makes the next call return `None`: sweeping twice changes
/// nothing more.
pub fn next_system_act(req: &Request, now: DateTime<Utc>) -> Option<Command> {
    use crate::request::Warning;
    if !req.state.clock_running() {
        return None;
    }
    match req.warning(now) {
        Warning::Red => {
            if req.warned != Warning::Red {
                Some(Command::Warn {
                    level: Warning::Red,
                })
            } else if req.auto_urged != Warning::Red && req.state != State::ReturnRequested {
                Some(Command::Urge {
                    note: Some("已超过办理时限，系统自动催办".into()),
                })
            } else if req.tier.up().is_some()
                && matches!(req.state, State::Dispatched | State::InProgress)
            {
                Some(Command::Escalate {
                    reason: format!(
                        "{}级办理超过时限，系统自动上报上一级",
                        req.tier.level().zh()
                    ),
                })
            } else {
                None
            }
        }
        Warning::Yellow => {
            if req.warned == Warning::None {
                Some(Command::Warn {
                    level: Warning::Yellow,
                })
            } else if req.difficulty == Some(Difficulty::Key)
                && req.auto_urged == Warning::None
                && req.state != State::ReturnRequested
            {
                Some(Command::Urge {
                    note: Some("重点件临近办理时限，系统自动催办".into()),
                })
            } else {
                None
            }
        }
        Warning::None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::builtin_days;
    use crate::time::rfc3339;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn every_action_parses_the_sample_offered_actions_decides_with() {
        for action in ACTIONS {
            assert!(
                Command::parse(action, &action_sample()).is_ok(),
                "{action} does not parse the sample"
            );
        }
    }

    #[test]
    fn suspension_over_national_day_gives_back_the_working_days_paused() {
        let cal = Calendar::new(builtin_days());
        let due = at("2026-09-30T23:59:59+08:00");
        // Suspended on Tue 29 Sep, resumed Fri 9 Oct: paused over 30 Sep, 8 and 9 Oct (3 working days).
        let moved = shift_for_pause(
            &cal,
            due,
            at("2026-09-29T10:00:00+08:00"),
            at("2026-10-09T09:00:00+08:00"),
        );
        // The 3 working days after 30 Sep are 8 and 9 Oct and the make-up Saturday 10 Oct.
        assert_eq!(rfc3339(moved), "2026-10-10T23:59:59+08:00");
    }

    #[test]
    fn short_pause_same_day_keeps_a_day_deadline_and_hours_move_by_the_clock() {
        let cal = Calendar::new(builtin_days());
        let due = at("2026-10-09T23:59:59+08:00");
        assert_eq!(
            shift_for_pause(
                &cal,
                due,
                at("2026-10-08T10:00:00+08:00"),
                at("2026-10-08T11:00:00+08:00")
            ),
            due
        );
        let hourly = at("2026-10-08T12:00:00+08:00");
        assert_eq!(
            rfc3339(shift_for_pause(
                &cal,
                hourly,
                at("2026-10-08T10:00:00+08:00"),
                at("2026-10-08T11:30:00+08:00")
            )),
            "2026-10-08T13:30:00+08:00"
        );
    }
}
