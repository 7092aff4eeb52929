//! Staff pages: the queue, the counter intake form, the request page with the actions the
//! state allows this person, photos, and the hints (suggested category and unit, possible
//! duplicates) shown while a request is typed in.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minhu_domain::intake::parse_intake;
use minhu_domain::lifecycle::{ACTIONS, Command, Ctx, offered_actions, relation};
use minhu_domain::org::{Actor, Level, Org, Role, Unit};
use minhu_domain::privacy::{mask_address, mask_name, mask_phone};
use minhu_domain::request::{
    Channel, Difficulty, RequestType, Satisfaction, State as ReqState, Urgency, Warning,
};
use minhu_store::{ListFilter, new_code};
use serde_json::{Map, Value, json};

use super::form::{CheckedForm, Echo};
use super::public::{Choice, public_place};
use super::session::forbidden;
use super::{Lang, Page, PageError, Staff, render, see_other};
use crate::service::{may_reveal, perform, register, reveal_personal};
use crate::{ApiError, AppState};
use minhu_app::text::suggest::catalogue_unit;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(queue))
        .route("/staff/intake", get(intake_form).post(intake))
        .route("/staff/hints", get(hints))
        .route("/staff/requests/{id}", get(request_page))
        .route("/staff/requests/{id}/act/{action}", post(act))
        .route("/staff/requests/{id}/photos/{hash}", get(photo))
        .route("/staff/dashboard", get(super::dashboard::dashboard))
}

// ---- the queue ----------------------------------------------------------------------

pub struct QueueRow {
    pub id: i64,
    pub code: String,
    pub state: String,
    pub kind: String,
    pub text: String,
    pub place: String,
    pub unit: String,
    pub deadline: String,
    pub warning: &'static str,
    pub received: String,
}

pub struct Tab {
    pub key: &'static str,
    pub label: &'static str,
    pub href: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    p: Page,
    me: Staff,
    tabs: Vec<Tab>,
    view: String,
    states: Vec<Choice>,
    q: String,
    rows: Vec<QueueRow>,
    total: i64,
    page: u32,
    pages: u32,
    prev: Option<String>,
    next: Option<String>,
}

pub const QUEUE_PAGE_SIZE: u32 = 50;

/// The unit a person acts for: their own unit, or their office's.
fn acting_unit(actor: &Actor, org: &Org) -> Option<String> {
    match actor.role {
        Some(Role::UnitHandler) => Some(actor.scope.clone()),
        Some(Role::CommunityStaff | Role::StreetStaff) => {
            org.own_unit(&actor.scope).map(|u| u.code.clone())
        }
        _ => None,
    }
}

async fn queue(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let org = app.org();
    let l = p.lang;
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let unit = acting_unit(&me.actor, &org);
    let handler = me.actor.role == Some(Role::UnitHandler);
    let default_view = if handler { "unit" } else { "area" };
    let view = get("view").unwrap_or(default_view).to_string();
    let now = app.now();
    let mut f = ListFilter {
        now: Some(now),
        page: get("page")
            .and_then(|s| s.parse().ok())
            .filter(|n| (1..=1_000_000).contains(n))
            .unwrap_or(1),
        page_size: QUEUE_PAGE_SIZE,
        q: get("q").map(str::to_string),
        ..Default::default()
    };
    // The person's own scope bounds every view.
    if handler {
        f.unit = unit.clone();
    } else {
        f.path_prefix = Some(org.path(&me.actor.scope));
    }
    match view.as_str() {
        "unit" => f.unit = unit.clone().or(f.unit.take()),
        "mine" => f.actor = Some(me.actor.username.clone()),
        "red" => f.warning = Some(Warning::Red),
        "yellow" => f.warning = Some(Warning::Yellow),
        "new" => f.states = vec![ReqState::Registered, ReqState::PendingDispatch],
        _ => {}
    }
    if let Some(s) = get("state").and_then(ReqState::parse) {
        f.state = Some(s);
    }
    let listed = app.store.list_requests(&f).await?;
    let rows = listed
        .items
        .iter()
        .map(|s| QueueRow {
            id: s.id,
            code: s.code.clone(),
            state: l.name(s.state.zh(), s.state.as_str()),
            kind: l.name(s.kind.zh(), s.kind.as_str()),
            text: super::public::public_text(s.subject.as_deref().unwrap_or(&s.excerpt), None, 60),
            place: public_place(&org, &s.jurisdiction),
            unit: s
                .lead_unit
                .as_deref()
                .and_then(|u| org.unit(u))
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            deadline: s.deadline.as_ref().map(|t| l.time(t)).unwrap_or_default(),
            warning: s.warning.as_str(),
            received: l.time(&s.received_at),
        })
        .collect();
    let mut tabs = Vec::new();
    let mut tab = |key: &'static str, zh: &'static str, en: &'static str| {
        tabs.push(Tab {
            key,
            label: l.t(zh, en),
            href: format!("/staff?view={key}"),
            active: view == key,
        })
    };
    tab("mine", "我经手的", "Mine");
    if unit.is_some() {
        tab("unit", "本单位承办", "My unit");
    }
    if !handler {
        tab("area", "辖区全部", "My jurisdiction");
        tab("new", "待受理/待派单", "To screen / dispatch");
    }
    tab("yellow", "黄灯预警", "Yellow");
    tab("red", "红灯超期", "Red (overdue)");
    let mut states = vec![Choice {
        value: String::new(),
        label: l.t("全部状态", "All states").into(),
        selected: f.state.is_none(),
    }];
    states.extend(ReqState::ALL.iter().map(|s| Choice {
        value: s.as_str().into(),
        label: l.name(s.zh(), s.as_str()),
        selected: f.state == Some(*s),
    }));
    let pages = ((listed.total as u32).div_ceil(QUEUE_PAGE_SIZE)).max(1);
    let page = f.page;
    let link = |n: u32| p.with_param("page", &n.to_string());
    Ok(render(&QueuePage {
        tabs,
        states,
        q: f.q.clone().unwrap_or_default(),
        rows,
        total: listed.total,
        page,
        pages,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        view,
        me,
        p,
    })?
    .into_response())
}

// ---- counter intake -----------------------------------------------------------------

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

fn intake_page(
    app: &AppState,
    p: Page,
    me: Staff,
    values: Map<String, Value>,
    error: Option<ApiError>,
) -> IntakePage {
    let org = app.org();
    let l = p.lang;
    let val = |k: &str| {
        values
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let channel = {
        let c = val("channel");
        if c.is_empty() {
            if me.actor.role == Some(Role::GridWorker) {
                "grid_patrol".into()
            } else {
                "walk_in".into()
            }
        } else {
            c
        }
    };
    let kind = val("type");
    let place = {
        let j = val("jurisdiction");
        if j.is_empty() {
            me.actor.scope.clone()
        } else {
            j
        }
    };
    IntakePage {
        channels: DESK_CHANNELS
            .iter()
            .map(|c| Choice {
                value: c.as_str().into(),
                label: l.name(c.zh(), c.as_str()),
                selected: c.as_str() == channel,
            })
            .collect(),
        types: RequestType::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().into(),
                label: l.name(t.zh(), t.as_str()),
                selected: t.as_str() == kind || (kind.is_empty() && *t == RequestType::Help),
            })
            .collect(),
        places: org
            .jurisdictions()
            .filter(|j| org.within(&j.code, &me.actor.scope))
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
        error: error.map(|e| if l.is_en() { e.en } else { e.zh }),
        values: Echo(values),
        me,
        p,
    }
}

async fn intake_form(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
) -> Result<Response, PageError> {
    if matches!(me.actor.role, Some(Role::UnitHandler | Role::Auditor)) {
        return Err(forbidden(
            "您的角色不能登记诉求",
            "your role cannot register requests",
        ));
    }
    Ok(render(&intake_page(&app, p, me, Map::new(), None))?.into_response())
}

async fn intake(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let mut body = Map::new();
    for key in [
        "content",
        "subject",
        "type",
        "channel",
        "jurisdiction",
        "address",
        "category",
        "urgency",
    ] {
        if let Some(v) = form.get(key) {
            body.insert(key.into(), Value::String(v.into()));
        }
    }
    let echo = {
        let mut e = body.clone();
        for key in ["name", "phone"] {
            if let Some(v) = form.get(key) {
                e.insert(key.into(), Value::String(v.into()));
            }
        }
        e
    };
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
        Ok((
            status,
            render(&intake_page(
                &app,
                p.clone(),
                me.clone(),
                echo.clone(),
                Some(e),
            ))?,
        )
            .into_response())
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
    Ok(see_other(&format!(
        "/staff/requests/{}?new=1",
        done.request.id
    )))
}

// ---- hints: category, unit, duplicates -------------------------------------------------

pub struct Suggestion {
    pub category: String,
    pub confidence: u32,
}

pub struct Duplicate {
    pub id: i64,
    pub code: String,
    pub text: String,
    pub similarity: u32,
    pub state: String,
}

#[derive(Template)]
#[template(path = "staff/hints.html")]
struct HintsFragment {
    p: Page,
    categories: Vec<Suggestion>,
    unit: String,
    duplicates: Vec<Duplicate>,
    merge_from: Option<i64>,
    csrf: String,
}

/// Suggested categories (with confidences) from the deployment's classifier.
pub fn suggest_categories(app: &AppState, subject: Option<&str>, text: &str) -> Vec<Suggestion> {
    minhu_app::text::suggest::suggest_categories(app, subject, text)
        .into_iter()
        .map(|s| Suggestion {
            category: s.category,
            confidence: s.confidence,
        })
        .collect()
}

/// Open requests of the same community whose text is close to `text`, as the hints show them.
pub async fn find_duplicates(
    app: &AppState,
    jurisdiction: &str,
    text: &str,
    except: Option<i64>,
    l: Lang,
) -> Result<Vec<Duplicate>, ApiError> {
    let found =
        minhu_app::text::duplicates::find_duplicates(app, jurisdiction, text, except).await?;
    Ok(found
        .into_iter()
        .map(|c| Duplicate {
            id: c.id,
            code: c.code,
            text: super::public::public_text(&c.content, None, 60),
            similarity: c.similarity,
            state: ReqState::parse(&c.state)
                .map(|s| l.name(s.zh(), s.as_str()))
                .unwrap_or(c.state),
        })
        .collect())
}

async fn hints(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let text = q.get("content").map(|s| s.trim()).unwrap_or("");
    let place = q
        .get("jurisdiction")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .unwrap_or(&me.actor.scope)
        .to_string();
    let org = app.org();
    if org.jurisdiction(&place).is_none() || !org.within(&place, &me.actor.scope) {
        return Err(forbidden(
            "辖区不在您的管辖范围内",
            "that jurisdiction is outside your scope",
        ));
    }
    let (categories, duplicates) = if text.chars().count() >= 4 {
        (
            suggest_categories(&app, None, text),
            find_duplicates(&app, &place, text, None, p.lang).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let unit = catalogue_unit(
        &app,
        categories.first().map(|c| c.category.as_str()),
        &place,
    )
    .map(|u| unit_label(&u))
    .unwrap_or_default();
    let csrf = p.csrf.clone();
    Ok(render(&HintsFragment {
        p,
        categories,
        unit,
        duplicates,
        merge_from: None,
        csrf,
    })?
    .into_response())
}

/// A unit as the hints show it: name and code.
fn unit_label(u: &Unit) -> String {
    format!("{}（{}）", u.name, u.code)
}

// ---- the request page ------------------------------------------------------------------

pub struct TimelineRow {
    pub at: String,
    pub action: String,
    pub who: String,
    pub detail: String,
}

pub struct ActionForm {
    pub action: &'static str,
    pub label: String,
    pub fields: Vec<FieldView>,
}

pub struct FieldView {
    pub name: &'static str,
    pub label: String,
    pub kind: &'static str,
    pub required: bool,
    pub options: Vec<Choice>,
    pub value: String,
}

pub struct PhotoView {
    pub href: String,
    pub gps: String,
}

#[derive(Template)]
#[template(path = "staff/request.html")]
struct RequestPage {
    p: Page,
    me: Staff,
    id: i64,
    code: String,
    state: String,
    state_code: &'static str,
    warning: &'static str,
    channel: String,
    kind: String,
    category: String,
    content: String,
    subject: String,
    place: String,
    name: String,
    phone: String,
    address: String,
    revealed: bool,
    may_reveal: bool,
    confidential: bool,
    tier: String,
    unit: String,
    co_units: String,
    deadline: String,
    received: String,
    reply: String,
    public_reply: String,
    satisfaction: String,
    merged_into: Option<i64>,
    timeline: Vec<TimelineRow>,
    actions: Vec<ActionForm>,
    categories: Vec<Suggestion>,
    suggested_unit: String,
    duplicates: Vec<Duplicate>,
    photos: Vec<PhotoView>,
    created: bool,
    done: Option<String>,
}

fn action_label(l: Lang, action: &str) -> String {
    let zh = match action {
        "register" => "登记",
        "accept" => "受理",
        "answer" => "直接答复",
        "reject" => "不予受理",
        "dispatch" => "派单",
        "sign" => "签收",
        "request_return" => "申请退回",
        "decide_return" => "审批退回",
        "progress" => "记录进展",
        "request_extension" => "申请延期",
        "decide_extension" => "审批延期",
        "suspend" => "挂起",
        "resume" => "恢复办理",
        "escalate" => "上报上级",
        "urge" => "催办",
        "supervise" => "督办",
        "reply" => "答复",
        "review" => "审核答复",
        "callback" => "回访",
        "reopen" => "重新办理",
        "close" => "办结",
        "archive" => "归档",
        "merge" => "合并到",
        "transfer" => "转办",
        "add_co_units" => "增加协办单位",
        "whistle" => "吹哨报到",
        "arrive" => "报到",
        "warn" => "预警",
        "rate" => "群众评价",
        "categorise" => "设置/更正类别",
        other => other,
    };
    l.name(zh, action)
}

/// The fields each action's form asks for: (name, zh, en, kind, required).
fn action_fields(
    action: &str,
) -> &'static [(&'static str, &'static str, &'static str, &'static str, bool)] {
    match action {
        "accept" | "urge" | "supervise" | "close" => &[("note", "备注", "Note", "text", false)],
        "answer" => &[("reply", "答复内容", "Reply", "area", true)],
        "reject" => &[
            ("reason_code", "不予受理原因", "Reason", "reason", true),
            ("note", "说明", "Note", "text", false),
            ("referral", "引导渠道", "Referred to", "text", false),
        ],
        "dispatch" => &[
            ("unit", "承办单位", "Unit", "unit", true),
            (
                "co_units",
                "协办单位（代码，逗号分隔）",
                "Co-units (codes)",
                "text",
                false,
            ),
            ("difficulty", "难易程度", "Difficulty", "difficulty", false),
            ("urgency", "紧急程度", "Urgency", "urgency", false),
        ],
        "request_return" | "suspend" | "escalate" | "reopen" => {
            &[("reason", "理由", "Reason", "area", true)]
        }
        "decide_return" => &[
            ("approve", "同意退回", "Approve", "bool", true),
            ("note", "说明", "Note", "text", false),
        ],
        "progress" => &[("note", "进展情况", "Progress", "area", true)],
        "request_extension" => &[
            ("days", "延期工作日", "Working days", "int", true),
            ("reason", "理由", "Reason", "area", true),
        ],
        "decide_extension" => &[("approve", "同意延期", "Approve", "bool", true)],
        "reply" => &[
            (
                "public_reply",
                "公开答复（上墙）",
                "Public reply",
                "area",
                true,
            ),
            ("account", "内部办理情况", "Internal account", "area", true),
            ("measures", "整改措施", "Measures", "area", false),
            ("solved", "已解决", "Solved", "bool", true),
        ],
        "review" => &[
            ("pass", "审核通过", "Passed", "bool", true),
            ("note", "意见", "Note", "text", false),
        ],
        "callback" => &[
            ("reached", "联系上诉求人", "Reached", "bool", true),
            (
                "satisfaction",
                "满意度",
                "Satisfaction",
                "satisfaction",
                false,
            ),
            (
                "contacted",
                "承办单位曾联系",
                "Unit contacted them",
                "bool",
                false,
            ),
            ("solved", "问题已解决", "Solved", "bool", false),
            ("note", "回访记录", "Notes", "text", false),
        ],
        "categorise" => &[("category", "类别", "Category", "text", true)],
        "merge" => &[(
            "into",
            "合并到（工单编号）",
            "Into (request id)",
            "int",
            true,
        )],
        "transfer" => &[
            ("unit", "转至单位", "To unit", "unit", true),
            ("reason", "理由", "Reason", "text", true),
        ],
        "add_co_units" | "whistle" => &[
            (
                "units",
                "单位（代码，逗号分隔）",
                "Units (codes)",
                "text",
                true,
            ),
            ("note", "说明", "Note", "text", false),
        ],
        _ => &[],
    }
}

fn options_for(kind: &str, l: Lang, org: &Org) -> Vec<Choice> {
    let c = |v: &str, label: String| Choice {
        value: v.into(),
        label,
        selected: false,
    };
    match kind {
        "bool" => vec![
            c("true", l.t("是", "yes").into()),
            c("false", l.t("否", "no").into()),
        ],
        "difficulty" => std::iter::once(c("", "-".into()))
            .chain(
                Difficulty::ALL
                    .iter()
                    .map(|d| c(d.as_str(), l.name(d.zh(), d.as_str()))),
            )
            .collect(),
        "urgency" => std::iter::once(c("", "-".into()))
            .chain(
                Urgency::ALL
                    .iter()
                    .map(|d| c(d.as_str(), l.name(d.zh(), d.as_str()))),
            )
            .collect(),
        "satisfaction" => std::iter::once(c("", "-".into()))
            .chain(
                Satisfaction::ALL
                    .iter()
                    .map(|d| c(d.as_str(), l.name(d.zh(), d.as_str()))),
            )
            .collect(),
        "reason" => minhu_domain::request::NOT_ACCEPTED_REASONS
            .iter()
            .map(|(n, zh, en)| c(&n.to_string(), format!("{n}. {}", l.t(zh, en))))
            .collect(),
        "unit" => org
            .units()
            .map(|u| c(&u.code, format!("{}（{}）", u.name, u.code)))
            .collect(),
        _ => Vec::new(),
    }
}

/// A posted action form as the JSON object [`Command::parse`] reads.
fn command_body(action: &str, form: &super::FormData) -> Value {
    let mut obj = Map::new();
    for (name, _, _, kind, _) in action_fields(action) {
        let value = match *kind {
            "int" | "reason" => form.get(name).map(|v| match v.parse::<i64>() {
                Ok(n) => json!(n),
                Err(_) => json!(v),
            }),
            "bool" => form
                .get(name)
                .map(|v| json!(matches!(v, "true" | "on" | "1"))),
            _ if *name == "units" || *name == "co_units" => {
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

async fn request_page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let org = app.org();
    let l = p.lang;
    let (req, events) = app
        .store
        .load_request(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !relation(&me.actor, &req, &org).sees {
        return Err(ApiError::not_found().into());
    }
    let allowed = may_reveal(&me.actor, &req, &org);
    let revealed = q.contains_key("reveal");
    if revealed {
        reveal_personal(&app, &me.actor, &req, q.get("purpose").map(String::as_str)).await?;
    }
    let i = &req.intake;
    let pick = |v: &Option<String>, mask: fn(&str) -> String| -> String {
        match v {
            Some(x) if revealed => x.clone(),
            Some(x) => mask(x),
            None => String::new(),
        }
    };
    let now = app.now();
    let calendar = app.calendar();
    let sla = app.sla();
    let ctx = Ctx {
        now,
        org: &org,
        calendar: &calendar,
        sla: &sla,
        merge_target: None,
    };
    let open_for_merge = matches!(req.state, ReqState::Registered | ReqState::PendingDispatch);
    let categories = if open_for_merge || i.category.is_none() {
        suggest_categories(&app, i.subject.as_deref(), &i.content)
    } else {
        Vec::new()
    };
    // The classifier's top category stands in for a missing one; predicted once per page.
    let category = i
        .category
        .clone()
        .or_else(|| categories.first().map(|c| c.category.clone()));
    let catalogue = if open_for_merge {
        catalogue_unit(&app, category.as_deref(), &i.jurisdiction)
    } else {
        None
    };
    let actions = offered_actions(&req, &me.actor, &ctx)
        .into_iter()
        .map(|action| ActionForm {
            action,
            label: action_label(l, action),
            fields: action_fields(action)
                .iter()
                .map(|(name, zh, en, kind, required)| FieldView {
                    name,
                    label: l.t(zh, en).into(),
                    kind,
                    required: *required,
                    options: options_for(kind, l, &org),
                    value: match (action, *name) {
                        ("dispatch", "unit") => catalogue
                            .as_ref()
                            .map(|u| u.code.clone())
                            .unwrap_or_default(),
                        ("categorise", "category") => category.clone().unwrap_or_default(),
                        _ => String::new(),
                    },
                })
                .collect(),
        })
        .collect();
    let duplicates = if open_for_merge {
        find_duplicates(&app, &i.jurisdiction, &i.content, Some(req.id), l).await?
    } else {
        Vec::new()
    };
    let suggested_unit = catalogue.as_ref().map(unit_label).unwrap_or_default();
    let photos = app
        .store
        .attachments_of(req.id)
        .await?
        .into_iter()
        .map(|a| PhotoView {
            href: format!("/staff/requests/{}/photos/{}", req.id, a.hash),
            gps: match (a.exif_lat, a.exif_lon) {
                (Some(la), Some(lo)) => format!("{la:.5}, {lo:.5}"),
                _ => String::new(),
            },
        })
        .collect();
    let timeline = events
        .iter()
        .map(|e| TimelineRow {
            at: l.time(&e.at),
            action: action_label(l, e.data.action()),
            who: e.actor.clone(),
            detail: event_detail(&e.data.fields(), &org),
        })
        .collect();
    let page = RequestPage {
        id: req.id,
        code: i.code.clone(),
        state: l.name(req.state.zh(), req.state.as_str()),
        state_code: req.state.as_str(),
        warning: req.warning(now).as_str(),
        channel: l.name(i.channel.zh(), i.channel.as_str()),
        kind: l.name(i.kind.zh(), i.kind.as_str()),
        category: i.category.clone().unwrap_or_default(),
        content: i.content.clone(),
        subject: i.subject.clone().unwrap_or_default(),
        place: org
            .jurisdiction(&i.jurisdiction)
            .map(|j| j.name.clone())
            .unwrap_or_default(),
        name: pick(&i.requester.name, mask_name),
        phone: pick(&i.requester.phone, mask_phone),
        address: pick(&i.address, mask_address),
        revealed,
        may_reveal: allowed,
        confidential: i.confidential,
        tier: req.tier.as_str().into(),
        unit: req
            .lead_unit
            .as_deref()
            .and_then(|u| org.unit(u))
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        co_units: req
            .co_units
            .iter()
            .filter_map(|c| org.unit(c))
            .map(|u| u.name.clone())
            .collect::<Vec<_>>()
            .join("、"),
        deadline: l.time_opt(&req.deadline),
        received: l.time(&i.received_at),
        reply: req
            .reply
            .as_ref()
            .map(|r| r.account.clone())
            .unwrap_or_default(),
        public_reply: req
            .reply
            .as_ref()
            .map(|r| r.public_reply.clone())
            .unwrap_or_default(),
        satisfaction: req
            .callback
            .as_ref()
            .and_then(|c| c.satisfaction)
            .map(|s| l.name(s.zh(), s.as_str()))
            .unwrap_or_default(),
        merged_into: req.merged_into,
        timeline,
        actions,
        categories,
        suggested_unit,
        duplicates,
        photos,
        created: q.contains_key("new"),
        done: q
            .get("done")
            .filter(|a| ACTIONS.contains(&a.as_str()))
            .map(|a| action_label(l, a)),
        me,
        p,
    };
    Ok(render(&page)?.into_response())
}

/// A readable line of an event's fields (unit codes as names; internal ids left out).
fn event_detail(fields: &Value, org: &Org) -> String {
    let Some(obj) = fields.as_object() else {
        return String::new();
    };
    obj.iter()
        .filter(|(k, v)| {
            !v.is_null() && !matches!(k.as_str(), "deadline" | "yellow_at" | "sla_version")
        })
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => org
                    .unit(s)
                    .map(|u| u.name.clone())
                    .unwrap_or_else(|| s.clone()),
                Value::Array(a) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|s| {
                        org.unit(s)
                            .map(|u| u.name.clone())
                            .unwrap_or_else(|| s.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join("、"),
                other => other.to_string(),
            };
            format!("{k}: {text}")
        })
        .collect::<Vec<_>>()
        .join("；")
}

async fn act(
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

async fn photo(
    State(app): State<AppState>,
    me: Staff,
    Path((id, hash)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let org = app.org();
    let (req, _) = app
        .store
        .load_request(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !relation(&me.actor, &req, &org).sees {
        return Err(ApiError::not_found().into());
    }
    let (mime, bytes) = app
        .store
        .attachment_bytes(id, &hash)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, max-age=3600".into()),
        ],
        bytes,
    )
        .into_response())
}
