//! Self-service for every logged-in user: who am I, my groups (the dashboard), my children (for
//! parents), my password, my sessions.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use schulhof_proto::{
    ChangePasswordRequest, ErrorCode, Me, MyGroup, School, Session, SessionId, User,
};

use crate::auth::password::{hash_password, verify_password};
use crate::auth::{CurrentSession, SessionAllowingPasswordChange};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::hub::access;
use crate::state::SharedState;
use crate::validate;

pub async fn me(
    State(state): State<SharedState>,
    SessionAllowingPasswordChange(session): SessionAllowingPasswordChange,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(me_of(&state, session.user, session.school).await?))
}

/// The "who am I" answer: user, school and the modules the school has switched on.
pub async fn me_of(state: &SharedState, user: User, school: School) -> Result<Me, ApiError> {
    let switches = state.store.module_switches(school.id).await?;
    let modules = switches.into_iter().filter(|m| m.enabled).map(|m| m.module).collect();
    Ok(Me { user, school, modules })
}

pub async fn my_groups(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<Vec<MyGroup>>, ApiError> {
    Ok(Json(state.store.groups_of_user(session.school.id, session.user.id).await?))
}

pub async fn my_children(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(state.store.children(session.school.id, session.user.id).await?))
}

/// Changes the own password (also the initial one); other sessions of the user end, this one
/// stays.
pub async fn change_password(
    State(state): State<SharedState>,
    SessionAllowingPasswordChange(session): SessionAllowingPasswordChange,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    validate::new_password(&request.new_password)?;
    let school = session.school.id;
    let stored = state.store.password_hash(school, session.user.id).await?;
    let _permit = state.password_work.acquire().await.map_err(ApiError::internal)?;
    if !verify_password(request.current_password, stored).await.map_err(ApiError::internal)? {
        return Err(ApiError::new(ErrorCode::InvalidCredentials));
    }
    let hash = hash_password(request.new_password).await.map_err(ApiError::internal)?;
    state
        .store
        .set_password(
            school,
            session.user.id,
            &hash,
            false,
            Some(session.session_id),
            state.now_ms(),
        )
        .await?;
    access::recheck_user(&state, session.user.id).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn my_sessions(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
) -> Result<Json<Vec<Session>>, ApiError> {
    let sessions = state
        .store
        .list_sessions(session.school.id, session.user.id, Some(session.session_id), state.now_ms())
        .await?;
    Ok(Json(sessions))
}

pub async fn revoke_my_session(
    State(state): State<SharedState>,
    CurrentSession(session): CurrentSession,
    ApiPath(id): ApiPath<SessionId>,
) -> Result<StatusCode, ApiError> {
    state.store.revoke_session(session.school.id, session.user.id, id).await?;
    access::recheck_user(&state, session.user.id).await;
    Ok(StatusCode::NO_CONTENT)
}
