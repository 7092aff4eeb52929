//! The demo district, modelled on the seed: 示范区 with three streets, the 德馨苑 community
//! (14 buildings, 1,528 households in 5 grids of about 300), its 18 local units, the district
//! departments, demo staff, and a history of requests that reproduces the newspaper's figures
//! (16 April – 15 June 2026) plus live requests in every state around the time of loading.
//!
//! Figures reproduced (see README): 德馨苑 36 requests, 29 closed and 7 still being handled,
//! callback satisfaction 100 %; district offline channels 278 received and closed by 11 June
//! (97 % satisfied); 12345 hotline 201, online messages 27, mayor's mailbox 65, all closed;
//! digital city management 788 received and handled.
//!
//! The catalogue (the 7 accepted classes with their services and the 38 便民服务事项) and the
//! dispatch routes are data, `data/catalogue.json` and `data/routes.csv`, loaded through
//! `minhu_app::catalogue_load` as a deployment loads its own with `minhu catalogue load`.

mod council;
mod grid_work;
mod history;
mod joint_meeting;
pub mod ledger;
mod org;
mod places;
mod sim;
mod topics;

use minhu_app::App;
use minhu_app::catalogue_load::{self, CatalogueError, Format};
use minhu_domain::org::Org;
use minhu_store::{Store, StoreError};

pub use history::history;
pub use org::{DEXINYUAN, DISTRICT, accounts, organisation};
pub use places::{DXY_GRID_WIDTH, DXY_ORIGIN};
pub use sim::Item;

/// Password of every demo account (printed by `serve --demo`).
pub const DEMO_PASSWORD: &str = "minhu-demo";

/// The demo's service catalogue, in the format `minhu catalogue load` reads.
pub const CATALOGUE_JSON: &[u8] = include_bytes!("../data/catalogue.json");
/// The demo's dispatch catalogue (派单目录), in the same format.
pub const ROUTES_CSV: &[u8] = include_bytes!("../data/routes.csv");

/// Why the demo could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the demo's catalogue: {0}")]
    Catalogue(#[from] CatalogueError),
    #[error("demo step {action} on {code}: {refusal}")]
    Step {
        action: String,
        code: String,
        refusal: String,
    },
    #[error("the demo names an unknown jurisdiction {0}")]
    UnknownJurisdiction(String),
    #[error("hashing the demo password: {0}")]
    Password(String),
}

/// Loads the demo's service catalogue (classes, services and their Open311 attributes).
pub async fn seed_catalogue(store: &Store) -> Result<(), DemoError> {
    catalogue_load::load(store, CATALOGUE_JSON, Format::Json, false).await?;
    Ok(())
}

/// Loads the demo's dispatch catalogue: category prefix × area → unit, with the district
/// office as the fallback (兜底).
pub async fn seed_routes(store: &Store) -> Result<(), DemoError> {
    catalogue_load::load(store, ROUTES_CSV, Format::Csv, false).await?;
    Ok(())
}

/// One hash for every demo account: hashing is deliberately slow.
fn password_hash() -> Result<String, DemoError> {
    use argon2::password_hash::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(DEMO_PASSWORD.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| DemoError::Password(e.to_string()))
}

/// The demo accounts, each once (an account already there is kept).
async fn seed_accounts(store: &Store, org: &Org) -> Result<(), DemoError> {
    let hash = password_hash()?;
    for (username, display, role, scope) in accounts(org) {
        match store
            .add_user(&username, Some(&display), role, &scope, Some(&hash))
            .await
        {
            Ok(_) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Loads the demo into an empty database: organisation, catalogue, accounts, routes, places
/// and history. Returns false (and changes nothing) when the database already holds requests.
pub async fn load(app: &App) -> Result<bool, DemoError> {
    let store = &app.store;
    if store.count_requests().await? > 0 {
        return Ok(false);
    }
    let (js, us) = organisation();
    store.upsert_org(&js, &us).await?;
    seed_catalogue(store).await?;
    app.reload().await?;
    let org = app.org();
    seed_accounts(store, &org).await?;
    seed_routes(store).await?;
    places::seed_places(store).await?;
    let items = history(&org, &app.calendar(), &app.sla(), app.now())?;
    store.bulk_insert(&items).await?;
    app.reload().await?;
    grid_work::seed_grid_work(app, app.now()).await?;
    joint_meeting::seed_joint_meeting(app).await?;
    council::seed_council(app).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_demo_catalogue_and_routes_pass_the_deployment_loader() {
        let (js, us) = organisation();
        let org = Org::new(js, us);
        let rows = catalogue_load::read(CATALOGUE_JSON, Format::Json).unwrap();
        let catalogue = catalogue_load::validate(&rows, &org, &[]).unwrap();
        let cats = &catalogue.categories;
        assert_eq!(cats.len(), 7 + 18 + 1 + 38);
        assert_eq!(cats.iter().filter(|c| c.parent.is_none()).count(), 8);
        let lamp = cats.iter().find(|c| c.code == "SZ-LD").unwrap();
        assert_eq!(lamp.group, "市政设施");
        assert_eq!(lamp.attributes[1]["values"][2]["key"], "damaged");
        let rows = catalogue_load::read(ROUTES_CSV, Format::Csv).unwrap();
        let routes = catalogue_load::validate(&rows, &org, cats).unwrap().routes;
        assert_eq!(routes.len(), 1 + 6 + 7 * 4 + 2);
        assert_eq!(
            (routes[0].category.as_str(), routes[0].unit.as_str()),
            ("", "ZHB"),
            "the fallback first"
        );
    }
}
