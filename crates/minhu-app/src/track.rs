//! What a tracking code shows its requester.

use minhu_domain::request::{Event, Request};

use crate::{App, AppError, Kind};

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
pub async fn track(app: &App, code: &str) -> Result<Tracked, AppError> {
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
            AppError::new(Kind::NotFound, "not_found").text("app.unknown_tracking_code")
        })?;
    if let Some(pid) = own.merged_into
        && let Some((parent, parent_events)) = app.store.load_request(pid).await?
    {
        return Ok(Tracked {
            own,
            shown: parent,
            events: parent_events,
        });
    }
    Ok(Tracked {
        shown: own.clone(),
        own,
        events,
    })
}
