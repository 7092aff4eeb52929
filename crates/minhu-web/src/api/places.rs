//! Location to grid: grid shapes, known addresses, and resolving an intake's location.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use minhu_domain::geo::{Crs, gcj02_to_wgs84, parse_shape};
use minhu_domain::org::Level;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::de::coordinate_of;
use crate::auth::Authed;
use crate::error::{invalid_key, require_district_admin_to};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/grids/{code}/shape", put(set_shape))
        .route("/api/v1/addresses", post(add_address))
        .route("/api/v1/locate", get(locate))
}

// ---- bodies -------------------------------------------------------------------------------

/// The answer to setting a grid's shape.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GridShapeSet {
    pub grid: String,
    /// How many grids now have a shape.
    pub grids_with_shapes: usize,
}

/// `POST /api/v1/addresses`: a known address and the jurisdiction (grid) it lies in.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct AddressBody {
    #[serde(default, deserialize_with = "super::de::text")]
    pub address: String,
    #[serde(default, deserialize_with = "super::de::text")]
    pub jurisdiction: String,
    /// WGS84; a number or a string holding one.
    #[serde(default, deserialize_with = "super::de::coordinate")]
    pub lat: Option<f64>,
    #[serde(default, deserialize_with = "super::de::coordinate")]
    pub lon: Option<f64>,
}

/// The address as stored (normalised) and its jurisdiction.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AddressAdded {
    pub address: String,
    pub jurisdiction: String,
}

/// `GET /api/v1/locate`: a point (both `lat` and `lon`), or an address.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocateQuery {
    pub lat: Option<String>,
    pub lon: Option<String>,
    pub address: Option<String>,
    /// `wgs84` (default) or `gcj02`.
    pub crs: Option<String>,
}

/// Where a point or an address lies: its grid and community.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Located {
    pub jurisdiction: Option<String>,
    pub community: Option<CommunityRef>,
    /// WGS84 (converted from GCJ-02 when asked).
    #[schema(value_type = Option<f64>)]
    pub lat: Value,
    #[schema(value_type = Option<f64>)]
    pub lon: Value,
}

/// A community, by code and name.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CommunityRef {
    pub code: String,
    pub name: String,
}

fn coordinate(v: Option<&Value>) -> Option<f64> {
    v.and_then(coordinate_of)
}

/// Fills in an intake's jurisdiction from its point (WGS84, or GCJ-02 with `"crs":
/// "gcj02"`, converted and stored as WGS84) or its known address, when none is given.
pub async fn resolve_location(app: &AppState, body: &mut Value) -> Result<(), ApiError> {
    let Some(obj) = body.as_object_mut() else {
        return Ok(());
    };
    let crs_text = obj
        .remove("crs")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let crs = Crs::parse(&crs_text).ok_or_else(|| {
        invalid_key(
            "crs",
            "invalid_parameter",
            "api.invalid.crs",
            &[("crs", &crs_text)],
        )
    })?;
    let point = match (coordinate(obj.get("lat")), coordinate(obj.get("lon"))) {
        (Some(lat), Some(lon)) if lat.abs() <= 90.0 && lon.abs() <= 180.0 => {
            let (lat, lon) = if crs == Crs::Gcj02 {
                gcj02_to_wgs84(lat, lon)
            } else {
                (lat, lon)
            };
            obj.insert("lat".into(), json!(lat));
            obj.insert("lon".into(), json!(lon));
            Some((lat, lon))
        }
        _ => None,
    };
    let named = obj
        .get("jurisdiction")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty());
    if named {
        return Ok(());
    }
    let found = match point.and_then(|(lat, lon)| app.grids().locate(lat, lon).map(str::to_string))
    {
        Some(grid) => Some(grid),
        None => match obj.get("address").and_then(Value::as_str) {
            Some(a) if !a.trim().is_empty() => app.store.locate_address(a).await?,
            _ => None,
        },
    };
    if let Some(j) = found {
        obj.insert("jurisdiction".into(), Value::String(j));
    }
    Ok(())
}

async fn set_shape(
    State(app): State<AppState>,
    Authed(actor): Authed,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<GridShapeSet>, ApiError> {
    require_district_admin_to(&actor, "api.what.shared_places")?;
    match app.org().jurisdiction(&code) {
        Some(j) if j.level == Level::Grid => {}
        Some(_) => {
            return Err(invalid_key(
                "code",
                "invalid_parameter",
                "api.invalid.not_a_grid",
                &[("code", &code)],
            ));
        }
        None => return Err(ApiError::not_found()),
    }
    super::require_admin_over(&app, &actor, &code, "code", "api.what.shared_places")?;
    let body = super::json_body(&headers, body)?;
    let text = body.to_string();
    parse_shape(&text)?;
    app.store.set_grid_shape(&code, &text).await?;
    app.reload().await?;
    Ok(Json(GridShapeSet {
        grid: code,
        grids_with_shapes: app.grids().len(),
    }))
}

async fn add_address(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<AddressAdded>), ApiError> {
    require_district_admin_to(&actor, "api.what.shared_places")?;
    let body: AddressBody = super::typed_body(&headers, body)?;
    let address = body.address.trim();
    if address.is_empty() {
        return Err(invalid_key(
            "address",
            "invalid_parameter",
            "api.invalid.address_required",
            &[],
        ));
    }
    let jurisdiction = body.jurisdiction.as_str();
    if app.org().jurisdiction(jurisdiction).is_none() {
        return Err(unknown_jurisdiction(jurisdiction));
    }
    super::require_admin_over(
        &app,
        &actor,
        jurisdiction,
        "jurisdiction",
        "api.what.shared_places",
    )?;
    app.store
        .set_address(address, jurisdiction, body.lat, body.lon)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AddressAdded {
            address: minhu_store::normalize_address(address),
            jurisdiction: jurisdiction.to_string(),
        }),
    ))
}

/// 422 for a jurisdiction code the organisation does not know (field `jurisdiction`).
pub(crate) fn unknown_jurisdiction(code: &str) -> ApiError {
    invalid_key(
        "jurisdiction",
        "invalid_parameter",
        "api.invalid.jurisdiction",
        &[("jurisdiction", code)],
    )
}

async fn locate(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<LocateQuery>,
) -> Result<Json<Located>, ApiError> {
    let mut body =
        json!({"lat": q.lat, "lon": q.lon, "address": q.address, "crs": q.crs.unwrap_or_default()});
    if q.lat.is_some() != q.lon.is_some()
        || (q.lat.is_some() && coordinate(body.get("lat")).is_none())
    {
        return Err(invalid_key(
            "lat",
            "invalid_parameter",
            "api.invalid.lat_lon",
            &[],
        ));
    }
    resolve_location(&app, &mut body).await?;
    let org = app.org();
    let grid = body
        .get("jurisdiction")
        .and_then(Value::as_str)
        .map(str::to_string);
    let community = grid
        .as_deref()
        .and_then(|g| org.ancestor_at(g, Level::Community))
        .map(|c| CommunityRef {
            code: c.code.clone(),
            name: c.name.clone(),
        });
    let take = |k: &str| body.get(k).cloned().unwrap_or(Value::Null);
    Ok(Json(Located {
        lat: take("lat"),
        lon: take("lon"),
        jurisdiction: grid,
        community,
    }))
}
