//! Minhu's application layer: the use cases every front end shares (the JSON API, the pages,
//! Open311, imports, the command line) and the background jobs. It knows the domain and the
//! store, and nothing of HTTP: its errors carry a code and the data to explain it, and each
//! front end turns them into its own answer.

pub mod act;
pub mod action_item;
pub mod catalogue_load;
pub mod config;
pub mod council;
pub mod council_public;
pub mod credentials;
pub mod diary;
pub mod error;
pub mod grid_import;
pub mod grid_ledger;
pub mod grid_meeting;
pub mod import;
pub mod intake;
pub mod jobs;
pub mod joint_meeting;
pub mod ledger;
pub mod login_limit;
/// Who hears of what: pure rules, in the domain.
pub use minhu_domain::notify::rules as notify_rules;
pub mod notify_sender;
pub mod patrol;
pub mod publication;
pub mod rating;
pub mod reveal;
pub mod snapshot;
pub mod suggestion;
pub mod sweep;
pub mod text;
pub mod topic;
pub mod track;
pub mod upload;

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use minhu_domain::calendar::Calendar;
use minhu_domain::geo::GridMap;
use minhu_domain::org::Org;
use minhu_domain::sla::SlaPolicy;
use minhu_store::{DispatchRule, Store, StoreError, Subscription};

pub use config::{Config, Secret};
pub use error::{AppError, Kind};
pub use snapshot::Snapshot;

/// The application: the store, the reference data in memory, and the configuration.
/// Cheap to clone (every part is shared).
#[derive(Clone)]
pub struct App {
    pub store: Store,
    snapshot: snapshot::Current,
    pub config: Config,
    /// The category classifier used for suggestions at intake, once trained or loaded.
    classifier: Arc<RwLock<Option<Arc<minhu_classify::Model>>>>,
}

impl App {
    /// Loads the reference data from the store, with the default configuration.
    pub async fn load(store: Store) -> Result<App, StoreError> {
        App::with_config(store, Config::default()).await
    }

    /// Loads the reference data from the store.
    pub async fn with_config(store: Store, config: Config) -> Result<App, StoreError> {
        let snapshot = Snapshot::load(&store).await?;
        Ok(App {
            store,
            snapshot: snapshot::Current::new(snapshot),
            config,
            classifier: Arc::new(RwLock::new(None)),
        })
    }

    /// The reference data as it is now (one consistent version of all of it).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.get()
    }
    pub fn org(&self) -> Arc<Org> {
        self.snapshot().org.clone()
    }
    pub fn calendar(&self) -> Arc<Calendar> {
        self.snapshot().calendar.clone()
    }
    pub fn sla(&self) -> Arc<SlaPolicy> {
        self.snapshot().sla.clone()
    }
    pub fn subscriptions(&self) -> Arc<Vec<Subscription>> {
        self.snapshot().subscriptions.clone()
    }
    pub fn dispatch_rules(&self) -> Arc<Vec<DispatchRule>> {
        self.snapshot().dispatch_rules.clone()
    }
    pub fn grids(&self) -> Arc<GridMap> {
        self.snapshot().grids.clone()
    }

    /// Call after writing reference data: tells every server sharing the database (bumps
    /// `config_version`) and rebuilds this one's snapshot.
    pub async fn reload(&self) -> Result<(), StoreError> {
        self.store.bump_config_version().await?;
        self.refresh().await
    }

    /// Rebuilds the snapshot from the store, whole, and swaps it in.
    pub async fn refresh(&self) -> Result<(), StoreError> {
        let snapshot = Snapshot::load(&self.store).await?;
        self.snapshot.set(snapshot);
        Ok(())
    }

    /// Rebuilds the snapshot if another server changed the reference data; true if it did.
    pub async fn refresh_if_changed(&self) -> Result<bool, StoreError> {
        let version = self.store.config_version().await?;
        if version == self.snapshot().version {
            return Ok(false);
        }
        self.refresh().await?;
        Ok(true)
    }

    pub fn classifier(&self) -> Option<Arc<minhu_classify::Model>> {
        self.classifier
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
    pub fn set_classifier(&self, model: minhu_classify::Model) {
        *self.classifier.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(model));
    }

    /// The current instant, at the millisecond precision both databases keep.
    pub fn now(&self) -> DateTime<Utc> {
        minhu_domain::time::truncate_ms(Utc::now())
    }
}
