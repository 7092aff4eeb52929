//! The suggestion box and the council's topics as pages. For the public (no login): a
//! community's topics, de-identified (`/communities/{code}/topics`), and the web
//! suggestion form (`/communities/{code}/suggest`: Chinese first, big text, no
//! JavaScript, optional name and phone to hear back, photos through the one cleaning
//! path). For staff: the community's box and triage inbox, a box's 开箱记录 and a topic's
//! 议题申报表, both printable on A4, with the staff's forms ([`forms`]). The same use cases
//! as the API.

mod forms;

use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minhu_app::suggestion::{self as app_box, BoxView};
use minhu_app::topic::{self as app_topic, PublicTopic, TopicView};
use minhu_domain::council::Sitting;
use minhu_domain::org::{Actor, Role};
use minhu_domain::privacy;
use minhu_domain::suggestion::{NewSuggestion, Suggestion, SuggestionBox};
use minhu_domain::time::ZONE;

use super::attachments::{MAX_PHOTOS, Photo, accept_photo};
use super::form::{Echo, FormData, check_csrf};
use super::text::error;
use super::{Page, PageError, Staff, render};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/communities/{code}/topics", get(public_topics))
        .route("/communities/{code}/suggest", get(form).post(submit))
        .route("/staff/communities/{code}/suggestions", get(inbox))
        .route("/staff/boxes/{id}/record", get(record))
        .route("/staff/topics/{id}", get(topic))
        .merge(forms::router())
}

/// The staff navigation's link of this slice for `actor`: (path, catalogue key).
pub fn nav(actor: &Actor) -> Vec<(String, &'static str)> {
    match actor.role {
        Some(Role::CommunityStaff) => vec![(
            format!("/staff/communities/{}/suggestions", actor.scope),
            "suggestion.page.nav",
        )],
        _ => Vec::new(),
    }
}

/// A refused form post: which form (`box`, `opening-{id}`, `triage-{id}`, `step`), the
/// field the refusal names and its message in the reader's language.
pub struct Refusal {
    pub form: String,
    pub field: String,
    pub message: String,
}

/// What a staff page with forms shows again after a refusal.
pub struct Posted {
    pub values: Echo,
    pub refusal: Option<Refusal>,
}

impl Posted {
    fn none() -> Posted {
        Posted {
            values: Echo(serde_json::Map::new()),
            refusal: None,
        }
    }
    fn is(&self, form: &str) -> bool {
        self.refusal.as_ref().is_some_and(|r| r.form == form)
    }
    /// The refusal's message when it belongs beside `field` of `form`.
    pub fn error(&self, form: &str, field: &str) -> Option<&str> {
        self.refusal
            .as_ref()
            .filter(|r| r.form == form && r.field == field)
            .map(|r| r.message.as_str())
    }
    /// The refusal's message when it names none of `fields` (space-separated) of `form`.
    pub fn other(&self, form: &str, fields: &str) -> Option<&str> {
        self.refusal
            .as_ref()
            .filter(|r| r.form == form && !fields.split(' ').any(|f| f == r.field))
            .map(|r| r.message.as_str())
    }
    /// What was typed into `field` of `form`, if that form was the one refused.
    pub fn value(&self, form: &str, field: &str) -> String {
        if self.is(form) {
            self.values.v(field)
        } else {
            String::new()
        }
    }
}

fn community_name(app: &AppState, code: &str) -> String {
    app.org()
        .jurisdiction(code)
        .map(|j| j.name.clone())
        .unwrap_or_default()
}

fn local(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&ZONE).format("%Y-%m-%d %H:%M").to_string()
}

fn id_of(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| ApiError::not_found())
}

// ---- public -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "suggestion/topics.html")]
struct TopicsPage {
    p: Page,
    code: String,
    community_name: String,
    topics: Vec<PublicTopic>,
    /// (topic, sitting, decision) for the topics a sitting took.
    links: Vec<(i64, i64, Option<i64>)>,
}

impl TopicsPage {
    /// The sitting and decision that took topic `id`, the latest first.
    fn taken(&self, id: &i64) -> Option<(i64, Option<i64>)> {
        self.links
            .iter()
            .rev()
            .find(|(t, _, _)| t == id)
            .map(|(_, s, d)| (*s, *d))
    }
}

async fn public_topics(
    State(app): State<AppState>,
    p: Page,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let topics = app_topic::public_topics(&app, &code).await?;
    let links = minhu_app::council_public::topic_links(&app, &code).await?;
    Ok(render(&TopicsPage {
        p,
        links,
        community_name: community_name(&app, &code),
        code,
        topics,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "suggestion/form.html")]
struct FormPage {
    p: Page,
    code: String,
    community_name: String,
    values: Echo,
    error: Option<String>,
    error_field: String,
}

#[derive(Template)]
#[template(path = "suggestion/thanks.html")]
struct ThanksPage {
    p: Page,
    code: String,
    community_name: String,
    id: i64,
    will_hear: bool,
}

async fn form(
    State(app): State<AppState>,
    p: Page,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    app_box::community(&app.org(), &code)?;
    Ok(render(&FormPage {
        p,
        community_name: community_name(&app, &code),
        code,
        values: Echo(serde_json::Map::new()),
        error: None,
        error_field: String::new(),
    })?
    .into_response())
}

/// The fields and the photos of a multipart post; the first photo refusal, if any.
async fn read_multipart(
    mut multipart: Multipart,
) -> Result<(FormData, Vec<Photo>, Option<ApiError>), ApiError> {
    let unreadable = |e: String| {
        error(
            StatusCode::BAD_REQUEST,
            "bad_form",
            "submit.error.unreadable",
            &[("error", &e)],
        )
    };
    let (mut fields, mut photos, mut refused) = (Vec::new(), Vec::new(), None);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| unreadable(e.to_string()))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name != "photos" {
            fields.push((name, field.text().await.unwrap_or_default()));
            continue;
        }
        let file = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|e| unreadable(e.to_string()))?;
        if bytes.is_empty() {
            continue;
        }
        if photos.len() >= MAX_PHOTOS {
            let max = MAX_PHOTOS.to_string();
            refused = Some(
                error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "too_many_photos",
                    "submit.error.too_many_photos",
                    &[("max", &max)],
                )
                .field("photos"),
            );
            continue;
        }
        match accept_photo(file.as_deref(), &bytes) {
            Ok(photo) => photos.push(photo),
            Err(e) => refused = Some(e),
        }
    }
    Ok((FormData(fields), photos, refused))
}

/// A resident's suggestion from the web (source `web`, no login).
async fn submit(
    State(app): State<AppState>,
    p: Page,
    Path(code): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (form, photos, refused) = read_multipart(multipart).await?;
    check_csrf(&p, form.get("_csrf"), &headers)?;
    let mut echo = serde_json::Map::new();
    for k in ["text", "author_name", "author_phone", "anonymous"] {
        if let Some(v) = form.get(k) {
            echo.insert(k.into(), v.into());
        }
    }
    let new = NewSuggestion {
        source: "web".into(),
        opening_id: None,
        text: form.get("text").unwrap_or_default().into(),
        anonymous: form.get("anonymous").is_some(),
        author_name: form.get("author_name").unwrap_or_default().into(),
        author_phone: form.get("author_phone").unwrap_or_default().into(),
    };
    let result = match refused {
        Some(e) => Err(e),
        None => app_box::submit(&app, None, &code, &new, &photos)
            .await
            .map_err(ApiError::from),
    };
    let name = community_name(&app, &code);
    match result {
        Ok(s) => {
            let will_hear = s.author.as_ref().is_some_and(|a| a.phone.is_some());
            let page = ThanksPage {
                p,
                code,
                community_name: name,
                id: s.id,
                will_hear,
            };
            Ok((StatusCode::CREATED, render(&page)?).into_response())
        }
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(e.into()),
        Err(e) => {
            let status = e.status;
            let english = p.lang.is_english();
            let page = FormPage {
                p,
                code,
                community_name: name,
                values: Echo(echo),
                error_field: e.field.clone().unwrap_or_default(),
                error: Some(if english { e.en } else { e.zh }),
            };
            Ok((status, render(&page)?).into_response())
        }
    }
}

// ---- staff --------------------------------------------------------------------------------

/// A suggestion's line on a staff page: the author masked, the text as written.
pub struct Line {
    pub s: Suggestion,
    pub author: String,
}

fn line(s: Suggestion) -> Line {
    let author = match &s.author {
        None => String::new(),
        Some(a) => {
            let (name, phone) = a.masked();
            [name, phone]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    Line { s, author }
}

#[derive(Template)]
#[template(path = "suggestion/inbox.html")]
pub(super) struct InboxPage {
    p: Page,
    me: Staff,
    code: String,
    community_name: String,
    boxes: Vec<SuggestionBox>,
    lines: Vec<Line>,
    sittings: Vec<Sitting>,
    posted: Posted,
}

impl InboxPage {
    /// The catalogue key of a triage outcome's name.
    fn outcome_key(&self, outcome: &str) -> &'static str {
        match outcome {
            "topic" => "suggestion.page.to_topic",
            "answer" => "suggestion.page.to_answer",
            "request" => "suggestion.page.to_request",
            "merge" => "suggestion.page.to_merge",
            _ => "suggestion.page.to_reject",
        }
    }
}

/// The inbox with its forms; `values` and `refusal` from a refused post.
pub(super) async fn inbox_page(
    app: &AppState,
    p: Page,
    me: Staff,
    code: String,
    values: Echo,
    refusal: Option<Refusal>,
) -> Result<InboxPage, PageError> {
    let boxes = app_box::boxes(app, &me.actor, &code).await?;
    let all = app_box::inbox(app, &me.actor, &code, None).await?;
    // A grid worker reads the box of their community but not its sittings.
    let mut sittings = if minhu_domain::access::covers(&me.actor, &app.org(), &code) {
        minhu_app::council::sittings(app, &me.actor, &code).await?
    } else {
        Vec::new()
    };
    sittings.sort_by_key(|s| std::cmp::Reverse((s.day, s.id)));
    Ok(InboxPage {
        p,
        me,
        community_name: community_name(app, &code),
        code,
        boxes,
        lines: all.into_iter().map(line).collect(),
        sittings,
        posted: Posted { values, refusal },
    })
}

async fn inbox(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let posted = Posted::none();
    let page = inbox_page(&app, p, me, code, posted.values, None).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "suggestion/record.html")]
struct RecordPage {
    p: Page,
    community_name: String,
    v: BoxView,
    /// Each opening's time, in Shanghai.
    times: Vec<String>,
    lines: Vec<Vec<Line>>,
}

/// The 开箱记录: every opening with the slips it produced and the two signature columns.
async fn record(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let mut v = app_box::box_view(&app, &me.actor, id_of(&id)?).await?;
    let times = v.openings.iter().map(|(o, _)| local(o.opened_at)).collect();
    let lines = v
        .openings
        .iter_mut()
        .map(|(_, slips)| std::mem::take(slips).into_iter().map(line).collect())
        .collect();
    Ok(render(&RecordPage {
        p,
        community_name: community_name(&app, &v.suggestion_box.community),
        v,
        times,
        lines,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "suggestion/topic.html")]
pub(super) struct TopicPage {
    p: Page,
    community_name: String,
    /// The sitting and the decision that took the topic, if any.
    taken: Option<(i64, Option<i64>)>,
    posted: Posted,
    v: TopicView,
    proposer: String,
    proposer_phone: String,
    proposed_at: String,
    lines: Vec<Line>,
}

/// A topic's page, printable as its 议题申报表 (the proposer masked; they sign the paper).
async fn topic(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let posted = Posted::none();
    let page = topic_page(&app, p, me, id_of(&id)?, posted.values, None).await?;
    Ok(render(&page)?.into_response())
}

/// The topic's page with its step form; `values` and `refusal` from a refused post.
pub(super) async fn topic_page(
    app: &AppState,
    p: Page,
    me: Staff,
    id: i64,
    values: Echo,
    refusal: Option<Refusal>,
) -> Result<TopicPage, PageError> {
    let mut v = app_topic::topic(app, &me.actor, id).await?;
    let taken = minhu_app::council_public::topic_links(app, &v.topic.community)
        .await?
        .into_iter()
        .rev()
        .find(|(t, _, _)| *t == id)
        .map(|(_, s, d)| (s, d));
    let lines = std::mem::take(&mut v.suggestions)
        .into_iter()
        .map(line)
        .collect();
    Ok(TopicPage {
        p,
        taken,
        posted: Posted { values, refusal },
        community_name: community_name(app, &v.topic.community),
        proposer: privacy::mask_name(&v.topic.proposer_name),
        proposer_phone: v
            .topic
            .proposer_phone
            .as_deref()
            .map(privacy::mask_phone)
            .unwrap_or_default(),
        proposed_at: local(v.topic.created_at),
        v,
        lines,
    })
}
