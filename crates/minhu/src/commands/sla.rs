//! `minhu sla sweep`: the deadline monitor run once from the command line, as of a moment,
//! then the requests now warned yellow and red.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use minhu_domain::request::Warning;
use minhu_store::{ListFilter, Store};

#[derive(Subcommand)]
pub enum SlaCommand {
    /// Run the deadline monitor as of a moment: light yellow (last quarter of the time) and
    /// red (past due) warnings, urge the unit, escalate a lapsed community- or street-level
    /// request one tier up; each act is an event by the system. Idempotent. The server runs
    /// the same sweep by itself every MINHU_SWEEP_SECONDS (default 60).
    Sweep {
        /// The moment to sweep as of (RFC 3339), default now. The events it writes are
        /// stamped with the real time all the same.
        #[arg(long)]
        at: Option<String>,
    },
}

pub async fn run(url: &str, command: SlaCommand) -> Result<()> {
    let SlaCommand::Sweep { at } = command;
    let store = super::open(url).await?;
    let at = match at {
        Some(s) => DateTime::parse_from_rfc3339(&s)
            .with_context(|| format!("--at '{s}' is not RFC 3339"))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let app = minhu_app::App::load(store.clone()).await?;
    let report = minhu_app::sweep::sweep(&app, at)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "sweep at {}: examined {}, yellow {}, red {}, urged {}, escalated {}, skipped {}",
        minhu_domain::time::rfc3339(at),
        report.examined,
        report.warned_yellow,
        report.warned_red,
        report.urged,
        report.escalated,
        report.skipped
    );
    for warning in [Warning::Yellow, Warning::Red] {
        print_warned(&store, warning, at).await?;
    }
    store.close().await;
    Ok(())
}

/// How many requests carry the warning at `at`, and the first 20 of them.
async fn print_warned(store: &Store, warning: Warning, at: DateTime<Utc>) -> Result<()> {
    let page = store
        .list_requests(&ListFilter {
            warning: Some(warning),
            now: Some(at),
            page: 1,
            page_size: 20,
            ..Default::default()
        })
        .await?;
    println!("{} ({}): {}", warning.zh(), warning.as_str(), page.total);
    for s in &page.items {
        let due = s
            .deadline
            .map(minhu_domain::time::rfc3339)
            .unwrap_or_default();
        println!(
            "  {} {} {} due {}",
            s.code,
            s.state.as_str(),
            s.lead_unit.as_deref().unwrap_or("-"),
            due
        );
    }
    Ok(())
}
