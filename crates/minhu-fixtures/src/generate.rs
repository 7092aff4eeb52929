//! A data generator for tests and benchmarks: an organisation of districts, streets and
//! communities with their offices and departments, and requests with whole, valid event
//! histories (screening, dispatch, returns, extensions, urging, supervision, late replies,
//! callbacks, re-handling), spread over a span of days. Deterministic for a seed; request
//! `i` depends only on (seed, i), so chunks can be generated independently.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use minhu_domain::org::{Jurisdiction, Level, Tier, Unit, UnitLevel};
use minhu_domain::request::{
    Channel, Difficulty, Event, EventData, Intake, Request, RequestType, Requester, Satisfaction,
    Urgency,
};
use minhu_domain::time::start_of_local_day;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Debug, Clone)]
pub struct GenConfig {
    /// Prefix of every generated code (keeps generated organisations apart).
    pub prefix: String,
    pub districts: usize,
    /// Streets in all (spread over the districts).
    pub streets: usize,
    pub communities_per_street: usize,
    pub requests: usize,
    pub start: NaiveDate,
    pub days: i64,
    /// Events after this moment are not generated (requests still open then stay open).
    pub now: DateTime<Utc>,
    pub seed: u64,
}

/// 1 January of a year (a year beyond chrono's range gives 1970: the generator's callers
/// name years near now).
fn new_year(year: i32) -> NaiveDate {
    NaiveDate::from_yo_opt(year, 1).unwrap_or_default()
}

impl GenConfig {
    /// City scale: 16 districts, 343 streets, 20 communities each, a year.
    pub fn city(requests: usize, year: i32) -> Self {
        let start = new_year(year);
        GenConfig {
            prefix: "G".into(),
            districts: 16,
            streets: 343,
            communities_per_street: 20,
            requests,
            start,
            days: 365,
            now: start_of_local_day(new_year(year + 1)),
            seed: 12345,
        }
    }
}

/// The generated organisation (codes): district i → "{p}D{i}", its street j →
/// "{p}D{i}S{j}", community k → "{p}D{i}S{j}C{k}"; each street and community office is a
/// unit with its jurisdiction's code; each district has three departments.
pub struct GenOrg {
    pub jurisdictions: Vec<Jurisdiction>,
    pub units: Vec<Unit>,
    /// (community code, street code, district code, jpath)
    communities: Vec<(String, String, String, String)>,
    departments: Vec<Vec<String>>,
    district_index: std::collections::HashMap<String, usize>,
}

const DEPARTMENTS: [(&str, &str); 3] = [
    ("CGJ", "城市管理局"),
    ("ZJJ", "住房和城乡建设局"),
    ("SWJ", "水务局"),
];

const CATEGORIES: [&str; 16] = [
    "市政设施/照明/路灯",
    "市政设施/道路/路面破损",
    "环境卫生/垃圾清运/生活垃圾",
    "环境卫生/绿化/树木修剪",
    "物业管理/公共设施/楼道",
    "物业管理/房屋维修/漏水",
    "物业管理/电梯/故障",
    "交通出行/停车/乱停车",
    "交通出行/电动车/充电",
    "噪声扰民/施工/夜间施工",
    "噪声扰民/生活/广场舞",
    "供水供暖/供暖/温度不达标",
    "供水供暖/供水/停水",
    "社会保障/养老/助餐",
    "市场监管/食品/无证经营",
    "城市管理/违建/私搭乱建",
];

const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
];
const GIVEN: [&str; 8] = ["伟", "芳", "娜", "敏", "静", "强", "磊", "桂莲"];

pub fn gen_org(cfg: &GenConfig) -> GenOrg {
    let p = &cfg.prefix;
    let mut js = Vec::new();
    let mut us = Vec::new();
    let mut communities = Vec::new();
    let mut departments = Vec::new();
    let mut district_index = std::collections::HashMap::new();
    let nd = cfg.districts.max(1);
    for d in 0..nd {
        let dc = format!("{p}D{:02}", d + 1);
        js.push(Jurisdiction {
            code: dc.clone(),
            name: format!("生成{}区", d + 1),
            level: Level::District,
            parent: None,
        });
        district_index.insert(dc.clone(), d);
        let mut deps = Vec::new();
        for (code, name) in DEPARTMENTS {
            let uc = format!("{dc}-{code}");
            us.push(Unit {
                code: uc.clone(),
                name: format!("生成{}区{name}", d + 1),
                level: UnitLevel::District,
                jurisdiction: dc.clone(),
            });
            deps.push(uc);
        }
        departments.push(deps);
    }
    for s in 0..cfg.streets.max(1) {
        let d = s % nd;
        let dc = format!("{p}D{:02}", d + 1);
        let sc = format!("{dc}S{:03}", s / nd + 1);
        js.push(Jurisdiction {
            code: sc.clone(),
            name: format!("生成{}街道", s + 1),
            level: Level::Street,
            parent: Some(dc.clone()),
        });
        us.push(Unit {
            code: sc.clone(),
            name: format!("生成{}街道办事处", s + 1),
            level: UnitLevel::Street,
            jurisdiction: sc.clone(),
        });
        for c in 0..cfg.communities_per_street.max(1) {
            let cc = format!("{sc}C{:02}", c + 1);
            js.push(Jurisdiction {
                code: cc.clone(),
                name: format!("生成{}街道{}社区", s + 1, c + 1),
                level: Level::Community,
                parent: Some(sc.clone()),
            });
            us.push(Unit {
                code: cc.clone(),
                name: format!("生成{}街道{}社区居委会", s + 1, c + 1),
                level: UnitLevel::Community,
                jurisdiction: cc.clone(),
            });
            let jpath = format!("/{dc}/{sc}/{cc}/");
            communities.push((cc, sc.clone(), dc.clone(), jpath));
        }
    }
    GenOrg {
        jurisdictions: js,
        units: us,
        communities,
        departments,
        district_index,
    }
}

struct Hist {
    events: Vec<Event>,
    now: DateTime<Utc>,
    cut: bool,
}

impl Hist {
    fn push(&mut self, at: DateTime<Utc>, role: &str, data: EventData) -> bool {
        if self.cut || at > self.now {
            self.cut = true;
            return false;
        }
        let seq = self.events.len() as i64 + 1;
        self.events.push(Event {
            seq,
            at,
            actor: "gen".into(),
            role: role.into(),
            data,
        });
        true
    }
}

fn ms(t: DateTime<Utc>) -> DateTime<Utc> {
    minhu_domain::time::truncate_ms(t)
}

/// Request `i` of the generated data: (request with derived state, jpath, events). The
/// code is unique per (prefix, i).
pub fn gen_request(cfg: &GenConfig, org: &GenOrg, i: usize) -> (Request, String, Vec<Event>) {
    let mut rng = StdRng::seed_from_u64(cfg.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let (community, street, district, jpath) =
        &org.communities[rng.random_range(0..org.communities.len())];
    // Only days before `now`: a request exists from its registration on.
    let before_now = (minhu_domain::time::local_date(cfg.now) - cfg.start).num_days();
    let span = cfg.days.min(before_now).max(1);
    // Requests arrive over time as in a live deployment: request i falls on the day its
    // index reaches, so ids follow receipt (a time-ordered scan reads the table in order).
    let day = cfg.start + Duration::days((i as i64 * span) / cfg.requests.max(1) as i64);
    let secs = rng.random_range(7 * 3600..21 * 3600);
    let received = ms(start_of_local_day(day) + Duration::seconds(secs));
    let channel = Channel::ALL[rng.random_range(0..9)];
    let kind = [
        RequestType::Complaint,
        RequestType::Help,
        RequestType::Consult,
        RequestType::Suggestion,
        RequestType::Report,
    ][rng.random_range(0..5)];
    let category = CATEGORIES[rng.random_range(0..CATEGORIES.len())];
    let phone = format!(
        "139{:08}",
        rng.random_range(0..(cfg.requests as u64 / 2).max(10))
    );
    let name = format!(
        "{}{}",
        SURNAMES[rng.random_range(0..SURNAMES.len())],
        GIVEN[rng.random_range(0..GIVEN.len())]
    );
    let intake = Intake {
        code: format!("{}{:011}", cfg.prefix, i),
        channel,
        kind,
        subject: Some(category.rsplit('/').next().unwrap_or(category).to_string()),
        content: format!(
            "{}：居民反映{}问题，请尽快处理。联系电话{}。",
            category,
            category.rsplit('/').next().unwrap_or(""),
            phone
        ),
        requester: Requester {
            name: Some(name),
            phone: Some(phone),
        },
        address: Some(format!(
            "{}号楼{}单元{}室",
            rng.random_range(1..30),
            rng.random_range(1..6),
            rng.random_range(101..1802)
        )),
        lat: None,
        lon: None,
        jurisdiction: community.clone(),
        category: Some(category.to_string()),
        confidential: rng.random_bool(0.01),
        external_id: None,
        received_at: received,
    };
    let mut h = Hist {
        events: Vec::with_capacity(12),
        now: cfg.now,
        cut: false,
    };
    h.push(
        received,
        "community_staff",
        EventData::Register {
            channel,
            kind,
            jurisdiction: community.clone(),
            tier: Tier::Community,
            category: Some(category.to_string()),
        },
    );
    let mut t = received;
    let step = |rng: &mut StdRng, t: &mut DateTime<Utc>, lo: i64, hi: i64| {
        *t = ms(*t + Duration::minutes(rng.random_range(lo..hi)));
        *t
    };
    let roll: f64 = rng.random();
    if roll < 0.05 {
        let at = step(&mut rng, &mut t, 5, 120);
        h.push(
            at,
            "community_staff",
            EventData::Answer {
                reply: "已当场解答。".into(),
            },
        );
    } else if roll < 0.08 {
        let at = step(&mut rng, &mut t, 5, 120);
        h.push(
            at,
            "community_staff",
            EventData::Reject {
                reason_code: 7,
                reason: minhu_domain::request::NOT_ACCEPTED_REASONS[6].1.into(),
                note: None,
                referral: None,
            },
        );
    } else {
        let at = step(&mut rng, &mut t, 5, 60);
        h.push(at, "community_staff", EventData::Accept { note: None });
        let d = org.district_index[district];
        let pick_unit = |rng: &mut StdRng| -> String {
            let r: f64 = rng.random();
            if r < 0.6 {
                community.clone()
            } else if r < 0.85 {
                street.clone()
            } else {
                org.departments[d][rng.random_range(0..3)].clone()
            }
        };
        let urgency = if rng.random_bool(0.05) {
            Urgency::Urgent
        } else {
            Urgency::Normal
        };
        let dispatch = |rng: &mut StdRng, h: &mut Hist, t: &mut DateTime<Utc>| -> DateTime<Utc> {
            let at = step(rng, t, 10, 240);
            let days = if urgency == Urgency::Urgent {
                1
            } else {
                rng.random_range(2..15)
            };
            let deadline = ms(at + Duration::days(days));
            h.push(
                at,
                "community_staff",
                EventData::Dispatch {
                    unit: pick_unit(rng),
                    co_units: vec![],
                    difficulty: Some(
                        [Difficulty::Easy, Difficulty::Key, Difficulty::Hard]
                            [rng.random_range(0..3)],
                    ),
                    urgency,
                    deadline,
                    yellow_at: ms(at + (deadline - at) * 3 / 4),
                    sla_version: 1,
                },
            );
            deadline
        };
        let mut deadline = dispatch(&mut rng, &mut h, &mut t);
        if rng.random_bool(0.08) {
            let at = step(&mut rng, &mut t, 30, 600);
            h.push(
                at,
                "unit_handler",
                EventData::RequestReturn {
                    reason: "不属于本单位职责".into(),
                },
            );
            let approve = rng.random_bool(0.7);
            let at = step(&mut rng, &mut t, 30, 600);
            h.push(
                at,
                "community_staff",
                EventData::DecideReturn {
                    approve,
                    note: None,
                },
            );
            if approve {
                deadline = dispatch(&mut rng, &mut h, &mut t);
            }
        }
        let at = step(&mut rng, &mut t, 10, 300);
        h.push(at, "unit_handler", EventData::Sign {});
        if rng.random_bool(0.05) {
            let at = step(&mut rng, &mut t, 60, 2000);
            h.push(
                at,
                "unit_handler",
                EventData::RequestExtension {
                    days: 5,
                    reason: "需协调".into(),
                },
            );
            let at = step(&mut rng, &mut t, 30, 600);
            deadline = ms(deadline + Duration::days(5));
            h.push(
                at,
                "community_staff",
                EventData::DecideExtension {
                    approve: true,
                    deadline: Some(deadline),
                    yellow_at: Some(ms(deadline - Duration::days(1))),
                },
            );
        }
        if rng.random_bool(0.10) {
            let at = step(&mut rng, &mut t, 60, 3000);
            h.push(at, "community_staff", EventData::Urge { note: None });
        }
        if rng.random_bool(0.03) {
            let at = step(&mut rng, &mut t, 60, 3000);
            h.push(at, "street_staff", EventData::Supervise { note: None });
        }
        let rounds = if rng.random_bool(0.05) { 2 } else { 1 };
        for round in 0..rounds {
            // Reply: usually well inside the deadline, sometimes late.
            let late = rng.random_bool(0.08);
            let at = if late {
                ms(deadline.max(t) + Duration::minutes(rng.random_range(60..5000)))
            } else {
                let room = (deadline - t).num_minutes().max(2);
                ms(t + Duration::minutes(rng.random_range(1..room)))
            };
            t = at;
            let solved = rng.random_bool(0.9);
            if !h.push(
                at,
                "unit_handler",
                EventData::Reply {
                    account: "已现场核实并处理。".into(),
                    public_reply: "您反映的问题已处理，感谢监督。".into(),
                    measures: None,
                    solved,
                },
            ) {
                break;
            }
            let at = step(&mut rng, &mut t, 10, 600);
            h.push(
                at,
                "community_staff",
                EventData::Review {
                    pass: true,
                    note: None,
                },
            );
            if rng.random_bool(0.1) {
                let at = step(&mut rng, &mut t, 60, 1440);
                h.push(
                    at,
                    "community_staff",
                    EventData::Callback {
                        reached: false,
                        contacted: false,
                        solved: false,
                        satisfaction: None,
                        note: Some("未接通".into()),
                    },
                );
            }
            let at = step(&mut rng, &mut t, 60, 2880);
            let r: f64 = rng.random();
            let satisfaction = if r < 0.85 {
                Satisfaction::Satisfied
            } else if r < 0.95 {
                Satisfaction::BasicallySatisfied
            } else {
                Satisfaction::Unsatisfied
            };
            h.push(
                at,
                "community_staff",
                EventData::Callback {
                    reached: true,
                    contacted: rng.random_bool(0.97),
                    solved: solved && rng.random_bool(0.95),
                    satisfaction: Some(satisfaction),
                    note: None,
                },
            );
            if round + 1 < rounds {
                let at = step(&mut rng, &mut t, 60, 2880);
                deadline = ms(at + Duration::days(5));
                h.push(
                    at,
                    "community_staff",
                    EventData::Reopen {
                        reason: "群众反映未解决".into(),
                        deadline,
                        yellow_at: ms(deadline - Duration::days(1)),
                        sla_version: 1,
                    },
                );
            }
        }
    }
    let req = Request::replay(0, intake, &h.events);
    (req, jpath.clone(), h.events)
}
