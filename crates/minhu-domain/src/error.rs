//! One error type for every refusal the domain can give. It carries a stable code, the
//! catalogue entry that tells it (`text/domain.toml`, keyed `domain.<code>` or
//! `domain.<code>.<case>` where one code has several messages) with the values filled into
//! it, the message in Chinese and in English, and the field at fault, so the web layer can
//! render it as is or in the reader's language.

use std::fmt;

use crate::text::{self, Lang};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Input is malformed or fails validation (HTTP 422).
    Invalid,
    /// The person's role or scope does not allow the step (HTTP 403).
    Forbidden,
    /// The thing does not exist or is outside the person's scope (HTTP 404).
    NotFound,
    /// The current state does not allow the step (HTTP 409).
    Conflict,
}

/// A value filled into a catalogue text. Most read the same in both languages; a few (a
/// state, a role, a unit) are shown by their Chinese label or name in Chinese and by their
/// code in English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub name: &'static str,
    pub zh: String,
    pub en: String,
}

impl Arg {
    /// The same value in both languages.
    pub fn new(name: &'static str, value: impl ToString) -> Arg {
        let value = value.to_string();
        Arg {
            name,
            zh: value.clone(),
            en: value,
        }
    }
    /// A value shown differently in each language.
    pub fn by_lang(name: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Arg {
        Arg {
            name,
            zh: zh.into(),
            en: en.into(),
        }
    }
    /// A value that is itself a catalogue entry (a type name, say), in each language.
    pub fn text(name: &'static str, key: &str) -> Arg {
        Arg::by_lang(name, text::get(key, Lang::Zh), text::get(key, Lang::En))
    }
    fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    pub kind: ErrorKind,
    pub code: &'static str,
    /// The catalogue entry telling this error (None for texts given inline by a caller).
    pub key: Option<&'static str>,
    /// The values filled into the entry.
    pub args: Vec<Arg>,
    pub zh: String,
    pub en: String,
    pub field: Option<String>,
}

impl DomainError {
    /// A refusal told by catalogue entry `key` with `args` filled in.
    pub fn keyed(kind: ErrorKind, code: &'static str, key: &'static str, args: Vec<Arg>) -> Self {
        let render = |lang: Lang| {
            let pairs: Vec<(&str, &str)> = args.iter().map(|a| (a.name, a.get(lang))).collect();
            text::fill(key, lang, &pairs)
        };
        DomainError {
            kind,
            code,
            zh: render(Lang::Zh),
            en: render(Lang::En),
            key: Some(key),
            args,
            field: None,
        }
    }
    /// A 422 for `field`, told by catalogue entry `key`.
    pub fn invalid_keyed(
        field: &str,
        code: &'static str,
        key: &'static str,
        args: Vec<Arg>,
    ) -> Self {
        Self::keyed(ErrorKind::Invalid, code, key, args).with_field(field)
    }
    /// A 403 (code `forbidden`), told by catalogue entry `key`.
    pub fn forbidden_keyed(key: &'static str, args: Vec<Arg>) -> Self {
        Self::keyed(ErrorKind::Forbidden, "forbidden", key, args)
    }
    /// A 404 (code `not_found`), told by catalogue entry `key`.
    pub fn not_found_keyed(key: &'static str) -> Self {
        Self::keyed(ErrorKind::NotFound, "not_found", key, Vec::new())
    }
    /// A 409, told by catalogue entry `key`.
    pub fn conflict_keyed(code: &'static str, key: &'static str, args: Vec<Arg>) -> Self {
        Self::keyed(ErrorKind::Conflict, code, key, args)
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// An error with its texts given inline (callers outside the domain; the domain's own
    /// errors use the catalogue).
    pub fn new(
        kind: ErrorKind,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        DomainError {
            kind,
            code,
            key: None,
            args: Vec::new(),
            zh: zh.into(),
            en: en.into(),
            field: None,
        }
    }
    pub fn invalid(
        field: &str,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        DomainError {
            field: Some(field.to_string()),
            ..Self::new(ErrorKind::Invalid, code, zh, en)
        }
    }
    pub fn forbidden(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, "forbidden", zh, en)
    }
    pub fn not_found(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, "not_found", zh, en)
    }
    pub fn conflict(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, zh, en)
    }
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.en, self.code)?;
        if let Some(field) = &self.field {
            write!(f, " [field {field}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for DomainError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyed_error_is_told_in_both_languages_from_the_catalogue() {
        let e = DomainError::invalid_keyed(
            "note",
            "required",
            "domain.required.field",
            vec![Arg::new("field", "note")],
        );
        assert_eq!(e.zh, "缺少必填字段“note”");
        assert_eq!(e.en, "field 'note' is required");
        assert_eq!(e.message(Lang::En), e.en);
        assert_eq!(e.field.as_deref(), Some("note"));
        assert_eq!(e.key, Some("domain.required.field"));
    }

    /// The `"domain.…"` keys the domain's sources name.
    fn keys_in_sources() -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let src = std::fs::read_to_string(&path).unwrap();
                    for piece in src.split("\"domain.").skip(1) {
                        if let Some((rest, _)) = piece.split_once('"')
                            && rest
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
                            && !rest.is_empty()
                            && !rest.ends_with('.')
                        {
                            out.push(format!("domain.{rest}"));
                        }
                    }
                }
            }
        }
        let mut keys = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut keys,
        );
        keys
    }

    #[test]
    fn every_key_the_domain_names_is_in_the_catalogue() {
        let known: std::collections::HashSet<&str> = text::keys().collect();
        let keys = keys_in_sources();
        assert!(keys.len() > 50, "found only {} keys", keys.len());
        for key in keys {
            assert!(
                known.contains(key.as_str()),
                "{key} is not in text/domain.toml"
            );
        }
    }

    #[test]
    fn every_domain_entry_is_used() {
        let used: std::collections::HashSet<String> = keys_in_sources().into_iter().collect();
        for key in text::keys().filter(|k| k.starts_with("domain.")) {
            assert!(
                used.contains(key),
                "{key} is in the catalogue but no code uses it"
            );
        }
    }
}
