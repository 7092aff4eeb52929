//! The one text catalogue: every string a person reads (error messages, page labels,
//! notification texts), keyed, in Simplified Chinese and English. The entries live in
//! `text/<area>.toml`, one file per area of the product, as
//!
//! ```toml
//! [unknown_jurisdiction]
//! zh = "未找到辖区"
//! en = "unknown jurisdiction"
//! ```
//!
//! Nested tables make dotted keys (`[wall.title]` is `wall.title`). A text may name values
//! to fill in as `{name}`; both languages must name the same ones (tested).

use std::collections::HashMap;
use std::sync::LazyLock;

/// The language a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn english(english: bool) -> Lang {
        if english { Lang::En } else { Lang::Zh }
    }
    pub fn is_english(self) -> bool {
        self == Lang::En
    }
    /// The BCP 47 tag (`zh-CN`, `en`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    pub zh: &'static str,
    pub en: &'static str,
}

impl Text {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }
}

/// The catalogue's files, by area. A new area adds its file here.
const SOURCES: &[(&str, &str)] = &[
    ("common", include_str!("../text/common.toml")),
    ("domain", include_str!("../text/domain.toml")),
    ("app", include_str!("../text/app.toml")),
    ("import", include_str!("../text/import.toml")),
    ("notify", include_str!("../text/notify.toml")),
    ("api", include_str!("../text/api.toml")),
    ("open311", include_str!("../text/open311.toml")),
    ("pages", include_str!("../text/pages.toml")),
    ("staff", include_str!("../text/staff.toml")),
    ("ledger", include_str!("../text/ledger.toml")),
    ("cli", include_str!("../text/cli.toml")),
    ("grid", include_str!("../text/grid.toml")),
    ("council", include_str!("../text/council.toml")),
    ("meeting", include_str!("../text/meeting.toml")),
    ("mediation", include_str!("../text/mediation.toml")),
    ("governance", include_str!("../text/governance.toml")),
    ("grid_ledger", include_str!("../text/grid_ledger.toml")),
    ("grid_import", include_str!("../text/grid_import.toml")),
    ("patrol", include_str!("../text/patrol.toml")),
    ("patrol_pages", include_str!("../text/patrol_pages.toml")),
    ("grid_meeting", include_str!("../text/grid_meeting.toml")),
    ("suggestion", include_str!("../text/suggestion.toml")),
    ("sitting", include_str!("../text/sitting.toml")),
];

/// A problem found while reading the catalogue (only tests see these: a bad file is a
/// build-time mistake, and the product falls back to showing the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueProblem {
    pub area: &'static str,
    pub key: String,
    pub problem: String,
}

struct Catalogue {
    texts: HashMap<String, Text>,
    problems: Vec<CatalogueProblem>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(load);

fn load() -> Catalogue {
    let mut cat = Catalogue {
        texts: HashMap::new(),
        problems: Vec::new(),
    };
    for (area, source) in SOURCES {
        match source.parse::<toml::Table>() {
            Ok(table) => collect(&mut cat, area, "", &table),
            Err(e) => cat.problems.push(CatalogueProblem {
                area,
                key: String::new(),
                problem: format!("not TOML: {e}"),
            }),
        }
    }
    cat
}

fn collect(cat: &mut Catalogue, area: &'static str, prefix: &str, table: &toml::Table) {
    for (name, value) in table {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let Some(inner) = value.as_table() else {
            cat.problems
                .push(problem(area, &key, "not a table of zh and en"));
            continue;
        };
        let is_leaf = inner.contains_key("zh") || inner.contains_key("en");
        if !is_leaf {
            collect(cat, area, &key, inner);
            continue;
        }
        let zh = inner.get("zh").and_then(|v| v.as_str()).unwrap_or("");
        let en = inner.get("en").and_then(|v| v.as_str()).unwrap_or("");
        if let Some(p) = entry_problem(zh, en, inner.len()) {
            cat.problems.push(problem(area, &key, &p));
        }
        if cat.texts.contains_key(&key) {
            cat.problems.push(problem(area, &key, "key defined twice"));
        }
        let text = Text {
            zh: Box::leak(zh.to_string().into_boxed_str()),
            en: Box::leak(en.to_string().into_boxed_str()),
        };
        cat.texts.insert(key, text);
    }
}

fn problem(area: &'static str, key: &str, what: &str) -> CatalogueProblem {
    CatalogueProblem {
        area,
        key: key.to_string(),
        problem: what.to_string(),
    }
}

fn entry_problem(zh: &str, en: &str, fields: usize) -> Option<String> {
    if zh.trim().is_empty() {
        return Some("no Chinese text".into());
    }
    if en.trim().is_empty() {
        return Some("no English text".into());
    }
    if fields != 2 {
        return Some("fields other than zh and en".into());
    }
    let (pz, pe) = (placeholders(zh), placeholders(en));
    (pz != pe).then(|| format!("placeholders differ: zh {pz:?}, en {pe:?}"))
}

/// The `{name}` placeholders of a text, sorted.
fn placeholders(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = text
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The entry for `key`, if the catalogue has it.
pub fn lookup(key: &str) -> Option<Text> {
    CATALOGUE.texts.get(key).copied()
}

/// The text for `key` in `lang`; the key itself when the catalogue lacks it (a test
/// checks that every key the code uses exists).
pub fn get(key: &str, lang: Lang) -> &str {
    match lookup(key) {
        Some(text) => text.get(lang),
        None => key,
    }
}

/// The text for `key` in `lang` with its `{name}` placeholders filled from `args`.
pub fn fill(key: &str, lang: Lang, args: &[(&str, &str)]) -> String {
    let mut out = get(key, lang).to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Every key of the catalogue (for tests that check the code's keys exist).
pub fn keys() -> impl Iterator<Item = &'static str> {
    CATALOGUE.texts.keys().map(String::as_str)
}

/// What is wrong with the catalogue files (empty when every entry has both languages).
pub fn problems() -> &'static [CatalogueProblem] {
    &CATALOGUE.problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_both_languages_and_the_same_placeholders() {
        assert_eq!(problems(), &[] as &[CatalogueProblem]);
    }

    #[test]
    fn texts_are_looked_up_and_filled() {
        assert_eq!(get("common.not_found", Lang::Zh), "未找到");
        assert_eq!(get("common.not_found", Lang::En), "not found");
        assert_eq!(get("no.such.key", Lang::En), "no.such.key");
        assert_eq!(
            fill(
                "common.too_long",
                Lang::En,
                &[("field", "content"), ("max", "5000")]
            ),
            "content is longer than 5000 characters"
        );
    }

    #[test]
    fn a_bad_entry_is_reported() {
        assert_eq!(
            entry_problem("", "x", 2).as_deref(),
            Some("no Chinese text")
        );
        assert_eq!(
            entry_problem("x", " ", 2).as_deref(),
            Some("no English text")
        );
        assert!(entry_problem("共{n}条", "{count} items", 2).is_some());
        assert_eq!(entry_problem("共{n}条", "{n} items", 2), None);
    }
}
