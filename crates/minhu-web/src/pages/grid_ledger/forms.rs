//! The register's staff forms as data: each field with its label, the value to show (what
//! was typed when the form was refused, else the record's), its choices, and the refusal
//! next to it in the reader's language. One template (`grid_ledger/form.html`) draws them
//! all, so every form keeps what was typed and says what was wrong the same way.

use axum::http::StatusCode;
use minhu_app::AppError;
use minhu_domain::DomainError;
use minhu_domain::text::{self, Lang};

use crate::ApiError;
use crate::pages::text::labelled;
use crate::pages::{FormData, PageError};

/// One choice of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One field of a form.
pub struct Field {
    pub name: &'static str,
    pub label: String,
    /// `text`, `number`, `date` or `select`.
    pub input: &'static str,
    pub value: String,
    pub placeholder: String,
    pub choices: Vec<Choice>,
    /// The refusal of this field, empty when none.
    pub error: String,
}

/// A form ready to draw.
pub struct FormView {
    pub id: String,
    pub action: String,
    pub title: String,
    pub hint: String,
    pub hidden: Vec<(String, String)>,
    pub fields: Vec<Field>,
    /// A refusal that names no field of the form (e.g. nothing to change).
    pub error: String,
    pub submit: String,
}

/// A refused form post: which form, the field, the message and what was typed.
pub struct Refusal {
    pub form: String,
    pub field: String,
    pub message: String,
    pub typed: FormData,
    pub status: StatusCode,
}

/// A field's label in the reader's language (`grid_ledger.field.<name>`).
pub fn field_label(lang: Lang, name: &str) -> String {
    labelled(lang, &format!("grid_ledger.field.{name}"), name)
}

/// A coded value's label (`grid_ledger.code.<group>.<code>`).
pub fn code(lang: Lang, group: &str, value: &str) -> String {
    labelled(lang, &format!("grid_ledger.code.{group}.{value}"), value)
}

impl Refusal {
    /// A field refused by the domain's checks: its message told again with the field's
    /// label in place of its code ("户主电话", not "head_phone").
    pub fn domain(form: &str, lang: Lang, e: &DomainError, typed: &FormData) -> Refusal {
        let label = e.field.as_deref().map(|f| field_label(lang, f));
        let message = match e.key {
            Some(key) => {
                let pairs: Vec<(&str, String)> = e
                    .args
                    .iter()
                    .map(|a| match (a.name, &label) {
                        ("field", Some(l)) => (a.name, l.clone()),
                        _ if lang.is_english() => (a.name, a.en.clone()),
                        _ => (a.name, a.zh.clone()),
                    })
                    .collect();
                let pairs: Vec<(&str, &str)> =
                    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                text::fill(key, lang, &pairs)
            }
            None => e.message(lang).to_string(),
        };
        let status = ApiError::from(e.clone()).status;
        Refusal {
            form: form.to_string(),
            field: e.field.clone().unwrap_or_default(),
            message,
            typed: typed.clone(),
            status,
        }
    }

    /// A refusal of the use case: a conflict or a bad value is shown in the form; "not
    /// found" and "forbidden" are the error page (a form tells nothing of another grid).
    pub fn app(
        form: &str,
        lang: Lang,
        e: AppError,
        typed: &FormData,
    ) -> Result<Refusal, PageError> {
        let e = ApiError::from(e);
        let shown = matches!(
            e.status,
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT | StatusCode::BAD_REQUEST
        );
        if !shown {
            return Err(e.into());
        }
        Ok(Refusal {
            form: form.to_string(),
            field: e.field.clone().unwrap_or_default(),
            message: if lang.is_english() { e.en } else { e.zh },
            typed: typed.clone(),
            status: e.status,
        })
    }
}

/// Builds one form: fields in order, each with the typed value when this form was refused.
pub struct Builder<'a> {
    lang: Lang,
    id: String,
    refusal: Option<&'a Refusal>,
    fields: Vec<Field>,
    hidden: Vec<(String, String)>,
}

impl<'a> Builder<'a> {
    pub fn new(lang: Lang, id: impl Into<String>, refusal: Option<&'a Refusal>) -> Self {
        let id = id.into();
        let refusal = refusal.filter(|r| r.form == id);
        Builder {
            lang,
            id,
            refusal,
            fields: Vec::new(),
            hidden: Vec::new(),
        }
    }

    fn shown(&self, name: &str, current: String) -> String {
        match self.refusal {
            Some(r) => r
                .typed
                .0
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            None => current,
        }
    }

    fn error(&self, name: &str) -> String {
        self.refusal
            .filter(|r| r.field == name)
            .map(|r| r.message.clone())
            .unwrap_or_default()
    }

    /// A text, number or date input showing `current` (empty with `placeholder` for a
    /// masked value: left empty, it stays as it is).
    pub fn input(
        mut self,
        name: &'static str,
        input: &'static str,
        current: String,
        placeholder: String,
    ) -> Self {
        self.fields.push(Field {
            name,
            label: field_label(self.lang, name),
            input,
            value: self.shown(name, current),
            placeholder,
            choices: Vec::new(),
            error: self.error(name),
        });
        self
    }

    /// A select of coded values labelled from `grid_ledger.code.<group>.*`; with
    /// `unchanged` a first empty choice keeps the stored value unseen.
    pub fn select(
        mut self,
        name: &'static str,
        group: &str,
        codes: &[&'static str],
        current: &str,
        unchanged: bool,
    ) -> Self {
        let value = self.shown(name, current.to_string());
        let mut choices = Vec::new();
        if unchanged {
            choices.push(Choice {
                value: String::new(),
                label: text::get("grid_ledger.page.unchanged", self.lang).to_string(),
                selected: value.is_empty(),
            });
        }
        choices.extend(codes.iter().map(|c| Choice {
            value: c.to_string(),
            label: code(self.lang, group, c),
            selected: *c == value,
        }));
        self.fields.push(Field {
            name,
            label: field_label(self.lang, name),
            input: "select",
            value,
            placeholder: String::new(),
            choices,
            error: self.error(name),
        });
        self
    }

    /// The labels of a select's choices replaced (e.g. with a kind's default cadence).
    pub fn relabel(mut self, label: impl Fn(&str, &str) -> String) -> Self {
        if let Some(f) = self.fields.last_mut() {
            for c in &mut f.choices {
                c.label = label(&c.value, &c.label);
            }
        }
        self
    }

    pub fn hidden(mut self, name: &str, value: String) -> Self {
        self.hidden.push((name.to_string(), value));
        self
    }

    pub fn finish(self, action: String, title: &str, hint: &str, submit: &str) -> FormView {
        let names: Vec<&str> = self.fields.iter().map(|f| f.name).collect();
        let error = self
            .refusal
            .filter(|r| !names.contains(&r.field.as_str()))
            .map(|r| r.message.clone())
            .unwrap_or_default();
        FormView {
            id: self.id,
            action,
            title: title.to_string(),
            hint: hint.to_string(),
            hidden: self.hidden,
            fields: self.fields,
            error,
            submit: submit.to_string(),
        }
    }
}

/// The codes of a coded value, as `&str`.
pub fn codes<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|c| as_str(*c)).collect()
}
