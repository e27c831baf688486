//! Scenario `idle` (S0, idle footprint): K classes connect and subscribe, then hold for the
//! duration with heartbeats only. Reports the connections still held at the end and, with
//! `--server-pid`, the server's resident memory per connection (RSS before connecting vs. after
//! holding), plus the generator's own footprint.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::procstat::{Process, Sample, sample};
use crate::report::{LatencySummary, emit, progress};
use crate::run::Prepared;

#[derive(Serialize)]
struct IdleResult {
    bench: &'static str,
    target: String,
    classes: usize,
    clients: usize,
    subscribed_after_setup: usize,
    held: usize,
    hold_s: f64,
    setup_ms: u128,
    connect: LatencySummary,
    setup_failures: BTreeMap<String, u64>,
    close_codes: BTreeMap<String, u64>,
    server_rss_before: Option<u64>,
    server_rss_connected: Option<u64>,
    server_rss_end: Option<u64>,
    server_bytes_per_connection: Option<u64>,
    gen_rss_bytes: Option<u64>,
    gen_bytes_per_connection: Option<u64>,
}

/// (RSS after − RSS before) / connections, when both samples exist and something is held.
pub fn bytes_per_connection(before: Option<u64>, after: Option<u64>, held: usize) -> Option<u64> {
    let (before, after) = (before?, after?);
    (held > 0).then(|| after.saturating_sub(before) / held as u64)
}

pub async fn drive(prepared: Prepared) -> Result<(), String> {
    let Prepared { options, fleet, setup_duration, server_before, gen_before } = prepared;
    let server = options.server_process();
    let subscribed_after_setup = fleet.shared.live_count();
    progress(&format!("holding {subscribed_after_setup} connections for {}s", options.duration_s));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let connected = sample(server);
    let started = Instant::now();
    let hold = Duration::from_secs_f64(options.duration_s);
    while started.elapsed() < hold {
        let left = hold.saturating_sub(started.elapsed());
        tokio::time::sleep(left.min(Duration::from_secs(10))).await;
        progress(&format!("{} connections held", fleet.shared.live_count()));
    }
    let held = fleet.shared.live_count();
    let end = sample(server);
    let gen_end = sample(Some(Process::Myself));
    let rss = |s: Option<Sample>| s.map(|s| s.rss_bytes);
    emit(&IdleResult {
        bench: "hub_idle",
        target: if options.label.is_empty() {
            "schulhof".to_owned()
        } else {
            options.label.clone()
        },
        classes: fleet.by_class.len(),
        clients: fleet.len(),
        subscribed_after_setup,
        held,
        hold_s: options.duration_s,
        setup_ms: setup_duration.as_millis(),
        connect: fleet.shared.connect.summary(),
        setup_failures: fleet.shared.failures.snapshot(),
        close_codes: fleet.shared.close_codes.snapshot(),
        server_rss_before: rss(server_before),
        server_rss_connected: rss(connected),
        server_rss_end: rss(end),
        server_bytes_per_connection: bytes_per_connection(rss(server_before), rss(end), held),
        gen_rss_bytes: rss(gen_end),
        gen_bytes_per_connection: bytes_per_connection(rss(gen_before), rss(gen_end), held),
    })?;
    fleet.close(Duration::from_secs(10)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_per_connection_needs_both_samples_and_connections() {
        assert_eq!(bytes_per_connection(Some(1000), Some(11_000), 10), Some(1000));
        assert_eq!(bytes_per_connection(Some(1000), Some(500), 10), Some(0));
        assert_eq!(bytes_per_connection(None, Some(500), 10), None);
        assert_eq!(bytes_per_connection(Some(1), Some(500), 0), None);
    }
}
