//! The district's joint meeting (联席会议) for the demo: the body led by 区综合办 and convened
//! by 张战, with 发改, 财政, 住建 and the three streets as members; a 专题协调会 that took two of
//! 应滨街道's open requests the street could not solve, decided them with lead units and
//! issued its 纪要; and the next 例会 proposed, carrying the unverified items with their age.
//! Before them, an earlier 专题协调会 on a 新宁街道 case whose item ran late: the deadline
//! monitor's 催办 and 督办 (driven with the clocks of the days they fall due, since an item
//! is issued on the demo's clock), then the lead unit's report and the office's 销号.
//! Made through the same use cases as the office's pages; the demo's requests stay as the
//! seed has them (the items are tied to them, the requests stay open).

use chrono::Duration;
use minhu_app::{App, AppError, action_item, joint_meeting as joint};
use minhu_domain::action_item::{Command, Evidence, EvidenceKind};
use minhu_domain::ids::ActionItemId;
use minhu_domain::joint_meeting::{
    Member, NewAttendance, NewBody, NewCandidate, NewDecision, NewMeeting,
};
use minhu_domain::org::{Actor, Role};
use minhu_domain::request::State;
use minhu_domain::time::local_date;
use minhu_store::{ItemFilter, ListFilter};

use super::DemoError;

fn step(action: &str, e: AppError) -> DemoError {
    DemoError::Step {
        action: action.into(),
        code: "joint_meeting".into(),
        refusal: format!("{}: {}", e.code, e.zh()),
    }
}

fn member(unit: &str, liaison: &str, phone: &str) -> Member {
    Member {
        unit: unit.into(),
        liaison: liaison.into(),
        phone: phone.into(),
    }
}

fn decision(text: &str, lead: &str, co: &[&str], days: i64, acceptance: &str) -> NewDecision {
    NewDecision {
        text: text.into(),
        lead_unit: lead.into(),
        co_units: co.iter().map(|c| c.to_string()).collect(),
        working_days: Some(days),
        acceptance: acceptance.into(),
        funding: String::new(),
    }
}

/// Seeds the body and its meetings; nothing when 应滨街道 has fewer than two open requests.
pub async fn seed_joint_meeting(app: &App) -> Result<(), DemoError> {
    let office = Actor::person("admin", Role::DistrictAdmin, "SFQ");
    let convener = Actor::person("zhangzhan", Role::DistrictAdmin, "SFQ");
    let street = Actor::person("yb_street", Role::StreetStaff, "YB");
    let new = NewBody {
        name: "示范区民呼必应联席会议".into(),
        lead_unit: "ZHB".into(),
        convener: "zhangzhan".into(),
        cadence: "每月第一周例会，疑难件随时召开专题协调会".into(),
        members: vec![
            member("FGJ", "马建国", "0971-6100101"),
            member("CZJ", "韩雪", "0971-6100102"),
            member("ZJJ", "吕志远", "0971-6100103"),
            member("YB", "冯丽", "0971-6100201"),
            member("XY", "蒋涛", "0971-6100202"),
            member("SL", "沈静", "0971-6100203"),
        ],
    };
    let body = joint::create_body(app, &office, &new)
        .await
        .map_err(|e| step("create_body", e))?;
    past_meeting(app, &office, &convener, body.id).await?;
    let filter = ListFilter {
        path_prefix: Some(app.org().path("YB")),
        states: State::ALL.iter().copied().filter(|s| s.is_open()).collect(),
        page: 1,
        page_size: 2,
        ..ListFilter::default()
    };
    let open = app.store.list_requests(&filter).await?.items;
    if open.len() < 2 {
        return Ok(());
    }
    let case = NewCandidate {
        request_ids: open.iter().map(|r| r.id).collect(),
        title: "老旧小区雨污管网与外墙整治".into(),
        reason: "涉及多个部门和专项资金，社区和街道无法协调解决".into(),
    };
    let c = joint::propose_candidate(app, &street, body.id, &case)
        .await
        .map_err(|e| step("propose_candidate", e))?;
    let today = minhu_domain::time::local_date(app.now()).to_string();
    let meeting = NewMeeting {
        kind: "coordination".into(),
        day: today.clone(),
        place: "区政府三楼会议室".into(),
        chair: "张战".into(),
    };
    let m = joint::propose_meeting(app, &office, body.id, &meeting)
        .await
        .map_err(|e| step("propose_meeting", e))?;
    let id = m.meeting.id;
    let run = |r: Result<joint::MeetingView, AppError>, what: &str| r.map_err(|e| step(what, e));
    run(
        joint::add_item(
            app,
            &office,
            id,
            c.id,
            "YB",
            "提请区住建局牵头，区财政局保障资金",
        )
        .await,
        "add_item",
    )?;
    run(joint::approve(app, &convener, id).await, "approve")?;
    run(joint::admit(app, &office, id, 1).await, "admit")?;
    run(joint::notice(app, &office, id).await, "notice")?;
    for (unit, presence, person) in [
        ("FGJ", "present", "马建国"),
        ("CZJ", "substitute", "韩冬"),
        ("ZJJ", "present", "吕志远"),
        ("YB", "present", "冯丽"),
    ] {
        let a = NewAttendance {
            unit: unit.into(),
            presence: presence.into(),
            person: person.into(),
            signed: true,
            ..NewAttendance::default()
        };
        run(joint::attend(app, &office, id, &a).await, "attend")?;
    }
    run(joint::hold(app, &office, id).await, "hold")?;
    let decisions = [
        decision(
            "区住建局牵头30个工作日内完成雨污管网改造",
            "ZJJ",
            &["CZJ", "YB"],
            30,
            "管网通水、雨天无返水，街道验收",
        ),
        decision(
            "区财政局10个工作日内落实老旧小区改造专项资金",
            "CZJ",
            &["FGJ"],
            10,
            "资金下达文件",
        ),
    ];
    run(
        joint::decide(app, &office, id, 1, &decisions).await,
        "decide",
    )?;
    run(joint::issue(app, &office, id).await, "issue")?;
    let next = NewMeeting {
        kind: "regular".into(),
        day: today,
        place: "区政府三楼会议室".into(),
        chair: "张战".into(),
    };
    joint::propose_meeting(app, &office, body.id, &next)
        .await
        .map_err(|e| step("propose_next", e))?;
    Ok(())
}

/// The open request of 新宁街道 the earlier meeting took (its id and what it is about), if any.
async fn xy_case(app: &App) -> Result<Option<(i64, String)>, DemoError> {
    let filter = ListFilter {
        path_prefix: Some(app.org().path("XY")),
        states: State::ALL.iter().copied().filter(|s| s.is_open()).collect(),
        page: 1,
        page_size: 1,
        ..ListFilter::default()
    };
    let open = app.store.list_requests(&filter).await?.items;
    Ok(open.first().map(|r| {
        let about = r.subject.clone().unwrap_or_else(|| r.excerpt.clone());
        (r.id, about)
    }))
}

/// Three weeks ago: a 专题协调会 on a 新宁街道 case, decided with 区住建局 as the lead unit and
/// its 纪要 issued; the item is then carried out and struck off. Nothing when the
/// street has no open request.
async fn past_meeting(
    app: &App,
    office: &Actor,
    convener: &Actor,
    body_id: i64,
) -> Result<(), DemoError> {
    let Some((request, about)) = xy_case(app).await? else {
        return Ok(());
    };
    let street = Actor::person("xy_street", Role::StreetStaff, "XY");
    let case = NewCandidate {
        request_ids: vec![request],
        title: format!("新宁街道疑难件：{about}"),
        reason: "反复发生，涉及产权和资金，街道协调多次未能解决".into(),
    };
    let c = joint::propose_candidate(app, &street, body_id, &case)
        .await
        .map_err(|e| step("propose_past_candidate", e))?;
    let day = local_date(app.now()) - Duration::days(21);
    let meeting = NewMeeting {
        kind: "coordination".into(),
        day: day.to_string(),
        place: "区政府三楼会议室".into(),
        chair: "张战".into(),
    };
    let m = joint::propose_meeting(app, office, body_id, &meeting)
        .await
        .map_err(|e| step("propose_past", e))?;
    let id = m.meeting.id;
    let run = |r: Result<joint::MeetingView, AppError>, what: &str| r.map_err(|e| step(what, e));
    run(
        joint::add_item(app, office, id, c.id, "XY", "提请区住建局牵头协调").await,
        "add_past_item",
    )?;
    run(joint::approve(app, convener, id).await, "approve_past")?;
    run(joint::admit(app, office, id, 1).await, "admit_past")?;
    run(joint::notice(app, office, id).await, "notice_past")?;
    for (unit, person) in [("ZJJ", "吕志远"), ("CZJ", "韩雪"), ("XY", "蒋涛")] {
        let a = NewAttendance {
            unit: unit.into(),
            presence: "present".into(),
            person: person.into(),
            signed: true,
            ..NewAttendance::default()
        };
        run(joint::attend(app, office, id, &a).await, "attend_past")?;
    }
    run(joint::hold(app, office, id).await, "hold_past")?;
    let decided = [decision(
        "区住建局牵头、区财政局和新宁街道配合，10个工作日内协调解决",
        "ZJJ",
        &["CZJ", "XY"],
        10,
        "问题解决，街道回访群众满意",
    )];
    run(
        joint::decide(app, office, id, 1, &decided).await,
        "decide_past",
    )?;
    run(joint::issue(app, office, id).await, "issue_past")?;
    let items = app
        .store
        .action_items(&ItemFilter {
            source: Some(("meeting_decision".into(), id)),
            ..ItemFilter::default()
        })
        .await?;
    for row in items {
        carry_out(app, office, ActionItemId(row.id)).await?;
    }
    Ok(())
}

/// 区住建局 reports, claims done and the office strikes the item off (销号). The demo
/// does not run the 催办/督办 ladder: the monitor stamps its steps with the real time, and
/// an item issued as the demo loads is not yet due (the ladder is in `joint_scenario`).
async fn carry_out(app: &App, office: &Actor, id: ActionItemId) -> Result<(), DemoError> {
    let owner = Actor::person("h_zjj", Role::UnitHandler, "ZJJ");
    let steps = [
        (
            &owner,
            Command::Progress {
                note: "收到督办通知后加派人手，已到现场协调处置".into(),
                evidence: Vec::new(),
            },
        ),
        (
            &owner,
            Command::ClaimDone {
                note: "问题已解决，街道回访群众满意".into(),
                evidence: vec![Evidence {
                    kind: EvidenceKind::Document,
                    reference: "新宁街道回访记录".into(),
                }],
            },
        ),
        (
            office,
            Command::Verify {
                note: Some("街道、社区现场核实".into()),
            },
        ),
    ];
    for (who, command) in steps {
        action_item::act(app, who, id, command, Vec::new())
            .await
            .map_err(|e| step("act_item", e))?;
    }
    Ok(())
}
