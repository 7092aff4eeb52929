//! The demo organisation: 示范区 with three streets and their communities (德馨苑 with its 5
//! grids and 18 local units), the district departments, and the demo accounts.

use minhu_domain::org::{Jurisdiction, Level, Org, Role, Unit, UnitLevel};

pub const DISTRICT: &str = "SFQ";
pub const DEXINYUAN: &str = "DXY";
/// The district's office (区综合办公室): the unit the district admins act for.
pub const DISTRICT_OFFICE: &str = "ZHB";

fn j(code: &str, name: &str, level: Level, parent: Option<&str>) -> Jurisdiction {
    Jurisdiction {
        code: code.into(),
        name: name.into(),
        level,
        parent: parent.map(Into::into),
    }
}
fn u(code: &str, name: &str, level: UnitLevel, jurisdiction: &str) -> Unit {
    Unit {
        code: code.into(),
        name: name.into(),
        level,
        jurisdiction: jurisdiction.into(),
        office: false,
    }
}

/// A street: its code, its name and its communities (code, name, number of grids).
type Street = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, u32)],
);

/// Streets and their communities, with the number of grids each community has.
const STREETS: [Street; 3] = [
    (
        "YB",
        "应滨街道",
        &[
            ("DXY", "德馨苑社区", 5),
            ("YBSQ", "应滨社区", 4),
            ("HL", "华龙社区", 3),
        ],
    ),
    (
        "XY",
        "祥云街道",
        &[("XYSQ", "祥云社区", 4), ("LC", "绿城社区", 3)],
    ),
    (
        "SL",
        "胜利街道",
        &[("SLSQ", "胜利社区", 3), ("JH", "锦华社区", 3)],
    ),
];

/// The 18 units in 德馨苑's area (辖区企事业单位18家).
const DXY_UNITS: [(&str, &str); 18] = [
    ("DXY-WY", "德馨苑物业服务中心"),
    ("DXY-GZF", "德馨苑公租房管理站"),
    ("DXY-CD", "德馨苑电动车充电服务点"),
    ("DXY-LS", "鹏辉律师事务所（矛盾调解工作室）"),
    ("DXY-RZ", "德馨苑日间照料中心"),
    ("DXY-WS", "德馨苑社区卫生服务站"),
    ("DXY-YEY", "德馨苑幼儿园"),
    ("DXY-XX", "德馨苑小学"),
    ("DXY-JW", "德馨苑警务室"),
    ("DXY-BJ", "德馨苑保洁服务队"),
    ("DXY-LH", "德馨苑绿化养护队"),
    ("DXY-TC", "德馨苑停车场管理处"),
    ("DXY-KD", "德馨苑快递驿站"),
    ("DXY-CS", "德馨苑便民超市"),
    ("DXY-YH", "德馨苑银行便民网点"),
    ("DXY-DL", "德馨苑供电服务站"),
    ("DXY-SW", "德馨苑供水服务站"),
    ("DXY-RQ", "德馨苑燃气服务站"),
];

const DEPARTMENTS: [(&str, &str, UnitLevel); 14] = [
    ("ZHB", "区综合办公室", UnitLevel::District),
    ("CGJ", "区城管执法局", UnitLevel::District),
    ("ZJJ", "区住建局", UnitLevel::District),
    ("SZYL", "区市政园林局", UnitLevel::District),
    ("FGJ", "区发改局", UnitLevel::District),
    ("CZJ", "区财政局", UnitLevel::District),
    ("MZJ", "区民政局", UnitLevel::District),
    ("WJW", "区卫健委", UnitLevel::District),
    ("SCJ", "区市场监管局", UnitLevel::District),
    ("HBJ", "区生态环境分局", UnitLevel::District),
    ("JTJ", "区交通运输局", UnitLevel::District),
    ("FGZX", "市房管中心", UnitLevel::City),
    ("GDGS", "市供电公司", UnitLevel::City),
    ("GSGS", "市自来水公司", UnitLevel::City),
];

/// The demo organisation.
pub fn organisation() -> (Vec<Jurisdiction>, Vec<Unit>) {
    let mut js = vec![j(DISTRICT, "示范区", Level::District, None)];
    let mut us = Vec::new();
    for (scode, sname, communities) in STREETS {
        js.push(j(scode, sname, Level::Street, Some(DISTRICT)));
        us.push(u(
            scode,
            &format!("{sname}办事处"),
            UnitLevel::Street,
            scode,
        ));
        for (ccode, cname, grids) in communities {
            js.push(j(ccode, cname, Level::Community, Some(scode)));
            us.push(u(
                ccode,
                &format!("{cname}居委会"),
                UnitLevel::Community,
                ccode,
            ));
            for g in 1..=*grids {
                js.push(j(
                    &format!("{ccode}-G{g:02}"),
                    &format!("{cname}第{g}网格"),
                    Level::Grid,
                    Some(ccode),
                ));
            }
            if *ccode != DEXINYUAN {
                us.push(u(
                    &format!("{ccode}-WY"),
                    &format!("{cname}物业服务中心"),
                    UnitLevel::Community,
                    ccode,
                ));
            }
        }
    }
    for (code, name) in DXY_UNITS {
        us.push(u(code, name, UnitLevel::Community, DEXINYUAN));
    }
    for (code, name, level) in DEPARTMENTS {
        let mut unit = u(code, name, level, DISTRICT);
        unit.office = code == DISTRICT_OFFICE;
        us.push(unit);
    }
    (js, us)
}

/// Demo accounts: (username, display name, role, scope).
pub fn accounts(org: &Org) -> Vec<(String, String, Role, String)> {
    let mut a = vec![
        (
            "admin".to_string(),
            "区综合办管理员".to_string(),
            Role::DistrictAdmin,
            DISTRICT.to_string(),
        ),
        (
            "zhangzhan".to_string(),
            "张战（区综合办）".to_string(),
            Role::DistrictAdmin,
            DISTRICT.to_string(),
        ),
        (
            "auditor".to_string(),
            "审计查阅".to_string(),
            Role::Auditor,
            DISTRICT.to_string(),
        ),
    ];
    for (scode, sname, communities) in STREETS {
        a.push((
            format!("{}_street", scode.to_lowercase()),
            format!("{sname}工作人员"),
            Role::StreetStaff,
            scode.to_string(),
        ));
        for (ccode, cname, grids) in communities {
            a.push((
                format!("{}_staff", ccode.to_lowercase()),
                format!("{cname}工作人员"),
                Role::CommunityStaff,
                ccode.to_string(),
            ));
            for g in 1..=*grids {
                a.push((
                    format!("{}_g{g}", ccode.to_lowercase()),
                    format!("{cname}第{g}网格网格员"),
                    Role::GridWorker,
                    format!("{ccode}-G{g:02}"),
                ));
            }
        }
    }
    a.push((
        "chenzhichao".to_string(),
        "陈志超（德馨苑社区党支部书记）".to_string(),
        Role::CommunityStaff,
        DEXINYUAN.to_string(),
    ));
    // Community and street offices are worked by their staff; every other unit, the
    // district office included, has a handler of its own.
    for unit in org.units().filter(|u| {
        !matches!(u.level, UnitLevel::Street)
            && org
                .own_unit(&u.jurisdiction)
                .map(|o| o.code != u.code || u.office)
                .unwrap_or(true)
    }) {
        a.push((
            format!("h_{}", unit.code.to_lowercase().replace('-', "_")),
            format!("{}经办人", unit.name),
            Role::UnitHandler,
            unit.code.clone(),
        ));
    }
    a
}

/// All communities of the demo, in order.
pub(crate) fn communities() -> Vec<&'static str> {
    STREETS
        .iter()
        .flat_map(|(_, _, cs)| cs.iter().map(|(c, _, _)| *c))
        .collect()
}

/// The communities other than 德馨苑, in order.
pub(crate) fn others() -> Vec<&'static str> {
    communities()
        .into_iter()
        .filter(|c| *c != DEXINYUAN)
        .collect()
}
