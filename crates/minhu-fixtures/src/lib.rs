//! Fixtures for the binary and the tests, never for the product's own crates: the demo
//! district (`demo`: organisation, accounts, catalogue and dispatch routes as data files
//! loaded through `minhu_app::catalogue_load`, places and a history that reproduces the
//! seed's figures) and the city-scale generator (`generate`, for `minhu gen` and the benches).

pub mod demo;
pub mod generate;
