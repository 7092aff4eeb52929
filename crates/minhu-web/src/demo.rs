//! The demo district (filled in below).
