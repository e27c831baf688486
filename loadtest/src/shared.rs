//! What all client tasks of one run record into: counters (atomics), latency histograms (HDR, in
//! microseconds) and tallies of failures, publish errors and close codes. The scenario drivers
//! read and reset them between steps. Locks are held only for a record, never across an await.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use hdrhistogram::Histogram;

use crate::report::{LatencySummary, new_histogram, record, summarize};

/// One class (topic) of the run.
#[derive(Debug, Default)]
pub struct ClassState {
    /// Clients currently subscribed to the class topic.
    pub subscribed: AtomicUsize,
    /// The highest sequence number seen on the topic (from acks and deliveries).
    pub final_seq: AtomicU64,
}

/// A histogram behind a lock.
pub struct Timings(Mutex<Histogram<u64>>);

impl Timings {
    pub fn new() -> Result<Timings, String> {
        Ok(Timings(Mutex::new(new_histogram()?)))
    }

    pub fn record_micros(&self, micros: u64) {
        if let Ok(mut histogram) = self.0.lock() {
            record(&mut histogram, micros);
        }
    }

    pub fn summary(&self) -> LatencySummary {
        self.0.lock().map(|h| summarize(&h)).unwrap_or_default()
    }

    pub fn reset(&self) {
        if let Ok(mut histogram) = self.0.lock() {
            histogram.reset();
        }
    }
}

/// Counts per key (error codes, failure kinds, close codes).
#[derive(Default)]
pub struct Tally(Mutex<BTreeMap<String, u64>>);

impl Tally {
    pub fn add(&self, key: impl Into<String>) {
        if let Ok(mut map) = self.0.lock() {
            *map.entry(key.into()).or_default() += 1;
        }
    }

    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().map(|map| map.clone()).unwrap_or_default()
    }

    /// Per-key increase since `before`.
    pub fn since(&self, before: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
        self.snapshot()
            .into_iter()
            .filter_map(|(key, count)| {
                let grown = count - before.get(&key).copied().unwrap_or(0);
                (grown > 0).then_some((key, grown))
            })
            .collect()
    }
}

pub struct Shared {
    /// Publish stamps are nanoseconds since this instant (one process: no clock skew).
    pub origin: Instant,
    pub classes: Vec<ClassState>,
    /// Per client: subscribed and not closed.
    pub live: Vec<AtomicBool>,
    pub latency: Timings,
    /// Ticket (and login if needed) → ticket in hand.
    pub ticket: Timings,
    /// TCP connect + WebSocket handshake → `hello`.
    pub connect: Timings,
    /// `subscribe` → `subscribed`.
    pub subscribe: Timings,
    /// Task start → subscribed (the whole setup, for storms).
    pub setup: Timings,
    pub ready: AtomicUsize,
    pub failed: AtomicUsize,
    /// Nanoseconds since `origin` when the last client became ready.
    pub last_ready_ns: AtomicU64,
    pub delivered: AtomicU64,
    pub duplicates: AtomicU64,
    pub gaps: AtomicU64,
    /// Deliveries without our stamp in the body.
    pub unstamped: AtomicU64,
    /// Publish commands handed to clients.
    pub requested: AtomicU64,
    pub sent: AtomicU64,
    pub acked: AtomicU64,
    pub refused: AtomicU64,
    /// Publishes not handed to a client because its queue was full (the generator lagged).
    pub skipped: AtomicU64,
    pub failures: Tally,
    pub publish_errors: Tally,
    pub close_codes: Tally,
}

impl Shared {
    pub fn new(classes: usize, clients: usize) -> Result<Shared, String> {
        Ok(Shared {
            origin: Instant::now(),
            classes: (0..classes).map(|_| ClassState::default()).collect(),
            live: (0..clients).map(|_| AtomicBool::new(false)).collect(),
            latency: Timings::new()?,
            ticket: Timings::new()?,
            connect: Timings::new()?,
            subscribe: Timings::new()?,
            setup: Timings::new()?,
            ready: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            last_ready_ns: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            gaps: AtomicU64::new(0),
            unstamped: AtomicU64::new(0),
            requested: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            failures: Tally::default(),
            publish_errors: Tally::default(),
            close_codes: Tally::default(),
        })
    }

    /// Nanoseconds since `origin`.
    pub fn now_ns(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Clients connected and subscribed right now.
    pub fn live_count(&self) -> usize {
        self.live.iter().filter(|live| live.load(Ordering::Relaxed)).count()
    }

    /// Publishes handed to clients and neither acknowledged nor refused yet.
    pub fn outstanding(&self) -> u64 {
        let requested = self.requested.load(Ordering::Relaxed);
        let answered = self.acked.load(Ordering::Relaxed) + self.refused.load(Ordering::Relaxed);
        requested.saturating_sub(answered)
    }
}

/// Counter values at the start of a measurement step.
#[derive(Clone, Debug, Default)]
pub struct Counters {
    pub delivered: u64,
    pub duplicates: u64,
    pub gaps: u64,
    pub unstamped: u64,
    pub sent: u64,
    pub acked: u64,
    pub refused: u64,
    pub skipped: u64,
}

impl Counters {
    pub fn read(shared: &Shared) -> Counters {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Counters {
            delivered: get(&shared.delivered),
            duplicates: get(&shared.duplicates),
            gaps: get(&shared.gaps),
            unstamped: get(&shared.unstamped),
            sent: get(&shared.sent),
            acked: get(&shared.acked),
            refused: get(&shared.refused),
            skipped: get(&shared.skipped),
        }
    }

    /// `self - before`, field by field.
    pub fn since(&self, before: &Counters) -> Counters {
        Counters {
            delivered: self.delivered - before.delivered,
            duplicates: self.duplicates - before.duplicates,
            gaps: self.gaps - before.gaps,
            unstamped: self.unstamped - before.unstamped,
            sent: self.sent - before.sent,
            acked: self.acked - before.acked,
            refused: self.refused - before.refused,
            skipped: self.skipped - before.skipped,
        }
    }
}

/// Per-receiver sequence bookkeeping: counts new deliveries, gaps and repeats of one topic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeqTracker {
    pub last: u64,
}

/// What one delivery was, seen through its sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqEvent {
    /// The next message, after `skipped` missing ones.
    New { skipped: u64 },
    /// A sequence number at or below the last one seen.
    Repeat,
}

impl SeqTracker {
    /// Starts after `subscribed` reported `seq` as the topic's latest.
    pub fn starting_at(seq: u64) -> SeqTracker {
        SeqTracker { last: seq }
    }

    pub fn observe(&mut self, seq: u64) -> SeqEvent {
        if seq <= self.last {
            return SeqEvent::Repeat;
        }
        let skipped = seq - self.last - 1;
        self.last = seq;
        SeqEvent::New { skipped }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_tracking_finds_gaps_and_repeats() {
        let mut tracker = SeqTracker::starting_at(10);
        assert_eq!(tracker.observe(11), SeqEvent::New { skipped: 0 });
        assert_eq!(tracker.observe(14), SeqEvent::New { skipped: 2 });
        assert_eq!(tracker.observe(14), SeqEvent::Repeat);
        assert_eq!(tracker.observe(12), SeqEvent::Repeat);
        assert_eq!(tracker.observe(15), SeqEvent::New { skipped: 0 });
        assert_eq!(tracker.last, 15);
    }

    #[test]
    fn tallies_and_counters_report_differences() {
        let shared = Shared::new(1, 2).unwrap();
        shared.publish_errors.add("rate_limited");
        let before = shared.publish_errors.snapshot();
        let counters = Counters::read(&shared);
        shared.publish_errors.add("rate_limited");
        shared.publish_errors.add("forbidden");
        shared.delivered.fetch_add(5, Ordering::Relaxed);
        shared.requested.fetch_add(3, Ordering::Relaxed);
        shared.acked.fetch_add(1, Ordering::Relaxed);
        let grown = shared.publish_errors.since(&before);
        assert_eq!(grown.get("rate_limited"), Some(&1));
        assert_eq!(grown.get("forbidden"), Some(&1));
        assert_eq!(Counters::read(&shared).since(&counters).delivered, 5);
        assert_eq!(shared.outstanding(), 2);
    }
}
