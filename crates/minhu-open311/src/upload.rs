//! The body of a POST (form-encoded, or multipart with photos), the checks on the photos
//! and linked media, and `GET /media/{public_id}`, which serves a stored photo. Photos go
//! through the same cleaning as the resident's form (`minhu_app::upload`: JPEG or PNG only,
//! EXIF/GPS and text removed) before they are stored, and again when served (rows stored
//! before the cleaning existed); they are named by an unguessable id, never the row's number.

use axum::body::Bytes;
use axum::extract::multipart::Field;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::{O311Error, said, said_with};
use super::format::Fmt;
use super::params::Params;
use super::{MAX_MEDIA, MAX_POST};
use minhu_app::App;
use minhu_app::upload::{Photo, clean_photo, strip_metadata};

/// A file sent with a multipart POST.
pub(super) struct Upload {
    pub filename: String,
    pub content_type: String,
    pub data: Bytes,
}

const MEDIA_FIELDS: [&str; 2] = ["media", "media[]"];
/// What the cleaning can strip of metadata; other types could carry a location we cannot
/// remove, so they are refused.
const MEDIA_TYPES: [&str; 2] = ["image/jpeg", "image/png"];

fn is_media_field(name: &str) -> bool {
    MEDIA_FIELDS.contains(&name)
        || name
            .strip_prefix("photo")
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

fn too_large() -> O311Error {
    let mb = (MAX_POST / 1024 / 1024).to_string();
    O311Error::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        said("open311.body_too_large", &[("mb", &mb)]),
    )
}

/// Reads a form-encoded or multipart body into fields and uploaded files.
pub(super) async fn read_body(app: &App, req: Request) -> Result<(Params, Vec<Upload>), O311Error> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ct.starts_with("multipart/form-data") {
        read_multipart(app, req).await
    } else if ct.is_empty() || ct.starts_with("application/x-www-form-urlencoded") {
        let bytes = Bytes::from_request(req, app).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                O311Error::bad(said_with("open311.unreadable_body", &[], &e))
            }
        })?;
        Ok((Params::parse(&bytes), Vec::new()))
    } else {
        Err(O311Error::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            said("open311.not_a_form", &[]),
        ))
    }
}

async fn read_multipart(app: &App, req: Request) -> Result<(Params, Vec<Upload>), O311Error> {
    let bad_multipart =
        |e: &dyn std::fmt::Display| O311Error::bad(said_with("open311.bad_multipart", &[], e));
    let mut mp = Multipart::from_request(req, app)
        .await
        .map_err(|e| bad_multipart(&e))?;
    let mut fields = Vec::new();
    let mut uploads = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => return Err(bad_multipart(&e)),
        };
        let name = field.name().unwrap_or("").to_string();
        if field.file_name().is_some() || is_media_field(&name) {
            if let Some(upload) = read_file(field, &name).await? {
                uploads.push(upload);
            }
        } else {
            let unreadable = |e: &dyn std::fmt::Display| {
                O311Error::bad(said_with("open311.unreadable_field", &[("name", &name)], e))
            };
            // Read as bytes: `text()` would replace invalid UTF-8 silently.
            let bytes = field.bytes().await.map_err(|e| unreadable(&e))?;
            let text = String::from_utf8(bytes.to_vec()).map_err(|e| unreadable(&e))?;
            fields.push((name, text));
        }
    }
    Ok((Params::from_pairs(fields), uploads))
}

/// A file part; None for the empty file input of an HTML form.
async fn read_file(field: Field<'_>, name: &str) -> Result<Option<Upload>, O311Error> {
    let filename = field.file_name().map(str::to_string);
    let content_type = field.content_type().map(str::to_string);
    let data = field.bytes().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            O311Error::bad(said_with("open311.unreadable_upload", &[], &e))
        }
    })?;
    if !is_media_field(name) {
        return Err(O311Error::bad(said(
            "open311.file_in_field",
            &[("name", name)],
        )));
    }
    if data.is_empty() && filename.as_deref().unwrap_or("").is_empty() {
        return Ok(None);
    }
    Ok(Some(Upload {
        filename: filename.unwrap_or_else(|| name.to_string()),
        content_type: content_type.unwrap_or_default(),
        data,
    }))
}

/// Linked media must be http(s) URLs of a sane length.
pub(super) fn check_media_urls(urls: &[String]) -> Result<(), O311Error> {
    for u in urls {
        if !(u.starts_with("http://") || u.starts_with("https://")) || u.len() > 2000 {
            return Err(O311Error::bad(said("open311.bad_media_url", &[("url", u)])));
        }
    }
    Ok(())
}

/// Uploaded photos must be JPEG or PNG images, neither empty nor too large; each is cleaned
/// of its metadata here, before anything is registered.
pub(super) fn check_uploads(uploads: &[Upload]) -> Result<Vec<Photo>, O311Error> {
    let mut photos = Vec::with_capacity(uploads.len());
    for up in uploads {
        let file = up.filename.as_str();
        let ct = up.content_type.to_ascii_lowercase();
        if !MEDIA_TYPES.contains(&ct.as_str()) {
            return Err(O311Error::bad(said(
                "open311.media_type",
                &[("file", file), ("type", &up.content_type)],
            )));
        }
        if up.data.len() > MAX_MEDIA {
            let mb = (MAX_MEDIA / 1024 / 1024).to_string();
            return Err(O311Error::bad(said(
                "open311.media_too_large",
                &[("file", file), ("mb", &mb)],
            )));
        }
        if up.data.is_empty() {
            return Err(O311Error::bad(said(
                "open311.media_empty",
                &[("file", file)],
            )));
        }
        photos.push(clean_photo(Some(file), &up.data)?);
    }
    Ok(photos)
}

/// Stores the linked media and the (cleaned) photos of a new request; the photos are also
/// attached to the request as the form's are, so staff see them with the camera's position.
pub(super) async fn store_media(
    app: &App,
    id: i64,
    urls: &[String],
    photos: &[Photo],
) -> Result<(), O311Error> {
    for u in urls {
        app.store.add_open311_media(id, Some(u), None).await?;
    }
    for photo in photos {
        let name = photo.name.as_deref().unwrap_or("photo");
        app.store
            .add_open311_media(id, None, Some((name, photo.mime, &photo.bytes)))
            .await?;
        app.store
            .attach(
                id,
                &photo.hash,
                photo.mime,
                &photo.bytes,
                photo.gps,
                photo.name.as_deref(),
            )
            .await?;
    }
    Ok(())
}

/// `GET /media/{public_id}`: a stored photo, cleaned (again: rows from before the cleaning
/// hold the bytes as uploaded). A sequential number names nothing.
pub(super) async fn media(State(app): State<App>, Path(id): Path<String>) -> Response {
    let not_found = || O311Error::not_found(said("open311.media_not_found", &[])).render(Fmt::Json);
    match app.store.open311_media_file(&id).await {
        Ok(Some((_, data))) => match strip_metadata(None, &data) {
            Ok((mime, bytes)) => ([(header::CONTENT_TYPE, mime)], bytes).into_response(),
            Err(_) => not_found(),
        },
        Ok(None) => not_found(),
        Err(e) => O311Error::from(e).render(Fmt::Json),
    }
}
