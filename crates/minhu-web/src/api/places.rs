//! Location to grid: grid shapes, known addresses, and resolving an intake's location.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use minhu_domain::geo::{Crs, gcj02_to_wgs84, parse_shape};
use minhu_domain::org::Level;
use serde_json::{Value, json};

use crate::auth::Authed;
use crate::error::{invalid, require_district_admin};
use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/grids/{code}/shape", put(set_shape))
        .route("/api/v1/addresses", post(add_address))
        .route("/api/v1/locate", get(locate))
}

fn coordinate(v: Option<&Value>) -> Option<f64> {
    v.and_then(|x| {
        x.as_f64()
            .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
    })
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
        invalid(
            "crs",
            format!("坐标系“{crs_text}”不支持，可选 wgs84、gcj02"),
            format!("unsupported crs '{crs_text}'; use wgs84 or gcj02"),
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
) -> Result<Json<Value>, ApiError> {
    require_district_admin(
        &actor,
        "维护网格边界和地址库",
        "maintain grid shapes and addresses",
    )?;
    match app.org().jurisdiction(&code) {
        Some(j) if j.level == Level::Grid => {}
        Some(_) => {
            return Err(invalid(
                "code",
                format!("“{code}”不是网格"),
                format!("'{code}' is not a grid"),
            ));
        }
        None => return Err(ApiError::not_found()),
    }
    let body = super::json_body(&headers, body)?;
    let text = body.to_string();
    parse_shape(&text)?;
    app.store.set_grid_shape(&code, &text).await?;
    app.reload().await?;
    Ok(Json(
        json!({"grid": code, "grids_with_shapes": app.grids().len()}),
    ))
}

async fn add_address(
    State(app): State<AppState>,
    Authed(actor): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_district_admin(
        &actor,
        "维护网格边界和地址库",
        "maintain grid shapes and addresses",
    )?;
    let body = super::json_body(&headers, body)?;
    let address = body
        .get("address")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if address.is_empty() {
        return Err(invalid(
            "address",
            "请填写地址".into(),
            "address is required".into(),
        ));
    }
    let jurisdiction = body
        .get("jurisdiction")
        .and_then(Value::as_str)
        .unwrap_or("");
    if app.org().jurisdiction(jurisdiction).is_none() {
        return Err(invalid(
            "jurisdiction",
            format!("未找到辖区“{jurisdiction}”"),
            format!("unknown jurisdiction '{jurisdiction}'"),
        ));
    }
    app.store
        .set_address(
            address,
            jurisdiction,
            coordinate(body.get("lat")),
            coordinate(body.get("lon")),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"address": minhu_store::normalize_address(address), "jurisdiction": jurisdiction}),
        ),
    ))
}

async fn locate(
    State(app): State<AppState>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let mut body = json!({"lat": q.get("lat"), "lon": q.get("lon"), "address": q.get("address"), "crs": q.get("crs").cloned().unwrap_or_default()});
    if q.contains_key("lat") != q.contains_key("lon")
        || (q.contains_key("lat") && coordinate(body.get("lat")).is_none())
    {
        return Err(invalid(
            "lat",
            "经纬度须同时提供且为数字".into(),
            "lat and lon must both be numbers".into(),
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
        .map(|c| json!({"code": c.code, "name": c.name}));
    Ok(Json(
        json!({"jurisdiction": grid, "community": community, "lat": body.get("lat"), "lon": body.get("lon")}),
    ))
}
