//! The request (工单): what was asked, by whom, where; its append-only event log; and the
//! state derived from that log by [`Request::apply`]. The log's entries are in `event.rs`,
//! the state and the fold over the log in `state.rs`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::org::Tier;

mod event;
mod state;

pub use event::{Event, EventData};
pub use state::{State, Warning, warning_at};

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
    /// Who registered it (the `register` event's actor): an Open311 client acts on its own.
    pub registered_by: String,
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
            registered_by: String::new(),
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
