//! The two operations every channel shares — registering a request and performing a
//! lifecycle step — so the JSON API, Open311, imports and the deadline monitor all take
//! the same path to the domain and the store.

use axum::http::StatusCode;
use minhu_domain::lifecycle::{Command, Ctx, decide};
use minhu_domain::org::{Actor, Tier};
use minhu_domain::request::{Event, EventData, Intake, Request};
use minhu_store::AppendOutcome;

use crate::{ApiError, AppState};

/// A registered request with its events; `created` is false for a repeat of an upstream id.
pub struct Registered {
    pub request: Request,
    pub events: Vec<Event>,
    pub created: bool,
}

/// Registers a validated intake with its `register` event; durable when this returns.
pub async fn register(
    app: &AppState,
    intake: Intake,
    actor: &Actor,
) -> Result<Registered, ApiError> {
    let org = app.org();
    let jurisdiction = org.jurisdiction(&intake.jurisdiction).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_jurisdiction",
            "未找到辖区",
            "unknown jurisdiction",
        )
        .field("jurisdiction")
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
    let outcome = app
        .store
        .intake(intake.clone(), jpath, first.clone())
        .await?;
    if outcome.created {
        let mut intake = intake;
        intake.code = outcome.code;
        let request = Request::replay(outcome.id, intake, std::slice::from_ref(&first));
        tracing::info!(id = request.id, code = %request.intake.code, channel = request.intake.channel.as_str(), "request registered");
        return Ok(Registered {
            request,
            events: vec![first],
            created: true,
        });
    }
    let (request, events) = app
        .store
        .load_request(outcome.id)
        .await?
        .ok_or_else(|| ApiError::internal("idempotent intake lost its request"))?;
    Ok(Registered {
        request,
        events,
        created: false,
    })
}

/// Performs one lifecycle step: decided against the state derived from the log, appended
/// only if nobody changed the request meanwhile (otherwise decided again on the fresh state).
pub async fn perform(
    app: &AppState,
    id: i64,
    command: &Command,
    actor: &Actor,
) -> Result<(Request, Vec<Event>), ApiError> {
    let org = app.org();
    let calendar = app.calendar();
    let sla = app.sla();
    for _attempt in 0..5 {
        let (req, mut events) = app
            .store
            .load_request(id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let target = match command {
            Command::Merge { into } => app.store.load_request(*into).await?.map(|(r, _)| r),
            _ => None,
        };
        let now = app.now().max(req.updated_at);
        let ctx = Ctx {
            now,
            org: &org,
            calendar: &calendar,
            sla: &sla,
            merge_target: target.as_ref(),
        };
        let data = decide(&req, command, actor, &ctx)?;
        let event = Event {
            seq: req.version + 1,
            at: now,
            actor: actor.username.clone(),
            role: actor.role_str().to_string(),
            data,
        };
        let mut after = req;
        after.apply(&event);
        match app.store.append(&after, event.clone()).await? {
            AppendOutcome::Appended => {
                tracing::info!(id, action = command.action(), actor = %actor.username, state = after.state.as_str(), "request step");
                events.push(event);
                return Ok((after, events));
            }
            AppendOutcome::Conflict => continue,
        }
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "concurrent_update",
        "该诉求正被他人同时修改，请刷新后重试",
        "the request was changed concurrently; reload and retry",
    ))
}
