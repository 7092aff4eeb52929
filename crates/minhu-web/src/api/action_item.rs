//! 督办事项 (action items) and 公示 (publications) over HTTP. The handlers read the typed
//! bodies, name the field they refuse, and hand over to `minhu_app::{action_item,
//! publication}`; who may do what is decided there and in the domain (403 wrong role, 404
//! outside scope, 409 wrong state, 422 naming the field).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::{DateTime, Utc};
use minhu_app::action_item::{self as items, ItemRow};
use minhu_app::publication::{self as publications, NewPublication};
use minhu_app::upload::Photo;
use minhu_domain::action_item::{
    ActionItem, Command, Evidence, EvidenceKind, ItemEvent, ItemState, NewItem, Source, SourceKind,
};
use minhu_domain::ids::{ActionItemId, UnitCode};
use minhu_domain::publication::{PublicationKind, Venue};
use minhu_domain::time::{local_date, rfc3339};
use minhu_store::{ItemFilter, PublicationRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::de::Checked;
use crate::auth::Authed;
use crate::error::invalid_key;
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/action-items", get(list).post(create))
        .route("/api/v1/action-items/figures", get(figures))
        .route("/api/v1/action-items/{id}", get(show))
        .route("/api/v1/action-items/{id}/progress", post(progress))
        .route("/api/v1/action-items/{id}/claim-done", post(claim_done))
        .route("/api/v1/action-items/{id}/verify", post(verify))
        .route("/api/v1/action-items/{id}/reopen", post(reopen))
        .route(
            "/api/v1/publications",
            get(publication_list).post(publication_create),
        )
        .route(
            "/api/v1/publications/{id}/withdraw",
            post(publication_withdraw),
        )
}

// ---- bodies -------------------------------------------------------------------------------

/// `POST /api/v1/action-items`: the issuing office is the caller's unit.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct IssueBody {
    /// `council_decision`, `meeting_decision`, `mediation_term` or `grid_duty`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub source_kind: String,
    #[serde(default)]
    #[schema(value_type = i64)]
    pub source_id: Checked<i64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub title: String,
    /// The owner unit's code (主办).
    #[serde(default, deserialize_with = "super::de::text")]
    pub owner: String,
    /// The co-units' codes (协办).
    #[serde(default, deserialize_with = "super::de::texts")]
    pub co_units: Vec<String>,
    /// Working days from now to the due date.
    #[serde(default)]
    #[schema(value_type = u32)]
    pub working_days: Checked<u32>,
    /// The tracking codes of the requests (工单) the item resolves: each readable by the
    /// caller and still open. They keep their own state and SLA.
    #[serde(default, deserialize_with = "super::de::texts")]
    pub requests: Vec<String>,
}

/// A piece of evidence by reference: a file, a request's tracking code, a receipt.
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
pub struct EvidenceBody {
    /// `photo`, `document`, `request` or `receipt`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub kind: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub reference: String,
}

/// A photo sent inline: its file name and its bytes in base64.
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
pub struct PhotoBody {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub data: String,
}

/// The body of a step: `progress` and `claim-done` take a note, evidence and photos;
/// `verify` an optional note; `reopen` a reason and perhaps a fresh limit.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StepBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub note: String,
    #[serde(default)]
    pub evidence: Vec<EvidenceBody>,
    #[serde(default)]
    pub photos: Vec<PhotoBody>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub reason: String,
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub working_days: Checked<u32>,
}

/// `GET /api/v1/action-items`: the register lines the caller may read.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Owned by this unit or helped by it as a co-unit.
    #[serde(default, deserialize_with = "super::de::param")]
    pub owner: Option<String>,
    /// Issued by this unit.
    #[serde(default, deserialize_with = "super::de::param")]
    pub issuer: Option<String>,
    #[serde(default, deserialize_with = "super::de::param")]
    pub state: Option<String>,
    /// `1`: only items past their due date and still pending.
    #[serde(default, deserialize_with = "super::de::param")]
    pub overdue: Option<String>,
    #[serde(default, deserialize_with = "super::de::param")]
    pub source_kind: Option<String>,
    #[serde(default, deserialize_with = "super::de::param")]
    pub source_id: Option<String>,
    /// The moment "overdue" is judged at (RFC 3339); now by default.
    #[serde(default, deserialize_with = "super::de::param")]
    pub at: Option<String>,
}

/// `GET /api/v1/action-items/figures`: per owner unit, the month's action items.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct FiguresQuery {
    /// YYYY-MM: the assessment month of the evaluation policy in force.
    #[serde(default, deserialize_with = "super::de::param")]
    pub month: Option<String>,
}

/// The month's figures per owner unit the caller may read: items issued, verified on time,
/// verified late, still pending past due, in total and by source kind.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ItemFiguresView {
    pub month: String,
    /// The first and last day of the assessment period.
    pub start: String,
    pub end: String,
    /// The moment pending items were judged overdue at (the period's end, or now).
    pub as_of: String,
    /// `{code, name, total, by_source_kind}`; each count `{issued, verified_on_time,
    /// verified_late, overdue_open, overdue, on_time_rate}`.
    #[schema(value_type = Vec<Object>)]
    pub units: Vec<serde_json::Value>,
    #[schema(value_type = Object)]
    pub total: serde_json::Value,
}

/// One line of the 督办 register.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ItemLine {
    pub id: i64,
    pub source_kind: String,
    pub source_id: i64,
    pub title: String,
    pub issued_by: String,
    pub owner: String,
    pub co_units: Vec<String>,
    pub state: String,
    pub state_label: String,
    /// The end of the due day, with its offset.
    pub due: String,
    /// The due day (Asia/Shanghai).
    pub due_date: String,
    pub overdue: bool,
    /// The highest rung of the ladder sent: `urge`, `supervise` or `bulletin`.
    pub oversight: Option<String>,
    pub version: i64,
}

/// An event of an item's log.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ItemEventView {
    pub seq: i64,
    pub action: String,
    pub at: String,
    pub actor: String,
    pub unit: Option<String>,
    /// The step's data (its note, evidence, level, 文号 …).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A request an item resolves, as the item shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LinkedRequest {
    pub id: i64,
    /// The tracking code.
    pub code: String,
    /// The request's subject (its title), or the start of its content.
    pub title: String,
    pub state: String,
    pub state_label: String,
    /// The request's own deadline, with its offset.
    pub deadline: Option<String>,
    /// The staff page of the request.
    pub href: String,
}

/// An item with its history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ItemView {
    #[serde(flatten)]
    pub line: ItemLine,
    /// The requests the item resolves.
    pub requests: Vec<LinkedRequest>,
    pub overdue_working_days: i64,
    /// Every rung sent since the due date was set.
    pub oversight_sent: Vec<String>,
    pub events: Vec<ItemEventView>,
}

/// `POST /api/v1/publications`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PublicationBody {
    /// `meeting_notice`, `decision` or `implementation_result`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub kind: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub subject_kind: String,
    #[serde(default)]
    #[schema(value_type = i64)]
    pub subject_id: Checked<i64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub title: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub body: String,
    /// `online_wall` or `board`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub venue: String,
    /// The board's name, for `board`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub board: String,
    /// The photo of the posted sheet, for `board`.
    #[serde(default)]
    pub board_photo: Option<PhotoBody>,
    /// Where it is shown; the caller's scope by default.
    #[serde(default)]
    pub jurisdiction: Option<String>,
    /// RFC 3339.
    #[serde(default, deserialize_with = "super::de::text")]
    pub from: String,
    /// RFC 3339; at least the kind's minimum period after `from`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub until: String,
}

/// `GET /api/v1/publications`.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PublicationsQuery {
    /// `1`: only what is up now (or at `at`).
    #[serde(default, deserialize_with = "super::de::param")]
    pub showing: Option<String>,
    /// RFC 3339: the moment `showing` is judged at.
    #[serde(default, deserialize_with = "super::de::param")]
    pub at: Option<String>,
}

/// A 公示.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PublicationView {
    pub id: i64,
    pub kind: String,
    pub kind_label: String,
    pub subject_kind: String,
    pub subject_id: i64,
    pub title: String,
    pub body: String,
    pub venue: String,
    pub board: Option<String>,
    pub board_photo: Option<String>,
    pub jurisdiction: String,
    pub from: String,
    pub until: String,
    pub published_by: String,
    pub withdrawn_at: Option<String>,
}

// ---- views --------------------------------------------------------------------------------

pub fn line_of_row(r: &ItemRow, now: DateTime<Utc>) -> ItemLine {
    let state = ItemState::parse(&r.state);
    let pending = matches!(
        state,
        Some(ItemState::Open | ItemState::InProgress | ItemState::Reopened)
    );
    ItemLine {
        id: r.id,
        source_kind: r.source_kind.clone(),
        source_id: r.source_id,
        title: r.title.clone(),
        issued_by: r.issued_by.clone(),
        owner: r.owner.clone(),
        co_units: r.co_unit_list().into_iter().map(str::to_string).collect(),
        state: r.state.clone(),
        state_label: state.map(|s| s.zh().to_string()).unwrap_or_default(),
        due: rfc3339(r.due),
        due_date: local_date(r.due).to_string(),
        overdue: pending && now > r.due,
        oversight: r.oversight.clone(),
        version: r.version,
    }
}

fn view(app: &AppState, item: &ActionItem, events: &[ItemEvent], now: DateTime<Utc>) -> ItemView {
    let source = item.source;
    let due = item.due.unwrap_or_default();
    let top = item.oversight.last().map(|l| l.as_str().to_string());
    ItemView {
        line: ItemLine {
            id: item.id.0,
            source_kind: source
                .map(|s| s.kind.as_str().to_string())
                .unwrap_or_default(),
            source_id: source.map(|s| s.id).unwrap_or_default(),
            title: item.title.clone(),
            issued_by: item.issued_by.to_string(),
            owner: item.owner.to_string(),
            co_units: item.co_units.iter().map(|u| u.to_string()).collect(),
            state: item.state.as_str().to_string(),
            state_label: item.state.zh().to_string(),
            due: rfc3339(due),
            due_date: local_date(due).to_string(),
            overdue: item.is_overdue(now),
            oversight: top,
            version: item.version,
        },
        requests: Vec::new(),
        overdue_working_days: item.overdue_working_days(now, &app.calendar()),
        oversight_sent: item
            .oversight
            .iter()
            .map(|l| l.as_str().to_string())
            .collect(),
        events: events
            .iter()
            .map(|e| ItemEventView {
                seq: e.seq,
                action: e.data.action().to_string(),
                at: rfc3339(e.at),
                actor: e.actor.clone(),
                unit: e.unit.as_ref().map(|u| u.to_string()),
                data: serde_json::to_value(&e.data).unwrap_or_default(),
            })
            .collect(),
    }
}

/// The requests an item resolves, as its views list them.
pub async fn linked_requests(
    app: &AppState,
    item: &ActionItem,
) -> Result<Vec<LinkedRequest>, ApiError> {
    let found = items::links::item_requests(app, item).await?;
    Ok(found
        .iter()
        .map(|(r, _)| {
            let i = &r.intake;
            LinkedRequest {
                id: r.id,
                code: i.code.clone(),
                title: i
                    .subject
                    .clone()
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or_else(|| i.content.chars().take(40).collect()),
                state: r.state.as_str().to_string(),
                state_label: r.state.zh().to_string(),
                deadline: r.deadline.map(rfc3339),
                href: format!("/staff/requests/{}", r.id),
            }
        })
        .collect())
}

/// The item's view with its requests.
async fn full_view(
    app: &AppState,
    item: &ActionItem,
    events: &[ItemEvent],
) -> Result<ItemView, ApiError> {
    let mut v = view(app, item, events, app.now());
    v.requests = linked_requests(app, item).await?;
    Ok(v)
}

fn publication_view(r: PublicationRow) -> PublicationView {
    PublicationView {
        id: r.id,
        kind_label: PublicationKind::parse(&r.kind)
            .map(|k| k.zh().to_string())
            .unwrap_or_default(),
        kind: r.kind,
        subject_kind: r.subject_kind,
        subject_id: r.subject_id,
        title: r.title,
        body: r.body,
        venue: r.venue,
        board: r.board,
        board_photo: r.board_photo,
        jurisdiction: r.jurisdiction,
        from: rfc3339(r.from_at),
        until: rfc3339(r.until_at),
        published_by: r.published_by,
        withdrawn_at: r.withdrawn_at.map(rfc3339),
    }
}

// ---- reading the bodies -------------------------------------------------------------------

fn bad_code(field: &str, key: &str, name: &str, value: &str, codes: &str) -> ApiError {
    invalid_key(
        field,
        "invalid_parameter",
        key,
        &[(name, value), ("codes", codes)],
    )
}

pub(super) fn photos(list: &[PhotoBody], field: &str) -> Result<Vec<Photo>, ApiError> {
    list.iter()
        .map(|p| {
            let label = p.name.clone().unwrap_or_else(|| "photo".into());
            let raw = base64::engine::general_purpose::STANDARD
                .decode(p.data.trim())
                .map_err(|_| {
                    invalid_key(
                        field,
                        "invalid_photo",
                        "governance.action_item.photo_data",
                        &[("name", &label)],
                    )
                })?;
            if raw.len() > items::MAX_PHOTO {
                return Err(minhu_app::upload::too_big(p.name.as_deref())
                    .field(field)
                    .into());
            }
            Ok(minhu_app::upload::clean_photo(p.name.as_deref(), &raw)
                .map_err(|e| e.field(field))?)
        })
        .collect()
}

fn evidence(list: &[EvidenceBody]) -> Result<Vec<Evidence>, ApiError> {
    list.iter()
        .map(|e| {
            let kind = EvidenceKind::parse(e.kind.trim()).ok_or_else(|| {
                bad_code(
                    "evidence",
                    "governance.action_item.bad_evidence_kind",
                    "kind",
                    &e.kind,
                    &EvidenceKind::codes(),
                )
            })?;
            Ok(Evidence {
                kind,
                reference: e.reference.clone(),
            })
        })
        .collect()
}

pub(super) fn instant(field: &str, text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| minhu_domain::time::truncate_ms(t.with_timezone(&Utc)))
        .map_err(|_| {
            invalid_key(
                field,
                "invalid_parameter",
                "governance.bad_instant",
                &[("field", field)],
            )
        })
}

fn whole(field: &str, v: Checked<i64>) -> Result<i64, ApiError> {
    v.given().ok_or_else(|| {
        invalid_key(
            field,
            "required",
            "domain.required.field",
            &[("field", field)],
        )
    })
}

// ---- handlers -----------------------------------------------------------------------------

async fn create(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ItemView>), ApiError> {
    let body: IssueBody = super::typed_body(&headers, body)?;
    let kind = SourceKind::parse(body.source_kind.trim()).ok_or_else(|| {
        bad_code(
            "source_kind",
            "governance.action_item.bad_source_kind",
            "kind",
            &body.source_kind,
            &SourceKind::codes(),
        )
    })?;
    let working_days = body.working_days.given().ok_or_else(|| {
        invalid_key(
            "working_days",
            "required",
            "domain.required.field",
            &[("field", "working_days")],
        )
    })?;
    let new = NewItem {
        source: Source {
            kind,
            id: whole("source_id", body.source_id)?,
        },
        title: body.title,
        owner: UnitCode::new(&body.owner),
        co_units: body.co_units.iter().map(UnitCode::new).collect(),
        working_days,
        requests: items::links::resolve(&app, &actor, &body.requests).await?,
    };
    let (item, events) = items::issue(&app, &actor, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(full_view(&app, &item, &events).await?),
    ))
}

async fn list(
    State(app): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<ItemLine>>, ApiError> {
    let now = match &q.at {
        Some(at) => instant("at", at)?,
        None => app.now(),
    };
    let state = match &q.state {
        None => None,
        Some(s) => Some(ItemState::parse(s).ok_or_else(|| {
            bad_code(
                "state",
                "governance.action_item.bad_state",
                "state",
                s,
                &ItemState::codes(),
            )
        })?),
    };
    let source = match (&q.source_kind, &q.source_id) {
        (Some(k), Some(id)) => Some((
            k.clone(),
            id.parse::<i64>()
                .map_err(|_| invalid_key("source_id", "invalid_parameter", "api.bad_query", &[]))?,
        )),
        _ => None,
    };
    let filter = ItemFilter {
        unit: q.owner.clone(),
        issued_by: q.issuer.clone(),
        state,
        source,
        request: None,
        overdue_at: q
            .overdue
            .as_deref()
            .filter(|v| *v == "1" || *v == "true")
            .map(|_| now),
    };
    let rows = items::list(&app, &actor, &filter).await?;
    Ok(Json(rows.iter().map(|r| line_of_row(r, now)).collect()))
}

async fn show(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<i64>,
) -> Result<Json<ItemView>, ApiError> {
    let (item, events) = items::show(&app, &actor, ActionItemId(id)).await?;
    Ok(Json(full_view(&app, &item, &events).await?))
}

async fn step(
    app: AppState,
    actor: minhu_domain::org::Actor,
    id: i64,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    make: fn(StepBody, Vec<Evidence>) -> Command,
) -> Result<Json<ItemView>, ApiError> {
    let mut body: StepBody = super::typed_body(&headers, body)?;
    let shots = photos(&body.photos, "photos")?;
    let ev = evidence(&body.evidence)?;
    body.photos.clear();
    let command = make(body, ev);
    let (item, events) = items::act(&app, &actor, ActionItemId(id), command, shots).await?;
    Ok(Json(full_view(&app, &item, &events).await?))
}

macro_rules! step_route {
    ($name:ident, $make:expr) => {
        async fn $name(
            State(app): State<AppState>,
            Authed(actor): Authed,
            Path(id): Path<i64>,
            headers: HeaderMap,
            body: Result<Bytes, BytesRejection>,
        ) -> Result<Json<ItemView>, ApiError> {
            step(app, actor, id, headers, body, $make).await
        }
    };
}

step_route!(progress, |b, evidence| Command::Progress {
    note: b.note,
    evidence,
});
step_route!(claim_done, |b, evidence| Command::ClaimDone {
    note: b.note,
    evidence,
});
step_route!(verify, |b, _| Command::Verify {
    note: Some(b.note).filter(|n| !n.trim().is_empty()),
});
step_route!(reopen, |b, _| Command::Reopen {
    reason: b.reason,
    // A limit of the wrong type reads as none: the domain checks the range.
    working_days: b.working_days.given(),
});

async fn publication_list(
    State(app): State<AppState>,
    Authed(_actor): Authed,
    ApiQuery(q): ApiQuery<PublicationsQuery>,
) -> Result<Json<Vec<PublicationView>>, ApiError> {
    let showing = q
        .showing
        .as_deref()
        .is_some_and(|v| v == "1" || v == "true");
    let at = match &q.at {
        Some(at) => instant("at", at)?,
        None => app.now(),
    };
    let rows = publications::list(&app, showing.then_some(at)).await?;
    Ok(Json(rows.into_iter().map(publication_view).collect()))
}

async fn publication_create(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<PublicationView>), ApiError> {
    let body: PublicationBody = super::typed_body(&headers, body)?;
    let kind = PublicationKind::parse(body.kind.trim()).ok_or_else(|| {
        bad_code(
            "kind",
            "governance.publication.bad_kind",
            "kind",
            &body.kind,
            &PublicationKind::codes(),
        )
    })?;
    let venue = match body.venue.trim() {
        "online_wall" => Venue::OnlineWall,
        "board" => Venue::Board {
            board: body.board.clone(),
            photo: None,
        },
        _ => {
            return Err(invalid_key(
                "venue",
                "invalid_parameter",
                "governance.publication.bad_venue",
                &[],
            ));
        }
    };
    let board_photo = photos(body.board_photo.as_slice(), "board_photo")?.pop();
    let new = NewPublication {
        kind,
        subject_kind: body.subject_kind,
        subject_id: whole("subject_id", body.subject_id)?,
        title: body.title,
        body: body.body,
        venue,
        board_photo,
        jurisdiction: body.jurisdiction,
        from: instant("from", &body.from)?,
        until: instant("until", &body.until)?,
    };
    let row = publications::publish(&app, &actor, new).await?;
    Ok((StatusCode::CREATED, Json(publication_view(row))))
}

async fn publication_withdraw(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<i64>,
) -> Result<Json<PublicationView>, ApiError> {
    let row = publications::withdraw(&app, &actor, id).await?;
    Ok(Json(publication_view(row)))
}

/// The steps of the action items tied to request `id`, by time (see `minhu_app::action_item::links`).
pub async fn item_steps(
    app: &AppState,
    id: i64,
) -> Result<Vec<minhu_domain::action_item::steps::ItemStep>, ApiError> {
    let items = minhu_app::action_item::links::request_items(app, id).await?;
    Ok(minhu_domain::action_item::steps::request_steps(&items))
}

async fn figures(
    State(app): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<FiguresQuery>,
) -> Result<Json<ItemFiguresView>, ApiError> {
    let raw = q.month.as_deref().unwrap_or("");
    let month = minhu_ledger::YearMonth::parse(raw).ok_or_else(|| {
        invalid_key(
            "month",
            "invalid_parameter",
            "api.invalid.month",
            &[("month", raw)],
        )
    })?;
    let period = items::figures::period_of(&app, month).await?;
    let counts = items::figures::counts(&app, period).await?;
    let org = app.org();
    let f = minhu_ledger::item_figures(&counts, |code| {
        let unit = org.unit(code)?;
        items::may_read(&actor, &org, code, &[]).then(|| unit.name.clone())
    });
    let v = f.to_json();
    let as_of = app
        .now()
        .min(minhu_domain::time::start_of_local_day(period.end));
    Ok(Json(ItemFiguresView {
        month: month.to_string(),
        start: period.start.to_string(),
        end: period.last().to_string(),
        as_of: rfc3339(as_of),
        units: v["units"].as_array().cloned().unwrap_or_default(),
        total: v["total"].clone(),
    }))
}
