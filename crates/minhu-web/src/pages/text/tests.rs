//! Every key the pages and templates look up exists in the catalogue, and the coded values'
//! and actions' labels are the domain's Chinese names and their codes in words.

use std::path::Path;

use minhu_domain::lifecycle::ACTIONS;
use minhu_domain::request::{
    Channel, Difficulty, RequestType, Satisfaction, State as ReqState, Urgency,
};
use minhu_domain::text::{self, Lang};

/// The groups of keys the pages own (a string literal starting with one of these is a key).
const PREFIXES: &[&str] = &[
    "base.",
    "error.",
    "home.",
    "login.",
    "submit.",
    "submitted.",
    "track.",
    "wall.",
    "form.",
    "code.",
    "staff.",
    "ledger.page.",
    "phone.",
    "governance.page.",
    "grid_ledger.",
    "suggestion.page.",
    "sitting.page.",
    "sitting.public.",
    "meeting.page.",
];

/// The quoted string literals of a source that look like catalogue keys.
fn keys_in(source: &str) -> Vec<String> {
    source
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| PREFIXES.iter().any(|p| s.starts_with(p)))
        .filter(|s| !s.ends_with(".html"))
        .filter(|s| {
            s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        })
        .filter(|s| !s.ends_with('.'))
        .map(str::to_string)
        .collect()
}

fn sources(dir: &Path, ext: &str, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }
}

#[test]
fn every_key_the_pages_use_is_in_the_catalogue() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("templates"), "html", &mut files);
    sources(&root.join("src/pages"), "rs", &mut files);
    files.push((
        "src/view.rs".into(),
        std::fs::read_to_string(root.join("src/view.rs")).unwrap(),
    ));
    let mut used = 0;
    let mut missing = Vec::new();
    for (file, source) in &files {
        if file.ends_with("tests.rs") {
            continue;
        }
        for key in keys_in(source) {
            used += 1;
            if text::lookup(&key).is_none() {
                missing.push(format!("{file}: {key}"));
            }
        }
    }
    assert!(used > 250, "found only {used} keys: is the scan broken?");
    assert_eq!(missing, Vec::<String>::new());
}

#[test]
fn templates_hold_no_inline_pairs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("templates"), "html", &mut files);
    for (file, source) in files {
        for call in source.split("p.t(").skip(1) {
            let args = call.split(')').next().unwrap_or("");
            assert!(!args.contains(','), "{file}: p.t({args})");
        }
    }
}

/// The label of each value is its Chinese name, and its code in words in English.
fn labels_match<T: Copy>(
    group: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    zh: fn(T) -> &'static str,
) {
    for &v in all {
        let key = format!("code.{group}.{}", code(v));
        let entry = text::lookup(&key).unwrap_or_else(|| panic!("{key} missing"));
        assert_eq!(entry.zh, zh(v), "{key}");
        assert_eq!(entry.en, code(v).replace('_', " "), "{key}");
    }
}

#[test]
fn coded_values_are_labelled_as_the_domain_names_them() {
    labels_match("state", ReqState::ALL, ReqState::as_str, ReqState::zh);
    labels_match("channel", Channel::ALL, Channel::as_str, Channel::zh);
    labels_match(
        "type",
        RequestType::ALL,
        RequestType::as_str,
        RequestType::zh,
    );
    labels_match(
        "satisfaction",
        Satisfaction::ALL,
        Satisfaction::as_str,
        Satisfaction::zh,
    );
    labels_match(
        "difficulty",
        Difficulty::ALL,
        Difficulty::as_str,
        Difficulty::zh,
    );
    labels_match("urgency", Urgency::ALL, Urgency::as_str, Urgency::zh);
    assert_eq!(
        super::code_label(Lang::En, "state", "pending_dispatch"),
        "pending dispatch"
    );
    assert_eq!(super::code_label(Lang::Zh, "state", "no_such"), "no_such");
}

#[test]
fn every_action_has_a_label_and_its_fields_have_labels() {
    for action in ACTIONS {
        let key = format!("staff.action.{action}");
        let entry = text::lookup(&key).unwrap_or_else(|| panic!("{key} missing"));
        assert_eq!(entry.en, action.replace('_', " "));
        for f in crate::pages::staff::action_fields(action) {
            assert!(text::lookup(f.label).is_some(), "{}", f.label);
        }
    }
}

#[test]
fn a_number_is_set_between_the_words_around_it() {
    assert_eq!(
        super::around_n(text::get("wall.count", Lang::Zh)),
        ("共 ", " 件")
    );
    assert_eq!(
        super::around_n(text::get("wall.count", Lang::En)),
        ("", " requests")
    );
}
