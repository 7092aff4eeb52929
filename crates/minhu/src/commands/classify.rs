//! `minhu classify …`: train a text classifier from labelled CSV files or from the
//! deployment's own handled requests, and predict labels for texts on stdin.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use minhu_store::{Store, StoreOptions};

#[derive(Subcommand)]
pub enum ClassifyCommand {
    /// Train a model from labelled CSV files (UTF-8, header row; repeat --input for more),
    /// or with --from-db from the requests of the database (--database) handled to the end,
    /// labelled with their final category.
    Train {
        #[arg(long, required_unless_present = "from_db", conflicts_with = "from_db")]
        input: Vec<PathBuf>,
        #[arg(long, default_value = "text")]
        text_column: String,
        #[arg(long, default_value = "label")]
        label_column: String,
        /// Train on the closed (archived, directly answered) requests of the database.
        #[arg(long)]
        from_db: bool,
        /// With --from-db: keep this many levels of the category path ("A/B/C" with 1
        /// gives "A"); all levels by default.
        #[arg(long, requires = "from_db")]
        levels: Option<usize>,
        #[arg(long)]
        model: PathBuf,
        /// Also cross-validate with this many folds and store the metrics in the model.
        #[arg(long, default_value_t = 0)]
        cv: usize,
    },
    /// Read one text per line on stdin; write one label per line on stdout, in order.
    Predict {
        #[arg(long)]
        model: PathBuf,
    },
}

/// Texts and labels of the database's handled requests: the server's own training set
/// (see `minhu_app::text::training_set`), all of it.
pub async fn training_data_from_db(
    url: &str,
    levels: Option<usize>,
) -> Result<(Vec<String>, Vec<String>)> {
    let store = Store::open(url, StoreOptions::default())
        .await
        .with_context(|| format!("opening database {url}"))?;
    let set = minhu_app::text::training_set::from_store(&store, levels, usize::MAX).await?;
    store.close().await;
    Ok(set)
}

pub async fn run(url: &str, command: ClassifyCommand) -> Result<()> {
    match command {
        ClassifyCommand::Train {
            input,
            text_column,
            label_column,
            from_db,
            levels,
            model,
            cv,
        } => {
            let started = Instant::now();
            let opts = minhu_classify::TrainOptions::default();
            let trained = if from_db {
                let (texts, labels) = training_data_from_db(url, levels).await?;
                let mut distinct = labels.clone();
                distinct.sort();
                distinct.dedup();
                if distinct.len() < 2 {
                    bail!(
                        "the database has {} handled request(s) with a category in {} categor{}: need at least two",
                        texts.len(),
                        distinct.len(),
                        if distinct.len() == 1 { "y" } else { "ies" }
                    );
                }
                eprintln!(
                    "training on {} handled request(s) of the database, {} categories",
                    texts.len(),
                    distinct.len()
                );
                tokio::task::spawn_blocking(move || {
                    let mut m = minhu_classify::train(&texts, &labels, &opts);
                    if cv >= 2 {
                        m.set_metrics(minhu_classify::cross_validate(&texts, &labels, cv, &opts));
                    }
                    m
                })
                .await?
            } else {
                let (texts, labels, skipped) = minhu_app::text::training_set::from_csv_files(
                    &input,
                    &text_column,
                    &label_column,
                )?;
                minhu_classify::train_rows_with(texts, labels, skipped, &opts, cv)?
            };
            trained
                .save(&model)
                .with_context(|| format!("writing model {}", model.display()))?;
            eprintln!(
                "trained on {} row(s), {} labels, in {:.1} s → {}",
                trained.header().training_rows,
                trained.labels().len(),
                started.elapsed().as_secs_f64(),
                model.display()
            );
            if let Some(m) = trained.metrics() {
                eprintln!("{m}");
            }
            Ok(())
        }
        ClassifyCommand::Predict { model } => {
            let model = minhu_classify::Model::load(&model)
                .with_context(|| format!("loading model {}", model.display()))?;
            let stdin = std::io::stdin();
            let stdout = std::io::stdout();
            minhu_classify::predict_stream(&model, stdin.lock(), stdout.lock())?;
            Ok(())
        }
    }
}
