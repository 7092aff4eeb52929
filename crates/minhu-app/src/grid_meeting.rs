//! The grid's responsibility list, the weekly grid-worker meeting and the daily rollup, and
//! the grid's public board: the use cases the API and the pages share. Rules and checks are
//! `minhu_domain::grid_meeting`; this module reads what they need, asks, and writes.
//!
//! Scope: the community's staff hold its meetings and keep its duties; staff above read
//! them; a grid worker reads their grid's duties and the meetings that concern their grid.
//! A list asked for by a jurisdiction outside one's scope is a 403 (field `jurisdiction`),
//! a record outside it a 404.

use chrono::NaiveDate;
use minhu_domain::access;
use minhu_domain::action_item::{
    self as items, ActionItem, ItemActor, ItemEvent, Source, SourceKind,
};
use minhu_domain::document_number::{DocumentKind, SequenceKey};
use minhu_domain::grid_ledger::{GridPost, PostKind};
use minhu_domain::grid_meeting::{
    self as domain, Duty, FindingFact, Meeting, MeetingItem, MeetingKind, NewDuty, NewItem,
    NewMeeting, OpenRequestFact, Rollup, Subject,
};
use minhu_domain::ids::{ActionItemId, UnitCode};
use minhu_domain::notify::items::item_messages;
use minhu_domain::org::{Actor, Level, Org};
use minhu_store::{BoardPost, MeetingIssue, NumberDraw, StoreError};

use crate::{App, AppError, Kind};

/// A meeting with its items in agenda order.
#[derive(Debug, Clone)]
pub struct MeetingView {
    pub meeting: Meeting,
    pub items: Vec<MeetingItem>,
}

/// What the grid's public board shows: no resident, no personal phone.
#[derive(Debug, Clone)]
pub struct Board {
    pub grid: String,
    pub grid_name: String,
    pub community_name: String,
    pub posts: Vec<BoardPost>,
    pub households: i64,
    pub duties: Vec<Duty>,
    /// SVG path data of the grid's outline in a 400 × 300 box (empty without a shape).
    pub map: Vec<String>,
}

/// The board map's box (SVG user units).
pub const MAP_WIDTH: f64 = 400.0;
pub const MAP_HEIGHT: f64 = 300.0;

// ---- duties ---------------------------------------------------------------------------------

/// A grid's duties (retired ones too when asked), for whoever's scope covers the grid.
pub async fn duties(
    app: &App,
    actor: &Actor,
    grid: &str,
    with_retired: bool,
) -> Result<Vec<Duty>, AppError> {
    let org = app.org();
    grid_in_scope(actor, &org, grid)?;
    Ok(app.store.duties(grid, with_retired).await?)
}

/// Adds a duty to a grid's list, as the grid's community staff.
pub async fn add_duty(
    app: &App,
    actor: &Actor,
    grid: &str,
    new: &NewDuty,
) -> Result<Duty, AppError> {
    let org = app.org();
    let community = grid_in_scope(actor, &org, grid)?;
    domain::require_holder(actor, &community)?;
    let fields = new.validate()?;
    let id = app
        .store
        .add_duty(grid, &fields, &actor.username, app.now())
        .await?;
    app.store
        .duty(id)
        .await?
        .ok_or_else(|| AppError::internal("a duty vanished"))
}

/// Retires a duty (it stays on record, off the board); 409 when it is retired already.
pub async fn retire_duty(app: &App, actor: &Actor, id: i64) -> Result<Duty, AppError> {
    let org = app.org();
    let duty = app.store.duty(id).await?.ok_or_else(AppError::not_found)?;
    if !access::covers(actor, &org, &duty.grid) {
        return Err(AppError::not_found());
    }
    let community = domain::community_of(&org, &duty.grid).unwrap_or_default();
    domain::require_holder(actor, community)?;
    domain::check_retire(&duty)?;
    if !app
        .store
        .retire_duty(id, &actor.username, app.now())
        .await?
    {
        return Err(
            domain::check_retire(&retired(duty)).map_or_else(AppError::from, |_| {
                AppError::internal("a duty retired twice")
            }),
        );
    }
    Ok(retired(duty))
}

fn retired(mut duty: Duty) -> Duty {
    duty.state = domain::DutyState::Retired;
    duty
}

/// The community of `grid` if `actor`'s scope covers the grid: an unknown code or one that
/// is not a grid is a 404, a grid outside the scope a 403 naming `jurisdiction`.
fn grid_in_scope(actor: &Actor, org: &Org, grid: &str) -> Result<String, AppError> {
    let community = domain::community_of(org, grid).ok_or_else(AppError::not_found)?;
    if !access::covers(actor, org, grid) {
        return Err(access::outside_scope(grid).into());
    }
    Ok(community.to_string())
}

// ---- meetings -------------------------------------------------------------------------------

/// A community by its code: 404 for an unknown code or one that is not a community.
fn community(org: &Org, code: &str) -> Result<(), AppError> {
    match org.jurisdiction(code) {
        Some(j) if j.level == Level::Community => Ok(()),
        _ => Err(AppError::not_found()),
    }
}

/// Opens a weekly meeting or a day's rollup of a community, as its staff.
pub async fn create_meeting(
    app: &App,
    actor: &Actor,
    code: &str,
    new: &NewMeeting,
) -> Result<MeetingView, AppError> {
    let org = app.org();
    community(&org, code)?;
    if !domain::reads_community(actor, &org, code)
        && domain::worker_grid(actor, &org, code).is_none()
    {
        return Err(access::outside_scope(code).into());
    }
    domain::require_holder(actor, code)?;
    let fields = new.validate(app.now())?;
    let id = match app
        .store
        .create_grid_meeting(code, &fields, &actor.username, app.now())
        .await
    {
        Ok(id) => id,
        Err(StoreError::Duplicate(_)) => {
            return Err(AppError::new(Kind::Conflict, "duplicate")
                .text("grid_meeting.rollup_exists")
                .arg("day", fields.day)
                .field("day"));
        }
        Err(e) => return Err(e.into()),
    };
    load(app, id).await
}

/// A community's meetings, the latest first: all of them for its staff and those above,
/// the rollups and the meetings about their grid for a grid worker of the community.
pub async fn meetings(app: &App, actor: &Actor, code: &str) -> Result<Vec<Meeting>, AppError> {
    let org = app.org();
    community(&org, code)?;
    let all = app.store.grid_meetings(code).await?;
    if domain::reads_community(actor, &org, code) {
        return Ok(all);
    }
    let Some(grid) = domain::worker_grid(actor, &org, code) else {
        return Err(access::outside_scope(code).into());
    };
    let about = app.store.grid_meetings_concerning(code, grid).await?;
    Ok(all
        .into_iter()
        .filter(|m| m.kind == MeetingKind::DailyRollup || about.contains(&m.id))
        .collect())
}

/// A meeting with its items, if `actor` may read it (else 404).
pub async fn meeting(app: &App, actor: &Actor, id: i64) -> Result<MeetingView, AppError> {
    let view = load(app, id).await?;
    let org = app.org();
    let code = view.meeting.community.as_str();
    let reads = domain::reads_community(actor, &org, code)
        || domain::worker_grid(actor, &org, code)
            .is_some_and(|g| view.meeting.concerns(&view.items, g));
    if !reads {
        return Err(AppError::not_found());
    }
    Ok(view)
}

async fn load(app: &App, id: i64) -> Result<MeetingView, AppError> {
    let meeting = app
        .store
        .grid_meeting(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let items = app.store.grid_meeting_items(id).await?;
    Ok(MeetingView { meeting, items })
}

/// A meeting the actor holds: readable (else 404), theirs (else 403), still a draft (409).
async fn held(app: &App, actor: &Actor, id: i64) -> Result<MeetingView, AppError> {
    let view = meeting(app, actor, id).await?;
    domain::require_holder(actor, &view.meeting.community)?;
    domain::check_draft(view.meeting.state)?;
    Ok(view)
}

/// The 409 for a meeting issued already (or meanwhile, by someone else).
fn issued_already() -> AppError {
    domain::check_draft(domain::MeetingState::Issued)
        .err()
        .map_or_else(
            || AppError::internal("an issued meeting passed as a draft"),
            AppError::from,
        )
}

/// The unit that issues the community's action items: its own office.
fn issuing_unit(org: &Org, community: &str) -> String {
    org.own_unit(community)
        .map(|u| u.code.clone())
        .unwrap_or_else(|| community.to_string())
}

/// Adds an item to a draft meeting. Its request or finding must lie in the community (422
/// naming `request_id` / `finding_id`); an owner unit must be known, in the community
/// staff's reach and not their own office.
pub async fn add_item(
    app: &App,
    actor: &Actor,
    id: i64,
    new: &NewItem,
) -> Result<MeetingItem, AppError> {
    let view = held(app, actor, id).await?;
    let org = app.org();
    let code = view.meeting.community.as_str();
    let fields = new.validate(&org, &issuing_unit(&org, code))?;
    if let Some(a) = &fields.action {
        access::require_unit_in_scope(actor, &org, &a.owner_unit, "action.owner_unit")?;
    }
    let grid = match fields.subject {
        Some(subject) => Some(subject_grid(app, &org, code, subject).await?),
        None => None,
    };
    let grid = grid.flatten();
    let item_id = app
        .store
        .add_grid_meeting_item(id, &fields, grid.as_deref())
        .await?
        .ok_or_else(issued_already)?;
    app.store
        .grid_meeting_items(id)
        .await?
        .into_iter()
        .find(|i| i.id == item_id)
        .ok_or_else(|| AppError::internal("a meeting item vanished"))
}

/// The grid an item's request or finding lies in (`None` for a request of the community
/// itself), or a 422 when it is not in the community.
async fn subject_grid(
    app: &App,
    org: &Org,
    community: &str,
    subject: Subject,
) -> Result<Option<String>, AppError> {
    let (place, field, key, sid) = match subject {
        Subject::Request(r) => (
            app.store.request_jurisdiction(r).await?,
            "request_id",
            "grid_meeting.subject_elsewhere.request",
            r,
        ),
        Subject::Finding(f) => (
            app.store.finding_grid(f).await?,
            "finding_id",
            "grid_meeting.subject_elsewhere.finding",
            f,
        ),
    };
    match place {
        Some(p) if org.within(&p, community) => {
            let is_grid = org.jurisdiction(&p).is_some_and(|j| j.level == Level::Grid);
            Ok(is_grid.then_some(p))
        }
        _ => Err(AppError::new(Kind::Invalid, "invalid_parameter")
            .text(key)
            .arg("id", sid)
            .field(field)),
    }
}

/// Issues a draft meeting: each decision with an owner unit becomes an action item (source
/// `grid_meeting`, due on the working-day calendar), a weekly meeting's minutes take the
/// next `纪要第N期` of the community's year, a rollup is fixed as computed now. 409 when
/// issued already (or by someone else meanwhile).
pub async fn issue(app: &App, actor: &Actor, id: i64) -> Result<MeetingView, AppError> {
    let view = held(app, actor, id).await?;
    let m = &view.meeting;
    domain::check_issue(m.kind, m.state, view.items.len())?;
    let org = app.org();
    let unit = issuing_unit(&org, &m.community);
    let now = app.now();
    let mut plan = MeetingIssue::default();
    for item in &view.items {
        if let Some(action) = action_of(app, actor, &unit, m.id, item)? {
            plan.actions.push((item.id, action.0, action.1));
        }
    }
    match m.kind {
        MeetingKind::WeeklyMeeting => {
            plan.number = Some(NumberDraw {
                key: SequenceKey::new(DocumentKind::MeetingMinutes, UnitCode::new(&unit), now),
                issuer: crate::action_item::oversight::short_name(&org, &unit),
            });
        }
        MeetingKind::DailyRollup => {
            plan.rollup = Some(compute_rollup(app, &org, &m.community, m.day).await?);
        }
    }
    let subs = app.subscriptions();
    let notices = |item_id, e: &ItemEvent| {
        let item = ActionItem::replay(item_id, std::slice::from_ref(e));
        item_messages(&subs, &org, &item, e)
    };
    let issued = app
        .store
        .issue_grid_meeting(id, m.version, &actor.username, now, &plan, &notices)
        .await?;
    if issued.is_none() {
        return Err(issued_already());
    }
    load(app, id).await
}

/// The action item a meeting item's decision becomes, if it names an owner.
fn action_of(
    app: &App,
    actor: &Actor,
    unit: &str,
    meeting: i64,
    item: &MeetingItem,
) -> Result<Option<(ItemEvent, ActionItem)>, AppError> {
    let (Some(decision), Some(owner), Some(days)) =
        (&item.decision, &item.owner_unit, item.working_days)
    else {
        return Ok(None);
    };
    let now = app.now();
    let new = items::NewItem {
        source: Source {
            kind: SourceKind::GridMeeting,
            id: meeting,
        },
        title: decision.clone(),
        owner: UnitCode::new(owner),
        co_units: Vec::new(),
        working_days: days,
        requests: Vec::new(),
    };
    let data = items::issue(
        &new,
        &ItemActor::person(&actor.username, unit),
        now,
        &app.calendar(),
    )?;
    let event = ItemEvent {
        seq: 1,
        at: now,
        actor: actor.username.clone(),
        unit: Some(UnitCode::new(unit)),
        data,
    };
    let state = ActionItem::replay(ActionItemId(0), std::slice::from_ref(&event));
    Ok(Some((event, state)))
}

/// What an item of a draft meeting may be about, for the meeting page's picker: the
/// community's open `grid_patrol` requests and the findings of the meeting's day.
#[derive(Debug, Clone, Default)]
pub struct AgendaChoices {
    pub requests: Vec<OpenRequestFact>,
    pub findings: Vec<FindingFact>,
    /// The units an item's action may be given to: in the holder's reach, not the
    /// community's own office (which issues and verifies the items).
    pub owner_units: Vec<(String, String)>,
}

/// The picker of a meeting the actor may read (else 404).
pub async fn agenda_choices(
    app: &App,
    actor: &Actor,
    view: &MeetingView,
) -> Result<AgendaChoices, AppError> {
    let org = app.org();
    let m = &view.meeting;
    let issuer = issuing_unit(&org, &m.community);
    let owner_units = org
        .units()
        .filter(|u| u.code != issuer && access::unit_in_scope(actor, &org, &u.code))
        .map(|u| (u.code.clone(), u.name.clone()))
        .collect();
    Ok(AgendaChoices {
        requests: app
            .store
            .open_grid_patrol_requests(&org.path(&m.community))
            .await?,
        findings: app
            .store
            .community_findings_of_day(&m.community, m.day)
            .await?,
        owner_units,
    })
}

/// The community a grid lies in (404 for a code that is no grid), for the grid worker's
/// way to the meetings concerning their grid.
pub fn grid_community(app: &App, grid: &str) -> Result<String, AppError> {
    let org = app.org();
    domain::community_of(&org, grid)
        .map(str::to_string)
        .ok_or_else(AppError::not_found)
}

// ---- the daily rollup -----------------------------------------------------------------------

/// The 社情日汇总 of a community and day as computed now, for whoever reads the
/// community's meetings (its grid workers included: it covers every grid).
pub async fn rollup(
    app: &App,
    actor: &Actor,
    code: &str,
    day: NaiveDate,
) -> Result<Rollup, AppError> {
    let org = app.org();
    community(&org, code)?;
    if !domain::reads_community(actor, &org, code)
        && domain::worker_grid(actor, &org, code).is_none()
    {
        return Err(access::outside_scope(code).into());
    }
    compute_rollup(app, &org, code, day).await
}

async fn compute_rollup(
    app: &App,
    org: &Org,
    code: &str,
    day: NaiveDate,
) -> Result<Rollup, AppError> {
    let grids: Vec<String> = org
        .jurisdictions()
        .filter(|j| j.level == Level::Grid && j.parent.as_deref() == Some(code))
        .map(|j| j.code.clone())
        .collect();
    let findings = app.store.community_findings_of_day(code, day).await?;
    let open = app.store.open_grid_patrol_requests(&org.path(code)).await?;
    Ok(domain::rollup(code, day, &grids, &findings, &open))
}

// ---- the public board -----------------------------------------------------------------------

/// The register's active posts as the board shows them: the grid head first, in the order
/// of the posts, and nothing of the person but the name, armband and work phone.
fn board_posts(mut posts: Vec<GridPost>) -> Vec<BoardPost> {
    posts.sort_by_key(|p| (PostKind::ALL.iter().position(|k| *k == p.post), p.id));
    posts
        .into_iter()
        .map(|p| BoardPost {
            post: p.post.as_str().to_string(),
            person_name: p.person_name,
            armband_no: p.armband_no,
            board_phone: p.board_phone,
        })
        .collect()
}

/// The grid's public board (网格公示牌): its map, posts with the board phone and armband
/// number, household count and active duties. Public: 404 only for a code that is no grid.
pub async fn board(app: &App, grid: &str) -> Result<Board, AppError> {
    let org = app.org();
    let community = domain::community_of(&org, grid).ok_or_else(AppError::not_found)?;
    let name = |code: &str| {
        org.jurisdiction(code)
            .map(|j| j.name.clone())
            .unwrap_or_default()
    };
    // The shape from the reference snapshot: parsed once, not per view of a public page.
    let map = app
        .grids()
        .shape(grid)
        .map(|shape| domain::board_map(shape, MAP_WIDTH, MAP_HEIGHT))
        .unwrap_or_default();
    Ok(Board {
        grid: grid.to_string(),
        grid_name: name(grid),
        community_name: name(community),
        posts: board_posts(app.store.posts_of_grid(grid, false).await?),
        households: app.store.grid_household_count(grid).await?,
        duties: app.store.duties(grid, false).await?,
        map,
    })
}
