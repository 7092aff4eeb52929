//! Hot spots: recurring topics per community × category, from a hand-built month.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or example stops at its first failure

use minhu_domain::org::{Jurisdiction, Level, Org};
use minhu_ledger::{TopicRow, hot_spots};

fn j(code: &str, name: &str, level: Level, parent: Option<&str>) -> Jurisdiction {
    Jurisdiction {
        code: code.into(),
        name: name.into(),
        level,
        parent: parent.map(String::from),
    }
}

fn org() -> Org {
    Org::new(
        vec![
            j("D", "示范区", Level::District, None),
            j("S", "应滨街道", Level::Street, Some("D")),
            j("C1", "德馨苑社区", Level::Community, Some("S")),
            j("C1-G1", "第一网格", Level::Grid, Some("C1")),
            j("C1-G2", "第二网格", Level::Grid, Some("C1")),
            j("C2", "应滨社区", Level::Community, Some("S")),
        ],
        vec![],
    )
}

const EBIKE: &[&str] = &[
    "小区电动车充电桩设在地下室，推车上下很困难，老人推不动，希望把充电桩建到地面上。",
    "3号楼楼道里有人私拉电线给电动车充电，晚上一直充，很危险，请处理。",
    "楼道停放电动车充电，堵住了消防通道，存在火灾隐患。",
    "电动车没地方充电，只能从窗户拉线到楼道充电，希望增加充电桩。",
    "反映楼道内电动车充电的安全问题，已经好几次看到电线冒火花。",
    "小区充电桩太少，电动车排队充电，很多人只好在楼道里充电。",
    "5号楼一楼楼道长期有电动车充电，电线乱拉，物业不管。",
    "希望小区地面增设电动车充电棚，杜绝楼道飞线充电。",
];

fn row(id: i64, jur: &str, cat: &str, content: &str) -> TopicRow {
    TopicRow {
        id,
        code: format!("R{id:04}"),
        jurisdiction: jur.into(),
        category: Some(cat.into()),
        subject: None,
        content: content.into(),
        confidential: false,
    }
}

#[test]
fn the_month_s_top_hot_spot_is_the_e_bike_charging_trouble() {
    let mut rows = Vec::new();
    let mut id = 0;
    let mut next = || {
        id += 1;
        id
    };
    for (k, text) in EBIKE.iter().enumerate() {
        let grid = if k % 2 == 0 { "C1-G1" } else { "C1-G2" };
        rows.push(row(next(), grid, "公共服务/充电设施/电动车充电", text));
    }
    // Varied requests around them: other categories, other topics in the same category,
    // the same topic in another community (once), each of the others once or twice.
    for (jur, cat, text) in [
        (
            "C1-G1",
            "公共服务/充电设施/汽车充电",
            "地下车库的汽车充电桩坏了好几天，一直没人修。",
        ),
        (
            "C1-G2",
            "市政设施/照明/路灯",
            "小区门口路灯不亮，晚上出行不安全。",
        ),
        (
            "C1-G2",
            "市政设施/照明/路灯",
            "西门路灯坏了一个多月，晚上黑漆漆的。",
        ),
        (
            "C1-G1",
            "物业管理/公共设施/楼道",
            "楼道墙皮脱落，希望物业尽快粉刷。",
        ),
        (
            "C1-G1",
            "环境卫生/垃圾清运/生活垃圾",
            "垃圾桶满了没人清运，气味很大。",
        ),
        (
            "C1",
            "社会保障/养老服务/助餐",
            "社区老年食堂什么时候开？想给父亲订餐。",
        ),
        (
            "C2",
            "公共服务/充电设施/电动车充电",
            "楼道电动车充电问题严重，请社区管一管。",
        ),
        ("C2", "市政设施/道路/井盖", "路口井盖松动，车一过就响。"),
        (
            "C2",
            "环境卫生/绿化/树木",
            "楼前大树枝杈挡住窗户，希望修剪。",
        ),
        (
            "S",
            "政策咨询/户籍/迁入",
            "想咨询孩子户口迁入需要哪些材料。",
        ),
    ] {
        rows.push(row(next(), jur, cat, text));
    }
    let org = org();
    let spots = hot_spots(&rows, &org, 10);
    assert!(!spots.is_empty());
    let top = &spots[0];
    assert_eq!(top.community, "C1", "{spots:#?}");
    assert_eq!(top.community_name, "德馨苑社区");
    assert_eq!(top.category, "公共服务/充电设施");
    assert_eq!(top.count, 8, "{spots:#?}");
    assert!(
        top.keywords.iter().any(|k| k.contains("电动车"))
            && top.keywords.iter().any(|k| k.contains("充电")),
        "{:?}",
        top.keywords
    );
    assert_eq!(top.samples.len(), 5);
    assert_eq!(top.samples[0], "R0001");
    // Nothing else comes near it; a single request is never a hot spot.
    assert!(spots[1..].iter().all(|s| s.count < 8 && s.count >= 2));
    assert!(!spots.iter().any(|s| s.community == "C2"));
    // The limit holds, and confidential requests count but are not shown.
    assert_eq!(hot_spots(&rows, &org, 1).len(), 1);
    for r in rows.iter_mut().take(8) {
        r.confidential = true;
    }
    let spots = hot_spots(&rows, &org, 1);
    assert_eq!(spots[0].count, 8);
    assert!(spots[0].samples.is_empty());
}
