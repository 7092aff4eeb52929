//! 日登记 — the daily register: one row per request with the columns of DESIGN §7.

use chrono::{DateTime, Utc};
use minhu_domain::org::Org;
use minhu_domain::privacy::{mask_address, mask_name, mask_phone, public_text};
use std::borrow::Cow;
use std::collections::HashMap;

use minhu_domain::request::{Event, Intake, Request};
use serde::Serialize;

use crate::export::{Cell, CellRef, Column, Kind, Table, XlsxStream};

/// Whether personal fields are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personal {
    Masked,
    Revealed,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegisterRow {
    pub seq: usize,
    pub id: i64,
    pub code: String,
    pub channel: String,
    pub received_at: DateTime<Utc>,
    pub requester_name: Option<String>,
    pub requester_phone: Option<String>,
    pub address: Option<String>,
    pub place: String,
    pub jurisdiction: String,
    pub kind: String,
    pub category: [Option<String>; 3],
    pub content: String,
    pub urgency: String,
    pub difficulty: Option<String>,
    pub lead_unit: Option<String>,
    pub co_units: Vec<String>,
    pub responsible: Option<String>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub sla_version: Option<i64>,
    pub extensions: i64,
    pub returns: i64,
    pub suspensions: i64,
    pub handling_record: String,
    pub account: Option<String>,
    pub public_reply: Option<String>,
    pub solved: Option<bool>,
    pub closed_at: Option<DateTime<Utc>>,
    pub callback: String,
    pub satisfaction: Option<String>,
    pub urge_count: i64,
    pub supervise_count: i64,
    pub overdue: bool,
    pub reopened: bool,
    pub state: String,
    pub remarks: String,
}

fn split_category(c: Option<&str>) -> [Option<String>; 3] {
    let mut out = [None, None, None];
    if let Some(c) = c {
        for (i, part) in c.split('/').filter(|p| !p.is_empty()).take(3).enumerate() {
            out[i] = Some(part.to_string());
        }
    }
    out
}

// `RegisterFacts` and `register_facts` moved to the domain (`minhu_domain::ledger::register`).
pub use minhu_domain::ledger::register::{RegisterFacts, register_facts};

/// Builds register rows from intake fields and register facts, caching the place and unit
/// names it looks up (a large register repeats them).
pub struct RegisterBuilder<'a> {
    org: &'a Org,
    personal: Personal,
    now: DateTime<Utc>,
    places: HashMap<String, String>,
    units: HashMap<String, String>,
}

impl<'a> RegisterBuilder<'a> {
    /// `now` decides "past due" for open requests.
    pub fn new(org: &'a Org, personal: Personal, now: DateTime<Utc>) -> Self {
        RegisterBuilder {
            org,
            personal,
            now,
            places: HashMap::new(),
            units: HashMap::new(),
        }
    }

    fn place(&mut self, code: &str) -> String {
        if let Some(p) = self.places.get(code) {
            return p.clone();
        }
        let org = self.org;
        let p = org
            .jurisdiction(code)
            .map(|j| {
                org.lineage(&j.code)
                    .iter()
                    .skip(1)
                    .filter_map(|c| org.jurisdiction(c))
                    .map(|j| j.name.as_str())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_else(|| code.to_string());
        self.places.insert(code.to_string(), p.clone());
        p
    }

    fn unit(&mut self, code: &str) -> String {
        if let Some(u) = self.units.get(code) {
            return u.clone();
        }
        let u = unit_name(self.org, code);
        self.units.insert(code.to_string(), u.clone());
        u
    }

    /// The row of a request (`id`, its intake fields) with its register facts.
    pub fn row(&mut self, seq: usize, id: i64, i: &Intake, f: &RegisterFacts) -> RegisterRow {
        let masked = self.personal == Personal::Masked;
        let mut record = Vec::new();
        if f.extensions > 0 {
            record.push(format!("延期{}次", f.extensions));
        }
        if f.returns > 0 {
            record.push(format!("退回{}次", f.returns));
        }
        if f.suspensions > 0 {
            record.push(format!("挂起{}次", f.suspensions));
        }
        let remarks = if i.confidential {
            let mut r = f.remarks.clone();
            r.push("保密件".into());
            r.join("；")
        } else {
            f.remarks.join("；")
        };
        RegisterRow {
            seq,
            id,
            code: i.code.clone(),
            channel: i.channel.zh().into(),
            received_at: i.received_at,
            requester_name: i
                .requester
                .name
                .as_deref()
                .map(|n| if masked { mask_name(n) } else { n.to_string() }),
            requester_phone: i
                .requester
                .phone
                .as_deref()
                .map(|p| if masked { mask_phone(p) } else { p.to_string() }),
            address: i.address.as_deref().map(|a| {
                if masked {
                    mask_address(a)
                } else {
                    a.to_string()
                }
            }),
            place: self.place(&i.jurisdiction),
            jurisdiction: i.jurisdiction.clone(),
            kind: i.kind.zh().into(),
            category: split_category(i.category.as_deref()),
            content: if masked {
                public_text(&i.content, i.requester.name.as_deref())
            } else {
                i.content.clone()
            },
            urgency: f.urgency.zh().into(),
            difficulty: f.difficulty.map(|d| d.zh().to_string()),
            lead_unit: f.lead_unit.as_deref().map(|u| self.unit(u)),
            co_units: f.co_units.iter().map(|u| self.unit(u)).collect(),
            responsible: f.responsible.clone(),
            dispatched_at: f.dispatched_at,
            signed_at: f.signed_at,
            deadline: f.deadline,
            sla_version: f.sla_version,
            extensions: f.extensions,
            returns: f.returns,
            suspensions: f.suspensions,
            handling_record: record.join("；"),
            account: f.account.clone(),
            public_reply: f.public_reply.clone(),
            solved: f.solved,
            closed_at: f.closed_at,
            callback: f.callback.clone(),
            satisfaction: f.satisfaction.map(|s| s.zh().to_string()),
            urge_count: f.urge_count,
            supervise_count: f.supervise_count,
            overdue: f.late || f.open_due.is_some_and(|d| self.now > d),
            reopened: f.reopened,
            state: f.state.zh().into(),
            remarks,
        }
    }
}

fn unit_name(org: &Org, code: &str) -> String {
    org.unit(code)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| code.to_string())
}

/// Builds the register row of a request from its log. `now` decides "past due" for open
/// requests.
pub fn register_row(
    seq: usize,
    req: &Request,
    events: &[Event],
    org: &Org,
    personal: Personal,
    now: DateTime<Utc>,
) -> RegisterRow {
    RegisterBuilder::new(org, personal, now).row(
        seq,
        req.id,
        &req.intake,
        &register_facts(req, events),
    )
}

/// The register's columns (Chinese headers and widths).
pub fn register_columns() -> Vec<Column> {
    use Kind::*;
    let c = |h: &'static str, w: f64, k: Kind| Column {
        header: h,
        width: w,
        kind: k,
    };
    vec![
        c("序号", 6.0, Int),
        c("工单编号", 15.0, Text),
        c("来源渠道", 12.0, Text),
        c("接件时间", 17.0, DateTime),
        c("诉求人", 9.0, Text),
        c("联系电话", 14.0, Text),
        c("被反映地点", 20.0, Text),
        c("所属社区/网格", 24.0, Text),
        c("诉求类型", 8.0, Text),
        c("一级分类", 10.0, Text),
        c("二级分类", 10.0, Text),
        c("三级分类", 10.0, Text),
        c("诉求内容", 40.0, Text),
        c("紧急程度", 8.0, Text),
        c("难易程度", 8.0, Text),
        c("主办单位", 22.0, Text),
        c("协办单位", 22.0, Text),
        c("责任人", 10.0, Text),
        c("派单时间", 17.0, DateTime),
        c("签收时间", 17.0, DateTime),
        c("办理时限", 17.0, DateTime),
        c("延期/退回/挂起记录", 18.0, Text),
        c("诉求属实", 8.0, Text),
        c("办理情况", 30.0, Text),
        c("公开答复", 30.0, Text),
        c("是否解决", 8.0, Text),
        c("办结时间", 17.0, DateTime),
        c("回访情况", 20.0, Text),
        c("满意度", 9.0, Text),
        c("催办次数", 8.0, Int),
        c("督办次数", 8.0, Int),
        c("是否超期", 8.0, Text),
        c("是否重办", 8.0, Text),
        c("状态", 8.0, Text),
        c("备注", 24.0, Text),
    ]
}

fn yes_no(b: bool) -> CellRef<'static> {
    CellRef::Text(Cow::Borrowed(if b { "是" } else { "否" }))
}

fn opt_text(s: &Option<String>) -> CellRef<'_> {
    match s {
        Some(s) => CellRef::Text(Cow::Borrowed(s)),
        None => CellRef::Empty,
    }
}

impl RegisterRow {
    /// The row's cells in the order of [`register_columns`], borrowed (no string copies).
    pub fn cell_refs(&self) -> [CellRef<'_>; 35] {
        fn t(s: &str) -> CellRef<'_> {
            CellRef::Text(Cow::Borrowed(s))
        }
        let dt = |d: Option<DateTime<Utc>>| d.map(CellRef::DateTime).unwrap_or(CellRef::Empty);
        [
            CellRef::Int(self.seq as i64),
            t(&self.code),
            t(&self.channel),
            CellRef::DateTime(self.received_at),
            opt_text(&self.requester_name),
            opt_text(&self.requester_phone),
            opt_text(&self.address),
            t(&self.place),
            t(&self.kind),
            opt_text(&self.category[0]),
            opt_text(&self.category[1]),
            opt_text(&self.category[2]),
            t(&self.content),
            t(&self.urgency),
            opt_text(&self.difficulty),
            opt_text(&self.lead_unit),
            match self.co_units.len() {
                0 => CellRef::Empty,
                1 => t(&self.co_units[0]),
                _ => CellRef::Text(Cow::Owned(self.co_units.join("、"))),
            },
            opt_text(&self.responsible),
            dt(self.dispatched_at),
            dt(self.signed_at),
            dt(self.deadline),
            t(&self.handling_record),
            CellRef::Empty,
            opt_text(&self.account),
            opt_text(&self.public_reply),
            self.solved.map(yes_no).unwrap_or(CellRef::Empty),
            dt(self.closed_at),
            t(&self.callback),
            opt_text(&self.satisfaction),
            CellRef::Int(self.urge_count),
            CellRef::Int(self.supervise_count),
            yes_no(self.overdue),
            yes_no(self.reopened),
            t(&self.state),
            t(&self.remarks),
        ]
    }

    pub fn cells(&self) -> Vec<Cell> {
        self.cell_refs()
            .into_iter()
            .map(CellRef::into_owned)
            .collect()
    }
}

/// The register as a table for export.
pub fn register_table(title: String, rows: &[RegisterRow]) -> Table {
    Table {
        name: REGISTER_SHEET.into(),
        title: Some(title),
        columns: register_columns(),
        rows: rows.iter().map(RegisterRow::cells).collect(),
    }
}

/// The sheet name of the register.
pub const REGISTER_SHEET: &str = "日登记";

/// A register written to xlsx row by row (constant memory): [`RegisterXlsx::push`] each row
/// as it is built, then [`RegisterXlsx::finish`]. Same layout as
/// `to_xlsx(&[register_table(..)])`.
pub struct RegisterXlsx {
    x: XlsxStream,
    rows: usize,
}

impl RegisterXlsx {
    pub fn new(title: &str) -> Result<Self, rust_xlsxwriter::XlsxError> {
        let mut x = XlsxStream::new();
        x.sheet(REGISTER_SHEET, Some(title), &register_columns())?;
        Ok(RegisterXlsx { x, rows: 0 })
    }
    pub fn push(&mut self, row: &RegisterRow) -> Result<(), rust_xlsxwriter::XlsxError> {
        self.rows += 1;
        self.x.row(row.cell_refs())
    }
    pub fn rows(&self) -> usize {
        self.rows
    }
    pub fn finish(self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        self.x.finish()
    }
}
