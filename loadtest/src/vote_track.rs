//! What the `votes` scenario records, per poll (= per class) and per voter: when each vote was
//! sent and acknowledged, the votes acknowledged per option (to check the final tally against),
//! and the live `results` events. Vote → tally latency: every pupil votes once, so the k-th vote
//! sent on a poll is shown by the first `results` (or `state`) event of that poll with
//! `voters ≥ k` that reaches any of the poll's subscribers in this process; the latency of the
//! k-th vote is that event's arrival minus the k-th send time. (When the server stores a poll's
//! votes in another order than they were sent, this is the time until the tally shows as many
//! voters as votes had been sent — still the latency a viewer sees.)

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::frames::EventFrame;
use crate::lite::Observer;
use crate::shared::{Shared, Timings};

/// Request id of a vote published on the hub (the subscribe is 1).
pub const VOTE_ID: u64 = 2;

/// The live side of one poll.
#[derive(Debug, Default)]
pub struct PollTrack {
    /// Send times of the poll's votes (ns on the generator's clock), in send order.
    pub sent: Vec<u64>,
    /// Votes already shown by a `results` event (their latency is recorded).
    pub tallied: usize,
    /// The most voters a live event showed.
    pub max_voters: u64,
}

impl PollTrack {
    /// A results event with `voters` arrived at `now_ns`: the latencies of the votes it shows
    /// for the first time.
    pub fn shown(&mut self, voters: u64, now_ns: u64) -> Vec<u64> {
        self.max_voters = self.max_voters.max(voters);
        let shown = usize::try_from(voters).unwrap_or(usize::MAX).min(self.sent.len());
        let mut latencies = Vec::new();
        while self.tallied < shown {
            if let Some(&sent) = self.sent.get(self.tallied) {
                latencies.push(now_ns.saturating_sub(sent));
            }
            self.tallied += 1;
        }
        latencies
    }
}

pub struct VoteBook {
    pub shared: Arc<Shared>,
    pub polls: Vec<Mutex<PollTrack>>,
    /// Per member: the option it votes for.
    pub choice: Vec<u8>,
    sent_ns: Vec<AtomicU64>,
    /// Per poll and option: acknowledged votes.
    acked: Vec<Vec<AtomicU64>>,
    /// Send → acknowledgement (hub `ack` or HTTP 200).
    pub ack: Timings,
    /// Send → first live event showing the vote (see the module doc).
    pub tally: Timings,
    pub first_sent_ns: AtomicU64,
    pub last_ack_ns: AtomicU64,
    /// `state: closed` events received.
    pub closed_events: AtomicU64,
    /// `results` events received.
    pub results_events: AtomicU64,
}

impl VoteBook {
    pub fn new(
        shared: Arc<Shared>,
        polls: usize,
        options: usize,
        choice: Vec<u8>,
    ) -> Result<VoteBook, String> {
        Ok(VoteBook {
            shared,
            polls: (0..polls).map(|_| Mutex::new(PollTrack::default())).collect(),
            sent_ns: (0..choice.len()).map(|_| AtomicU64::new(0)).collect(),
            choice,
            acked: (0..polls).map(|_| (0..options).map(|_| AtomicU64::new(0)).collect()).collect(),
            ack: Timings::new()?,
            tally: Timings::new()?,
            first_sent_ns: AtomicU64::new(u64::MAX),
            last_ack_ns: AtomicU64::new(0),
            closed_events: AtomicU64::new(0),
            results_events: AtomicU64::new(0),
        })
    }

    /// A member's vote on poll `poll` went out now.
    pub fn vote_sent(&self, member: usize, poll: usize) {
        let now = self.shared.now_ns();
        if let Some(slot) = self.sent_ns.get(member) {
            slot.store(now, Ordering::Relaxed);
        }
        if let Some(mut track) = self.polls.get(poll).and_then(|t| t.lock().ok()) {
            track.sent.push(now);
        }
        self.first_sent_ns.fetch_min(now, Ordering::Relaxed);
        self.shared.sent.fetch_add(1, Ordering::Relaxed);
    }

    /// The server acknowledged a member's vote (it is stored).
    pub fn vote_acked(&self, member: usize, poll: usize) {
        let now = self.shared.now_ns();
        if let Some(sent) = self.sent_ns.get(member).map(|s| s.load(Ordering::Relaxed)) {
            self.ack.record_micros(now.saturating_sub(sent) / 1000);
        }
        let choice = self.choice.get(member).copied().unwrap_or(0);
        if let Some(count) = self.acked.get(poll).and_then(|c| c.get(usize::from(choice))) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        self.last_ack_ns.fetch_max(now, Ordering::Relaxed);
        self.shared.acked.fetch_add(1, Ordering::Relaxed);
    }

    pub fn vote_refused(&self, code: &str) {
        self.shared.refused.fetch_add(1, Ordering::Relaxed);
        self.shared.publish_errors.add(code.to_owned());
    }

    /// A live event of poll `poll` showed `voters` voters.
    pub fn shown(&self, poll: usize, voters: u64) {
        let now = self.shared.now_ns();
        let latencies = match self.polls.get(poll).and_then(|t| t.lock().ok()) {
            Some(mut track) => track.shown(voters, now),
            None => return,
        };
        for latency in latencies {
            self.tally.record_micros(latency / 1000);
        }
    }

    /// Acknowledged votes per option of a poll.
    pub fn acked_counts(&self, poll: usize) -> Vec<u64> {
        self.acked
            .get(poll)
            .map(|counts| counts.iter().map(|c| c.load(Ordering::Relaxed)).collect())
            .unwrap_or_default()
    }

    /// Polls whose live tally reached every acknowledged vote.
    pub fn converged_polls(&self) -> usize {
        (0..self.polls.len())
            .filter(|&poll| {
                let acked: u64 = self.acked_counts(poll).iter().sum();
                self.polls
                    .get(poll)
                    .and_then(|t| t.lock().ok())
                    .is_some_and(|track| track.max_voters >= acked)
            })
            .count()
    }

    /// Votes sent per poll.
    pub fn sent_counts(&self) -> Vec<usize> {
        self.polls.iter().map(|t| t.lock().map(|t| t.sent.len()).unwrap_or(0)).collect()
    }
}

impl Observer for VoteBook {
    fn on_frame(&self, member: usize, class: usize, frame: &EventFrame<'_>) {
        match (frame.kind.as_ref(), frame.id) {
            ("ack", Some(VOTE_ID)) => return self.vote_acked(member, class),
            ("error", Some(VOTE_ID)) => {
                return self.vote_refused(frame.code.as_deref().unwrap_or("unknown"));
            }
            ("message", _) => {}
            _ => return,
        }
        let Some(body) = &frame.body else {
            return;
        };
        self.shared.delivered.fetch_add(1, Ordering::Relaxed);
        match body.event.as_deref() {
            Some("results") => {
                self.results_events.fetch_add(1, Ordering::Relaxed);
                if let Some(voters) = body.voters {
                    self.shown(class, voters);
                }
            }
            Some("state") => {
                if body.state.as_deref() == Some("closed") {
                    self.closed_events.fetch_add(1, Ordering::Relaxed);
                }
                if let Some(results) = &body.results {
                    self.shown(class, results.voters);
                }
            }
            _ => {}
        }
    }

    fn on_sent(&self, member: usize, class: usize, id: u64) {
        if id == VOTE_ID {
            self.vote_sent(member, class);
        }
    }
}

/// Compares the closed polls' counts with the acknowledged votes: (exact polls, descriptions of
/// the first few differences).
pub fn compare_tallies(
    finals: &[Option<Vec<u64>>],
    acked: &[Vec<u64>],
) -> (usize, BTreeMap<usize, String>) {
    let mut exact = 0;
    let mut differences = BTreeMap::new();
    for (poll, (counted, expected)) in finals.iter().zip(acked).enumerate() {
        match counted {
            Some(counted) if counted == expected => exact += 1,
            other => {
                if differences.len() < 5 {
                    differences
                        .insert(poll, format!("counted {other:?}, acknowledged {expected:?}"));
                }
            }
        }
    }
    (exact, differences)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_vote_is_timed_once_by_the_first_event_showing_it() {
        let mut track = PollTrack { sent: vec![100, 200, 300], ..PollTrack::default() };
        assert_eq!(track.shown(1, 1_000), [900]);
        assert_eq!(track.shown(1, 2_000), Vec::<u64>::new(), "already shown");
        assert_eq!(track.shown(3, 2_500), [2_300, 2_200]);
        assert_eq!(track.shown(9, 3_000), Vec::<u64>::new(), "more voters than sent votes");
        assert_eq!((track.tallied, track.max_voters), (3, 9));
    }

    #[test]
    fn acknowledged_votes_are_counted_per_option() {
        let shared = Arc::new(Shared::new(2, 4).unwrap());
        let book = VoteBook::new(shared, 2, 3, vec![0, 1, 2, 1]).unwrap();
        for member in 0..4 {
            book.vote_sent(member, member / 2);
            book.vote_acked(member, member / 2);
        }
        assert_eq!(book.acked_counts(0), [1, 1, 0]);
        assert_eq!(book.acked_counts(1), [0, 1, 1]);
        assert_eq!(book.sent_counts(), [2, 2]);
        assert_eq!(book.converged_polls(), 0);
        book.shown(0, 2);
        book.shown(1, 2);
        assert_eq!(book.converged_polls(), 2);
        assert_eq!(book.tally.summary().count, 4);
    }

    #[test]
    fn tallies_must_match_exactly() {
        let finals = vec![Some(vec![1, 2, 0]), Some(vec![1, 1, 0]), None];
        let acked = vec![vec![1, 2, 0], vec![1, 2, 0], vec![0, 0, 0]];
        let (exact, differences) = compare_tallies(&finals, &acked);
        assert_eq!(exact, 1);
        assert_eq!(differences.keys().copied().collect::<Vec<_>>(), [1, 2]);
    }
}
