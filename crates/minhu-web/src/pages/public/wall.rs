//! The walls: 问题墙 (requests being handled) and 回音壁 (answered ones), filtered by
//! community and top category, fifty to a page, in the columns of the printed wall.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minhu_domain::org::{Level, Org};
use minhu_domain::request::{Satisfaction, State as ReqState};
use minhu_store::{ListFilter, RequestSummary, WallDetail};

use super::{Choice, public_place, public_text};
use crate::AppState;
use crate::pages::{Lang, Page, PageError, code_label, render, t, time};

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
pub(super) struct WallQuery {
    tab: Option<String>,
    community: Option<String>,
    category: Option<String>,
    page: Option<String>,
}

/// The first level of the category tree, as the walls filter by it: the stored name, and
/// the catalogue key of its label.
const TOP_CATEGORIES: [(&str, &str); 10] = [
    ("市政设施", "wall.top.municipal_facilities"),
    ("环境卫生", "wall.top.sanitation"),
    ("物业管理", "wall.top.property_management"),
    ("市容环境", "wall.top.city_appearance"),
    ("社会治安", "wall.top.public_order"),
    ("交通出行", "wall.top.transport"),
    ("城乡建设", "wall.top.construction"),
    ("供水供电", "wall.top.water_and_power"),
    ("社会保障", "wall.top.social_security"),
    ("便民服务", "wall.top.community_services"),
];

pub const WALL_PAGE_SIZE: u32 = 50;

pub(super) async fn wall(
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
        now: Some(app.now()),
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
    Ok(render(&WallPage {
        answered,
        rows,
        communities: community_choices(p.lang, &org, community),
        categories: category_choices(p.lang, category),
        total: listed.total,
        page,
        pages,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
        p,
    })?
    .into_response())
}

fn community_choices(l: Lang, org: &Org, chosen: Option<&str>) -> Vec<Choice> {
    let mut communities = vec![Choice {
        value: String::new(),
        label: t(l, "wall.all_communities").into(),
        selected: chosen.is_none(),
    }];
    communities.extend(
        org.jurisdictions()
            .filter(|j| j.level == Level::Community)
            .map(|j| Choice {
                value: j.code.clone(),
                label: j.name.clone(),
                selected: chosen == Some(j.code.as_str()),
            }),
    );
    communities
}

fn category_choices(l: Lang, chosen: Option<&str>) -> Vec<Choice> {
    let mut categories = vec![Choice {
        value: String::new(),
        label: t(l, "wall.all_categories").into(),
        selected: chosen.is_none(),
    }];
    categories.extend(TOP_CATEGORIES.iter().map(|(name, key)| Choice {
        value: name.to_string(),
        label: t(l, key).to_string(),
        selected: chosen == Some(*name),
    }));
    categories
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
    let state = code_label(l, "state", s.state.as_str());
    let progress = match d.and_then(|d| d.progress.as_deref()) {
        Some(note) if s.state.is_open() => format!("{state}：{}", public_text(note, name, 60)),
        _ => state,
    };
    WallRow {
        code: s.code.clone(),
        channel: code_label(l, "channel", s.channel.as_str()),
        content: public_text(text, name, 80),
        place: public_place(org, &s.jurisdiction),
        measures: d
            .and_then(|d| d.measures.as_deref().or(d.public_reply.as_deref()))
            .map(|m| public_text(m, name, 120))
            .unwrap_or_default(),
        unit,
        deadline: s.deadline.as_ref().map(time).unwrap_or_default(),
        progress,
        satisfaction: d
            .and_then(|d| d.satisfaction.as_deref())
            .and_then(Satisfaction::parse)
            .map(|x| code_label(l, "satisfaction", x.as_str()))
            .unwrap_or_default(),
        warning: s.warning.as_str(),
    }
}
