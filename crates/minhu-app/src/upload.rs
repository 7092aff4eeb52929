//! The one cleaning path for every uploaded photo, whichever front end received it (the
//! resident's `/submit` form, an Open311 multipart POST): the file is recognised by its first
//! bytes (JPEG or PNG only), the camera's GPS position is read for staff, and every metadata
//! block that could carry a location (EXIF, XMP, maker notes, comments, PNG text chunks) is
//! removed before the bytes are stored or served. Pure: bytes in, cleaned bytes out.

use sha2::{Digest, Sha256};

use crate::{AppError, Kind};

/// A photo ready to store: cleaned bytes, their hash, and the position found in them.
#[derive(Debug, Clone)]
pub struct Photo {
    pub hash: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
    pub gps: Option<(f64, f64)>,
    pub name: Option<String>,
}

/// A refusal of one photo, naming it: the catalogue's `key` with `{name}` filled in.
fn refuse(kind: Kind, code: &'static str, key: &'static str, label: &str) -> AppError {
    AppError::new(kind, code)
        .text(key)
        .arg("name", label)
        .field("photos")
}

/// The photo's type and its bytes without any metadata block: what serving a stored photo
/// needs (rows stored before every upload was cleaned are cleaned on the way out), without
/// the hash and the position [`clean_photo`] works out for storing.
pub fn strip_metadata(name: Option<&str>, raw: &[u8]) -> Result<(&'static str, Vec<u8>), AppError> {
    let label = name.unwrap_or("photo");
    let (mime, bytes) = if raw.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("image/jpeg", strip_jpeg(raw))
    } else if raw.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("image/png", strip_png(raw))
    } else {
        return Err(refuse(
            Kind::Invalid,
            "invalid_photo",
            "submit.error.not_an_image",
            label,
        ));
    };
    let bytes = bytes.ok_or_else(|| {
        refuse(
            Kind::Invalid,
            "invalid_photo",
            "submit.error.damaged_photo",
            label,
        )
    })?;
    Ok((mime, bytes))
}

/// Checks and cleans one uploaded photo. `name` is the client's file name, kept (cut to 100
/// characters) for display only. The size limit is the caller's: each channel has its own.
pub fn clean_photo(name: Option<&str>, raw: &[u8]) -> Result<Photo, AppError> {
    let (mime, bytes) = strip_metadata(name, raw)?;
    Ok(Photo {
        hash: hex::encode(Sha256::digest(&bytes)),
        mime,
        gps: gps_of(raw),
        bytes,
        name: name.map(|n| n.chars().take(100).collect()),
    })
}

/// The refusal of a photo larger than a channel allows.
pub fn too_big(name: Option<&str>) -> AppError {
    refuse(
        Kind::Invalid,
        "invalid_photo",
        "submit.error.photo_too_big",
        name.unwrap_or("photo"),
    )
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
    out.extend_from_slice(raw.get(..2)?);
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
    let mut out = raw.get(..8)?.to_vec();
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
    use proptest::prelude::*;

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
        let p = clean_photo(Some("a.jpg"), &jpeg_with_app1()).unwrap();
        assert_eq!(p.mime, "image/jpeg");
        assert!(!p.bytes.windows(4).any(|w| w == b"Exif"));
        assert!(!p.bytes.windows(3).any(|w| w == b"hi!"));
        assert!(
            p.bytes
                .ends_with(&[0xFF, 0xDA, 0x00, 0x02, 9, 9, 0xFF, 0xD9])
        );
        // Cleaning is idempotent: what is served can be cleaned again to the same bytes.
        assert_eq!(clean_photo(None, &p.bytes).unwrap().bytes, p.bytes);
    }

    #[test]
    fn other_files_are_refused_by_name() {
        let e = clean_photo(Some("x.gif"), b"GIF89a....").unwrap_err();
        assert_eq!(e.kind, Kind::Invalid);
        assert_eq!(e.field.as_deref(), Some("photos"));
        assert!(e.zh().contains("x.gif"));
        let broken = [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF];
        assert!(
            clean_photo(None, &broken)
                .unwrap_err()
                .zh()
                .contains("损坏")
        );
        assert!(clean_photo(None, b"\x89PNG\r\n\x1a\n").is_err());
    }

    proptest! {
        /// Fuzz: any bytes after a JPEG or PNG signature are refused or cleaned, never a panic;
        /// what is kept never holds an APP1 segment or a PNG text chunk.
        #[test]
        fn any_bytes_are_cleaned_or_refused(tail in proptest::collection::vec(any::<u8>(), 0..512), png in any::<bool>()) {
            let mut raw: Vec<u8> = if png { b"\x89PNG\r\n\x1a\n".to_vec() } else { vec![0xFF, 0xD8, 0xFF] };
            raw.extend_from_slice(&tail);
            if let Ok(p) = clean_photo(Some("f"), &raw) {
                prop_assert!(p.bytes.len() <= raw.len());
                let again = clean_photo(None, &p.bytes);
                prop_assert!(again.is_ok());
            }
        }
    }
}
