//! The application's one error: what went wrong (a [`Kind`]), a stable code, the field at
//! fault and the values its message names. It knows no HTTP: each front end maps the kind to
//! its own answer (a status, an Open311 error, a line on the terminal). The message comes
//! from the text catalogue, keyed by the error's text key (by default `app.<code>`).

use std::borrow::Cow;
use std::fmt;

use minhu_domain::text::{self, Lang};
use minhu_domain::{DomainError, ErrorKind};

/// What kind of refusal or failure an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The thing does not exist, or is outside the person's scope.
    NotFound,
    /// Input is malformed or fails validation.
    Invalid,
    /// The current state does not allow the step, or someone else changed it meanwhile.
    Conflict,
    /// The person's role or scope does not allow it.
    Forbidden,
    /// Nobody is signed in.
    Unauthorized,
    /// The input is larger than allowed.
    TooLarge,
    /// Too many attempts in a while (a guessing limit): wait, or take another way.
    TooMany,
    /// The input's format or type is not one we read.
    Unsupported,
    /// Our fault: storage failed or an invariant broke. Details go to the log, not the person.
    Internal,
}

/// Where the message of an error comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Message {
    /// A catalogue key, filled in with the error's args.
    Key(Cow<'static, str>),
    /// Texts already written in both languages (a domain refusal carries its own).
    Given { zh: String, en: String },
}

/// An application error. Build with [`AppError::new`] or a shorthand, then add the field,
/// the fill-in values or another catalogue key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub kind: Kind,
    pub code: Cow<'static, str>,
    pub field: Option<String>,
    pub args: Vec<(&'static str, String)>,
    message: Message,
}

impl AppError {
    /// An error whose message is the catalogue entry `app.<code>`.
    pub fn new(kind: Kind, code: &'static str) -> Self {
        AppError {
            kind,
            code: Cow::Borrowed(code),
            field: None,
            args: Vec::new(),
            message: Message::Key(Cow::Owned(format!("app.{code}"))),
        }
    }
    /// The same error with its message from another catalogue key (when one code has several
    /// explanations, e.g. `forbidden`).
    pub fn text(mut self, key: &'static str) -> Self {
        self.message = Message::Key(Cow::Borrowed(key));
        self
    }
    /// The same error with its message written out in both languages.
    pub fn message(mut self, zh: impl Into<String>, en: impl Into<String>) -> Self {
        self.message = Message::Given {
            zh: zh.into(),
            en: en.into(),
        };
        self
    }
    pub fn field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }
    /// Adds a value the message names as `{name}`.
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn not_found() -> Self {
        Self::new(Kind::NotFound, "not_found")
    }
    /// A parameter or field that fails validation (`invalid_parameter`), with its message.
    pub fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(Kind::Invalid, "invalid_parameter")
            .message(zh, en)
            .field(field)
    }
    /// Our fault; the cause is logged here and never shown.
    pub fn internal(err: impl fmt::Display) -> Self {
        tracing::error!(error = %err, "internal error");
        Self::new(Kind::Internal, "internal")
    }

    /// The message in `lang`.
    pub fn message_in(&self, lang: Lang) -> String {
        match &self.message {
            Message::Key(key) => {
                let args: Vec<(&str, &str)> =
                    self.args.iter().map(|(n, v)| (*n, v.as_str())).collect();
                text::fill(key, lang, &args)
            }
            Message::Given { zh, en } => match lang {
                Lang::Zh => zh.clone(),
                Lang::En => en.clone(),
            },
        }
    }
    pub fn zh(&self) -> String {
        self.message_in(Lang::Zh)
    }
    pub fn en(&self) -> String {
        self.message_in(Lang::En)
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.en(), self.code)?;
        if let Some(field) = &self.field {
            write!(f, " [field {field}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        let kind = match e.kind {
            ErrorKind::Invalid => Kind::Invalid,
            ErrorKind::Forbidden => Kind::Forbidden,
            ErrorKind::NotFound => Kind::NotFound,
            ErrorKind::Conflict => Kind::Conflict,
        };
        AppError {
            kind,
            code: Cow::Borrowed(e.code),
            field: e.field,
            args: Vec::new(),
            message: Message::Given { zh: e.zh, en: e.en },
        }
    }
}

impl From<minhu_store::StoreError> for AppError {
    fn from(e: minhu_store::StoreError) -> Self {
        AppError::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_come_from_the_catalogue() {
        let e = AppError::not_found().text("common.not_found");
        assert_eq!((e.zh().as_str(), e.en().as_str()), ("未找到", "not found"));
        let e = AppError::new(Kind::Invalid, "x")
            .text("common.too_long")
            .arg("field", "content")
            .arg("max", 5000);
        assert_eq!(e.en(), "content is longer than 5000 characters");
    }

    #[test]
    fn every_key_the_app_uses_is_in_the_catalogue() {
        for code in [
            "not_found",
            "internal",
            "unknown_jurisdiction",
            "concurrent_update",
        ] {
            assert!(text::lookup(&format!("app.{code}")).is_some(), "{code}");
        }
        for key in ["app.forbidden_reveal", "app.unknown_tracking_code"] {
            assert!(text::lookup(key).is_some(), "{key}");
        }
    }
}
