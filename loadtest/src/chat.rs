//! Scenario `chat` (S2 for the messenger): the class chat rooms of the populated school (a class's
//! room ID is its group's ID; members = its pupils and its teacher). Every member subscribes to
//! `chat:<room>` on the hub and sends one message per second with
//! `POST /api/chat/rooms/<room>/messages` (keep-alive HTTP, the member's session cookie); the text
//! starts with `t=<ns>`, the time the message was due, on the generator's clock. Every member's
//! hub connection (the sender's included: the server delivers to all subscribers) records
//! due → received. Steps add classes (`--class-steps 2,4,8,…`) until a step fails otherwise than
//! by its p99 or its p99 exceeds twice `--p99-limit-ms`; one JSON line per step and a
//! `chat_summary` at the end (`max_classes`: the last step of an unbroken run of passing steps).
//! The sending side is in `chat_send`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::api::Api;
use crate::chat_send::{Poster, Window, expected, interleave};
use crate::client::Setup;
use crate::frames::{EventFrame, chat_stamp};
use crate::lite::{Crowd, MemberPlan, Observer};
use crate::procstat::{Process, Sample, sample};
use crate::report::{LatencySummary, emit, progress, round3};
use crate::run::RunOptions;
use crate::shard::check_socket_budget;
use crate::shared::{Counters, Shared, Timings};
use crate::users::UsersFile;
use crate::votes::switches;

#[derive(Serialize)]
struct ChatStep {
    bench: &'static str,
    target: String,
    step: usize,
    classes: usize,
    members: usize,
    subscribed: usize,
    /// Messages per second offered (1 per subscribed member).
    rate: f64,
    duration_s: f64,
    sent: u64,
    accepted: u64,
    post_errors: BTreeMap<String, u64>,
    /// Messages not sent because too many requests were outstanding (the server fell behind).
    skipped: u64,
    expected: u64,
    delivered: u64,
    delivered_ratio: f64,
    missing: u64,
    gaps: u64,
    duplicates: u64,
    unstamped: u64,
    deliveries_per_s: f64,
    drain_ms: u128,
    /// Due time (stamp) → `message` event at a member's hub connection.
    latency: LatencySummary,
    /// Due time → `201` of the POST.
    post: LatencySummary,
    connect: LatencySummary,
    ticket: LatencySummary,
    subscribe: LatencySummary,
    /// Failures so far (setup: tickets, connects, subscribes; later: lost connections, resyncs).
    setup_failures: BTreeMap<String, u64>,
    /// Failures during this step's window.
    window_failures: BTreeMap<String, u64>,
    close_codes: BTreeMap<String, u64>,
    server_cpu_s: Option<f64>,
    server_cpu_s_per_1000_messages: Option<f64>,
    server_cpu_s_per_1000_deliveries: Option<f64>,
    /// The server's context switches (all threads) per accepted message.
    server_context_switches_per_message: Option<f64>,
    server_rss_bytes: Option<u64>,
    gen_cpu_s: Option<f64>,
    gen_cpu_share: Option<f64>,
    /// p99 within the limit, everything delivered, no errors, generator not saturated.
    ok: bool,
    /// Why the step failed, if it did.
    failure: Option<String>,
}

#[derive(Serialize)]
struct ChatSummary {
    bench: &'static str,
    target: String,
    p99_limit_ms: f64,
    /// The last class count of the unbroken run of passing steps from the first (`null`: the first
    /// step failed).
    max_classes: Option<usize>,
    steps: Vec<StepBrief>,
    stop: Option<String>,
}

#[derive(Clone, Serialize)]
struct StepBrief {
    classes: usize,
    p99_ms: f64,
    delivered_ratio: f64,
    server_cpu_s_per_1000_messages: Option<f64>,
    ok: bool,
}

/// Receivers: every `message` event counts as a delivery; its stamp gives the latency.
struct ChatObserver {
    shared: Arc<Shared>,
}

impl Observer for ChatObserver {
    fn on_frame(&self, _member: usize, _class: usize, frame: &EventFrame<'_>) {
        if frame.kind != "message" {
            return;
        }
        let Some(body) = &frame.body else {
            return;
        };
        if body.event.as_deref() != Some("message") {
            return;
        }
        self.shared.delivered.fetch_add(1, Ordering::Relaxed);
        match body.message.as_ref().and_then(|message| chat_stamp(&message.text)) {
            Some(due_ns) => {
                let latency_ns = self.shared.now_ns().saturating_sub(due_ns);
                self.shared.latency.record_micros(latency_ns / 1000);
            }
            None => {
                self.shared.unstamped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn on_sent(&self, _member: usize, _class: usize, _id: u64) {}
}

/// The class counts to step through: ascending, distinct, at most `available`.
pub fn class_steps(wanted: &[usize], default: usize, available: usize) -> Vec<usize> {
    let mut steps: Vec<usize> = if wanted.is_empty() { vec![default] } else { wanted.to_vec() };
    steps.iter_mut().for_each(|step| *step = (*step).min(available));
    steps.retain(|&step| step > 0);
    steps.sort_unstable();
    steps.dedup();
    steps
}

pub async fn drive(
    options: &RunOptions,
    users: &UsersFile,
    api: Api,
    setup: Arc<Setup>,
) -> Result<(), String> {
    let available = options.classes.unwrap_or(usize::MAX).min(users.classes.len());
    let steps = class_steps(&options.class_steps, available, users.classes.len());
    let largest = steps.last().copied().ok_or("no classes to run")?;
    let members_of = users.members_by_class();
    let mut plans_by_class: Vec<Vec<MemberPlan>> = Vec::new();
    let mut index = 0;
    for (class, members) in members_of.iter().take(largest).enumerate() {
        let mut plans = Vec::new();
        for user in members.iter().filter_map(|&i| users.users.get(i)) {
            plans.push(MemberPlan {
                index,
                class,
                login: user.login.clone(),
                password: user.password.clone(),
                cookie: user.cookie.clone(),
            });
            index += 1;
        }
        plans_by_class.push(plans);
    }
    check_socket_budget(index, options.http_concurrency)?;
    let shared = Arc::new(Shared::new(largest, index)?);
    let observer = Arc::new(ChatObserver { shared: shared.clone() });
    let mut crowd = Crowd::new(shared.clone(), index, setup.clone(), observer);
    let poster = Arc::new(Poster {
        api,
        shared: shared.clone(),
        permits: setup.http_permits.clone(),
        accepted: (0..largest).map(|_| AtomicU64::new(0)).collect(),
        post: Timings::new()?,
        in_flight: AtomicUsize::new(0),
        cap: options.http_concurrency.max(1) * 4,
    });
    let target =
        if options.label.is_empty() { "schulhof".to_owned() } else { options.label.clone() };
    let rooms: Vec<String> = users.classes.iter().take(largest).map(|c| c.id.clone()).collect();
    let mut connected = 0;
    let mut briefs = Vec::new();
    let mut max_classes = None;
    let mut previous = None;
    let mut stop = None;
    for (step, &classes) in steps.iter().enumerate() {
        let new: Vec<MemberPlan> =
            plans_by_class[connected..classes].iter().flatten().cloned().collect();
        progress(&format!(
            "step {step}: connecting {} members of {} more classes",
            new.len(),
            classes - connected
        ));
        let wanted: Vec<(usize, String)> =
            new.iter().map(|p| (p.index, format!("chat:{}", rooms[p.class]))).collect();
        crowd.spawn(new);
        crowd.wait_for_setup(Duration::from_secs(options.setup_timeout_s)).await;
        crowd.subscribe(&wanted, Duration::from_secs(options.setup_timeout_s)).await;
        connected = classes;
        let live_by_class: Vec<Vec<usize>> = plans_by_class[..classes]
            .iter()
            .map(|plans| plans.iter().map(|p| p.index).filter(|&m| crowd.is_live(m)).collect())
            .collect();
        let senders = interleave(&live_by_class);
        if step == 0 && options.warmup_s > 0.0 {
            progress(&format!("warm-up: {}s", options.warmup_s));
            let window =
                Window { crowd: &crowd, poster: &poster, rooms: &rooms, senders: &senders };
            let (accepted, counters) = (poster.accepted(), Counters::read(&shared));
            window.run(options.warmup_s).await;
            let limit = Duration::from_secs(options.drain_timeout_s);
            window.drain(&accepted, &live_by_class, &counters, limit).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let subscribed: Vec<usize> = live_by_class.iter().map(Vec::len).collect();
        let accepted_before = poster.accepted();
        let counters_before = Counters::read(&shared);
        let errors_before = shared.publish_errors.snapshot();
        let failures_before = shared.failures.snapshot();
        shared.latency.reset();
        poster.post.reset();
        let server = options.server_process();
        let (server_before, gen_before) = (sample(server), sample(Some(Process::Myself)));
        let started = Instant::now();
        progress(&format!(
            "step {step}: {classes} classes, {} messages/s for {}s",
            senders.len(),
            options.duration_s
        ));
        let window = Window { crowd: &crowd, poster: &poster, rooms: &rooms, senders: &senders };
        let sending = window.run(options.duration_s).await;
        let drain_limit = Duration::from_secs(options.drain_timeout_s);
        let drain =
            window.drain(&accepted_before, &live_by_class, &counters_before, drain_limit).await;
        let wall = started.elapsed().as_secs_f64();
        let (server_after, gen_after) = (sample(server), sample(Some(Process::Myself)));

        let counters = Counters::read(&shared).since(&counters_before);
        let accepted: u64 =
            poster.accepted().iter().zip(&accepted_before).map(|(a, b)| a - b).sum();
        let expected = expected(&accepted_before, &poster.accepted(), &subscribed);
        let cpu = |before: Option<Sample>, after: Option<Sample>| {
            Some(round3(after?.cpu_seconds - before?.cpu_seconds))
        };
        let (server_cpu_s, gen_cpu_s) =
            (cpu(server_before, server_after), cpu(gen_before, gen_after));
        let per_1000 = |count: u64| {
            server_cpu_s
                .filter(|_| count > 0)
                .map(|cpu| (cpu / count as f64 * 1000.0 * 1e6).round() / 1e6)
        };
        let latency = shared.latency.summary();
        let post_errors = shared.publish_errors.since(&errors_before);
        let window_failures = shared.failures.since(&failures_before);
        let gen_cpu_share = gen_cpu_s.map(|cpu| round3(cpu / wall));
        let live: usize = subscribed.iter().sum();
        let delivered_ratio = if expected == 0 {
            0.0
        } else {
            (counters.delivered as f64 / expected as f64 * 1e6).round() / 1e6
        };
        let failure = if live < plans_by_class[..classes].iter().map(Vec::len).sum()
            || !window_failures.is_empty()
        {
            Some("connection_failures")
        } else if !post_errors.is_empty() || counters.skipped > 0 {
            Some("send_errors")
        } else if counters.delivered < expected || counters.gaps > 0 || expected == 0 {
            Some("undelivered")
        } else if gen_cpu_share.is_some_and(|share| share > 0.9) {
            Some("generator_saturated")
        } else if latency.p99_ms > options.p99_limit_ms {
            Some("p99_over_limit")
        } else {
            None
        };
        let ok = failure.is_none();
        let result = ChatStep {
            bench: "chat",
            target: target.clone(),
            step,
            classes,
            members: plans_by_class[..classes].iter().map(Vec::len).sum(),
            subscribed: live,
            rate: senders.len() as f64,
            duration_s: options.duration_s,
            sent: counters.sent,
            accepted,
            post_errors,
            skipped: counters.skipped,
            expected,
            delivered: counters.delivered,
            delivered_ratio,
            missing: expected.saturating_sub(counters.delivered),
            gaps: counters.gaps,
            duplicates: counters.duplicates,
            unstamped: counters.unstamped,
            deliveries_per_s: round3(counters.delivered as f64 / sending.as_secs_f64()),
            drain_ms: drain.as_millis(),
            latency: latency.clone(),
            post: poster.post.summary(),
            connect: shared.connect.summary(),
            ticket: shared.ticket.summary(),
            subscribe: shared.subscribe.summary(),
            setup_failures: shared.failures.snapshot(),
            window_failures,
            close_codes: shared.close_codes.snapshot(),
            server_cpu_s,
            server_cpu_s_per_1000_messages: per_1000(accepted),
            server_cpu_s_per_1000_deliveries: per_1000(counters.delivered),
            server_context_switches_per_message: switches(server_before, server_after, accepted),
            server_rss_bytes: server_after.map(|s| s.rss_bytes),
            gen_cpu_s,
            gen_cpu_share,
            ok,
            failure: failure.map(str::to_owned),
        };
        emit(&result)?;
        briefs.push(StepBrief {
            classes,
            p99_ms: latency.p99_ms,
            delivered_ratio,
            server_cpu_s_per_1000_messages: result.server_cpu_s_per_1000_messages,
            ok,
        });
        if ok && max_classes == previous {
            max_classes = Some(classes);
        }
        previous = Some(classes);
        // A p99 just over the limit may be noise (the rounds' medians decide): go on unless the
        // step failed otherwise or its p99 is over twice the limit.
        let over_limit_only = failure == Some("p99_over_limit");
        if let Some(reason) = failure
            && (!over_limit_only || latency.p99_ms > 2.0 * options.p99_limit_ms)
        {
            stop = Some(format!("{reason} at {classes} classes"));
            break;
        }
    }
    emit(&ChatSummary {
        bench: "chat_summary",
        target,
        p99_limit_ms: options.p99_limit_ms,
        max_classes,
        steps: briefs,
        stop,
    })?;
    crowd.close(Duration::from_secs(10)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_sorted_capped_and_distinct() {
        assert_eq!(class_steps(&[8, 2, 4, 64, 32], 10, 40), [2, 4, 8, 32, 40]);
        assert_eq!(class_steps(&[], 10, 40), [10]);
        assert_eq!(class_steps(&[0, 3, 3], 10, 40), [3]);
    }
}
