//! Client publishes on service topics, checked before they reach the core: on `chat:` topics a
//! client may only send the typing notice `{"event":"typing"}` (and only where it may write), and
//! on `poll:` topics only a vote `{"vote":[…]}`, which is stored like an HTTP vote before the
//! `ack`.

use schulhof_proto::hub::HubErrorCode;
use schulhof_proto::{ChatRoomId, PollId};
use serde::Deserialize;

use super::errors::from_api;
use crate::messenger;
use crate::polls;
use crate::state::SharedState;
use crate::store::AuthenticatedSession;

/// Is this publish on a chat topic a typing notice the sender may send?
pub async fn check_typing(
    state: &SharedState,
    session: &AuthenticatedSession,
    room: &str,
    body: &serde_json::Value,
) -> Result<(), HubErrorCode> {
    let is_typing = body.as_object().is_some_and(|o| {
        o.len() == 1 && o.get("event").and_then(serde_json::Value::as_str) == Some("typing")
    });
    if !is_typing {
        return Err(HubErrorCode::BadFrame);
    }
    let room: ChatRoomId = room.parse().map_err(|_| HubErrorCode::Forbidden)?;
    match messenger::service::may_write_now(state, session, room).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(HubErrorCode::RoomMuted),
        Err(error) => Err(from_api(&error)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VoteBody {
    vote: Vec<u8>,
}

/// Stores a vote sent on a poll topic (the connection's subscription proves membership).
pub async fn vote(
    state: &SharedState,
    session: &AuthenticatedSession,
    poll: &str,
    body: serde_json::Value,
) -> Result<(), HubErrorCode> {
    let body: VoteBody = serde_json::from_value(body).map_err(|_| HubErrorCode::BadFrame)?;
    let poll: PollId = poll.parse().map_err(|_| HubErrorCode::Forbidden)?;
    let record = polls::live::open_poll(state, session.school.id, poll).await.map_err(|error| {
        tracing::warn!(%error, "hub vote failed");
        HubErrorCode::Internal
    })?;
    polls::service::vote(state, session, &record, &body.vote)
        .await
        .map(|_| ())
        .map_err(|e| from_api(&e))
}
