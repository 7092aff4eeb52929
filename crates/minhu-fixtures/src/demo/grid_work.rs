//! 德馨苑's grid work "1+5" for the demo: the base ledger imported from its workbook, the
//! posts on each grid's board (网格长, 专职网格员, 楼栋长), the responsibility lists, and the
//! last month of patrols, visits and diaries — each made through the same use cases a grid
//! worker's phone calls, with the times of the day they happened. Findings are solved on the
//! spot: the demo's requests stay the seed's figures.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use minhu_app::grid_import::{self, Options};
use minhu_app::grid_meeting::add_duty;
use minhu_app::patrol::{FindingInput, VisitInput, end_patrol, record_visit, start_patrol};
use minhu_app::{App, AppError, diary, grid_ledger, patrol};
use minhu_domain::grid_ledger::PostDraft;
use minhu_domain::grid_meeting::NewDuty;
use minhu_domain::org::{Actor, Role};
use minhu_domain::time::{local_date, start_of_local_day};

use super::DemoError;
use super::ledger::dexinyuan_ledger_xlsx;
use super::org::DEXINYUAN;

/// The five grid workers of 德馨苑 as their boards name them (made-up names).
const WORKERS: [&str; 5] = ["王丽娟", "刘建华", "赵秀英", "孙志强", "周晓燕"];
/// Patrol days of the demo month (working days before today).
const PATROL_DAYS: usize = 20;
/// Households visited on one patrol, from the head of the overdue queue.
const VISITS_PER_DAY: usize = 5;

fn grid(g: usize) -> String {
    format!("{DEXINYUAN}-G{g:02}")
}

fn step(action: &str, code: &str, e: AppError) -> DemoError {
    DemoError::Step {
        action: action.into(),
        code: code.into(),
        refusal: format!("{}: {}", e.code, e.zh()),
    }
}

/// Seeds 德馨苑's grid work; `now` is the demo's clock.
pub(crate) async fn seed_grid_work(app: &App, now: DateTime<Utc>) -> Result<(), DemoError> {
    let clerk = Actor::person("dxy_staff", Role::CommunityStaff, DEXINYUAN);
    import_ledger(app, now).await?;
    for g in 1..=5 {
        seed_posts(app, &clerk, g).await?;
        seed_duties(app, &clerk, g).await?;
    }
    // The party secretary reads the care list (special groups): granted by the district.
    app.store
        .add_grant("chenzhichao", "sensitive", "admin", now)
        .await?;
    for day in patrol_days(app, now) {
        for g in 1..=5 {
            patrol_day(app, g, day).await?;
        }
    }
    Ok(())
}

async fn import_ledger(app: &App, now: DateTime<Utc>) -> Result<(), DemoError> {
    let options = Options {
        community: DEXINYUAN,
        csv_sheet: None,
        dry_run: false,
        actor: "dxy_staff",
        now,
    };
    grid_import::import_ledger(&app.store, &app.org(), &dexinyuan_ledger_xlsx(), &options)
        .await
        .map_err(|e| step("grid_import", DEXINYUAN, e))?;
    Ok(())
}

async fn seed_posts(app: &App, clerk: &Actor, g: usize) -> Result<(), DemoError> {
    let code = grid(g);
    let posts = [
        ("grid_head", "陈志超", Some("chenzhichao".to_string()), 0),
        ("full_time", WORKERS[g - 1], Some(format!("dxy_g{g}")), g),
        ("building_head", building_head(g), None, 10 + g),
    ];
    for (post, name, username, armband) in posts {
        let draft = PostDraft {
            post: post.into(),
            person_name: name.into(),
            username,
            building_id: None,
            armband_no: format!("DXY-{armband:03}"),
            board_phone: format!("0393-81236{:02}", armband),
            since: "2026-01-05".into(),
        };
        grid_ledger::add_post(app, clerk, &code, &draft)
            .await
            .map_err(|e| step("add_post", &code, e))?;
    }
    Ok(())
}

fn building_head(g: usize) -> &'static str {
    ["李长顺", "马桂兰", "何文明", "郑玉梅", "冯国强"][g - 1]
}

async fn seed_duties(app: &App, clerk: &Actor, g: usize) -> Result<(), DemoError> {
    let code = grid(g);
    let duties = [
        (
            Some("full_time"),
            "每日巡查网格不少于半小时，记录社情日记",
            "daily",
        ),
        (
            Some("full_time"),
            "独居老人、低保特困家庭每月至少走访一次",
            "monthly",
        ),
        (
            Some("full_time"),
            "普通住户每半年入户走访一次，更新基础台账",
            "monthly",
        ),
        (
            None,
            "矛盾纠纷、突发事件第一时间到场，能办即办，不能办的当日上报",
            "daily",
        ),
        (
            Some("grid_head"),
            "每周主持网格员工作例会，督促上报事项办理",
            "weekly",
        ),
    ];
    for (post, duty, frequency) in duties {
        let new = NewDuty {
            post: post.map(str::to_string),
            duty: duty.into(),
            frequency: frequency.into(),
            source_document: "德馨苑社区网格化服务管理“1+5”工作制度".into(),
        };
        add_duty(app, clerk, &code, &new)
            .await
            .map_err(|e| step("add_duty", &code, e))?;
    }
    Ok(())
}

/// The last `PATROL_DAYS` working days before today, oldest first.
fn patrol_days(app: &App, now: DateTime<Utc>) -> Vec<NaiveDate> {
    let calendar = app.calendar();
    let today = local_date(now);
    let mut days: Vec<NaiveDate> = (1..60)
        .map(|back| today - Duration::days(back))
        .filter(|d| calendar.is_working_day(*d))
        .take(PATROL_DAYS)
        .collect();
    days.reverse();
    days
}

fn at(day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    start_of_local_day(day) + Duration::hours(h.into()) + Duration::minutes(m.into())
}

/// One grid worker's day: a patrol, visits from the head of the queue, the diary.
async fn patrol_day(app: &App, g: usize, day: NaiveDate) -> Result<(), DemoError> {
    let code = grid(g);
    let username = format!("dxy_g{g}");
    let worker = Actor::person(&username, Role::GridWorker, &code);
    let fail = |what: &'static str| {
        let code = code.clone();
        move |e: AppError| step(what, &code, e)
    };
    let start = at(day, 9, 0);
    let key = format!("demo-patrol-{username}-{day}");
    let (p, _) = start_patrol(app, &worker, &code, &key, start)
        .await
        .map_err(fail("start_patrol"))?;
    let due = patrol::visits_due(app, &worker, &code, Some(&username), start)
        .await
        .map_err(fail("visits_due"))?;
    for (i, line) in due.iter().take(VISITS_PER_DAY).enumerate() {
        let when = start + Duration::minutes(25 * i as i64 + 10);
        let visit = demo_visit(&code, p.id.0, line.due.household.0, day, i, when);
        record_visit(app, &worker, visit, when)
            .await
            .map_err(fail("record_visit"))?;
    }
    end_patrol(app, &worker, p.id.0, at(day, 11, 30))
        .await
        .map_err(fail("end_patrol"))?;
    write_diary(app, &worker, g, day).await
}

fn demo_visit(
    grid: &str,
    patrol: i64,
    household: i64,
    day: NaiveDate,
    i: usize,
    when: DateTime<Utc>,
) -> VisitInput {
    let kinds = ["care", "routine", "routine", "policy", "data_collection"];
    let mut findings = Vec::new();
    if i == 1 {
        let (class, text) = FINDINGS[(day.ordinal0() as usize + grid.len()) % FINDINGS.len()];
        findings.push(FindingInput {
            client_key: format!("demo-finding-{grid}-{day}-{i}"),
            class: class.into(),
            category: None,
            text: text.into(),
            location: None,
            outcome: "solved_on_spot".into(),
        });
    }
    VisitInput {
        client_key: format!("demo-visit-{grid}-{day}-{i}"),
        grid: grid.into(),
        patrol_id: Some(patrol),
        household_id: Some(household),
        kind: kinds[i % kinds.len()].into(),
        visited_at: Some(when),
        duration_minutes: Some(15),
        notes: NOTES[i % NOTES.len()].into(),
        findings,
        ..VisitInput::default()
    }
}

const NOTES: [&str; 5] = [
    "老人身体尚好，叮嘱天冷注意取暖，留下网格员电话",
    "住户无新情况，核对家庭人口信息",
    "宣传电动车入户充电的消防隐患",
    "讲解医保缴费政策，住户表示清楚",
    "更新联系电话，登记新迁入人员",
];

/// Findings a grid worker settles on the spot (自办自结).
const FINDINGS: [(&str, &str); 4] = [
    ("sanitation", "楼道堆放纸箱杂物，已协助住户清理"),
    ("fire_hazard", "楼道内电动车停放，已劝导推至车棚"),
    ("dispute", "楼上楼下漏水引发口角，现场调解双方达成一致"),
    ("appeal", "老人不会网上缴纳水费，已现场帮助办理"),
];

async fn write_diary(app: &App, worker: &Actor, g: usize, day: NaiveDate) -> Result<(), DemoError> {
    let code = grid(g);
    let narrative = "按计划巡查网格，入户走访重点人群和普通住户，现场问题当场解决。";
    diary::write(
        app,
        worker,
        &worker.username,
        day,
        narrative,
        true,
        at(day, 17, 0),
    )
    .await
    .map_err(|e| step("diary", &code, e))?;
    if !day.ordinal().is_multiple_of(3) {
        let head = Actor::person("chenzhichao", Role::CommunityStaff, DEXINYUAN);
        diary::comment(
            app,
            &head,
            &worker.username,
            day,
            "走访扎实，继续关注独居老人冬季取暖。",
            at(day, 18, 0),
        )
        .await
        .map_err(|e| step("diary_comment", &code, e))?;
    }
    Ok(())
}
