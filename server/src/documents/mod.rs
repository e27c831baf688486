//! Live documents on this node: the registry of open document rooms (one `collab` room task per
//! open document), the host that gives a room its storage (`host`), and the `/yjs/<doc>`
//! WebSocket (`socket`). Joins go to a room under the registry lock, and a room leaves the
//! registry under the same lock only when nobody waits to join, so a document is never open
//! twice on one node. With Redis, every append is announced to the other nodes, which read the
//! new updates from the shared log (see ARCHITECTURE.md, "Live documents across nodes").

pub mod host;
pub mod socket;
pub mod writer;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use schulhof_collab::driver::{Command, Control, RoomPolicy, run_room};
use schulhof_collab::restore::RootType;
use schulhof_collab::room::ConnId;
use schulhof_proto::{DocumentId, DocumentKind, SchoolId, UserId};
use tokio::sync::mpsc;

use crate::state::SharedState;
use host::StoreHost;

/// Limits of live documents (documented defaults; tests may change them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocumentLimits {
    /// The largest WebSocket frame accepted.
    pub max_frame_bytes: usize,
    /// The largest a document may grow (estimated from its updates).
    pub max_document_bytes: usize,
    /// Open document connections per user (all tabs and documents).
    pub max_connections_per_user: usize,
    /// Frames queued for one connection before it counts as too slow.
    pub outgoing_queue: usize,
    /// Seconds without any frame from a client (its pongs included) before its connection is
    /// closed with 4008: a client that stopped reading answers no ping, so it is closed and
    /// resyncs when it reads again, instead of piling up in kernel buffers.
    pub idle_timeout_seconds: u64,
    /// Seconds between the server's pings.
    pub ping_seconds: u64,
    /// Updates appended by a room before it compacts the log into a snapshot.
    pub compact_after_updates: usize,
}

impl Default for DocumentLimits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 4 << 20,
            max_document_bytes: 16 << 20,
            max_connections_per_user: 20,
            outgoing_queue: 512,
            idle_timeout_seconds: 15,
            ping_seconds: 5,
            compact_after_updates: 500,
        }
    }
}

/// The root types a document kind's editors use.
pub fn roots_of(kind: DocumentKind) -> Vec<(String, RootType)> {
    match kind {
        DocumentKind::Office => vec![("default".to_owned(), RootType::XmlFragment)],
        DocumentKind::Text => vec![("text".to_owned(), RootType::Text)],
        DocumentKind::Board => vec![("elements".to_owned(), RootType::Map)],
    }
}

struct Slot {
    id: u64,
    school: SchoolId,
    control: mpsc::UnboundedSender<Control<UserId>>,
    commands: mpsc::Sender<Command>,
}

/// The open documents of this node, the document connections per user, and the queue of the
/// group-commit writer.
pub struct LiveDocuments {
    rooms: Mutex<HashMap<DocumentId, Slot>>,
    per_user: Mutex<HashMap<UserId, usize>>,
    next_slot: AtomicU64,
    next_conn: AtomicU64,
    appends: mpsc::Sender<writer::AppendJob>,
    /// Taken by `server::run`, which starts the writer task.
    append_queue: Mutex<Option<mpsc::Receiver<writer::AppendJob>>>,
}

impl Default for LiveDocuments {
    fn default() -> Self {
        let (appends, queue) = mpsc::channel(4096);
        Self {
            rooms: Mutex::default(),
            per_user: Mutex::default(),
            next_slot: AtomicU64::default(),
            next_conn: AtomicU64::default(),
            appends,
            append_queue: Mutex::new(Some(queue)),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl LiveDocuments {
    /// The writer's queue, once (for the task that runs it).
    pub fn take_append_queue(&self) -> Option<mpsc::Receiver<writer::AppendJob>> {
        lock(&self.append_queue).take()
    }

    /// Stores a room's batch through the group-commit writer.
    pub async fn append(
        &self,
        doc: DocumentId,
        batch: Vec<(Option<UserId>, Vec<u8>)>,
    ) -> Result<(i64, i64), String> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = writer::AppendJob { doc, batch, reply };
        self.appends.send(job).await.map_err(|_| "document writer stopped".to_owned())?;
        answer.await.map_err(|_| "document writer stopped".to_owned())?
    }

    pub fn next_conn(&self) -> ConnId {
        ConnId(self.next_conn.fetch_add(1, Ordering::Relaxed))
    }

    /// Hands `request` to the document's room, opening (loading) it if needed; returns the
    /// channel for frames and leaves.
    pub fn send(
        &self,
        state: &SharedState,
        doc: DocumentId,
        school: SchoolId,
        request: Control<UserId>,
    ) -> mpsc::Sender<Command> {
        let mut rooms = lock(&self.rooms);
        let request = match rooms.get(&doc) {
            Some(slot) => match slot.control.send(request) {
                Ok(()) => return slot.commands.clone(),
                Err(mpsc::error::SendError(request)) => request,
            },
            None => request,
        };
        let (control, control_rx) = mpsc::unbounded_channel();
        let (commands, commands_rx) = mpsc::channel(1024);
        let id = self.next_slot.fetch_add(1, Ordering::Relaxed);
        let host = StoreHost::new(state.clone(), doc, id);
        let limits = state.config.documents;
        let policy = RoomPolicy {
            max_document_bytes: limits.max_document_bytes,
            compact_after_updates: limits.compact_after_updates.max(1),
            ..RoomPolicy::default()
        };
        tokio::spawn(run_room(host, policy, control_rx, commands_rx));
        // The receiver lives in the task just spawned, so this cannot fail.
        let _ = control.send(request);
        rooms.insert(doc, Slot { id, school, control, commands: commands.clone() });
        commands
    }

    /// Lets the room `slot` of `doc` end if nobody waits in its control queue.
    pub fn try_unload(
        &self,
        doc: DocumentId,
        slot: u64,
        control: &mpsc::UnboundedReceiver<Control<UserId>>,
    ) -> bool {
        let mut rooms = lock(&self.rooms);
        if !control.is_empty() {
            return false;
        }
        if rooms.get(&doc).is_some_and(|s| s.id == slot) {
            rooms.remove(&doc);
        }
        true
    }

    /// Sends a request to the document's room if it is open here.
    pub fn notify(&self, doc: DocumentId, request: Control<UserId>) {
        if let Some(slot) = lock(&self.rooms).get(&doc) {
            let _ = slot.control.send(request);
        }
    }

    /// Sends a request to every open room.
    pub fn notify_all(&self, request: impl Fn() -> Control<UserId>) {
        for slot in lock(&self.rooms).values() {
            let _ = slot.control.send(request());
        }
    }

    /// Sends a request to every open room of one school.
    pub fn notify_school(&self, school: SchoolId, request: impl Fn() -> Control<UserId>) {
        for slot in lock(&self.rooms).values().filter(|slot| slot.school == school) {
            let _ = slot.control.send(request());
        }
    }

    pub fn open_count(&self) -> usize {
        lock(&self.rooms).len()
    }

    /// Counts a user's new connection; `false` if the user is at the limit.
    pub fn connect_user(&self, user: UserId, max: usize) -> bool {
        let mut per_user = lock(&self.per_user);
        let count = per_user.entry(user).or_insert(0);
        if *count >= max {
            return false;
        }
        *count += 1;
        true
    }

    pub fn disconnect_user(&self, user: UserId) {
        let mut per_user = lock(&self.per_user);
        if let Some(count) = per_user.get_mut(&user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                per_user.remove(&user);
            }
        }
    }
}

/// With Redis: asks every open room now and then to read what other nodes appended (the
/// announcements are at-most-once; this bounds how long a lost one delays convergence).
pub async fn run_catch_up(state: SharedState) {
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        state.documents.notify_all(|| Control::CatchUp { upto: None });
    }
}

/// Why open connections of a document are closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvictReason {
    /// Moved to the trash: clients see 4404 and stop.
    Deleted,
    /// Shares changed: clients reconnect and are admitted again (or refused).
    AccessChanged,
}

impl EvictReason {
    fn close(self) -> (u16, &'static str) {
        match self {
            EvictReason::Deleted => (socket::refusal::NOT_FOUND, "document deleted"),
            EvictReason::AccessChanged => {
                (schulhof_collab::driver::close_code::TRY_AGAIN, "access changed")
            }
        }
    }
}

/// Closes the document's connections on this node and, with Redis, on every node.
pub async fn evict(state: &SharedState, doc: DocumentId, reason: EvictReason) {
    evict_local(state, doc, reason);
    if let Some(cluster) = &state.cluster {
        let event = crate::hub::cluster::ClusterEvent::DocumentEvicted { document: doc, reason };
        if let Err(error) = cluster.publish(&event).await {
            tracing::warn!(%error, "document eviction not announced");
        }
    }
}

pub fn evict_local(state: &SharedState, doc: DocumentId, reason: EvictReason) {
    let (code, reason) = reason.close();
    state.documents.notify(doc, Control::Evict { code, reason });
}
