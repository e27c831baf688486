//! Groups (classes, courses, custom groups) of one school and their memberships.

use schulhof_proto::{
    Group, GroupId, GroupKind, Member, MemberRole, MyGroup, SchoolId, User, UserId,
};

use super::rows::{GroupRow, UserRow, group_columns, parse_member_role, user_columns};
use super::{Store, StoreError, map_unique, on_pool};

/// A group to create.
#[derive(Debug, Clone)]
pub struct NewGroup {
    pub name: String,
    pub kind: GroupKind,
    pub owner_id: Option<UserId>,
}

/// Changes to a group; `None` keeps a field, `owner_id: Some(None)` clears the owner.
#[derive(Debug, Clone, Default)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub kind: Option<GroupKind>,
    pub owner_id: Option<Option<UserId>>,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    #[sqlx(flatten)]
    user: UserRow,
    member_role: String,
}

#[derive(sqlx::FromRow)]
struct MyGroupRow {
    #[sqlx(flatten)]
    group: GroupRow,
    my_role: String,
}

impl Store {
    pub async fn create_group(
        &self,
        school: SchoolId,
        new: &NewGroup,
        now_ms: i64,
    ) -> Result<Group, StoreError> {
        let id = GroupId::new();
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO school_groups (id, school_id, name, kind, owner_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.to_string())
            .bind(school.to_string())
            .bind(&new.name)
            .bind(new.kind.as_str())
            .bind(new.owner_id.map(|o| o.to_string()))
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })
        .map_err(map_unique)?;
        self.group(school, id).await
    }

    pub async fn group(&self, school: SchoolId, id: GroupId) -> Result<Group, StoreError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, GroupRow>(concat!(
                "SELECT ",
                group_columns!(),
                " FROM school_groups g WHERE g.school_id = $1 AND g.id = $2"
            ))
            .bind(school.to_string())
            .bind(id.to_string())
            .fetch_optional(pool)
            .await
        })?;
        row.ok_or(StoreError::NotFound)?.into_group()
    }

    pub async fn list_groups(
        &self,
        school: SchoolId,
        kind: Option<GroupKind>,
    ) -> Result<Vec<Group>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, GroupRow>(concat!(
                "SELECT ",
                group_columns!(),
                " FROM school_groups g WHERE g.school_id = $1 AND ($2 IS NULL OR g.kind = $2) \
                 ORDER BY g.name"
            ))
            .bind(school.to_string())
            .bind(kind.map(GroupKind::as_str))
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(GroupRow::into_group).collect()
    }

    pub async fn update_group(
        &self,
        school: SchoolId,
        id: GroupId,
        changes: &GroupChanges,
    ) -> Result<Group, StoreError> {
        let current = self.group(school, id).await?;
        let owner = changes.owner_id.unwrap_or(current.owner_id);
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE school_groups SET name = $3, kind = $4, owner_id = $5 \
                 WHERE school_id = $1 AND id = $2",
            )
            .bind(school.to_string())
            .bind(id.to_string())
            .bind(changes.name.as_deref().unwrap_or(&current.name))
            .bind(changes.kind.unwrap_or(current.kind).as_str())
            .bind(owner.map(|o| o.to_string()))
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })
        .map_err(map_unique)?;
        self.group(school, id).await
    }

    /// Deletes a group with its memberships and its class chat room.
    pub async fn delete_group(&self, school: SchoolId, id: GroupId) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM memberships WHERE school_id = $1 AND group_id = $2")
                .bind(school.to_string())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            // The class room shares the group's ID and goes with it.
            sqlx::query(
                "DELETE FROM chat_rooms WHERE school_id = $1 AND id = $2 AND kind = 'class'",
            )
            .bind(school.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
            let affected =
                sqlx::query("DELETE FROM school_groups WHERE school_id = $1 AND id = $2")
                    .bind(school.to_string())
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if affected == 0 {
                return Err(StoreError::NotFound);
            }
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn members(
        &self,
        school: SchoolId,
        group: GroupId,
    ) -> Result<Vec<Member>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, MemberRow>(concat!(
                "SELECT ",
                user_columns!(),
                ", m.role AS member_role FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.school_id = $1 AND m.group_id = $2 ORDER BY CASE m.role WHEN 'leader' THEN 0 ELSE 1 END, u.display_name"
            ))
            .bind(school.to_string())
            .bind(group.to_string())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|row| {
                let user: User = row.user.into_user()?;
                Ok(Member { user, role: parse_member_role(&row.member_role)? })
            })
            .collect()
    }

    /// A user's role in a group, if they are a member.
    pub async fn membership_role(
        &self,
        school: SchoolId,
        group: GroupId,
        user: UserId,
    ) -> Result<Option<MemberRole>, StoreError> {
        let role: Option<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT role FROM memberships WHERE school_id = $1 AND group_id = $2 AND user_id = $3",
            )
            .bind(school.to_string())
            .bind(group.to_string())
            .bind(user.to_string())
            .fetch_optional(pool)
            .await
        })?;
        role.as_deref().map(parse_member_role).transpose()
    }

    /// Adds a member or changes their role. Both the group and the user must belong to `school`.
    pub async fn set_member(
        &self,
        school: SchoolId,
        group: GroupId,
        user: UserId,
        role: MemberRole,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.group(school, group).await?;
        self.user(school, user).await?;
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO memberships (group_id, user_id, school_id, role, created_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (group_id, user_id) DO UPDATE SET role = excluded.role",
            )
            .bind(group.to_string())
            .bind(user.to_string())
            .bind(school.to_string())
            .bind(role.as_str())
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    pub async fn remove_member(
        &self,
        school: SchoolId,
        group: GroupId,
        user: UserId,
    ) -> Result<(), StoreError> {
        let affected = on_pool!(self, |pool| {
            sqlx::query(
                "DELETE FROM memberships WHERE school_id = $1 AND group_id = $2 AND user_id = $3",
            )
            .bind(school.to_string())
            .bind(group.to_string())
            .bind(user.to_string())
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        if affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// The groups a user belongs to, with the user's role in each.
    pub async fn groups_of_user(
        &self,
        school: SchoolId,
        user: UserId,
    ) -> Result<Vec<MyGroup>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, MyGroupRow>(concat!(
                "SELECT ",
                group_columns!(),
                ", m.role AS my_role FROM memberships m JOIN school_groups g ON g.id = m.group_id \
                 WHERE m.school_id = $1 AND m.user_id = $2 ORDER BY g.kind, g.name"
            ))
            .bind(school.to_string())
            .bind(user.to_string())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|row| {
                Ok(MyGroup {
                    group: row.group.into_group()?,
                    my_role: parse_member_role(&row.my_role)?,
                })
            })
            .collect()
    }
}
