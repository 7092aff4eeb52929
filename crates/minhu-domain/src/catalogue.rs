//! The service catalogue (服务目录) and the dispatch catalogue (派单目录): categories with their
//! Open311 attributes, and the routing policy that names a lead unit for a category and area.

use serde::{Deserialize, Serialize};

use crate::org::Org;

/// One entry of the catalogue: an accepted class (no parent) or a service under one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    pub group: String,
    pub description: String,
    pub keywords: String,
    /// The label path (一级/二级/三级) older requests carry instead of the code.
    pub path: Option<String>,
    /// `realtime` or `batch`.
    pub service_type: String,
    /// Open311 attributes of the service definition.
    pub attributes: serde_json::Value,
    pub active: bool,
}

/// One rule of the dispatch catalogue: category × jurisdiction → lead unit and co-handlers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispatchRule {
    pub id: i64,
    /// A category code prefix; '' matches every category.
    pub category: String,
    /// The rule covers this jurisdiction and everything below it.
    pub jurisdiction: String,
    pub lead_unit: String,
    pub co_units: Vec<String>,
    pub note: String,
}

impl DispatchRule {
    /// The most specific rule for a category in a jurisdiction: the longest category
    /// prefix, then the deepest jurisdiction (then the oldest rule). None when no rule
    /// covers it.
    pub fn suggest<'a>(
        rules: &'a [DispatchRule],
        org: &Org,
        category: Option<&str>,
        jurisdiction: &str,
    ) -> Option<&'a DispatchRule> {
        let cat = category.unwrap_or("");
        let lineage = org.lineage(jurisdiction);
        rules
            .iter()
            .filter(|r| cat.starts_with(r.category.as_str()))
            .filter_map(|r| {
                lineage
                    .iter()
                    .position(|j| *j == r.jurisdiction)
                    .map(|depth| (r, depth))
            })
            .max_by_key(|(r, depth)| (r.category.chars().count(), *depth, std::cmp::Reverse(r.id)))
            .map(|(r, _)| r)
    }
}
