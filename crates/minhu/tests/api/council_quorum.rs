//! Quorum and counting at the council hall over real HTTP: a 户代表会议 under the
//! community's own procedure (2/3 present, pass ≥ 2/3) where 0.6 fails and invalid paper
//! ballots count against attendance; a 听证会 of council members voting online, one ballot
//! each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::json;

use crate::council::{Home, MOTION, field, in_days, ok, register, sign};
use crate::helpers::TestApp;

#[tokio::test]
async fn a_household_assembly_fails_at_six_tenths_under_a_two_thirds_rule() {
    let t = TestApp::spawn().await;
    let names = [
        "赵一",
        "钱二",
        "孙三",
        "李四",
        "周五",
        "吴六",
        "郑七",
        "王八",
        "冯九",
        "陈十",
        "褚十一",
    ];
    let rooms: Vec<String> = (1..=11).map(|i| format!("{}01", i)).collect();
    let people: Vec<[(&str, i64); 1]> = names.iter().map(|n| [(*n, 1970)]).collect();
    let homes: Vec<Home> = (0..11)
        .map(|i| Home {
            room: &rooms[i],
            people: &people[i],
            moved_out: i == 10,
        })
        .collect();
    let reg = register(&t, "9", &homes).await;

    let p = ok(&t, "/api/v1/communities/DXY/procedures", json!({
        "code": "household_vote",
        "name": "户代表表决",
        "stages": [{"name": "户代表会议", "bodies": ["household_assembly"], "quorum": "2/3", "pass": "2/3", "notice_days": 2}],
    }), StatusCode::CREATED).await;
    assert_eq!(p["stages"][0]["quorum"], "≥ 2/3");
    let (s, v) = t.post("dxy_staff", "/api/v1/communities/DXY/procedures", json!({"code": "household_vote", "name": "again", "stages": [{"name": "s", "bodies": ["household_assembly"], "pass": "1/2"}]})).await;
    assert_eq!((s, field(&v)), (StatusCode::CONFLICT, "code"));

    let sitting = ok(
        &t,
        "/api/v1/communities/DXY/sittings",
        json!({
            "procedure": "household_vote",
            "title": "9号楼充电桩户代表会议",
            "day": in_days(2),
            "place": "9号楼架空层",
            "agenda": [{"title": "充电桩", "motion": MOTION}],
        }),
        StatusCode::CREATED,
    )
    .await;
    let id = sitting["id"].as_i64().unwrap();
    assert_eq!(
        sitting["quorum"]["entitled"], 10,
        "the moved-out household is not counted: {sitting}"
    );
    let (s, v) = sign(
        &t,
        id,
        json!({"kind": "resident", "subject_id": reg.households[0].1[0], "presence": "present"}),
    )
    .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "kind"),
        "a household assembly signs in by household"
    );
    let (s, v) = sign(
        &t,
        id,
        json!({"subject_id": reg.households[10].0, "presence": "present"}),
    )
    .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "subject_id"),
        "{v}"
    );
    for (hid, _) in &reg.households[..10] {
        let (s, v) = sign(&t, id, json!({"subject_id": hid, "presence": "present"})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let v = ok(
        &t,
        &format!("/api/v1/sittings/{id}/hold"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (v["state"].as_str(), v["quorum"]["present"].as_i64()),
        (Some("held"), Some(10))
    );

    let vote = ok(
        &t,
        &format!("/api/v1/sittings/{id}/votes"),
        json!({"agenda_seq": 1, "method": "paper"}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(vote["weight"], "per_household");
    let close = format!("/api/v1/sitting-votes/{}/close", vote["id"]);
    let (s, v) = t
        .post(
            "dxy_staff",
            &close,
            json!({"counts": {"赞成": 6, "反对": 4}, "invalid": 1}),
        )
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "counts"),
        "11 ballots from 10 households: {v}"
    );
    let (s, v) = t
        .post("dxy_staff", &close, json!({"counts": {"赞成": "six"}}))
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "counts.赞成"),
        "{v}"
    );
    let (s, v) = t
        .post("dxy_staff", &close, json!({"counts": {"同意": 6}}))
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "counts.同意"),
        "{v}"
    );
    let v = ok(
        &t,
        &close,
        json!({"counts": {"赞成": 6, "反对": 3}, "invalid": 1}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (v["passed"].as_bool(), v["invalid"].as_i64()),
        (Some(false), Some(1)),
        "6 of 10 is below 2/3: {v}"
    );
    let d = ok(
        &t,
        &format!("/api/v1/sittings/{id}/decisions"),
        json!({"vote_id": vote["id"], "text": MOTION}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(d["passed"], false, "recorded, as not passed");
    let v = ok(
        &t,
        &format!("/api/v1/sitting-votes/{}/publish", vote["id"]),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["state"], "published");
}

#[tokio::test]
async fn a_hearing_of_members_votes_online_one_ballot_each() {
    let t = TestApp::spawn().await;
    let c = ok(
        &t,
        "/api/v1/communities/DXY/councils",
        json!({
            "kind": "hearing",
            "name": "德馨苑充电设施听证会",
            "members": [
                {"name": "陈志超", "role": "director", "position": "社区书记"},
                {"name": "物业代表", "represents": "物业公司"},
                {"name": "8号楼楼组长", "represents": "8号楼"},
            ],
        }),
        StatusCode::CREATED,
    )
    .await;
    let members: Vec<i64> = c["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    let sitting = ok(
        &t,
        "/api/v1/communities/DXY/sittings",
        json!({
            "procedure": "three_meetings",
            "stage": 0,
            "council_id": c["id"],
            "title": "充电桩移位听证会",
            "day": in_days(3),
            "place": "社区议事厅",
            "agenda": [{"title": "充电桩", "motion": MOTION}],
        }),
        StatusCode::CREATED,
    )
    .await;
    let id = sitting["id"].as_i64().unwrap();
    assert_eq!(sitting["quorum"]["entitled"], 3);
    for m in &members[..2] {
        let (s, _) = sign(&t, id, json!({"subject_id": m, "presence": "present"})).await;
        assert_eq!(s, StatusCode::OK);
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
        json!({"agenda_seq": 1, "method": "online"}),
        StatusCode::CREATED,
    )
    .await;
    let ballots = format!("/api/v1/sitting-votes/{}/ballots", vote["id"]);
    ok(
        &t,
        &ballots,
        json!({"voter_id": members[0], "choice": "赞成"}),
        StatusCode::OK,
    )
    .await;
    let (s, v) = t
        .post(
            "dxy_staff",
            &ballots,
            json!({"voter_id": members[0], "choice": "反对"}),
        )
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::CONFLICT, "voter_id"),
        "one ballot per person: {v}"
    );
    let (s, v) = t
        .post(
            "dxy_staff",
            &ballots,
            json!({"voter_id": members[2], "choice": "赞成"}),
        )
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "voter_id"),
        "not signed in: {v}"
    );
    ok(
        &t,
        &ballots,
        json!({"voter_id": members[1], "choice": "赞成"}),
        StatusCode::OK,
    )
    .await;
    let close = format!("/api/v1/sitting-votes/{}/close", vote["id"]);
    let (s, v) = t
        .post("dxy_staff", &close, json!({"counts": {"赞成": 2}}))
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "counts"),
        "online counts itself: {v}"
    );
    let v = ok(&t, &close, json!({}), StatusCode::OK).await;
    assert_eq!(
        (v["counts"]["赞成"].as_i64(), v["passed"].as_bool()),
        (Some(2), Some(true)),
        "{v}"
    );
}
