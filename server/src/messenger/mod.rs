//! The messenger module ("Messenger"): class rooms that follow their groups, group rooms, direct
//! chats, messages with replies, edits, deletions, reactions and mentions, read markers, search
//! and moderation (docs/messenger.md). `rules` holds the pure rules; `service` the operations the
//! HTTP routes and the hub call.

pub mod rules;
pub mod service;
