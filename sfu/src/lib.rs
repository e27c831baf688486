//! The WebRTC SFU for video lessons. `routing` is the sans-IO routing table of a room (who
//! publishes which tracks, who receives which simulcast layer, the per-packet lookup of where a
//! packet goes, keyframe requests on layer switches, mute and removal). The media side — one
//! `str0m` `Rtc` per participant in RTP mode behind one UDP socket, signalling over the hub, the
//! classroom controls — comes with the video issue. This crate never depends on axum or sqlx.

pub mod routing;
#[cfg(test)]
mod routing_tests;
