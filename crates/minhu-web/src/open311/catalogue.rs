//! The demo deployment's service catalogue: the 7 accepted classes (应受理事项7大类) with
//! the services under them (their label paths are the categories the demo history uses),
//! and the 38 便民服务事项 of the government service platform. Data, loaded into the
//! `categories` table; a deployment loads its own.

use minhu_store::Store;
use minhu_store::open311::Category;
use serde_json::{Value, json};

/// The 7 accepted classes: (code, name, description).
const CLASSES: [(&str, &str, &str); 7] = [
    (
        "CS",
        "市容环境",
        "环境卫生、垃圾清运、绿化、占道经营、违章搭建等市容环境问题",
    ),
    (
        "SZ",
        "市政设施",
        "路灯、道路、井盖、排水等市政公用设施的损坏与维护",
    ),
    (
        "WY",
        "物业与住房",
        "物业服务、楼道设施、电梯、房屋维修与公租房",
    ),
    (
        "ZA",
        "社会治安与矛盾纠纷",
        "噪音扰民、停车秩序、邻里纠纷等治安与矛盾调解事项",
    ),
    (
        "MS",
        "民生保障与公共服务",
        "养老助餐、充电设施、医疗卫生、教育等公共服务",
    ),
    ("GY", "供水供电供气", "停水停电、水压、燃气等公用事业问题"),
    (
        "SQ",
        "社区服务与意见建议",
        "社区活动场地、服务评价、表扬与其他意见建议",
    ),
];

fn attr(
    order: u32,
    code: &str,
    datatype: &str,
    required: bool,
    description: &str,
    help: &str,
    values: &[(&str, &str)],
) -> Value {
    json!({
        "variable": true,
        "code": code,
        "datatype": datatype,
        "required": required,
        "datatype_description": help,
        "order": order,
        "description": description,
        "values": values.iter().map(|(k, n)| json!({"key": k, "name": n})).collect::<Vec<_>>(),
    })
}

/// Services under the classes: (code, class, name, label path, keywords, attributes).
#[allow(clippy::type_complexity)]
fn services() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    Value,
)> {
    vec![
        (
            "SZ-LD",
            "SZ",
            "路灯不亮或损坏",
            Some("市政设施/照明/路灯"),
            "路灯,照明,灯杆",
            json!([
                attr(
                    1,
                    "lamp_no",
                    "string",
                    false,
                    "灯杆编号（灯杆上的喷涂编号）",
                    "如 DXY-023",
                    &[]
                ),
                attr(
                    2,
                    "fault",
                    "singlevaluelist",
                    true,
                    "故障情况",
                    "请选择一项",
                    &[
                        ("dark", "不亮"),
                        ("flicker", "闪烁"),
                        ("damaged", "灯杆或灯罩损坏")
                    ]
                ),
            ]),
        ),
        (
            "SZ-PS",
            "SZ",
            "下水道堵塞或外溢",
            Some("市政设施/排水/下水道"),
            "下水道,排水,污水",
            json!([]),
        ),
        (
            "SZ-JG",
            "SZ",
            "井盖缺失或破损",
            Some("市政设施/道路/井盖"),
            "井盖,窨井,道路",
            json!([]),
        ),
        (
            "CS-LJ",
            "CS",
            "生活垃圾未及时清运",
            Some("环境卫生/垃圾清运/生活垃圾"),
            "垃圾,清运,垃圾桶",
            json!([]),
        ),
        (
            "CS-ZD",
            "CS",
            "占道经营与流动摊贩",
            Some("市容环境/占道经营/流动摊贩"),
            "摊贩,占道",
            json!([]),
        ),
        (
            "CS-WJ",
            "CS",
            "私搭乱建",
            Some("城乡建设/违章搭建/私搭乱建"),
            "违建,搭建",
            json!([]),
        ),
        (
            "CS-LH",
            "CS",
            "树木修剪与绿化养护",
            Some("环境卫生/绿化/树木修剪"),
            "树木,绿化,修剪",
            json!([]),
        ),
        (
            "WY-LD",
            "WY",
            "楼道公共设施损坏",
            Some("物业管理/公共设施/楼道"),
            "楼道,声控灯,扶手",
            json!([]),
        ),
        (
            "WY-LS",
            "WY",
            "房屋漏水",
            Some("物业管理/房屋维修/漏水"),
            "漏水,渗水,维修",
            json!([]),
        ),
        (
            "WY-DT",
            "WY",
            "电梯故障",
            Some("物业管理/电梯/故障"),
            "电梯,困人",
            json!([attr(
                1,
                "building",
                "string",
                true,
                "楼栋号",
                "如 3号楼",
                &[]
            )]),
        ),
        (
            "ZA-ZY",
            "ZA",
            "夜间施工与噪音扰民",
            Some("社会治安/噪音/夜间施工"),
            "噪音,施工,扰民",
            json!([
                attr(
                    1,
                    "periods",
                    "multivaluelist",
                    true,
                    "噪音出现的时段（可多选）",
                    "可选多项",
                    &[
                        ("evening", "傍晚 18-22时"),
                        ("night", "夜间 22-6时"),
                        ("weekend", "周末全天")
                    ]
                ),
                attr(
                    2,
                    "since",
                    "datetime",
                    false,
                    "开始时间",
                    "ISO 8601，含时区",
                    &[]
                ),
            ]),
        ),
        (
            "ZA-TC",
            "ZA",
            "乱停车",
            Some("交通出行/停车/乱停车"),
            "停车,占道,消防通道",
            json!([]),
        ),
        (
            "MS-ZC",
            "MS",
            "老年助餐服务",
            Some("公共服务/养老服务/助餐"),
            "助餐,养老,老年食堂",
            json!([]),
        ),
        (
            "MS-CD",
            "MS",
            "电动车充电设施",
            Some("公共服务/充电设施/电动车充电"),
            "电动车,充电,飞线",
            json!([attr(
                1,
                "sockets",
                "number",
                false,
                "需要的充电口数量",
                "整数",
                &[]
            )]),
        ),
        (
            "GY-TS",
            "GY",
            "停水或水压低",
            Some("供水供电/停水/水压低"),
            "停水,水压,供水",
            json!([]),
        ),
        (
            "SQ-CD",
            "SQ",
            "文体活动场地",
            Some("社区服务/文体活动/场地"),
            "场地,活动室,健身",
            json!([]),
        ),
        (
            "SQ-BY",
            "SQ",
            "表扬工作人员",
            Some("社区服务/表扬/工作人员"),
            "表扬,感谢",
            json!([]),
        ),
        ("SQ-QT", "SQ", "其他事项", None, "其他", json!([])),
    ]
}

/// The 38 便民服务事项 entered on the government service platform (seed: 38项便民事项).
const CONVENIENCE: [&str; 38] = [
    "居住证办理咨询",
    "户籍迁移咨询",
    "社会保障卡申领",
    "城乡居民医保参保登记",
    "城乡居民养老保险缴费",
    "高龄津贴申领",
    "残疾人证办理",
    "最低生活保障申请",
    "临时救助申请",
    "生育登记",
    "就业失业登记",
    "灵活就业社保补贴申领",
    "退役军人优待证申领",
    "老年人优待证办理",
    "公租房申请",
    "公租房租金缴纳",
    "住宅专项维修资金查询",
    "新生儿落户",
    "无犯罪记录证明咨询",
    "居民身份证办理咨询",
    "婚姻登记预约",
    "惠民殡葬补贴申领",
    "独生子女父母奖励申领",
    "特困人员救助供养申请",
    "困难残疾人生活补贴申领",
    "重度残疾人护理补贴申领",
    "门诊慢特病待遇申报",
    "医保异地就医备案",
    "职工退休资格认证",
    "义务教育入学咨询",
    "助学金申请",
    "法律援助申请",
    "人民调解申请",
    "电动自行车登记上牌",
    "健康证办理咨询",
    "食品经营许可咨询",
    "个体工商户登记",
    "居住证明开具",
];

/// The demo catalogue, parents first.
pub fn demo_catalogue() -> Vec<Category> {
    let mut out = Vec::new();
    for (code, name, description) in CLASSES {
        out.push(Category {
            code: code.into(),
            name: name.into(),
            parent: None,
            group: name.into(),
            description: description.into(),
            keywords: String::new(),
            path: None,
            service_type: "realtime".into(),
            attributes: json!([]),
            active: true,
        });
    }
    let class_name = |c: &str| {
        CLASSES
            .iter()
            .find(|(code, ..)| *code == c)
            .map(|(_, n, _)| n.to_string())
            .unwrap_or_default()
    };
    for (code, class, name, path, keywords, attributes) in services() {
        out.push(Category {
            code: code.into(),
            name: name.into(),
            parent: Some(class.into()),
            group: class_name(class),
            description: format!("{}：{name}", class_name(class)),
            keywords: keywords.into(),
            path: path.map(Into::into),
            service_type: "realtime".into(),
            attributes,
            active: true,
        });
    }
    out.push(Category {
        code: "BM".into(),
        name: "便民服务事项".into(),
        parent: None,
        group: "便民服务事项".into(),
        description: "互联网+政务服务平台录入的便民服务事项，经政务服务平台办理".into(),
        keywords: String::new(),
        path: None,
        service_type: "batch".into(),
        attributes: json!([]),
        active: true,
    });
    for (i, name) in CONVENIENCE.iter().enumerate() {
        out.push(Category {
            code: format!("BM-{:02}", i + 1),
            name: (*name).into(),
            parent: Some("BM".into()),
            group: "便民服务事项".into(),
            description: format!("便民服务事项：{name}（经政务服务平台办理，先返回受理凭据）"),
            keywords: "便民服务,政务服务".into(),
            path: None,
            service_type: "batch".into(),
            attributes: json!([]),
            active: true,
        });
    }
    out
}

/// Loads the demo catalogue (called by the demo loader).
pub async fn seed_demo(store: &Store) -> Result<(), String> {
    store
        .upsert_categories(&demo_catalogue())
        .await
        .map_err(|e| e.to_string())
}
