//! The live side of quick polls: coalesced result broadcasts (at most one per poll per
//! `RESULTS_INTERVAL_MS`, stretched by the `BroadcastGovernor` when the whole node is busy; each
//! counted from the stored ballots, so every node and every broadcast is exact) and the countdown
//! closer, a task that sleeps until the next stored deadline — so a countdown survives a restart —
//! and closes every poll whose time is up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use schulhof_proto::hub::Topic;
use schulhof_proto::{PollId, PollState, UserId};
use serde_json::json;
use tokio::sync::{Notify, mpsc};

use super::tally::{Broadcast, BroadcastGovernor, Coalescer, RESULTS_INTERVAL_MS, count};
use super::writer::{QUEUE_LENGTH, QueuedVote};
use crate::hub::notify;
use crate::state::SharedState;
use crate::store::{PollRecord, StoreError};

/// How long an open poll's record is reused for hub votes before it is read again. Its options,
/// mode and salt never change while it is open, and `cast_votes` checks the state itself.
const OPEN_POLL_CACHE_MS: i64 = 2000;

/// Per-process live poll state: the coalescers of polls with recent votes, the vote queue of the
/// group-commit writer, recently read open polls, and a wake-up for the countdown closer when a
/// poll with a countdown opens.
pub struct LiveResults {
    coalescers: Mutex<HashMap<PollId, Coalescer>>,
    governor: Mutex<BroadcastGovernor>,
    open_polls: Mutex<HashMap<PollId, (PollRecord, i64)>>,
    pub votes: mpsc::Sender<QueuedVote>,
    vote_queue: Mutex<Option<mpsc::Receiver<QueuedVote>>>,
    pub deadlines_changed: Notify,
}

impl Default for LiveResults {
    fn default() -> Self {
        let (votes, queue) = mpsc::channel(QUEUE_LENGTH);
        Self {
            coalescers: Mutex::default(),
            governor: Mutex::new(BroadcastGovernor::new(0)),
            open_polls: Mutex::default(),
            votes,
            vote_queue: Mutex::new(Some(queue)),
            deadlines_changed: Notify::new(),
        }
    }
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl LiveResults {
    fn lock(&self) -> MutexGuard<'_, HashMap<PollId, Coalescer>> {
        locked(&self.coalescers)
    }

    /// The vote queue's receiving end, for the one writer task (`None` once taken).
    pub fn take_vote_queue(&self) -> Option<mpsc::Receiver<QueuedVote>> {
        locked(&self.vote_queue).take()
    }

    /// Forgets a cached poll (it closed or changed).
    pub fn forget(&self, poll: PollId) {
        locked(&self.open_polls).remove(&poll);
    }
}

/// An open poll of `school` for a hub vote: from the short-lived cache, or read (and cached if
/// open).
pub async fn open_poll(
    state: &SharedState,
    school: schulhof_proto::SchoolId,
    poll: PollId,
) -> Result<PollRecord, StoreError> {
    let now = state.now_ms();
    if let Some((record, at)) = locked(&state.polls.open_polls).get(&poll)
        && now - at < OPEN_POLL_CACHE_MS
        && record.school == school
    {
        return Ok(record.clone());
    }
    let record = state.store.poll(school, poll).await?;
    if record.state == PollState::Open {
        let mut cache = locked(&state.polls.open_polls);
        if cache.len() > 10_000 {
            cache.retain(|_, (_, at)| now - *at < OPEN_POLL_CACHE_MS);
        }
        cache.insert(poll, (record.clone(), now));
    }
    Ok(record)
}

/// The results payload of a poll (counts empty when hidden from non-owners).
pub async fn results_event(
    state: &SharedState,
    poll: &PollRecord,
) -> Result<(serde_json::Value, serde_json::Value), StoreError> {
    let (ballots, version) = state.store.ballots(poll.id).await?;
    let (counts, voters) = count(poll.options.len(), ballots.iter().map(|b| b.choices.as_slice()));
    let full = json!({
        "event": "results", "poll_id": poll.id, "version": version, "voters": voters,
        "counts": counts,
    });
    let public = if poll.hide_results && poll.state != PollState::Closed {
        json!({
            "event": "results", "poll_id": poll.id, "version": version, "voters": voters,
            "counts": [],
        })
    } else {
        full.clone()
    };
    Ok((public, full))
}

/// Counts the stored ballots of an open poll and publishes the results (to the owner with counts
/// when they are hidden from the others).
async fn broadcast(state: &SharedState, record: &PollRecord) {
    let (public, full) = match results_event(state, record).await {
        Ok(events) => events,
        Err(error) => return tracing::warn!(%error, "poll results not broadcast"),
    };
    let from = record.owner_id.unwrap_or(UserId(uuid::Uuid::nil()));
    state.metrics.poll_broadcasts.inc();
    locked(&state.polls.governor).record(state.now_ms());
    if public != full
        && let Some(owner) = record.owner_id
    {
        notify::publish(state, Topic::User(owner), from, full).await;
    }
    notify::publish(state, Topic::Poll(record.id.to_string()), from, public).await;
}

/// Votes changed a poll's results: broadcast now, or once at the end of the current interval.
pub async fn results_changed(state: &SharedState, poll: &PollRecord) {
    let now = state.now_ms();
    let decision = {
        let interval = locked(&state.polls.governor).interval_ms(now);
        let mut coalescers = state.polls.lock();
        if coalescers.len() > 2000 {
            coalescers.retain(|_, c| !c.is_idle(now));
        }
        let coalescer =
            coalescers.entry(poll.id).or_insert_with(|| Coalescer::new(RESULTS_INTERVAL_MS));
        coalescer.set_interval(interval);
        coalescer.changed(now)
    };
    match decision {
        Broadcast::Now => broadcast(state, poll).await,
        Broadcast::Pending => {}
        Broadcast::At(at) => {
            let state = Arc::clone(state);
            let record = poll.clone();
            tokio::spawn(async move {
                let wait = u64::try_from(at - state.now_ms()).unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(wait)).await;
                if let Some(c) = state.polls.lock().get_mut(&record.id) {
                    c.fired(state.now_ms());
                }
                broadcast(&state, &record).await;
            });
        }
    }
}

/// Closes every poll whose countdown has ended, then sleeps until the next deadline (at most a
/// minute, or until a poll with a countdown opens). Several nodes may run this: closing is a
/// conditional update, so each poll is closed and announced once.
pub async fn run_countdowns(state: SharedState) {
    loop {
        let now = state.now_ms();
        match state.store.polls_due(now).await {
            Ok(due) => {
                for (school, poll) in due {
                    if let Err(error) =
                        super::service::close_and_announce(&state, school, poll).await
                    {
                        tracing::warn!(%error, "poll countdown close failed");
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "poll countdowns unavailable"),
        }
        let next = state.store.next_poll_deadline().await.ok().flatten();
        let wait_ms = next.map_or(60_000, |at| (at - state.now_ms()).clamp(50, 60_000));
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0))) => {}
            () = state.polls.deadlines_changed.notified() => {}
        }
    }
}
