//! The deadline monitor: warnings, urging and escalation as of a moment, each an event by
//! the system actor.

use chrono::{DateTime, Utc};
use minhu_domain::lifecycle::{Command, next_system_act};
use minhu_domain::org::Actor;

use crate::{App, AppError};

/// What one sweep of the deadline monitor did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    pub examined: usize,
    pub warned_yellow: usize,
    pub warned_red: usize,
    pub urged: usize,
    pub escalated: usize,
}

/// The deadline monitor as of `at`: warnings, urging and escalation, each an event by the
/// system actor. Idempotent: what it did is in the log, so a second sweep does nothing.
pub async fn sweep(app: &App, at: DateTime<Utc>) -> Result<SweepReport, AppError> {
    use futures::StreamExt;
    let system = Actor::system();
    let mut report = SweepReport::default();
    // Requests are independent: work on many at once so the writer can group their events.
    let ids = app.store.sweep_candidates(at).await?;
    let mut work = futures::stream::iter(ids.into_iter().map(|id| sweep_one(app, id, at, &system)))
        .buffer_unordered(64);
    while let Some(one) = work.next().await {
        let one = one?;
        report.examined += 1;
        report.warned_yellow += one.warned_yellow;
        report.warned_red += one.warned_red;
        report.urged += one.urged;
        report.escalated += one.escalated;
    }
    if report != SweepReport::default() {
        tracing::info!(?report, at = %minhu_domain::time::rfc3339(at), "deadline sweep");
    }
    Ok(report)
}

/// Everything the monitor does to one request as of `at`.
async fn sweep_one(
    app: &App,
    id: i64,
    at: DateTime<Utc>,
    system: &Actor,
) -> Result<SweepReport, AppError> {
    use minhu_domain::request::Warning;
    let mut done = SweepReport::default();
    for _ in 0..8 {
        let Some((req, _)) = app.store.load_request(id).await? else {
            break;
        };
        let Some(act) = next_system_act(&req, at) else {
            break;
        };
        match &act {
            Command::Warn {
                level: Warning::Red,
            } => done.warned_red += 1,
            Command::Warn { .. } => done.warned_yellow += 1,
            Command::Urge { .. } => done.urged += 1,
            Command::Escalate { .. } => done.escalated += 1,
            _ => {}
        }
        crate::act::perform_at(app, id, &act, system, Some(at)).await?;
    }
    Ok(done)
}
