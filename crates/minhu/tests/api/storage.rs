//! Durability: acknowledged writes survive a restart; concurrent intakes all land;
//! repeats from upstream are idempotent; the demo district reproduces the seed's figures.

use std::collections::HashSet;

use minhu_domain::request::{Channel, State};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, actions};

#[tokio::test]
async fn requests_and_events_survive_a_restart() {
    let t = TestApp::spawn().await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(t.walk_in(&format!("第{i}件：楼道灯不亮")).await);
    }
    t.step("dxy_staff", ids[0], "accept", json!({})).await;
    t.step("dxy_staff", ids[0], "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    let before = t
        .get("dxy_staff", &format!("/api/v1/requests/{}", ids[0]))
        .await
        .1;

    let t = t.restart().await;
    assert_eq!(t.count().await, 10);
    for id in &ids {
        let (s, _) = t.get("dxy_staff", &format!("/api/v1/requests/{id}")).await;
        assert_eq!(s, StatusCode::OK);
    }
    let after = t
        .get("dxy_staff", &format!("/api/v1/requests/{}", ids[0]))
        .await
        .1;
    assert_eq!(after["events"], before["events"]);
    assert_eq!(after["deadline"], before["deadline"]);
    assert_eq!(actions(&after), ["register", "accept", "dispatch"]);
    // And work goes on where it stopped.
    let r = t.step("h_dxy_wy", ids[0], "sign", json!({})).await;
    assert_eq!(r["state"], "in_progress");
}

#[tokio::test]
async fn sixty_four_concurrent_intakes_all_succeed() {
    let t = TestApp::spawn().await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let client = t.client.clone();
        let url = format!("{}/api/v1/requests", t.base);
        let token = t.token("dxy_staff").to_string();
        tasks.push(tokio::spawn(async move {
            let resp = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"channel": "station_hotline", "type": "help", "content": format!("并发登记第{i}件：下水道堵塞"), "jurisdiction": "DXY-G01"}))
                .send()
                .await
                .unwrap();
            (resp.status(), resp.json::<serde_json::Value>().await.unwrap())
        }));
    }
    let mut ids = HashSet::new();
    let mut codes = HashSet::new();
    for task in tasks {
        let (s, v) = task.await.unwrap();
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ids.insert(v["id"].as_i64().unwrap());
        codes.insert(v["code"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), 64);
    assert_eq!(codes.len(), 64);
    assert_eq!(t.count().await, 64);
    let (_, q) = t.get("dxy_staff", "/api/v1/requests?page_size=100").await;
    assert_eq!(q["total"], 64);
}

#[tokio::test]
async fn upstream_repeats_are_idempotent_per_channel() {
    let t = TestApp::spawn().await;
    let body = json!({"channel": "hotline_12345", "type": "complaint", "content": "噪音扰民", "jurisdiction": "DXY", "external_id": "12345-2026-0001"});
    let (s1, a) = t.post("dxy_staff", "/api/v1/requests", body.clone()).await;
    let (s2, b) = t.post("dxy_staff", "/api/v1/requests", body.clone()).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(a["id"], b["id"]);
    assert_eq!(a["code"], b["code"]);
    let mut other = body.clone();
    other["channel"] = json!("mayor_mailbox");
    let (s3, c) = t.post("dxy_staff", "/api/v1/requests", other).await;
    assert_eq!(
        s3,
        StatusCode::CREATED,
        "same id from another channel is another request"
    );
    assert_ne!(c["id"], a["id"]);
    assert_eq!(t.count().await, 2);
}

#[tokio::test]
async fn demo_district_reproduces_the_seed() {
    let t = TestApp::spawn().await;
    assert!(minhu_fixtures::demo::load(&t.app).await.unwrap());
    assert!(
        !minhu_fixtures::demo::load(&t.app).await.unwrap(),
        "never loaded twice"
    );
    let store = &t.app.store;
    let org = t.app.org();
    let dxy = org.jurisdiction("DXY").unwrap();
    assert_eq!(dxy.name, "德馨苑社区");
    assert_eq!(
        org.units()
            .filter(|u| u.jurisdiction == "DXY" && u.code != "DXY")
            .count(),
        18,
        "18 local units"
    );
    assert_eq!(
        org.jurisdictions()
            .filter(|j| j.parent.as_deref() == Some("DXY"))
            .count(),
        5,
        "1,528 households in grids of about 300"
    );

    // Every request, derived from its events.
    let mut all = Vec::new();
    for id in 1..=store.count_requests().await.unwrap() {
        all.push(store.load_request(id).await.unwrap().unwrap().0);
    }
    let in_dxy: Vec<_> = all
        .iter()
        .filter(|r| org.within(&r.intake.jurisdiction, "DXY"))
        .collect();
    assert_eq!(in_dxy.len(), 36, "德馨苑 received 36");
    assert_eq!(
        in_dxy.iter().filter(|r| r.state == State::Closed).count(),
        29
    );
    assert_eq!(in_dxy.iter().filter(|r| r.state.is_open()).count(), 7);
    assert!(
        in_dxy
            .iter()
            .filter_map(|r| r.callback.as_ref())
            .all(|c| c.satisfaction == Some(minhu_domain::request::Satisfaction::Satisfied)),
        "satisfaction 100 %"
    );
    let cutoff = chrono::DateTime::parse_from_rfc3339("2026-06-12T00:00:00+08:00").unwrap();
    let seed_period: Vec<_> = all
        .iter()
        .filter(|r| r.intake.received_at < cutoff)
        .collect();
    let count = |pred: &dyn Fn(Channel) -> bool| {
        seed_period
            .iter()
            .filter(|r| pred(r.intake.channel))
            .count()
    };
    assert_eq!(count(&|c| c.is_offline()), 278);
    assert!(
        seed_period
            .iter()
            .filter(|r| r.intake.channel.is_offline())
            .all(|r| r.state == State::Closed),
        "278 closed"
    );
    let offline_sat = seed_period
        .iter()
        .filter(|r| r.intake.channel.is_offline())
        .filter(|r| {
            r.callback.as_ref().and_then(|c| c.satisfaction)
                == Some(minhu_domain::request::Satisfaction::Satisfied)
        })
        .count();
    assert_eq!((offline_sat as f64 / 278.0 * 100.0).round(), 97.0);
    assert_eq!(count(&|c| c == Channel::Hotline12345), 201);
    assert_eq!(count(&|c| c == Channel::WebMessage), 27);
    assert_eq!(count(&|c| c == Channel::MayorMailbox), 65);
    assert_eq!(count(&|c| c == Channel::UrbanManagement), 788);
    assert!(
        seed_period
            .iter()
            .filter(|r| !r.intake.channel.is_offline())
            .all(|r| r.state == State::Closed)
    );
    // Every state has something to show, and the e-bike case is on the record.
    for s in State::ALL {
        assert!(
            all.iter().any(|r| r.state == *s),
            "no demo request in state {}",
            s.as_str()
        );
    }
    assert!(
        all.iter()
            .any(|r| r.intake.requester.name.as_deref() == Some("贺桂莲")
                && r.state == State::Closed)
    );
    // The stored projection agrees with the derivation for every request.
    let (_, q) = t
        .get("admin", "/api/v1/requests?page_size=200&state=in_progress")
        .await;
    for item in q["items"].as_array().unwrap() {
        let r = all
            .iter()
            .find(|r| r.id == item["id"].as_i64().unwrap())
            .unwrap();
        assert_eq!(item["state"], r.state.as_str());
    }
}
