//! Who may see a requester's personal fields, and the logged read that shows them.

use minhu_domain::org::Actor;
use minhu_domain::request::Request;

use crate::{App, AppError, Kind};

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
    app: &App,
    actor: &Actor,
    req: &Request,
    purpose: Option<&str>,
) -> Result<(), AppError> {
    if !may_reveal(actor, req, &app.org()) {
        return Err(AppError::new(Kind::Forbidden, "forbidden")
            .text("app.forbidden_reveal")
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
