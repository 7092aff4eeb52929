//! A topic's states: the order of the steps, and the refusals out of order.

#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};

use super::*;
use crate::error::ErrorKind;

fn event(seq: i64, data: TopicEventData) -> TopicEvent {
    TopicEvent {
        seq,
        at: Utc.with_ymd_and_hms(2026, 5, 6, 2, 0, 0).unwrap(),
        actor: "dxy_staff".into(),
        data,
    }
}

#[test]
fn a_topic_goes_draft_screened_scheduled_decided() {
    let mut log = vec![event(
        1,
        TopicEventData::Propose {
            suggestions: vec![1],
        },
    )];
    assert_eq!(replay(&log), Some(TopicState::Draft));
    log.push(event(
        2,
        TopicEventData::Screen {
            note: String::new(),
        },
    ));
    log.push(event(
        3,
        TopicEventData::Schedule {
            sitting_id: Some(4),
        },
    ));
    log.push(event(
        4,
        TopicEventData::Schedule {
            sitting_id: Some(5),
        },
    ));
    assert_eq!(
        replay(&log),
        Some(TopicState::Scheduled),
        "carried to a later sitting"
    );
    log.push(event(
        5,
        TopicEventData::Decide {
            adopted: true,
            sitting_id: Some(5),
        },
    ));
    assert_eq!(replay(&log), Some(TopicState::Decided));
    let e = next_state(
        TopicState::Decided,
        &TopicEventData::Withdraw { reason: "x".into() },
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
}

#[test]
fn steps_out_of_order_are_refused() {
    use TopicState::*;
    let decide = TopicEventData::Decide {
        adopted: false,
        sitting_id: None,
    };
    let schedule = TopicEventData::Schedule { sitting_id: None };
    assert!(next_state(Draft, &schedule).is_err(), "screened first");
    assert!(next_state(Screened, &decide).is_err(), "scheduled first");
    assert_eq!(next_state(Scheduled, &decide).unwrap(), NotAdopted);
    assert!(
        next_state(
            Screened,
            &TopicEventData::Screen {
                note: String::new()
            }
        )
        .is_err()
    );
    let join = TopicEventData::AddSuggestion { suggestion_id: 9 };
    assert_eq!(next_state(Screened, &join).unwrap(), Screened);
    assert!(next_state(Withdrawn, &join).is_err());
    assert_eq!(
        next_state(Draft, &TopicEventData::Withdraw { reason: "x".into() }).unwrap(),
        Withdrawn
    );
}

#[test]
fn a_new_topic_names_the_field_at_fault() {
    let mut t = NewTopic {
        title: "地下室充电桩迁至地面".into(),
        facts: "地下室充电桩建得不合理；老人没有智能手机，不能扫码付费".into(),
        proposer_name: "王秀英".into(),
        ..NewTopic::default()
    };
    assert!(t.validate().is_ok());
    t.stakeholders = vec![("tower".into(), 1)];
    assert_eq!(
        t.validate().unwrap_err().field.as_deref(),
        Some("stakeholders")
    );
    t.stakeholders = vec![("building".into(), 1), ("building".into(), 1)];
    assert_eq!(t.validate().unwrap().stakeholders.len(), 1);
    t.proposer_name = " ".into();
    assert_eq!(
        t.validate().unwrap_err().field.as_deref(),
        Some("proposer_name")
    );
}

#[test]
fn steps_from_a_client_and_the_masked_room() {
    assert!(matches!(
        step("screen", "", None, None).unwrap(),
        TopicEventData::Screen { .. }
    ));
    assert_eq!(
        step("decide", "", None, None).unwrap_err().field.as_deref(),
        Some("adopted")
    );
    assert_eq!(
        step("withdraw", "", None, None)
            .unwrap_err()
            .field
            .as_deref(),
        Some("note")
    );
    assert_eq!(
        step("vote", "", None, None).unwrap_err().field.as_deref(),
        Some("action")
    );
    assert_eq!(mask_room("501"), "5**");
    assert_eq!(mask_room("1"), "1*");
}
