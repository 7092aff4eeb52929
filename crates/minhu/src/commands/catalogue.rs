//! `minhu catalogue load FILE`: a deployment's own service catalogue — the accepted classes
//! and the services under them (which Open311 lists, with their attributes), and where each
//! goes (the dispatch catalogue 派单目录: category × area → lead unit and co-handlers).
//!
//! CSV (UTF-8, a header row) or JSON (an array of objects, or {"categories": [...]}), one
//! entry a row with the fields: `code` (required; letters, digits, `-` `_` `.`), `name`
//! (required), `parent` (a class code, in the file or stored), `group`, `description`,
//! `keywords`, `path` (the label path older requests carry, e.g. 市政设施/照明/路灯),
//! `service_type` (`realtime` or `batch`), `active` (true/false, 是/否), `attributes` (the
//! Open311 attributes: a JSON array; in CSV a JSON text), `area` (a jurisdiction code),
//! `unit` (the lead unit's code), `co_units` (unit codes, JSON array or separated by
//! `;` `,` `、` or `|`), `note`.
//!
//! Every row is checked before anything is written; any error and nothing is written, and
//! every error is printed with its row and field. Loading the same file again changes
//! nothing (entries are keyed by code, routes by category × area). The reading, checking and
//! writing are `minhu_app::catalogue_load`'s; this is the arguments and the printing.

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use minhu_app::catalogue_load::{self, CatalogueError, Format};
use minhu_domain::text::{self, Lang};
use minhu_store::{Store, StoreOptions};

#[derive(Subcommand)]
pub enum CatalogueCommand {
    /// Load (insert or update) catalogue entries and their routes from a CSV or JSON file.
    Load(LoadArgs),
}

#[derive(Args)]
pub struct LoadArgs {
    /// csv or json (default: from the file name).
    #[arg(long)]
    format: Option<String>,
    /// Check every row and report what would change, without writing.
    #[arg(long)]
    dry_run: bool,
    /// The catalogue file.
    file: PathBuf,
}

fn format_of(args: &LoadArgs, file: &str) -> Result<Format> {
    match &args.format {
        Some(f) => Format::parse(f).with_context(|| format!("--format '{f}': csv or json")),
        None => Format::of_path(file)
            .with_context(|| format!("cannot tell the format of '{file}': pass --format csv|json")),
    }
}

pub async fn run(database: &str, command: CatalogueCommand) -> Result<()> {
    let CatalogueCommand::Load(args) = command;
    let file = args.file.display().to_string();
    let format = format_of(&args, &file)?;
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {file}"))?;
    let store = Store::open(database, StoreOptions::default()).await?;
    let result = catalogue_load::load(&store, &bytes, format, args.dry_run).await;
    store.close().await;
    let loaded = match result {
        Ok(l) => l,
        Err(CatalogueError::Rows(errors)) => {
            for e in &errors {
                eprintln!("{file}: {e}");
            }
            bail!(
                "{} error(s) in {} row(s); nothing was loaded",
                errors.len(),
                errors
                    .iter()
                    .map(|e| (e.part, e.row))
                    .collect::<HashSet<_>>()
                    .len()
            );
        }
        Err(e @ CatalogueError::Store(_)) => return Err(e.into()),
        Err(e) => bail!("{file}: {e}"),
    };
    let s = &loaded.summary;
    let n = |v: usize| v.to_string();
    let key = if args.dry_run {
        "cli.catalogue.dry_run"
    } else {
        "cli.catalogue.loaded"
    };
    println!(
        "{}",
        text::fill(
            key,
            Lang::Zh,
            &[
                ("rows", &n(loaded.rows)),
                ("added", &n(s.added)),
                ("updated", &n(s.updated)),
                ("unchanged", &n(s.unchanged)),
                ("routes_added", &n(s.routes_added)),
                ("routes_updated", &n(s.routes_updated)),
                ("routes_unchanged", &n(s.routes_unchanged)),
            ],
        )
    );
    Ok(())
}
