//! `minhu grid`: the grid base ledger (网格基础台账) — import a community's workbook (or one
//! sheet as CSV), export it back, or write the generated demo / benchmark ledger. The same
//! code as `POST /api/v1/communities/{code}/ledger/import` (`minhu_app::grid_import`).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use minhu_app::grid_import::{self, ExportMode, Options, Report, parse_sheet};
use minhu_store::{Store, StoreOptions};

#[derive(Subcommand)]
pub enum GridCommand {
    /// Import a ledger workbook (sheets 楼栋, 户, 人, 场所), or one sheet as CSV with --sheet.
    Import(ImportArgs),
    /// Export a community's ledger as xlsx (staff fields masked unless --unmasked).
    Export(ExportArgs),
    /// Write a generated ledger: 德馨苑's (the default) or a street-sized one (--households).
    Sample(SampleArgs),
    #[command(flatten)]
    Meeting(super::grid_meeting::GridMeetingCommand),
}

#[derive(Args)]
pub struct ImportArgs {
    /// The community's code (e.g. DXY).
    #[arg(long)]
    community: String,
    /// Check and count only; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// The file is a CSV of this one sheet (楼栋, 户, 人 or 场所).
    #[arg(long)]
    sheet: Option<String>,
    /// Also write the whole report (every refused row) to this JSON file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// The ledger file (xlsx, or CSV with --sheet).
    file: PathBuf,
}

#[derive(Args)]
pub struct ExportArgs {
    #[arg(long)]
    community: String,
    /// The xlsx file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Show staff fields (names, phones, rooms); needs --purpose and is logged.
    #[arg(long)]
    unmasked: bool,
    #[arg(long)]
    purpose: Option<String>,
}

#[derive(Args)]
pub struct SampleArgs {
    /// A street-sized ledger of this many households for --community (benchmarks).
    #[arg(long)]
    households: Option<usize>,
    #[arg(long, default_value = "DXY")]
    community: String,
    #[arg(short, long)]
    output: PathBuf,
}

pub async fn run(database: &str, command: GridCommand) -> Result<()> {
    match command {
        GridCommand::Import(a) => import(database, a).await,
        GridCommand::Export(a) => export(database, a).await,
        GridCommand::Sample(a) => sample(database, a).await,
        GridCommand::Meeting(c) => super::grid_meeting::run(database, c).await,
    }
}

async fn import(database: &str, a: ImportArgs) -> Result<()> {
    let sheet = a.sheet.as_deref().map(parse_sheet).transpose()?;
    let file = a.file.display().to_string();
    let bytes = std::fs::read(&a.file).with_context(|| format!("cannot read {file}"))?;
    // No fsync per transaction: closing the store syncs, so the import is durable when the
    // command returns; one cut short is completed by running it again.
    let store = Store::open(
        database,
        StoreOptions {
            sqlite_full_sync: false,
            ..StoreOptions::default()
        },
    )
    .await?;
    let org = store.load_org().await?;
    let o = Options {
        community: &a.community,
        csv_sheet: sheet,
        dry_run: a.dry_run,
        actor: "cli",
        now: chrono::Utc::now(),
    };
    let started = Instant::now();
    let result = grid_import::import_ledger(&store, &org, &bytes, &o).await;
    store.close().await;
    let report = result?;
    print_report(&report, started.elapsed().as_secs_f64());
    if let Some(p) = &a.report {
        std::fs::write(p, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    if !report.refusals.is_empty() {
        // Rows were refused: the import is done, but a script should notice.
        std::process::exit(3);
    }
    Ok(())
}

fn print_report(report: &Report, secs: f64) {
    for r in &report.refusals {
        println!("{} 第{}行 {}：{}", r.sheet, r.row, r.field, r.reason);
    }
    for s in &report.sheets {
        println!(
            "{}：新增 {}，更新 {}，未变 {}，拒收 {}",
            s.sheet, s.inserted, s.updated, s.unchanged, s.refused
        );
    }
    println!(
        "{}{} 行（{:.1} 秒，{:.0} 行/秒）",
        if report.dry_run {
            "试运行，未写入："
        } else {
            ""
        },
        report.rows(),
        secs,
        report.rows() as f64 / secs.max(1e-9)
    );
}

async fn export(database: &str, a: ExportArgs) -> Result<()> {
    let mode = match (a.unmasked, a.purpose.as_deref().map(str::trim)) {
        (false, _) => ExportMode::Masked,
        (true, Some(p)) if !p.is_empty() => ExportMode::Unmasked,
        (true, _) => bail!("--unmasked needs --purpose (the export is logged)"),
    };
    let store = super::open(database).await?;
    let ledger = store.community_ledger(&a.community).await?;
    let bytes = grid_import::export_xlsx(&ledger, mode)?;
    if mode == ExportMode::Unmasked {
        store
            .log_ledger_export(
                "cli",
                "system",
                &a.community,
                "head_name,head_phone,room,name,phone",
                a.purpose.as_deref().unwrap_or_default(),
            )
            .await?;
    }
    store.close().await;
    std::fs::write(&a.output, bytes)
        .with_context(|| format!("cannot write {}", a.output.display()))?;
    println!(
        "{}：{} 栋，{} 户，{} 人，{} 个场所 → {}",
        a.community,
        ledger.buildings.len(),
        ledger.households.len(),
        ledger.residents.len(),
        ledger.places.len(),
        a.output.display()
    );
    Ok(())
}

async fn sample(database: &str, a: SampleArgs) -> Result<()> {
    use minhu_fixtures::demo::ledger;
    let bytes = match a.households {
        None => ledger::dexinyuan_ledger_xlsx(),
        Some(n) => {
            // The community's grids, from the database's organisation.
            let store = super::open(database).await?;
            let org = store.load_org().await?;
            store.close().await;
            let grids: Vec<String> = org
                .jurisdictions()
                .filter(|j| j.parent.as_deref() == Some(a.community.as_str()))
                .map(|j| j.code.clone())
                .collect();
            if grids.is_empty() {
                bail!("community {} has no grids in {database}", a.community);
            }
            ledger::street_ledger(&a.community, &grids, n).xlsx()?
        }
    };
    std::fs::write(&a.output, bytes)
        .with_context(|| format!("cannot write {}", a.output.display()))?;
    Ok(())
}
