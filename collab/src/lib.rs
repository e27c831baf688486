//! Live documents for schulhof: office documents, collaborative texts ("Texte") and whiteboards
//! ("Tafeln") as Yjs documents on `yrs`. `room` is the sans-IO core of one document's room,
//! speaking the y-websocket protocol (join, frame, leave → updates to persist and frames to send).
//! The async driver, persistence and the `/yjs/<doc>` endpoint come with the live-documents issue.
//! This crate never depends on axum or sqlx.

pub mod room;
#[cfg(test)]
mod room_tests;
