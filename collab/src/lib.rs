//! Live documents for schulhof: office documents, collaborative texts ("Texte") and whiteboards
//! ("Tafeln") as Yjs documents on `yrs`. `room` is the sans-IO core of one document's room,
//! speaking the y-websocket protocol (join, frame, leave → updates to persist and frames to send).
//! `driver` is its async task (append before broadcast, bounded queues, slow consumers closed);
//! `restore` turns an old version into a new change on top. Storage and sockets are the server's.
//! This crate never depends on axum or sqlx.

pub mod driver;
#[cfg(test)]
mod driver_tests;
pub mod restore;
pub mod room;
#[cfg(test)]
mod room_tests;
