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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::{Jurisdiction, Level};

    fn org() -> Org {
        let j = |code: &str, level, parent: Option<&str>| Jurisdiction {
            code: code.into(),
            name: code.into(),
            level,
            parent: parent.map(Into::into),
        };
        Org::new(
            vec![
                j("D", Level::District, None),
                j("S", Level::Street, Some("D")),
                j("C", Level::Community, Some("S")),
            ],
            Vec::new(),
        )
    }

    fn rule(id: i64, category: &str, jurisdiction: &str) -> DispatchRule {
        DispatchRule {
            id,
            category: category.into(),
            jurisdiction: jurisdiction.into(),
            lead_unit: format!("U{id}"),
            co_units: Vec::new(),
            note: String::new(),
        }
    }

    #[test]
    fn longest_category_prefix_then_deepest_jurisdiction() {
        let org = org();
        let rules = vec![
            rule(1, "", "D"),
            rule(2, "物业", "D"),
            rule(3, "物业", "S"),
            rule(4, "物业/电梯", "D"),
            rule(5, "物业", "S"),
        ];
        let pick =
            |cat: Option<&str>, j: &str| DispatchRule::suggest(&rules, &org, cat, j).map(|r| r.id);
        // The longer category prefix wins over the deeper jurisdiction.
        assert_eq!(pick(Some("物业/电梯/故障"), "C"), Some(4));
        // Same prefix: the deeper jurisdiction, and of two equal rules the older.
        assert_eq!(pick(Some("物业/漏水"), "C"), Some(3));
        assert_eq!(pick(Some("物业/漏水"), "D"), Some(2));
        // '' matches every category, and no category at all.
        assert_eq!(pick(Some("交通"), "C"), Some(1));
        assert_eq!(pick(None, "S"), Some(1));
        // A place outside every rule's jurisdiction has no rule.
        assert_eq!(pick(Some("物业"), "ELSEWHERE"), None);
    }
}
