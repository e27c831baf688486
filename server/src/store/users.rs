//! User accounts and parent↔child links of one school. Status changes away from `active` and
//! password resets revoke the user's sessions in the same transaction, so nothing is half-applied.

use schulhof_proto::{ConsentGiver, Role, SchoolId, User, UserId, UserStatus};

use super::rows::{UserRow, into_users, parse_id, user_columns};
use super::{Store, StoreError, map_unique, on_pool};

/// A user to create; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub import_id: Option<String>,
    pub birth_date: Option<String>,
    pub email: Option<String>,
    pub password_hash: String,
    pub must_change_password: bool,
    /// Consents on file at creation (pupils), recorded with the account.
    pub consents: Vec<ConsentGiver>,
    pub consent_recorded_by: Option<UserId>,
}

/// Changes to a user; `None` keeps a field, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub login: Option<String>,
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub birth_date: Option<Option<String>>,
    pub import_id: Option<Option<String>>,
}

/// Which users to list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
}

/// A user's login data, for password verification.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

impl Store {
    /// Creates a user together with the consents already on file (one transaction, so the
    /// consent rule never sees the account without them).
    pub async fn create_user(
        &self,
        school: SchoolId,
        new: NewUser,
        now_ms: i64,
    ) -> Result<User, StoreError> {
        let id = UserId::new();
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO users (id, school_id, login, display_name, role, status, import_id, \
                 birth_date, email, password_hash, must_change_password, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
            )
            .bind(id.to_string())
            .bind(school.to_string())
            .bind(&new.login)
            .bind(&new.display_name)
            .bind(new.role.as_str())
            .bind(new.status.as_str())
            .bind(&new.import_id)
            .bind(&new.birth_date)
            .bind(&new.email)
            .bind(&new.password_hash)
            .bind(i64::from(new.must_change_password))
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(map_unique)?;
            for giver in &new.consents {
                sqlx::query(
                    "INSERT INTO consents (id, school_id, user_id, given_by, recorded_by, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(school.to_string())
                .bind(id.to_string())
                .bind(giver.as_str())
                .bind(new.consent_recorded_by.map(|u| u.to_string()))
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })?;
        self.user(school, id).await
    }

    pub async fn user(&self, school: SchoolId, id: UserId) -> Result<User, StoreError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, UserRow>(concat!(
                "SELECT ",
                user_columns!(),
                " FROM users u WHERE u.school_id = $1 AND u.id = $2"
            ))
            .bind(school.to_string())
            .bind(id.to_string())
            .fetch_optional(pool)
            .await
        })?;
        row.ok_or(StoreError::NotFound)?.into_user()
    }

    pub async fn list_users(
        &self,
        school: SchoolId,
        filter: &UserFilter,
    ) -> Result<Vec<User>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, UserRow>(concat!(
                "SELECT ",
                user_columns!(),
                " FROM users u WHERE u.school_id = $1 AND ($2 IS NULL OR u.role = $2) \
                 AND ($3 IS NULL OR u.status = $3) ORDER BY u.display_name, u.login"
            ))
            .bind(school.to_string())
            .bind(filter.role.map(Role::as_str))
            .bind(filter.status.map(UserStatus::as_str))
            .fetch_all(pool)
            .await
        })?;
        into_users(rows)
    }

    /// Login data for a login name in a school, if the account exists.
    pub async fn credentials(
        &self,
        school: SchoolId,
        login: &str,
    ) -> Result<Option<Credentials>, StoreError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, CredentialsRow>(concat!(
                "SELECT ",
                user_columns!(),
                ", u.password_hash FROM users u WHERE u.school_id = $1 AND u.login = $2"
            ))
            .bind(school.to_string())
            .bind(login)
            .fetch_optional(pool)
            .await
        })?;
        row.map(|row| {
            Ok(Credentials { user: row.user.into_user()?, password_hash: row.password_hash })
        })
        .transpose()
    }

    pub async fn password_hash(&self, school: SchoolId, id: UserId) -> Result<String, StoreError> {
        let hash: Option<String> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT password_hash FROM users WHERE school_id = $1 AND id = $2")
                .bind(school.to_string())
                .bind(id.to_string())
                .fetch_optional(pool)
                .await
        })?;
        hash.ok_or(StoreError::NotFound)
    }

    pub async fn update_user(
        &self,
        school: SchoolId,
        id: UserId,
        changes: &UserChanges,
        now_ms: i64,
    ) -> Result<User, StoreError> {
        let current = self.user(school, id).await?;
        let birth_date = changes.birth_date.clone().unwrap_or(current.birth_date);
        let import_id = changes.import_id.clone().unwrap_or(current.import_id);
        let affected = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE users SET login = $3, display_name = $4, role = $5, birth_date = $6, \
                 import_id = $7, updated_at = $8 WHERE school_id = $1 AND id = $2",
            )
            .bind(school.to_string())
            .bind(id.to_string())
            .bind(changes.login.as_deref().unwrap_or(&current.login))
            .bind(changes.display_name.as_deref().unwrap_or(&current.display_name))
            .bind(changes.role.unwrap_or(current.role).as_str())
            .bind(birth_date)
            .bind(import_id)
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })
        .map_err(map_unique)?;
        if affected == 0 {
            return Err(StoreError::NotFound);
        }
        self.user(school, id).await
    }

    /// Sets the account state; any state but `active` also ends all of the user's sessions.
    pub async fn set_user_status(
        &self,
        school: SchoolId,
        id: UserId,
        status: UserStatus,
        now_ms: i64,
    ) -> Result<User, StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            // `deactivated_at` starts the leaver grace period; it is kept while the account stays
            // inactive or deleted and cleared when it comes back.
            let affected = sqlx::query(
                "UPDATE users SET status = $3, updated_at = $4, deactivated_at = CASE \
                 WHEN $3 IN ('inactive', 'deleted') THEN COALESCE(deactivated_at, $4) ELSE NULL END \
                 WHERE school_id = $1 AND id = $2",
            )
            .bind(school.to_string())
            .bind(id.to_string())
            .bind(status.as_str())
            .bind(now_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if affected == 0 {
                return Err(StoreError::NotFound);
            }
            if status != UserStatus::Active {
                sqlx::query("DELETE FROM sessions WHERE school_id = $1 AND user_id = $2")
                    .bind(school.to_string())
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })?;
        self.user(school, id).await
    }

    /// Replaces the password hash. All sessions of the user end except `keep_session` (the one
    /// changing its own password stays logged in).
    pub async fn set_password(
        &self,
        school: SchoolId,
        id: UserId,
        password_hash: &str,
        must_change_password: bool,
        keep_session: Option<schulhof_proto::SessionId>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let keep = keep_session.map(|s| s.to_string()).unwrap_or_default();
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let affected = sqlx::query(
                "UPDATE users SET password_hash = $3, must_change_password = $4, updated_at = $5 \
                 WHERE school_id = $1 AND id = $2",
            )
            .bind(school.to_string())
            .bind(id.to_string())
            .bind(password_hash)
            .bind(i64::from(must_change_password))
            .bind(now_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if affected == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE school_id = $1 AND user_id = $2 AND id <> $3")
                .bind(school.to_string())
                .bind(id.to_string())
                .bind(&keep)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Deletes accounts that have been inactive or deleted since before `cutoff_ms`, with
    /// everything that hangs on them (sessions, memberships, links, consents, login events).
    /// Returns the purged accounts as (school, user).
    pub async fn purge_deactivated_users(
        &self,
        cutoff_ms: i64,
    ) -> Result<Vec<(SchoolId, UserId)>, StoreError> {
        let rows: Vec<(String, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "DELETE FROM users WHERE status IN ('inactive', 'deleted') \
                 AND deactivated_at IS NOT NULL AND deactivated_at < $1 RETURNING school_id, id",
            )
            .bind(cutoff_ms)
            .fetch_all(pool)
            .await
        })?;
        rows.iter().map(|(school, user)| Ok((parse_id(school)?, parse_id(user)?))).collect()
    }

    /// The pupils linked to a parent.
    pub async fn children(
        &self,
        school: SchoolId,
        parent: UserId,
    ) -> Result<Vec<User>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, UserRow>(concat!(
                "SELECT ",
                user_columns!(),
                " FROM parent_links p JOIN users u ON u.id = p.child_id \
                 WHERE p.school_id = $1 AND p.parent_id = $2 ORDER BY u.display_name"
            ))
            .bind(school.to_string())
            .bind(parent.to_string())
            .fetch_all(pool)
            .await
        })?;
        into_users(rows)
    }

    /// The parents linked to a pupil.
    pub async fn parents(&self, school: SchoolId, child: UserId) -> Result<Vec<User>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, UserRow>(concat!(
                "SELECT ",
                user_columns!(),
                " FROM parent_links p JOIN users u ON u.id = p.parent_id \
                 WHERE p.school_id = $1 AND p.child_id = $2 ORDER BY u.display_name"
            ))
            .bind(school.to_string())
            .bind(child.to_string())
            .fetch_all(pool)
            .await
        })?;
        into_users(rows)
    }

    /// Links a parent to a child; linking twice is not an error.
    pub async fn link_child(
        &self,
        school: SchoolId,
        parent: UserId,
        child: UserId,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO parent_links (parent_id, child_id, school_id, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (parent_id, child_id) DO NOTHING",
            )
            .bind(parent.to_string())
            .bind(child.to_string())
            .bind(school.to_string())
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    pub async fn unlink_child(
        &self,
        school: SchoolId,
        parent: UserId,
        child: UserId,
    ) -> Result<(), StoreError> {
        let affected = on_pool!(self, |pool| {
            sqlx::query(
                "DELETE FROM parent_links WHERE school_id = $1 AND parent_id = $2 AND child_id = $3",
            )
            .bind(school.to_string())
            .bind(parent.to_string())
            .bind(child.to_string())
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        if affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}
