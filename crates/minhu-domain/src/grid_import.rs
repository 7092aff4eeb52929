//! The shape of the grid base ledger (网格基础台账) as communities keep it in a workbook, and
//! the pure validation of its rows: one sheet per 楼栋 (buildings), 户 (households), 人
//! (residents) and 场所 (places), headers in Chinese (with a few aliases), numbers typed the
//! way people type them (full-width digits, spaces). A refused cell names its sheet's header
//! and a catalogue key (area `grid_import`) with the values the message fills in.
//!
//! A cell is either given (its column is in the sheet and the value is not masked) or not;
//! a value not given leaves what is stored alone, so a sheet without the ID column, or an
//! export's masked phones, never clears a stored value.

pub use crate::grid_ledger::CareKind;
use crate::org::{Level, Org};
use crate::privacy::{digit_of, is_number_separator, normalize_phone};

/// One sheet of the workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sheet {
    Buildings,
    Households,
    Residents,
    Places,
}

impl Sheet {
    /// In the order rows are written (a household needs its building, a resident their household).
    pub const ALL: [Sheet; 4] = [
        Sheet::Buildings,
        Sheet::Households,
        Sheet::Residents,
        Sheet::Places,
    ];

    /// The sheet's name in the workbook (as exported).
    pub fn zh(self) -> &'static str {
        match self {
            Sheet::Buildings => "楼栋",
            Sheet::Households => "户",
            Sheet::Residents => "人",
            Sheet::Places => "场所",
        }
    }

    /// The sheet a workbook's sheet name stands for (its name or an alias).
    pub fn parse(name: &str) -> Option<Sheet> {
        let n = name.trim();
        let n = n.strip_suffix("信息").unwrap_or(n);
        let n = n.strip_suffix("表").unwrap_or(n);
        match n {
            "楼栋" | "楼栋台账" | "建筑" | "buildings" => Some(Sheet::Buildings),
            "户" | "住户" | "户籍" | "户台账" | "households" => Some(Sheet::Households),
            "人" | "人口" | "居民" | "人员" | "residents" => Some(Sheet::Residents),
            "场所" | "单位" | "场所单位" | "places" => Some(Sheet::Places),
            _ => None,
        }
    }

    /// The sheet's columns, as exported (the first ones identify the row).
    pub fn columns(self) -> &'static [Column] {
        match self {
            Sheet::Buildings => BUILDING_COLUMNS,
            Sheet::Households => HOUSEHOLD_COLUMNS,
            Sheet::Residents => RESIDENT_COLUMNS,
            Sheet::Places => PLACE_COLUMNS,
        }
    }
}

/// A column of a sheet: the header as exported, the other headers read as it, and whether
/// a row needs it.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
    /// The privacy tier of what it holds.
    pub tier: Tier,
}

/// The privacy tier of a field of the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Public,
    /// Names, phones, rooms: masked until revealed with a purpose.
    Staff,
    /// ID numbers, care tags (PIPL art. 28): never in a default export.
    Sensitive,
}

const fn col(header: &'static str, aliases: &'static [&'static str], tier: Tier) -> Column {
    Column {
        header,
        aliases,
        required: false,
        tier,
    }
}

const fn key(header: &'static str, aliases: &'static [&'static str], tier: Tier) -> Column {
    Column {
        header,
        aliases,
        required: true,
        tier,
    }
}

pub const H_BUILDING: &str = "楼栋号";
pub const H_NAME: &str = "名称";
pub const H_GRID: &str = "网格";
pub const H_ADDRESS: &str = "地址";
pub const H_FLOORS: &str = "层数";
pub const H_BUILT: &str = "建成年份";
pub const H_UNIT: &str = "单元";
pub const H_ROOM: &str = "室号";
pub const H_HEAD: &str = "户主";
pub const H_PHONE: &str = "联系电话";
pub const H_SIZE: &str = "人口数";
pub const H_TENURE: &str = "居住类型";
pub const H_PERSON: &str = "姓名";
pub const H_RELATION: &str = "与户主关系";
pub const H_GENDER: &str = "性别";
pub const H_BIRTH: &str = "出生年份";
pub const H_ID: &str = "身份证号";
pub const H_RESIDENCE: &str = "户籍/流动";
pub const H_OCCUPATION: &str = "职业";
pub const H_CARE: &str = "关爱类别";
pub const H_KIND: &str = "类别";
pub const H_CONTACT: &str = "联系人";
pub const H_RISK: &str = "风险等级";

const BUILDING_ALIASES: &[&str] = &["楼号", "楼栋编号", "楼栋"];
const PHONE_ALIASES: &[&str] = &["电话", "手机", "手机号", "联系方式", "电话号码"];
const UNIT_ALIASES: &[&str] = &["单元号"];
const ROOM_ALIASES: &[&str] = &["房号", "门牌号", "室"];

const BUILDING_COLUMNS: &[Column] = &[
    key(H_BUILDING, BUILDING_ALIASES, Tier::Public),
    col(H_NAME, &["楼栋名称"], Tier::Public),
    key(H_GRID, &["所属网格", "网格编号"], Tier::Public),
    col(H_ADDRESS, &["楼栋地址"], Tier::Public),
    col(H_FLOORS, &["楼层数", "楼层"], Tier::Public),
    col(H_BUILT, &["建成年代", "建造年份", "建成时间"], Tier::Public),
];

const HOUSEHOLD_COLUMNS: &[Column] = &[
    key(H_BUILDING, BUILDING_ALIASES, Tier::Public),
    col(H_UNIT, UNIT_ALIASES, Tier::Public),
    key(H_ROOM, ROOM_ALIASES, Tier::Staff),
    col(H_HEAD, &["户主姓名"], Tier::Staff),
    col(H_PHONE, PHONE_ALIASES, Tier::Staff),
    col(H_SIZE, &["人数", "家庭人口", "人口"], Tier::Public),
    col(
        H_TENURE,
        &["居住性质", "房屋用途", "住房类型"],
        Tier::Public,
    ),
];

const RESIDENT_COLUMNS: &[Column] = &[
    key(H_BUILDING, BUILDING_ALIASES, Tier::Public),
    col(H_UNIT, UNIT_ALIASES, Tier::Public),
    key(H_ROOM, ROOM_ALIASES, Tier::Staff),
    key(H_PERSON, &["居民姓名", "人员姓名"], Tier::Staff),
    col(H_RELATION, &["关系", "与户主的关系"], Tier::Staff),
    col(H_GENDER, &[], Tier::Staff),
    col(H_BIRTH, &["出生年", "出生年度"], Tier::Staff),
    col(
        H_ID,
        &["身份证号码", "公民身份号码", "身份证"],
        Tier::Sensitive,
    ),
    col(H_PHONE, PHONE_ALIASES, Tier::Staff),
    col(
        H_RESIDENCE,
        &["户籍/流动人口", "人口类型", "户籍类型", "户籍"],
        Tier::Staff,
    ),
    col(H_OCCUPATION, &["工作单位/职业", "工作"], Tier::Staff),
    col(
        H_CARE,
        &["特殊人群", "关爱对象", "人群类别"],
        Tier::Sensitive,
    ),
];

const PLACE_COLUMNS: &[Column] = &[
    key(H_NAME, &["场所名称", "单位名称"], Tier::Public),
    key(H_KIND, &["类型", "场所类别", "场所类型"], Tier::Public),
    key(H_GRID, &["所属网格", "网格编号"], Tier::Public),
    col(H_ADDRESS, &["场所地址"], Tier::Public),
    col(H_CONTACT, &["负责人", "联系人姓名"], Tier::Staff),
    col(H_PHONE, PHONE_ALIASES, Tier::Staff),
    col(H_RISK, &["风险"], Tier::Public),
];

/// The column a sheet's header stands for (its header or an alias), if any.
pub fn column_of(sheet: Sheet, header: &str) -> Option<&'static Column> {
    let h = header.trim();
    sheet
        .columns()
        .iter()
        .find(|c| c.header == h || c.aliases.contains(&h))
}

/// Why a cell is refused: the header it sits under, a catalogue key and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

fn problem(field: &'static str, key: &'static str, args: &[(&'static str, &str)]) -> Problem {
    Problem {
        field,
        key,
        args: args.iter().map(|(k, v)| (*k, v.to_string())).collect(),
    }
}

/// The cells of one row, looked up by the column's header.
pub trait Cells {
    /// The cell under `header`: None when the sheet has no such column.
    fn cell(&self, header: &str) -> Option<&str>;
}

/// Digits as ASCII, spaces and separators inside numbers dropped, trimmed.
pub fn normalize_number(raw: &str) -> String {
    raw.trim()
        .chars()
        .filter(|c| !is_number_separator(*c) && !c.is_whitespace())
        .map(|c| digit_of(c).map(|d| char::from(b'0' + d)).unwrap_or(c))
        .collect()
}

/// Full-width digits and letters as ASCII (`１号楼` → `1号楼`), trimmed.
fn ascii_digits(raw: &str) -> String {
    raw.trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// A building's number as the ledger keys it: `1`, `１`, `1号楼`, `1栋` are all `1`.
pub fn building_number(raw: &str) -> String {
    strip_any(&ascii_digits(raw), &["号楼", "号", "栋", "幢", "楼"])
}

/// A unit's number: `2`, `２单元` are `2`.
pub fn unit_number(raw: &str) -> String {
    strip_any(&ascii_digits(raw), &["单元", "门"])
}

/// A room's number: `302`, `３０２室` are `302`.
pub fn room_number(raw: &str) -> String {
    strip_any(&ascii_digits(raw), &["室", "号", "户"])
}

fn strip_any(s: &str, suffixes: &[&str]) -> String {
    suffixes
        .iter()
        .find_map(|x| s.strip_suffix(x).filter(|r| !r.is_empty()))
        .unwrap_or(s)
        .to_string()
}

/// A cell an export masked (`138****5678`, `张*`): it stands for what is stored.
pub fn is_masked(s: &str) -> bool {
    s.contains('*') || s.contains('＊')
}

pub use crate::grid_ledger::{id_birth, id_check_char};

/// Checks an 18-character resident ID number (GB 11643): 17 digits, a date of birth, the
/// ISO 7064 MOD 11-2 check character. Full-width digits, spaces and a lower-case x are read.
pub fn id_number(raw: &str) -> Result<String, &'static str> {
    let s = normalize_number(raw).replace(['x', 'ｘ', 'Ｘ'], "X");
    let b = s.as_bytes();
    if b.len() != 18
        || !b[..17].iter().all(u8::is_ascii_digit)
        || !(b[17].is_ascii_digit() || b[17] == b'X')
    {
        return Err("grid_import.id_shape");
    }
    if id_birth(&s).is_none() {
        return Err("grid_import.id_birth");
    }
    if id_check_char(&s[..17]) != char::from(b[17]) {
        return Err("grid_import.id_check_digit");
    }
    Ok(s)
}

/// `male` or `female` from an ID number's 17th digit (odd is male).
pub fn id_gender(id: &str) -> Option<&'static str> {
    let d = id.as_bytes().get(16)?.wrapping_sub(b'0');
    (d < 10).then_some(if d % 2 == 1 { "male" } else { "female" })
}

/// The other names a care kind goes by in the sheets communities keep (besides its code
/// and its label, `CareKind::zh`).
const CARE_ALIASES: [(CareKind, &[&str]); 8] = [
    (CareKind::LivingAlone, &["独居", "独居老年人"]),
    (CareKind::EmptyNest, &["空巢", "空巢老年人"]),
    (CareKind::Disabled, &["残疾", "残障", "残障人士"]),
    (CareKind::Subsistence, &["低保", "最低生活保障"]),
    (CareKind::ExtremePoverty, &["特困", "特困供养", "五保"]),
    (CareKind::LeftBehindChild, &["留守"]),
    (CareKind::Entitled, &["优抚", "退役军人"]),
    (CareKind::KeyPerson, &[]),
];

/// The care kind a label (its code, its label or an alias) stands for.
pub fn care_kind(label: &str) -> Option<CareKind> {
    let l = label.trim();
    CareKind::parse(l).or_else(|| {
        CARE_ALIASES
            .iter()
            .find(|(k, aliases)| k.zh() == l || aliases.contains(&l))
            .map(|(k, _)| *k)
    })
}

/// A comma-separated list of care kinds (`独居老人,低保`, `、` and `；` too): the codes,
/// sorted and without repeats.
pub fn care_kinds(raw: &str) -> Result<Vec<&'static str>, Problem> {
    let mut out = Vec::new();
    for label in raw.split([',', '，', '、', ';', '；', '/', ' ', '\u{3000}']) {
        if label.trim().is_empty() {
            continue;
        }
        match care_kind(label) {
            Some(k) => out.push(k.as_str()),
            None => {
                let list: Vec<&str> = CareKind::ALL.iter().map(|k| k.zh()).collect();
                return Err(problem(
                    H_CARE,
                    "grid_import.bad_care_kind",
                    &[("value", label.trim()), ("list", &list.join("、"))],
                ));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// A coded choice read from its Chinese labels: (code, labels).
type Choice = (&'static str, &'static [&'static str]);

pub const TENURES: &[Choice] = &[
    ("owner", &["自住", "自有", "自住房"]),
    ("rented", &["出租", "租住", "出租房", "租赁"]),
    ("vacant", &["空置", "空房", "闲置"]),
    ("public_rental", &["公租房", "公租", "廉租房"]),
];
pub const GENDERS: &[Choice] = &[("male", &["男"]), ("female", &["女"])];
pub const RESIDENCES: &[Choice] = &[
    ("registered", &["户籍", "户籍人口", "常住", "本地"]),
    ("floating", &["流动", "流动人口", "外来", "暂住"]),
];
pub const RISKS: &[Choice] = &[
    ("low", &["低", "低风险", "一般"]),
    ("medium", &["中", "中风险", "较高"]),
    ("high", &["高", "高风险"]),
];

/// The code a cell's label stands for.
fn choice(field: &'static str, choices: &[Choice], raw: &str) -> Result<&'static str, Problem> {
    let v = raw.trim();
    choices
        .iter()
        .find(|(code, labels)| *code == v || labels.contains(&v))
        .map(|(code, _)| *code)
        .ok_or_else(|| {
            let list: Vec<&str> = choices.iter().map(|(_, l)| l[0]).collect();
            problem(
                field,
                "grid_import.bad_choice",
                &[("value", v), ("list", &list.join("、"))],
            )
        })
}

/// The first label of a code, as an export writes it.
pub fn label_of(choices: &[Choice], code: &str) -> &'static str {
    choices
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| l[0])
        .unwrap_or("")
}

/// The longest text a cell may hold (names, addresses, occupations).
pub const MAX_TEXT: usize = 200;

/// A text cell: None when not given; too long is refused.
fn text(cells: &dyn Cells, h: &'static str) -> Result<Option<String>, Problem> {
    let Some(v) = cells.cell(h) else {
        return Ok(None);
    };
    let v = v.trim();
    if v.chars().count() > MAX_TEXT {
        let max = MAX_TEXT.to_string();
        return Err(problem(h, "grid_import.too_long", &[("max", &max)]));
    }
    Ok(Some(v.to_string()))
}

/// A staff-tier text cell: a masked one is not given.
fn staff_text(cells: &dyn Cells, h: &'static str) -> Result<Option<String>, Problem> {
    Ok(text(cells, h)?.filter(|v| !is_masked(v)))
}

/// A required key cell, normalised; masked or empty is refused.
fn key_cell(
    cells: &dyn Cells,
    h: &'static str,
    norm: fn(&str) -> String,
) -> Result<String, Problem> {
    let v = text(cells, h)?.unwrap_or_default();
    if is_masked(&v) {
        return Err(problem(h, "grid_import.masked_key", &[]));
    }
    let v = norm(&v);
    if v.is_empty() {
        return Err(problem(h, "grid_import.missing", &[("field", h)]));
    }
    Ok(v)
}

/// An integer cell within `range`: Some(None) when given empty.
fn int(
    cells: &dyn Cells,
    h: &'static str,
    range: std::ops::RangeInclusive<i64>,
) -> Result<Option<Option<i64>>, Problem> {
    let Some(v) = cells.cell(h) else {
        return Ok(None);
    };
    let v = normalize_number(v);
    let v = v
        .trim_end_matches(['层', '年', '人', '口'])
        .trim_end_matches(".0");
    if v.is_empty() {
        return Ok(Some(None));
    }
    match v.parse::<i64>() {
        Ok(n) if range.contains(&n) => Ok(Some(Some(n))),
        _ => {
            let (lo, hi) = (range.start().to_string(), range.end().to_string());
            Err(problem(
                h,
                "grid_import.bad_integer",
                &[("value", v), ("min", &lo), ("max", &hi)],
            ))
        }
    }
}

/// A phone cell: None when not given or masked; empty clears; otherwise a phone number.
fn phone(cells: &dyn Cells, h: &'static str) -> Result<Option<String>, Problem> {
    let Some(v) = staff_text(cells, h)? else {
        return Ok(None);
    };
    if v.is_empty() {
        return Ok(Some(v));
    }
    normalize_phone(&v)
        .map(Some)
        .ok_or_else(|| problem(h, "grid_import.bad_phone", &[("value", &v)]))
}

/// A coded choice cell: None when not given, Some(None) when empty.
fn coded(
    cells: &dyn Cells,
    h: &'static str,
    choices: &[Choice],
) -> Result<Option<Option<&'static str>>, Problem> {
    match cells.cell(h).map(str::trim) {
        None => Ok(None),
        Some(v) if is_masked(v) => Ok(None),
        Some("") => Ok(Some(None)),
        Some(v) => Ok(Some(Some(choice(h, choices, v)?))),
    }
}

/// A 楼栋 row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildingRow {
    pub number: String,
    /// The grid as written (a code or a name); resolved by [`resolve_grid`].
    pub grid: String,
    pub name: Option<String>,
    pub address: Option<String>,
    pub floors: Option<Option<i64>>,
    pub built: Option<Option<i64>>,
}

/// A 楼栋 row's building number (read before the rest of the row).
pub fn building_key(cells: &dyn Cells) -> Result<String, Problem> {
    key_cell(cells, H_BUILDING, building_number)
}

pub fn building_row(cells: &dyn Cells) -> Result<BuildingRow, Problem> {
    Ok(BuildingRow {
        number: key_cell(cells, H_BUILDING, building_number)?,
        grid: key_cell(cells, H_GRID, |s| s.trim().to_string())?,
        name: text(cells, H_NAME)?,
        address: text(cells, H_ADDRESS)?,
        floors: int(cells, H_FLOORS, 1..=200)?,
        built: int(cells, H_BUILT, 1800..=2100)?,
    })
}

/// Where a household is: building number, unit (empty for none), room.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    pub building: String,
    pub unit: String,
    pub room: String,
}

/// Where a 户 or 人 row's household is (read before the rest of the row, so a row refused
/// for another cell still names its household).
pub fn address(cells: &dyn Cells) -> Result<Address, Problem> {
    Ok(Address {
        building: key_cell(cells, H_BUILDING, building_number)?,
        unit: match text(cells, H_UNIT)? {
            Some(u) if is_masked(&u) => return Err(problem(H_UNIT, "grid_import.masked_key", &[])),
            Some(u) => unit_number(&u),
            None => String::new(),
        },
        room: key_cell(cells, H_ROOM, room_number)?,
    })
}

/// A 户 row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRow {
    pub address: Address,
    pub head_name: Option<String>,
    pub head_phone: Option<String>,
    pub size: Option<Option<i64>>,
    pub tenure: Option<Option<&'static str>>,
}

pub fn household_row(cells: &dyn Cells) -> Result<HouseholdRow, Problem> {
    Ok(HouseholdRow {
        address: address(cells)?,
        head_name: staff_text(cells, H_HEAD)?,
        head_phone: phone(cells, H_PHONE)?,
        size: int(cells, H_SIZE, 0..=99)?,
        tenure: coded(cells, H_TENURE, TENURES)?,
    })
}

/// A 人 row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentRow {
    pub address: Address,
    pub name: String,
    pub relation: Option<String>,
    pub gender: Option<Option<&'static str>>,
    pub birth_year: Option<Option<i64>>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub residence: Option<Option<&'static str>>,
    pub occupation: Option<String>,
    /// Care kind codes, sorted.
    pub care: Option<Vec<&'static str>>,
}

pub fn resident_row(cells: &dyn Cells) -> Result<ResidentRow, Problem> {
    let address = address(cells)?;
    let name = key_cell(cells, H_PERSON, |s| s.trim().to_string())?;
    let id_number = match staff_text(cells, H_ID)? {
        Some(v) if v.is_empty() => Some(v),
        Some(v) => Some(id_number(&v).map_err(|k| problem(H_ID, k, &[]))?),
        None => None,
    };
    let mut row = ResidentRow {
        address,
        name,
        relation: staff_text(cells, H_RELATION)?,
        gender: coded(cells, H_GENDER, GENDERS)?,
        birth_year: int(cells, H_BIRTH, 1900..=2100)?,
        id_number,
        phone: phone(cells, H_PHONE)?,
        residence: coded(cells, H_RESIDENCE, RESIDENCES)?,
        occupation: staff_text(cells, H_OCCUPATION)?,
        care: match cells.cell(H_CARE) {
            Some(v) => Some(care_kinds(v)?),
            None => None,
        },
    };
    fill_from_id(&mut row)?;
    Ok(row)
}

/// Birth year and gender left empty are read from the ID number; given ones must agree.
fn fill_from_id(row: &mut ResidentRow) -> Result<(), Problem> {
    let Some(id) = row.id_number.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    let year = id_birth(id);
    match row.birth_year {
        Some(Some(y)) if Some(y) != year => {
            return Err(problem(H_BIRTH, "grid_import.birth_differs", &[]));
        }
        None | Some(None) => row.birth_year = Some(year),
        _ => {}
    }
    let gender = id_gender(id);
    match row.gender {
        Some(Some(g)) if Some(g) != gender => {
            return Err(problem(H_GENDER, "grid_import.gender_differs", &[]));
        }
        None | Some(None) => row.gender = Some(gender),
        _ => {}
    }
    Ok(())
}

/// A 场所 row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceRow {
    pub name: String,
    pub kind: String,
    pub grid: String,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub risk_level: Option<Option<&'static str>>,
}

pub fn place_row(cells: &dyn Cells) -> Result<PlaceRow, Problem> {
    Ok(PlaceRow {
        name: key_cell(cells, H_NAME, |s| s.trim().to_string())?,
        kind: key_cell(cells, H_KIND, |s| s.trim().to_string())?,
        grid: key_cell(cells, H_GRID, |s| s.trim().to_string())?,
        address: text(cells, H_ADDRESS)?,
        contact_name: staff_text(cells, H_CONTACT)?,
        contact_phone: phone(cells, H_PHONE)?,
        risk_level: coded(cells, H_RISK, RISKS)?,
    })
}

/// The grid a sheet names (its code, its name, or its code's last part such as `G01`): a
/// grid jurisdiction within `community`.
pub fn resolve_grid(org: &Org, community: &str, raw: &str) -> Result<String, Problem> {
    let v = ascii_digits(raw);
    let within = |code: &str| {
        org.jurisdiction(code)
            .filter(|j| j.level == Level::Grid)
            .map(|j| org.within(&j.code, community))
    };
    let local = format!("{community}-{v}");
    for code in [v.as_str(), local.as_str()] {
        match within(code) {
            Some(true) => return Ok(code.to_string()),
            Some(false) => {
                return Err(problem(
                    H_GRID,
                    "grid_import.grid_elsewhere",
                    &[("grid", &v), ("community", community)],
                ));
            }
            None => {}
        }
    }
    let by_name = org
        .jurisdictions()
        .find(|j| j.level == Level::Grid && j.name == v && org.within(&j.code, community));
    by_name
        .map(|j| j.code.clone())
        .ok_or_else(|| problem(H_GRID, "grid_import.unknown_grid", &[("grid", &v)]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Row(HashMap<&'static str, &'static str>);
    impl Cells for Row {
        fn cell(&self, h: &str) -> Option<&str> {
            self.0.get(h).copied()
        }
    }
    fn row(pairs: &[(&'static str, &'static str)]) -> Row {
        Row(pairs.iter().copied().collect())
    }

    #[test]
    fn id_numbers_are_checked_by_their_check_character() {
        let first = "11010519491231002";
        let good = format!("{first}{}", id_check_char(first));
        assert_eq!(good, "11010519491231002X");
        assert_eq!(id_number("11010519491231002x").unwrap(), good);
        assert_eq!(
            id_number("１１０１０５ １９４９ １２３１ ００２Ｘ").unwrap(),
            good
        );
        assert_eq!(
            id_number("110105194912310021"),
            Err("grid_import.id_check_digit")
        );
        assert_eq!(id_number("11010519491331002X"), Err("grid_import.id_birth"));
        assert_eq!(id_number("1101051949123100"), Err("grid_import.id_shape"));
        assert_eq!(id_birth(&good), Some(1949));
        assert_eq!(id_gender(&good), Some("female"));
    }

    #[test]
    fn numbers_and_keys_are_read_as_people_type_them() {
        assert_eq!(building_number("１２号楼"), "12");
        assert_eq!(building_number(" 3 "), "3");
        assert_eq!(unit_number("２单元"), "2");
        assert_eq!(room_number("３０２室"), "302");
        assert_eq!(normalize_number("138 1234 5678"), "13812345678");
    }

    #[test]
    fn a_resident_row_fills_birth_and_gender_from_the_id() {
        let r = resident_row(&row(&[
            (H_BUILDING, "1"),
            (H_ROOM, "101"),
            (H_PERSON, "王秀英"),
            (H_ID, "11010519491231002X"),
            (H_PHONE, "１３８ ００１３ ８０００"),
            (H_CARE, "独居老人，低保"),
            (H_BIRTH, ""),
        ]))
        .unwrap();
        assert_eq!(r.birth_year, Some(Some(1949)));
        assert_eq!(r.gender, Some(Some("female")));
        assert_eq!(r.phone.as_deref(), Some("13800138000"));
        assert_eq!(r.care, Some(vec!["living_alone", "subsistence"]));
        assert_eq!(r.relation, None, "a column not in the sheet is not given");
    }

    #[test]
    fn refusals_name_the_header_and_a_catalogue_key() {
        let bad = |pairs: &[(&'static str, &'static str)]| resident_row(&row(pairs)).unwrap_err();
        let base = [(H_BUILDING, "1"), (H_ROOM, "101"), (H_PERSON, "李四")];
        let with = |extra: (&'static str, &'static str)| {
            let mut v = base.to_vec();
            v.push(extra);
            v
        };
        assert_eq!(bad(&with((H_PHONE, "12345"))).key, "grid_import.bad_phone");
        assert_eq!(bad(&with((H_CARE, "富豪"))).field, H_CARE);
        assert_eq!(bad(&with((H_GENDER, "x"))).key, "grid_import.bad_choice");
        let no_room = bad(&[(H_BUILDING, "1"), (H_PERSON, "李四")]);
        assert_eq!(
            (no_room.field, no_room.key),
            (H_ROOM, "grid_import.missing")
        );
        let masked = bad(&[(H_BUILDING, "1"), (H_ROOM, "3**"), (H_PERSON, "李四")]);
        assert_eq!(masked.key, "grid_import.masked_key");
        // A masked phone is not given: the stored one stays.
        let r = resident_row(&row(&with((H_PHONE, "138****5678")))).unwrap();
        assert_eq!(r.phone, None);
    }

    #[test]
    fn every_key_used_is_in_the_catalogue() {
        for k in [
            "grid_import.id_shape",
            "grid_import.id_birth",
            "grid_import.id_check_digit",
            "grid_import.bad_care_kind",
            "grid_import.bad_choice",
            "grid_import.too_long",
            "grid_import.masked_key",
            "grid_import.missing",
            "grid_import.bad_integer",
            "grid_import.bad_phone",
            "grid_import.birth_differs",
            "grid_import.gender_differs",
            "grid_import.grid_elsewhere",
            "grid_import.unknown_grid",
        ] {
            assert!(crate::text::lookup(k).is_some(), "{k}");
        }
    }

    #[test]
    fn sheets_and_headers_have_aliases() {
        assert_eq!(Sheet::parse("人口信息"), Some(Sheet::Residents));
        assert_eq!(Sheet::parse("楼栋表"), Some(Sheet::Buildings));
        assert_eq!(
            column_of(Sheet::Households, "手机号").map(|c| c.header),
            Some(H_PHONE)
        );
    }
}
