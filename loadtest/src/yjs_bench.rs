//! `yjs`: the Yjs benchmark scenarios against schulhof, Hocuspocus or `@y/websocket-server`
//! (guide: `shared/guide/benchmarks.md`), one JSON line per result:
//! - `ramp` (S2): classes of 30 clients, 1 edit/s + 1 Hz cursor each, one document per class,
//!   added step by step until the p99 latency exceeds the limit → `max_classes`;
//! - `idle` (S0): K classes connected and synced, nothing else → server RSS per connection;
//! - `join` (S4): a seeder fills a document to `--doc-bytes`, then 30 clients open it at once →
//!   time until all synced;
//! - `pause` (S6): one class edits; one client stops reading its socket for `--pause-s` → was it
//!   closed (code), did it resync, did the others' p99 change.
//!
//! Every scenario ends with the convergence check (`yjs_fleet::convergence`).

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use crate::procstat::{Process, sample};
use crate::report::{emit, progress, round3};
use crate::yjs_client::{Command, Phase};
use crate::yjs_fleet::{Convergence, Fleet, Window, WindowFigures, convergence, plan};
use crate::yjs_official::Official;
use crate::yjs_targets::{CLASS_SIZE, DocSeats, Target, prepare};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum YjsScenario {
    Ramp,
    Idle,
    Join,
    Pause,
}

/// The `yjs` subcommand's options.
#[derive(Debug, clap::Args)]
pub struct YjsOptions {
    #[arg(long, value_enum)]
    pub target: Target,
    /// http://127.0.0.1:PORT of the server under test.
    #[arg(long)]
    pub server: String,
    /// The file `populate` wrote (schulhof only).
    #[arg(long)]
    pub users: Option<PathBuf>,
    #[arg(long, value_enum)]
    pub scenario: YjsScenario,
    /// ramp: class counts to step through (each class: 30 clients, one document).
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,8")]
    pub class_steps: Vec<usize>,
    /// idle: classes connected.
    #[arg(long, default_value_t = 20)]
    pub classes: usize,
    /// Seconds per ramp step, idle hold, or each pause window (before/after).
    #[arg(long, default_value_t = 10.0)]
    pub duration_s: f64,
    /// Unreported seconds after each ramp step's clients synced.
    #[arg(long, default_value_t = 2.0)]
    pub warmup_s: f64,
    #[arg(long, default_value_t = 100.0)]
    pub p99_limit_ms: f64,
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Clients per document that apply updates and measure latency (default: all).
    #[arg(long)]
    pub observers_per_doc: Option<usize>,
    /// join: document size to open.
    #[arg(long, default_value_t = 1_000_000)]
    pub doc_bytes: usize,
    /// pause: how long the paused client stops reading.
    #[arg(long, default_value_t = 20.0)]
    pub pause_s: f64,
    /// Characters per edit (ramp, pause).
    #[arg(long, default_value_t = 8)]
    pub edit_chars: usize,
    /// pause: the paused client's socket receive buffer (bytes).
    #[arg(long, default_value_t = 4096)]
    pub pause_rcvbuf: u32,
    /// Path of peers/yjs/official.mjs: two official clients join the first document.
    #[arg(long)]
    pub official: Option<PathBuf>,
    #[arg(long)]
    pub bind_ip: Option<IpAddr>,
}

const SETUP_LIMIT: Duration = Duration::from_secs(60);

pub async fn run_yjs(options: YjsOptions) -> Result<(), String> {
    let docs = match options.scenario {
        YjsScenario::Ramp => options.class_steps.iter().copied().max().unwrap_or(1),
        YjsScenario::Idle => options.classes,
        YjsScenario::Join | YjsScenario::Pause => 1,
    };
    progress(&format!("{:?}: preparing {docs} documents", options.target));
    let seats =
        prepare(options.target, &options.server, options.users.as_deref(), docs, options.bind_ip)
            .await?;
    let first = seats.first().ok_or("no documents")?;
    let fleet = Fleet::new(&first.teacher.url, Phase::Idle).await?;
    let official = match &options.official {
        Some(script) if options.scenario != YjsScenario::Idle => {
            Some(Official::start(script, options.target, &first.official, 2)?)
        }
        _ => None,
    };
    match options.scenario {
        YjsScenario::Ramp => ramp(&options, &seats, fleet, official).await,
        YjsScenario::Idle => idle(&options, &seats, fleet).await,
        YjsScenario::Join => join(&options, first, fleet, official).await,
        YjsScenario::Pause => pause(&options, first, fleet, official).await,
    }
}

/// Stops editing, waits for quiet, compares every client's state; shuts the fleet down.
async fn settle(
    fleet: Fleet,
    official: Option<Official>,
) -> (Convergence, Vec<crate::yjs_client::ClientReport>) {
    fleet.set_phase(Phase::Stop);
    let official_report = match official {
        Some(official) => match official.finish().await {
            Ok(clients) => Some(clients),
            Err(error) => {
                progress(&format!("official clients: {error}"));
                Some(Vec::new())
            }
        },
        None => None,
    };
    fleet.wait_quiet(Duration::from_millis(1500), Duration::from_secs(20)).await;
    let reports = fleet.reports().await;
    let result = convergence(&reports, official_report.as_deref());
    fleet.shutdown().await;
    (result, reports)
}

fn full(options: &YjsOptions, place: usize) -> bool {
    options.observers_per_doc.is_none_or(|k| place < k)
}

fn spawn_class(fleet: &mut Fleet, options: &YjsOptions, seats: &DocSeats, doc: usize) {
    for (place, seat) in seats.pupils.iter().enumerate() {
        let mut plan = plan(seat, doc, place, full(options, place), options.bind_ip);
        plan.edit_chars = options.edit_chars;
        fleet.spawn(plan);
    }
}

#[derive(Serialize)]
struct Step<'a> {
    bench: &'static str,
    target: Target,
    classes: usize,
    clients: usize,
    synced: usize,
    #[serde(flatten)]
    figures: WindowFigures,
    events: std::collections::BTreeMap<String, u64>,
    ok: bool,
    failure: Option<&'a str>,
}

async fn ramp(
    options: &YjsOptions,
    seats: &[DocSeats],
    mut fleet: Fleet,
    official: Option<Official>,
) -> Result<(), String> {
    fleet.set_phase(Phase::Edit);
    let mut running = 0;
    let mut max_classes = None;
    let mut steps = Vec::new();
    for &step in &options.class_steps {
        while running < step.min(seats.len()) {
            spawn_class(&mut fleet, options, &seats[running], running);
            running += 1;
        }
        let clients = running * CLASS_SIZE;
        progress(&format!("{:?}: {running} classes ({clients} clients)", options.target));
        let all_synced = fleet.wait_synced(clients, SETUP_LIMIT).await;
        tokio::time::sleep(Duration::from_secs_f64(options.warmup_s)).await;
        let window = Window::start(&fleet.hub, options.server_pid);
        tokio::time::sleep(Duration::from_secs_f64(options.duration_s)).await;
        let figures = window.finish(&fleet.hub);
        let events = fleet.events();
        let failure = if !all_synced {
            Some("not_all_synced")
        } else if events.keys().any(|k| k.starts_with("closed_") || k.contains("fail")) {
            Some("connection_errors")
        } else if figures.gen_cpu_share.is_some_and(|share| share > 0.9) {
            Some("generator_saturated")
        } else if figures.latency.count == 0 || figures.latency.p99_ms > options.p99_limit_ms {
            Some("p99_over_limit")
        } else {
            None
        };
        if failure.is_none() {
            max_classes = Some(running);
        }
        let p99 = figures.latency.p99_ms;
        let line = Step {
            bench: "yjs_ramp",
            target: options.target,
            classes: running,
            clients,
            synced: fleet.hub.synced.load(std::sync::atomic::Ordering::Relaxed),
            figures,
            events,
            ok: failure.is_none(),
            failure,
        };
        emit(&line)?;
        steps.push(json!({"classes": running, "p99_ms": p99, "failure": failure}));
        if failure.is_some() {
            break;
        }
    }
    let (converged, _) = settle(fleet, official).await;
    emit(&json!({
        "bench": "yjs_ramp_summary", "target": options.target, "p99_limit_ms": options.p99_limit_ms,
        "max_classes": max_classes, "steps": steps, "convergence": converged,
    }))
}

async fn idle(options: &YjsOptions, seats: &[DocSeats], mut fleet: Fleet) -> Result<(), String> {
    let process = options.server_pid.map(Process::Pid);
    let before = sample(process);
    for (doc, class) in seats.iter().enumerate() {
        spawn_class(&mut fleet, options, class, doc);
    }
    let clients = seats.len() * CLASS_SIZE;
    let all_synced = fleet.wait_synced(clients, SETUP_LIMIT).await;
    tokio::time::sleep(Duration::from_secs_f64(options.duration_s)).await;
    let after = sample(process);
    let held = fleet.hub.synced.load(std::sync::atomic::Ordering::Relaxed);
    let per_connection = match (before, after) {
        (Some(b), Some(a)) if held > 0 => {
            Some(round3((a.rss_bytes as f64 - b.rss_bytes as f64) / held as f64))
        }
        _ => None,
    };
    let events = fleet.events();
    let (converged, _) = settle(fleet, None).await;
    emit(&json!({
        "bench": "yjs_idle", "target": options.target, "classes": seats.len(),
        "clients": clients, "held": held, "all_synced": all_synced,
        "hold_s": options.duration_s,
        "server_rss_before_bytes": before.map(|s| s.rss_bytes),
        "server_rss_after_bytes": after.map(|s| s.rss_bytes),
        "server_bytes_per_connection": per_connection,
        "events": events, "convergence": converged,
    }))
}

async fn join(
    options: &YjsOptions,
    seats: &DocSeats,
    mut fleet: Fleet,
    official: Option<Official>,
) -> Result<(), String> {
    // The seeder (the class's teacher) stays connected: the peers keep no document in memory
    // without a connection, so all three serve the storm from a loaded document.
    let seeder = fleet.spawn(plan(&seats.teacher, 0, 0, true, options.bind_ip));
    if !fleet.wait_synced(1, SETUP_LIMIT).await {
        return Err("the seeder did not sync".into());
    }
    let (done, seeded) = tokio::sync::oneshot::channel();
    fleet.command(seeder, Command::Seed { chars: options.doc_bytes, done }).await;
    let seed_ms = seeded.await.map_err(|_| "the seeder stopped".to_owned())?;
    // A probe sees the whole document once the server applied every seed update.
    let mut probe_len = 0;
    for attempt in 0..40 {
        let probe = fleet.spawn(plan(&seats.teacher, 1, 0, true, options.bind_ip));
        fleet.wait_synced(2 + attempt, SETUP_LIMIT).await;
        let (answer, report) = tokio::sync::oneshot::channel();
        fleet.command(probe, Command::Report(answer)).await;
        probe_len = report.await.map(|r| r.text_len).unwrap_or(0);
        fleet.command(probe, Command::Leave).await;
        if probe_len >= options.doc_bytes {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let synced_before = fleet.hub.synced.load(std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let window = Window::start(&fleet.hub, options.server_pid);
    let started_us = fleet.hub.now_us();
    for (place, seat) in seats.pupils.iter().enumerate() {
        fleet.spawn(plan(seat, 0, place, true, options.bind_ip));
    }
    let all_synced = fleet.wait_synced(synced_before + CLASS_SIZE, SETUP_LIMIT).await;
    let figures = window.finish(&fleet.hub);
    let times: Vec<f64> = fleet
        .hub
        .synced_at_us
        .lock()
        .map(|at| {
            at.iter()
                .filter(|&&t| t >= started_us)
                .map(|&t| (t - started_us) as f64 / 1000.0)
                .collect()
        })
        .unwrap_or_default();
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let events = fleet.events();
    let (converged, _) = settle(fleet, official).await;
    emit(&json!({
        "bench": "yjs_join", "target": options.target, "doc_bytes": options.doc_bytes,
        "clients": CLASS_SIZE, "synced": times.len(), "all_synced": all_synced,
        "all_synced_ms": sorted.last().map(|&t| round3(t)),
        "first_synced_ms": sorted.first().map(|&t| round3(t)),
        "median_synced_ms": sorted.get(sorted.len() / 2).map(|&t| round3(t)),
        "seed_ms": seed_ms, "probe_text_len": probe_len,
        "server_cpu_s": figures.server_cpu_share.map(|s| round3(s * figures.seconds)),
        "server_rss_bytes": figures.server_rss_bytes, "gen_cpu_share": figures.gen_cpu_share,
        "events": events, "convergence": converged,
    }))
}

async fn pause(
    options: &YjsOptions,
    seats: &DocSeats,
    mut fleet: Fleet,
    official: Option<Official>,
) -> Result<(), String> {
    let mut paused = None;
    for (place, seat) in seats.pupils.iter().enumerate() {
        let mut plan = plan(seat, 0, place, true, options.bind_ip);
        plan.edit_chars = options.edit_chars;
        if place == 0 {
            plan.measure = false;
            plan.reconnect = true;
            plan.rcvbuf = Some(options.pause_rcvbuf);
        }
        let index = fleet.spawn(plan);
        paused.get_or_insert(index);
    }
    let paused = paused.ok_or("no clients")?;
    let all_synced = fleet.wait_synced(CLASS_SIZE, SETUP_LIMIT).await;
    fleet.set_phase(Phase::Edit);
    tokio::time::sleep(Duration::from_secs_f64(options.warmup_s)).await;
    let window = Window::start(&fleet.hub, options.server_pid);
    tokio::time::sleep(Duration::from_secs_f64(options.duration_s)).await;
    let before = window.finish(&fleet.hub);
    let window = Window::start(&fleet.hub, options.server_pid);
    fleet.command(paused, Command::Pause(Duration::from_secs_f64(options.pause_s))).await;
    tokio::time::sleep(Duration::from_secs_f64(options.pause_s)).await;
    let during = window.finish(&fleet.hub);
    let window = Window::start(&fleet.hub, options.server_pid);
    tokio::time::sleep(Duration::from_secs_f64(options.duration_s)).await;
    let after = window.finish(&fleet.hub);
    let events = fleet.events();
    let (converged, reports) = settle(fleet, official).await;
    let paused_report = reports.iter().find_map(|r| r.pause.clone());
    let paused_converged = paused_converged(&reports);
    emit(&json!({
        "bench": "yjs_pause", "target": options.target, "clients": CLASS_SIZE,
        "all_synced": all_synced, "pause_s": options.pause_s, "edit_chars": options.edit_chars,
        "paused_rcvbuf": options.pause_rcvbuf, "paused": paused_report,
        "paused_closed": paused_report.as_ref().map(|p| p.close_code.is_some() || p.reconnects > 0),
        "paused_resynced": paused_report.as_ref().map(|p| p.resync_ms.is_some()),
        "paused_converged": paused_converged,
        "before": before, "during": during, "after": after,
        "p99_ms_before": before.latency.p99_ms, "p99_ms_during": during.latency.p99_ms,
        "p99_ms_after": after.latency.p99_ms,
        "events": events, "convergence": converged,
    }))
}

/// Does the paused client end with the same state vector and text as every other full client of
/// its document? (`None`: it did not report.)
fn paused_converged(reports: &[crate::yjs_client::ClientReport]) -> Option<bool> {
    let paused = reports.iter().find(|r| r.pause.is_some())?;
    let digest =
        |r: &crate::yjs_client::ClientReport| (r.state_vector.clone(), r.text_len, r.text_hash);
    let own = digest(paused);
    let others: Vec<_> =
        reports.iter().filter(|r| r.full && r.pause.is_none() && r.doc == paused.doc).collect();
    Some(!others.is_empty() && others.iter().all(|r| digest(r) == own))
}
