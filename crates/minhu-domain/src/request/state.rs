//! The request's lifecycle state and deadline warning, and how each event moves them
//! ([`Request::apply`]).

use chrono::{DateTime, Utc};

use super::{CallbackInfo, Event, EventData, ReplyInfo, Request, Summons};
use crate::codes::code_enum;

code_enum!(
    /// Lifecycle state, derived from the event log.
    State {
        Registered = "registered" / "已登记",
        DirectlyAnswered = "directly_answered" / "直接答复",
        NotAccepted = "not_accepted" / "不予受理",
        PendingDispatch = "pending_dispatch" / "待派单",
        Dispatched = "dispatched" / "待签收",
        ReturnRequested = "return_requested" / "申请退回",
        InProgress = "in_progress" / "办理中",
        Suspended = "suspended" / "挂起",
        Replied = "replied" / "待审核",
        PendingCallback = "pending_callback" / "待回访",
        Closed = "closed" / "已结案",
        Archived = "archived" / "已归档",
        Merged = "merged" / "已合并",
    }
);

impl State {
    /// States in which the request is still being worked on (its clock matters).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            State::Registered
                | State::PendingDispatch
                | State::Dispatched
                | State::ReturnRequested
                | State::InProgress
                | State::Suspended
                | State::Replied
                | State::PendingCallback
        )
    }
    /// States in which a handling deadline is running.
    pub fn clock_running(self) -> bool {
        matches!(
            self,
            State::Dispatched | State::ReturnRequested | State::InProgress
        )
    }
}

/// The warning light of a request in `state` with these deadline times, as of `now`:
/// only while the handling clock runs. Queues computed from stored columns use it too.
pub fn warning_at(
    state: State,
    deadline: Option<DateTime<Utc>>,
    yellow_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Warning {
    if !state.clock_running() {
        return Warning::None;
    }
    match (deadline, yellow_at) {
        (Some(due), _) if now > due => Warning::Red,
        (Some(_), Some(y)) if now >= y => Warning::Yellow,
        _ => Warning::None,
    }
}

code_enum!(
    /// Deadline warning light.
    Warning {
        None = "none" / "正常",
        Yellow = "yellow" / "黄灯",
        Red = "red" / "红灯",
    }
);

impl Request {
    /// Folds one event into the derived state. Events were checked when decided, so
    /// applying never fails.
    pub fn apply(&mut self, e: &Event) {
        use EventData as E;
        self.version = e.seq;
        self.updated_at = e.at;
        let deadline_before = self.deadline;
        match &e.data {
            E::Register { .. }
            | E::Accept { .. }
            | E::Answer { .. }
            | E::Reject { .. }
            | E::Merge { .. }
            | E::Categorise { .. } => self.apply_screening(e),
            E::Dispatch { .. } | E::Transfer { .. } | E::AddCoUnits { .. } | E::Escalate { .. } => {
                self.apply_dispatch(e)
            }
            E::Sign {}
            | E::RequestReturn { .. }
            | E::DecideReturn { .. }
            | E::RequestExtension { .. }
            | E::DecideExtension { .. }
            | E::Suspend { .. }
            | E::Resume { .. } => self.apply_handling(e),
            E::Reply { .. }
            | E::Review { .. }
            | E::Callback { .. }
            | E::Reopen { .. }
            | E::Close { .. }
            | E::Archive {} => self.apply_closing(e),
            E::Progress { .. }
            | E::Urge { .. }
            | E::Supervise { .. }
            | E::Whistle { .. }
            | E::Arrive { .. }
            | E::Warn { .. } => self.apply_oversight(e),
        }
        // The monitor's warnings belong to a deadline: a new deadline starts them afresh.
        if self.deadline != deadline_before {
            self.warned = Warning::None;
            self.auto_urged = Warning::None;
        }
        if let E::Urge { .. } = &e.data
            && e.role == "system"
        {
            self.auto_urged = self.warned;
        }
    }

    /// Registration and screening: accepted, answered, refused, merged, categorised.
    fn apply_screening(&mut self, e: &Event) {
        use EventData as E;
        match &e.data {
            E::Register { tier, .. } => {
                self.registered_by = e.actor.clone();
                self.state = State::Registered;
                self.tier = *tier;
            }
            E::Accept { .. } => self.state = State::PendingDispatch,
            E::Answer { .. } => self.finish(State::DirectlyAnswered, e.at),
            E::Reject { .. } => self.finish(State::NotAccepted, e.at),
            E::Merge { into } => {
                self.finish(State::Merged, e.at);
                self.merged_into = Some(*into);
            }
            E::Categorise { category, .. } => self.intake.category = Some(category.clone()),
            _ => {}
        }
    }

    /// A lead unit named (dispatch, transfer), co-handlers added, or the tier moved up.
    fn apply_dispatch(&mut self, e: &Event) {
        use EventData as E;
        match &e.data {
            E::Dispatch {
                unit,
                co_units,
                difficulty,
                urgency,
                deadline,
                yellow_at,
                sla_version,
            } => {
                self.co_units = co_units.clone();
                if difficulty.is_some() {
                    self.difficulty = *difficulty;
                }
                self.urgency = *urgency;
                self.hand_to(unit, e.at, *deadline, *yellow_at, *sla_version);
            }
            E::Transfer {
                unit,
                deadline,
                yellow_at,
                sla_version,
                ..
            } => {
                self.co_units.retain(|c| c != unit);
                self.hand_to(unit, e.at, *deadline, *yellow_at, *sla_version);
            }
            E::AddCoUnits { units, .. } => {
                for u in units {
                    if !self.co_units.contains(u) && self.lead_unit.as_ref() != Some(u) {
                        self.co_units.push(u.clone());
                    }
                }
            }
            E::Escalate { to, .. } => {
                self.back_to_dispatch();
                self.tier = *to;
                self.pending_extension = None;
            }
            _ => {}
        }
    }

    /// The lead unit's handling: signing, returns, extensions, suspension.
    fn apply_handling(&mut self, e: &Event) {
        use EventData as E;
        match &e.data {
            E::Sign {} => {
                self.state = State::InProgress;
                self.signed_at = Some(e.at);
            }
            E::RequestReturn { .. } => {
                self.return_from = Some(self.state);
                self.state = State::ReturnRequested;
            }
            E::DecideReturn { approve, .. } => {
                if *approve {
                    self.back_to_dispatch();
                    self.return_count += 1;
                } else {
                    self.state = self.return_from.unwrap_or(State::Dispatched);
                }
                self.return_from = None;
            }
            E::RequestExtension { days, .. } => self.pending_extension = Some(*days),
            E::DecideExtension {
                approve,
                deadline,
                yellow_at,
            } => {
                self.pending_extension = None;
                if *approve {
                    self.extension_count += 1;
                    self.move_deadline(*deadline, *yellow_at);
                }
            }
            E::Suspend { .. } => {
                self.return_from = None;
                self.state = State::Suspended;
                self.suspended_at = Some(e.at);
            }
            E::Resume {
                deadline,
                yellow_at,
            } => {
                self.state = State::InProgress;
                self.suspended_at = None;
                self.move_deadline(*deadline, *yellow_at);
            }
            _ => {}
        }
    }

    /// The reply, its review, the callback, closing, reopening and archiving.
    fn apply_closing(&mut self, e: &Event) {
        use EventData as E;
        match &e.data {
            E::Reply {
                account,
                public_reply,
                measures,
                solved,
            } => {
                self.state = State::Replied;
                self.reply = Some(ReplyInfo {
                    account: account.clone(),
                    public_reply: public_reply.clone(),
                    measures: measures.clone(),
                    solved: *solved,
                });
                self.replied_at = Some(e.at);
            }
            E::Review { pass, .. } => {
                self.state = if *pass {
                    State::PendingCallback
                } else {
                    State::InProgress
                };
            }
            E::Callback {
                reached,
                contacted,
                solved,
                satisfaction,
                ..
            } => {
                self.callback = Some(CallbackInfo {
                    reached: *reached,
                    contacted: *contacted,
                    solved: *solved,
                    satisfaction: *satisfaction,
                });
                if *reached {
                    self.finish(State::Closed, e.at);
                }
            }
            E::Reopen {
                deadline,
                yellow_at,
                sla_version,
                ..
            } => {
                self.state = State::InProgress;
                self.reopen_count += 1;
                self.deadline = Some(*deadline);
                self.yellow_at = Some(*yellow_at);
                self.sla_version = Some(*sla_version);
                self.closed_at = None;
                self.replied_at = None;
            }
            E::Close { .. } => self.finish(State::Closed, e.at),
            E::Archive {} => self.state = State::Archived,
            _ => {}
        }
    }

    /// Steps that leave the state as it is: notes, urging, supervision, whistles, warnings.
    fn apply_oversight(&mut self, e: &Event) {
        use EventData as E;
        match &e.data {
            E::Supervise { .. } => self.supervise_count += 1,
            E::Urge { .. } => self.urge_count += 1,
            E::Whistle { units, .. } => {
                for u in units {
                    if !self.summoned.iter().any(|s| &s.unit == u) {
                        self.summoned.push(Summons {
                            unit: u.clone(),
                            summoned_at: e.at,
                            arrived_at: None,
                        });
                    }
                }
            }
            E::Arrive { unit } => {
                if let Some(s) = self.summoned.iter_mut().find(|s| &s.unit == unit) {
                    s.arrived_at.get_or_insert(e.at);
                }
            }
            E::Warn { level } => self.warned = *level,
            _ => {}
        }
    }

    /// A final state reached at `at`.
    fn finish(&mut self, state: State, at: DateTime<Utc>) {
        self.state = state;
        self.closed_at = Some(at);
    }

    /// The request is with `unit` from `at`, waiting to be signed for, with this deadline.
    fn hand_to(
        &mut self,
        unit: &str,
        at: DateTime<Utc>,
        deadline: DateTime<Utc>,
        yellow_at: DateTime<Utc>,
        sla_version: i64,
    ) {
        self.state = State::Dispatched;
        self.lead_unit = Some(unit.to_string());
        self.deadline = Some(deadline);
        self.yellow_at = Some(yellow_at);
        self.sla_version = Some(sla_version);
        self.dispatched_at = Some(at);
        self.signed_at = None;
    }

    /// Back in a dispatch queue with no unit and no deadline (a return, an escalation).
    fn back_to_dispatch(&mut self) {
        self.state = State::PendingDispatch;
        self.lead_unit = None;
        self.co_units.clear();
        self.deadline = None;
        self.yellow_at = None;
    }

    /// A deadline moved by an extension or a pause, when the event carries one.
    fn move_deadline(&mut self, deadline: Option<DateTime<Utc>>, yellow_at: Option<DateTime<Utc>>) {
        if deadline.is_some() {
            self.deadline = deadline;
            self.yellow_at = yellow_at;
        }
    }
}
