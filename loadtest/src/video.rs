//! `video`: the SFU benchmark (guide: `shared/guide/benchmarks.md`). Simulated classes (see
//! `video_class`) are added step by step to the server under test — schulhof's SFU, Janus's
//! videoroom, or `direct` (no SFU: each class's teacher sends straight to one str0m receiver, the
//! latency floor of the generator itself) — and every step measures for `--duration-s`:
//! forwarded packets (counted where they arrive), the server's CPU per forwarded packet (from
//! `/proc/<pid>/stat`), one-way delay publisher → subscriber (stamped in the payload, one clock),
//! loss (gaps in each received sequence, and received ÷ expected deliveries), and the generator's
//! own CPU share. The ramp stops at 1 % loss, a saturated server core, or a saturated generator.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use serde::Serialize;
use serde_json::json;

use crate::procstat::{Process, sample};
use crate::report::{LatencySummary, emit, new_histogram, progress, round3, summarize};
use crate::video_class::Profile;
use crate::video_engine::{Engine, Snapshot};
use crate::video_media::{AUDIO_INTERVAL, LAYERS, LayerChoice, forwarded_per_class};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoTarget {
    Schulhof,
    Janus,
    /// No SFU: publisher → one receiver per class, both in the generator.
    Direct,
}

/// The `video` subcommand's options.
#[derive(Debug, clap::Args)]
pub struct VideoOptions {
    #[arg(long, value_enum)]
    pub target: VideoTarget,
    /// schulhof: `http://ADDR:PORT`; Janus: `http://ADDR:8088/janus`; direct: unused.
    #[arg(long, default_value = "")]
    pub server: String,
    /// The file `populate` wrote (schulhof only).
    #[arg(long)]
    pub users: Option<PathBuf>,
    /// Local address of every media socket and HTTP connection (the host side of the veth pair).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind_ip: IpAddr,
    /// Class counts to step through.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,6,8,10,12,15,20,25,30,40")]
    pub class_steps: Vec<usize>,
    #[arg(long, default_value_t = 10.0)]
    pub duration_s: f64,
    /// Unreported seconds after each step's classes are connected.
    #[arg(long, default_value_t = 3.0)]
    pub warmup_s: f64,
    /// The layer each pupil watches.
    #[arg(long, value_enum, default_value = "h")]
    pub layers: LayerChoice,
    /// Pupils per class with an open microphone.
    #[arg(long, default_value_t = 1)]
    pub talkers: usize,
    /// Pupils per class (besides the talkers) that decrypt what they receive and measure latency;
    /// the others count packets from the RTP header (see `video_light`) and send no
    /// transport-wide feedback — with layers above an SFU's start estimate (`f`, `mix`) use 29.
    #[arg(long, default_value_t = 2)]
    pub observers_per_class: usize,
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// A step fails above this loss (fraction).
    #[arg(long, default_value_t = 0.01)]
    pub loss_limit: f64,
    /// schulhof: Prometheus endpoint with `schulhof_video_forwarded_packets_total`
    /// (default: SERVER/metrics).
    #[arg(long)]
    pub metrics_url: Option<String>,
    /// Seconds to wait for a step's peers to connect.
    #[arg(long, default_value_t = 60.0)]
    pub connect_timeout_s: f64,
    /// Classes set up at once.
    #[arg(long, default_value_t = 4)]
    pub setup_concurrency: usize,
    /// Name of the target in the results.
    #[arg(long, default_value = "")]
    pub label: String,
}

/// One measured step.
#[derive(Debug, Serialize)]
struct StepResult {
    kind: &'static str,
    target: String,
    classes: usize,
    profile: Profile,
    peers: usize,
    connected: usize,
    failed_peers: usize,
    duration_s: f64,
    sent_pps: f64,
    /// What the profile sends: per class the teacher's 3 layers and audio plus the talkers.
    expected_sent_pps: f64,
    forwarded: u64,
    forwarded_pps: f64,
    /// What the profile should produce: forwarded packets per second per class × classes.
    expected_forwarded_pps: f64,
    delivery_ratio: f64,
    /// Received ÷ expected for audio and video apart.
    delivery_ratio_audio: f64,
    delivery_ratio_video: f64,
    loss: f64,
    server_cpu_share: Option<f64>,
    server_cpu_us_per_forwarded: Option<f64>,
    server_rss_bytes: Option<u64>,
    server_forwarded: Option<f64>,
    server_forwarded_pps: Option<f64>,
    gen_cpu_share: f64,
    /// Busy and softirq share of every core over the window (server: core 0, generator: core 1).
    cores: Vec<crate::video_cores::CoreShare>,
    /// Work on the two cores not done by the server or the generator (other processes, or
    /// kernel time charged to nobody); above 0.15 the step is `noisy`.
    foreign_core0: Option<f64>,
    foreign_core1: Option<f64>,
    noisy: bool,
    /// UDP datagrams dropped for a full receive buffer in the server's and the generator's
    /// network namespaces during the window (with the server on the loopback, both are one).
    server_ns_udp: Option<crate::video_cores::UdpCounters>,
    gen_ns_udp: Option<crate::video_cores::UdpCounters>,
    latency: LatencySummary,
    latency_audio: LatencySummary,
    latency_video: LatencySummary,
    keyframes_sent: u64,
    keyframe_requests: u64,
    late_frames: u64,
    /// The generator's longest busy stretch (ms): large values delay sends and receives.
    gen_max_busy_ms: f64,
    /// The generator's own work per second: `Rtc` timeouts handled, datagrams read, written.
    gen_ticks_per_s: f64,
    gen_datagrams_in_per_s: f64,
    gen_datagrams_out_per_s: f64,
    send_errors: u64,
    rtc_errors: u64,
    not_ready: u64,
    failure: Option<String>,
}

pub async fn run_video(options: VideoOptions) -> Result<(), String> {
    let profile = Profile {
        layers: options.layers,
        talkers: options.talkers,
        observers: options.observers_per_class,
    };
    let label = if options.label.is_empty() {
        format!("{:?}", options.target).to_lowercase()
    } else {
        options.label.clone()
    };
    let epoch = Instant::now();
    let (engine, thread) = Engine::start(epoch)?;
    let backend = crate::video_targets::Backend::open(&options).await?;
    let mut classes = 0;
    let mut kept = Vec::new();
    let mut passed: Option<(usize, Option<f64>)> = None;
    let mut failed_setup = false;
    let mut results = Vec::new();
    let mut steps = options.class_steps.clone();
    steps.sort_unstable();
    steps.dedup();
    for step in steps {
        progress(&format!("{label}: setting up classes {classes}..{step}"));
        let setup_started = Instant::now();
        let mut added = futures_util::stream::iter(classes..step)
            .map(|class| backend.add_class(&engine, class, profile))
            .buffer_unordered(options.setup_concurrency.max(1));
        let mut setup_error = None;
        while let Some(hubs) = added.next().await {
            match hubs {
                Ok(hubs) => kept.extend(hubs),
                Err(error) => setup_error = Some(error),
            }
        }
        drop(added);
        classes = step;
        if let Some(error) = setup_error {
            progress(&format!("{label}: setting up {step} classes failed: {error}"));
            let line = json!({"kind": "video_step", "target": label, "classes": step,
                "failure": "setup_failed", "error": error});
            emit(&line)?;
            failed_setup = true;
            break;
        }
        let connected = wait_connected(&engine, options.connect_timeout_s).await?;
        progress(&format!(
            "{label}: {step} classes, {}/{} peers connected after {:.1} s",
            connected.connected,
            connected.peers,
            setup_started.elapsed().as_secs_f64()
        ));
        tokio::time::sleep(Duration::from_secs_f64(options.warmup_s)).await;
        let result = measure(&options, &engine, &backend, &label, step, profile).await?;
        emit(&result)?;
        let failure = result.failure.clone();
        if failure.is_none() {
            passed = Some((step, result.server_cpu_share));
        }
        results.push(result);
        if failure.is_some() {
            break;
        }
    }
    let best = results.iter().filter(|r| r.failure.is_none()).max_by_key(|r| r.classes);
    let extrapolated = best.and_then(|r| {
        r.server_cpu_share
            .filter(|share| *share > 0.0)
            .map(|share| round3(r.classes as f64 / share))
    });
    emit(&json!({
        "kind": "video_ramp_summary",
        "target": label,
        "profile": profile,
        "max_classes": passed.map(|(classes, _)| classes).unwrap_or(0),
        "stopped_by": if failed_setup {
            Some("setup_failed".to_owned())
        } else {
            results.last().and_then(|r| r.failure.clone())
        },
        "classes_per_core_extrapolated": extrapolated,
        "server_cpu_us_per_forwarded": best.and_then(|r| r.server_cpu_us_per_forwarded),
        "forwarded_pps_per_class": round3(forwarded_per_class(profile.layers, profile.talkers,
            crate::video_class::CLASS_SIZE)),
    }))?;
    for hub in kept {
        hub.close();
    }
    backend.close().await;
    engine.stop();
    let _ = thread.join();
    Ok(())
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { round3(part as f64 / whole as f64) }
}

/// Packets per second one class's publishers send.
fn sent_per_class(talkers: usize) -> f64 {
    let video: u32 = LAYERS.iter().map(|layer| layer.packets_per_second()).sum();
    let audio = 1.0 / AUDIO_INTERVAL.as_secs_f64();
    f64::from(video) + audio * (1 + talkers.min(crate::video_class::PUPILS)) as f64
}

async fn wait_connected(engine: &Engine, timeout_s: f64) -> Result<Snapshot, String> {
    let deadline = Instant::now() + Duration::from_secs_f64(timeout_s);
    loop {
        let snapshot = engine.snapshot(false).await?;
        if snapshot.connected + snapshot.failed >= snapshot.peers || Instant::now() >= deadline {
            return Ok(snapshot);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn measure(
    options: &VideoOptions,
    engine: &Engine,
    backend: &crate::video_targets::Backend,
    label: &str,
    classes: usize,
    profile: Profile,
) -> Result<StepResult, String> {
    let server = options.server_pid.map(Process::Pid);
    let server_before = sample(server);
    let gen_before = sample(Some(Process::Myself));
    let metrics_before = backend.forwarded_metric().await;
    let cores_before = crate::video_cores::sample();
    let server_udp_before = crate::video_cores::udp_counters(options.server_pid);
    let gen_udp_before = crate::video_cores::udp_counters(None);
    let before = engine.snapshot(true).await?;
    tokio::time::sleep(Duration::from_secs_f64(options.duration_s)).await;
    let after = engine.snapshot(false).await?;
    let cores = crate::video_cores::shares(&cores_before, &crate::video_cores::sample());
    let server_ns_udp = options.server_pid.and_then(|pid| {
        crate::video_cores::udp_delta(
            server_udp_before,
            crate::video_cores::udp_counters(Some(pid)),
        )
    });
    let gen_ns_udp =
        crate::video_cores::udp_delta(gen_udp_before, crate::video_cores::udp_counters(None));
    let metrics_after = backend.forwarded_metric().await;
    let gen_after = sample(Some(Process::Myself));
    let server_after = sample(server);
    let elapsed = after.at.duration_since(before.at).as_secs_f64().max(1e-6);
    let (b, a) = (&before.tally, &after.tally);
    let forwarded =
        (a.received_audio + a.received_video).saturating_sub(b.received_audio + b.received_video);
    let expected = a.expected_deliveries.saturating_sub(b.expected_deliveries);
    let seq_expected = after.seq_expected.saturating_sub(before.seq_expected);
    let seq_received = after.seq_received.saturating_sub(before.seq_received);
    let loss = if seq_expected == 0 {
        1.0
    } else {
        (1.0 - seq_received as f64 / seq_expected as f64).max(0.0)
    };
    let delivery_ratio = if expected == 0 { 0.0 } else { forwarded as f64 / expected as f64 };
    let server_cpu = match (server_before, server_after) {
        (Some(x), Some(y)) => Some(y.cpu_seconds - x.cpu_seconds),
        _ => None,
    };
    let gen_cpu_share = match (gen_before, gen_after) {
        (Some(x), Some(y)) => (y.cpu_seconds - x.cpu_seconds) / elapsed,
        _ => 0.0,
    };
    let server_cpu_share = server_cpu.map(|cpu| round3(cpu / elapsed));
    let server_forwarded = match (metrics_before, metrics_after) {
        (Some(x), Some(y)) => Some(y - x),
        _ => None,
    };
    let mut latency = new_histogram()?;
    let _ = latency.add(&a.latency_audio);
    let _ = latency.add(&a.latency_video);
    let mut failure = None;
    if options.target != VideoTarget::Direct && server_cpu_share.is_some_and(|s| s >= 0.95) {
        failure = Some("server_cpu_saturated".to_owned());
    }
    if delivery_ratio < 1.0 - options.loss_limit {
        // Whole streams missing (e.g. a layer the server did not forward), not gaps.
        failure = Some("undelivered".to_owned());
    }
    if loss > options.loss_limit {
        failure = Some("loss".to_owned());
    }
    if after.failed > 0 || after.connected < after.peers {
        failure = Some("peers_not_connected".to_owned());
    }
    let sent = (a.sent_audio + a.sent_video).saturating_sub(b.sent_audio + b.sent_video);
    // `direct` has no talkers: the teacher sends to one receiver.
    let talkers = if options.target == VideoTarget::Direct { 0 } else { profile.talkers };
    let expected_sent = sent_per_class(talkers) * classes as f64;
    if (sent as f64 / elapsed) < 0.97 * expected_sent {
        // The generator fell behind its schedule (frames skipped): it measured itself.
        failure = Some("generator_behind".to_owned());
    }
    if gen_cpu_share > 0.9 {
        failure = Some("generator_saturated".to_owned());
    }
    let foreign_core0 = match (cores.first(), server_cpu_share, options.target) {
        (Some(core), Some(server), VideoTarget::Schulhof | VideoTarget::Janus) => {
            Some(round3(core.busy - server))
        }
        (Some(core), _, VideoTarget::Direct) => Some(core.busy),
        _ => None,
    };
    let foreign_core1 = cores.get(1).map(|core| round3(core.busy - gen_cpu_share));
    let noisy = foreign_core0.is_some_and(|f| f > 0.15) || foreign_core1.is_some_and(|f| f > 0.15);
    Ok(StepResult {
        kind: "video_step",
        target: label.to_owned(),
        classes,
        profile,
        peers: after.peers,
        connected: after.connected,
        failed_peers: after.failed,
        duration_s: round3(elapsed),
        sent_pps: round3(sent as f64 / elapsed),
        expected_sent_pps: round3(expected_sent),
        forwarded,
        forwarded_pps: round3(forwarded as f64 / elapsed),
        expected_forwarded_pps: round3(
            forwarded_per_class(profile.layers, profile.talkers, crate::video_class::CLASS_SIZE)
                * classes as f64,
        ),
        delivery_ratio: round3(delivery_ratio),
        delivery_ratio_audio: ratio(
            a.received_audio - b.received_audio,
            (a.expected_deliveries - a.expected_video) - (b.expected_deliveries - b.expected_video),
        ),
        delivery_ratio_video: ratio(
            a.received_video - b.received_video,
            a.expected_video - b.expected_video,
        ),
        loss: (loss * 1e5).round() / 1e5,
        server_cpu_share,
        server_cpu_us_per_forwarded: server_cpu
            .filter(|_| forwarded > 0)
            .map(|cpu| round3(cpu * 1e6 / forwarded as f64)),
        server_rss_bytes: server_after.map(|s| s.rss_bytes),
        server_forwarded,
        server_forwarded_pps: server_forwarded.map(|f| round3(f / elapsed)),
        gen_cpu_share: round3(gen_cpu_share),
        cores,
        foreign_core0,
        foreign_core1,
        noisy,
        server_ns_udp,
        gen_ns_udp,
        latency: summarize(&latency),
        latency_audio: summarize(&a.latency_audio),
        latency_video: summarize(&a.latency_video),
        keyframes_sent: a.keyframes_sent - b.keyframes_sent,
        keyframe_requests: a.keyframe_requests - b.keyframe_requests,
        late_frames: after.late_frames - before.late_frames,
        gen_max_busy_ms: round3(after.max_busy_us as f64 / 1000.0),
        gen_ticks_per_s: round3((a.ticks - b.ticks) as f64 / elapsed),
        gen_datagrams_in_per_s: round3((a.datagrams_in - b.datagrams_in) as f64 / elapsed),
        gen_datagrams_out_per_s: round3((a.datagrams_out - b.datagrams_out) as f64 / elapsed),
        send_errors: a.send_errors - b.send_errors,
        rtc_errors: a.rtc_errors - b.rtc_errors,
        not_ready: a.not_ready - b.not_ready,
        failure,
    })
}
