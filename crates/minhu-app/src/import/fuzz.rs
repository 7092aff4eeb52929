//! Fuzz targets (proptest, run by `cargo test`: 256 cases each, `PROPTEST_CASES` raises it,
//! `bench/fuzz.sh` runs them for minutes) for every parser an import feeds with the
//! uploader's bytes: the CSV, xlsx and JSON readers, the mapping file, Excel serial dates,
//! the row times, and each row into an intake. Property: an answer or a refusal, never a
//! panic; a refused row names its field.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use minhu_domain::org::{Jurisdiction, Level, Org, Unit, UnitLevel};
use minhu_domain::request::Channel;
use proptest::prelude::*;

use super::*;

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
        ],
        vec![Unit {
            code: "C1".into(),
            name: "C1".into(),
            level: UnitLevel::Community,
            jurisdiction: "C1".into(),
            office: false,
        }],
    )
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T08:00:00+08:00")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// A cell: ordinary values, hostile ones, and anything at all.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("2026-06-01 08:30:00".to_string()),
        Just("2026年6月1日 8:30".to_string()),
        Just("+86 138-0013-8000".to_string()),
        Just("１３８００１３８０００".to_string()),
        Just("投诉".to_string()),
        Just("C1".to_string()),
        Just("NaN".to_string()),
        Just("1e309".to_string()),
        Just("-90.0000001".to_string()),
        Just("\u{0}\u{feff}\u{202e}".to_string()),
        Just("是".to_string()),
        "\\PC{0,40}",
        any::<String>(),
        "[0-9 +()\\-.]{0,30}",
    ]
}

fn record(cells: &[String]) -> csv::StringRecord {
    csv::StringRecord::from(cells.to_vec())
}

/// Found by `excel_serials_never_panic`: a date cell of -1.6e117 days panicked in chrono
/// (`TimeDelta::milliseconds out of bounds`), aborting the import mid-file.
#[test]
fn absurd_excel_serials_are_no_date() {
    for v in [
        -1.602946429486156e117,
        f64::MAX,
        f64::MIN,
        f64::NAN,
        f64::INFINITY,
    ] {
        assert_eq!(excel_serial(v), None, "{v}");
    }
    assert!(excel_serial(45000.5).is_some());
}

proptest! {
    /// Any bytes as CSV, xlsx or JSON: a table or a refusal.
    #[test]
    fn any_bytes_are_read_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let m = Mapping::default();
        let _ = read_csv(&bytes, &m);
        let _ = read_json(&bytes, &m);
        let _ = read_xlsx(&bytes, &m);
        let _ = read_csv_rows(&bytes, "auto");
        let _ = decode(&bytes, "gbk");
    }

    /// Excel serial dates, including the absurd ones a crafted sheet can hold.
    #[test]
    fn excel_serials_never_panic(v in any::<f64>()) {
        let _ = excel_serial(v);
    }

    /// A mapping file of any text: a mapping or a refusal.
    #[test]
    fn any_mapping_file_is_read_or_refused(text in "\\PC{0,200}") {
        let _ = Mapping::from_json(&text);
    }

    /// JSON exports with hostile values in every field.
    #[test]
    fn json_rows_of_any_shape(values in proptest::collection::vec(cell(), 0..12), nested in 0usize..64) {
        let mut row = serde_json::Map::new();
        for (f, v) in FIELDS.iter().zip(&values) {
            row.insert((*f).to_string(), serde_json::Value::String(v.clone()));
        }
        let deep = "[".repeat(nested) + &"]".repeat(nested);
        let text = format!("[{}, {deep}, 1, null]", serde_json::Value::Object(row));
        let _ = read_json(text.as_bytes(), &Mapping::default());
    }

    /// Each row into an intake: an intake, or a refusal that names a field.
    #[test]
    fn any_row_is_an_intake_or_a_named_refusal(values in proptest::collection::vec(cell(), FIELDS.len())) {
        let m = Mapping::default();
        let o = org();
        let cx = Context {
            org: &o,
            categories: HashSet::from(["SZ".to_string()]),
            now: now(),
            actor: "import:fuzz".into(),
            role: "system".into(),
        };
        let cols: HashMap<&str, usize> = FIELDS.iter().enumerate().map(|(i, f)| (*f, i)).collect();
        let cells = record(&values);
        let at = cols.get("received_at").and_then(|i| values.get(*i)).and_then(|s| parse_time(s.trim(), &m));
        match row_intake(&cells, &cols, Channel::Hotline12345, &m, &cx, "D", at) {
            Ok(intake) => prop_assert!(!intake.content.is_empty()),
            Err((field, reason)) => {
                prop_assert!(!reason.is_empty());
                prop_assert!(field.is_none_or(|f| !f.is_empty()));
            }
        }
    }
}
