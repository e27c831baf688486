//! The messenger's operations behind the HTTP routes and the hub: every one checks the caller's
//! room access and rights (`rules`), changes the store, then announces the change on the room's
//! `chat:` topic (and on users' own topics) through `hub::notify`. A message is stored before it
//! is announced and before the caller's `201`, so an acknowledged message is never lost.

use schulhof_proto::hub::Topic;
use schulhof_proto::{
    ChatRoomId, ChatSettings, Contact, ErrorCode, Message, MessageId, Role, Room, RoomDetail,
    RoomKind, UserId, UserStatus,
};
use serde_json::json;

use super::rules::{self, TextProblem};
use crate::error::ApiError;
use crate::hub::{access, notify};
use crate::state::SharedState;
use crate::store::{AppendError, AuthenticatedSession, NewMessage, RoomAccess, RoomListing};

/// A room as the caller may use it.
#[derive(Clone, Debug)]
pub struct Membership {
    pub access: RoomAccess,
    pub moderator: bool,
}

fn text_error(field: &'static str, problem: TextProblem) -> ApiError {
    match problem {
        TextProblem::Empty => {
            ApiError::invalid(field, "Please enter a text.", "Bitte gib einen Text ein.")
        }
        TextProblem::TooLong => ApiError::invalid(
            field,
            "The text is too long (at most 4,000 characters).",
            "Der Text ist zu lang (höchstens 4.000 Zeichen).",
        ),
    }
}

/// Takes one chat write from the user's budget (`429 rate_limited` when it is used up).
fn spend_write(state: &SharedState, user: UserId) -> Result<(), ApiError> {
    let now = state.now_ms();
    let mut budgets = state.chat_writes();
    if budgets.len() > 10_000 {
        budgets.retain(|_, budget| !budget.is_full(now));
    }
    let budget = budgets.entry(user).or_insert_with(|| rules::WriteBudget::new(now));
    if budget.take(now) { Ok(()) } else { Err(ApiError::new(ErrorCode::RateLimited)) }
}

fn chat_topic(room: ChatRoomId) -> Topic {
    Topic::Chat(room.to_string())
}

/// The caller's access to a room, making a class room on first use; non-members get 404.
pub async fn membership(
    state: &SharedState,
    session: &AuthenticatedSession,
    room: ChatRoomId,
) -> Result<Membership, ApiError> {
    let (school, user) = (session.school.id, session.user.id);
    let mut access = state.store.room_access(school, user, room).await?;
    if access.is_none()
        && state.store.is_class_group(school, schulhof_proto::GroupId(room.0)).await?
    {
        state.store.ensure_class_rooms(school, user, state.now_ms()).await?;
        access = state.store.room_access(school, user, room).await?;
    }
    let access = access.ok_or_else(ApiError::not_found)?;
    let moderator = rules::is_moderator(access.kind, access.role, session.user.role);
    Ok(Membership { access, moderator })
}

async fn to_room(
    state: &SharedState,
    session: &AuthenticatedSession,
    listing: RoomListing,
) -> Result<Room, ApiError> {
    let moderator =
        rules::is_moderator(listing.access.kind, listing.access.role, session.user.role);
    let last_message = if listing.access.last_seq > 0 {
        let (page, _) = state
            .store
            .messages(listing.access.id, Some(listing.access.last_seq + 1), None, 1)
            .await?;
        page.into_iter().next()
    } else {
        None
    };
    let title = match (&listing.other_user, listing.access.kind) {
        (Some(other), RoomKind::Direct) => other.display_name.clone(),
        _ => listing.title,
    };
    Ok(Room {
        id: listing.access.id,
        kind: listing.access.kind,
        title,
        group_id: (listing.access.kind == RoomKind::Class)
            .then_some(schulhof_proto::GroupId(listing.access.id.0)),
        other_user: listing.other_user,
        muted: listing.access.muted,
        moderator,
        can_write: rules::may_write(listing.access.muted, moderator),
        member_count: listing.member_count,
        last_seq: listing.access.last_seq,
        read_seq: listing.read_seq,
        unread: listing.unread,
        last_message,
    })
}

/// The caller's rooms, most recent activity first.
pub async fn rooms(
    state: &SharedState,
    session: &AuthenticatedSession,
) -> Result<Vec<Room>, ApiError> {
    let (school, user) = (session.school.id, session.user.id);
    state.store.ensure_class_rooms(school, user, state.now_ms()).await?;
    let mut rooms = Vec::new();
    for listing in state.store.rooms_of(school, user).await? {
        rooms.push(to_room(state, session, listing).await?);
    }
    Ok(rooms)
}

/// One room with its members.
pub async fn room_detail(
    state: &SharedState,
    session: &AuthenticatedSession,
    room: ChatRoomId,
) -> Result<RoomDetail, ApiError> {
    membership(state, session, room).await?;
    let (school, user) = (session.school.id, session.user.id);
    let listing = state.store.room_of(school, user, room).await?.ok_or_else(ApiError::not_found)?;
    let room_view = to_room(state, session, listing).await?;
    let members = state.store.room_members(school, room).await?;
    Ok(RoomDetail { room: room_view, members })
}

async fn tell_users(state: &SharedState, from: UserId, users: &[UserId], body: serde_json::Value) {
    for user in users {
        notify::publish(state, Topic::User(*user), from, body.clone()).await;
    }
}

/// A new group room (teachers and admins), with its members told.
pub async fn create_room(
    state: &SharedState,
    session: &AuthenticatedSession,
    title: &str,
    members: &[UserId],
) -> Result<RoomDetail, ApiError> {
    if !rules::may_create_rooms(session.user.role) {
        return Err(ApiError::forbidden());
    }
    let title = rules::room_title(title).map_err(|p| text_error("title", p))?;
    if members.len() > 500 {
        return Err(ApiError::invalid(
            "member_ids",
            "At most 500 members.",
            "Höchstens 500 Mitglieder.",
        ));
    }
    let me = session.user.id;
    let room = state
        .store
        .create_group_room(session.school.id, me, &title, members, state.now_ms())
        .await?;
    tell_users(state, me, members, json!({"event": "rooms"})).await;
    room_detail(state, session, room).await
}

/// The direct room with another user of the school, made if needed (`true`: made now).
pub async fn direct_room(
    state: &SharedState,
    session: &AuthenticatedSession,
    other: UserId,
) -> Result<(RoomDetail, bool), ApiError> {
    let me = &session.user;
    if other == me.id {
        return Err(ApiError::invalid(
            "user_id",
            "You cannot chat with yourself.",
            "Du kannst keinen Chat mit dir selbst beginnen.",
        ));
    }
    let school = session.school.id;
    let target = state.store.user(school, other).await?;
    if !matches!(target.status, UserStatus::Active | UserStatus::Restricted) {
        return Err(ApiError::not_found());
    }
    if !DirectRules::load(state, session).await?.allow(session, target.id, target.role) {
        return Err(ApiError::new(ErrorCode::DirectChatNotAllowed));
    }
    let (room, created) = state.store.direct_room(school, me.id, other, state.now_ms()).await?;
    if created {
        tell_users(state, me.id, &[other], json!({"event": "rooms"})).await;
    }
    Ok((room_detail(state, session, room).await?, created))
}

/// What decides whom the caller may start a direct chat with, read once per request: the school's
/// pupil-to-pupil setting and the caller's parent links (children for parents, parents for pupils).
struct DirectRules {
    pupil_direct_chats: bool,
    linked: Vec<UserId>,
}

impl DirectRules {
    async fn load(state: &SharedState, session: &AuthenticatedSession) -> Result<Self, ApiError> {
        let (school, me) = (session.school.id, &session.user);
        let linked = match me.role {
            Role::Parent => state.store.children(school, me.id).await?,
            Role::Pupil => state.store.parents(school, me.id).await?,
            _ => Vec::new(),
        };
        Ok(Self {
            pupil_direct_chats: state.store.pupil_direct_chats(school).await?,
            linked: linked.into_iter().map(|u| u.id).collect(),
        })
    }

    fn allow(&self, session: &AuthenticatedSession, other: UserId, other_role: Role) -> bool {
        let link = self.linked.contains(&other);
        rules::direct_chat_allowed(session.user.role, other_role, self.pupil_direct_chats, link)
    }
}

/// People the caller may start a direct chat with, matching `query`.
pub async fn contacts(
    state: &SharedState,
    session: &AuthenticatedSession,
    query: &str,
) -> Result<Vec<Contact>, ApiError> {
    let needle = query.trim().to_lowercase();
    let direct = DirectRules::load(state, session).await?;
    let mut found = Vec::new();
    let filter = crate::store::UserFilter { role: None, status: Some(UserStatus::Active) };
    for user in state.store.list_users(session.school.id, &filter).await? {
        if found.len() >= 20 {
            break;
        }
        if user.id == session.user.id || !user.display_name.to_lowercase().contains(&needle) {
            continue;
        }
        if direct.allow(session, user.id, user.role) {
            found.push(Contact { id: user.id, display_name: user.display_name, role: user.role });
        }
    }
    Ok(found)
}

/// Stores a message and announces it; mentioned members are told on their own topic.
pub async fn send(
    state: &SharedState,
    session: &AuthenticatedSession,
    room: ChatRoomId,
    text: &str,
    reply_to: Option<MessageId>,
) -> Result<Message, ApiError> {
    let text = rules::message_text(text).map_err(|p| text_error("text", p))?;
    let member = membership(state, session, room).await?;
    spend_write(state, session.user.id)?;
    if !rules::may_write(member.access.muted, member.moderator) {
        return Err(ApiError::new(ErrorCode::RoomMuted));
    }
    let logins = rules::mentioned_logins(&text);
    let mentions = state.store.room_members_by_login(session.school.id, room, &logins).await?;
    let new = NewMessage {
        room,
        sender: session.user.id,
        text: &text,
        reply_to,
        mentions: &mentions,
        moderator: member.moderator,
    };
    let message = match state.store.append_message(&new, state.now_ms()).await {
        Ok(message) => message,
        Err(AppendError::Muted) => return Err(ApiError::new(ErrorCode::RoomMuted)),
        Err(AppendError::BadReply) => {
            return Err(ApiError::invalid(
                "reply_to",
                "You can only reply to a message of this room.",
                "Du kannst nur auf eine Nachricht dieses Raums antworten.",
            ));
        }
        Err(AppendError::Store(error)) => return Err(error.into()),
    };
    state.metrics.chat_messages.inc();
    let me = session.user.id;
    notify::publish(state, chat_topic(room), me, json!({"event": "message", "message": message}))
        .await;
    let mention = json!({"event": "mention", "room": room, "message": message.id});
    let others: Vec<UserId> = mentions.into_iter().filter(|m| *m != me).collect();
    tell_users(state, me, &others, mention).await;
    Ok(message)
}

/// A message the caller may see, with the caller's rights in its room.
async fn visible_message(
    state: &SharedState,
    session: &AuthenticatedSession,
    id: MessageId,
) -> Result<(Message, Membership), ApiError> {
    let message = state.store.message(id).await?.ok_or_else(ApiError::not_found)?;
    let member = membership(state, session, message.room_id).await?;
    Ok((message, member))
}

async fn announce_update(
    state: &SharedState,
    session: &AuthenticatedSession,
    id: MessageId,
) -> Result<Message, ApiError> {
    let message = state.store.message(id).await?.ok_or_else(ApiError::not_found)?;
    let body = json!({"event": "updated", "message": message});
    notify::publish(state, chat_topic(message.room_id), session.user.id, body).await;
    Ok(message)
}

/// Edits the caller's own message.
pub async fn edit(
    state: &SharedState,
    session: &AuthenticatedSession,
    id: MessageId,
    text: &str,
) -> Result<Message, ApiError> {
    let text = rules::message_text(text).map_err(|p| text_error("text", p))?;
    let (message, member) = visible_message(state, session, id).await?;
    if message.sender_id != Some(session.user.id) || message.deleted {
        return Err(ApiError::forbidden());
    }
    spend_write(state, session.user.id)?;
    if !rules::may_write(member.access.muted, member.moderator) {
        return Err(ApiError::new(ErrorCode::RoomMuted));
    }
    let logins = rules::mentioned_logins(&text);
    let mentions =
        state.store.room_members_by_login(session.school.id, message.room_id, &logins).await?;
    state.store.edit_message(id, &text, &mentions, state.now_ms()).await?;
    announce_update(state, session, id).await
}

/// Deletes a message: the caller's own, or any as a moderator.
pub async fn delete(
    state: &SharedState,
    session: &AuthenticatedSession,
    id: MessageId,
) -> Result<Message, ApiError> {
    let (message, member) = visible_message(state, session, id).await?;
    if message.sender_id != Some(session.user.id) && !member.moderator {
        return Err(ApiError::new(ErrorCode::NotModerator));
    }
    state.store.delete_message(id, state.now_ms()).await?;
    announce_update(state, session, id).await
}

/// Adds or removes the caller's reaction.
pub async fn react(
    state: &SharedState,
    session: &AuthenticatedSession,
    id: MessageId,
    emoji: &str,
    on: bool,
) -> Result<Message, ApiError> {
    if !rules::is_valid_emoji(emoji) {
        return Err(ApiError::invalid("emoji", "That is not an emoji.", "Das ist kein Emoji."));
    }
    let (message, _) = visible_message(state, session, id).await?;
    if message.deleted {
        return Err(ApiError::not_found());
    }
    spend_write(state, session.user.id)?;
    state.store.set_reaction(id, session.user.id, emoji, on, state.now_ms()).await?;
    announce_update(state, session, id).await
}

/// Mutes or unmutes a room (moderators).
pub async fn set_muted(
    state: &SharedState,
    session: &AuthenticatedSession,
    room: ChatRoomId,
    muted: bool,
) -> Result<Room, ApiError> {
    let member = membership(state, session, room).await?;
    if !member.moderator {
        return Err(ApiError::new(ErrorCode::NotModerator));
    }
    state.store.set_room_muted(room, muted).await?;
    let detail = room_detail(state, session, room).await?;
    let body =
        json!({"event": "room", "room": {"id": room, "muted": muted, "title": detail.room.title}});
    notify::publish(state, chat_topic(room), session.user.id, body).await;
    Ok(detail.room)
}

async fn group_room_moderator(
    state: &SharedState,
    session: &AuthenticatedSession,
    room: ChatRoomId,
) -> Result<Membership, ApiError> {
    let member = membership(state, session, room).await?;
    match member.access.kind {
        RoomKind::Class => Err(ApiError::new(ErrorCode::RoomManagedByGroup)),
        RoomKind::Direct => Err(ApiError::new(ErrorCode::NotModerator)),
        RoomKind::Group => Ok(member),
    }
}

/// Adds members to a group room (its owner).
pub async fn add_members(
    state: &SharedState,
    session: &AuthenticatedSession,
    room: ChatRoomId,
    users: &[UserId],
) -> Result<RoomDetail, ApiError> {
    let member = group_room_moderator(state, session, room).await?;
    if !member.moderator {
        return Err(ApiError::new(ErrorCode::NotModerator));
    }
    let added =
        state.store.add_room_members(session.school.id, room, users, state.now_ms()).await?;
    let me = session.user.id;
    tell_users(state, me, &added, json!({"event": "rooms"})).await;
    notify::publish(state, chat_topic(room), me, json!({"event": "members"})).await;
    room_detail(state, session, room).await
}

/// Removes a member from a group room (its owner; anyone may leave). The removed user's hub
/// subscription ends at once.
pub async fn remove_member(
    state: &SharedState,
    session: &AuthenticatedSession,
    room: ChatRoomId,
    user: UserId,
) -> Result<(), ApiError> {
    let member = group_room_moderator(state, session, room).await?;
    if user != session.user.id && !member.moderator {
        return Err(ApiError::new(ErrorCode::NotModerator));
    }
    if !state.store.remove_room_member(room, user).await? {
        return Err(ApiError::not_found());
    }
    access::recheck_user(state, user).await;
    let me = session.user.id;
    tell_users(state, me, &[user], json!({"event": "rooms"})).await;
    notify::publish(state, chat_topic(room), me, json!({"event": "members"})).await;
    Ok(())
}

/// Moves the caller's read marker and tells the caller's other devices.
pub async fn mark_read(
    state: &SharedState,
    session: &AuthenticatedSession,
    room: ChatRoomId,
    seq: u64,
) -> Result<schulhof_proto::ReadState, ApiError> {
    membership(state, session, room).await?;
    let me = session.user.id;
    let read_seq = state.store.mark_read(room, me, seq).await?;
    let listing = state.store.room_of(session.school.id, me, room).await?;
    let unread = listing.map_or(0, |l| l.unread);
    let body = json!({"event": "read", "room": room, "seq": read_seq});
    notify::publish(state, Topic::User(me), me, body).await;
    Ok(schulhof_proto::ReadState { read_seq, unread })
}

pub async fn settings(
    state: &SharedState,
    session: &AuthenticatedSession,
) -> Result<ChatSettings, ApiError> {
    let pupil_direct_chats = state.store.pupil_direct_chats(session.school.id).await?;
    Ok(ChatSettings { pupil_direct_chats })
}

/// May this member write in the room now (used for typing notices on the hub)?
pub async fn may_write_now(
    state: &SharedState,
    session: &AuthenticatedSession,
    room: ChatRoomId,
) -> Result<bool, ApiError> {
    let member = membership(state, session, room).await?;
    Ok(rules::may_write(member.access.muted, member.moderator))
}
