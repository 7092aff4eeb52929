//! The grid's base ledger (网格基础台账) over JSON: buildings, households with their
//! residents (masked by tier; `POST …/reveal` with a purpose shows the staff fields and is
//! logged), audited edits, care tags (sensitive: shown only to a reader holding the grant,
//! each read logged), posts, places, and the `sensitive` grant. The rules are
//! `minhu_domain::access::register`; the use cases `minhu_app::grid_ledger`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use minhu_app::grid_ledger::{self as use_case, HouseholdRecord, HouseholdSummary};
use minhu_domain::grid_ledger::{
    Building, CareTag, CareTagDraft, GridPost, HouseholdDraft, Place, PlaceDraft, PostDraft,
    ResidentDraft,
};
use minhu_domain::ids::{BuildingId, HouseholdId, ResidentId};
use minhu_store::grid_ledger::HouseholdQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::de::Checked;
use crate::auth::Authed;
use crate::error::invalid_key;
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/grids/{code}/buildings", get(buildings))
        .route("/api/v1/grids/{code}/households", get(households))
        .route("/api/v1/grids/{code}/posts", get(posts).post(add_post))
        .route("/api/v1/grids/{code}/places", get(places).post(add_place))
        .route(
            "/api/v1/households/{id}",
            get(household).patch(edit_household),
        )
        .route("/api/v1/households/{id}/reveal", post(reveal))
        .route("/api/v1/residents/{id}", patch(edit_resident))
        .route("/api/v1/residents/{id}/care-tags", post(add_care_tag))
        .route("/api/v1/care-tags/{id}/end", post(end_care_tag))
        .route("/api/v1/posts/{id}/end", post(end_post))
        .route(
            "/api/v1/users/{username}/grants/sensitive",
            put(grant).delete(revoke),
        )
}

/// The operations of this module for the OpenAPI check (`api::doc`).
pub fn operations() -> Vec<super::doc::Operation> {
    use super::doc::{Shape::List, Shape::One, name, op, params};
    vec![
        op("get", "/api/v1/grids/{code}/buildings").ok("200", List(name::<BuildingItem>)),
        op("get", "/api/v1/grids/{code}/households")
            .query(params::<HouseholdsQuery>)
            .ok("200", One(name::<HouseholdPage>)),
        op("get", "/api/v1/grids/{code}/posts")
            .query(params::<PostsQuery>)
            .ok("200", List(name::<PostItem>)),
        op("post", "/api/v1/grids/{code}/posts")
            .body(One(name::<PostBody>))
            .ok("201", One(name::<super::Created>)),
        op("get", "/api/v1/grids/{code}/places").ok("200", List(name::<PlaceItem>)),
        op("post", "/api/v1/grids/{code}/places")
            .body(One(name::<PlaceBody>))
            .ok("201", One(name::<super::Created>)),
        op("get", "/api/v1/households/{id}").ok("200", One(name::<HouseholdDetail>)),
        op("patch", "/api/v1/households/{id}")
            .body(One(name::<HouseholdPatch>))
            .ok("200", One(name::<HouseholdDetail>)),
        op("post", "/api/v1/households/{id}/reveal")
            .body(One(name::<RevealBody>))
            .ok("200", One(name::<HouseholdDetail>)),
        op("patch", "/api/v1/residents/{id}")
            .body(One(name::<ResidentPatch>))
            .ok("200", One(name::<HouseholdDetail>)),
        op("post", "/api/v1/residents/{id}/care-tags")
            .body(One(name::<CareTagBody>))
            .ok("201", One(name::<super::Created>)),
        op("post", "/api/v1/care-tags/{id}/end").ok("200", One(name::<EndedItem>)),
        op("post", "/api/v1/posts/{id}/end")
            .body(One(name::<EndBody>))
            .ok("200", One(name::<EndedItem>)),
        op("put", "/api/v1/users/{username}/grants/sensitive").ok("200", One(name::<GrantItem>)),
        op("delete", "/api/v1/users/{username}/grants/sensitive").ok("200", One(name::<GrantItem>)),
    ]
}

/// The component schemas of this module's bodies.
pub fn schemas(b: utoipa::openapi::ComponentsBuilder) -> utoipa::openapi::ComponentsBuilder {
    b.schema_from::<BuildingItem>()
        .schema_from::<HouseholdPage>()
        .schema_from::<HouseholdDetail>()
        .schema_from::<HouseholdPatch>()
        .schema_from::<ResidentPatch>()
        .schema_from::<RevealBody>()
        .schema_from::<CareTagBody>()
        .schema_from::<PostItem>()
        .schema_from::<PostBody>()
        .schema_from::<PlaceItem>()
        .schema_from::<PlaceBody>()
        .schema_from::<EndBody>()
        .schema_from::<EndedItem>()
        .schema_from::<GrantItem>()
}

// ---- bodies -------------------------------------------------------------------------------

/// A building of the grid.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BuildingItem {
    pub id: i64,
    pub number: String,
    pub name: String,
    pub address: String,
    pub floors: Option<i64>,
    /// `occupied`, `vacant` or `demolished`.
    pub state: String,
}

impl From<Building> for BuildingItem {
    fn from(b: Building) -> Self {
        BuildingItem {
            id: b.id.0,
            number: b.number,
            name: b.name,
            address: b.address,
            floors: b.floors,
            state: b.state.as_str().into(),
        }
    }
}

/// `GET /api/v1/grids/{code}/households`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdsQuery {
    /// A building id of the grid.
    pub building: Option<String>,
    /// Part of a room or building number.
    pub q: Option<String>,
    /// From 1.
    pub page: Option<String>,
    /// 1–500, default 50.
    pub per_page: Option<String>,
}

/// A household; `room`, `head_name` and `head_phone` are masked unless `revealed`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HouseholdItem {
    pub id: i64,
    pub grid: String,
    pub building_id: i64,
    pub building: String,
    pub building_name: String,
    pub unit: Option<String>,
    pub room: String,
    pub head_name: String,
    pub head_phone: String,
    pub revealed: bool,
    pub size: Option<i64>,
    /// `owner`, `rented`, `vacant` or `public_rental`.
    pub tenure: String,
    pub state: String,
    /// RFC 3339, +08:00.
    pub last_visit_at: Option<String>,
}

impl From<HouseholdSummary> for HouseholdItem {
    fn from(s: HouseholdSummary) -> Self {
        let h = s.listing.household;
        HouseholdItem {
            id: h.id.0,
            grid: h.grid,
            building_id: h.building_id.0,
            building: s.listing.building_number,
            building_name: s.listing.building_name,
            unit: s.listing.unit_number,
            room: s.view.room,
            head_name: s.view.head_name,
            head_phone: s.view.head_phone,
            revealed: s.view.revealed,
            size: h.size,
            tenure: h.tenure.as_str().into(),
            state: h.state.as_str().into(),
            last_visit_at: h.last_visit_at.map(minhu_domain::time::rfc3339),
        }
    }
}

/// A page of households (never with a sensitive field).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HouseholdPage {
    pub items: Vec<HouseholdItem>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A care tag (sensitive: only in answers to a reader holding the grant).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CareTagItem {
    pub id: i64,
    pub kind: String,
    pub kind_label: String,
    pub basis: String,
    pub cadence_days: u32,
    pub helper: String,
    pub since: Option<String>,
    pub until: Option<String>,
    pub state: String,
}

impl From<CareTag> for CareTagItem {
    fn from(t: CareTag) -> Self {
        CareTagItem {
            id: t.id,
            kind: t.kind.as_str().into(),
            kind_label: t.kind.zh().into(),
            basis: t.basis,
            cadence_days: t.cadence_days,
            helper: t.helper,
            since: t.since.map(|d| d.to_string()),
            until: t.until.map(|d| d.to_string()),
            state: t.state.as_str().into(),
        }
    }
}

/// A resident: `name` and `phone` masked unless `revealed`, `birth_year` only when
/// revealed; `id_number` and `care_tags` are absent without the sensitive grant.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ResidentItem {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub relation: String,
    pub state: String,
    pub revealed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care_tags: Option<Vec<CareTagItem>>,
}

/// A household with its residents.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HouseholdDetail {
    pub household: HouseholdItem,
    pub residents: Vec<ResidentItem>,
    /// Whether ID numbers and care tags are shown (the reader holds the grant).
    pub sensitive: bool,
}

impl From<HouseholdRecord> for HouseholdDetail {
    fn from(r: HouseholdRecord) -> Self {
        let residents = r
            .residents
            .into_iter()
            .map(|e| ResidentItem {
                id: e.resident.id.0,
                name: e.view.name,
                phone: e.view.phone,
                birth_year: e.view.birth_year,
                gender: e.resident.gender.map(|g| g.as_str().to_string()),
                relation: e.resident.relation,
                state: e.resident.state.as_str().into(),
                revealed: e.view.revealed,
                id_number: e.view.id_number,
                care_tags: e
                    .view
                    .care_tags
                    .map(|t| t.into_iter().map(CareTagItem::from).collect()),
            })
            .collect();
        HouseholdDetail {
            household: r.household.into(),
            residents,
            sensitive: r.sensitive,
        }
    }
}

/// `POST /api/v1/households/{id}/reveal`: why the staff fields are needed (logged).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct RevealBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub purpose: String,
}

/// `PATCH /api/v1/households/{id}`: the fields given are set.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct HouseholdPatch {
    pub room: Option<String>,
    pub head_name: Option<String>,
    pub head_phone: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub size: Checked<i64>,
    pub tenure: Option<String>,
    /// `YYYY-MM-DD`, or "" to clear.
    pub tenancy_from: Option<String>,
    pub tenancy_until: Option<String>,
    pub state: Option<String>,
}

/// `PATCH /api/v1/residents/{id}`: the fields given are set.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ResidentPatch {
    pub name: Option<String>,
    pub phone: Option<String>,
    /// 18 characters with a valid check digit (needs no grant to write, one to read).
    pub id_number: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub birth_year: Checked<i64>,
    pub gender: Option<String>,
    pub relation: Option<String>,
    pub residence: Option<String>,
    pub occupation: Option<String>,
    pub state: Option<String>,
}

/// `POST /api/v1/residents/{id}/care-tags`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CareTagBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub kind: String,
    /// Not allowed for `key_person`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub basis: String,
    /// Default: the kind's cadence.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub cadence_days: Checked<i64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub helper: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub since: String,
}

/// `GET /api/v1/grids/{code}/posts`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PostsQuery {
    /// `all` to include ended posts.
    pub state: Option<String>,
}

/// A post of the grid (public: shown on the grid's board).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PostItem {
    pub id: i64,
    pub post: String,
    pub post_label: String,
    pub person_name: String,
    pub username: Option<String>,
    pub building_id: Option<i64>,
    pub armband_no: String,
    pub board_phone: String,
    pub since: String,
    pub until: Option<String>,
    pub state: String,
}

impl From<GridPost> for PostItem {
    fn from(p: GridPost) -> Self {
        PostItem {
            id: p.id,
            post: p.post.as_str().into(),
            post_label: p.post.zh().into(),
            person_name: p.person_name,
            username: p.username,
            building_id: p.building_id.map(|b| b.0),
            armband_no: p.armband_no,
            board_phone: p.board_phone,
            since: p.since.to_string(),
            until: p.until.map(|d| d.to_string()),
            state: p.state.as_str().into(),
        }
    }
}

/// `POST /api/v1/grids/{code}/posts`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PostBody {
    /// `grid_head`, `full_time`, `part_time`, `building_head` or `unit_head`.
    #[serde(default, deserialize_with = "super::de::text")]
    pub post: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub person_name: String,
    pub username: Option<String>,
    pub building_id: Option<i64>,
    #[serde(default, deserialize_with = "super::de::text")]
    pub armband_no: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub board_phone: String,
    /// `YYYY-MM-DD`; default today.
    #[serde(default, deserialize_with = "super::de::text")]
    pub since: String,
}

/// A place of the grid; its contact is masked.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlaceItem {
    pub id: i64,
    pub kind: String,
    pub kind_label: String,
    pub name: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub risk_level: String,
    pub state: String,
}

impl From<Place> for PlaceItem {
    fn from(p: Place) -> Self {
        PlaceItem {
            id: p.id,
            kind: p.kind.as_str().into(),
            kind_label: p.kind.zh().into(),
            name: p.name,
            address: p.address,
            contact_name: p.contact_name,
            contact_phone: p.contact_phone,
            risk_level: p.risk_level.as_str().into(),
            state: p.state.as_str().into(),
        }
    }
}

/// `POST /api/v1/grids/{code}/places`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PlaceBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub kind: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub name: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub address: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub contact_name: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub contact_phone: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub risk_level: String,
}

/// `POST /api/v1/posts/{id}/end`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct EndBody {
    /// `YYYY-MM-DD`; default today.
    #[serde(default, deserialize_with = "super::de::text")]
    pub until: String,
}

/// A care tag or post ended.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EndedItem {
    pub id: i64,
    pub state: String,
}

/// The `sensitive` grant of a user after a change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GrantItem {
    pub username: String,
    pub grant: String,
    /// Whether the user holds it now.
    pub held: bool,
    /// Whether this call changed it.
    pub changed: bool,
}

// ---- handlers -----------------------------------------------------------------------------

/// A path id: a positive number, else "not found".
fn path_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(ApiError::not_found)
}

/// A whole-number query parameter, or a 422 naming it.
fn number_param(field: &str, raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    raw.parse::<i64>().map(Some).map_err(|_| {
        invalid_key(
            field,
            "invalid_parameter",
            "grid_ledger.invalid.range",
            &[
                ("field", field),
                ("min", "1"),
                ("max", "9223372036854775807"),
            ],
        )
    })
}

/// A number field of a body that must be a number when given (422 naming it otherwise).
fn checked_number(field: &str, v: Checked<i64>) -> Result<Option<i64>, ApiError> {
    match v {
        Checked::Absent => Ok(None),
        Checked::Given(n) => Ok(Some(n)),
        Checked::Wrong => Err(invalid_key(
            field,
            "invalid_parameter",
            "grid_ledger.invalid.range",
            &[("field", field), ("min", "1"), ("max", "366")],
        )),
    }
}

async fn buildings(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
) -> Result<Json<Vec<BuildingItem>>, ApiError> {
    let list = use_case::buildings(&app, &actor, &code).await?;
    Ok(Json(list.into_iter().map(BuildingItem::from).collect()))
}

async fn households(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<HouseholdsQuery>,
) -> Result<Json<HouseholdPage>, ApiError> {
    let query = HouseholdQuery {
        grid: code,
        building: number_param("building", q.building.as_deref())?.map(BuildingId),
        q: q.q.filter(|s| !s.trim().is_empty()),
        page: number_param("page", q.page.as_deref())?.unwrap_or(1),
        per_page: number_param("per_page", q.per_page.as_deref())?.unwrap_or(50),
    };
    let page = use_case::households(&app, &actor, &query).await?;
    Ok(Json(HouseholdPage {
        items: page.items.into_iter().map(HouseholdItem::from).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

async fn household(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<HouseholdDetail>, ApiError> {
    let id = HouseholdId(path_id(&id)?);
    Ok(Json(use_case::household(&app, &actor, id).await?.into()))
}

async fn reveal(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<HouseholdDetail>, ApiError> {
    let id = HouseholdId(path_id(&id)?);
    let body: RevealBody = super::typed_body(&headers, body)?;
    let record = use_case::reveal_household(&app, &actor, id, &body.purpose).await?;
    Ok(Json(record.into()))
}

async fn edit_household(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<HouseholdDetail>, ApiError> {
    let id = HouseholdId(path_id(&id)?);
    let b: HouseholdPatch = super::typed_body(&headers, body)?;
    let draft = HouseholdDraft {
        size: checked_number("size", b.size)?,
        room: b.room,
        head_name: b.head_name,
        head_phone: b.head_phone,
        tenure: b.tenure,
        tenancy_from: b.tenancy_from,
        tenancy_until: b.tenancy_until,
        state: b.state,
    };
    let record = use_case::edit_household(&app, &actor, id, &draft).await?;
    Ok(Json(record.into()))
}

async fn edit_resident(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<HouseholdDetail>, ApiError> {
    let id = ResidentId(path_id(&id)?);
    let b: ResidentPatch = super::typed_body(&headers, body)?;
    let draft = ResidentDraft {
        birth_year: checked_number("birth_year", b.birth_year)?,
        name: b.name,
        phone: b.phone,
        id_number: b.id_number,
        gender: b.gender,
        relation: b.relation,
        residence: b.residence,
        occupation: b.occupation,
        state: b.state,
    };
    let record = use_case::edit_resident(&app, &actor, id, &draft).await?;
    Ok(Json(record.into()))
}

async fn add_care_tag(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<super::Created>), ApiError> {
    let resident = ResidentId(path_id(&id)?);
    let b: CareTagBody = super::typed_body(&headers, body)?;
    let draft = CareTagDraft {
        cadence_days: checked_number("cadence_days", b.cadence_days)?,
        kind: b.kind,
        basis: b.basis,
        helper: b.helper,
        since: b.since,
    };
    let id = use_case::add_care_tag(&app, &actor, resident, &draft).await?;
    Ok((StatusCode::CREATED, Json(super::Created { id })))
}

async fn end_care_tag(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<Json<EndedItem>, ApiError> {
    let id = path_id(&id)?;
    use_case::end_care_tag(&app, &actor, id).await?;
    Ok(Json(EndedItem {
        id,
        state: "ended".into(),
    }))
}

async fn posts(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<PostsQuery>,
) -> Result<Json<Vec<PostItem>>, ApiError> {
    let all = q.state.as_deref() == Some("all");
    let list = use_case::posts(&app, &actor, &code, all).await?;
    Ok(Json(list.into_iter().map(PostItem::from).collect()))
}

async fn add_post(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<super::Created>), ApiError> {
    let b: PostBody = super::typed_body(&headers, body)?;
    let draft = PostDraft {
        post: b.post,
        person_name: b.person_name,
        username: b.username,
        building_id: b.building_id,
        armband_no: b.armband_no,
        board_phone: b.board_phone,
        since: b.since,
    };
    let id = use_case::add_post(&app, &actor, &code, &draft).await?;
    Ok((StatusCode::CREATED, Json(super::Created { id })))
}

async fn end_post(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<EndedItem>, ApiError> {
    let id = path_id(&id)?;
    let b: EndBody = super::typed_body(&headers, body)?;
    let until = minhu_domain::grid_ledger::date("until", &b.until)?;
    use_case::end_post(&app, &actor, id, until).await?;
    Ok(Json(EndedItem {
        id,
        state: "ended".into(),
    }))
}

async fn places(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
) -> Result<Json<Vec<PlaceItem>>, ApiError> {
    let list = use_case::places(&app, &actor, &code).await?;
    Ok(Json(list.into_iter().map(PlaceItem::from).collect()))
}

async fn add_place(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<super::Created>), ApiError> {
    let b: PlaceBody = super::typed_body(&headers, body)?;
    let draft = PlaceDraft {
        kind: b.kind,
        name: b.name,
        address: b.address,
        contact_name: b.contact_name,
        contact_phone: b.contact_phone,
        risk_level: b.risk_level,
    };
    let id = use_case::add_place(&app, &actor, &code, &draft).await?;
    Ok((StatusCode::CREATED, Json(super::Created { id })))
}

async fn grant(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(username): Path<String>,
) -> Result<Json<GrantItem>, ApiError> {
    let changed = use_case::grant_sensitive(&app, &actor, &username).await?;
    Ok(Json(GrantItem {
        username,
        grant: "sensitive".into(),
        held: true,
        changed,
    }))
}

async fn revoke(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(username): Path<String>,
) -> Result<Json<GrantItem>, ApiError> {
    let changed = use_case::revoke_sensitive(&app, &actor, &username).await?;
    Ok(Json(GrantItem {
        username,
        grant: "sensitive".into(),
        held: false,
        changed,
    }))
}
