//! Scenario `votes`: a whole school answers a quick poll. For each of K classes the teacher creates
//! and opens one poll (`POST /api/polls`, 3 options); the teacher and the class's pupils with a hub
//! connection (`--hub-pupils`, default all) subscribe to `poll:<id>`; then every pupil votes once
//! (option = its place in the class mod 3), the votes spread evenly over `--vote-window-s` — over
//! the hub (`{"vote":[i]}` on `poll:<id>`, acknowledged after storage; `--vote-via hub`) or
//! `PUT /api/polls/<id>/vote` (`--vote-via http`, and always for pupils without a connection).
//! Reports votes acknowledged per second and per server CPU-second, send → ack and vote → tally
//! latency (see `vote_track`), and exactness: after every poll is closed, its final counts must
//! equal the votes acknowledged, per option.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use reqwest::Method;
use schulhof_proto::{Poll, VoteAccepted, VoteRequest};
use serde::Serialize;

use crate::api::Api;
use crate::chat_send::interleave;
use crate::client::Setup;
use crate::fanout::due_offset;
use crate::frames;
use crate::lite::{Crowd, MemberPlan};
use crate::procstat::{Process, Sample, sample};
use crate::report::{LatencySummary, emit, progress, round3};
use crate::run::{RunOptions, VoteVia};
use crate::shard::check_socket_budget;
use crate::shared::Shared;
use crate::users::UsersFile;
use crate::vote_track::{VOTE_ID, VoteBook, compare_tallies};

const OPTIONS: [&str; 3] = ["Ja", "Nein", "Weiß nicht"];

#[derive(Serialize)]
struct VotesResult {
    bench: &'static str,
    target: String,
    vote_via: VoteVia,
    classes: usize,
    polls: usize,
    voters: usize,
    hub_connections: usize,
    subscribed: usize,
    /// Votes sent over the hub / over HTTP.
    hub_votes: u64,
    http_votes: u64,
    window_s: f64,
    offered_votes_per_s: f64,
    sent: u64,
    acked: u64,
    refused: u64,
    vote_errors: BTreeMap<String, u64>,
    /// First vote sent → last vote acknowledged.
    ingest_s: f64,
    votes_per_s: f64,
    server_cpu_s: Option<f64>,
    server_cpu_us_per_vote: Option<f64>,
    /// Acknowledged votes per server CPU-second (= per core at full load).
    votes_per_server_cpu_s: Option<f64>,
    /// The server's context switches (all threads) per acknowledged vote.
    server_context_switches_per_vote: Option<f64>,
    /// The server's CPU share while idle (heartbeats of the open connections) before the votes.
    server_idle_cpu_share: Option<f64>,
    server_rss_bytes: Option<u64>,
    gen_cpu_s: Option<f64>,
    gen_cpu_share: Option<f64>,
    ack: LatencySummary,
    tally: LatencySummary,
    results_events: u64,
    live_tally_converged_polls: usize,
    exact_polls: usize,
    tally_differences: BTreeMap<usize, String>,
    closed_events: u64,
    closed_events_expected: usize,
    poll_setup_ms: u128,
    drain_ms: u128,
    connect: LatencySummary,
    ticket: LatencySummary,
    subscribe: LatencySummary,
    setup_failures: BTreeMap<String, u64>,
    close_codes: BTreeMap<String, u64>,
}

/// One class: its teacher and pupils (member indexes).
struct ClassPlan {
    group_id: String,
    teacher: Option<usize>,
    pupils: Vec<usize>,
}

pub async fn drive(
    options: &RunOptions,
    users: &UsersFile,
    api: Api,
    setup: Arc<Setup>,
) -> Result<(), String> {
    let count = options.classes.unwrap_or(usize::MAX).min(users.classes.len());
    let members_of = users.members_by_class();
    let hub_pupils = options.hub_pupils.unwrap_or(usize::MAX);
    let (mut plans, mut classes, mut choice, mut saved) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut spawned = Vec::new();
    for (class, (entry, members)) in users.classes.iter().zip(&members_of).take(count).enumerate() {
        let mut plan = ClassPlan { group_id: entry.id.clone(), teacher: None, pupils: Vec::new() };
        for user in members.iter().filter_map(|&i| users.users.get(i)) {
            let index = plans.len();
            let teacher = user.role == "teacher";
            if teacher {
                plan.teacher = Some(index);
            } else {
                plan.pupils.push(index);
            }
            choice.push(
                u8::try_from(plan.pupils.len().saturating_sub(1) % OPTIONS.len()).unwrap_or(0),
            );
            saved.push(user.cookie.clone());
            let member = MemberPlan {
                index,
                class,
                login: user.login.clone(),
                password: user.password.clone(),
                cookie: user.cookie.clone(),
            };
            if teacher || plan.pupils.len() <= hub_pupils {
                spawned.push(member.clone());
            }
            plans.push(member);
        }
        classes.push(plan);
    }
    if classes.iter().any(|c| c.teacher.is_none()) {
        return Err("every class needs its teacher in the users file".to_owned());
    }
    check_socket_budget(spawned.len(), options.http_concurrency)?;
    let shared = Arc::new(Shared::new(classes.len(), plans.len())?);
    let book = Arc::new(VoteBook::new(shared.clone(), classes.len(), OPTIONS.len(), choice)?);
    let mut crowd = Crowd::new(shared.clone(), plans.len(), setup.clone(), book.clone());
    let hub_connections = spawned.len();
    progress(&format!("votes: connecting {hub_connections} members of {} classes", classes.len()));
    crowd.spawn(spawned.clone());
    let limit = Duration::from_secs(options.setup_timeout_s);
    crowd.wait_for_setup(limit).await;

    let started = Instant::now();
    let polls = create_polls(&api, &crowd, &classes, options.http_concurrency).await?;
    let wanted: Vec<(usize, String)> = spawned
        .iter()
        .filter_map(|m| Some((m.index, format!("poll:{}", polls.get(m.class)?))))
        .collect();
    let subscribed = crowd.subscribe(&wanted, limit).await;
    let poll_setup_ms = started.elapsed().as_millis();
    progress(&format!("{} polls open, {subscribed} subscriptions", polls.len()));

    let server = options.server_process();
    let idle_before = sample(server);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_after = sample(server);
    let server_idle_cpu_share = cpu(idle_before, idle_after).map(|cpu| round3(cpu / 2.0));

    let pupils: Vec<Vec<usize>> = classes.iter().map(|c| c.pupils.clone()).collect();
    let order = interleave(&pupils);
    let voters = order.len();
    let cookies: Vec<Option<String>> = (0..plans.len())
        .map(|m| crowd.cookie(m).or_else(|| saved.get(m).cloned().flatten()))
        .collect();
    let cookies = Arc::new(cookies);
    let (server_before, gen_before) = (sample(server), sample(Some(Process::Myself)));
    let window_started = Instant::now();
    progress(&format!("{voters} votes over {}s ({:?})", options.vote_window_s, options.vote_via));
    let voting = Voting {
        options,
        crowd: &crowd,
        book: &book,
        api: &api,
        setup: &setup,
        polls: &polls,
        cookies,
    };
    let (hub_votes, http_votes) = voting.cast(&order).await;
    let drain = voting.drain(voters as u64, Duration::from_secs(options.drain_timeout_s)).await;
    let wall = window_started.elapsed().as_secs_f64();
    let (server_after, gen_after) = (sample(server), sample(Some(Process::Myself)));

    progress("closing the polls");
    let finals = close_polls(&api, &crowd, &classes, &polls, options.http_concurrency).await;
    let acked_counts: Vec<Vec<u64>> = (0..classes.len()).map(|p| book.acked_counts(p)).collect();
    let (exact_polls, tally_differences) = compare_tallies(&finals, &acked_counts);
    let closed_expected = shared.live_count();
    let waiting = Instant::now();
    while book.closed_events.load(Ordering::Relaxed) < closed_expected as u64
        && waiting.elapsed() < Duration::from_secs(5)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let acked = shared.acked.load(Ordering::Relaxed);
    let first = book.first_sent_ns.load(Ordering::Relaxed);
    let last = book.last_ack_ns.load(Ordering::Relaxed);
    let ingest_s = if last > first { (last - first) as f64 / 1e9 } else { 0.0 };
    let server_cpu_s = cpu(server_before, server_after);
    let gen_cpu_s = cpu(gen_before, gen_after);
    let per_vote = server_cpu_s.filter(|_| acked > 0).map(|cpu| cpu / acked as f64);
    let target =
        if options.label.is_empty() { "schulhof".to_owned() } else { options.label.clone() };
    emit(&VotesResult {
        bench: "votes",
        target,
        vote_via: options.vote_via,
        classes: classes.len(),
        polls: polls.len(),
        voters,
        hub_connections,
        subscribed,
        hub_votes,
        http_votes,
        window_s: options.vote_window_s,
        offered_votes_per_s: round3(voters as f64 / options.vote_window_s),
        sent: shared.sent.load(Ordering::Relaxed),
        acked,
        refused: shared.refused.load(Ordering::Relaxed),
        vote_errors: shared.publish_errors.snapshot(),
        ingest_s: round3(ingest_s),
        votes_per_s: if ingest_s > 0.0 { round3(acked as f64 / ingest_s) } else { 0.0 },
        server_cpu_s,
        server_cpu_us_per_vote: per_vote.map(|s| round3(s * 1e6)),
        votes_per_server_cpu_s: per_vote.filter(|&s| s > 0.0).map(|s| round3(1.0 / s)),
        server_context_switches_per_vote: switches(server_before, server_after, acked),
        server_idle_cpu_share,
        server_rss_bytes: server_after.map(|s| s.rss_bytes),
        gen_cpu_s,
        gen_cpu_share: gen_cpu_s.map(|cpu| round3(cpu / wall)),
        ack: book.ack.summary(),
        tally: book.tally.summary(),
        results_events: book.results_events.load(Ordering::Relaxed),
        live_tally_converged_polls: book.converged_polls(),
        exact_polls,
        tally_differences,
        closed_events: book.closed_events.load(Ordering::Relaxed),
        closed_events_expected: closed_expected,
        poll_setup_ms,
        drain_ms: drain.as_millis(),
        connect: shared.connect.summary(),
        ticket: shared.ticket.summary(),
        subscribe: shared.subscribe.summary(),
        setup_failures: shared.failures.snapshot(),
        close_codes: shared.close_codes.snapshot(),
    })?;
    crowd.close(Duration::from_secs(10)).await;
    Ok(())
}

fn cpu(before: Option<Sample>, after: Option<Sample>) -> Option<f64> {
    Some(round3(after?.cpu_seconds - before?.cpu_seconds))
}

/// Context switches between two samples per counted thing.
pub fn switches(before: Option<Sample>, after: Option<Sample>, count: u64) -> Option<f64> {
    let grown = after?.context_switches.checked_sub(before?.context_switches)?;
    (count > 0 && grown > 0).then(|| round3(grown as f64 / count as f64))
}

/// The teachers create and open one poll per class; gives the poll IDs in class order.
async fn create_polls(
    api: &Api,
    crowd: &Crowd,
    classes: &[ClassPlan],
    concurrency: usize,
) -> Result<Vec<String>, String> {
    let requests = classes.iter().map(|class| {
        let cookie = class.teacher.and_then(|t| crowd.cookie(t));
        let body = serde_json::json!({
            "group_id": class.group_id,
            "question": "Sollen wir den Wandertag auf Freitag legen?",
            "options": OPTIONS,
            "open": true,
        });
        async move {
            api.json::<_, Poll>(Method::POST, "/api/polls", cookie.as_deref(), Some(&body))
                .await
                .map(|poll| poll.id.to_string())
                .map_err(|failure| format!("creating a poll: {failure}"))
        }
    });
    let polls: Vec<Result<String, String>> =
        futures_util::stream::iter(requests).buffered(concurrency.max(1)).collect().await;
    polls.into_iter().collect()
}

/// The teachers close their polls; gives each poll's final counts (`None`: failed or hidden).
async fn close_polls(
    api: &Api,
    crowd: &Crowd,
    classes: &[ClassPlan],
    polls: &[String],
    concurrency: usize,
) -> Vec<Option<Vec<u64>>> {
    let requests = classes.iter().zip(polls).map(|(class, poll)| {
        let cookie = class.teacher.and_then(|t| crowd.cookie(t));
        let path = format!("/api/polls/{poll}/close");
        async move {
            match api.json::<(), Poll>(Method::POST, &path, cookie.as_deref(), None).await {
                Ok(poll) => poll.results.map(|results| results.counts),
                Err(failure) => {
                    progress(&format!("closing {path}: {failure}"));
                    None
                }
            }
        }
    });
    futures_util::stream::iter(requests).buffered(concurrency.max(1)).collect().await
}

/// The voting window of a run.
struct Voting<'a> {
    options: &'a RunOptions,
    crowd: &'a Crowd,
    book: &'a Arc<VoteBook>,
    api: &'a Api,
    setup: &'a Arc<Setup>,
    polls: &'a [String],
    cookies: Arc<Vec<Option<String>>>,
}

impl Voting<'_> {
    /// Sends every vote at its due time; gives the votes sent over the hub and over HTTP.
    async fn cast(&self, order: &[(usize, usize)]) -> (u64, u64) {
        let total = order.len() as u64;
        let rate = total as f64 / self.options.vote_window_s.max(0.001);
        let started = Instant::now();
        let (mut hub, mut http) = (0, 0);
        let mut index = 0u64;
        while index < total {
            let now = Instant::now();
            while index < total && started + due_offset(index, rate) <= now {
                let slot = usize::try_from(index).unwrap_or(usize::MAX);
                if let Some(&(member, poll)) = order.get(slot) {
                    if self.vote(member, poll) {
                        hub += 1;
                    } else {
                        http += 1;
                    }
                }
                index += 1;
            }
            if index < total {
                tokio::time::sleep_until((started + due_offset(index, rate)).into()).await;
            }
        }
        (hub, http)
    }

    /// One vote: on the member's hub connection (`true`) or over HTTP.
    fn vote(&self, member: usize, poll: usize) -> bool {
        let choice = self.book.choice.get(member).copied().unwrap_or(0);
        let Some(id) = self.polls.get(poll) else {
            return false;
        };
        if self.options.vote_via == VoteVia::Hub && self.crowd.is_live(member) {
            let frame = frames::vote(VOTE_ID, &format!("poll:{id}"), choice);
            if self.crowd.send(member, VOTE_ID, frame) {
                return true;
            }
        }
        let (api, book, permits) =
            (self.api.clone(), self.book.clone(), self.setup.http_permits.clone());
        let cookies = self.cookies.clone();
        let path = format!("/api/polls/{id}/vote");
        tokio::spawn(async move {
            let Ok(_permit) = permits.acquire().await else {
                return book.vote_refused("closed");
            };
            book.vote_sent(member, poll);
            let body = VoteRequest { choices: vec![choice] };
            let cookie = cookies.get(member).cloned().flatten();
            let answer = api
                .json::<_, VoteAccepted>(Method::PUT, &path, cookie.as_deref(), Some(&body))
                .await;
            match answer {
                Ok(_) => book.vote_acked(member, poll),
                Err(failure) => book.vote_refused(&format!("http_{}", failure.status)),
            }
        });
        false
    }

    /// Waits until every vote is answered and every poll's live tally shows all acknowledged
    /// votes, or `limit`.
    async fn drain(&self, votes: u64, limit: Duration) -> Duration {
        let started = Instant::now();
        let shared = &self.book.shared;
        loop {
            let answered =
                shared.acked.load(Ordering::Relaxed) + shared.refused.load(Ordering::Relaxed);
            let converged = self.book.converged_polls() == self.polls.len();
            if (answered >= votes && converged) || started.elapsed() >= limit {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
