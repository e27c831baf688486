//! Chat messages: append (numbered per room without gaps, in the same transaction that checks the
//! room is not muted for the sender), pages before/after a sequence number, edit, delete
//! (tombstone), reactions and search. Callers check room access first; every query here is
//! bounded to one room or to the rooms a user belongs to.

use std::collections::HashMap;

use schulhof_proto::{ChatRoomId, Message, MessageId, Reaction, ReplyPreview, SchoolId, UserId};

use super::chat_rooms::my_rooms;
use super::rows::parse_id;
use super::{Store, StoreError, on_pool, on_writer};

const MESSAGE_SELECT: &str = "SELECT m.id, m.room_id, m.seq, m.sender_id, \
     COALESCE(u.display_name, '') AS sender_name, m.text, m.mentions, m.created_at, m.edited_at, \
     m.deleted_at, m.reply_to, p.text AS reply_text, p.deleted_at AS reply_deleted, \
     COALESCE(pu.display_name, '') AS reply_sender \
     FROM chat_messages m LEFT JOIN users u ON u.id = m.sender_id \
     LEFT JOIN chat_messages p ON p.id = m.reply_to LEFT JOIN users pu ON pu.id = p.sender_id";

/// A message to append.
#[derive(Clone, Debug)]
pub struct NewMessage<'a> {
    pub room: ChatRoomId,
    pub sender: UserId,
    pub text: &'a str,
    pub reply_to: Option<MessageId>,
    pub mentions: &'a [UserId],
    /// The sender moderates the room (may write when it is muted).
    pub moderator: bool,
}

/// Why an append did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error("the room is muted")]
    Muted,
    #[error("the replied-to message is not in this room")]
    BadReply,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AppendError {
    fn from(error: sqlx::Error) -> Self {
        AppendError::Store(StoreError::Database(error))
    }
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: String,
    room_id: String,
    seq: i64,
    sender_id: Option<String>,
    sender_name: String,
    text: String,
    mentions: String,
    created_at: i64,
    edited_at: Option<i64>,
    deleted_at: Option<i64>,
    reply_to: Option<String>,
    reply_text: Option<String>,
    reply_deleted: Option<i64>,
    reply_sender: String,
}

impl MessageRow {
    fn into_message(self, reactions: Vec<Reaction>) -> Result<Message, StoreError> {
        let reply_to = match (self.reply_to, self.reply_text) {
            (Some(id), Some(text)) => Some(ReplyPreview {
                id: parse_id(&id)?,
                sender_name: self.reply_sender,
                text: if self.reply_deleted.is_some() {
                    String::new()
                } else {
                    crate::messenger::rules::preview(&text)
                },
            }),
            _ => None,
        };
        let mentions = self
            .mentions
            .split(',')
            .filter(|m| !m.is_empty())
            .map(parse_id)
            .collect::<Result<Vec<UserId>, _>>()?;
        Ok(Message {
            id: parse_id(&self.id)?,
            room_id: parse_id(&self.room_id)?,
            seq: u64::try_from(self.seq).unwrap_or(0),
            sender_id: self.sender_id.as_deref().map(parse_id).transpose()?,
            sender_name: self.sender_name,
            text: self.text,
            mentions,
            reply_to,
            reactions,
            created_at: self.created_at,
            edited_at: self.edited_at,
            deleted: self.deleted_at.is_some(),
        })
    }
}

fn seq_param(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

impl Store {
    /// Appends a message: takes the room's next sequence number (refused when the room is muted
    /// and the sender is no moderator) and stores the message, in one transaction.
    pub async fn append_message(
        &self,
        new: &NewMessage<'_>,
        now_ms: i64,
    ) -> Result<Message, AppendError> {
        let id = MessageId::new();
        let mentions = new.mentions.iter().map(UserId::to_string).collect::<Vec<_>>().join(",");
        on_writer!(self, |pool| {
            let mut tx = pool.begin().await?;
            if let Some(reply) = new.reply_to {
                let found: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM chat_messages WHERE id = $1 AND room_id = $2",
                )
                .bind(reply.to_string())
                .bind(new.room.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                if found.is_none() {
                    return Err(AppendError::BadReply);
                }
            }
            let seq: Option<i64> = sqlx::query_scalar(
                "UPDATE chat_rooms SET last_seq = last_seq + 1, last_at = $2 \
                 WHERE id = $1 AND (muted = 0 OR $3 = 1) RETURNING last_seq",
            )
            .bind(new.room.to_string())
            .bind(now_ms)
            .bind(i64::from(new.moderator))
            .fetch_optional(&mut *tx)
            .await?;
            let Some(seq) = seq else { return Err(AppendError::Muted) };
            sqlx::query(
                "INSERT INTO chat_messages (id, room_id, seq, sender_id, text, reply_to, mentions, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id.to_string())
            .bind(new.room.to_string())
            .bind(seq)
            .bind(new.sender.to_string())
            .bind(new.text)
            .bind(new.reply_to.map(|r| r.to_string()))
            .bind(&mentions)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<(), AppendError>(())
        })?;
        self.message(id).await?.ok_or(AppendError::Store(StoreError::NotFound))
    }

    /// One message by ID (any room; callers check access to `message.room_id`).
    pub async fn message(&self, id: MessageId) -> Result<Option<Message>, StoreError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, MessageRow>(sqlx::AssertSqlSafe(format!(
                "{MESSAGE_SELECT} WHERE m.id = $1"
            )))
            .bind(id.to_string())
            .fetch_optional(pool)
            .await
        })?;
        let Some(row) = row else { return Ok(None) };
        let mut reactions = self.reactions_of(std::slice::from_ref(&row.id)).await?;
        let own = reactions.remove(&row.id).unwrap_or_default();
        row.into_message(own).map(Some)
    }

    /// A page of a room's messages: `before` → newest first below that number; `after` → oldest
    /// first above it. Returns the page and whether more exist in that direction.
    pub async fn messages(
        &self,
        room: ChatRoomId,
        before: Option<u64>,
        after: Option<u64>,
        limit: u32,
    ) -> Result<(Vec<Message>, bool), StoreError> {
        let fetch = i64::from(limit) + 1;
        let query = match after {
            Some(_) => format!(
                "{MESSAGE_SELECT} WHERE m.room_id = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3"
            ),
            None => format!(
                "{MESSAGE_SELECT} WHERE m.room_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3"
            ),
        };
        let bound = match (after, before) {
            (Some(after), _) => seq_param(after),
            (None, Some(before)) => seq_param(before),
            (None, None) => i64::MAX,
        };
        let mut rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, MessageRow>(sqlx::AssertSqlSafe(query.as_str()))
                .bind(room.to_string())
                .bind(bound)
                .bind(fetch)
                .fetch_all(pool)
                .await
        })?;
        let has_more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut reactions = self.reactions_of(&ids).await?;
        let messages = rows
            .into_iter()
            .map(|row| {
                let own = reactions.remove(&row.id).unwrap_or_default();
                row.into_message(own)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((messages, has_more))
    }

    /// The reactions of some messages, by message ID, in the order they were given.
    async fn reactions_of(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<Reaction>>, StoreError> {
        let mut by_message: HashMap<String, Vec<Reaction>> = HashMap::new();
        if ids.is_empty() {
            return Ok(by_message);
        }
        let placeholders = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(",");
        let query = format!(
            "SELECT message_id, emoji, user_id FROM chat_reactions \
             WHERE message_id IN ({placeholders}) ORDER BY created_at, user_id"
        );
        let rows: Vec<(String, String, String)> = on_pool!(self, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(query.as_str()));
            for id in ids {
                q = q.bind(id);
            }
            q.fetch_all(pool).await
        })?;
        for (message, emoji, user) in rows {
            let list = by_message.entry(message).or_default();
            let user: UserId = parse_id(&user)?;
            match list.iter_mut().find(|r| r.emoji == emoji) {
                Some(reaction) => reaction.users.push(user),
                None => list.push(Reaction { emoji, users: vec![user] }),
            }
        }
        Ok(by_message)
    }

    /// Replaces a message's text (not for deleted messages; `false` when nothing changed).
    pub async fn edit_message(
        &self,
        id: MessageId,
        text: &str,
        mentions: &[UserId],
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mentions = mentions.iter().map(UserId::to_string).collect::<Vec<_>>().join(",");
        let done = on_writer!(self, |pool| {
            sqlx::query(
                "UPDATE chat_messages SET text = $2, mentions = $3, edited_at = $4 \
                 WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(id.to_string())
            .bind(text)
            .bind(&mentions)
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(done == 1)
    }

    /// Deletes a message's content, keeping its place in the room (a tombstone).
    pub async fn delete_message(&self, id: MessageId, now_ms: i64) -> Result<(), StoreError> {
        on_writer!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE chat_messages SET text = '', mentions = '', deleted_at = $2 \
                 WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(id.to_string())
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM chat_reactions WHERE message_id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// Adds or removes one user's reaction.
    pub async fn set_reaction(
        &self,
        id: MessageId,
        user: UserId,
        emoji: &str,
        on: bool,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        on_writer!(self, |pool| {
            if on {
                sqlx::query(
                    "INSERT INTO chat_reactions (message_id, user_id, emoji, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(id.to_string())
                .bind(user.to_string())
                .bind(emoji)
                .bind(now_ms)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
            } else {
                sqlx::query(
                    "DELETE FROM chat_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3",
                )
                .bind(id.to_string())
                .bind(user.to_string())
                .bind(emoji)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
            }
        })?;
        Ok(())
    }

    /// Every message a user wrote in this school's rooms, oldest first (data export, Art. 15).
    pub async fn messages_by_sender(
        &self,
        school: SchoolId,
        user: UserId,
    ) -> Result<Vec<Message>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, MessageRow>(sqlx::AssertSqlSafe(format!(
                "{MESSAGE_SELECT} JOIN chat_rooms r ON r.id = m.room_id \
                 WHERE r.school_id = $1 AND m.sender_id = $2 ORDER BY m.created_at, m.id"
            )))
            .bind(school.to_string())
            .bind(user.to_string())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(|row| row.into_message(Vec::new())).collect()
    }

    /// The members of a room among the given login names (for @mentions).
    pub async fn room_members_by_login(
        &self,
        school: SchoolId,
        room: ChatRoomId,
        logins: &[String],
    ) -> Result<Vec<UserId>, StoreError> {
        let mut found = Vec::new();
        for login in logins.iter().take(20) {
            let id: Option<String> = on_pool!(self, |pool| {
                sqlx::query_scalar(
                    "SELECT u.id FROM users u WHERE u.school_id = $1 AND u.login = $3 AND ( \
                     EXISTS (SELECT 1 FROM chat_members cm WHERE cm.room_id = $2 AND cm.user_id = u.id) \
                     OR EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = $2 AND m.user_id = u.id))",
                )
                .bind(school.to_string())
                .bind(room.to_string())
                .bind(login)
                .fetch_optional(pool)
                .await
            })?;
            if let Some(id) = id {
                found.push(parse_id(&id)?);
            }
        }
        Ok(found)
    }

    /// Messages in the user's rooms containing `needle` (case-insensitive for ASCII), newest first.
    pub async fn search_messages(
        &self,
        school: SchoolId,
        user: UserId,
        needle: &str,
        limit: u32,
    ) -> Result<Vec<(Message, String)>, StoreError> {
        let escaped: String = needle
            .to_lowercase()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let pattern = format!("%{escaped}%");
        let query = format!(
            "SELECT q.*, COALESCE(g.name, NULLIF(r.title, ''), \
               (SELECT ou.display_name FROM chat_members o JOIN users ou ON ou.id = o.user_id \
                WHERE o.room_id = r.id AND o.user_id <> $2 LIMIT 1), '') AS room_title \
             FROM ({MESSAGE_SELECT}) q \
             JOIN chat_rooms r ON r.id = q.room_id \
             LEFT JOIN school_groups g ON g.id = r.id AND r.kind = 'class' \
             WHERE r.school_id = $1 AND q.deleted_at IS NULL AND LOWER(q.text) LIKE $3 ESCAPE '\\' \
             AND r.id IN (SELECT mine.rid FROM ({my_rooms}) mine) \
             ORDER BY q.created_at DESC LIMIT $4",
            my_rooms = my_rooms!()
        );
        #[derive(sqlx::FromRow)]
        struct HitRow {
            #[sqlx(flatten)]
            message: MessageRow,
            room_title: String,
        }
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, HitRow>(sqlx::AssertSqlSafe(query.as_str()))
                .bind(school.to_string())
                .bind(user.to_string())
                .bind(&pattern)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
        })?;
        let ids: Vec<String> = rows.iter().map(|r| r.message.id.clone()).collect();
        let mut reactions = self.reactions_of(&ids).await?;
        rows.into_iter()
            .map(|row| {
                let own = reactions.remove(&row.message.id).unwrap_or_default();
                Ok((row.message.into_message(own)?, row.room_title))
            })
            .collect()
    }
}
