//! The API suite: real HTTP against a real server on a real database (a SQLite file by
//! default; PostgreSQL when MINHU_TEST_POSTGRES_URL names an admin database).
//! One test binary: the modules below share the helpers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod action_item;
mod action_item_followup;
mod action_item_requests;
mod authz;
mod council;
mod council_demo;
mod council_followup;
mod council_pages;
mod council_public_pages;
mod council_quorum;
mod council_scenario;
mod deadlines;
mod deliveries;
mod errors;
mod grid_import;
mod grid_ledger;
mod grid_ledger_pages;
mod grid_meeting;
mod grid_meeting_pages;
mod grid_scenario;
mod import;
mod input;
mod joint_meeting;
mod joint_meeting_pages;
mod joint_scenario;
mod ledger;
mod lifecycle;
mod login;
mod open311;
mod openapi;
mod pages;
mod patrol;
mod patrol_pages;
mod privacy_register;
mod rating;
mod scenario;
mod scope;
mod storage;
mod suggestion;
mod suggestion_forms;
mod suggestion_pages;
mod tls;
mod unit_figures;
mod upstream;
