//! Login sessions and one-time WebSocket tickets. Only SHA-256 hashes of the secret tokens are
//! stored, so a copy of the database does not let anyone log in. A session is valid while it has
//! not expired and its user is `active` or `restricted` (restricted users may log in to read why
//! every module refuses them).

use schulhof_proto::{School, SchoolId, Session, SessionId, User, UserId};

use super::rows::{SchoolRow, SessionRow, UserRow, parse_id, user_columns};
use super::{Store, StoreError, on_pool};

/// A session to create.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: SessionId,
    pub token_hash: String,
    pub school: SchoolId,
    pub user: UserId,
    pub now_ms: i64,
    pub expires_at: i64,
    pub user_agent: Option<String>,
}

/// A valid session with its user and school.
#[derive(Debug, Clone)]
pub struct AuthenticatedSession {
    pub session_id: SessionId,
    pub last_seen_at: i64,
    pub user: User,
    pub school: School,
}

#[derive(sqlx::FromRow)]
struct AuthRow {
    session_id: String,
    last_seen_at: i64,
    #[sqlx(flatten)]
    user: UserRow,
    #[sqlx(flatten)]
    school: SchoolRowAliased,
}

#[derive(sqlx::FromRow)]
struct SchoolRowAliased {
    school_id: String,
    school_name: String,
    school_slug: String,
}

impl AuthRow {
    fn into_session(self) -> Result<AuthenticatedSession, StoreError> {
        let school = SchoolRow {
            id: self.school.school_id,
            name: self.school.school_name,
            slug: self.school.school_slug,
        };
        Ok(AuthenticatedSession {
            session_id: parse_id(&self.session_id)?,
            last_seen_at: self.last_seen_at,
            user: self.user.into_user()?,
            school: school.into_school()?,
        })
    }
}

/// Session, user and school columns for `AuthRow` (aliases `s`, `u`, `sc`).
macro_rules! auth_select {
    () => {
        concat!(
            "SELECT s.id AS session_id, s.last_seen_at, ",
            user_columns!(),
            ", sc.id AS school_id, sc.name AS school_name, sc.slug AS school_slug \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN schools sc ON sc.id = s.school_id "
        )
    };
}

impl Store {
    pub async fn create_session(&self, new: &NewSession) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO sessions (id, token_hash, user_id, school_id, created_at, \
                 last_seen_at, expires_at, user_agent) VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
            )
            .bind(new.id.to_string())
            .bind(&new.token_hash)
            .bind(new.user.to_string())
            .bind(new.school.to_string())
            .bind(new.now_ms)
            .bind(new.expires_at)
            .bind(&new.user_agent)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The valid session for a token hash, if any.
    pub async fn authenticate(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<AuthenticatedSession>, StoreError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, AuthRow>(concat!(
                auth_select!(),
                "WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.status IN ('active', 'restricted')"
            ))
            .bind(token_hash)
            .bind(now_ms)
            .fetch_optional(pool)
            .await
        })?;
        row.map(AuthRow::into_session).transpose()
    }

    /// The valid session with this public ID, if any (used to re-check open WebSockets).
    pub async fn session_by_id(
        &self,
        id: SessionId,
        now_ms: i64,
    ) -> Result<Option<AuthenticatedSession>, StoreError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, AuthRow>(concat!(
                auth_select!(),
                "WHERE s.id = $1 AND s.expires_at > $2 AND u.status IN ('active', 'restricted')"
            ))
            .bind(id.to_string())
            .bind(now_ms)
            .fetch_optional(pool)
            .await
        })?;
        row.map(AuthRow::into_session).transpose()
    }

    /// Records activity on a session and moves its expiry.
    pub async fn touch_session(
        &self,
        id: SessionId,
        now_ms: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id = $1")
                .bind(id.to_string())
                .bind(now_ms)
                .bind(expires_at)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    pub async fn list_sessions(
        &self,
        school: SchoolId,
        user: UserId,
        current: Option<SessionId>,
        now_ms: i64,
    ) -> Result<Vec<Session>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, SessionRow>(
                "SELECT id, created_at, last_seen_at, expires_at, user_agent FROM sessions \
                 WHERE school_id = $1 AND user_id = $2 AND expires_at > $3 ORDER BY created_at DESC",
            )
            .bind(school.to_string())
            .bind(user.to_string())
            .bind(now_ms)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(|row| row.into_session(current)).collect()
    }

    /// Ends one session of a user.
    pub async fn revoke_session(
        &self,
        school: SchoolId,
        user: UserId,
        id: SessionId,
    ) -> Result<(), StoreError> {
        let affected = on_pool!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE school_id = $1 AND user_id = $2 AND id = $3")
                .bind(school.to_string())
                .bind(user.to_string())
                .bind(id.to_string())
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        if affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Ends every session of a user.
    pub async fn revoke_all_sessions(
        &self,
        school: SchoolId,
        user: UserId,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE school_id = $1 AND user_id = $2")
                .bind(school.to_string())
                .bind(user.to_string())
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Removes expired sessions and tickets; returns how many sessions went.
    pub async fn purge_expired_sessions(&self, now_ms: i64) -> Result<u64, StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM document_tokens WHERE expires_at <= $1")
                .bind(now_ms)
                .execute(pool)
                .await?;
            sqlx::query("DELETE FROM ws_tickets WHERE expires_at <= $1")
                .bind(now_ms)
                .execute(pool)
                .await?;
            let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now_ms)
                .execute(pool)
                .await?;
            Ok(done.rows_affected())
        })
    }

    pub async fn create_ticket(
        &self,
        ticket_hash: &str,
        session: SessionId,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO ws_tickets (ticket_hash, session_id, expires_at) VALUES ($1, $2, $3)",
            )
            .bind(ticket_hash)
            .bind(session.to_string())
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Takes a ticket (it works once) and returns its still-valid session.
    pub async fn consume_ticket(
        &self,
        ticket_hash: &str,
        now_ms: i64,
    ) -> Result<Option<AuthenticatedSession>, StoreError> {
        let session: Option<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "DELETE FROM ws_tickets WHERE ticket_hash = $1 AND expires_at > $2 RETURNING session_id",
            )
            .bind(ticket_hash)
            .bind(now_ms)
            .fetch_optional(pool)
            .await
        })?;
        let Some(session) = session else {
            return Ok(None);
        };
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, AuthRow>(concat!(
                auth_select!(),
                "WHERE s.id = $1 AND s.expires_at > $2 AND u.status IN ('active', 'restricted')"
            ))
            .bind(&session)
            .bind(now_ms)
            .fetch_optional(pool)
            .await
        })?;
        row.map(AuthRow::into_session).transpose()
    }
}
