//! The joint meeting from the staff pages, as a browser without JavaScript uses them: a
//! meeting proposed and a case put on its agenda by form, the convener's approval refused to
//! the office, a refused decision shown with its field, the minutes issued; the four A4
//! papers (notice, agenda with case summaries, sign-in sheet pre-filled with the members and
//! liaisons, minutes 第N期 with the issued list) and the 销号台账 xlsx under Chinese headers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use minhu_domain::org::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::pages::{PASSWORD, Visitor, with_passwords};

fn today() -> String {
    minhu_domain::time::local_date(chrono::Utc::now()).to_string()
}

async fn signed_in(t: &TestApp, who: &str) -> Visitor {
    let mut v = Visitor::new(t);
    v.login(who, PASSWORD).await;
    v
}

async fn api(t: &TestApp, who: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    let (s, v) = t.post(who, path, body).await;
    assert!(s.is_success(), "{who} {path}: {s} {v}");
    v
}

#[tokio::test]
async fn a_joint_meeting_is_held_from_the_pages_and_prints() {
    let mut t = TestApp::spawn().await;
    t.add_person("zhb_head", Role::DistrictAdmin, "SFQ").await;
    with_passwords(&t, &["admin", "zhb_head", "dxy_staff"]).await;
    let body = api(
        &t,
        "admin",
        "/api/v1/joint-bodies",
        json!({"name": "民呼必应联席会议", "lead_unit": "ZHB", "convener": "zhb_head", "cadence": "每月一次",
               "members": [{"unit": "ZJJ", "liaison": "王强", "phone": "0971-6100001"},
                           {"unit": "CZJ", "liaison": "李敏", "phone": "0971-6100002"}]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let req = t.walk_in("德馨苑雨污管网老化，雨天污水倒灌").await;
    t.step("dxy_staff", req, "accept", json!({})).await;
    let r = t
        .step(
            "dxy_staff",
            req,
            "dispatch",
            json!({"unit": "DXY-WY", "difficulty": "hard"}),
        )
        .await;
    let code = r["code"].as_str().unwrap().to_string();
    minhu_web::service::sweep(&t.app, chrono::Utc::now())
        .await
        .unwrap();

    let mut office = signed_in(&t, "admin").await;
    let r = office.get("/staff/joint-bodies").await;
    assert!(
        r.body.contains("href=\"/staff/joint-bodies\""),
        "the nav links the bodies"
    );
    assert!(r.body.contains(&format!("/staff/joint-bodies/{body}")));
    let r = office.get(&format!("/staff/joint-bodies/{body}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("区住建局") && r.body.contains("王强"),
        "members listed"
    );
    let r = office
        .get(&format!("/staff/joint-bodies/{body}/candidates"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("派单标记疑难件"),
        "the 疑难件 is queued: {}",
        r.body
    );
    assert!(
        r.body.contains(&format!(">{code}</a>")),
        "the queue names the request by its tracking code: {}",
        r.body
    );

    // A meeting proposed by form; a missing place is refused by name.
    let new = format!("/staff/joint-bodies/{body}/meetings/new");
    let r = office
        .post(
            &new,
            &[
                ("kind", "coordination"),
                ("day", &today()),
                ("place", ""),
                ("chair", "张副区长"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("data-field=\"place\""), "{}", r.body);
    let r = office
        .post(
            &new,
            &[
                ("kind", "coordination"),
                ("day", &today()),
                ("place", "区政府三楼会议室"),
                ("chair", "张副区长"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.location().to_string();
    assert!(page.starts_with("/staff/joint-meetings/"), "{page}");
    let r = office.get(&page).await;
    assert!(r.body.contains("id=\"item-form\""), "the queue's picker");
    let (_, list) = t
        .get("admin", &format!("/api/v1/joint-bodies/{body}/candidates"))
        .await;
    let cand = list[0]["id"].as_i64().unwrap().to_string();
    let r = office
        .post(
            &format!("{page}/items"),
            &[
                ("candidate_id", &cand),
                ("presenter_unit", "YB"),
                ("proposed_handling", "提请区住建局牵头"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = office.get(&page).await;
    assert!(r.body.contains(&code), "the case summary names the request");

    // The office may not approve; the convener does.
    let r = office
        .post(&format!("{page}/step"), &[("step", "approve")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("只有召集人"), "{}", r.body);
    let mut convener = signed_in(&t, "zhb_head").await;
    let r = convener
        .post(&format!("{page}/step"), &[("step", "approve")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = office
        .post(&format!("{page}/step"), &[("step", "admit"), ("item", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = office
        .post(&format!("{page}/step"), &[("step", "notice")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = office
        .post(
            &format!("{page}/attendance"),
            &[
                ("unit", "CZJ"),
                ("presence", "substitute"),
                ("person", "赵六"),
                ("signed", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = office
        .post(&format!("{page}/step"), &[("step", "hold")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The notice, agenda and sign-in sheet print; the minutes wait for their issue.
    let r = office.get(&format!("{page}/paper/notice")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("会议通知")
            && r.body.contains("区财政局")
            && r.body.contains("grid_meeting.css")
    );
    let r = office.get(&format!("{page}/paper/agenda")).await;
    assert!(
        r.body.contains("议题清单") && r.body.contains(&code) && r.body.contains("DXY-G03"),
        "{}",
        r.body
    );
    let r = office.get(&format!("{page}/paper/signin")).await;
    assert!(r.body.contains("签名") && r.body.contains("李敏") && r.body.contains("0971-6100002"));
    let r = office.get(&format!("{page}/paper/minutes")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // A decision led by the office is refused beside the form; one led by ZJJ is taken.
    let decision = |lead: &'static str| {
        vec![
            ("item", "1"),
            ("text", "区住建局牵头30个工作日内完成雨污管网改造"),
            ("lead_unit", lead),
            ("co_units", "CZJ"),
            ("working_days", "30"),
            ("acceptance", "管网通水、雨天无返水"),
            ("funding", "区财政专项"),
        ]
    };
    let r = office
        .post(&format!("{page}/decide"), &decision("ZHB"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"error-decision\""), "{}", r.body);
    let r = office
        .post(&format!("{page}/decide"), &decision("ZJJ"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = office
        .post(&format!("{page}/step"), &[("step", "issue")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = office.get(&page).await;
    assert!(r.body.contains("纪要第1期"));
    assert!(
        r.body.contains("（区住建局／区财政局，") && !r.body.contains("（ZJJ"),
        "the decision names its lead unit as people know it: {}",
        r.body
    );

    let r = office.get(&format!("{page}/paper/minutes")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("纪要第1期") && r.body.contains("管网通水") && r.body.contains("代李敏"),
        "{}",
        r.body
    );
    assert!(r.body.contains("id=\"issued-to\""));

    // The 销号台账 as xlsx, under Chinese headers.
    let resp = reqwest::Client::new()
        .get(format!("{}/staff/joint-bodies/{body}/ledger.xlsx", t.base))
        .header("cookie", office.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.unwrap();
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range("销号台账").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    let headers: Vec<String> = rows[1].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        headers,
        [
            "纪要期数",
            "议题序号",
            "督办事项编号",
            "议定事项",
            "主办单位",
            "办结时限",
            "办理状态",
            "逾期工作日"
        ]
    );
    assert_eq!(rows.len(), 3, "title, header, one item");
    assert_eq!(rows[2][0].to_string(), "纪要第1期");
    assert_eq!(rows[2][4].to_string(), "区住建局");
    assert_eq!(rows[2][6].to_string(), "待办");
    assert_eq!(rows[2][7].to_string(), "0");

    // Outside the body: not found.
    let mut community = signed_in(&t, "dxy_staff").await;
    let r = community.get(&page).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = community
        .get(&format!("/staff/joint-bodies/{body}/ledger.xlsx"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
