//! The demo district, modelled on the seed: 示范区 with three streets, the 德馨苑 community
//! (14 buildings, 1,528 households in 5 grids of about 300), its 18 local units, the district
//! departments, demo staff, and a history of requests that reproduces the newspaper's figures
//! (16 April – 15 June 2026) plus live requests in every state around the time of loading.
//!
//! Figures reproduced (see README): 德馨苑 36 requests, 29 closed and 7 still being handled,
//! callback satisfaction 100 %; district offline channels 278 received and closed by 11 June
//! (97 % satisfied); 12345 hotline 201, online messages 27, mayor's mailbox 65, all closed;
//! digital city management 788 received and handled.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use minhu_domain::lifecycle::{Command, Ctx, decide};
use minhu_domain::org::{Actor, Jurisdiction, Level, Org, Role, Tier, Unit, UnitLevel};
use minhu_domain::request::{
    Channel, Event, EventData, Intake, Request, RequestType, Requester, Satisfaction,
};
use minhu_domain::time::ZONE;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use crate::AppState;

/// Password of every demo account (printed by `serve --demo`).
pub const DEMO_PASSWORD: &str = "minhu-demo";

pub const DISTRICT: &str = "SFQ";
pub const DEXINYUAN: &str = "DXY";

fn j(code: &str, name: &str, level: Level, parent: Option<&str>) -> Jurisdiction {
    Jurisdiction {
        code: code.into(),
        name: name.into(),
        level,
        parent: parent.map(Into::into),
    }
}
fn u(code: &str, name: &str, level: UnitLevel, jurisdiction: &str) -> Unit {
    Unit {
        code: code.into(),
        name: name.into(),
        level,
        jurisdiction: jurisdiction.into(),
    }
}

/// Streets and their communities, with the number of grids each community has.
const STREETS: [(&str, &str, &[(&str, &str, u32)]); 3] = [
    (
        "YB",
        "应滨街道",
        &[
            ("DXY", "德馨苑社区", 5),
            ("YBSQ", "应滨社区", 4),
            ("HL", "华龙社区", 3),
        ],
    ),
    (
        "XY",
        "祥云街道",
        &[("XYSQ", "祥云社区", 4), ("LC", "绿城社区", 3)],
    ),
    (
        "SL",
        "胜利街道",
        &[("SLSQ", "胜利社区", 3), ("JH", "锦华社区", 3)],
    ),
];

/// The 18 units in 德馨苑's area (辖区企事业单位18家).
const DXY_UNITS: [(&str, &str); 18] = [
    ("DXY-WY", "德馨苑物业服务中心"),
    ("DXY-GZF", "德馨苑公租房管理站"),
    ("DXY-CD", "德馨苑电动车充电服务点"),
    ("DXY-LS", "鹏辉律师事务所（矛盾调解工作室）"),
    ("DXY-RZ", "德馨苑日间照料中心"),
    ("DXY-WS", "德馨苑社区卫生服务站"),
    ("DXY-YEY", "德馨苑幼儿园"),
    ("DXY-XX", "德馨苑小学"),
    ("DXY-JW", "德馨苑警务室"),
    ("DXY-BJ", "德馨苑保洁服务队"),
    ("DXY-LH", "德馨苑绿化养护队"),
    ("DXY-TC", "德馨苑停车场管理处"),
    ("DXY-KD", "德馨苑快递驿站"),
    ("DXY-CS", "德馨苑便民超市"),
    ("DXY-YH", "德馨苑银行便民网点"),
    ("DXY-DL", "德馨苑供电服务站"),
    ("DXY-SW", "德馨苑供水服务站"),
    ("DXY-RQ", "德馨苑燃气服务站"),
];

const DEPARTMENTS: [(&str, &str, UnitLevel); 14] = [
    ("ZHB", "区综合办公室", UnitLevel::District),
    ("CGJ", "区城管执法局", UnitLevel::District),
    ("ZJJ", "区住建局", UnitLevel::District),
    ("SZYL", "区市政园林局", UnitLevel::District),
    ("FGJ", "区发改局", UnitLevel::District),
    ("CZJ", "区财政局", UnitLevel::District),
    ("MZJ", "区民政局", UnitLevel::District),
    ("WJW", "区卫健委", UnitLevel::District),
    ("SCJ", "区市场监管局", UnitLevel::District),
    ("HBJ", "区生态环境分局", UnitLevel::District),
    ("JTJ", "区交通运输局", UnitLevel::District),
    ("FGZX", "市房管中心", UnitLevel::City),
    ("GDGS", "市供电公司", UnitLevel::City),
    ("GSGS", "市自来水公司", UnitLevel::City),
];

/// The demo organisation.
pub fn organisation() -> (Vec<Jurisdiction>, Vec<Unit>) {
    let mut js = vec![j(DISTRICT, "示范区", Level::District, None)];
    let mut us = Vec::new();
    for (scode, sname, communities) in STREETS {
        js.push(j(scode, sname, Level::Street, Some(DISTRICT)));
        us.push(u(
            scode,
            &format!("{sname}办事处"),
            UnitLevel::Street,
            scode,
        ));
        for (ccode, cname, grids) in communities {
            js.push(j(ccode, cname, Level::Community, Some(scode)));
            us.push(u(
                ccode,
                &format!("{cname}居委会"),
                UnitLevel::Community,
                ccode,
            ));
            for g in 1..=*grids {
                js.push(j(
                    &format!("{ccode}-G{g:02}"),
                    &format!("{cname}第{g}网格"),
                    Level::Grid,
                    Some(ccode),
                ));
            }
            if *ccode != DEXINYUAN {
                us.push(u(
                    &format!("{ccode}-WY"),
                    &format!("{cname}物业服务中心"),
                    UnitLevel::Community,
                    ccode,
                ));
            }
        }
    }
    for (code, name) in DXY_UNITS {
        us.push(u(code, name, UnitLevel::Community, DEXINYUAN));
    }
    for (code, name, level) in DEPARTMENTS {
        us.push(u(code, name, level, DISTRICT));
    }
    (js, us)
}

/// Demo accounts: (username, display name, role, scope).
pub fn accounts(org: &Org) -> Vec<(String, String, Role, String)> {
    let mut a = vec![
        (
            "admin".to_string(),
            "区综合办管理员".to_string(),
            Role::DistrictAdmin,
            DISTRICT.to_string(),
        ),
        (
            "zhangzhan".to_string(),
            "张战（区综合办）".to_string(),
            Role::DistrictAdmin,
            DISTRICT.to_string(),
        ),
        (
            "auditor".to_string(),
            "审计查阅".to_string(),
            Role::Auditor,
            DISTRICT.to_string(),
        ),
    ];
    for (scode, sname, communities) in STREETS {
        a.push((
            format!("{}_street", scode.to_lowercase()),
            format!("{sname}工作人员"),
            Role::StreetStaff,
            scode.to_string(),
        ));
        for (ccode, cname, grids) in communities {
            a.push((
                format!("{}_staff", ccode.to_lowercase()),
                format!("{cname}工作人员"),
                Role::CommunityStaff,
                ccode.to_string(),
            ));
            for g in 1..=*grids {
                a.push((
                    format!("{}_g{g}", ccode.to_lowercase()),
                    format!("{cname}第{g}网格网格员"),
                    Role::GridWorker,
                    format!("{ccode}-G{g:02}"),
                ));
            }
        }
    }
    a.push((
        "chenzhichao".to_string(),
        "陈志超（德馨苑社区党支部书记）".to_string(),
        Role::CommunityStaff,
        DEXINYUAN.to_string(),
    ));
    for unit in org.units().filter(|u| {
        !matches!(u.level, UnitLevel::Street)
            && org
                .own_unit(&u.jurisdiction)
                .map(|o| o.code != u.code)
                .unwrap_or(true)
    }) {
        a.push((
            format!("h_{}", unit.code.to_lowercase().replace('-', "_")),
            format!("{}经办人", unit.name),
            Role::UnitHandler,
            unit.code.clone(),
        ));
    }
    a
}

/// A kind of problem residents raise, with who handles it and how it ends.
struct Topic {
    category: &'static str,
    kind: RequestType,
    /// Unit code; `*` stands for the community's own property company, `=` for the community office.
    unit: &'static str,
    subject: &'static str,
    content: &'static str,
    measures: &'static str,
    reply: &'static str,
}

const TOPICS: &[Topic] = &[
    Topic {
        category: "市政设施/照明/路灯",
        kind: RequestType::Complaint,
        unit: "SZYL",
        subject: "小区门口路灯不亮",
        content: "{b}号楼前面和小区门口的路灯坏了快一个星期了，晚上很黑，老人出门不方便，希望尽快修好。",
        measures: "更换损坏灯具2盏，检修线路",
        reply: "已更换损坏路灯并检修线路，现已恢复照明。",
    },
    Topic {
        category: "环境卫生/垃圾清运/生活垃圾",
        kind: RequestType::Complaint,
        unit: "*",
        subject: "垃圾清运不及时",
        content: "{b}号楼旁边的垃圾桶已经满了两天没人清运，天热有异味，招苍蝇。",
        measures: "增加清运频次为每日两次",
        reply: "已安排清运，并将该点位清运频次调整为每日两次。",
    },
    Topic {
        category: "物业管理/公共设施/楼道",
        kind: RequestType::Help,
        unit: "*",
        subject: "楼道堆放杂物",
        content: "{b}号楼{u}单元楼道里堆放了很多纸箱和旧家具，存在消防隐患，希望物业清理。",
        measures: "清理楼道杂物，张贴消防提示",
        reply: "物业已清理楼道堆放物，并在各单元张贴消防安全提示。",
    },
    Topic {
        category: "物业管理/房屋维修/漏水",
        kind: RequestType::Help,
        unit: "DXY-GZF",
        subject: "顶楼房屋漏水",
        content: "我家住{b}号楼顶层，下雨天屋顶漏水，墙面发霉，请公租房管理部门维修。",
        measures: "对屋面防水层进行修补",
        reply: "已对屋面进行防水修补，经雨天观察无渗漏。",
    },
    Topic {
        category: "市容环境/占道经营/流动摊贩",
        kind: RequestType::Report,
        unit: "CGJ",
        subject: "小区门口占道经营",
        content: "小区南门每天傍晚有很多流动摊贩占道经营，堵塞通道，车辆进出困难。",
        measures: "城管执法队员劝离并设置临时疏导点",
        reply: "已对占道摊贩进行劝导，并在附近设置便民疏导点。",
    },
    Topic {
        category: "社会治安/噪音/夜间施工",
        kind: RequestType::Complaint,
        unit: "HBJ",
        subject: "夜间施工噪音扰民",
        content: "附近工地晚上十一点以后还在施工，噪音很大，影响休息，孩子第二天还要上学。",
        measures: "责令施工单位停止夜间施工",
        reply: "已责令施工单位严格遵守施工时间，夜间不再施工。",
    },
    Topic {
        category: "交通出行/停车/乱停车",
        kind: RequestType::Complaint,
        unit: "DXY-TC",
        subject: "消防通道被占用",
        content: "{b}号楼前的消防通道经常被私家车占用，万一发生火灾消防车进不来。",
        measures: "施划禁停标线，安装提示牌",
        reply: "已施划消防通道禁停标线并安装提示牌，安排专人巡查。",
    },
    Topic {
        category: "市政设施/排水/下水道",
        kind: RequestType::Help,
        unit: "*",
        subject: "下水道堵塞返水",
        content: "{b}号楼{u}单元一楼下水道堵塞，污水返到家里，请尽快疏通。",
        measures: "疏通下水管道",
        reply: "已疏通下水管道，排水恢复正常。",
    },
    Topic {
        category: "公共服务/养老服务/助餐",
        kind: RequestType::Consult,
        unit: "=",
        subject: "老年助餐怎么办理",
        content: "我家老人80岁了，想问问社区日间照料中心的助餐服务怎么报名，收费多少。",
        measures: "电话告知报名方式和收费标准",
        reply: "已告知老人助餐服务的报名地点、时间和收费标准。",
    },
    Topic {
        category: "供水供电/停水/水压低",
        kind: RequestType::Help,
        unit: "GSGS",
        subject: "高层水压不足",
        content: "{b}号楼高层住户用水水压很低，早晚用水高峰基本没水。",
        measures: "调整二次供水加压设备",
        reply: "已调整二次供水加压设备参数，高层水压恢复正常。",
    },
    Topic {
        category: "城乡建设/违章搭建/私搭乱建",
        kind: RequestType::Report,
        unit: "CGJ",
        subject: "一楼私搭乱建",
        content: "{b}号楼一楼住户在绿地上私自搭建棚子，占用公共绿地。",
        measures: "依法拆除违章搭建",
        reply: "经核实属违章搭建，已依法责令拆除并恢复绿地。",
    },
    Topic {
        category: "物业管理/电梯/故障",
        kind: RequestType::Complaint,
        unit: "*",
        subject: "电梯经常故障",
        content: "{b}号楼{u}单元的电梯这个月已经停了三次，老人上下楼很困难。",
        measures: "电梯维保单位全面检修并更换部件",
        reply: "已组织维保单位全面检修，更换了门机部件，电梯运行正常。",
    },
    Topic {
        category: "市政设施/道路/井盖",
        kind: RequestType::Report,
        unit: "SZYL",
        subject: "井盖破损",
        content: "小区东侧道路上有一个井盖破损下陷，晚上看不清，容易绊倒人。",
        measures: "更换井盖并设置警示",
        reply: "已更换破损井盖。",
    },
    Topic {
        category: "环境卫生/绿化/树木修剪",
        kind: RequestType::Suggestion,
        unit: "*",
        subject: "树木遮挡采光",
        content: "{b}号楼南侧的树长得太高，遮挡低层住户采光，建议修剪。",
        measures: "对树木进行修剪",
        reply: "已安排绿化养护人员对树木进行修剪。",
    },
    Topic {
        category: "社区服务/文体活动/场地",
        kind: RequestType::Suggestion,
        unit: "=",
        subject: "建议增加健身器材",
        content: "小区中心广场人多，健身器材太少，建议再增加一些适合老人的器材。",
        measures: "新增健身器材6件",
        reply: "已在中心广场新增适老健身器材6件。",
    },
    Topic {
        category: "社区服务/表扬/工作人员",
        kind: RequestType::Praise,
        unit: "=",
        subject: "表扬网格员",
        content: "感谢网格员小王，帮助我们独居老人办理了医保，还经常上门看望。",
        measures: "转达表扬",
        reply: "感谢您的肯定，已将表扬转达给网格员本人。",
    },
];

/// Chinese names for demo requesters (generated, not real people).
const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: [&str; 20] = [
    "秀英", "建国", "丽华", "志强", "桂芳", "文军", "淑珍", "海燕", "国庆", "玉兰", "卫东", "红梅",
    "春生", "俊杰", "小燕", "德明", "凤英", "新华", "雪梅", "永福",
];

fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    ZONE.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("valid local time")
        .with_timezone(&Utc)
}

struct Sim<'a> {
    org: &'a Org,
    calendar: &'a minhu_domain::calendar::Calendar,
    sla: &'a minhu_domain::sla::SlaPolicy,
    rng: StdRng,
    out: Vec<(Request, String, Vec<Event>)>,
    seq_code: u64,
}

type Step = (Actor, Command);

impl Sim<'_> {
    fn person(&self, role: Role, scope: &str) -> Actor {
        let name = match role {
            Role::DistrictAdmin => "zhangzhan".to_string(),
            Role::StreetStaff => format!("{}_street", scope.to_lowercase()),
            Role::CommunityStaff => format!("{}_staff", scope.to_lowercase()),
            Role::GridWorker => format!("{}_g1", scope.to_lowercase()),
            Role::UnitHandler => format!("h_{}", scope.to_lowercase().replace('-', "_")),
            Role::Auditor => "auditor".to_string(),
        };
        Actor::person(&name, role, scope)
    }

    fn requester(&mut self) -> Requester {
        let name = format!(
            "{}{}",
            SURNAMES.choose(&mut self.rng).unwrap(),
            GIVEN.choose(&mut self.rng).unwrap()
        );
        let prefix = ["138", "139", "150", "186", "137", "158", "176", "135"]
            .choose(&mut self.rng)
            .unwrap()
            .to_string();
        let phone = format!("{prefix}{:08}", self.rng.random_range(0..100_000_000u32));
        Requester {
            name: Some(name),
            phone: Some(phone),
        }
    }

    /// Registers a request and plays `steps` on it, each some minutes after the previous.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        intake: Intake,
        clerk: Actor,
        steps: Vec<Step>,
        gap_minutes: (i64, i64),
        merge_target: Option<&Request>,
    ) -> Result<Request, String> {
        let org = self.org;
        let jur = org
            .jurisdiction(&intake.jurisdiction)
            .ok_or("unknown jurisdiction")?;
        let mut at = intake.received_at;
        let first = Event {
            seq: 1,
            at,
            actor: clerk.username.clone(),
            role: clerk.role_str().into(),
            data: EventData::Register {
                channel: intake.channel,
                kind: intake.kind,
                jurisdiction: intake.jurisdiction.clone(),
                tier: Tier::for_level(jur.level),
                category: intake.category.clone(),
            },
        };
        let id = (self.out.len() + 1) as i64;
        let mut req = Request::replay(id, intake, std::slice::from_ref(&first));
        let mut events = vec![first];
        for (actor, cmd) in steps {
            at += Duration::minutes(self.rng.random_range(gap_minutes.0..=gap_minutes.1));
            let ctx = Ctx {
                now: at,
                org,
                calendar: self.calendar,
                sla: self.sla,
                merge_target,
            };
            let data = decide(&req, &cmd, &actor, &ctx)
                .map_err(|e| format!("demo step {} on {}: {e}", cmd.action(), req.intake.code))?;
            let e = Event {
                seq: req.version + 1,
                at,
                actor: actor.username.clone(),
                role: actor.role_str().into(),
                data,
            };
            req.apply(&e);
            events.push(e);
        }
        let path = org.path(&req.intake.jurisdiction);
        self.out.push((req.clone(), path, events));
        Ok(req)
    }

    fn code(&mut self, at: DateTime<Utc>) -> String {
        self.seq_code += 1;
        let y = at.with_timezone(&ZONE).format("%y");
        format!(
            "{y}{:04}{:06}",
            self.rng.random_range(1000..10000u32),
            self.seq_code
        )
    }

    fn intake(
        &mut self,
        channel: Channel,
        topic: &Topic,
        jurisdiction: &str,
        at: DateTime<Utc>,
    ) -> Intake {
        let b = self.rng.random_range(1..=14);
        let unit_no = self.rng.random_range(1..=3);
        let content = topic
            .content
            .replace("{b}", &b.to_string())
            .replace("{u}", &unit_no.to_string());
        let community = self
            .org
            .ancestor_at(jurisdiction, Level::Community)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        Intake {
            code: self.code(at),
            channel,
            kind: topic.kind,
            subject: Some(topic.subject.to_string()),
            content,
            requester: self.requester(),
            address: Some(format!(
                "{}{}号楼{}单元",
                community.trim_end_matches("社区"),
                b,
                unit_no
            )),
            lat: None,
            lon: None,
            jurisdiction: jurisdiction.to_string(),
            category: Some(topic.category.to_string()),
            confidential: false,
            external_id: if channel.is_offline() {
                None
            } else {
                Some(format!(
                    "{}-{}",
                    channel.as_str().to_uppercase(),
                    self.seq_code
                ))
            },
            received_at: at,
        }
    }

    /// The unit a topic goes to in a community, and who handles it.
    fn handler_for(&self, topic: &Topic, community: &str) -> (String, Actor) {
        let unit = match topic.unit {
            "=" => community.to_string(),
            "*" => {
                if community == DEXINYUAN {
                    "DXY-WY".to_string()
                } else {
                    format!("{community}-WY")
                }
            }
            code => code.to_string(),
        };
        let actor = if unit == community {
            self.person(Role::CommunityStaff, community)
        } else {
            self.person(Role::UnitHandler, &unit)
        };
        (unit, actor)
    }

    /// Steps from registration to a closed request with a callback.
    fn closed_steps(
        &mut self,
        topic: &Topic,
        community: &str,
        upstream: bool,
        satisfaction: Satisfaction,
    ) -> Vec<Step> {
        let staff = self.person(Role::CommunityStaff, community);
        let dispatcher = if upstream {
            self.person(Role::DistrictAdmin, DISTRICT)
        } else {
            staff.clone()
        };
        let (unit, handler) = self.handler_for(topic, community);
        // The community cannot send to district departments: those go through the district office.
        let dispatcher = if self
            .org
            .unit(&unit)
            .is_some_and(|u| u.jurisdiction == DISTRICT)
        {
            self.person(Role::DistrictAdmin, DISTRICT)
        } else {
            dispatcher
        };
        let mut steps = vec![
            (dispatcher.clone(), Command::Accept { note: None }),
            (
                dispatcher.clone(),
                Command::Dispatch {
                    unit,
                    co_units: vec![],
                    difficulty: None,
                    urgency: None,
                },
            ),
            (handler.clone(), Command::Sign),
        ];
        if self.rng.random_bool(0.4) {
            steps.push((
                handler.clone(),
                Command::Progress {
                    note: "已到现场核实，正在安排处理。".into(),
                },
            ));
        }
        steps.push((
            handler,
            Command::Reply {
                account: format!("经现场核实情况属实。{}", topic.measures),
                public_reply: topic.reply.into(),
                measures: Some(topic.measures.into()),
                solved: true,
            },
        ));
        steps.push((
            dispatcher,
            Command::Review {
                pass: true,
                note: None,
            },
        ));
        steps.push((
            staff,
            Command::Callback {
                reached: true,
                contacted: true,
                solved: satisfaction != Satisfaction::Unsatisfied,
                satisfaction: Some(satisfaction),
                note: None,
            },
        ));
        steps
    }
}

/// All communities of the demo, in order.
fn communities() -> Vec<&'static str> {
    STREETS
        .iter()
        .flat_map(|(_, _, cs)| cs.iter().map(|(c, _, _)| *c))
        .collect()
}

/// Working-day moments in the seed period for `n` requests.
fn spread(sim: &mut Sim, n: usize, from: NaiveDate, to: NaiveDate) -> Vec<DateTime<Utc>> {
    let days: Vec<NaiveDate> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| sim.calendar.is_working_day(*d))
        .collect();
    (0..n)
        .map(|i| {
            let d = days[i * days.len() / n.max(1)];
            let h = sim.rng.random_range(8..17);
            let m = sim.rng.random_range(0..60);
            local(d.year_ce().1 as i32, d.month0() + 1, d.day0() + 1, h, m)
        })
        .collect()
}

use chrono::Datelike;

/// Builds the whole demo history. `now` places the live requests.
pub fn history(
    org: &Org,
    calendar: &minhu_domain::calendar::Calendar,
    sla: &minhu_domain::sla::SlaPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<(Request, String, Vec<Event>)>, String> {
    let mut sim = Sim {
        org,
        calendar,
        sla,
        rng: StdRng::seed_from_u64(2026),
        out: Vec::new(),
        seq_code: 0,
    };
    let start = NaiveDate::from_ymd_opt(2026, 4, 16).unwrap();
    let statement = NaiveDate::from_ymd_opt(2026, 6, 10).unwrap();
    let others: Vec<&str> = communities()
        .into_iter()
        .filter(|c| *c != DEXINYUAN)
        .collect();
    let offline = [
        Channel::WalkIn,
        Channel::StationHotline,
        Channel::GridPatrol,
        Channel::SuggestionBox,
        Channel::Council,
    ];

    // 1. The e-bike charging case: 贺桂莲's complaint, from the counter to the echo wall.
    let at = local(2026, 4, 20, 9, 30);
    let mut ebike = Intake {
        code: sim.code(at),
        channel: Channel::WalkIn,
        kind: RequestType::Complaint,
        subject: Some("地下室电动车充电难".into()),
        content: "小区电动车充电桩设在地下室，地下室结构不合理，推车上下很困难，老人根本推不动，充电成了大难题，希望把充电桩建到地面上。".into(),
        requester: Requester { name: Some("贺桂莲".into()), phone: Some("13937125806".into()) },
        address: Some("德馨苑6号楼".into()),
        lat: None,
        lon: None,
        jurisdiction: "DXY-G03".into(),
        category: Some("公共服务/充电设施/电动车充电".into()),
        confidential: false,
        external_id: None,
        received_at: at,
    };
    let staff = sim.person(Role::CommunityStaff, DEXINYUAN);
    let cd = sim.person(Role::UnitHandler, "DXY-CD");
    let ebike_steps = vec![
        (
            staff.clone(),
            Command::Accept {
                note: Some("居民反映集中，列为重点件".into()),
            },
        ),
        (
            staff.clone(),
            Command::Dispatch {
                unit: "DXY-CD".into(),
                co_units: vec!["DXY-WY".into(), "DXY-GZF".into()],
                difficulty: Some(minhu_domain::request::Difficulty::Key),
                urgency: None,
            },
        ),
        (cd.clone(), Command::Sign),
        (
            cd.clone(),
            Command::Progress {
                note: "已与物业、公租房管理站现场查看，确定在中心广场东侧地面建设充电棚。".into(),
            },
        ),
        (
            cd.clone(),
            Command::Reply {
                account: "协调物业与公租房管理站，将充电桩统一迁建至地面，采用手机APP扫码缴费。"
                    .into(),
                public_reply: "充电桩已统一建到地面，居民可扫码充电。".into(),
                measures: Some("充电桩统一建在地面，采用手机APP缴费".into()),
                solved: true,
            },
        ),
        (
            staff.clone(),
            Command::Review {
                pass: true,
                note: None,
            },
        ),
        (
            staff.clone(),
            Command::Callback {
                reached: true,
                contacted: true,
                solved: true,
                satisfaction: Some(Satisfaction::Satisfied),
                note: Some("居民对地面充电很满意，但提出老人没有智能手机无法缴费".into()),
            },
        ),
    ];
    sim.run(ebike.clone(), staff.clone(), ebike_steps, (60, 600), None)?;
    // Her follow-up: elderly residents without smartphones cannot pay through the app.
    ebike.received_at = local(2026, 5, 11, 10, 0);
    ebike.code = sim.code(ebike.received_at);
    ebike.subject = Some("老年人无智能手机无法扫码充电".into());
    ebike.content =
        "地面充电桩只能用手机APP缴费，我们老年人没有智能手机，充不了电，希望增加别的缴费方式。"
            .into();
    let wy = sim.person(Role::UnitHandler, "DXY-WY");
    let followup = vec![
        (staff.clone(), Command::Accept { note: None }),
        (
            staff.clone(),
            Command::Dispatch {
                unit: "DXY-CD".into(),
                co_units: vec!["DXY-WY".into()],
                difficulty: Some(minhu_domain::request::Difficulty::Key),
                urgency: None,
            },
        ),
        (cd.clone(), Command::Sign),
        (
            wy.clone(),
            Command::Progress {
                note: "物业服务中心可办理充电卡充值。".into(),
            },
        ),
        (
            cd.clone(),
            Command::Reply {
                account: "对充电桩缴费系统升级改造，增加刷卡充电；物业服务中心办理充值卡。".into(),
                public_reply: "充电桩已升级，老人可到物业办理充值卡直接刷卡充电。".into(),
                measures: Some("充电桩缴费升级改造，增加充值卡刷卡充电".into()),
                solved: true,
            },
        ),
        (
            staff.clone(),
            Command::Review {
                pass: true,
                note: None,
            },
        ),
        (
            staff.clone(),
            Command::Callback {
                reached: true,
                contacted: true,
                solved: true,
                satisfaction: Some(Satisfaction::Satisfied),
                note: Some("现在我们老年人再也不用为电动车充电发愁了".into()),
            },
        ),
    ];
    sim.run(ebike.clone(), staff.clone(), followup, (60, 900), None)?;
    // The seed's problem-wall example: open corridors on windy days.
    let at = local(2026, 5, 6, 15, 20);
    let corridor = Intake {
        code: sim.code(at),
        channel: Channel::SuggestionBox,
        kind: RequestType::Help,
        subject: Some("楼层过道未封闭".into()),
        content: "楼层过道未封闭，大风天气易受影响，存在安全隐患。".into(),
        requester: sim.requester(),
        address: Some("德馨苑9号楼".into()),
        lat: None,
        lon: None,
        jurisdiction: "DXY-G04".into(),
        category: Some("物业管理/公共设施/楼道".into()),
        confidential: false,
        external_id: None,
        received_at: at,
    };
    let gzf = sim.person(Role::UnitHandler, "DXY-GZF");
    let corridor_steps = vec![
        (staff.clone(), Command::Accept { note: None }),
        (
            staff.clone(),
            Command::Dispatch {
                unit: "DXY-GZF".into(),
                co_units: vec![],
                difficulty: None,
                urgency: None,
            },
        ),
        (gzf.clone(), Command::Sign),
        (
            gzf.clone(),
            Command::Reply {
                account: "对9号楼各层过道加装玻璃窗户。".into(),
                public_reply: "已加装完毕。".into(),
                measures: Some("楼层加装玻璃窗户".into()),
                solved: true,
            },
        ),
        (
            staff.clone(),
            Command::Review {
                pass: true,
                note: None,
            },
        ),
        (
            staff.clone(),
            Command::Callback {
                reached: true,
                contacted: true,
                solved: true,
                satisfaction: Some(Satisfaction::Satisfied),
                note: None,
            },
        ),
    ];
    sim.run(corridor, staff.clone(), corridor_steps, (120, 1500), None)?;

    // 2. 德馨苑's other 26 closed requests (29 closed in all), offline, all satisfied.
    let dxy_topics: Vec<&Topic> = TOPICS
        .iter()
        .filter(|t| !t.unit.starts_with(char::is_uppercase) || t.unit.starts_with("DXY"))
        .collect();
    let times = spread(&mut sim, 26, start, statement);
    for (i, at) in times.into_iter().enumerate() {
        let topic = dxy_topics[i % dxy_topics.len()];
        let grid = format!("{DEXINYUAN}-G{:02}", 1 + i % 5);
        let channel = offline[i % offline.len()];
        let intake = sim.intake(channel, topic, &grid, at);
        let steps = sim.closed_steps(topic, DEXINYUAN, false, Satisfaction::Satisfied);
        // Grid workers register what they find on patrol; the counter registers the rest.
        let clerk = if channel == Channel::GridPatrol {
            Actor::person(&format!("dxy_g{}", 1 + i % 5), Role::GridWorker, &grid)
        } else {
            staff.clone()
        };
        sim.run(intake, clerk, steps, (30, 600), None)?;
    }

    // 3. The rest of the district's offline requests: 278 in all by 11 June, 270 satisfied
    // and 8 unsatisfied (satisfaction rate 270 / 278 = 97 %).
    let times = spread(&mut sim, 278 - 29, start, statement);
    for (i, at) in times.into_iter().enumerate() {
        let community = others[i % others.len()];
        let topic = &TOPICS[(i * 7) % TOPICS.len()];
        let topic = if topic.unit.starts_with("DXY") {
            &TOPICS[0]
        } else {
            topic
        };
        let satisfaction = if i % 31 == 5 {
            Satisfaction::Unsatisfied
        } else {
            Satisfaction::Satisfied
        };
        let intake = sim.intake(offline[i % offline.len()], topic, community, at);
        let steps = sim.closed_steps(topic, community, false, satisfaction);
        let clerk = sim.person(Role::CommunityStaff, community);
        sim.run(intake, clerk, steps, (30, 900), None)?;
    }

    // 4. Upstream channels, all closed in the period, dispatched by the district office.
    for (channel, n) in [
        (Channel::Hotline12345, 201),
        (Channel::WebMessage, 27),
        (Channel::MayorMailbox, 65),
        (Channel::UrbanManagement, 788),
    ] {
        let times = spread(&mut sim, n, start, statement);
        for (i, at) in times.into_iter().enumerate() {
            let community = others[(i * 3 + n) % others.len()];
            let topic = &TOPICS[(i * 5 + n) % TOPICS.len()];
            let topic = if topic.unit.starts_with("DXY") {
                &TOPICS[4]
            } else {
                topic
            };
            let satisfaction = match i % 20 {
                0 => Satisfaction::BasicallySatisfied,
                _ => Satisfaction::Satisfied,
            };
            let intake = sim.intake(channel, topic, community, at);
            let steps = sim.closed_steps(topic, community, true, satisfaction);
            let clerk = sim.person(Role::DistrictAdmin, DISTRICT);
            sim.run(intake, clerk, steps, (20, 400), None)?;
        }
    }

    // 5. 德馨苑's 7 requests still being handled (received 12–15 June).
    let open_times = [
        local(2026, 6, 12, 9, 10),
        local(2026, 6, 12, 14, 0),
        local(2026, 6, 12, 16, 40),
        local(2026, 6, 15, 8, 50),
        local(2026, 6, 15, 9, 30),
        local(2026, 6, 15, 10, 15),
        local(2026, 6, 15, 11, 0),
    ];
    for (i, at) in open_times.into_iter().enumerate() {
        let topic = dxy_topics[(i + 3) % dxy_topics.len()];
        let grid = format!("{DEXINYUAN}-G{:02}", 1 + i % 5);
        let intake = sim.intake(offline[i % offline.len()], topic, &grid, at);
        let mut steps = sim.closed_steps(topic, DEXINYUAN, false, Satisfaction::Satisfied);
        steps.retain(|(_, c)| !matches!(c, Command::Progress { .. }));
        // dispatched, in progress ×3, suspended, replied, pending callback
        let keep = [2, 3, 3, 3, 3, 4, 5][i];
        steps.truncate(keep.min(steps.len()));
        if i == 4 {
            steps.push((
                staff.clone(),
                Command::Suspend {
                    reason: "需等待雨季结束后施工".into(),
                },
            ));
        }
        sim.run(intake, staff.clone(), steps, (20, 120), None)?;
    }

    // 6. Live requests across the other communities, in every state, over the last days.
    let states = [
        "registered",
        "directly_answered",
        "not_accepted",
        "pending_dispatch",
        "dispatched",
        "return_requested",
        "in_progress",
        "suspended",
        "replied",
        "pending_callback",
        "closed",
        "archived",
        "merged",
        "escalated",
    ];
    let mut last_open: Option<Request> = None;
    for (i, which) in states.iter().cycle().take(states.len() * 2).enumerate() {
        // A duplicate is registered where the request it repeats is.
        let community = match (&last_open, *which) {
            (Some(t), "merged") => others
                .iter()
                .copied()
                .find(|c| *c == t.intake.jurisdiction)
                .unwrap_or(others[0]),
            _ => others[i % others.len()],
        };
        let topic = &TOPICS[(i * 3) % TOPICS.len()];
        let topic = if topic.unit.starts_with("DXY") || topic.unit.starts_with(char::is_uppercase) {
            &TOPICS[2]
        } else {
            topic
        };
        let at = now - Duration::hours(30 + (i as i64) * 5);
        let intake = sim.intake(offline[i % offline.len()], topic, community, at);
        let cstaff = sim.person(Role::CommunityStaff, community);
        let mut full = sim.closed_steps(topic, community, false, Satisfaction::Satisfied);
        full.retain(|(_, c)| !matches!(c, Command::Progress { .. }));
        let (_, handler) = sim.handler_for(topic, community);
        let steps: Vec<Step> = match *which {
            "registered" => vec![],
            "directly_answered" => vec![(
                cstaff.clone(),
                Command::Answer {
                    reply: "已当场答复：办理居住证明请携带身份证到社区服务站窗口。".into(),
                },
            )],
            "not_accepted" => vec![(
                cstaff.clone(),
                Command::Reject {
                    reason_code: 4,
                    note: Some("该事项已进入诉讼程序".into()),
                    referral: None,
                },
            )],
            "pending_dispatch" => full[..1].to_vec(),
            "dispatched" => full[..2].to_vec(),
            "return_requested" => {
                let mut s = full[..2].to_vec();
                s.push((
                    handler.clone(),
                    Command::RequestReturn {
                        reason: "该事项不属于本单位职责".into(),
                    },
                ));
                s
            }
            "in_progress" => full[..3].to_vec(),
            "suspended" => {
                let mut s = full[..3].to_vec();
                s.push((
                    cstaff.clone(),
                    Command::Suspend {
                        reason: "等待业主委员会表决".into(),
                    },
                ));
                s
            }
            "replied" => full[..4].to_vec(),
            "pending_callback" => full[..5].to_vec(),
            "closed" => full.clone(),
            "archived" => {
                let mut s = full.clone();
                s.push((sim.person(Role::DistrictAdmin, DISTRICT), Command::Archive));
                s
            }
            "merged" => match &last_open {
                Some(t) => vec![(cstaff.clone(), Command::Merge { into: t.id })],
                None => vec![],
            },
            "escalated" => {
                let mut s = full[..3].to_vec();
                s.push((
                    handler.clone(),
                    Command::Escalate {
                        reason: "涉及多个部门，社区无法协调".into(),
                    },
                ));
                s
            }
            _ => vec![],
        };
        let target = last_open.clone();
        let req = sim.run(intake, cstaff, steps, (20, 120), target.as_ref())?;
        if req.state.is_open() && req.state != minhu_domain::request::State::Merged {
            last_open = Some(req);
        }
    }
    Ok(sim.out)
}

/// The demo's dispatch catalogue (派单目录): category prefix × area → unit, with the
/// district office as the fallback (兜底).
async fn seed_catalogue(store: &minhu_store::Store) -> Result<(), minhu_store::StoreError> {
    store
        .add_dispatch_rule("", DISTRICT, "ZHB", &[], "兜底：无匹配时由区综合办公室派单")
        .await?;
    for (category, unit, note) in [
        ("市政设施/照明", "SZYL", "路灯照明：区市政园林局"),
        ("市政设施/道路", "SZYL", "道路井盖：区市政园林局"),
        ("市容环境", "CGJ", "市容与占道经营：区城管执法局"),
        ("城乡建设/违章搭建", "CGJ", "违章搭建：区城管执法局"),
        ("社会治安/噪音", "HBJ", "噪音：区生态环境分局"),
        ("供水供电", "GSGS", "供水：市自来水公司"),
    ] {
        store
            .add_dispatch_rule(category, DISTRICT, unit, &[], note)
            .await?;
    }
    for community in communities() {
        let wy = if community == DEXINYUAN {
            "DXY-WY".to_string()
        } else {
            format!("{community}-WY")
        };
        store
            .add_dispatch_rule(
                "物业管理",
                community,
                &wy,
                &[],
                "物业事项：本小区物业服务中心",
            )
            .await?;
        store
            .add_dispatch_rule(
                "环境卫生",
                community,
                &wy,
                &[],
                "保洁清运：本小区物业服务中心",
            )
            .await?;
        store
            .add_dispatch_rule("社区服务", community, community, &[], "社区自办")
            .await?;
        store
            .add_dispatch_rule("公共服务", community, community, &[], "社区自办")
            .await?;
    }
    store
        .add_dispatch_rule(
            "公共服务/充电设施",
            DEXINYUAN,
            "DXY-CD",
            &["DXY-WY".to_string()],
            "电动车充电：充电服务点主办，物业协办",
        )
        .await?;
    store
        .add_dispatch_rule(
            "物业管理/房屋维修",
            DEXINYUAN,
            "DXY-GZF",
            &[],
            "公租房维修：公租房管理站",
        )
        .await?;
    Ok(())
}

/// 德馨苑's 5 grids as polygons (WGS84, side by side) and its 14 buildings.
pub const DXY_ORIGIN: (f64, f64) = (35.7600, 115.0250);
/// Longitude width of one demo grid.
pub const DXY_GRID_WIDTH: f64 = 0.002;

async fn seed_places(store: &minhu_store::Store) -> Result<(), minhu_store::StoreError> {
    let (lat0, lon0) = DXY_ORIGIN;
    for g in 0..5 {
        let west = lon0 + g as f64 * DXY_GRID_WIDTH;
        let shape = minhu_domain::geo::rectangle(west, lat0, west + DXY_GRID_WIDTH, lat0 + 0.004);
        let gj = geojson::Geometry::from(&shape);
        store
            .set_grid_shape(&format!("{DEXINYUAN}-G{:02}", g + 1), &gj.to_string())
            .await?;
    }
    // Buildings 1–3 in grid 1, 4–5 in grid 2, 6–8 in grid 3, 9–11 in grid 4, 12–14 in grid 5.
    for b in 1..=14u32 {
        let grid = match b {
            1..=3 => 1,
            4..=5 => 2,
            6..=8 => 3,
            9..=11 => 4,
            _ => 5,
        };
        store
            .set_address(
                &format!("德馨苑{b}号楼"),
                &format!("{DEXINYUAN}-G{grid:02}"),
                None,
                None,
            )
            .await?;
    }
    Ok(())
}

/// Loads the demo into an empty database: organisation, accounts and history.
/// Returns false (and changes nothing) when the database already holds requests.
pub async fn load(app: &AppState) -> Result<bool, String> {
    let store = &app.store;
    if store.count_requests().await.map_err(|e| e.to_string())? > 0 {
        return Ok(false);
    }
    let (js, us) = organisation();
    store
        .upsert_org(&js, &us)
        .await
        .map_err(|e| e.to_string())?;
    crate::open311::catalogue::seed_demo(store).await?;
    app.reload().await.map_err(|e| e.to_string())?;
    let org = app.org();
    // One hash for every demo account: hashing is deliberately slow.
    let hash = crate::auth::hash_password(DEMO_PASSWORD);
    for (username, display, role, scope) in accounts(&org) {
        match store
            .add_user(&username, Some(&display), role, &scope, Some(&hash))
            .await
        {
            Ok(_) | Err(minhu_store::StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    seed_catalogue(store).await.map_err(|e| e.to_string())?;
    seed_places(store).await.map_err(|e| e.to_string())?;
    let items = history(&org, &app.calendar(), &app.sla(), app.now())?;
    store.bulk_insert(&items).await.map_err(|e| e.to_string())?;
    app.reload().await.map_err(|e| e.to_string())?;
    Ok(true)
}
