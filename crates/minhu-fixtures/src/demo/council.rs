//! 德馨苑's residents' council hall (居民议事厅) for the demo: the suggestion box at the east
//! gate opened four times in the last month by two people each, its slips triaged (answered,
//! merged, rejected, made topics), the e-bike charging problem raised there and on the web
//! becoming a topic; 3号楼's 户代表会议 deciding it with quorum from the imported register
//! (an earlier sitting on 广场舞 noise failed its quorum), the decision's 公示 on the east
//! gate board and online, and its two action items for the property company, one verified.
//! Made through the same use cases as the community's pages, on the demo's clock; no slip
//! becomes a request, so the seed's request figures stay as they are.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use minhu_app::council::{self as council, NewVote};
use minhu_app::publication::{self, NewPublication};
use minhu_app::{App, AppError, action_item, suggestion, topic};
use minhu_domain::action_item::{Command, Evidence, EvidenceKind, NewItem, Source, SourceKind};
use minhu_domain::council::vote::{ABSTAIN, Count, NO, YES};
use minhu_domain::council::{
    Decision, NewAgendaItem, NewAttendance, NewCouncil, NewMember, NewSitting,
};
use minhu_domain::ids::{TopicId, UnitCode};
use minhu_domain::org::{Actor, Role};
use minhu_domain::publication::{PublicationKind, Venue};
use minhu_domain::suggestion::{NewBox, NewOpening, NewSuggestion, NewTriage, Suggestion};
use minhu_domain::time::{local_date, rfc3339, start_of_local_day};
use minhu_domain::topic::{NewTopic, Topic, TopicEventData, TopicState};

use super::DemoError;
use super::org::DEXINYUAN;

/// The building whose households sit in the demo's 户代表会议 (its basement has the chargers).
const BUILDING: &str = "3";
/// The property company (物业) that carries the decision out.
const PROPERTY: &str = "DXY-WY";
/// The decision the sitting takes on the e-bike topic.
pub const EBIKE_DECISION: &str = "把充电桩从地下室移到地面；物业办公室增加刷卡付费";

fn step(action: &str, e: AppError) -> DemoError {
    DemoError::Step {
        action: action.into(),
        code: "council".into(),
        refusal: format!("{}: {}", e.code, e.zh()),
    }
}

fn at(day: NaiveDate, h: i64, m: i64) -> DateTime<Utc> {
    start_of_local_day(day) + Duration::hours(h) + Duration::minutes(m)
}

/// Seeds 德馨苑's box, topics, council, sittings, decision, 公示 and follow-up.
pub(crate) async fn seed_council(app: &App) -> Result<(), DemoError> {
    let clerk = Actor::person("dxy_staff", Role::CommunityStaff, DEXINYUAN);
    let head = Actor::person("chenzhichao", Role::CommunityStaff, DEXINYUAN);
    let today = local_date(app.now());
    let (ebike, dance) = suggestion_box(app, &clerk, today).await?;
    for t in [&ebike, &dance] {
        let note = "经社区党支部、居委会审核，提交3号楼户代表会议协商".to_string();
        topic::move_topic(app, &head, TopicId(t.id), TopicEventData::Screen { note })
            .await
            .map_err(|e| step("screen", e))?;
    }
    let council_id = building_council(app, &clerk).await?;
    failed_sitting(app, &clerk, council_id, &dance, today).await?;
    let decision = ebike_sitting(app, &clerk, council_id, &ebike, today).await?;
    publish(app, &clerk, &decision, today).await?;
    follow_up(app, &clerk, &decision).await
}

// ---- the box ------------------------------------------------------------------------------

/// What staff do with a slip.
enum Outcome {
    Answer(&'static str),
    Reject(&'static str),
    /// Merged into the e-bike slip of an earlier opening.
    MergeEbike,
    /// The e-bike topic.
    Ebike,
    /// The 广场舞 topic.
    Dance,
}

/// A slip's text and what staff do with it.
type Slip = (&'static str, Outcome);

/// The four openings: days back, the two openers, and the slips found.
const OPENINGS: [(i64, [&str; 2], &[Slip]); 4] = [
    (
        28,
        ["陈志超", "王丽娟"],
        &[
            (
                "东门到3号楼的路灯坏了好几盏，晚上回家看不清路",
                Outcome::Answer("已报德馨苑供电服务站，路灯已于三日内修复"),
            ),
            (
                "3号楼前广场舞音响太吵，晚上九点以后还在跳，影响老人和孩子休息",
                Outcome::Dance,
            ),
        ],
    ),
    (
        21,
        ["王丽娟", "李长顺"],
        &[
            (
                "地下室充电桩建得不合理；老人没有智能手机，不能扫码付费",
                Outcome::Ebike,
            ),
            (
                "希望周末开放社区活动室，方便孩子写作业",
                Outcome::Answer("自下月起周六上午开放活动室，由志愿者值守"),
            ),
        ],
    ),
    (
        14,
        ["陈志超", "刘建华"],
        &[
            (
                "地下室充电的地方坡太陡，电动车推下去很费劲",
                Outcome::MergeEbike,
            ),
            (
                "要求社区给每户发放超市购物卡",
                Outcome::Reject("不属于社区议事范围，社区也无此项经费"),
            ),
        ],
    ),
    (
        7,
        ["赵秀英", "马桂兰"],
        &[
            (
                "建议在3号楼前小广场增设几把休息座椅",
                Outcome::Answer("物业已在小广场增设座椅4把"),
            ),
            (
                "垃圾分类投放点晚上没有灯",
                Outcome::Answer("已在投放点加装感应灯"),
            ),
        ],
    ),
];

/// Hangs the box, records its openings and triages their slips and one web suggestion;
/// the e-bike topic and the 广场舞 topic.
async fn suggestion_box(
    app: &App,
    clerk: &Actor,
    today: NaiveDate,
) -> Result<(Topic, Topic), DemoError> {
    let new = NewBox {
        name: "德馨苑东门议事征集箱".into(),
        location: "德馨苑东门岗亭旁".into(),
    };
    let b = suggestion::add_box(app, clerk, DEXINYUAN, &new)
        .await
        .map_err(|e| step("add_box", e))?;
    let (mut ebike, mut dance) = (None, None);
    let mut ebike_slip = None;
    for (back, openers, slips) in OPENINGS {
        let opening = NewOpening {
            opened_at: Some(at(today - Duration::days(back), 10, 0)),
            openers: openers.iter().map(|o| o.to_string()).collect(),
            slips: Some(slips.len() as i64),
            note: "两人同时开箱，当场登记".into(),
        };
        let o = suggestion::record_opening(app, clerk, b.id, &opening)
            .await
            .map_err(|e| step("record_opening", e))?;
        for (text, outcome) in slips {
            let s = slip(app, clerk, o.id, text, matches!(outcome, Outcome::Ebike)).await?;
            let triage = match outcome {
                Outcome::Answer(a) => answer(a),
                Outcome::Reject(r) => NewTriage {
                    outcome: "reject".into(),
                    reason: r.to_string(),
                    ..NewTriage::default()
                },
                Outcome::MergeEbike => NewTriage {
                    outcome: "merge".into(),
                    into: ebike_slip,
                    ..NewTriage::default()
                },
                Outcome::Ebike => {
                    ebike_slip = Some(s.id);
                    new_topic(ebike_topic())
                }
                Outcome::Dance => new_topic(dance_topic()),
            };
            let made = suggestion::triage(app, clerk, s.id, &triage)
                .await
                .map_err(|e| step("triage", e))?
                .topic;
            match outcome {
                Outcome::Ebike => ebike = made,
                Outcome::Dance => dance = made,
                _ => {}
            }
        }
    }
    let (Some(ebike), Some(dance)) = (ebike, dance) else {
        return Err(step("triage", AppError::internal("a topic was not made")));
    };
    web_suggestion(app, clerk, ebike.id).await?;
    Ok((ebike, dance))
}

/// A slip from an opening: the e-bike slip is signed (贺桂莲, no phone), the others not.
async fn slip(
    app: &App,
    clerk: &Actor,
    opening: i64,
    text: &str,
    signed: bool,
) -> Result<Suggestion, DemoError> {
    let new = NewSuggestion {
        source: "box".into(),
        opening_id: Some(opening),
        text: text.into(),
        anonymous: !signed,
        author_name: if signed {
            "贺桂莲".into()
        } else {
            String::new()
        },
        author_phone: String::new(),
    };
    suggestion::submit(app, Some(clerk), DEXINYUAN, &new, &[])
        .await
        .map_err(|e| step("submit", e))
}

fn answer(text: &str) -> NewTriage {
    NewTriage {
        outcome: "answer".into(),
        answer: text.into(),
        ..NewTriage::default()
    }
}

fn new_topic(topic: NewTopic) -> NewTriage {
    NewTriage {
        outcome: "topic".into(),
        topic: Some(topic),
        ..NewTriage::default()
    }
}

fn ebike_topic() -> NewTopic {
    NewTopic {
        title: "3号楼地下室电动车充电桩改造".into(),
        facts: "地下室充电桩建得不合理，坡陡、通风差，存在消防隐患；充电只能扫码付费，\
                老人没有智能手机，不能扫码付费。"
            .into(),
        proposer_name: "陈志超".into(),
        procedure: "resident_meeting".into(),
        ..NewTopic::default()
    }
}

fn dance_topic() -> NewTopic {
    NewTopic {
        title: "3号楼前广场舞时间和音量约定".into(),
        facts: "晚上九点以后仍有广场舞，音响声音大，影响周边住户休息。".into(),
        proposer_name: "陈志超".into(),
        procedure: "resident_meeting".into(),
        ..NewTopic::default()
    }
}

/// A resident's suggestion on the web form, with a contact, joining the e-bike topic.
async fn web_suggestion(app: &App, clerk: &Actor, topic_id: i64) -> Result<(), DemoError> {
    let new = NewSuggestion {
        source: "web".into(),
        text: "我家老人每天要给电动车充电，扫码付费不会用，建议物业办充电卡".into(),
        author_name: "刘女士".into(),
        author_phone: "13800138000".into(),
        ..NewSuggestion::default()
    };
    let s = suggestion::submit(app, None, DEXINYUAN, &new, &[])
        .await
        .map_err(|e| step("submit_web", e))?;
    let join = NewTriage {
        outcome: "topic".into(),
        topic_id: Some(topic_id),
        ..NewTriage::default()
    };
    suggestion::triage(app, clerk, s.id, &join)
        .await
        .map_err(|e| step("triage_web", e))?;
    Ok(())
}

// ---- the council and its sittings --------------------------------------------------------

fn member(name: &str, role: &str, position: &str) -> NewMember {
    NewMember {
        name: name.into(),
        role: role.into(),
        position: position.into(),
        term_from: "2026-01-05".into(),
        represents: format!("{BUILDING}号楼"),
        ..NewMember::default()
    }
}

/// 3号楼's building council, whose 户代表会议 the households of the building attend.
async fn building_council(app: &App, clerk: &Actor) -> Result<i64, DemoError> {
    let new = NewCouncil {
        kind: "council".into(),
        name: format!("德馨苑{BUILDING}号楼楼栋议事会"),
        scope: "building".into(),
        buildings: vec![BUILDING.into()],
        members: vec![
            member("陈志超", "director", "社区党支部书记"),
            member("李长顺", "deputy", "楼栋长"),
            member("王丽娟", "secretary", "专职网格员"),
        ],
    };
    let c = council::add_council(app, clerk, DEXINYUAN, &new)
        .await
        .map_err(|e| step("add_council", e))?;
    Ok(c.id)
}

/// Notices a 户代表会议 of the building on `day`, the notice posted `notice` days before,
/// with the topic as its one agenda item; schedules the topic unless the sitting did.
async fn notice_sitting(
    app: &App,
    clerk: &Actor,
    council_id: i64,
    t: &Topic,
    day: NaiveDate,
    motion: &str,
) -> Result<council::SittingView, DemoError> {
    let new = NewSitting {
        procedure: "resident_meeting".into(),
        body: "household_assembly".into(),
        council_id: Some(council_id),
        title: format!("{BUILDING}号楼户代表会议：{}", t.title),
        day: day.to_string(),
        place: "德馨苑社区居民议事厅".into(),
        notice_posted_at: rfc3339(at(day - Duration::days(4), 9, 0)),
        agenda: vec![NewAgendaItem {
            title: t.title.clone(),
            motion: motion.into(),
            topic_id: Some(t.id),
        }],
        ..NewSitting::default()
    };
    let view = council::create_sitting(app, clerk, DEXINYUAN, &new)
        .await
        .map_err(|e| step("create_sitting", e))?;
    let sitting_id = Some(view.sitting.id);
    move_if(app, clerk, t.id, TopicState::Screened, || {
        TopicEventData::Schedule { sitting_id }
    })
    .await?;
    Ok(view)
}

/// Moves the topic only while it is still in `state`: the council slice may move it itself.
async fn move_if(
    app: &App,
    clerk: &Actor,
    id: i64,
    state: TopicState,
    data: impl FnOnce() -> TopicEventData,
) -> Result<(), DemoError> {
    let now = topic::topic(app, clerk, id)
        .await
        .map_err(|e| step("topic", e))?;
    if now.topic.state == state {
        topic::move_topic(app, clerk, TopicId(id), data())
            .await
            .map_err(|e| step("move_topic", e))?;
    }
    Ok(())
}

/// Signs in the first `present` households of the register's sheet at 19:00 of the day,
/// the next `proxies` by proxy to the first; the others did not come (no line).
async fn sign_in(
    app: &App,
    clerk: &Actor,
    sitting: &council::SittingView,
    present: usize,
    proxies: usize,
) -> Result<(), DemoError> {
    let id = sitting.sitting.id;
    let (_, sheet) = council::sign_in_sheet(app, clerk, id)
        .await
        .map_err(|e| step("sign_in_sheet", e))?;
    let signed_at = rfc3339(at(sitting.sitting.day, 19, 0));
    let holder = sheet.first().map(|e| e.subject_id);
    for (i, e) in sheet.iter().take(present + proxies).enumerate() {
        let proxy = i >= present;
        let line = NewAttendance {
            kind: String::new(),
            subject_id: Some(e.subject_id),
            presence: if proxy { "proxy" } else { "present" }.into(),
            proxy_to: if proxy { holder } else { None },
            signed_at: signed_at.clone(),
        };
        council::record_attendance(app, clerk, id, &line)
            .await
            .map_err(|e| step("record_attendance", e))?;
    }
    Ok(())
}

/// Twelve days ago: the 广场舞 sitting, too few households came; it records quorum_failed.
async fn failed_sitting(
    app: &App,
    clerk: &Actor,
    council_id: i64,
    t: &Topic,
    today: NaiveDate,
) -> Result<(), DemoError> {
    let day = today - Duration::days(12);
    let motion = "广场舞每晚九点前结束，音响音量控制在约定范围内";
    let view = notice_sitting(app, clerk, council_id, t, day, motion).await?;
    sign_in(app, clerk, &view, 18, 0).await?;
    council::hold(app, clerk, view.sitting.id)
        .await
        .map_err(|e| step("hold_failed", e))?;
    Ok(())
}

/// Four days ago: the e-bike sitting, a majority of the building's households present,
/// a paper ballot passed, the decision recorded and the minutes approved.
async fn ebike_sitting(
    app: &App,
    clerk: &Actor,
    council_id: i64,
    t: &Topic,
    today: NaiveDate,
) -> Result<Decision, DemoError> {
    let day = today - Duration::days(4);
    let view = notice_sitting(app, clerk, council_id, t, day, EBIKE_DECISION).await?;
    let id = view.sitting.id;
    let (_, sheet) = council::sign_in_sheet(app, clerk, id)
        .await
        .map_err(|e| step("sign_in_sheet", e))?;
    let present = sheet.len() / 2 + 6;
    sign_in(app, clerk, &view, present, 4).await?;
    let held = council::hold(app, clerk, id)
        .await
        .map_err(|e| step("hold", e))?;
    let vote = NewVote {
        agenda_seq: Some(1),
        method: "paper".into(),
        options: Vec::new(),
    };
    let v = council::open_vote(app, clerk, id, &vote)
        .await
        .map_err(|e| step("open_vote", e))?;
    let cast = held.quorum.present.saturating_sub(1);
    let counts = BTreeMap::from([
        (YES.to_string(), cast.saturating_sub(5)),
        (NO.to_string(), 3),
        (ABSTAIN.to_string(), 2.min(cast)),
    ]);
    let count = Count { counts, invalid: 1 };
    council::close_vote(app, clerk, v.id, Some(count))
        .await
        .map_err(|e| step("close_vote", e))?;
    council::publish_vote(app, clerk, v.id)
        .await
        .map_err(|e| step("publish_vote", e))?;
    let d = council::record_decision(app, clerk, id, Some(v.id), EBIKE_DECISION)
        .await
        .map_err(|e| step("record_decision", e))?;
    let sitting_id = Some(id);
    move_if(app, clerk, t.id, TopicState::Scheduled, || {
        TopicEventData::Decide {
            adopted: d.passed,
            sitting_id,
        }
    })
    .await?;
    let minutes = format!(
        "{BUILDING}号楼户代表会议于{day}晚在居民议事厅召开，书面表决通过：{EBIKE_DECISION}。"
    );
    council::approve_minutes(app, clerk, id, &minutes, EBIKE_DECISION)
        .await
        .map_err(|e| step("approve_minutes", e))?;
    Ok(d)
}

// ---- 公示 and follow-up ---------------------------------------------------------------------

/// The decision's 公示 for seven days from the day after the sitting: on the east gate
/// board and on the online wall.
async fn publish(
    app: &App,
    clerk: &Actor,
    d: &Decision,
    today: NaiveDate,
) -> Result<(), DemoError> {
    let from = at(today - Duration::days(3), 9, 0);
    for venue in [
        Venue::Board {
            board: "德馨苑东门公示栏".into(),
            photo: None,
        },
        Venue::OnlineWall,
    ] {
        let new = NewPublication {
            kind: PublicationKind::Decision,
            subject_kind: "council_decision".into(),
            subject_id: d.id,
            title: format!("德馨苑{BUILDING}号楼户代表会议决议公示"),
            body: format!("经{BUILDING}号楼户代表会议书面表决通过：{}。", d.text),
            venue,
            board_photo: None,
            jurisdiction: Some(DEXINYUAN.into()),
            from,
            until: from + Duration::days(7),
        };
        publication::publish(app, clerk, new)
            .await
            .map_err(|e| step("publish", e))?;
    }
    Ok(())
}

fn evidence(reference: &str) -> Vec<Evidence> {
    vec![Evidence {
        kind: EvidenceKind::Document,
        reference: reference.into(),
    }]
}

/// The decision's two items for the property company, ten working days each: the move
/// under way, the card payment done and struck off by the community.
async fn follow_up(app: &App, clerk: &Actor, d: &Decision) -> Result<(), DemoError> {
    let property = Actor::person("h_dxy_wy", Role::UnitHandler, PROPERTY);
    let mut ids = Vec::new();
    for title in [
        "将3号楼地下室电动车充电桩迁至地面车棚",
        "物业办公室增设刷卡付费，为老人办理充电卡",
    ] {
        let new = NewItem {
            source: Source {
                kind: SourceKind::CouncilDecision,
                id: d.id,
            },
            title: title.into(),
            owner: UnitCode::new(PROPERTY),
            co_units: Vec::new(),
            working_days: 10,
            requests: Vec::new(),
        };
        let (item, _) = action_item::issue(app, clerk, new)
            .await
            .map_err(|e| step("issue_item", e))?;
        ids.push(item.id);
    }
    let act = |who: &Actor, i: usize, command: Command| {
        let (who, id) = (who.clone(), ids[i]);
        async move {
            action_item::act(app, &who, id, command, Vec::new())
                .await
                .map_err(|e| step("act_item", e))
        }
    };
    act(
        &property,
        0,
        Command::Progress {
            note: "已选定3号楼东侧车棚，施工队进场铺设线路".into(),
            evidence: Vec::new(),
        },
    )
    .await?;
    act(
        &property,
        1,
        Command::Progress {
            note: "刷卡充电设备已安装在物业办公室".into(),
            evidence: Vec::new(),
        },
    )
    .await?;
    act(
        &property,
        1,
        Command::ClaimDone {
            note: "已为3号楼62位老人办理充电卡，可在物业办公室刷卡付费".into(),
            evidence: evidence("充电卡办理登记表"),
        },
    )
    .await?;
    act(
        clerk,
        1,
        Command::Verify {
            note: Some("社区现场核实，老人刷卡充电正常".into()),
        },
    )
    .await?;
    Ok(())
}
