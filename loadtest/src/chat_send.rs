//! The sending side of the `chat` scenario: a [`Poster`] sends each message as
//! `POST /api/chat/rooms/<room>/messages` with the member's session cookie on the shared keep-alive
//! HTTP client (at most `cap` requests outstanding: beyond that a message is skipped and counted,
//! because the server fell behind) and counts what was accepted per class; a [`Window`] has every
//! member post once per second, evenly spread, and drains until every accepted message reached
//! every subscribed member of its room.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::Method;
use schulhof_proto::SendMessageRequest;
use serde::de::IgnoredAny;
use tokio::sync::Semaphore;

use crate::api::{Api, ApiFailure};
use crate::fanout::due_offset;
use crate::lite::Crowd;
use crate::shared::{Counters, Shared, Timings};

const TEXT: &str = "Hallo zusammen, wer hat die Mathe-Hausaufgaben schon fertig?";

/// The HTTP side: posts messages, counts what was accepted per class.
pub struct Poster {
    pub api: Api,
    pub shared: Arc<Shared>,
    pub permits: Arc<Semaphore>,
    pub accepted: Vec<AtomicU64>,
    /// Due time → `201`.
    pub post: Timings,
    pub in_flight: AtomicUsize,
    /// Outstanding requests allowed before a message is skipped.
    pub cap: usize,
}

impl Poster {
    pub fn post(self: &Arc<Self>, room: &str, class: usize, cookie: Option<String>, due_ns: u64) {
        if self.in_flight.load(Ordering::Relaxed) >= self.cap {
            self.shared.skipped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.shared.sent.fetch_add(1, Ordering::Relaxed);
        let poster = Arc::clone(self);
        let path = format!("/api/chat/rooms/{room}/messages");
        tokio::spawn(async move {
            let body = SendMessageRequest { text: format!("t={due_ns} {TEXT}"), reply_to: None };
            let answer = match poster.permits.acquire().await {
                Ok(_permit) => {
                    let cookie = cookie.as_deref();
                    poster.api.json::<_, IgnoredAny>(Method::POST, &path, cookie, Some(&body)).await
                }
                Err(_) => Err(ApiFailure { status: 0, message: "closed".into() }),
            };
            match answer {
                Ok(_) => {
                    if let Some(count) = poster.accepted.get(class) {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                    poster.shared.acked.fetch_add(1, Ordering::Relaxed);
                    let latency_ns = poster.shared.now_ns().saturating_sub(due_ns);
                    poster.post.record_micros(latency_ns / 1000);
                }
                Err(failure) => {
                    poster.shared.refused.fetch_add(1, Ordering::Relaxed);
                    poster.shared.publish_errors.add(format!("http_{}", failure.status));
                }
            }
            poster.in_flight.fetch_sub(1, Ordering::Relaxed);
        });
    }

    pub fn accepted(&self) -> Vec<u64> {
        self.accepted.iter().map(|count| count.load(Ordering::Relaxed)).collect()
    }
}

/// Senders of a step, interleaved over the classes (first members of every class, then the
/// second ones, …) so that consecutive messages go to different rooms.
pub fn interleave(members_by_class: &[Vec<usize>]) -> Vec<(usize, usize)> {
    let longest = members_by_class.iter().map(Vec::len).max().unwrap_or(0);
    let mut order = Vec::new();
    for position in 0..longest {
        for (class, members) in members_by_class.iter().enumerate() {
            if let Some(&member) = members.get(position) {
                order.push((member, class));
            }
        }
    }
    order
}

/// Deliveries a step should produce: per class, the messages accepted in the step times the
/// members subscribed to its room.
pub fn expected(before: &[u64], after: &[u64], subscribed: &[usize]) -> u64 {
    before
        .iter()
        .zip(after)
        .zip(subscribed)
        .map(|((before, after), &members)| after.saturating_sub(*before) * members as u64)
        .sum()
}

/// One sending window of a step.
pub struct Window<'a> {
    pub crowd: &'a Crowd,
    pub poster: &'a Arc<Poster>,
    pub rooms: &'a [String],
    pub senders: &'a [(usize, usize)],
}

impl Window<'_> {
    /// Every sender posts once per second for `duration_s`, evenly spread; gives the time taken.
    pub async fn run(&self, duration_s: f64) -> Duration {
        let rate = self.senders.len() as f64;
        let started = Instant::now();
        if self.senders.is_empty() {
            return Duration::ZERO;
        }
        let base_ns = self.poster.shared.now_ns();
        let total = (rate * duration_s).round() as u64;
        let mut index = 0u64;
        while index < total {
            let now = Instant::now();
            while index < total && started + due_offset(index, rate) <= now {
                let slot = usize::try_from(index).unwrap_or(0) % self.senders.len();
                if let Some(&(member, class)) = self.senders.get(slot)
                    && let Some(room) = self.rooms.get(class)
                {
                    let due_ns = base_ns
                        + u64::try_from(due_offset(index, rate).as_nanos()).unwrap_or(u64::MAX);
                    self.poster.post(room, class, self.crowd.cookie(member), due_ns);
                }
                index += 1;
            }
            if index < total {
                tokio::time::sleep_until((started + due_offset(index, rate)).into()).await;
            }
        }
        started.elapsed()
    }

    /// Waits until every request was answered and every accepted message delivered to every
    /// subscribed member, or `limit`.
    pub async fn drain(
        &self,
        accepted_before: &[u64],
        live_by_class: &[Vec<usize>],
        counters_before: &Counters,
        limit: Duration,
    ) -> Duration {
        let subscribed: Vec<usize> = live_by_class.iter().map(Vec::len).collect();
        let started = Instant::now();
        let shared = &self.poster.shared;
        loop {
            let expected = expected(accepted_before, &self.poster.accepted(), &subscribed);
            let delivered = Counters::read(shared).since(counters_before).delivered;
            let idle = self.poster.in_flight.load(Ordering::Relaxed) == 0;
            if (idle && delivered >= expected) || started.elapsed() >= limit {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_alternate_between_classes() {
        let order = interleave(&[vec![0, 1, 2], vec![10], vec![20, 21]]);
        assert_eq!(order, [(0, 0), (10, 1), (20, 2), (1, 0), (21, 2), (2, 0)]);
    }

    #[test]
    fn every_member_of_a_room_should_get_every_accepted_message() {
        assert_eq!(expected(&[5, 0], &[15, 3], &[31, 30]), 10 * 31 + 3 * 30);
        assert_eq!(expected(&[7], &[7], &[31]), 0);
    }
}
