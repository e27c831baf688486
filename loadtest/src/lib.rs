//! The load generator and benchmarks: a seeded profile generates a school (`seed`, `schild`),
//! `populate` creates it on a running server through the HTTP API (`api`) and writes the users
//! file (`users`), and `run` drives a scenario (`fanout`, `idle`, `storm`) with one task per
//! simulated user (`client` over `wsconn`, speaking `frames`), against schulhof or the Node `ws`
//! peer (`peers/ws-relay/`), sharded by whole classes (`shard`, `fleet`). The messenger scenarios
//! (`chat`, `votes` with `vote_track`) use light hub members (`lite`) plus the HTTP API. Results
//! are JSON lines (`report`), with server and generator CPU and memory from `/proc` (`procstat`).

pub mod api;
pub mod chat;
pub mod chat_send;
pub mod client;
pub mod fanout;
pub mod fleet;
pub mod frames;
pub mod idle;
pub mod lite;
pub mod populate;
pub mod procstat;
pub mod report;
pub mod run;
pub mod schild;
pub mod seed;
pub mod shard;
pub mod shared;
pub mod storm;
pub mod users;
pub mod vote_track;
pub mod votes;
pub mod wsconn;
