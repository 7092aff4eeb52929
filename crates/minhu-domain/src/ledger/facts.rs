//! Additive facts: what one request contributes, day by day, to the counters of its
//! community, street, district and lead unit. Every report figure is a sum of these
//! counters over a period (so a street's figures are exactly the sum of its communities'),
//! and every counter is a function of the request's event log alone (no clock), so a
//! pre-aggregated table of them can be kept current incrementally from the log.
//!
//! The one figure that depends on the clock, "open and past its deadline", is not a
//! counter: storage answers it from the request's `open_deadline` at query time.

use std::collections::BTreeMap;

use crate::org::{Level, Org};
use crate::request::{Event, EventData, Request, Satisfaction, State};
use crate::time::local_date;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::policy::{EvaluationPolicy, YearMonth};

macro_rules! metrics {
    ($($variant:ident = $code:literal / $zh:literal),+ $(,)?) => {
        /// One counter of the ledger facts.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[repr(u8)]
        pub enum Metric { $($variant),+ }
        impl Metric {
            pub const ALL: &'static [Metric] = &[$(Metric::$variant),+];
            pub fn code(self) -> &'static str { match self { $(Metric::$variant => $code),+ } }
            pub fn zh(self) -> &'static str { match self { $(Metric::$variant => $zh),+ } }
        }
    };
}

metrics!(
    Received = "received" / "受理量",
    Dispatched = "dispatched" / "派单次数",
    Due = "due" / "到期量",
    Closed = "closed" / "办结量",
    ClosedOnTime = "closed_on_time" / "按时办结量",
    Late = "late" / "超期答复量",
    Returned = "returned" / "退回量",
    Reopened = "reopened" / "重办量",
    Urged = "urged" / "催办次数",
    Supervised = "supervised" / "督办次数",
    ValidCallbacks = "valid_callbacks" / "有效回访",
    Contacted = "contacted" / "已联系",
    Solved = "solved" / "已解决",
    Satisfied = "satisfied" / "满意",
    BasicallySatisfied = "basically_satisfied" / "基本满意",
    Unsatisfied = "unsatisfied" / "不满意",
);

pub const N_METRICS: usize = 16;

/// The counters of one (level, code, day) — or their sum over any set of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters(pub [i64; N_METRICS]);

impl Counters {
    pub fn get(&self, m: Metric) -> i64 {
        self.0[m as usize]
    }
    pub fn bump(&mut self, m: Metric, by: i64) {
        self.0[m as usize] += by;
    }
    pub fn add(&mut self, o: &Counters) {
        for i in 0..N_METRICS {
            self.0[i] += o.0[i];
        }
    }
    pub fn sub(&mut self, o: &Counters) {
        for i in 0..N_METRICS {
            self.0[i] -= o.0[i];
        }
    }
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|v| *v == 0)
    }
}

/// The dimensions a request is counted under.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dims {
    pub community: Option<String>,
    pub street: Option<String>,
    pub district: Option<String>,
    pub unit: Option<String>,
}

impl Dims {
    pub fn of(req: &Request, org: &Org) -> Dims {
        let at = |l| {
            org.ancestor_at(&req.intake.jurisdiction, l)
                .map(|j| j.code.clone())
        };
        Dims {
            community: at(Level::Community),
            street: at(Level::Street),
            district: at(Level::District),
            unit: req.lead_unit.clone(),
        }
    }
    /// (level, code) keys the request's counters go to.
    pub fn keys(&self) -> impl Iterator<Item = (FactLevel, &str)> {
        [
            (FactLevel::Community, self.community.as_deref()),
            (FactLevel::Street, self.street.as_deref()),
            (FactLevel::District, self.district.as_deref()),
            (FactLevel::Unit, self.unit.as_deref()),
        ]
        .into_iter()
        .filter_map(|(l, c)| c.map(|c| (l, c)))
    }
}

/// Levels of the pre-aggregated facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactLevel {
    Community,
    Street,
    District,
    Unit,
}

impl FactLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            FactLevel::Community => "community",
            FactLevel::Street => "street",
            FactLevel::District => "district",
            FactLevel::Unit => "unit",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "community" => FactLevel::Community,
            "street" => FactLevel::Street,
            "district" => FactLevel::District,
            "unit" => FactLevel::Unit,
            _ => return None,
        })
    }
    pub fn of_level(l: Level) -> Option<Self> {
        match l {
            Level::Community => Some(FactLevel::Community),
            Level::Street => Some(FactLevel::Street),
            Level::District => Some(FactLevel::District),
            Level::Grid => None,
        }
    }
}

/// What one request contributes: +1 of a metric on a local day, for each item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestFacts {
    pub dims: Dims,
    pub items: Vec<(NaiveDate, Metric)>,
    /// The deadline of a request still open and not yet answered (for "past due" as of a
    /// moment, which no counter can hold).
    pub open_deadline: Option<DateTime<Utc>>,
}

/// States that count as 办结 (handled to the end).
pub fn is_done(state: State) -> bool {
    matches!(
        state,
        State::Closed | State::Archived | State::DirectlyAnswered
    )
}

/// Was the answer late? Replied (or, closed without a reply, closed) after the deadline.
pub fn finished_late(req: &Request) -> bool {
    match (req.deadline, req.replied_at.or(req.closed_at)) {
        (Some(due), Some(done)) => done > due,
        _ => false,
    }
}

/// The valid callbacks that count: per assessment month, the latest valid callback
/// (reached = true) of the request in that month.
pub fn counted_callbacks<'a>(
    events: &'a [Event],
    policy: &EvaluationPolicy,
) -> Vec<(&'a Event, bool, bool, Option<Satisfaction>)> {
    let mut latest: BTreeMap<YearMonth, &'a Event> = BTreeMap::new();
    for e in events {
        if let EventData::Callback { reached: true, .. } = &e.data {
            latest.insert(policy.month_of(local_date(e.at)), e);
        }
    }
    latest
        .into_values()
        .map(|e| match &e.data {
            EventData::Callback {
                contacted,
                solved,
                satisfaction,
                ..
            } => (e, *contacted, *solved, *satisfaction),
            _ => unreachable!(),
        })
        .collect()
}

/// The facts of one request from its derived state and its log. `excluded`: the request
/// is excluded from scoring (its callbacks do not count).
pub fn request_facts(
    req: &Request,
    events: &[Event],
    org: &Org,
    policy: &EvaluationPolicy,
    excluded: bool,
) -> RequestFacts {
    let mut items = Vec::with_capacity(8);
    items.push((local_date(req.intake.received_at), Metric::Received));
    for e in events {
        let m = match &e.data {
            EventData::Dispatch { .. } => Metric::Dispatched,
            EventData::DecideReturn { approve: true, .. } => Metric::Returned,
            EventData::Reopen { .. } => Metric::Reopened,
            EventData::Urge { .. } => Metric::Urged,
            EventData::Supervise { .. } => Metric::Supervised,
            _ => continue,
        };
        items.push((local_date(e.at), m));
    }
    if let Some(due) = req.deadline {
        let d = local_date(due);
        items.push((d, Metric::Due));
        if matches!((req.replied_at, req.deadline), (Some(r), Some(due)) if r > due) {
            items.push((d, Metric::Late));
        }
    }
    if is_done(req.state)
        && let Some(c) = req.closed_at
    {
        let d = local_date(c);
        items.push((d, Metric::Closed));
        if !finished_late(req) {
            items.push((d, Metric::ClosedOnTime));
        }
    }
    if !excluded {
        for (e, contacted, solved, sat) in counted_callbacks(events, policy) {
            let d = local_date(e.at);
            items.push((d, Metric::ValidCallbacks));
            if contacted {
                items.push((d, Metric::Contacted));
            }
            if solved {
                items.push((d, Metric::Solved));
            }
            match sat {
                Some(Satisfaction::Satisfied) => items.push((d, Metric::Satisfied)),
                Some(Satisfaction::BasicallySatisfied) => {
                    items.push((d, Metric::BasicallySatisfied))
                }
                Some(Satisfaction::Unsatisfied) => items.push((d, Metric::Unsatisfied)),
                None => {}
            }
        }
    }
    items.sort();
    let open_deadline = match (req.deadline, req.replied_at) {
        (Some(due), None) if req.state.is_open() => Some(due),
        _ => None,
    };
    RequestFacts {
        dims: Dims::of(req, org),
        items,
        open_deadline,
    }
}

/// Key of a row of pre-aggregated facts.
pub type FactKey = (FactLevel, String, NaiveDate);

/// Adds (`sign` = 1) or removes (`sign` = -1) a request's facts to a delta map.
pub fn accumulate(
    into: &mut std::collections::HashMap<FactKey, Counters>,
    f: &RequestFacts,
    sign: i64,
) {
    for (level, code) in f.dims.keys() {
        for (day, m) in &f.items {
            into.entry((level, code.to_string(), *day))
                .or_default()
                .bump(*m, sign);
        }
    }
}

/// Sums of counters with the rates derived from them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rates {
    pub on_time_rate: Option<f64>,
    pub return_rate: Option<f64>,
    pub rehandle_rate: Option<f64>,
    pub response_rate: Option<f64>,
    pub resolution_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
    pub composite: Option<f64>,
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl Rates {
    /// 三率 per DESIGN §8 (only valid callbacks in the denominator), and the handling rates:
    /// on time = closed on time ÷ closed, 回退率 = returned ÷ dispatches,
    /// 重办率 = re-handled ÷ closed.
    pub fn of(c: &Counters, p: &EvaluationPolicy) -> Rates {
        let valid = c.get(Metric::ValidCallbacks);
        let response = ratio(c.get(Metric::Contacted), valid);
        let resolution = ratio(c.get(Metric::Solved), valid);
        let satisfaction = (valid > 0).then(|| {
            (c.get(Metric::Satisfied) as f64
                + p.basic_factor * c.get(Metric::BasicallySatisfied) as f64)
                / valid as f64
        });
        let composite = match (response, resolution, satisfaction) {
            (Some(a), Some(b), Some(s)) => {
                Some(p.w_response * a + p.w_resolution * b + p.w_satisfaction * s)
            }
            _ => None,
        };
        Rates {
            on_time_rate: ratio(c.get(Metric::ClosedOnTime), c.get(Metric::Closed)),
            return_rate: ratio(c.get(Metric::Returned), c.get(Metric::Dispatched)),
            rehandle_rate: ratio(c.get(Metric::Reopened), c.get(Metric::Closed)),
            response_rate: response,
            resolution_rate: resolution,
            satisfaction_rate: satisfaction,
            composite,
        }
    }
}

/// Rounds a fraction for display (4 decimals); the JSON keeps full precision.
pub fn pct(v: Option<f64>) -> String {
    match v {
        Some(v) => format!("{:.1}%", v * 100.0),
        None => "—".into(),
    }
}
