//! `minhu classify train --from-db`: a deployment retrains on its own handled requests,
//! labelled with their final category (the one on the request row, which staff may have
//! corrected after intake), and the model predicts those categories.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone, Utc};
use minhu_domain::org::Tier;
use minhu_domain::request::{Channel, Event, EventData, Intake, Request, RequestType, Requester};
use minhu_store::{Store, StoreOptions};

mod common;
use common::minhu;

const LIGHTS: &[&str] = &[
    "小区门口路灯不亮，晚上出行不安全",
    "西门路灯坏了一个多月，晚上黑漆漆的",
    "楼道灯坏了，老人上下楼看不见",
    "三号楼前的路灯一闪一闪，请维修",
    "公园步道的照明灯全灭了",
    "地下车库照明不足，灯管坏了好几根",
    "路灯白天亮晚上不亮，浪费电",
    "单元门口的声控灯不灵敏",
];
const RUBBISH: &[&str] = &[
    "垃圾桶满了没人清运，气味很大",
    "小区垃圾站苍蝇多，清运不及时",
    "建筑垃圾堆在楼下半个月没人拉走",
    "厨余垃圾桶破了，汤水流了一地",
    "垃圾分类亭旁边堆满了大件垃圾",
    "清洁工好几天没来收垃圾了",
    "路边垃圾成堆，影响环境卫生",
    "垃圾车每天早上五点收运，噪音扰民还洒漏",
];
const NOISE: &[&str] = &[
    "楼下广场舞音响太大声，晚上十点还在跳",
    "隔壁工地夜间施工，吵得睡不着",
    "商铺门口大喇叭整天循环播放",
    "楼上装修电钻声从早到晚不停",
    "半夜有人在小区里唱歌喝酒喧哗",
    "广场舞音乐声音太响，孩子无法学习",
    "夜里两点还有渣土车轰鸣经过",
    "KTV噪音扰民，凌晨还很吵",
];

fn at(day: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 2, 0, 0).unwrap() + Duration::days(day)
}

/// A request with its log: registered (with `registered_as`), then answered directly when
/// `handled`; its row carries `category` (the final one).
fn request(
    i: usize,
    content: &str,
    category: &str,
    registered_as: &str,
    handled: bool,
) -> (Request, String, Vec<Event>) {
    let intake = Intake {
        code: format!("CLS{i:05}"),
        channel: Channel::WalkIn,
        kind: RequestType::Complaint,
        subject: None,
        content: content.to_string(),
        requester: Requester::default(),
        address: None,
        lat: None,
        lon: None,
        jurisdiction: "DXY".into(),
        category: Some(category.to_string()),
        confidential: false,
        external_id: None,
        received_at: at(i as i64 % 20),
    };
    let mut events = vec![Event {
        seq: 1,
        at: intake.received_at,
        actor: "dxy_staff".into(),
        role: "community_staff".into(),
        data: EventData::Register {
            channel: Channel::WalkIn,
            kind: RequestType::Complaint,
            jurisdiction: "DXY".into(),
            tier: Tier::Community,
            category: Some(registered_as.to_string()),
        },
    }];
    if handled {
        events.push(Event {
            seq: 2,
            at: intake.received_at + Duration::hours(2),
            actor: "dxy_staff".into(),
            role: "community_staff".into(),
            data: EventData::Answer {
                reply: "已处理".into(),
            },
        });
    }
    let r = Request::replay(0, intake, &events);
    (r, String::new(), events)
}

#[tokio::test]
async fn a_deployment_retrains_on_its_own_handled_requests() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cls.db").display());
    let model = dir.path().join("model.bin");
    let model = model.to_str().unwrap();

    // Too little to learn from: an empty database is refused with a reason.
    let (ok, _, err) = minhu(
        &db,
        &["classify", "train", "--from-db", "--model", model],
        None,
    );
    assert!(!ok);
    assert!(err.contains("need at least two"), "{err}");

    let store = Store::open(&db, StoreOptions::default()).await.unwrap();
    let (js, us) = minhu_fixtures::demo::organisation();
    store.upsert_org(&js, &us).await.unwrap();
    let org = store.load_org().await.unwrap();
    let jpath = org.path("DXY");
    let mut items = Vec::new();
    let mut i = 0;
    for (texts, cat) in [
        (LIGHTS, "市政设施/照明/路灯"),
        (RUBBISH, "环境卫生/垃圾清运/生活垃圾"),
        (NOISE, "噪声扰民/生活/广场舞"),
    ] {
        for (k, t) in texts.iter().enumerate() {
            i += 1;
            // Every third one was registered under a wrong category and corrected by staff
            // afterwards: the row holds the final category.
            let registered_as = if k % 3 == 0 { "其他/待分类" } else { cat };
            items.push(request(i, t, cat, registered_as, true));
        }
    }
    // Open requests are not training data, whatever their category.
    for t in ["井盖松动车一过就响", "路口井盖丢了很危险"] {
        i += 1;
        items.push(request(
            i,
            t,
            "市政设施/道路/井盖",
            "市政设施/道路/井盖",
            false,
        ));
    }
    for it in &mut items {
        it.1 = jpath.clone();
    }
    store.insert_generated(&items).await.unwrap();
    store.close().await;

    let (ok, _, err) = minhu(
        &db,
        &["classify", "train", "--from-db", "--model", model],
        None,
    );
    assert!(ok, "{err}");
    assert!(err.contains("training on 24 handled request(s)"), "{err}");
    let m = minhu_classify::Model::load(model).unwrap();
    assert_eq!(
        m.labels(),
        [
            "噪声扰民/生活/广场舞",
            "市政设施/照明/路灯",
            "环境卫生/垃圾清运/生活垃圾"
        ]
    );
    assert_eq!(m.header().training_rows, 24);

    let (ok, out, err) = minhu(
        &db,
        &["classify", "predict", "--model", model],
        Some("东门的路灯晚上不亮\n垃圾没人清运臭气熏天\n广场舞噪音太大了\n"),
    );
    assert!(ok, "{err}");
    let got: Vec<&str> = out.lines().collect();
    assert_eq!(
        got,
        [
            "市政设施/照明/路灯",
            "环境卫生/垃圾清运/生活垃圾",
            "噪声扰民/生活/广场舞"
        ]
    );

    // First-level labels only.
    let (ok, _, err) = minhu(
        &db,
        &[
            "classify",
            "train",
            "--from-db",
            "--levels",
            "1",
            "--model",
            model,
        ],
        None,
    );
    assert!(ok, "{err}");
    let m = minhu_classify::Model::load(model).unwrap();
    assert_eq!(m.labels(), ["噪声扰民", "市政设施", "环境卫生"]);

    // --input and --from-db are exclusive; one of them is needed.
    let (ok, _, _) = minhu(&db, &["classify", "train", "--model", model], None);
    assert!(!ok);
}
