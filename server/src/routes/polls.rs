//! The quick polls' HTTP API under `/api/polls` (docs/messenger.md). Every handler checks the
//! `polls` module and hands over to `polls::service`, which checks membership and ownership.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use schulhof_proto::{
    ChatRoomId, GroupId, Module, Poll, PollId, PollList, PollRequest, PollState, VoteAccepted,
    VoteRequest,
};
use serde::Deserialize;

use crate::auth::CurrentSession;
use crate::auth::modules::require_module;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::polls::service;
use crate::state::SharedState;
use crate::store::AuthenticatedSession;

async fn polls_on(state: &SharedState, session: &AuthenticatedSession) -> Result<(), ApiError> {
    require_module(state, session, Module::Polls).await
}

pub async fn create(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiJson(request): ApiJson<PollRequest>,
) -> Result<(StatusCode, Json<Poll>), ApiError> {
    polls_on(&state, &session).await?;
    Ok((StatusCode::CREATED, Json(service::create(&state, &session, &request).await?)))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    group_id: Option<GroupId>,
    room_id: Option<ChatRoomId>,
}

pub async fn list(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<PollList>, ApiError> {
    polls_on(&state, &session).await?;
    let target = match (query.group_id, query.room_id) {
        (Some(group), None) => (Some(group), None),
        (None, Some(room)) => (None, Some(room)),
        _ => {
            return Err(ApiError::invalid(
                "group_id",
                "Give either group_id or room_id.",
                "Gib entweder group_id oder room_id an.",
            ));
        }
    };
    service::require_member(&state, &session, target).await?;
    let mut polls = Vec::new();
    for record in state.store.polls_of(session.school.id, target).await? {
        let own = record.owner_id == Some(session.user.id);
        if record.state != PollState::Draft || own {
            polls.push(service::view(&state, &session, &record).await?);
        }
    }
    Ok(Json(PollList { polls }))
}

pub async fn get(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<PollId>,
) -> Result<Json<Poll>, ApiError> {
    polls_on(&state, &session).await?;
    let record = service::visible_poll(&state, &session, id).await?;
    Ok(Json(service::view(&state, &session, &record).await?))
}

pub async fn update(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<PollId>,
    ApiJson(request): ApiJson<PollRequest>,
) -> Result<Json<Poll>, ApiError> {
    polls_on(&state, &session).await?;
    Ok(Json(service::update_draft(&state, &session, id, &request).await?))
}

pub async fn open(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<PollId>,
) -> Result<Json<Poll>, ApiError> {
    polls_on(&state, &session).await?;
    Ok(Json(service::open(&state, &session, id).await?))
}

pub async fn close(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<PollId>,
) -> Result<Json<Poll>, ApiError> {
    polls_on(&state, &session).await?;
    Ok(Json(service::close(&state, &session, id).await?))
}

pub async fn delete(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<PollId>,
) -> Result<StatusCode, ApiError> {
    polls_on(&state, &session).await?;
    service::delete(&state, &session, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn vote(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<PollId>,
    ApiJson(request): ApiJson<VoteRequest>,
) -> Result<Json<VoteAccepted>, ApiError> {
    polls_on(&state, &session).await?;
    let record = service::visible_poll(&state, &session, id).await?;
    let my_vote = service::vote(&state, &session, &record, &request.choices).await?;
    Ok(Json(VoteAccepted { my_vote }))
}

pub async fn results_csv(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<PollId>,
) -> Result<Response, ApiError> {
    polls_on(&state, &session).await?;
    let csv = service::results_csv(&state, &session, id).await?;
    let disposition = "attachment; filename=\"umfrage.csv\"";
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    )
        .into_response())
}
