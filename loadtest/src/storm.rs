//! Scenario `storm` (08:00): every client of the shard resumes its session (or logs in with
//! `--fresh-login`), takes a ticket, connects and subscribes at the same moment. Reports the time
//! until all were subscribed, the per-client setup times and the server's CPU for the storm.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::Serialize;

use crate::procstat::sample;
use crate::report::{LatencySummary, emit, round3};
use crate::run::Prepared;

#[derive(Serialize)]
struct StormResult {
    bench: &'static str,
    target: String,
    classes: usize,
    clients: usize,
    subscribed: usize,
    failed: usize,
    fresh_login: bool,
    /// Start of the storm until the last client was subscribed; `null` unless all were.
    all_subscribed_ms: Option<f64>,
    last_subscribed_ms: f64,
    setup: LatencySummary,
    ticket: LatencySummary,
    connect: LatencySummary,
    subscribe: LatencySummary,
    setup_failures: BTreeMap<String, u64>,
    close_codes: BTreeMap<String, u64>,
    server_cpu_s: Option<f64>,
    server_rss_bytes: Option<u64>,
}

pub async fn drive(prepared: Prepared) -> Result<(), String> {
    let Prepared { options, fleet, server_before, .. } = prepared;
    let server_after = sample(options.server_process());
    let shared = &fleet.shared;
    let subscribed = shared.ready.load(Ordering::Relaxed);
    let last_ms = round3(shared.last_ready_ns.load(Ordering::Relaxed) as f64 / 1e6);
    emit(&StormResult {
        bench: "hub_storm",
        target: if options.label.is_empty() {
            "schulhof".to_owned()
        } else {
            options.label.clone()
        },
        classes: fleet.by_class.len(),
        clients: fleet.len(),
        subscribed,
        failed: shared.failed.load(Ordering::Relaxed),
        fresh_login: options.fresh_login,
        all_subscribed_ms: (subscribed == fleet.len()).then_some(last_ms),
        last_subscribed_ms: last_ms,
        setup: shared.setup.summary(),
        ticket: shared.ticket.summary(),
        connect: shared.connect.summary(),
        subscribe: shared.subscribe.summary(),
        setup_failures: shared.failures.snapshot(),
        close_codes: shared.close_codes.snapshot(),
        server_cpu_s: server_before
            .zip(server_after)
            .map(|(before, after)| round3(after.cpu_seconds - before.cpu_seconds)),
        server_rss_bytes: server_after.map(|s| s.rss_bytes),
    })?;
    fleet.close(Duration::from_secs(10)).await;
    Ok(())
}
