//! One error type for every refusal the domain can give. It carries a stable code, a message
//! in Chinese and in English, and the field at fault, so the web layer can render it as is.

use std::fmt;

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub zh: String,
    pub en: String,
    pub field: Option<String>,
}

impl DomainError {
    pub fn new(
        kind: ErrorKind,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        DomainError {
            kind,
            code,
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
