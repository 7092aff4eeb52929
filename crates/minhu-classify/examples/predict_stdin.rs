//! What `minhu classify predict --model PATH` does: one text per stdin line,
//! one label per stdout line. Used to time prediction including process
//! start and model load:
//! `time target-classify/release/examples/predict_stdin MODEL < texts.txt > labels.txt`
//! With `--train CSV TEXT_COL LABEL_COL MODEL` it trains instead (like
//! `minhu classify train`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or example stops at its first failure

use std::io::{BufReader, BufWriter};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--train") {
        let [_, csv, text, label, model] = &args[..] else {
            anyhow::bail!("usage: predict_stdin --train CSV TEXT_COL LABEL_COL MODEL");
        };
        let t = std::time::Instant::now();
        let m = minhu_classify::train_from_csv(&[csv.into()], text, label)?;
        m.save(model)?;
        eprintln!(
            "trained {} rows in {:.2}s",
            m.header().training_rows,
            t.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let path = args
        .first()
        .ok_or_else(|| anyhow::anyhow!("usage: predict_stdin MODEL < texts"))?;
    let model = minhu_classify::Model::load(path)?;
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    minhu_classify::predict_stream(
        &model,
        BufReader::with_capacity(1 << 16, stdin),
        BufWriter::new(stdout),
    )?;
    Ok(())
}
