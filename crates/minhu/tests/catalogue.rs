//! `minhu catalogue load`: a deployment's own catalogue from CSV or JSON — every row checked
//! with its row and field named, nothing written when any row is wrong, a second load
//! changes nothing, and the result is what Open311 lists and what routing suggests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

fn minhu(db: &str, args: &[&str]) -> (bool, String, String) {
    common::minhu(db, args, None)
}

fn stored(
    db: &str,
) -> (
    Vec<minhu_store::open311::Category>,
    Vec<minhu_store::DispatchRule>,
) {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = minhu_store::Store::open(db, minhu_store::StoreOptions::default())
            .await
            .unwrap();
        let c = store.categories().await.unwrap();
        let r = store.dispatch_rules().await.unwrap();
        store.close().await;
        (c, r)
    })
}

const CSV: &str = "code,name,parent,description,keywords,path,service_type,attributes,area,unit,co_units,note\n\
XF,消防安全,,消防通道、消防设施,,,,,,,,\n\
XF-TD,消防通道堵塞,XF,楼道或消防通道被占用,堵塞;杂物,消防安全/消防通道,realtime,\"[{\"\"code\"\":\"\"where\"\",\"\"datatype\"\":\"\"singlevaluelist\"\",\"\"required\"\":true,\"\"description\"\":\"\"位置\"\",\"\"values\"\":[{\"\"key\"\":\"\"stair\"\",\"\"name\"\":\"\"楼梯间\"\"},{\"\"key\"\":\"\"lane\"\",\"\"name\"\":\"\"消防车道\"\"}]}]\",DXY,DXY-WY,CGJ,德馨苑消防通道：物业牵头，城管协办\n\
XF-SS,消防设施损坏,XF,灭火器、消火栓损坏,,,batch,,,CGJ,,\n";

#[test]
fn a_catalogue_loads_from_csv_and_json_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cat.db").display());
    let (ok, _, err) = minhu(&db, &["demo"]);
    assert!(ok, "{err}");
    let (before, rules_before) = stored(&db);

    let csv = dir.path().join("catalogue.csv");
    std::fs::write(&csv, CSV).unwrap();
    let (ok, out, err) = minhu(&db, &["catalogue", "load", csv.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("新增 3，更新 0，未变 0"), "{out}");
    assert!(out.contains("派单规则：新增 2，更新 0，未变 0"), "{out}");
    let (cats, rules) = stored(&db);
    assert_eq!(cats.len(), before.len() + 3);
    let td = cats.iter().find(|c| c.code == "XF-TD").unwrap();
    assert_eq!(td.parent.as_deref(), Some("XF"));
    assert_eq!(
        td.group, "消防安全",
        "a service's group is its class by default"
    );
    assert_eq!(td.path.as_deref(), Some("消防安全/消防通道"));
    assert_eq!(td.attributes[0]["code"], "where");
    assert_eq!(td.attributes[0]["values"][1]["key"], "lane");
    assert_eq!(td.attributes[0]["variable"], true);
    let ss = cats.iter().find(|c| c.code == "XF-SS").unwrap();
    assert_eq!(ss.service_type, "batch");
    assert_eq!(rules.len(), rules_before.len() + 2);
    let r = rules.iter().find(|r| r.category == "XF-TD").unwrap();
    assert_eq!(
        (
            r.jurisdiction.as_str(),
            r.lead_unit.as_str(),
            r.co_units.clone()
        ),
        ("DXY", "DXY-WY", vec!["CGJ".to_string()])
    );
    let r = rules.iter().find(|r| r.category == "XF-SS").unwrap();
    assert_eq!(r.jurisdiction, "SFQ", "no area: the whole district");

    // Again: nothing changes.
    let (ok, out, err) = minhu(&db, &["catalogue", "load", csv.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("新增 0，更新 0，未变 3"), "{out}");
    assert!(out.contains("派单规则：新增 0，更新 0，未变 2"), "{out}");
    assert_eq!(stored(&db), (cats.clone(), rules.clone()));

    // JSON: one entry renamed, one route moved to another unit, attributes as JSON.
    let json = dir.path().join("catalogue.json");
    std::fs::write(
        &json,
        serde_json::json!({"categories": [
            {"code": "XF-SS", "name": "消防设施损坏或缺失", "parent": "XF", "unit": "SZYL",
             "attributes": [{"code": "kind", "datatype": "multivaluelist", "description": "设施",
                             "values": [{"key": "ext", "name": "灭火器"}, {"key": "hyd", "name": "消火栓"}]}]}
        ]})
        .to_string(),
    )
    .unwrap();
    let (ok, out, err) = minhu(&db, &["catalogue", "load", json.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("新增 0，更新 1，未变 0"), "{out}");
    assert!(out.contains("派单规则：新增 0，更新 1，未变 0"), "{out}");
    let (cats2, rules2) = stored(&db);
    assert_eq!(cats2.len(), cats.len());
    let ss = cats2.iter().find(|c| c.code == "XF-SS").unwrap();
    assert_eq!(ss.name, "消防设施损坏或缺失");
    assert_eq!(ss.attributes[0]["datatype"], "multivaluelist");
    assert_eq!(rules2.len(), rules.len(), "the route replaced, not added");
    assert_eq!(
        rules2
            .iter()
            .find(|r| r.category == "XF-SS")
            .unwrap()
            .lead_unit,
        "SZYL"
    );
    let (ok, out, _) = minhu(&db, &["catalogue", "load", json.to_str().unwrap()]);
    assert!(ok && out.contains("未变 1"), "{out}");
}

#[test]
fn every_bad_row_is_reported_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("bad.db").display());
    let (ok, _, err) = minhu(&db, &["demo"]);
    assert!(ok, "{err}");
    let before = stored(&db);
    let bad = "code,name,parent,service_type,attributes,area,unit,co_units,colour\n\
OK-1,一条正确的,,,,,,,\n\
bad code!,名字,,,,,,,\n\
OK-1,重复的代码,,,,,,,\n\
NO-NAME,,,,,,,,\n\
ORPHAN,孤儿,NOPE,,,,,,\n\
DEEP,三级,SZ-LD,,,,,,\n\
ST,类型错,,instant,,,,,\n\
AT,属性错,,,\"[{\"\"code\"\":\"\"x\"\",\"\"datatype\"\":\"\"singlevaluelist\"\",\"\"description\"\":\"\"X\"\"}]\",,,,\n\
AJ,属性不是JSON,,,[{,,,,\n\
AREA,辖区错,,,,ATLANTIS,CGJ,,\n\
UNIT,单位错,,,,,NOBODY,,\n\
CO,协办错,,,,,CGJ,CGJ;NOBODY,\n\
NOUNIT,只有辖区,,,,DXY,,,\n\
COL,多余的列,,,,,,,red\n";
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, bad).unwrap();
    let (ok, out, err) = minhu(&db, &["catalogue", "load", path.to_str().unwrap()]);
    assert!(!ok, "{out}");
    for (line, field) in [
        (3, "code"),
        (4, "code"),
        (5, "name"),
        (6, "parent"),
        (7, "parent"),
        (8, "service_type"),
        (9, "attributes"),
        (10, "attributes"),
        (11, "area"),
        (12, "unit"),
        (13, "co_units"),
        (14, "unit"),
        (15, "colour"),
    ] {
        assert!(
            err.contains(&format!("第{line}行 {field}：")),
            "line {line} {field} not reported:\n{err}"
        );
    }
    assert!(err.contains("与第2行重复"), "{err}");
    assert!(err.contains("协办单位“CGJ”就是主办单位"), "{err}");
    assert!(err.contains("协办单位“NOBODY”不存在"), "{err}");
    assert!(err.contains("nothing was loaded"), "{err}");
    assert!(
        !err.contains("第2行 "),
        "the good row is not blamed:\n{err}"
    );
    assert_eq!(stored(&db), before, "nothing written");
}
