//! The staff's forms of the grid's papers: a grid's duty list (add, retire), a community's
//! new weekly meeting or day's rollup, and a meeting's agenda page where its items are added
//! (picked from the open grid_patrol requests and the day's findings, or typed), decisions
//! turned into action items and the meeting issued. Every post carries the CSRF token; a
//! refused field is shown beside itself, in the reader's language, with what was typed kept.
//! The same use cases as the JSON API (`minhu_app::grid_meeting`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minhu_app::grid_meeting::{self as app_meeting, AgendaChoices, MeetingView};
use minhu_domain::grid_meeting::{
    Duty, DutyState, Frequency, Meeting, MeetingItem, MeetingKind, MeetingState, NewAction,
    NewDuty, NewItem, NewMeeting, PostKind, Rollup,
};
use minhu_domain::org::{Actor, Role};
use serde_json::{Map, Value};

use crate::pages::form::{CheckedForm, Echo, FormData};
use crate::pages::public::Choice;
use crate::pages::text::error;
use crate::pages::{Page, PageError, Staff, render, see_other};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/grids/{code}/duties", get(duties).post(add_duty))
        .route("/staff/grids/{code}/meetings", get(grid_meetings))
        .route("/staff/duties/{id}/retire", post(retire_duty))
        .route("/staff/communities/{code}/meetings/new", post(new_meeting))
        .route("/staff/communities/{code}/rollup", get(today_rollup))
        .route("/staff/meetings/{id}/agenda", get(agenda))
        .route("/staff/meetings/{id}/items", post(add_item))
        .route("/staff/meetings/{id}/issue", post(issue))
}

/// The staff navigation's links of this slice for `actor`: (path, catalogue key).
pub fn nav(actor: &Actor) -> Vec<(String, &'static str)> {
    let s = &actor.scope;
    match actor.role {
        Some(Role::CommunityStaff) => vec![
            (
                format!("/staff/communities/{s}/meetings"),
                "grid_meeting.nav.meetings",
            ),
            (
                format!("/staff/communities/{s}/rollup"),
                "grid_meeting.nav.rollup",
            ),
        ],
        Some(Role::GridWorker) => vec![
            (
                format!("/staff/grids/{s}/duties"),
                "grid_meeting.nav.duties",
            ),
            (
                format!("/staff/grids/{s}/meetings"),
                "grid_meeting.nav.meetings",
            ),
        ],
        _ => Vec::new(),
    }
}

/// What was wrong with a post: the message in the reader's language and the form field
/// it belongs to (the API's `action.owner_unit` is the form's `owner_unit`).
#[derive(Default)]
pub struct Errors(Option<(String, String)>);

impl Errors {
    fn of(p: &Page, e: &ApiError) -> Errors {
        let field = e.field.as_deref().unwrap_or("");
        let field = match field.strip_prefix("action.").unwrap_or(field) {
            "request_id" | "finding_id" => "subject",
            f => f,
        };
        let message = if p.lang.is_english() { &e.en } else { &e.zh };
        Errors(Some((field.to_string(), message.clone())))
    }
    /// The message for `field`, if the refusal named it.
    pub fn at(&self, field: &str) -> Option<&str> {
        self.0
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
    /// The message of a refusal that named no field of the form shown.
    pub fn other(&self, fields: &[&str]) -> Option<&str> {
        self.0
            .as_ref()
            .filter(|(f, _)| !fields.contains(&f.as_str()))
            .map(|(_, m)| m.as_str())
    }
}

/// The fields of a post kept to be shown again.
fn echo(form: &FormData, keys: &[&str]) -> Echo {
    let mut values = Map::new();
    for (k, v) in &form.0 {
        if keys.contains(&k.as_str()) {
            values.insert(k.clone(), Value::String(v.clone()));
        }
    }
    Echo(values)
}

/// A finding's class in the reader's language (an unknown code as it is).
fn class_label(p: &Page, code: &str) -> String {
    match minhu_domain::patrol::FindingClass::parse(code) {
        Some(c) => label(p, c.as_str(), c.zh()),
        None => code.to_string(),
    }
}

/// A coded value's label in the reader's language.
fn label(p: &Page, code: &'static str, zh: &'static str) -> String {
    if p.lang.is_english() { code } else { zh }.to_string()
}

fn id_of(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

// ---- duties ---------------------------------------------------------------------------------

const DUTY_FIELDS: [&str; 4] = ["post", "duty", "frequency", "source_document"];

#[derive(Template)]
#[template(path = "grid_meeting/duties.html")]
struct DutiesPage {
    p: Page,
    me: Staff,
    grid: String,
    duties: Vec<(Duty, String, String)>,
    posts: Vec<Choice>,
    frequencies: Vec<Choice>,
    values: Echo,
    error: Errors,
}

impl DutiesPage {
    fn other_error(&self) -> Option<&str> {
        self.error.other(&DUTY_FIELDS)
    }
}

/// The options of a select, the one posted selected.
fn choices<'a>(
    options: impl Iterator<Item = (String, String)> + 'a,
    posted: &'a str,
) -> Vec<Choice> {
    options
        .map(|(value, label)| Choice {
            selected: value == posted,
            value,
            label,
        })
        .collect()
}

async fn duties_page(
    app: &AppState,
    p: Page,
    me: Staff,
    grid: String,
    values: Echo,
    error: Errors,
) -> Result<DutiesPage, PageError> {
    let list = app_meeting::duties(app, &me.actor, &grid, true).await?;
    let duties = list
        .into_iter()
        .map(|d| {
            let post = match d.post {
                Some(k) => label(&p, k.as_str(), k.zh()),
                None => p.t("grid_meeting.page.whole_grid").to_string(),
            };
            let frequency = label(&p, d.frequency.as_str(), d.frequency.zh());
            (d, post, frequency)
        })
        .collect();
    Ok(DutiesPage {
        posts: choices(
            PostKind::ALL
                .iter()
                .map(|k| (k.as_str().to_string(), label(&p, k.as_str(), k.zh()))),
            &values.v("post"),
        ),
        frequencies: choices(
            Frequency::ALL
                .iter()
                .map(|f| (f.as_str().to_string(), label(&p, f.as_str(), f.zh()))),
            &values.v("frequency"),
        ),
        p,
        me,
        grid,
        duties,
        values,
        error,
    })
}

async fn duties(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let page = duties_page(&app, p, me, code, Echo(Map::new()), Errors::default()).await?;
    Ok(render(&page)?.into_response())
}

async fn add_duty(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(code): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let text = |k: &str| form.get(k).unwrap_or("").to_string();
    let new = NewDuty {
        post: form.get("post").map(str::to_string),
        duty: text("duty"),
        frequency: text("frequency"),
        source_document: text("source_document"),
    };
    match app_meeting::add_duty(&app, &me.actor, &code, &new).await {
        Ok(_) => Ok(see_other(&format!("/staff/grids/{code}/duties"))),
        Err(e) => {
            let e = ApiError::from(e);
            let values = echo(&form, &DUTY_FIELDS);
            let error = Errors::of(&p, &e);
            let page = duties_page(&app, p, me, code, values, error).await?;
            Ok((e.status, render(&page)?).into_response())
        }
    }
}

async fn retire_duty(
    State(app): State<AppState>,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(_): CheckedForm,
) -> Result<Response, PageError> {
    let duty = app_meeting::retire_duty(&app, &me.actor, id_of(&id)?).await?;
    Ok(see_other(&format!("/staff/grids/{}/duties", duty.grid)))
}

// ---- meetings -------------------------------------------------------------------------------

/// A grid worker's way to the meetings about their grid: the community's list, which shows
/// them only those.
async fn grid_meetings(
    State(app): State<AppState>,
    _me: Staff,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let community = app_meeting::grid_community(&app, &code)?;
    Ok(see_other(&format!(
        "/staff/communities/{community}/meetings"
    )))
}

async fn today_rollup(
    State(app): State<AppState>,
    _me: Staff,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let today = minhu_domain::time::local_date(app.now());
    Ok(see_other(&format!(
        "/staff/communities/{code}/rollup/{today}"
    )))
}

/// Opens a weekly meeting or a day's rollup, then goes to its agenda page; a refusal shows
/// the list again with the form as it was filled in.
async fn new_meeting(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(code): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let new = NewMeeting {
        kind: form.get("kind").unwrap_or("").to_string(),
        day: form.get("day").unwrap_or("").to_string(),
        attendees: form.all("attendees"),
    };
    match app_meeting::create_meeting(&app, &me.actor, &code, &new).await {
        Ok(view) => Ok(see_other(&format!(
            "/staff/meetings/{}/agenda",
            view.meeting.id
        ))),
        Err(e) => {
            let e = ApiError::from(e);
            let values = echo(&form, &["kind", "day", "attendees"]);
            let error = Errors::of(&p, &e);
            let page = super::list_page(&app, p, me, code, values, error).await?;
            Ok((e.status, render(&page)?).into_response())
        }
    }
}

// ---- the agenda page ------------------------------------------------------------------------

const ITEM_FIELDS: [&str; 5] = ["subject", "text", "decision", "owner_unit", "working_days"];

#[derive(Template)]
#[template(path = "grid_meeting/agenda.html")]
struct AgendaPage {
    p: Page,
    me: Staff,
    title: &'static str,
    community_name: String,
    m: Meeting,
    items: Vec<MeetingItem>,
    rollup: Option<Rollup>,
    draft: bool,
    requests: Vec<Choice>,
    findings: Vec<Choice>,
    owner_units: Vec<Choice>,
    values: Echo,
    error: Errors,
}

impl AgendaPage {
    fn other_error(&self) -> Option<&str> {
        let mut shown = ITEM_FIELDS.to_vec();
        shown.push("items");
        self.error.other(&shown)
    }
}

async fn agenda_page(
    app: &AppState,
    p: Page,
    me: Staff,
    id: i64,
    values: Echo,
    error: Errors,
) -> Result<AgendaPage, PageError> {
    let view = app_meeting::meeting(app, &me.actor, id).await?;
    let draft = view.meeting.state == MeetingState::Draft;
    let choices = if draft {
        app_meeting::agenda_choices(app, &me.actor, &view).await?
    } else {
        AgendaChoices::default()
    };
    let MeetingView { meeting, items } = view;
    let subject = values.v("subject");
    let requests = choices.requests.iter().map(|r| {
        let label = format!("{} · {} · {}", r.code, r.grid, r.subject);
        (format!("request:{}", r.id), label)
    });
    let findings = choices.findings.iter().map(|f| {
        let class = class_label(&p, &f.class);
        let label = format!("#{} · {} · {class}", f.id, f.grid);
        (format!("finding:{}", f.id), label)
    });
    let units = choices
        .owner_units
        .iter()
        .map(|(code, name)| (code.clone(), format!("{name}（{code}）")));
    Ok(AgendaPage {
        requests: self::choices(requests, &subject),
        findings: self::choices(findings, &subject),
        owner_units: self::choices(units, &values.v("owner_unit")),
        title: p.t(match meeting.kind {
            MeetingKind::WeeklyMeeting => "grid_meeting.page.weekly_title",
            MeetingKind::DailyRollup => "grid_meeting.page.rollup",
        }),
        community_name: super::community_name(&app.org(), &meeting.community),
        rollup: meeting.rollup.clone(),
        m: meeting,
        items,
        draft,
        p,
        me,
        values,
        error,
    })
}

async fn agenda(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = agenda_page(
        &app,
        p,
        me,
        id_of(&id)?,
        Echo(Map::new()),
        Errors::default(),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

/// Shows the agenda page again with the refusal beside its field.
async fn refused(
    app: &AppState,
    p: Page,
    me: Staff,
    id: i64,
    values: Echo,
    e: ApiError,
) -> Result<Response, PageError> {
    let error = Errors::of(&p, &e);
    let page = agenda_page(app, p, me, id, values, error).await?;
    Ok((e.status, render(&page)?).into_response())
}

/// The item a posted agenda form describes. The subject is `request:ID`, `finding:ID` or
/// empty (free text); an empty text takes the picked request's subject or finding's label.
fn new_item(p: &Page, form: &FormData, choices: &AgendaChoices) -> Result<NewItem, ApiError> {
    let mut item = NewItem {
        text: form.get("text").unwrap_or("").to_string(),
        decision: form.get("decision").unwrap_or("").to_string(),
        ..NewItem::default()
    };
    if let Some(subject) = form.get("subject") {
        let bad = || {
            error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_parameter",
                "grid_meeting.form.bad_subject",
                &[("value", subject)],
            )
            .field("subject")
        };
        let (kind, id) = subject.split_once(':').ok_or_else(bad)?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        let fallback = match kind {
            "request" => {
                item.request_id = Some(id);
                choices
                    .requests
                    .iter()
                    .find(|r| r.id == id)
                    .map(|r| r.subject.clone())
            }
            "finding" => {
                item.finding_id = Some(id);
                choices
                    .findings
                    .iter()
                    .find(|f| f.id == id)
                    .map(|f| format!("{} {}", f.grid, class_label(p, &f.class)))
            }
            _ => return Err(bad()),
        };
        if item.text.trim().is_empty() {
            item.text = fallback.unwrap_or_default();
        }
    }
    let (owner, days) = (form.get("owner_unit"), form.get("working_days"));
    if owner.is_some() || days.is_some() {
        let working_days = match days {
            None => None,
            Some(d) => Some(d.parse::<i64>().map_err(|_| {
                error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_parameter",
                    "grid_meeting.form.not_a_number",
                    &[("value", d)],
                )
                .field("working_days")
            })?),
        };
        item.action = Some(NewAction {
            owner_unit: owner.unwrap_or("").to_string(),
            working_days,
        });
    }
    Ok(item)
}

async fn add_item(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let view = app_meeting::meeting(&app, &me.actor, id).await?;
    let choices = app_meeting::agenda_choices(&app, &me.actor, &view).await?;
    let values = echo(&form, &ITEM_FIELDS);
    let new = match new_item(&p, &form, &choices) {
        Ok(new) => new,
        Err(e) => return refused(&app, p, me, id, values, e).await,
    };
    match app_meeting::add_item(&app, &me.actor, id, &new).await {
        Ok(_) => Ok(see_other(&format!("/staff/meetings/{id}/agenda"))),
        Err(e) => refused(&app, p, me, id, values, e.into()).await,
    }
}

async fn issue(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(_): CheckedForm,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    match app_meeting::issue(&app, &me.actor, id).await {
        Ok(_) => Ok(see_other(&format!("/staff/meetings/{id}/agenda"))),
        Err(e) => refused(&app, p, me, id, Echo(Map::new()), e.into()).await,
    }
}

/// Whether a duty may still be retired (for the button).
pub fn active(d: &Duty) -> bool {
    d.state == DutyState::Active
}
