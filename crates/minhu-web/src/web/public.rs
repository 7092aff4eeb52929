//! Public pages: home, the walls (问题墙 / 回音壁), submission and tracking. Nothing here
//! shows personal data: names keep the surname, numbers are masked, places stop at the
//! building, confidential requests never appear on a wall.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minhu_domain::intake::parse_intake;
use minhu_domain::lifecycle::Command;
use minhu_domain::org::{Actor, Level, Org};
use minhu_domain::request::{Channel, EventData, RequestType, Satisfaction, State as ReqState};
use minhu_store::{ListFilter, RequestSummary, WallDetail, new_code};
use serde_json::{Map, Value, json};

use super::attachments::{MAX_PHOTO_BYTES, MAX_PHOTOS, Photo, accept_photo};
use super::form::{CheckedForm, Echo, check_csrf};
use super::{Lang, Page, PageError, render, see_other};
use crate::service::{perform, register};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/wall", get(wall))
        .route("/track", get(track_form))
        .route("/track/{code}", get(track))
        .route("/track/{code}/rate", post(rate))
        .route(
            "/submit",
            get(submit_form).post(submit).layer(DefaultBodyLimit::max(
                MAX_PHOTOS * MAX_PHOTO_BYTES + 256 * 1024,
            )),
        )
}

/// Text fit for the public: numbers masked, the requester's name reduced to the surname,
/// cut to `max` characters.
pub fn public_text(text: &str, requester_name: Option<&str>, max: usize) -> String {
    let mut t = minhu_domain::privacy::public_text(text, requester_name);
    if t.chars().count() > max {
        t = t.chars().take(max).collect::<String>() + "…";
    }
    t
}

/// Community (and grid) of a jurisdiction, never finer.
pub fn public_place(org: &Org, code: &str) -> String {
    let community = org
        .ancestor_at(code, Level::Community)
        .map(|j| j.name.as_str());
    let grid = org
        .jurisdiction(code)
        .filter(|j| j.level == Level::Grid)
        .map(|j| j.name.as_str());
    match (community, grid) {
        (Some(c), Some(g)) => format!("{c} · {g}"),
        (Some(c), None) => c.to_string(),
        _ => org
            .jurisdiction(code)
            .map(|j| j.name.clone())
            .unwrap_or_default(),
    }
}

// ---- home ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    p: Page,
    open: i64,
    answered: i64,
}

async fn home(State(app): State<AppState>, p: Page) -> Result<Response, PageError> {
    let count = |states: &[ReqState]| ListFilter {
        states: states.to_vec(),
        public: true,
        page: 1,
        page_size: 1,
        ..Default::default()
    };
    let open = app.store.list_requests(&count(OPEN_STATES)).await?.total;
    let answered = app
        .store
        .list_requests(&count(ANSWERED_STATES))
        .await?
        .total;
    Ok(render(&HomePage { p, open, answered })?.into_response())
}

// ---- the walls ----------------------------------------------------------------------

/// Accepted and still being handled: the problem wall.
pub const OPEN_STATES: &[ReqState] = &[
    ReqState::PendingDispatch,
    ReqState::Dispatched,
    ReqState::ReturnRequested,
    ReqState::InProgress,
    ReqState::Suspended,
    ReqState::Replied,
    ReqState::PendingCallback,
];
/// Answered and closed: the echo wall.
pub const ANSWERED_STATES: &[ReqState] = &[ReqState::Closed, ReqState::Archived];

pub struct WallRow {
    pub code: String,
    pub channel: String,
    pub content: String,
    pub place: String,
    pub measures: String,
    pub unit: String,
    pub deadline: String,
    pub progress: String,
    pub satisfaction: String,
    pub warning: &'static str,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "wall.html")]
struct WallPage {
    p: Page,
    answered: bool,
    rows: Vec<WallRow>,
    communities: Vec<Choice>,
    categories: Vec<Choice>,
    total: i64,
    page: u32,
    pages: u32,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct WallQuery {
    tab: Option<String>,
    community: Option<String>,
    category: Option<String>,
    page: Option<String>,
}

/// The first level of the category tree, as the walls filter by it.
const TOP_CATEGORIES: [(&str, &str); 10] = [
    ("市政设施", "municipal facilities"),
    ("环境卫生", "sanitation"),
    ("物业管理", "property management"),
    ("市容环境", "city appearance"),
    ("社会治安", "public order"),
    ("交通出行", "transport"),
    ("城乡建设", "construction"),
    ("供水供电", "water and power"),
    ("社会保障", "social security"),
    ("便民服务", "community services"),
];

pub const WALL_PAGE_SIZE: u32 = 50;

async fn wall(
    State(app): State<AppState>,
    p: Page,
    Query(q): Query<WallQuery>,
) -> Result<Response, PageError> {
    let org = app.org();
    let answered = q.tab.as_deref() == Some("answered");
    let community = q.community.as_deref().filter(|c| {
        org.jurisdiction(c)
            .is_some_and(|j| j.level == Level::Community)
    });
    let category = q
        .category
        .as_deref()
        .filter(|c| TOP_CATEGORIES.iter().any(|(zh, _)| zh == c));
    let page = q
        .page
        .as_deref()
        .and_then(|s| s.parse::<u32>().ok())
        .filter(|n| *n >= 1 && *n <= 100_000)
        .unwrap_or(1);
    let now = app.now();
    let filter = ListFilter {
        path_prefix: community.map(|c| org.path(c)),
        states: if answered {
            ANSWERED_STATES
        } else {
            OPEN_STATES
        }
        .to_vec(),
        category: category.map(str::to_string),
        public: true,
        now: Some(now),
        page,
        page_size: WALL_PAGE_SIZE,
        ..Default::default()
    };
    let listed = app.store.list_requests(&filter).await?;
    let ids: Vec<i64> = listed.items.iter().map(|s| s.id).collect();
    let details = app.store.wall_details(&ids).await?;
    let rows = listed
        .items
        .iter()
        .map(|s| wall_row(p.lang, &org, s, details.get(&s.id)))
        .collect();
    let pages = ((listed.total as u32).div_ceil(WALL_PAGE_SIZE)).max(1);
    let link = |n: u32| p.with_param("page", &n.to_string());
    let mut communities = vec![Choice {
        value: String::new(),
        label: p.t("全部社区", "All communities").into(),
        selected: community.is_none(),
    }];
    communities.extend(
        org.jurisdictions()
            .filter(|j| j.level == Level::Community)
            .map(|j| Choice {
                value: j.code.clone(),
                label: j.name.clone(),
                selected: community == Some(j.code.as_str()),
            }),
    );
    let mut categories = vec![Choice {
        value: String::new(),
        label: p.t("全部类别", "All categories").into(),
        selected: category.is_none(),
    }];
    categories.extend(TOP_CATEGORIES.iter().map(|(zh, en)| Choice {
        value: zh.to_string(),
        label: p.t(zh, en).to_string(),
        selected: category == Some(*zh),
    }));
    Ok(render(&WallPage {
        answered,
        rows,
        communities,
        categories,
        total: listed.total,
        page,
        pages,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        p,
    })?
    .into_response())
}

fn wall_row(l: Lang, org: &Org, s: &RequestSummary, d: Option<&WallDetail>) -> WallRow {
    let name = d.and_then(|d| d.requester_name.as_deref());
    let text = s.subject.as_deref().unwrap_or(&s.excerpt);
    let unit = s
        .lead_unit
        .as_deref()
        .and_then(|u| org.unit(u))
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let progress = match d.and_then(|d| d.progress.as_deref()) {
        Some(note) if s.state.is_open() => format!(
            "{}：{}",
            l.name(s.state.zh(), s.state.as_str()),
            public_text(note, name, 60)
        ),
        _ => l.name(s.state.zh(), s.state.as_str()),
    };
    WallRow {
        code: s.code.clone(),
        channel: l.name(s.channel.zh(), s.channel.as_str()),
        content: public_text(text, name, 80),
        place: public_place(org, &s.jurisdiction),
        measures: d
            .and_then(|d| d.measures.as_deref().or(d.public_reply.as_deref()))
            .map(|m| public_text(m, name, 120))
            .unwrap_or_default(),
        unit,
        deadline: s.deadline.as_ref().map(|t| l.time(t)).unwrap_or_default(),
        progress,
        satisfaction: d
            .and_then(|d| d.satisfaction.as_deref())
            .and_then(Satisfaction::parse)
            .map(|x| l.name(x.zh(), x.as_str()))
            .unwrap_or_default(),
        warning: s.warning.as_str(),
    }
}

// ---- tracking -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "track_form.html")]
struct TrackForm {
    p: Page,
}

#[derive(serde::Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

async fn track_form(p: Page, Query(q): Query<CodeQuery>) -> Result<Response, PageError> {
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
    rated: bool,
    satisfactions: Vec<(&'static str, String)>,
}

async fn track(
    State(app): State<AppState>,
    p: Page,
    Path(code): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    // A merged duplicate shows its parent's progress under its own code.
    let t = crate::service::track(&app, &code).await?;
    let merged_into = if t.merged() {
        t.shown.intake.code.clone()
    } else {
        String::new()
    };
    let crate::service::Tracked {
        own,
        shown: req,
        events,
    } = t;
    let org = app.org();
    let l = p.lang;
    let name = own.intake.requester.name.as_deref();
    let answer = events
        .iter()
        .rev()
        .find_map(|e| match &e.data {
            EventData::Answer { reply } => Some(public_text(reply, name, 2000)),
            EventData::Reject { reason, .. } => Some(public_text(reason, name, 2000)),
            _ => None,
        })
        .unwrap_or_default();
    let steps = events
        .iter()
        .filter_map(|e| {
            crate::view::public_step(&e.data).map(|(zh, en)| Step {
                at: l.time(&e.at),
                text: l.t(zh, en).to_string(),
            })
        })
        .collect();
    let rated = q.contains_key("rated");
    let page = TrackPage {
        code: own.intake.code.clone(),
        state: l.name(req.state.zh(), req.state.as_str()),
        state_code: req.state.as_str(),
        kind: l.name(own.intake.kind.zh(), own.intake.kind.as_str()),
        channel: l.name(own.intake.channel.zh(), own.intake.channel.as_str()),
        content: if own.intake.confidential {
            l.t(
                "（保密件，内容不公开）",
                "(confidential; content not shown)",
            )
            .into()
        } else {
            public_text(&own.intake.content, name, 2000)
        },
        place: public_place(&org, &own.intake.jurisdiction),
        received: l.time(&own.intake.received_at),
        deadline: l.time_opt(&req.deadline),
        unit: req
            .lead_unit
            .as_deref()
            .and_then(|u| org.unit(u))
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        public_reply: req
            .reply
            .as_ref()
            .map(|r| public_text(&r.public_reply, name, 4000))
            .unwrap_or_default(),
        measures: req
            .reply
            .as_ref()
            .and_then(|r| r.measures.as_deref())
            .map(|m| public_text(m, name, 4000))
            .unwrap_or_default(),
        answer,
        satisfaction: req
            .callback
            .as_ref()
            .and_then(|c| c.satisfaction)
            .map(|s| l.name(s.zh(), s.as_str()))
            .unwrap_or_default(),
        merged_into,
        steps,
        can_rate: req.state == ReqState::PendingCallback && own.id == req.id,
        rated,
        satisfactions: Satisfaction::ALL
            .iter()
            .map(|s| (s.as_str(), l.name(s.zh(), s.as_str())))
            .collect(),
        p,
    };
    Ok(render(&page)?.into_response())
}

/// The requester rates the reply: satisfied, basically satisfied or unsatisfied.
async fn rate(
    State(app): State<AppState>,
    Path(code): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let req = crate::service::track(&app, &code).await?.own;
    let raw = form.get("satisfaction").unwrap_or("");
    let satisfaction = Satisfaction::parse(raw).ok_or_else(|| {
        crate::error::invalid(
            "satisfaction",
            "请选择满意、基本满意或不满意".into(),
            "choose satisfied, basically satisfied or unsatisfied".into(),
        )
    })?;
    let comment = form
        .get("comment")
        .map(|c| c.chars().take(500).collect::<String>());
    let command = Command::Rate {
        satisfaction,
        comment,
    };
    perform(&app, req.id, &command, &Actor::requester()).await?;
    Ok(see_other(&format!("/track/{}?rated=1", req.intake.code)))
}

// ---- submission ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    p: Page,
    communities: Vec<Choice>,
    types: Vec<Choice>,
    values: Echo,
    error: Option<String>,
    error_field: String,
}

#[derive(Template)]
#[template(path = "submitted.html")]
struct SubmittedPage {
    p: Page,
    code: String,
    photos: usize,
}

fn submit_page(
    app: &AppState,
    p: Page,
    values: Map<String, Value>,
    error: Option<ApiError>,
) -> SubmitPage {
    let org = app.org();
    let chosen = values
        .get("jurisdiction")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let kind = values
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("help")
        .to_string();
    let l = p.lang;
    SubmitPage {
        communities: org
            .jurisdictions()
            .filter(|j| j.level == Level::Community)
            .map(|j| Choice {
                value: j.code.clone(),
                label: j.name.clone(),
                selected: j.code == chosen,
            })
            .collect(),
        types: RequestType::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().into(),
                label: l.name(t.zh(), t.as_str()),
                selected: t.as_str() == kind,
            })
            .collect(),
        error_field: error
            .as_ref()
            .and_then(|e| e.field.clone())
            .unwrap_or_default(),
        error: error.map(|e| if l.is_en() { e.en } else { e.zh }),
        values: Echo(values),
        p,
    }
}

async fn submit_form(State(app): State<AppState>, p: Page) -> Result<Response, PageError> {
    Ok(render(&submit_page(&app, p, Map::new(), None))?.into_response())
}

/// A resident's own submission (multipart: the fields and up to four photos).
async fn submit(
    State(app): State<AppState>,
    p: Page,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut photos: Vec<Photo> = Vec::new();
    let mut photo_error: Option<ApiError> = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_form",
            format!("表单无法读取：{e}"),
            format!("the form cannot be read: {e}"),
        )
    })? {
        let name = field.name().unwrap_or("").to_string();
        if name == "photos" {
            let file = field.file_name().map(str::to_string);
            let bytes = field.bytes().await.map_err(|_| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "照片过大",
                    "photos too large",
                )
            })?;
            if bytes.is_empty() {
                continue;
            }
            if photos.len() >= MAX_PHOTOS {
                photo_error = Some(
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "too_many_photos",
                        format!("最多上传{MAX_PHOTOS}张照片"),
                        format!("at most {MAX_PHOTOS} photos"),
                    )
                    .field("photos"),
                );
                continue;
            }
            match accept_photo(file.as_deref(), &bytes) {
                Ok(photo) => photos.push(photo),
                Err(e) => photo_error = Some(e),
            }
        } else {
            let text = field.text().await.unwrap_or_default();
            fields.push((name, text));
        }
    }
    let form = super::FormData(fields);
    check_csrf(&p, form.get("_csrf"), &headers)?;
    let mut body = Map::new();
    for key in ["content", "type", "jurisdiction", "address", "lat", "lon"] {
        if let Some(v) = form.get(key) {
            body.insert(key.into(), Value::String(v.into()));
        }
    }
    let mut echo_all = body.clone();
    for key in ["name", "phone"] {
        if let Some(v) = form.get(key) {
            echo_all.insert(key.into(), Value::String(v.into()));
        }
    }
    if form.get("confidential").is_some() {
        echo_all.insert("confidential".into(), Value::String("on".into()));
    }
    let fail = |e: ApiError| -> Result<Response, PageError> {
        let status = e.status;
        Ok((
            status,
            render(&submit_page(&app, p.clone(), echo_all.clone(), Some(e)))?,
        )
            .into_response())
    };
    if let Some(e) = photo_error {
        return fail(e);
    }
    for key in ["lat", "lon"] {
        if let Some(v) = form.get(key) {
            match v.parse::<f64>() {
                Ok(x) => {
                    body.insert(key.into(), json!(x));
                }
                Err(_) => {
                    body.remove(key);
                }
            }
        }
    }
    body.insert(
        "channel".into(),
        Value::String(Channel::Web.as_str().into()),
    );
    body.insert(
        "requester".into(),
        json!({"name": form.get("name"), "phone": form.get("phone")}),
    );
    body.insert(
        "confidential".into(),
        Value::Bool(form.get("confidential").is_some()),
    );
    let mut body = Value::Object(body);
    if let Err(e) = crate::api::places::resolve_location(&app, &mut body).await {
        return fail(e);
    }
    let now = app.now();
    let intake = match parse_intake(&body, None, &app.org(), new_code(now), now) {
        Ok(i) => i,
        Err(e) => return fail(e.into()),
    };
    let done = register(&app, intake, &Actor::requester()).await?;
    let id = done.request.id;
    for photo in &photos {
        app.store
            .attach(
                id,
                &photo.hash,
                photo.mime,
                &photo.bytes,
                photo.gps,
                photo.name.as_deref(),
            )
            .await?;
    }
    Ok((
        StatusCode::CREATED,
        render(&SubmittedPage {
            p,
            code: done.request.intake.code.clone(),
            photos: photos.len(),
        })?,
    )
        .into_response())
}
