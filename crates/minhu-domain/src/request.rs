//! The request (工单): what was asked, by whom, where; its append-only event log; and the
//! state derived from that log by [`Request::apply`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::org::Tier;

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal / $zh:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $code)] $variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            pub fn zh(self) -> &'static str { match self { $($name::$variant => $zh),+ } }
            pub fn parse(s: &str) -> Option<Self> { match s { $($code => Some($name::$variant),)+ _ => None } }
            /// The accepted codes, for error messages.
            pub fn codes() -> String { [$($code),+].join(", ") }
        }
    };
}

code_enum!(
    /// Where a request came from (来源渠道).
    Channel {
        WalkIn = "walk_in" / "服务站来访",
        StationHotline = "station_hotline" / "便民热线",
        GridPatrol = "grid_patrol" / "网格员巡查",
        SuggestionBox = "suggestion_box" / "议事征集箱",
        Council = "council" / "居民议事厅",
        Hotline12345 = "hotline_12345" / "12345热线",
        MayorMailbox = "mayor_mailbox" / "市长信箱",
        WebMessage = "web_message" / "网民留言",
        UrbanManagement = "urban_management" / "数字化城管",
        GovService = "gov_service" / "政务服务平台",
        Open311 = "open311" / "Open311接口",
        Web = "web" / "网上提交",
    }
);

impl Channel {
    /// Offline channels of the seed's 线下诉求 ledger.
    pub fn is_offline(self) -> bool {
        matches!(
            self,
            Channel::WalkIn
                | Channel::StationHotline
                | Channel::GridPatrol
                | Channel::SuggestionBox
                | Channel::Council
        )
    }
}

code_enum!(
    /// 诉求类型.
    RequestType {
        Consult = "consult" / "咨询",
        Help = "help" / "求助",
        Complaint = "complaint" / "投诉",
        Report = "report" / "举报",
        Suggestion = "suggestion" / "建议",
        Praise = "praise" / "表扬",
    }
);

code_enum!(
    /// 易办件 / 重点件 / 疑难件.
    Difficulty {
        Easy = "easy" / "易办件",
        Key = "key" / "重点件",
        Hard = "hard" / "疑难件",
    }
);

code_enum!(
    /// 一般 / 紧急 / 特急.
    Urgency {
        Normal = "normal" / "一般",
        Urgent = "urgent" / "紧急",
        Critical = "critical" / "特急",
    }
);

code_enum!(
    /// The requester's verdict at callback.
    Satisfaction {
        Satisfied = "satisfied" / "满意",
        BasicallySatisfied = "basically_satisfied" / "基本满意",
        Unsatisfied = "unsatisfied" / "不满意",
    }
);

code_enum!(
    /// Lifecycle state, derived from the event log.
    State {
        Registered = "registered" / "已登记",
        DirectlyAnswered = "directly_answered" / "直接答复",
        NotAccepted = "not_accepted" / "不予受理",
        PendingDispatch = "pending_dispatch" / "待派单",
        Dispatched = "dispatched" / "待签收",
        ReturnRequested = "return_requested" / "申请退回",
        InProgress = "in_progress" / "办理中",
        Suspended = "suspended" / "挂起",
        Replied = "replied" / "待审核",
        PendingCallback = "pending_callback" / "待回访",
        Closed = "closed" / "已结案",
        Archived = "archived" / "已归档",
        Merged = "merged" / "已合并",
    }
);

impl State {
    /// States in which the request is still being worked on (its clock matters).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            State::Registered
                | State::PendingDispatch
                | State::Dispatched
                | State::ReturnRequested
                | State::InProgress
                | State::Suspended
                | State::Replied
                | State::PendingCallback
        )
    }
    /// States in which a handling deadline is running.
    pub fn clock_running(self) -> bool {
        matches!(
            self,
            State::Dispatched | State::ReturnRequested | State::InProgress
        )
    }
}

/// The 7 not-accepted reason codes (不予受理), wording told to the requester.
pub const NOT_ACCEPTED_REASONS: [(u8, &str, &str); 7] = [
    (
        1,
        "不属于本辖区管辖范围的事项",
        "outside this area's jurisdiction",
    ),
    (
        2,
        "属于党委、人大、政协、纪检监察、法院、检察院、军队等职责范围的事项",
        "within the duties of Party, congress, CPPCC, discipline, courts, procuratorate or military bodies",
    ),
    (
        3,
        "属于110、119、120、122等紧急热线受理范围的紧急事项，已转接",
        "an emergency for 110/119/120/122, referred",
    ),
    (
        4,
        "已经或依法应当通过诉讼、仲裁、行政复议、信访、政府信息公开等程序解决的事项",
        "in or due for litigation, arbitration, administrative review, petition or information-disclosure procedures",
    ),
    (
        5,
        "涉及国家秘密、商业秘密、个人隐私的事项",
        "involves state secrets, trade secrets or personal privacy",
    ),
    (
        6,
        "违反法律法规或者违背公序良俗的诉求",
        "demands that break the law or public order",
    ),
    (
        7,
        "无新情况、新理由的重复诉求，内容不清无法办理，或骚扰性来电",
        "a repeat with no new facts, too vague to act on, or harassment",
    ),
];

/// Emergency lines a code-3 refusal may refer to.
pub const EMERGENCY_LINES: [&str; 4] = ["110", "119", "120", "122"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// What intake registers: the facts of the request, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intake {
    pub code: String,
    pub channel: Channel,
    pub kind: RequestType,
    pub subject: Option<String>,
    pub content: String,
    pub requester: Requester,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub jurisdiction: String,
    pub category: Option<String>,
    pub confidential: bool,
    pub external_id: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// One entry of the append-only log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    #[serde(with = "crate::time::serde_local")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub data: EventData,
}

/// The data of each step. The tag is the action name of the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum EventData {
    Register {
        channel: Channel,
        #[serde(rename = "type")]
        kind: RequestType,
        jurisdiction: String,
        tier: Tier,
        category: Option<String>,
    },
    Accept {
        note: Option<String>,
    },
    Answer {
        reply: String,
    },
    Reject {
        reason_code: u8,
        reason: String,
        note: Option<String>,
        referral: Option<String>,
    },
    Dispatch {
        unit: String,
        co_units: Vec<String>,
        difficulty: Option<Difficulty>,
        urgency: Urgency,
        #[serde(with = "crate::time::serde_local")]
        deadline: DateTime<Utc>,
        #[serde(with = "crate::time::serde_local")]
        yellow_at: DateTime<Utc>,
        sla_version: i64,
    },
    Sign {},
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
        #[serde(default, with = "crate::time::serde_local_opt")]
        deadline: Option<DateTime<Utc>>,
        #[serde(default, with = "crate::time::serde_local_opt")]
        yellow_at: Option<DateTime<Utc>>,
    },
    Suspend {
        reason: String,
    },
    Resume {
        #[serde(default, with = "crate::time::serde_local_opt")]
        deadline: Option<DateTime<Utc>>,
        #[serde(default, with = "crate::time::serde_local_opt")]
        yellow_at: Option<DateTime<Utc>>,
    },
    Escalate {
        reason: String,
        from: Tier,
        to: Tier,
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
        #[serde(with = "crate::time::serde_local")]
        deadline: DateTime<Utc>,
        #[serde(with = "crate::time::serde_local")]
        yellow_at: DateTime<Utc>,
        sla_version: i64,
    },
    Close {
        note: Option<String>,
    },
    Archive {},
    Merge {
        into: i64,
    },
    /// The deadline monitor lit a warning (yellow: last quarter of the time; red: past due).
    Warn {
        level: Warning,
    },
    /// 转办: the request moves to another lead unit, with a fresh deadline.
    Transfer {
        unit: String,
        reason: String,
        #[serde(with = "crate::time::serde_local")]
        deadline: DateTime<Utc>,
        #[serde(with = "crate::time::serde_local")]
        yellow_at: DateTime<Utc>,
        sla_version: i64,
    },
    /// 加派: more co-handling units.
    AddCoUnits {
        units: Vec<String>,
        note: Option<String>,
    },
    /// 吹哨: the street (or district) summons units to the scene.
    Whistle {
        units: Vec<String>,
        note: Option<String>,
    },
    /// A summoned unit reports its arrival (报到).
    Arrive {
        unit: String,
    },
    /// Staff set or correct the category (the classifier learns from the final one).
    Categorise {
        category: String,
        previous: Option<String>,
    },
}

impl EventData {
    pub fn action(&self) -> &'static str {
        match self {
            EventData::Register { .. } => "register",
            EventData::Accept { .. } => "accept",
            EventData::Answer { .. } => "answer",
            EventData::Reject { .. } => "reject",
            EventData::Dispatch { .. } => "dispatch",
            EventData::Sign {} => "sign",
            EventData::RequestReturn { .. } => "request_return",
            EventData::DecideReturn { .. } => "decide_return",
            EventData::Progress { .. } => "progress",
            EventData::RequestExtension { .. } => "request_extension",
            EventData::DecideExtension { .. } => "decide_extension",
            EventData::Suspend { .. } => "suspend",
            EventData::Resume { .. } => "resume",
            EventData::Escalate { .. } => "escalate",
            EventData::Urge { .. } => "urge",
            EventData::Supervise { .. } => "supervise",
            EventData::Reply { .. } => "reply",
            EventData::Review { .. } => "review",
            EventData::Callback { .. } => "callback",
            EventData::Reopen { .. } => "reopen",
            EventData::Close { .. } => "close",
            EventData::Archive {} => "archive",
            EventData::Merge { .. } => "merge",
            EventData::Warn { .. } => "warn",
            EventData::Transfer { .. } => "transfer",
            EventData::AddCoUnits { .. } => "add_co_units",
            EventData::Whistle { .. } => "whistle",
            EventData::Arrive { .. } => "arrive",
            EventData::Categorise { .. } => "categorise",
        }
    }

    /// The step's fields without the action tag, as the API shows and storage keeps them.
    pub fn fields(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).expect("event data serialises");
        if let Some(obj) = v.as_object_mut() {
            obj.remove("action");
        }
        v
    }

    /// Rebuilds event data from a stored action name and its fields.
    pub fn from_parts(action: &str, fields: serde_json::Value) -> Result<Self, serde_json::Error> {
        let mut obj = match fields {
            serde_json::Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        obj.insert(
            "action".into(),
            serde_json::Value::String(action.to_string()),
        );
        serde_json::from_value(serde_json::Value::Object(obj))
    }
}

/// The reply of the handling unit (办结).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyInfo {
    pub account: String,
    pub public_reply: String,
    pub measures: Option<String>,
    pub solved: bool,
}

/// The latest callback (回访).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackInfo {
    pub reached: bool,
    pub contacted: bool,
    pub solved: bool,
    pub satisfaction: Option<Satisfaction>,
}

/// A unit summoned to the scene by a whistle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summons {
    pub unit: String,
    #[serde(with = "crate::time::serde_local")]
    pub summoned_at: DateTime<Utc>,
    #[serde(default, with = "crate::time::serde_local_opt")]
    pub arrived_at: Option<DateTime<Utc>>,
}

/// A request with its state derived from its events.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: i64,
    pub intake: Intake,
    // Derived from events:
    pub state: State,
    pub tier: Tier,
    pub lead_unit: Option<String>,
    pub co_units: Vec<String>,
    pub difficulty: Option<Difficulty>,
    pub urgency: Urgency,
    pub deadline: Option<DateTime<Utc>>,
    pub yellow_at: Option<DateTime<Utc>>,
    pub sla_version: Option<i64>,
    pub urge_count: i64,
    pub supervise_count: i64,
    pub return_count: i64,
    pub extension_count: i64,
    pub reopen_count: i64,
    pub pending_extension: Option<u32>,
    /// The state a return request came from, to go back to if it is refused.
    pub return_from: Option<State>,
    pub suspended_at: Option<DateTime<Utc>>,
    pub reply: Option<ReplyInfo>,
    pub callback: Option<CallbackInfo>,
    pub merged_into: Option<i64>,
    /// The warning the deadline monitor last lit for the current deadline.
    pub warned: Warning,
    /// The warning level at which the system last urged the unit, for the current deadline.
    pub auto_urged: Warning,
    /// Units summoned by a whistle (吹哨), with their arrival time once they report.
    pub summoned: Vec<Summons>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Sequence number of the last event applied.
    pub version: i64,
}

impl Request {
    /// A request as registered, before its first event is applied.
    fn blank(id: i64, intake: Intake) -> Self {
        let at = intake.received_at;
        Request {
            id,
            intake,
            state: State::Registered,
            tier: Tier::Community,
            lead_unit: None,
            co_units: Vec::new(),
            difficulty: None,
            urgency: Urgency::Normal,
            deadline: None,
            yellow_at: None,
            sla_version: None,
            urge_count: 0,
            supervise_count: 0,
            return_count: 0,
            extension_count: 0,
            reopen_count: 0,
            pending_extension: None,
            return_from: None,
            suspended_at: None,
            reply: None,
            callback: None,
            merged_into: None,
            warned: Warning::None,
            auto_urged: Warning::None,
            summoned: Vec::new(),
            dispatched_at: None,
            signed_at: None,
            replied_at: None,
            closed_at: None,
            updated_at: at,
            version: 0,
        }
    }

    /// Derives the request from its intake facts and its whole event log.
    pub fn replay(id: i64, intake: Intake, events: &[Event]) -> Self {
        let mut r = Request::blank(id, intake);
        for e in events {
            r.apply(e);
        }
        r
    }

    /// Folds one event into the derived state. Events were checked when decided, so
    /// applying never fails.
    pub fn apply(&mut self, e: &Event) {
        use EventData as E;
        self.version = e.seq;
        self.updated_at = e.at;
        let deadline_before = self.deadline;
        match &e.data {
            E::Register { tier, .. } => {
                self.state = State::Registered;
                self.tier = *tier;
            }
            E::Accept { .. } => self.state = State::PendingDispatch,
            E::Answer { .. } => {
                self.state = State::DirectlyAnswered;
                self.closed_at = Some(e.at);
            }
            E::Reject { .. } => {
                self.state = State::NotAccepted;
                self.closed_at = Some(e.at);
            }
            E::Dispatch {
                unit,
                co_units,
                difficulty,
                urgency,
                deadline,
                yellow_at,
                sla_version,
            } => {
                self.state = State::Dispatched;
                self.lead_unit = Some(unit.clone());
                self.co_units = co_units.clone();
                if difficulty.is_some() {
                    self.difficulty = *difficulty;
                }
                self.urgency = *urgency;
                self.deadline = Some(*deadline);
                self.yellow_at = Some(*yellow_at);
                self.sla_version = Some(*sla_version);
                self.dispatched_at = Some(e.at);
                self.signed_at = None;
            }
            E::Sign {} => {
                self.state = State::InProgress;
                self.signed_at = Some(e.at);
            }
            E::RequestReturn { .. } => {
                self.return_from = Some(self.state);
                self.state = State::ReturnRequested;
            }
            E::DecideReturn { approve, .. } => {
                if *approve {
                    self.state = State::PendingDispatch;
                    self.lead_unit = None;
                    self.co_units.clear();
                    self.deadline = None;
                    self.yellow_at = None;
                    self.return_count += 1;
                } else {
                    self.state = self.return_from.unwrap_or(State::Dispatched);
                }
                self.return_from = None;
            }
            E::Progress { .. } | E::Supervise { .. } | E::Urge { .. } => match &e.data {
                E::Supervise { .. } => self.supervise_count += 1,
                E::Urge { .. } => self.urge_count += 1,
                _ => {}
            },
            E::RequestExtension { days, .. } => self.pending_extension = Some(*days),
            E::DecideExtension {
                approve,
                deadline,
                yellow_at,
            } => {
                self.pending_extension = None;
                if *approve {
                    self.extension_count += 1;
                    if deadline.is_some() {
                        self.deadline = *deadline;
                        self.yellow_at = *yellow_at;
                    }
                }
            }
            E::Suspend { .. } => {
                self.return_from = None;
                self.state = State::Suspended;
                self.suspended_at = Some(e.at);
            }
            E::Resume {
                deadline,
                yellow_at,
            } => {
                self.state = State::InProgress;
                self.suspended_at = None;
                if deadline.is_some() {
                    self.deadline = *deadline;
                    self.yellow_at = *yellow_at;
                }
            }
            E::Escalate { to, .. } => {
                self.state = State::PendingDispatch;
                self.tier = *to;
                self.lead_unit = None;
                self.co_units.clear();
                self.deadline = None;
                self.yellow_at = None;
                self.pending_extension = None;
            }
            E::Reply {
                account,
                public_reply,
                measures,
                solved,
            } => {
                self.state = State::Replied;
                self.reply = Some(ReplyInfo {
                    account: account.clone(),
                    public_reply: public_reply.clone(),
                    measures: measures.clone(),
                    solved: *solved,
                });
                self.replied_at = Some(e.at);
            }
            E::Review { pass, .. } => {
                self.state = if *pass {
                    State::PendingCallback
                } else {
                    State::InProgress
                };
            }
            E::Callback {
                reached,
                contacted,
                solved,
                satisfaction,
                ..
            } => {
                self.callback = Some(CallbackInfo {
                    reached: *reached,
                    contacted: *contacted,
                    solved: *solved,
                    satisfaction: *satisfaction,
                });
                if *reached {
                    self.state = State::Closed;
                    self.closed_at = Some(e.at);
                }
            }
            E::Reopen {
                deadline,
                yellow_at,
                sla_version,
                ..
            } => {
                self.state = State::InProgress;
                self.reopen_count += 1;
                self.deadline = Some(*deadline);
                self.yellow_at = Some(*yellow_at);
                self.sla_version = Some(*sla_version);
                self.closed_at = None;
                self.replied_at = None;
            }
            E::Close { .. } => {
                self.state = State::Closed;
                self.closed_at = Some(e.at);
            }
            E::Archive {} => self.state = State::Archived,
            E::Categorise { category, .. } => self.intake.category = Some(category.clone()),
            E::Merge { into } => {
                self.state = State::Merged;
                self.merged_into = Some(*into);
                self.closed_at = Some(e.at);
            }
            E::Warn { level } => self.warned = *level,
            E::Transfer {
                unit,
                deadline,
                yellow_at,
                sla_version,
                ..
            } => {
                self.state = State::Dispatched;
                self.co_units.retain(|c| c != unit);
                self.lead_unit = Some(unit.clone());
                self.deadline = Some(*deadline);
                self.yellow_at = Some(*yellow_at);
                self.sla_version = Some(*sla_version);
                self.dispatched_at = Some(e.at);
                self.signed_at = None;
            }
            E::AddCoUnits { units, .. } => {
                for u in units {
                    if !self.co_units.contains(u) && self.lead_unit.as_ref() != Some(u) {
                        self.co_units.push(u.clone());
                    }
                }
            }
            E::Whistle { units, .. } => {
                for u in units {
                    if !self.summoned.iter().any(|s| &s.unit == u) {
                        self.summoned.push(Summons {
                            unit: u.clone(),
                            summoned_at: e.at,
                            arrived_at: None,
                        });
                    }
                }
            }
            E::Arrive { unit } => {
                if let Some(s) = self.summoned.iter_mut().find(|s| &s.unit == unit) {
                    s.arrived_at.get_or_insert(e.at);
                }
            }
        }
        // The monitor's warnings belong to a deadline: a new deadline starts them afresh.
        if self.deadline != deadline_before {
            self.warned = Warning::None;
            self.auto_urged = Warning::None;
        }
        if let E::Urge { .. } = &e.data {
            if e.role == "system" {
                self.auto_urged = self.warned;
            }
        }
    }

    /// Yellow/red warning as of `now`: only while the handling clock runs (storage filters
    /// on the same rule: states dispatched, return_requested, in_progress).
    pub fn warning(&self, now: DateTime<Utc>) -> Warning {
        warning_at(self.state, self.deadline, self.yellow_at, now)
    }

    /// Was the reply late (or is the request past due and still unanswered)?
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        match (self.deadline, self.replied_at) {
            (Some(due), Some(replied)) => replied > due,
            (Some(due), None) => self.state.is_open() && now > due,
            _ => false,
        }
    }
}

/// The warning light of a request in `state` with these deadline times, as of `now`:
/// only while the handling clock runs. Queues computed from stored columns use it too.
pub fn warning_at(
    state: State,
    deadline: Option<DateTime<Utc>>,
    yellow_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Warning {
    if !state.clock_running() {
        return Warning::None;
    }
    match (deadline, yellow_at) {
        (Some(due), _) if now > due => Warning::Red,
        (Some(_), Some(y)) if now >= y => Warning::Yellow,
        _ => Warning::None,
    }
}

code_enum!(
    /// Deadline warning light.
    Warning {
        None = "none" / "正常",
        Yellow = "yellow" / "黄灯",
        Red = "red" / "红灯",
    }
);
