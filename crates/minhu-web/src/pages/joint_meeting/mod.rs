//! The joint meeting (联席会议) as staff pages: a body's page (members, meetings, a new
//! meeting), the office's queue of hard cases, a meeting's page (agenda with case summaries,
//! attendance, decisions, each step as a form), and its papers printable on A4 (会议通知,
//! 议题清单, 签到表, 会议纪要; `/static/grid_meeting.css` has the print rules) and the body's
//! 销号台账 as xlsx. The same use cases as the API (`minhu_app::joint_meeting`); a refused
//! form shows the page again with the message beside the form, naming its field.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minhu_app::joint_meeting::{self as app_joint, MeetingView};
use minhu_domain::joint_meeting::{
    AgendaItem, Candidate, CandidateState, CaseLine, ItemState, JointBody, JointMeeting,
    MeetingState, Member, NewAttendance, NewDecision, NewMeeting,
};
use minhu_domain::org::Org;
use minhu_domain::request::Warning;
use std::sync::Arc;

use super::form::CheckedForm;
use super::{Page, PageError, Staff, render, see_other};
use crate::{ApiError, AppState};

mod xlsx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/joint-bodies", get(bodies))
        .route("/staff/joint-bodies/{id}", get(body_page))
        .route("/staff/joint-bodies/{id}/candidates", get(queue))
        .route("/staff/joint-bodies/{id}/meetings/new", post(new_meeting))
        .route("/staff/joint-bodies/{id}/ledger.xlsx", get(xlsx::ledger))
        .route("/staff/joint-candidates/{id}/dismiss", post(dismiss))
        .route("/staff/joint-meetings/{id}", get(meeting_page))
        .route("/staff/joint-meetings/{id}/step", post(step))
        .route("/staff/joint-meetings/{id}/items", post(add_item))
        .route("/staff/joint-meetings/{id}/attendance", post(attend))
        .route("/staff/joint-meetings/{id}/decide", post(decide))
        .route("/staff/joint-meetings/{id}/defer", post(defer))
        .route("/staff/joint-meetings/{id}/paper/{paper}", get(paper))
}

/// The staff navigation's link of this slice for `actor`: the district's staff and auditors
/// reach the joint bodies (members reach their meetings from their action items).
pub fn nav(actor: &minhu_domain::org::Actor) -> Vec<(String, &'static str)> {
    use minhu_domain::org::Role;
    match actor.role {
        Some(Role::DistrictAdmin | Role::Auditor) => {
            vec![("/staff/joint-bodies".to_string(), "meeting.page.bodies")]
        }
        _ => Vec::new(),
    }
}

fn id_of(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// A refusal as the page shows it: the field it names and the message.
#[derive(Default)]
pub struct Refusal(Option<(String, String)>);

impl Refusal {
    fn of(p: &Page, e: &ApiError) -> Refusal {
        let message = if p.lang.is_english() { &e.en } else { &e.zh };
        Refusal(Some((e.field.clone().unwrap_or_default(), message.clone())))
    }
    pub fn field(&self) -> &str {
        self.0.as_ref().map(|(f, _)| f.as_str()).unwrap_or("")
    }
    pub fn message(&self) -> Option<&str> {
        self.0.as_ref().map(|(_, m)| m.as_str())
    }
}

fn unit_name(app: &AppState, code: &str) -> String {
    app.org()
        .unit(code)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| code.to_string())
}

// ---- bodies ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "joint_meeting/bodies.html")]
struct BodiesPage {
    p: Page,
    me: Staff,
    bodies: Vec<JointBody>,
}

async fn bodies(State(app): State<AppState>, p: Page, me: Staff) -> Result<Response, PageError> {
    let bodies = app_joint::bodies(&app, &me.actor).await?;
    Ok(render(&BodiesPage { p, me, bodies })?.into_response())
}

#[derive(Template)]
#[template(path = "joint_meeting/body.html")]
struct BodyPage {
    p: Page,
    me: Staff,
    body: JointBody,
    lead_name: String,
    /// Each member with its unit's name.
    members: Vec<(Member, String)>,
    meetings: Vec<JointMeeting>,
    today: String,
    error: Refusal,
}

async fn body_view(
    app: &AppState,
    p: Page,
    me: Staff,
    id: i64,
    error: Refusal,
) -> Result<BodyPage, PageError> {
    let body = app_joint::body(app, &me.actor, id).await?;
    let meetings = app_joint::meetings(app, &me.actor, id).await?;
    Ok(BodyPage {
        lead_name: unit_name(app, &body.lead_unit),
        members: body
            .members
            .iter()
            .map(|m| (m.clone(), unit_name(app, &m.unit)))
            .collect(),
        body,
        meetings,
        today: minhu_domain::time::local_date(app.now()).to_string(),
        p,
        me,
        error,
    })
}

async fn body_page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = body_view(&app, p, me, id_of(&id)?, Refusal::default()).await?;
    Ok(render(&page)?.into_response())
}

async fn new_meeting(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let text = |k: &str| form.get(k).unwrap_or("").to_string();
    let new = NewMeeting {
        kind: text("kind"),
        day: text("day"),
        place: text("place"),
        chair: text("chair"),
    };
    match app_joint::propose_meeting(&app, &me.actor, id, &new).await {
        Ok(v) => Ok(see_other(&format!(
            "/staff/joint-meetings/{}",
            v.meeting.id
        ))),
        Err(e) => {
            let e = ApiError::from(e);
            let error = Refusal::of(&p, &e);
            let page = body_view(&app, p, me, id, error).await?;
            Ok((e.status, render(&page)?).into_response())
        }
    }
}

// ---- the queue --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "joint_meeting/candidates.html")]
struct QueuePage {
    p: Page,
    me: Staff,
    body: JointBody,
    candidates: Vec<Candidate>,
    /// The requests the candidates group, to show by tracking code.
    cases: Vec<CaseLine>,
}

impl QueuePage {
    fn case(&self, id: &i64) -> Option<&CaseLine> {
        self.cases.iter().find(|c| c.id == *id)
    }
}

async fn queue(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let body = app_joint::body(&app, &me.actor, id).await?;
    let candidates = app_joint::candidates(&app, &me.actor, id).await?;
    let cases = app_joint::case_lines(&app, &candidates).await?;
    Ok(render(&QueuePage {
        p,
        me,
        body,
        candidates,
        cases,
    })?
    .into_response())
}

async fn dismiss(
    State(app): State<AppState>,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let reason = form.get("reason").unwrap_or("");
    let c = app_joint::dismiss_candidate(&app, &me.actor, id_of(&id)?, reason).await?;
    Ok(see_other(&format!(
        "/staff/joint-bodies/{}/candidates",
        c.body_id
    )))
}

// ---- the meeting page -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "joint_meeting/meeting.html")]
struct MeetingPage {
    p: Page,
    me: Staff,
    v: MeetingView,
    /// The queued cases that may go on the agenda (while it is a draft).
    queued: Vec<Candidate>,
    error: Refusal,
    org: Arc<Org>,
}

impl MeetingPage {
    /// A unit as people know it (its name), the code if the unit is unknown.
    fn unit(&self, code: &str) -> String {
        self.org
            .unit(code)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| code.to_string())
    }
    /// The SLA light in words (正常 / 黄灯 / 红灯).
    fn light(&self, c: &CaseLine) -> String {
        match Warning::parse(&c.sla) {
            Some(w) if self.p.lang.is_english() => w.as_str().to_string(),
            Some(w) => w.zh().to_string(),
            None => c.sla.clone(),
        }
    }
    fn age(&self, i: &AgendaItem) -> (i64, i64) {
        self.v.age(i.no)
    }
    fn draft(&self) -> bool {
        matches!(
            self.v.meeting.state,
            MeetingState::Proposed | MeetingState::Approved
        )
    }
    fn held(&self) -> bool {
        self.v.meeting.state == MeetingState::Held
    }
    fn at_meeting(&self) -> bool {
        matches!(
            self.v.meeting.state,
            MeetingState::Noticed | MeetingState::Held
        )
    }
    fn open(&self, i: &AgendaItem) -> bool {
        matches!(i.state, ItemState::Admitted | ItemState::Discussed)
    }
    fn cases(&self, i: &AgendaItem) -> Vec<&CaseLine> {
        i.source
            .requests
            .iter()
            .filter_map(|r| self.v.case(*r))
            .collect()
    }
    fn error_at(&self, field: &str) -> Option<&str> {
        let f = self.error.field();
        (f == field || f.starts_with(&format!("{field}[")))
            .then(|| self.error.message())
            .flatten()
    }
}

async fn meeting_view(
    app: &AppState,
    p: Page,
    me: Staff,
    id: i64,
    error: Refusal,
) -> Result<MeetingPage, PageError> {
    let v = app_joint::meeting(app, &me.actor, id).await?;
    let draft = matches!(
        v.meeting.state,
        MeetingState::Proposed | MeetingState::Approved
    );
    let queued = if draft && app_joint::standing(&me.actor, &app.org(), &v.body).office {
        app_joint::candidates(app, &me.actor, v.body.id)
            .await?
            .into_iter()
            .filter(|c| c.state == CandidateState::Queued)
            .collect()
    } else {
        Vec::new()
    };
    Ok(MeetingPage {
        p,
        me,
        v,
        queued,
        error,
        org: app.org(),
    })
}

async fn meeting_page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let page = meeting_view(&app, p, me, id_of(&id)?, Refusal::default()).await?;
    Ok(render(&page)?.into_response())
}

/// After a post: back to the meeting page, or the page again with the refusal.
async fn after(
    app: &AppState,
    p: Page,
    me: Staff,
    id: i64,
    done: Result<MeetingView, minhu_app::AppError>,
) -> Result<Response, PageError> {
    match done {
        Ok(_) => Ok(see_other(&format!("/staff/joint-meetings/{id}"))),
        Err(e) => {
            let e = ApiError::from(e);
            let error = Refusal::of(&p, &e);
            let page = meeting_view(app, p, me, id, error).await?;
            Ok((e.status, render(&page)?).into_response())
        }
    }
}

fn item_of(form: &super::form::FormData) -> u32 {
    form.get("item")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// A step without fields: approve, notice, hold, admit, issue.
async fn step(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let a = &me.actor;
    let done = match form.get("step").unwrap_or("") {
        "approve" => app_joint::approve(&app, a, id).await,
        "notice" => app_joint::notice(&app, a, id).await,
        "hold" => app_joint::hold(&app, a, id).await,
        "admit" => app_joint::admit(&app, a, id, item_of(&form)).await,
        "issue" => app_joint::issue(&app, a, id).await,
        _ => return Err(ApiError::not_found().into()),
    };
    after(&app, p, me, id, done).await
}

async fn add_item(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let candidate = form
        .get("candidate_id")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let done = app_joint::add_item(
        &app,
        &me.actor,
        id,
        candidate,
        form.get("presenter_unit").unwrap_or(""),
        form.get("proposed_handling").unwrap_or(""),
    )
    .await;
    after(&app, p, me, id, done).await
}

async fn attend(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let text = |k: &str| form.get(k).unwrap_or("").to_string();
    let new = NewAttendance {
        unit: text("unit"),
        presence: text("presence"),
        person: text("person"),
        for_person: text("for_person"),
        reason: text("reason"),
        signed: form.get("signed").is_some(),
    };
    let done = app_joint::attend(&app, &me.actor, id, &new).await;
    after(&app, p, me, id, done).await
}

async fn decide(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let text = |k: &str| form.get(k).unwrap_or("").to_string();
    let decision = NewDecision {
        text: text("text"),
        lead_unit: text("lead_unit"),
        co_units: text("co_units")
            .split([',', '，', '、', ' '])
            .map(str::to_string)
            .collect(),
        working_days: form.get("working_days").and_then(|d| d.trim().parse().ok()),
        acceptance: text("acceptance"),
        funding: text("funding"),
    };
    let done = app_joint::decide(&app, &me.actor, id, item_of(&form), &[decision]).await;
    after(&app, p, me, id, done).await
}

async fn defer(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let reason = form.get("reason").unwrap_or("");
    let done = if form.get("discuss").is_some() {
        app_joint::discuss(&app, &me.actor, id, item_of(&form), reason).await
    } else {
        app_joint::defer(&app, &me.actor, id, item_of(&form), reason).await
    };
    after(&app, p, me, id, done).await
}

// ---- the papers -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "joint_meeting/paper.html")]
struct PaperPage {
    p: Page,
    v: MeetingView,
    /// `notice`, `agenda`, `signin` or `minutes`.
    paper: &'static str,
    title: &'static str,
    lead_name: String,
    /// Member units with their names (the sign-in sheet, the issued list).
    members: Vec<(Member, String)>,
}

impl PaperPage {
    fn age(&self, i: &AgendaItem) -> (i64, i64) {
        self.v.age(i.no)
    }
    fn cases(&self, i: &AgendaItem) -> Vec<&CaseLine> {
        i.source
            .requests
            .iter()
            .filter_map(|r| self.v.case(*r))
            .collect()
    }
    fn admitted(&self) -> Vec<&AgendaItem> {
        self.v
            .meeting
            .items
            .iter()
            .filter(|i| i.state != ItemState::Proposed)
            .collect()
    }
}

/// A paper of the meeting: the notice once approved, the agenda and sign-in sheet, the
/// minutes once issued (409 before).
async fn paper(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path((id, paper)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let v = app_joint::meeting(&app, &me.actor, id_of(&id)?).await?;
    let (paper, title) = match paper.as_str() {
        "notice" => ("notice", "meeting.page.notice"),
        "agenda" => ("agenda", "meeting.page.agenda"),
        "signin" => ("signin", "meeting.page.signin"),
        "minutes" => ("minutes", "meeting.page.minutes"),
        _ => return Err(ApiError::not_found().into()),
    };
    if paper == "minutes" && v.meeting.state != MeetingState::MinutesIssued {
        return Err(crate::pages::text::error(
            axum::http::StatusCode::CONFLICT,
            "not_issued",
            "meeting.not_issued",
            &[],
        )
        .into());
    }
    let page = PaperPage {
        title: p.t(title),
        lead_name: unit_name(&app, &v.body.lead_unit),
        members: v
            .body
            .members
            .iter()
            .map(|m| (m.clone(), unit_name(&app, &m.unit)))
            .collect(),
        paper,
        p,
        v,
    };
    Ok(render(&page)?.into_response())
}
