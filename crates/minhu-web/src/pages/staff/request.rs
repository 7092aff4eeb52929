//! The request page: the facts of one request (personal fields masked unless revealed, and
//! every reveal logged), the screening hints while it is still open for merging, the forms of
//! the actions its state allows this person, its photos and its timeline. Read access and
//! reveal are `minhu_domain::access::{may_read, may_reveal}`; anything else is a 404.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minhu_app::text::suggest::catalogue_unit;
use minhu_domain::access;
use minhu_domain::lifecycle::{ACTIONS, Ctx, offered_actions};
use minhu_domain::org::{Actor, Org, Unit};
use minhu_domain::privacy::{mask_address, mask_name, mask_phone};
use minhu_domain::request::{Event, Request, State as ReqState};
use serde_json::Value;

use super::actions::{action_fields, action_label, options_for};
use super::hints::{Duplicate, Suggestion, find_duplicates, suggest_categories};
use super::unit_label;
use crate::pages::public::Choice;
use crate::pages::{Lang, Page, PageError, Staff, code_label, render, t, time, time_opt};
use crate::service::reveal_personal;
use crate::{ApiError, AppState};

pub struct TimelineRow {
    pub at: String,
    pub action: String,
    pub who: String,
    pub detail: String,
    /// The action item's page, for a step of an item tied to the request.
    pub href: String,
}

pub struct ActionForm {
    pub action: &'static str,
    pub label: String,
    pub fields: Vec<FieldView>,
}

pub struct FieldView {
    pub name: &'static str,
    pub label: String,
    pub kind: &'static str,
    pub required: bool,
    pub options: Vec<Choice>,
    pub value: String,
}

pub struct PhotoView {
    pub href: String,
    pub gps: String,
}

#[derive(Template)]
#[template(path = "staff/request.html")]
struct RequestPage {
    p: Page,
    me: Staff,
    id: i64,
    code: String,
    state: String,
    state_code: &'static str,
    warning: &'static str,
    channel: String,
    kind: String,
    category: String,
    content: String,
    subject: String,
    place: String,
    name: String,
    phone: String,
    address: String,
    revealed: bool,
    may_reveal: bool,
    confidential: bool,
    tier: String,
    unit: String,
    co_units: String,
    deadline: String,
    received: String,
    reply: String,
    public_reply: String,
    satisfaction: String,
    merged_into: Option<i64>,
    timeline: Vec<TimelineRow>,
    actions: Vec<ActionForm>,
    categories: Vec<Suggestion>,
    suggested_unit: String,
    duplicates: Vec<Duplicate>,
    photos: Vec<PhotoView>,
    created: bool,
    done: Option<String>,
}

/// The hints shown while a request can still be screened or merged.
struct Screening {
    categories: Vec<Suggestion>,
    /// The request's category, or the classifier's top one standing in for it.
    category: Option<String>,
    /// The unit the dispatch catalogue names for that category and place.
    catalogue: Option<Unit>,
    duplicates: Vec<Duplicate>,
}

/// The personal fields as this page shows them.
struct Personal {
    name: String,
    phone: String,
    address: String,
}

pub(super) async fn request_page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let (req, events) = readable_request(&app, &me, &id).await?;
    let org = app.org();
    let l = p.lang;
    let revealed = q.contains_key("reveal");
    if revealed {
        reveal_personal(&app, &me.actor, &req, q.get("purpose").map(String::as_str)).await?;
    }
    let screening = screening(&app, &me.actor, &req, l).await?;
    let actions = action_forms(&app, &me, &req, &org, &screening, l);
    let photos = photos(&app, &req).await?;
    let page = RequestPage {
        warning: req.warning(app.now()).as_str(),
        may_reveal: access::may_reveal(&me.actor, &req, &org),
        timeline: timeline(
            &events,
            &crate::api::action_item::item_steps(&app, req.id).await?,
            &org,
            l,
        ),
        actions,
        suggested_unit: screening
            .catalogue
            .as_ref()
            .map(unit_label)
            .unwrap_or_default(),
        categories: screening.categories,
        duplicates: screening.duplicates,
        photos,
        created: q.contains_key("new"),
        done: q
            .get("done")
            .filter(|a| ACTIONS.contains(&a.as_str()))
            .map(|a| action_label(l, a)),
        ..facts(&req, &org, l, personal(&req, revealed), revealed, me, p)
    };
    Ok(render(&page)?.into_response())
}

/// The request if this person may read it; a 404 otherwise, so ids do not leak.
async fn readable_request(
    app: &AppState,
    me: &Staff,
    id: &str,
) -> Result<(Request, Vec<Event>), PageError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let (req, events) = app
        .store
        .load_request(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !access::may_read(&me.actor, &req, &app.org()) {
        return Err(ApiError::not_found().into());
    }
    Ok((req, events))
}

fn personal(req: &Request, revealed: bool) -> Personal {
    let pick = |v: &Option<String>, mask: fn(&str) -> String| -> String {
        match v {
            Some(x) if revealed => x.clone(),
            Some(x) => mask(x),
            None => String::new(),
        }
    };
    let i = &req.intake;
    Personal {
        name: pick(&i.requester.name, mask_name),
        phone: pick(&i.requester.phone, mask_phone),
        address: pick(&i.address, mask_address),
    }
}

/// Suggestions and duplicates while the request is open for merging (the categories also
/// when it has none yet); predicted once per page.
async fn screening(
    app: &AppState,
    actor: &Actor,
    req: &Request,
    l: Lang,
) -> Result<Screening, ApiError> {
    let i = &req.intake;
    let open_for_merge = matches!(req.state, ReqState::Registered | ReqState::PendingDispatch);
    let categories = if open_for_merge || i.category.is_none() {
        suggest_categories(app, i.subject.as_deref(), &i.content)
    } else {
        Vec::new()
    };
    let category = i
        .category
        .clone()
        .or_else(|| categories.first().map(|c| c.category.clone()));
    if !open_for_merge {
        return Ok(Screening {
            categories,
            category,
            catalogue: None,
            duplicates: Vec::new(),
        });
    }
    let catalogue = catalogue_unit(app, category.as_deref(), &i.jurisdiction);
    let duplicates =
        find_duplicates(app, actor, &i.jurisdiction, &i.content, Some(req.id), l).await?;
    Ok(Screening {
        categories,
        category,
        catalogue,
        duplicates,
    })
}

/// The forms of the actions the state allows this person, with the catalogue's unit and
/// the suggested category filled in.
fn action_forms(
    app: &AppState,
    me: &Staff,
    req: &Request,
    org: &Org,
    screening: &Screening,
    l: Lang,
) -> Vec<ActionForm> {
    let calendar = app.calendar();
    let sla = app.sla();
    let ctx = Ctx {
        now: app.now(),
        org,
        calendar: &calendar,
        sla: &sla,
        merge_target: None,
    };
    let prefilled = |action: &str, name: &str| match (action, name) {
        ("dispatch", "unit") => screening
            .catalogue
            .as_ref()
            .map(|u| u.code.clone())
            .unwrap_or_default(),
        ("categorise", "category") => screening.category.clone().unwrap_or_default(),
        _ => String::new(),
    };
    offered_actions(req, &me.actor, &ctx)
        .into_iter()
        .map(|action| ActionForm {
            action,
            label: action_label(l, action),
            fields: action_fields(action)
                .iter()
                .map(|f| FieldView {
                    name: f.name,
                    label: t(l, f.label).into(),
                    kind: f.kind,
                    required: f.required,
                    options: options_for(f.kind, l, org),
                    value: prefilled(action, f.name),
                })
                .collect(),
        })
        .collect()
}

async fn photos(app: &AppState, req: &Request) -> Result<Vec<PhotoView>, ApiError> {
    Ok(app
        .store
        .attachments_of(req.id)
        .await?
        .into_iter()
        .map(|a| PhotoView {
            href: format!("/staff/requests/{}/photos/{}", req.id, a.hash),
            gps: match (a.exif_lat, a.exif_lon) {
                (Some(la), Some(lo)) => format!("{la:.5}, {lo:.5}"),
                _ => String::new(),
            },
        })
        .collect())
}

/// The request's events and the steps of its action items, by time (the request's own
/// event first at the same instant).
fn timeline(
    events: &[Event],
    steps: &[minhu_domain::action_item::steps::ItemStep],
    org: &Org,
    l: Lang,
) -> Vec<TimelineRow> {
    use crate::view::item_steps;
    let mut rows: Vec<_> = events
        .iter()
        .map(|e| {
            let row = TimelineRow {
                at: time(&e.at),
                action: action_label(l, e.data.action()),
                who: e.actor.clone(),
                detail: event_detail(&e.data.fields(), org),
                href: String::new(),
            };
            (e.at, row)
        })
        .collect();
    rows.extend(steps.iter().map(|s| {
        let row = TimelineRow {
            at: time(&s.at),
            action: item_steps::label(s, l),
            who: item_steps::who(s, org, l),
            detail: item_steps::detail(s, org, l),
            href: format!("/staff/action-items/{}", s.item.0),
        };
        (s.at, row)
    }));
    rows.sort_by_key(|(at, _)| *at);
    rows.into_iter().map(|(_, r)| r).collect()
}

fn unit_name(org: &Org, code: Option<&str>) -> String {
    code.and_then(|u| org.unit(u))
        .map(|u| u.name.clone())
        .unwrap_or_default()
}

/// The page's facts of the request; the parts that need the store are filled by the caller.
fn facts(
    req: &Request,
    org: &Org,
    l: Lang,
    personal: Personal,
    revealed: bool,
    me: Staff,
    p: Page,
) -> RequestPage {
    let i = &req.intake;
    RequestPage {
        id: req.id,
        code: i.code.clone(),
        state: code_label(l, "state", req.state.as_str()),
        state_code: req.state.as_str(),
        warning: "none",
        channel: code_label(l, "channel", i.channel.as_str()),
        kind: code_label(l, "type", i.kind.as_str()),
        category: i.category.clone().unwrap_or_default(),
        content: i.content.clone(),
        subject: i.subject.clone().unwrap_or_default(),
        place: org
            .jurisdiction(&i.jurisdiction)
            .map(|j| j.name.clone())
            .unwrap_or_default(),
        name: personal.name,
        phone: personal.phone,
        address: personal.address,
        revealed,
        may_reveal: false,
        confidential: i.confidential,
        tier: req.tier.as_str().into(),
        unit: unit_name(org, req.lead_unit.as_deref()),
        co_units: req
            .co_units
            .iter()
            .filter_map(|c| org.unit(c))
            .map(|u| u.name.clone())
            .collect::<Vec<_>>()
            .join("、"),
        deadline: time_opt(&req.deadline),
        received: time(&i.received_at),
        reply: req
            .reply
            .as_ref()
            .map(|r| r.account.clone())
            .unwrap_or_default(),
        public_reply: req
            .reply
            .as_ref()
            .map(|r| r.public_reply.clone())
            .unwrap_or_default(),
        satisfaction: req
            .callback
            .as_ref()
            .and_then(|c| c.satisfaction)
            .map(|s| code_label(l, "satisfaction", s.as_str()))
            .unwrap_or_default(),
        merged_into: req.merged_into,
        timeline: Vec::new(),
        actions: Vec::new(),
        categories: Vec::new(),
        suggested_unit: String::new(),
        duplicates: Vec::new(),
        photos: Vec::new(),
        created: false,
        done: None,
        me,
        p,
    }
}

/// A readable line of an event's fields (unit codes as names; internal ids left out).
fn event_detail(fields: &Value, org: &Org) -> String {
    let Some(obj) = fields.as_object() else {
        return String::new();
    };
    let name = |s: &str| {
        org.unit(s)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| s.to_string())
    };
    obj.iter()
        .filter(|(k, v)| {
            !v.is_null() && !matches!(k.as_str(), "deadline" | "yellow_at" | "sla_version")
        })
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => name(s),
                Value::Array(a) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(name)
                    .collect::<Vec<_>>()
                    .join("、"),
                other => other.to_string(),
            };
            format!("{k}: {text}")
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// A photo of a request this person may read.
pub(super) async fn photo(
    State(app): State<AppState>,
    me: Staff,
    Path((id, hash)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (req, _) = readable_request(&app, &me, &id).await?;
    let (mime, bytes) = app
        .store
        .attachment_bytes(req.id, &hash)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, max-age=3600".into()),
        ],
        bytes,
    )
        .into_response())
}
