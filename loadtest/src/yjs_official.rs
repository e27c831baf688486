//! The official clients of a run (`peers/yjs/official.mjs`, Node): two stock `y-websocket` (or
//! `@hocuspocus/provider`) clients editing the first document alongside the light clients. At the
//! end they report state vector and text digest, which must equal the light clients' — the check
//! that the server and the light client speak the protocol the way the official library does.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, Command};

use crate::yjs_targets::{OfficialSeat, Target};

#[derive(Clone, Debug, Deserialize)]
pub struct OfficialClient {
    pub synced: bool,
    pub state_vector: BTreeMap<String, u32>,
    pub text_len: usize,
    pub text_hash: u32,
}

#[derive(Deserialize)]
struct Report {
    clients: Vec<OfficialClient>,
}

pub struct Official {
    child: Child,
}

impl Official {
    /// Starts `count` official clients on the seat's document (they inherit the generator's core).
    pub fn start(
        script: &Path,
        target: Target,
        seat: &OfficialSeat,
        count: usize,
    ) -> Result<Official, String> {
        let dialect = if target == Target::Hocuspocus { "hocuspocus" } else { "plain" };
        let child = Command::new("node")
            .arg(script)
            .args([dialect, &seat.base, &seat.room, &seat.token, &count.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| format!("starting node {}: {error}", script.display()))?;
        Ok(Official { child })
    }

    /// Tells the clients to stop editing and reads their final state (bounded: 40 s).
    pub async fn finish(mut self) -> Result<Vec<OfficialClient>, String> {
        let mut stdin = self.child.stdin.take().ok_or("official clients: no stdin")?;
        stdin.write_all(b"stop\n").await.map_err(|error| error.to_string())?;
        stdin.flush().await.map_err(|error| error.to_string())?;
        let stdout = self.child.stdout.take().ok_or("official clients: no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(40), lines.next_line())
            .await
            .map_err(|_| "official clients did not report within 40 s".to_owned())?
            .map_err(|error| error.to_string())?
            .ok_or("official clients ended without a report")?;
        let report: Report = serde_json::from_str(&line).map_err(|error| error.to_string())?;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
        Ok(report.clients)
    }
}
