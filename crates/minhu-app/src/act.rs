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

/// [`perform`] as of a given moment (the deadline monitor's `--at`); never before the
/// request's last event.
pub async fn perform_at(
    app: &App,
    id: i64,
    command: &Command,
    actor: &Actor,
    at: Option<DateTime<Utc>>,
) -> Result<(Request, Vec<Event>), AppError> {
    let org = app.org();
    let subscriptions = app.subscriptions();
    let calendar = app.calendar();
    let sla = app.sla();
    for _attempt in 0..5 {
        let (req, mut events) = app
            .store
            .load_request(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let target = match command {
            Command::Merge { into } => app.store.load_request(*into).await?.map(|(r, _)| r),
            _ => None,
        };
        let now = at
            .map(minhu_domain::time::truncate_ms)
            .unwrap_or_else(|| app.now())
            .max(req.updated_at);
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
        let outbox = minhu_domain::notify::rules::messages_for(
            &subscriptions,
            &org,
            &after,
            &event,
            app.config.sms_gateway.is_some(),
        );
        match app.store.append(&after, event.clone(), outbox).await? {
            AppendOutcome::Appended => {
                tracing::info!(id, action = command.action(), actor = %actor.username, state = after.state.as_str(), "request step");
                events.push(event);
                return Ok((after, events));
            }
            AppendOutcome::Conflict => continue,
        }
    }
    Err(AppError::new(Kind::Conflict, "concurrent_update"))
}
