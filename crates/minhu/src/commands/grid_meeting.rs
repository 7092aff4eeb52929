//! `minhu grid rollup` (flattened into `commands::grid::GridCommand`): a community's
//! 社情日汇总 of one day as computed now — per grid the day's findings, those solved on the
//! spot, those reported, and the grid's open grid_patrol requests — the same counts as
//! `GET /api/v1/communities/{code}/rollup/{day}` (`minhu_app::grid_meeting::rollup`),
//! printed as a table with the catalogue's headers.

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use minhu_domain::grid_meeting::{Rollup, RollupLine};
use minhu_domain::org::Actor;
use minhu_domain::text::{Lang, get};

#[derive(Subcommand)]
pub enum GridMeetingCommand {
    /// Print a community's daily rollup (社情日汇总) of a day: the counts per grid.
    Rollup(RollupArgs),
}

#[derive(Args)]
pub struct RollupArgs {
    /// The community's code (e.g. DXY).
    #[arg(long)]
    community: String,
    /// The day, YYYY-MM-DD (Asia/Shanghai); default today.
    #[arg(long)]
    day: Option<NaiveDate>,
}

pub async fn run(url: &str, command: GridMeetingCommand) -> Result<()> {
    let GridMeetingCommand::Rollup(args) = command;
    let store = super::open(url).await?;
    let app = minhu_app::App::load(store.clone())
        .await
        .context("loading the organisation")?;
    let day = args
        .day
        .unwrap_or_else(|| minhu_domain::time::local_date(app.now()));
    // The operator at the console acts as the system: every community is in reach.
    let rollup = minhu_app::grid_meeting::rollup(&app, &Actor::system(), &args.community, day)
        .await
        .map_err(|e| anyhow!("community '{}': {e}", args.community))?;
    print!("{}", table(&rollup));
    store.close().await;
    Ok(())
}

/// The rollup as lines of tab-separated columns: a title, the header, a line per grid, the
/// total, then the open requests.
fn table(r: &Rollup) -> String {
    let zh = |key: &'static str| get(key, Lang::Zh);
    let mut out = format!(
        "{} {} {}\n",
        zh("grid_meeting.page.rollup"),
        r.community,
        r.day
    );
    let header = [
        "grid_meeting.page.grid",
        "grid_meeting.page.findings",
        "grid_meeting.page.solved_on_spot",
        "grid_meeting.page.reported",
        "grid_meeting.page.still_open",
    ]
    .map(zh);
    out.push_str(&header.join("\t"));
    out.push('\n');
    let line = |name: &str, l: &RollupLine| {
        format!(
            "{name}\t{}\t{}\t{}\t{}\n",
            l.findings, l.solved_on_spot, l.reported, l.still_open
        )
    };
    for l in &r.grids {
        out.push_str(&line(&l.grid, l));
    }
    out.push_str(&line(zh("grid_meeting.page.total"), &r.total));
    for o in &r.open_requests {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            o.code, o.grid, o.state, o.subject
        ));
    }
    out
}
