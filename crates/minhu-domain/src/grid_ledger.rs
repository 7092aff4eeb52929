//! The grid's base ledger (网格基础台账): buildings → units → households → residents, the
//! care tags of special groups with their visit cadence, places and organisations, and the
//! grid's posts (网格长, 专职网格员 …). Types and the validation of what people write into
//! them; which field is public, staff or sensitive is [`crate::people`], who reads and
//! edits a grid's register is [`crate::access::register`].
//!
//! 重点人员 (`key_person`) is only a restricted tag kind: it carries no narrative, so a basis
//! written for it is refused, never stored.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::error::{Arg, DomainError};
use crate::ids::{BuildingId, HouseholdId, ResidentId};
use crate::privacy::{digit_of, is_number_separator, normalize_phone};

code_enum!(
    /// How a household holds its home.
    Tenure {
        Owner = "owner" / "自住",
        Rented = "rented" / "出租",
        Vacant = "vacant" / "空置",
        PublicRental = "public_rental" / "公租房",
    }
);

code_enum!(
    /// A building's or a household's state.
    Occupancy {
        Occupied = "occupied" / "在住",
        Vacant = "vacant" / "空置",
        Demolished = "demolished" / "已拆除",
    }
);

code_enum!(
    /// A resident's state in the register (history is kept, never deleted).
    ResidentState {
        Current = "current" / "现住",
        MovedOut = "moved_out" / "已迁出",
        Deceased = "deceased" / "已故",
    }
);

code_enum!(
    /// 户籍 or 流动 population.
    Residence {
        Registered = "registered" / "户籍人口",
        Floating = "floating" / "流动人口",
    }
);

code_enum!(
    Gender {
        Male = "male" / "男",
        Female = "female" / "女",
    }
);

code_enum!(
    /// A special group (特殊人群) a resident belongs to. Each has a default visit cadence.
    CareKind {
        LivingAlone = "living_alone" / "独居老人",
        EmptyNest = "empty_nest" / "空巢老人",
        Disabled = "disabled" / "残疾人",
        Subsistence = "subsistence" / "低保户",
        ExtremePoverty = "extreme_poverty" / "特困人员",
        LeftBehindChild = "left_behind_child" / "留守儿童",
        Entitled = "entitled" / "优抚对象",
        /// Restricted: only the tag, never a narrative (no basis).
        KeyPerson = "key_person" / "重点人员",
    }
);

/// How often an ordinary household is visited: twice a year (入户走访制度).
pub const ORDINARY_CADENCE_DAYS: u32 = 180;

/// The longest cadence a tag may have: a visit at least once a year.
pub const MAX_CADENCE_DAYS: u32 = 366;

impl CareKind {
    /// The visit cadence in days when none is given: hardship families, elders living
    /// alone or in empty nests, disabled people and left-behind children monthly; entitled
    /// groups quarterly; key persons weekly (日走访、周复查).
    pub fn default_cadence_days(self) -> u32 {
        match self {
            CareKind::LivingAlone
            | CareKind::EmptyNest
            | CareKind::Disabled
            | CareKind::Subsistence
            | CareKind::ExtremePoverty
            | CareKind::LeftBehindChild => 30,
            CareKind::Entitled => 90,
            CareKind::KeyPerson => 7,
        }
    }
    /// A restricted kind carries no narrative (basis) at all.
    pub fn restricted(self) -> bool {
        self == CareKind::KeyPerson
    }
}

code_enum!(
    /// Whether a care tag or a post still holds.
    Standing {
        Active = "active" / "有效",
        Ended = "ended" / "已结束",
    }
);

code_enum!(
    /// A post of the grid's "1+5" team.
    PostKind {
        GridHead = "grid_head" / "网格长",
        FullTime = "full_time" / "专职网格员",
        PartTime = "part_time" / "兼职网格员",
        BuildingHead = "building_head" / "楼栋长",
        UnitHead = "unit_head" / "单元长",
    }
);

code_enum!(
    /// What a place or organisation is.
    PlaceKind {
        Shop = "shop" / "商铺",
        Firm = "firm" / "企业",
        RentedRoom = "rented_room" / "出租屋",
        School = "school" / "学校",
        SmallVenue = "small_venue" / "九小场所",
        Organisation = "organisation" / "社会组织",
        Other = "other" / "其他",
    }
);

code_enum!(
    RiskLevel {
        Low = "low" / "低",
        Medium = "medium" / "中",
        High = "high" / "高",
    }
);

code_enum!(
    PlaceState {
        Active = "active" / "在营",
        Closed = "closed" / "已关闭",
    }
);

/// A building (楼栋) of a community, in one grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Building {
    pub id: BuildingId,
    pub community: String,
    pub grid: String,
    pub number: String,
    pub name: String,
    pub address: String,
    pub floors: Option<i64>,
    pub built: Option<i64>,
    pub state: Occupancy,
}

/// A building's 单元 (entrance, stairway).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingUnit {
    pub id: i64,
    pub building_id: BuildingId,
    pub number: String,
    pub floors: Option<i64>,
}

/// A household (户): a room of a building with its head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Household {
    pub id: HouseholdId,
    pub building_id: BuildingId,
    pub unit_id: Option<i64>,
    pub grid: String,
    pub room: String,
    pub head_name: String,
    pub head_phone: String,
    pub size: Option<i64>,
    pub tenure: Tenure,
    pub tenancy_from: Option<NaiveDate>,
    pub tenancy_until: Option<NaiveDate>,
    pub state: Occupancy,
    pub last_visit_at: Option<DateTime<Utc>>,
}

/// A resident (居民) of a household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resident {
    pub id: ResidentId,
    pub household_id: HouseholdId,
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub birth_year: Option<i64>,
    pub gender: Option<Gender>,
    pub relation: String,
    pub residence: Residence,
    pub occupation: String,
    pub state: ResidentState,
}

/// A special group a resident belongs to, with how often they are visited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareTag {
    pub id: i64,
    pub resident_id: ResidentId,
    pub kind: CareKind,
    /// Why (e.g. 低保证号, 残疾等级); always empty for a restricted kind.
    pub basis: String,
    pub cadence_days: u32,
    pub helper: String,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub state: Standing,
}

/// A shop, firm, rented room, school, 九小场所 or organisation in a grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub id: i64,
    pub community: String,
    pub grid: String,
    pub kind: PlaceKind,
    pub name: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub risk_level: RiskLevel,
    pub state: PlaceState,
}

/// Who holds a post of the grid, with the armband number and the work phone printed on
/// the grid's public board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridPost {
    pub id: i64,
    pub grid: String,
    pub post: PostKind,
    pub person_name: String,
    pub username: Option<String>,
    pub building_id: Option<BuildingId>,
    pub armband_no: String,
    /// A work phone, public by design (it is on the board).
    pub board_phone: String,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
    pub state: Standing,
}

// ---- validation ----------------------------------------------------------------------------

/// 422 for `field`: `value` is not one of `codes`.
fn unknown_code(field: &str, value: &str, codes: String) -> DomainError {
    DomainError::invalid_keyed(
        field,
        "invalid_parameter",
        "grid_ledger.invalid.code",
        vec![
            Arg::new("field", field),
            Arg::new("value", value),
            Arg::new("codes", codes),
        ],
    )
}

/// A coded value read from what a person sent, or a 422 naming the field and the codes.
pub fn parse_code<T>(
    field: &str,
    value: &str,
    parse: fn(&str) -> Option<T>,
    codes: fn() -> String,
) -> Result<T, DomainError> {
    parse(value.trim()).ok_or_else(|| unknown_code(field, value, codes()))
}

/// 422 for a required text left empty.
pub fn required(field: &str, value: &str) -> Result<String, DomainError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(DomainError::invalid_keyed(
            field,
            "required",
            "grid_ledger.invalid.required",
            vec![Arg::new("field", field)],
        ));
    }
    Ok(v.to_string())
}

/// A phone as stored: normalised (`normalize_phone`), or empty when none is given; any
/// other text is a 422 naming the field.
pub fn phone(field: &str, raw: &str) -> Result<String, DomainError> {
    if raw.trim().is_empty() {
        return Ok(String::new());
    }
    normalize_phone(raw).ok_or_else(|| {
        DomainError::invalid_keyed(
            field,
            "invalid_phone",
            "grid_ledger.invalid.phone",
            vec![Arg::new("field", field)],
        )
    })
}

/// A resident ID number (居民身份证号, GB 11643): 18 characters, the last the ISO 7064
/// MOD 11-2 check character (0–9 or X). Full-width digits and separators are read as
/// people type them; empty stays empty. Anything else is a 422 (field `id_number`).
pub fn id_number(raw: &str) -> Result<String, DomainError> {
    let mut s = String::with_capacity(18);
    for c in raw.chars() {
        match c {
            c if is_number_separator(c) || c.is_whitespace() => {}
            'x' | 'X' | 'ｘ' | 'Ｘ' => s.push('X'),
            c => match digit_of(c) {
                Some(d) => s.push(char::from(b'0' + d)),
                None => return Err(bad_id_number()),
            },
        }
    }
    if s.is_empty() {
        return Ok(s);
    }
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return Err(bad_id_number());
    }
    // The same checks as the import's (which names each one): a real date of birth and
    // the check character.
    if id_birth(&s).is_none() || id_check_char(&s[..17]) != char::from(b[17]) {
        return Err(bad_id_number());
    }
    Ok(s)
}

/// The check character of an ID number's first 17 digits.
pub fn id_check_char(first17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(d, w)| u32::from(d.wrapping_sub(b'0')) * w)
        .sum();
    char::from(C[(sum % 11) as usize])
}

/// The birth year an ID number holds (when its date is a real one).
pub fn id_birth(id: &str) -> Option<i64> {
    let (y, m, d) = (
        id.get(6..10)?.parse::<i32>().ok()?,
        id.get(10..12)?.parse::<u32>().ok()?,
        id.get(12..14)?.parse::<u32>().ok()?,
    );
    let ok = (1900..=2100).contains(&y) && chrono::NaiveDate::from_ymd_opt(y, m, d).is_some();
    ok.then_some(i64::from(y))
}

fn bad_id_number() -> DomainError {
    DomainError::invalid_keyed(
        "id_number",
        "invalid_id_number",
        "grid_ledger.invalid.id_number",
        vec![],
    )
}

/// A date written `YYYY-MM-DD`, or a 422 naming the field; empty is none.
pub fn date(field: &str, raw: &str) -> Result<Option<NaiveDate>, DomainError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            DomainError::invalid_keyed(
                field,
                "invalid_parameter",
                "grid_ledger.invalid.date",
                vec![Arg::new("field", field), Arg::new("value", raw)],
            )
        })
}

/// A whole number as a form field holds it (half- or full-width digits), or a 422 naming
/// the field; empty is none.
pub fn whole_number(field: &str, raw: &str) -> Result<Option<i64>, DomainError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let digits: Option<String> = raw
        .chars()
        .map(|c| digit_of(c).map(|d| char::from(b'0' + d)))
        .collect();
    digits
        .and_then(|d| d.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| {
            DomainError::invalid_keyed(
                field,
                "invalid_parameter",
                "grid_ledger.invalid.number",
                vec![Arg::new("field", field)],
            )
        })
}

/// A whole number in `lo..=hi`, or a 422 naming the field.
pub fn in_range(field: &str, value: i64, lo: i64, hi: i64) -> Result<i64, DomainError> {
    if (lo..=hi).contains(&value) {
        return Ok(value);
    }
    Err(DomainError::invalid_keyed(
        field,
        "out_of_range",
        "grid_ledger.invalid.range",
        vec![
            Arg::new("field", field),
            Arg::new("min", lo),
            Arg::new("max", hi),
        ],
    ))
}

/// A care tag to add, as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCareTag {
    pub kind: CareKind,
    pub basis: String,
    pub cadence_days: u32,
    pub helper: String,
    pub since: Option<NaiveDate>,
}

/// What a person writes to tag a resident, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CareTagDraft {
    pub kind: String,
    pub basis: String,
    /// None: the kind's default cadence.
    pub cadence_days: Option<i64>,
    pub helper: String,
    pub since: String,
}

impl CareTagDraft {
    /// Checks the draft: a known kind, no basis on a restricted kind (重点人员), a cadence
    /// of 1 to [`MAX_CADENCE_DAYS`] days (the kind's default when none is given).
    pub fn check(&self) -> Result<NewCareTag, DomainError> {
        let kind = parse_code("kind", &self.kind, CareKind::parse, CareKind::codes)?;
        let basis = self.basis.trim().to_string();
        if kind.restricted() && !basis.is_empty() {
            return Err(DomainError::invalid_keyed(
                "basis",
                "restricted_kind",
                "grid_ledger.invalid.restricted_basis",
                vec![Arg::by_lang("kind", kind.zh(), kind.as_str())],
            ));
        }
        let cadence = match self.cadence_days {
            Some(d) => in_range("cadence_days", d, 1, i64::from(MAX_CADENCE_DAYS))? as u32,
            None => kind.default_cadence_days(),
        };
        let helper = if kind.restricted() {
            String::new()
        } else {
            self.helper.trim().to_string()
        };
        Ok(NewCareTag {
            kind,
            basis,
            cadence_days: cadence,
            helper,
            since: date("since", &self.since)?,
        })
    }
}

/// A change to a household: each field given is set, the others stay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdEdit {
    pub room: Option<String>,
    pub head_name: Option<String>,
    pub head_phone: Option<String>,
    pub size: Option<i64>,
    pub tenure: Option<Tenure>,
    pub tenancy_from: Option<Option<NaiveDate>>,
    pub tenancy_until: Option<Option<NaiveDate>>,
    pub state: Option<Occupancy>,
}

/// What a person writes to change a household, before it is checked (None: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdDraft {
    pub room: Option<String>,
    pub head_name: Option<String>,
    pub head_phone: Option<String>,
    pub size: Option<i64>,
    pub tenure: Option<String>,
    pub tenancy_from: Option<String>,
    pub tenancy_until: Option<String>,
    pub state: Option<String>,
}

impl HouseholdDraft {
    pub fn check(&self) -> Result<HouseholdEdit, DomainError> {
        let room = self
            .room
            .as_deref()
            .map(|r| required("room", r))
            .transpose()?;
        let head_phone = self
            .head_phone
            .as_deref()
            .map(|p| phone("head_phone", p))
            .transpose()?;
        let size = self.size.map(|s| in_range("size", s, 0, 99)).transpose()?;
        let tenure = self
            .tenure
            .as_deref()
            .map(|t| parse_code("tenure", t, Tenure::parse, Tenure::codes))
            .transpose()?;
        let state = self
            .state
            .as_deref()
            .map(|s| parse_code("state", s, Occupancy::parse, Occupancy::codes))
            .transpose()?;
        let edit = HouseholdEdit {
            room,
            head_name: self.head_name.as_deref().map(|n| n.trim().to_string()),
            head_phone,
            size,
            tenure,
            tenancy_from: self
                .tenancy_from
                .as_deref()
                .map(|d| date("tenancy_from", d))
                .transpose()?,
            tenancy_until: self
                .tenancy_until
                .as_deref()
                .map(|d| date("tenancy_until", d))
                .transpose()?,
            state,
        };
        if edit.fields().is_empty() {
            return Err(nothing_to_change());
        }
        Ok(edit)
    }
}

impl HouseholdEdit {
    /// The fields this edit sets, by their stored names.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        let mut given = |set: bool, name| {
            if set {
                f.push(name)
            }
        };
        given(self.room.is_some(), "room");
        given(self.head_name.is_some(), "head_name");
        given(self.head_phone.is_some(), "head_phone");
        given(self.size.is_some(), "size");
        given(self.tenure.is_some(), "tenure");
        given(self.tenancy_from.is_some(), "tenancy_from");
        given(self.tenancy_until.is_some(), "tenancy_until");
        given(self.state.is_some(), "state");
        f
    }
}

/// Drops `value` when it says what is stored already.
fn drop_same<T>(value: &mut Option<T>, same: impl Fn(&T) -> bool) {
    if value.as_ref().is_some_and(same) {
        *value = None;
    }
}

/// Whether two phones are one number however they are written.
fn same_phone(written: &str, stored: &str) -> bool {
    written.trim() == stored.trim()
        || normalize_phone(written).is_some_and(|p| normalize_phone(stored) == Some(p))
}

impl HouseholdDraft {
    /// The draft without the fields that would set what `current` holds already: a form
    /// sends every field, and the audit should name only what changed.
    pub fn changes_from(mut self, current: &Household) -> HouseholdDraft {
        drop_same(&mut self.room, |v| v.trim() == current.room);
        drop_same(&mut self.head_name, |v| v.trim() == current.head_name);
        drop_same(&mut self.head_phone, |v| same_phone(v, &current.head_phone));
        drop_same(&mut self.size, |v| Some(*v) == current.size);
        drop_same(&mut self.tenure, |v| v.trim() == current.tenure.as_str());
        drop_same(&mut self.tenancy_from, |v| {
            date("tenancy_from", v).is_ok_and(|d| d == current.tenancy_from)
        });
        drop_same(&mut self.tenancy_until, |v| {
            date("tenancy_until", v).is_ok_and(|d| d == current.tenancy_until)
        });
        drop_same(&mut self.state, |v| v.trim() == current.state.as_str());
        self
    }
}

impl ResidentDraft {
    /// The draft without the fields that would set what `current` holds already.
    pub fn changes_from(mut self, current: &Resident) -> ResidentDraft {
        drop_same(&mut self.name, |v| v.trim() == current.name);
        drop_same(&mut self.phone, |v| same_phone(v, &current.phone));
        drop_same(&mut self.id_number, |v| {
            id_number(v).is_ok_and(|n| n == current.id_number)
        });
        drop_same(&mut self.birth_year, |v| Some(*v) == current.birth_year);
        drop_same(&mut self.gender, |v| {
            Some(v.trim()) == current.gender.map(|g| g.as_str())
        });
        drop_same(&mut self.relation, |v| v.trim() == current.relation);
        drop_same(&mut self.residence, |v| {
            v.trim() == current.residence.as_str()
        });
        drop_same(&mut self.occupation, |v| v.trim() == current.occupation);
        drop_same(&mut self.state, |v| v.trim() == current.state.as_str());
        self
    }
}

fn nothing_to_change() -> DomainError {
    DomainError::invalid_keyed(
        "body",
        "nothing_to_change",
        "grid_ledger.invalid.nothing_to_change",
        vec![],
    )
}

/// A change to a resident: each field given is set, the others stay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResidentEdit {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub birth_year: Option<i64>,
    pub gender: Option<Gender>,
    pub relation: Option<String>,
    pub residence: Option<Residence>,
    pub occupation: Option<String>,
    pub state: Option<ResidentState>,
}

/// What a person writes to change a resident, before it is checked (None: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResidentDraft {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub relation: Option<String>,
    pub residence: Option<String>,
    pub occupation: Option<String>,
    pub state: Option<String>,
}

impl ResidentDraft {
    pub fn check(&self) -> Result<ResidentEdit, DomainError> {
        let edit = ResidentEdit {
            name: self
                .name
                .as_deref()
                .map(|n| required("name", n))
                .transpose()?,
            phone: self
                .phone
                .as_deref()
                .map(|p| phone("phone", p))
                .transpose()?,
            id_number: self.id_number.as_deref().map(id_number).transpose()?,
            birth_year: self
                .birth_year
                .map(|y| in_range("birth_year", y, 1880, 2100))
                .transpose()?,
            gender: self
                .gender
                .as_deref()
                .map(|g| parse_code("gender", g, Gender::parse, Gender::codes))
                .transpose()?,
            relation: self.relation.as_deref().map(|r| r.trim().to_string()),
            residence: self
                .residence
                .as_deref()
                .map(|r| parse_code("residence", r, Residence::parse, Residence::codes))
                .transpose()?,
            occupation: self.occupation.as_deref().map(|o| o.trim().to_string()),
            state: self
                .state
                .as_deref()
                .map(|s| parse_code("state", s, ResidentState::parse, ResidentState::codes))
                .transpose()?,
        };
        if edit.fields().is_empty() {
            return Err(nothing_to_change());
        }
        Ok(edit)
    }
}

impl ResidentEdit {
    /// The fields this edit sets, by their stored names.
    pub fn fields(&self) -> Vec<&'static str> {
        let pairs = [
            (self.name.is_some(), "name"),
            (self.phone.is_some(), "phone"),
            (self.id_number.is_some(), "id_number"),
            (self.birth_year.is_some(), "birth_year"),
            (self.gender.is_some(), "gender"),
            (self.relation.is_some(), "relation"),
            (self.residence.is_some(), "residence"),
            (self.occupation.is_some(), "occupation"),
            (self.state.is_some(), "state"),
        ];
        pairs.into_iter().filter(|p| p.0).map(|p| p.1).collect()
    }
}

/// A post to fill, as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPost {
    pub post: PostKind,
    pub person_name: String,
    pub username: Option<String>,
    pub building_id: Option<BuildingId>,
    pub armband_no: String,
    pub board_phone: String,
    pub since: NaiveDate,
}

/// What a person writes to fill a post, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostDraft {
    pub post: String,
    pub person_name: String,
    pub username: Option<String>,
    pub building_id: Option<i64>,
    pub armband_no: String,
    pub board_phone: String,
    /// Empty: today (the caller's).
    pub since: String,
}

impl PostDraft {
    /// Checks the draft; `today` is the Shanghai day the caller gives.
    pub fn check(&self, today: NaiveDate) -> Result<NewPost, DomainError> {
        Ok(NewPost {
            post: parse_code("post", &self.post, PostKind::parse, PostKind::codes)?,
            person_name: required("person_name", &self.person_name)?,
            username: self
                .username
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_string),
            building_id: self.building_id.map(BuildingId),
            armband_no: self.armband_no.trim().to_string(),
            board_phone: phone("board_phone", &self.board_phone)?,
            since: date("since", &self.since)?.unwrap_or(today),
        })
    }
}

/// A place to register, as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlace {
    pub kind: PlaceKind,
    pub name: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub risk_level: RiskLevel,
}

/// What a person writes to register a place, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaceDraft {
    pub kind: String,
    pub name: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    /// Empty: low.
    pub risk_level: String,
}

impl PlaceDraft {
    pub fn check(&self) -> Result<NewPlace, DomainError> {
        let risk_level = match self.risk_level.trim() {
            "" => RiskLevel::Low,
            r => parse_code("risk_level", r, RiskLevel::parse, RiskLevel::codes)?,
        };
        Ok(NewPlace {
            kind: parse_code("kind", &self.kind, PlaceKind::parse, PlaceKind::codes)?,
            name: required("name", &self.name)?,
            address: self.address.trim().to_string(),
            contact_name: self.contact_name.trim().to_string(),
            contact_phone: phone("contact_phone", &self.contact_phone)?,
            risk_level,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: DomainError) -> String {
        e.field.unwrap_or_default()
    }

    #[test]
    fn id_numbers_are_checked_by_their_check_digit() {
        assert_eq!(
            id_number("11010519491231002X").as_deref(),
            Ok("11010519491231002X")
        );
        assert_eq!(
            id_number("110105 19491231 002x").as_deref(),
            Ok("11010519491231002X")
        );
        assert_eq!(
            id_number("１１０１０５１９４９１２３１００２Ｘ").as_deref(),
            Ok("11010519491231002X")
        );
        assert_eq!(id_number("").as_deref(), Ok(""));
        for bad in [
            "110105194912310021",
            "11010519491231002",
            "ABC",
            "410102900101123",
        ] {
            assert_eq!(field(id_number(bad).unwrap_err()), "id_number", "{bad}");
        }
    }

    #[test]
    fn a_key_person_tag_has_no_basis() {
        let draft = CareTagDraft {
            kind: "key_person".into(),
            basis: "某某事由".into(),
            ..Default::default()
        };
        assert_eq!(field(draft.check().unwrap_err()), "basis");
        let ok = CareTagDraft {
            kind: "key_person".into(),
            helper: "someone".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(ok.cadence_days, 7);
        assert!(ok.basis.is_empty() && ok.helper.is_empty());
    }

    #[test]
    fn cadence_defaults_by_kind_and_must_be_a_day_or_more() {
        let tag = |kind: &str, cadence| CareTagDraft {
            kind: kind.into(),
            cadence_days: cadence,
            ..Default::default()
        };
        assert_eq!(tag("living_alone", None).check().unwrap().cadence_days, 30);
        assert_eq!(tag("entitled", Some(14)).check().unwrap().cadence_days, 14);
        assert_eq!(
            field(tag("living_alone", Some(0)).check().unwrap_err()),
            "cadence_days"
        );
        assert_eq!(field(tag("lonely", None).check().unwrap_err()), "kind");
        assert!(
            CareKind::ALL
                .iter()
                .all(|k| k.default_cadence_days() <= ORDINARY_CADENCE_DAYS)
        );
    }

    #[test]
    fn household_edits_name_the_field_they_refuse() {
        let bad_tenure = HouseholdDraft {
            tenure: Some("squatted".into()),
            ..Default::default()
        };
        assert_eq!(field(bad_tenure.check().unwrap_err()), "tenure");
        let bad_phone = HouseholdDraft {
            head_phone: Some("12345".into()),
            ..Default::default()
        };
        assert_eq!(field(bad_phone.check().unwrap_err()), "head_phone");
        assert_eq!(
            field(HouseholdDraft::default().check().unwrap_err()),
            "body"
        );
        let ok = HouseholdDraft {
            tenure: Some("rented".into()),
            head_phone: Some("138 1234 5678".into()),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(ok.head_phone.as_deref(), Some("13812345678"));
        assert_eq!(ok.fields(), vec!["head_phone", "tenure"]);
    }

    #[test]
    fn a_form_changes_only_what_differs_from_the_record() {
        let current = Household {
            id: HouseholdId(1),
            building_id: BuildingId(1),
            unit_id: None,
            grid: "G".into(),
            room: "501".into(),
            head_name: "贺桂莲".into(),
            head_phone: "１３８ １２３４ ５６７８".into(),
            size: Some(2),
            tenure: Tenure::Owner,
            tenancy_from: None,
            tenancy_until: None,
            state: Occupancy::Occupied,
            last_visit_at: None,
        };
        let form = HouseholdDraft {
            head_name: Some("贺桂莲".into()),
            head_phone: Some("13812345678".into()),
            size: Some(3),
            tenure: Some("owner".into()),
            state: Some("occupied".into()),
            ..Default::default()
        };
        let changed = form.changes_from(&current);
        assert_eq!(changed.check().unwrap().fields(), vec!["size"]);
        let same = HouseholdDraft {
            size: Some(2),
            ..Default::default()
        };
        assert_eq!(
            field(same.changes_from(&current).check().unwrap_err()),
            "body"
        );
    }

    #[test]
    fn resident_edits_check_id_numbers_and_phones() {
        let r = |d: ResidentDraft| d.check().map_err(field);
        assert_eq!(
            r(ResidentDraft {
                id_number: Some("110105194912310021".into()),
                ..Default::default()
            }),
            Err("id_number".into())
        );
        assert_eq!(
            r(ResidentDraft {
                phone: Some("not a phone".into()),
                ..Default::default()
            }),
            Err("phone".into())
        );
        assert_eq!(
            r(ResidentDraft {
                name: Some("  ".into()),
                ..Default::default()
            }),
            Err("name".into())
        );
    }

    #[test]
    fn posts_and_places_are_checked() {
        let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let post = PostDraft {
            post: "grid_head".into(),
            person_name: "陈志超".into(),
            board_phone: "0371-66881234".into(),
            ..Default::default()
        }
        .check(today)
        .unwrap();
        assert_eq!(post.since, today);
        assert_eq!(post.post.zh(), "网格长");
        let bad = PostDraft {
            post: "chief".into(),
            person_name: "x".into(),
            ..Default::default()
        };
        assert_eq!(field(bad.check(today).unwrap_err()), "post");
        let place = PlaceDraft {
            kind: "shop".into(),
            name: "".into(),
            ..Default::default()
        };
        assert_eq!(field(place.check().unwrap_err()), "name");
    }
}
