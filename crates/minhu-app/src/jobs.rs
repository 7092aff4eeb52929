//! The background jobs of a running server, started together by [`spawn_all`]: the
//! classifier start-up, the deadline monitor, the notification sender, the ledger refresh
//! and the watch on the reference data's version.

use std::future::Future;
use std::time::Duration;

use chrono::Utc;

use crate::App;
use crate::config::ClassifierSource;

/// Starts every job on the current runtime. They run until the process ends.
pub fn spawn_all(app: &App) {
    let cfg = &app.config;
    spawn_classifier(app.clone());
    let client = crate::notify_sender::http_client(cfg).unwrap_or_default(); // checked at start-up
    every(cfg.send_every, app.clone(), move |app| {
        let client = client.clone();
        async move {
            if let Err(e) = crate::notify_sender::send_due(&app, &client, Utc::now()).await {
                tracing::warn!(error = %e, "outbox pass failed");
            }
        }
    });
    every(cfg.sweep_every, app.clone(), |app| async move {
        if let Err(e) = crate::sweep::sweep(&app, Utc::now()).await {
            tracing::warn!(error = %e, "deadline sweep failed");
        }
    });
    // Keeps the ledger facts current, so reports only fold in the last minute's events.
    every(cfg.ledger_every, app.clone(), |app| async move {
        match crate::ledger::refresh(&app).await {
            Ok(r) => tracing::debug!(?r, "ledger facts refreshed"),
            Err(e) => tracing::warn!(error = %e, "ledger refresh failed"),
        }
    });
    every(cfg.config_poll_every, app.clone(), |app| async move {
        match app.refresh_if_changed().await {
            Ok(true) => tracing::info!("reference data changed elsewhere; reloaded"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "reference data version not read"),
        }
    });
}

/// Runs `job` every `period` (the first run at once; a slow run delays the next).
fn every<F, Fut>(period: Duration, app: App, job: F)
where
    F: Fn(App) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            job(app.clone()).await;
        }
    });
}

/// Makes the intake suggestions available: loads the configured model file, else trains on
/// the deployment's own categorised requests (at least 100 of them), off the async threads.
/// Without either, intake simply shows no suggestions.
pub fn spawn_classifier(app: App) {
    tokio::spawn(async move {
        match app.config.classifier.clone() {
            ClassifierSource::Off => {}
            ClassifierSource::Load(path) => load_classifier(&app, path).await,
            ClassifierSource::Train => train_classifier(&app).await,
        }
    });
}

async fn load_classifier(app: &App, path: String) {
    match tokio::task::spawn_blocking(move || minhu_classify::Model::load(&path)).await {
        Ok(Ok(model)) => app.set_classifier(model),
        Ok(Err(e)) => tracing::warn!(error = %e, "classifier model not loaded"),
        Err(e) => tracing::warn!(error = %e, "classifier loading failed"),
    }
}

/// Trains on the deployment's handled requests: the same set and text as `minhu classify
/// train --from-db` (see [`crate::text::training_set`]).
async fn train_classifier(app: &App) {
    use crate::text::training_set::{MIN_ROWS, SERVER_ROWS, from_store};
    let (texts, labels) = match from_store(&app.store, None, SERVER_ROWS).await {
        Ok(set) => set,
        Err(e) => return tracing::warn!(error = %e, "no training data for the classifier"),
    };
    if texts.len() < MIN_ROWS {
        return;
    }
    let n = texts.len();
    let trained = tokio::task::spawn_blocking(move || {
        minhu_classify::train(&texts, &labels, &minhu_classify::TrainOptions::default())
    })
    .await;
    match trained {
        Ok(model) => {
            tracing::info!(
                requests = n,
                "classifier trained on this deployment's requests"
            );
            app.set_classifier(model);
        }
        Err(e) => tracing::warn!(error = %e, "classifier training failed"),
    }
}
