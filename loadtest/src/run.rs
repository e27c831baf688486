//! `run`: sets up one scenario against schulhof or the peer — the population (users file or, with
//! `--peer`, a fake one), this shard's clients, the shared HTTP client and the limits — and hands
//! it to the scenario's driver. The messenger scenarios (`chat`, `votes`) bring their own clients
//! (`lite`) and get only the settings. Every run has a hard deadline and ends by itself.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Semaphore;

use crate::api::{Api, ws_base};
use crate::client::Setup;
use crate::fleet::{Fleet, plan_clients};
use crate::procstat::{Process, Sample, sample};
use crate::report::progress;
use crate::shard::{Shard, check_socket_budget};
use crate::users::{UsersFile, fake_population};
use crate::{chat, fanout, idle, storm, votes, wsconn};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    Fanout,
    Idle,
    Storm,
    /// Class chat rooms: every member sends 1 message/s over HTTP, all receive on the hub.
    Chat,
    /// Quick polls: one poll per class, every pupil votes once within a window.
    Votes,
}

/// How the pupils with a hub connection vote (`votes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteVia {
    /// Publish `{"vote":[i]}` on `poll:<id>` (acknowledged after storage).
    Hub,
    /// `PUT /api/polls/<id>/vote`.
    Http,
}

#[derive(Clone, Debug)]
pub struct RunOptions {
    pub server: String,
    pub users: Option<PathBuf>,
    pub scenario: Scenario,
    pub classes: Option<usize>,
    pub rates: Vec<f64>,
    pub duration_s: f64,
    pub bind_ip: Option<IpAddr>,
    pub shard: Shard,
    pub server_pid: Option<u32>,
    pub peer: bool,
    pub label: String,
    pub fresh_login: bool,
    pub connect_concurrency: usize,
    pub http_concurrency: usize,
    pub setup_timeout_s: u64,
    pub drain_timeout_s: u64,
    /// Seconds of unreported publishing at the first rate before the steps (fanout).
    pub warmup_s: f64,
    /// This shard's part of the classes (and so of `--rate`, which is the total over all shards);
    /// set by `run`.
    pub rate_share: f64,
    /// `chat`: class counts to step through (default: `--classes`).
    pub class_steps: Vec<usize>,
    /// `chat`: stop stepping once a step's p99 exceeds this.
    pub p99_limit_ms: f64,
    /// `votes`: every pupil votes once, spread evenly over this window.
    pub vote_window_s: f64,
    pub vote_via: VoteVia,
    /// `votes`: pupils per class with a hub connection (default: all); the others vote over HTTP.
    pub hub_pupils: Option<usize>,
}

impl RunOptions {
    pub fn server_process(&self) -> Option<Process> {
        self.server_pid.map(Process::Pid)
    }

    /// The longest the scenario itself may take after the setup.
    fn scenario_budget(&self) -> Duration {
        let seconds = match self.scenario {
            Scenario::Fanout => {
                self.warmup_s
                    + (self.rates.len() + 1) as f64
                        * (self.duration_s + self.drain_timeout_s as f64 + 3.0)
            }
            Scenario::Idle => self.duration_s + 10.0,
            Scenario::Storm => 10.0,
            Scenario::Chat => {
                self.warmup_s
                    + self.class_steps.len().max(1) as f64
                        * (self.setup_timeout_s as f64
                            + self.duration_s
                            + self.drain_timeout_s as f64
                            + 10.0)
            }
            Scenario::Votes => {
                2.0 * self.setup_timeout_s as f64
                    + self.vote_window_s
                    + self.drain_timeout_s as f64
                    + 240.0
            }
        };
        Duration::from_secs_f64(seconds.max(0.0))
    }
}

/// What every scenario gets: the options, the spawned clients and how long their setup took.
pub struct Prepared {
    pub options: RunOptions,
    pub fleet: Fleet,
    pub setup_duration: Duration,
    /// The server (with `--server-pid`) and this process before the clients were spawned.
    pub server_before: Option<Sample>,
    pub gen_before: Option<Sample>,
}

pub async fn run(mut options: RunOptions) -> Result<(), String> {
    if options.duration_s <= 0.0 || options.duration_s > 3600.0 {
        return Err("--duration-s must be in (0, 3600]".to_owned());
    }
    if !(0.0..=600.0).contains(&options.warmup_s) {
        return Err("--warmup-s must be in [0, 600]".to_owned());
    }
    let users = match (&options.users, options.peer) {
        (_, true) => fake_population(options.classes.unwrap_or(10)),
        (Some(path), false) => UsersFile::load(path)?,
        (None, false) => return Err("--users is required (or --peer)".to_owned()),
    };
    if matches!(options.scenario, Scenario::Chat | Scenario::Votes) {
        return run_messenger(options, users).await;
    }
    let (topics, plans) = plan_clients(&users, options.classes, options.shard);
    if plans.is_empty() {
        return Err("no clients: the users file or this shard has no classes".to_owned());
    }
    let all_classes = options.classes.unwrap_or(usize::MAX).min(users.classes.len());
    options.rate_share = topics.len() as f64 / all_classes.max(1) as f64;
    check_socket_budget(plans.len(), options.http_concurrency)?;
    let api = if options.peer {
        None
    } else {
        Some(Api::new(&options.server, options.bind_ip, options.http_concurrency)?)
    };
    let setup_limit = Duration::from_secs(options.setup_timeout_s);
    let budget = setup_limit + options.scenario_budget() + Duration::from_secs(20);
    let setup_permits = match options.scenario {
        Scenario::Storm => plans.len(),
        _ => options.connect_concurrency.max(1),
    };
    let setup = make_setup(&options, api, &users.school, setup_permits, budget).await?;
    progress(&format!(
        "{:?}: {} clients in {} classes{}",
        options.scenario,
        plans.len(),
        topics.len(),
        if options.peer { " (peer)" } else { "" }
    ));

    let scenario = options.scenario;
    let server_before = sample(options.server_process());
    let gen_before = sample(Some(Process::Myself));
    let fleet = Fleet::spawn(&topics, plans, setup)?;
    let setup_duration = fleet.wait_for_setup(setup_limit).await;
    let prepared = Prepared { options, fleet, setup_duration, server_before, gen_before };
    let driven = async {
        match scenario {
            Scenario::Fanout => fanout::drive(prepared).await,
            Scenario::Idle => idle::drive(prepared).await,
            Scenario::Storm => storm::drive(prepared).await,
            Scenario::Chat | Scenario::Votes => Err("not a hub scenario".to_owned()),
        }
    };
    tokio::time::timeout(budget, driven)
        .await
        .map_err(|_| "the run passed its deadline".to_owned())?
}

async fn make_setup(
    options: &RunOptions,
    api: Option<Api>,
    school: &str,
    setup_permits: usize,
    budget: Duration,
) -> Result<Arc<Setup>, String> {
    let ws_base = ws_base(&options.server);
    let server_addr = wsconn::resolve(&format!("{ws_base}/")).await?;
    Ok(Arc::new(Setup {
        api,
        school: school.to_owned(),
        ws_base,
        server_addr,
        bind_ip: options.bind_ip,
        http_permits: Arc::new(Semaphore::new(options.http_concurrency.max(1))),
        setup_permits: Arc::new(Semaphore::new(setup_permits)),
        fresh_login: options.fresh_login,
        deadline: Instant::now() + budget,
    }))
}

/// `chat` and `votes`: one process, whole classes, schulhof only.
async fn run_messenger(options: RunOptions, users: UsersFile) -> Result<(), String> {
    if options.peer {
        return Err("the messenger scenarios need schulhof (not --peer)".to_owned());
    }
    if options.shard.count != 1 {
        return Err("the messenger scenarios run in one process (no --shard)".to_owned());
    }
    let api = Api::new(&options.server, options.bind_ip, options.http_concurrency)?;
    let budget = options.scenario_budget() + Duration::from_secs(20);
    let permits = options.connect_concurrency.max(1);
    let setup = make_setup(&options, Some(api.clone()), &users.school, permits, budget).await?;
    let driven = async {
        match options.scenario {
            Scenario::Chat => chat::drive(&options, &users, api, setup).await,
            _ => votes::drive(&options, &users, api, setup).await,
        }
    };
    tokio::time::timeout(budget, driven)
        .await
        .map_err(|_| "the run passed its deadline".to_owned())?
}
