//! The WebRTC SFU for video lessons, sans-IO at its core. `engine::Sfu` owns one `str0m` `Rtc`
//! per participant in RTP mode and forwards packets (never decoded or reassembled) by the room's
//! `routing` table; `forward` rewrites a subscriber's stream across simulcast layer switches;
//! `speaker` finds the active speaker from audio levels. `driver` is the thin async shell that
//! owns the node's one UDP socket and its ICE-TCP listener and feeds the core datagrams and time.
//! This crate never depends on axum or sqlx.

pub mod driver;
pub mod engine;
#[cfg(test)]
mod engine_bench;
#[cfg(test)]
mod engine_tests;
mod estimate;
pub mod forward;
pub mod participant;
pub mod routing;
#[cfg(test)]
mod routing_tests;
pub mod speaker;
mod udp_batch;

pub use engine::{MediaStats, Negotiated, Output, Sfu, SfuError, SfuEvent, SfuLimits, TrackInfo};
pub use participant::RoomId;
pub use routing::{Layer, ParticipantId, TrackId, TrackKind};
