//! The clients of one Yjs run (`Fleet`): spawning light clients, the run's phase, waiting until
//! they synced or the traffic went quiet, measurement windows (latency, deliveries, server and
//! generator CPU and RSS from `/proc`) and the convergence check over the clients' final states
//! (plus the official clients').

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;

use crate::procstat::{Process, Sample, sample};
use hdrhistogram::Histogram;

use crate::report::{LatencySummary, new_histogram, round3, summarize};
use crate::yjs_client::{ClientPlan, ClientReport, Command, Phase, run_client};
use crate::yjs_official::OfficialClient;
use crate::yjs_targets::Seat;

/// What the whole run's clients share: latencies, counters, close codes.
pub struct Hub {
    pub base: Instant,
    pub latency: Mutex<Histogram<u64>>,
    pub updates_received: AtomicU64,
    pub awareness_received: AtomicU64,
    pub edits_sent: AtomicU64,
    /// Microseconds since `base` of the last update any client received.
    pub last_update_us: AtomicU64,
    pub synced: AtomicUsize,
    /// Microseconds since `base` at which each client first synced.
    pub synced_at_us: Mutex<Vec<u64>>,
    pub events: Mutex<BTreeMap<String, u64>>,
}

impl Hub {
    pub fn new() -> Result<Arc<Hub>, String> {
        Ok(Arc::new(Hub {
            base: Instant::now(),
            latency: Mutex::new(new_histogram()?),
            updates_received: AtomicU64::new(0),
            awareness_received: AtomicU64::new(0),
            edits_sent: AtomicU64::new(0),
            last_update_us: AtomicU64::new(0),
            synced: AtomicUsize::new(0),
            synced_at_us: Mutex::new(Vec::new()),
            events: Mutex::new(BTreeMap::new()),
        }))
    }

    pub fn now_us(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// Counts an event (close codes, errors) by name.
    pub fn event(&self, name: &str) {
        if let Ok(mut events) = self.events.lock() {
            *events.entry(name.to_owned()).or_default() += 1;
        }
    }
}

pub struct Fleet {
    pub hub: Arc<Hub>,
    server: SocketAddr,
    phase: watch::Sender<Phase>,
    clients: Vec<mpsc::Sender<Command>>,
    tasks: JoinSet<()>,
}

/// A client plan for a seat with the benchmark's defaults.
pub fn plan(
    seat: &Seat,
    doc: usize,
    place: usize,
    full: bool,
    bind_ip: Option<IpAddr>,
) -> ClientPlan {
    ClientPlan {
        doc,
        place,
        url: seat.url.clone(),
        dialect: seat.dialect.clone(),
        full,
        measure: full,
        edit_chars: 8,
        rcvbuf: None,
        bind_ip,
        reconnect: false,
    }
}

impl Fleet {
    pub async fn new(any_url: &str, phase: Phase) -> Result<Fleet, String> {
        let server = crate::wsconn::resolve(any_url).await?;
        Ok(Fleet {
            hub: Hub::new()?,
            server,
            phase: watch::channel(phase).0,
            clients: Vec::new(),
            tasks: JoinSet::new(),
        })
    }

    /// Starts a client; returns its index.
    pub fn spawn(&mut self, plan: ClientPlan) -> usize {
        let (commands, receiver) = mpsc::channel(4);
        let phase = self.phase.subscribe();
        self.tasks.spawn(run_client(plan, self.server, self.hub.clone(), phase, receiver));
        self.clients.push(commands);
        self.clients.len() - 1
    }

    pub fn set_phase(&self, phase: Phase) {
        self.phase.send_replace(phase);
    }

    pub async fn command(&self, index: usize, command: Command) {
        if let Some(client) = self.clients.get(index) {
            let _ = client.send(command).await;
        }
    }

    /// Waits until `count` clients synced (at most `limit`); true if they did.
    pub async fn wait_synced(&self, count: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while self.hub.synced.load(Ordering::Relaxed) < count {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        true
    }

    /// Waits until no client received an update for `quiet` (at most `limit`).
    pub async fn wait_quiet(&self, quiet: Duration, limit: Duration) {
        let deadline = Instant::now() + limit;
        let quiet_us = u64::try_from(quiet.as_micros()).unwrap_or(u64::MAX);
        while Instant::now() < deadline {
            let last = self.hub.last_update_us.load(Ordering::Relaxed);
            if self.hub.now_us().saturating_sub(last) >= quiet_us {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every client's final state (a client that does not answer within 10 s is left out).
    pub async fn reports(&self) -> Vec<ClientReport> {
        let mut out = Vec::with_capacity(self.clients.len());
        for client in &self.clients {
            let (answer, report) = oneshot::channel();
            if client.send(Command::Report(answer)).await.is_err() {
                continue;
            }
            if let Ok(Ok(report)) = tokio::time::timeout(Duration::from_secs(10), report).await {
                out.push(report);
            }
        }
        out
    }

    /// Closes every client (bounded: 5 s, then the rest is aborted).
    pub async fn shutdown(mut self) {
        self.set_phase(Phase::Stop);
        self.clients.clear();
        let all = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(5), all).await.is_err() {
            self.tasks.abort_all();
        }
    }

    pub fn events(&self) -> BTreeMap<String, u64> {
        self.hub.events.lock().map(|events| events.clone()).unwrap_or_default()
    }
}

/// The start of a measurement window.
pub struct Window {
    started: Instant,
    server_pid: Option<u32>,
    server: Option<Sample>,
    generator: Option<Sample>,
    updates: u64,
    edits: u64,
}

/// The figures of a measurement window.
#[derive(Clone, Debug, Serialize)]
pub struct WindowFigures {
    pub seconds: f64,
    pub latency: LatencySummary,
    pub edits_per_s: f64,
    /// Updates received by all clients (the server's deliveries of updates).
    pub deliveries_per_s: f64,
    pub server_cpu_share: Option<f64>,
    pub server_cpu_s_per_1000_deliveries: Option<f64>,
    pub server_rss_bytes: Option<u64>,
    pub gen_cpu_share: Option<f64>,
}

impl Window {
    /// Starts a window: resets the latency histogram and samples the processes.
    pub fn start(hub: &Hub, server_pid: Option<u32>) -> Window {
        if let Ok(mut histogram) = hub.latency.lock() {
            histogram.reset();
        }
        Window {
            started: Instant::now(),
            server_pid,
            server: sample(server_pid.map(Process::Pid)),
            generator: sample(Some(Process::Myself)),
            updates: hub.updates_received.load(Ordering::Relaxed),
            edits: hub.edits_sent.load(Ordering::Relaxed),
        }
    }

    pub fn finish(&self, hub: &Hub) -> WindowFigures {
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        let latency = hub.latency.lock().map(|h| summarize(&h)).unwrap_or_default();
        let deliveries = hub.updates_received.load(Ordering::Relaxed) - self.updates;
        let edits = hub.edits_sent.load(Ordering::Relaxed) - self.edits;
        let server = sample(self.server_pid.map(Process::Pid));
        let generator = sample(Some(Process::Myself));
        let cpu =
            |a: Option<Sample>, b: Option<Sample>| Some((b?.cpu_seconds - a?.cpu_seconds).max(0.0));
        let server_cpu = cpu(self.server, server);
        WindowFigures {
            seconds: round3(seconds),
            latency,
            edits_per_s: round3(edits as f64 / seconds),
            deliveries_per_s: round3(deliveries as f64 / seconds),
            server_cpu_share: server_cpu.map(|c| round3(c / seconds)),
            server_cpu_s_per_1000_deliveries: server_cpu
                .filter(|_| deliveries > 0)
                .map(|c| (c * 1000.0 / deliveries as f64 * 1e6).round() / 1e6),
            server_rss_bytes: server.map(|s| s.rss_bytes),
            gen_cpu_share: cpu(self.generator, generator).map(|c| round3(c / seconds)),
        }
    }
}

/// Do all full clients of each document (and the official clients of document 0) end with the
/// same state vector and text?
#[derive(Clone, Debug, Serialize)]
pub struct Convergence {
    pub docs: usize,
    pub converged_docs: usize,
    pub compared_clients: usize,
    pub unsynced_clients: usize,
    pub official_clients: usize,
    pub official_converged: Option<bool>,
    pub text_len_doc0: Option<usize>,
    pub mismatches: Vec<String>,
}

type Digest = (BTreeMap<u64, u32>, usize, u32);

pub fn convergence(reports: &[ClientReport], official: Option<&[OfficialClient]>) -> Convergence {
    let mut by_doc: BTreeMap<usize, Vec<Digest>> = BTreeMap::new();
    let mut unsynced = 0;
    for report in reports {
        if !report.synced {
            unsynced += 1;
        }
        if report.full {
            let digest = (report.state_vector.clone(), report.text_len, report.text_hash);
            by_doc.entry(report.doc).or_default().push(digest);
        }
    }
    let mut mismatches = Vec::new();
    let mut converged_docs = 0;
    for (doc, digests) in &by_doc {
        let differing = digests.iter().filter(|d| **d != digests[0]).count();
        if differing == 0 {
            converged_docs += 1;
        } else if mismatches.len() < 5 {
            mismatches.push(format!("doc {doc}: {differing} of {} clients differ", digests.len()));
        }
    }
    let doc0 = by_doc.get(&0).and_then(|d| d.first()).cloned();
    let official_converged = official.map(|clients| {
        clients.iter().all(|client| {
            let state_vector: BTreeMap<u64, u32> = client
                .state_vector
                .iter()
                .filter_map(|(k, v)| Some((k.parse().ok()?, *v)))
                .collect();
            client.synced
                && doc0.as_ref().is_some_and(|d| {
                    d.0 == state_vector && d.1 == client.text_len && d.2 == client.text_hash
                })
        })
    });
    if official_converged == Some(false) && mismatches.len() < 5 {
        mismatches.push("doc 0: the official clients differ from the light clients".into());
    }
    Convergence {
        docs: by_doc.len(),
        converged_docs,
        compared_clients: by_doc.values().map(Vec::len).sum(),
        unsynced_clients: unsynced,
        official_clients: official.map(<[_]>::len).unwrap_or(0),
        official_converged,
        text_len_doc0: doc0.map(|d| d.1),
        mismatches,
    }
}
