//! Photos sent with a resident's `/submit` form: the page's limits (size and count) and the
//! one cleaning path every upload goes through, `minhu_app::upload` (JPEG or PNG only, the
//! camera's GPS read for staff, every metadata block removed before storing).

use crate::ApiError;

pub use minhu_app::upload::Photo;

pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_PHOTOS: usize = 4;

/// Checks and cleans one uploaded photo (422 naming it when refused).
pub fn accept_photo(name: Option<&str>, raw: &[u8]) -> Result<Photo, ApiError> {
    if raw.len() > MAX_PHOTO_BYTES {
        return Err(minhu_app::upload::too_big(name).into());
    }
    Ok(minhu_app::upload::clean_photo(name, raw)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn other_files_and_big_photos_are_refused_by_name() {
        let e = accept_photo(Some("x.gif"), b"GIF89a....").unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.zh.contains("x.gif"));
        let mut big = vec![0xFF, 0xD8, 0xFF];
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
