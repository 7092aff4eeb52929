//! The demo history, in the seed's periods: 德馨苑's own cases (the e-bike charging case and
//! the open corridors), its other closed requests, the district's offline requests, the
//! upstream channels, 德馨苑's requests still being handled, and live requests in every state
//! around the time of loading. The steps run in this order on one seeded random source, so
//! the history (and its figures) are the same every time.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use minhu_domain::calendar::Calendar;
use minhu_domain::lifecycle::Command;
use minhu_domain::org::{Actor, Org, Role};
use minhu_domain::request::{
    Channel, Difficulty, Intake, Request, RequestType, Requester, Satisfaction, State,
};
use minhu_domain::sla::SlaPolicy;

use super::DemoError;
use super::org::{DEXINYUAN, DISTRICT, others};
use super::sim::{Item, Sim, Step, local, spread};
use super::topics::{TOPICS, Topic};

/// The seed period opens on 16 April 2026 …
const START: NaiveDate = date(2026, 4, 16);
/// … and the district's statement counts to 10 June.
const STATEMENT: NaiveDate = date(2026, 6, 10);

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("not a date"),
    }
}

/// The offline channels, in the order the history cycles through them.
const OFFLINE: [Channel; 5] = [
    Channel::WalkIn,
    Channel::StationHotline,
    Channel::GridPatrol,
    Channel::SuggestionBox,
    Channel::Council,
];

/// Builds the whole demo history. `now` places the live requests.
pub fn history(
    org: &Org,
    calendar: &Calendar,
    sla: &SlaPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<Item>, DemoError> {
    let mut sim = Sim::new(org, calendar, sla);
    ebike_case(&mut sim)?;
    corridor_case(&mut sim)?;
    dexinyuan_closed(&mut sim)?;
    district_offline(&mut sim)?;
    upstream_channels(&mut sim)?;
    dexinyuan_open(&mut sim)?;
    live_requests(&mut sim, now)?;
    Ok(sim.out)
}

/// The topics 德馨苑's own requests are about (its community office, its property company or
/// one of its own units handles them).
fn dexinyuan_topics() -> Vec<&'static Topic> {
    TOPICS
        .iter()
        .filter(|t| !t.named_unit() || t.dexinyuan_unit())
        .collect()
}

/// A closed request's last steps: the reply, its review and the callback.
fn reply_review_callback(
    handler: &Actor,
    staff: &Actor,
    account: &str,
    public_reply: &str,
    measures: &str,
    callback_note: Option<&str>,
) -> Vec<Step> {
    vec![
        (
            handler.clone(),
            Command::Reply {
                account: account.into(),
                public_reply: public_reply.into(),
                measures: Some(measures.into()),
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
                note: callback_note.map(Into::into),
            },
        ),
    ]
}

/// Accepting a request and sending it to a unit of 德馨苑, which signs for it.
fn accept_dispatch_sign(
    staff: &Actor,
    handler: &Actor,
    unit: &str,
    co_units: &[&str],
    accept_note: Option<&str>,
    difficulty: Option<Difficulty>,
) -> Vec<Step> {
    vec![
        (
            staff.clone(),
            Command::Accept {
                note: accept_note.map(Into::into),
            },
        ),
        (
            staff.clone(),
            Command::Dispatch {
                unit: unit.into(),
                co_units: co_units.iter().map(|c| c.to_string()).collect(),
                difficulty,
                urgency: None,
            },
        ),
        (handler.clone(), Command::Sign),
    ]
}

/// Step 1: The e-bike charging case: 贺桂莲's complaint, from the counter to the echo wall, and
/// her follow-up (elderly residents without smartphones cannot pay through the app).
fn ebike_case(sim: &mut Sim) -> Result<(), DemoError> {
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
    let mut steps = accept_dispatch_sign(
        &staff,
        &cd,
        "DXY-CD",
        &["DXY-WY", "DXY-GZF"],
        Some("居民反映集中，列为重点件"),
        Some(Difficulty::Key),
    );
    steps.push((
        cd.clone(),
        Command::Progress {
            note: "已与物业、公租房管理站现场查看，确定在中心广场东侧地面建设充电棚。".into(),
        },
    ));
    steps.extend(reply_review_callback(
        &cd,
        &staff,
        "协调物业与公租房管理站，将充电桩统一迁建至地面，采用手机APP扫码缴费。",
        "充电桩已统一建到地面，居民可扫码充电。",
        "充电桩统一建在地面，采用手机APP缴费",
        Some("居民对地面充电很满意，但提出老人没有智能手机无法缴费"),
    ));
    sim.run(ebike.clone(), staff.clone(), steps, (60, 600), None)?;

    ebike.received_at = local(2026, 5, 11, 10, 0);
    ebike.code = sim.code(ebike.received_at);
    ebike.subject = Some("老年人无智能手机无法扫码充电".into());
    ebike.content =
        "地面充电桩只能用手机APP缴费，我们老年人没有智能手机，充不了电，希望增加别的缴费方式。"
            .into();
    let wy = sim.person(Role::UnitHandler, "DXY-WY");
    let mut steps = accept_dispatch_sign(
        &staff,
        &cd,
        "DXY-CD",
        &["DXY-WY"],
        None,
        Some(Difficulty::Key),
    );
    steps.push((
        wy,
        Command::Progress {
            note: "物业服务中心可办理充电卡充值。".into(),
        },
    ));
    steps.extend(reply_review_callback(
        &cd,
        &staff,
        "对充电桩缴费系统升级改造，增加刷卡充电；物业服务中心办理充值卡。",
        "充电桩已升级，老人可到物业办理充值卡直接刷卡充电。",
        "充电桩缴费升级改造，增加充值卡刷卡充电",
        Some("现在我们老年人再也不用为电动车充电发愁了"),
    ));
    sim.run(ebike, staff, steps, (60, 900), None)?;
    Ok(())
}

/// The seed's problem-wall example: open corridors on windy days.
fn corridor_case(sim: &mut Sim) -> Result<(), DemoError> {
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
    let staff = sim.person(Role::CommunityStaff, DEXINYUAN);
    let gzf = sim.person(Role::UnitHandler, "DXY-GZF");
    let mut steps = accept_dispatch_sign(&staff, &gzf, "DXY-GZF", &[], None, None);
    steps.extend(reply_review_callback(
        &gzf,
        &staff,
        "对9号楼各层过道加装玻璃窗户。",
        "已加装完毕。",
        "楼层加装玻璃窗户",
        None,
    ));
    sim.run(corridor, staff, steps, (120, 1500), None)?;
    Ok(())
}

/// Step 2: 德馨苑's other 26 closed requests (29 closed in all), offline, all satisfied.
fn dexinyuan_closed(sim: &mut Sim) -> Result<(), DemoError> {
    let topics = dexinyuan_topics();
    let staff = sim.person(Role::CommunityStaff, DEXINYUAN);
    let times = spread(sim, 26, START, STATEMENT);
    for (i, at) in times.into_iter().enumerate() {
        let topic = topics[i % topics.len()];
        let grid = format!("{DEXINYUAN}-G{:02}", 1 + i % 5);
        let channel = OFFLINE[i % OFFLINE.len()];
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
    Ok(())
}

/// Step 3: The rest of the district's offline requests: 278 in all by 11 June, 270 satisfied and
/// 8 unsatisfied (satisfaction rate 270 / 278 = 97 %).
fn district_offline(sim: &mut Sim) -> Result<(), DemoError> {
    let others = others();
    let times = spread(sim, 278 - 29, START, STATEMENT);
    for (i, at) in times.into_iter().enumerate() {
        let community = others[i % others.len()];
        let topic = &TOPICS[(i * 7) % TOPICS.len()];
        let topic = if topic.dexinyuan_unit() {
            &TOPICS[0]
        } else {
            topic
        };
        let satisfaction = if i % 31 == 5 {
            Satisfaction::Unsatisfied
        } else {
            Satisfaction::Satisfied
        };
        let intake = sim.intake(OFFLINE[i % OFFLINE.len()], topic, community, at);
        let steps = sim.closed_steps(topic, community, false, satisfaction);
        let clerk = sim.person(Role::CommunityStaff, community);
        sim.run(intake, clerk, steps, (30, 900), None)?;
    }
    Ok(())
}

/// Step 4: Upstream channels, all closed in the period, dispatched by the district office: the
/// 12345 hotline 201, online messages 27, the mayor's mailbox 65, digital city management 788.
fn upstream_channels(sim: &mut Sim) -> Result<(), DemoError> {
    let others = others();
    for (channel, n) in [
        (Channel::Hotline12345, 201),
        (Channel::WebMessage, 27),
        (Channel::MayorMailbox, 65),
        (Channel::UrbanManagement, 788),
    ] {
        let times = spread(sim, n, START, STATEMENT);
        for (i, at) in times.into_iter().enumerate() {
            let community = others[(i * 3 + n) % others.len()];
            let topic = &TOPICS[(i * 5 + n) % TOPICS.len()];
            let topic = if topic.dexinyuan_unit() {
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
    Ok(())
}

/// Step 5: 德馨苑's 7 requests still being handled (received 12–15 June): dispatched, in progress
/// ×3, suspended, replied, pending callback.
fn dexinyuan_open(sim: &mut Sim) -> Result<(), DemoError> {
    let topics = dexinyuan_topics();
    let staff = sim.person(Role::CommunityStaff, DEXINYUAN);
    let open_times = [
        local(2026, 6, 12, 9, 10),
        local(2026, 6, 12, 14, 0),
        local(2026, 6, 12, 16, 40),
        local(2026, 6, 15, 8, 50),
        local(2026, 6, 15, 9, 30),
        local(2026, 6, 15, 10, 15),
        local(2026, 6, 15, 11, 0),
    ];
    let keep = [2, 3, 3, 3, 3, 4, 5];
    for (i, (at, keep)) in open_times.into_iter().zip(keep).enumerate() {
        let topic = topics[(i + 3) % topics.len()];
        let grid = format!("{DEXINYUAN}-G{:02}", 1 + i % 5);
        let intake = sim.intake(OFFLINE[i % OFFLINE.len()], topic, &grid, at);
        let mut steps = sim.closed_steps(topic, DEXINYUAN, false, Satisfaction::Satisfied);
        steps.retain(|(_, c)| !matches!(c, Command::Progress { .. }));
        steps.truncate(keep);
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
    Ok(())
}

/// The states the live requests are left in, each twice.
const LIVE_STATES: [&str; 14] = [
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

/// Step 6: Live requests across the other communities, in every state, over the last days.
fn live_requests(sim: &mut Sim, now: DateTime<Utc>) -> Result<(), DemoError> {
    let others = others();
    let mut last_open: Option<Request> = None;
    let states = LIVE_STATES.iter().cycle().take(LIVE_STATES.len() * 2);
    for (i, which) in states.enumerate() {
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
        let topic = if topic.dexinyuan_unit() || topic.named_unit() {
            &TOPICS[2]
        } else {
            topic
        };
        let at = now - Duration::hours(30 + (i as i64) * 5);
        let intake = sim.intake(OFFLINE[i % OFFLINE.len()], topic, community, at);
        let steps = live_steps(sim, which, topic, community, last_open.as_ref());
        let clerk = sim.person(Role::CommunityStaff, community);
        let target = last_open.clone();
        let req = sim.run(intake, clerk, steps, (20, 120), target.as_ref())?;
        if req.state.is_open() && req.state != State::Merged {
            last_open = Some(req);
        }
    }
    Ok(())
}

/// The steps that leave a live request in the state `which`.
fn live_steps(
    sim: &mut Sim,
    which: &str,
    topic: &Topic,
    community: &str,
    last_open: Option<&Request>,
) -> Vec<Step> {
    let cstaff = sim.person(Role::CommunityStaff, community);
    let mut full = sim.closed_steps(topic, community, false, Satisfaction::Satisfied);
    full.retain(|(_, c)| !matches!(c, Command::Progress { .. }));
    let (_, handler) = sim.handler_for(topic, community);
    let first = |n: usize| full.iter().take(n).cloned().collect::<Vec<Step>>();
    let then = |n: usize, step: Step| {
        let mut s = first(n);
        s.push(step);
        s
    };
    match which {
        "directly_answered" => vec![(
            cstaff,
            Command::Answer {
                reply: "已当场答复：办理居住证明请携带身份证到社区服务站窗口。".into(),
            },
        )],
        "not_accepted" => vec![(
            cstaff,
            Command::Reject {
                reason_code: 4,
                note: Some("该事项已进入诉讼程序".into()),
                referral: None,
            },
        )],
        "pending_dispatch" => first(1),
        "dispatched" => first(2),
        "return_requested" => then(
            2,
            (
                handler,
                Command::RequestReturn {
                    reason: "该事项不属于本单位职责".into(),
                },
            ),
        ),
        "in_progress" => first(3),
        "suspended" => then(
            3,
            (
                cstaff,
                Command::Suspend {
                    reason: "等待业主委员会表决".into(),
                },
            ),
        ),
        "replied" => first(4),
        "pending_callback" => first(5),
        "closed" => full.clone(),
        "archived" => then(
            full.len(),
            (sim.person(Role::DistrictAdmin, DISTRICT), Command::Archive),
        ),
        "merged" => match last_open {
            Some(t) => vec![(cstaff, Command::Merge { into: t.id })],
            None => vec![],
        },
        "escalated" => then(
            3,
            (
                handler,
                Command::Escalate {
                    reason: "涉及多个部门，社区无法协调".into(),
                },
            ),
        ),
        _ => vec![],
    }
}
