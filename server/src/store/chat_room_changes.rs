//! Changes to chat rooms of one school: creating group rooms with their members, the one direct
//! room of a pair, adding and removing members of group rooms, and muting. (Class rooms need no
//! member changes here: their members are the group's.) All run on the writer (`on_writer!`).

use schulhof_proto::{ChatRoomId, SchoolId, UserId};

use super::rows::parse_id;
use super::{Store, StoreError, on_writer};

impl Store {
    /// Creates a group room owned by `owner` with the given members (all of this school: others
    /// are `NotFound`), in one transaction.
    pub async fn create_group_room(
        &self,
        school: SchoolId,
        owner: UserId,
        title: &str,
        members: &[UserId],
        now_ms: i64,
    ) -> Result<ChatRoomId, StoreError> {
        let id = ChatRoomId::new();
        on_writer!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO chat_rooms (id, school_id, kind, title, owner_id, last_at, created_at) \
                 VALUES ($1, $2, 'group', $3, $4, $5, $5)",
            )
            .bind(id.to_string())
            .bind(school.to_string())
            .bind(title)
            .bind(owner.to_string())
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            let mut everyone = vec![(owner, "owner")];
            for member in members {
                if everyone.iter().all(|(user, _)| user != member) {
                    everyone.push((*member, "member"));
                }
            }
            for (user, role) in everyone {
                let added = sqlx::query(
                    "INSERT INTO chat_members (room_id, user_id, role, created_at) \
                     SELECT $1, u.id, $3, $4 FROM users u WHERE u.school_id = $5 AND u.id = $2",
                )
                .bind(id.to_string())
                .bind(user.to_string())
                .bind(role)
                .bind(now_ms)
                .bind(school.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if added == 0 {
                    return Err(StoreError::NotFound);
                }
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })?;
        Ok(id)
    }

    /// The direct room of two users of this school, made if it does not exist. Returns the room
    /// and whether it was made now.
    pub async fn direct_room(
        &self,
        school: SchoolId,
        a: UserId,
        b: UserId,
        now_ms: i64,
    ) -> Result<(ChatRoomId, bool), StoreError> {
        let key = if a < b { format!("{a}|{b}") } else { format!("{b}|{a}") };
        let id = ChatRoomId::new();
        let created = on_writer!(self, |pool| {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO chat_rooms (id, school_id, kind, title, direct_key, last_at, created_at) \
                 VALUES ($1, $2, 'direct', '', $3, $4, $4) ON CONFLICT (direct_key) DO NOTHING",
            )
            .bind(id.to_string())
            .bind(school.to_string())
            .bind(&key)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                for user in [a, b] {
                    sqlx::query(
                        "INSERT INTO chat_members (room_id, user_id, role, created_at) \
                         VALUES ($1, $2, 'member', $3)",
                    )
                    .bind(id.to_string())
                    .bind(user.to_string())
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok::<_, StoreError>(inserted == 1)
        })?;
        if created {
            return Ok((id, true));
        }
        let existing: String = on_writer!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM chat_rooms WHERE school_id = $1 AND direct_key = $2")
                .bind(school.to_string())
                .bind(&key)
                .fetch_one(pool)
                .await
        })?;
        Ok((parse_id(&existing)?, false))
    }

    /// Adds members (of this school) to a group room; returns those who were not members yet.
    pub async fn add_room_members(
        &self,
        school: SchoolId,
        room: ChatRoomId,
        users: &[UserId],
        now_ms: i64,
    ) -> Result<Vec<UserId>, StoreError> {
        on_writer!(self, |pool| {
            let mut tx = pool.begin().await?;
            let mut added = Vec::new();
            for user in users {
                let exists: Option<String> =
                    sqlx::query_scalar("SELECT id FROM users WHERE school_id = $1 AND id = $2")
                        .bind(school.to_string())
                        .bind(user.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                if exists.is_none() {
                    return Err(StoreError::NotFound);
                }
                let done = sqlx::query(
                    "INSERT INTO chat_members (room_id, user_id, role, created_at) \
                     VALUES ($1, $2, 'member', $3) ON CONFLICT DO NOTHING",
                )
                .bind(room.to_string())
                .bind(user.to_string())
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    added.push(*user);
                }
            }
            tx.commit().await?;
            Ok(added)
        })
    }

    /// Removes a member from a group room (`false`: was not a member).
    pub async fn remove_room_member(
        &self,
        room: ChatRoomId,
        user: UserId,
    ) -> Result<bool, StoreError> {
        let done = on_writer!(self, |pool| {
            sqlx::query("DELETE FROM chat_members WHERE room_id = $1 AND user_id = $2")
                .bind(room.to_string())
                .bind(user.to_string())
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(done == 1)
    }

    pub async fn set_room_muted(&self, room: ChatRoomId, muted: bool) -> Result<(), StoreError> {
        on_writer!(self, |pool| {
            sqlx::query("UPDATE chat_rooms SET muted = $2 WHERE id = $1")
                .bind(room.to_string())
                .bind(i64::from(muted))
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }
}
