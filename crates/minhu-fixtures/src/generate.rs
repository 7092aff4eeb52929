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
                office: false,
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
            office: false,
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
                office: false,
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
    let place = &org.communities[rng.random_range(0..org.communities.len())];
    // Only days before `now`: a request exists from its registration on.
    let before_now = (minhu_domain::time::local_date(cfg.now) - cfg.start).num_days();
    let span = cfg.days.min(before_now).max(1);
    // Requests arrive over time as in a live deployment: request i falls on the day its
    // index reaches, so ids follow receipt (a time-ordered scan reads the table in order).
    let day = cfg.start + Duration::days((i as i64 * span) / cfg.requests.max(1) as i64);
    let secs = rng.random_range(7 * 3600..21 * 3600);
    let received = ms(start_of_local_day(day) + Duration::seconds(secs));
    let intake = gen_intake(cfg, &mut rng, i, &place.0, received);
    let mut run = Run {
        rng,
        t: received,
        h: Hist {
            events: Vec::with_capacity(12),
            now: cfg.now,
            cut: false,
        },
    };
    run.h.push(
        received,
        "community_staff",
        EventData::Register {
            channel: intake.channel,
            kind: intake.kind,
            jurisdiction: place.0.clone(),
            tier: Tier::Community,
            category: intake.category.clone(),
        },
    );
    let roll: f64 = run.rng.random();
    if roll < 0.05 {
        run.answer();
    } else if roll < 0.08 {
        run.reject();
    } else {
        run.handle(org, place);
    }
    let req = Request::replay(0, intake, &run.h.events);
    (req, place.3.clone(), run.h.events)
}

/// What a generated resident reports, where and how.
fn gen_intake(
    cfg: &GenConfig,
    rng: &mut StdRng,
    i: usize,
    community: &str,
    received: DateTime<Utc>,
) -> Intake {
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
    let last = category.rsplit('/').next();
    Intake {
        code: format!("{}{:011}", cfg.prefix, i),
        channel,
        kind,
        subject: Some(last.unwrap_or(category).to_string()),
        content: format!(
            "{}：居民反映{}问题，请尽快处理。联系电话{}。",
            category,
            last.unwrap_or(""),
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
        jurisdiction: community.to_string(),
        category: Some(category.to_string()),
        confidential: rng.random_bool(0.01),
        external_id: None,
        received_at: received,
    }
}

/// One request's history as it is generated: the random source, the time of the last step
/// and the events so far.
struct Run {
    rng: StdRng,
    t: DateTime<Utc>,
    h: Hist,
}

impl Run {
    /// The next step's time, `lo..hi` minutes after the last.
    fn step(&mut self, lo: i64, hi: i64) -> DateTime<Utc> {
        self.t = ms(self.t + Duration::minutes(self.rng.random_range(lo..hi)));
        self.t
    }

    fn answer(&mut self) {
        let at = self.step(5, 120);
        self.h.push(
            at,
            "community_staff",
            EventData::Answer {
                reply: "已当场解答。".into(),
            },
        );
    }

    fn reject(&mut self) {
        let at = self.step(5, 120);
        self.h.push(
            at,
            "community_staff",
            EventData::Reject {
                reason_code: 7,
                reason: minhu_domain::request::NOT_ACCEPTED_REASONS[6].1.into(),
                note: None,
                referral: None,
            },
        );
    }

    /// Accepted and handled: dispatched (perhaps returned and sent again), signed, perhaps
    /// extended, urged or supervised, then replied to and called back (perhaps twice).
    fn handle(&mut self, org: &GenOrg, place: &(String, String, String, String)) {
        let at = self.step(5, 60);
        self.h
            .push(at, "community_staff", EventData::Accept { note: None });
        let (community, street, district, _) = place;
        let departments = &org.departments[org.district_index[district]];
        let units = [community.as_str(), street.as_str()];
        let urgency = if self.rng.random_bool(0.05) {
            Urgency::Urgent
        } else {
            Urgency::Normal
        };
        let mut deadline = self.dispatch(&units, departments, urgency);
        if self.rng.random_bool(0.08) && self.returned() {
            deadline = self.dispatch(&units, departments, urgency);
        }
        let at = self.step(10, 300);
        self.h.push(at, "unit_handler", EventData::Sign {});
        if self.rng.random_bool(0.05) {
            deadline = self.extend(deadline);
        }
        if self.rng.random_bool(0.10) {
            let at = self.step(60, 3000);
            self.h
                .push(at, "community_staff", EventData::Urge { note: None });
        }
        if self.rng.random_bool(0.03) {
            let at = self.step(60, 3000);
            self.h
                .push(at, "street_staff", EventData::Supervise { note: None });
        }
        let rounds = if self.rng.random_bool(0.05) { 2 } else { 1 };
        for round in 0..rounds {
            if !self.reply_and_callback(deadline) {
                break;
            }
            if round + 1 < rounds {
                deadline = self.reopen();
            }
        }
    }

    /// Sends the request to its community (60 %), its street (25 %) or a department of its
    /// district; returns the deadline.
    fn dispatch(
        &mut self,
        units: &[&str; 2],
        departments: &[String],
        urgency: Urgency,
    ) -> DateTime<Utc> {
        let at = self.step(10, 240);
        let days = if urgency == Urgency::Urgent {
            1
        } else {
            self.rng.random_range(2..15)
        };
        let deadline = ms(at + Duration::days(days));
        let r: f64 = self.rng.random();
        let unit = if r < 0.6 {
            units[0].to_string()
        } else if r < 0.85 {
            units[1].to_string()
        } else {
            departments[self.rng.random_range(0..3)].clone()
        };
        let difficulty =
            [Difficulty::Easy, Difficulty::Key, Difficulty::Hard][self.rng.random_range(0..3)];
        self.h.push(
            at,
            "community_staff",
            EventData::Dispatch {
                unit,
                co_units: vec![],
                difficulty: Some(difficulty),
                urgency,
                deadline,
                yellow_at: ms(at + (deadline - at) * 3 / 4),
                sla_version: 1,
            },
        );
        deadline
    }

    /// The unit asks to give it back; true when that is approved (it is sent again).
    fn returned(&mut self) -> bool {
        let at = self.step(30, 600);
        self.h.push(
            at,
            "unit_handler",
            EventData::RequestReturn {
                reason: "不属于本单位职责".into(),
            },
        );
        let approve = self.rng.random_bool(0.7);
        let at = self.step(30, 600);
        self.h.push(
            at,
            "community_staff",
            EventData::DecideReturn {
                approve,
                note: None,
            },
        );
        approve
    }

    /// Five more days, asked for and granted; returns the new deadline.
    fn extend(&mut self, deadline: DateTime<Utc>) -> DateTime<Utc> {
        let at = self.step(60, 2000);
        self.h.push(
            at,
            "unit_handler",
            EventData::RequestExtension {
                days: 5,
                reason: "需协调".into(),
            },
        );
        let at = self.step(30, 600);
        let deadline = ms(deadline + Duration::days(5));
        self.h.push(
            at,
            "community_staff",
            EventData::DecideExtension {
                approve: true,
                deadline: Some(deadline),
                yellow_at: Some(ms(deadline - Duration::days(1))),
            },
        );
        deadline
    }

    /// The reply (usually well inside the deadline, sometimes late), its review and the
    /// callback (after a missed call now and then). False when `now` cut the reply off.
    fn reply_and_callback(&mut self, deadline: DateTime<Utc>) -> bool {
        let late = self.rng.random_bool(0.08);
        let at = if late {
            ms(deadline.max(self.t) + Duration::minutes(self.rng.random_range(60..5000)))
        } else {
            let room = (deadline - self.t).num_minutes().max(2);
            ms(self.t + Duration::minutes(self.rng.random_range(1..room)))
        };
        self.t = at;
        let solved = self.rng.random_bool(0.9);
        let replied = self.h.push(
            at,
            "unit_handler",
            EventData::Reply {
                account: "已现场核实并处理。".into(),
                public_reply: "您反映的问题已处理，感谢监督。".into(),
                measures: None,
                solved,
            },
        );
        if !replied {
            return false;
        }
        let at = self.step(10, 600);
        self.h.push(
            at,
            "community_staff",
            EventData::Review {
                pass: true,
                note: None,
            },
        );
        if self.rng.random_bool(0.1) {
            let at = self.step(60, 1440);
            self.h.push(
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
        let at = self.step(60, 2880);
        let r: f64 = self.rng.random();
        let satisfaction = if r < 0.85 {
            Satisfaction::Satisfied
        } else if r < 0.95 {
            Satisfaction::BasicallySatisfied
        } else {
            Satisfaction::Unsatisfied
        };
        let contacted = self.rng.random_bool(0.97);
        let solved = solved && self.rng.random_bool(0.95);
        self.h.push(
            at,
            "community_staff",
            EventData::Callback {
                reached: true,
                contacted,
                solved,
                satisfaction: Some(satisfaction),
                note: None,
            },
        );
        true
    }

    /// The resident says it is not solved: handled again, five days; returns the deadline.
    fn reopen(&mut self) -> DateTime<Utc> {
        let at = self.step(60, 2880);
        let deadline = ms(at + Duration::days(5));
        self.h.push(
            at,
            "community_staff",
            EventData::Reopen {
                reason: "群众反映未解决".into(),
                deadline,
                yellow_at: ms(deadline - Duration::days(1)),
                sla_version: 1,
            },
        );
        deadline
    }
}
