//! Login, logout and WebSocket tickets. Login checks the throttle first, then the password (always
//! running argon2, also for unknown names, so timing tells nothing), then the account state.
//! Every attempt is noted with the client's IP address in `login_events` (purged after the
//! retention period).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use schulhof_proto::{ErrorCode, LoginRequest, SchoolId, SessionId, UserStatus, WsTicket};

use crate::auth::SessionAllowingPasswordChange;
use crate::auth::password::verify_password;
use crate::auth::session::{SESSION_IDLE_MS, append_cookie, clear_cookie, session_cookie};
use crate::auth::token::{hash_token, new_token};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::SharedState;
use crate::store::NewSession;

/// How long a WebSocket ticket may wait to be used.
const TICKET_TTL_SECONDS: u64 = 30;

pub async fn login(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let login = request.login.trim().to_lowercase();
    let now = state.now_ms();
    if let Err(wait_ms) = state.throttle().check(now, &login, peer.ip()) {
        state.metrics.login("throttled");
        return Err(ApiError::throttled(u64::try_from((wait_ms + 999) / 1000).unwrap_or(1)));
    }

    let school = find_school(&state, &login, request.school.as_deref()).await?;
    let credentials = match school {
        Some(school) => state.store.credentials(school, &login).await?,
        None => None,
    };
    let hash = credentials
        .as_ref()
        .map_or_else(|| state.dummy_password_hash.clone(), |c| c.password_hash.clone());
    let permit = state.password_work.acquire().await.map_err(ApiError::internal)?;
    let password_ok = verify_password(request.password, hash).await.map_err(ApiError::internal)?;
    drop(permit);

    let ip = peer.ip().to_string();
    let user = match credentials {
        Some(c) if password_ok && c.user.status != UserStatus::Deleted => c.user,
        other => {
            state.throttle().record_failure(now, &login, peer.ip());
            state.metrics.login("invalid_credentials");
            let user = other.map(|c| c.user.id);
            state.store.record_login_event(school, user, &ip, "invalid_credentials", now).await?;
            return Err(ApiError::new(ErrorCode::InvalidCredentials));
        }
    };
    state.throttle().record_success(&login);
    if matches!(user.status, UserStatus::Inactive | UserStatus::Deleted) {
        state.metrics.login("inactive");
        state.store.record_login_event(school, Some(user.id), &ip, "inactive", now).await?;
        return Err(ApiError::new(ErrorCode::AccountInactive));
    }
    // Restricted users log in, but every module refuses them (see `CurrentSession`).
    let outcome = if user.status == UserStatus::Restricted { "restricted" } else { "ok" };
    state.store.record_login_event(school, Some(user.id), &ip, outcome, now).await?;

    let school_id = school.ok_or_else(|| ApiError::internal("user without school"))?;
    let token = new_token().map_err(ApiError::internal)?;
    let user_agent = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(200).collect());
    state
        .store
        .create_session(&NewSession {
            id: SessionId::new(),
            token_hash: hash_token(&token),
            school: school_id,
            user: user.id,
            now_ms: now,
            expires_at: now + SESSION_IDLE_MS,
            user_agent,
        })
        .await?;
    state.metrics.login(outcome);
    let school = state.store.school(school_id).await?;
    let mut response = Json(super::me::me_of(&state, user, school).await?).into_response();
    append_cookie(response.headers_mut(), session_cookie(&token, state.config.is_https())?);
    Ok(response)
}

/// Picks the school for a login: the named one, or the only school that has this login name.
async fn find_school(
    state: &SharedState,
    login: &str,
    slug: Option<&str>,
) -> Result<Option<SchoolId>, ApiError> {
    if let Some(slug) = slug.map(str::trim).filter(|s| !s.is_empty()) {
        return Ok(state.store.school_by_slug(slug).await?.map(|s| s.id));
    }
    let schools = state.store.schools_with_login(login).await?;
    match schools.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(ApiError::new(ErrorCode::SchoolRequired)),
    }
}

pub async fn logout(
    State(state): State<SharedState>,
    SessionAllowingPasswordChange(session): SessionAllowingPasswordChange,
) -> Result<Response, ApiError> {
    state.store.revoke_session(session.school.id, session.user.id, session.session_id).await?;
    crate::hub::access::end_session(&state, session.session_id).await;
    // Open document sockets are admitted again: this session's are refused (4401) at once.
    crate::hub::access::recheck_user(&state, session.user.id).await;
    let mut response = StatusCode::NO_CONTENT.into_response();
    append_cookie(response.headers_mut(), clear_cookie(state.config.is_https())?);
    Ok(response)
}

/// A one-time ticket for opening a WebSocket from a client that cannot send the cookie. Issued
/// to restricted users too: the hub then refuses them with its documented close code.
pub async fn ws_ticket(
    State(state): State<SharedState>,
    SessionAllowingPasswordChange(session): SessionAllowingPasswordChange,
) -> Result<Json<WsTicket>, ApiError> {
    let ticket = new_token().map_err(ApiError::internal)?;
    let ttl_ms = i64::try_from(TICKET_TTL_SECONDS * 1000).unwrap_or(30_000);
    state
        .store
        .create_ticket(&hash_token(&ticket), session.session_id, state.now_ms() + ttl_ms)
        .await?;
    Ok(Json(WsTicket { ticket, expires_in_seconds: TICKET_TTL_SECONDS }))
}
