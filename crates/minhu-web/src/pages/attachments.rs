//! Photos sent with a request: checked by their first bytes (JPEG or PNG only) and size,
//! the camera's GPS position read for staff, and every metadata block that could carry a
//! location removed before the bytes are stored and served.

use axum::http::StatusCode;
use sha2::{Digest, Sha256};

use super::text::error;
use crate::ApiError;

pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_PHOTOS: usize = 4;

/// A photo ready to store: cleaned bytes, their hash, and the position found in them.
#[derive(Debug)]
pub struct Photo {
    pub hash: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
    pub gps: Option<(f64, f64)>,
    pub name: Option<String>,
}

/// 422 for a photo, naming it: the catalogue's `key` with `{name}` filled in.
fn refuse(key: &str, label: &str) -> ApiError {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_photo",
        key,
        &[("name", label)],
    )
    .field("photos")
}

/// Checks and cleans one uploaded photo.
pub fn accept_photo(name: Option<&str>, raw: &[u8]) -> Result<Photo, ApiError> {
    let label = name.unwrap_or("photo");
    if raw.len() > MAX_PHOTO_BYTES {
        return Err(refuse("submit.error.photo_too_big", label));
    }
    let (mime, bytes) = if raw.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("image/jpeg", strip_jpeg(raw))
    } else if raw.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("image/png", strip_png(raw))
    } else {
        return Err(refuse("submit.error.not_an_image", label));
    };
    let bytes = bytes.ok_or_else(|| refuse("submit.error.damaged_photo", label))?;
    Ok(Photo {
        hash: hex::encode(Sha256::digest(&bytes)),
        mime,
        gps: gps_of(raw),
        bytes,
        name: name.map(|n| n.chars().take(100).collect()),
    })
}

/// The GPS position in a photo's EXIF block, as decimal degrees (WGS-84, as cameras write).
pub fn gps_of(raw: &[u8]) -> Option<(f64, f64)> {
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(raw))
        .ok()?;
    let coord = |tag, reference| -> Option<f64> {
        let f = exif.get_field(tag, exif::In::PRIMARY)?;
        let exif::Value::Rational(ref v) = f.value else {
            return None;
        };
        if v.len() < 3 {
            return None;
        }
        let deg = v[0].to_f64() + v[1].to_f64() / 60.0 + v[2].to_f64() / 3600.0;
        let r = exif
            .get_field(reference, exif::In::PRIMARY)
            .map(|f| f.display_value().to_string())
            .unwrap_or_default();
        Some(if r.starts_with('S') || r.starts_with('W') {
            -deg
        } else {
            deg
        })
    };
    let lat = coord(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef)?;
    let lon = coord(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef)?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

/// A JPEG without its APP1..APP15 and comment segments (EXIF, XMP, maker notes).
fn strip_jpeg(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    out.extend_from_slice(&raw[..2]);
    let mut i = 2;
    loop {
        if i + 4 > raw.len() || raw[i] != 0xFF {
            return None;
        }
        let marker = raw[i + 1];
        // Start of scan: the image data follows to the end.
        if marker == 0xDA {
            out.extend_from_slice(&raw[i..]);
            return Some(out);
        }
        let len = u16::from_be_bytes([raw[i + 2], raw[i + 3]]) as usize;
        if len < 2 || i + 2 + len > raw.len() {
            return None;
        }
        let keep = !((0xE1..=0xEF).contains(&marker) || marker == 0xFE);
        if keep {
            out.extend_from_slice(&raw[i..i + 2 + len]);
        }
        i += 2 + len;
    }
}

/// A PNG without its text and EXIF chunks.
fn strip_png(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = raw[..8].to_vec();
    let mut i = 8;
    while i + 12 <= raw.len() {
        let len = u32::from_be_bytes(raw[i..i + 4].try_into().ok()?) as usize;
        let end = i.checked_add(12)?.checked_add(len)?;
        if end > raw.len() {
            return None;
        }
        let kind = &raw[i + 4..i + 8];
        let drop = matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt");
        if !drop {
            out.extend_from_slice(&raw[i..end]);
        }
        i = end;
        if kind == b"IEND" {
            return Some(out);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal JPEG: SOI, an APP1 "Exif" segment, a comment, a quantisation table
    /// stand-in, then the scan.
    fn jpeg_with_app1() -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        v.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x08, b'E', b'x', b'i', b'f', 0, 0]);
        v.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x05, b'h', b'i', b'!']);
        v.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x04, 1, 2]);
        v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 9, 9, 0xFF, 0xD9]);
        v
    }

    #[test]
    fn jpeg_loses_its_exif_and_comment_but_keeps_the_image() {
        let p = accept_photo(Some("a.jpg"), &jpeg_with_app1()).unwrap();
        assert_eq!(p.mime, "image/jpeg");
        assert!(!p.bytes.windows(4).any(|w| w == b"Exif"));
        assert!(!p.bytes.windows(3).any(|w| w == b"hi!"));
        assert!(
            p.bytes
                .ends_with(&[0xFF, 0xDA, 0x00, 0x02, 9, 9, 0xFF, 0xD9])
        );
        assert!(p.bytes.windows(2).any(|w| w == [0xFF, 0xDB]));
    }

    #[test]
    fn other_files_and_big_photos_are_refused_by_name() {
        let e = accept_photo(Some("x.gif"), b"GIF89a....").unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.zh.contains("x.gif"));
        let mut big = jpeg_with_app1();
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert!(
            accept_photo(Some("big.jpg"), &big)
                .unwrap_err()
                .zh
                .contains("5MB")
        );
        let broken = [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF];
        assert!(accept_photo(None, &broken).unwrap_err().zh.contains("损坏"));
    }
}
