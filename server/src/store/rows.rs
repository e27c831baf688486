//! Row shapes as the database returns them, and their conversion into the typed wire types.
//! Text columns holding enums or IDs are parsed here; a value that does not parse means the
//! database was changed behind schulhof's back and is reported as `StoreError::Corrupt`.

use std::str::FromStr;

use schulhof_proto::{
    Group, GroupKind, MemberRole, Role, School, Session, SessionId, User, UserStatus,
};

use super::StoreError;

/// The user columns every user query selects, in `UserRow` order (table alias `u`).
macro_rules! user_columns {
    () => {
        "u.id, u.login, u.display_name, u.role, u.status, u.import_id, u.birth_date, u.email, \
         u.must_change_password, u.created_at"
    };
}
pub(super) use user_columns;

/// The group columns every group query selects, in `GroupRow` order (table alias `g`).
macro_rules! group_columns {
    () => {
        "g.id, g.name, g.kind, g.owner_id, \
         (SELECT COUNT(*) FROM memberships mc WHERE mc.group_id = g.id) AS member_count"
    };
}
pub(super) use group_columns;

pub(super) fn parse_id<T: FromStr>(text: &str) -> Result<T, StoreError> {
    text.parse().map_err(|_| StoreError::Corrupt(format!("bad id {text:?}")))
}

fn parse_enum<T>(text: &str, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    parse(text).ok_or_else(|| StoreError::Corrupt(format!("bad enum value {text:?}")))
}

#[derive(sqlx::FromRow)]
pub(super) struct SchoolRow {
    pub id: String,
    pub name: String,
    pub slug: String,
}

impl SchoolRow {
    pub fn into_school(self) -> Result<School, StoreError> {
        Ok(School { id: parse_id(&self.id)?, name: self.name, slug: self.slug })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub status: String,
    pub import_id: Option<String>,
    pub birth_date: Option<String>,
    pub email: Option<String>,
    pub must_change_password: i64,
    pub created_at: i64,
}

impl UserRow {
    pub fn into_user(self) -> Result<User, StoreError> {
        Ok(User {
            id: parse_id(&self.id)?,
            login: self.login,
            display_name: self.display_name,
            role: parse_enum(&self.role, Role::parse)?,
            status: parse_enum(&self.status, UserStatus::parse)?,
            import_id: self.import_id,
            birth_date: self.birth_date,
            email: self.email,
            must_change_password: self.must_change_password != 0,
            created_at: self.created_at,
        })
    }
}

pub(super) fn into_users(rows: Vec<UserRow>) -> Result<Vec<User>, StoreError> {
    rows.into_iter().map(UserRow::into_user).collect()
}

#[derive(sqlx::FromRow)]
pub(super) struct GroupRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub owner_id: Option<String>,
    pub member_count: i64,
}

impl GroupRow {
    pub fn into_group(self) -> Result<Group, StoreError> {
        Ok(Group {
            id: parse_id(&self.id)?,
            name: self.name,
            kind: parse_enum(&self.kind, GroupKind::parse)?,
            owner_id: self.owner_id.as_deref().map(parse_id).transpose()?,
            member_count: self.member_count,
        })
    }
}

pub(super) fn parse_member_role(text: &str) -> Result<MemberRole, StoreError> {
    parse_enum(text, MemberRole::parse)
}

#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_agent: Option<String>,
}

impl SessionRow {
    pub fn into_session(self, current: Option<SessionId>) -> Result<Session, StoreError> {
        let id: SessionId = parse_id(&self.id)?;
        Ok(Session {
            id,
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
            user_agent: self.user_agent,
            current: current == Some(id),
        })
    }
}
