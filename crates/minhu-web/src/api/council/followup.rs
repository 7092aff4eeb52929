//! After the sitting, over JSON: a decision's 公示, its items and requests, its progress
//! timeline, the result's publication, the 评议会 and the referral to the joint meeting —
//! `minhu_app::council::followup` behind typed bodies.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use minhu_app::council::followup::{
    self as app_followup, NewDecisionItem, NewDecisionPublication, NewDecisionRequest, Progress,
    ProgressPublication,
};
use minhu_domain::council::followup::NewEvaluation;
use minhu_domain::time::rfc3339;
use minhu_store::PublicationRow;
use minhu_store::council::followup::EvaluationRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::ComponentsBuilder;

use super::super::action_item::{PhotoBody, instant, photos};
use super::super::de::Checked;
use super::super::doc::{Operation, Shape, name, op};
use super::{id_of, optional};
use crate::auth::Authed;
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/council-decisions/{id}/publications", post(publish))
        .route("/api/v1/council-decisions/{id}/items", post(issue))
        .route("/api/v1/council-decisions/{id}/progress", get(progress))
        .route("/api/v1/council-decisions/{id}/result", post(result))
        .route("/api/v1/council-decisions/{id}/evaluation", post(evaluate))
        .route("/api/v1/council-decisions/{id}/referral", post(refer))
}

pub fn operations() -> Vec<Operation> {
    use Shape::{List, One};
    vec![
        op("post", "/api/v1/council-decisions/{id}/publications")
            .body(One(name::<DecisionPublicationBody>))
            .ok("201", List(name::<DecisionPublicationView>)),
        op("post", "/api/v1/council-decisions/{id}/items")
            .body(One(name::<DecisionItemBody>))
            .ok("201", One(name::<IssuedItemView>)),
        op("get", "/api/v1/council-decisions/{id}/progress").ok("200", One(name::<ProgressView>)),
        op("post", "/api/v1/council-decisions/{id}/result")
            .body(One(name::<DecisionPublicationBody>))
            .ok("201", List(name::<DecisionPublicationView>)),
        op("post", "/api/v1/council-decisions/{id}/evaluation")
            .body(One(name::<EvaluationBody>))
            .ok("201", One(name::<EvaluationView>)),
        op("post", "/api/v1/council-decisions/{id}/referral")
            .body(One(name::<ReferralBody>))
            .ok("201", One(name::<ReferralView>)),
    ]
}

pub fn schemas(b: ComponentsBuilder) -> ComponentsBuilder {
    b.schema_from::<DecisionPublicationBody>()
        .schema_from::<DecisionPublicationView>()
        .schema_from::<DecisionRequestBody>()
        .schema_from::<DecisionItemBody>()
        .schema_from::<IssuedItemView>()
        .schema_from::<ProgressStepView>()
        .schema_from::<ProgressItemView>()
        .schema_from::<ProgressRequestView>()
        .schema_from::<ProgressView>()
        .schema_from::<EvaluationBody>()
        .schema_from::<EvaluationView>()
        .schema_from::<ReferralBody>()
        .schema_from::<ReferralView>()
}

// ---- bodies -----------------------------------------------------------------------------------

/// `POST …/publications` (决议公示) and `…/result` (实施结果公示): the online wall and/or a
/// board with the photo of the posted sheet, from `from` (now by default) until `until`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DecisionPublicationBody {
    #[serde(default, deserialize_with = "super::super::de::text")]
    pub title: String,
    /// The text shown; the decision's text by default.
    #[serde(default, deserialize_with = "super::super::de::text")]
    pub body: String,
    #[serde(default)]
    pub online_wall: bool,
    /// The board's name (德馨苑东门公示栏).
    #[serde(default)]
    pub board: Option<String>,
    #[serde(default)]
    pub board_photo: Option<PhotoBody>,
    /// RFC 3339.
    #[serde(default)]
    pub from: Option<String>,
    /// RFC 3339; at least the kind's minimum period (7 days) after `from`.
    #[serde(default, deserialize_with = "super::super::de::text")]
    pub until: String,
}

/// One publication of a decision (one per venue).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionPublicationView {
    pub id: i64,
    /// `decision` or `implementation_result`.
    pub kind: String,
    /// `online_wall` or `board`.
    pub venue: String,
    pub board: Option<String>,
    /// The attachment hash of the board's photo.
    pub board_photo: Option<String>,
    pub title: String,
    pub body: String,
    pub from: String,
    pub until: String,
    pub withdrawn: bool,
}

/// The request an item raises through intake.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DecisionRequestBody {
    #[serde(default, deserialize_with = "super::super::de::text")]
    pub content: String,
    #[serde(default)]
    pub category: Option<String>,
}

/// `POST …/items`: an action item of the decision (owner unit, working days), perhaps
/// with a request raised for it.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DecisionItemBody {
    #[serde(default, deserialize_with = "super::super::de::text")]
    pub title: String,
    #[serde(default, deserialize_with = "super::super::de::text")]
    pub owner: String,
    #[serde(default)]
    pub co_units: Vec<String>,
    #[serde(default)]
    #[schema(value_type = i64)]
    pub working_days: Checked<i64>,
    #[serde(default)]
    pub request: Option<DecisionRequestBody>,
}

/// The item issued and the request raised for it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IssuedItemView {
    pub item_id: i64,
    pub title: String,
    pub owner: String,
    pub state: String,
    pub due: Option<String>,
    pub request_id: Option<i64>,
    pub request_code: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProgressStepView {
    /// `issue`, `progress`, `claim_done`, `verify`, `reopen`, `oversee`.
    pub action: String,
    pub at: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProgressItemView {
    pub id: i64,
    pub title: String,
    pub owner: String,
    pub owner_name: String,
    pub state: String,
    pub state_label: String,
    pub due: String,
    pub requests: Vec<i64>,
    pub steps: Vec<ProgressStepView>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProgressRequestView {
    pub n: i64,
    pub code: String,
    pub item_id: Option<i64>,
    pub state: String,
    pub state_label: String,
}

/// `GET …/progress`: the decision's timeline and its figure (verified items / items).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProgressView {
    pub decision_id: i64,
    pub community: String,
    pub sitting_id: i64,
    pub topic_id: Option<i64>,
    pub text: String,
    pub passed: bool,
    pub recorded_at: String,
    pub publications: Vec<DecisionPublicationView>,
    pub items: Vec<ProgressItemView>,
    pub requests: Vec<ProgressRequestView>,
    pub verified: usize,
    pub total: usize,
    pub percent: u32,
    pub result_published: bool,
    pub evaluation: Option<EvaluationView>,
}

/// `POST …/evaluation`: the 评议会's result.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct EvaluationBody {
    #[serde(default)]
    #[schema(value_type = i64)]
    pub sitting_id: Checked<i64>,
    #[serde(default)]
    #[schema(value_type = i64)]
    pub participants: Checked<i64>,
    /// 满意.
    #[serde(default)]
    #[schema(value_type = i64)]
    pub satisfied: Checked<i64>,
    /// 基本满意.
    #[serde(default)]
    #[schema(value_type = i64)]
    pub basically_satisfied: Checked<i64>,
    /// 不满意.
    #[serde(default)]
    #[schema(value_type = i64)]
    pub dissatisfied: Checked<i64>,
    #[serde(default, deserialize_with = "super::super::de::text")]
    pub note: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EvaluationView {
    pub sitting_id: Option<i64>,
    pub participants: u64,
    pub satisfied: u64,
    pub basically_satisfied: u64,
    pub dissatisfied: u64,
    pub note: String,
    /// 满意 + 基本满意 over those who answered, whole percent.
    pub satisfaction: Option<u32>,
}

/// `POST …/referral`: to a joint body's candidate queue.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReferralBody {
    #[serde(default)]
    #[schema(value_type = i64)]
    pub body_id: Checked<i64>,
    #[serde(default, deserialize_with = "super::super::de::text")]
    pub title: String,
    #[serde(default, deserialize_with = "super::super::de::text")]
    pub reason: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReferralView {
    pub candidate_id: i64,
    pub body_id: i64,
    /// `council_decision`.
    pub kind: String,
    pub ref_id: i64,
    pub requests: Vec<i64>,
    pub state: String,
}

// ---- mapping ----------------------------------------------------------------------------------

fn publication_view(p: ProgressPublication) -> DecisionPublicationView {
    DecisionPublicationView {
        id: p.id,
        kind: p.kind,
        venue: p.venue,
        board: p.board,
        board_photo: p.board_photo,
        title: p.title,
        body: p.body,
        from: rfc3339(p.from),
        until: rfc3339(p.until),
        withdrawn: p.withdrawn,
    }
}

fn evaluation_view(e: minhu_domain::council::followup::Evaluation) -> EvaluationView {
    EvaluationView {
        satisfaction: e.satisfaction_percent(),
        sitting_id: e.sitting_id,
        participants: e.participants,
        satisfied: e.satisfied,
        basically_satisfied: e.basically_satisfied,
        dissatisfied: e.dissatisfied,
        note: e.note,
    }
}

/// The view of a progress timeline (staff or public: the app decides what it holds).
pub fn progress_view(p: Progress) -> ProgressView {
    ProgressView {
        decision_id: p.decision_id,
        community: p.community,
        sitting_id: p.sitting_id,
        topic_id: p.topic_id,
        text: p.text,
        passed: p.passed,
        recorded_at: rfc3339(p.recorded_at),
        publications: p.publications.into_iter().map(publication_view).collect(),
        items: p
            .items
            .into_iter()
            .map(|i| ProgressItemView {
                id: i.id,
                title: i.title,
                owner: i.owner,
                owner_name: i.owner_name,
                state: i.state,
                state_label: i.state_label,
                due: rfc3339(i.due),
                requests: i.requests,
                steps: i
                    .steps
                    .into_iter()
                    .map(|s| ProgressStepView {
                        action: s.action,
                        at: rfc3339(s.at),
                        note: s.note,
                    })
                    .collect(),
            })
            .collect(),
        requests: p
            .requests
            .into_iter()
            .map(|r| ProgressRequestView {
                n: r.n,
                code: r.code,
                item_id: r.item_id,
                state: r.state,
                state_label: r.state_label,
            })
            .collect(),
        verified: p.verified,
        total: p.total,
        percent: p.percent,
        result_published: p.result_published,
        evaluation: p.evaluation.map(evaluation_view),
    }
}

fn publication_of(body: DecisionPublicationBody) -> Result<NewDecisionPublication, ApiError> {
    let board_photo = photos(body.board_photo.as_slice(), "board_photo")?.pop();
    let from = match body
        .from
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        Some(f) => Some(instant("from", f)?),
        None => None,
    };
    let until = if body.until.trim().is_empty() {
        None
    } else {
        Some(instant("until", &body.until)?)
    };
    Ok(NewDecisionPublication {
        title: body.title,
        body: body.body,
        online_wall: body.online_wall,
        board: body.board,
        board_photo,
        from,
        until,
    })
}

// ---- handlers ---------------------------------------------------------------------------------

type Created<T> = Result<(StatusCode, Json<T>), ApiError>;

async fn publish(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Created<Vec<DecisionPublicationView>> {
    let (id, new) = publication_request(&id, &headers, body)?;
    let rows = app_followup::publish(&app, &actor, id, new).await?;
    Ok(publications_created(rows))
}

async fn result(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Created<Vec<DecisionPublicationView>> {
    let (id, new) = publication_request(&id, &headers, body)?;
    let rows = app_followup::publish_result(&app, &actor, id, new).await?;
    Ok(publications_created(rows))
}

/// The decision id and the 公示 asked for, of `…/publications` and `…/result` alike.
fn publication_request(
    id: &str,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(i64, NewDecisionPublication), ApiError> {
    let id = id_of(id)?;
    let body: DecisionPublicationBody = super::super::typed_body(headers, body)?;
    Ok((id, publication_of(body)?))
}

fn publications_created(
    rows: Vec<PublicationRow>,
) -> (StatusCode, Json<Vec<DecisionPublicationView>>) {
    (
        StatusCode::CREATED,
        Json(
            rows.into_iter()
                .map(|r| publication_view(ProgressPublication::of(r, None)))
                .collect(),
        ),
    )
}

async fn issue(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Created<IssuedItemView> {
    let id = id_of(&id)?;
    let body: DecisionItemBody = super::super::typed_body(&headers, body)?;
    let days = optional("working_days", body.working_days)?.unwrap_or(0);
    let new = NewDecisionItem {
        title: body.title,
        owner: body.owner,
        co_units: body.co_units,
        working_days: u32::try_from(days).unwrap_or(0),
        request: body.request.map(|r| NewDecisionRequest {
            content: r.content,
            category: r.category,
        }),
    };
    let out = app_followup::issue_item(&app, &actor, id, new).await?;
    let (request_id, request_code) = match out.request {
        Some((r, c)) => (Some(r), Some(c)),
        None => (None, None),
    };
    Ok((
        StatusCode::CREATED,
        Json(IssuedItemView {
            item_id: out.item.id.0,
            title: out.item.title,
            owner: out.item.owner.as_str().to_string(),
            state: out.item.state.as_str().to_string(),
            due: out.item.due.map(rfc3339),
            request_id,
            request_code,
        }),
    ))
}

async fn progress(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<ProgressView>, ApiError> {
    let p = app_followup::progress(&app, &actor, id_of(&id)?).await?;
    Ok(Json(progress_view(p)))
}

async fn evaluate(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Created<EvaluationView> {
    let id = id_of(&id)?;
    let body: EvaluationBody = super::super::typed_body(&headers, body)?;
    let new = NewEvaluation {
        sitting_id: optional("sitting_id", body.sitting_id)?,
        participants: optional("participants", body.participants)?,
        satisfied: optional("satisfied", body.satisfied)?,
        basically_satisfied: optional("basically_satisfied", body.basically_satisfied)?,
        dissatisfied: optional("dissatisfied", body.dissatisfied)?,
        note: body.note,
    };
    let e: EvaluationRow = app_followup::evaluate(&app, &actor, id, &new).await?;
    Ok((StatusCode::CREATED, Json(evaluation_view(e.evaluation))))
}

async fn refer(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Created<ReferralView> {
    let id = id_of(&id)?;
    let body: ReferralBody = super::super::typed_body(&headers, body)?;
    let body_id = optional("body_id", body.body_id)?.ok_or_else(|| {
        crate::error::invalid_key(
            "body_id",
            "required",
            "domain.required.field",
            &[("field", "body_id")],
        )
    })?;
    let c = app_followup::refer(&app, &actor, id, body_id, &body.title, &body.reason).await?;
    Ok((
        StatusCode::CREATED,
        Json(ReferralView {
            candidate_id: c.id,
            body_id: c.body_id,
            kind: c.kind.as_str().to_string(),
            ref_id: c.ref_id,
            requests: c.requests,
            state: c.state.as_str().to_string(),
        }),
    ))
}
