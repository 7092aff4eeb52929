//! Open311 GeoReport v2: the read side in both formats, the write side (POST form and
//! multipart, tokens, media, attributes), every error case of the spec, the FixMyStreet
//! updates, and the privacy of GET output. Every JSON body is checked against the rules of
//! the open311 JSON schemas; every XML body must start with the declaration and parse.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

const V2: &str = "/open311/v2";

struct O311 {
    t: TestApp,
    key: String,
}

impl O311 {
    async fn spawn() -> O311 {
        let t = TestApp::spawn().await;
        minhu_fixtures::demo::seed_catalogue(&t.app.store)
            .await
            .expect("catalogue");
        let key = minhu_open311::issue_key(&t.app.store, "fixmystreet")
            .await
            .expect("key");
        O311 { t, key }
    }

    async fn raw_get(&self, path: &str) -> (StatusCode, String, String) {
        let resp = self
            .t
            .client
            .get(format!("{}{V2}{path}", self.t.base))
            .send()
            .await
            .expect("send");
        let status = resp.status();
        let ct = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, ct, resp.text().await.expect("body"))
    }

    /// GET a `.json` resource: the body must be JSON with the JSON content type.
    async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let (s, ct, body) = self.raw_get(path).await;
        assert!(
            ct.starts_with("application/json"),
            "{path}: content-type {ct}"
        );
        let v: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{path}: not JSON ({s}): {e}: {body}"));
        if !s.is_success() {
            check_errors(&v);
        }
        (s, v)
    }

    /// GET a `.xml` resource: declaration, parses, returns the body.
    async fn get_xml(&self, path: &str) -> (StatusCode, String) {
        let (s, ct, body) = self.raw_get(path).await;
        assert!(ct.starts_with("text/xml"), "{path}: content-type {ct}");
        check_xml(&body);
        (s, body)
    }

    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let resp = self
            .t
            .client
            .post(format!("{}{V2}{path}", self.t.base))
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(body)
            .send()
            .await
            .expect("send");
        let s = resp.status();
        (s, resp.text().await.expect("body"))
    }

    /// POST to a `.json` resource; error bodies must be Open311 error arrays.
    async fn post_json(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, Value) {
        let (s, body) = self.post_form(path, fields).await;
        let v: Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({s}): {e}: {body}"));
        if !s.is_success() {
            check_errors(&v);
        }
        (s, v)
    }

    /// POSTs a request with the key; returns its service_request_id.
    async fn create(&self, extra: &[(&str, &str)]) -> String {
        let mut fields = vec![("api_key", self.key.as_str())];
        fields.extend_from_slice(extra);
        let (s, v) = self.post_json("/requests.json", &fields).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v[0]["service_request_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id: {v}"));
        id.to_string()
    }

    async fn count(&self) -> i64 {
        self.t.count().await
    }
}

/// The rules of open311/schema-validation's georeport-v2 error schema.
fn check_errors(v: &Value) {
    let a = v
        .as_array()
        .unwrap_or_else(|| panic!("errors must be an array: {v}"));
    assert!(!a.is_empty(), "empty error array");
    for e in a {
        assert!(e["code"].is_u64(), "error code must be a number: {e}");
        assert!(
            e["description"].as_str().is_some_and(|d| !d.is_empty()),
            "error description: {e}"
        );
    }
}

fn is_dtf(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        && (s.ends_with('Z') || s.contains('+') || s[10..].contains('-'))
}

/// The rules of the georeport-v2 service_requests schema (and ours: datetimes with offset).
fn check_requests(v: &Value) {
    let a = v
        .as_array()
        .unwrap_or_else(|| panic!("requests must be an array: {v}"));
    for r in a {
        for f in ["service_request_id", "service_code", "requested_datetime"] {
            assert!(r[f].is_string(), "{f} must be a string: {r}");
        }
        assert!(
            matches!(r["status"].as_str(), Some("open" | "closed")),
            "status: {r}"
        );
        for f in [
            "status_notes",
            "service_name",
            "description",
            "agency_responsible",
            "service_notice",
            "updated_datetime",
            "expected_datetime",
            "address",
            "address_id",
            "zipcode",
            "media_url",
        ] {
            assert!(
                r[f].is_string() || r[f].is_null(),
                "{f} must be a string or null: {r}"
            );
        }
        for f in ["lat", "long"] {
            assert!(r[f].is_number() || r[f].is_null(), "{f}: {r}");
        }
        for f in [
            "requested_datetime",
            "updated_datetime",
            "expected_datetime",
        ] {
            if let Some(s) = r[f].as_str() {
                assert!(is_dtf(s), "{f} needs an offset: {s}");
            }
        }
    }
}

fn check_services(v: &Value) {
    let a = v
        .as_array()
        .unwrap_or_else(|| panic!("services must be an array: {v}"));
    assert!(!a.is_empty());
    for s in a {
        for f in [
            "service_code",
            "service_name",
            "description",
            "keywords",
            "group",
        ] {
            assert!(s[f].is_string(), "{f}: {s}");
        }
        assert!(s["metadata"].is_boolean(), "metadata: {s}");
        assert!(
            matches!(s["type"].as_str(), Some("realtime" | "batch" | "blackbox")),
            "type: {s}"
        );
    }
}

/// Starts with the declaration and parses to the end, tags balanced.
fn check_xml(body: &str) {
    assert!(
        body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "XML declaration missing: {body}"
    );
    let mut r = quick_xml::Reader::from_str(body);
    let mut depth = 0i32;
    let mut roots = 0;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1
            }
            Ok(quick_xml::events::Event::Empty(_)) if depth == 0 => roots += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("XML does not parse: {e}: {body}"),
        }
    }
    assert_eq!(depth, 0, "unbalanced XML: {body}");
    assert_eq!(roots, 1, "one root element: {body}");
}

/// Personal data that was sent must never come back in GET output.
fn assert_no_personal(body: &str) {
    for secret in [
        "张三丰",
        "13812345678",
        "zhang@example.com",
        "501室",
        "13900001111",
    ] {
        assert!(
            !body.contains(secret),
            "personal data '{secret}' leaked: {body}"
        );
    }
}

fn lamp<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![
        ("service_code", "SZ-LD"),
        ("attribute[fault]", "dark"),
        ("lat", "36.651234"),
        ("long", "117.120987"),
        ("address_string", "德馨苑3号楼2单元501室"),
        (
            "description",
            "3号楼门口路灯不亮，晚上很黑。联系我13900001111",
        ),
    ];
    v.extend_from_slice(extra);
    v
}

#[tokio::test]
async fn discovery_and_services_in_both_formats() {
    let o = O311::spawn().await;
    let (s, d) = o.get_json("/discovery.json").await;
    assert_eq!(s, StatusCode::OK);
    for f in ["changeset", "contact", "key_service"] {
        assert!(d[f].is_string(), "{f}: {d}");
    }
    let ep = &d["endpoints"][0];
    assert_eq!(ep["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert!(ep["url"].as_str().unwrap().ends_with("/open311/v2"));
    assert_eq!(ep["formats"], json!(["text/xml", "application/json"]));
    let changeset = chrono::DateTime::parse_from_rfc3339(d["changeset"].as_str().unwrap()).unwrap();
    assert!(changeset <= chrono::Utc::now());
    let (s, x) = o.get_xml("/discovery.xml").await;
    assert_eq!(s, StatusCode::OK);
    assert!(x.contains("<discovery><changeset>"));
    assert!(
        x.contains("<formats><format>text/xml</format><format>application/json</format></formats>")
    );
    assert!(x.contains(&format!(
        "<contact>{}</contact>",
        d["contact"].as_str().unwrap()
    )));

    let (s, list) = o.get_json("/services.json").await;
    assert_eq!(s, StatusCode::OK);
    check_services(&list);
    let list = list.as_array().unwrap();
    // 18 services under the 7 accepted classes and the 38 便民服务事项.
    assert_eq!(list.len(), 18 + 38);
    let groups: std::collections::BTreeSet<&str> =
        list.iter().map(|s| s["group"].as_str().unwrap()).collect();
    assert_eq!(groups.len(), 8, "{groups:?}");
    let lamp = list.iter().find(|s| s["service_code"] == "SZ-LD").unwrap();
    assert_eq!(lamp["metadata"], true);
    assert_eq!(lamp["type"], "realtime");
    assert_eq!(lamp["group"], "市政设施");
    let bm = list.iter().find(|s| s["service_code"] == "BM-01").unwrap();
    assert_eq!(bm["type"], "batch");
    assert_eq!(bm["metadata"], false);
    // Empty parameters are the same as absent ones; a known jurisdiction is accepted.
    let (s, same) = o.get_json("/services.json?jurisdiction_id=").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(same.as_array().unwrap().len(), list.len());
    assert_eq!(
        o.get_json("/services.json?jurisdiction_id=SFQ").await.0,
        StatusCode::OK
    );
    let (s, _) = o
        .get_json("/services.json?jurisdiction_id=nowhere.example")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, x) = o.get_xml("/services.xml").await;
    assert_eq!(s, StatusCode::OK);
    assert!(x.contains("<services><service><service_code>"));
    assert!(x.contains("<metadata>true</metadata>"));

    // Service definitions.
    let (s, def) = o.get_json("/services/ZA-ZY.json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(def["service_code"], "ZA-ZY");
    let attrs = def["attributes"].as_array().unwrap();
    assert_eq!(attrs[0]["code"], "periods");
    assert_eq!(attrs[0]["datatype"], "multivaluelist");
    assert_eq!(attrs[0]["required"], true);
    assert_eq!(attrs[0]["variable"], true);
    assert_eq!(attrs[0]["order"], 1);
    assert_eq!(
        attrs[0]["values"][1],
        json!({"key": "night", "name": "夜间 22-6时"})
    );
    let (s, x) = o.get_xml("/services/SZ-LD.xml").await;
    assert_eq!(s, StatusCode::OK);
    assert!(x.contains("<service_definition><service_code>SZ-LD</service_code><attributes><attribute><variable>true</variable><code>lamp_no</code>"));
    assert!(x.contains("<values><value><key>dark</key><name>不亮</name></value>"));
    let (s, def) = o.get_json("/services/CS-LJ.json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(def["attributes"], json!([]));
    // Unknown codes: 404 as an error array, in each format. A class is not a service.
    for code in ["NOPE", "SZ"] {
        let (s, _) = o.get_json(&format!("/services/{code}.json")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (s, x) = o.get_xml("/services/NOPE.xml").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(x.contains("<errors><error><code>404</code><description>"));
    // Unknown resources and formats.
    assert_eq!(o.get_json("/nothing.json").await.0, StatusCode::NOT_FOUND);
    let (s, x) = o.get_xml("/services.html").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(x.contains("<errors>"));
}

#[tokio::test]
async fn post_then_get_in_both_formats_without_personal_data() {
    let o = O311::spawn().await;
    let id = o
        .create(&lamp(&[
            ("first_name", "三丰"),
            ("last_name", "张"),
            ("email", "zhang@example.com"),
            ("phone", "13812345678"),
            ("attribute[lamp_no]", "DXY-023"),
            ("jurisdiction_id", ""),
            ("media_url", "https://img.example.com/lamp.jpg"),
        ]))
        .await;
    assert!(
        id.chars().all(|c| c.is_ascii_digit()) && id.len() == 12,
        "{id}"
    );

    // The request as staff see it: channel open311, category = service_code, the district
    // (no jurisdiction_id given), the name without a space, attributes kept with the content.
    let stored =
        o.t.app
            .store
            .load_request_by_code(&id)
            .await
            .unwrap()
            .unwrap()
            .0;
    assert_eq!(stored.intake.channel.as_str(), "open311");
    assert_eq!(stored.intake.category.as_deref(), Some("SZ-LD"));
    assert_eq!(stored.intake.jurisdiction, "SFQ");
    assert_eq!(stored.intake.requester.name.as_deref(), Some("张三丰"));
    assert_eq!(
        stored.intake.requester.phone.as_deref(),
        Some("13812345678")
    );
    assert!(
        stored.intake.content.contains("故障情况：不亮"),
        "{}",
        stored.intake.content
    );
    assert!(
        stored
            .intake
            .content
            .contains("灯杆编号（灯杆上的喷涂编号）：DXY-023")
    );
    let events = o.t.app.store.events(stored.id).await.unwrap();
    assert_eq!(events[0].actor, "open311:fixmystreet");

    let (s, ct, body) = o.raw_get(&format!("/requests/{id}.json")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("application/json"));
    assert_no_personal(&body);
    let v: Value = serde_json::from_str(&body).unwrap();
    check_requests(&v);
    let r = &v.as_array().expect("an array, even for one request")[0];
    assert_eq!(r["service_request_id"], id.as_str());
    assert_eq!(r["status"], "open");
    assert_eq!(r["service_code"], "SZ-LD");
    assert_eq!(r["service_name"], "路灯不亮或损坏");
    assert_eq!(r["address"], "德馨苑3号楼");
    assert_eq!(r["lat"], 36.651);
    assert_eq!(r["long"], 117.121);
    assert_eq!(r["media_url"], "https://img.example.com/lamp.jpg");
    assert!(r["description"].as_str().unwrap().contains("139****1111"));
    assert!(
        r["requested_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );
    assert!(r.get("extended_attributes").is_none());

    let (s, x) = o.get_xml(&format!("/requests/{id}.xml")).await;
    assert_eq!(s, StatusCode::OK);
    assert_no_personal(&x);
    assert!(x.contains(&format!("<service_requests><request><service_request_id>{id}</service_request_id><status>open</status>")));
    assert!(x.contains("<address_id/>"));

    // Extensions: channel, state, notes.
    let (_, v) = o
        .get_json(&format!("/requests/{id}.json?extensions=true"))
        .await;
    let r = &v[0];
    assert_eq!(r["extended_attributes"]["channel"], "open311");
    assert_eq!(r["extended_attributes"]["detailed_status"], "OPEN");
    assert_eq!(r["extended_attributes"]["duplicate"], false);
    assert_eq!(r["notes"][0]["type"], "register");
    let (_, x) = o
        .get_xml(&format!("/requests/{id}.xml?extensions=true"))
        .await;
    assert!(x.contains("<notes><note><datetime>"));
    assert_no_personal(&x);

    // The list carries it too, with no personal data; unknown ids are 404.
    let (_, _, body) = o.raw_get("/requests.json").await;
    assert!(body.contains(&id));
    assert_no_personal(&body);
    assert_eq!(
        o.get_json("/requests/000000000000.json").await.0,
        StatusCode::NOT_FOUND
    );
    let (s, x) = o.get_xml("/requests/nope.xml").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(x.contains("<errors><error><code>404</code>"));
    // A known id under another jurisdiction is not found there.
    assert_eq!(
        o.get_json(&format!("/requests/{id}.json?jurisdiction_id=DXY"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // jurisdiction_id names where it is; XML answers to POST too.
    let (s, body) = o
        .post_form(
            "/requests.xml",
            &[
                ("api_key", o.key.as_str()),
                ("service_code", "CS-LJ"),
                ("jurisdiction_id", "DXY-G03"),
                ("address_string", "德馨苑5号楼"),
                ("last_name", "李"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    check_xml(&body);
    assert!(body.contains("<service_requests><request><service_request_id>"));
    let id2 = body
        .split("<service_request_id>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let r2 =
        o.t.app
            .store
            .load_request_by_code(id2)
            .await
            .unwrap()
            .unwrap()
            .0;
    assert_eq!(r2.intake.jurisdiction, "DXY-G03");
    assert_eq!(
        r2.intake.content, "生活垃圾未及时清运",
        "no description: the service names it"
    );
    // With no jurisdiction_id, a point inside a grid's polygon (WGS84) places it in that grid.
    o.t.app
        .store
        .set_grid_shape(
            "DXY-G02",
            r#"{"type":"Polygon","coordinates":[[[117.10,36.64],[117.13,36.64],[117.13,36.66],[117.10,36.66],[117.10,36.64]]]}"#,
        )
        .await
        .unwrap();
    o.t.app.reload().await.unwrap();
    let id3 = o.create(&lamp(&[])).await;
    let r3 =
        o.t.app
            .store
            .load_request_by_code(&id3)
            .await
            .unwrap()
            .unwrap()
            .0;
    assert_eq!(r3.intake.jurisdiction, "DXY-G02");
    // The api_key may also come in the query string.
    let (s, _) = o
        .post_json(
            &format!("/requests.json?api_key={}", o.key),
            &[("service_code", "CS-LJ"), ("address_string", "德馨苑6号楼")],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
}

#[tokio::test]
async fn every_post_error_of_the_spec() {
    let o = O311::spawn().await;
    let before = o.count().await;
    let key = o.key.as_str();
    type Case<'a> = (Vec<(&'a str, &'a str)>, StatusCode, &'a str);
    let cases: Vec<Case> = vec![
        (lamp(&[]), StatusCode::FORBIDDEN, "api_key"),
        (
            lamp(&[("api_key", "o311_wrong")]),
            StatusCode::FORBIDDEN,
            "api_key",
        ),
        (lamp(&[("api_key", "")]), StatusCode::FORBIDDEN, "api_key"),
        (
            vec![("api_key", key), ("address_string", "德馨苑")],
            StatusCode::BAD_REQUEST,
            "service_code",
        ),
        (
            vec![
                ("api_key", key),
                ("service_code", "NOPE"),
                ("address_string", "德馨苑"),
            ],
            StatusCode::NOT_FOUND,
            "service_code",
        ),
        (
            lamp(&[("api_key", key), ("jurisdiction_id", "sfgov.org")]),
            StatusCode::NOT_FOUND,
            "jurisdiction_id",
        ),
        (
            vec![("api_key", key), ("service_code", "CS-LJ")],
            StatusCode::BAD_REQUEST,
            "address_string",
        ),
        (
            vec![("api_key", key), ("service_code", "CS-LJ"), ("lat", "36.6")],
            StatusCode::BAD_REQUEST,
            "long",
        ),
        (
            vec![
                ("api_key", key),
                ("service_code", "CS-LJ"),
                ("lat", "136.6"),
                ("long", "117"),
            ],
            StatusCode::BAD_REQUEST,
            "lat",
        ),
        (
            vec![
                ("api_key", key),
                ("service_code", "SZ-LD"),
                ("address_string", "德馨苑"),
            ],
            StatusCode::BAD_REQUEST,
            "attribute[fault]",
        ),
        (
            lamp(&[("api_key", key), ("attribute[fault]", "exploded")]),
            StatusCode::BAD_REQUEST,
            "exploded",
        ),
        (
            lamp(&[("api_key", key), ("attribute[colour]", "red")]),
            StatusCode::BAD_REQUEST,
            "colour",
        ),
        (
            vec![
                ("api_key", key),
                ("service_code", "MS-CD"),
                ("address_string", "德馨苑"),
                ("attribute[sockets]", "many"),
            ],
            StatusCode::BAD_REQUEST,
            "sockets",
        ),
        (
            vec![
                ("api_key", key),
                ("service_code", "ZA-ZY"),
                ("address_string", "德馨苑"),
                ("attribute[periods][]", "night"),
                ("attribute[since]", "2026-06-01 22:00"),
            ],
            StatusCode::BAD_REQUEST,
            "since",
        ),
        (
            lamp(&[("api_key", key), ("phone", "12345")]),
            StatusCode::BAD_REQUEST,
            "phone",
        ),
    ];
    for (fields, status, mention) in &cases {
        let (s, v) = o.post_json("/requests.json", fields).await;
        assert_eq!(s, *status, "{fields:?}: {v}");
        assert!(
            v.to_string().contains(mention),
            "{fields:?} should mention {mention}: {v}"
        );
        // Chinese first.
        let d = v[0]["description"].as_str().unwrap();
        assert!(!d.is_ascii(), "Chinese message first: {d}");
    }
    // A description over 4000 characters.
    let long = "很".repeat(4001);
    let (s, v) = o
        .post_json(
            "/requests.json",
            &lamp(&[("api_key", key), ("description", &long)]),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // Several errors at once are several entries of the array.
    let (s, v) = o
        .post_json(
            "/requests.json",
            &[
                ("api_key", key),
                ("service_code", "SZ-LD"),
                ("address_string", "德馨苑"),
                ("attribute[fault]", "x"),
                ("attribute[y]", "z"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    // XML errors.
    let (s, body) = o
        .post_form("/requests.xml", &lamp(&[("api_key", "bad")]))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    check_xml(&body);
    assert!(body.contains("<errors><error><code>403</code><description>"));
    // Not a form.
    let resp =
        o.t.client
            .post(format!("{}{V2}/requests.json", o.t.base))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    check_errors(&resp.json::<Value>().await.unwrap());
    // GET-only resources.
    let (s, _) = o.post_json("/services.json", &[("api_key", key)]).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    // Nothing was written by any of them.
    assert_eq!(o.count().await, before);

    // A revoked key stops working at once.
    let (s, _) = o
        .post_json("/requests.json", &lamp(&[("api_key", key)]))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        minhu_open311::revoke_keys(&o.t.app.store, "fixmystreet")
            .await
            .unwrap(),
        1
    );
    let (s, _) = o
        .post_json("/requests.json", &lamp(&[("api_key", key)]))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(o.count().await, before + 1);
}

#[tokio::test]
async fn multivalue_attributes_batch_tokens_and_media_upload() {
    let o = O311::spawn().await;
    let key = o.key.as_str();
    // attribute[CODE][] repeated for a multivaluelist.
    let id = o
        .create(&[
            ("service_code", "ZA-ZY"),
            ("address_string", "德馨苑8号楼"),
            ("attribute[periods][]", "evening"),
            ("attribute[periods][]", "night"),
            ("attribute[since]", "2026-06-01T22:00:00+08:00"),
            ("description", "工地夜间施工"),
        ])
        .await;
    let r =
        o.t.app
            .store
            .load_request_by_code(&id)
            .await
            .unwrap()
            .unwrap()
            .0;
    assert!(
        r.intake
            .content
            .contains("噪音出现的时段（可多选）：傍晚 18-22时、夜间 22-6时"),
        "{}",
        r.intake.content
    );
    // A batch service answers a token (never an id); the token resolves to the id.
    let (s, v) = o
        .post_json(
            "/requests.json",
            &[
                ("api_key", key),
                ("service_code", "BM-15"),
                ("address_string", "德馨苑公租房"),
                ("account_id", "acc-7"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(v[0].get("service_request_id").is_none(), "{v}");
    assert_eq!(v[0]["account_id"], "acc-7");
    let token = v[0]["token"].as_str().unwrap().to_string();
    let (s, t) = o.get_json(&format!("/tokens/{token}.json")).await;
    assert_eq!(s, StatusCode::OK);
    let srid = t[0]["service_request_id"].as_str().unwrap();
    assert_eq!(t[0]["token"], token.as_str());
    let (_, got) = o.get_json(&format!("/requests/{srid}.json")).await;
    assert_eq!(got[0]["service_code"], "BM-15");
    let (s, x) = o.get_xml(&format!("/tokens/{token}.xml")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(x.contains(&format!(
        "<service_request_id>{srid}</service_request_id><token>{token}</token>"
    )));
    assert_eq!(
        o.get_json("/tokens/tnope.json").await.0,
        StatusCode::NOT_FOUND
    );

    // Multipart with a photo: stored, served back at media_url cleaned of its text chunk
    // (the same cleaning as /submit photos; before, the upload was served byte for byte).
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
    };
    let mut png_clean: Vec<u8> = b"\x89PNG\r\n\x1a\n".to_vec();
    png_clean.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    let mut png = png_clean.clone();
    png.extend(chunk(b"tEXt", b"Comment\0taken at home"));
    png.extend(chunk(b"IEND", b""));
    png_clean.extend(chunk(b"IEND", b""));
    let multipart = |ct: &str, field: &str| {
        let b = "----minhu-test-boundary";
        let mut body = Vec::new();
        for (k, v) in [
            ("api_key", key),
            ("service_code", "SZ-JG"),
            ("address_string", "德馨苑北门"),
            ("description", "井盖破损"),
            ("last_name", "王"),
        ] {
            body.extend_from_slice(
                format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"jg.png\"\r\nContent-Type: {ct}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(&png);
        body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={b}"), body)
    };
    for field in ["media", "media[]", "photo1"] {
        let (ct, body) = multipart("image/png", field);
        let resp =
            o.t.client
                .post(format!("{}{V2}/requests.json", o.t.base))
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "{field}");
        let v: Value = resp.json().await.unwrap();
        let id = v[0]["service_request_id"].as_str().unwrap();
        let (_, got) = o.get_json(&format!("/requests/{id}.json")).await;
        check_requests(&got);
        let url = got[0]["media_url"].as_str().expect("media_url").to_string();
        assert!(url.starts_with(&o.t.base), "{url}");
        let img = o.t.client.get(&url).send().await.unwrap();
        assert_eq!(img.headers()["content-type"], "image/png");
        assert_eq!(img.bytes().await.unwrap().as_ref(), png_clean.as_slice());
    }
    let before = o.count().await;
    let (ct, body) = multipart("text/html", "media");
    let resp =
        o.t.client
            .post(format!("{}{V2}/requests.json", o.t.base))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    check_errors(&resp.json::<Value>().await.unwrap());
    assert_eq!(o.count().await, before, "nothing half-written");
}

#[tokio::test]
async fn list_filters_window_and_pagination() {
    let o = O311::spawn().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let desc = format!("第{i}号诉求");
        let mut fields = vec![
            ("service_code", if i % 2 == 0 { "SZ-LD" } else { "CS-LJ" }),
            ("address_string", "德馨苑"),
            ("jurisdiction_id", if i < 3 { "DXY-G03" } else { "XY" }),
            ("description", desc.as_str()),
        ];
        if i % 2 == 0 {
            fields.push(("attribute[fault]", "dark"));
        }
        ids.push(o.create(&fields).await);
    }
    let (_, all) = o.get_json("/requests.json").await;
    check_requests(&all);
    let n_all = all.as_array().unwrap().len();
    assert_eq!(n_all, ids.len());
    // Newest first.
    assert_eq!(all[0]["service_request_id"], ids[4].as_str());

    // Close one through the lifecycle: it reads closed, FIXED, with the public reply.
    let closed =
        o.t.app
            .store
            .load_request_by_code(&ids[0])
            .await
            .unwrap()
            .unwrap()
            .0;
    let rid = closed.id;
    o.t.step("admin", rid, "accept", json!({})).await;
    o.t.step("admin", rid, "dispatch", json!({"unit": "DXY-WY"}))
        .await;
    o.t.step("h_dxy_wy", rid, "sign", json!({})).await;
    o.t.step("h_dxy_wy", rid, "reply", json!({"account": "更换灯泡，联系人张三丰13812345678", "public_reply": "已更换灯泡", "measures": "每周巡查", "solved": true})).await;
    o.t.step("admin", rid, "review", json!({"pass": true}))
        .await;
    o.t.step(
        "admin",
        rid,
        "callback",
        json!({"reached": true, "contacted": true, "solved": true, "satisfaction": "satisfied"}),
    )
    .await;
    let (_, v) = o
        .get_json(&format!("/requests/{}.json?extensions=true", ids[0]))
        .await;
    check_requests(&v);
    let r = &v[0];
    assert_eq!(r["status"], "closed");
    assert_eq!(r["extended_attributes"]["detailed_status"], "FIXED");
    assert_eq!(r["agency_responsible"], "德馨苑物业服务中心");
    assert!(r["status_notes"].as_str().unwrap().contains("已更换灯泡"));
    let notes: Vec<&str> = r["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        [
            "register", "accept", "dispatch", "sign", "reply", "review", "callback"
        ]
    );
    assert!(
        !v.to_string().contains("13812345678"),
        "the internal account stays internal"
    );
    assert!(!v.to_string().contains("更换灯泡，联系人"));

    let (_, open) = o.get_json("/requests.json?status=open").await;
    assert_eq!(open.as_array().unwrap().len(), n_all - 1);
    let (_, closed_only) = o.get_json("/requests.json?status=closed").await;
    assert_eq!(closed_only.as_array().unwrap().len(), 1);
    let (_, both) = o.get_json("/requests.json?status=open,closed").await;
    assert_eq!(both.as_array().unwrap().len(), n_all);
    let (_, both) = o.get_json("/requests.json?status=&service_code=").await;
    assert_eq!(
        both.as_array().unwrap().len(),
        n_all,
        "empty parameters are absent ones"
    );
    let (_, lamps) = o.get_json("/requests.json?service_code=SZ-LD").await;
    assert_eq!(lamps.as_array().unwrap().len(), 3);
    let (_, two) = o.get_json("/requests.json?service_code=SZ-LD,CS-LJ").await;
    assert_eq!(two.as_array().unwrap().len(), n_all);
    // service_request_id overrides every other argument.
    let (_, picked) = o
        .get_json(&format!(
            "/requests.json?service_request_id={},{}&status=closed&service_code=NOPE",
            ids[1], ids[3]
        ))
        .await;
    let got: Vec<&str> = picked
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap())
        .collect();
    assert_eq!(got.len(), 2);
    assert!(got.contains(&ids[1].as_str()) && got.contains(&ids[3].as_str()));
    // Jurisdiction: DXY-G03 is under YB street; XY is another street.
    let (_, yb) = o.get_json("/requests.json?jurisdiction_id=YB").await;
    assert_eq!(yb.as_array().unwrap().len(), 3);
    let (_, xy) = o.get_json("/requests.json?jurisdiction_id=XY").await;
    assert_eq!(xy.as_array().unwrap().len(), 2);
    // Pagination.
    let (_, p1) = o.get_json("/requests.json?page_size=2").await;
    let (_, p2) = o.get_json("/requests.json?page_size=2&page=2").await;
    let (_, p3) = o.get_json("/requests.json?page_size=2&page=3").await;
    assert_eq!(p1.as_array().unwrap().len(), 2);
    assert_eq!(p2.as_array().unwrap().len(), 2);
    assert_eq!(p3.as_array().unwrap().len(), 1);
    assert_eq!(p1[0]["service_request_id"], all[0]["service_request_id"]);
    assert_eq!(p2[0]["service_request_id"], all[2]["service_request_id"]);
    assert_eq!(p3[0]["service_request_id"], all[4]["service_request_id"]);
    // Dates: a window in the past is empty; the default window covers today.
    let (_, old) = o
        .get_json(
            "/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00%2B08:00",
        )
        .await;
    assert_eq!(old, json!([]));
    let (_, recent) = o
        .get_json("/requests.json?start_date=2026-01-01T00:00:00Z")
        .await;
    let _ = recent;
    let now = chrono::Utc::now();
    let start =
        (now - chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (s, v) = o
        .get_json(&format!("/requests.json?start_date={start}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), n_all);
    let (_, none_updated) = o
        .get_json(&format!(
            "/requests.json?updated_after={}",
            (now + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ))
        .await;
    assert_eq!(none_updated, json!([]));
    let (_, updated) = o
        .get_json(&format!("/requests.json?updated_after={start}"))
        .await;
    assert_eq!(updated.as_array().unwrap().len(), n_all);
    // XML list.
    let (s, x) = o.get_xml("/requests.xml?status=closed").await;
    assert_eq!(s, StatusCode::OK);
    assert!(x.contains("<status>closed</status>"));
    let (_, x) = o
        .get_xml("/requests.xml?start_date=2020-01-01T00:00:00Z&end_date=2020-01-02T00:00:00Z")
        .await;
    assert!(x.ends_with("<service_requests></service_requests>"), "{x}");

    // Every bad argument is a 400 error array.
    for q in [
        "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
        "start_date=2026-06-01",
        "start_date=yesterday",
        "end_date=2026-06-01T00:00:00Z&start_date=2026-07-01T00:00:00Z",
        "status=pending",
        "page_size=0",
        "page_size=1001",
        "page=-1",
        "extensions=maybe",
        "updated_after=2026-06-01T08:00:00",
    ] {
        let (s, v) = o.get_json(&format!("/requests.json?{q}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {v}");
    }
    let (s, _) = o.get_json("/requests.json?jurisdiction_id=nowhere").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn confidential_requests_never_appear() {
    let o = O311::spawn().await;
    let (s, v) = o
        .t
        .post(
            "dxy_staff",
            "/api/v1/requests",
            json!({"channel": "walk_in", "type": "report", "content": "举报某单位违规排污", "jurisdiction": "DXY-G03", "confidential": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let code = v["code"].as_str().unwrap().to_string();
    let visible = o.t.walk_in("楼道灯坏了").await;
    let (_, list) = o.get_json("/requests.json").await;
    check_requests(&list);
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 1, "{visible}");
    assert!(!codes.contains(&code.as_str()));
    assert_eq!(
        o.get_json(&format!("/requests/{code}.json")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, picked) = o
        .get_json(&format!("/requests.json?service_request_id={code}"))
        .await;
    assert_eq!(picked, json!([]));
    // A request with no category still has a string service_code.
    assert_eq!(list[0]["service_code"], "");
}

#[tokio::test]
async fn service_request_updates_are_idempotent() {
    let o = O311::spawn().await;
    let key = o.key.as_str();
    let id = o.create(&lamp(&[])).await;
    let rid =
        o.t.app
            .store
            .load_request_by_code(&id)
            .await
            .unwrap()
            .unwrap()
            .0
            .id;
    o.t.step("admin", rid, "accept", json!({})).await;

    let update = [
        ("api_key", key),
        ("service_request_id", id.as_str()),
        ("update_id", "fms-991"),
        ("updated_datetime", "2026-11-30T09:00:00Z"),
        ("status", "OPEN"),
        ("description", "还是不亮，请尽快处理。电话13900001111"),
        ("first_name", "三丰"),
        ("last_name", "-"),
    ];
    let (s, v) = o.post_json("/servicerequestupdates.json", &update).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v, json!([{"update_id": "fms-991"}]));
    let events = o.t.app.store.events(rid).await.unwrap();
    assert_eq!(
        events.last().unwrap().data.action(),
        "urge",
        "the follow-up urges the handlers"
    );
    let n = events.len();
    // The same update again: the same answer, nothing done twice.
    let (s, v) = o.post_json("/servicerequestupdates.json", &update).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!([{"update_id": "fms-991"}]));
    assert_eq!(o.t.app.store.events(rid).await.unwrap().len(), n);
    let (s, x) = o.post_form("/servicerequestupdates.xml", &update).await;
    assert_eq!(s, StatusCode::OK);
    check_xml(&x);
    assert!(x.contains("<service_request_updates><request_update><update_id>fms-991</update_id></request_update></service_request_updates>"));

    // Errors: the key, each missing field, a bad status, an unknown request, a reused id.
    let (s, _) = o
        .post_json("/servicerequestupdates.json", &update[1..])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = o
        .post_json(
            "/servicerequestupdates.json",
            &[("api_key", key), ("service_request_id", id.as_str())],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v.as_array().unwrap().len(), 4, "{v}");
    let mut bad = update.to_vec();
    bad[2] = ("update_id", "fms-992");
    bad[4] = ("status", "EXPLODED");
    assert_eq!(
        o.post_json("/servicerequestupdates.json", &bad).await.0,
        StatusCode::BAD_REQUEST
    );
    bad[4] = ("status", "closed");
    bad[3] = ("updated_datetime", "2026-11-30 09:00");
    assert_eq!(
        o.post_json("/servicerequestupdates.json", &bad).await.0,
        StatusCode::BAD_REQUEST
    );
    bad[3] = ("updated_datetime", "2026-11-30T09:00:00+08:00");
    bad[1] = ("service_request_id", "999999999999");
    let (s, v) = o.post_json("/servicerequestupdates.json", &bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v[0]["description"].as_str().unwrap().contains("not found"));
    let other = o.create(&lamp(&[])).await;
    let mut reuse = update.to_vec();
    reuse[1] = ("service_request_id", other.as_str());
    let (s, v) = o.post_json("/servicerequestupdates.json", &reuse).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        v[0]["description"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );
    // A fresh update on a registered request (nothing to urge yet) is kept, not refused.
    let mut fresh = update.to_vec();
    fresh[1] = ("service_request_id", other.as_str());
    fresh[2] = ("update_id", "fms-993");
    assert_eq!(
        o.post_json("/servicerequestupdates.json", &fresh).await.0,
        StatusCode::CREATED
    );

    // GET: the public steps as updates, de-duplicable by update_id, in both formats.
    let (s, v) = o.get_json("/servicerequestupdates.json").await;
    assert_eq!(s, StatusCode::OK);
    let ups = v.as_array().unwrap();
    let mine: Vec<&Value> = ups
        .iter()
        .filter(|u| u["service_request_id"] == id.as_str())
        .collect();
    let kinds: Vec<&str> = mine
        .iter()
        .map(|u| u["external_status_code"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["OPEN", "INVESTIGATING", "INVESTIGATING"], "{v}");
    for u in ups {
        for f in [
            "update_id",
            "service_request_id",
            "status",
            "updated_datetime",
            "description",
        ] {
            assert!(u[f].is_string(), "{f}: {u}");
        }
        assert!(is_dtf(u["updated_datetime"].as_str().unwrap()));
    }
    assert!(!v.to_string().contains("13900001111"));
    let ids: std::collections::HashSet<&str> = ups
        .iter()
        .map(|u| u["update_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), ups.len(), "update ids are unique");
    let (s, x) = o
        .get_xml("/servicerequestupdates.xml?api_key=ignored")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(x.contains("<service_request_updates><request_update><update_id>"));
    let (s, _) = o
        .get_json("/servicerequestupdates.json?start_date=2026-11-30T00:00:00Z")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "both dates or neither");
    let (_, old) = o
        .get_json("/servicerequestupdates.json?start_date=2020-01-01T00:00:00Z&end_date=2020-01-02T00:00:00Z")
        .await;
    assert_eq!(old, json!([]));
}
