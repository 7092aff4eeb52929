//! The item's states × commands, who may take each step, and the deadline ladder on the
//! built-in calendar (中秋节 and 国庆节 2026, with the make-up Saturday).

use chrono::{DateTime, Utc};

use super::*;
use crate::calendar::builtin_days;
use crate::error::ErrorKind;

const OFFICE: &str = "dxy_office";
const OWNER: &str = "dxy_property";
const CO: &str = "dxy_police";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn cal() -> Calendar {
    Calendar::new(builtin_days())
}

fn office() -> ItemActor {
    ItemActor::person("li", OFFICE)
}
fn owner() -> ItemActor {
    ItemActor::person("wang", OWNER)
}
fn co() -> ItemActor {
    ItemActor::person("zhao", CO)
}

fn photo() -> Vec<Evidence> {
    vec![Evidence {
        kind: EvidenceKind::Photo,
        reference: "file:corridor-window-after.jpg".into(),
    }]
}

/// An item and its log, stepped forward the way the store would.
struct Log {
    events: Vec<ItemEvent>,
}

impl Log {
    /// Issued on Monday 21 September 2026, 5 working days: due Tuesday 29 September
    /// (Friday 25 to Sunday 27 are the 中秋节 holiday).
    fn issued() -> Log {
        let new = NewItem {
            source: Source {
                kind: SourceKind::MeetingDecision,
                id: 3,
            },
            title: "封闭楼层过道窗户".into(),
            owner: UnitCode::new(OWNER),
            co_units: vec![UnitCode::new(CO)],
            working_days: 5,
            requests: vec![],
        };
        let now = at("2026-09-21T10:00:00+08:00");
        let data = issue(&new, &office(), now, &cal()).unwrap();
        let mut log = Log { events: Vec::new() };
        log.push(&office(), now, data);
        log
    }
    fn item(&self) -> ActionItem {
        ActionItem::replay(ActionItemId(1), &self.events)
    }
    fn push(&mut self, actor: &ItemActor, now: DateTime<Utc>, data: ItemEventData) {
        self.events.push(ItemEvent {
            seq: self.events.len() as i64 + 1,
            at: now,
            actor: actor.username().to_string(),
            unit: actor.unit().cloned(),
            data,
        });
    }
    fn run(&mut self, actor: &ItemActor, now: &str, cmd: Command) -> Result<(), DomainError> {
        let now = at(now);
        let data = decide(&self.item(), &cmd, actor, now, &cal())?;
        self.push(actor, now, data);
        Ok(())
    }
    fn in_state(state: ItemState) -> Log {
        let mut log = Log::issued();
        let t = "2026-09-22T09:00:00+08:00";
        match state {
            ItemState::Open => {}
            ItemState::InProgress => log.run(&co(), t, progress()).unwrap(),
            ItemState::DoneClaimed => log.run(&owner(), t, claim()).unwrap(),
            ItemState::Verified => {
                log.run(&owner(), t, claim()).unwrap();
                log.run(&office(), t, verify()).unwrap();
            }
            ItemState::Reopened => {
                log.run(&owner(), t, claim()).unwrap();
                log.run(&office(), t, reopen(None)).unwrap();
            }
        }
        assert_eq!(log.item().state, state);
        log
    }
}

fn progress() -> Command {
    Command::Progress {
        note: "已联系施工队".into(),
        evidence: vec![],
    }
}
fn claim() -> Command {
    Command::ClaimDone {
        note: "窗户已封闭".into(),
        evidence: photo(),
    }
}
fn verify() -> Command {
    Command::Verify {
        note: Some("现场核实".into()),
    }
}
fn reopen(working_days: Option<u32>) -> Command {
    Command::Reopen {
        reason: "三楼仍未封闭".into(),
        working_days,
    }
}
fn oversee() -> Command {
    Command::Oversee {
        level: OversightLevel::Urge,
    }
}

#[test]
fn issuing_counts_the_due_date_in_working_days() {
    let item = Log::issued().item();
    assert_eq!(item.state, ItemState::Open);
    assert_eq!(
        crate::time::rfc3339(item.due.unwrap()),
        "2026-09-29T23:59:59+08:00"
    );
    assert_eq!(item.co_units, vec![UnitCode::new(CO)]);
    assert_eq!(item.version, 1);
}

#[test]
fn issuing_refuses_what_no_one_could_verify_or_do() {
    let now = at("2026-09-21T10:00:00+08:00");
    let good = NewItem {
        source: Source {
            kind: SourceKind::GridDuty,
            id: 1,
        },
        title: "每日巡查".into(),
        owner: UnitCode::new(OWNER),
        co_units: vec![],
        working_days: 2,
        requests: vec![],
    };
    let field = |new: &NewItem, actor: &ItemActor| {
        let e = issue(new, actor, now, &cal()).unwrap_err();
        (e.kind, e.field)
    };
    let own = NewItem {
        owner: UnitCode::new(OFFICE),
        ..good.clone()
    };
    assert_eq!(
        field(&own, &office()),
        (ErrorKind::Invalid, Some("owner".into()))
    );
    let blank = NewItem {
        title: "  ".into(),
        ..good.clone()
    };
    assert_eq!(field(&blank, &office()).1.as_deref(), Some("title"));
    let zero = NewItem {
        working_days: 0,
        ..good.clone()
    };
    assert_eq!(field(&zero, &office()).1.as_deref(), Some("working_days"));
    let co_owner = NewItem {
        co_units: vec![UnitCode::new(OWNER)],
        ..good.clone()
    };
    assert_eq!(field(&co_owner, &office()).1.as_deref(), Some("co_units"));
    assert_eq!(field(&good, &ItemActor::System).0, ErrorKind::Forbidden);
}

#[test]
fn states_times_commands() {
    use ItemState::*;
    // The right actor for each command, so only the state decides.
    let commands: [(Command, ItemActor); 5] = [
        (progress(), owner()),
        (claim(), owner()),
        (verify(), office()),
        (reopen(Some(3)), office()),
        (oversee(), ItemActor::System),
    ];
    // Allowed: progress, claim_done, verify, reopen, oversee.
    let table = [
        (Open, [true, true, false, false, true]),
        (InProgress, [true, true, false, false, true]),
        (DoneClaimed, [false, false, true, true, false]),
        (Verified, [false, false, false, true, false]),
        (Reopened, [true, true, false, false, true]),
    ];
    let t = "2026-09-23T11:00:00+08:00";
    for (state, allowed) in table {
        for ((cmd, actor), ok) in commands.iter().zip(allowed) {
            let mut log = Log::in_state(state);
            let got = log.run(actor, t, cmd.clone());
            match ok {
                true => assert!(got.is_ok(), "{} from {state:?}: {got:?}", cmd.action()),
                false => {
                    let e = got.unwrap_err();
                    assert_eq!(
                        e.kind,
                        ErrorKind::Conflict,
                        "{} from {state:?}",
                        cmd.action()
                    );
                    assert_eq!(e.code, "invalid_transition");
                }
            }
        }
    }
}

#[test]
fn each_step_leads_where_the_practice_says() {
    let mut log = Log::issued();
    let t = "2026-09-22T09:00:00+08:00";
    log.run(&co(), t, progress()).unwrap();
    assert_eq!(log.item().state, ItemState::InProgress);
    log.run(&owner(), t, claim()).unwrap();
    assert_eq!(log.item().state, ItemState::DoneClaimed);
    log.run(&office(), t, reopen(Some(2))).unwrap();
    let item = log.item();
    assert_eq!(item.state, ItemState::Reopened);
    assert_eq!(item.reopen_reasons, vec!["三楼仍未封闭".to_string()]);
    // Reopened on Tuesday 22 with 2 more working days: due Thursday 24.
    assert_eq!(item.due_date(), NaiveDate::from_ymd_opt(2026, 9, 24));
    log.run(&owner(), t, claim()).unwrap();
    log.run(&office(), t, verify()).unwrap();
    let item = log.item();
    assert_eq!(item.state, ItemState::Verified);
    assert!(item.verified_at.is_some());
    let claims: Vec<bool> = item.progress.iter().map(|p| p.claims_done).collect();
    assert_eq!(claims, vec![false, true, true]);
    assert_eq!(item.progress[1].evidence, photo());
    assert_eq!(item.progress[0].unit, Some(UnitCode::new(CO)));
}

#[test]
fn only_the_owner_claims_and_only_the_issuing_office_verifies() {
    let t = "2026-09-23T11:00:00+08:00";
    let forbidden = |state, actor: &ItemActor, cmd: Command| {
        let e = Log::in_state(state).run(actor, t, cmd).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{e}");
        e.key
    };
    assert_eq!(
        forbidden(ItemState::Open, &co(), claim()),
        Some("governance.action_item.forbidden.owner")
    );
    forbidden(ItemState::Open, &office(), claim());
    assert_eq!(
        forbidden(ItemState::DoneClaimed, &owner(), verify()),
        Some("governance.action_item.forbidden.issuer")
    );
    forbidden(ItemState::DoneClaimed, &co(), verify());
    forbidden(ItemState::Verified, &owner(), reopen(None));
    forbidden(
        ItemState::Open,
        &ItemActor::person("x", "other_unit"),
        progress(),
    );
    forbidden(ItemState::Open, &ItemActor::System, progress());
    forbidden(ItemState::Open, &office(), oversee());
}

#[test]
fn steps_name_the_missing_field() {
    let t = "2026-09-23T11:00:00+08:00";
    let field = |state, actor: &ItemActor, cmd: Command| {
        let e = Log::in_state(state).run(actor, t, cmd).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid, "{e}");
        e.field.unwrap()
    };
    let no_proof = Command::ClaimDone {
        note: "好了".into(),
        evidence: vec![],
    };
    assert_eq!(field(ItemState::Open, &owner(), no_proof), "evidence");
    let blank_ref = Command::ClaimDone {
        note: "好了".into(),
        evidence: vec![Evidence {
            kind: EvidenceKind::Receipt,
            reference: " ".into(),
        }],
    };
    assert_eq!(field(ItemState::Open, &owner(), blank_ref), "evidence");
    let no_reason = Command::Reopen {
        reason: "".into(),
        working_days: None,
    };
    assert_eq!(field(ItemState::Verified, &office(), no_reason), "reason");
    assert_eq!(
        field(ItemState::Verified, &office(), reopen(Some(999))),
        "working_days"
    );
    let blank = Command::Progress {
        note: " ".into(),
        evidence: vec![],
    };
    assert_eq!(field(ItemState::Open, &co(), blank), "note");
}

/// Runs the monitor once at `now`: what it sends, appended as the store would.
fn sweep(log: &mut Log, now: &str) -> Option<OversightLevel> {
    let level = next_oversight(&log.item(), at(now), &cal())?;
    log.run(&ItemActor::System, now, Command::Oversee { level })
        .unwrap();
    Some(level)
}

#[test]
fn the_ladder_fires_once_each_across_holidays_and_a_weekend() {
    let mut log = Log::issued();
    // Due Tuesday 29 September. Two working days before: Monday 28 and Thursday 24
    // (Friday 25 to Sunday 27 are off), so the reminder goes on Thursday 24.
    assert_eq!(sweep(&mut log, "2026-09-23T23:00:00+08:00"), None);
    assert_eq!(
        sweep(&mut log, "2026-09-24T08:00:00+08:00"),
        Some(OversightLevel::Urge)
    );
    assert_eq!(sweep(&mut log, "2026-09-24T08:00:01+08:00"), None);
    assert_eq!(sweep(&mut log, "2026-09-29T23:59:59+08:00"), None);
    assert_eq!(
        sweep(&mut log, "2026-09-30T00:00:00+08:00"),
        Some(OversightLevel::Supervise)
    );
    assert_eq!(sweep(&mut log, "2026-09-30T09:00:00+08:00"), None);
    // Five working days after the 29th: 30 Sep, 8 Oct, 9 Oct, Saturday 10 Oct (调休上班),
    // Monday 12 Oct (1–7 October are the 国庆节 holiday, Sunday 11 is off).
    assert_eq!(sweep(&mut log, "2026-10-11T23:59:59+08:00"), None);
    assert_eq!(
        sweep(&mut log, "2026-10-12T00:00:00+08:00"),
        Some(OversightLevel::Bulletin)
    );
    assert_eq!(sweep(&mut log, "2026-10-12T00:00:01+08:00"), None);
    assert_eq!(sweep(&mut log, "2026-12-31T12:00:00+08:00"), None);
    let item = log.item();
    let late = |s| item.overdue_working_days(at(s), &cal());
    assert_eq!(late("2026-09-29T12:00:00+08:00"), 0);
    assert_eq!(late("2026-09-30T12:00:00+08:00"), 1);
    assert_eq!(
        late("2026-10-07T12:00:00+08:00"),
        1,
        "the holiday does not count"
    );
    assert_eq!(late("2026-10-12T00:00:00+08:00"), 5);
    assert_eq!(
        item.oversight,
        vec![
            OversightLevel::Urge,
            OversightLevel::Supervise,
            OversightLevel::Bulletin
        ]
    );
}

#[test]
fn a_monitor_that_was_down_catches_up_in_order_and_skips_a_stale_reminder() {
    let mut log = Log::issued();
    assert_eq!(
        sweep(&mut log, "2026-10-20T10:00:00+08:00"),
        Some(OversightLevel::Supervise)
    );
    assert_eq!(
        sweep(&mut log, "2026-10-20T10:00:00+08:00"),
        Some(OversightLevel::Bulletin)
    );
    assert_eq!(sweep(&mut log, "2026-10-20T10:00:00+08:00"), None);
    assert!(!log.item().oversight.contains(&OversightLevel::Urge));
}

#[test]
fn a_two_server_race_appends_one_rung() {
    // Both servers read version 1 and decide the same urge; the store appends with a check
    // on the version, so the second append is refused and its retry finds nothing to do.
    let mut log = Log::issued();
    let now = "2026-09-24T08:00:00+08:00";
    let seen = log.item();
    let a = next_oversight(&seen, at(now), &cal());
    let b = next_oversight(&seen, at(now), &cal());
    assert_eq!(a, b);
    assert_eq!(sweep(&mut log, now), a);
    assert_ne!(log.item().version, seen.version);
    assert_eq!(next_oversight(&log.item(), at(now), &cal()), None);
}

#[test]
fn the_ladder_stops_at_done_and_restarts_with_a_fresh_due_date() {
    let mut log = Log::issued();
    log.run(&owner(), "2026-09-23T09:00:00+08:00", claim())
        .unwrap();
    assert_eq!(sweep(&mut log, "2026-09-30T10:00:00+08:00"), None);
    // Sent back on 30 September with 2 working days: due Friday 9 October.
    log.run(&office(), "2026-09-30T10:00:00+08:00", reopen(Some(2)))
        .unwrap();
    let item = log.item();
    assert_eq!(item.due_date(), NaiveDate::from_ymd_opt(2026, 10, 9));
    assert!(!item.is_overdue(at("2026-10-09T12:00:00+08:00")));
    assert!(item.is_overdue(at("2026-10-10T00:00:00+08:00")));
    // Issued (reopened) on the 30th, urge day 30 Sep itself: too short for a reminder.
    assert_eq!(sweep(&mut log, "2026-10-08T10:00:00+08:00"), None);
    assert_eq!(
        sweep(&mut log, "2026-10-10T08:00:00+08:00"),
        Some(OversightLevel::Supervise)
    );
}

#[test]
fn a_short_item_gets_no_reminder() {
    let new = NewItem {
        source: Source {
            kind: SourceKind::MediationTerm,
            id: 12,
        },
        title: "支付赔偿款".into(),
        owner: UnitCode::new(OWNER),
        co_units: vec![],
        working_days: 1,
        requests: vec![],
    };
    let now = at("2026-09-21T10:00:00+08:00");
    let data = issue(&new, &office(), now, &cal()).unwrap();
    let mut log = Log { events: Vec::new() };
    log.push(&office(), now, data);
    assert_eq!(sweep(&mut log, "2026-09-22T10:00:00+08:00"), None);
    assert_eq!(
        sweep(&mut log, "2026-09-23T00:00:00+08:00"),
        Some(OversightLevel::Supervise)
    );
}

#[test]
fn events_round_trip_through_json() {
    let log = Log::in_state(ItemState::Reopened);
    let json = serde_json::to_string(&log.events).unwrap();
    let back: Vec<ItemEvent> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, log.events);
    assert!(json.contains("\"action\":\"claim_done\""));
}

mod properties {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    proptest! {
        /// However often and whenever the monitor sweeps, each rung goes at most once, never
        /// early, and a sweep after the bulletin day has sent the notice and the bulletin.
        #[test]
        fn every_rung_goes_once_and_on_time(mut minutes in proptest::collection::vec(0i64..60 * 24 * 40, 1..40)) {
            minutes.sort_unstable();
            let start = at("2026-09-21T10:00:00+08:00");
            let due = at("2026-09-29T23:59:59+08:00");
            let bulletin_day = at("2026-10-12T00:00:00+08:00");
            let mut log = Log::issued();
            let mut sent = Vec::new();
            for m in &minutes {
                let now = start + Duration::minutes(*m);
                // A sweep drains the item: it acts until nothing is left to do.
                while let Some(level) = next_oversight(&log.item(), now, &cal()) {
                    match level {
                        OversightLevel::Urge => prop_assert!(now >= at("2026-09-24T00:00:00+08:00") && now <= due),
                        OversightLevel::Supervise => prop_assert!(now > due),
                        OversightLevel::Bulletin => prop_assert!(now >= bulletin_day),
                    }
                    prop_assert!(!sent.contains(&level), "{level:?} twice");
                    sent.push(level);
                    log.push(&ItemActor::System, now, ItemEventData::Oversee { level, number: None });
                }
            }
            let last = start + Duration::minutes(*minutes.last().unwrap());
            if last >= bulletin_day {
                prop_assert!(sent.contains(&OversightLevel::Supervise));
                prop_assert!(sent.contains(&OversightLevel::Bulletin));
            }
        }
    }
}
