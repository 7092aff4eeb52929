//! Counter intake (登记): the form a person at a desk or on patrol fills in for a walk-in,
//! a call or a patrol finding. The posted fields go to the domain's one intake parser
//! (`parse_intake`, which reads the API's JSON shape), so the page and the API accept the
//! same requests with the same messages. A new request's answer is the receipt (受理回执):
//! the tracking code and, this once only, the requester's rating key, to be read out or
//! printed for the resident.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minhu_domain::access;
use minhu_domain::intake::parse_intake;
use minhu_domain::org::{Level, Role};
use minhu_domain::request::{Channel, RequestType};
use minhu_store::new_code;
use serde_json::{Map, Value, json};

use crate::pages::form::{CheckedForm, Echo};
use crate::pages::public::Choice;
use crate::pages::session::forbidden;
use crate::pages::{Page, PageError, Staff, code_label, render, see_other};
use crate::service::register;
use crate::{ApiError, AppState};

#[derive(Template)]
#[template(path = "staff/receipt.html")]
struct ReceiptPage {
    p: Page,
    me: Staff,
    id: i64,
    code: String,
    rating_key: String,
}

#[derive(Template)]
#[template(path = "staff/intake.html")]
struct IntakePage {
    p: Page,
    me: Staff,
    channels: Vec<Choice>,
    types: Vec<Choice>,
    places: Vec<Choice>,
    values: Echo,
    error: Option<String>,
    error_field: String,
}

/// Channels a person at a desk or on patrol enters by hand.
const DESK_CHANNELS: [Channel; 7] = [
    Channel::WalkIn,
    Channel::StationHotline,
    Channel::GridPatrol,
    Channel::SuggestionBox,
    Channel::Council,
    Channel::Hotline12345,
    Channel::MayorMailbox,
];

/// The fields of the form sent on to the intake parser as they were typed.
const TEXT_FIELDS: [&str; 8] = [
    "content",
    "subject",
    "type",
    "channel",
    "jurisdiction",
    "address",
    "category",
    "urgency",
];

fn intake_page(
    app: &AppState,
    p: Page,
    me: Staff,
    values: Map<String, Value>,
    error: Option<ApiError>,
) -> IntakePage {
    let org = app.org();
    let l = p.lang;
    let val = |k: &str| values.get(k).and_then(Value::as_str).unwrap_or("");
    let channel = match val("channel") {
        "" if me.actor.role == Some(Role::GridWorker) => "grid_patrol",
        "" => "walk_in",
        c => c,
    }
    .to_string();
    let kind = val("type").to_string();
    let place = match val("jurisdiction") {
        "" => me.actor.scope.clone(),
        j => j.to_string(),
    };
    IntakePage {
        channels: DESK_CHANNELS
            .iter()
            .map(|c| Choice {
                value: c.as_str().into(),
                label: code_label(l, "channel", c.as_str()),
                selected: c.as_str() == channel,
            })
            .collect(),
        types: RequestType::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().into(),
                label: code_label(l, "type", t.as_str()),
                selected: t.as_str() == kind || (kind.is_empty() && *t == RequestType::Help),
            })
            .collect(),
        places: org
            .jurisdictions()
            .filter(|j| access::covers(&me.actor, &org, &j.code))
            .filter(|j| matches!(j.level, Level::Community | Level::Grid | Level::Street))
            .map(|j| Choice {
                value: j.code.clone(),
                label: match j.level {
                    Level::Grid => format!("　{}", j.name),
                    _ => j.name.clone(),
                },
                selected: j.code == place,
            })
            .collect(),
        error_field: error
            .as_ref()
            .and_then(|e| e.field.clone())
            .unwrap_or_default(),
        error: error.map(|e| if l.is_english() { e.en } else { e.zh }),
        values: Echo(values),
        me,
        p,
    }
}

pub(super) async fn intake_form(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
) -> Result<Response, PageError> {
    if me.actor.role.is_some_and(|r| !access::may_register(r)) {
        return Err(forbidden("staff.error.cannot_register"));
    }
    Ok(render(&intake_page(&app, p, me, Map::new(), None))?.into_response())
}

pub(super) async fn intake(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let mut body = Map::new();
    for key in TEXT_FIELDS {
        if let Some(v) = form.get(key) {
            body.insert(key.into(), Value::String(v.into()));
        }
    }
    let mut echo = body.clone();
    for key in ["name", "phone"] {
        if let Some(v) = form.get(key) {
            echo.insert(key.into(), Value::String(v.into()));
        }
    }
    body.insert(
        "requester".into(),
        json!({"name": form.get("name"), "phone": form.get("phone")}),
    );
    body.insert(
        "confidential".into(),
        Value::Bool(form.get("confidential").is_some()),
    );
    let fail = |e: ApiError| -> Result<Response, PageError> {
        let status = e.status;
        let page = intake_page(&app, p.clone(), me.clone(), echo.clone(), Some(e));
        Ok((status, render(&page)?).into_response())
    };
    let mut body = Value::Object(body);
    if let Err(e) = crate::api::places::resolve_location(&app, &mut body).await {
        return fail(e);
    }
    let now = app.now();
    let intake = match parse_intake(&body, Some(&me.actor), &app.org(), new_code(now), now) {
        Ok(i) => i,
        Err(e) => return fail(e.into()),
    };
    let done = register(&app, intake, &me.actor).await?;
    let Some(key) = done.rating_key else {
        return Ok(see_other(&format!(
            "/staff/requests/{}?new=1",
            done.request.id
        )));
    };
    let receipt = ReceiptPage {
        p,
        me,
        id: done.request.id,
        code: done.request.intake.code,
        rating_key: key.grouped(),
    };
    // The key is on this page: no cache may keep it.
    let no_store = [(axum::http::header::CACHE_CONTROL, "no-store")];
    Ok((StatusCode::CREATED, no_store, render(&receipt)?).into_response())
}
