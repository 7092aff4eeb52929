//! The quorum and pass rules: strict > against ≥, fractions, proxies, counts that exceed
//! those present, the adult check, and the procedures' validation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, TimeZone, Utc};

use super::procedure::{self, Fraction, NewProcedure, NewStage, PassBase, PassRule, Threshold};
use super::quorum::{self, Attendance, is_adult};
use super::vote::{self, Count, Method};
use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn more_than_half_is_strict_and_at_least_two_thirds_is_not() {
    let half = Threshold::more_than(Fraction::HALF);
    assert!(!half.met(5, 10), "exactly half is not more than half");
    assert!(half.met(6, 10));
    assert_eq!(half.needed(10), 6);
    assert_eq!(half.needed(9), 5);
    let two_thirds = Threshold::at_least(Fraction::TWO_THIRDS);
    assert!(two_thirds.met(6, 9), "6 of 9 is exactly 2/3");
    assert!(!two_thirds.met(6, 10), "0.6 is below 2/3");
    assert!(two_thirds.met(7, 10));
    assert_eq!(two_thirds.needed(10), 7);
    assert_eq!(two_thirds.needed(9), 6);
    let strict_two_thirds = Threshold::more_than(Fraction::TWO_THIRDS);
    assert!(!strict_two_thirds.met(6, 9));
    assert_eq!(strict_two_thirds.needed(9), 7);
    assert!(!half.met(0, 0), "nobody entitled never makes a quorum");
}

#[test]
fn fractions_are_read_and_bounded() {
    assert_eq!(Fraction::parse("f", "2/3").unwrap(), Fraction::TWO_THIRDS);
    assert_eq!(Fraction::parse("f", " 1 / 2 ").unwrap(), Fraction::HALF);
    assert_eq!(
        Fraction::parse("f", "1").unwrap(),
        Fraction { num: 1, den: 1 }
    );
    for bad in ["0/2", "3/2", "1/0", "half", "", "-1/2"] {
        let e = Fraction::parse("stages[0].quorum", bad).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("stages[0].quorum"), "{bad}");
    }
}

#[test]
fn the_quorum_counts_proxies_only_when_the_rule_says() {
    let a = Attendance {
        entitled: 10,
        present: 5,
        proxies: 1,
    };
    let rule = Some(Threshold::more_than(Fraction::HALF));
    let without = quorum::quorum(a, rule, false);
    assert_eq!(
        (without.met, without.present, without.needed),
        (false, 5, 6)
    );
    let with = quorum::quorum(a, rule, true);
    assert_eq!((with.met, with.present, with.needed), (true, 6, 6));
    let e = without.require().unwrap_err();
    assert_eq!(e.code, "quorum_not_met");
    assert!(e.message(crate::text::Lang::Zh).contains("10"), "{e:?}");
}

#[test]
fn adults_are_judged_on_the_sitting_day() {
    let d = day(2026, 6, 1);
    // ID born 2008-06-02: 17 on the day, 18 the next.
    assert_eq!(is_adult("110105200806020011", None, d), Some(false));
    assert_eq!(
        is_adult("110105200806020011", None, day(2026, 6, 2)),
        Some(true)
    );
    assert_eq!(
        is_adult("", Some(2008), d),
        Some(true),
        "birth year: the year they turn 18"
    );
    assert_eq!(is_adult("", Some(2009), d), Some(false));
    assert_eq!(is_adult("", None, d), None);
    let facts = vec![
        ResidentFact {
            id: 1,
            name: "甲".into(),
            id_number: String::new(),
            birth_year: Some(1950),
            place: String::new(),
        },
        ResidentFact {
            id: 2,
            name: "乙".into(),
            id_number: String::new(),
            birth_year: Some(2015),
            place: String::new(),
        },
        ResidentFact {
            id: 3,
            name: "丙".into(),
            id_number: String::new(),
            birth_year: None,
            place: String::new(),
        },
    ];
    let ids: Vec<i64> = adults(facts, d).iter().map(|e| e.subject_id).collect();
    assert_eq!(ids, vec![1, 3], "unknown age counts; the child does not");
}

fn rule(base: PassBase, t: Threshold) -> PassRule {
    PassRule { base, threshold: t }
}

fn count(yes: u64, no: u64, abstain: u64, invalid: u64) -> Count {
    let mut c = Count {
        invalid,
        ..Count::default()
    };
    c.counts.insert(vote::YES.into(), yes);
    c.counts.insert(vote::NO.into(), no);
    c.counts.insert(vote::ABSTAIN.into(), abstain);
    c
}

#[test]
fn a_two_thirds_rule_fails_at_six_tenths() {
    let opts = vote::yes_no_abstain();
    let r = rule(PassBase::Present, Threshold::at_least(Fraction::TWO_THIRDS));
    let o = vote::outcome(r, &opts, &count(6, 3, 1, 0), 10, 20);
    assert_eq!((o.passed, o.agreeing, o.base, o.needed), (false, 6, 10, 7));
    let o = vote::outcome(r, &opts, &count(7, 2, 1, 0), 10, 20);
    assert!(o.passed);
    assert_eq!(o.carried.as_deref(), Some(vote::YES));
}

#[test]
fn pass_bases_present_entitled_and_valid() {
    let opts = vote::yes_no_abstain();
    let half = Threshold::more_than(Fraction::HALF);
    let c = count(6, 2, 1, 1);
    assert!(vote::outcome(rule(PassBase::Present, half), &opts, &c, 10, 20).passed);
    let due = vote::outcome(rule(PassBase::Entitled, half), &opts, &c, 10, 20);
    assert_eq!(
        (due.passed, due.needed),
        (false, 11),
        "四议: > 1/2 of those due"
    );
    let valid = vote::outcome(rule(PassBase::Valid, half), &opts, &c, 10, 20);
    assert_eq!((valid.passed, valid.base), (true, 9));
}

#[test]
fn named_options_carry_the_leader_and_a_tie_carries_nothing() {
    let opts = vec!["地面充电棚".to_string(), "维持地下室".to_string()];
    let half = rule(PassBase::Present, Threshold::more_than(Fraction::HALF));
    let mut c = Count::default();
    c.counts.insert(opts[0].clone(), 7);
    c.counts.insert(opts[1].clone(), 3);
    let o = vote::outcome(half, &opts, &c, 10, 10);
    assert_eq!(o.carried.as_deref(), Some("地面充电棚"));
    c.counts.insert(opts[1].clone(), 7);
    assert!(!vote::outcome(half, &opts, &c, 14, 14).passed);
}

#[test]
fn a_count_above_those_present_is_refused_with_the_numbers() {
    let opts = vote::yes_no_abstain();
    let e = vote::check_count(Method::Paper, &opts, &count(8, 2, 0, 1), 10).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("counts"));
    let text = e.message(crate::text::Lang::Zh).to_string();
    assert!(text.contains("11") && text.contains("10"), "{text}");
    vote::check_count(Method::Paper, &opts, &count(7, 2, 0, 1), 10).unwrap();
    let e = vote::check_count(Method::Hands, &opts, &count(7, 2, 0, 1), 10).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("invalid"));
    let mut odd = count(1, 0, 0, 0);
    odd.counts.insert("随便".into(), 1);
    let e = vote::check_count(Method::Paper, &opts, &odd, 10).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("counts.随便"));
}

#[test]
fn the_presets_have_their_stages_and_rules() {
    let four = procedure::preset(procedure::FOUR_DELIBERATIONS).unwrap();
    assert_eq!(four.stages.len(), 6);
    let members = &four.stages[2];
    assert_eq!(
        members.quorum,
        Some(Threshold::at_least(Fraction::TWO_THIRDS))
    );
    assert_eq!(members.pass.unwrap().base, PassBase::Entitled);
    assert_eq!(four.stages[4].kind, procedure::StageKind::Publication);
    let resident = procedure::preset(procedure::RESIDENT_MEETING).unwrap();
    assert_eq!(resident.stages[0].bodies.len(), 3);
    assert_eq!(
        procedure::preset(procedure::THREE_MEETINGS)
            .unwrap()
            .stages
            .len(),
        3
    );
}

#[test]
fn a_deployments_procedure_is_checked_field_by_field() {
    let stage = NewStage {
        name: "楼组议事".into(),
        bodies: vec!["household_assembly".into()],
        quorum: "2/3".into(),
        pass: "1/2".into(),
        pass_strict: true,
        ..NewStage::default()
    };
    let ok = NewProcedure {
        code: "building_talk".into(),
        name: "楼组议事".into(),
        stages: vec![stage.clone()],
    };
    let p = ok.validate().unwrap();
    assert_eq!(
        p.stages[0].quorum,
        Some(Threshold::at_least(Fraction::TWO_THIRDS))
    );
    let field = |p: NewProcedure| p.validate().unwrap_err().field;
    assert_eq!(
        field(NewProcedure {
            stages: vec![],
            ..ok.clone()
        })
        .as_deref(),
        Some("stages")
    );
    let bad = NewStage {
        quorum: "3/2".into(),
        ..stage.clone()
    };
    assert_eq!(
        field(NewProcedure {
            stages: vec![stage.clone(), bad],
            ..ok.clone()
        })
        .as_deref(),
        Some("stages[1].quorum")
    );
    let bad = NewStage {
        bodies: vec!["mob".into()],
        ..stage.clone()
    };
    assert_eq!(
        field(NewProcedure {
            stages: vec![bad],
            ..ok.clone()
        })
        .as_deref(),
        Some("stages[0].bodies")
    );
    assert_eq!(
        field(NewProcedure {
            code: "resident_meeting".into(),
            ..ok.clone()
        })
        .as_deref(),
        Some("code")
    );
}

#[test]
fn a_notice_posted_too_late_names_the_field() {
    let p = procedure::preset(procedure::RESIDENT_MEETING).unwrap();
    let new = NewSitting {
        procedure: p.code.clone(),
        title: "电动自行车充电问题".into(),
        day: "2026-06-05".into(),
        place: "社区议事厅".into(),
        notice_posted_at: "2026-06-03T09:00:00+08:00".into(),
        agenda: vec![NewAgendaItem {
            title: "充电桩".into(),
            motion: "移到地面".into(),
            topic_id: None,
        }],
        ..NewSitting::default()
    };
    let now = Utc.with_ymd_and_hms(2026, 6, 3, 2, 0, 0).unwrap();
    let e = new.validate(&p, now).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("notice_posted_at"));
    let early = NewSitting {
        notice_posted_at: "2026-06-02T09:00:00+08:00".into(),
        ..new.clone()
    };
    assert_eq!(
        early.validate(&p, now).unwrap().body,
        Body::ResidentAssembly
    );
    let body = NewSitting {
        body: "party_members".into(),
        ..early
    };
    assert_eq!(
        body.validate(&p, now).unwrap_err().field.as_deref(),
        Some("body")
    );
}
