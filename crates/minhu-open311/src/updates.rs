//! FixMyStreet's `servicerequestupdates`: `GET` lists the public steps of requests in a
//! time window as updates; `POST` takes a resident's follow-up from the client, once per
//! `update_id` (a repeat is answered as before and changes nothing).

use axum::http::StatusCode;
use chrono::Duration;
use minhu_domain::lifecycle::Command;
use minhu_domain::privacy::redact_text;
use minhu_domain::request::Event;
use minhu_domain::time::rfc3339;
use serde::{Deserialize, Serialize};

use super::MAX_DESCRIPTION;
use super::MAX_RESULTS;
use super::error::{O311Error, O311Result, said};
use super::format::{Fmt, reply};
use super::params::{Params, datetime};
use super::status::{fms_status, open_or_closed, public_note, rebuild};
use super::tokens::{actor_for, api_key};
use minhu_app::App;
use minhu_app::act::perform;

/// Statuses a client may send with an update: v2's and FixMyStreet's extended ones.
const UPDATE_STATUSES: [&str; 15] = [
    "open",
    "closed",
    "OPEN",
    "CLOSED",
    "FIXED",
    "IN_PROGRESS",
    "ACTION_SCHEDULED",
    "INVESTIGATING",
    "DUPLICATE",
    "NOT_COUNCILS_RESPONSIBILITY",
    "NO_FURTHER_ACTION",
    "INTERNAL_REFERRAL",
    "FOR_TRIAGE",
    "CANCELLED",
    "REOPEN",
];

/// The parameters of `GET /servicerequestupdates`.
#[derive(Debug, Deserialize)]
struct UpdatesQuery {
    start_date: Option<String>,
    end_date: Option<String>,
}

/// The fields of `POST /servicerequestupdates`.
#[derive(Debug, Deserialize)]
struct UpdateForm {
    api_key: Option<String>,
    service_request_id: Option<String>,
    update_id: Option<String>,
    updated_datetime: Option<String>,
    status: Option<String>,
    description: Option<String>,
}

/// One public step as an update.
#[derive(Serialize)]
struct UpdateDoc {
    update_id: String,
    service_request_id: String,
    status: &'static str,
    updated_datetime: String,
    description: String,
    media_url: Option<String>,
    external_status_code: &'static str,
}

/// The answer to a POST.
#[derive(Serialize)]
struct UpdateAck<'a> {
    update_id: &'a str,
}

/// `GET /servicerequestupdates.{fmt}`: the last 24 hours unless both dates are given.
pub(super) async fn list_updates(app: &App, fmt: Fmt, p: &Params) -> O311Result {
    let q: UpdatesQuery = p.typed()?;
    let start = datetime("start_date", q.start_date.as_deref())?;
    let end = datetime("end_date", q.end_date.as_deref())?;
    let now = app.now();
    let (start, end) = match (start, end) {
        (Some(s), Some(e)) if e >= s => (s, e),
        (Some(_), Some(_)) => {
            return Err(O311Error::bad(said("open311.end_before_start", &[])));
        }
        (None, None) => (now - Duration::hours(24), now),
        _ => return Err(O311Error::bad(said("open311.both_dates_or_neither", &[]))),
    };
    let hits = app
        .store
        .public_events_between(start, end, MAX_RESULTS * 4)
        .await?;
    let mut list = Vec::new();
    for (req, events, seq) in hits {
        let upto: Vec<Event> = events.iter().filter(|e| e.seq <= seq).cloned().collect();
        let Some(e) = upto.last() else { continue };
        let Some(description) = public_note(&e.data) else {
            continue;
        };
        let r = rebuild(&req, &upto);
        list.push(UpdateDoc {
            update_id: format!("{}-{}", req.code, e.seq),
            service_request_id: req.code.clone(),
            status: open_or_closed(&r),
            updated_datetime: rfc3339(e.at),
            description,
            media_url: None,
            external_status_code: fms_status(&r, &upto),
        });
        if list.len() as i64 >= MAX_RESULTS {
            break;
        }
    }
    Ok(reply(fmt, StatusCode::OK, "service_request_updates", &list))
}

/// The checked fields of an update: every one is required.
struct Update<'a> {
    code: &'a str,
    update_id: &'a str,
    status: &'a str,
    description: &'a str,
    updated: chrono::DateTime<chrono::Utc>,
}

/// A present field's value (every one is checked present first).
fn field(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or_default()
}

fn check_update(form: &UpdateForm) -> Result<Update<'_>, O311Error> {
    let fields = [
        ("service_request_id", &form.service_request_id),
        ("update_id", &form.update_id),
        ("updated_datetime", &form.updated_datetime),
        ("status", &form.status),
        ("description", &form.description),
    ];
    let missing: Vec<String> = fields
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(f, _)| said("open311.field_missing", &[("field", f)]))
        .collect();
    if !missing.is_empty() {
        return Err(O311Error::bad_all(missing));
    }
    let updated = datetime("updated_datetime", form.updated_datetime.as_deref())?;
    let status = field(&form.status);
    let description = field(&form.description);
    let update_id = field(&form.update_id);
    if !UPDATE_STATUSES.iter().any(|s| {
        s.eq_ignore_ascii_case(status) || s.eq_ignore_ascii_case(&status.replace(' ', "_"))
    }) {
        return Err(O311Error::bad(said(
            "open311.bad_update_status",
            &[
                ("status", status),
                ("statuses", &UPDATE_STATUSES[2..].join("、")),
            ],
        )));
    }
    if description.chars().count() > MAX_DESCRIPTION || update_id.len() > 200 {
        let max = MAX_DESCRIPTION.to_string();
        return Err(O311Error::bad(said(
            "open311.update_too_long",
            &[("max", &max)],
        )));
    }
    // Present (checked above) and well formed: `datetime` gave Some.
    let Some(updated) = updated else {
        return Err(O311Error::bad(said(
            "open311.field_missing",
            &[("field", "updated_datetime")],
        )));
    };
    Ok(Update {
        code: field(&form.service_request_id),
        update_id,
        status,
        description,
        updated,
    })
}

/// `POST /servicerequestupdates.{fmt}`.
pub(super) async fn post_update(app: &App, fmt: Fmt, p: Params) -> O311Result {
    let form: UpdateForm = p.typed()?;
    let key = api_key(app, form.api_key.as_deref()).await?;
    let u = check_update(&form)?;
    let answer = |status: StatusCode| {
        reply(
            fmt,
            status,
            "service_request_updates",
            &[UpdateAck {
                update_id: u.update_id,
            }],
        )
    };
    let request = app.store.load_request_by_code(u.code).await?;
    // Only a request this client registered (`access`), never a confidential one: any
    // other answers as if it did not exist.
    let actor = actor_for(&key);
    let org = app.org();
    let mine = |r: &minhu_domain::request::Request| {
        !r.intake.confidential && minhu_domain::access::may_read(&actor, r, &org)
    };
    let Some((req, _)) = request.filter(|(r, _)| mine(r)) else {
        return Err(O311Error::bad(said(
            "open311.request_not_found",
            &[("id", u.code)],
        )));
    };
    if let Some(prev) = app.store.open311_update(key.id, u.update_id).await? {
        // A repeat: answered as before, nothing done again.
        if prev.request_id == req.id {
            return Ok(answer(StatusCode::OK));
        }
        return Err(O311Error::bad(said(
            "open311.update_id_reused",
            &[("id", u.update_id)],
        )));
    }
    // The resident's follow-up reaches the handlers as an urge (催办) while the request is
    // being worked on; otherwise it is kept for staff to read.
    let note = format!(
        "Open311 更新（{}）：{}",
        u.status,
        redact_text(u.description)
    );
    let urge = Command::Urge { note: Some(note) };
    let seq = if urge.allowed_from(&req) {
        let (after, _) = perform(app, req.id, &urge, &actor).await?;
        Some(after.version)
    } else {
        None
    };
    let fresh = app
        .store
        .add_open311_update(
            key.id,
            u.update_id,
            req.id,
            u.status,
            u.description,
            u.updated,
            seq,
        )
        .await?;
    Ok(answer(if fresh {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }))
}
