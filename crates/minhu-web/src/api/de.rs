//! Lenient readers for the fields of the API's typed bodies and queries. The API has always
//! read a field it cannot use as absent or refused it by name (a 422 naming the field),
//! never failed the whole body; these keep that, so a typed body reads as the old one did.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A text field: a JSON string as given; anything else (a number, null, absent) is "".
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        _ => String::new(),
    })
}

/// A list of texts: the strings of a JSON array (others skipped); anything else is empty.
pub fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// A coordinate: a JSON number, or a string holding one; anything else is absent.
pub fn coordinate<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(coordinate_of(&Value::deserialize(d)?))
}

/// The coordinate in a JSON value (a number, or a string holding one).
pub fn coordinate_of(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// A query parameter: trimmed, and absent when empty.
pub fn param<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty()))
}

/// A field that must have type `T` when given: absent (or null), given, or of the wrong
/// type (the handler refuses it, naming the field).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Checked<T> {
    #[default]
    Absent,
    Given(T),
    Wrong,
}

impl<T> Checked<T> {
    /// The value given, `default` when absent; `None` when of the wrong type.
    pub fn or(self, default: T) -> Option<T> {
        match self {
            Checked::Absent => Some(default),
            Checked::Given(v) => Some(v),
            Checked::Wrong => None,
        }
    }
    /// The value given, if any and of the right type.
    pub fn given(self) -> Option<T> {
        match self {
            Checked::Given(v) => Some(v),
            _ => None,
        }
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Checked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => Checked::Absent,
            v => serde_json::from_value(v).map_or(Checked::Wrong, Checked::Given),
        })
    }
}
