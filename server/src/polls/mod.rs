//! The quick polls module ("Schnellumfragen"): polls in a group or chat room, single or multiple
//! choice, anonymous or named, with countdown, live results and CSV export (docs/messenger.md).
//! `tally` holds the pure rules and the broadcast coalescer; `service` the operations; `live` the
//! coalesced broadcasts and the countdown closer; `writer` stores votes in batches (group commit).

pub mod live;
pub mod service;
pub mod tally;
pub mod writer;
