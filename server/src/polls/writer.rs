//! Group commit for votes: every vote goes through one queue to one writer task, which stores
//! everything queued in one transaction (`Store::cast_votes`) and then answers each voter. When a
//! whole school votes at once the queue fills while a transaction runs, so each commit carries
//! many votes; a single vote on a quiet server is stored at once. A vote is answered only after
//! its commit, so an acknowledged vote is never lost.

use schulhof_proto::{PollId, UserId};
use tokio::sync::{mpsc, oneshot};

use crate::state::SharedState;
use crate::store::{StoreError, VoteRow};

/// Votes stored in one transaction at most.
const MAX_BATCH: usize = 4000;
/// Votes waiting at most; more wait for room (back-pressure on the voters).
pub const QUEUE_LENGTH: usize = 20_000;

/// A vote waiting to be stored; `done` gets whether the poll was still open.
#[derive(Debug)]
pub struct QueuedVote {
    pub poll: PollId,
    pub key: String,
    pub voter: Option<UserId>,
    pub choices: Vec<u8>,
    pub done: oneshot::Sender<Result<bool, StoreErrorText>>,
}

/// A store failure, passed to every voter of the failed batch.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreErrorText(pub String);

impl From<StoreError> for StoreErrorText {
    fn from(error: StoreError) -> Self {
        StoreErrorText(error.to_string())
    }
}

/// Stores queued votes batch by batch until the queue closes.
pub async fn run(state: SharedState, mut queue: mpsc::Receiver<QueuedVote>) {
    let mut batch: Vec<QueuedVote> = Vec::new();
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let rows: Vec<VoteRow<'_>> = batch
            .iter()
            .map(|v| VoteRow { poll: v.poll, key: &v.key, voter: v.voter, choices: &v.choices })
            .collect();
        let outcome = state.store.cast_votes(&rows).await;
        drop(rows);
        match outcome {
            Ok(stored) => {
                for (vote, stored) in batch.drain(..).zip(stored) {
                    let _ = vote.done.send(Ok(stored));
                }
            }
            Err(error) => {
                tracing::error!(%error, votes = batch.len(), "vote batch not stored");
                let text = StoreErrorText::from(error);
                for vote in batch.drain(..) {
                    let _ = vote.done.send(Err(text.clone()));
                }
            }
        }
    }
}
