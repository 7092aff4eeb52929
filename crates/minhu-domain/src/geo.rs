//! Location to grid: grids are polygons (GeoJSON, WGS84); a point resolves to the grid that
//! contains it. Domestic map pickers (高德, 腾讯) give GCJ-02 coordinates, which are offset
//! from WGS84 by up to a few hundred metres: convert them first with [`gcj02_to_wgs84`].

use geo::{Contains, Coord, MultiPolygon, Point, Polygon};

use crate::error::{Arg, DomainError};

/// Coordinate reference of an input point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    Wgs84,
    Gcj02,
}

impl Crs {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "" | "wgs84" | "epsg:4326" => Some(Crs::Wgs84),
            "gcj02" | "gcj-02" => Some(Crs::Gcj02),
            _ => None,
        }
    }
}

/// Grid shapes held in memory for point lookups.
#[derive(Debug, Clone, Default)]
pub struct GridMap {
    shapes: Vec<(String, MultiPolygon<f64>)>,
}

/// Parses a GeoJSON Polygon or MultiPolygon (a bare geometry, a Feature, or a
/// FeatureCollection of one feature).
pub fn parse_shape(geojson_text: &str) -> Result<MultiPolygon<f64>, DomainError> {
    let bad = |why: String| {
        DomainError::invalid_keyed(
            "shape",
            "invalid_geojson",
            "domain.invalid_geojson",
            vec![Arg::new("why", why)],
        )
    };
    let gj: geojson::GeoJson = geojson_text
        .parse()
        .map_err(|e: geojson::Error| bad(e.to_string()))?;
    let geometry = match gj {
        geojson::GeoJson::Geometry(g) => g,
        geojson::GeoJson::Feature(f) => f
            .geometry
            .ok_or_else(|| bad("feature without geometry".into()))?,
        geojson::GeoJson::FeatureCollection(fc) => fc
            .features
            .into_iter()
            .next()
            .and_then(|f| f.geometry)
            .ok_or_else(|| bad("empty collection".into()))?,
    };
    let g: geo::Geometry<f64> = geometry
        .try_into()
        .map_err(|e: geojson::Error| bad(e.to_string()))?;
    match g {
        geo::Geometry::Polygon(p) => Ok(MultiPolygon(vec![p])),
        geo::Geometry::MultiPolygon(mp) => Ok(mp),
        _ => Err(bad("only Polygon or MultiPolygon".into())),
    }
}

impl GridMap {
    pub fn new(shapes: Vec<(String, MultiPolygon<f64>)>) -> Self {
        GridMap { shapes }
    }

    /// A grid's shape, if it has one.
    pub fn shape(&self, code: &str) -> Option<&MultiPolygon<f64>> {
        self.shapes.iter().find(|(c, _)| c == code).map(|(_, s)| s)
    }

    /// The grid containing a WGS84 point (longitude, latitude).
    pub fn locate(&self, lat: f64, lon: f64) -> Option<&str> {
        let p = Point::new(lon, lat);
        self.shapes
            .iter()
            .find(|(_, shape)| shape.contains(&p))
            .map(|(code, _)| code.as_str())
    }

    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }
}

/// A rectangle as a polygon (for demo grids and tests).
pub fn rectangle(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> Polygon<f64> {
    Polygon::new(
        vec![
            Coord {
                x: min_lon,
                y: min_lat,
            },
            Coord {
                x: max_lon,
                y: min_lat,
            },
            Coord {
                x: max_lon,
                y: max_lat,
            },
            Coord {
                x: min_lon,
                y: max_lat,
            },
            Coord {
                x: min_lon,
                y: min_lat,
            },
        ]
        .into(),
        vec![],
    )
}

/// Is the point inside mainland China's rough bounding box (where GCJ-02 applies)?
fn in_china(lat: f64, lon: f64) -> bool {
    (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn transform_lon(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// The GCJ-02 offset applied to a WGS84 point: (dlat, dlon) in degrees.
fn gcj_delta(lat: f64, lon: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    const A: f64 = 6_378_245.0;
    const EE: f64 = 0.006_693_421_622_965_943;
    let dlat = transform_lat(lon - 105.0, lat - 35.0);
    let dlon = transform_lon(lon - 105.0, lat - 35.0);
    let rad = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    (
        dlat * 180.0 / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI),
        dlon * 180.0 / (A / sqrt_magic * rad.cos() * PI),
    )
}

/// WGS84 → GCJ-02 (what domestic maps display).
pub fn wgs84_to_gcj02(lat: f64, lon: f64) -> (f64, f64) {
    if !in_china(lat, lon) {
        return (lat, lon);
    }
    let (dlat, dlon) = gcj_delta(lat, lon);
    (lat + dlat, lon + dlon)
}

/// GCJ-02 → WGS84, by fixed-point iteration (well under a metre after a few rounds).
pub fn gcj02_to_wgs84(lat: f64, lon: f64) -> (f64, f64) {
    if !in_china(lat, lon) {
        return (lat, lon);
    }
    let (mut wlat, mut wlon) = (lat, lon);
    for _ in 0..6 {
        let (glat, glon) = wgs84_to_gcj02(wlat, wlon);
        wlat -= glat - lat;
        wlon -= glon - lon;
    }
    (wlat, wlon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcj02_round_trips_and_is_offset_by_hundreds_of_metres() {
        let (lat, lon) = (35.7620, 115.0290);
        let (glat, glon) = wgs84_to_gcj02(lat, lon);
        let metres =
            ((glat - lat) * 111_000.0).hypot((glon - lon) * 111_000.0 * lat.to_radians().cos());
        assert!(
            (100.0..1000.0).contains(&metres),
            "GCJ-02 offset {metres} m"
        );
        let (blat, blon) = gcj02_to_wgs84(glat, glon);
        assert!((blat - lat).abs() < 1e-6 && (blon - lon).abs() < 1e-6);
        assert_eq!(
            wgs84_to_gcj02(48.85, 2.35),
            (48.85, 2.35),
            "no offset outside China"
        );
    }

    #[test]
    fn points_resolve_to_their_grid() {
        let g = GridMap::new(vec![
            (
                "G1".into(),
                MultiPolygon(vec![rectangle(115.0, 35.0, 115.01, 35.01)]),
            ),
            (
                "G2".into(),
                MultiPolygon(vec![rectangle(115.01, 35.0, 115.02, 35.01)]),
            ),
        ]);
        assert_eq!(g.locate(35.005, 115.005), Some("G1"));
        assert_eq!(g.locate(35.005, 115.015), Some("G2"));
        assert_eq!(g.locate(36.0, 115.0), None);
        let gj = r#"{"type":"Polygon","coordinates":[[[115.0,35.0],[115.01,35.0],[115.01,35.01],[115.0,35.01],[115.0,35.0]]]}"#;
        assert_eq!(parse_shape(gj).unwrap().0.len(), 1);
        assert_eq!(
            parse_shape(r#"{"type":"Point","coordinates":[1,2]}"#)
                .unwrap_err()
                .field
                .as_deref(),
            Some("shape")
        );
        assert!(parse_shape("not json").is_err());
    }
}
