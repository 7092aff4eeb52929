//! The suggestion box (议事征集箱) over JSON: boxes, openings, suggestions and their triage
//! (`minhu_app::suggestion`). Authors are shown masked here too: a staff list is no place
//! to read a resident's phone.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use minhu_app::suggestion::{self as app_box, BoxView, SuggestionView, TriageOutcome};
use minhu_domain::suggestion::{
    NewBox, NewOpening, NewSuggestion, NewTriage, Opening, Suggestion, SuggestionBox,
};
use minhu_domain::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::de::Checked;
use super::topic::{TopicBody, TopicDetail, new_topic, topic_detail};
use super::{id_of, wrong_type};
use crate::auth::Authed;
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/communities/{code}/boxes", get(boxes).post(add_box))
        .route("/api/v1/boxes/{id}", get(show_box))
        .route("/api/v1/boxes/{id}/openings", post(record_opening))
        .route(
            "/api/v1/communities/{code}/suggestions",
            get(inbox).post(submit),
        )
        .route("/api/v1/suggestions/{id}", get(show))
        .route("/api/v1/suggestions/{id}/triage", post(triage))
}

pub fn operations() -> Vec<super::doc::Operation> {
    use super::doc::{Shape::List, Shape::One, name, op, params};
    vec![
        op("get", "/api/v1/communities/{code}/boxes").ok("200", List(name::<BoxItem>)),
        op("post", "/api/v1/communities/{code}/boxes")
            .body(One(name::<BoxBody>))
            .ok("201", One(name::<BoxItem>)),
        op("get", "/api/v1/boxes/{id}").ok("200", One(name::<BoxDetail>)),
        op("post", "/api/v1/boxes/{id}/openings")
            .body(One(name::<OpeningBody>))
            .ok("201", One(name::<OpeningItem>)),
        op("get", "/api/v1/communities/{code}/suggestions")
            .query(params::<InboxQuery>)
            .ok("200", List(name::<SuggestionItem>)),
        op("post", "/api/v1/communities/{code}/suggestions")
            .body(One(name::<SuggestionBody>))
            .ok("201", One(name::<SuggestionItem>)),
        op("get", "/api/v1/suggestions/{id}").ok("200", One(name::<SuggestionDetail>)),
        op("post", "/api/v1/suggestions/{id}/triage")
            .body(One(name::<TriageBody>))
            .ok("200", One(name::<TriageResult>)),
    ]
}

pub fn schemas(b: utoipa::openapi::ComponentsBuilder) -> utoipa::openapi::ComponentsBuilder {
    b.schema_from::<BoxBody>()
        .schema_from::<BoxItem>()
        .schema_from::<BoxDetail>()
        .schema_from::<OpeningBody>()
        .schema_from::<OpeningItem>()
        .schema_from::<SuggestionBody>()
        .schema_from::<SuggestionItem>()
        .schema_from::<SuggestionDetail>()
        .schema_from::<TriageBody>()
        .schema_from::<TriageResult>()
}

// ---- bodies -------------------------------------------------------------------------------

/// `POST /api/v1/communities/{code}/boxes`: a box and where it hangs.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct BoxBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub name: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub location: String,
}

/// A suggestion box.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BoxItem {
    pub id: i64,
    pub community: String,
    pub name: String,
    pub location: String,
    pub created_at: String,
}

/// `POST /api/v1/boxes/{id}/openings`: who opened it (two different people), when, what
/// was found.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct OpeningBody {
    /// RFC 3339 with offset; absent for now.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub opened_at: Checked<chrono::DateTime<chrono::FixedOffset>>,
    /// Exactly two different names.
    #[serde(default, deserialize_with = "super::de::texts")]
    pub openers: Vec<String>,
    #[serde(default)]
    #[schema(value_type = i64)]
    pub slips: Checked<i64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub note: String,
}

/// An opening of a box.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OpeningItem {
    pub id: i64,
    pub box_id: i64,
    pub opened_at: String,
    pub openers: Vec<String>,
    pub slips: i64,
    pub note: String,
    pub recorded_by: String,
}

/// An opening with the suggestions recorded from it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OpeningWithSlips {
    #[serde(flatten)]
    pub opening: OpeningItem,
    pub suggestions: Vec<SuggestionItem>,
}

/// A box with its openings (the 开箱记录).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BoxDetail {
    #[serde(flatten)]
    pub suggestion_box: BoxItem,
    pub openings: Vec<OpeningWithSlips>,
}

/// `POST /api/v1/communities/{code}/suggestions`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SuggestionBody {
    /// `box` (with `opening_id`), `web`, `grid`, `counter`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub source: String,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub opening_id: Checked<i64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub text: String,
    /// True to keep no name or phone (then no notice is ever sent).
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub anonymous: Checked<bool>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub author_name: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub author_phone: String,
}

/// `GET /api/v1/communities/{code}/suggestions`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// `received` for the triage inbox; any state code; absent for all.
    pub state: Option<String>,
}

/// A suggestion, its author masked.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SuggestionItem {
    pub id: i64,
    pub community: String,
    pub source: String,
    pub source_label: String,
    pub opening_id: Option<i64>,
    pub text: String,
    pub anonymous: bool,
    /// Masked (surname only).
    pub author_name: Option<String>,
    /// Masked (138****5678).
    pub author_phone: Option<String>,
    /// `received`, `merged`, `became_topic`, `answered_direct`, `request`, `rejected`.
    pub state: String,
    pub state_label: String,
    pub merged_into: Option<i64>,
    pub topic_id: Option<i64>,
    pub answer: Option<String>,
    pub request_id: Option<i64>,
    /// The tracking code of the request it became.
    pub request_code: Option<String>,
    pub reason: Option<String>,
    pub received_at: String,
}

/// An event of a suggestion's log.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SuggestionEventItem {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A suggestion with its log and its photos' hashes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SuggestionDetail {
    #[serde(flatten)]
    pub suggestion: SuggestionItem,
    pub events: Vec<SuggestionEventItem>,
    pub photos: Vec<String>,
}

/// `POST /api/v1/suggestions/{id}/triage`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TriageBody {
    /// `topic`, `answer`, `request`, `merge`, `reject`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub outcome: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub answer: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub reason: String,
    /// For `merge`: the suggestion it joins.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub into: Checked<i64>,
    /// For `topic`: an existing open topic to join …
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub topic_id: Checked<i64>,
    /// … or a new one.
    #[serde(default)]
    #[schema(value_type = Option<TopicBody>)]
    pub topic: Checked<TopicBody>,
    /// For `request`: the category, if known.
    #[serde(default, deserialize_with = "super::de::text")]
    pub category: String,
}

/// What a triage gave.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TriageResult {
    pub suggestion: SuggestionItem,
    pub topic: Option<TopicDetail>,
}

// ---- views --------------------------------------------------------------------------------

fn box_item(b: SuggestionBox) -> BoxItem {
    BoxItem {
        id: b.id,
        community: b.community,
        name: b.name,
        location: b.location,
        created_at: rfc3339(b.created_at),
    }
}

fn opening_item(o: Opening) -> OpeningItem {
    OpeningItem {
        id: o.id,
        box_id: o.box_id,
        opened_at: rfc3339(o.opened_at),
        openers: o.openers.to_vec(),
        slips: o.slips,
        note: o.note,
        recorded_by: o.recorded_by,
    }
}

pub(crate) fn suggestion_item(s: Suggestion) -> SuggestionItem {
    let (name, phone) = s.author.as_ref().map(|a| a.masked()).unwrap_or_default();
    SuggestionItem {
        id: s.id,
        community: s.community,
        source: s.source.as_str().into(),
        source_label: s.source.zh().into(),
        opening_id: s.opening_id,
        text: s.text,
        anonymous: s.author.is_none(),
        author_name: name,
        author_phone: phone,
        state: s.state.as_str().into(),
        state_label: s.state.zh().into(),
        merged_into: s.outcome.merged_into,
        topic_id: s.outcome.topic_id,
        answer: s.outcome.answer,
        request_id: s.outcome.request_id,
        request_code: s.outcome.request_code,
        reason: s.outcome.reason,
        received_at: rfc3339(s.received_at),
    }
}

fn box_detail(v: BoxView) -> BoxDetail {
    BoxDetail {
        suggestion_box: box_item(v.suggestion_box),
        openings: v
            .openings
            .into_iter()
            .map(|(o, slips)| OpeningWithSlips {
                opening: opening_item(o),
                suggestions: slips.into_iter().map(suggestion_item).collect(),
            })
            .collect(),
    }
}

fn detail(v: SuggestionView) -> SuggestionDetail {
    SuggestionDetail {
        suggestion: suggestion_item(v.suggestion),
        events: v
            .events
            .into_iter()
            .map(|e| SuggestionEventItem {
                seq: e.seq,
                at: rfc3339(e.at),
                actor: e.actor,
                data: serde_json::to_value(&e.data).unwrap_or_default(),
            })
            .collect(),
        photos: v.photos,
    }
}

fn triage_result(o: TriageOutcome) -> TriageResult {
    TriageResult {
        suggestion: suggestion_item(o.suggestion),
        topic: o.topic.map(topic_detail),
    }
}

pub(crate) fn checked<T>(field: &str, v: Checked<T>) -> Result<Option<T>, ApiError> {
    match v {
        Checked::Absent => Ok(None),
        Checked::Given(x) => Ok(Some(x)),
        Checked::Wrong => Err(wrong_type(field)),
    }
}

// ---- handlers -----------------------------------------------------------------------------

async fn boxes(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
) -> Result<Json<Vec<BoxItem>>, ApiError> {
    let list = app_box::boxes(&app, &actor, &code).await?;
    Ok(Json(list.into_iter().map(box_item).collect()))
}

async fn add_box(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<BoxItem>), ApiError> {
    let body: BoxBody = super::typed_body(&headers, body)?;
    let new = NewBox {
        name: body.name,
        location: body.location,
    };
    let b = app_box::add_box(&app, &actor, &code, &new).await?;
    Ok((StatusCode::CREATED, Json(box_item(b))))
}

async fn show_box(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<BoxDetail>, ApiError> {
    let v = app_box::box_view(&app, &actor, id_of(&id)?).await?;
    Ok(Json(box_detail(v)))
}

async fn record_opening(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<OpeningItem>), ApiError> {
    let id = id_of(&id)?;
    let body: OpeningBody = super::typed_body(&headers, body)?;
    let new = NewOpening {
        opened_at: checked("opened_at", body.opened_at)?.map(|t| t.to_utc()),
        openers: body.openers,
        slips: checked("slips", body.slips)?,
        note: body.note,
    };
    let o = app_box::record_opening(&app, &actor, id, &new).await?;
    Ok((StatusCode::CREATED, Json(opening_item(o))))
}

async fn inbox(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> Result<Json<Vec<SuggestionItem>>, ApiError> {
    let list = app_box::inbox(&app, &actor, &code, q.state.as_deref()).await?;
    Ok(Json(list.into_iter().map(suggestion_item).collect()))
}

async fn submit(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<SuggestionItem>), ApiError> {
    let body: SuggestionBody = super::typed_body(&headers, body)?;
    let new = NewSuggestion {
        source: body.source,
        opening_id: checked("opening_id", body.opening_id)?,
        text: body.text,
        anonymous: checked("anonymous", body.anonymous)?.unwrap_or(false),
        author_name: body.author_name,
        author_phone: body.author_phone,
    };
    let s = app_box::submit(&app, Some(&actor), &code, &new, &[]).await?;
    Ok((StatusCode::CREATED, Json(suggestion_item(s))))
}

async fn show(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<SuggestionDetail>, ApiError> {
    let v = app_box::suggestion(&app, &actor, id_of(&id)?).await?;
    Ok(Json(detail(v)))
}

async fn triage(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<TriageResult>, ApiError> {
    let id = id_of(&id)?;
    let body: TriageBody = super::typed_body(&headers, body)?;
    let topic = match body.topic {
        Checked::Absent => None,
        Checked::Wrong => return Err(wrong_type("topic")),
        Checked::Given(t) => Some(new_topic(t).map_err(|e| nest(e, "topic"))?),
    };
    let new = NewTriage {
        outcome: body.outcome,
        answer: body.answer,
        reason: body.reason,
        into: checked("into", body.into)?,
        topic_id: checked("topic_id", body.topic_id)?,
        topic,
        category: Some(body.category),
    };
    let o = app_box::triage(&app, &actor, id, &new).await?;
    Ok(Json(triage_result(o)))
}

fn nest(mut e: ApiError, prefix: &str) -> ApiError {
    if let Some(f) = e.field.take() {
        e.field = Some(format!("{prefix}.{f}"));
    }
    e
}
