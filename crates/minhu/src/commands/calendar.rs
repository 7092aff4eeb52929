//! `minhu calendar list|set`: the working-day calendar's overrides (holidays and 调休
//! make-up days) that deadlines count by.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;
use minhu_domain::calendar::{CalendarDay, DayKind};

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// List the overrides of a year.
    List {
        #[arg(long)]
        year: Option<i32>,
    },
    /// Mark a date as a holiday or a (make-up) working day.
    Set {
        date: NaiveDate,
        /// holiday or workday
        kind: String,
        #[arg(long, default_value = "")]
        note: String,
    },
}

pub async fn run(url: &str, command: CalendarCommand) -> Result<()> {
    let store = super::open(url).await?;
    match command {
        CalendarCommand::List { year } => {
            for d in store.calendar_days().await? {
                if year.is_none_or(|y| chrono::Datelike::year(&d.date) == y) {
                    println!("{} {} {}", d.date, d.kind.as_str(), d.note);
                }
            }
        }
        CalendarCommand::Set { date, kind, note } => {
            let kind = DayKind::parse(&kind)
                .with_context(|| format!("kind must be holiday or workday, not '{kind}'"))?;
            store
                .set_calendar_day(&CalendarDay { date, kind, note })
                .await?;
            println!("{date} is now a {}", kind.as_str());
        }
    }
    store.close().await;
    Ok(())
}
