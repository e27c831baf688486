//! A second schulhof node as a real operating-system process (the `schulhof` binary), sharing the
//! test server's database and Redis: for cluster tests, including a crash (`kill -9`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use schulhof_server::config::{Config, DatabaseConfig};
use tokio::process::{Child, Command};

/// A running node process.
pub struct NodeProcess {
    pub base: String,
    child: Child,
}

/// The `schulhof` binary next to the test binary (built by `cargo build --workspace`).
fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("target directory");
    let binary = dir.join("schulhof");
    assert!(
        binary.exists(),
        "{} missing: run `cargo build --workspace` first (./test.sh does)",
        binary.display()
    );
    binary
}

impl NodeProcess {
    /// Starts `schulhof serve` with the same database, Redis and key prefix as `config`.
    pub async fn start(config: &Config) -> Self {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let mut command = Command::new(binary());
        command
            .arg("serve")
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(&config.data_dir)
            .args(["--redis-prefix", &config.redis_prefix])
            .args(["--presence-ttl-seconds", &config.presence_ttl_seconds.to_string()])
            .args(["--log-level", "error"])
            .env_remove("DATABASE_URL")
            .env_remove("SCHULHOF_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true);
        if let Some(redis) = &config.redis_url {
            command.args(["--redis-url", redis]);
        }
        if let DatabaseConfig::Postgres { url } = &config.database {
            command.args(["--database-url", url]);
        }
        let child = command.spawn().expect("start schulhof node");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if client
                .get(format!("{base}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Self { base, child };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("node at {base} did not become ready");
    }

    /// Kills the process without any chance to clean up (a crash).
    pub async fn crash(mut self) {
        self.child.kill().await.expect("kill node");
    }
}
