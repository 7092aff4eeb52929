//! The reference data every decision reads: the organisation, the calendar, the SLA policy,
//! the subscriptions, the dispatch rules and the grid shapes. Small, read on every step, so
//! held in memory as one [`Snapshot`] that is replaced whole: a reader sees either the old
//! data or the new, never the new organisation with the old calendar.

use std::sync::{Arc, RwLock};

use minhu_domain::calendar::Calendar;
use minhu_domain::geo::GridMap;
use minhu_domain::org::Org;
use minhu_domain::sla::SlaPolicy;
use minhu_store::{DispatchRule, Store, StoreError, Subscription};

/// The reference data as of one version of it.
#[derive(Debug)]
pub struct Snapshot {
    pub org: Arc<Org>,
    pub calendar: Arc<Calendar>,
    pub sla: Arc<SlaPolicy>,
    pub subscriptions: Arc<Vec<Subscription>>,
    pub dispatch_rules: Arc<Vec<DispatchRule>>,
    pub grids: Arc<GridMap>,
    /// The store's `config_version` read before the data was.
    pub version: i64,
}

impl Snapshot {
    /// Reads the whole of it from the store. The version is read first, so a change made
    /// while loading shows as a newer version and is loaded again.
    pub async fn load(store: &Store) -> Result<Snapshot, StoreError> {
        let version = store.config_version().await?;
        Ok(Snapshot {
            org: Arc::new(store.load_org().await?),
            calendar: Arc::new(store.load_calendar().await?),
            sla: Arc::new(store.load_sla_policy().await?),
            subscriptions: Arc::new(store.subscriptions().await?),
            dispatch_rules: Arc::new(store.dispatch_rules().await?),
            grids: Arc::new(load_grids(store).await?),
            version,
        })
    }
}

/// The current snapshot behind one lock held only to clone or replace the `Arc`.
#[derive(Clone)]
pub(crate) struct Current(Arc<RwLock<Arc<Snapshot>>>);

impl Current {
    pub(crate) fn new(snapshot: Snapshot) -> Current {
        Current(Arc::new(RwLock::new(Arc::new(snapshot))))
    }
    pub(crate) fn get(&self) -> Arc<Snapshot> {
        // A panic while holding the lock cannot leave the Arc half-written: use it anyway.
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
    pub(crate) fn set(&self, snapshot: Snapshot) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
    }
}

/// Grid shapes from the store, parsed once (a bad shape is logged and skipped).
async fn load_grids(store: &Store) -> Result<GridMap, StoreError> {
    let mut shapes = Vec::new();
    for (code, text) in store.grid_shapes().await? {
        match minhu_domain::geo::parse_shape(&text) {
            Ok(shape) => shapes.push((code, shape)),
            Err(e) => tracing::warn!(grid = %code, error = %e, "grid shape skipped"),
        }
    }
    Ok(GridMap::new(shapes))
}
