//! Registering a request: every channel (the API, the pages, Open311, imports) takes this
//! one path from a validated intake to its `register` event in the store.
//!
//! A repeat of an upstream id (the same channel and `external_id`) registers nothing and
//! answers the stored request, but only to someone who may read it
//! ([`access::may_see_repeat`]); anyone else gets a 409 `duplicate_external_id` naming the
//! field and no request: neither its code, its content nor its requester.

use minhu_domain::access;
use minhu_domain::org::{Actor, Tier};
use minhu_domain::rating_key::RatingKey;
use minhu_domain::request::{Event, EventData, Intake, Request};

use crate::{App, AppError, Kind};

/// A registered request with its events; `created` is false for a repeat of an upstream id.
/// `rating_key` is the new request's key, for the registering channel to give the requester
/// (never again: only its hash is kept; a repeat has none).
pub struct Registered {
    pub request: Request,
    pub events: Vec<Event>,
    pub created: bool,
    pub rating_key: Option<RatingKey>,
}

/// Registers a validated intake with its `register` event; durable when this returns.
pub async fn register(app: &App, intake: Intake, actor: &Actor) -> Result<Registered, AppError> {
    let org = app.org();
    let jurisdiction = org.jurisdiction(&intake.jurisdiction).ok_or_else(|| {
        AppError::new(Kind::Invalid, "unknown_jurisdiction").field("jurisdiction")
    })?;
    let first = Event {
        seq: 1,
        at: intake.received_at,
        actor: actor.username.clone(),
        role: actor.role_str().to_string(),
        data: EventData::Register {
            channel: intake.channel,
            kind: intake.kind,
            jurisdiction: intake.jurisdiction.clone(),
            tier: Tier::for_level(jurisdiction.level),
            category: intake.category.clone(),
        },
    };
    let jpath = org.path(&intake.jurisdiction);
    let (key, keep_key) = crate::rating::issue(app, &intake);
    let outcome = app
        .store
        .intake_rated(intake.clone(), jpath, first.clone(), keep_key)
        .await?;
    if outcome.created {
        let mut intake = intake;
        intake.code = outcome.code;
        let request = Request::replay(outcome.id, intake, std::slice::from_ref(&first));
        tracing::info!(id = request.id, code = %request.intake.code, channel = request.intake.channel.as_str(), "request registered");
        let rating_key = Some(key);
        return Ok(Registered {
            request,
            events: vec![first],
            created: true,
            rating_key,
        });
    }
    let (request, events) = app
        .store
        .load_request(outcome.id)
        .await?
        .ok_or_else(|| AppError::internal("idempotent intake lost its request"))?;
    if !access::may_see_repeat(actor, &request, &org) {
        tracing::info!(actor = %actor.username, "repeat of an upstream id the actor may not read");
        return Err(AppError::new(Kind::Conflict, "duplicate_external_id").field("external_id"));
    }
    Ok(Registered {
        request,
        events,
        created: false,
        rating_key: None,
    })
}
