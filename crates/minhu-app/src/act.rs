//! Performing a lifecycle step: decided by the domain against the state derived from the
//! log, appended by the store only if nobody changed the request meanwhile.

use chrono::{DateTime, Utc};
use minhu_domain::lifecycle::{Command, Ctx, decide};
use minhu_domain::org::Actor;
use minhu_domain::request::{Event, Request};
use minhu_store::AppendOutcome;

use crate::{App, AppError, Kind};

/// Performs one lifecycle step: decided against the state derived from the log, appended
/// only if nobody changed the request meanwhile (otherwise decided again on the fresh state).
pub async fn perform(
    app: &App,
    id: i64,
    command: &Command,
    actor: &Actor,
) -> Result<(Request, Vec<Event>), AppError> {
    perform_at(app, id, command, actor, None).await
}

/// [`perform`] decided as of a given moment (the deadline monitor's `--at`). The event is
/// stamped with the real time all the same: the log is append-only and says when things
/// were done, never a moment that has not come yet. Never before the request's last event.
pub async fn perform_at(
    app: &App,
    id: i64,
    command: &Command,
    actor: &Actor,
    at: Option<DateTime<Utc>>,
) -> Result<(Request, Vec<Event>), AppError> {
    for _attempt in 0..5 {
        let (req, events) = app
            .store
            .load_request(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        match try_once(app, req, events, command, actor, at).await? {
            Some(done) => return Ok(done),
            None => continue,
        }
    }
    Err(AppError::new(Kind::Conflict, "concurrent_update"))
}

/// What one step of the deadline monitor did to a request.
pub(crate) enum SystemStep {
    /// It did this act.
    Did(Command),
    /// Nothing is due as of the moment.
    Nothing,
    /// Somebody changed the request between reading and writing: look again.
    Raced,
}

/// The deadline monitor's next act on one request as of `at`, appended only if nobody
/// changed the request meanwhile. Unlike [`perform_at`] a race is not retried with the same
/// command: what is due is worked out again from the fresh state, so two monitors racing
/// on one lapsed request escalate it once, not once each.
pub(crate) async fn system_step(
    app: &App,
    id: i64,
    at: DateTime<Utc>,
) -> Result<SystemStep, AppError> {
    let Some((req, events)) = app.store.load_request(id).await? else {
        return Ok(SystemStep::Nothing);
    };
    let Some(command) = minhu_domain::lifecycle::next_system_act(&req, at) else {
        return Ok(SystemStep::Nothing);
    };
    let done = try_once(app, req, events, &command, &Actor::system(), Some(at)).await?;
    Ok(match done {
        Some(_) => SystemStep::Did(command),
        None => SystemStep::Raced,
    })
}

/// Decides `command` against `req` and appends it; `None` when the request changed since
/// it was read (the caller reads again).
async fn try_once(
    app: &App,
    req: Request,
    mut events: Vec<Event>,
    command: &Command,
    actor: &Actor,
    at: Option<DateTime<Utc>>,
) -> Result<Option<(Request, Vec<Event>)>, AppError> {
    let org = app.org();
    let calendar = app.calendar();
    let sla = app.sla();
    let target = match command {
        Command::Merge { into } => app.store.load_request(*into).await?.map(|(r, _)| r),
        _ => None,
    };
    let stamped = app.now().max(req.updated_at);
    let ctx = Ctx {
        now: at
            .map(minhu_domain::time::truncate_ms)
            .unwrap_or(stamped)
            .max(req.updated_at),
        org: &org,
        calendar: &calendar,
        sla: &sla,
        merge_target: target.as_ref(),
    };
    let data = decide(&req, command, actor, &ctx)?;
    let event = Event {
        seq: req.version + 1,
        at: stamped,
        actor: actor.username.clone(),
        role: actor.role_str().to_string(),
        data,
    };
    let mut after = req;
    after.apply(&event);
    let outbox = minhu_domain::notify::rules::messages_for(
        &app.subscriptions(),
        &org,
        &after,
        &event,
        app.config.sms_gateway.is_some(),
    );
    match app.store.append(&after, event.clone(), outbox).await? {
        AppendOutcome::Appended => {
            tracing::info!(id = after.id, action = command.action(), actor = %actor.username, state = after.state.as_str(), "request step");
            events.push(event);
            Ok(Some((after, events)))
        }
        AppendOutcome::Conflict => Ok(None),
    }
}
