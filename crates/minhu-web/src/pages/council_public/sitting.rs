//! The clerk's page of one sitting (`/staff/sittings/{id}`): the agenda, the attendance
//! entered per person or household (with proxies), the quorum box (entitled, present,
//! needed — from `minhu_app::council`), the votes with their tallies and the links to the
//! printable papers. Names on this page are masked (staff tier); the full names are on the
//! printed sign-in sheet, whose read is logged. A refused line is shown beside its field.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minhu_app::council::{self as app_council, SittingView};
use minhu_domain::council::NewAttendance;
use minhu_domain::council::vote::Vote;
use minhu_domain::privacy;
use serde_json::{Map, Value};

use super::id_of;
use crate::pages::form::{CheckedForm, Echo};
use crate::pages::{Page, PageError, Staff, render, see_other};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/sittings/{id}", get(page))
        .route("/staff/sittings/{id}/attendance", post(attend))
        .route("/staff/sittings/{id}/hold", post(hold))
}

/// One entitled person or household: id, masked name, and their line if signed.
pub struct Row {
    pub id: i64,
    pub name: String,
    pub presence: String,
    pub proxy_to: String,
}

#[derive(Template)]
#[template(path = "council_public/sitting.html")]
struct SittingPage {
    p: Page,
    me: Staff,
    v: SittingView,
    rows: Vec<Row>,
    values: Echo,
    /// (field, message) of a refused post.
    error: Option<(String, String)>,
}

impl SittingPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
    fn other_error(&self) -> Option<&str> {
        let shown = ["subject_id", "presence", "proxy_to"];
        self.error
            .as_ref()
            .filter(|(f, _)| !shown.contains(&f.as_str()))
            .map(|(_, m)| m.as_str())
    }
    fn motion(&self, vote: &Vote) -> String {
        self.v
            .sitting
            .agenda
            .iter()
            .find(|a| a.seq == vote.agenda_seq)
            .map(|a| a.title.clone())
            .unwrap_or_default()
    }
    fn tally(&self, vote: &Vote) -> String {
        vote.count
            .as_ref()
            .map(|c| {
                let mut parts: Vec<String> =
                    c.counts.iter().map(|(o, n)| format!("{o} {n}")).collect();
                parts.push(format!(
                    "{} {}",
                    self.p.t("sitting.public.invalid"),
                    c.invalid
                ));
                parts.join("　")
            })
            .unwrap_or_default()
    }
}

async fn build(
    app: &AppState,
    p: Page,
    me: Staff,
    id: i64,
    values: Echo,
    error: Option<(String, String)>,
) -> Result<SittingPage, PageError> {
    let v = app_council::sitting(app, &me.actor, id).await?;
    let expected = app_council::expected(app, &v.sitting).await?;
    let rows = expected
        .into_iter()
        .map(|e| {
            let line = v.attendance.iter().find(|l| l.subject_id == e.subject_id);
            Row {
                id: e.subject_id,
                name: privacy::mask_name(&e.name),
                presence: line
                    .map(|l| l.presence.zh().to_string())
                    .unwrap_or_default(),
                proxy_to: line
                    .and_then(|l| l.proxy_to)
                    .map(|h| h.to_string())
                    .unwrap_or_default(),
            }
        })
        .collect();
    Ok(SittingPage {
        p,
        me,
        v,
        rows,
        values,
        error,
    })
}

async fn page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = build(&app, p, me, id_of(&id)?, Echo(Map::new()), None).await?;
    Ok(render(&page)?.into_response())
}

async fn attend(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let number = |k: &str| form.get(k).and_then(|v| v.parse::<i64>().ok());
    let new = NewAttendance {
        kind: String::new(),
        subject_id: number("subject_id"),
        presence: form.get("presence").unwrap_or("").to_string(),
        proxy_to: number("proxy_to"),
        signed_at: String::new(),
    };
    match app_council::record_attendance(&app, &me.actor, id, &new).await {
        Ok(_) => Ok(see_other(&format!("/staff/sittings/{id}"))),
        Err(e) => {
            let e = ApiError::from(e);
            let mut values = Map::new();
            for k in ["subject_id", "presence", "proxy_to"] {
                let v = form.get(k).unwrap_or("").to_string();
                values.insert(k.into(), Value::String(v));
            }
            let message = if p.lang.is_english() { &e.en } else { &e.zh };
            let error = Some((e.field.clone().unwrap_or_default(), message.clone()));
            let page = build(&app, p, me, id, Echo(values), error).await?;
            Ok((e.status, render(&page)?).into_response())
        }
    }
}

async fn hold(
    State(app): State<AppState>,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(_): CheckedForm,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    app_council::hold(&app, &me.actor, id).await?;
    Ok(see_other(&format!("/staff/sittings/{id}")))
}
