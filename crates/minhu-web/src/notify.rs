//! Notifications now live in `minhu_app` (`notify_rules`: who hears of what;
//! `notify_sender`: the outbox sender); this module keeps their old paths working.

pub use minhu_app::notify_rules::messages_for;
pub use minhu_app::notify_sender::{SmtpConfig, backoff, send_due};
