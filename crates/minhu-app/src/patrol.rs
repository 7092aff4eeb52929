//! Grid work in the field: starting and ending a patrol, recording a visit with its
//! findings and photos, a finding without a visit, the worker's own findings with the
//! requests they became, the overdue-visit queue, coverage and the monthly workload.
//!
//! A reported finding becomes an ordinary request through [`crate::intake::register`]:
//! channel `grid_patrol`, located in the grid (so its tier is the community's and the SLA
//! policy's community row gives it 2 working days), keyed by the finding's client key as
//! its `external_id`, so a repeat of the visit never registers a second request.
//!
//! Roles: only a grid worker records, in a grid of their scope; a read of a grid (queue,
//! coverage) needs the grid in the reader's scope. Care tag kinds are sensitive: the queue
//! names a tag's kind only to a user with the `sensitive` grant, read live from the store.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use minhu_domain::cadence::{self, Coverage, DueVisit};
use minhu_domain::ids::{HouseholdId, PatrolId};
use minhu_domain::org::{Actor, Jurisdiction, Level, Role, Tier};
use minhu_domain::patrol::{
    self, Finding, FindingClass, FindingOutcome, NewFinding, NewVisit, Patrol, Visit, VisitTarget,
};
use minhu_domain::request::{Channel, Intake, RequestType, Requester, Urgency};
use minhu_domain::{access, text};
use minhu_store::patrol::{FindingWithRequest, VisitPhoto};

use crate::{App, AppError, Kind};

/// The largest photo a visit keeps, after cleaning (the phone shrinks them first).
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;
/// At most this many photos per visit.
pub const MAX_PHOTOS: usize = 6;
/// At most this many findings per visit.
pub const MAX_FINDINGS: usize = 20;

/// A finding as a client sends it (codes unchecked).
#[derive(Debug, Clone, Default)]
pub struct FindingInput {
    pub client_key: String,
    pub class: String,
    pub category: Option<String>,
    pub text: String,
    pub location: Option<String>,
    pub outcome: String,
}

/// A photo as received: the client's file name and the raw bytes.
#[derive(Debug, Clone, Default)]
pub struct PhotoInput {
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

/// A visit as a client sends it.
#[derive(Debug, Clone, Default)]
pub struct VisitInput {
    pub client_key: String,
    pub grid: String,
    pub patrol_id: Option<i64>,
    pub household_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub place_id: Option<i64>,
    pub kind: String,
    pub visited_at: Option<DateTime<Utc>>,
    pub duration_minutes: Option<i64>,
    pub notes: String,
    pub photos: Vec<PhotoInput>,
    pub findings: Vec<FindingInput>,
}

/// A finding without a visit (seen on the patrol: a blocked fire lane, rubbish …).
#[derive(Debug, Clone, Default)]
pub struct PatrolFindingInput {
    pub grid: String,
    pub patrol_id: Option<i64>,
    pub found_at: Option<DateTime<Utc>>,
    pub finding: FindingInput,
}

/// A recorded finding with its request's tracking code and the deadline the SLA policy
/// gives it (2 working days for the community tier in the seed's policy).
#[derive(Debug, Clone)]
pub struct RecordedFinding {
    pub finding: Finding,
    pub request_code: Option<String>,
    pub request_due: Option<DateTime<Utc>>,
}

/// A recorded visit; `created` is false for a repeat of its client key.
#[derive(Debug, Clone)]
pub struct VisitOutcome {
    pub visit: Visit,
    pub findings: Vec<RecordedFinding>,
    pub photos: Vec<String>,
    pub created: bool,
}

/// One line of the due queue as a reader may see it.
#[derive(Debug, Clone)]
pub struct DueLine {
    pub due: DueVisit,
    pub building: String,
    pub unit: Option<String>,
    /// Why it is due, in the reader's words: "care cadence 30 days", with the tag's kind
    /// only for a reader granted `sensitive`.
    pub reason_zh: String,
    pub reason_en: String,
    /// The care tag's kind, for a reader granted `sensitive` only.
    pub care_kind: Option<String>,
}

/// Coverage of one grid.
#[derive(Debug, Clone)]
pub struct GridCoverage {
    pub grid: String,
    pub days: u32,
    pub coverage: Coverage,
}

/// Coverage of one worker: households they visited in the window over their grid's.
#[derive(Debug, Clone)]
pub struct WorkerCoverage {
    pub worker: String,
    pub grid: String,
    pub coverage: Coverage,
}

/// A community's (or any jurisdiction's) coverage per grid and per worker.
#[derive(Debug, Clone)]
pub struct AreaCoverage {
    pub jurisdiction: String,
    pub days: u32,
    pub total: Coverage,
    pub grids: Vec<GridCoverage>,
    pub workers: Vec<WorkerCoverage>,
}

/// One worker's month (网格员工作量).
#[derive(Debug, Clone)]
pub struct WorkerMonth {
    pub worker: String,
    pub grid: String,
    pub visits: i64,
    pub coverage: Coverage,
    pub findings: i64,
    pub solved_on_spot: i64,
    /// Solved on the spot ÷ findings, 0–100, one decimal.
    pub on_spot_rate: f64,
    pub requests_raised: i64,
    pub overdue_visits: i64,
}

fn refuse(e: minhu_domain::DomainError) -> AppError {
    AppError::from(e)
}

fn keyed(kind: Kind, code: &'static str, key: &'static str, field: &str) -> AppError {
    AppError::new(kind, code).text(key).field(field)
}

/// The grid named in a body: a known grid (422 otherwise) in the actor's scope (403).
pub fn grid_in_scope(app: &App, actor: &Actor, grid: &str) -> Result<Jurisdiction, AppError> {
    let org = app.org();
    let j = org
        .jurisdiction(grid.trim())
        .filter(|j| j.level == Level::Grid)
        .cloned()
        .ok_or_else(|| {
            keyed(
                Kind::Invalid,
                "invalid_parameter",
                "patrol.invalid.not_a_grid",
                "grid",
            )
            .arg("code", grid)
        })?;
    if !access::covers(actor, &org, &j.code) {
        return Err(keyed(
            Kind::Forbidden,
            "forbidden",
            "patrol.forbidden.out_of_scope",
            "grid",
        ));
    }
    Ok(j)
}

/// Only a grid worker records, in a grid of their scope.
fn recording_grid(app: &App, actor: &Actor, grid: &str) -> Result<Jurisdiction, AppError> {
    if actor.role != Some(Role::GridWorker) {
        return Err(keyed(
            Kind::Forbidden,
            "forbidden",
            "patrol.forbidden.grid_worker_only",
            "grid",
        ));
    }
    grid_in_scope(app, actor, grid)
}

/// Starts a patrol; a repeat of `client_key` answers the first (false).
pub async fn start_patrol(
    app: &App,
    actor: &Actor,
    grid: &str,
    client_key: &str,
    now: DateTime<Utc>,
) -> Result<(Patrol, bool), AppError> {
    let key = patrol::client_key("client_key", client_key).map_err(refuse)?;
    let grid = recording_grid(app, actor, grid)?;
    let (patrol, created) = app
        .store
        .start_patrol(&key, &actor.username, &grid.code, now)
        .await?;
    if patrol.worker != actor.username {
        return Err(AppError::new(Kind::Conflict, "duplicate_client_key").field("client_key"));
    }
    Ok((patrol, created))
}

/// A patrol the actor may read: their own, or one in a grid of their scope (404 otherwise).
pub async fn patrol_of(app: &App, actor: &Actor, id: i64) -> Result<Patrol, AppError> {
    let patrol = app
        .store
        .patrol(PatrolId(id))
        .await?
        .ok_or_else(AppError::not_found)?;
    if !access::covers(actor, &app.org(), &patrol.grid) {
        return Err(AppError::not_found());
    }
    Ok(patrol)
}

/// Ends the actor's running patrol.
pub async fn end_patrol(
    app: &App,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Patrol, AppError> {
    let patrol = patrol_of(app, actor, id).await?;
    patrol::end_patrol(&patrol, &actor.username).map_err(refuse)?;
    app.store.end_patrol(patrol.id, now).await?;
    patrol_of(app, actor, id).await
}

fn finding_field(i: usize, name: &str) -> String {
    format!("findings[{i}].{name}")
}

/// Validates one finding; `field` names it (`findings[2]` or the body itself).
async fn new_finding(
    app: &App,
    input: &FindingInput,
    prefix: Option<usize>,
) -> Result<NewFinding, AppError> {
    let f = |name: &str| match prefix {
        Some(i) => finding_field(i, name),
        None => name.to_string(),
    };
    let category = match input.category.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => {
            let known = app.store.categories().await?.iter().any(|c| c.code == code);
            if !known {
                return Err(keyed(
                    Kind::Invalid,
                    "invalid_parameter",
                    "patrol.invalid.unknown_category",
                    &f("category"),
                )
                .arg("code", code));
            }
            Some(code.to_string())
        }
    };
    Ok(NewFinding {
        client_key: patrol::client_key(&f("client_key"), &input.client_key).map_err(refuse)?,
        class: patrol::finding_class(&f("class"), &input.class).map_err(refuse)?,
        category,
        text: patrol::text(&f("text"), &input.text, true).map_err(refuse)?,
        location: input
            .location
            .as_deref()
            .map(|l| patrol::text(&f("location"), l, false))
            .transpose()
            .map_err(refuse)?
            .filter(|l| !l.is_empty()),
        outcome: patrol::finding_outcome(&f("outcome"), &input.outcome).map_err(refuse)?,
    })
}

/// The visit's target, which must exist (422 naming the field) and lie in the grid; the
/// household recorded with it (a resident's household).
async fn target_household(
    app: &App,
    target: VisitTarget,
    grid: &str,
) -> Result<Option<HouseholdId>, AppError> {
    let (field, key, found) = match target {
        VisitTarget::Household(h) => (
            "household_id",
            "patrol.invalid.unknown_household",
            app.store.household_grid(h).await?.map(|g| (Some(h), g)),
        ),
        VisitTarget::Resident(r) => (
            "resident_id",
            "patrol.invalid.unknown_resident",
            app.store
                .resident_household(r)
                .await?
                .map(|(h, g)| (Some(h), g)),
        ),
        VisitTarget::Place(p) => (
            "place_id",
            "patrol.invalid.unknown_place",
            app.store.place_grid(p).await?.map(|g| (None, g)),
        ),
    };
    let id = match target {
        VisitTarget::Household(h) => h.0,
        VisitTarget::Resident(r) => r.0,
        VisitTarget::Place(p) => p,
    };
    let Some((household, in_grid)) = found else {
        return Err(keyed(Kind::Invalid, "invalid_parameter", key, field).arg("id", id));
    };
    if in_grid != grid {
        return Err(keyed(
            Kind::Invalid,
            "invalid_parameter",
            "patrol.invalid.other_grid",
            field,
        )
        .arg("grid", grid));
    }
    Ok(household)
}

/// Cleans each photo (EXIF and GPS stripped) and checks its size and number.
fn clean_photos(photos: &[PhotoInput]) -> Result<Vec<VisitPhoto>, AppError> {
    if photos.len() > MAX_PHOTOS {
        return Err(keyed(
            Kind::Invalid,
            "invalid_photo",
            "patrol.invalid.too_many_photos",
            "photos",
        )
        .arg("max", MAX_PHOTOS));
    }
    photos
        .iter()
        .map(|p| {
            if p.bytes.len() > MAX_PHOTO_BYTES {
                return Err(crate::upload::too_big(p.name.as_deref()));
            }
            let clean = crate::upload::clean_photo(p.name.as_deref(), &p.bytes)?;
            Ok(VisitPhoto {
                hash: clean.hash,
                mime: clean.mime.to_string(),
                bytes: clean.bytes,
                name: clean.name,
            })
        })
        .collect()
}

/// Checks a visit's fields, naming the first one at fault.
async fn new_visit(
    app: &App,
    actor: &Actor,
    input: &VisitInput,
    now: DateTime<Utc>,
) -> Result<(NewVisit, Vec<NewFinding>), AppError> {
    let client_key = patrol::client_key("client_key", &input.client_key).map_err(refuse)?;
    let grid = recording_grid(app, actor, &input.grid)?;
    let target = patrol::visit_target(input.household_id, input.resident_id, input.place_id)
        .map_err(refuse)?;
    let kind = patrol::visit_kind("kind", &input.kind).map_err(refuse)?;
    let visited_at = patrol::visited_at(input.visited_at, now).map_err(refuse)?;
    let duration_minutes = patrol::duration(input.duration_minutes).map_err(refuse)?;
    let notes = patrol::text("notes", &input.notes, false).map_err(refuse)?;
    let patrol_id = match input.patrol_id {
        None => None,
        Some(id) => {
            let p = app.store.patrol(PatrolId(id)).await?.ok_or_else(|| {
                keyed(
                    Kind::Invalid,
                    "invalid_parameter",
                    "patrol.invalid.patrol",
                    "patrol_id",
                )
            })?;
            patrol::visit_on_patrol(&p, &actor.username, &grid.code).map_err(refuse)?;
            Some(p.id)
        }
    };
    if input.findings.len() > MAX_FINDINGS {
        return Err(AppError::new(Kind::TooLarge, "too_many").field("findings"));
    }
    let mut findings = Vec::with_capacity(input.findings.len());
    for (i, f) in input.findings.iter().enumerate() {
        findings.push(new_finding(app, f, Some(i)).await?);
    }
    Ok((
        NewVisit {
            client_key,
            grid: grid.code,
            patrol: patrol_id,
            target,
            kind,
            visited_at,
            duration_minutes,
            notes,
        },
        findings,
    ))
}

/// Records a visit with its findings and photos. A repeat of the client key records
/// nothing and answers the first visit (`created` false) with the same requests.
pub async fn record_visit(
    app: &App,
    actor: &Actor,
    input: VisitInput,
    now: DateTime<Utc>,
) -> Result<VisitOutcome, AppError> {
    let (visit, findings) = new_visit(app, actor, &input, now).await?;
    if let Some(first) = app.store.visit_by_key(&visit.client_key).await? {
        return answer_repeat(app, actor, first).await;
    }
    let household = target_household(app, visit.target, &visit.grid).await?;
    let photos = clean_photos(&input.photos)?;
    let recorded = app
        .store
        .record_visit(&actor.username, &visit, household, &findings, &photos, now)
        .await?;
    if recorded.visit.worker != actor.username {
        return Err(AppError::new(Kind::Conflict, "duplicate_client_key").field("client_key"));
    }
    let findings = report_all(app, actor, recorded.findings).await?;
    Ok(VisitOutcome {
        visit: recorded.visit,
        findings,
        photos: recorded.photos,
        created: recorded.created,
    })
}

/// The first visit of a repeated client key, with its findings' requests (registering
/// any a crash left unregistered).
async fn answer_repeat(app: &App, actor: &Actor, first: Visit) -> Result<VisitOutcome, AppError> {
    if first.worker != actor.username {
        return Err(AppError::new(Kind::Conflict, "duplicate_client_key").field("client_key"));
    }
    let findings = app.store.findings_of_visit(first.id).await?;
    let photos = app.store.visit_photos(first.id).await?;
    let findings = report_all(app, actor, findings).await?;
    Ok(VisitOutcome {
        visit: first,
        findings,
        photos,
        created: false,
    })
}

async fn report_all(
    app: &App,
    actor: &Actor,
    findings: Vec<Finding>,
) -> Result<Vec<RecordedFinding>, AppError> {
    let mut out = Vec::with_capacity(findings.len());
    for f in findings {
        out.push(report(app, actor, f).await?);
    }
    Ok(out)
}

/// Turns a reported finding into a request (once: the finding's client key is the
/// request's external id, so a repeat answers the same request).
async fn report(
    app: &App,
    actor: &Actor,
    mut finding: Finding,
) -> Result<RecordedFinding, AppError> {
    if finding.outcome != FindingOutcome::Reported {
        return Ok(RecordedFinding {
            finding,
            request_code: None,
            request_due: None,
        });
    }
    let intake = finding_intake(&finding);
    let received = intake.received_at;
    let kind = intake.kind;
    let registered = crate::intake::register(app, intake, actor).await?;
    let id = registered.request.id;
    if finding.request_id.is_none() {
        app.store.link_finding_request(finding.id, id).await?;
        finding.request_id = Some(id);
    }
    let due = app.sla().deadline(
        &app.calendar(),
        received,
        received,
        Tier::Community,
        kind,
        Urgency::Normal,
        None,
    );
    Ok(RecordedFinding {
        finding,
        request_code: Some(registered.request.intake.code.clone()),
        request_due: Some(due.due),
    })
}

/// The request a reported finding becomes: in the grid, channel grid_patrol.
fn finding_intake(f: &Finding) -> Intake {
    let kind = match f.class {
        FindingClass::Suggestion => RequestType::Suggestion,
        _ => RequestType::Help,
    };
    let subject = text::fill(
        "patrol.request.subject",
        text::Lang::Zh,
        &[("class", f.class.zh())],
    );
    Intake {
        // The tracking code (查询码) is drawn by the caller, as every intake path does.
        code: minhu_store::new_code(f.found_at),
        channel: Channel::GridPatrol,
        kind,
        subject: Some(subject),
        content: f.text.clone(),
        requester: Requester {
            name: None,
            phone: None,
        },
        address: f.location.clone(),
        lat: None,
        lon: None,
        jurisdiction: f.grid.clone(),
        category: f.category.clone(),
        confidential: false,
        external_id: Some(format!("finding:{}", f.client_key)),
        received_at: minhu_domain::time::truncate_ms(f.found_at),
    }
}

/// Records a finding made on a patrol without a visit.
pub async fn record_finding(
    app: &App,
    actor: &Actor,
    input: PatrolFindingInput,
    now: DateTime<Utc>,
) -> Result<(RecordedFinding, bool), AppError> {
    let grid = recording_grid(app, actor, &input.grid)?;
    let finding = new_finding(app, &input.finding, None).await?;
    let found_at =
        patrol::visited_at(input.found_at, now).map_err(|e| refuse(e.with_field("found_at")))?;
    let patrol_id = match input.patrol_id {
        None => None,
        Some(id) => {
            let p = app.store.patrol(PatrolId(id)).await?.ok_or_else(|| {
                keyed(
                    Kind::Invalid,
                    "invalid_parameter",
                    "patrol.invalid.patrol",
                    "patrol_id",
                )
            })?;
            patrol::visit_on_patrol(&p, &actor.username, &grid.code).map_err(refuse)?;
            Some(p.id)
        }
    };
    let (stored, created) = app
        .store
        .record_finding(&actor.username, &grid.code, patrol_id, &finding, found_at)
        .await?;
    if stored.worker != actor.username {
        return Err(AppError::new(Kind::Conflict, "duplicate_client_key").field("client_key"));
    }
    Ok((report(app, actor, stored).await?, created))
}

/// The actor's own findings, newest first, with each request's tracking code and state.
pub async fn my_findings(
    app: &App,
    actor: &Actor,
    limit: i64,
) -> Result<Vec<FindingWithRequest>, AppError> {
    Ok(app
        .store
        .findings_of_worker(&actor.username, limit.clamp(1, 500))
        .await?)
}

/// Whether the reader holds the `sensitive` grant now: the register's one live check.
async fn sensitive(app: &App, actor: &Actor) -> Result<bool, AppError> {
    crate::grid_ledger::holds_sensitive(app, actor).await
}

fn reason_text(due: &DueVisit, kind: Option<&str>, lang: text::Lang) -> String {
    let days = due.reason.cadence_days.to_string();
    let main = match (&due.reason.care_kind, kind) {
        (None, _) => text::fill("patrol.reason.ordinary", lang, &[("days", &days)]),
        (Some(_), Some(k)) => text::fill(
            "patrol.reason.care_kind",
            lang,
            &[("days", &days), ("kind", k)],
        ),
        (Some(_), None) => text::fill("patrol.reason.care", lang, &[("days", &days)]),
    };
    if due.reason.never_visited {
        format!(
            "{main}; {}",
            text::fill("patrol.reason.never_visited", lang, &[])
        )
    } else {
        main
    }
}

/// A grid's overdue-visit queue, most overdue first. `worker` narrows it to a grid worker
/// of the grid (the grid's households are theirs); another grid's worker gets 403.
pub async fn visits_due(
    app: &App,
    actor: &Actor,
    grid: &str,
    worker: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<DueLine>, AppError> {
    let grid = grid_in_scope(app, actor, grid).map_err(|e| e.field("grid"))?;
    if let Some(w) = worker.filter(|w| !w.is_empty()) {
        let of_grid = app
            .store
            .grid_workers(std::slice::from_ref(&grid.code))
            .await?;
        if !of_grid.iter().any(|(u, _)| u == w) {
            return Err(AppError::new(Kind::Invalid, "invalid_parameter")
                .text("patrol.invalid.other_grid")
                .arg("grid", &grid.code)
                .field("worker"));
        }
    }
    let rows = app.store.cadence_households(&grid.code).await?;
    let show_kind = sensitive(app, actor).await?;
    let mut places = std::collections::HashMap::new();
    let mut reasons = std::collections::HashMap::new();
    let cadences: Vec<_> = rows
        .into_iter()
        .map(|r| {
            places.insert(r.cadence.household, (r.building, r.unit));
            r.cadence
        })
        .collect();
    Ok(cadence::queue(&cadences, now)
        .into_iter()
        .map(|due| {
            let kind = if show_kind {
                due.reason.care_kind.clone()
            } else {
                None
            };
            let (building, unit) = places.remove(&due.household).unwrap_or_default();
            // Most lines share a handful of reasons: each is written once.
            let key = (
                due.reason.cadence_days,
                kind.clone(),
                due.reason.never_visited,
            );
            let (reason_zh, reason_en) = reasons
                .entry(key)
                .or_insert_with(|| {
                    (
                        reason_text(&due, kind.as_deref(), text::Lang::Zh),
                        reason_text(&due, kind.as_deref(), text::Lang::En),
                    )
                })
                .clone();
            DueLine {
                reason_zh,
                reason_en,
                care_kind: kind,
                building,
                unit,
                due,
            }
        })
        .collect())
}

/// One grid's coverage over the last `days`.
pub async fn grid_coverage(
    app: &App,
    actor: &Actor,
    grid: &str,
    days: Option<i64>,
    now: DateTime<Utc>,
) -> Result<GridCoverage, AppError> {
    let grid = grid_in_scope(app, actor, grid)?;
    let days = cadence::window_days(days).map_err(refuse)?;
    let since = cadence::window_start(now, days);
    let rows = app
        .store
        .coverage_by_grid(std::slice::from_ref(&grid.code), since)
        .await?;
    let (occupied, visited) = rows.first().map(|r| (r.1, r.2)).unwrap_or((0, 0));
    Ok(GridCoverage {
        grid: grid.code,
        days,
        coverage: Coverage::new(visited as u32, occupied as u32),
    })
}

/// The grids within a jurisdiction the actor may read (403 `jurisdiction` outside scope).
fn grids_within(app: &App, actor: &Actor, code: &str) -> Result<Vec<String>, AppError> {
    let org = app.org();
    let j = access::ledger_jurisdiction(actor, &org, Some(code)).map_err(refuse)?;
    Ok(org
        .jurisdictions()
        .filter(|g| g.level == Level::Grid && org.within(&g.code, &j.code))
        .map(|g| g.code.clone())
        .collect())
}

/// Coverage of every grid and every grid worker within a jurisdiction.
pub async fn area_coverage(
    app: &App,
    actor: &Actor,
    code: &str,
    days: Option<i64>,
    now: DateTime<Utc>,
) -> Result<AreaCoverage, AppError> {
    let grids = grids_within(app, actor, code)?;
    let days = cadence::window_days(days).map_err(refuse)?;
    let since = cadence::window_start(now, days);
    let by_grid = app.store.coverage_by_grid(&grids, since).await?;
    let occupied: std::collections::HashMap<&str, i64> =
        by_grid.iter().map(|r| (r.0.as_str(), r.1)).collect();
    let visited: std::collections::HashMap<(String, String), i64> = app
        .store
        .visited_by_worker(&grids, since)
        .await?
        .into_iter()
        .map(|(w, g, n)| ((w, g), n))
        .collect();
    let workers = app.store.grid_workers(&grids).await?;
    let (mut total_occ, mut total_vis) = (0, 0);
    let grids_out = by_grid
        .iter()
        .map(|(g, occ, vis)| {
            total_occ += occ;
            total_vis += vis;
            GridCoverage {
                grid: g.clone(),
                days,
                coverage: Coverage::new(*vis as u32, *occ as u32),
            }
        })
        .collect();
    let workers = workers
        .into_iter()
        .map(|(w, g)| {
            let seen = visited.get(&(w.clone(), g.clone())).copied().unwrap_or(0);
            WorkerCoverage {
                coverage: Coverage::new(
                    seen as u32,
                    occupied.get(g.as_str()).copied().unwrap_or(0) as u32,
                ),
                worker: w,
                grid: g,
            }
        })
        .collect();
    Ok(AreaCoverage {
        jurisdiction: code.to_string(),
        days,
        total: Coverage::new(total_vis as u32, total_occ as u32),
        grids: grids_out,
        workers,
    })
}

/// A month written `2026-11`: its first and last day.
pub fn month_days(raw: &str) -> Result<(NaiveDate, NaiveDate), AppError> {
    let bad = || {
        keyed(
            Kind::Invalid,
            "invalid_parameter",
            "patrol.invalid.month",
            "month",
        )
    };
    let first =
        NaiveDate::parse_from_str(&format!("{}-01", raw.trim()), "%Y-%m-%d").map_err(|_| bad())?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    let last = next.and_then(|n| n.pred_opt()).ok_or_else(bad)?;
    Ok((first, last))
}

/// The monthly workload per grid worker of a community (网格员工作量): visits, coverage
/// (households visited in the month ÷ occupied), findings, the on-the-spot rate, requests
/// raised, and the visits overdue now.
pub async fn workload(
    app: &App,
    actor: &Actor,
    community: Option<&str>,
    month: &str,
    now: DateTime<Utc>,
) -> Result<Vec<WorkerMonth>, AppError> {
    let code = community.unwrap_or(&actor.scope).to_string();
    let grids = grids_within(app, actor, &code)?;
    let (from, to) = month_days(month)?;
    let rows = app.store.workload(&grids, from, to).await?;
    let occupied = app
        .store
        .coverage_by_grid(&grids, now)
        .await?
        .into_iter()
        .map(|(g, occ, _)| (g, occ))
        .collect::<std::collections::HashMap<_, _>>();
    let mut overdue: std::collections::HashMap<String, i64> = Default::default();
    for due in cadence::queue(&app.store.cadence_of_grids(&grids).await?, now) {
        *overdue.entry(due.grid).or_default() += 1;
    }
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (worker, grid) in app.store.grid_workers(&grids).await? {
        seen.insert((worker.clone(), grid.clone()));
        let row = rows
            .iter()
            .find(|r| r.worker == worker && r.grid == grid)
            .cloned()
            .unwrap_or_default();
        out.push(month_line(&overdue, &occupied, worker, grid, &row));
    }
    for row in rows
        .iter()
        .filter(|r| !seen.contains(&(r.worker.clone(), r.grid.clone())))
    {
        let (w, g) = (row.worker.clone(), row.grid.clone());
        out.push(month_line(&overdue, &occupied, w, g, row));
    }
    Ok(out)
}

fn month_line(
    overdue: &std::collections::HashMap<String, i64>,
    occupied: &std::collections::HashMap<String, i64>,
    worker: String,
    grid: String,
    row: &minhu_store::patrol::WorkloadRow,
) -> WorkerMonth {
    let on_spot_rate = if row.findings == 0 {
        0.0
    } else {
        (row.solved_on_spot as f64 * 1000.0 / row.findings as f64).round() / 10.0
    };
    WorkerMonth {
        coverage: Coverage::new(
            row.households_visited as u32,
            occupied.get(&grid).copied().unwrap_or(0) as u32,
        ),
        overdue_visits: overdue.get(&grid).copied().unwrap_or(0),
        visits: row.visits,
        findings: row.findings,
        solved_on_spot: row.solved_on_spot,
        on_spot_rate,
        requests_raised: row.requests_raised,
        worker,
        grid,
    }
}
