//! Reading chat rooms of one school: class rooms (ID = the group's ID, members = the group's
//! members, made on first use), a member's access to a room, the room list with unread counts and
//! the members; plus read markers and the school's messenger settings. Creating and changing rooms
//! is in `chat_room_changes`.

use schulhof_proto::{
    ChatRoomId, GroupId, Role, RoomKind, RoomMember, RoomRole, SchoolId, UserId, UserRef,
};

use super::rows::parse_id;
use super::{Store, StoreError, on_pool, on_writer};

/// The rooms a user belongs to, with their role: member rows, plus the class rooms of the user's
/// class and course groups. `$2` is the user. (A macro, so `concat!` can build static queries.)
macro_rules! my_rooms {
    () => {
        "SELECT cm.room_id AS rid, cm.role AS my_role FROM chat_members cm \
         WHERE cm.user_id = $2 \
         UNION ALL \
         SELECT m.group_id AS rid, m.role AS my_role FROM memberships m \
         JOIN school_groups g2 ON g2.id = m.group_id AND g2.kind IN ('class', 'course') \
         WHERE m.user_id = $2"
    };
}
pub(super) use my_rooms;

/// A user's access to one room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomAccess {
    pub id: ChatRoomId,
    pub kind: RoomKind,
    pub muted: bool,
    pub last_seq: u64,
    pub role: RoomRole,
}

/// A room in a user's list (everything but the last message).
#[derive(Clone, Debug)]
pub struct RoomListing {
    pub access: RoomAccess,
    pub title: String,
    pub other_user: Option<UserRef>,
    pub member_count: u64,
    pub read_seq: u64,
    pub unread: u64,
}

#[derive(sqlx::FromRow)]
struct ListingRow {
    id: String,
    kind: String,
    title: String,
    muted: i64,
    last_seq: i64,
    my_role: String,
    read_seq: i64,
    unread: i64,
    member_count: i64,
    other: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: String,
    display_name: String,
    role: String,
    school_role: String,
}

fn parse_kind(text: &str) -> Result<RoomKind, StoreError> {
    RoomKind::parse(text).ok_or_else(|| StoreError::Corrupt(format!("room kind {text:?}")))
}

fn parse_role(text: &str) -> Result<RoomRole, StoreError> {
    RoomRole::parse(text).ok_or_else(|| StoreError::Corrupt(format!("room role {text:?}")))
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

impl ListingRow {
    fn into_listing(self) -> Result<RoomListing, StoreError> {
        let other_user = match self.other.as_deref().and_then(|o| o.split_once('|')) {
            Some((id, name)) => Some(UserRef { id: parse_id(id)?, display_name: name.to_owned() }),
            None => None,
        };
        Ok(RoomListing {
            access: RoomAccess {
                id: parse_id(&self.id)?,
                kind: parse_kind(&self.kind)?,
                muted: self.muted != 0,
                last_seq: to_u64(self.last_seq),
                role: parse_role(&self.my_role)?,
            },
            title: self.title,
            other_user,
            member_count: to_u64(self.member_count),
            read_seq: to_u64(self.read_seq),
            unread: to_u64(self.unread),
        })
    }
}

/// The listing query for a user's rooms (`$1` school, `$2` user), filtered by `extra`.
macro_rules! listing_query {
    ($extra:literal) => {
        concat!(
            "SELECT r.id, r.kind, COALESCE(g.name, r.title) AS title, r.muted, r.last_seq, \
             mine.my_role, COALESCE(rd.read_seq, 0) AS read_seq, \
             (SELECT COUNT(*) FROM chat_messages x WHERE x.room_id = r.id \
               AND x.seq > COALESCE(rd.read_seq, 0) AND x.deleted_at IS NULL \
               AND (x.sender_id IS NULL OR x.sender_id <> $2)) AS unread, \
             CASE WHEN r.kind = 'class' \
               THEN (SELECT COUNT(*) FROM memberships mc WHERE mc.group_id = r.id) \
               ELSE (SELECT COUNT(*) FROM chat_members cc WHERE cc.room_id = r.id) END AS member_count, \
             (SELECT ou.id || '|' || ou.display_name FROM chat_members o \
               JOIN users ou ON ou.id = o.user_id \
               WHERE r.kind = 'direct' AND o.room_id = r.id AND o.user_id <> $2 LIMIT 1) AS other \
             FROM (",
            my_rooms!(),
            ") mine JOIN chat_rooms r ON r.id = mine.rid \
             LEFT JOIN school_groups g ON g.id = r.id AND r.kind = 'class' \
             LEFT JOIN chat_reads rd ON rd.room_id = r.id AND rd.user_id = $2 \
             WHERE r.school_id = $1 ",
            $extra
        )
    };
}

impl Store {
    /// Makes the class rooms of a user's class and course groups that do not exist yet.
    pub async fn ensure_class_rooms(
        &self,
        school: SchoolId,
        user: UserId,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        // Usually every room exists: a read answers that without taking the write lock.
        let missing: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM school_groups g \
                 JOIN memberships m ON m.group_id = g.id AND m.user_id = $2 \
                 WHERE g.school_id = $1 AND g.kind IN ('class', 'course') \
                 AND NOT EXISTS (SELECT 1 FROM chat_rooms r WHERE r.id = g.id)",
            )
            .bind(school.to_string())
            .bind(user.to_string())
            .fetch_one(pool)
            .await
        })?;
        if missing == 0 {
            return Ok(());
        }
        on_writer!(self, |pool| {
            sqlx::query(
                "INSERT INTO chat_rooms (id, school_id, kind, title, last_at, created_at) \
                 SELECT g.id, g.school_id, 'class', g.name, $3, $3 FROM school_groups g \
                 JOIN memberships m ON m.group_id = g.id AND m.user_id = $2 \
                 WHERE g.school_id = $1 AND g.kind IN ('class', 'course') \
                 AND NOT EXISTS (SELECT 1 FROM chat_rooms r WHERE r.id = g.id) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(school.to_string())
            .bind(user.to_string())
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// The user's rooms, most recent activity first.
    pub async fn rooms_of(
        &self,
        school: SchoolId,
        user: UserId,
    ) -> Result<Vec<RoomListing>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, ListingRow>(listing_query!("ORDER BY r.last_at DESC, r.id"))
                .bind(school.to_string())
                .bind(user.to_string())
                .fetch_all(pool)
                .await
        })?;
        rows.into_iter().map(ListingRow::into_listing).collect()
    }

    /// One room of the user's (`None`: no such room, or not a member).
    pub async fn room_of(
        &self,
        school: SchoolId,
        user: UserId,
        room: ChatRoomId,
    ) -> Result<Option<RoomListing>, StoreError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, ListingRow>(listing_query!("AND r.id = $3"))
                .bind(school.to_string())
                .bind(user.to_string())
                .bind(room.to_string())
                .fetch_optional(pool)
                .await
        })?;
        row.map(ListingRow::into_listing).transpose()
    }

    /// A user's access to a room (`None`: not a member, or no such room in this school).
    pub async fn room_access(
        &self,
        school: SchoolId,
        user: UserId,
        room: ChatRoomId,
    ) -> Result<Option<RoomAccess>, StoreError> {
        let row: Option<(String, String, i64, i64, String)> = on_pool!(self, |pool| {
            sqlx::query_as(concat!(
                "SELECT r.id, r.kind, r.muted, r.last_seq, mine.my_role FROM (",
                my_rooms!(),
                ") mine JOIN chat_rooms r ON r.id = mine.rid WHERE r.school_id = $1 AND r.id = $3"
            ))
            .bind(school.to_string())
            .bind(user.to_string())
            .bind(room.to_string())
            .fetch_optional(pool)
            .await
        })?;
        row.map(|(id, kind, muted, last_seq, role)| {
            Ok(RoomAccess {
                id: parse_id(&id)?,
                kind: parse_kind(&kind)?,
                muted: muted != 0,
                last_seq: to_u64(last_seq),
                role: parse_role(&role)?,
            })
        })
        .transpose()
    }

    /// The members of a room, moderators' roles first, then by name.
    pub async fn room_members(
        &self,
        school: SchoolId,
        room: ChatRoomId,
    ) -> Result<Vec<RoomMember>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, MemberRow>(
                "SELECT u.id, u.display_name, cm.role, u.role AS school_role FROM chat_members cm \
                 JOIN users u ON u.id = cm.user_id JOIN chat_rooms r ON r.id = cm.room_id \
                 WHERE r.school_id = $1 AND cm.room_id = $2 \
                 UNION ALL \
                 SELECT u.id, u.display_name, m.role, u.role AS school_role FROM memberships m \
                 JOIN users u ON u.id = m.user_id JOIN chat_rooms r ON r.id = m.group_id \
                 WHERE r.school_id = $1 AND r.kind = 'class' AND m.group_id = $2",
            )
            .bind(school.to_string())
            .bind(room.to_string())
            .fetch_all(pool)
            .await
        })?;
        let mut members = rows
            .into_iter()
            .map(|row| {
                Ok(RoomMember {
                    id: parse_id(&row.id)?,
                    display_name: row.display_name,
                    role: parse_role(&row.role)?,
                    school_role: Role::parse(&row.school_role)
                        .ok_or_else(|| StoreError::Corrupt("school role".into()))?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        members.sort_by(|a, b| {
            (a.role == RoomRole::Member, &a.display_name)
                .cmp(&(b.role == RoomRole::Member, &b.display_name))
        });
        Ok(members)
    }

    /// Moves a user's read marker forward (never back); returns the marker now.
    pub async fn mark_read(
        &self,
        room: ChatRoomId,
        user: UserId,
        seq: u64,
    ) -> Result<u64, StoreError> {
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        let marker: i64 = on_writer!(self, |pool| {
            sqlx::query_scalar(
                "INSERT INTO chat_reads (room_id, user_id, read_seq) \
                 SELECT $1, $2, CASE WHEN $3 > r.last_seq THEN r.last_seq ELSE $3 END \
                 FROM chat_rooms r WHERE r.id = $1 \
                 ON CONFLICT (room_id, user_id) DO UPDATE SET read_seq = \
                 CASE WHEN excluded.read_seq > chat_reads.read_seq \
                 THEN excluded.read_seq ELSE chat_reads.read_seq END \
                 RETURNING read_seq",
            )
            .bind(room.to_string())
            .bind(user.to_string())
            .bind(seq)
            .fetch_one(pool)
            .await
        })?;
        Ok(to_u64(marker))
    }

    pub async fn pupil_direct_chats(&self, school: SchoolId) -> Result<bool, StoreError> {
        let allowed: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT pupil_direct_chats FROM schools WHERE id = $1")
                .bind(school.to_string())
                .fetch_one(pool)
                .await
        })?;
        Ok(allowed != 0)
    }

    pub async fn set_pupil_direct_chats(
        &self,
        school: SchoolId,
        allowed: bool,
    ) -> Result<(), StoreError> {
        on_writer!(self, |pool| {
            sqlx::query("UPDATE schools SET pupil_direct_chats = $2 WHERE id = $1")
                .bind(school.to_string())
                .bind(i64::from(allowed))
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Is `group` a class or course group of this school (whose room is a class room)?
    pub async fn is_class_group(
        &self,
        school: SchoolId,
        group: GroupId,
    ) -> Result<bool, StoreError> {
        let found: Option<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT id FROM school_groups WHERE school_id = $1 AND id = $2 \
                 AND kind IN ('class', 'course')",
            )
            .bind(school.to_string())
            .bind(group.to_string())
            .fetch_optional(pool)
            .await
        })?;
        Ok(found.is_some())
    }
}
