//! The actions on the request page: each action's label and the fields its form asks for,
//! and the post of one. The posted form is turned into the JSON object the domain's one
//! command parser reads (`Command::parse`, shared with the API), so both front ends accept
//! the same commands with the same messages.

use axum::extract::{Path, State};
use axum::response::Response;
use minhu_domain::lifecycle::{ACTIONS, Command};
use minhu_domain::org::Org;
use minhu_domain::request::{Difficulty, NOT_ACCEPTED_REASONS, Satisfaction, Urgency};
use serde_json::{Map, Value, json};

use crate::pages::form::CheckedForm;
use crate::pages::public::Choice;
use crate::pages::text::labelled;
use crate::pages::{FormData, Lang, PageError, Staff, code_label, see_other, t};
use crate::service::perform;
use crate::{ApiError, AppState};

/// One field of an action's form.
pub struct Field {
    /// The name the command parser reads.
    pub name: &'static str,
    /// The catalogue key of its label.
    pub label: &'static str,
    /// How it is asked: `text`, `area`, `int`, `bool`, `unit`, `reason`, or a coded value.
    pub kind: &'static str,
    pub required: bool,
}

/// A [`Field`] as a literal, so the tables below stay `'static`.
macro_rules! field {
    ($name:literal, $label:literal, $kind:literal, $required:literal) => {
        Field {
            name: $name,
            label: $label,
            kind: $kind,
            required: $required,
        }
    };
}

/// An action's name in the reader's language (`staff.action.<action>`; the code itself for
/// an action the catalogue lacks).
pub fn action_label(l: Lang, action: &str) -> String {
    labelled(l, &format!("staff.action.{action}"), action)
}

/// The fields each action's form asks for.
pub fn action_fields(action: &str) -> &'static [Field] {
    match action {
        "accept" | "urge" | "supervise" | "close" => {
            &[field!("note", "staff.field.note", "text", false)]
        }
        "answer" => &[field!("reply", "staff.field.answer_reply", "area", true)],
        "reject" => &[
            field!("reason_code", "staff.field.reason_code", "reason", true),
            field!("note", "staff.field.explanation", "text", false),
            field!("referral", "staff.field.referral", "text", false),
        ],
        "dispatch" => &[
            field!("unit", "staff.field.lead_unit", "unit", true),
            field!("co_units", "staff.field.co_units", "text", false),
            field!("difficulty", "staff.field.difficulty", "difficulty", false),
            field!("urgency", "staff.field.urgency", "urgency", false),
        ],
        "request_return" | "suspend" | "escalate" | "reopen" => {
            &[field!("reason", "staff.field.reason", "area", true)]
        }
        "decide_return" => &[
            field!("approve", "staff.field.approve_return", "bool", true),
            field!("note", "staff.field.explanation", "text", false),
        ],
        "progress" => &[field!("note", "staff.field.progress", "area", true)],
        "request_extension" => &[
            field!("days", "staff.field.days", "int", true),
            field!("reason", "staff.field.reason", "area", true),
        ],
        "decide_extension" => &[field!(
            "approve",
            "staff.field.approve_extension",
            "bool",
            true
        )],
        "reply" => &[
            field!("public_reply", "staff.field.public_reply", "area", true),
            field!("account", "staff.field.account", "area", true),
            field!("measures", "staff.field.measures", "area", false),
            field!("solved", "staff.field.solved", "bool", true),
        ],
        "review" => &[
            field!("pass", "staff.field.pass", "bool", true),
            field!("note", "staff.field.review_note", "text", false),
        ],
        "callback" => &[
            field!("reached", "staff.field.reached", "bool", true),
            field!(
                "satisfaction",
                "staff.field.satisfaction",
                "satisfaction",
                false
            ),
            field!("contacted", "staff.field.contacted", "bool", false),
            field!("solved", "staff.field.callback_solved", "bool", false),
            field!("note", "staff.field.callback_note", "text", false),
        ],
        "categorise" => &[field!("category", "staff.field.category", "text", true)],
        "merge" => &[field!("into", "staff.field.into", "int", true)],
        "transfer" => &[
            field!("unit", "staff.field.transfer_unit", "unit", true),
            field!("reason", "staff.field.reason", "text", true),
        ],
        "add_co_units" | "whistle" => &[
            field!("units", "staff.field.units", "text", true),
            field!("note", "staff.field.explanation", "text", false),
        ],
        _ => &[],
    }
}

/// The choices of a field asked as a list.
pub fn options_for(kind: &str, l: Lang, org: &Org) -> Vec<Choice> {
    let c = |v: &str, label: String| Choice {
        value: v.into(),
        label,
        selected: false,
    };
    let coded = |group: &str, codes: Vec<&'static str>| {
        std::iter::once(c("", "-".into()))
            .chain(codes.into_iter().map(|v| c(v, code_label(l, group, v))))
            .collect()
    };
    match kind {
        "bool" => vec![
            c("true", t(l, "staff.field.yes").into()),
            c("false", t(l, "staff.field.no").into()),
        ],
        "difficulty" => coded(
            "difficulty",
            Difficulty::ALL.iter().map(|d| d.as_str()).collect(),
        ),
        "urgency" => coded("urgency", Urgency::ALL.iter().map(|d| d.as_str()).collect()),
        "satisfaction" => coded(
            "satisfaction",
            Satisfaction::ALL.iter().map(|d| d.as_str()).collect(),
        ),
        // The reasons' wording is the domain's own (told to the requester as well).
        "reason" => NOT_ACCEPTED_REASONS
            .iter()
            .map(|(n, zh, en)| {
                let words = if l.is_english() { en } else { zh };
                c(&n.to_string(), format!("{n}. {words}"))
            })
            .collect(),
        "unit" => org
            .units()
            .map(|u| c(&u.code, format!("{}（{}）", u.name, u.code)))
            .collect(),
        _ => Vec::new(),
    }
}

/// A posted action form as the JSON object [`Command::parse`] reads: numbers as numbers,
/// check boxes as booleans, unit lists as arrays. The domain's parser stays the only one
/// that knows what each command needs.
fn command_body(action: &str, form: &FormData) -> Value {
    let mut obj = Map::new();
    for f in action_fields(action) {
        let name = f.name;
        let value = match f.kind {
            "int" | "reason" => form.get(name).map(|v| match v.parse::<i64>() {
                Ok(n) => json!(n),
                Err(_) => json!(v),
            }),
            "bool" => form
                .get(name)
                .map(|v| json!(matches!(v, "true" | "on" | "1"))),
            _ if name == "units" || name == "co_units" => {
                let all = form.all(name);
                (!all.is_empty()).then(|| json!(all))
            }
            _ => form.get(name).map(|v| json!(v)),
        };
        if let Some(v) = value {
            obj.insert(name.to_string(), v);
        }
    }
    Value::Object(obj)
}

pub(super) async fn act(
    State(app): State<AppState>,
    me: Staff,
    Path((id, action)): Path<(String, String)>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    if !ACTIONS.contains(&action.as_str()) {
        return Err(ApiError::not_found().into());
    }
    let body = command_body(&action, &form);
    let command = Command::parse(&action, &body)?;
    perform(&app, id, &command, &me.actor).await?;
    let back = match command {
        Command::Merge { into } => into,
        _ => id,
    };
    Ok(see_other(&format!("/staff/requests/{back}?done={action}")))
}
