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
