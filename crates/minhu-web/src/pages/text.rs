//! The pages' words: every label comes from the one text catalogue (`minhu_domain::text`,
//! areas `pages`, `staff` and `ledger.page.*`) in the reader's language. Coded values
//! (states, channels, types, …) are labelled by `code.<kind>.<code>`; instants are shown as
//! Beijing time.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use minhu_domain::text::{self, Lang};

use crate::ApiError;

/// The catalogue's text for `key` in `lang` (the key itself if the catalogue lacks it; a
/// test checks that every key the pages use exists).
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    text::get(key, lang)
}

/// The label of a coded value: `kind` is the catalogue's group (`state`, `channel`, `type`,
/// `satisfaction`, `difficulty`, `urgency`), `code` the value's stable code. An unknown code
/// is shown as it is.
pub fn code_label(lang: Lang, kind: &str, code: &str) -> String {
    labelled(lang, &format!("code.{kind}.{code}"), code)
}

/// The text of a key made from a code; `fallback` when the catalogue lacks it.
pub fn labelled(lang: Lang, key: &str, fallback: &str) -> String {
    text::lookup(key)
        .map(|entry| entry.get(lang).to_string())
        .unwrap_or_else(|| fallback.to_string())
}

/// An error whose message is the catalogue's `key` in both languages, filled from `args`.
pub fn error(status: StatusCode, code: &str, key: &str, args: &[(&str, &str)]) -> ApiError {
    ApiError::new(
        status,
        code,
        text::fill(key, Lang::Zh, args),
        text::fill(key, Lang::En, args),
    )
}

/// A text around its `{n}`: what comes before and after (all of it before when it has none).
pub fn around_n(text: &'static str) -> (&'static str, &'static str) {
    text.split_once("{n}").unwrap_or((text, ""))
}

/// An instant as Beijing time, minute precision.
pub fn time(at: &DateTime<Utc>) -> String {
    at.with_timezone(&minhu_domain::time::ZONE)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// An optional instant as Beijing time; empty when there is none.
pub fn time_opt(at: &Option<DateTime<Utc>>) -> String {
    at.as_ref().map(time).unwrap_or_default()
}

#[cfg(test)]
mod tests;
