//! The real-time hub: one WebSocket per browser tab, typed topics, presence, resume and a strict
//! slow-consumer policy. `core` is the sans-IO routing table; `registry` wraps it with the
//! connections' bounded queues (the only place frames are handed to sockets); `socket` is the
//! per-connection driver behind `GET /ws`; `access` decides who may use a topic and re-checks open
//! connections when sessions, statuses or memberships change; `cluster` links several nodes
//! through Redis; `notify` is how services (messenger, polls) publish on topics. The protocol is in docs/hub-protocol.md.

pub mod access;
pub mod cluster;
pub mod core;
#[cfg(test)]
mod core_tests;
pub mod errors;
pub mod notify;
pub mod registry;
pub mod service_frames;
pub mod socket;

pub use registry::Hub;
