//! 日登记 — the daily register: one row per request with the columns of DESIGN §7.

use chrono::{DateTime, Utc};
use minhu_domain::org::Org;
use minhu_domain::privacy::{mask_address, mask_name, mask_phone, redact_text};
use minhu_domain::request::{Event, EventData, Request};
use serde::Serialize;

use crate::export::{Cell, Column, Kind, Table};
use crate::facts::{finished_late, is_done};

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

fn unit_name(org: &Org, code: &str) -> String {
    org.unit(code)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| code.to_string())
}

/// Builds the register row of a request. `now` decides "past due" for open requests.
pub fn register_row(
    seq: usize,
    req: &Request,
    events: &[Event],
    org: &Org,
    personal: Personal,
    now: DateTime<Utc>,
) -> RegisterRow {
    let i = &req.intake;
    let masked = personal == Personal::Masked;
    let (mut suspensions, mut responsible) = (0, None);
    for e in events {
        match &e.data {
            EventData::Suspend { .. } => suspensions += 1,
            EventData::Sign {} => responsible = Some(e.actor.clone()),
            _ => {}
        }
    }
    let mut record = Vec::new();
    if req.extension_count > 0 {
        record.push(format!("延期{}次", req.extension_count));
    }
    if req.return_count > 0 {
        record.push(format!("退回{}次", req.return_count));
    }
    if suspensions > 0 {
        record.push(format!("挂起{}次", suspensions));
    }
    let callback = match &req.callback {
        None => "未回访".to_string(),
        Some(cb) if !cb.reached => "未接通".to_string(),
        Some(cb) => format!(
            "有效回访；{}；{}",
            if cb.contacted {
                "已联系"
            } else {
                "未联系"
            },
            if cb.solved { "已解决" } else { "未解决" }
        ),
    };
    let mut remarks = Vec::new();
    for e in events {
        match &e.data {
            EventData::Reject { reason, .. } => remarks.push(format!("不予受理：{reason}")),
            EventData::Merge { into } => remarks.push(format!("已合并至工单 {into}")),
            EventData::Escalate { from, to, .. } => {
                remarks.push(format!("升级：{}→{}", from.as_str(), to.as_str()))
            }
            _ => {}
        }
    }
    if i.confidential {
        remarks.push("保密件".into());
    }
    let place = org
        .jurisdiction(&i.jurisdiction)
        .map(|j| {
            org.lineage(&j.code)
                .iter()
                .skip(1)
                .filter_map(|c| org.jurisdiction(c))
                .map(|j| j.name.as_str())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_else(|| i.jurisdiction.clone());
    RegisterRow {
        seq,
        id: req.id,
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
        place,
        jurisdiction: i.jurisdiction.clone(),
        kind: i.kind.zh().into(),
        category: split_category(i.category.as_deref()),
        content: if masked {
            redact_text(&i.content)
        } else {
            i.content.clone()
        },
        urgency: req.urgency.zh().into(),
        difficulty: req.difficulty.map(|d| d.zh().to_string()),
        lead_unit: req.lead_unit.as_deref().map(|u| unit_name(org, u)),
        co_units: req.co_units.iter().map(|u| unit_name(org, u)).collect(),
        responsible,
        dispatched_at: req.dispatched_at,
        signed_at: req.signed_at,
        deadline: req.deadline,
        sla_version: req.sla_version,
        extensions: req.extension_count,
        returns: req.return_count,
        suspensions,
        handling_record: record.join("；"),
        account: req.reply.as_ref().map(|r| r.account.clone()),
        public_reply: req.reply.as_ref().map(|r| r.public_reply.clone()),
        solved: req
            .callback
            .as_ref()
            .filter(|c| c.reached)
            .map(|c| c.solved)
            .or(req.reply.as_ref().map(|r| r.solved)),
        closed_at: if is_done(req.state) {
            req.closed_at
        } else {
            None
        },
        callback,
        satisfaction: req
            .callback
            .as_ref()
            .and_then(|c| c.satisfaction)
            .map(|s| s.zh().to_string()),
        urge_count: req.urge_count,
        supervise_count: req.supervise_count,
        overdue: finished_late(req) || req.overdue(now),
        reopened: req.reopen_count > 0,
        state: req.state.zh().into(),
        remarks: remarks.join("；"),
    }
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

fn yes_no(b: bool) -> Cell {
    Cell::Text(if b { "是" } else { "否" }.into())
}

fn opt_text(s: &Option<String>) -> Cell {
    match s {
        Some(s) => Cell::Text(s.clone()),
        None => Cell::Empty,
    }
}

impl RegisterRow {
    pub fn cells(&self) -> Vec<Cell> {
        let t = |s: &str| Cell::Text(s.to_string());
        let dt = |d: Option<DateTime<Utc>>| d.map(Cell::DateTime).unwrap_or(Cell::Empty);
        vec![
            Cell::Int(self.seq as i64),
            t(&self.code),
            t(&self.channel),
            Cell::DateTime(self.received_at),
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
            t(&self.co_units.join("、")),
            opt_text(&self.responsible),
            dt(self.dispatched_at),
            dt(self.signed_at),
            dt(self.deadline),
            t(&self.handling_record),
            Cell::Empty,
            opt_text(&self.account),
            opt_text(&self.public_reply),
            self.solved.map(yes_no).unwrap_or(Cell::Empty),
            dt(self.closed_at),
            t(&self.callback),
            opt_text(&self.satisfaction),
            Cell::Int(self.urge_count),
            Cell::Int(self.supervise_count),
            yes_no(self.overdue),
            yes_no(self.reopened),
            t(&self.state),
            t(&self.remarks),
        ]
    }
}

/// The register as a table for export.
pub fn register_table(title: String, rows: &[RegisterRow]) -> Table {
    Table {
        name: "日登记".into(),
        title: Some(title),
        columns: register_columns(),
        rows: rows.iter().map(RegisterRow::cells).collect(),
    }
}
