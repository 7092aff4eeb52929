//! A resident's own submission: the form (content, type, community or address or position,
//! optional contact and up to four photos) and its post. The fields go to the domain's one
//! intake parser, the photos are checked and cleaned before they are stored. The answer
//! shows the tracking code and, this once only, the requester's rating key.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minhu_domain::intake::parse_intake;
use minhu_domain::org::{Actor, Level};
use minhu_domain::request::{Channel, RequestType};
use minhu_store::new_code;
use serde_json::{Map, Value, json};

use super::Choice;
use crate::pages::attachments::{MAX_PHOTOS, Photo, accept_photo};
use crate::pages::form::{Echo, check_csrf};
use crate::pages::text::error;
use crate::pages::{FormData, Page, PageError, code_label, render};
use crate::service::register;
use crate::{ApiError, AppState};

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    p: Page,
    communities: Vec<Choice>,
    types: Vec<Choice>,
    values: Echo,
    error: Option<String>,
    error_field: String,
}

#[derive(Template)]
#[template(path = "submitted.html")]
struct SubmittedPage {
    p: Page,
    code: String,
    /// The requester's rating key, shown this once (grouped for reading).
    rating_key: String,
    photos: usize,
}

fn submit_page(
    app: &AppState,
    p: Page,
    values: Map<String, Value>,
    error: Option<ApiError>,
) -> SubmitPage {
    let org = app.org();
    let val = |k: &str, or: &str| {
        values
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or(or)
            .to_string()
    };
    let chosen = val("jurisdiction", "");
    let kind = val("type", "help");
    let l = p.lang;
    SubmitPage {
        communities: org
            .jurisdictions()
            .filter(|j| j.level == Level::Community)
            .map(|j| Choice {
                value: j.code.clone(),
                label: j.name.clone(),
                selected: j.code == chosen,
            })
            .collect(),
        types: RequestType::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().into(),
                label: code_label(l, "type", t.as_str()),
                selected: t.as_str() == kind,
            })
            .collect(),
        error_field: error
            .as_ref()
            .and_then(|e| e.field.clone())
            .unwrap_or_default(),
        error: error.map(|e| if l.is_english() { e.en } else { e.zh }),
        values: Echo(values),
        p,
    }
}

pub(super) async fn submit_form(
    State(app): State<AppState>,
    p: Page,
) -> Result<Response, PageError> {
    Ok(render(&submit_page(&app, p, Map::new(), None))?.into_response())
}

/// What a multipart post carried: the text fields, the photos that passed, and the first
/// problem with a photo (shown with the form again).
struct Posted {
    form: FormData,
    photos: Vec<Photo>,
    photo_error: Option<ApiError>,
}

async fn read_multipart(mut multipart: Multipart) -> Result<Posted, ApiError> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut photos: Vec<Photo> = Vec::new();
    let mut photo_error: Option<ApiError> = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        let e = e.to_string();
        error(
            StatusCode::BAD_REQUEST,
            "bad_form",
            "submit.error.unreadable",
            &[("error", &e)],
        )
    })? {
        let name = field.name().unwrap_or("").to_string();
        if name != "photos" {
            let text = field.text().await.unwrap_or_default();
            fields.push((name, text));
            continue;
        }
        let file = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|_| {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "submit.error.photos_too_large",
                &[],
            )
        })?;
        if bytes.is_empty() {
            continue;
        }
        if photos.len() >= MAX_PHOTOS {
            let max = MAX_PHOTOS.to_string();
            photo_error = Some(
                error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "too_many_photos",
                    "submit.error.too_many_photos",
                    &[("max", &max)],
                )
                .field("photos"),
            );
            continue;
        }
        match accept_photo(file.as_deref(), &bytes) {
            Ok(photo) => photos.push(photo),
            Err(e) => photo_error = Some(e),
        }
    }
    Ok(Posted {
        form: FormData(fields),
        photos,
        photo_error,
    })
}

/// The intake JSON of a resident's form, and what to show again if it is refused.
fn intake_body(form: &FormData) -> (Value, Map<String, Value>) {
    let mut body = Map::new();
    for key in ["content", "type", "jurisdiction", "address", "lat", "lon"] {
        if let Some(v) = form.get(key) {
            body.insert(key.into(), Value::String(v.into()));
        }
    }
    let mut echo = body.clone();
    for key in ["name", "phone"] {
        if let Some(v) = form.get(key) {
            echo.insert(key.into(), Value::String(v.into()));
        }
    }
    if form.get("confidential").is_some() {
        echo.insert("confidential".into(), Value::String("on".into()));
    }
    for key in ["lat", "lon"] {
        if let Some(v) = form.get(key) {
            match v.parse::<f64>() {
                Ok(x) => body.insert(key.into(), json!(x)),
                Err(_) => body.remove(key),
            };
        }
    }
    body.insert(
        "channel".into(),
        Value::String(Channel::Web.as_str().into()),
    );
    body.insert(
        "requester".into(),
        json!({"name": form.get("name"), "phone": form.get("phone")}),
    );
    body.insert(
        "confidential".into(),
        Value::Bool(form.get("confidential").is_some()),
    );
    (Value::Object(body), echo)
}

/// A resident's own submission (multipart: the fields and up to four photos).
pub(super) async fn submit(
    State(app): State<AppState>,
    p: Page,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let posted = read_multipart(multipart).await?;
    let form = posted.form;
    check_csrf(&p, form.get("_csrf"), &headers)?;
    let (mut body, echo) = intake_body(&form);
    let fail = |e: ApiError| -> Result<Response, PageError> {
        let status = e.status;
        let page = submit_page(&app, p.clone(), echo.clone(), Some(e));
        Ok((status, render(&page)?).into_response())
    };
    if let Some(e) = posted.photo_error {
        return fail(e);
    }
    if let Err(e) = crate::api::places::resolve_location(&app, &mut body).await {
        return fail(e);
    }
    let now = app.now();
    let intake = match parse_intake(&body, None, &app.org(), new_code(now), now) {
        Ok(i) => i,
        Err(e) => return fail(e.into()),
    };
    let done = register(&app, intake, &Actor::requester()).await?;
    let id = done.request.id;
    for photo in &posted.photos {
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
    Ok((
        StatusCode::CREATED,
        // The key is on this page: no cache may keep it.
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        render(&SubmittedPage {
            p,
            code: done.request.intake.code.clone(),
            rating_key: done
                .rating_key
                .as_ref()
                .map(|k| k.grouped())
                .unwrap_or_default(),
            photos: posted.photos.len(),
        })?,
    )
        .into_response())
}
