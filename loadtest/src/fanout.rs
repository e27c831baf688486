//! Scenario `fanout`: every client of a class is subscribed to the class topic; the driver has
//! clients publish stamped messages at a fixed total rate (round-robin over classes, then over a
//! class's members, so each connection stays far below the hub's 20 publishes/s), one step per
//! rate. Receivers record latency and check sequence numbers; after each step the driver drains
//! and reports one JSON line: expected vs delivered, latency, CPU of server and generator.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::fleet::Fleet;
use crate::procstat::{Process, Sample, sample};
use crate::report::{LatencySummary, emit, progress, round3};
use crate::run::Prepared;
use crate::shared::Counters;

#[derive(Serialize)]
struct StepResult {
    bench: &'static str,
    target: String,
    step: usize,
    /// Publishes per second of this process.
    rate: f64,
    /// Publishes per second over all shards (`--rate`).
    total_rate: f64,
    duration_s: f64,
    classes: usize,
    clients: usize,
    subscribed: usize,
    per_connection_rate: f64,
    published: u64,
    acked: u64,
    publish_errors: BTreeMap<String, u64>,
    publish_skipped: u64,
    expected: u64,
    delivered: u64,
    delivered_ratio: f64,
    missing: u64,
    gaps: u64,
    duplicates: u64,
    unstamped: u64,
    deliveries_per_s: f64,
    drain_ms: u128,
    latency: LatencySummary,
    connect: LatencySummary,
    ticket: LatencySummary,
    subscribe: LatencySummary,
    setup_failures: BTreeMap<String, u64>,
    close_codes: BTreeMap<String, u64>,
    server_cpu_s: Option<f64>,
    server_cpu_s_per_1000_deliveries: Option<f64>,
    server_rss_bytes: Option<u64>,
    gen_cpu_s: Option<f64>,
    gen_cpu_share: Option<f64>,
}

/// Publish times of a step: the i-th publish is due at `i / rate` seconds.
pub fn due_offset(index: u64, rate: f64) -> Duration {
    Duration::from_secs_f64(index as f64 / rate)
}

/// Which client publishes the i-th message: class `i mod K`, then the class's members in turn.
pub fn publisher(index: u64, live_by_class: &[Vec<usize>]) -> Option<usize> {
    let classes: Vec<&Vec<usize>> = live_by_class.iter().filter(|m| !m.is_empty()).collect();
    let count = classes.len() as u64;
    if count == 0 {
        return None;
    }
    let members = classes.get(usize::try_from(index % count).ok()?)?;
    let turn = index / count % members.len() as u64;
    members.get(usize::try_from(turn).ok()?).copied()
}

/// Deliveries the step should produce: per class, the messages sequenced in the step times the
/// clients subscribed when it began.
pub fn expected_deliveries(before: &[u64], after: &[u64], subscribed: &[usize]) -> u64 {
    before
        .iter()
        .zip(after)
        .zip(subscribed)
        .map(|((before, after), &subscribers)| after.saturating_sub(*before) * subscribers as u64)
        .sum()
}

fn final_seqs(fleet: &Fleet) -> Vec<u64> {
    fleet.shared.classes.iter().map(|class| class.final_seq.load(Ordering::Relaxed)).collect()
}

/// Hands out `rate × duration` publishes at their due times; gives the time it took.
async fn publish_at_rate(
    fleet: &Fleet,
    live_by_class: &[Vec<usize>],
    rate: f64,
    duration_s: f64,
) -> Duration {
    let started = Instant::now();
    let total = (rate * duration_s).round() as u64;
    let mut index = 0u64;
    while index < total {
        let now = Instant::now();
        while index < total && started + due_offset(index, rate) <= now {
            if let Some(client) = publisher(index, live_by_class) {
                fleet.publish(client);
            }
            index += 1;
        }
        if index < total {
            tokio::time::sleep_until((started + due_offset(index, rate)).into()).await;
        }
    }
    started.elapsed()
}

/// Waits until every expected delivery arrived and every publish was answered, or `limit`.
async fn drain(
    fleet: &Fleet,
    seqs_before: &[u64],
    subscribed: &[usize],
    counters_before: &Counters,
    limit: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        let expected = expected_deliveries(seqs_before, &final_seqs(fleet), subscribed);
        let delivered = Counters::read(&fleet.shared).since(counters_before).delivered;
        let complete = delivered >= expected && fleet.shared.outstanding() == 0;
        if complete || started.elapsed() >= limit {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn drive(prepared: Prepared) -> Result<(), String> {
    let Prepared { options, fleet, .. } = prepared;
    let server = options.server_process();
    let target = if options.label.is_empty() {
        (if options.peer { "peer" } else { "schulhof" }).to_owned()
    } else {
        options.label.clone()
    };
    // A warm-up step (not reported) at the first rate lets both targets reach a steady state.
    let warmup = options
        .rates
        .first()
        .filter(|_| options.warmup_s > 0.0)
        .map(|&rate| (None, rate, options.warmup_s));
    let steps =
        options.rates.iter().enumerate().map(|(i, &rate)| (Some(i), rate, options.duration_s));
    for (reported_step, total_rate, duration_s) in warmup.into_iter().chain(steps) {
        if total_rate <= 0.0 {
            return Err(format!("rate {total_rate} is not positive"));
        }
        let rate = total_rate * options.rate_share;
        let shared = &fleet.shared;
        let live_by_class = fleet.live_by_class();
        let subscribed: Vec<usize> = live_by_class.iter().map(Vec::len).collect();
        let live: usize = subscribed.iter().sum();
        let name =
            reported_step.map_or_else(|| "warm-up".to_owned(), |step| format!("step {step}"));
        progress(&format!("{name}: {rate}/s for {duration_s}s over {live} clients"));
        if rate / live.max(1) as f64 > 15.0 {
            progress("warning: over 15 publishes/s per connection; the hub allows 20/s (burst 40)");
        }
        let seqs_before = final_seqs(&fleet);
        let counters_before = Counters::read(shared);
        let errors_before = shared.publish_errors.snapshot();
        shared.latency.reset();
        let server_before = sample(server);
        let gen_before = sample(Some(Process::Myself));
        let started = Instant::now();

        let publish_window = publish_at_rate(&fleet, &live_by_class, rate, duration_s).await;
        let drain_limit = Duration::from_secs(options.drain_timeout_s);
        let drain_ms = drain(&fleet, &seqs_before, &subscribed, &counters_before, drain_limit)
            .await
            .as_millis();
        let wall = started.elapsed().as_secs_f64();
        let server_after = sample(server);
        let gen_after = sample(Some(Process::Myself));

        let counters = Counters::read(shared).since(&counters_before);
        let Some(step) = reported_step else {
            continue;
        };
        let expected = expected_deliveries(&seqs_before, &final_seqs(&fleet), &subscribed);
        let cpu = |before: Option<Sample>, after: Option<Sample>| {
            Some(round3(after?.cpu_seconds - before?.cpu_seconds))
        };
        let server_cpu_s = cpu(server_before, server_after);
        let gen_cpu_s = cpu(gen_before, gen_after);
        emit(&StepResult {
            bench: "hub_fanout",
            target: target.clone(),
            step,
            rate: round3(rate),
            total_rate,
            duration_s,
            classes: fleet.by_class.len(),
            clients: fleet.len(),
            subscribed: live,
            per_connection_rate: round3(rate / live.max(1) as f64),
            published: counters.sent,
            acked: counters.acked,
            publish_errors: shared.publish_errors.since(&errors_before),
            publish_skipped: counters.skipped,
            expected,
            delivered: counters.delivered,
            delivered_ratio: if expected == 0 {
                0.0
            } else {
                (counters.delivered as f64 / expected as f64 * 1e6).round() / 1e6
            },
            missing: expected.saturating_sub(counters.delivered),
            gaps: counters.gaps,
            duplicates: counters.duplicates,
            unstamped: counters.unstamped,
            deliveries_per_s: round3(counters.delivered as f64 / publish_window.as_secs_f64()),
            drain_ms,
            latency: shared.latency.summary(),
            connect: shared.connect.summary(),
            ticket: shared.ticket.summary(),
            subscribe: shared.subscribe.summary(),
            setup_failures: shared.failures.snapshot(),
            close_codes: shared.close_codes.snapshot(),
            server_cpu_s,
            server_cpu_s_per_1000_deliveries: server_cpu_s
                .filter(|_| counters.delivered > 0)
                .map(|cpu| (cpu / counters.delivered as f64 * 1000.0 * 1e6).round() / 1e6),
            server_rss_bytes: server_after.map(|s| s.rss_bytes),
            gen_cpu_s,
            gen_cpu_share: gen_cpu_s.map(|cpu| round3(cpu / wall)),
        })?;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    fleet.close(Duration::from_secs(10)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishers_rotate_over_classes_then_members() {
        let live = vec![vec![0, 1, 2], vec![], vec![10, 11]];
        let picks: Vec<usize> = (0..8).map(|i| publisher(i, &live).unwrap()).collect();
        assert_eq!(picks, [0, 10, 1, 11, 2, 10, 0, 11]);
        assert_eq!(publisher(0, &[vec![], vec![]]), None);
    }

    #[test]
    fn expected_counts_every_subscriber_of_every_new_message() {
        assert_eq!(expected_deliveries(&[5, 0], &[15, 3], &[31, 30]), 10 * 31 + 3 * 30);
        assert_eq!(expected_deliveries(&[7], &[7], &[31]), 0);
    }

    #[test]
    fn publishes_are_spread_evenly() {
        assert_eq!(due_offset(0, 100.0), Duration::ZERO);
        assert_eq!(due_offset(50, 100.0), Duration::from_millis(500));
        assert_eq!(due_offset(2000, 1000.0), Duration::from_secs(2));
    }
}
