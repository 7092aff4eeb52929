//! The staff queue: the person's tabs (what they handled, their unit's, their area's, the
//! requests to screen, the warnings), a state filter and a search, fifty to a page. Every
//! view is bounded by the person's own unit or jurisdiction (`access::queue_bound`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minhu_domain::access::{self, QueueBound};
use minhu_domain::org::{Actor, Org};
use minhu_domain::request::{State as ReqState, Warning};
use minhu_store::{ListFilter, RequestSummary};

use super::super::public::{Choice, public_place, public_text};
use super::super::{Lang, Page, PageError, Staff, code_label, render, t, time};
use crate::AppState;

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

pub(super) async fn queue(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let org = app.org();
    let l = p.lang;
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let view = get("view")
        .unwrap_or(access::default_queue(&me.actor))
        .to_string();
    let mut f = ListFilter {
        now: Some(app.now()),
        page: get("page")
            .and_then(|s| s.parse().ok())
            .filter(|n| (1..=1_000_000).contains(n))
            .unwrap_or(1),
        page_size: QUEUE_PAGE_SIZE,
        q: get("q").map(str::to_string),
        state: get("state").and_then(ReqState::parse),
        ..Default::default()
    };
    narrow(&mut f, &me.actor, &org, &view);
    let listed = app.store.list_requests(&f).await?;
    let rows = listed.items.iter().map(|s| queue_row(l, &org, s)).collect();
    let pages = ((listed.total as u32).div_ceil(QUEUE_PAGE_SIZE)).max(1);
    let page = f.page;
    let link = |n: u32| p.with_param("page", &n.to_string());
    Ok(render(&QueuePage {
        tabs: tabs(l, &me.actor, &org, &view),
        states: state_choices(l, f.state),
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

/// Bounds the filter by the person's scope, then narrows it to the chosen view.
fn narrow(f: &mut ListFilter, actor: &Actor, org: &Org, view: &str) {
    match access::queue_bound(actor, org) {
        QueueBound::Unit(unit) => f.unit = Some(unit),
        QueueBound::Path(path) => f.path_prefix = Some(path),
    }
    let unit = access::acting_unit(actor, org).map(str::to_string);
    match view {
        "unit" => f.unit = unit.or(f.unit.take()),
        "mine" => f.actor = Some(actor.username.clone()),
        "red" => f.warning = Some(Warning::Red),
        "yellow" => f.warning = Some(Warning::Yellow),
        "new" => f.states = vec![ReqState::Registered, ReqState::PendingDispatch],
        _ => {}
    }
}

fn queue_row(l: Lang, org: &Org, s: &RequestSummary) -> QueueRow {
    QueueRow {
        id: s.id,
        code: s.code.clone(),
        state: code_label(l, "state", s.state.as_str()),
        kind: code_label(l, "type", s.kind.as_str()),
        text: public_text(s.subject.as_deref().unwrap_or(&s.excerpt), None, 60),
        place: public_place(org, &s.jurisdiction),
        unit: s
            .lead_unit
            .as_deref()
            .and_then(|u| org.unit(u))
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        deadline: s.deadline.as_ref().map(time).unwrap_or_default(),
        warning: s.warning.as_str(),
        received: time(&s.received_at),
    }
}

/// The person's tabs (`access::queues`), labelled `staff.queue.tab.<view>`.
fn tabs(l: Lang, actor: &Actor, org: &Org, view: &str) -> Vec<Tab> {
    access::queues(actor, org)
        .into_iter()
        .map(|key| Tab {
            key,
            label: t(l, tab_label(key)),
            href: format!("/staff?view={key}"),
            active: view == key,
        })
        .collect()
}

/// The catalogue key of a tab's label.
fn tab_label(view: &str) -> &'static str {
    match view {
        "mine" => "staff.queue.tab.mine",
        "unit" => "staff.queue.tab.unit",
        "area" => "staff.queue.tab.area",
        "new" => "staff.queue.tab.new",
        "yellow" => "staff.queue.tab.yellow",
        _ => "staff.queue.tab.red",
    }
}

fn state_choices(l: Lang, chosen: Option<ReqState>) -> Vec<Choice> {
    let mut states = vec![Choice {
        value: String::new(),
        label: t(l, "staff.queue.all_states").into(),
        selected: chosen.is_none(),
    }];
    states.extend(ReqState::ALL.iter().map(|s| Choice {
        value: s.as_str().into(),
        label: code_label(l, "state", s.as_str()),
        selected: chosen == Some(*s),
    }));
    states
}
