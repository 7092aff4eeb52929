//! The owner unit hears of an item's issue and of each rung of the ladder; nobody else,
//! and of no other step. Also: a marked office is its jurisdiction's own unit.

use chrono::{DateTime, Utc};

use super::*;
use crate::action_item::{ItemState, Source, SourceKind};
use crate::ids::{ActionItemId, UnitCode};
use crate::org::{Jurisdiction, Level, Unit, UnitLevel};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn sub(id: i64, owner: &str, channel: &str, actions: &str) -> Subscription {
    Subscription {
        id,
        owner: owner.into(),
        channel: channel.into(),
        target: format!("target-{id}"),
        secret: None,
        actions: actions.into(),
    }
}

fn unit(code: &str, jurisdiction: &str, office: bool) -> Unit {
    Unit {
        code: code.into(),
        name: format!("{code}单位"),
        level: UnitLevel::District,
        jurisdiction: jurisdiction.into(),
        office,
    }
}

fn org() -> Org {
    let j = Jurisdiction {
        code: "D".into(),
        name: "示范区".into(),
        level: Level::District,
        parent: None,
    };
    Org::new(
        vec![j],
        vec![
            unit("CGJ", "D", false),
            unit("ZHB", "D", true),
            unit("ZJJ", "D", true),
        ],
    )
}

fn item() -> ActionItem {
    let events = [event(1, issue_data())];
    let mut item = ActionItem::replay(ActionItemId(9), &events);
    item.id = ActionItemId(9);
    item
}

fn issue_data() -> ItemEventData {
    ItemEventData::Issue {
        source: Source {
            kind: SourceKind::GridDuty,
            id: 4,
        },
        title: "封闭楼层过道窗户".into(),
        issued_by: UnitCode::new("ZHB"),
        owner: UnitCode::new("CGJ"),
        co_units: vec![],
        working_days: 5,
        due: at("2026-09-29T23:59:59+08:00"),
        requests: vec![],
    }
}

fn event(seq: i64, data: ItemEventData) -> ItemEvent {
    ItemEvent {
        seq,
        at: at("2026-09-21T10:00:00+08:00"),
        actor: "admin".into(),
        unit: Some(UnitCode::new("ZHB")),
        data,
    }
}

#[test]
fn the_owner_unit_hears_of_the_issue_and_the_ladder_only() {
    let subs = [
        sub(1, "CGJ", "webhook", "*"),
        sub(2, "CGJ", "email", "action_item.supervise"),
        sub(3, "ZJJ", "webhook", "*"),
        sub(4, "CGJ", "sms", "*"),
    ];
    let item = item();
    assert_eq!(item.state, ItemState::Open);
    let issued = item_messages(&subs, &org(), &item, &event(1, issue_data()));
    assert_eq!(
        issued.len(),
        1,
        "the owner's webhook; not another unit, no SMS"
    );
    assert_eq!(issued[0].target, "target-1");
    assert_eq!(issued[0].payload["event"]["action"], "action_item.issue");
    assert_eq!(issued[0].payload["action_item"]["owner"], "CGJ");

    let supervise = ItemEventData::Oversee {
        level: OversightLevel::Supervise,
        number: Some("示范督字〔2026〕3号".into()),
    };
    let out = item_messages(&subs, &org(), &item, &event(2, supervise));
    assert_eq!(out.len(), 2);
    let mail = &out[1].payload;
    assert!(
        mail["subject"].as_str().unwrap().contains("督办通知"),
        "{mail}"
    );
    let text = mail["text"].as_str().unwrap();
    assert!(
        text.contains("CGJ单位") && text.contains("示范督字〔2026〕3号"),
        "{text}"
    );

    let progress = ItemEventData::Progress {
        note: "已订购".into(),
        evidence: vec![],
    };
    assert!(item_messages(&subs, &org(), &item, &event(3, progress)).is_empty());
}

#[test]
fn a_marked_office_is_its_jurisdictions_own_unit() {
    let org = org();
    assert_eq!(
        org.own_unit("D").map(|u| u.code.as_str()),
        Some("ZHB"),
        "the first unit marked"
    );
    let unmarked = Org::new(vec![], vec![unit("D", "D", false), unit("X", "D", false)]);
    assert_eq!(
        unmarked.own_unit("D").map(|u| u.code.as_str()),
        Some("D"),
        "by convention, the unit with the jurisdiction's code"
    );
}
