//! The OpenAPI document (`openapi.json`, served at `/api/v1/openapi.json`) and its check
//! against the types. The document is written by hand (summaries, status codes, the
//! domain's own schemas such as `Intake` and `Request`); the parts the API's typed bodies
//! define are generated from them with `utoipa`: the component schemas of every DTO, the
//! query parameters of every operation with a query struct, and the schema each request
//! and success body refers to. [`expected`] applies them to a document; a test asserts
//! that the stored document already is what it gives (and [`bless`] rewrites it), so a
//! change to a DTO that the document does not show fails the test suite.

use serde_json::{Map, Value, json};
use utoipa::openapi::ComponentsBuilder;
use utoipa::openapi::path::ParameterIn;
use utoipa::{IntoParams, ToSchema};

use super::{
    Created, Health, action_item, catalogue, deliveries, grid_import, grid_meeting as gm, ledger,
    org, patrol, places, requests,
};
use crate::error::ErrorBody;

/// The document as served.
pub const DOCUMENT: &str = include_str!("../../openapi.json");

/// Where the document is kept (for [`bless`]).
pub const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

/// The shape of a body an operation reads or writes.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// One value of the named schema.
    One(fn() -> String),
    /// A list of them.
    List(fn() -> String),
}

/// What the types say of one operation.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    /// The query parameters (its query struct), if it reads any.
    pub query: Option<fn() -> Value>,
    /// The JSON body it reads, if typed.
    pub body: Option<Shape>,
    /// The success status and the JSON body it writes, if typed.
    pub ok: Option<(&'static str, Shape)>,
}

pub(crate) fn name<T: ToSchema>() -> String {
    T::name().into_owned()
}

pub(crate) fn params<T: IntoParams>() -> Value {
    serde_json::to_value(T::into_params(|| Some(ParameterIn::Query))).unwrap_or(Value::Null)
}

pub(crate) const fn op(method: &'static str, path: &'static str) -> Operation {
    Operation {
        method,
        path,
        query: None,
        body: None,
        ok: None,
    }
}

impl Operation {
    pub(crate) const fn query(mut self, q: fn() -> Value) -> Self {
        self.query = Some(q);
        self
    }
    pub(crate) const fn body(mut self, b: Shape) -> Self {
        self.body = Some(b);
        self
    }
    pub(crate) const fn ok(mut self, status: &'static str, s: Shape) -> Self {
        self.ok = Some((status, s));
        self
    }
}

/// Every operation whose query or bodies are typed.
pub fn operations() -> Vec<Operation> {
    use Shape::{List, One};
    vec![
        op("get", "/healthz").ok("200", One(name::<Health>)),
        op("get", "/api/v1/jurisdictions").ok("200", List(name::<org::JurisdictionItem>)),
        op("get", "/api/v1/units").ok("200", List(name::<org::UnitItem>)),
        op("get", "/api/v1/me").ok("200", One(name::<org::Me>)),
        op("get", "/api/v1/calendar")
            .query(params::<org::YearQuery>)
            .ok("200", One(name::<org::CalendarYear>)),
        op("put", "/api/v1/calendar/{date}")
            .body(One(name::<org::DayBody>))
            .ok("200", One(name::<org::DaySet>)),
        op("delete", "/api/v1/calendar/{date}").ok("200", One(name::<org::DayCleared>)),
        op("get", "/api/v1/requests")
            .query(params::<requests::ListQuery>)
            .ok("200", One(name::<requests::RequestPage>)),
        op("get", "/api/v1/requests/{id}").query(params::<requests::ShowQuery>),
        op("post", "/api/v1/dispatch/rules")
            .body(One(name::<catalogue::RuleBody>))
            .ok("201", One(name::<Created>)),
        op("delete", "/api/v1/dispatch/rules/{id}").ok("200", One(name::<catalogue::Deleted>)),
        op("get", "/api/v1/dispatch/suggest")
            .query(params::<catalogue::SuggestQuery>)
            .ok("200", One(name::<catalogue::Suggestion>)),
        op("post", "/api/v1/subscriptions")
            .body(One(name::<catalogue::SubscriptionBody>))
            .ok("201", One(name::<Created>)),
        op("get", "/api/v1/screening/reasons").ok("200", List(name::<catalogue::ScreeningReason>)),
        op("get", "/api/v1/requests/{id}/notifications")
            .ok("200", List(name::<catalogue::Notification>)),
        op("post", "/api/v1/sla/sweep").query(params::<catalogue::SweepQuery>),
        op("put", "/api/v1/grids/{code}/shape").ok("200", One(name::<places::GridShapeSet>)),
        op("post", "/api/v1/addresses")
            .body(One(name::<places::AddressBody>))
            .ok("201", One(name::<places::AddressAdded>)),
        op("get", "/api/v1/locate")
            .query(params::<places::LocateQuery>)
            .ok("200", One(name::<places::Located>)),
        op("get", "/api/v1/ledger/daily")
            .query(params::<ledger::DailyQuery>)
            .ok("200", One(name::<ledger::DailyLedger>)),
        op("get", "/api/v1/reports/weekly").query(params::<ledger::WeeklyQuery>),
        op("get", "/api/v1/reports/monthly").query(params::<ledger::MonthlyQuery>),
        op("get", "/api/v1/evaluation")
            .query(params::<ledger::EvaluationQuery>)
            .ok("200", One(name::<ledger::Ranking>)),
        op("get", "/api/v1/evaluation/policy").ok("200", One(name::<ledger::Policies>)),
        op("post", "/api/v1/evaluation/policy")
            .body(One(name::<ledger::PolicyBody>))
            .ok("201", One(name::<ledger::Policy>)),
        op("get", "/api/v1/evaluation/exclusions").ok("200", One(name::<ledger::Exclusions>)),
        op("post", "/api/v1/evaluation/exclusions")
            .body(One(name::<ledger::ExclusionBody>))
            .ok("201", One(name::<ledger::ExclusionMade>)),
        op("post", "/api/v1/evaluation/exclusions/{id}/approve")
            .ok("200", One(name::<ledger::ExclusionMade>)),
        op("post", "/api/v1/import").query(params::<crate::import::ImportQuery>),
        op("get", "/api/v1/deliveries")
            .query(params::<deliveries::DeliveriesQuery>)
            .ok("200", List(name::<deliveries::DeliveryItem>)),
        op("post", "/api/v1/deliveries/{id}/retry")
            .ok("200", One(name::<deliveries::DeliveryItem>)),
        op("get", "/api/v1/action-items")
            .query(params::<action_item::ListQuery>)
            .ok("200", List(name::<action_item::ItemLine>)),
        op("post", "/api/v1/action-items")
            .body(One(name::<action_item::IssueBody>))
            .ok("201", One(name::<action_item::ItemView>)),
        op("get", "/api/v1/action-items/figures")
            .query(params::<action_item::FiguresQuery>)
            .ok("200", One(name::<action_item::ItemFiguresView>)),
        op("get", "/api/v1/action-items/{id}").ok("200", One(name::<action_item::ItemView>)),
        op("post", "/api/v1/action-items/{id}/progress")
            .body(One(name::<action_item::StepBody>))
            .ok("200", One(name::<action_item::ItemView>)),
        op("post", "/api/v1/action-items/{id}/claim-done")
            .body(One(name::<action_item::StepBody>))
            .ok("200", One(name::<action_item::ItemView>)),
        op("post", "/api/v1/action-items/{id}/verify")
            .body(One(name::<action_item::StepBody>))
            .ok("200", One(name::<action_item::ItemView>)),
        op("post", "/api/v1/action-items/{id}/reopen")
            .body(One(name::<action_item::StepBody>))
            .ok("200", One(name::<action_item::ItemView>)),
        op("get", "/api/v1/publications")
            .query(params::<action_item::PublicationsQuery>)
            .ok("200", List(name::<action_item::PublicationView>)),
        op("post", "/api/v1/publications")
            .body(One(name::<action_item::PublicationBody>))
            .ok("201", One(name::<action_item::PublicationView>)),
        op("post", "/api/v1/publications/{id}/withdraw")
            .ok("200", One(name::<action_item::PublicationView>)),
        op("get", "/api/v1/grids/{code}/duties")
            .query(params::<gm::DutiesQuery>)
            .ok("200", List(name::<gm::DutyItem>)),
        op("post", "/api/v1/grids/{code}/duties")
            .body(One(name::<gm::DutyBody>))
            .ok("201", One(name::<gm::DutyItem>)),
        op("post", "/api/v1/duties/{id}/retire").ok("200", One(name::<gm::DutyItem>)),
        op("get", "/api/v1/communities/{code}/meetings")
            .ok("200", List(name::<gm::MeetingSummary>)),
        op("post", "/api/v1/communities/{code}/meetings")
            .body(One(name::<gm::MeetingBody>))
            .ok("201", One(name::<gm::MeetingDetail>)),
        op("get", "/api/v1/meetings/{id}").ok("200", One(name::<gm::MeetingDetail>)),
        op("post", "/api/v1/meetings/{id}/items")
            .body(One(name::<gm::MeetingItemBody>))
            .ok("201", One(name::<gm::MeetingItemView>)),
        op("post", "/api/v1/meetings/{id}/issue").ok("200", One(name::<gm::MeetingDetail>)),
        op("get", "/api/v1/communities/{code}/rollup/{day}").ok("200", One(name::<gm::RollupView>)),
        op("post", "/api/v1/patrols")
            .body(One(name::<patrol::PatrolBody>))
            .ok("201", One(name::<patrol::PatrolView>)),
        op("post", "/api/v1/patrols/{id}/end").ok("200", One(name::<patrol::PatrolView>)),
        op("post", "/api/v1/visits")
            .body(One(name::<patrol::VisitBody>))
            .ok("201", One(name::<patrol::VisitView>)),
        op("post", "/api/v1/findings")
            .body(One(name::<patrol::PatrolFindingBody>))
            .ok("201", One(name::<patrol::FindingView>)),
        op("get", "/api/v1/findings")
            .query(params::<patrol::FindingsQuery>)
            .ok("200", List(name::<patrol::MyFinding>)),
        op("get", "/api/v1/grids/{code}/visits-due")
            .query(params::<patrol::DueQuery>)
            .ok("200", One(name::<patrol::DueQueue>)),
        op("get", "/api/v1/grids/{code}/coverage")
            .query(params::<patrol::CoverageQuery>)
            .ok("200", One(name::<patrol::GridCoverageView>)),
        op("get", "/api/v1/communities/{code}/coverage")
            .query(params::<patrol::CoverageQuery>)
            .ok("200", One(name::<patrol::AreaCoverageView>)),
        op("get", "/api/v1/diary/{username}/{day}").ok("200", One(name::<patrol::DiaryDayView>)),
        op("put", "/api/v1/diary/{username}/{day}")
            .body(One(name::<patrol::DiaryBody>))
            .ok("200", One(name::<patrol::DiaryDayView>)),
        op("post", "/api/v1/diary/{username}/{day}/comment")
            .body(One(name::<patrol::CommentBody>))
            .ok("200", One(name::<patrol::DiaryDayView>)),
        op("get", "/api/v1/workload")
            .query(params::<patrol::WorkloadQuery>)
            .ok("200", One(name::<patrol::Workload>)),
        op("post", "/api/v1/communities/{code}/ledger/import")
            .query(params::<grid_import::LedgerImportQuery>)
            .ok("200", One(name::<grid_import::LedgerImportReport>)),
        op("get", "/api/v1/communities/{code}/ledger.xlsx")
            .query(params::<grid_import::LedgerExportQuery>),
    ]
    .into_iter()
    .chain(super::grid_ledger::operations())
    .chain(super::suggestion::operations())
    .chain(super::topic::operations())
    .chain(super::council::operations())
    .chain(super::joint_meeting::operations())
    .collect()
}

/// The component schemas of every DTO (and the schemas they refer to), by name.
pub fn schemas() -> Map<String, Value> {
    let components = super::joint_meeting::schemas(super::council::schemas(super::topic::schemas(
        super::suggestion::schemas(super::grid_ledger::schemas(ComponentsBuilder::new())),
    )))
    .schema_from::<ErrorBody>()
    .schema_from::<Health>()
    .schema_from::<Created>()
    .schema_from::<org::JurisdictionItem>()
    .schema_from::<org::UnitItem>()
    .schema_from::<org::Me>()
    .schema_from::<org::CalendarYear>()
    .schema_from::<org::DayBody>()
    .schema_from::<org::DaySet>()
    .schema_from::<org::DayCleared>()
    .schema_from::<requests::RequestPage>()
    .schema_from::<catalogue::Suggestion>()
    .schema_from::<catalogue::RuleBody>()
    .schema_from::<catalogue::Deleted>()
    .schema_from::<catalogue::SubscriptionBody>()
    .schema_from::<catalogue::ScreeningReason>()
    .schema_from::<catalogue::Notification>()
    .schema_from::<places::GridShapeSet>()
    .schema_from::<places::AddressBody>()
    .schema_from::<places::AddressAdded>()
    .schema_from::<places::Located>()
    .schema_from::<ledger::DailyLedger>()
    .schema_from::<ledger::Ranking>()
    .schema_from::<ledger::Policies>()
    .schema_from::<ledger::PolicyBody>()
    .schema_from::<ledger::Exclusions>()
    .schema_from::<ledger::ExclusionBody>()
    .schema_from::<ledger::ExclusionMade>()
    .schema_from::<deliveries::DeliveryItem>()
    .schema_from::<action_item::IssueBody>()
    .schema_from::<action_item::StepBody>()
    .schema_from::<action_item::ItemLine>()
    .schema_from::<action_item::ItemView>()
    .schema_from::<action_item::LinkedRequest>()
    .schema_from::<action_item::ItemFiguresView>()
    .schema_from::<action_item::PublicationBody>()
    .schema_from::<action_item::PublicationView>()
    .schema_from::<gm::DutyBody>()
    .schema_from::<gm::DutyItem>()
    .schema_from::<gm::MeetingBody>()
    .schema_from::<gm::ActionBody>()
    .schema_from::<gm::MeetingItemBody>()
    .schema_from::<gm::MeetingItemView>()
    .schema_from::<gm::MeetingSummary>()
    .schema_from::<gm::MeetingDetail>()
    .schema_from::<gm::RollupView>()
    .schema_from::<patrol::PatrolBody>()
    .schema_from::<patrol::PatrolView>()
    .schema_from::<patrol::VisitBody>()
    .schema_from::<patrol::VisitView>()
    .schema_from::<patrol::PatrolFindingBody>()
    .schema_from::<patrol::FindingView>()
    .schema_from::<patrol::MyFinding>()
    .schema_from::<patrol::DueQueue>()
    .schema_from::<patrol::GridCoverageView>()
    .schema_from::<patrol::AreaCoverageView>()
    .schema_from::<patrol::DiaryDayView>()
    .schema_from::<patrol::DiaryBody>()
    .schema_from::<patrol::CommentBody>()
    .schema_from::<patrol::Workload>()
    .schema_from::<grid_import::LedgerImportReport>()
    .build();
    match serde_json::to_value(components) {
        Ok(Value::Object(mut c)) => match c.remove("schemas") {
            Some(Value::Object(s)) => s,
            _ => Map::new(),
        },
        _ => Map::new(),
    }
}

fn shape_json(s: Shape) -> Value {
    let reference = |n: String| json!({"$ref": format!("#/components/schemas/{n}")});
    match s {
        Shape::One(n) => reference(n()),
        Shape::List(n) => json!({"type": "array", "items": reference(n())}),
    }
}

/// `doc` with the parts the types define replaced by what the types say.
pub fn expected(doc: &Value) -> Value {
    let mut doc = doc.clone();
    let generated = schemas();
    let schemas = &mut doc["components"]["schemas"];
    for (name, schema) in generated {
        schemas[name] = schema;
    }
    for o in operations() {
        let at = &mut doc["paths"][o.path][o.method];
        if let Some(q) = o.query {
            let mut list: Vec<Value> = at["parameters"]
                .as_array()
                .map(|ps| ps.iter().filter(|p| p["in"] != "query").cloned().collect())
                .unwrap_or_default();
            list.extend(q().as_array().cloned().unwrap_or_default());
            at["parameters"] = Value::Array(list);
        }
        if let Some(b) = o.body {
            at["requestBody"]["content"]["application/json"]["schema"] = shape_json(b);
        }
        if let Some((status, s)) = o.ok {
            at["responses"][status]["content"]["application/json"]["schema"] = shape_json(s);
        }
    }
    doc
}

/// Rewrites the stored document as [`expected`] gives it (after changing a DTO).
pub fn bless() -> std::io::Result<()> {
    let doc: Value = serde_json::from_str(DOCUMENT).map_err(std::io::Error::other)?;
    // One-space indents, as the document has always been written.
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(&expected(&doc), &mut ser).map_err(std::io::Error::other)?;
    out.push(b'\n');
    std::fs::write(PATH, out)
}
