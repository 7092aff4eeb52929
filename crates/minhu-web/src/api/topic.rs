//! The council's topics (议题) over JSON, and the topic ledger (议题台账) as xlsx:
//! `minhu_app::topic`. Proposers are shown masked; the ledger masks them too.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use minhu_app::topic::{self as app_topic, TopicView};
use minhu_domain::privacy;
use minhu_domain::text::{self, Lang};
use minhu_domain::time::rfc3339;
use minhu_domain::topic::{NewTopic, Topic, TopicEventData};
use minhu_ledger::{Cell, Column, Kind, Table};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::de::Checked;
use super::suggestion::{SuggestionItem, checked, suggestion_item};
use super::{id_of, wrong_type};
use crate::api::ledger::{Format, file};
use crate::auth::Authed;
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/communities/{code}/topics",
            get(topics).post(create),
        )
        .route("/api/v1/communities/{code}/topics.xlsx", get(ledger))
        .route("/api/v1/topics/{id}", get(show))
        .route("/api/v1/topics/{id}/steps", post(step))
}

pub fn operations() -> Vec<super::doc::Operation> {
    use super::doc::{Shape::List, Shape::One, name, op};
    vec![
        op("get", "/api/v1/communities/{code}/topics").ok("200", List(name::<TopicItem>)),
        op("post", "/api/v1/communities/{code}/topics")
            .body(One(name::<TopicBody>))
            .ok("201", One(name::<TopicDetail>)),
        op("get", "/api/v1/topics/{id}").ok("200", One(name::<TopicDetail>)),
        op("post", "/api/v1/topics/{id}/steps")
            .body(One(name::<StepBody>))
            .ok("200", One(name::<TopicDetail>)),
    ]
}

pub fn schemas(b: utoipa::openapi::ComponentsBuilder) -> utoipa::openapi::ComponentsBuilder {
    b.schema_from::<TopicBody>()
        .schema_from::<StakeholderBody>()
        .schema_from::<TopicItem>()
        .schema_from::<TopicDetail>()
        .schema_from::<StepBody>()
}

/// A stakeholder by reference to the people register.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StakeholderBody {
    /// `building` or `household`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub kind: String,
    #[serde(default)]
    #[schema(value_type = i64)]
    pub id: Checked<i64>,
}

/// A new topic: the 议题申报表's fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TopicBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub title: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub facts: String,
    /// Who signs the 申报表.
    #[serde(default, deserialize_with = "super::de::text")]
    pub proposer_name: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub proposer_phone: String,
    /// The procedure's code (the council's procedures define them).
    #[serde(default, deserialize_with = "super::de::text")]
    pub procedure: String,
    #[serde(default)]
    pub stakeholders: Vec<StakeholderBody>,
    #[serde(default)]
    #[schema(value_type = Vec<i64>)]
    pub origin_requests: Checked<Vec<i64>>,
}

/// `POST /api/v1/topics/{id}/steps`: `screen`, `schedule`, `decide` (with `adopted`),
/// `withdraw` (with the reason in `note`).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StepBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub action: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub note: String,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub adopted: Checked<bool>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub sitting_id: Checked<i64>,
}

/// A topic, its proposer masked.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TopicItem {
    pub id: i64,
    pub community: String,
    pub title: String,
    pub facts: String,
    /// Masked (surname only).
    pub proposer_name: String,
    pub procedure: String,
    /// `building:12`, `household:34` with what a staff page prints of it.
    pub stakeholders: Vec<String>,
    pub origin_requests: Vec<i64>,
    pub suggestions: Vec<i64>,
    /// `draft`, `screened`, `scheduled`, `decided`, `not_adopted`, `withdrawn`.
    pub state: String,
    pub state_label: String,
    pub created_at: String,
}

/// A topic with its log and origin suggestions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TopicDetail {
    #[serde(flatten)]
    pub topic: TopicItem,
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<serde_json::Value>,
    pub origin: Vec<SuggestionItem>,
}

pub(crate) fn new_topic(b: TopicBody) -> Result<NewTopic, ApiError> {
    let mut stakeholders = Vec::with_capacity(b.stakeholders.len());
    for s in b.stakeholders {
        let id = checked("stakeholders", s.id)?.ok_or_else(|| wrong_type("stakeholders"))?;
        stakeholders.push((s.kind, id));
    }
    Ok(NewTopic {
        title: b.title,
        facts: b.facts,
        proposer_name: b.proposer_name,
        proposer_phone: b.proposer_phone,
        procedure: b.procedure,
        stakeholders,
        origin_requests: checked("origin_requests", b.origin_requests)?.unwrap_or_default(),
    })
}

pub(crate) fn topic_item(t: Topic) -> TopicItem {
    TopicItem {
        id: t.id,
        community: t.community,
        title: t.title,
        facts: t.facts,
        proposer_name: privacy::mask_name(&t.proposer_name),
        procedure: t.procedure,
        stakeholders: t
            .stakeholders
            .iter()
            .map(|s| {
                let room = s.room.as_deref().unwrap_or_default();
                format!("{}:{} {}{room}", s.kind.as_str(), s.id, s.building)
            })
            .collect(),
        origin_requests: t.origin_requests,
        suggestions: t.suggestions,
        state: t.state.as_str().into(),
        state_label: t.state.zh().into(),
        created_at: rfc3339(t.created_at),
    }
}

pub(crate) fn topic_detail(t: Topic) -> TopicDetail {
    TopicDetail {
        topic: topic_item(t),
        events: Vec::new(),
        origin: Vec::new(),
    }
}

fn view_detail(v: TopicView) -> TopicDetail {
    let events = v
        .events
        .iter()
        .map(|e| {
            serde_json::json!({"seq": e.seq, "at": rfc3339(e.at), "actor": e.actor,
                               "data": serde_json::to_value(&e.data).unwrap_or_default()})
        })
        .collect();
    TopicDetail {
        topic: topic_item(v.topic),
        events,
        origin: v.suggestions.into_iter().map(suggestion_item).collect(),
    }
}

async fn topics(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
) -> Result<Json<Vec<TopicItem>>, ApiError> {
    let list = app_topic::topics(&app, &actor, &code).await?;
    Ok(Json(list.into_iter().map(topic_item).collect()))
}

async fn create(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<TopicDetail>), ApiError> {
    let body: TopicBody = super::typed_body(&headers, body)?;
    let t = app_topic::create(&app, &actor, &code, &new_topic(body)?).await?;
    Ok((StatusCode::CREATED, Json(topic_detail(t))))
}

async fn show(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<TopicDetail>, ApiError> {
    let v = app_topic::topic(&app, &actor, id_of(&id)?).await?;
    Ok(Json(view_detail(v)))
}

async fn step(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<TopicDetail>, ApiError> {
    let id = id_of(&id)?;
    let b: StepBody = super::typed_body(&headers, body)?;
    let adopted = checked("adopted", b.adopted)?;
    let sitting = checked("sitting_id", b.sitting_id)?;
    app_topic::step(&app, &actor, id, &b.action, &b.note, adopted, sitting).await?;
    let v = app_topic::topic(&app, &actor, id).await?;
    Ok(Json(view_detail(v)))
}

/// The topic ledger (议题台账) of a community, as xlsx: the proposer masked (a default
/// export shows no personal field), the sitting and the decision from the topic's log.
async fn ledger(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let topics = app_topic::topics(&app, &actor, &code).await?;
    let mut rows = Vec::with_capacity(topics.len());
    for t in topics {
        let events = app.store.topic_events(t.id).await?;
        rows.push(ledger_row(t, &events));
    }
    let zh = |k: &'static str| text::get(k, Lang::Zh);
    let community = app
        .org()
        .jurisdiction(&code)
        .map(|j| j.name.clone())
        .unwrap_or_default();
    let col = |key: &'static str, width: f64, kind: Kind| Column {
        header: zh(key),
        width,
        kind,
    };
    let table = Table {
        name: zh("suggestion.page.ledger").into(),
        title: Some(format!("{community}{}", zh("suggestion.page.ledger"))),
        columns: vec![
            col("suggestion.page.topic_no", 8.0, Kind::Int),
            col("suggestion.page.title", 30.0, Kind::Text),
            col("suggestion.page.origin", 20.0, Kind::Text),
            col("suggestion.page.proposer", 10.0, Kind::Text),
            col("suggestion.page.state", 12.0, Kind::Text),
            col("suggestion.page.sittings", 14.0, Kind::Text),
            col("suggestion.page.decision", 14.0, Kind::Text),
        ],
        rows,
    };
    let stem = format!("topics-{code}");
    Ok(file(
        crate::api::ledger::xlsx(&[table])?,
        &stem,
        Format::Xlsx,
    ))
}

fn ledger_row(t: Topic, events: &[minhu_domain::topic::TopicEvent]) -> Vec<Cell> {
    let zh = |k: &'static str| text::get(k, Lang::Zh);
    let mut origin: Vec<String> = t
        .suggestions
        .iter()
        .map(|s| format!("{}{s}", zh("suggestion.page.suggestion_no")))
        .collect();
    origin.extend(
        t.origin_requests
            .iter()
            .map(|r| format!("{}{r}", zh("suggestion.page.request_no"))),
    );
    let mut sittings = Vec::new();
    let mut decision = String::new();
    for e in events {
        match &e.data {
            TopicEventData::Schedule {
                sitting_id: Some(s),
            } => sittings.push(s.to_string()),
            TopicEventData::Decide { adopted, .. } => {
                decision = zh(if *adopted {
                    "suggestion.page.adopted"
                } else {
                    "suggestion.page.not_adopted"
                })
                .into();
            }
            _ => {}
        }
    }
    let opt = |s: String| {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    };
    vec![
        Cell::Int(t.id),
        Cell::Text(t.title),
        opt(origin.join("、")),
        Cell::Text(privacy::mask_name(&t.proposer_name)),
        Cell::Text(t.state.zh().into()),
        opt(sittings.join("、")),
        opt(decision),
    ]
}
