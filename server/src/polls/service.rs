//! The quick polls' operations behind the HTTP routes and the hub: who may see, create, run and
//! vote in a poll (members of its group or chat room), the poll as one viewer sees it (hidden
//! results, anonymity), the life cycle draft → open → closed with announcements on the group's or
//! room's topic, and voting (stored before it is acknowledged, then a coalesced live broadcast).

use schulhof_proto::hub::Topic;
use schulhof_proto::{
    ChatRoomId, ErrorCode, GroupId, MemberRole, Poll, PollId, PollRequest, PollResults, PollState,
    Role, SchoolId, UserId, UserRef,
};
use serde_json::json;

use super::live::{results_changed, results_event};
use super::tally::{self, ballot_key, count, counts_visible, normalize_vote, poll_spec};
use super::writer::QueuedVote;
use crate::auth::token::new_token;
use crate::error::ApiError;
use crate::hub::notify;
use crate::messenger::service::membership;
use crate::state::SharedState;
use crate::store::{AuthenticatedSession, PollFields, PollRecord, StoreError};

/// What the caller may do with a poll's group or room: see and vote, or also create polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    Member,
    Organizer,
}

async fn standing(
    state: &SharedState,
    session: &AuthenticatedSession,
    target: (Option<GroupId>, Option<ChatRoomId>),
) -> Result<Standing, ApiError> {
    match target {
        (Some(group), None) => {
            let role =
                state.store.membership_role(session.school.id, group, session.user.id).await?;
            let role = role.ok_or_else(ApiError::not_found)?;
            let teacher = matches!(session.user.role, Role::Teacher | Role::Admin);
            Ok(if role == MemberRole::Leader || teacher {
                Standing::Organizer
            } else {
                Standing::Member
            })
        }
        (None, Some(room)) => {
            let member = membership(state, session, room).await?;
            Ok(if member.moderator { Standing::Organizer } else { Standing::Member })
        }
        _ => Err(ApiError::invalid(
            "group_id",
            "Give either a group or a chat room.",
            "Gib entweder eine Gruppe oder einen Chatraum an.",
        )),
    }
}

/// Refuses callers who are not members of the group or room (404).
pub async fn require_member(
    state: &SharedState,
    session: &AuthenticatedSession,
    target: (Option<GroupId>, Option<ChatRoomId>),
) -> Result<(), ApiError> {
    standing(state, session, target).await.map(|_| ())
}

/// A poll the caller may see (members of its group or room; others get 404).
pub async fn visible_poll(
    state: &SharedState,
    session: &AuthenticatedSession,
    id: PollId,
) -> Result<PollRecord, ApiError> {
    let record = state.store.poll(session.school.id, id).await?;
    standing(state, session, (record.group_id, record.room_id)).await?;
    if record.state == PollState::Draft && record.owner_id != Some(session.user.id) {
        return Err(ApiError::not_found());
    }
    Ok(record)
}

fn require_owner(session: &AuthenticatedSession, record: &PollRecord) -> Result<(), ApiError> {
    if record.owner_id == Some(session.user.id) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::NotPollOwner))
    }
}

/// The poll as the caller sees it.
pub async fn view(
    state: &SharedState,
    session: &AuthenticatedSession,
    record: &PollRecord,
) -> Result<Poll, ApiError> {
    let me = session.user.id;
    let owner = record.owner_id == Some(me);
    let (ballots, version) = state.store.ballots(record.id).await?;
    let (counts, voters) =
        count(record.options.len(), ballots.iter().map(|b| b.choices.as_slice()));
    let results = if record.state == PollState::Draft {
        None
    } else if counts_visible(record.hide_results, record.state, owner) {
        Some(PollResults { counts, voters, version })
    } else {
        Some(PollResults { counts: Vec::new(), voters, version })
    };
    let key = ballot_key(record.ballot_salt.as_deref().filter(|_| record.anonymous), record.id, me);
    let my_vote = if record.anonymous && record.ballot_salt.is_none() {
        None // the salt is gone: nobody, not even the voter, can find the ballot again
    } else {
        state.store.ballot(record.id, &key).await?
    };
    let voters_by_option = if owner && !record.anonymous {
        let mut by_option: Vec<Vec<UserRef>> = vec![Vec::new(); record.options.len()];
        for ballot in &ballots {
            let Some(voter) = &ballot.voter else { continue };
            for &choice in &ballot.choices {
                if let Some(list) = by_option.get_mut(usize::from(choice)) {
                    list.push(voter.clone());
                }
            }
        }
        Some(by_option)
    } else {
        None
    };
    Ok(Poll {
        id: record.id,
        owner_id: record.owner_id,
        owner_name: record.owner_name.clone(),
        group_id: record.group_id,
        room_id: record.room_id,
        question: record.question.clone(),
        options: record.options.clone(),
        multiple: record.multiple,
        anonymous: record.anonymous,
        hide_results: record.hide_results,
        duration_seconds: record.duration_seconds,
        state: record.state,
        created_at: record.created_at,
        opened_at: record.opened_at,
        closes_at: record.closes_at,
        closed_at: record.closed_at,
        results,
        my_vote,
        voters_by_option,
    })
}

fn spec(request: &PollRequest) -> Result<tally::PollSpec, ApiError> {
    poll_spec(&request.question, &request.options, request.duration_seconds)
        .map_err(|p| ApiError::invalid(p.field, p.message, p.message_de))
}

/// The fields to store for a validated request.
fn fields<'a>(request: &PollRequest, spec: &'a tally::PollSpec) -> PollFields<'a> {
    PollFields {
        question: &spec.question,
        options: &spec.options,
        multiple: request.multiple,
        anonymous: request.anonymous,
        hide_results: request.hide_results,
        duration_seconds: spec.duration_seconds,
    }
}

fn new_salt(anonymous: bool) -> Result<Option<String>, ApiError> {
    if anonymous { new_token().map(Some).map_err(ApiError::internal) } else { Ok(None) }
}

/// Creates a poll (a draft, or open at once).
pub async fn create(
    state: &SharedState,
    session: &AuthenticatedSession,
    request: &PollRequest,
) -> Result<Poll, ApiError> {
    let target = (request.group_id, request.room_id);
    if standing(state, session, target).await? != Standing::Organizer {
        return Err(ApiError::forbidden());
    }
    let spec = spec(request)?;
    let salt = new_salt(request.anonymous)?;
    let stored = fields(request, &spec);
    let id = state
        .store
        .create_poll(
            session.school.id,
            session.user.id,
            target,
            &stored,
            salt.as_deref(),
            state.now_ms(),
        )
        .await?;
    if request.open {
        return open(state, session, id).await;
    }
    let record = state.store.poll(session.school.id, id).await?;
    view(state, session, &record).await
}

/// Replaces a draft's fields (its owner).
pub async fn update_draft(
    state: &SharedState,
    session: &AuthenticatedSession,
    id: PollId,
    request: &PollRequest,
) -> Result<Poll, ApiError> {
    let record = visible_poll(state, session, id).await?;
    require_owner(session, &record)?;
    let spec = spec(request)?;
    let salt = new_salt(request.anonymous)?;
    let stored = fields(request, &spec);
    if !state.store.update_draft_poll(id, &stored, salt.as_deref()).await? {
        return Err(ApiError::new(ErrorCode::PollNotDraft));
    }
    let record = state.store.poll(session.school.id, id).await?;
    view(state, session, &record).await
}

/// Announces a poll's new state on its group's or room's topic and on its own.
async fn announce_state(state: &SharedState, record: &PollRecord, from: UserId) {
    let state_text = record.state.as_str();
    let place = match (record.group_id, record.room_id) {
        (Some(group), _) => Some(Topic::Group(group)),
        (None, Some(room)) => Some(Topic::Chat(room.to_string())),
        _ => None,
    };
    if let Some(place) = place {
        let body = json!({"event": "poll", "poll_id": record.id, "state": state_text});
        notify::publish(state, place, from, body).await;
    }
    let results = match results_event(state, record).await {
        Ok((public, _)) => public,
        Err(error) => return tracing::warn!(%error, "poll state not announced"),
    };
    let body =
        json!({"event": "state", "poll_id": record.id, "state": state_text, "results": results});
    notify::publish(state, Topic::Poll(record.id.to_string()), from, body).await;
}

/// Opens a draft (its owner); a countdown starts now.
pub async fn open(
    state: &SharedState,
    session: &AuthenticatedSession,
    id: PollId,
) -> Result<Poll, ApiError> {
    let record = visible_poll(state, session, id).await?;
    require_owner(session, &record)?;
    let now = state.now_ms();
    let closes_at = record.duration_seconds.map(|s| now + i64::from(s) * 1000);
    if !state.store.open_poll(id, now, closes_at).await? {
        return Err(ApiError::new(ErrorCode::PollNotDraft));
    }
    if closes_at.is_some() {
        state.polls.deadlines_changed.notify_one();
    }
    let record = state.store.poll(session.school.id, id).await?;
    announce_state(state, &record, session.user.id).await;
    view(state, session, &record).await
}

/// Closes an open poll (by its owner or its countdown) and announces the final results; `false`
/// when it was not open.
pub async fn close_and_announce(
    state: &SharedState,
    school: SchoolId,
    id: PollId,
) -> Result<bool, StoreError> {
    state.polls.forget(id);
    if !state.store.close_poll(id, state.now_ms()).await? {
        return Ok(false);
    }
    let record = state.store.poll(school, id).await?;
    let from = record.owner_id.unwrap_or(UserId(uuid::Uuid::nil()));
    announce_state(state, &record, from).await;
    Ok(true)
}

/// Closes a poll (its owner).
pub async fn close(
    state: &SharedState,
    session: &AuthenticatedSession,
    id: PollId,
) -> Result<Poll, ApiError> {
    let record = visible_poll(state, session, id).await?;
    require_owner(session, &record)?;
    if !close_and_announce(state, session.school.id, id).await? {
        return Err(ApiError::new(ErrorCode::PollClosed));
    }
    let record = state.store.poll(session.school.id, id).await?;
    view(state, session, &record).await
}

/// Deletes a poll (its owner).
pub async fn delete(
    state: &SharedState,
    session: &AuthenticatedSession,
    id: PollId,
) -> Result<(), ApiError> {
    let record = visible_poll(state, session, id).await?;
    require_owner(session, &record)?;
    state.store.delete_poll(id).await?;
    Ok(())
}

/// Stores the caller's vote (replacing an earlier one) and triggers a live broadcast. The poll's
/// visibility is checked by the caller (`visible_poll`, or a hub subscription).
pub async fn vote(
    state: &SharedState,
    session: &AuthenticatedSession,
    record: &PollRecord,
    choices: &[u8],
) -> Result<Vec<u8>, ApiError> {
    if record.state != PollState::Open {
        return Err(ApiError::new(ErrorCode::PollClosed));
    }
    let choices = normalize_vote(record.multiple, record.options.len(), choices)
        .map_err(|_| ApiError::new(ErrorCode::InvalidVote))?;
    let me = session.user.id;
    let salt = record.ballot_salt.as_deref().filter(|_| record.anonymous);
    if record.anonymous && salt.is_none() {
        return Err(ApiError::new(ErrorCode::PollClosed));
    }
    let key = ballot_key(salt, record.id, me);
    let voter = (!record.anonymous).then_some(me);
    let (done, stored) = tokio::sync::oneshot::channel();
    let queued = QueuedVote { poll: record.id, key, voter, choices: choices.clone(), done };
    state.polls.votes.send(queued).await.map_err(|_| ApiError::new(ErrorCode::Unavailable))?;
    match stored.await {
        Ok(Ok(true)) => {}
        Ok(Ok(false)) => {
            state.polls.forget(record.id);
            return Err(ApiError::new(ErrorCode::PollClosed));
        }
        Ok(Err(error)) => return Err(ApiError::internal(error)),
        Err(_) => return Err(ApiError::new(ErrorCode::Unavailable)),
    }
    state.metrics.poll_votes.inc();
    results_changed(state, record).await;
    Ok(choices)
}

/// The final results as CSV (owner, closed polls): option, votes (and the voters of named polls).
pub async fn results_csv(
    state: &SharedState,
    session: &AuthenticatedSession,
    id: PollId,
) -> Result<String, ApiError> {
    let record = visible_poll(state, session, id).await?;
    require_owner(session, &record)?;
    if record.state != PollState::Closed {
        return Err(ApiError::new(ErrorCode::PollStillOpen));
    }
    let poll = view(state, session, &record).await?;
    let counts = poll.results.map(|r| r.counts).unwrap_or_default();
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    let named = poll.voters_by_option.is_some();
    let header: &[&str] =
        if named { &["Antwort", "Stimmen", "Personen"] } else { &["Antwort", "Stimmen"] };
    let csv_error = |e: csv::Error| ApiError::internal(e);
    writer.write_record(header).map_err(csv_error)?;
    for (index, option) in poll.options.iter().enumerate() {
        let votes = counts.get(index).copied().unwrap_or(0).to_string();
        let mut row = vec![option.clone(), votes];
        if let Some(voters) = &poll.voters_by_option {
            let names: Vec<&str> = voters
                .get(index)
                .map(|v| v.iter().map(|u| u.display_name.as_str()).collect())
                .unwrap_or_default();
            row.push(names.join(", "));
        }
        writer.write_record(&row).map_err(csv_error)?;
    }
    let bytes = writer.into_inner().map_err(|e| ApiError::internal(e.to_string()))?;
    let mut out = String::from("\u{feff}");
    out.push_str(&String::from_utf8_lossy(&bytes));
    Ok(out)
}
