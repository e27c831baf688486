//! Loss-based bandwidth estimation per subscriber (the loss-based controller of Google
//! Congestion Control, draft-ietf-rmcat-gcc-02 §6), fed once a second with the fraction lost of
//! the subscriber's latest RTCP receiver reports (the worst of its streams) and the media bytes
//! sent to it. The estimate caps the simulcast layers the subscriber gets (`Routing`).
//!
//! Why not str0m's delay-based estimator: it needs str0m's leaky-bucket pacer, which wants one
//! extra timeout round per forwarded packet; on a node forwarding ~100,000 packets a second that
//! cost a fifth of the CPU and added queueing delay (loadtest/README.md). Loss-based estimation
//! cannot probe, so it starts at a moderate rate, grows while nothing is lost (fast until the
//! first loss, then 8 % a second) and waits longer each time a rise ended in loss.

use std::time::{Duration, Instant};

/// Where every subscriber starts (medium layers for a few tiles; the high layer of one big tile
/// after its first clean receiver report).
pub const INITIAL_BPS: u64 = 1_200_000;
/// Never below this (audio and low layers must still fit).
const MIN_BPS: u64 = 150_000;
/// Never grows above this multiple of what the subscriber's tiles want (an idle estimate
/// floating upwards would mean nothing).
const MAX_OVER_DESIRED: f64 = 1.5;
/// Loss up to this is "nothing lost": grow.
const LOW_LOSS: f32 = 0.02;
/// Loss above this: back off to what got through.
const HIGH_LOSS: f32 = 0.10;
/// Growth per report while nothing is lost.
const GROWTH: f64 = 1.08;
/// Growth per report until the first loss (a clean link reaches the high layer of a big tile
/// with its first receiver report instead of after three).
const SLOW_START_GROWTH: f64 = 1.25;
/// After a back-off, no growth for this long; doubled by each back-off that follows a rise
/// (a link that cannot carry the next layer is not retried every few seconds).
const HOLD: Duration = Duration::from_secs(5);
const MAX_HOLD: Duration = Duration::from_secs(60);

/// One subscriber's estimate.
#[derive(Clone, Debug)]
pub struct LossEstimator {
    estimate: f64,
    last_bytes: Option<(u64, Instant)>,
    hold_until: Option<Instant>,
    hold: Duration,
    /// Whether the estimate grew since the last back-off (a back-off after a rise lengthens
    /// the hold).
    rose: bool,
    /// No loss seen yet: grow faster.
    slow_start: bool,
    last_backoff: Option<Instant>,
}

impl Default for LossEstimator {
    fn default() -> Self {
        LossEstimator {
            estimate: INITIAL_BPS as f64,
            last_bytes: None,
            hold_until: None,
            hold: HOLD,
            rose: false,
            slow_start: true,
            last_backoff: None,
        }
    }
}

impl LossEstimator {
    pub fn estimate(&self) -> u64 {
        self.estimate.round() as u64
    }

    /// A report: `loss`, the fraction lost (None: no receiver report came, so nothing is
    /// known), `bytes_sent` the total media bytes sent to it so far,
    /// `desired` what its tiles want (bit/s). Returns the new estimate if it changed.
    pub fn report(
        &mut self,
        now: Instant,
        loss: Option<f32>,
        bytes_sent: u64,
        desired: u64,
    ) -> Option<u64> {
        let sent_bps = match self.last_bytes.replace((bytes_sent, now)) {
            Some((before, at)) if now > at => {
                Some(bytes_sent.saturating_sub(before) as f64 * 8.0 / (now - at).as_secs_f64())
            }
            _ => None,
        };
        let loss = loss?;
        let before = self.estimate;
        if loss > LOW_LOSS {
            self.slow_start = false;
        }
        if loss > HIGH_LOSS {
            // What got through, but not below half the estimate: a subscriber that receives
            // little (audio, small tiles) must not collapse on one noisy report.
            let base = sent_bps.map_or(self.estimate, |sent| sent.max(self.estimate / 2.0));
            let base = base.min(self.estimate);
            if self.last_backoff.is_some_and(|at| now.saturating_duration_since(at) > MAX_HOLD * 2)
            {
                self.hold = HOLD; // stable for a long time: forgive earlier failures
            }
            self.last_backoff = Some(now);
            self.estimate = base * (1.0 - 0.5 * f64::from(loss));
            if self.rose {
                self.hold = (self.hold * 2).min(MAX_HOLD);
            }
            self.rose = false;
            self.hold_until = Some(now + self.hold);
        } else if loss <= LOW_LOSS && self.hold_until.is_none_or(|until| now >= until) {
            let ceiling = (desired.max(INITIAL_BPS) as f64) * MAX_OVER_DESIRED;
            let growth = if self.slow_start { SLOW_START_GROWTH } else { GROWTH };
            let grown = (self.estimate * growth).min(ceiling);
            if grown > self.estimate {
                self.estimate = grown;
                self.rose = true;
            }
        }
        self.estimate = self.estimate.max(MIN_BPS as f64);
        ((self.estimate - before).abs() >= 1.0).then_some(self.estimate())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_clean_link_grows_to_the_high_layer_at_once_and_stops_above_the_need() {
        let start = Instant::now();
        let mut e = LossEstimator::default();
        let desired = 1_550_000;
        let mut at = start;
        let mut seconds_to_high = None;
        for s in 1..=30u32 {
            at += SECOND;
            e.report(at, Some(0.0), u64::from(s) * 150_000, desired);
            if seconds_to_high.is_none() && e.estimate() >= 1_500_000 {
                seconds_to_high = Some(s);
            }
        }
        assert_eq!(seconds_to_high, Some(1), "slow start: 1.2 → 1.5 Mbit/s");
        assert_eq!(e.estimate(), (1_550_000.0 * MAX_OVER_DESIRED) as u64);
    }

    #[test]
    fn heavy_loss_backs_off_to_what_got_through_and_holds_longer_after_each_failed_rise() {
        let start = Instant::now();
        let mut e = LossEstimator::default();
        let desired = 2_000_000;
        // 1 Mbit/s got through (125,000 bytes a second), 20 % of it lost.
        assert_eq!(e.report(start, None, 0, desired), None);
        let after = e.report(start + SECOND, Some(0.2), 125_000, desired).unwrap();
        assert_eq!(after, 900_000, "sent rate × (1 − loss/2)");
        // Moderate loss holds; no growth during the hold.
        assert_eq!(e.report(start + 2 * SECOND, Some(0.05), 250_000, desired), None);
        assert_eq!(e.report(start + 3 * SECOND, Some(0.0), 375_000, desired), None);
        // After the hold it grows again, 8 % a report (slow start ended with the loss)…
        assert_eq!(e.report(start + 7 * SECOND, Some(0.0), 875_000, desired), Some(972_000));
        // …and a loss after that rise doubles the hold.
        e.report(start + 8 * SECOND, Some(0.3), 1_000_000, desired);
        assert_eq!(e.report(start + 15 * SECOND, Some(0.0), 1_100_000, desired), None);
        assert!(e.report(start + 19 * SECOND, Some(0.0), 1_200_000, desired).is_some());
    }

    #[test]
    fn a_subscriber_that_receives_little_backs_off_only_to_half_its_estimate() {
        let start = Instant::now();
        let mut e = LossEstimator::default();
        e.report(start, None, 0, 100_000);
        // 100 kbit/s of audio, one noisy report of 20 % loss.
        let after = e.report(start + SECOND, Some(0.2), 12_500, 100_000);
        assert_eq!(after, Some(540_000), "half of 1.2 Mbit/s × (1 − 0.1)");
    }

    #[test]
    fn without_feedback_nothing_changes_and_the_floor_holds() {
        let start = Instant::now();
        let mut e = LossEstimator::default();
        assert_eq!(e.report(start, None, 0, 500_000), None);
        assert_eq!(e.estimate(), INITIAL_BPS);
        for s in 1..20u32 {
            e.report(start + SECOND * s, Some(0.9), 0, 500_000);
        }
        assert_eq!(e.estimate(), MIN_BPS);
    }
}
