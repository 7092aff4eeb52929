//! `POST /requests` (a new request from a client, with its attributes and photos),
//! `GET /requests` (the spec's filters, the window of `requested_datetime`, paging and
//! sync by update time) and `GET /requests/{id}`; the request document both GETs answer.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use minhu_domain::intake::parse_intake;
use minhu_domain::org::Org;
use minhu_domain::privacy::{mask_address, public_text};
use minhu_domain::request::{Channel, Event, EventData, Intake};
use minhu_domain::time::rfc3339;
use minhu_store::new_code;
use minhu_store::open311::{Category, Open311Filter, PublicRequest};
use serde::{Deserialize, Serialize};

use super::attributes::check_attributes;
use super::error::{O311Error, O311Result, finish, said, unknown_format};
use super::format::{Fmt, reply, split_fmt};
use super::params::{Params, base_url, datetime, jurisdiction, list, query, root_jurisdiction};
use super::services::Catalogue;
use super::status::{fms_status, open_or_closed, public_note, rebuild, status_notes};
use super::tokens::{actor_for, api_key, new_batch_token};
use super::upload::{Upload, check_media_urls, check_uploads, store_media};
use super::{MAX_DESCRIPTION, MAX_RESULTS, WINDOW_DAYS};
use minhu_app::App;
use minhu_app::intake::register;

// ---- POST /requests ----------------------------------------------------------------------

/// The single-valued fields of a new request (`media_url[]` and `attribute[…]` are read
/// from the pairs). The client's email is not read: it is personal and not needed.
#[derive(Debug, Deserialize)]
struct CreateForm {
    api_key: Option<String>,
    service_code: Option<String>,
    jurisdiction_id: Option<String>,
    lat: Option<String>,
    #[serde(rename = "long")]
    lon: Option<String>,
    address_string: Option<String>,
    address_id: Option<String>,
    description: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    account_id: Option<String>,
}

/// Where a new request is: its point, its jurisdiction and its address text.
struct Place {
    point: Option<(f64, f64)>,
    jurisdiction: String,
    address: Option<String>,
}

/// The answer to a POST: the id, or a token for a batch service.
#[derive(Serialize)]
struct CreatedDoc {
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_request_id: Option<String>,
    service_notice: String,
    account_id: Option<String>,
    /// The requester's rating key (评价码), for the client to pass on to them only.
    #[serde(skip_serializing_if = "Option::is_none")]
    rating_key: Option<String>,
}

/// The intake document a new request is registered from (the JSON API's shape).
#[derive(Serialize)]
struct IntakeBody<'a> {
    channel: &'static str,
    content: String,
    subject: &'a str,
    category: &'a str,
    jurisdiction: &'a str,
    requester: RequesterBody<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lon: Option<f64>,
}

#[derive(Serialize)]
struct RequesterBody<'a> {
    name: Option<String>,
    phone: Option<&'a str>,
}

/// `POST /requests.{fmt}`: checks everything first, so a refused request writes nothing.
pub(super) async fn create_request(
    app: &App,
    fmt: Fmt,
    p: Params,
    uploads: Vec<Upload>,
) -> O311Result {
    let form: CreateForm = p.typed()?;
    let key = api_key(app, form.api_key.as_deref()).await?;
    let code = form
        .service_code
        .as_deref()
        .ok_or_else(|| O311Error::bad(said("open311.service_code_missing", &[])))?;
    let cat = Catalogue::load(app).await?;
    let service = cat.known_service(code)?;
    let place = locate(app, &form)?;
    let lines = check_attributes(service, &p)?;
    let description = form.description.as_deref().unwrap_or("");
    if description.chars().count() > MAX_DESCRIPTION {
        let max = MAX_DESCRIPTION.to_string();
        return Err(O311Error::bad(said(
            "open311.description_too_long",
            &[("max", &max)],
        )));
    }
    let media_urls: Vec<String> = p
        .all("media_url")
        .into_iter()
        .chain(p.all("media_url[]"))
        .map(str::to_string)
        .collect();
    check_media_urls(&media_urls)?;
    let uploads = check_uploads(&uploads)?;
    let intake = intake_of(app, service, &form, &place, description, lines)?;
    let done = register(app, intake, &actor_for(&key)).await?;
    let id = done.request.id;
    store_media(app, id, &media_urls, &uploads).await?;
    let request_code = done.request.intake.code;
    let mut doc = CreatedDoc {
        token: None,
        service_request_id: None,
        service_notice: said("open311.registered", &[("code", &request_code)]),
        account_id: form.account_id,
        rating_key: done.rating_key.as_ref().map(|k| k.grouped()),
    };
    if service.service_type == "batch" {
        let token = new_batch_token();
        app.store.add_open311_token(&token, id, key.id).await?;
        doc.token = Some(token);
    } else {
        doc.service_request_id = Some(request_code);
    }
    tracing::info!(id, client = %key.name, service = %service.code, "open311 request");
    Ok(reply(fmt, StatusCode::CREATED, "service_requests", &[doc]))
}

fn coordinate(key: &str, value: Option<&str>, range: f64) -> Result<Option<f64>, O311Error> {
    match value {
        None => Ok(None),
        Some(s) => match s.parse::<f64>() {
            Ok(x) if x.is_finite() && x.abs() <= range => Ok(Some(x)),
            _ => Err(O311Error::bad(said(
                "open311.bad_coordinate",
                &[("key", key), ("value", s)],
            ))),
        },
    }
}

/// The point, the jurisdiction and the address of a new request; one of them is required.
fn locate(app: &App, form: &CreateForm) -> Result<Place, O311Error> {
    let lat = coordinate("lat", form.lat.as_deref(), 90.0)?;
    let lon = coordinate("long", form.lon.as_deref(), 180.0)?;
    if lat.is_some() != lon.is_some() {
        return Err(O311Error::bad(said("open311.lat_long_together", &[])));
    }
    let point = lat.zip(lon);
    let org = app.org();
    // Where: the jurisdiction_id given, else the grid whose polygon holds the point (WGS84),
    // else the district, whose office dispatches it onwards.
    let jurisdiction = match jurisdiction(form.jurisdiction_id.as_deref(), &org)? {
        Some(j) => j,
        None => match point.and_then(|(la, lo)| app.grids().locate(la, lo).map(str::to_string)) {
            Some(grid) => grid,
            None => root_jurisdiction(&org)
                .ok_or_else(|| O311Error::bad(said("open311.jurisdiction_required", &[])))?,
        },
    };
    let address = match (&form.address_string, &form.address_id) {
        (Some(a), _) => Some(a.clone()),
        (None, Some(id)) => Some(format!("地址编号 {id}")),
        (None, None) if point.is_none() => {
            return Err(O311Error::bad(said("open311.location_required", &[])));
        }
        (None, None) => None,
    };
    Ok(Place {
        point,
        jurisdiction,
        address,
    })
}

/// The intake of a new request, checked by the domain like any other channel's.
fn intake_of(
    app: &App,
    service: &Category,
    form: &CreateForm,
    place: &Place,
    description: &str,
    mut lines: Vec<String>,
) -> Result<Intake, O311Error> {
    // Chinese names: surname first, no space needed; either part may be empty.
    let name: String = [form.last_name.as_deref(), form.first_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| *s != "-")
        .collect::<Vec<_>>()
        .concat();
    let mut content = if description.is_empty() {
        service.name.clone()
    } else {
        description.to_string()
    };
    if !lines.is_empty() {
        lines.insert(0, String::new());
        content.push_str(&lines.join("\n"));
    }
    let body = IntakeBody {
        channel: Channel::Open311.as_str(),
        content,
        subject: &service.name,
        category: &service.code,
        jurisdiction: &place.jurisdiction,
        requester: RequesterBody {
            name: (!name.is_empty()).then_some(name),
            phone: form.phone.as_deref(),
        },
        address: place.address.as_deref(),
        lat: place.point.map(|(la, _)| la),
        lon: place.point.map(|(_, lo)| lo),
    };
    let body = serde_json::to_value(&body)
        .map_err(|e| O311Error::bad(super::error::said_with("open311.bad_parameters", &[], &e)))?;
    let now = app.now();
    parse_intake(&body, None, &app.org(), new_code(now), now).map_err(|e| {
        // The domain names the JSON API's fields; the client knows Open311's.
        let field = e.field.as_deref().map(|f| match f {
            "requester.phone" => "phone",
            "requester.name" => "first_name/last_name",
            "content" => "description",
            "address" => "address_string",
            "lon" => "long",
            other => other,
        });
        let field = field.map(|f| format!("[{f}] ")).unwrap_or_default();
        O311Error::bad(format!("{field}{} ({})", e.zh, e.en))
    })
}

// ---- GET /requests and /requests/{id} -------------------------------------------------------

/// The parameters of `GET /requests`.
#[derive(Debug, Deserialize)]
struct ListQuery {
    jurisdiction_id: Option<String>,
    extensions: Option<String>,
    page_size: Option<String>,
    page: Option<String>,
    service_request_id: Option<String>,
    service_code: Option<String>,
    status: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    updated_after: Option<String>,
    updated_before: Option<String>,
}

/// The parameters of `GET /requests/{id}`.
#[derive(Debug, Deserialize)]
struct OneQuery {
    jurisdiction_id: Option<String>,
    extensions: Option<String>,
}

fn positive(key: &str, value: Option<&str>, max: i64) -> Result<Option<i64>, O311Error> {
    match value {
        None => Ok(None),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => {
                let max = max.to_string();
                Err(O311Error::bad(said(
                    "open311.bad_integer",
                    &[("key", key), ("value", s), ("max", &max)],
                )))
            }
        },
    }
}

fn extensions(value: Option<&str>) -> Result<bool, O311Error> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(O311Error::bad(said(
            "open311.bad_extensions",
            &[("value", other)],
        ))),
    }
}

/// `status=open,closed`: None for both.
fn open_filter(statuses: Vec<String>) -> Result<Option<bool>, O311Error> {
    let (mut open, mut closed) = (false, false);
    for s in statuses {
        match s.to_ascii_lowercase().as_str() {
            "open" => open = true,
            "closed" => closed = true,
            _ => {
                return Err(O311Error::bad(said("open311.bad_status", &[("value", &s)])));
            }
        }
    }
    Ok(if open && closed { None } else { Some(open) })
}

/// From and until when (`start_date`, `end_date`); None: open on that side.
type Window = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The window of `requested_datetime`: at most `WINDOW_DAYS`, the last ones by default,
/// open when syncing by update time.
fn window(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    syncing: bool,
    now: DateTime<Utc>,
) -> Result<Window, O311Error> {
    let window = Duration::days(WINDOW_DAYS);
    Ok(match (start, end) {
        (Some(s), Some(e)) => {
            if e < s {
                return Err(O311Error::bad(said("open311.end_before_start", &[])));
            }
            if e - s > window {
                let days = WINDOW_DAYS.to_string();
                return Err(O311Error::bad(said(
                    "open311.window_too_long",
                    &[("days", &days)],
                )));
            }
            (Some(s), Some(e))
        }
        (Some(s), None) => (Some(s), Some(s + window)),
        (None, Some(e)) => (Some(e - window), Some(e)),
        // Syncing by update time reaches back past the default window.
        (None, None) if syncing => (None, None),
        (None, None) => (Some(now - window), None),
    })
}

/// The store's filter for `GET /requests`.
async fn filter_of(
    app: &App,
    q: &ListQuery,
    within: Option<String>,
) -> Result<Open311Filter, O311Error> {
    let page_size =
        positive("page_size", q.page_size.as_deref(), MAX_RESULTS)?.unwrap_or(MAX_RESULTS);
    let page = positive("page", q.page.as_deref(), 1_000_000)?.unwrap_or(1);
    let mut f = Open311Filter {
        limit: page_size,
        offset: (page - 1) * page_size,
        ..Default::default()
    };
    if let Some(codes) = list(q.service_request_id.as_deref()) {
        // The list overrides every other argument.
        f.codes = Some(codes);
        f.limit = MAX_RESULTS;
        f.offset = 0;
        return Ok(f);
    }
    f.path_prefix = within.map(|j| app.org().path(&j));
    if let Some(codes) = list(q.service_code.as_deref()) {
        // A service matches by its code and by the label path older requests carry.
        let cat = Catalogue::load(app).await?;
        let mut cats = Vec::new();
        for c in codes {
            if let Some(path) = cat.service(&c).and_then(|s| s.path.clone()) {
                cats.push(path);
            }
            cats.push(c);
        }
        f.categories = Some(cats);
    }
    if let Some(statuses) = list(q.status.as_deref()) {
        f.open = open_filter(statuses)?;
    }
    let start = datetime("start_date", q.start_date.as_deref())?;
    let end = datetime("end_date", q.end_date.as_deref())?;
    f.updated_after = datetime("updated_after", q.updated_after.as_deref())?;
    f.updated_before = datetime("updated_before", q.updated_before.as_deref())?;
    let syncing = f.updated_after.is_some() || f.updated_before.is_some();
    (f.start, f.end) = window(start, end, syncing, app.now())?;
    Ok(f)
}

/// `GET /requests.{fmt}`.
pub(super) async fn list_requests(
    app: &App,
    fmt: Fmt,
    p: &Params,
    headers: &HeaderMap,
) -> O311Result {
    let q: ListQuery = p.typed()?;
    // The order of the checks decides which error a bad call sees first.
    let within = jurisdiction(q.jurisdiction_id.as_deref(), &app.org())?;
    let ext = extensions(q.extensions.as_deref())?;
    let f = filter_of(app, &q, within).await?;
    let rows = app.store.open311_requests(&f).await?;
    render_requests(app, fmt, rows, base_url(headers), ext).await
}

/// `GET /requests/{id}.{fmt}`.
pub(super) async fn request_one(
    State(app): State<App>,
    Path(seg): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (id, fmt) = split_fmt(&seg);
    let Some(fmt) = fmt else {
        return unknown_format(&seg);
    };
    let r = async {
        let q: OneQuery = query(q).typed()?;
        let org = app.org();
        let within = jurisdiction(q.jurisdiction_id.as_deref(), &org)?;
        let ext = extensions(q.extensions.as_deref())?;
        let f = Open311Filter {
            codes: Some(vec![id.clone()]),
            limit: 1,
            ..Default::default()
        };
        let rows = app.store.open311_requests(&f).await?;
        let found = rows.into_iter().find(|r| {
            within
                .as_deref()
                .is_none_or(|j| org.within(&r.jurisdiction, j))
        });
        let Some(row) = found else {
            return Err(O311Error::not_found(said(
                "open311.request_not_found",
                &[("id", &id)],
            )));
        };
        render_requests(&app, fmt, vec![row], base_url(&headers), ext).await
    }
    .await;
    finish(fmt, r)
}

// ---- the request document ----------------------------------------------------------------

/// A request as a client sees it: public fields only, the address masked, the point coarse.
#[derive(Serialize)]
struct RequestDoc {
    service_request_id: String,
    status: &'static str,
    status_notes: String,
    service_name: Option<String>,
    service_code: String,
    description: String,
    agency_responsible: Option<String>,
    service_notice: Option<String>,
    requested_datetime: String,
    updated_datetime: String,
    expected_datetime: Option<String>,
    address: Option<String>,
    address_id: Option<String>,
    zipcode: Option<String>,
    lat: Option<f64>,
    long: Option<f64>,
    media_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extended_attributes: Option<ExtendedDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<Vec<NoteDoc>>,
}

/// `extensions=true`: the Chinese workflow's own state and the request's media.
#[derive(Serialize)]
struct ExtendedDoc {
    channel: &'static str,
    channel_name: &'static str,
    state: &'static str,
    state_name: &'static str,
    detailed_status: &'static str,
    jurisdiction: String,
    jurisdiction_name: Option<String>,
    duplicate: bool,
    parent_service_request_id: Option<String>,
    media_urls: Vec<String>,
}

/// One public step of the request.
#[derive(Serialize)]
struct NoteDoc {
    datetime: String,
    description: String,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// Coordinates are shown to about 100 m: a point can identify a home.
fn coarse(x: Option<f64>) -> Option<f64> {
    x.map(|v| (v * 1000.0).round() / 1000.0)
}

struct Listing<'a> {
    cat: &'a Catalogue,
    org: &'a Org,
    base: String,
    extensions: bool,
    merged_codes: HashMap<i64, String>,
    /// Requesters' names, only to reduce them to the surname where written into the text.
    names: HashMap<i64, String>,
}

fn request_doc(
    l: &Listing,
    p: &PublicRequest,
    events: &[Event],
    media: &[(String, Option<String>)],
) -> RequestDoc {
    let r = rebuild(p, events);
    let entry = p.category.as_deref().and_then(|c| l.cat.of_category(c));
    let service_code = entry
        .map(|c| c.code.clone())
        .or_else(|| p.category.clone())
        .unwrap_or_default();
    let service_name = entry.map(|c| c.name.clone()).or_else(|| {
        p.category
            .as_deref()
            .map(|c| c.rsplit('/').next().unwrap_or(c).to_string())
    });
    let media_urls: Vec<String> = media
        .iter()
        .map(|(id, url)| {
            url.clone()
                .unwrap_or_else(|| format!("{}/open311/v2/media/{id}", l.base))
        })
        .collect();
    let description: String = public_text(&p.content, l.names.get(&p.id).map(String::as_str))
        .chars()
        .take(MAX_DESCRIPTION)
        .collect();
    let agency = r
        .lead_unit
        .as_deref()
        .and_then(|u| l.org.unit(u))
        .map(|u| u.name.clone());
    let mut doc = RequestDoc {
        service_request_id: p.code.clone(),
        status: open_or_closed(&r),
        status_notes: status_notes(&r, events),
        service_name,
        service_code,
        description,
        agency_responsible: agency,
        service_notice: None,
        requested_datetime: rfc3339(p.received_at),
        updated_datetime: rfc3339(p.updated_at),
        expected_datetime: r.deadline.map(rfc3339),
        address: p.address.as_deref().map(mask_address),
        address_id: None,
        zipcode: None,
        lat: coarse(p.lat),
        long: coarse(p.lon),
        media_url: media_urls.first().cloned(),
        extended_attributes: None,
        notes: None,
    };
    if l.extensions {
        let notes = events
            .iter()
            .filter_map(|e| {
                public_note(&e.data).map(|description| NoteDoc {
                    datetime: rfc3339(e.at),
                    description,
                    kind: e.data.action(),
                })
            })
            .collect();
        doc.extended_attributes = Some(ExtendedDoc {
            channel: r.intake.channel.as_str(),
            channel_name: r.intake.channel.zh(),
            state: r.state.as_str(),
            state_name: r.state.zh(),
            detailed_status: fms_status(&r, events),
            jurisdiction: p.jurisdiction.clone(),
            jurisdiction_name: l.org.jurisdiction(&p.jurisdiction).map(|j| j.name.clone()),
            duplicate: r.merged_into.is_some(),
            parent_service_request_id: r
                .merged_into
                .and_then(|id| l.merged_codes.get(&id).cloned()),
            media_urls,
        });
        doc.notes = Some(notes);
    }
    doc
}

/// The codes of the requests the listed ones were merged into (for `extensions=true`).
async fn merged_codes(
    app: &App,
    events: &HashMap<i64, Vec<Event>>,
) -> Result<HashMap<i64, String>, O311Error> {
    let mut codes = HashMap::new();
    for evs in events.values() {
        for e in evs {
            if let EventData::Merge { into } = e.data
                && let Some((t, _)) = app.store.load_request(into).await?
            {
                codes.insert(into, t.intake.code);
            }
        }
    }
    Ok(codes)
}

/// Renders a page of requests with their events and media.
async fn render_requests(
    app: &App,
    fmt: Fmt,
    rows: Vec<PublicRequest>,
    base: String,
    extensions: bool,
) -> O311Result {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let events = app.store.events_of(&ids).await?;
    let media = app.store.open311_media_of(&ids).await?;
    let cat = Catalogue::load(app).await?;
    let org = app.org();
    let merged_codes = if extensions {
        merged_codes(app, &events).await?
    } else {
        HashMap::new()
    };
    let l = Listing {
        cat: &cat,
        org: &org,
        base,
        extensions,
        merged_codes,
        names: app.store.requester_names(&ids).await?,
    };
    let list: Vec<RequestDoc> = rows
        .iter()
        .map(|r| {
            request_doc(
                &l,
                r,
                events.get(&r.id).map(Vec::as_slice).unwrap_or(&[]),
                media.get(&r.id).map(Vec::as_slice).unwrap_or(&[]),
            )
        })
        .collect();
    Ok(reply(fmt, StatusCode::OK, "service_requests", &list))
}
