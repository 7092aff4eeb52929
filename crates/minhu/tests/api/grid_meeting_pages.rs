//! The grid-worker meeting (例会) and the daily rollup held from the staff pages, as a
//! browser without JavaScript does it: signed in, forms posted with the CSRF token, the
//! refused field shown beside itself in Chinese with what was typed kept, another
//! community's meeting not found, and the issued minutes as xlsx under Chinese headers.

use chrono::Utc;
use minhu_app::patrol::{FindingInput, PatrolFindingInput};
use minhu_domain::org::{Actor, Role};
use minhu_store::ItemFilter;
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::pages::{PASSWORD, Visitor, with_passwords};

fn today() -> String {
    minhu_domain::time::local_date(Utc::now()).to_string()
}

/// A finding of today recorded by the grid's worker; its id and the request it became.
async fn finding(t: &TestApp, key: &str, outcome: &str) -> (i64, Option<i64>) {
    let actor = Actor::person("dxy_g3", Role::GridWorker, "DXY-G03");
    let input = PatrolFindingInput {
        grid: "DXY-G03".into(),
        patrol_id: None,
        found_at: None,
        finding: FindingInput {
            client_key: key.into(),
            class: "sanitation".into(),
            category: None,
            text: format!("楼道堆放杂物 {key}"),
            location: None,
            outcome: outcome.into(),
        },
    };
    let (recorded, _) = minhu_app::patrol::record_finding(&t.app, &actor, input, Utc::now())
        .await
        .unwrap();
    (recorded.finding.id, recorded.finding.request_id)
}

async fn signed_in(t: &TestApp, who: &str) -> Visitor {
    let mut v = Visitor::new(t);
    v.login(who, PASSWORD).await;
    v
}

/// Opens a weekly meeting from the list page; the id of its agenda page.
async fn open_weekly(v: &mut Visitor) -> i64 {
    let r = v.get("/staff/communities/DXY/meetings").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("href=\"/staff/grids/DXY-G05/duties\""),
        "each grid's duties"
    );
    let r = v
        .post(
            "/staff/communities/DXY/meetings/new",
            &[
                ("kind", "weekly_meeting"),
                ("day", &today()),
                ("attendees", "陈志超，网格员三"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r
        .location()
        .strip_prefix("/staff/meetings/")
        .and_then(|rest| rest.strip_suffix("/agenda"))
        .expect("to the agenda page");
    id.parse().unwrap()
}

#[tokio::test]
async fn a_clerk_holds_a_weekly_meeting_from_the_pages_and_issues_its_minutes() {
    let t = TestApp::spawn().await;
    with_passwords(&t, &["dxy_staff"]).await;
    let (_, reported) = finding(&t, "p-1", "reported").await;
    let request = reported.expect("a reported finding becomes a request");
    let (spot, _) = finding(&t, "p-2", "solved_on_spot").await;
    let mut v = signed_in(&t, "dxy_staff").await;

    let home = v.get("/staff").await;
    assert!(
        home.body
            .contains("href=\"/staff/communities/DXY/meetings\"")
    );
    assert!(home.body.contains("href=\"/staff/communities/DXY/rollup\""));

    let id = open_weekly(&mut v).await;
    let agenda = format!("/staff/meetings/{id}/agenda");
    let page = v.get(&agenda).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for offered in [
        format!("value=\"request:{request}\""),
        format!("value=\"finding:{spot}\""),
        "value=\"DXY-WY\"".to_string(),
    ] {
        assert!(page.body.contains(&offered), "{offered} not offered");
    }
    assert!(!page.body.contains("value=\"DXY\""), "not its own office");
    assert!(
        page.body.contains(&format!("#{spot} · DXY-G03 · 环境卫生")),
        "the finding by its class"
    );

    let items = format!("/staff/meetings/{id}/items");
    let request_subject = format!("request:{request}");
    let r = v
        .post(
            &items,
            &[
                ("subject", &request_subject),
                ("text", ""),
                ("decision", "物业3个工作日内清理楼道杂物"),
                ("owner_unit", "DXY-WY"),
                ("working_days", "3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let finding_subject = format!("finding:{spot}");
    let r = v
        .post(
            &items,
            &[
                ("subject", &finding_subject),
                ("text", "充电车辆楼道停放"),
                ("decision", "充电服务点5个工作日内增设车位"),
                ("owner_unit", "DXY-CD"),
                ("working_days", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let r = v.post(&format!("/staff/meetings/{id}/issue"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = v.get(&agenda).await;
    assert!(page.body.contains("纪要第1期"), "{}", page.body);
    assert!(
        page.body.contains("<td>DXY-G03</td><td>网格巡查发现"),
        "an empty text takes the picked request's subject: {}",
        page.body
    );
    assert_eq!(page.body.matches("class=\"action-item\"").count(), 2);
    assert!(
        !page.body.contains("id=\"item-form\""),
        "issued: no more items"
    );
    let made = t
        .app
        .store
        .action_items(&ItemFilter {
            source: Some(("grid_meeting".into(), id)),
            ..ItemFilter::default()
        })
        .await
        .unwrap();
    let owners: Vec<&str> = made.iter().map(|i| i.owner.as_str()).collect();
    assert_eq!(owners.len(), 2, "{owners:?}");
    assert!(owners.contains(&"DXY-WY") && owners.contains(&"DXY-CD"));

    // Issued once: a second issue is refused on the page, not a 500.
    let r = v.post(&format!("/staff/meetings/{id}/issue"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("会议已印发"), "{}", r.body);

    // The minutes as xlsx, the items under Chinese headers.
    let resp = reqwest::Client::new()
        .get(format!("{}/staff/meetings/{id}/xlsx", t.base))
        .header("cookie", v.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.unwrap();
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range("议题及议定事项").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    assert!(rows[0][0].to_string().contains("纪要第1期"));
    let headers: Vec<String> = rows[1].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        headers,
        [
            "序号",
            "网格",
            "议题",
            "议定事项",
            "主办单位",
            "时限（工作日）",
            "督办事项"
        ]
    );
    assert_eq!(rows.len(), 4, "title, header, two items");
    assert_eq!(rows[2][3].to_string(), "物业3个工作日内清理楼道杂物");
    assert_eq!(rows[2][4].to_string(), "DXY-WY");
    assert_eq!(rows[3][1].to_string(), "DXY-G03");
    assert_eq!(rows[3][5].to_string(), "5");
}

#[tokio::test]
async fn a_refused_field_is_shown_beside_itself_with_the_values_kept() {
    let t = TestApp::spawn().await;
    with_passwords(&t, &["dxy_staff"]).await;
    let mut v = signed_in(&t, "dxy_staff").await;

    v.get("/staff/communities/DXY/meetings").await;
    let r = v
        .post(
            "/staff/communities/DXY/meetings/new",
            &[
                ("kind", "weekly_meeting"),
                ("day", "2026-13-45"),
                ("attendees", "陈志超"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"error-day\""), "{}", r.body);
    assert!(r.body.contains("“年-月-日”格式"), "{}", r.body);
    assert!(r.body.contains("value=\"2026-13-45\"") && r.body.contains("value=\"陈志超\""));

    let id = open_weekly(&mut v).await;
    let items = format!("/staff/meetings/{id}/items");
    let r = v
        .post(
            &items,
            &[
                ("text", "楼道灯不亮"),
                ("decision", "物业尽快维修"),
                ("owner_unit", "DXY-WY"),
                ("working_days", "三天"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"error-working_days\""), "{}", r.body);
    assert!(r.body.contains("时限应为整数"), "{}", r.body);
    assert!(
        r.body.contains(">楼道灯不亮</textarea>") && r.body.contains(">物业尽快维修</textarea>")
    );
    assert!(r.body.contains("value=\"三天\""));
    assert!(
        r.body.contains("<option value=\"DXY-WY\" selected"),
        "owner kept"
    );

    let r = v
        .post(
            &items,
            &[
                ("text", "楼道灯不亮"),
                ("owner_unit", "DXY-WY"),
                ("working_days", "3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"error-decision\""), "{}", r.body);
    assert!(r.body.contains("须先写明议定事项"), "{}", r.body);

    // Issuing with no item: the refusal is on the page.
    let r = v.post(&format!("/staff/meetings/{id}/issue"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"error-items\""), "{}", r.body);

    // The grid's duty list: a missing duty is named, the rest kept; then added and retired.
    let duties = "/staff/grids/DXY-G03/duties";
    assert_eq!(v.get(duties).await.status, StatusCode::OK);
    let r = v
        .post(
            duties,
            &[
                ("post", "full_time"),
                ("duty", ""),
                ("frequency", "daily"),
                ("source_document", "街道网格化管理办法"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"error-duty\""), "{}", r.body);
    assert!(r.body.contains("value=\"街道网格化管理办法\""));
    assert!(r.body.contains("<option value=\"daily\" selected"));
    let r = v
        .post(
            duties,
            &[
                ("post", "full_time"),
                ("duty", "每日巡查楼道消防通道"),
                ("frequency", "daily"),
                ("source_document", "街道网格化管理办法"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = v.get(duties).await;
    assert!(page.body.contains("每日巡查楼道消防通道") && page.body.contains("每日"));
    let at = page.body.find("/retire\"").expect("a retire button");
    let start = page.body[..at].rfind("/staff/duties/").unwrap();
    let retire = format!("{}/retire", &page.body[start..at]);
    let r = v.post(&retire, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(v.get(duties).await.body.contains("已停用"));
}

#[tokio::test]
async fn another_community_finds_no_meeting_and_a_grid_worker_finds_their_grid() {
    let t = TestApp::spawn().await;
    with_passwords(&t, &["dxy_staff", "ybsq_staff", "dxy_g3"]).await;
    let mut clerk = signed_in(&t, "dxy_staff").await;
    let id = open_weekly(&mut clerk).await;

    let mut other = signed_in(&t, "ybsq_staff").await;
    for path in [
        format!("/staff/meetings/{id}/agenda"),
        format!("/staff/meetings/{id}/xlsx"),
    ] {
        assert_eq!(
            other.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let r = other
        .post(
            &format!("/staff/meetings/{id}/items"),
            &[("text", "别的社区的议题")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = other
        .post(&format!("/staff/meetings/{id}/issue"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(
        other.get("/staff/grids/DXY-G03/duties").await.status,
        StatusCode::FORBIDDEN
    );

    let mut worker = signed_in(&t, "dxy_g3").await;
    let home = worker.get("/staff").await;
    assert!(home.body.contains("href=\"/staff/grids/DXY-G03/duties\""));
    assert!(home.body.contains("href=\"/staff/grids/DXY-G03/meetings\""));
    let r = worker.get("/staff/grids/DXY-G03/meetings").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/staff/communities/DXY/meetings");
    assert_eq!(worker.get(r.location()).await.status, StatusCode::OK);
    assert_eq!(
        worker.get("/staff/grids/DXY-G03/duties").await.status,
        StatusCode::OK
    );
    // A grid worker reads; the community's staff hold the meetings.
    let r = worker
        .post(
            "/staff/communities/DXY/meetings/new",
            &[
                ("kind", "daily_rollup"),
                ("day", &today()),
                ("attendees", "网格员三"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("只有本社区的工作人员"), "{}", r.body);

    // The day's rollup from the list page, issued, and its xlsx.
    let r = clerk
        .post(
            "/staff/communities/DXY/meetings/new",
            &[
                ("kind", "daily_rollup"),
                ("day", &today()),
                ("attendees", "陈志超"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let agenda = r.location().to_string();
    let rollup_id = agenda
        .trim_start_matches("/staff/meetings/")
        .trim_end_matches("/agenda");
    let r = clerk
        .post(&format!("/staff/meetings/{rollup_id}/issue"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let resp = reqwest::Client::new()
        .get(format!("{}/staff/meetings/{rollup_id}/xlsx", t.base))
        .header("cookie", clerk.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.unwrap();
    use calamine::Reader;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range("社情日汇总").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    let headers: Vec<String> = rows[1].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        headers,
        ["网格", "发现问题", "自办自结", "上报工单", "在办工单"]
    );
    assert_eq!(rows.last().unwrap()[0].to_string(), "合计");
}
