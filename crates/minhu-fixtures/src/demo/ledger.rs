//! 德馨苑's grid base ledger (网格基础台账) as the community would keep it: an xlsx workbook
//! with sheets 楼栋, 户, 人 and 场所, in the seed's figures (14 buildings `德馨苑{n}号楼` in 5
//! grids, 1,528 households, about 300 a grid), and the same shape at any size for the
//! import benchmark. Deterministic (its own seeded generator). Every person is made up:
//! names drawn from common characters, mobile numbers, and ID numbers with a valid check
//! character on an unassigned area code (410999), so none is a real person's.

use minhu_domain::grid_import::id_check_char;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, XlsxError};

use super::org::DEXINYUAN;

/// The sheets' headers, as the import reads them.
const BUILDING_HEADERS: [&str; 6] = ["楼栋号", "名称", "网格", "地址", "层数", "建成年份"];
const HOUSEHOLD_HEADERS: [&str; 7] = [
    "楼栋号",
    "单元",
    "室号",
    "户主",
    "联系电话",
    "人口数",
    "居住类型",
];
const RESIDENT_HEADERS: [&str; 12] = [
    "楼栋号",
    "单元",
    "室号",
    "姓名",
    "与户主关系",
    "性别",
    "出生年份",
    "身份证号",
    "联系电话",
    "户籍/流动",
    "职业",
    "关爱类别",
];
const PLACE_HEADERS: [&str; 7] = [
    "名称",
    "类别",
    "网格",
    "地址",
    "联系人",
    "联系电话",
    "风险等级",
];

/// A sheet to write: its name, headers and rows.
type Sheet<'a> = (&'a str, &'a [&'a str], &'a Vec<Vec<String>>);

/// A generated ledger: each sheet's rows as text cells, in the headers' order.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub buildings: Vec<Vec<String>>,
    pub households: Vec<Vec<String>>,
    pub residents: Vec<Vec<String>>,
    pub places: Vec<Vec<String>>,
}

/// 德馨苑's buildings: (number, grid number, households). Buildings 1–3 in grid 1, 4–5 in
/// grid 2, 6–8 in grid 3, 9–11 in grid 4, 12–14 in grid 5 (as `places.rs` locates them);
/// 306 + 305 + 306 + 305 + 306 = 1,528 households.
const DXY_BUILDINGS: [(u32, u32, usize); 14] = [
    (1, 1, 102),
    (2, 1, 102),
    (3, 1, 102),
    (4, 2, 152),
    (5, 2, 153),
    (6, 3, 102),
    (7, 3, 102),
    (8, 3, 102),
    (9, 4, 101),
    (10, 4, 102),
    (11, 4, 102),
    (12, 5, 102),
    (13, 5, 102),
    (14, 5, 102),
];

/// 德馨苑's ledger (14 buildings, 1,528 households in grids DXY-G01…G05, their residents,
/// some care tags, its places).
pub fn dexinyuan_ledger() -> Ledger {
    let buildings: Vec<(String, String, String, usize)> = DXY_BUILDINGS
        .iter()
        .map(|(n, g, h)| {
            (
                n.to_string(),
                format!("德馨苑{n}号楼"),
                format!("{DEXINYUAN}-G{g:02}"),
                *h,
            )
        })
        .collect();
    let mut l = generate(&buildings, 2026);
    l.places = dxy_places();
    l
}

/// 德馨苑's ledger as xlsx bytes.
pub fn dexinyuan_ledger_xlsx() -> Vec<u8> {
    dexinyuan_ledger().xlsx().unwrap_or_default()
}

/// A ledger of `households` households for `community` (buildings of 120 households,
/// `{community}{n}号楼` numbered from 101 so they never meet the demo's own buildings 1–14,
/// spread over `grids` in blocks): the benchmark's street-sized file.
pub fn street_ledger(community: &str, grids: &[String], households: usize) -> Ledger {
    const PER_BUILDING: usize = 120;
    let n_buildings = households.div_ceil(PER_BUILDING).max(1);
    let per_grid = n_buildings.div_ceil(grids.len().max(1));
    let buildings: Vec<(String, String, String, usize)> = (0..n_buildings)
        .map(|i| {
            let left = households.saturating_sub(i * PER_BUILDING);
            let grid = grids.get(i / per_grid.max(1)).cloned().unwrap_or_default();
            (
                (i + 101).to_string(),
                format!("{community}{}号楼", i + 101),
                grid,
                left.min(PER_BUILDING),
            )
        })
        .collect();
    generate(&buildings, households as u64)
}

impl Ledger {
    /// The workbook: sheets 楼栋, 户, 人, 场所 (written row by row, in constant memory).
    pub fn xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut wb = Workbook::new();
        // A fixed creation time: the same ledger is the same bytes.
        let created = ExcelDateTime::from_ymd(2026, 1, 1)?;
        wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
        let sheets: [Sheet<'_>; 4] = [
            ("楼栋", &BUILDING_HEADERS, &self.buildings),
            ("户", &HOUSEHOLD_HEADERS, &self.households),
            ("人", &RESIDENT_HEADERS, &self.residents),
            ("场所", &PLACE_HEADERS, &self.places),
        ];
        for (name, headers, rows) in sheets {
            let ws = wb.add_worksheet_with_constant_memory()?;
            ws.set_name(name)?;
            for (c, h) in headers.iter().enumerate() {
                ws.write_string(0, c as u16, *h)?;
            }
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    if !v.is_empty() {
                        ws.write_string(r as u32 + 1, c as u16, v)?;
                    }
                }
            }
        }
        wb.save_to_buffer()
    }

    /// One sheet (楼栋, 户, 人 or 场所) as a UTF-8 CSV file.
    pub fn csv(&self, sheet: &str) -> String {
        let (headers, rows): (&[&str], &Vec<Vec<String>>) = match sheet {
            "楼栋" => (&BUILDING_HEADERS, &self.buildings),
            "户" => (&HOUSEHOLD_HEADERS, &self.households),
            "人" => (&RESIDENT_HEADERS, &self.residents),
            _ => (&PLACE_HEADERS, &self.places),
        };
        let mut out = headers.join(",");
        out.push('\n');
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| {
                    if c.contains([',', '"']) {
                        format!("\"{}\"", c.replace('"', "\"\""))
                    } else {
                        c.clone()
                    }
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }
}

/// A small deterministic generator (SplitMix64): the ledger is the same on every machine
/// and every version of the `rand` crate.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `per_mille` / 1000.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const SURNAMES: [&str; 30] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
];
const GIVEN: [&str; 40] = [
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "霞", "平", "刚", "桂", "兰", "红", "建", "华", "国", "玉", "梅", "志", "文",
    "海", "欣", "宇", "浩", "晨", "悦", "博", "琳",
];
const OCCUPATIONS: [&str; 10] = [
    "退休",
    "教师",
    "个体经营",
    "公司职员",
    "工人",
    "医生",
    "学生",
    "自由职业",
    "公务员",
    "务农",
];

/// A made-up name (two or three characters).
fn name(d: &mut Draw) -> String {
    let mut n = d.pick(&SURNAMES).to_string();
    n.push_str(d.pick(&GIVEN));
    if d.chance(600) {
        n.push_str(d.pick(&GIVEN));
    }
    n
}

/// A made-up mobile number.
fn mobile(d: &mut Draw) -> String {
    let second = ["3", "5", "7", "8", "9"][d.below(5) as usize];
    format!("1{second}{:09}", d.below(1_000_000_000))
}

/// A made-up ID number on the unassigned area code 410999, with a valid check character;
/// its 17th digit is odd for a man.
fn id_number(d: &mut Draw, year: u32, male: bool) -> String {
    let (m, day) = (1 + d.below(12), 1 + d.below(28));
    let sex = d.below(5) * 2 + u64::from(male);
    let first = format!("410999{year}{m:02}{day:02}{:02}{sex}", d.below(100));
    format!("{first}{}", id_check_char(&first))
}

/// One person of a household: (relation, male, birth year).
type Member = (&'static str, bool, u32);

/// Who lives in a household of `size` whose head was born in `head_year`.
fn members(d: &mut Draw, size: usize, head_year: u32) -> Vec<Member> {
    let head_male = d.chance(550);
    let mut m = vec![("户主", head_male, head_year)];
    if size >= 2 {
        m.push(("配偶", !head_male, head_year + d.below(5) as u32));
    }
    for i in 2..size {
        if i == 4 && head_year > 1965 {
            m.push(("父母", d.chance(500), head_year - 26 - d.below(5) as u32));
        } else if head_year < 1965 && i >= 3 {
            m.push((
                "孙子女",
                d.chance(500),
                (head_year + 50 + d.below(10) as u32).min(2024),
            ));
        } else {
            m.push((
                "子女",
                d.chance(500),
                (head_year + 24 + d.below(10) as u32).min(2024),
            ));
        }
    }
    m
}

/// The ledger of the given buildings: (number, name, grid, households).
fn generate(buildings: &[(String, String, String, usize)], seed: u64) -> Ledger {
    let mut d = Draw(seed);
    let mut l = Ledger::default();
    for (number, bname, grid, households) in buildings {
        let units = 3usize;
        let per_floor = 2usize;
        let floors = households.div_ceil(units * per_floor).max(1);
        let built = 1995 + d.below(20);
        l.buildings.push(vec![
            number.clone(),
            bname.clone(),
            grid.clone(),
            bname.clone(),
            floors.to_string(),
            built.to_string(),
        ]);
        for k in 0..*households {
            let unit = k / (floors * per_floor) + 1;
            let within = k % (floors * per_floor);
            let room = format!("{}{:02}", within / per_floor + 1, within % per_floor + 1);
            household(&mut d, &mut l, number, &unit.to_string(), &room);
        }
    }
    l
}

/// One household and its residents.
fn household(d: &mut Draw, l: &mut Ledger, building: &str, unit: &str, room: &str) {
    let tenure = match d.below(100) {
        0..=69 => "自住",
        70..=87 => "出租",
        88..=92 => "空置",
        _ => "公租房",
    };
    let size = if tenure == "空置" {
        0
    } else {
        [1, 2, 2, 3, 3, 3, 4, 4, 5][d.below(9) as usize]
    };
    let head_year = 1938 + d.below(52) as u32;
    let people = members(d, size, head_year);
    let mut names: Vec<String> = Vec::new();
    for _ in &people {
        let mut n = name(d);
        while names.contains(&n) {
            n = name(d);
        }
        names.push(n);
    }
    let head_phone = if size == 0 { String::new() } else { mobile(d) };
    l.households.push(vec![
        building.into(),
        unit.into(),
        room.into(),
        names.first().cloned().unwrap_or_default(),
        head_phone.clone(),
        size.to_string(),
        tenure.into(),
    ]);
    let floating = tenure == "出租" && d.chance(700);
    let hardship = d.chance(25);
    for (i, ((relation, male, year), n)) in people.iter().zip(&names).enumerate() {
        let care = care_tags(d, size, *year, i == 0 && hardship, relation);
        let phone = if i == 0 {
            head_phone.clone()
        } else if *year < 2008 {
            mobile(d)
        } else {
            String::new()
        };
        l.residents.push(vec![
            building.into(),
            unit.into(),
            room.into(),
            n.clone(),
            (*relation).into(),
            if *male { "男" } else { "女" }.into(),
            year.to_string(),
            id_number(d, *year, *male),
            phone,
            if floating { "流动" } else { "户籍" }.into(),
            if *year > 2006 {
                "学生"
            } else if *year < 1962 {
                "退休"
            } else {
                d.pick(&OCCUPATIONS)
            }
            .into(),
            care,
        ]);
    }
}

/// A person's care tags: an elderly person alone is 独居老人, an elderly couple alone 空巢;
/// some hardship heads 低保 (a few 特困), a few 残疾 and 优抚, some children 留守儿童.
fn care_tags(d: &mut Draw, size: usize, year: u32, hardship: bool, relation: &str) -> String {
    let mut tags: Vec<&str> = Vec::new();
    if size == 1 && year < 1961 {
        tags.push("独居老人");
    }
    if size == 2 && year < 1961 && matches!(relation, "户主" | "配偶") {
        tags.push("空巢");
    }
    if hardship {
        tags.push(if d.chance(150) { "特困" } else { "低保" });
    }
    if d.chance(15) {
        tags.push("残疾");
    }
    if d.chance(8) && year < 1990 {
        tags.push("优抚");
    }
    if year > 2010 && relation == "孙子女" && d.chance(300) {
        tags.push("留守儿童");
    }
    tags.join(",")
}

/// 德馨苑's places: shops, firms, the school and kindergarten, 九小场所 and a rented block.
fn dxy_places() -> Vec<Vec<String>> {
    const PLACES: [(&str, &str, u32, &str); 16] = [
        ("德馨苑便民超市", "商铺", 1, "中"),
        ("德馨苑快递驿站", "商铺", 1, "低"),
        ("鑫源小吃店", "九小场所", 1, "中"),
        ("德馨苑日间照料中心", "社会组织", 2, "低"),
        ("德馨苑社区卫生服务站", "企业", 2, "低"),
        ("德馨苑幼儿园", "学校", 2, "中"),
        ("德馨苑小学", "学校", 3, "中"),
        ("德馨苑电动车充电服务点", "九小场所", 3, "高"),
        ("利民理发店", "九小场所", 3, "低"),
        ("德馨苑停车场管理处", "企业", 4, "低"),
        ("鹏辉律师事务所", "企业", 4, "低"),
        ("德馨苑物业服务中心", "企业", 4, "低"),
        ("康乐棋牌室", "九小场所", 5, "中"),
        ("德馨苑14号楼群租房", "出租屋", 5, "高"),
        ("德馨苑燃气服务站", "企业", 5, "中"),
        ("德馨苑银行便民网点", "企业", 5, "低"),
    ];
    let mut d = Draw(13);
    PLACES
        .iter()
        .map(|(n, kind, g, risk)| {
            vec![
                (*n).into(),
                (*kind).into(),
                format!("{DEXINYUAN}-G{g:02}"),
                format!("德馨苑小区{g}区"),
                name(&mut d),
                mobile(&mut d),
                (*risk).into(),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dexinyuan_has_the_seed_figures() {
        let l = dexinyuan_ledger();
        assert_eq!(l.buildings.len(), 14);
        assert_eq!(l.households.len(), 1528);
        for g in 1..=5 {
            let grid = format!("DXY-G{g:02}");
            let buildings: Vec<&String> = l
                .buildings
                .iter()
                .filter(|b| b[2] == grid)
                .map(|b| &b[0])
                .collect();
            let n = l
                .households
                .iter()
                .filter(|h| buildings.contains(&&h[0]))
                .count();
            assert!((300..=310).contains(&n), "{grid}: {n}");
        }
        assert!(l.residents.iter().any(|r| r[11].contains("独居老人")));
        assert!(l.residents.iter().any(|r| r[11].contains("低保")));
        for r in &l.residents {
            let id = &r[7];
            assert!(minhu_domain::grid_import::id_number(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn the_ledger_is_the_same_every_time() {
        assert_eq!(dexinyuan_ledger_xlsx(), dexinyuan_ledger_xlsx());
        let street = street_ledger("DXY", &["DXY-G01".into(), "DXY-G02".into()], 1000);
        assert_eq!(street.households.len(), 1000);
    }
}
