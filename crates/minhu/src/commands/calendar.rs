//! `minhu calendar list|set|check`: the working-day calendar's overrides (holidays and 调休
//! make-up days) that deadlines count by, and whether next year's official schedule is
//! loaded in time.
//!
//! The State Council publishes the next year's holidays (国务院办公厅关于某年部分节假日安排的通知)
//! in November or December. Load them with one `minhu calendar set DATE holiday --note 春节`
//! per day off and one `minhu calendar set DATE workday --note 春节调休上班` per make-up
//! working day (or `PUT /api/v1/calendar/{date}` as the district admin); `minhu calendar
//! check` then reports the new last year.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;
use minhu_domain::calendar::{Calendar, CalendarDay, Coverage, DayKind};

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// List the overrides of a year.
    List {
        #[arg(long)]
        year: Option<i32>,
    },
    /// Whether the loaded official schedule reaches far enough (exit status 1 when next
    /// year's is due: deadlines would soon be counted without its holidays).
    Check {
        /// Check as of this date (default: today, Asia/Shanghai).
        #[arg(long)]
        today: Option<NaiveDate>,
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
        CalendarCommand::Check { today } => {
            let calendar = store.load_calendar().await?;
            store.close().await;
            let today = today.unwrap_or_else(|| minhu_domain::time::local_date(chrono::Utc::now()));
            let coverage = calendar.coverage(today);
            println!("{}", coverage_line(&coverage));
            if coverage.needs_next_year() {
                std::process::exit(1);
            }
            return Ok(());
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

/// One line on how far the schedule reaches, for the log and the command line.
fn coverage_line(c: &Coverage) -> String {
    match (c.last_year, c.days_left) {
        (Some(year), Some(days)) if c.needs_next_year() => format!(
            "节假日安排只载入到{year}年（还剩{days}天）：请载入下一年的国务院节假日安排 / \
             the official holidays are loaded only up to {year} ({days} days left): load next year's schedule"
        ),
        (Some(year), Some(days)) => format!(
            "节假日安排已载入到{year}年（还剩{days}天） / official holidays loaded up to {year} ({days} days left)"
        ),
        _ => "尚未载入任何节假日安排 / no official holidays are loaded".to_string(),
    }
}

/// Logs a warning at start when deadlines will soon be counted past the loaded schedule.
pub fn warn_if_running_out(calendar: &Calendar, now: chrono::DateTime<chrono::Utc>) {
    let coverage = calendar.coverage(minhu_domain::time::local_date(now));
    if coverage.needs_next_year() {
        tracing::warn!(
            last_year = coverage.last_year,
            days_left = coverage.days_left,
            "{}",
            coverage_line(&coverage)
        );
    }
}
