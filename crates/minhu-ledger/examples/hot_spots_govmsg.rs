//! Hot spots on real citizens' messages: `../shared/data/govmsg/hot.csv` (messages to a
//! city's message board with their likes), all placed in one community without a category,
//! so the topics come from the text alone. Prints the largest topics with their keywords
//! and the subjects of a few of their messages, for a person to read and judge.
//!
//!   cargo run -q -p minhu-ledger --release --example hot_spots_govmsg -- ../shared/data/govmsg/hot.csv [N]
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or example stops at its first failure

use minhu_domain::org::{Jurisdiction, Level, Org};
use minhu_ledger::{TopicRow, hot_spots};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("path to hot.csv");
    let limit: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(15);
    let mut reader = csv::Reader::from_path(&path).expect("open hot.csv");
    let headers = reader.headers().expect("headers").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect("column");
    let (id, subject, detail) = (col("id"), col("subject"), col("detail"));
    let mut rows = Vec::new();
    let mut subjects = std::collections::HashMap::new();
    for (n, rec) in reader.records().enumerate() {
        let rec = rec.expect("row");
        let code = rec.get(id).unwrap_or("").to_string();
        subjects.insert(code.clone(), rec.get(subject).unwrap_or("").to_string());
        rows.push(TopicRow {
            id: n as i64,
            code,
            jurisdiction: "C".into(),
            category: None,
            subject: Some(rec.get(subject).unwrap_or("").to_string()),
            content: rec.get(detail).unwrap_or("").to_string(),
            confidential: false,
        });
    }
    let org = Org::new(
        vec![Jurisdiction {
            code: "C".into(),
            name: "留言板".into(),
            level: Level::Community,
            parent: None,
        }],
        vec![],
    );
    let started = std::time::Instant::now();
    let spots = hot_spots(&rows, &org, limit);
    println!(
        "{} messages, {} topics shown, {:?}",
        rows.len(),
        spots.len(),
        started.elapsed()
    );
    for s in &spots {
        println!("\n{} messages · {}", s.count, s.keywords.join("、"));
        for code in s.samples.iter().take(5) {
            println!(
                "  {code}: {}",
                subjects.get(code).map(String::as_str).unwrap_or("")
            );
        }
    }
}
