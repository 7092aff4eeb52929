//! The organisation: the jurisdiction tree (区 → 街道 → 社区 → 网格), the units that handle
//! requests, and the people who act, each with a role scoped to a jurisdiction or a unit.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::error::{Arg, DomainError};

code_enum!(
    /// Level of a jurisdiction in the tree.
    #[derive(PartialOrd, Ord)]
    Level {
        Grid = "grid" / "网格",
        Community = "community" / "社区",
        Street = "street" / "街道",
        District = "district" / "区",
    }
);

code_enum!(
    /// The tier whose dispatch queue holds a request: what the community can solve it solves;
    /// what it cannot goes to the street, then to the district.
    #[derive(PartialOrd, Ord)]
    Tier {
        Community = "community" / "社区",
        Street = "street" / "街道",
        District = "district" / "区",
    }
);

impl Tier {
    pub fn up(self) -> Option<Tier> {
        match self {
            Tier::Community => Some(Tier::Street),
            Tier::Street => Some(Tier::District),
            Tier::District => None,
        }
    }
    pub fn level(self) -> Level {
        match self {
            Tier::Community => Level::Community,
            Tier::Street => Level::Street,
            Tier::District => Level::District,
        }
    }
    /// The tier at which a request located in a jurisdiction of this level starts.
    pub fn for_level(level: Level) -> Tier {
        match level {
            Level::Grid | Level::Community => Tier::Community,
            Level::Street => Tier::Street,
            Level::District => Tier::District,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jurisdiction {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent: Option<String>,
}

code_enum!(
    /// Level of a unit: the community and street offices are units too; departments and
    /// companies are district (or city) units.
    UnitLevel {
        Community = "community" / "社区级",
        Street = "street" / "街道级",
        District = "district" / "区级",
        City = "city" / "市级",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub level: UnitLevel,
    /// The jurisdiction the unit sits in (a community's own office sits in the community).
    pub jurisdiction: String,
    /// Whether the unit is the office of its jurisdiction (区综合办公室 of a district): the
    /// unit its staff act for. Without a marked office, the unit bearing the
    /// jurisdiction's own code is its office (see [`Org::own_unit`]).
    #[serde(default)]
    pub office: bool,
}

code_enum!(
    /// What a person does in the product; the scope says where.
    Role {
        DistrictAdmin = "district_admin" / "区综合办管理员",
        StreetStaff = "street_staff" / "街道工作人员",
        CommunityStaff = "community_staff" / "社区工作人员",
        GridWorker = "grid_worker" / "网格员",
        UnitHandler = "unit_handler" / "承办单位经办人",
        Auditor = "auditor" / "审计查阅员",
    }
);

impl Role {
    /// The jurisdiction level a person of this role must be scoped to (None: scoped to a unit).
    pub fn scope_level(self) -> Option<Level> {
        match self {
            Role::DistrictAdmin | Role::Auditor => Some(Level::District),
            Role::StreetStaff => Some(Level::Street),
            Role::CommunityStaff => Some(Level::Community),
            Role::GridWorker => Some(Level::Grid),
            Role::UnitHandler => None,
        }
    }
}

/// Username (and role) recorded on events the requester performs.
pub const REQUESTER: &str = "requester";
/// Username of the system itself (the deadline monitor, the command line).
pub const SYSTEM: &str = "system";
/// Prefix of an Open311 client's username (`open311:<key name>`), also its role on events.
pub const OPEN311: &str = "open311";

/// Who performs a step: a person with a role and scope, or the system itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub username: String,
    pub role: Option<Role>,
    /// Jurisdiction code, or unit code for unit handlers.
    pub scope: String,
}

impl Actor {
    pub fn person(username: &str, role: Role, scope: &str) -> Self {
        Actor {
            username: username.to_string(),
            role: Some(role),
            scope: scope.to_string(),
        }
    }
    pub fn system() -> Self {
        Actor {
            username: SYSTEM.to_string(),
            role: None,
            scope: String::new(),
        }
    }
    /// The requester, acting with the tracking code (rating a reply). Not a login.
    pub fn requester() -> Self {
        Actor {
            username: REQUESTER.to_string(),
            role: None,
            scope: String::new(),
        }
    }
    /// An Open311 client (an API key), recorded as `open311:<name>`: its own actor with
    /// narrow rights (see `access`), never the system.
    pub fn open311_client(name: &str) -> Self {
        Actor {
            username: format!("{OPEN311}:{name}"),
            role: None,
            scope: String::new(),
        }
    }
    pub fn is_system(&self) -> bool {
        self.role.is_none() && self.username == SYSTEM
    }
    pub fn is_open311_client(&self) -> bool {
        self.role.is_none()
            && self
                .username
                .strip_prefix(OPEN311)
                .is_some_and(|r| r.starts_with(':'))
    }
    pub fn is_requester(&self) -> bool {
        self.role.is_none() && self.username == REQUESTER
    }
    pub fn role_str(&self) -> &'static str {
        match self.role {
            Some(r) => r.as_str(),
            None if self.username == REQUESTER => REQUESTER,
            None if self.is_open311_client() => OPEN311,
            None => SYSTEM,
        }
    }
}

/// The whole organisation held in memory: small (thousands of rows even for a city).
#[derive(Debug, Clone, Default)]
pub struct Org {
    jurisdictions: HashMap<String, Jurisdiction>,
    units: HashMap<String, Unit>,
    order: Vec<String>,
    unit_order: Vec<String>,
    /// Jurisdiction → the unit marked as its office (the first one, if data marks two).
    offices: HashMap<String, String>,
}

impl Org {
    pub fn new(jurisdictions: Vec<Jurisdiction>, units: Vec<Unit>) -> Self {
        let mut org = Org::default();
        for j in jurisdictions {
            org.order.push(j.code.clone());
            org.jurisdictions.insert(j.code.clone(), j);
        }
        for u in units {
            org.unit_order.push(u.code.clone());
            if u.office {
                org.offices
                    .entry(u.jurisdiction.clone())
                    .or_insert_with(|| u.code.clone());
            }
            org.units.insert(u.code.clone(), u);
        }
        org
    }

    pub fn jurisdictions(&self) -> impl Iterator<Item = &Jurisdiction> {
        self.order.iter().filter_map(|c| self.jurisdictions.get(c))
    }
    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.unit_order.iter().filter_map(|c| self.units.get(c))
    }
    pub fn jurisdiction(&self, code: &str) -> Option<&Jurisdiction> {
        self.jurisdictions.get(code)
    }
    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.units.get(code)
    }

    /// Codes from the root down to `code`, e.g. [district, street, community, grid].
    pub fn lineage(&self, code: &str) -> Vec<&str> {
        let mut chain = Vec::new();
        let mut cur = self.jurisdictions.get(code);
        while let Some(j) = cur {
            chain.push(j.code.as_str());
            if chain.len() > 16 {
                break; // a cycle in bad data must not hang us
            }
            cur = j.parent.as_deref().and_then(|p| self.jurisdictions.get(p));
        }
        chain.reverse();
        chain
    }

    /// Materialised path "/D/S/C/G/" used for scope queries in storage (prefix match).
    pub fn path(&self, code: &str) -> String {
        let mut s = String::from("/");
        for c in self.lineage(code) {
            s.push_str(c);
            s.push('/');
        }
        s
    }

    /// Is `code` the jurisdiction `ancestor` or below it?
    pub fn within(&self, code: &str, ancestor: &str) -> bool {
        self.lineage(code).contains(&ancestor)
    }

    /// The ancestor (or self) of a jurisdiction at a level.
    pub fn ancestor_at(&self, code: &str, level: Level) -> Option<&Jurisdiction> {
        self.lineage(code)
            .into_iter()
            .filter_map(|c| self.jurisdictions.get(c))
            .find(|j| j.level == level)
    }

    /// The office of a jurisdiction as a unit: the unit sitting in it that the data marks
    /// as its office (a district's 区综合办公室 has a code of its own), else, by the
    /// convention communities and streets follow, the unit bearing the jurisdiction's code.
    pub fn own_unit(&self, jurisdiction: &str) -> Option<&Unit> {
        self.offices
            .get(jurisdiction)
            .and_then(|code| self.units.get(code))
            .or_else(|| {
                self.units
                    .get(jurisdiction)
                    .filter(|u| u.jurisdiction == jurisdiction)
            })
    }

    /// Checks that a role may be given this scope.
    pub fn check_scope(&self, role: Role, scope: &str) -> Result<(), DomainError> {
        match role.scope_level() {
            None => {
                if self.units.contains_key(scope) {
                    Ok(())
                } else {
                    Err(DomainError::invalid_keyed(
                        "scope",
                        "unknown_unit",
                        "domain.unknown_unit.scope",
                        vec![Arg::new("scope", scope)],
                    ))
                }
            }
            Some(level) => match self.jurisdictions.get(scope) {
                Some(j) if j.level == level => Ok(()),
                // Levels by their Chinese label in Chinese, by their code in English.
                Some(j) => Err(DomainError::invalid_keyed(
                    "scope",
                    "scope_level",
                    "domain.scope_level",
                    vec![
                        Arg::new("role", role.as_str()),
                        Arg::by_lang("level", level.zh(), level.as_str()),
                        Arg::new("scope", scope),
                        Arg::by_lang("actual", j.level.zh(), j.level.as_str()),
                    ],
                )),
                None => Err(DomainError::invalid_keyed(
                    "scope",
                    "unknown_jurisdiction",
                    "domain.unknown_jurisdiction.code",
                    vec![Arg::new("jurisdiction", scope)],
                )),
            },
        }
    }
}
