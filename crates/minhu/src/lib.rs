//! The product put together: the web's router and the Open311 router over one application,
//! under the layers every response shares ([`server`]). The `minhu` binary serves it, and
//! the integration tests build the very same server.

pub mod server;
