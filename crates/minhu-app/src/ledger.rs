//! Ledgers (台账), reports and evaluation over the store and `minhu_ledger`: the daily
//! register, the weekly summary, the monthly report, the 三率 ranking, hot spots and the
//! refresh of the pre-aggregated facts. Every figure is read from those facts after folding
//! in the events appended since the last read, so it is current to the last event (see
//! `minhu_store::ledger`). The JSON API, the pages and the command line (`minhu ledger …`)
//! all build their files from here.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use minhu_domain::org::{Actor, Jurisdiction, Level};
use minhu_domain::request::Intake;
pub use minhu_domain::time::start_of_local_day as local_start;
use minhu_ledger::facts::{Counters, FactLevel};
use minhu_ledger::report::{self, Figures, MonthlyReport, WeeklyReport, rank};
use minhu_ledger::{
    EvaluationPolicy, Period, Personal, RegisterBuilder, RegisterFacts, RegisterRow, RegisterXlsx,
    Table, YearMonth,
};

use crate::{App, AppError, Kind};

/// 422 `invalid_parameter` naming `field`, told by catalogue entry `key`.
fn invalid_parameter(field: &str, key: &'static str) -> AppError {
    AppError::new(Kind::Invalid, "invalid_parameter")
        .text(key)
        .field(field)
}

/// 422 for a jurisdiction code the organisation does not know.
pub fn unknown_jurisdiction(code: &str) -> AppError {
    invalid_parameter("jurisdiction", "ledger.invalid.jurisdiction").arg("jurisdiction", code)
}

/// The day after `date` (a register covers one local day).
fn next_day(date: NaiveDate) -> Result<NaiveDate, AppError> {
    date.succ_opt()
        .ok_or_else(|| AppError::internal(format!("no day after {date}")))
}

// ---- daily register ---------------------------------------------------------------------

/// The daily register of a jurisdiction (its own requests and all below it) for a date.
pub struct DailyRegister {
    pub jurisdiction: Jurisdiction,
    pub date: NaiveDate,
    pub masked: bool,
    pub rows: Vec<RegisterRow>,
}

impl DailyRegister {
    pub fn title(&self) -> String {
        format!(
            "{} 日登记台账 {}{}",
            self.jurisdiction.name,
            self.date,
            if self.masked { "" } else { "（未脱敏）" }
        )
    }
    pub fn table(&self) -> Table {
        minhu_ledger::register_table(self.title(), &self.rows)
    }
}

/// Rows read from the database per page of a register.
const REGISTER_PAGE: usize = 5_000;

/// One request of a register: id, intake fields, register facts.
pub type RegisterItem = (i64, Intake, RegisterFacts);

/// Walks the register of a subtree (`jpath`) received in [from, to), in order of receipt,
/// at most `limit` rows: pages of stored register facts (kept by the ledger refresh, which
/// runs first; a request it has not seen yet is replayed from its log), each page handed
/// to `each`. Returns the ids shown.
pub async fn register_pages(
    app: &App,
    jpath: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: Option<usize>,
    mut each: impl FnMut(Vec<RegisterItem>) -> Result<(), AppError>,
) -> Result<Vec<i64>, AppError> {
    app.store.ledger_refresh(&app.org()).await?;
    let limit = limit.unwrap_or(usize::MAX);
    // The next page is read (on its own task) while this one is handed on.
    let fetch = |after: Option<(DateTime<Utc>, i64)>, want: usize| {
        let store = app.store.clone();
        let jpath = jpath.to_string();
        tokio::spawn(async move {
            store
                .ledger_register_page(&jpath, from, to, after, want)
                .await
        })
    };
    let mut ids = Vec::new();
    let mut next = Some((
        fetch(None, REGISTER_PAGE.min(limit)),
        REGISTER_PAGE.min(limit),
    ));
    while let Some((pending, want)) = next.take() {
        let page = pending.await.map_err(AppError::internal)??;
        let shown = ids.len() + page.len();
        if let Some(last) = page.last().filter(|_| page.len() == want && shown < limit) {
            let want = REGISTER_PAGE.min(limit - shown);
            next = Some((fetch(Some((last.intake.received_at, last.id)), want), want));
        }
        let missing: Vec<i64> = page
            .iter()
            .filter(|s| s.facts.is_none())
            .map(|s| s.id)
            .collect();
        let mut replayed: HashMap<i64, RegisterFacts> = if missing.is_empty() {
            HashMap::new()
        } else {
            app.store
                .load_requests_with_events(&missing)
                .await?
                .iter()
                .map(|(r, ev)| (r.id, minhu_ledger::register_facts(r, ev)))
                .collect()
        };
        let mut items = Vec::with_capacity(page.len());
        for s in page {
            ids.push(s.id);
            let facts = match s.facts {
                Some(f) => f,
                None => replayed.remove(&s.id).ok_or_else(|| {
                    AppError::internal(format!("request {} vanished from the register", s.id))
                })?,
            };
            items.push((s.id, s.intake, facts));
        }
        if !items.is_empty() {
            each(items)?;
        }
    }
    Ok(ids)
}

async fn log_unmasked(
    app: &App,
    actor: &Actor,
    ids: &[i64],
    purpose: String,
) -> Result<(), AppError> {
    app.store
        .log_access_many(
            &actor.username,
            actor.role_str(),
            ids,
            "requester.name,requester.phone,address,content",
            &purpose,
        )
        .await?;
    Ok(())
}

/// Builds a daily register. `unmasked_reason`: the caller may see personal fields and gave
/// this reason (every request shown is logged to the access log).
pub async fn daily_register(
    app: &App,
    actor: &Actor,
    j: &Jurisdiction,
    date: NaiveDate,
    unmasked_reason: Option<&str>,
) -> Result<DailyRegister, AppError> {
    let org = app.org();
    let jpath = org.path(&j.code);
    let personal = if unmasked_reason.is_some() {
        Personal::Revealed
    } else {
        Personal::Masked
    };
    let mut builder = RegisterBuilder::new(&org, personal, app.now());
    let mut rows: Vec<RegisterRow> = Vec::new();
    let ids = register_pages(
        app,
        &jpath,
        local_start(date),
        local_start(next_day(date)?),
        None,
        |items| {
            for (id, intake, facts) in &items {
                rows.push(builder.row(rows.len() + 1, *id, intake, facts));
            }
            Ok(())
        },
    )
    .await?;
    if let Some(reason) = unmasked_reason {
        log_unmasked(
            app,
            actor,
            &ids,
            format!("日登记台账 {} {}：{reason}", j.code, date),
        )
        .await?;
    }
    Ok(DailyRegister {
        jurisdiction: j.clone(),
        date,
        masked: personal == Personal::Masked,
        rows,
    })
}

/// A register written straight to xlsx (constant memory): pages are read from the database
/// while a blocking thread builds and writes the rows of the previous ones. Returns the
/// workbook and the number of rows.
pub async fn register_xlsx(
    app: &App,
    title: &str,
    jpath: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: Option<usize>,
    personal: Personal,
) -> Result<(Vec<u8>, Vec<i64>), AppError> {
    // Rows are built here, page by page; the blocking thread only writes them.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<RegisterRow>>(2);
    let org = app.org();
    let title = title.to_string();
    let writer = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let mut x = RegisterXlsx::new(&title).map_err(|e| e.to_string())?;
        for rows in rx {
            for row in &rows {
                x.push(row).map_err(|e| e.to_string())?;
            }
        }
        x.finish().map_err(|e| e.to_string())
    });
    let mut builder = RegisterBuilder::new(&org, personal, app.now());
    let mut seq = 0;
    let read = register_pages(app, jpath, from, to, limit, |items| {
        let rows = items
            .iter()
            .map(|(id, intake, facts)| {
                seq += 1;
                builder.row(seq, *id, intake, facts)
            })
            .collect();
        tx.send(rows)
            .map_err(|_| AppError::internal("the xlsx writer stopped"))
    })
    .await;
    drop(tx);
    let written = writer.await.map_err(AppError::internal)?;
    let ids = read?;
    let bytes = written.map_err(AppError::internal)?;
    Ok((bytes, ids))
}

/// The daily register as xlsx, written as it is read (see [`register_xlsx`]).
pub async fn daily_register_xlsx(
    app: &App,
    actor: &Actor,
    j: &Jurisdiction,
    date: NaiveDate,
    unmasked_reason: Option<&str>,
) -> Result<Vec<u8>, AppError> {
    let org = app.org();
    let personal = if unmasked_reason.is_some() {
        Personal::Revealed
    } else {
        Personal::Masked
    };
    let title = DailyRegister {
        jurisdiction: j.clone(),
        date,
        masked: personal == Personal::Masked,
        rows: Vec::new(),
    }
    .title();
    let (bytes, ids) = register_xlsx(
        app,
        &title,
        &org.path(&j.code),
        local_start(date),
        local_start(next_day(date)?),
        None,
        personal,
    )
    .await?;
    if let Some(reason) = unmasked_reason {
        log_unmasked(
            app,
            actor,
            &ids,
            format!("日登记台账 {} {}：{reason}", j.code, date),
        )
        .await?;
    }
    Ok(bytes)
}

pub async fn weekly_report(
    app: &App,
    j: &Jurisdiction,
    week: &str,
) -> Result<WeeklyReport, AppError> {
    let period = Period::iso_week(week)
        .ok_or_else(|| invalid_parameter("week", "ledger.invalid.week").arg("week", week))?;
    let org = app.org();
    let jpath = org.path(&j.code);
    let rows = app
        .store
        .ledger_light_rows(&jpath, local_start(period.start), local_start(period.end))
        .await?;
    let prev = period.previous();
    let previous = app
        .store
        .ledger_count_received(&jpath, local_start(prev.start), local_start(prev.end))
        .await?;
    let spots = topic_hot_spots(app, &jpath, period, 10).await?;
    Ok(report::weekly(
        &org, &j.code, week, period, &rows, previous, spots,
    ))
}

fn fact_level(l: Level) -> Option<FactLevel> {
    FactLevel::of_level(l)
}

/// Folds the events appended since the last refresh into the ledger facts and register
/// facts (incremental: one indexed read when nothing is new). Safe to call from a timer
/// beside the reports, which refresh by themselves too; concurrent refreshes serialise.
pub async fn refresh(app: &App) -> Result<minhu_store::ledger::LedgerRefresh, AppError> {
    Ok(app.store.ledger_refresh(&app.org()).await?)
}

/// Brings the facts up to the last event, then reads the policy in force.
async fn current(app: &App) -> Result<EvaluationPolicy, AppError> {
    app.store.ledger_refresh(&app.org()).await?;
    Ok(app.store.evaluation_policy().await?)
}

fn figures_for(
    list: impl Iterator<Item = (String, String, &'static str)>,
    sums: &HashMap<String, Counters>,
    overdue: &HashMap<String, i64>,
    policy: &EvaluationPolicy,
) -> Vec<Figures> {
    list.map(|(code, name, level)| {
        Figures::new(
            &code,
            &name,
            level,
            sums.get(&code).copied().unwrap_or_default(),
            overdue.get(&code).copied().unwrap_or(0),
            policy,
        )
    })
    .collect()
}

pub async fn monthly_report(
    app: &App,
    j: &Jurisdiction,
    month: YearMonth,
) -> Result<MonthlyReport, AppError> {
    let level = fact_level(j.level)
        .ok_or_else(|| invalid_parameter("jurisdiction", "ledger.invalid.monthly_level"))?;
    let policy = current(app).await?;
    let org = app.org();
    let period = policy.month_period(month);
    let as_of = app.now();
    let store = &app.store;
    let own = store
        .ledger_month_sums(level, Some(std::slice::from_ref(&j.code)), month)
        .await?;
    let own_overdue = store.ledger_overdue_open(level, period, as_of).await?;
    let totals = Figures::new(
        &j.code,
        &j.name,
        j.level.as_str(),
        own.get(&j.code).copied().unwrap_or_default(),
        own_overdue.get(&j.code).copied().unwrap_or(0),
        &policy,
    );
    let kids: Vec<&Jurisdiction> = org
        .jurisdictions()
        .filter(|c| c.parent.as_deref() == Some(j.code.as_str()))
        .collect();
    let mut children = Vec::new();
    if let Some(kid_level) = kids.first().and_then(|k| fact_level(k.level)) {
        let codes: Vec<String> = kids.iter().map(|k| k.code.clone()).collect();
        let sums = store
            .ledger_month_sums(kid_level, Some(&codes), month)
            .await?;
        let overdue = store.ledger_overdue_open(kid_level, period, as_of).await?;
        children = figures_for(
            kids.iter()
                .map(|k| (k.code.clone(), k.name.clone(), k.level.as_str())),
            &sums,
            &overdue,
            &policy,
        );
        rank(&mut children);
        // Requests located at the jurisdiction itself (not in any child): "本级".
        let mut rest = totals.counters;
        let mut rest_overdue = totals.overdue_open;
        for c in &children {
            rest.sub(&c.counters);
            rest_overdue -= c.overdue_open;
        }
        if !rest.is_zero() || rest_overdue != 0 {
            children.push(Figures::new(
                &j.code,
                &format!("{}（本级）", j.name),
                j.level.as_str(),
                rest,
                rest_overdue,
                &policy,
            ));
        }
    }
    let unit_codes: Vec<String> = org
        .units()
        .filter(|u| org.within(&u.jurisdiction, &j.code))
        .map(|u| u.code.clone())
        .collect();
    let sums = store
        .ledger_month_sums(FactLevel::Unit, Some(&unit_codes), month)
        .await?;
    let overdue = store
        .ledger_overdue_open(FactLevel::Unit, period, as_of)
        .await?;
    let mut units = figures_for(
        unit_codes.iter().filter_map(|c| {
            org.unit(c)
                .map(|u| (u.code.clone(), u.name.clone(), "unit"))
        }),
        &sums,
        &overdue,
        &policy,
    );
    let items = unit_items(app, period, &mut units).await?;
    rank(&mut units);
    let jpath = org.path(&j.code);
    let rows = store
        .ledger_light_rows(&jpath, local_start(period.start), local_start(period.end))
        .await?;
    let hot_spots = topic_hot_spots(app, &jpath, period, 10).await?;
    Ok(MonthlyReport {
        jurisdiction: j.code.clone(),
        name: j.name.clone(),
        month: month.to_string(),
        period,
        policy_version: policy.version,
        as_of,
        totals,
        children,
        units,
        top_categories: report::top_categories(&rows, 10),
        hot_spots,
        repeats: report::repeats(&rows),
        items,
    })
}

/// The action items of the month for the units of `units` (each gets its counts, so the
/// ranking shows its on-time rate): the monthly report's 督办 section.
async fn unit_items(
    app: &App,
    period: Period,
    units: &mut [Figures],
) -> Result<minhu_ledger::ItemFigures, AppError> {
    let counts = crate::action_item::figures::counts(app, period).await?;
    let names: HashMap<String, String> = units
        .iter()
        .map(|u| (u.code.clone(), u.name.clone()))
        .collect();
    let figures = minhu_ledger::item_figures(&counts, |c| names.get(c).cloned());
    for u in units.iter_mut() {
        u.items = Some(figures.of_unit(&u.code));
    }
    Ok(figures)
}

/// Hot spots (热点) of a jurisdiction (its own requests and all below it) received from
/// `from` to `to` (local dates, both included): recurring topics per community × category,
/// largest first, at most `limit` (see `minhu_ledger::topics`). For the dashboard.
pub async fn hot_spots(
    app: &App,
    jurisdiction: &str,
    from: NaiveDate,
    to: NaiveDate,
    limit: usize,
) -> Result<Vec<minhu_ledger::HotSpot>, AppError> {
    let org = app.org();
    if org.jurisdiction(jurisdiction).is_none() {
        return Err(unknown_jurisdiction(jurisdiction));
    }
    let period = Period {
        start: from,
        end: next_day(to)?,
    };
    topic_hot_spots(app, &org.path(jurisdiction), period, limit).await
}

/// The hot spots of a subtree's requests received in a period (segmentation and clustering
/// on a blocking thread).
async fn topic_hot_spots(
    app: &App,
    jpath: &str,
    period: Period,
    limit: usize,
) -> Result<Vec<minhu_ledger::HotSpot>, AppError> {
    let texts = app
        .store
        .ledger_topic_rows(jpath, local_start(period.start), local_start(period.end))
        .await?;
    let org = app.org();
    tokio::task::spawn_blocking(move || minhu_ledger::hot_spots(&texts, &org, limit))
        .await
        .map_err(AppError::internal)
}

/// The ranking of a level for a month (within a jurisdiction when given).
pub async fn evaluation(
    app: &App,
    month: YearMonth,
    level: FactLevel,
    within: Option<&str>,
) -> Result<(EvaluationPolicy, Period, Vec<Figures>), AppError> {
    let policy = current(app).await?;
    let org = app.org();
    let period = policy.month_period(month);
    let sums = app.store.ledger_month_sums(level, None, month).await?;
    let overdue = app
        .store
        .ledger_overdue_open(level, period, app.now())
        .await?;
    let list: Vec<(String, String, &'static str)> = match level {
        FactLevel::Unit => org
            .units()
            .filter(|u| within.is_none_or(|w| org.within(&u.jurisdiction, w)))
            .map(|u| (u.code.clone(), u.name.clone(), "unit"))
            .collect(),
        _ => org
            .jurisdictions()
            .filter(|x| fact_level(x.level) == Some(level))
            .filter(|x| within.is_none_or(|w| org.within(&x.code, w)))
            .map(|x| (x.code.clone(), x.name.clone(), x.level.as_str()))
            .collect(),
    };
    let mut figures = figures_for(list.into_iter(), &sums, &overdue, &policy);
    if level == FactLevel::Unit {
        unit_items(app, period, &mut figures).await?;
    }
    rank(&mut figures);
    Ok((policy, period, figures))
}

pub fn evaluation_table(
    month: YearMonth,
    level: FactLevel,
    policy: &EvaluationPolicy,
    period: Period,
    list: &[Figures],
) -> Table {
    report::figures_table(
        "三率排名",
        format!(
            "{month} {} 三率排名（{} 至 {}，考评策略第{}版）",
            match level {
                FactLevel::Community => "社区",
                FactLevel::Street => "街道",
                FactLevel::District => "区",
                FactLevel::Unit => "承办单位",
            },
            period.start,
            period.last(),
            policy.version
        ),
        list,
    )
}
