//! Which subscriptions and people hear of an event, and what they are told.
