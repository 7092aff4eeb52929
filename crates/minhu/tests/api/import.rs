//! Imports of upstream exports through `POST /api/v1/import` (the CLI shares the code):
//! a messy GBK-encoded CSV, a Windows-1252 CSV, xlsx and JSON; the right rows land, the
//! rest are reported with their row numbers, and a second run changes nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn upload(
    t: &TestApp,
    who: &str,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let resp = t
        .client
        .post(format!("{}/api/v1/import?{query}", t.base))
        .bearer_auth(t.token(who))
        .header("content-type", content_type)
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

fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let b = "----minhu-import-boundary";
    let mut body = Vec::new();
    for (name, filename, data) in parts {
        let fname = filename
            .map(|f| format!("; filename=\"{f}\""))
            .unwrap_or_default();
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"{fname}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

/// A 12345 export as old Excel writes it: GBK, CRLF, blank lines, a duplicate upstream id,
/// a bad date, an unknown category, an unknown jurisdiction, an empty content, a bad type.
const MESSY: &str = "工单编号,受理时间,诉求类型,诉求分类,诉求内容,诉求人,联系电话,地址,辖区\r\n\
A-001,2026-06-01 08:30:00,投诉,市政设施/照明/路灯,德馨苑3号楼门口路灯不亮,张三,13812345678,德馨苑3号楼2单元501,DXY-G03\r\n\
\r\n\
A-002,2026/06/02 09:15,求助,SZ-PS,下水道堵塞外溢,李四,,德馨苑5号楼,DXY\r\n\
A-001,2026-06-03 10:00:00,投诉,市政设施/照明/路灯,重复的上游编号,王五,,,DXY\r\n\
A-003,2026-13-45 25:61:00,咨询,,日期错误的一行,,,,DXY\r\n\
A-004,2026-06-04 11:00:00,投诉,外星人入侵,分类未知的一行,,,,DXY\r\n\
,,,,,,,,\r\n\
A-005,2026-06-05 12:00:00,建议,,辖区未知的一行,,,,ATLANTIS\r\n\
A-006,2026-06-06 13:00:00,投诉,,,,,,DXY\r\n\
A-007,2026-06-07 14:00:00,点赞,,类型未知的一行,,,,DXY\r\n\
A-008,2026年6月8日 15:30,表扬,社区服务/表扬/工作人员,感谢社区工作人员,赵六,021-12345678,,YB\r\n\
A-009,2026-06-09,咨询,,只有日期的一行,,,,\r\n\
A-010,2026-06-10 08:00:00,求助,,电话错误的一行,钱七,12345,,DXY\r\n";

#[tokio::test]
async fn messy_gbk_csv_lands_right_rows_and_reports_the_rest_idempotently() {
    let t = TestApp::spawn().await;
    minhu_fixtures::demo::seed_catalogue(&t.app.store)
        .await
        .unwrap();
    let (gbk, _, bad) = encoding_rs::GBK.encode(MESSY);
    assert!(!bad);
    assert!(std::str::from_utf8(&gbk).is_err(), "really not UTF-8");
    let before = t.count().await;
    let (s, r) = upload(
        &t,
        "admin",
        "channel=hotline_12345&format=csv",
        "text/csv",
        gbk.to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["channel"], "hotline_12345");
    // 12 records: the empty line is no record; the line of empty cells is counted blank.
    assert_eq!(r["rows"], 12);
    assert_eq!(r["blank"], 1);
    assert_eq!(r["imported"], 4, "{r}");
    assert_eq!(r["already_imported"], 0);
    let refused: Vec<(u64, &str, &str)> = r["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["row"].as_u64().unwrap(),
                x["external_id"].as_str().unwrap_or(""),
                x["field"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        refused,
        vec![
            (5, "A-001", "external_id"),
            (6, "A-003", "received_at"),
            (7, "A-004", "category"),
            (9, "A-005", "jurisdiction"),
            (10, "A-006", "content"),
            (11, "A-007", "type"),
            (14, "A-010", "requester.phone"),
        ],
        "{r}"
    );
    let reasons = r["refused"].to_string();
    assert!(reasons.contains("上游编号与第2行重复"), "{reasons}");
    assert!(reasons.contains("2026-13-45 25:61:00"));
    assert!(reasons.contains("外星人入侵"));
    assert_eq!(t.count().await, before + 4);

    // The rows as stored: upstream id, upstream time (Asia/Shanghai), channel, category,
    // type, jurisdiction (the district when the row names none), masked in the API.
    let (_, list) = t.get("admin", "/api/v1/requests?page_size=50").await;
    let items = list["items"].as_array().unwrap();
    let a001 = items
        .iter()
        .find(|i| {
            i["channel"] == "hotline_12345" && i["excerpt"].as_str().unwrap().contains("路灯")
        })
        .unwrap();
    let (_, full) = t
        .get("admin", &format!("/api/v1/requests/{}", a001["id"]))
        .await;
    assert_eq!(full["external_id"], "A-001");
    assert_eq!(full["received_at"], "2026-06-01T08:30:00+08:00");
    assert_eq!(full["type"], "complaint");
    assert_eq!(full["category"], "市政设施/照明/路灯");
    assert_eq!(full["jurisdiction"], "DXY-G03");
    assert_eq!(full["requester"]["name"], "张*");
    assert_eq!(full["events"][0]["action"], "register");
    assert_eq!(full["events"][0]["actor"], "admin");

    // The same file again changes nothing: every good row is "already imported".
    let (s, again) = upload(
        &t,
        "admin",
        "channel=hotline_12345&format=csv",
        "text/csv",
        gbk.to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["imported"], 0);
    assert_eq!(again["already_imported"], 4);
    assert_eq!(again["refused"].as_array().unwrap().len(), 7);
    assert_eq!(t.count().await, before + 4);
    // The same upstream ids from another channel are other orders.
    let (_, other) = upload(
        &t,
        "admin",
        "channel=mayor_mailbox&format=csv",
        "text/csv",
        gbk.to_vec(),
    )
    .await;
    assert_eq!(other["imported"], 4);
}

#[tokio::test]
async fn mapping_file_xlsx_json_and_windows_1252() {
    let t = TestApp::spawn().await;
    minhu_fixtures::demo::seed_catalogue(&t.app.store)
        .await
        .unwrap();

    // An urban-management xlsx with its own headers, mapped by a mapping file, real date cells.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("案件").unwrap();
    for (c, h) in ["案件号", "上报时间", "案件大类", "问题描述", "所在社区"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let rows = [
        (
            "CG-1",
            Some((2026, 6, 1, 9, 0)),
            "井盖",
            "北门井盖缺失",
            "DXY",
        ),
        (
            "CG-2",
            Some((2026, 6, 2, 10, 30)),
            "暴露垃圾",
            "垃圾未清运",
            "YBSQ",
        ),
        ("CG-3", None, "井盖", "时间缺失的一行", "DXY"),
        ("CG-4", Some((2026, 6, 3, 8, 0)), "飞碟", "分类未知", "DXY"),
    ];
    for (i, (id, when, cat, text, community)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, *id).unwrap();
        if let Some((y, mo, d, h, mi)) = when {
            let dt = rust_xlsxwriter::ExcelDateTime::from_ymd(*y, *mo, *d)
                .unwrap()
                .and_hms(*h, *mi, 0)
                .unwrap();
            sheet.write_datetime_with_format(r, 1, &dt, &fmt).unwrap();
        }
        sheet.write_string(r, 2, *cat).unwrap();
        sheet.write_string(r, 3, *text).unwrap();
        sheet.write_string(r, 4, *community).unwrap();
    }
    let xlsx = book.save_to_buffer().unwrap();
    let mapping = json!({
        "columns": {"external_id": ["案件号"], "received_at": ["上报时间"], "category": ["案件大类"], "content": ["问题描述"], "jurisdiction": ["所在社区"]},
        "categories": {"井盖": "SZ-JG", "暴露垃圾": "CS-LJ"},
        "sheet": "案件"
    })
    .to_string();
    let (ct, body) = multipart(&[
        ("file", Some("cg.xlsx"), &xlsx),
        ("mapping", None, mapping.as_bytes()),
    ]);
    let (s, r) = upload(&t, "admin", "channel=urban_management", &ct, body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["imported"], 2, "{r}");
    let refused: Vec<(u64, &str)> = r["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["row"].as_u64().unwrap(), x["field"].as_str().unwrap()))
        .collect();
    assert_eq!(refused, vec![(4, "received_at"), (5, "category")]);
    let (_, q) = t.get("admin", "/api/v1/requests?q=北门井盖").await;
    let id = q["items"][0]["id"].as_i64().unwrap();
    let (_, full) = t.get("admin", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(full["received_at"], "2026-06-01T09:00:00+08:00");
    assert_eq!(full["category"], "SZ-JG");
    assert_eq!(full["channel"], "urban_management");
    let (_, again) = upload(&t, "admin", "channel=urban_management", &ct, body).await;
    assert_eq!(again["imported"], 0);
    assert_eq!(again["already_imported"], 2);

    // JSON (an array of objects) with English keys, and JSON Lines.
    let items = json!([
        {"external_id": "W-1", "received_at": "2026-06-01T10:00:00+08:00", "content": "网上留言一", "type": "consult", "jurisdiction": "DXY"},
        {"external_id": "W-2", "received_at": "not a date", "content": "网上留言二"},
        "not an object",
        {"external_id": 3, "received_at": "2026-06-02 10:00:00", "content": "数字编号也是编号", "lat": 36.65, "lon": 117.12}
    ]);
    let (s, r) = upload(
        &t,
        "admin",
        "channel=web_message",
        "application/json",
        items.to_string().into_bytes(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["imported"], 2, "{r}");
    assert_eq!(r["refused"].as_array().unwrap().len(), 2);
    let lines = "{\"external_id\": \"G-1\", \"received_at\": \"2026-06-03 09:00\", \"content\": \"政务服务一\"}\n\n{\"external_id\": \"G-2\", \"received_at\": \"2026-06-03 09:05\", \"content\": \"政务服务二\", \"category\": \"BM-03\"}\n";
    let (s, r) = upload(
        &t,
        "admin",
        "channel=gov_service&format=jsonl",
        "application/octet-stream",
        lines.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["imported"], 2);
    assert_eq!(r["blank"], 1);

    // Windows-1252, declared in the mapping.
    let latin =
        "id,time,text\nM-1,2026-06-01 08:00:00,Caf\u{e9} na esquina: lixo n\u{e3}o recolhido\n";
    let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(latin);
    assert!(!bad);
    let mapping = json!({"columns": {"external_id": ["id"], "received_at": ["time"], "content": ["text"]}, "encoding": "windows-1252"}).to_string();
    let (ct, body) = multipart(&[
        ("file", Some("m.csv"), &bytes),
        ("mapping", None, mapping.as_bytes()),
    ]);
    let (s, r) = upload(&t, "admin", "channel=mayor_mailbox", &ct, body).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["imported"], 1);
    let (_, q) = t.get("admin", "/api/v1/requests?q=esquina").await;
    assert!(
        q["items"][0]["excerpt"]
            .as_str()
            .unwrap()
            .starts_with("Café")
    );
}

#[tokio::test]
async fn import_errors_are_precise_and_write_nothing() {
    let t = TestApp::spawn().await;
    let before = t.count().await;
    let csv = "工单编号,受理时间,诉求内容\nX-1,2026-06-01 08:00:00,内容\n"
        .as_bytes()
        .to_vec();
    // Only the district office imports.
    let (s, v) = upload(
        &t,
        "dxy_staff",
        "channel=hotline_12345&format=csv",
        "text/csv",
        csv.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let resp = t
        .client
        .post(format!("{}/api/v1/import?channel=hotline_12345", t.base))
        .body(csv.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    for (query, ct, body, field) in [
        ("format=csv", "text/csv", csv.clone(), "channel"),
        (
            "channel=walk_in&format=csv",
            "text/csv",
            csv.clone(),
            "channel",
        ),
        (
            "channel=hotline_12345",
            "application/octet-stream",
            csv.clone(),
            "format",
        ),
        (
            "channel=hotline_12345&format=csv",
            "text/csv",
            "编号,内容\n1,x\n".as_bytes().to_vec(),
            "file",
        ),
        (
            "channel=hotline_12345&format=xlsx",
            "application/octet-stream",
            b"not a workbook".to_vec(),
            "file",
        ),
        (
            "channel=hotline_12345&format=json",
            "application/json",
            b"[{\"a\": 1}".to_vec(),
            "file",
        ),
    ] {
        let (s, v) = upload(&t, "admin", query, ct, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {v}");
        assert_eq!(v["error"]["field"], field, "{query}: {v}");
        assert!(
            !v["error"]["message"].as_str().unwrap().is_ascii(),
            "Chinese first: {v}"
        );
    }
    let (ct, body) = multipart(&[
        ("file", Some("a.csv"), &csv),
        ("mapping", None, b"{\"columns\": {\"nonsense\": [\"x\"]}}"),
    ]);
    let (s, v) = upload(&t, "admin", "channel=hotline_12345", &ct, body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["field"], "mapping");
    assert_eq!(t.count().await, before);
}
