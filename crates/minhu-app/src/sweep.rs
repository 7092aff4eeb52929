//! The deadline monitor: warnings, urging and escalation as of a moment, each an event by
//! the system actor.

use chrono::{DateTime, Utc};
use minhu_domain::lifecycle::Command;

use crate::act::SystemStep;
use crate::{App, AppError, Kind};

/// What one sweep of the deadline monitor did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    pub examined: usize,
    pub warned_yellow: usize,
    pub warned_red: usize,
    pub urged: usize,
    pub escalated: usize,
    /// Requests left for the next sweep: changed under it again and again, or unreadable.
    pub skipped: usize,
    /// The 督办 ladder of action items (催办, 督办通知, 通报), swept beside the requests.
    pub action_items: crate::action_item::oversight::OversightReport,
    /// Open 疑难件 queued for the joint meetings (联席会议) by this sweep.
    pub joint_candidates: u64,
}

/// The deadline monitor as of `at`: warnings, urging and escalation, each an event by the
/// system actor, stamped with the real time. Idempotent: what it did is in the log, so a
/// second sweep — on this server or another — does nothing more. A request that cannot be
/// swept (a user acted on it at that instant and it keeps changing, or its read failed) is
/// skipped and counted; the sweep goes on with the others.
pub async fn sweep(app: &App, at: DateTime<Utc>) -> Result<SweepReport, AppError> {
    use futures::StreamExt;
    let mut report = SweepReport::default();
    // Requests are independent: work on many at once so the writer can group their events.
    let ids = app.store.sweep_candidates(at).await?;
    let mut work = futures::stream::iter(ids.into_iter().map(|id| sweep_one(app, id, at)))
        .buffer_unordered(64);
    while let Some((id, one, failed)) = work.next().await {
        report.examined += 1;
        report.add(&one);
        if let Some(e) = failed {
            report.skipped += 1;
            tracing::warn!(id, error = %e, "deadline sweep skipped a request; the next sweep takes it up");
        }
    }
    report.action_items = crate::action_item::oversight::sweep(app, at).await?;
    report.joint_candidates = crate::joint_meeting::take_in_hard_cases(app, at).await?;
    if let Err(e) = crate::council::followup::tell_progress(app).await {
        tracing::warn!(error = %e, "council progress notices skipped; the next sweep tells them");
    }
    if report != SweepReport::default() {
        tracing::info!(?report, at = %minhu_domain::time::rfc3339(at), "deadline sweep");
    }
    Ok(report)
}

impl SweepReport {
    fn add(&mut self, one: &SweepReport) {
        self.warned_yellow += one.warned_yellow;
        self.warned_red += one.warned_red;
        self.urged += one.urged;
        self.escalated += one.escalated;
    }

    fn count(&mut self, act: &Command) {
        use minhu_domain::request::Warning;
        match act {
            Command::Warn {
                level: Warning::Red,
            } => self.warned_red += 1,
            Command::Warn { .. } => self.warned_yellow += 1,
            Command::Urge { .. } => self.urged += 1,
            Command::Escalate { .. } => self.escalated += 1,
            _ => {}
        }
    }
}

/// Everything the monitor does to one request as of `at` (a few acts at most: warn, urge,
/// escalate), looking again after each and after every race; with the error that stopped
/// it, if one did.
async fn sweep_one(app: &App, id: i64, at: DateTime<Utc>) -> (i64, SweepReport, Option<AppError>) {
    let mut done = SweepReport::default();
    for _ in 0..12 {
        match crate::act::system_step(app, id, at).await {
            Ok(SystemStep::Did(act)) => done.count(&act),
            Ok(SystemStep::Raced) => continue,
            Ok(SystemStep::Nothing) => return (id, done, None),
            Err(e) => return (id, done, Some(e)),
        }
    }
    let raced = AppError::new(Kind::Conflict, "concurrent_update");
    (id, done, Some(raced))
}
