//! The kinds of problem residents raise in the demo, with who handles each and how it ends,
//! and the (generated) names of the residents who raise them.

use minhu_domain::request::RequestType;

/// A kind of problem residents raise, with who handles it and how it ends.
pub(crate) struct Topic {
    pub(crate) category: &'static str,
    pub(crate) kind: RequestType,
    /// Unit code; `*` stands for the community's own property company, `=` for the community office.
    pub(crate) unit: &'static str,
    pub(crate) subject: &'static str,
    pub(crate) content: &'static str,
    pub(crate) measures: &'static str,
    pub(crate) reply: &'static str,
}

pub(crate) const TOPICS: &[Topic] = &[
    Topic {
        category: "市政设施/照明/路灯",
        kind: RequestType::Complaint,
        unit: "SZYL",
        subject: "小区门口路灯不亮",
        content: "{b}号楼前面和小区门口的路灯坏了快一个星期了，晚上很黑，老人出门不方便，希望尽快修好。",
        measures: "更换损坏灯具2盏，检修线路",
        reply: "已更换损坏路灯并检修线路，现已恢复照明。",
    },
    Topic {
        category: "环境卫生/垃圾清运/生活垃圾",
        kind: RequestType::Complaint,
        unit: "*",
        subject: "垃圾清运不及时",
        content: "{b}号楼旁边的垃圾桶已经满了两天没人清运，天热有异味，招苍蝇。",
        measures: "增加清运频次为每日两次",
        reply: "已安排清运，并将该点位清运频次调整为每日两次。",
    },
    Topic {
        category: "物业管理/公共设施/楼道",
        kind: RequestType::Help,
        unit: "*",
        subject: "楼道堆放杂物",
        content: "{b}号楼{u}单元楼道里堆放了很多纸箱和旧家具，存在消防隐患，希望物业清理。",
        measures: "清理楼道杂物，张贴消防提示",
        reply: "物业已清理楼道堆放物，并在各单元张贴消防安全提示。",
    },
    Topic {
        category: "物业管理/房屋维修/漏水",
        kind: RequestType::Help,
        unit: "DXY-GZF",
        subject: "顶楼房屋漏水",
        content: "我家住{b}号楼顶层，下雨天屋顶漏水，墙面发霉，请公租房管理部门维修。",
        measures: "对屋面防水层进行修补",
        reply: "已对屋面进行防水修补，经雨天观察无渗漏。",
    },
    Topic {
        category: "市容环境/占道经营/流动摊贩",
        kind: RequestType::Report,
        unit: "CGJ",
        subject: "小区门口占道经营",
        content: "小区南门每天傍晚有很多流动摊贩占道经营，堵塞通道，车辆进出困难。",
        measures: "城管执法队员劝离并设置临时疏导点",
        reply: "已对占道摊贩进行劝导，并在附近设置便民疏导点。",
    },
    Topic {
        category: "社会治安/噪音/夜间施工",
        kind: RequestType::Complaint,
        unit: "HBJ",
        subject: "夜间施工噪音扰民",
        content: "附近工地晚上十一点以后还在施工，噪音很大，影响休息，孩子第二天还要上学。",
        measures: "责令施工单位停止夜间施工",
        reply: "已责令施工单位严格遵守施工时间，夜间不再施工。",
    },
    Topic {
        category: "交通出行/停车/乱停车",
        kind: RequestType::Complaint,
        unit: "DXY-TC",
        subject: "消防通道被占用",
        content: "{b}号楼前的消防通道经常被私家车占用，万一发生火灾消防车进不来。",
        measures: "施划禁停标线，安装提示牌",
        reply: "已施划消防通道禁停标线并安装提示牌，安排专人巡查。",
    },
    Topic {
        category: "市政设施/排水/下水道",
        kind: RequestType::Help,
        unit: "*",
        subject: "下水道堵塞返水",
        content: "{b}号楼{u}单元一楼下水道堵塞，污水返到家里，请尽快疏通。",
        measures: "疏通下水管道",
        reply: "已疏通下水管道，排水恢复正常。",
    },
    Topic {
        category: "公共服务/养老服务/助餐",
        kind: RequestType::Consult,
        unit: "=",
        subject: "老年助餐怎么办理",
        content: "我家老人80岁了，想问问社区日间照料中心的助餐服务怎么报名，收费多少。",
        measures: "电话告知报名方式和收费标准",
        reply: "已告知老人助餐服务的报名地点、时间和收费标准。",
    },
    Topic {
        category: "供水供电/停水/水压低",
        kind: RequestType::Help,
        unit: "GSGS",
        subject: "高层水压不足",
        content: "{b}号楼高层住户用水水压很低，早晚用水高峰基本没水。",
        measures: "调整二次供水加压设备",
        reply: "已调整二次供水加压设备参数，高层水压恢复正常。",
    },
    Topic {
        category: "城乡建设/违章搭建/私搭乱建",
        kind: RequestType::Report,
        unit: "CGJ",
        subject: "一楼私搭乱建",
        content: "{b}号楼一楼住户在绿地上私自搭建棚子，占用公共绿地。",
        measures: "依法拆除违章搭建",
        reply: "经核实属违章搭建，已依法责令拆除并恢复绿地。",
    },
    Topic {
        category: "物业管理/电梯/故障",
        kind: RequestType::Complaint,
        unit: "*",
        subject: "电梯经常故障",
        content: "{b}号楼{u}单元的电梯这个月已经停了三次，老人上下楼很困难。",
        measures: "电梯维保单位全面检修并更换部件",
        reply: "已组织维保单位全面检修，更换了门机部件，电梯运行正常。",
    },
    Topic {
        category: "市政设施/道路/井盖",
        kind: RequestType::Report,
        unit: "SZYL",
        subject: "井盖破损",
        content: "小区东侧道路上有一个井盖破损下陷，晚上看不清，容易绊倒人。",
        measures: "更换井盖并设置警示",
        reply: "已更换破损井盖。",
    },
    Topic {
        category: "环境卫生/绿化/树木修剪",
        kind: RequestType::Suggestion,
        unit: "*",
        subject: "树木遮挡采光",
        content: "{b}号楼南侧的树长得太高，遮挡低层住户采光，建议修剪。",
        measures: "对树木进行修剪",
        reply: "已安排绿化养护人员对树木进行修剪。",
    },
    Topic {
        category: "社区服务/文体活动/场地",
        kind: RequestType::Suggestion,
        unit: "=",
        subject: "建议增加健身器材",
        content: "小区中心广场人多，健身器材太少，建议再增加一些适合老人的器材。",
        measures: "新增健身器材6件",
        reply: "已在中心广场新增适老健身器材6件。",
    },
    Topic {
        category: "社区服务/表扬/工作人员",
        kind: RequestType::Praise,
        unit: "=",
        subject: "表扬网格员",
        content: "感谢网格员小王，帮助我们独居老人办理了医保，还经常上门看望。",
        measures: "转达表扬",
        reply: "感谢您的肯定，已将表扬转达给网格员本人。",
    },
];

/// Chinese names for demo requesters (generated, not real people).
pub(crate) const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
pub(crate) const GIVEN: [&str; 20] = [
    "秀英", "建国", "丽华", "志强", "桂芳", "文军", "淑珍", "海燕", "国庆", "玉兰", "卫东", "红梅",
    "春生", "俊杰", "小燕", "德明", "凤英", "新华", "雪梅", "永福",
];

impl Topic {
    /// Whether a unit of 德馨苑 or a district department handles it (not a community's own
    /// office or property company).
    pub(crate) fn named_unit(&self) -> bool {
        self.unit.starts_with(char::is_uppercase)
    }
    /// Whether one of 德馨苑's own units handles it.
    pub(crate) fn dexinyuan_unit(&self) -> bool {
        self.unit.starts_with("DXY")
    }
}
