//! The two operations every channel shares — registering a request and performing a
//! lifecycle step — so the JSON API, Open311, imports and the deadline monitor all take
//! the same path to the domain and the store.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use minhu_domain::lifecycle::{Command, Ctx, decide, next_system_act};
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
    perform_at(app, id, command, actor, None).await
}

/// [`perform`] as of a given moment (the deadline monitor's `--at`); never before the
/// request's last event.
pub async fn perform_at(
    app: &AppState,
    id: i64,
    command: &Command,
    actor: &Actor,
    at: Option<DateTime<Utc>>,
) -> Result<(Request, Vec<Event>), ApiError> {
    let org = app.org();
    let subscriptions = app.subscriptions();
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
        let outbox = crate::notify::messages_for(
            &subscriptions,
            &org,
            &after,
            &event,
            app.sms_gateway.is_some(),
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
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "concurrent_update",
        "该诉求正被他人同时修改，请刷新后重试",
        "the request was changed concurrently; reload and retry",
    ))
}

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
pub async fn sweep(app: &AppState, at: DateTime<Utc>) -> Result<SweepReport, ApiError> {
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
    app: &AppState,
    id: i64,
    at: DateTime<Utc>,
    system: &Actor,
) -> Result<SweepReport, ApiError> {
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
        perform_at(app, id, &act, system, Some(at)).await?;
    }
    Ok(done)
}

/// Runs the deadline monitor inside the server every `every`.
pub fn spawn_sweeper(app: AppState, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = sweep(&app, Utc::now()).await {
                tracing::warn!(error = ?e, "deadline sweep failed");
            }
        }
    });
}

/// May this person see the requester's personal fields? The staff of the request's
/// jurisdiction may; the handling unit may (it calls back), except for a confidential
/// (e.g. whistle-blowing) request.
pub fn may_reveal(actor: &Actor, req: &Request, org: &minhu_domain::org::Org) -> bool {
    use minhu_domain::org::Role;
    let rel = minhu_domain::lifecycle::relation(actor, req, org);
    match actor.role {
        Some(Role::DistrictAdmin | Role::StreetStaff | Role::CommunityStaff) => rel.staff,
        Some(Role::UnitHandler) => (rel.handler || rel.co_handler) && !req.intake.confidential,
        _ => false,
    }
}

/// Lets this person see the request's personal fields, logging the read with its purpose;
/// 403 (field `reveal`) when they may not.
pub async fn reveal_personal(
    app: &AppState,
    actor: &Actor,
    req: &Request,
    purpose: Option<&str>,
) -> Result<(), ApiError> {
    if !may_reveal(actor, req, &app.org()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "您无权查看诉求人的个人信息",
            "you may not see the requester's personal data",
        )
        .field("reveal"));
    }
    let purpose = purpose
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("查看工单");
    app.store
        .log_access(
            &actor.username,
            actor.role_str(),
            Some(req.id),
            "requester.name,requester.phone,address",
            purpose,
        )
        .await?;
    Ok(())
}

/// What a tracking code shows its requester: their own request, and the request whose
/// progress they follow — the parent, when theirs was merged into it as a duplicate.
pub struct Tracked {
    pub own: Request,
    pub shown: Request,
    pub events: Vec<Event>,
}

impl Tracked {
    pub fn merged(&self) -> bool {
        self.own.id != self.shown.id
    }
}

/// Looks up a tracking code (anything but letters and digits ignored); 404 when unknown.
pub async fn track(app: &AppState, code: &str) -> Result<Tracked, ApiError> {
    let code: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(40)
        .collect();
    let (own, events) = app
        .store
        .load_request_by_code(&code)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "未找到该查询码对应的诉求，请核对后重试",
                "no request has this tracking code",
            )
        })?;
    if let Some(pid) = own.merged_into {
        if let Some((parent, parent_events)) = app.store.load_request(pid).await? {
            return Ok(Tracked {
                own,
                shown: parent,
                events: parent_events,
            });
        }
    }
    Ok(Tracked {
        shown: own.clone(),
        own,
        events,
    })
}
