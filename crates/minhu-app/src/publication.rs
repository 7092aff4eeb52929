//! 公示 (publications): publishing one (the period checked against the kind's minimum by
//! `minhu_domain::publication`), taking it down early, and listing what is showing. The
//! staff of a community, street or district publish in their own jurisdiction; the photo
//! of a posted board sheet goes through `crate::upload` like every photo.

use chrono::{DateTime, Utc};
use minhu_domain::access;
use minhu_domain::org::Actor;
use minhu_domain::publication::{Publication, PublicationKind, Venue};
use minhu_store::PublicationRow;

use crate::upload::Photo;
use crate::{App, AppError, Kind};

/// Longest title and body (characters).
pub const MAX_TITLE: usize = 200;
pub const MAX_BODY: usize = 20_000;

/// What the publisher fills in.
#[derive(Debug, Clone)]
pub struct NewPublication {
    pub kind: PublicationKind,
    pub subject_kind: String,
    pub subject_id: i64,
    pub title: String,
    pub body: String,
    /// The online wall, or a board (its photo, if given, is `board_photo`).
    pub venue: Venue,
    pub board_photo: Option<Photo>,
    /// Where it is shown; the publisher's own scope by default.
    pub jurisdiction: Option<String>,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

fn forbidden() -> AppError {
    AppError::new(Kind::Forbidden, "forbidden").text("governance.publication.forbidden")
}

/// 403 unless `actor` is office staff whose scope covers `jurisdiction`.
fn require_publisher(app: &App, actor: &Actor, jurisdiction: &str) -> Result<(), AppError> {
    let staff = actor.role.is_some_and(access::staff_role);
    if staff && access::covers(actor, &app.org(), jurisdiction) {
        return Ok(());
    }
    Err(forbidden().field("jurisdiction"))
}

fn text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::new(Kind::Invalid, "required")
            .text("domain.required.field")
            .arg("field", field)
            .field(field));
    }
    if value.chars().count() > max {
        return Err(AppError::new(Kind::Invalid, "too_long")
            .text("domain.too_long.note")
            .arg("field", field)
            .arg("max", max)
            .field(field));
    }
    Ok(value.to_string())
}

/// Publishes; the stored row. A period shorter than the kind's minimum is a 422 on `until`.
pub async fn publish(
    app: &App,
    actor: &Actor,
    new: NewPublication,
) -> Result<PublicationRow, AppError> {
    let mut row = prepare(app, actor, new).await?;
    row.id = app.store.insert_publication(&row).await?;
    Ok(row)
}

/// Checks a publication and keeps its photo: the row to store (id 0), for a caller that
/// writes it in its own transaction (a council decision's 公示 with its notices).
pub async fn prepare(
    app: &App,
    actor: &Actor,
    new: NewPublication,
) -> Result<PublicationRow, AppError> {
    let jurisdiction = new
        .jurisdiction
        .clone()
        .unwrap_or_else(|| actor.scope.clone());
    if app.org().jurisdiction(&jurisdiction).is_none() {
        return Err(AppError::new(Kind::Invalid, "invalid_parameter")
            .text("domain.unknown_jurisdiction.code")
            .arg("jurisdiction", &jurisdiction)
            .field("jurisdiction"));
    }
    require_publisher(app, actor, &jurisdiction)?;
    let title = text("title", &new.title, MAX_TITLE)?;
    let body = text("body", &new.body, MAX_BODY)?;
    let mut venue = new.venue;
    if let (Venue::Board { photo, .. }, Some(p)) = (&mut venue, &new.board_photo) {
        *photo = Some(p.hash.clone());
    }
    let checked = Publication {
        kind: new.kind,
        subject_id: new.subject_id,
        venues: vec![venue],
        from: new.from,
        until: new.until,
    }
    .validate()?;
    if let Some(p) = &new.board_photo {
        app.store
            .keep_photo(&p.hash, p.mime, &p.bytes, p.gps)
            .await?;
    }
    let (venue, board, board_photo) = match checked.venues.into_iter().next() {
        Some(Venue::Board { board, photo }) => ("board", Some(board), photo),
        _ => ("online_wall", None, None),
    };
    Ok(PublicationRow {
        id: 0,
        kind: new.kind.as_str().to_string(),
        subject_kind: new.subject_kind.trim().to_string(),
        subject_id: new.subject_id,
        title,
        body,
        venue: venue.to_string(),
        board,
        board_photo,
        jurisdiction,
        from_at: checked.from,
        until_at: checked.until,
        published_by: actor.username.clone(),
        published_at: app.now(),
        withdrawn_at: None,
        withdrawn_by: None,
    })
}

/// Takes a publication down before its `until`. 404 if unknown, 403 outside the
/// publisher's reach, 409 when withdrawn already.
pub async fn withdraw(app: &App, actor: &Actor, id: i64) -> Result<PublicationRow, AppError> {
    let row = app
        .store
        .publication(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    require_publisher(app, actor, &row.jurisdiction)?;
    let now = app.now();
    if !app
        .store
        .withdraw_publication(id, &actor.username, now)
        .await?
    {
        return Err(
            AppError::new(Kind::Conflict, "withdrawn").text("governance.publication.withdrawn")
        );
    }
    app.store
        .publication(id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Every publication, newest first; with `showing_at`, only those up at that moment.
pub async fn list(
    app: &App,
    showing_at: Option<DateTime<Utc>>,
) -> Result<Vec<PublicationRow>, AppError> {
    Ok(app.store.publications(showing_at).await?)
}
