//! Who hears of what: subscriptions (webhooks, SMS, e-mail), the messages a step produces
//! for them, and the formats they receive.

pub mod rules;
