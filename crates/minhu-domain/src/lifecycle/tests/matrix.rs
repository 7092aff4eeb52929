//! The transition matrix: every command (a sample of each variant) from every state at
//! every tier, by every kind of actor. `decide` must accept exactly what the state table
//! ([`Command::allowed_from`]) and the role rules written out here allow, and refuse the
//! rest in the documented order: outside the actor's sight 404, then the wrong state 409,
//! then the wrong role 403.

use std::collections::BTreeSet;

use crate::error::ErrorKind;
use crate::lifecycle::{ACTIONS, Command, Ctx, decide};
use crate::org::{Actor, Role, Tier};
use crate::request::{ReplyInfo, Request, Satisfaction, State, Summons, Warning};
use crate::testkit::{World, at, person, registered};

/// The kinds of actor, against a request located in grid G1 (community C1, street S1)
/// led by CGJ, co-handled by ZJJ, with the street office S2 summoned by a whistle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Admin,
    Street,
    Community,
    Grid,
    Auditor,
    Lead,
    Co,
    Summoned,
    OtherCommunity,
    OtherUnit,
    System,
    Requester,
}

const EVERYONE: [Who; 12] = [
    Who::Admin,
    Who::Street,
    Who::Community,
    Who::Grid,
    Who::Auditor,
    Who::Lead,
    Who::Co,
    Who::Summoned,
    Who::OtherCommunity,
    Who::OtherUnit,
    Who::System,
    Who::Requester,
];

impl Who {
    fn actor(self) -> Actor {
        match self {
            Who::Admin => person(Role::DistrictAdmin, "D"),
            Who::Street => person(Role::StreetStaff, "S1"),
            Who::Community => person(Role::CommunityStaff, "C1"),
            Who::Grid => person(Role::GridWorker, "G1"),
            Who::Auditor => person(Role::Auditor, "D"),
            Who::Lead => person(Role::UnitHandler, "CGJ"),
            Who::Co => person(Role::UnitHandler, "ZJJ"),
            Who::Summoned => person(Role::StreetStaff, "S2"),
            Who::OtherCommunity => person(Role::CommunityStaff, "C2"),
            Who::OtherUnit => person(Role::UnitHandler, "C2"),
            Who::System => Actor::system(),
            Who::Requester => Actor::requester(),
        }
    }
    fn sees(self) -> bool {
        !matches!(self, Who::OtherCommunity | Who::OtherUnit)
    }
    fn staff(self) -> bool {
        matches!(self, Who::Admin | Who::Street | Who::Community)
    }
    fn dispatcher(self, tier: Tier) -> bool {
        match self {
            Who::Admin => true,
            Who::Street => tier <= Tier::Street,
            Who::Community => tier == Tier::Community,
            _ => false,
        }
    }
}

/// The role rules, written out independently of `access::relation`.
fn may(cmd: &Command, who: Who, tier: Tier) -> bool {
    use Command as C;
    let dispatcher = who.dispatcher(tier);
    match cmd {
        C::Accept { .. }
        | C::Answer { .. }
        | C::Reject { .. }
        | C::Dispatch { .. }
        | C::DecideReturn { .. }
        | C::DecideExtension { .. }
        | C::Suspend { .. }
        | C::Review { .. }
        | C::Merge { .. }
        | C::Transfer { .. }
        | C::AddCoUnits { .. } => dispatcher,
        C::Sign | C::RequestReturn { .. } | C::RequestExtension { .. } | C::Reply { .. } => {
            who == Who::Lead
        }
        C::Progress { .. } => matches!(who, Who::Lead | Who::Co),
        C::Resume => dispatcher || who == Who::Lead,
        C::Escalate { .. } => who == Who::System || dispatcher || who == Who::Lead,
        C::Urge { .. } => who == Who::System || who.staff(),
        C::Supervise { .. } | C::Whistle { .. } => matches!(who, Who::Admin | Who::Street),
        C::Callback { .. } | C::Reopen { .. } | C::Close { .. } => who.staff(),
        C::Categorise { .. } => who.staff() || dispatcher,
        C::Archive => who == Who::Admin,
        C::Rate { .. } => who == Who::Requester,
        C::Arrive => who == Who::Summoned,
        C::Warn { .. } => who == Who::System,
    }
}

fn text(s: &str) -> String {
    s.to_string()
}

/// One command of each variant, with field values every check but the role's accepts.
fn samples() -> Vec<Command> {
    use Command as C;
    vec![
        C::Accept { note: None },
        C::Answer {
            reply: text("已答复"),
        },
        C::Reject {
            reason_code: 1,
            note: None,
            referral: None,
        },
        C::Dispatch {
            unit: text("C1"),
            co_units: vec![],
            difficulty: None,
            urgency: None,
        },
        C::Sign,
        C::RequestReturn {
            reason: text("非本单位职责"),
        },
        C::DecideReturn {
            approve: true,
            note: None,
        },
        C::Progress {
            note: text("已到现场"),
        },
        C::RequestExtension {
            days: 3,
            reason: text("需协调"),
        },
        C::DecideExtension { approve: true },
        C::Suspend {
            reason: text("等待鉴定"),
        },
        C::Resume,
        C::Escalate {
            reason: text("社区无法解决"),
        },
        C::Urge { note: None },
        C::Supervise { note: None },
        C::Reply {
            account: text("已清理"),
            public_reply: text("已清理"),
            measures: None,
            solved: true,
        },
        C::Review {
            pass: true,
            note: None,
        },
        C::Callback {
            reached: true,
            contacted: true,
            solved: true,
            satisfaction: Some(Satisfaction::Satisfied),
            note: None,
        },
        C::Reopen {
            reason: text("问题复发"),
        },
        C::Close { note: None },
        C::Archive,
        C::Merge { into: 2 },
        C::Transfer {
            unit: text("C1"),
            reason: text("属社区职责"),
        },
        C::AddCoUnits {
            units: vec![text("C1")],
            note: None,
        },
        C::Whistle {
            units: vec![text("C2")],
            note: None,
        },
        C::Arrive,
        C::Categorise {
            category: text("环境卫生"),
        },
        C::Rate {
            satisfaction: Satisfaction::Satisfied,
            comment: None,
        },
        C::Warn {
            level: Warning::Yellow,
        },
    ]
}

/// The fixture request in `state` at `tier`, with or without an extension pending.
fn request(state: State, tier: Tier, pending: Option<u32>) -> Request {
    let mut r = registered("G1", tier);
    r.state = state;
    r.lead_unit = Some(text("CGJ"));
    r.co_units = vec![text("ZJJ")];
    r.pending_extension = pending;
    r.summoned = vec![Summons {
        unit: text("S2"),
        summoned_at: at("2026-09-28T10:00:00+08:00"),
        arrived_at: None,
    }];
    r.reply = Some(ReplyInfo {
        account: text("已清理"),
        public_reply: text("已清理"),
        measures: None,
        solved: true,
    });
    r
}

#[test]
fn the_samples_cover_every_command() {
    let sampled: BTreeSet<&str> = samples().iter().map(Command::action).collect();
    let mut expected: BTreeSet<&str> = ACTIONS.into_iter().collect();
    expected.extend(["rate", "warn"]);
    assert_eq!(sampled, expected);
}

#[test]
fn decide_accepts_exactly_what_the_state_table_and_role_rules_allow() {
    let world = World::new();
    let target = {
        let mut t = registered("G1", Tier::Community);
        t.id = 2;
        t
    };
    let ctx = Ctx {
        now: at("2026-09-29T10:00:00+08:00"),
        org: &world.org,
        calendar: &world.calendar,
        sla: &world.sla,
        merge_target: Some(&target),
    };
    let (mut accepted, mut checked) = (0, 0);
    for tier in [Tier::Community, Tier::Street, Tier::District] {
        for &state in State::ALL {
            for pending in [None, Some(3)] {
                let req = request(state, tier, pending);
                for who in EVERYONE {
                    let actor = who.actor();
                    for cmd in samples() {
                        let expected = if !who.sees() {
                            Err(ErrorKind::NotFound)
                        } else if !cmd.allowed_from(&req) {
                            Err(ErrorKind::Conflict)
                        } else if !may(&cmd, who, tier) {
                            Err(ErrorKind::Forbidden)
                        } else {
                            Ok(())
                        };
                        let got = decide(&req, &cmd, &actor, &ctx);
                        let got_kind = got.as_ref().map(|_| ()).map_err(|e| e.kind);
                        assert_eq!(
                            got_kind,
                            expected,
                            "{} by {who:?} in {state:?} at {tier:?} (pending {pending:?}): {:?}",
                            cmd.action(),
                            got.as_ref().err()
                        );
                        if let Ok(event) = got {
                            let want = if cmd.action() == "rate" {
                                "callback"
                            } else {
                                cmd.action()
                            };
                            assert_eq!(event.action(), want);
                            accepted += 1;
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    // Guard against a fixture that makes everything refuse for the same reason.
    assert_eq!(
        checked,
        3 * State::ALL.len() * 2 * EVERYONE.len() * samples().len()
    );
    assert!(accepted > 200, "only {accepted} accepted");
}

#[test]
fn the_state_table_reads_as_documented() {
    use State::*;
    let allowed = |cmd: &Command| -> Vec<State> {
        State::ALL
            .iter()
            .copied()
            .filter(|&s| cmd.allowed_from(&request(s, Tier::Community, None)))
            .collect()
    };
    let by_action = |a: &str| samples().into_iter().find(|c| c.action() == a).unwrap();
    assert_eq!(allowed(&by_action("accept")), [Registered]);
    assert_eq!(allowed(&by_action("reject")), [Registered, PendingDispatch]);
    assert_eq!(allowed(&by_action("dispatch")), [PendingDispatch]);
    assert_eq!(allowed(&by_action("sign")), [Dispatched]);
    assert_eq!(allowed(&by_action("reply")), [InProgress]);
    assert_eq!(allowed(&by_action("review")), [Replied]);
    assert_eq!(allowed(&by_action("callback")), [PendingCallback]);
    assert_eq!(allowed(&by_action("reopen")), [Closed]);
    assert_eq!(allowed(&by_action("archive")), [Closed]);
    assert_eq!(
        allowed(&by_action("warn")),
        [Dispatched, ReturnRequested, InProgress]
    );
    assert_eq!(
        allowed(&by_action("escalate")),
        [PendingDispatch, Dispatched, InProgress]
    );
    let categorise = allowed(&by_action("categorise"));
    assert!(!categorise.contains(&Merged) && !categorise.contains(&Archived));
    assert_eq!(categorise.len(), State::ALL.len() - 2);
    // Extensions: one pending at a time.
    let mut r = request(InProgress, Tier::Community, None);
    assert!(by_action("request_extension").allowed_from(&r));
    assert!(!by_action("decide_extension").allowed_from(&r));
    r.pending_extension = Some(2);
    assert!(!by_action("request_extension").allowed_from(&r));
    assert!(by_action("decide_extension").allowed_from(&r));
    // No reply, nothing to reopen; the district tier has nowhere to escalate.
    r = request(Closed, Tier::Community, None);
    r.reply = None;
    assert!(!by_action("reopen").allowed_from(&r));
    assert!(!by_action("escalate").allowed_from(&request(InProgress, Tier::District, None)));
}
