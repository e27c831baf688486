//! Admin API for the users of the admin's own school: create (with an initial password shown once),
//! read, change, set status, reset password, delete (soft), sessions, parent↔child links.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use schulhof_proto::{
    CreateUserRequest, CreatedUser, MyGroup, PasswordReset, Role, Session, SessionId,
    SetStatusRequest, UpdateUserRequest, User, UserId, UserStatus,
};
use serde::Deserialize;

use crate::auth::AdminSession;
use crate::auth::password::hash_password;
use crate::auth::token::new_initial_password;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::hub::access;
use crate::state::SharedState;
use crate::store::{NewUser, UserChanges, UserFilter};
use crate::validate;
use crate::{audit, consent};

#[derive(Debug, Deserialize)]
pub struct UserQuery {
    role: Option<Role>,
    status: Option<UserStatus>,
    q: Option<String>,
}

pub async fn list(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiQuery(query): ApiQuery<UserQuery>,
) -> Result<Json<Vec<User>>, ApiError> {
    let filter = UserFilter { role: query.role, status: query.status };
    let mut users = state.store.list_users(admin.school.id, &filter).await?;
    if let Some(needle) = query.q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty()) {
        users.retain(|u| {
            u.login.contains(&needle)
                || u.display_name.to_lowercase().contains(&needle)
                || u.import_id.as_deref().is_some_and(|id| id.to_lowercase() == needle)
        });
    }
    Ok(Json(users))
}

/// A fresh initial password and its hash.
pub async fn initial_password(state: &SharedState) -> Result<(String, String), ApiError> {
    let password = new_initial_password().map_err(ApiError::internal)?;
    let _permit = state.password_work.acquire().await.map_err(ApiError::internal)?;
    let hash = hash_password(password.clone()).await.map_err(ApiError::internal)?;
    Ok((password, hash))
}

pub async fn create(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiJson(request): ApiJson<CreateUserRequest>,
) -> Result<(StatusCode, Json<CreatedUser>), ApiError> {
    let birth_date = validate::birth_date(request.birth_date.as_deref())?;
    let now = state.now_ms();
    // Pupils start restricted unless the consents the age rule needs are on file.
    let status = if request.role == Role::Pupil {
        let required = consent::required_givers(birth_date.as_deref(), consent::date_of(now));
        consent::status_for(&required, &request.consents)
    } else {
        UserStatus::Active
    };
    let mut consents =
        if request.role == Role::Pupil { request.consents.clone() } else { Vec::new() };
    consents.sort_by_key(|giver| giver.as_str());
    consents.dedup();
    let (initial_password, password_hash) = initial_password(&state).await?;
    let new = NewUser {
        login: validate::login(&request.login)?,
        display_name: validate::name("display_name", &request.display_name)?,
        role: request.role,
        status,
        import_id: validate::import_id(request.import_id.as_deref())?,
        birth_date,
        email: None,
        password_hash,
        must_change_password: true,
        consents: consents.clone(),
        consent_recorded_by: Some(admin.user.id),
    };
    let user = state.store.create_user(admin.school.id, new, now).await?;
    for giver in &consents {
        let summary = format!("given by {}", giver.as_str());
        audit::record(&state, &admin, "consent.recorded", Some(user.id.to_string()), summary)
            .await?;
    }
    let summary = format!("role {}, status {}", user.role.as_str(), user.status.as_str());
    audit::record(&state, &admin, "user.created", Some(user.id.to_string()), summary).await?;
    Ok((StatusCode::CREATED, Json(CreatedUser { user, initial_password })))
}

pub async fn get(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(state.store.user(admin.school.id, id).await?))
}

pub async fn update(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(request): ApiJson<UpdateUserRequest>,
) -> Result<Json<User>, ApiError> {
    if id == admin.user.id && request.role.is_some_and(|r| r != Role::Admin) {
        return Err(ApiError::invalid(
            "role",
            "You cannot take away your own admin role.",
            "Du kannst dir die eigene Admin-Rolle nicht entziehen.",
        ));
    }
    let changes = UserChanges {
        login: request.login.as_deref().map(validate::login).transpose()?,
        display_name: request
            .display_name
            .as_deref()
            .map(|n| validate::name("display_name", n))
            .transpose()?,
        role: request.role,
        birth_date: request.birth_date.map(|d| validate::birth_date(d.as_deref())).transpose()?,
        import_id: request.import_id.map(|i| validate::import_id(i.as_deref())).transpose()?,
    };
    let user = state.store.update_user(admin.school.id, id, &changes, state.now_ms()).await?;
    let fields: Vec<&str> = [
        ("login", changes.login.is_some()),
        ("display_name", changes.display_name.is_some()),
        ("role", changes.role.is_some()),
        ("birth_date", changes.birth_date.is_some()),
        ("import_id", changes.import_id.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect();
    let summary = format!("changed: {}", fields.join(", "));
    audit::record(&state, &admin, "user.updated", Some(id.to_string()), summary).await?;
    Ok(Json(user))
}

fn refuse_self(admin: &AdminSession, id: UserId) -> Result<(), ApiError> {
    if admin.0.user.id == id {
        return Err(ApiError::invalid(
            "status",
            "You cannot deactivate or delete your own account.",
            "Du kannst dein eigenes Konto nicht deaktivieren oder löschen.",
        ));
    }
    Ok(())
}

pub async fn set_status(
    State(state): State<SharedState>,
    admin: AdminSession,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(request): ApiJson<SetStatusRequest>,
) -> Result<Json<User>, ApiError> {
    if request.status != UserStatus::Active {
        refuse_self(&admin, id)?;
    }
    let school = admin.0.school.id;
    let before = state.store.user(school, id).await?;
    let user = state.store.set_user_status(school, id, request.status, state.now_ms()).await?;
    let summary = format!("{} → {}", before.status.as_str(), user.status.as_str());
    audit::record(&state, &admin.0, "user.status", Some(id.to_string()), summary).await?;
    access::recheck_user(&state, id).await;
    Ok(Json(user))
}

/// Soft delete: the account becomes `deleted` (purged later) and its sessions end.
pub async fn delete(
    State(state): State<SharedState>,
    admin: AdminSession,
    ApiPath(id): ApiPath<UserId>,
) -> Result<StatusCode, ApiError> {
    refuse_self(&admin, id)?;
    let school = admin.0.school.id;
    state.store.set_user_status(school, id, UserStatus::Deleted, state.now_ms()).await?;
    audit::record(&state, &admin.0, "user.deleted", Some(id.to_string()), "status → deleted")
        .await?;
    access::recheck_user(&state, id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets a new initial password (shown once) that must be changed at the next login.
pub async fn reset_password(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<PasswordReset>, ApiError> {
    let school = admin.school.id;
    state.store.user(school, id).await?;
    let (initial_password, hash) = initial_password(&state).await?;
    state.store.set_password(school, id, &hash, true, None, state.now_ms()).await?;
    audit::record(
        &state,
        &admin,
        "user.password_reset",
        Some(id.to_string()),
        "new initial password",
    )
    .await?;
    access::recheck_user(&state, id).await;
    Ok(Json(PasswordReset { initial_password }))
}

pub async fn groups(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<Vec<MyGroup>>, ApiError> {
    state.store.user(admin.school.id, id).await?;
    Ok(Json(state.store.groups_of_user(admin.school.id, id).await?))
}

pub async fn sessions(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<Vec<Session>>, ApiError> {
    state.store.user(admin.school.id, id).await?;
    let current = Some(admin.session_id);
    Ok(Json(state.store.list_sessions(admin.school.id, id, current, state.now_ms()).await?))
}

pub async fn revoke_sessions(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(id): ApiPath<UserId>,
) -> Result<StatusCode, ApiError> {
    state.store.user(admin.school.id, id).await?;
    state.store.revoke_all_sessions(admin.school.id, id).await?;
    audit::record(&state, &admin, "user.sessions_revoked", Some(id.to_string()), "all sessions")
        .await?;
    access::recheck_user(&state, id).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn revoke_session(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath((id, session)): ApiPath<(UserId, SessionId)>,
) -> Result<StatusCode, ApiError> {
    state.store.revoke_session(admin.school.id, id, session).await?;
    let summary = format!("session {session}");
    audit::record(&state, &admin, "user.sessions_revoked", Some(id.to_string()), summary).await?;
    access::recheck_user(&state, id).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn children(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath(id): ApiPath<UserId>,
) -> Result<Json<Vec<User>>, ApiError> {
    state.store.user(admin.school.id, id).await?;
    Ok(Json(state.store.children(admin.school.id, id).await?))
}

/// Links a parent account to a pupil account of the same school.
pub async fn link_child(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath((parent, child)): ApiPath<(UserId, UserId)>,
) -> Result<StatusCode, ApiError> {
    let school = admin.school.id;
    let parent_user = state.store.user(school, parent).await?;
    let child_user = state.store.user(school, child).await?;
    if parent_user.role != Role::Parent || child_user.role != Role::Pupil {
        return Err(ApiError::invalid(
            "child_id",
            "Only a parent account can be linked to a pupil account.",
            "Nur ein Elternkonto kann mit einem Schülerkonto verknüpft werden.",
        ));
    }
    state.store.link_child(school, parent, child, state.now_ms()).await?;
    let summary = format!("child {child}");
    audit::record(&state, &admin, "parent.linked", Some(parent.to_string()), summary).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn unlink_child(
    State(state): State<SharedState>,
    AdminSession(admin): AdminSession,
    ApiPath((parent, child)): ApiPath<(UserId, UserId)>,
) -> Result<StatusCode, ApiError> {
    state.store.unlink_child(admin.school.id, parent, child).await?;
    let summary = format!("child {child}");
    audit::record(&state, &admin, "parent.unlinked", Some(parent.to_string()), summary).await?;
    Ok(StatusCode::NO_CONTENT)
}
