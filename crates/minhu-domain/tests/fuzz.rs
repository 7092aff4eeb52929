//! Fuzz targets (proptest, run by `cargo test`: 256 cases each, `PROPTEST_CASES` raises it,
//! `bench/fuzz.sh` runs them for minutes) for the domain's parsers of user input: the intake
//! body every channel goes through (`parse_intake`), phones, ID numbers and tracking codes
//! in any text, and the masking of public text. Property: a value or a refusal naming the
//! field, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use minhu_domain::ids::TrackingCode;
use minhu_domain::intake::parse_intake;
use minhu_domain::org::{Actor, Jurisdiction, Level, Org, Role};
use minhu_domain::privacy::{
    mask_address, mask_name, mask_phone, normalize_phone, public_text, redact_text,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn org() -> Org {
    let j = |code: &str, level, parent: Option<&str>| Jurisdiction {
        code: code.into(),
        name: format!("{code}辖区"),
        level,
        parent: parent.map(str::to_string),
    };
    Org::new(
        vec![
            j("D", Level::District, None),
            j("S1", Level::Street, Some("D")),
            j("C1", Level::Community, Some("S1")),
            j("G1", Level::Grid, Some("C1")),
        ],
        vec![],
    )
}

fn now() -> DateTime<Utc> {
    "2026-12-01T00:00:00Z".parse().unwrap()
}

/// Hostile text: huge, NUL, bidi controls, full-width digits, lone surrogate stand-ins.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,30}",
        Just("\u{0}".repeat(10)),
        Just("x".repeat(70_000)),
        Just("１３８００１３８０００ ＋８６".to_string()),
        Just("\u{202e}\u{feff}\u{200b}".to_string()),
        "[0-9０-９ +()\\-.]{0,40}",
    ]
}

/// Any JSON value, up to a few levels deep.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map("\\PC{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const KEYS: [&str; 13] = [
    "channel",
    "type",
    "content",
    "subject",
    "requester",
    "address",
    "lat",
    "lon",
    "category",
    "confidential",
    "external_id",
    "jurisdiction",
    "grid",
];

/// An intake body: the known keys with values of any type, sometimes plausible ones.
fn body() -> impl Strategy<Value = Value> {
    let plausible = prop_oneof![
        Just(json!("walk_in")),
        Just(json!("web")),
        Just(json!("complaint")),
        Just(json!("C1")),
        Just(json!({"name": "王", "phone": "138 0013 8000"})),
        text().prop_map(|p| json!({"name": "王", "phone": p})),
        Just(json!(31.23)),
        Just(json!("NaN")),
    ];
    proptest::collection::vec(
        (
            proptest::sample::select(KEYS.to_vec()),
            prop_oneof![value(), plausible],
        ),
        0..12,
    )
    .prop_map(|pairs| {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert(k.to_string(), v);
        }
        Value::Object(m)
    })
}

proptest! {
    /// Every intake body is an intake or a refusal that names its field (when about one).
    #[test]
    fn any_intake_body_is_an_intake_or_a_refusal(body in prop_oneof![body(), value()], staff in any::<bool>()) {
        let org = org();
        let clerk = Actor::person("fuzz", Role::CommunityStaff, "C1");
        let actor = staff.then_some(&clerk);
        match parse_intake(&body, actor, &org, "T".into(), now()) {
            Ok(intake) => {
                prop_assert!(!intake.content.trim().is_empty());
                prop_assert!(intake.content.chars().count() <= 5000);
            }
            Err(e) => {
                prop_assert!(!e.code.is_empty());
                prop_assert!(!e.zh.is_empty() && !e.en.is_empty());
            }
        }
    }

    /// Phones, ID numbers and codes in any text: parsed or not, masked, never a panic; the
    /// masked text never holds the normalised phone it masks.
    #[test]
    fn any_text_is_parsed_and_masked(s in text(), name in proptest::option::of(text())) {
        if let Some(p) = normalize_phone(&s) {
            prop_assert!(!mask_phone(&p).contains(&p));
        }
        let _ = mask_phone(&s);
        let _ = mask_name(&s);
        let _ = mask_address(&s);
        let _ = redact_text(&s);
        let _ = public_text(&s, name.as_deref());
        let _ = TrackingCode::parse(&s);
    }
}
