//! Tracking: the requester looks a request up by its code, follows its public timeline
//! (a merged duplicate shows its parent's progress under its own code) and rates the reply.
//! The code is public, so a rating also needs the requester's rating key (评价码), checked
//! by `minhu_app::rating`; the page never shows the key.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minhu_domain::action_item::steps::ItemStep;
use minhu_domain::org::Org;
use minhu_domain::request::{Event, EventData, Request, Satisfaction, State as ReqState};

use super::{public_place, public_text};
use crate::pages::form::CheckedForm;
use crate::pages::text::error;
use crate::pages::{Lang, Page, PageError, code_label, render, see_other, t, time, time_opt};
use crate::service::Tracked;
use crate::{ApiError, AppState};

#[derive(Template)]
#[template(path = "track_form.html")]
struct TrackForm {
    p: Page,
}

#[derive(serde::Deserialize)]
pub(super) struct CodeQuery {
    code: Option<String>,
}

pub(super) async fn track_form(p: Page, Query(q): Query<CodeQuery>) -> Result<Response, PageError> {
    if let Some(code) = q.code.as_deref().map(clean_code).filter(|c| !c.is_empty()) {
        return Ok(see_other(&format!("/track/{code}")));
    }
    Ok(render(&TrackForm { p })?.into_response())
}

fn clean_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(40)
        .collect()
}

pub struct Step {
    pub at: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    p: Page,
    code: String,
    state: String,
    state_code: &'static str,
    kind: String,
    channel: String,
    content: String,
    place: String,
    received: String,
    deadline: String,
    unit: String,
    public_reply: String,
    measures: String,
    answer: String,
    satisfaction: String,
    merged_into: String,
    steps: Vec<Step>,
    can_rate: bool,
    /// Awaiting the callback but without a key to rate with (imported, or the key used).
    not_online: bool,
    rated: bool,
    /// A refused rating: its message and the field at fault.
    error: Option<String>,
    error_field: String,
    satisfactions: Vec<(&'static str, String)>,
}

pub(super) async fn track(
    State(app): State<AppState>,
    p: Page,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    show(&app, &code, p, q.contains_key("rated"), None).await
}

/// The tracking page; with `refused`, again after a refused rating (its status, the message
/// by the form and the field at fault marked).
async fn show(
    app: &AppState,
    code: &str,
    p: Page,
    rated: bool,
    refused: Option<ApiError>,
) -> Result<Response, PageError> {
    let tracked = crate::service::track(app, code).await?;
    let org = app.org();
    let item_steps = crate::api::action_item::item_steps(app, tracked.shown.id).await?;
    let offered = minhu_app::rating::offered(app, tracked.own.id).await?;
    let l = p.lang;
    let mut page = track_page(tracked, &item_steps, &org, rated, p);
    page.not_online = page.can_rate && !offered;
    page.can_rate &= offered;
    let Some(e) = refused else {
        return Ok(render(&page)?.into_response());
    };
    page.error_field = e.field.clone().unwrap_or_default();
    page.error = Some(if l.is_english() { e.en } else { e.zh });
    Ok((e.status, render(&page)?).into_response())
}

fn track_page(
    tracked: Tracked,
    item_steps: &[ItemStep],
    org: &Org,
    rated: bool,
    p: Page,
) -> TrackPage {
    // A merged duplicate shows its parent's progress under its own code.
    let merged_into = if tracked.merged() {
        tracked.shown.intake.code.clone()
    } else {
        String::new()
    };
    let Tracked {
        own,
        shown: req,
        events,
    } = tracked;
    let l = p.lang;
    let name = own.intake.requester.name.as_deref();
    let reply = |f: fn(&minhu_domain::request::ReplyInfo) -> Option<&str>| {
        req.reply
            .as_ref()
            .and_then(f)
            .map(|text| public_text(text, name, 4000))
            .unwrap_or_default()
    };
    TrackPage {
        code: own.intake.code.clone(),
        state: code_label(l, "state", req.state.as_str()),
        state_code: req.state.as_str(),
        kind: code_label(l, "type", own.intake.kind.as_str()),
        channel: code_label(l, "channel", own.intake.channel.as_str()),
        content: if own.intake.confidential {
            t(l, "track.confidential_content").into()
        } else {
            public_text(&own.intake.content, name, 2000)
        },
        place: public_place(org, &own.intake.jurisdiction),
        received: time(&own.intake.received_at),
        deadline: time_opt(&req.deadline),
        unit: req
            .lead_unit
            .as_deref()
            .and_then(|u| org.unit(u))
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        public_reply: reply(|r| Some(r.public_reply.as_str())),
        measures: reply(|r| r.measures.as_deref()),
        answer: answer(&events, name),
        satisfaction: req
            .callback
            .as_ref()
            .and_then(|c| c.satisfaction)
            .map(|s| code_label(l, "satisfaction", s.as_str()))
            .unwrap_or_default(),
        merged_into,
        steps: steps(&events, item_steps, org, l),
        can_rate: req.state == ReqState::PendingCallback && own.id == req.id,
        not_online: false,
        rated,
        error: None,
        error_field: String::new(),
        satisfactions: Satisfaction::ALL
            .iter()
            .map(|s| (s.as_str(), code_label(l, "satisfaction", s.as_str())))
            .collect(),
        p,
    }
}

/// The latest direct answer or reason for not accepting, fit for the public.
fn answer(events: &[Event], name: Option<&str>) -> String {
    events
        .iter()
        .rev()
        .find_map(|e| match &e.data {
            EventData::Answer { reply } => Some(public_text(reply, name, 2000)),
            EventData::Reject { reason, .. } => Some(public_text(reason, name, 2000)),
            _ => None,
        })
        .unwrap_or_default()
}

/// The public steps of the timeline, in the reader's language: the request's own and those
/// of the action items tied to it (public wording only), by time.
fn steps(events: &[Event], item_steps: &[ItemStep], org: &Org, l: Lang) -> Vec<Step> {
    let mut all: Vec<_> = events
        .iter()
        .filter_map(|e| {
            crate::view::public_step_key(&e.data).map(|key| {
                let step = Step {
                    at: time(&e.at),
                    text: t(l, key).to_string(),
                };
                (e.at, step)
            })
        })
        .collect();
    all.extend(item_steps.iter().map(|s| {
        let step = Step {
            at: time(&s.at),
            text: crate::view::item_steps::public(s, org, l),
        };
        (s.at, step)
    }));
    all.sort_by_key(|(at, _)| *at);
    all.into_iter().map(|(_, s)| s).collect()
}

/// The requester rates the reply (satisfied, basically satisfied or unsatisfied) with the
/// rating key: a missing or malformed key is 422, a wrong one 403, too many tries 429, and
/// nothing is recorded unless the key is right.
pub(super) async fn rate(
    State(app): State<AppState>,
    p: Page,
    Path(code): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let req: Request = crate::service::track(&app, &code).await?.own;
    let raw = form.get("satisfaction").unwrap_or("");
    let Some(satisfaction) = Satisfaction::parse(raw) else {
        let e = error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
            "track.error.choose_satisfaction",
            &[],
        )
        .field("satisfaction");
        return show(&app, &code, p, false, Some(e)).await;
    };
    let comment = form
        .get("comment")
        .map(|c| c.chars().take(500).collect::<String>());
    match minhu_app::rating::rate(&app, &req, form.get("rating_key"), satisfaction, comment).await {
        Ok(_) => Ok(see_other(&format!("/track/{}?rated=1", req.intake.code))),
        Err(e) if e.field.as_deref() == Some("rating_key") => {
            show(&app, &code, p, false, Some(e.into())).await
        }
        Err(e) => Err(e.into()),
    }
}
