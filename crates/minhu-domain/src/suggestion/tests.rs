//! The box's rules: two openers, the source's opening, the author's phone, one triage.

#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::error::ErrorKind;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 6, 2, 0, 0).unwrap()
}

fn event(seq: i64, data: SuggestionEventData) -> SuggestionEvent {
    SuggestionEvent {
        seq,
        at: now(),
        actor: "dxy_staff".into(),
        data,
    }
}

#[test]
fn an_opening_needs_two_different_people() {
    let mut o = NewOpening {
        openers: vec!["陈志超".into()],
        slips: Some(3),
        ..NewOpening::default()
    };
    let e = o.validate(now()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("openers"));
    o.openers = vec!["陈志超".into(), " 陈志超 ".into()];
    assert_eq!(
        o.validate(now()).unwrap_err().field.as_deref(),
        Some("openers"),
        "the same person twice is one person"
    );
    o.openers = vec!["陈志超".into(), "王丽".into()];
    let f = o.validate(now()).unwrap();
    assert_eq!(f.openers, ["陈志超".to_string(), "王丽".to_string()]);
    assert_eq!(f.opened_at, now());
    o.opened_at = Some(now() + Duration::hours(1));
    assert_eq!(
        o.validate(now()).unwrap_err().field.as_deref(),
        Some("opened_at")
    );
    o.opened_at = None;
    o.slips = Some(-1);
    assert_eq!(
        o.validate(now()).unwrap_err().field.as_deref(),
        Some("slips")
    );
}

#[test]
fn a_slip_from_the_box_names_its_opening_and_others_do_not() {
    let mut s = NewSuggestion {
        source: "box".into(),
        text: "地下室充电桩建得不合理".into(),
        ..NewSuggestion::default()
    };
    assert_eq!(
        s.validate().unwrap_err().field.as_deref(),
        Some("opening_id")
    );
    s.opening_id = Some(1);
    assert!(s.validate().is_ok());
    s.source = "web".into();
    assert_eq!(
        s.validate().unwrap_err().field.as_deref(),
        Some("opening_id")
    );
    s.opening_id = None;
    s.source = "mail".into();
    assert_eq!(s.validate().unwrap_err().field.as_deref(), Some("source"));
}

#[test]
fn an_author_phone_is_normalised_and_anonymous_drops_the_author() {
    let mut s = NewSuggestion {
        source: "web".into(),
        text: "老人没有智能手机，不能扫码付费".into(),
        author_name: "王秀英".into(),
        author_phone: "138 1234 5678".into(),
        ..NewSuggestion::default()
    };
    let f = s.validate().unwrap();
    let a = f.author.unwrap();
    assert_eq!(a.phone.as_deref(), Some("13812345678"));
    assert_eq!(
        a.masked(),
        (Some("王**".into()), Some("138****5678".into()))
    );
    s.author_phone = "12345".into();
    assert_eq!(
        s.validate().unwrap_err().field.as_deref(),
        Some("author_phone")
    );
    s.anonymous = true;
    assert_eq!(
        s.validate().unwrap().author,
        None,
        "anonymous keeps nothing"
    );
}

#[test]
fn a_suggestion_is_triaged_once() {
    let log = vec![
        event(
            1,
            SuggestionEventData::Receive {
                source: Source::Box,
            },
        ),
        event(2, SuggestionEventData::Topic { topic_id: 7 }),
    ];
    let (state, out) = replay(&log).unwrap();
    assert_eq!(state, SuggestionState::BecameTopic);
    assert_eq!(out.topic_id, Some(7));
    assert_eq!(check_triage(state).unwrap_err().kind, ErrorKind::Conflict);
    let mut twice = log.clone();
    twice.push(event(
        3,
        SuggestionEventData::Reject {
            reason: "重复".into(),
        },
    ));
    assert_eq!(replay(&twice), None, "a second triage breaks the log");
    assert_eq!(replay(&log[1..]), None, "a log starts with the receipt");
    assert!(check_triage(SuggestionState::Received).is_ok());
}

#[test]
fn each_outcome_leaves_its_state() {
    let cases = [
        (
            SuggestionEventData::Merge { into: 2 },
            SuggestionState::Merged,
        ),
        (
            SuggestionEventData::Answer {
                answer: "已安排".into(),
            },
            SuggestionState::AnsweredDirect,
        ),
        (
            SuggestionEventData::Request {
                request_id: 3,
                code: "261260000001".into(),
            },
            SuggestionState::Request,
        ),
        (
            SuggestionEventData::Reject {
                reason: "不属于社区事务".into(),
            },
            SuggestionState::Rejected,
        ),
    ];
    for (data, want) in cases {
        let log = vec![
            event(
                1,
                SuggestionEventData::Receive {
                    source: Source::Web,
                },
            ),
            event(2, data),
        ];
        assert_eq!(replay(&log).unwrap().0, want);
    }
}

#[test]
fn a_triage_names_what_it_misses() {
    let t = |outcome: &str| NewTriage {
        outcome: outcome.into(),
        ..NewTriage::default()
    };
    assert_eq!(
        t("").validate(1).unwrap_err().field.as_deref(),
        Some("outcome")
    );
    assert_eq!(
        t("x").validate(1).unwrap_err().field.as_deref(),
        Some("outcome")
    );
    assert_eq!(
        t("answer").validate(1).unwrap_err().field.as_deref(),
        Some("answer")
    );
    assert_eq!(
        t("reject").validate(1).unwrap_err().field.as_deref(),
        Some("reason")
    );
    assert_eq!(
        t("merge").validate(1).unwrap_err().field.as_deref(),
        Some("into")
    );
    assert_eq!(
        t("topic").validate(1).unwrap_err().field.as_deref(),
        Some("topic")
    );
    let mut m = t("merge");
    m.into = Some(1);
    assert_eq!(m.validate(1).unwrap_err().field.as_deref(), Some("into"));
    m.into = Some(2);
    assert_eq!(m.validate(1).unwrap(), Triage::Merge(2));
    assert_eq!(
        t("request").validate(1).unwrap(),
        Triage::Request { category: None }
    );
}

#[test]
fn only_the_communitys_staff_triage() {
    use crate::org::Role;
    let staff = Actor::person("dxy_staff", Role::CommunityStaff, "DXY");
    assert!(require_triager(&staff, "DXY").is_ok());
    assert!(require_triager(&staff, "YBSQ").is_err());
    let street = Actor::person("yb_street", Role::StreetStaff, "YB");
    assert!(require_triager(&street, "DXY").is_err());
}

#[test]
fn the_author_hears_the_outcomes_that_concern_them() {
    let topic = notice_text(&SuggestionEventData::Topic { topic_id: 1 }, Some("充电桩")).unwrap();
    assert!(topic.contains("充电桩"));
    let req = notice_text(
        &SuggestionEventData::Request {
            request_id: 1,
            code: "261260000001".into(),
        },
        None,
    )
    .unwrap();
    assert!(req.contains("261260000001"));
    assert!(notice_text(&SuggestionEventData::Merge { into: 2 }, None).is_none());
    assert!(notice_text(&SuggestionEventData::Reject { reason: "x".into() }, None).is_none());
}
