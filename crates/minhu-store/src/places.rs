//! Grid shapes and known addresses (location to grid).

use crate::{Result, Store, on_pool};

/// Addresses are matched without spaces and in half-width digits.
pub fn normalize_address(a: &str) -> String {
    a.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

impl Store {
    /// Every grid shape as (jurisdiction code, GeoJSON text).
    pub async fn grid_shapes(&self) -> Result<Vec<(String, String)>> {
        Ok(on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT jurisdiction, geojson FROM grid_shapes ORDER BY jurisdiction")
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn set_grid_shape(&self, jurisdiction: &str, geojson: &str) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "INSERT INTO grid_shapes (jurisdiction, geojson) VALUES ($1, $2)
                 ON CONFLICT (jurisdiction) DO UPDATE SET geojson = excluded.geojson",
            )
            .bind(jurisdiction)
            .bind(geojson)
            .execute(pool)
            .await?;
        });
        // Reference data changed: every server sharing the database reloads it.
        self.bump_config_version().await?;
        Ok(())
    }

    pub async fn set_address(
        &self,
        address: &str,
        jurisdiction: &str,
        lat: Option<f64>,
        lon: Option<f64>,
    ) -> Result<()> {
        on_pool!(&self.backend, write, |pool, DB| {
            sqlx::query(
                "INSERT INTO addresses (address, jurisdiction, lat, lon) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (address) DO UPDATE SET jurisdiction = excluded.jurisdiction, lat = excluded.lat, lon = excluded.lon",
            )
            .bind(normalize_address(address))
            .bind(jurisdiction)
            .bind(lat)
            .bind(lon)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The jurisdiction of the longest known address that the given address starts with
    /// ("德馨苑6号楼2单元301" finds "德馨苑6号楼").
    pub async fn locate_address(&self, address: &str) -> Result<Option<String>> {
        let a = normalize_address(address);
        let rows: Vec<(String, String)> = on_pool!(&self.backend, read, |pool, DB| {
            sqlx::query_as("SELECT address, jurisdiction FROM addresses WHERE address <= $1 ORDER BY address DESC LIMIT 64")
                .bind(&a)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter(|(known, _)| a.starts_with(known.as_str()))
            .max_by_key(|(k, _)| k.len())
            .map(|(_, j)| j))
    }
}
