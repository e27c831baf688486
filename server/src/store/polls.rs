//! Quick polls: create, replace a draft, open, close (erasing an anonymous poll's ballot salt),
//! delete, ballots (one per voter, replaced on a change of mind) and the polls whose countdown
//! has run out. Callers check who may see or change a poll.

use schulhof_proto::{ChatRoomId, GroupId, PollId, PollState, SchoolId, UserId, UserRef};

use super::rows::parse_id;
use super::{Store, StoreError, on_pool, on_writer};
use crate::polls::tally::{decode_choices, encode_choices};

/// A poll's stored fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollRecord {
    pub id: PollId,
    pub school: SchoolId,
    pub owner_id: Option<UserId>,
    pub owner_name: String,
    pub group_id: Option<GroupId>,
    pub room_id: Option<ChatRoomId>,
    pub question: String,
    pub options: Vec<String>,
    pub multiple: bool,
    pub anonymous: bool,
    pub hide_results: bool,
    pub duration_seconds: Option<u32>,
    pub state: PollState,
    pub version: u64,
    pub ballot_salt: Option<String>,
    pub created_at: i64,
    pub opened_at: Option<i64>,
    pub closes_at: Option<i64>,
    pub closed_at: Option<i64>,
}

/// The fields of a poll to create or of a draft to replace.
#[derive(Clone, Debug)]
pub struct PollFields<'a> {
    pub question: &'a str,
    pub options: &'a [String],
    pub multiple: bool,
    pub anonymous: bool,
    pub hide_results: bool,
    pub duration_seconds: Option<u32>,
}

/// One stored ballot: the choices, and the voter for named polls (`None` for anonymous ballots
/// and for voters whose account was purged).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ballot {
    pub choices: Vec<u8>,
    pub voter: Option<UserRef>,
}

/// One vote of a batch (`cast_votes`).
#[derive(Clone, Copy, Debug)]
pub struct VoteRow<'a> {
    pub poll: PollId,
    pub key: &'a str,
    pub voter: Option<UserId>,
    pub choices: &'a [u8],
}

const POLL_SELECT: &str = "SELECT p.id, p.school_id, p.owner_id, COALESCE(u.display_name, '') AS owner_name, \
     p.group_id, p.room_id, p.question, p.options, p.multiple, p.anonymous, p.hide_results, \
     p.duration_seconds, p.state, p.version, p.ballot_salt, p.created_at, p.opened_at, \
     p.closes_at, p.closed_at FROM polls p LEFT JOIN users u ON u.id = p.owner_id";

#[derive(sqlx::FromRow)]
struct PollRow {
    id: String,
    school_id: String,
    owner_id: Option<String>,
    owner_name: String,
    group_id: Option<String>,
    room_id: Option<String>,
    question: String,
    options: String,
    multiple: i64,
    anonymous: i64,
    hide_results: i64,
    duration_seconds: Option<i64>,
    state: String,
    version: i64,
    ballot_salt: Option<String>,
    created_at: i64,
    opened_at: Option<i64>,
    closes_at: Option<i64>,
    closed_at: Option<i64>,
}

impl PollRow {
    fn into_record(self) -> Result<PollRecord, StoreError> {
        Ok(PollRecord {
            id: parse_id(&self.id)?,
            school: parse_id(&self.school_id)?,
            owner_id: self.owner_id.as_deref().map(parse_id).transpose()?,
            owner_name: self.owner_name,
            group_id: self.group_id.as_deref().map(parse_id).transpose()?,
            room_id: self.room_id.as_deref().map(parse_id).transpose()?,
            question: self.question,
            options: self.options.split('\n').map(str::to_owned).collect(),
            multiple: self.multiple != 0,
            anonymous: self.anonymous != 0,
            hide_results: self.hide_results != 0,
            duration_seconds: self.duration_seconds.and_then(|d| u32::try_from(d).ok()),
            state: PollState::parse(&self.state)
                .ok_or_else(|| StoreError::Corrupt(format!("poll state {:?}", self.state)))?,
            version: u64::try_from(self.version).unwrap_or(0),
            ballot_salt: self.ballot_salt,
            created_at: self.created_at,
            opened_at: self.opened_at,
            closes_at: self.closes_at,
            closed_at: self.closed_at,
        })
    }
}

impl Store {
    /// Stores a new draft poll in a group or a room. `salt` is the anonymous poll's ballot salt.
    pub async fn create_poll(
        &self,
        school: SchoolId,
        owner: UserId,
        target: (Option<GroupId>, Option<ChatRoomId>),
        fields: &PollFields<'_>,
        salt: Option<&str>,
        now_ms: i64,
    ) -> Result<PollId, StoreError> {
        let id = PollId::new();
        on_writer!(self, |pool| {
            sqlx::query(
                "INSERT INTO polls (id, school_id, owner_id, group_id, room_id, question, options, \
                 multiple, anonymous, hide_results, duration_seconds, state, ballot_salt, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'draft', $12, $13)",
            )
            .bind(id.to_string())
            .bind(school.to_string())
            .bind(owner.to_string())
            .bind(target.0.map(|g| g.to_string()))
            .bind(target.1.map(|r| r.to_string()))
            .bind(fields.question)
            .bind(fields.options.join("\n"))
            .bind(i64::from(fields.multiple))
            .bind(i64::from(fields.anonymous))
            .bind(i64::from(fields.hide_results))
            .bind(fields.duration_seconds.map(i64::from))
            .bind(salt)
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(id)
    }

    /// Replaces a draft's fields (`false`: not a draft any more).
    pub async fn update_draft_poll(
        &self,
        id: PollId,
        fields: &PollFields<'_>,
        salt: Option<&str>,
    ) -> Result<bool, StoreError> {
        let done = on_writer!(self, |pool| {
            sqlx::query(
                "UPDATE polls SET question = $2, options = $3, multiple = $4, anonymous = $5, \
                 hide_results = $6, duration_seconds = $7, ballot_salt = $8 \
                 WHERE id = $1 AND state = 'draft'",
            )
            .bind(id.to_string())
            .bind(fields.question)
            .bind(fields.options.join("\n"))
            .bind(i64::from(fields.multiple))
            .bind(i64::from(fields.anonymous))
            .bind(i64::from(fields.hide_results))
            .bind(fields.duration_seconds.map(i64::from))
            .bind(salt)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(done == 1)
    }

    pub async fn poll(&self, school: SchoolId, id: PollId) -> Result<PollRecord, StoreError> {
        let row = on_pool!(self, |pool| {
            sqlx::query_as::<_, PollRow>(sqlx::AssertSqlSafe(format!(
                "{POLL_SELECT} WHERE p.school_id = $1 AND p.id = $2"
            )))
            .bind(school.to_string())
            .bind(id.to_string())
            .fetch_optional(pool)
            .await
        })?;
        row.ok_or(StoreError::NotFound)?.into_record()
    }

    /// The polls of a group or a room, newest first.
    pub async fn polls_of(
        &self,
        school: SchoolId,
        target: (Option<GroupId>, Option<ChatRoomId>),
    ) -> Result<Vec<PollRecord>, StoreError> {
        let (column, id) = match target {
            (Some(group), _) => ("group_id", group.to_string()),
            (None, Some(room)) => ("room_id", room.to_string()),
            (None, None) => return Ok(Vec::new()),
        };
        let rows = on_pool!(self, |pool| {
            sqlx::query_as::<_, PollRow>(sqlx::AssertSqlSafe(format!(
                "{POLL_SELECT} WHERE p.school_id = $1 AND p.{column} = $2 \
                 ORDER BY p.created_at DESC LIMIT 100"
            )))
            .bind(school.to_string())
            .bind(&id)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(PollRow::into_record).collect()
    }

    /// Opens a draft (`false`: it was not a draft).
    pub async fn open_poll(
        &self,
        id: PollId,
        now_ms: i64,
        closes_at: Option<i64>,
    ) -> Result<bool, StoreError> {
        let done = on_writer!(self, |pool| {
            sqlx::query(
                "UPDATE polls SET state = 'open', opened_at = $2, closes_at = $3 \
                 WHERE id = $1 AND state = 'draft'",
            )
            .bind(id.to_string())
            .bind(now_ms)
            .bind(closes_at)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(done == 1)
    }

    /// Closes an open poll and erases its ballot salt (`false`: it was not open, e.g. another node
    /// closed it first).
    pub async fn close_poll(&self, id: PollId, now_ms: i64) -> Result<bool, StoreError> {
        let done = on_writer!(self, |pool| {
            sqlx::query(
                "UPDATE polls SET state = 'closed', closed_at = $2, ballot_salt = NULL, \
                 version = version + 1 WHERE id = $1 AND state = 'open'",
            )
            .bind(id.to_string())
            .bind(now_ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(done == 1)
    }

    pub async fn delete_poll(&self, id: PollId) -> Result<(), StoreError> {
        on_writer!(self, |pool| {
            sqlx::query("DELETE FROM polls WHERE id = $1")
                .bind(id.to_string())
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(())
    }

    /// Stores a batch of votes in one transaction (group commit): bumps the version of every
    /// poll in the batch that is still open, then upserts the ballots of those polls (a later
    /// vote of the same voter in the batch wins). Returns, per vote, whether it was stored.
    pub async fn cast_votes(&self, votes: &[VoteRow<'_>]) -> Result<Vec<bool>, StoreError> {
        let mut polls: Vec<String> = votes.iter().map(|v| v.poll.to_string()).collect();
        polls.sort_unstable();
        polls.dedup();
        let open: Vec<String> = on_writer!(self, |pool| {
            let mut tx = pool.begin().await?;
            let mut open: Vec<String> = Vec::new();
            for chunk in polls.chunks(500) {
                let marks =
                    (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(",");
                let query = format!(
                    "UPDATE polls SET version = version + 1 WHERE state = 'open' AND id IN ({marks}) \
                     RETURNING id"
                );
                let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(query));
                for id in chunk {
                    q = q.bind(id);
                }
                open.extend(q.fetch_all(&mut *tx).await?);
            }
            let open_set: std::collections::HashSet<String> = open.iter().cloned().collect();
            // The last vote of a voter in this batch wins; earlier ones are superseded (stored
            // and replaced in the same commit).
            let mut latest: std::collections::HashMap<(String, &str), usize> =
                std::collections::HashMap::new();
            for (index, vote) in votes.iter().enumerate() {
                if open_set.contains(&vote.poll.to_string()) {
                    latest.insert((vote.poll.to_string(), vote.key), index);
                }
            }
            let mut rows: Vec<usize> = latest.into_values().collect();
            rows.sort_unstable();
            for chunk in rows.chunks(1000) {
                let values = (0..chunk.len())
                    .map(|i| {
                        format!("(${}, ${}, ${}, ${})", 4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4)
                    })
                    .collect::<Vec<_>>()
                    .join(",");
                let query = format!(
                    "INSERT INTO poll_ballots (poll_id, voter_key, voter_id, choices) VALUES {values} \
                     ON CONFLICT (poll_id, voter_key) DO UPDATE SET choices = excluded.choices"
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(query));
                for &index in chunk {
                    let Some(vote) = votes.get(index) else { continue };
                    q = q
                        .bind(vote.poll.to_string())
                        .bind(vote.key)
                        .bind(vote.voter.map(|v| v.to_string()))
                        .bind(encode_choices(vote.choices));
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(open)
        })?;
        let open: std::collections::HashSet<String> = open.into_iter().collect();
        Ok(votes.iter().map(|v| open.contains(&v.poll.to_string())).collect())
    }

    /// Every ballot of a poll with the poll's version, read in one statement so they match.
    pub async fn ballots(&self, poll: PollId) -> Result<(Vec<Ballot>, u64), StoreError> {
        type Row = (i64, Option<String>, Option<String>, Option<String>);
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT p.version, b.choices, u.id, u.display_name FROM polls p \
                 LEFT JOIN poll_ballots b ON b.poll_id = p.id \
                 LEFT JOIN users u ON u.id = b.voter_id WHERE p.id = $1",
            )
            .bind(poll.to_string())
            .fetch_all(pool)
            .await
        })?;
        let version = rows.first().map_or(0, |(version, ..)| u64::try_from(*version).unwrap_or(0));
        let ballots = rows
            .into_iter()
            .filter_map(|(_, choices, id, name)| choices.map(|c| (c, id.zip(name))))
            .map(|(choices, voter)| {
                Ok(Ballot {
                    choices: decode_choices(&choices)
                        .ok_or_else(|| StoreError::Corrupt("ballot choices".into()))?,
                    voter: match voter {
                        Some((id, display_name)) => {
                            Some(UserRef { id: parse_id(&id)?, display_name })
                        }
                        None => None,
                    },
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((ballots, version))
    }

    /// A user's ballots in named polls as (poll, question, chosen options), for the data export.
    /// Anonymous ballots are not linked to anyone and cannot be listed.
    pub async fn named_ballots_of(
        &self,
        school: SchoolId,
        user: UserId,
    ) -> Result<Vec<(PollId, String, Vec<String>)>, StoreError> {
        let rows: Vec<(String, String, String, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT p.id, p.question, p.options, b.choices FROM poll_ballots b \
                 JOIN polls p ON p.id = b.poll_id WHERE p.school_id = $1 AND b.voter_id = $2 \
                 ORDER BY p.created_at",
            )
            .bind(school.to_string())
            .bind(user.to_string())
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|(id, question, options, choices)| {
                let options: Vec<&str> = options.split('\n').collect();
                let chosen = decode_choices(&choices)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|c| options.get(usize::from(c)).map(|o| (*o).to_owned()))
                    .collect();
                Ok((parse_id(&id)?, question, chosen))
            })
            .collect()
    }

    /// One voter's ballot, by key.
    pub async fn ballot(&self, poll: PollId, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let choices: Option<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT choices FROM poll_ballots WHERE poll_id = $1 AND voter_key = $2",
            )
            .bind(poll.to_string())
            .bind(key)
            .fetch_optional(pool)
            .await
        })?;
        Ok(choices.as_deref().and_then(decode_choices))
    }

    /// Open polls whose countdown has ended by `now_ms`, as (school, poll).
    pub async fn polls_due(&self, now_ms: i64) -> Result<Vec<(SchoolId, PollId)>, StoreError> {
        let rows: Vec<(String, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT school_id, id FROM polls WHERE state = 'open' \
                 AND closes_at IS NOT NULL AND closes_at <= $1",
            )
            .bind(now_ms)
            .fetch_all(pool)
            .await
        })?;
        rows.iter().map(|(school, poll)| Ok((parse_id(school)?, parse_id(poll)?))).collect()
    }

    /// The next countdown end of an open poll, if any.
    pub async fn next_poll_deadline(&self) -> Result<Option<i64>, StoreError> {
        let next: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT MIN(closes_at) FROM polls WHERE state = 'open' AND closes_at IS NOT NULL",
            )
            .fetch_one(pool)
            .await
        })?;
        Ok(next)
    }
}
