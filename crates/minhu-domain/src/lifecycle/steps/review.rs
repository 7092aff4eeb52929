//! The reply (办结答复) of the lead unit and its review (审核) by the dispatching office.

use crate::error::DomainError;
use crate::request::EventData;

use super::Step;

pub(in crate::lifecycle) fn reply(
    s: &Step,
    account: &str,
    public_reply: &str,
    measures: &Option<String>,
    solved: bool,
) -> Result<EventData, DomainError> {
    s.need_handler()?;
    Ok(EventData::Reply {
        account: account.to_string(),
        public_reply: public_reply.to_string(),
        measures: measures.clone(),
        solved,
    })
}

pub(in crate::lifecycle) fn review(
    s: &Step,
    pass: bool,
    note: &Option<String>,
) -> Result<EventData, DomainError> {
    s.need_dispatcher()?;
    Ok(EventData::Review {
        pass,
        note: note.clone(),
    })
}
