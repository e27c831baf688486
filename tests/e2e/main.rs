//! The one end-to-end test binary: each module starts real servers through the testkit and talks
//! to them over HTTP like a browser or script would. Run on SQLite by default and on PostgreSQL
//! with `SCHULHOF_TEST_DATABASE_URL=postgres://…`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin_api;
mod administration;
mod auth;
mod cluster;
mod cluster_messenger;
mod documents;
mod hub;
mod import;
mod live_documents;
mod messenger;
mod ops;
mod polls;
mod tenants;
mod tidy;
mod video;
