//! The thin async driver of one document's room: one task owns the `Room`. Joins and requests
//! from the server come through an unbounded control channel (so the host can check, under its
//! registry lock, that nobody waits before the room unloads); frames and leaves come through a
//! bounded channel from the connections. The task drains what is queued, feeds it to the room and
//! appends all accepted updates in one call to the host *before* any of the resulting frames is
//! handed to a connection. Frames go to each connection's bounded queue with `try_send`: a
//! connection whose queue is full is closed with `SLOW_CONSUMER` (it reconnects and resyncs by
//! state vector) — never skipped silently. The log is compacted into a snapshot now and then,
//! versions are taken after a stretch of editing and at the last leave, and the task ends when
//! the room is empty and the host lets it unload (after that flush).

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use yrs::updates::decoder::Decode;
use yrs::{Doc, Transact, Update};

use crate::restore::{RootType, restore_update};
use crate::room::{Access, ConnId, Frame, Room, RoomError};

/// Close codes of the document socket (y-websocket treats 4400–4499 as final).
pub mod close_code {
    /// The client did not read fast enough; it reconnects and resyncs.
    pub const SLOW_CONSUMER: u16 = 4008;
    /// The frame was not a y-websocket message or its update did not apply.
    pub const BAD_FRAME: u16 = 4400;
    /// The frame or the document is too large.
    pub const TOO_LARGE: u16 = 4413;
    /// The update log failed: nothing more is accepted; clients reconnect.
    pub const STORAGE_FAILED: u16 = 1011;
    /// The document could not be loaded now (nothing was overwritten); clients try again.
    pub const TRY_AGAIN: u16 = 1013;
}

/// How the room persists and when it compacts.
#[derive(Clone, Debug)]
pub struct RoomPolicy {
    pub max_document_bytes: usize,
    /// Compact when this many updates were appended since the last snapshot.
    pub compact_after_updates: usize,
    /// Take an automatic version after this much time with changes.
    pub version_every: Duration,
    /// The most frames and control messages handled in one batch.
    pub batch: usize,
}

impl Default for RoomPolicy {
    fn default() -> Self {
        Self {
            max_document_bytes: 16 << 20,
            compact_after_updates: 500,
            version_every: Duration::from_secs(600),
            batch: 256,
        }
    }
}

/// A stored document as loaded: updates in order (a snapshot first, if any) and the position in
/// the log they reach.
#[derive(Debug, Default)]
pub struct Loaded {
    pub updates: Vec<Vec<u8>>,
    pub seq: i64,
}

/// The log positions given to one appended batch (`first..=last`).
#[derive(Clone, Copy, Debug)]
pub struct Appended {
    pub first: i64,
    pub last: i64,
}

/// What the room task needs from the server: storage and the registry it lives in.
pub trait RoomHost: Send + Sync + 'static {
    /// Who made an update (for attribution).
    type Author: Clone + PartialEq + Send + Sync + 'static;
    fn load(&self) -> impl Future<Output = Result<Loaded, String>> + Send;
    /// Appends updates in order, in one transaction.
    fn append(
        &self,
        batch: Vec<(Option<Self::Author>, Vec<u8>)>,
    ) -> impl Future<Output = Result<Appended, String>> + Send;
    /// Updates after `seq` in the log (written by other nodes).
    fn updates_after(
        &self,
        seq: i64,
    ) -> impl Future<Output = Result<Vec<(i64, Vec<u8>)>, String>> + Send;
    /// Stores `state` as the snapshot covering the log up to `seq` and drops the log before it.
    fn compact(&self, seq: i64, state: Vec<u8>) -> impl Future<Output = Result<(), String>> + Send;
    /// Stores an automatic version.
    fn auto_version(
        &self,
        seq: i64,
        state: Vec<u8>,
    ) -> impl Future<Output = Result<(), String>> + Send;
    /// Tells other nodes that the log grew up to `seq`.
    fn announce(&self, seq: i64);
    /// The room is empty and flushed: may it end? The host removes it from its registry, under
    /// the same lock its joiners use, if `control` is empty.
    fn try_unload(&self, control: &mpsc::UnboundedReceiver<Control<Self::Author>>) -> bool;
}

/// A close the connection's writer performs: code and reason.
pub type CloseRequest = Option<(u16, &'static str)>;

/// The driver's side of one connection.
#[derive(Debug)]
pub struct ConnHandle {
    pub frames: mpsc::Sender<Frame>,
    pub close: watch::Sender<CloseRequest>,
}

/// The whole current state and the log position it covers.
pub type StateReply = oneshot::Sender<Result<(i64, Vec<u8>), String>>;

/// Joins and requests of the server.
#[derive(Debug)]
pub enum Control<A> {
    Join {
        conn: ConnId,
        access: Access,
        author: A,
        handle: ConnHandle,
    },
    /// Read what other nodes appended (up to `upto`, if known: nothing to do if the room has it).
    CatchUp {
        upto: Option<i64>,
    },
    /// Close every connection with this code (deleted, shares changed, shutdown).
    Evict {
        code: u16,
        reason: &'static str,
    },
    /// Close the connections of one author (their access may have changed; they are admitted
    /// again when they reconnect).
    EvictAuthor {
        author: A,
        code: u16,
        reason: &'static str,
    },
    /// The current state (for a named version).
    State {
        reply: StateReply,
    },
    /// Make `roots` look like `old_state` again, as a new change by `author`.
    Restore {
        old_state: Vec<u8>,
        roots: Vec<(String, RootType)>,
        author: A,
        reply: oneshot::Sender<Result<(), String>>,
    },
}

/// What a connection tells the room task.
#[derive(Debug)]
pub enum Command {
    Frame { conn: ConnId, bytes: Vec<u8> },
    Leave { conn: ConnId },
}

struct Driver<H: RoomHost> {
    room: Room,
    host: H,
    policy: RoomPolicy,
    handles: HashMap<ConnId, (H::Author, ConnHandle)>,
    /// Everything up to here is in the room.
    seq: i64,
    /// Own appended positions above `seq` (others' updates in between are not read yet).
    own: BTreeSet<i64>,
    since_snapshot: usize,
    version_at_last_version: u64,
    last_version: Instant,
    broken: bool,
}

mod perform;
use perform::StepOutcome;

/// Builds the document from what was loaded.
fn build(loaded: &Loaded) -> Result<(Doc, usize), String> {
    let doc = Doc::new();
    let mut size = 0;
    {
        let mut txn = doc.transact_mut();
        for bytes in &loaded.updates {
            let update = Update::decode_v1(bytes).map_err(|e| format!("stored update: {e}"))?;
            txn.apply_update(update).map_err(|e| format!("stored update: {e}"))?;
            size += bytes.len();
        }
    }
    Ok((doc, size))
}

/// Runs one document's room: loads it, serves it, and ends after the last connection left and
/// the host let it unload. A failed load closes every joiner with `TRY_AGAIN` and stores nothing.
pub async fn run_room<H: RoomHost>(
    host: H,
    policy: RoomPolicy,
    mut control: mpsc::UnboundedReceiver<Control<H::Author>>,
    mut commands: mpsc::Receiver<Command>,
) {
    let loaded = match host.load().await.and_then(|loaded| Ok((build(&loaded)?, loaded.seq))) {
        Ok(loaded) => loaded,
        Err(_) => {
            perform::refuse_all(&host, &mut control).await;
            return;
        }
    };
    let ((doc, size), seq) = loaded;
    let mut driver = Driver {
        room: Room::new(doc, size, policy.max_document_bytes),
        host,
        policy,
        handles: HashMap::new(),
        seq,
        own: BTreeSet::new(),
        since_snapshot: 0,
        version_at_last_version: 0,
        last_version: Instant::now(),
        broken: false,
    };
    while let StepOutcome::Continue = driver.step(&mut control, &mut commands).await {}
}

impl From<RoomError> for (u16, &'static str) {
    fn from(error: RoomError) -> Self {
        match error {
            RoomError::TooLarge => (close_code::TOO_LARGE, "document too large"),
            _ => (close_code::BAD_FRAME, "bad frame"),
        }
    }
}

/// Applies `old_state` to the room's document as a new change (see `restore`).
fn restore_change(
    room: &Room,
    old_state: &[u8],
    roots: &[(String, RootType)],
) -> Result<Vec<u8>, String> {
    let roots: Vec<(&str, RootType)> = roots.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    restore_update(room.doc(), old_state, &roots).map_err(|e| e.to_string())
}

/// Does this update change anything? (An empty restore is not stored.)
fn is_empty_update(update: &[u8]) -> bool {
    Update::decode_v1(update).map(|u| u.is_empty()).unwrap_or(true)
}
