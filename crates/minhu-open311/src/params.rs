//! The parameters of a call: the query string, and for a POST the form or multipart fields
//! after it. Each resource reads them into its own typed struct (`Params::typed`), where an
//! empty value counts as absent (the spec: same as not passed) and the last value given
//! wins; repeated fields (`media_url[]`) and `attribute[CODE]` are read from the pairs.
//! The checks shared by several resources (datetimes, `jurisdiction_id`, the base URL) are
//! here too.

use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};
use minhu_domain::org::Org;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::{O311Error, said, said_with};

/// Query or form parameters, in the order given.
#[derive(Debug, Default)]
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    pub(super) fn parse(raw: &[u8]) -> Params {
        Params(
            form_urlencoded::parse(raw)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }
    pub(super) fn from_pairs(pairs: Vec<(String, String)>) -> Params {
        Params(pairs)
    }
    pub(super) fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
    /// Every non-empty value of a repeated field, trimmed.
    pub(super) fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }
    pub(super) fn extend(&mut self, other: Params) {
        self.0.extend(other.0);
    }
    /// The known single-valued parameters as `T` (a struct of `Option<String>` fields):
    /// values trimmed, empty ones dropped, the last one given kept; unknown names ignored.
    pub(super) fn typed<T: DeserializeOwned>(&self) -> Result<T, O311Error> {
        let mut map = Map::new();
        for (k, v) in &self.0 {
            let v = v.trim();
            if !v.is_empty() {
                map.insert(k.clone(), Value::String(v.to_string()));
            }
        }
        serde_json::from_value(Value::Object(map))
            .map_err(|e| O311Error::bad(said_with("open311.bad_parameters", &[], &e)))
    }
}

pub(super) fn query(raw: Option<String>) -> Params {
    Params::parse(raw.unwrap_or_default().as_bytes())
}

/// Parameters that take only `jurisdiction_id` (services, service definitions).
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct JurisdictionQuery {
    pub jurisdiction_id: Option<String>,
}

/// A comma-separated list.
pub(super) fn list(value: Option<&str>) -> Option<Vec<String>> {
    let v: Vec<String> = value?
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    (!v.is_empty()).then_some(v)
}

/// A W3C-DTF datetime; the timezone is mandatory.
pub(super) fn datetime(key: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, O311Error> {
    match value {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                O311Error::bad(said("open311.bad_datetime", &[("key", key), ("value", s)]))
            }),
    }
}

/// `jurisdiction_id`: optional (one deployment serves one district), a jurisdiction code when given.
pub(super) fn jurisdiction(value: Option<&str>, org: &Org) -> Result<Option<String>, O311Error> {
    match value {
        None => Ok(None),
        Some(j) if org.jurisdiction(j).is_some() => Ok(Some(j.to_string())),
        Some(j) => Err(O311Error::not_found(said(
            "open311.unknown_jurisdiction",
            &[("id", j)],
        ))),
    }
}

/// The deployment's root jurisdiction (the district), where requests with neither a
/// `jurisdiction_id` nor a point inside a known grid are registered.
pub(super) fn root_jurisdiction(org: &Org) -> Option<String> {
    let mut roots = org.jurisdictions().filter(|j| j.parent.is_none());
    let first = roots.next()?;
    roots.next().is_none().then(|| first.code.clone())
}

/// The scheme and host the client called, for the URLs in documents.
pub(super) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    format!("{proto}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Q {
        a: Option<String>,
        b: Option<String>,
    }

    #[test]
    fn empty_is_absent_and_the_last_value_wins() {
        let p = Params::parse(b"a=1&a=%202%20&a=&b=+&c=x");
        let q: Q = p.typed().unwrap();
        assert_eq!(q.a.as_deref(), Some("2"));
        assert_eq!(q.b, None);
        assert_eq!(p.all("a"), ["1", "2"]);
        assert_eq!(list(Some(" x, ,y ")), Some(vec!["x".into(), "y".into()]));
        assert_eq!(list(Some(" , ")), None);
    }

    /// The fields a create form reads, typed as the resource reads them.
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Form {
        api_key: Option<String>,
        service_code: Option<String>,
        lat: Option<String>,
        long: Option<String>,
        start_date: Option<String>,
    }

    proptest::proptest! {
        /// Fuzz: any body or query string is read into fields and typed, or refused with a
        /// 400 naming what was wrong; datetimes are parsed or refused naming the key.
        #[test]
        fn any_form_body_is_read_or_refused(raw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let p = Params::parse(&raw);
            if let Err(e) = p.typed::<Form>() {
                proptest::prop_assert_eq!(e.render(crate::format::Fmt::Json).status(), axum::http::StatusCode::BAD_REQUEST);
            }
            let _ = p.all("media_url[]");
            let _ = list(p.pairs().first().map(|(_, v)| v.as_str()));
        }

        #[test]
        fn any_datetime_is_parsed_or_refused(s in "\\PC{0,40}") {
            if let Err(e) = datetime("start_date", Some(&s)) {
                proptest::prop_assert_eq!(e.render(crate::format::Fmt::Json).status(), axum::http::StatusCode::BAD_REQUEST);
            }
        }
    }
}
