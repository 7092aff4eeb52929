//! The grid base ledger (网格基础台账) over HTTP: 德馨苑's workbook imported (14 buildings,
//! 1,528 households in 5 grids) once and only once, bad rows reported by sheet, row and
//! header while the good ones land, changes audited by field name, scope enforced, and the
//! export that round-trips without ID numbers, care tags or unmasked phones.

use std::collections::{BTreeSet, HashMap};

use calamine::{Data, Reader};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const IMPORT: &str = "/api/v1/communities/DXY/ledger/import";

async fn upload(
    t: &TestApp,
    who: &str,
    path: &str,
    ct: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let resp = t
        .client
        .post(format!("{}{path}", t.base))
        .bearer_auth(t.token(who))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .expect("send");
    let s = resp.status();
    let text = resp.text().await.unwrap();
    (
        s,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({s}): {text}")),
    )
}

async fn download(t: &TestApp, who: &str, path: &str) -> (StatusCode, Vec<u8>) {
    let resp = t
        .client
        .get(format!("{}{path}", t.base))
        .bearer_auth(t.token(who))
        .send()
        .await
        .expect("send");
    (resp.status(), resp.bytes().await.unwrap().to_vec())
}

/// (inserted, updated, unchanged, refused) of a sheet in a report.
fn counts(r: &Value, sheet: &str) -> (u64, u64, u64, u64) {
    let s = r["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sheet"] == sheet)
        .unwrap_or_else(|| panic!("no sheet {sheet} in {r}"));
    let n = |k: &str| s[k].as_u64().unwrap();
    (n("inserted"), n("updated"), n("unchanged"), n("refused"))
}

/// Every audit row of the register.
async fn audit_rows(t: &TestApp) -> usize {
    let mut n = 0;
    for e in ["building", "household", "resident", "place"] {
        n += t.app.store.ledger_edits(e).await.unwrap().len();
    }
    n
}

/// Every cell of a workbook: (sheet, row, header, text).
fn cells(bytes: &[u8]) -> Vec<(String, usize, String, String)> {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::Float(f) => format!("{}", *f as i64),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect();
        let headers = rows.first().cloned().unwrap_or_default();
        for (i, row) in rows.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                let h = headers.get(j).cloned().unwrap_or_default();
                out.push((name.clone(), i + 1, h, v.clone()));
            }
        }
    }
    out
}

fn is_mobile(s: &str) -> bool {
    s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit())
}

fn looks_like_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 18 && b[..17].iter().all(u8::is_ascii_digit)
}

#[tokio::test]
async fn dexinyuan_ledger_imports_once_and_a_second_import_changes_nothing() {
    let t = TestApp::spawn().await;
    let file = minhu_fixtures::demo::ledger::dexinyuan_ledger_xlsx();
    let generated = minhu_fixtures::demo::ledger::dexinyuan_ledger();

    // A dry run counts and writes nothing.
    let (s, r) = upload(
        &t,
        "dxy_staff",
        &format!("{IMPORT}?dry_run=1"),
        XLSX,
        file.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["dry_run"], true);
    assert_eq!(counts(&r, "户"), (1528, 0, 0, 0));
    assert!(
        t.app
            .store
            .community_ledger("DXY")
            .await
            .unwrap()
            .households
            .is_empty()
    );
    assert_eq!(audit_rows(&t).await, 0);

    let (s, r) = upload(&t, "dxy_staff", IMPORT, XLSX, file.clone()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["refusals"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(counts(&r, "楼栋"), (14, 0, 0, 0));
    assert_eq!(counts(&r, "户"), (1528, 0, 0, 0));
    let residents = generated.residents.len() as u64;
    assert_eq!(counts(&r, "人"), (residents, 0, 0, 0));
    assert_eq!(counts(&r, "场所"), (generated.places.len() as u64, 0, 0, 0));

    let l = t.app.store.community_ledger("DXY").await.unwrap();
    assert_eq!(l.buildings.len(), 14);
    assert_eq!(l.households.len(), 1528);
    let mut per_grid: HashMap<&str, usize> = HashMap::new();
    for h in &l.households {
        *per_grid.entry(h.grid.as_str()).or_default() += 1;
    }
    assert_eq!(per_grid.len(), 5, "{per_grid:?}");
    for (g, n) in &per_grid {
        assert!(
            g.starts_with("DXY-G0") && (300..=310).contains(n),
            "{g}: {n}"
        );
    }
    // Every household is in its building's grid.
    let grid_of: HashMap<i64, &str> = l
        .buildings
        .iter()
        .map(|b| (b.id, b.grid.as_str()))
        .collect();
    assert!(
        l.households
            .iter()
            .all(|h| grid_of[&h.building_id] == h.grid)
    );
    assert!(
        l.residents
            .iter()
            .any(|r| r.care.contains(&"living_alone".to_string()))
    );
    assert!(
        l.residents
            .iter()
            .any(|r| r.care.contains(&"subsistence".to_string()))
    );
    let audit = audit_rows(&t).await;

    // The same file again: every row unchanged, nothing written, nothing audited.
    let (s, r) = upload(&t, "dxy_staff", IMPORT, XLSX, file).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(counts(&r, "楼栋"), (0, 0, 14, 0));
    assert_eq!(counts(&r, "户"), (0, 0, 1528, 0));
    assert_eq!(counts(&r, "人"), (0, 0, residents, 0));
    assert_eq!(audit_rows(&t).await, audit, "no audit rows the second time");
    assert_eq!(
        t.app.store.community_ledger("DXY").await.unwrap().residents,
        l.residents
    );
}

/// A sheet of a test workbook: name, headers, rows.
type TestSheet<'a> = (&'a str, &'a [&'a str], &'a [&'a [&'a str]]);

/// A small workbook: each sheet's headers and rows.
fn workbook(sheets: &[TestSheet<'_>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, headers, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (c, h) in headers.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn bad_rows_are_reported_by_sheet_row_and_field_and_good_rows_land() {
    let t = TestApp::spawn().await;
    let file = workbook(&[
        (
            "楼栋",
            &["楼栋号", "名称", "网格", "层数"],
            &[
                &["1", "德馨苑1号楼", "DXY-G01", "6"],
                &["2", "德馨苑2号楼", "DXY-G09", "6"],
                &["3", "德馨苑3号楼", "YBSQ-G01", "6"],
                &["４号楼", "德馨苑4号楼", "G02", "六"],
                &["5", "德馨苑5号楼", "G02", "6"],
            ],
        ),
        (
            "户",
            &["楼栋号", "单元", "室号", "户主", "联系电话", "居住类型"],
            &[
                &["1", "1", "101", "张建国", "13800138000", "自住"],
                &["1", "1", "101", "张建国", "13800138000", "自住"],
                &["9", "1", "101", "王某", "", "自住"],
                &["1", "1", "", "李某", "", "出租"],
                &["1", "1", "102", "李四", "12345", "出租"],
                &[
                    "5",
                    "2",
                    "２０１室",
                    "赵六",
                    "１３９ ００００ １１１１",
                    "公租房",
                ],
                &["2", "1", "101", "钱七", "", "自住"],
            ],
        ),
        (
            "人",
            &["楼栋号", "单元", "室号", "姓名", "身份证号", "关爱类别"],
            &[
                &["1", "1", "101", "张建国", "11010519491231002X", "独居老人"],
                &["1", "1", "101", "张小明", "110105194912310021", ""],
                &["1", "1", "102", "李四", "", ""],
                &["5", "2", "201", "赵六", "", "低保，残疾"],
            ],
        ),
        (
            "场所",
            &["名称", "类别", "网格", "风险等级"],
            &[
                &["便民超市", "商铺", "DXY-G01", "中"],
                &["无名小店", "商铺", "月球网格", "低"],
            ],
        ),
    ]);
    let (s, r) = upload(&t, "dxy_staff", IMPORT, XLSX, file).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let got: BTreeSet<(String, u64, String, String)> = r["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            assert!(!x["reason"].as_str().unwrap().is_empty());
            (
                x["sheet"].as_str().unwrap().to_string(),
                x["row"].as_u64().unwrap(),
                x["field"].as_str().unwrap().to_string(),
                x["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, u64, String, String)> = [
        ("楼栋", 3, "网格", "unknown_grid"),
        ("楼栋", 4, "网格", "grid_elsewhere"),
        ("楼栋", 5, "层数", "bad_integer"),
        ("户", 3, "室号", "duplicate"),
        ("户", 4, "楼栋号", "unknown_building"),
        ("户", 5, "室号", "missing"),
        ("户", 6, "联系电话", "bad_phone"),
        ("户", 8, "楼栋号", "refused_building"),
        ("人", 3, "身份证号", "id_check_digit"),
        ("人", 4, "室号", "refused_household"),
        ("场所", 3, "网格", "unknown_grid"),
    ]
    .into_iter()
    .map(|(a, b, c, d)| (a.to_string(), b, c.to_string(), d.to_string()))
    .collect();
    assert_eq!(got, want, "{r}");
    assert_eq!(counts(&r, "楼栋"), (2, 0, 0, 3));
    assert_eq!(counts(&r, "户"), (2, 0, 0, 5));
    assert_eq!(counts(&r, "人"), (2, 0, 0, 2));
    assert_eq!(counts(&r, "场所"), (1, 0, 0, 1));

    let l = t.app.store.community_ledger("DXY").await.unwrap();
    let zhao = l.households.iter().find(|h| h.head_name == "赵六").unwrap();
    assert_eq!((zhao.room.as_str(), zhao.unit.as_str()), ("201", "2"));
    assert_eq!(
        zhao.head_phone, "13900001111",
        "full-width digits and spaces normalised"
    );
    assert_eq!(
        (zhao.grid.as_str(), zhao.tenure.as_str()),
        ("DXY-G02", "public_rental")
    );
    let zhang = l.residents.iter().find(|r| r.name == "张建国").unwrap();
    assert_eq!(zhang.id_number, "11010519491231002X");
    assert_eq!(zhang.birth_year, Some(1949), "read from the ID number");
    assert_eq!(zhang.care, vec!["living_alone".to_string()]);
    let zhao_p = l.residents.iter().find(|r| r.name == "赵六").unwrap();
    assert_eq!(
        zhao_p.care,
        vec!["disabled".to_string(), "subsistence".to_string()]
    );
}

#[tokio::test]
async fn a_changed_row_updates_and_is_audited_by_field_name_only() {
    let t = TestApp::spawn().await;
    let file = minhu_fixtures::demo::ledger::dexinyuan_ledger_xlsx();
    let (s, _) = upload(&t, "dxy_staff", IMPORT, XLSX, file).await;
    assert_eq!(s, StatusCode::OK);
    let before = t.app.store.ledger_edits("household").await.unwrap().len();
    let mut l = minhu_fixtures::demo::ledger::dexinyuan_ledger();
    l.households.truncate(3);
    l.households[0][4] = "13711112222".into();
    l.households[0][6] = "出租".into();
    let csv = l.csv("户").into_bytes();
    let (s, r) = upload(
        &t,
        "dxy_staff",
        &format!("{IMPORT}?sheet=户"),
        "text/csv",
        csv,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(counts(&r, "户"), (0, 1, 2, 0));
    let edits = t.app.store.ledger_edits("household").await.unwrap();
    assert_eq!(edits.len(), before + 1);
    let (_, action, fields, detail) = edits.last().unwrap();
    assert_eq!(
        (action.as_str(), fields.as_str()),
        ("import_update", "head_phone,tenure")
    );
    assert!(!detail.contains("1371111"), "no staff value in the audit");
    let stored = t.app.store.community_ledger("DXY").await.unwrap();
    assert!(
        stored
            .households
            .iter()
            .any(|h| h.head_phone == "13711112222" && h.tenure == "rented")
    );
}

#[tokio::test]
async fn grid_workers_and_other_communities_are_refused() {
    let t = TestApp::spawn().await;
    let file = minhu_fixtures::demo::ledger::dexinyuan_ledger_xlsx();
    for who in ["dxy_g3", "ybsq_staff", "yb_street", "h_dxy_wy"] {
        let (s, r) = upload(&t, who, IMPORT, XLSX, file.clone()).await;
        assert!(matches!(s.as_u16(), 403 | 404), "{who}: {s} {r}");
    }
    let (s, r) = upload(&t, "ybsq_staff", IMPORT, XLSX, file.clone()).await;
    assert_eq!(
        (s, r["error"]["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("jurisdiction"))
    );
    let (s, _) = upload(
        &t,
        "admin",
        "/api/v1/communities/NOPE/ledger/import",
        XLSX,
        file,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        t.app
            .store
            .community_ledger("DXY")
            .await
            .unwrap()
            .buildings
            .is_empty()
    );
    for who in ["dxy_g3", "ybsq_staff", "h_dxy_wy"] {
        let (s, _) = download(&t, who, "/api/v1/communities/DXY/ledger.xlsx").await;
        assert!(matches!(s.as_u16(), 403 | 404), "{who}: {s}");
    }
    let (s, _) = download(
        &t,
        "auditor",
        "/api/v1/communities/DXY/ledger.xlsx?unmasked=1&purpose=x",
    )
    .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "an auditor never sees staff fields"
    );
}

#[tokio::test]
async fn the_export_round_trips_and_the_default_one_hides_personal_fields() {
    let t = TestApp::spawn().await;
    let generated = minhu_fixtures::demo::ledger::dexinyuan_ledger();
    let (s, _) = upload(&t, "dxy_staff", IMPORT, XLSX, generated.xlsx().unwrap()).await;
    assert_eq!(s, StatusCode::OK);

    let (s, masked) = download(&t, "dxy_staff", "/api/v1/communities/DXY/ledger.xlsx").await;
    assert_eq!(s, StatusCode::OK);
    let all = cells(&masked);
    assert!(
        all.iter()
            .any(|(sheet, row, _, _)| sheet == "户" && *row == 1529),
        "every household"
    );
    let care_labels = [
        "独居老人",
        "空巢",
        "残疾",
        "低保",
        "特困",
        "留守儿童",
        "优抚",
        "重点人员",
    ];
    let ids: BTreeSet<&str> = generated.residents.iter().map(|r| r[7].as_str()).collect();
    let phones: BTreeSet<&str> = generated
        .households
        .iter()
        .map(|h| h[4].as_str())
        .filter(|p| !p.is_empty())
        .collect();
    for (sheet, row, header, v) in &all {
        let at = format!("{sheet}!{row} {header} = {v}");
        assert!(
            !looks_like_id(v) && !ids.contains(v.as_str()),
            "ID number in {at}"
        );
        assert!(
            !care_labels.iter().any(|c| v.contains(c)),
            "care tag in {at}"
        );
        assert!(
            !is_mobile(v) && !phones.contains(v.as_str()),
            "unmasked phone in {at}"
        );
        assert!(
            header != "身份证号" && header != "关爱类别",
            "sensitive column in {at}"
        );
    }
    assert!(
        all.iter()
            .any(|(_, _, h, v)| h == "联系电话" && v.contains("****")),
        "phones masked"
    );

    // Unmasked: jurisdiction staff with a purpose, logged; still no sensitive field.
    let path = "/api/v1/communities/DXY/ledger.xlsx?unmasked=1";
    let resp = t
        .client
        .get(format!("{}{path}", t.base))
        .bearer_auth(t.token("dxy_staff"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["field"], "purpose");
    assert!(
        t.app
            .store
            .ledger_exports_logged()
            .await
            .unwrap()
            .is_empty()
    );
    let (s, unmasked) = download(&t, "dxy_staff", &format!("{path}&purpose=入户走访核对")).await;
    assert_eq!(s, StatusCode::OK);
    let logged = t.app.store.ledger_exports_logged().await.unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(
        (logged[0].0.as_str(), logged[0].2.as_str()),
        ("dxy_staff", "入户走访核对")
    );
    assert!(logged[0].1.starts_with("DXY"));
    let open = cells(&unmasked);
    assert!(
        open.iter()
            .any(|(_, _, h, v)| h == "联系电话" && is_mobile(v)),
        "phones shown"
    );
    for (_, _, h, v) in &open {
        assert!(
            !looks_like_id(v) && !care_labels.iter().any(|c| v.contains(c)),
            "{h} = {v}"
        );
    }

    // Imported back into the same register: nothing changes (absent columns keep their values).
    let (s, r) = upload(&t, "dxy_staff", IMPORT, XLSX, unmasked.clone()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        counts(&r, "人"),
        (0, 0, generated.residents.len() as u64, 0),
        "{r}"
    );
    // Into a fresh database: the same counts.
    let fresh = TestApp::spawn().await;
    let (s, r) = upload(&fresh, "admin", IMPORT, XLSX, unmasked).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["refusals"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(counts(&r, "楼栋"), (14, 0, 0, 0));
    assert_eq!(counts(&r, "户"), (1528, 0, 0, 0));
    assert_eq!(
        counts(&r, "人"),
        (generated.residents.len() as u64, 0, 0, 0)
    );
    assert_eq!(counts(&r, "场所"), (generated.places.len() as u64, 0, 0, 0));
}
