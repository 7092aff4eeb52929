//! Procedures as data (议事规则): a [`ProcedureTemplate`] is an ordered list of [`Stage`]s,
//! each with the body that sits ([`Body`]), the quorum it needs and the rule by which a
//! motion passes. Three presets ship ([`presets`]): 四议两公开, Shanghai's 三会 and the
//! 居民会议 of the 城市居民委员会组织法; a deployment adds its own, stored as data and checked
//! by [`NewProcedure::validate`].

use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::error::{Arg, DomainError};

/// Default days a sitting's notice must be posted before the day (议程提前公示).
pub const DEFAULT_NOTICE_DAYS: u32 = 3;
/// Most stages of a procedure, and the longest names.
pub const MAX_STAGES: usize = 20;
pub const MAX_NAME: usize = 100;
pub const MAX_CODE: usize = 40;

code_enum!(
    /// Who sits at a stage.
    Body {
        PartyBranch = "party_branch" / "党支部",
        TwoCommittees = "two_committees" / "两委",
        PartyMembers = "party_members" / "党员大会",
        ResidentAssembly = "resident_assembly" / "居民会议",
        HouseholdAssembly = "household_assembly" / "户代表会议",
        DelegateAssembly = "delegate_assembly" / "居民代表会议",
        CouncilMembers = "council_members" / "议事会",
    }
);

/// Where a body's entitled count comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entitlement {
    /// Adult residents (≥ 18 on the day) living in the community: one each.
    AdultResidents,
    /// Occupied households of the community: one per household (户代表).
    Households,
    /// The members of the sitting's council body.
    Members,
}

impl Body {
    /// The register the body's entitled count is taken from.
    pub fn entitlement(self) -> Entitlement {
        match self {
            Body::ResidentAssembly => Entitlement::AdultResidents,
            Body::HouseholdAssembly => Entitlement::Households,
            _ => Entitlement::Members,
        }
    }
}

code_enum!(
    /// A stage is a meeting that sits, or a publication (公开) that does not.
    StageKind {
        Meeting = "meeting" / "会议",
        Publication = "publication" / "公开",
    }
);

/// A fraction `num/den` with `0 < num/den ≤ 1`, e.g. 1/2, 2/3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fraction {
    pub num: u32,
    pub den: u32,
}

impl Fraction {
    pub const HALF: Fraction = Fraction { num: 1, den: 2 };
    pub const TWO_THIRDS: Fraction = Fraction { num: 2, den: 3 };

    /// Reads `"1/2"`, `"2/3"`, `"1"`; a 422 on `field` for anything outside `0 < x ≤ 1`.
    pub fn parse(field: &str, text: &str) -> Result<Fraction, DomainError> {
        let text = text.trim();
        let (n, d) = text.split_once('/').unwrap_or((text, "1"));
        let f = match (n.trim().parse::<u32>(), d.trim().parse::<u32>()) {
            (Ok(num), Ok(den)) => Fraction { num, den },
            _ => return Err(bad_fraction(field, text)),
        };
        f.check(field)?;
        Ok(f)
    }

    fn check(self, field: &str) -> Result<(), DomainError> {
        if self.num == 0 || self.den == 0 || self.num > self.den {
            return Err(bad_fraction(field, &self.to_string()));
        }
        Ok(())
    }
}

impl std::fmt::Display for Fraction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

fn bad_fraction(field: &str, value: &str) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "invalid_parameter",
        "sitting.bad_fraction",
        vec![Arg::new("field", field), Arg::new("value", value)],
    )
}

/// "more than" (strict, 过半数) or "at least" (不少于) a fraction of a base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threshold {
    pub fraction: Fraction,
    /// `true`: more than (>); `false`: at least (≥).
    pub strict: bool,
}

impl Threshold {
    pub const fn more_than(fraction: Fraction) -> Self {
        Threshold {
            fraction,
            strict: true,
        }
    }
    pub const fn at_least(fraction: Fraction) -> Self {
        Threshold {
            fraction,
            strict: false,
        }
    }

    /// Does `count` out of `base` meet the threshold? Exact integer arithmetic: a base of
    /// 0 is never met (nobody to decide).
    pub fn met(self, count: u64, base: u64) -> bool {
        if base == 0 {
            return false;
        }
        let lhs = count * u64::from(self.fraction.den);
        let rhs = base * u64::from(self.fraction.num);
        if self.strict { lhs > rhs } else { lhs >= rhs }
    }

    /// The least count out of `base` that meets the threshold.
    pub fn needed(self, base: u64) -> u64 {
        let (n, d) = (u64::from(self.fraction.num), u64::from(self.fraction.den));
        let exact = base * n;
        if self.strict {
            exact / d + 1
        } else {
            exact.div_ceil(d)
        }
    }

    /// How the rule reads: `> 1/2`, `≥ 2/3`.
    pub fn text(self) -> String {
        format!("{} {}", if self.strict { ">" } else { "≥" }, self.fraction)
    }
}

/// What a pass threshold counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassBase {
    /// Those present (到会).
    Present,
    /// Those due to attend (应到: the entitled count).
    Entitled,
    /// The valid ballots cast.
    Valid,
}

impl PassBase {
    pub fn parse(field: &str, text: &str) -> Result<PassBase, DomainError> {
        match text.trim() {
            "present" => Ok(PassBase::Present),
            "entitled" => Ok(PassBase::Entitled),
            "valid" => Ok(PassBase::Valid),
            other => Err(DomainError::invalid_keyed(
                field,
                "invalid_parameter",
                "sitting.unknown_code",
                vec![
                    Arg::new("field", field),
                    Arg::new("value", other),
                    Arg::new("codes", "present, entitled, valid"),
                ],
            )),
        }
    }
}

/// How a motion passes: the agreeing count against a base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassRule {
    pub base: PassBase,
    pub threshold: Threshold,
}

/// One stage of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    pub kind: StageKind,
    /// Who may sit, the first the default (居民(代表)会议: residents, households or delegates).
    pub bodies: Vec<Body>,
    /// The share of the entitled who must be present; `None`: no quorum rule.
    pub quorum: Option<Threshold>,
    pub pass: Option<PassRule>,
    /// Days the notice must be posted before the sitting.
    pub notice_days: u32,
    /// Do proxies (委托) count as present?
    pub proxies_count: bool,
}

/// A procedure: its code, name and stages in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureTemplate {
    pub code: String,
    pub name: String,
    /// A shipped preset (not stored, not editable).
    pub preset: bool,
    pub stages: Vec<Stage>,
}

impl ProcedureTemplate {
    /// The stage at `index` (from 0), or a 422 on `field`.
    pub fn stage(&self, index: usize, field: &str) -> Result<&Stage, DomainError> {
        self.stages.get(index).ok_or_else(|| {
            DomainError::invalid_keyed(
                field,
                "invalid_parameter",
                "sitting.no_such_stage",
                vec![
                    Arg::new("index", index),
                    Arg::new("procedure", &self.code),
                    Arg::new("stages", self.stages.len()),
                ],
            )
        })
    }
}

fn meeting(name: &str, bodies: &[Body], quorum: Option<Threshold>, pass: PassRule) -> Stage {
    Stage {
        name: name.to_string(),
        kind: StageKind::Meeting,
        bodies: bodies.to_vec(),
        quorum,
        pass: Some(pass),
        notice_days: DEFAULT_NOTICE_DAYS,
        proxies_count: false,
    }
}

fn publication(name: &str) -> Stage {
    Stage {
        name: name.to_string(),
        kind: StageKind::Publication,
        bodies: Vec::new(),
        quorum: None,
        pass: None,
        notice_days: 0,
        proxies_count: false,
    }
}

const HALF_PRESENT: PassRule = PassRule {
    base: PassBase::Present,
    threshold: Threshold::more_than(Fraction::HALF),
};

/// Code of the 四议两公开 preset.
pub const FOUR_DELIBERATIONS: &str = "four_deliberations";
/// Code of Shanghai's 三会 preset.
pub const THREE_MEETINGS: &str = "three_meetings";
/// Code of the 居民会议 preset.
pub const RESIDENT_MEETING: &str = "resident_meeting";

/// The shipped procedures.
pub fn presets() -> Vec<ProcedureTemplate> {
    use Body::*;
    let majority = Some(Threshold::more_than(Fraction::HALF));
    let assemblies = [ResidentAssembly, HouseholdAssembly, DelegateAssembly];
    let mut resident = meeting("居民会议", &assemblies, majority, HALF_PRESENT);
    // 组织法: a household's delegate or a group's delegate stands for those not there.
    resident.proxies_count = true;
    vec![
        ProcedureTemplate {
            code: FOUR_DELIBERATIONS.into(),
            name: "四议两公开".into(),
            preset: true,
            stages: vec![
                meeting("党支部提议", &[PartyBranch], majority, HALF_PRESENT),
                meeting("两委商议", &[TwoCommittees], majority, HALF_PRESENT),
                meeting(
                    "党员大会审议",
                    &[PartyMembers],
                    Some(Threshold::at_least(Fraction::TWO_THIRDS)),
                    PassRule {
                        base: PassBase::Entitled,
                        threshold: Threshold::more_than(Fraction::HALF),
                    },
                ),
                meeting("居民（代表）会议决议", &assemblies, majority, HALF_PRESENT),
                publication("决议公开"),
                publication("实施结果公开"),
            ],
        },
        ProcedureTemplate {
            code: THREE_MEETINGS.into(),
            name: "三会（听证会、协调会、评议会）".into(),
            preset: true,
            stages: vec![
                meeting("听证会", &[CouncilMembers], majority, HALF_PRESENT),
                meeting("协调会", &[CouncilMembers], majority, HALF_PRESENT),
                meeting("评议会", &[CouncilMembers], majority, HALF_PRESENT),
            ],
        },
        ProcedureTemplate {
            code: RESIDENT_MEETING.into(),
            name: "居民会议".into(),
            preset: true,
            stages: vec![resident],
        },
    ]
}

/// The preset with `code`, if any.
pub fn preset(code: &str) -> Option<ProcedureTemplate> {
    presets().into_iter().find(|p| p.code == code)
}

// ---- a deployment's own procedure ------------------------------------------------------------

/// A stage as a deployment writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewStage {
    pub name: String,
    /// `meeting` (default) or `publication`.
    pub kind: String,
    pub bodies: Vec<String>,
    /// `"1/2"`, `"2/3"`; empty: no quorum rule.
    pub quorum: String,
    pub quorum_strict: bool,
    /// `present`, `entitled` or `valid`; empty: `present`.
    pub pass_base: String,
    pub pass: String,
    pub pass_strict: bool,
    pub notice_days: Option<i64>,
    pub proxies_count: bool,
}

/// A procedure as a deployment writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewProcedure {
    pub code: String,
    pub name: String,
    pub stages: Vec<NewStage>,
}

impl NewProcedure {
    /// Checks each field, naming the one at fault (`stages[1].quorum`).
    pub fn validate(&self) -> Result<ProcedureTemplate, DomainError> {
        let code = self.code.trim();
        let code_ok = !code.is_empty()
            && code.len() <= MAX_CODE
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !code_ok {
            return Err(DomainError::invalid_keyed(
                "code",
                "invalid_parameter",
                "sitting.bad_procedure_code",
                vec![Arg::new("value", code)],
            ));
        }
        if preset(code).is_some() {
            return Err(DomainError::invalid_keyed(
                "code",
                "duplicate",
                "sitting.procedure_is_preset",
                vec![Arg::new("code", code)],
            ));
        }
        let name = super::required("name", &self.name, MAX_NAME)?;
        if self.stages.is_empty() || self.stages.len() > MAX_STAGES {
            return Err(DomainError::invalid_keyed(
                "stages",
                "required",
                "sitting.stages_count",
                vec![Arg::new("max", MAX_STAGES)],
            ));
        }
        let stages = self
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| s.validate(&format!("stages[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ProcedureTemplate {
            code: code.to_string(),
            name,
            preset: false,
            stages,
        })
    }
}

impl NewStage {
    fn validate(&self, at: &str) -> Result<Stage, DomainError> {
        let name = super::required(&format!("{at}.name"), &self.name, MAX_NAME)?;
        let kind = match self.kind.trim() {
            "" => StageKind::Meeting,
            k => StageKind::parse(k)
                .ok_or_else(|| super::unknown(&format!("{at}.kind"), k, StageKind::codes()))?,
        };
        if kind == StageKind::Publication {
            return Ok(publication(&name));
        }
        let field = format!("{at}.bodies");
        let mut bodies = Vec::new();
        for b in self.bodies.iter().map(|b| b.trim()) {
            let body = Body::parse(b).ok_or_else(|| super::unknown(&field, b, Body::codes()))?;
            if !bodies.contains(&body) {
                bodies.push(body);
            }
        }
        if bodies.is_empty() {
            return Err(super::required_error(&field));
        }
        let quorum = match self.quorum.trim() {
            "" => None,
            q => Some(Threshold {
                fraction: Fraction::parse(&format!("{at}.quorum"), q)?,
                strict: self.quorum_strict,
            }),
        };
        let pass_field = format!("{at}.pass");
        if self.pass.trim().is_empty() {
            return Err(super::required_error(&pass_field));
        }
        let base = match self.pass_base.trim() {
            "" => PassBase::Present,
            b => PassBase::parse(&format!("{at}.pass_base"), b)?,
        };
        let notice_days = match self.notice_days {
            None => DEFAULT_NOTICE_DAYS,
            Some(d) => u32::try_from(d).ok().filter(|d| *d <= 60).ok_or_else(|| {
                DomainError::invalid_keyed(
                    &format!("{at}.notice_days"),
                    "out_of_range",
                    "sitting.notice_days_range",
                    vec![Arg::new("max", 60)],
                )
            })?,
        };
        Ok(Stage {
            name,
            kind,
            bodies,
            quorum,
            pass: Some(PassRule {
                base,
                threshold: Threshold {
                    fraction: Fraction::parse(&pass_field, &self.pass)?,
                    strict: self.pass_strict,
                },
            }),
            notice_days,
            proxies_count: self.proxies_count,
        })
    }
}
