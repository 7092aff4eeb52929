//! The OpenAPI document is served, parses, and every path it documents is routed.

use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn openapi_documents_the_routes_that_exist() {
    let t = TestApp::spawn().await;
    let (s, doc) = t
        .call(None, reqwest::Method::GET, "/api/v1/openapi.json", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    for required in [
        "/api/v1/requests",
        "/api/v1/requests/{id}",
        "/api/v1/requests/{id}/actions/{action}",
        "/api/v1/track/{code}",
        "/api/v1/jurisdictions",
        "/api/v1/units",
        "/healthz",
    ] {
        assert!(paths.contains_key(required), "{required} undocumented");
    }
    for (path, ops) in paths {
        for method in ops
            .as_object()
            .unwrap()
            .keys()
            .filter(|m| *m != "parameters")
        {
            let concrete = path
                .replace("{id}", "1")
                .replace("{action}", "accept")
                .replace("{code}", "000000000000")
                .replace("{date}", "2026-10-01");
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let resp = t
                .client
                .request(m, format!("{}{concrete}", t.base))
                .bearer_auth(t.token("admin"))
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let body: serde_json::Value = resp.json().await.unwrap_or_default();
            assert!(
                !(status == StatusCode::NOT_FOUND && body["error"]["message"] == "没有这个地址")
                    && status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented but not routed ({status})"
            );
        }
    }
}

/// The document shows what the types say: every DTO's component schema, every typed
/// operation's query parameters and the schemas of its bodies (see `minhu_web::api::doc`).
/// After changing a DTO, run this test with `MINHU_BLESS_OPENAPI=1` to rewrite the document,
/// then read the diff.
#[test]
fn openapi_matches_the_types() {
    use minhu_web::api::doc;
    if std::env::var_os("MINHU_BLESS_OPENAPI").is_some() {
        doc::bless().unwrap();
        return;
    }
    let stored: serde_json::Value = serde_json::from_str(doc::DOCUMENT).unwrap();
    let want = doc::expected(&stored);
    let mut stale = Vec::new();
    for (name, schema) in doc::schemas() {
        if stored["components"]["schemas"][&name] != schema {
            stale.push(format!("schema {name}"));
        }
    }
    for o in doc::operations() {
        let (have, should) = (
            &stored["paths"][o.path][o.method],
            &want["paths"][o.path][o.method],
        );
        if have != should {
            stale.push(format!("{} {}", o.method, o.path));
        }
    }
    assert!(
        stale.is_empty() && stored == want,
        "openapi.json does not match the types ({}); rerun with MINHU_BLESS_OPENAPI=1",
        stale.join(", ")
    );
}

/// Every typed operation is one the document has (no typo in the table hides a route).
#[test]
fn typed_operations_are_documented() {
    let stored: serde_json::Value = serde_json::from_str(minhu_web::api::doc::DOCUMENT).unwrap();
    for o in minhu_web::api::doc::operations() {
        assert!(
            stored["paths"][o.path][o.method]["responses"].is_object(),
            "{} {} is typed but not documented",
            o.method,
            o.path
        );
    }
}
