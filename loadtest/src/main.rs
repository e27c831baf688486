//! `schulhof-loadtest`: `populate` a seeded school through the HTTP API, then `run` a hub scenario
//! (fanout, idle, storm) against schulhof or the peer relay, or a messenger scenario (chat, votes)
//! against schulhof, or a Yjs scenario (`yjs`) against schulhof, Hocuspocus or
//! `@y/websocket-server`, or the video SFU ramp (`video`) against schulhof or Janus, and the UDP
//! send floor (`udp-floor`). Results are JSON lines on stdout;
//! progress goes to stderr. See `loadtest/README.md`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use schulhof_loadtest::populate::{PopulateOptions, populate};
use schulhof_loadtest::run::{RunOptions, Scenario, VoteVia, run};
use schulhof_loadtest::shard::Shard;
use schulhof_loadtest::video::{VideoOptions, run_video};
use schulhof_loadtest::video_floor::{FloorOptions, run_floor};
use schulhof_loadtest::yjs_bench::{YjsOptions, run_yjs};

#[derive(Parser)]
#[command(name = "schulhof-loadtest", about = "Load generator and hub benchmarks for schulhof")]
struct Cli {
    /// Runtime worker threads; 1 (default) runs everything on one thread (pin it with taskset).
    #[arg(long, default_value_t = 1, global = true)]
    threads: usize,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a seeded school population (import, teachers, consents, messenger and polls,
    /// passwords).
    Populate {
        #[arg(long)]
        server: String,
        #[arg(long, default_value = "admin")]
        admin_login: String,
        #[arg(long)]
        admin_password: String,
        /// The school's slug.
        #[arg(long)]
        school: String,
        #[arg(long, default_value_t = 10)]
        classes: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value = "users.json")]
        out: PathBuf,
        /// Accounts logged in at once (each login and password change is a password hash).
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long)]
        bind_ip: Option<IpAddr>,
    },
    /// Run a hub scenario and print one JSON line per result.
    Run {
        #[arg(long)]
        server: String,
        /// The file `populate` wrote (not needed with --peer).
        #[arg(long)]
        users: Option<PathBuf>,
        #[arg(long, value_enum)]
        scenario: Scenario,
        /// Use the first K classes (default: all; with --peer: 10).
        #[arg(long)]
        classes: Option<usize>,
        /// Publishes per second over all shards (fanout; each shard takes its classes' part);
        /// several, comma-separated, run as steps.
        #[arg(long, value_delimiter = ',', default_value = "100")]
        rate: Vec<f64>,
        /// Seconds per fanout step, or how long `idle` holds.
        #[arg(long, default_value_t = 10.0)]
        duration_s: f64,
        /// Source address of every socket (e.g. 127.0.0.2 for a second generator process).
        #[arg(long)]
        bind_ip: Option<IpAddr>,
        /// This process's slice of the classes: I/N.
        #[arg(long, default_value = "0/1", value_parser = Shard::parse)]
        shard: Shard,
        /// The server's PID, to report its CPU time and RSS from /proc.
        #[arg(long)]
        server_pid: Option<u32>,
        /// Talk to the peer relay: no login, no ticket, fake classes.
        #[arg(long)]
        peer: bool,
        /// Name of the target in the results (default: schulhof or peer).
        #[arg(long, default_value = "")]
        label: String,
        /// Log every client in instead of resuming the saved sessions.
        #[arg(long)]
        fresh_login: bool,
        /// Clients setting up at once (fanout, idle; storm: all).
        #[arg(long, default_value_t = 64)]
        connect_concurrency: usize,
        /// Concurrent HTTP requests (and so HTTP sockets).
        #[arg(long, default_value_t = 64)]
        http_concurrency: usize,
        #[arg(long, default_value_t = 120)]
        setup_timeout_s: u64,
        #[arg(long, default_value_t = 10)]
        drain_timeout_s: u64,
        /// Seconds of unreported publishing at the first rate before the steps (fanout), or of
        /// unreported chatting before the first step (chat).
        #[arg(long, default_value_t = 0.0)]
        warmup_s: f64,
        /// chat: class counts to step through, e.g. 2,4,8,16 (default: --classes).
        #[arg(long, value_delimiter = ',')]
        class_steps: Vec<usize>,
        /// chat: stop stepping once a step's p99 exceeds this many milliseconds.
        #[arg(long, default_value_t = 50.0)]
        p99_limit_ms: f64,
        /// votes: every pupil votes once, spread evenly over this many seconds.
        #[arg(long, default_value_t = 10.0)]
        vote_window_s: f64,
        /// votes: over the pupils' hub connections or over HTTP.
        #[arg(long, value_enum, default_value = "hub")]
        vote_via: VoteVia,
        /// votes: pupils per class with a hub connection (default: all); the rest vote over HTTP.
        #[arg(long)]
        hub_pupils: Option<usize>,
    },
    /// Run a Yjs scenario (ramp, idle, join, pause) against schulhof or a Yjs peer.
    Yjs(YjsOptions),
    /// Run the video SFU ramp (simulated classes) against schulhof, Janus or direct.
    Video(VideoOptions),
    /// Measure the UDP send floor (sendmmsg) of this box.
    UdpFloor(FloorOptions),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = if cli.threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(cli.threads).enable_all().build()
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Populate {
                server,
                admin_login,
                admin_password,
                school,
                classes,
                seed,
                out,
                concurrency,
                bind_ip,
            } => {
                let options = PopulateOptions {
                    server,
                    admin_login,
                    admin_password,
                    school,
                    classes,
                    seed,
                    out,
                    concurrency,
                    bind_ip,
                };
                populate(options).await
            }
            Command::Run {
                server,
                users,
                scenario,
                classes,
                rate,
                duration_s,
                bind_ip,
                shard,
                server_pid,
                peer,
                label,
                fresh_login,
                connect_concurrency,
                http_concurrency,
                setup_timeout_s,
                drain_timeout_s,
                warmup_s,
                class_steps,
                p99_limit_ms,
                vote_window_s,
                vote_via,
                hub_pupils,
            } => {
                let options = RunOptions {
                    server,
                    users,
                    scenario,
                    classes,
                    rates: rate,
                    duration_s,
                    bind_ip,
                    shard,
                    server_pid,
                    peer,
                    label,
                    fresh_login,
                    connect_concurrency,
                    http_concurrency,
                    setup_timeout_s,
                    drain_timeout_s,
                    warmup_s,
                    rate_share: 1.0,
                    class_steps,
                    p99_limit_ms,
                    vote_window_s,
                    vote_via,
                    hub_pupils,
                };
                run(options).await
            }
            Command::Yjs(options) => run_yjs(options).await,
            Command::Video(options) => run_video(options).await,
            Command::UdpFloor(options) => run_floor(&options),
        }
    });
    // Client tasks still waiting on the network are dropped with the runtime.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
