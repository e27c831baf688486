//! The messenger on the wire (docs/messenger.md): rooms, messages, reactions, read markers and the
//! request bodies of `/api/chat`.

use serde::{Deserialize, Serialize};

use crate::directory::{Role, text_enum};
use crate::ids::{ChatRoomId, GroupId, MessageId, UserId};

text_enum!(
    /// What a chat room is: a 1:1 chat, a room a teacher made, or the room of a class/course.
    RoomKind { Direct = "direct", Group = "group", Class = "class" }
);

text_enum!(
    /// A member's place in a room (class rooms: `leader` for the group's leaders).
    RoomRole { Owner = "owner", Leader = "leader", Member = "member" }
);

/// A user as a room shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: UserId,
    pub display_name: String,
}

/// A chat room as one user sees it (unread counts and rights are that user's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Room {
    pub id: ChatRoomId,
    pub kind: RoomKind,
    pub title: String,
    pub group_id: Option<GroupId>,
    pub other_user: Option<UserRef>,
    pub muted: bool,
    pub moderator: bool,
    pub can_write: bool,
    pub member_count: u64,
    pub last_seq: u64,
    pub read_seq: u64,
    pub unread: u64,
    pub last_message: Option<Message>,
}

/// A member of a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomMember {
    pub id: UserId,
    pub display_name: String,
    pub role: RoomRole,
    pub school_role: Role,
}

/// A room with its members.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomDetail {
    #[serde(flatten)]
    pub room: Room,
    pub members: Vec<RoomMember>,
}

/// The message a reply refers to, shortened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyPreview {
    pub id: MessageId,
    pub sender_name: String,
    pub text: String,
}

/// One emoji and who reacted with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    pub users: Vec<UserId>,
}

/// A chat message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub room_id: ChatRoomId,
    pub seq: u64,
    pub sender_id: Option<UserId>,
    pub sender_name: String,
    pub text: String,
    pub mentions: Vec<UserId>,
    pub reply_to: Option<ReplyPreview>,
    pub reactions: Vec<Reaction>,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted: bool,
}

/// A page of messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub has_more: bool,
}

/// A search hit: the message and its room's title.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    #[serde(flatten)]
    pub message: Message,
    pub room_title: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateRoomRequest {
    pub title: String,
    #[serde(default)]
    pub member_ids: Vec<UserId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectChatRequest {
    pub user_id: UserId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessageRequest {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<MessageId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditMessageRequest {
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactionRequest {
    pub emoji: String,
    pub on: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MuteRequest {
    pub muted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddMembersRequest {
    pub user_ids: Vec<UserId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadRequest {
    pub seq: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadState {
    pub read_seq: u64,
    pub unread: u64,
}

/// The school's messenger settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatSettings {
    pub pupil_direct_chats: bool,
}

/// Someone I may start a direct chat with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
}
