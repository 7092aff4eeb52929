//! `GET /discovery`: where the endpoint is, which spec and formats it speaks, whom to ask
//! for a key.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;

use super::format::{Fmt, reply};
use super::params::base_url;

const SPEC: &str = "http://wiki.open311.org/GeoReport_v2";
/// When the service list last changed in a way clients should notice (discovery changeset).
const CHANGESET: &str = "2026-11-30T00:00:00+08:00";
const CONTACT: &str = "民呼必应服务站（区综合办公室） minhu@example.gov.cn";
const KEY_SERVICE: &str = "向区综合办公室申请 api_key（管理员执行 minhu open311 key issue --name 客户端名称） \
                           (ask the district office for an api_key)";
const FORMATS: [&str; 2] = ["text/xml", "application/json"];

#[derive(Serialize)]
struct DiscoveryDoc {
    changeset: &'static str,
    contact: &'static str,
    key_service: &'static str,
    endpoints: Vec<EndpointDoc>,
}

#[derive(Serialize)]
struct EndpointDoc {
    specification: &'static str,
    url: String,
    changeset: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    formats: [&'static str; 2],
}

pub(super) fn discovery(fmt: Fmt, headers: &HeaderMap) -> Response {
    let doc = DiscoveryDoc {
        changeset: CHANGESET,
        contact: CONTACT,
        key_service: KEY_SERVICE,
        endpoints: vec![EndpointDoc {
            specification: SPEC,
            url: format!("{}/open311/v2", base_url(headers)),
            changeset: CHANGESET,
            kind: "production",
            formats: FORMATS,
        }],
    };
    reply(fmt, StatusCode::OK, "discovery", &doc)
}
