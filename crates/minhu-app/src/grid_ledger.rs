//! The grid's base ledger as every front end uses it: lists and records masked by tier
//! (`minhu_domain::people`), the logged reveal of staff fields with a purpose, sensitive
//! fields only while the store says the reader holds the `sensitive` grant (read live at
//! every call, every such read logged), audited edits, care tags, places, posts and the
//! grant itself. Who may do what is `minhu_domain::access::register`.
//!
//! Out of scope is "not found" for everything under a grid, as for a request: a grid
//! worker of another grid learns nothing of this one.

use chrono::NaiveDate;
use minhu_domain::access::register::{self, SENSITIVE};
use minhu_domain::grid_ledger::{
    Building, CareTag, CareTagDraft, GridPost, Household, HouseholdDraft, Place, PlaceDraft,
    PostDraft, Resident, ResidentDraft,
};
use minhu_domain::ids::{HouseholdId, ResidentId};
use minhu_domain::org::{Actor, Jurisdiction, Level, Role};
use minhu_domain::people::{
    self, HouseholdView, ResidentView, SENSITIVE_FIELDS, STAFF_FIELDS, Sight,
};
use minhu_store::StoreError;
use minhu_store::grid_ledger::{HouseholdListing, HouseholdQuery, SubjectAccess, TagAdded};

use crate::{App, AppError, Kind};

/// The purpose recorded for a sensitive read that names none (opening a household page).
const DEFAULT_PURPOSE: &str = "查看网格台账";

/// One household as a list or a record shows it: public fields as stored, staff fields
/// masked unless revealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdSummary {
    pub listing: HouseholdListing,
    pub view: HouseholdView,
}

/// A page of a grid's households.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdPage {
    pub items: Vec<HouseholdSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// One resident of a household record, masked by what the reader may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentEntry {
    pub resident: Resident,
    pub view: ResidentView,
}

/// A household with its residents as the reader may see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRecord {
    pub household: HouseholdSummary,
    pub residents: Vec<ResidentEntry>,
    /// Whether ID numbers and care tags are shown (the reader holds the grant now).
    pub sensitive: bool,
    /// Whether the reader may edit this household (for the pages' forms).
    pub editable: bool,
    /// Whether the reader may reveal its staff fields.
    pub revealable: bool,
}

impl ResidentEntry {
    /// The stored resident, for callers that must not show it: only the public tier.
    pub fn public(&self, building: &str) -> people::PublicResident {
        people::public_resident(&self.resident, building)
    }
}

fn not_found() -> AppError {
    AppError::not_found()
}

/// 404 unless `grid` is a grid the actor reads.
fn readable_grid(app: &App, actor: &Actor, grid: &str) -> Result<(), AppError> {
    let org = app.org();
    let is_grid = org
        .jurisdiction(grid)
        .is_some_and(|j| j.level == Level::Grid);
    if is_grid && register::may_read(actor, &org, grid) {
        return Ok(());
    }
    Err(not_found())
}

/// 404 unless the actor reads `grid`, 403 (field `grid`) unless they also edit it.
fn editable_grid(app: &App, actor: &Actor, grid: &str) -> Result<(), AppError> {
    readable_grid(app, actor, grid)?;
    if register::may_edit(actor, &app.org(), grid) {
        return Ok(());
    }
    Err(AppError::new(Kind::Forbidden, "forbidden")
        .text("grid_ledger.forbidden.edit")
        .field("grid"))
}

/// Does the actor hold the `sensitive` grant at this moment? Read from the store at every
/// call, so a removal takes effect at once on every server.
pub async fn holds_sensitive(app: &App, actor: &Actor) -> Result<bool, AppError> {
    if actor.role.is_none() {
        return Ok(false);
    }
    Ok(app.store.has_grant(&actor.username, SENSITIVE).await?)
}

// ---- reads ---------------------------------------------------------------------------------

/// The buildings of a grid.
pub async fn buildings(app: &App, actor: &Actor, grid: &str) -> Result<Vec<Building>, AppError> {
    readable_grid(app, actor, grid)?;
    Ok(app.store.buildings_of_grid(grid).await?)
}

/// A page of a grid's households, staff fields masked; a list never carries a
/// sensitive field, whatever the reader's grants.
pub async fn households(
    app: &App,
    actor: &Actor,
    query: &HouseholdQuery,
) -> Result<HouseholdPage, AppError> {
    readable_grid(app, actor, &query.grid)?;
    let (rows, total) = app.store.households_of_grid(query).await?;
    let items = rows
        .into_iter()
        .map(|listing| HouseholdSummary {
            view: people::household_view(&listing.household, Sight::default()),
            listing,
        })
        .collect();
    Ok(HouseholdPage {
        items,
        total,
        page: query.page.max(1),
        per_page: query.per_page.clamp(1, 500),
    })
}

/// A household and its residents, staff fields masked; ID numbers and care tags shown
/// only to a reader holding the grant now, and then the read is logged per resident.
pub async fn household(
    app: &App,
    actor: &Actor,
    id: HouseholdId,
) -> Result<HouseholdRecord, AppError> {
    record(app, actor, id, false, DEFAULT_PURPOSE).await
}

/// The household with its staff fields shown, for `purpose` (required, field `purpose`):
/// the reveal is logged with the fields and the purpose before anything is shown.
pub async fn reveal_household(
    app: &App,
    actor: &Actor,
    id: HouseholdId,
    purpose: &str,
) -> Result<HouseholdRecord, AppError> {
    let purpose = purpose.trim();
    let listing = app.store.household(id).await?.ok_or_else(not_found)?;
    readable_grid(app, actor, &listing.household.grid)?;
    if !register::may_reveal(actor, &app.org(), &listing.household.grid) {
        return Err(AppError::new(Kind::Forbidden, "forbidden")
            .text("grid_ledger.forbidden.reveal")
            .field("reveal"));
    }
    if purpose.is_empty() {
        return Err(AppError::new(Kind::Invalid, "required")
            .text("grid_ledger.invalid.purpose")
            .field("purpose"));
    }
    app.store
        .log_subject_access(
            &actor.username,
            actor.role_str(),
            "household",
            id.0,
            STAFF_FIELDS,
            purpose,
        )
        .await?;
    record(app, actor, id, true, purpose).await
}

async fn record(
    app: &App,
    actor: &Actor,
    id: HouseholdId,
    staff: bool,
    purpose: &str,
) -> Result<HouseholdRecord, AppError> {
    let listing = app.store.household(id).await?.ok_or_else(not_found)?;
    let grid = listing.household.grid.clone();
    readable_grid(app, actor, &grid)?;
    let org = app.org();
    let granted = holds_sensitive(app, actor).await?;
    let sight = Sight {
        staff,
        sensitive: register::may_read_sensitive(actor, &org, &grid, granted),
    };
    let residents = app.store.residents_of_household(id).await?;
    let tags = if sight.sensitive {
        app.store.care_tags_of_household(id).await?
    } else {
        Vec::new()
    };
    if sight.sensitive {
        for r in &residents {
            app.store
                .log_subject_access(
                    &actor.username,
                    actor.role_str(),
                    "resident",
                    r.id.0,
                    SENSITIVE_FIELDS,
                    purpose,
                )
                .await?;
        }
    }
    let residents = residents
        .into_iter()
        .map(|r| {
            let own: Vec<CareTag> = tags
                .iter()
                .filter(|t| t.resident_id == r.id)
                .cloned()
                .collect();
            ResidentEntry {
                view: people::resident_view(&r, own, sight),
                resident: r,
            }
        })
        .collect();
    Ok(HouseholdRecord {
        household: HouseholdSummary {
            view: people::household_view(&listing.household, sight),
            listing,
        },
        residents,
        sensitive: sight.sensitive,
        editable: register::may_edit(actor, &org, &grid),
        revealable: register::may_reveal(actor, &org, &grid),
    })
}

// ---- edits ---------------------------------------------------------------------------------

/// Changes a household (audited: the fields, and the values of public ones); answers the
/// record as the editor may see it (masked: an edit is no reveal).
pub async fn edit_household(
    app: &App,
    actor: &Actor,
    id: HouseholdId,
    draft: &HouseholdDraft,
) -> Result<HouseholdRecord, AppError> {
    let listing = app.store.household(id).await?.ok_or_else(not_found)?;
    editable_grid(app, actor, &listing.household.grid)?;
    let edit = draft.check()?;
    match app
        .store
        .edit_household(id, &edit, &actor.username, app.now())
        .await
    {
        Ok(true) => household(app, actor, id).await,
        Ok(false) => Err(not_found()),
        Err(e) => Err(unique_as_conflict(e, "room")),
    }
}

/// Changes a resident (audited); answers the resident's household record.
pub async fn edit_resident(
    app: &App,
    actor: &Actor,
    id: ResidentId,
    draft: &ResidentDraft,
) -> Result<HouseholdRecord, AppError> {
    let resident = app.store.resident(id).await?.ok_or_else(not_found)?;
    let grid = app.store.resident_grid(id).await?.ok_or_else(not_found)?;
    editable_grid(app, actor, &grid)?;
    let edit = draft.check()?;
    if edit.id_number.is_some() && require_sensitive(app, actor, &grid).await.is_err() {
        return Err(AppError::new(Kind::Forbidden, "forbidden")
            .text("grid_ledger.forbidden.id_number")
            .field("id_number"));
    }
    match app
        .store
        .edit_resident(id, &edit, &actor.username, app.now())
        .await
    {
        Ok(true) => household(app, actor, resident.household_id).await,
        Ok(false) => Err(not_found()),
        Err(e) => Err(unique_as_conflict(e, "name")),
    }
}

/// A duplicate (two rooms or residents of one name) as a 409 naming the field.
fn unique_as_conflict(e: StoreError, field: &str) -> AppError {
    match e {
        StoreError::Duplicate(_) => AppError::new(Kind::Conflict, "duplicate")
            .text("grid_ledger.conflict.duplicate")
            .field(field),
        e => AppError::from(e),
    }
}

/// Tags a resident with a care group (write only: the answer is the tag's id, so a
/// worker without the grant records what they found and still reads no tag). 409 when an
/// active tag of the kind exists.
pub async fn add_care_tag(
    app: &App,
    actor: &Actor,
    resident: ResidentId,
    draft: &CareTagDraft,
) -> Result<i64, AppError> {
    let grid = app
        .store
        .resident_grid(resident)
        .await?
        .ok_or_else(not_found)?;
    editable_grid(app, actor, &grid)?;
    let tag = draft.check()?;
    match app
        .store
        .add_care_tag(resident, &tag, &actor.username, app.now())
        .await?
    {
        TagAdded::Added(id) => Ok(id),
        TagAdded::AlreadyActive => Err(AppError::new(Kind::Conflict, "tag_active")
            .text("grid_ledger.conflict.tag_active")
            .arg("kind", tag.kind.zh())
            .field("kind")),
    }
}

/// Ends a care tag today (Asia/Shanghai); 409 when it has ended already.
pub async fn end_care_tag(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    let (_, grid) = app.store.care_tag(id).await?.ok_or_else(not_found)?;
    editable_grid(app, actor, &grid)?;
    let today = minhu_domain::time::local_date(app.now());
    if app
        .store
        .end_care_tag(id, today, &actor.username, app.now())
        .await?
    {
        return Ok(());
    }
    Err(ended())
}

fn ended() -> AppError {
    AppError::new(Kind::Conflict, "ended").text("grid_ledger.conflict.ended")
}

// ---- posts and places ----------------------------------------------------------------------

/// The posts of a grid (active ones, or all).
pub async fn posts(
    app: &App,
    actor: &Actor,
    grid: &str,
    include_ended: bool,
) -> Result<Vec<GridPost>, AppError> {
    readable_grid(app, actor, grid)?;
    Ok(app.store.posts_of_grid(grid, include_ended).await?)
}

/// Fills a post of the grid; answers its id.
pub async fn add_post(
    app: &App,
    actor: &Actor,
    grid: &str,
    draft: &PostDraft,
) -> Result<i64, AppError> {
    editable_grid(app, actor, grid)?;
    let post = draft.check(minhu_domain::time::local_date(app.now()))?;
    if let Some(b) = post.building_id {
        let in_grid = app.store.building(b).await?.is_some_and(|b| b.grid == grid);
        if !in_grid {
            return Err(AppError::new(Kind::Invalid, "invalid_parameter")
                .text("grid_ledger.invalid.building")
                .arg("building", b)
                .field("building_id"));
        }
    }
    Ok(app
        .store
        .add_post(grid, &post, &actor.username, app.now())
        .await?)
}

/// Ends a post on `until` (today when none); 409 when it has ended already.
pub async fn end_post(
    app: &App,
    actor: &Actor,
    id: i64,
    until: Option<NaiveDate>,
) -> Result<(), AppError> {
    let post = app.store.grid_post(id).await?.ok_or_else(not_found)?;
    editable_grid(app, actor, &post.grid)?;
    let until = until.unwrap_or_else(|| minhu_domain::time::local_date(app.now()));
    if app
        .store
        .end_post(id, until, &actor.username, app.now())
        .await?
    {
        return Ok(());
    }
    Err(ended())
}

/// The places of a grid. Contact phones are masked here: a place's contact is a person.
pub async fn places(app: &App, actor: &Actor, grid: &str) -> Result<Vec<Place>, AppError> {
    readable_grid(app, actor, grid)?;
    let mut list = app.store.places_of_grid(grid).await?;
    for p in &mut list {
        p.contact_phone = people::masked_phone(&p.contact_phone);
        p.contact_name = minhu_domain::privacy::mask_name(&p.contact_name);
    }
    Ok(list)
}

/// Registers a place in the grid; answers its id. 409 when the community has one of
/// that name.
pub async fn add_place(
    app: &App,
    actor: &Actor,
    grid: &str,
    draft: &PlaceDraft,
) -> Result<i64, AppError> {
    editable_grid(app, actor, grid)?;
    let place = draft.check()?;
    let community = app
        .org()
        .ancestor_at(grid, Level::Community)
        .map(|c| c.code.clone())
        .ok_or_else(not_found)?;
    match app
        .store
        .add_place(&community, grid, &place, &actor.username, app.now())
        .await
    {
        Ok(id) => Ok(id),
        Err(StoreError::Duplicate(_)) => Err(AppError::new(Kind::Conflict, "duplicate")
            .text("grid_ledger.conflict.place_exists")
            .arg("name", &place.name)
            .field("name")),
        Err(e) => Err(e.into()),
    }
}

// ---- the sensitive grant -------------------------------------------------------------------

/// The user a grant is for: their role and scope; 404 (field `username`) when unknown.
async fn grantee(app: &App, username: &str) -> Result<(Role, String), AppError> {
    let user = app.store.user_by_username(username).await?.ok_or_else(|| {
        AppError::new(Kind::NotFound, "not_found")
            .text("grid_ledger.invalid.username")
            .arg("username", username)
            .field("username")
    })?;
    let role = Role::parse(&user.role)
        .ok_or_else(|| AppError::internal(format!("stored role '{}'", user.role)))?;
    Ok((role, user.scope))
}

/// Grants `sensitive` to a user (a district admin over their scope only); true when it
/// was not held before.
pub async fn grant_sensitive(app: &App, actor: &Actor, username: &str) -> Result<bool, AppError> {
    register::require_granter(actor)?;
    let (role, scope) = grantee(app, username).await?;
    register::may_grant_sensitive(actor, &app.org(), role, &scope)?;
    Ok(app
        .store
        .add_grant(username, SENSITIVE, &actor.username, app.now())
        .await?)
}

/// Removes `sensitive` from a user (the same rule as granting); true when it was held.
/// Every server sees the removal at the next read: grants are never cached.
pub async fn revoke_sensitive(app: &App, actor: &Actor, username: &str) -> Result<bool, AppError> {
    register::require_granter(actor)?;
    let (role, scope) = grantee(app, username).await?;
    register::may_grant_sensitive(actor, &app.org(), role, &scope)?;
    Ok(app.store.remove_grant(username, SENSITIVE).await?)
}

// ---- what the staff pages need besides ---------------------------------------------------

/// The grids whose register the actor reads, in the organisation's order (the pages'
/// index of a community's grids).
pub fn grids(app: &App, actor: &Actor) -> Vec<Jurisdiction> {
    let org = app.org();
    org.jurisdictions()
        .filter(|j| j.level == Level::Grid && register::may_read(actor, &org, &j.code))
        .cloned()
        .collect()
}

/// 404 unless the actor reads `grid`, 403 unless they edit it: checked before a form's
/// fields, so another grid's worker learns nothing from a form's errors.
pub fn require_editable(app: &App, actor: &Actor, grid: &str) -> Result<(), AppError> {
    editable_grid(app, actor, grid)
}

/// 404 unless the actor holds the `sensitive` grant now and reads `grid`: a care tag's
/// form, like the tag, does not exist for anyone else.
pub async fn require_sensitive(app: &App, actor: &Actor, grid: &str) -> Result<(), AppError> {
    let granted = holds_sensitive(app, actor).await?;
    if register::may_read_sensitive(actor, &app.org(), grid, granted) {
        return Ok(());
    }
    Err(not_found())
}

/// The household as stored, for an editor's form to compare with (never shown: the page
/// shows the masked record).
pub async fn household_to_edit(
    app: &App,
    actor: &Actor,
    id: HouseholdId,
) -> Result<Household, AppError> {
    let listing = app.store.household(id).await?.ok_or_else(not_found)?;
    editable_grid(app, actor, &listing.household.grid)?;
    Ok(listing.household)
}

/// The resident as stored and their grid, for an editor's form to compare with.
pub async fn resident_to_edit(
    app: &App,
    actor: &Actor,
    id: ResidentId,
) -> Result<(Resident, String), AppError> {
    let resident = app.store.resident(id).await?.ok_or_else(not_found)?;
    let grid = app.store.resident_grid(id).await?.ok_or_else(not_found)?;
    editable_grid(app, actor, &grid)?;
    Ok((resident, grid))
}

/// The household a care tag belongs to, for a reader holding the grant (404 otherwise).
pub async fn care_tag_household(
    app: &App,
    actor: &Actor,
    id: i64,
) -> Result<HouseholdId, AppError> {
    let (tag, grid) = app.store.care_tag(id).await?.ok_or_else(not_found)?;
    readable_grid(app, actor, &grid)?;
    require_sensitive(app, actor, &grid).await?;
    let resident = app
        .store
        .resident(tag.resident_id)
        .await?
        .ok_or_else(not_found)?;
    Ok(resident.household_id)
}

/// Who read the household's or its residents' personal data, when and why, newest first
/// (PIPL art. 45): 404 outside the actor's grids, 403 for a reader who is not the office.
pub async fn access_log(app: &App, actor: &Actor, id: HouseholdId) -> Result<AccessLog, AppError> {
    let listing = app.store.household(id).await?.ok_or_else(not_found)?;
    readable_grid(app, actor, &listing.household.grid)?;
    if !register::may_read_access_log(actor, &app.org(), &listing.household.grid) {
        return Err(AppError::new(Kind::Forbidden, "forbidden")
            .text("grid_ledger.forbidden.access_log")
            .field("access_log"));
    }
    let entries = app.store.household_access_log(id).await?;
    let residents = app
        .store
        .residents_of_household(id)
        .await?
        .into_iter()
        .map(|r| (r.id.0, minhu_domain::privacy::mask_name(&r.name)))
        .collect();
    Ok(AccessLog {
        listing,
        entries,
        residents,
    })
}

/// A household's access log with its residents' masked names (the log names records by
/// id; the log itself reveals nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLog {
    pub listing: HouseholdListing,
    /// Newest first.
    pub entries: Vec<SubjectAccess>,
    /// Each resident's id and masked name (贺**).
    pub residents: Vec<(i64, String)>,
}

/// Closes a place of the grid (kept, marked closed); answers its grid. 409 when closed.
pub async fn close_place(app: &App, actor: &Actor, id: i64) -> Result<String, AppError> {
    let place = app.store.place(id).await?.ok_or_else(not_found)?;
    editable_grid(app, actor, &place.grid)?;
    if app
        .store
        .close_place(id, &actor.username, app.now())
        .await?
    {
        return Ok(place.grid);
    }
    Err(ended())
}

/// The grid of a post the actor reads (404 otherwise), for a page to return to.
pub async fn post_grid(app: &App, actor: &Actor, id: i64) -> Result<String, AppError> {
    let post = app.store.grid_post(id).await?.ok_or_else(not_found)?;
    readable_grid(app, actor, &post.grid)?;
    Ok(post.grid)
}
