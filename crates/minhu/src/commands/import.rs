//! `minhu import`: an upstream platform's export (CSV in UTF-8 or GBK, xlsx, JSON) read with
//! a column mapping, by the same code as `POST /api/v1/import` (`minhu_app::import`).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use minhu_app::import::{self, CHANNELS, Format, Mapping};
use minhu_domain::request::Channel;
use minhu_store::{Store, StoreOptions};

/// Import an upstream platform's export: CSV (UTF-8 or GBK), xlsx or JSON.
#[derive(Args)]
pub struct ImportArgs {
    /// hotline_12345, mayor_mailbox, web_message, urban_management or gov_service.
    #[arg(long)]
    channel: String,
    /// Column mapping (JSON): {"columns": {"external_id": ["工单编号"], …}, "categories": {…},
    /// "types": {…}, "date_formats": […], "default_jurisdiction": "…", "encoding": "gbk", "sheet": "…"}.
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// csv, xlsx or json (default: from the file name).
    #[arg(long)]
    format: Option<String>,
    /// Also write the whole report (every refused row and why) to this JSON file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// The export.
    file: PathBuf,
}

pub async fn import(database: &str, args: ImportArgs) -> Result<()> {
    let channel = Channel::parse(&args.channel)
        .filter(|c| CHANNELS.contains(c))
        .with_context(|| {
            format!(
                "--channel '{}': one of {}",
                args.channel,
                CHANNELS.map(|c| c.as_str()).join(", ")
            )
        })?;
    let file = args.file.display().to_string();
    let format = match &args.format {
        Some(f) => {
            Format::parse(f).with_context(|| format!("--format '{f}': csv, xlsx or json"))?
        }
        None => Format::of_path(&file).with_context(|| {
            format!("cannot tell the format of '{file}': pass --format csv|xlsx|json")
        })?,
    };
    let mapping = match &args.mapping {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the mapping {}", p.display()))?;
            Mapping::from_json(&text)?
        }
        None => Mapping::default(),
    };
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {file}"))?;
    // No fsync per chunk: closing the store checkpoints and syncs, so the import is durable
    // when the command returns; one cut short is completed by running it again.
    let store = Store::open(
        database,
        StoreOptions {
            sqlite_full_sync: false,
            ..StoreOptions::default()
        },
    )
    .await?;
    let org = store.load_org().await?;
    let cx = import::Context {
        org: &org,
        categories: import::category_names(&store).await?,
        now: minhu_domain::time::truncate_ms(chrono::Utc::now()),
        actor: format!("import:{}", channel.as_str()),
        role: "system".into(),
    };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} 行 {per_sec} 剩余 {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let result = import::import(
        &store,
        &bytes,
        format,
        channel,
        &mapping,
        &cx,
        &|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )
    .await;
    bar.finish_and_clear();
    store.close().await;
    let report = result?;
    let secs = started.elapsed().as_secs_f64();
    for r in &report.refused {
        println!(
            "第{}行{}{}：{}",
            r.row,
            r.external_id
                .as_deref()
                .map(|e| format!(" [{e}]"))
                .unwrap_or_default(),
            r.field
                .as_deref()
                .map(|f| format!(" {f}"))
                .unwrap_or_default(),
            r.reason
        );
    }
    println!(
        "{}：{} 行，导入 {}，此前已导入 {}，空行 {}，拒收 {}（{:.1} 秒，{:.0} 行/秒）",
        channel.zh(),
        report.rows,
        report.imported,
        report.already_imported,
        report.blank,
        report.refused.len(),
        secs,
        report.rows as f64 / secs.max(1e-9)
    );
    if let Some(p) = &args.report {
        std::fs::write(p, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    debug_assert!(report.balanced());
    if !report.refused.is_empty() {
        // Rows were refused: the import is done, but a script should notice.
        std::process::exit(3);
    }
    Ok(())
}
