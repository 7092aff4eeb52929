//! Test fixtures shared by the domain's unit tests: a small district and requests in it.
//!
//! The district `D` has streets `S1` and `S2`, communities `C1` (in S1) and `C2` (in S2),
//! and grid `G1` in C1. Units: the offices of S1, S2, C1 and C2 (same codes), the district
//! departments `CGJ` and `ZJJ`.

use chrono::{DateTime, Utc};

use crate::calendar::{Calendar, builtin_days};
use crate::org::{Actor, Jurisdiction, Level, Org, Role, Tier, Unit, UnitLevel};
use crate::request::{Channel, Event, EventData, Intake, Request, RequestType, Requester};
use crate::sla::SlaPolicy;

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn j(code: &str, level: Level, parent: Option<&str>) -> Jurisdiction {
    Jurisdiction {
        code: code.into(),
        name: format!("{code}辖区"),
        level,
        parent: parent.map(str::to_string),
    }
}

fn u(code: &str, level: UnitLevel, jurisdiction: &str) -> Unit {
    Unit {
        code: code.into(),
        name: format!("{code}单位"),
        level,
        jurisdiction: jurisdiction.into(),
        office: false,
    }
}

pub fn org() -> Org {
    Org::new(
        vec![
            j("D", Level::District, None),
            j("S1", Level::Street, Some("D")),
            j("S2", Level::Street, Some("D")),
            j("C1", Level::Community, Some("S1")),
            j("C2", Level::Community, Some("S2")),
            j("G1", Level::Grid, Some("C1")),
        ],
        vec![
            u("S1", UnitLevel::Street, "S1"),
            u("S2", UnitLevel::Street, "S2"),
            u("C1", UnitLevel::Community, "C1"),
            u("C2", UnitLevel::Community, "C2"),
            u("CGJ", UnitLevel::District, "D"),
            u("ZJJ", UnitLevel::District, "D"),
        ],
    )
}

pub fn calendar() -> Calendar {
    Calendar::new(builtin_days())
}

pub fn person(role: Role, scope: &str) -> Actor {
    Actor::person(&format!("{}@{scope}", role.as_str()), role, scope)
}

pub fn intake(jurisdiction: &str) -> Intake {
    Intake {
        code: "MH-TEST".into(),
        channel: Channel::WalkIn,
        kind: RequestType::Complaint,
        subject: None,
        content: "楼道堆物".into(),
        requester: Requester {
            name: Some("张三".into()),
            phone: Some("13900000000".into()),
        },
        address: None,
        lat: None,
        lon: None,
        jurisdiction: jurisdiction.into(),
        category: None,
        confidential: false,
        external_id: None,
        received_at: at("2026-09-28T09:00:00+08:00"),
    }
}

/// A registered request located in `jurisdiction` at the tier its level starts at.
pub fn registered(jurisdiction: &str, tier: Tier) -> Request {
    let intake = intake(jurisdiction);
    let register = Event {
        seq: 1,
        at: intake.received_at,
        actor: "system".into(),
        role: "system".into(),
        data: EventData::Register {
            channel: intake.channel,
            kind: intake.kind,
            jurisdiction: jurisdiction.into(),
            tier,
            category: None,
        },
    };
    Request::replay(1, intake, &[register])
}

/// Everything a decision needs, owned, for `lifecycle::Ctx`.
pub struct World {
    pub org: Org,
    pub calendar: Calendar,
    pub sla: SlaPolicy,
}

impl World {
    pub fn new() -> Self {
        World {
            org: org(),
            calendar: calendar(),
            sla: SlaPolicy::default_v1(),
        }
    }
}
