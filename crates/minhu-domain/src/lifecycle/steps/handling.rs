//! Handling (办理) by the lead unit: signing for the request, asking to return it, progress
//! notes, extensions and suspension, with the dispatching office deciding returns,
//! extensions and suspensions.

use chrono::{DateTime, Duration, Utc};

use crate::calendar::Calendar;
use crate::error::DomainError;
use crate::request::EventData;
use crate::sla::yellow_at;
use crate::time::{end_of_local_day, local_date};

use super::Step;

pub(in crate::lifecycle) fn sign(s: &Step) -> Result<EventData, DomainError> {
    s.need_handler()?;
    Ok(EventData::Sign {})
}

pub(in crate::lifecycle) fn request_return(
    s: &Step,
    reason: &str,
) -> Result<EventData, DomainError> {
    s.need_handler()?;
    Ok(EventData::RequestReturn {
        reason: reason.to_string(),
    })
}

pub(in crate::lifecycle) fn decide_return(
    s: &Step,
    approve: bool,
    note: &Option<String>,
) -> Result<EventData, DomainError> {
    s.need_dispatcher()?;
    Ok(EventData::DecideReturn {
        approve,
        note: note.clone(),
    })
}

pub(in crate::lifecycle) fn progress(s: &Step, note: &str) -> Result<EventData, DomainError> {
    if !(s.rel.handler || s.rel.co_handler) {
        return Err(s.forbid("domain.forbidden.handling_unit"));
    }
    Ok(EventData::Progress {
        note: note.to_string(),
    })
}

pub(in crate::lifecycle) fn request_extension(
    s: &Step,
    days: u32,
    reason: &str,
) -> Result<EventData, DomainError> {
    s.need_handler()?;
    Ok(EventData::RequestExtension {
        days,
        reason: reason.to_string(),
    })
}

/// An approved extension runs its working days from the later of the deadline and now.
pub(in crate::lifecycle) fn decide_extension(
    s: &Step,
    approve: bool,
) -> Result<EventData, DomainError> {
    s.need_dispatcher()?;
    let now = s.ctx.now;
    let (deadline, yellow) = if approve {
        let days = s.req.pending_extension.unwrap_or(0);
        let base = s.req.deadline.unwrap_or(now).max(now);
        let due = s.ctx.calendar.working_days_deadline(base, days);
        (Some(due), Some(yellow_at(now, due)))
    } else {
        (None, None)
    };
    Ok(EventData::DecideExtension {
        approve,
        deadline,
        yellow_at: yellow,
    })
}

pub(in crate::lifecycle) fn suspend(s: &Step, reason: &str) -> Result<EventData, DomainError> {
    s.need_dispatcher()?;
    Ok(EventData::Suspend {
        reason: reason.to_string(),
    })
}

pub(in crate::lifecycle) fn resume(s: &Step) -> Result<EventData, DomainError> {
    if !(s.rel.dispatcher || s.rel.handler) {
        return Err(s.forbid("domain.forbidden.dispatcher_or_handler"));
    }
    let req = s.req;
    // The clock was paused: the deadline moves by the time spent suspended.
    let (deadline, yellow) = match (req.deadline, req.suspended_at) {
        (Some(due), Some(since)) => {
            let moved = shift_for_pause(s.ctx.calendar, due, since, s.ctx.now);
            (Some(moved), req.yellow_at.map(|y| moved - (due - y)))
        }
        _ => (req.deadline, req.yellow_at),
    };
    Ok(EventData::Resume {
        deadline,
        yellow_at: yellow,
    })
}

/// Moves a deadline by a pause from `since` to `until`. Day-based deadlines (ending at the
/// end of a local day) move by the working days the pause covered; hour-based ones by the
/// clock time paused.
pub fn shift_for_pause(
    calendar: &Calendar,
    due: DateTime<Utc>,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> DateTime<Utc> {
    let due_day = local_date(due);
    if due == end_of_local_day(due_day) {
        let paused = calendar.working_days_between(local_date(since), local_date(until));
        if paused == 0 {
            return due;
        }
        end_of_local_day(calendar.add_working_days(due_day, paused as u32))
    } else {
        due + (until - since).max(Duration::zero())
    }
}
