//! The staff's forms of the suggestion box and the topics: hang a box, record an opening
//! (two openers), triage a suggestion (answer, request, merge, topic, reject) and move a
//! topic (screen, withdraw). Plain HTML posts with the CSRF token to handlers that call the
//! same use cases as the API; a refusal is shown beside the field it names, in the
//! reader's language, with what was typed kept.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use minhu_app::suggestion as app_box;
use minhu_app::topic as app_topic;
use minhu_domain::suggestion::{NewBox, NewOpening, NewTriage};
use minhu_domain::topic::NewTopic;
use serde_json::{Map, Value};

use super::{Refusal, id_of, inbox_page, topic_page};
use crate::pages::form::{CheckedForm, Echo, FormData};
use crate::pages::{Page, PageError, Staff, render, see_other};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/communities/{code}/boxes", post(add_box))
        .route("/staff/boxes/{id}/openings", post(opening))
        .route("/staff/suggestions/{id}/triage", post(triage))
        .route("/staff/topics/{id}/step", post(topic_step))
}

/// The fields of the post kept to be shown again (a repeated field as `name.0`, `name.1`).
fn echo(form: &FormData) -> Echo {
    let mut values = Map::new();
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (k, v) in &form.0 {
        if k == "_csrf" {
            continue;
        }
        let n = match seen.iter_mut().find(|(name, _)| name == k) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                seen.push((k.clone(), 0));
                0
            }
        };
        values.insert(format!("{k}.{n}"), Value::String(v.clone()));
        values
            .entry(k.clone())
            .or_insert_with(|| Value::String(v.clone()));
    }
    Echo(values)
}

fn refusal(p: &Page, form: String, e: &ApiError) -> Refusal {
    Refusal {
        form,
        field: e.field.clone().unwrap_or_default(),
        message: if p.lang.is_english() { &e.en } else { &e.zh }.clone(),
    }
}

/// The inbox again with the refusal shown beside its field, and the post's status.
async fn refused(
    app: &AppState,
    p: Page,
    me: Staff,
    code: String,
    form_name: String,
    form: &FormData,
    e: minhu_app::AppError,
) -> Result<Response, PageError> {
    let e = ApiError::from(e);
    let r = refusal(&p, form_name, &e);
    let page = inbox_page(app, p, me, code, echo(form), Some(r)).await?;
    Ok((e.status, render(&page)?).into_response())
}

fn inbox_of(code: &str) -> String {
    format!("/staff/communities/{code}/suggestions")
}

async fn add_box(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(code): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let new = NewBox {
        name: form.get("name").unwrap_or("").into(),
        location: form.get("location").unwrap_or("").into(),
    };
    match app_box::add_box(&app, &me.actor, &code, &new).await {
        Ok(_) => Ok(see_other(&inbox_of(&code))),
        Err(e) => refused(&app, p, me, code, "box".into(), &form, e).await,
    }
}

async fn opening(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let b = app_box::box_view(&app, &me.actor, id).await?.suggestion_box;
    let new = NewOpening {
        opened_at: None,
        openers: form.all("openers"),
        slips: form.get("slips").and_then(|s| s.parse().ok()),
        note: form.get("note").unwrap_or("").into(),
    };
    match app_box::record_opening(&app, &me.actor, id, &new).await {
        Ok(_) => Ok(see_other(&inbox_of(&b.community))),
        Err(e) => refused(&app, p, me, b.community, format!("opening-{id}"), &form, e).await,
    }
}

fn triage_of(form: &FormData) -> NewTriage {
    let text = |k: &str| form.get(k).unwrap_or("").to_string();
    let number = |k: &str| form.get(k).and_then(|v| v.parse::<i64>().ok());
    let outcome = text("outcome");
    let topic = (outcome == "topic" && number("topic_id").is_none()).then(|| NewTopic {
        title: text("topic.title"),
        facts: text("topic.facts"),
        proposer_name: text("topic.proposer_name"),
        proposer_phone: text("topic.proposer_phone"),
        procedure: text("topic.procedure"),
        stakeholders: Vec::new(),
        origin_requests: Vec::new(),
    });
    NewTriage {
        outcome,
        answer: text("answer"),
        reason: text("reason"),
        into: number("into"),
        topic_id: number("topic_id"),
        topic,
        category: form.get("category").map(str::to_string),
    }
}

async fn triage(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let s = app_box::suggestion(&app, &me.actor, id).await?.suggestion;
    match app_box::triage(&app, &me.actor, id, &triage_of(&form)).await {
        Ok(out) => match out.topic {
            Some(t) => Ok(see_other(&format!("/staff/topics/{}", t.id))),
            None => Ok(see_other(&inbox_of(&s.community))),
        },
        Err(e) => refused(&app, p, me, s.community, format!("triage-{id}"), &form, e).await,
    }
}

async fn topic_step(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let action = form.get("action").unwrap_or("");
    let note = form.get("note").unwrap_or("");
    match app_topic::step(&app, &me.actor, id, action, note, None, None).await {
        Ok(_) => Ok(see_other(&format!("/staff/topics/{id}"))),
        Err(e) => {
            let e = ApiError::from(e);
            let r = refusal(&p, "step".into(), &e);
            let page = topic_page(&app, p, me, id, echo(&form), Some(r)).await?;
            Ok((e.status, render(&page)?).into_response())
        }
    }
}
