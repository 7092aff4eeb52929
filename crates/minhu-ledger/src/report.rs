//! 周汇总 and 月上报: the weekly summary and the monthly report, assembled from summed
//! counters (per jurisdiction and unit) and from light request rows (mixes, categories,
//! hot spots, urgent items, repeat complaints).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use minhu_domain::org::Org;
use minhu_domain::request::{Channel, RequestType, State, Urgency};
use minhu_domain::time::local_date;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::export::{Cell, Column, Kind, Table};
use crate::facts::{Counters, Metric, Rates};
use crate::items::ItemFigures;
use crate::policy::{EvaluationPolicy, Period};
use crate::topics::HotSpot;
use minhu_domain::action_item::figures::ItemCounts;

/// Summed figures of one jurisdiction or unit over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub code: String,
    pub name: String,
    pub level: String,
    pub counters: Counters,
    /// Due in the period, still open and unanswered, and past due as of the report.
    pub overdue_open: i64,
    pub rates: Rates,
    pub rank: Option<usize>,
    /// A unit's action items of the month (督办事项), shown beside the 三率 but not in the
    /// composite score: `None` for a jurisdiction.
    pub items: Option<ItemCounts>,
}

impl Figures {
    pub fn new(
        code: &str,
        name: &str,
        level: &str,
        counters: Counters,
        overdue_open: i64,
        policy: &EvaluationPolicy,
    ) -> Self {
        Figures {
            code: code.into(),
            name: name.into(),
            level: level.into(),
            rates: Rates::of(&counters, policy),
            counters,
            overdue_open,
            rank: None,
            items: None,
        }
    }
    /// 超期 = answered late + still open past due.
    pub fn overdue(&self) -> i64 {
        self.counters.get(Metric::Late) + self.overdue_open
    }
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("code".into(), json!(self.code));
        m.insert("name".into(), json!(self.name));
        m.insert("level".into(), json!(self.level));
        for metric in Metric::ALL {
            m.insert(metric.code().into(), json!(self.counters.get(*metric)));
        }
        m.insert("overdue".into(), json!(self.overdue()));
        let r = &self.rates;
        for (k, v) in [
            ("on_time_rate", r.on_time_rate),
            ("return_rate", r.return_rate),
            ("rehandle_rate", r.rehandle_rate),
            ("response_rate", r.response_rate),
            ("resolution_rate", r.resolution_rate),
            ("satisfaction_rate", r.satisfaction_rate),
            ("composite", r.composite),
        ] {
            m.insert(k.into(), json!(v));
        }
        m.insert("rank".into(), json!(self.rank));
        self.insert_items(&mut m);
        Value::Object(m)
    }
    /// The evaluation line: `{code, name, valid_callbacks, response_rate, resolution_rate,
    /// satisfaction_rate, composite, rank}` (rates as fractions, null without callbacks).
    pub fn evaluation_json(&self) -> Value {
        let mut v = json!({
            "code": self.code,
            "name": self.name,
            "valid_callbacks": self.counters.get(Metric::ValidCallbacks),
            "response_rate": self.rates.response_rate,
            "resolution_rate": self.rates.resolution_rate,
            "satisfaction_rate": self.rates.satisfaction_rate,
            "composite": self.rates.composite,
            "rank": self.rank,
        });
        if let Value::Object(m) = &mut v {
            self.insert_items(m);
        }
        v
    }

    /// A unit's action items: `item_on_time_rate` (null when none was judged), the counts.
    fn insert_items(&self, m: &mut Map<String, Value>) {
        if let Some(c) = &self.items {
            m.insert("item_on_time_rate".into(), json!(c.on_time_rate()));
            m.insert("items".into(), crate::items::counts_json(c));
        }
    }
}

/// Ranks by composite score, best first (equal scores share a rank: 1, 2, 2, 4); entries
/// without valid callbacks are not ranked and come last. Ties in order: more valid
/// callbacks first, then code.
pub fn rank(list: &mut [Figures]) {
    list.sort_by(|a, b| {
        let ka = a.rates.composite.unwrap_or(f64::NEG_INFINITY);
        let kb = b.rates.composite.unwrap_or(f64::NEG_INFINITY);
        kb.total_cmp(&ka)
            .then(
                b.counters
                    .get(Metric::ValidCallbacks)
                    .cmp(&a.counters.get(Metric::ValidCallbacks)),
            )
            .then(a.code.cmp(&b.code))
    });
    let mut prev: Option<(f64, usize)> = None;
    for (i, f) in list.iter_mut().enumerate() {
        f.rank = f.rates.composite.map(|c| match prev {
            Some((p, r)) if (p - c).abs() < 1e-12 => r,
            _ => {
                prev = Some((c, i + 1));
                i + 1
            }
        });
    }
}

// `LightRow` moved to the domain (`minhu_domain::ledger::rows`): storage reads it.
pub use minhu_domain::ledger::rows::LightRow;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Count {
    pub key: String,
    pub name: String,
    pub count: i64,
}

fn top(map: HashMap<String, i64>, n: usize, name: impl Fn(&str) -> String) -> Vec<Count> {
    let mut v: Vec<Count> = map
        .into_iter()
        .map(|(key, count)| Count {
            name: name(&key),
            key,
            count,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    v.truncate(n);
    v
}

/// Top categories (full 3-level path).
pub fn top_categories(rows: &[LightRow], n: usize) -> Vec<Count> {
    let mut m = HashMap::new();
    for r in rows {
        *m.entry(r.category.clone().unwrap_or_else(|| "未分类".into()))
            .or_insert(0) += 1;
    }
    top(m, n, |k| k.to_string())
}

/// Repeat complaints: requesters (by phone) with two or more requests in the period.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Repeats {
    pub requesters: i64,
    pub requests: i64,
}

pub fn repeats(rows: &[LightRow]) -> Repeats {
    let mut m: HashMap<&str, i64> = HashMap::new();
    for r in rows {
        if let Some(p) = r.requester_phone.as_deref().filter(|p| !p.is_empty()) {
            *m.entry(p).or_insert(0) += 1;
        }
    }
    let rep: Vec<i64> = m.into_values().filter(|c| *c >= 2).collect();
    Repeats {
        requesters: rep.len() as i64,
        requests: rep.iter().sum(),
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UrgentItem {
    pub id: i64,
    pub code: String,
    pub received_at: String,
    pub urgency: String,
    pub category: Option<String>,
    pub subject: Option<String>,
    pub unit: Option<String>,
    pub state: String,
}

/// 周汇总.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WeeklyReport {
    pub jurisdiction: String,
    pub name: String,
    pub week: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub received: i64,
    pub previous_received: i64,
    /// Week-on-week change of the volume (环比), a fraction; null when last week had none.
    pub change: Option<f64>,
    pub day_average: f64,
    pub by_day: Vec<Count>,
    pub by_type: Vec<Count>,
    pub by_channel: Vec<Count>,
    /// 直办 (answered directly at screening) and 转办 (dispatched to a unit).
    pub direct_answered: i64,
    pub dispatched: i64,
    pub not_accepted: i64,
    pub top_categories: Vec<Count>,
    pub hot_spots: Vec<HotSpot>,
    pub urgent: Vec<UrgentItem>,
}

pub fn weekly(
    org: &Org,
    jurisdiction: &str,
    week: &str,
    period: Period,
    rows: &[LightRow],
    previous_received: i64,
    hot_spots: Vec<HotSpot>,
) -> WeeklyReport {
    let received = rows.len() as i64;
    let mut by_day: Vec<Count> = (0..period.days())
        .map(|i| {
            let d = period.start + chrono::Duration::days(i);
            Count {
                key: d.to_string(),
                name: d.format("%m-%d").to_string(),
                count: 0,
            }
        })
        .collect();
    let mut by_type = HashMap::new();
    let mut by_channel = HashMap::new();
    let (mut direct, mut dispatched, mut not_accepted) = (0, 0, 0);
    let mut urgent = Vec::new();
    for r in rows {
        let d = (local_date(r.received_at) - period.start).num_days();
        if let Some(c) = by_day.get_mut(d as usize) {
            c.count += 1;
        }
        *by_type.entry(r.kind.as_str().to_string()).or_insert(0) += 1;
        *by_channel
            .entry(r.channel.as_str().to_string())
            .or_insert(0) += 1;
        match r.state {
            State::DirectlyAnswered => direct += 1,
            State::NotAccepted => not_accepted += 1,
            _ => {}
        }
        if r.lead_unit.is_some() {
            dispatched += 1;
        }
        if r.urgency != Urgency::Normal {
            urgent.push(UrgentItem {
                id: r.id,
                code: r.code.clone(),
                received_at: minhu_domain::time::rfc3339(r.received_at),
                urgency: r.urgency.zh().into(),
                category: r.category.clone(),
                subject: r.subject.clone(),
                unit: r
                    .lead_unit
                    .as_deref()
                    .map(|u| org.unit(u).map(|u| u.name.clone()).unwrap_or(u.into())),
                state: r.state.zh().into(),
            });
        }
    }
    urgent.sort_by(|a, b| a.received_at.cmp(&b.received_at));
    WeeklyReport {
        jurisdiction: jurisdiction.into(),
        name: org
            .jurisdiction(jurisdiction)
            .map(|j| j.name.clone())
            .unwrap_or_default(),
        week: week.into(),
        start: period.start,
        end: period.last(),
        received,
        previous_received,
        change: (previous_received > 0)
            .then(|| (received - previous_received) as f64 / previous_received as f64),
        day_average: received as f64 / period.days() as f64,
        by_day,
        by_type: top(by_type, 100, |k| {
            RequestType::parse(k).map(|t| t.zh()).unwrap_or(k).into()
        }),
        by_channel: top(by_channel, 100, |k| {
            Channel::parse(k).map(|t| t.zh()).unwrap_or(k).into()
        }),
        direct_answered: direct,
        dispatched,
        not_accepted,
        top_categories: top_categories(rows, 10),
        hot_spots,
        urgent,
    }
}

/// 月上报.
#[derive(Debug, Clone)]
pub struct MonthlyReport {
    pub jurisdiction: String,
    pub name: String,
    pub month: String,
    pub period: Period,
    pub policy_version: i64,
    pub as_of: DateTime<Utc>,
    pub totals: Figures,
    /// The jurisdictions one level down, ranked, then "本级" (requests located at the
    /// jurisdiction itself) when there are any: together they add up to the totals.
    pub children: Vec<Figures>,
    /// The units located in the jurisdiction, ranked.
    pub units: Vec<Figures>,
    pub top_categories: Vec<Count>,
    pub hot_spots: Vec<HotSpot>,
    pub repeats: Repeats,
    /// 督办事项按时销号情况: the action items of the units located in the jurisdiction.
    pub items: ItemFigures,
}

impl MonthlyReport {
    pub fn to_json(&self) -> Value {
        json!({
            "jurisdiction": self.jurisdiction,
            "name": self.name,
            "month": self.month,
            "period": {"start": self.period.start, "end": self.period.last()},
            "policy_version": self.policy_version,
            "as_of": minhu_domain::time::rfc3339(self.as_of),
            "totals": self.totals.to_json(),
            "children": self.children.iter().map(Figures::to_json).collect::<Vec<_>>(),
            "units": self.units.iter().map(Figures::to_json).collect::<Vec<_>>(),
            "top_categories": self.top_categories,
            "hot_spots": self.hot_spots,
            "repeat_complaints": self.repeats,
            "action_items": self.items.to_json(),
        })
    }

    pub fn tables(&self) -> Vec<Table> {
        let title = format!(
            "{} 月上报 {}（{} 至 {}，考评策略第{}版）",
            self.name,
            self.month,
            self.period.start,
            self.period.last(),
            self.policy_version
        );
        let mut all = vec![self.totals.clone()];
        all[0].name = format!("{}（合计）", self.name);
        all.extend(self.children.iter().cloned());
        vec![
            figures_table("辖区汇总", title.clone(), &all),
            figures_table("承办单位", title.clone(), &self.units),
            counts_table("分类排行", title.clone(), "分类", &self.top_categories),
            hot_spot_table(title.clone(), &self.hot_spots),
            self.items.table(format!("{title} 督办事项按时销号情况")),
        ]
    }
}

fn figure_columns() -> Vec<Column> {
    use Kind::*;
    let c = |h: &'static str, w: f64, k: Kind| Column {
        header: h,
        width: w,
        kind: k,
    };
    vec![
        c("排名", 6.0, Int),
        c("代码", 12.0, Text),
        c("名称", 24.0, Text),
        c("受理量", 9.0, Int),
        c("到期量", 9.0, Int),
        c("办结量", 9.0, Int),
        c("按时办结率", 11.0, Percent),
        c("超期", 7.0, Int),
        c("退回", 7.0, Int),
        c("回退率", 9.0, Percent),
        c("重办", 7.0, Int),
        c("重办率", 9.0, Percent),
        c("有效回访", 9.0, Int),
        c("响应率", 9.0, Percent),
        c("解决率", 9.0, Percent),
        c("满意率", 9.0, Percent),
        c("综合成绩", 10.0, Percent),
    ]
}

pub fn figures_table(name: &str, title: String, list: &[Figures]) -> Table {
    // A list of units carries their action items: the on-time rate is a column of the ranking.
    let with_items = list.iter().any(|f| f.items.is_some());
    let rows = list
        .iter()
        .map(|f| {
            let c = &f.counters;
            let r = &f.rates;
            let mut cells = vec![
                f.rank.map(|r| Cell::Int(r as i64)).unwrap_or(Cell::Empty),
                Cell::Text(f.code.clone()),
                Cell::Text(f.name.clone()),
                Cell::Int(c.get(Metric::Received)),
                Cell::Int(c.get(Metric::Due)),
                Cell::Int(c.get(Metric::Closed)),
                Cell::opt_pct(r.on_time_rate),
                Cell::Int(f.overdue()),
                Cell::Int(c.get(Metric::Returned)),
                Cell::opt_pct(r.return_rate),
                Cell::Int(c.get(Metric::Reopened)),
                Cell::opt_pct(r.rehandle_rate),
                Cell::Int(c.get(Metric::ValidCallbacks)),
                Cell::opt_pct(r.response_rate),
                Cell::opt_pct(r.resolution_rate),
                Cell::opt_pct(r.satisfaction_rate),
                Cell::opt_pct(r.composite),
            ];
            if with_items {
                let items = f.items.clone().unwrap_or_default();
                cells.push(Cell::Int(items.issued));
                cells.push(Cell::Int(items.overdue()));
                cells.push(Cell::opt_pct(items.on_time_rate()));
            }
            cells
        })
        .collect();
    let mut columns = figure_columns();
    if with_items {
        for (header, kind) in [
            ("督办交办", Kind::Int),
            ("督办逾期", Kind::Int),
            ("督办按时销号率", Kind::Percent),
        ] {
            columns.push(Column {
                header,
                width: 12.0,
                kind,
            });
        }
    }
    Table {
        name: name.into(),
        title: Some(title),
        columns,
        rows,
    }
}

pub fn counts_table(name: &str, title: String, key: &'static str, list: &[Count]) -> Table {
    Table {
        name: name.into(),
        title: Some(title),
        columns: vec![
            Column {
                header: key,
                width: 30.0,
                kind: Kind::Text,
            },
            Column {
                header: "数量",
                width: 8.0,
                kind: Kind::Int,
            },
        ],
        rows: list
            .iter()
            .map(|c| vec![Cell::Text(c.name.clone()), Cell::Int(c.count)])
            .collect(),
    }
}

fn hot_spot_table(title: String, list: &[HotSpot]) -> Table {
    let c = |h: &'static str, w: f64, k: Kind| Column {
        header: h,
        width: w,
        kind: k,
    };
    Table {
        name: "热点".into(),
        title: Some(title),
        columns: vec![
            c("排名", 6.0, Kind::Int),
            c("社区", 20.0, Kind::Text),
            c("分类", 24.0, Kind::Text),
            c("关键词", 30.0, Kind::Text),
            c("数量", 8.0, Kind::Int),
            c("工单示例", 40.0, Kind::Text),
        ],
        rows: list
            .iter()
            .enumerate()
            .map(|(i, h)| {
                vec![
                    Cell::Int(i as i64 + 1),
                    Cell::Text(h.community_name.clone()),
                    Cell::Text(h.category.clone()),
                    Cell::Text(h.keywords.join("、")),
                    Cell::Int(h.count),
                    Cell::Text(h.samples.join("、")),
                ]
            })
            .collect(),
    }
}

impl WeeklyReport {
    pub fn tables(&self) -> Vec<Table> {
        let title = format!(
            "{} 周汇总 {}（{} 至 {}）",
            self.name, self.week, self.start, self.end
        );
        let summary = Table {
            name: "概况".into(),
            title: Some(title.clone()),
            columns: vec![
                Column {
                    header: "项目",
                    width: 20.0,
                    kind: Kind::Text,
                },
                Column {
                    header: "数值",
                    width: 12.0,
                    kind: Kind::Float,
                },
            ],
            rows: vec![
                vec![Cell::Text("受理量".into()), Cell::Int(self.received)],
                vec![
                    Cell::Text("上周受理量".into()),
                    Cell::Int(self.previous_received),
                ],
                vec![Cell::Text("环比".into()), Cell::opt_pct(self.change)],
                vec![Cell::Text("日均".into()), Cell::Float(self.day_average)],
                vec![Cell::Text("直办".into()), Cell::Int(self.direct_answered)],
                vec![Cell::Text("转办".into()), Cell::Int(self.dispatched)],
                vec![Cell::Text("不予受理".into()), Cell::Int(self.not_accepted)],
            ],
        };
        let urgent = Table {
            name: "紧急事项".into(),
            title: Some(title.clone()),
            columns: vec![
                Column {
                    header: "工单编号",
                    width: 15.0,
                    kind: Kind::Text,
                },
                Column {
                    header: "接件时间",
                    width: 26.0,
                    kind: Kind::Text,
                },
                Column {
                    header: "紧急程度",
                    width: 8.0,
                    kind: Kind::Text,
                },
                Column {
                    header: "分类",
                    width: 24.0,
                    kind: Kind::Text,
                },
                Column {
                    header: "承办单位",
                    width: 22.0,
                    kind: Kind::Text,
                },
                Column {
                    header: "办理结果",
                    width: 10.0,
                    kind: Kind::Text,
                },
            ],
            rows: self
                .urgent
                .iter()
                .map(|u| {
                    vec![
                        Cell::Text(u.code.clone()),
                        Cell::Text(u.received_at.clone()),
                        Cell::Text(u.urgency.clone()),
                        Cell::Text(u.category.clone().unwrap_or_default()),
                        Cell::Text(u.unit.clone().unwrap_or_default()),
                        Cell::Text(u.state.clone()),
                    ]
                })
                .collect(),
        };
        vec![
            summary,
            counts_table("每日", title.clone(), "日期", &self.by_day),
            counts_table("类型", title.clone(), "诉求类型", &self.by_type),
            counts_table("渠道", title.clone(), "来源渠道", &self.by_channel),
            counts_table("分类排行", title.clone(), "分类", &self.top_categories),
            hot_spot_table(title, &self.hot_spots),
            urgent,
        ]
    }
}
