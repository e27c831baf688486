//! Session cookies and the extractors that authenticate a request. The cookie carries an opaque
//! random token; the server looks up its hash. Sessions slide: each use (at most once a minute
//! written to the database) extends the expiry.

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use schulhof_proto::{ErrorCode, Role, UserStatus};

use crate::auth::token::hash_token;
use crate::error::ApiError;
use crate::state::SharedState;
use crate::store::AuthenticatedSession;

/// How long a session lives after its last use.
pub const SESSION_IDLE_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// How often a session's last use is written back.
const TOUCH_INTERVAL_MS: i64 = 60 * 1000;

/// The cookie's name: with `__Host-` over https (then it must be Secure, Path=/, no Domain).
pub fn cookie_name(https: bool) -> &'static str {
    if https { "__Host-schulhof_session" } else { "schulhof_session" }
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, Path=/, Secure over https. No
/// Max-Age, so it ends with the browser (shared school PCs); the server expires it too.
pub fn session_cookie(token: &str, https: bool) -> Result<HeaderValue, ApiError> {
    let secure = if https { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax{secure}",
        cookie_name(https)
    ))
    .map_err(ApiError::internal)
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(https: bool) -> Result<HeaderValue, ApiError> {
    let secure = if https { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        cookie_name(https)
    ))
    .map_err(ApiError::internal)
}

/// Finds the session token in the request's cookies.
pub fn token_from_headers(headers: &HeaderMap, https: bool) -> Option<String> {
    let name = cookie_name(https);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// Adds a `Set-Cookie` header.
pub fn append_cookie(headers: &mut HeaderMap, value: HeaderValue) {
    headers.append(SET_COOKIE, value);
}

/// Loads the valid session named by the request's cookie, sliding its expiry.
async fn authenticate(
    parts: &Parts,
    state: &SharedState,
) -> Result<AuthenticatedSession, ApiError> {
    let token = token_from_headers(&parts.headers, state.config.is_https())
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
    let now = state.now_ms();
    let session = state
        .store
        .authenticate(&hash_token(&token), now)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
    if now - session.last_seen_at >= TOUCH_INTERVAL_MS {
        state.store.touch_session(session.session_id, now, now + SESSION_IDLE_MS).await?;
    }
    Ok(session)
}

/// A request made by a logged-in user who may still have to replace an initial password, or who
/// is restricted. Only for the few routes needed for that: who am I (and why restricted), set
/// password, log out.
#[derive(Debug, Clone)]
pub struct SessionAllowingPasswordChange(pub AuthenticatedSession);

impl FromRequestParts<SharedState> for SessionAllowingPasswordChange {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        Ok(Self(authenticate(parts, state).await?))
    }
}

/// A request made by a logged-in, active user with their own password: a restricted user gets
/// `403 account_restricted`, one still holding an initial password `403 password_change_required`.
#[derive(Debug, Clone)]
pub struct CurrentSession(pub AuthenticatedSession);

impl FromRequestParts<SharedState> for CurrentSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let session = authenticate(parts, state).await?;
        if session.user.status == UserStatus::Restricted {
            return Err(ApiError::new(ErrorCode::AccountRestricted));
        }
        if session.user.must_change_password {
            return Err(ApiError::new(ErrorCode::PasswordChangeRequired));
        }
        Ok(Self(session))
    }
}

/// A request made by a school admin; anyone else gets `403 forbidden`.
#[derive(Debug, Clone)]
pub struct AdminSession(pub AuthenticatedSession);

impl FromRequestParts<SharedState> for AdminSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let CurrentSession(session) = CurrentSession::from_request_parts(parts, state).await?;
        if session.user.role != Role::Admin {
            return Err(ApiError::forbidden());
        }
        Ok(Self(session))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=1; schulhof_session=tok; b=2"));
        assert_eq!(token_from_headers(&headers, false).as_deref(), Some("tok"));
        assert_eq!(token_from_headers(&headers, true), None);
    }

    #[test]
    fn cookie_flags_follow_the_scheme() {
        let plain = session_cookie("t", false).unwrap();
        assert_eq!(plain, "schulhof_session=t; Path=/; HttpOnly; SameSite=Lax");
        let secure = session_cookie("t", true).unwrap();
        assert_eq!(secure, "__Host-schulhof_session=t; Path=/; HttpOnly; SameSite=Lax; Secure");
    }
}
