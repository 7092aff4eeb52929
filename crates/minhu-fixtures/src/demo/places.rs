//! 德馨苑's places: its 5 grids as polygons (WGS84, side by side) and its 14 buildings,
//! each in its grid.

use minhu_store::{Store, StoreError};

use super::org::DEXINYUAN;

/// 德馨苑's 5 grids as polygons (WGS84, side by side) and its 14 buildings.
pub const DXY_ORIGIN: (f64, f64) = (35.7600, 115.0250);
/// Longitude width of one demo grid.
pub const DXY_GRID_WIDTH: f64 = 0.002;

pub(crate) async fn seed_places(store: &Store) -> Result<(), StoreError> {
    let (lat0, lon0) = DXY_ORIGIN;
    for g in 0..5 {
        let west = lon0 + g as f64 * DXY_GRID_WIDTH;
        let shape = minhu_domain::geo::rectangle(west, lat0, west + DXY_GRID_WIDTH, lat0 + 0.004);
        let gj = geojson::Geometry::from(&shape);
        store
            .set_grid_shape(&format!("{DEXINYUAN}-G{:02}", g + 1), &gj.to_string())
            .await?;
    }
    // Buildings 1–3 in grid 1, 4–5 in grid 2, 6–8 in grid 3, 9–11 in grid 4, 12–14 in grid 5.
    for b in 1..=14u32 {
        let grid = match b {
            1..=3 => 1,
            4..=5 => 2,
            6..=8 => 3,
            9..=11 => 4,
            _ => 5,
        };
        store
            .set_address(
                &format!("德馨苑{b}号楼"),
                &format!("{DEXINYUAN}-G{grid:02}"),
                None,
                None,
            )
            .await?;
    }
    Ok(())
}
