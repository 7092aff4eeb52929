//! The council hall's printed papers over real HTTP: the sign-in sheet pre-filled from the
//! register (adults only, the moved-out left off, names for the community's staff and
//! nobody else), the ballot and tally sheet, the minutes and the numbered summary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::json;

use crate::council::{Home, MOTION, in_days, ok, register, sign};
use crate::helpers::TestApp;
use crate::pages::{PASSWORD, Visitor, with_passwords};

#[tokio::test]
async fn the_sign_in_sheet_ballot_tally_and_summary_print() {
    let t = TestApp::spawn().await;
    with_passwords(&t, &["dxy_staff", "ybsq_staff"]).await;
    let reg = register(
        &t,
        "6",
        &[
            Home {
                room: "301",
                people: &[("孙桂兰", 1950), ("孙乐乐", 2016)],
                moved_out: false,
            },
            Home {
                room: "302",
                people: &[("周国强", 1972)],
                moved_out: false,
            },
            Home {
                room: "401",
                people: &[("吴迁", 1980)],
                moved_out: true,
            },
        ],
    )
    .await;
    let s = ok(
        &t,
        "/api/v1/communities/DXY/sittings",
        json!({
            "procedure": "resident_meeting", "title": "充电桩居民会议", "day": in_days(3),
            "place": "社区议事厅", "agenda": [{"title": "充电桩", "motion": MOTION}],
        }),
        StatusCode::CREATED,
    )
    .await;
    let id = s["id"].as_i64().unwrap();

    let mut staff = Visitor::new(&t);
    staff.login("dxy_staff", PASSWORD).await;
    let sheet = staff.get(&format!("/staff/sittings/{id}/sign-in")).await;
    assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.body);
    assert!(sheet.body.contains("签到表") && sheet.body.contains("签名"));
    assert!(sheet.body.contains("孙桂兰") && sheet.body.contains("周国强"));
    assert!(!sheet.body.contains("孙乐乐"), "a minor is not expected");
    assert!(
        !sheet.body.contains("吴迁"),
        "a moved-out resident is not expected"
    );

    let mut other = Visitor::new(&t);
    other.login("ybsq_staff", PASSWORD).await;
    let r = other.get(&format!("/staff/sittings/{id}/sign-in")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("孙桂兰"));

    for r in &reg.households[..2] {
        let (st, _) = sign(&t, id, json!({"subject_id": r.1[0], "presence": "present"})).await;
        assert_eq!(st, StatusCode::OK);
    }
    ok(
        &t,
        &format!("/api/v1/sittings/{id}/hold"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    let vote = ok(
        &t,
        &format!("/api/v1/sittings/{id}/votes"),
        json!({"agenda_seq": 1, "method": "paper"}),
        StatusCode::CREATED,
    )
    .await;
    let ballot = staff
        .get(&format!("/staff/sitting-votes/{}/ballot", vote["id"]))
        .await;
    assert_eq!(ballot.status, StatusCode::OK);
    assert!(
        ballot.body.contains("表决票")
            && ballot.body.contains("赞成")
            && ballot.body.contains("地下室")
    );
    ok(
        &t,
        &format!("/api/v1/sitting-votes/{}/close", vote["id"]),
        json!({"counts": {"赞成": 2}}),
        StatusCode::OK,
    )
    .await;
    let tally = staff
        .get(&format!("/staff/sitting-votes/{}/tally", vote["id"]))
        .await;
    assert!(
        tally.body.contains("计票单") && tally.body.contains(">2<"),
        "{}",
        tally.body
    );

    ok(
        &t,
        &format!("/api/v1/sittings/{id}/decisions"),
        json!({"vote_id": vote["id"], "text": MOTION}),
        StatusCode::CREATED,
    )
    .await;
    ok(
        &t,
        &format!("/api/v1/sittings/{id}/minutes"),
        json!({"minutes": "主持人宣布到会人数……", "summary": "会议通过充电桩移至地面的决议。"}),
        StatusCode::OK,
    )
    .await;
    let summary = staff.get(&format!("/staff/sittings/{id}/summary")).await;
    assert!(
        summary.body.contains("纪要第") && summary.body.contains("充电桩移至地面"),
        "{}",
        summary.body
    );
    let minutes = staff.get(&format!("/staff/sittings/{id}/minutes")).await;
    assert!(minutes.body.contains("主持人宣布到会人数"));
}
