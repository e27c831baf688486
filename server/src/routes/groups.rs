//! Admin API for groups (classes, courses, custom groups) of the admin's own school and their
//! members.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use schulhof_proto::{
    CreateGroupRequest, Group, GroupId, GroupKind, Member, SchoolId, SetMemberRequest,
    UpdateGroupRequest, UserId,
};
use serde::Deserialize;

use crate::audit;
use crate::auth::AdminSession;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::hub::access;
use crate::state::SharedState;
use crate::store::{GroupChanges, NewGroup, StoreError};
use crate::validate;

#[derive(Debug, Deserialize)]
pub struct GroupQuery {
    kind: Option<GroupKind>,
}

pub async fn list(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiQuery(query): ApiQuery<GroupQuery>,
) -> Result<Json<Vec<Group>>, ApiError> {
    Ok(Json(state.store.list_groups(admin.school.id, query.kind).await?))
}

/// The owner must be a user of the same school.
async fn check_owner(
    state: &SharedState,
    school: SchoolId,
    owner: Option<UserId>,
) -> Result<(), ApiError> {
    let Some(owner) = owner else { return Ok(()) };
    match state.store.user(school, owner).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound) => Err(ApiError::invalid(
            "owner_id",
            "The owner is not a user of this school.",
            "Die verantwortliche Person ist kein Mitglied dieser Schule.",
        )),
        Err(other) => Err(other.into()),
    }
}

pub async fn create(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiJson(request): ApiJson<CreateGroupRequest>,
) -> Result<(StatusCode, Json<Group>), ApiError> {
    let new = NewGroup {
        name: validate::name("name", &request.name)?,
        kind: request.kind,
        owner_id: request.owner_id,
    };
    check_owner(&state, admin.school.id, new.owner_id).await?;
    let group = state.store.create_group(admin.school.id, &new, state.now_ms()).await?;
    let summary = format!("kind {}", group.kind.as_str());
    audit::record(&state, &admin, "group.created", Some(group.id.to_string()), summary).await?;
    Ok((StatusCode::CREATED, Json(group)))
}

pub async fn get(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(id): ApiPath<GroupId>,
) -> Result<Json<Group>, ApiError> {
    Ok(Json(state.store.group(admin.school.id, id).await?))
}

pub async fn update(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(id): ApiPath<GroupId>,
    ApiJson(request): ApiJson<UpdateGroupRequest>,
) -> Result<Json<Group>, ApiError> {
    let changes = GroupChanges {
        name: request.name.as_deref().map(|n| validate::name("name", n)).transpose()?,
        kind: request.kind,
        owner_id: request.owner_id,
    };
    check_owner(&state, admin.school.id, changes.owner_id.flatten()).await?;
    let group = state.store.update_group(admin.school.id, id, &changes).await?;
    audit::record(&state, &admin, "group.updated", Some(id.to_string()), "name/kind/owner").await?;
    Ok(Json(group))
}

pub async fn delete(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(id): ApiPath<GroupId>,
) -> Result<StatusCode, ApiError> {
    let members: Vec<UserId> =
        state.store.members(admin.school.id, id).await?.into_iter().map(|m| m.user.id).collect();
    state.store.delete_group(admin.school.id, id).await?;
    audit::record(&state, &admin, "group.deleted", Some(id.to_string()), "with memberships")
        .await?;
    access::recheck_users(&state, members).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn members(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(id): ApiPath<GroupId>,
) -> Result<Json<Vec<Member>>, ApiError> {
    state.store.group(admin.school.id, id).await?;
    Ok(Json(state.store.members(admin.school.id, id).await?))
}

pub async fn set_member(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath((group, user)): ApiPath<(GroupId, UserId)>,
    ApiJson(request): ApiJson<SetMemberRequest>,
) -> Result<StatusCode, ApiError> {
    state.store.set_member(admin.school.id, group, user, request.role, state.now_ms()).await?;
    let summary = format!("user {user} as {}", request.role.as_str());
    audit::record(&state, &admin, "member.set", Some(group.to_string()), summary).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove_member(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath((group, user)): ApiPath<(GroupId, UserId)>,
) -> Result<StatusCode, ApiError> {
    state.store.remove_member(admin.school.id, group, user).await?;
    let summary = format!("user {user}");
    audit::record(&state, &admin, "member.removed", Some(group.to_string()), summary).await?;
    access::recheck_user(&state, user).await;
    Ok(StatusCode::NO_CONTENT)
}
