//! The `attribute[CODE]` values of a new request, checked against the service definition
//! (required ones present, list values among the options, numbers and datetimes well
//! formed) and turned into the "描述：值" lines kept with the request's text.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use minhu_domain::time::rfc3339;
use minhu_store::open311::Category;
use serde_json::Value;

use super::error::{O311Error, said};
use super::params::Params;

/// `attribute[CODE]` and `attribute[CODE][]` values by code.
fn attribute_values(p: &Params) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in p.pairs() {
        let Some(rest) = k.strip_prefix("attribute[") else {
            continue;
        };
        let code = rest
            .strip_suffix("][]")
            .or_else(|| rest.strip_suffix(']'))
            .unwrap_or(rest);
        if v.trim().is_empty() {
            continue;
        }
        out.entry(code.to_string())
            .or_default()
            .push(v.trim().to_string());
    }
    out
}

/// Checks the attributes against the service definition; returns the text to keep with the
/// request ("描述：值" lines, in the definition's order). Every problem is one error entry.
pub(super) fn check_attributes(c: &Category, p: &Params) -> Result<Vec<String>, O311Error> {
    let given = attribute_values(p);
    let mut defs: Vec<&Value> = c
        .attributes
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mut errors = Vec::new();
    for code in given.keys() {
        if !defs.iter().any(|d| d["code"] == code.as_str()) {
            errors.push(said(
                "open311.unknown_attribute",
                &[("service", &c.code), ("code", code)],
            ));
        }
    }
    let mut lines = Vec::new();
    defs.sort_by_key(|d| d["order"].as_u64().unwrap_or(0));
    for d in defs {
        let code = d["code"].as_str().unwrap_or("");
        let label = d["description"].as_str().unwrap_or(code);
        let Some(values) = given.get(code) else {
            if d["required"].as_bool().unwrap_or(false) && d["variable"].as_bool().unwrap_or(true) {
                errors.push(said(
                    "open311.attribute_required",
                    &[("code", code), ("label", label)],
                ));
            }
            continue;
        };
        let shown = match d["datatype"].as_str().unwrap_or("string") {
            datatype @ ("singlevaluelist" | "multivaluelist") => {
                check_list(d, code, datatype == "singlevaluelist", values, &mut errors)
            }
            "number" => check_numbers(code, values, &mut errors),
            "datetime" => check_datetimes(code, values, &mut errors),
            _ => check_text(code, values, &mut errors),
        };
        if !shown.is_empty() {
            lines.push(format!("{label}：{}", shown.join("、")));
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(O311Error::bad_all(errors))
    }
}

/// List values must be keys of the options; they are shown by the options' names.
fn check_list(
    d: &Value,
    code: &str,
    single: bool,
    values: &[String],
    errors: &mut Vec<String>,
) -> Vec<String> {
    let options: Vec<(&str, &str)> = d["values"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .map(|v| {
                    (
                        v["key"].as_str().unwrap_or(""),
                        v["name"].as_str().unwrap_or(""),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if single && values.len() > 1 {
        errors.push(said("open311.attribute_one_option", &[("code", code)]));
    }
    let mut shown = Vec::new();
    for v in values {
        match options.iter().find(|(k, _)| k == v) {
            Some((_, name)) => shown.push(name.to_string()),
            None => {
                let keys: Vec<&str> = options.iter().map(|(k, _)| *k).collect();
                errors.push(said(
                    "open311.attribute_not_option",
                    &[("code", code), ("value", v), ("options", &keys.join(", "))],
                ));
            }
        }
    }
    shown
}

fn check_numbers(code: &str, values: &[String], errors: &mut Vec<String>) -> Vec<String> {
    let mut shown = Vec::new();
    for v in values {
        if v.parse::<f64>().map(|x| x.is_finite()).unwrap_or(false) {
            shown.push(v.clone());
        } else {
            errors.push(said(
                "open311.attribute_number",
                &[("code", code), ("value", v)],
            ));
        }
    }
    shown
}

/// Datetimes need a timezone; they are kept in UTC's RFC 3339.
fn check_datetimes(code: &str, values: &[String], errors: &mut Vec<String>) -> Vec<String> {
    let mut shown = Vec::new();
    for v in values {
        match DateTime::parse_from_rfc3339(v) {
            Ok(t) => shown.push(rfc3339(t.with_timezone(&Utc))),
            Err(_) => errors.push(said(
                "open311.attribute_datetime",
                &[("code", code), ("value", v)],
            )),
        }
    }
    shown
}

/// Strings and text: one value of at most 500 characters.
fn check_text(code: &str, values: &[String], errors: &mut Vec<String>) -> Vec<String> {
    if values.len() > 1 {
        errors.push(said("open311.attribute_one_value", &[("code", code)]));
    }
    let mut shown = Vec::new();
    for v in values {
        if v.chars().count() > 500 {
            errors.push(said("open311.attribute_too_long", &[("code", code)]));
        }
        shown.push(v.clone());
    }
    shown
}
