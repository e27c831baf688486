//! The load generator and benchmarks: a seeded profile generates a school (`seed`, `schild`),
//! `populate` creates it on a running server through the HTTP API (`api`) and writes the users
//! file (`users`), and `run` drives a scenario (`fanout`, `idle`, `storm`) with one task per
//! simulated user (`client` over `wsconn`, speaking `frames`), against schulhof or the Node `ws`
//! peer (`peers/ws-relay/`), sharded by whole classes (`shard`, `fleet`). The messenger scenarios
//! (`chat`, `votes` with `vote_track`) use light hub members (`lite`) plus the HTTP API. `yjs`
//! (`yjs_bench`) drives light yrs clients (`yjs_client`, `yjs_wire`, `yjs_fleet`) and official
//! Node clients (`yjs_official`) against schulhof or a Yjs peer (`yjs_targets`). Results
//! are JSON lines (`report`), with server and generator CPU and memory from `/proc` (`procstat`).
//! `video` simulates classes in a video lesson against an SFU (schulhof, Janus, or none):
//! str0m endpoints in one engine thread (`video_engine`, `video_peer`, `video_media`), the class
//! plan and SDP steps (`video_class`), and the signalling per target (`video_targets`,
//! `video_janus`, `video_schulhof` over `video_hub`); `video_floor` measures the UDP send floor.

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
pub mod video;
pub mod video_class;
pub mod video_cores;
pub mod video_engine;
pub mod video_floor;
pub mod video_hub;
pub mod video_janus;
pub mod video_light;
pub mod video_media;
pub mod video_peer;
pub mod video_schulhof;
pub mod video_socket;
pub mod video_targets;
pub mod vote_track;
pub mod votes;
pub mod wsconn;
pub mod yjs_bench;
pub mod yjs_client;
pub mod yjs_fleet;
pub mod yjs_official;
pub mod yjs_targets;
pub mod yjs_wire;
