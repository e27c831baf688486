//! Quick polls ("Schnellumfragen") on the wire (docs/messenger.md): the poll as one user sees it,
//! its results and the request bodies of `/api/polls`.

use serde::{Deserialize, Serialize};

use crate::chat::UserRef;
use crate::directory::text_enum;
use crate::ids::{ChatRoomId, GroupId, PollId, UserId};

text_enum!(
    /// Where a poll is in its life: prepared, taking votes, finished.
    PollState { Draft = "draft", Open = "open", Closed = "closed" }
);

/// Vote counts per option. `counts` is empty while the results are hidden from the viewer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollResults {
    pub counts: Vec<u64>,
    pub voters: u64,
    pub version: u64,
}

/// A poll as one user sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Poll {
    pub id: PollId,
    pub owner_id: Option<UserId>,
    pub owner_name: String,
    pub group_id: Option<GroupId>,
    pub room_id: Option<ChatRoomId>,
    pub question: String,
    pub options: Vec<String>,
    pub multiple: bool,
    pub anonymous: bool,
    pub hide_results: bool,
    pub duration_seconds: Option<u32>,
    pub state: PollState,
    pub created_at: i64,
    pub opened_at: Option<i64>,
    pub closes_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// `None` when the results are hidden from this viewer.
    pub results: Option<PollResults>,
    pub my_vote: Option<Vec<u8>>,
    /// Named polls, for the owner only: who chose each option.
    pub voters_by_option: Option<Vec<Vec<UserRef>>>,
}

/// Create a poll (or replace a draft's fields).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollRequest {
    #[serde(default)]
    pub group_id: Option<GroupId>,
    #[serde(default)]
    pub room_id: Option<ChatRoomId>,
    pub question: String,
    pub options: Vec<String>,
    #[serde(default)]
    pub multiple: bool,
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub hide_results: bool,
    #[serde(default)]
    pub duration_seconds: Option<u32>,
    /// Open at once instead of saving a draft.
    #[serde(default)]
    pub open: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRequest {
    pub choices: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteAccepted {
    pub my_vote: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PollList {
    pub polls: Vec<Poll>,
}
