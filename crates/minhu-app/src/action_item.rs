//! 督办事项 (action items): issuing one, the steps on it (progress with evidence, the done
//! claim, 销号, reopening) and the reading of the register. Every step is decided by
//! `minhu_domain::action_item` on the state replayed from the item's events and appended
//! only if nobody changed the item meanwhile; a step that lost that race reads the item
//! again and is decided again. Who acts for which unit comes from the login
//! ([`acting_unit`]); reading is by scope, and an item outside it is a 404. The owner unit
//! is told of the issue and of each rung of the ladder (`minhu_domain::notify::items`),
//! queued in the outbox with the event.

use chrono::{DateTime, Utc};
use minhu_domain::access;
use minhu_domain::action_item::{
    self as domain, ActionItem, Command, Evidence, EvidenceKind, ItemActor, ItemEvent, NewItem,
};
use minhu_domain::ids::{ActionItemId, UnitCode};
use minhu_domain::notify::items::item_messages;
use minhu_domain::org::{Actor, Org, Role};
use minhu_store::ItemFilter;

pub use minhu_store::ItemRow;

use crate::upload::Photo;
use crate::{App, AppError, Kind};

/// The largest evidence photo accepted (bytes), as for a resident's photo.
pub const MAX_PHOTO: usize = 8 * 1024 * 1024;

/// The unit a person acts for on an item: a unit handler's unit, a community's or street's
/// own office for its staff, and the district office for a district admin whose district
/// has one. Grid workers and auditors act for no unit: they read.
pub fn acting_unit(actor: &Actor, org: &Org) -> Option<String> {
    match actor.role? {
        Role::DistrictAdmin => org.own_unit(&actor.scope).map(|u| u.code.clone()),
        _ => access::acting_unit(actor, org).map(str::to_string),
    }
}

fn item_actor(actor: &Actor, org: &Org) -> ItemActor {
    ItemActor::person(
        &actor.username,
        &acting_unit(actor, org).unwrap_or_default(),
    )
}

/// May `actor` read an item issued by `issuer` to `units` (owner first, then co-units)?
/// The units themselves, and everyone whose scope covers the jurisdiction of one of them.
pub fn may_read(actor: &Actor, org: &Org, issuer: &str, units: &[&str]) -> bool {
    let mine = acting_unit(actor, org);
    std::iter::once(issuer)
        .chain(units.iter().copied())
        .any(|u| {
            mine.as_deref() == Some(u)
                || org
                    .unit(u)
                    .is_some_and(|unit| access::covers(actor, org, &unit.jurisdiction))
        })
}

fn may_read_item(actor: &Actor, org: &Org, item: &ActionItem) -> bool {
    let mut units = vec![item.owner.as_str()];
    units.extend(item.co_units.iter().map(UnitCode::as_str));
    may_read(actor, org, item.issued_by.as_str(), &units)
}

/// Issues an item as `actor`'s unit. Only the staff of an office issue (403); the owner and
/// co-units must be known units (422) within the issuer's reach (403).
pub async fn issue(
    app: &App,
    actor: &Actor,
    new: NewItem,
) -> Result<(ActionItem, Vec<ItemEvent>), AppError> {
    let org = app.org();
    if !actor.role.is_some_and(access::staff_role) {
        return Err(forbidden("governance.action_item.forbidden.person"));
    }
    for (field, unit) in std::iter::once(("owner", &new.owner))
        .chain(new.co_units.iter().map(|u| ("co_units", u)))
        .filter(|(_, u)| !u.as_str().is_empty())
    {
        if org.unit(unit.as_str()).is_none() {
            return Err(AppError::new(Kind::Invalid, "unknown_unit")
                .text("domain.unknown_unit.code")
                .arg("unit", unit)
                .field(field));
        }
        access::require_unit_in_scope(actor, &org, unit.as_str(), field)?;
    }
    let now = app.now();
    let who = item_actor(actor, &org);
    let data = domain::issue(&new, &who, now, &app.calendar())?;
    let event = ItemEvent {
        seq: 1,
        at: now,
        actor: actor.username.clone(),
        unit: Some(UnitCode::new(acting_unit(actor, &org).unwrap_or_default())),
        data,
    };
    let mut item = ActionItem::replay(ActionItemId(0), std::slice::from_ref(&event));
    let subs = app.subscriptions();
    let notices = |id, e: &ItemEvent| {
        let mut issued = item.clone();
        issued.id = id;
        item_messages(&subs, &org, &issued, e)
    };
    let id = app
        .store
        .insert_action_item(&event, &item, &notices)
        .await?;
    item.id = id;
    Ok((item, vec![event]))
}

fn forbidden(key: &'static str) -> AppError {
    AppError::new(Kind::Forbidden, "forbidden").text(key)
}

/// An item and its events, if `actor` may read it (else 404, as for a record outside
/// one's scope).
pub async fn show(
    app: &App,
    actor: &Actor,
    id: ActionItemId,
) -> Result<(ActionItem, Vec<ItemEvent>), AppError> {
    let (item, events) = app
        .store
        .load_action_item(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !may_read_item(actor, &app.org(), &item) {
        return Err(AppError::not_found());
    }
    Ok((item, events))
}

/// The register lines matching `filter` that `actor` may read.
pub async fn list(app: &App, actor: &Actor, filter: &ItemFilter) -> Result<Vec<ItemRow>, AppError> {
    let org = app.org();
    let rows = app.store.action_items(filter).await?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            let mut units = vec![r.owner.as_str()];
            units.extend(r.co_unit_list());
            may_read(actor, &org, &r.issued_by, &units)
        })
        .collect())
}

/// The type and bytes of a photo cited as evidence on an item `actor` may read; 404 for
/// an item out of scope or a photo the item does not cite, as for a request's photos.
pub async fn evidence_photo(
    app: &App,
    actor: &Actor,
    id: ActionItemId,
    hash: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let (item, _) = show(app, actor, id).await?;
    let cited = item.progress.iter().any(|p| {
        p.evidence
            .iter()
            .any(|e| e.kind == EvidenceKind::Photo && e.reference == hash)
    });
    if !cited {
        return Err(AppError::not_found());
    }
    app.store
        .photo_bytes(hash)
        .await?
        .ok_or_else(AppError::not_found)
}

/// A step on an item by a person: the photos are cleaned first (a bad one is a 422 naming
/// `photos`) and join the evidence as `photo` references by their hash.
pub async fn act(
    app: &App,
    actor: &Actor,
    id: ActionItemId,
    mut command: Command,
    photos: Vec<Photo>,
) -> Result<(ActionItem, Vec<ItemEvent>), AppError> {
    let photo_evidence = photos.iter().map(|p| Evidence {
        kind: EvidenceKind::Photo,
        reference: p.hash.clone(),
    });
    match &mut command {
        Command::Progress { evidence, .. } | Command::ClaimDone { evidence, .. } => {
            evidence.extend(photo_evidence)
        }
        _ if !photos.is_empty() => {
            return Err(AppError::new(Kind::Invalid, "invalid_parameter")
                .text("governance.action_item.no_photos")
                .field("photos"));
        }
        _ => {}
    }
    let who = item_actor(actor, &app.org());
    for _attempt in 0..5 {
        let (item, mut events) = show(app, actor, id).await?;
        let next = next_event(app, &item, &events, &command, &who, None)?;
        for p in &photos {
            app.store
                .keep_photo(&p.hash, p.mime, &p.bytes, p.gps)
                .await?;
        }
        if let Some((after, stored)) = append(app, item, next, None).await? {
            events.push(stored);
            return Ok((after, events));
        }
    }
    Err(AppError::new(Kind::Conflict, "concurrent_update"))
}

/// Decides `command` on `item` as of `at` (default now) and gives the event to append,
/// stamped with the real time and never before the item's last event.
fn next_event(
    app: &App,
    item: &ActionItem,
    events: &[ItemEvent],
    command: &Command,
    who: &ItemActor,
    at: Option<DateTime<Utc>>,
) -> Result<ItemEvent, AppError> {
    let last = events.last().map(|e| e.at).unwrap_or_default();
    let stamped = app.now().max(last);
    let decided_at = at
        .map(minhu_domain::time::truncate_ms)
        .unwrap_or(stamped)
        .max(last);
    let data = domain::decide(item, command, who, decided_at, &app.calendar())?;
    let unit = match who {
        ItemActor::Person { unit, .. } => Some(unit.clone()),
        ItemActor::System => None,
    };
    Ok(ItemEvent {
        seq: item.version + 1,
        at: stamped,
        actor: who.username().to_string(),
        unit,
        data,
    })
}

/// Appends `event` to `item` with the version check; the item after it and the event as
/// stored, or `None` when the item changed meanwhile.
async fn append(
    app: &App,
    mut item: ActionItem,
    event: ItemEvent,
    draw: Option<&minhu_store::NumberDraw>,
) -> Result<Option<(ActionItem, ItemEvent)>, AppError> {
    item.apply(&event);
    let (subs, org) = (app.subscriptions(), app.org());
    let notices = |_, e: &ItemEvent| item_messages(&subs, &org, &item, e);
    let stored = app
        .store
        .append_item_event(&item, &event, draw, &notices)
        .await?;
    Ok(stored.map(|stored| (item, stored)))
}

pub mod oversight {
    //! The deadline ladder of action items (催办 → 督办通知 → 通报), run by the deadline
    //! monitor beside the requests' sweep. What is due is worked out by the domain
    //! (`next_oversight`) from the item's log; the rung is appended with the version
    //! check, so of any number of servers sweeping at once one appends it and the others,
    //! reading again, find nothing left to do. The 督办通知 gets its 文号 in the same
    //! transaction.

    use chrono::{DateTime, Duration, Utc};
    use minhu_domain::action_item::{Command, ItemActor, OversightLevel, next_oversight};
    use minhu_domain::document_number::{DocumentKind, SequenceKey};
    use minhu_domain::ids::ActionItemId;
    use minhu_domain::org::Org;
    use minhu_store::NumberDraw;

    use crate::{App, AppError};

    /// How far ahead of a due date the monitor looks: more than the reminder's two working
    /// days across the longest holiday.
    const LOOK_AHEAD_DAYS: i64 = 30;

    /// What one pass of the ladder did.
    #[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
    pub struct OversightReport {
        pub examined: usize,
        pub urged: usize,
        pub supervised: usize,
        pub bulletins: usize,
        /// Items left for the next pass (changed again and again under it, or unreadable).
        pub skipped: usize,
    }

    impl OversightReport {
        fn count(&mut self, level: OversightLevel) {
            match level {
                OversightLevel::Urge => self.urged += 1,
                OversightLevel::Supervise => self.supervised += 1,
                OversightLevel::Bulletin => self.bulletins += 1,
            }
        }
    }

    /// Every rung due as of `at`, once each. Idempotent: a second pass, here or on another
    /// server, finds them in the log and does nothing.
    pub async fn sweep(app: &App, at: DateTime<Utc>) -> Result<OversightReport, AppError> {
        let mut report = OversightReport::default();
        let ids = app
            .store
            .action_items_for_oversight(at + Duration::days(LOOK_AHEAD_DAYS))
            .await?;
        for id in ids {
            report.examined += 1;
            if let Err(e) = sweep_one(app, id, at, &mut report).await {
                report.skipped += 1;
                tracing::warn!(id = id.0, error = %e, "action item oversight skipped an item");
            }
        }
        Ok(report)
    }

    async fn sweep_one(
        app: &App,
        id: ActionItemId,
        at: DateTime<Utc>,
        report: &mut OversightReport,
    ) -> Result<(), AppError> {
        for _ in 0..8 {
            let Some((item, events)) = app.store.load_action_item(id).await? else {
                return Ok(());
            };
            let Some(level) = next_oversight(&item, at, &app.calendar()) else {
                return Ok(());
            };
            let command = Command::Oversee { level };
            let event =
                super::next_event(app, &item, &events, &command, &ItemActor::System, Some(at))?;
            let draw = (level == OversightLevel::Supervise)
                .then(|| notice_draw(&app.org(), item.issued_by.as_str(), at));
            // A lost race is not retried as such: the next turn works out what is due again.
            if super::append(app, item, event, draw.as_ref())
                .await?
                .is_some()
            {
                report.count(level);
            }
        }
        Err(AppError::new(crate::Kind::Conflict, "concurrent_update"))
    }

    /// The 督办通知 counter of the issuing office for the year of `at`, the moment the
    /// notice fell due (the real time, unless the monitor runs with `--at`).
    fn notice_draw(org: &Org, issuer: &str, at: DateTime<Utc>) -> NumberDraw {
        NumberDraw {
            key: SequenceKey::new(
                DocumentKind::SupervisionNotice,
                minhu_domain::ids::UnitCode::new(issuer),
                at,
            ),
            issuer: short_name(org, issuer),
        }
    }

    /// The name a number prints for a unit: its jurisdiction without the level word
    /// (德馨苑社区 → 德馨苑), else the unit's own name.
    pub fn short_name(org: &Org, unit: &str) -> String {
        let Some(u) = org.unit(unit) else {
            return unit.to_string();
        };
        let name = org
            .jurisdiction(&u.jurisdiction)
            .map(|j| j.name.as_str())
            .unwrap_or(u.name.as_str());
        ["社区", "街道", "区"]
            .iter()
            .find_map(|w| name.strip_suffix(w).filter(|s| !s.is_empty()))
            .unwrap_or(name)
            .to_string()
    }
}

pub mod links {
    //! The requests (工单) an item resolves. The issuing office names them by tracking code;
    //! each must be a request it may read and still open, else a 422 naming `requests` (a
    //! code outside its scope reads as unknown, so codes do not leak). The request keeps
    //! its own log, state and SLA: its timeline shows the items' steps composed at read
    //! time from their logs ([`request_items`]), nothing is written to the request.

    use minhu_domain::access;
    use minhu_domain::action_item::{ActionItem, ItemEvent};
    use minhu_domain::ids::RequestId;
    use minhu_domain::org::Actor;
    use minhu_domain::request::{Event, Request};
    use minhu_store::ItemFilter;

    use crate::{App, AppError, Kind};

    /// The most tracking codes one issue may name (the domain's limit on an item).
    const MAX_CODES: usize = minhu_domain::action_item::MAX_REQUESTS;

    fn refused(key: &'static str, code: &str) -> AppError {
        AppError::new(Kind::Invalid, "invalid_parameter")
            .text(key)
            .arg("code", code)
            .field("requests")
    }

    /// The ids of the requests named by `codes`, each readable by `actor` and still open.
    pub async fn resolve(
        app: &App,
        actor: &Actor,
        codes: &[String],
    ) -> Result<Vec<RequestId>, AppError> {
        if codes.len() > MAX_CODES {
            return Err(AppError::new(Kind::Invalid, "too_many")
                .text("governance.action_item.too_many_requests")
                .arg("max", MAX_CODES)
                .field("requests"));
        }
        let org = app.org();
        let mut ids = Vec::new();
        for raw in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            let code: String = raw.chars().filter(char::is_ascii_alphanumeric).collect();
            let found = app.store.load_request_by_code(&code).await?;
            let Some((req, _)) = found.filter(|(r, _)| access::may_read(actor, r, &org)) else {
                return Err(refused("governance.action_item.unknown_request", raw));
            };
            if !req.state.is_open() {
                return Err(refused("governance.action_item.request_not_open", raw)
                    .arg("state", req.state.zh()));
            }
            ids.push(RequestId(req.id));
        }
        Ok(ids)
    }

    /// The requests an item names, as stored now (a request since removed is left out).
    pub async fn item_requests(
        app: &App,
        item: &ActionItem,
    ) -> Result<Vec<(Request, Vec<Event>)>, AppError> {
        let mut out = Vec::new();
        for id in &item.requests {
            if let Some(found) = app.store.load_request(id.0).await? {
                out.push(found);
            }
        }
        Ok(out)
    }

    /// The items tied to request `id`, each with its log. The caller has checked that the
    /// reader may read the request; what its timeline shows of the items is the steps.
    pub async fn request_items(
        app: &App,
        id: i64,
    ) -> Result<Vec<(ActionItem, Vec<ItemEvent>)>, AppError> {
        let filter = ItemFilter {
            request: Some(id),
            ..ItemFilter::default()
        };
        let mut out = Vec::new();
        for row in app.store.action_items(&filter).await? {
            let item_id = minhu_domain::ids::ActionItemId(row.id);
            if let Some(found) = app.store.load_action_item(item_id).await? {
                out.push(found);
            }
        }
        Ok(out)
    }
}

pub mod figures {
    //! Per-unit figures of action items for an assessment month (decided, on time, overdue,
    //! by source kind), counted by the store in one query over the items' rows and added up
    //! by `minhu_ledger::items`; the monthly report shows them as a section and the unit
    //! ranking shows each unit's on-time rate.

    use chrono::{DateTime, Utc};
    use minhu_domain::action_item::figures::ItemCounts;
    use minhu_domain::time::start_of_local_day;
    use minhu_ledger::{Period, YearMonth};

    use crate::{App, AppError};

    /// The counts of `period` per owner unit and source kind, pending items judged at its
    /// end (or now, if that is earlier).
    pub async fn counts(app: &App, period: Period) -> Result<Vec<ItemCounts>, AppError> {
        let (from, to) = (
            start_of_local_day(period.start),
            start_of_local_day(period.end),
        );
        let as_of: DateTime<Utc> = app.now().min(to);
        Ok(app.store.action_item_counts(from, to, as_of).await?)
    }

    /// The assessment period of `month` by the evaluation policy in force, as the monthly
    /// report counts it.
    pub async fn period_of(app: &App, month: YearMonth) -> Result<Period, AppError> {
        Ok(app.store.evaluation_policy().await?.month_period(month))
    }
}
