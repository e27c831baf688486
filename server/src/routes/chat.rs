//! The messenger's HTTP API under `/api/chat` (docs/messenger.md). Every handler checks the
//! `messenger` module and hands over to `messenger::service`, which checks room access.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use schulhof_proto::{
    AddMembersRequest, ChatRoomId, ChatSettings, Contact, CreateRoomRequest, DirectChatRequest,
    EditMessageRequest, Message, MessageId, MessagePage, Module, MuteRequest, ReactionRequest,
    ReadRequest, ReadState, Room, RoomDetail, SearchHit, SendMessageRequest, UserId,
};
use serde::{Deserialize, Serialize};

use crate::audit;
use crate::auth::modules::require_module;
use crate::auth::{AdminSession, CurrentSession};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::messenger::service;
use crate::state::SharedState;
use crate::store::AuthenticatedSession;

async fn messenger_on(state: &SharedState, session: &AuthenticatedSession) -> Result<(), ApiError> {
    require_module(state, session, Module::Messenger).await
}

#[derive(Debug, Serialize)]
pub struct RoomList {
    rooms: Vec<Room>,
}

pub async fn rooms(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<RoomList>, ApiError> {
    messenger_on(&state, &session).await?;
    Ok(Json(RoomList { rooms: service::rooms(&state, &session).await? }))
}

pub async fn create_room(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiJson(request): ApiJson<CreateRoomRequest>,
) -> Result<(StatusCode, Json<RoomDetail>), ApiError> {
    messenger_on(&state, &session).await?;
    let room = service::create_room(&state, &session, &request.title, &request.member_ids).await?;
    Ok((StatusCode::CREATED, Json(room)))
}

pub async fn direct(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiJson(request): ApiJson<DirectChatRequest>,
) -> Result<(StatusCode, Json<RoomDetail>), ApiError> {
    messenger_on(&state, &session).await?;
    let (room, created) = service::direct_room(&state, &session, request.user_id).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(room)))
}

pub async fn room(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(room): ApiPath<ChatRoomId>,
) -> Result<Json<RoomDetail>, ApiError> {
    messenger_on(&state, &session).await?;
    Ok(Json(service::room_detail(&state, &session, room).await?))
}

pub async fn set_muted(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(room): ApiPath<ChatRoomId>,
    ApiJson(request): ApiJson<MuteRequest>,
) -> Result<Json<Room>, ApiError> {
    messenger_on(&state, &session).await?;
    Ok(Json(service::set_muted(&state, &session, room, request.muted).await?))
}

pub async fn add_members(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(room): ApiPath<ChatRoomId>,
    ApiJson(request): ApiJson<AddMembersRequest>,
) -> Result<Json<RoomDetail>, ApiError> {
    messenger_on(&state, &session).await?;
    Ok(Json(service::add_members(&state, &session, room, &request.user_ids).await?))
}

pub async fn remove_member(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath((room, user)): ApiPath<(ChatRoomId, UserId)>,
) -> Result<StatusCode, ApiError> {
    messenger_on(&state, &session).await?;
    service::remove_member(&state, &session, room, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    before: Option<u64>,
    after: Option<u64>,
    limit: Option<u32>,
}

pub async fn messages(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(room): ApiPath<ChatRoomId>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<MessagePage>, ApiError> {
    messenger_on(&state, &session).await?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            "limit must be 1 to 100.",
            "limit muss 1 bis 100 sein.",
        ));
    }
    if query.before.is_some() && query.after.is_some() {
        return Err(ApiError::invalid(
            "before",
            "Give before or after, not both.",
            "Gib before oder after an, nicht beides.",
        ));
    }
    service::membership(&state, &session, room).await?;
    let (messages, has_more) = state.store.messages(room, query.before, query.after, limit).await?;
    Ok(Json(MessagePage { messages, has_more }))
}

pub async fn send(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(room): ApiPath<ChatRoomId>,
    ApiJson(request): ApiJson<SendMessageRequest>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    messenger_on(&state, &session).await?;
    let message = service::send(&state, &session, room, &request.text, request.reply_to).await?;
    Ok((StatusCode::CREATED, Json(message)))
}

pub async fn edit(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<MessageId>,
    ApiJson(request): ApiJson<EditMessageRequest>,
) -> Result<Json<Message>, ApiError> {
    messenger_on(&state, &session).await?;
    Ok(Json(service::edit(&state, &session, id, &request.text).await?))
}

pub async fn delete(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<MessageId>,
) -> Result<Json<Message>, ApiError> {
    messenger_on(&state, &session).await?;
    Ok(Json(service::delete(&state, &session, id).await?))
}

pub async fn react(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<MessageId>,
    ApiJson(request): ApiJson<ReactionRequest>,
) -> Result<Json<Message>, ApiError> {
    messenger_on(&state, &session).await?;
    Ok(Json(service::react(&state, &session, id, &request.emoji, request.on).await?))
}

pub async fn mark_read(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(room): ApiPath<ChatRoomId>,
    ApiJson(request): ApiJson<ReadRequest>,
) -> Result<Json<ReadState>, ApiError> {
    messenger_on(&state, &session).await?;
    Ok(Json(service::mark_read(&state, &session, room, request.seq).await?))
}

#[derive(Debug, Deserialize)]
pub struct TextQuery {
    #[serde(default)]
    q: String,
}

#[derive(Debug, Serialize)]
pub struct SearchResults {
    results: Vec<SearchHit>,
}

pub async fn search(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiQuery(query): ApiQuery<TextQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    messenger_on(&state, &session).await?;
    let needle = query.q.trim();
    if needle.chars().count() < 2 || needle.chars().count() > 100 {
        return Err(ApiError::invalid(
            "q",
            "Search for 2 to 100 characters.",
            "Suche nach 2 bis 100 Zeichen.",
        ));
    }
    let hits = state.store.search_messages(session.school.id, session.user.id, needle, 50).await?;
    let results =
        hits.into_iter().map(|(message, room_title)| SearchHit { message, room_title }).collect();
    Ok(Json(SearchResults { results }))
}

#[derive(Debug, Serialize)]
pub struct ContactList {
    users: Vec<Contact>,
}

pub async fn contacts(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiQuery(query): ApiQuery<TextQuery>,
) -> Result<Json<ContactList>, ApiError> {
    messenger_on(&state, &session).await?;
    Ok(Json(ContactList { users: service::contacts(&state, &session, &query.q).await? }))
}

pub async fn settings(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<ChatSettings>, ApiError> {
    messenger_on(&state, &session).await?;
    Ok(Json(service::settings(&state, &session).await?))
}

pub async fn save_settings(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiJson(request): ApiJson<ChatSettings>,
) -> Result<Json<ChatSettings>, ApiError> {
    state.store.set_pupil_direct_chats(admin.school.id, request.pupil_direct_chats).await?;
    let summary = format!("pupil_direct_chats={}", request.pupil_direct_chats);
    audit::record(&state, &admin, "messenger.settings", None, summary).await?;
    Ok(Json(service::settings(&state, &admin).await?))
}
