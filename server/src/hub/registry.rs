//! `Hub`: the core plus every connection's bounded outgoing queue, behind one mutex that is never
//! held across `.await`. All frames reach sockets through `dispatch`, which enforces the
//! slow-consumer rule: a connection whose queue is full is closed with 4408 (and resumes), never
//! skipped silently.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::ws::{Message, Utf8Bytes};
use schulhof_proto::hub::{Topic, close_code};
use schulhof_proto::{SchoolId, SessionId, UserId};
use tokio::sync::{mpsc, watch};

use super::core::{ConnId, ConnectRefused, HubCore, HubFrame, HubLimits, Output};

/// A frame as it waits in a connection's queue: shared bytes, cloned per subscriber without
/// copying.
#[derive(Clone, Debug, PartialEq)]
pub enum WsFrame {
    Text(Utf8Bytes),
    Binary(Bytes),
}

impl From<String> for WsFrame {
    fn from(text: String) -> Self {
        WsFrame::Text(Utf8Bytes::from(text))
    }
}

impl HubFrame for WsFrame {
    fn binary(bytes: Vec<u8>) -> Self {
        WsFrame::Binary(Bytes::from(bytes))
    }
}

impl From<WsFrame> for Message {
    fn from(frame: WsFrame) -> Self {
        match frame {
            WsFrame::Text(text) => Message::Text(text),
            WsFrame::Binary(bytes) => Message::Binary(bytes),
        }
    }
}

/// (Cluster mode) a presence change of this node, to announce through Redis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresenceChange {
    pub topic: Topic,
    pub user: UserId,
    pub joined: bool,
}

/// A close the driver should perform: code and reason.
pub type CloseRequest = Option<(u16, &'static str)>;

/// The driver's side of a connection: its outgoing queue and its close signal.
#[derive(Debug)]
pub struct ConnHandle {
    pub school: SchoolId,
    pub queue: mpsc::Sender<WsFrame>,
    pub close: watch::Sender<CloseRequest>,
}

struct Inner {
    core: HubCore<WsFrame>,
    handles: HashMap<ConnId, ConnHandle>,
    presence_changes: Option<mpsc::UnboundedSender<PresenceChange>>,
}

/// The hub of one server process.
pub struct Hub {
    inner: Mutex<Inner>,
    next_conn: AtomicU64,
}

impl Hub {
    /// The hub of a single node.
    pub fn new(limits: HubLimits) -> Self {
        Self::with_core(HubCore::new(limits), None)
    }

    /// The hub of one node of a cluster, and the presence changes it will announce.
    pub fn clustered(limits: HubLimits) -> (Self, mpsc::UnboundedReceiver<PresenceChange>) {
        let (changes, receiver) = mpsc::unbounded_channel();
        (Self::with_core(HubCore::clustered(limits), Some(changes)), receiver)
    }

    fn with_core(
        core: HubCore<WsFrame>,
        presence_changes: Option<mpsc::UnboundedSender<PresenceChange>>,
    ) -> Self {
        Self {
            inner: Mutex::new(Inner { core, handles: HashMap::new(), presence_changes }),
            next_conn: AtomicU64::new(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Admits a connection; the handle receives its frames.
    pub fn connect(
        &self,
        user: UserId,
        session: SessionId,
        handle: ConnHandle,
        now_ms: i64,
    ) -> Result<ConnId, ConnectRefused> {
        let conn = ConnId(self.next_conn.fetch_add(1, Ordering::Relaxed));
        let mut inner = self.lock();
        inner.core.connect(conn, user, session, now_ms)?;
        inner.handles.insert(conn, handle);
        Ok(conn)
    }

    /// Runs `step` on the core and delivers what it produced.
    pub fn apply(
        &self,
        now_ms: i64,
        step: impl FnOnce(&mut HubCore<WsFrame>, &mut Vec<Output<WsFrame>>),
    ) {
        let mut inner = self.lock();
        let mut out = Vec::new();
        step(&mut inner.core, &mut out);
        dispatch(&mut inner, out, now_ms);
    }

    /// Checks a publish (subscribed, rate) without delivering it (cluster mode).
    pub fn accept_publish(
        &self,
        conn: ConnId,
        request: u64,
        topic: &Topic,
        now_ms: i64,
    ) -> Option<UserId> {
        let mut inner = self.lock();
        let mut out = Vec::new();
        let from = inner.core.accept_publish(conn, request, topic, now_ms, &mut out);
        dispatch(&mut inner, out, now_ms);
        from
    }

    /// (Cluster mode) seeds a topic's sequence number and presence before the first local
    /// subscription.
    pub fn seed_topic(&self, topic: &Topic, seq: u64, online: Vec<UserId>, now_ms: i64) {
        self.lock().core.seed_topic(topic, seq, online, now_ms);
    }

    /// (Cluster mode) the presence entries this node holds.
    pub fn local_presence(&self) -> Vec<(Topic, UserId)> {
        self.lock().core.local_presence()
    }

    /// Sends one frame to one connection (answers like `pong`).
    pub fn send_to(&self, conn: ConnId, frame: WsFrame, now_ms: i64) {
        let mut inner = self.lock();
        dispatch(&mut inner, vec![Output::Send { conn, frame }], now_ms);
    }

    /// Closes one connection with a code (the driver sends the close frame).
    pub fn close(&self, conn: ConnId, code: u16, reason: &'static str, now_ms: i64) {
        let mut inner = self.lock();
        dispatch(&mut inner, vec![Output::Close { conn, code, reason }], now_ms);
    }

    /// The connection ended on its own (client closed, network lost).
    pub fn disconnect(&self, conn: ConnId, now_ms: i64) {
        let mut inner = self.lock();
        inner.handles.remove(&conn);
        let mut out = Vec::new();
        inner.core.disconnect(conn, now_ms, &mut out);
        dispatch(&mut inner, out, now_ms);
    }

    /// Closes every connection of a session.
    pub fn close_session(&self, session: SessionId, code: u16, reason: &'static str, now_ms: i64) {
        self.apply(now_ms, |core, out| core.close_session(session, code, reason, out));
    }

    /// Ends `user`'s subscriptions to `topic`.
    pub fn kick(&self, user: UserId, topic: &Topic, reason: &str, now_ms: i64) {
        self.apply(now_ms, |core, out| core.kick(user, topic, reason, now_ms, out));
    }

    /// A user's connections with session and topics.
    pub fn connections_of(&self, user: UserId) -> Vec<(ConnId, SessionId, Vec<Topic>)> {
        self.lock().core.connections_of(user)
    }

    /// Users with an open connection to a school.
    pub fn users_of_school(&self, school: SchoolId) -> Vec<UserId> {
        let inner = self.lock();
        let mut users: Vec<UserId> = inner
            .handles
            .iter()
            .filter(|(_, handle)| handle.school == school)
            .filter_map(|(conn, _)| inner.core.user_of(*conn))
            .collect();
        users.sort();
        users.dedup();
        users
    }

    /// Every user with an open connection.
    pub fn connected_users(&self) -> Vec<UserId> {
        let inner = self.lock();
        let mut users: Vec<UserId> =
            inner.handles.keys().filter_map(|c| inner.core.user_of(*c)).collect();
        users.sort();
        users.dedup();
        users
    }

    /// Forgets the history of idle topics.
    pub fn sweep(&self, now_ms: i64) -> usize {
        self.lock().core.sweep(now_ms)
    }

    /// Closes every connection (server shutdown): clients reconnect elsewhere or later.
    pub fn close_all(&self, now_ms: i64) {
        let mut inner = self.lock();
        let out = inner
            .handles
            .keys()
            .map(|conn| Output::Close {
                conn: *conn,
                code: close_code::GOING_AWAY,
                reason: "server shutting down",
            })
            .collect();
        dispatch(&mut inner, out, now_ms);
    }
}

/// Hands frames to queues and closes to drivers. A full queue closes its connection (4408); the
/// core forgets closed connections at once, which may produce presence frames for others.
fn dispatch(inner: &mut Inner, mut out: Vec<Output<WsFrame>>, now_ms: i64) {
    while !out.is_empty() {
        let mut closing: Vec<(ConnId, u16, &'static str)> = Vec::new();
        for output in out.drain(..) {
            match output {
                Output::Send { conn, frame } => {
                    let Some(handle) = inner.handles.get(&conn) else {
                        continue;
                    };
                    match handle.queue.try_send(frame) {
                        Ok(()) => {}
                        Err(mpsc::error::TrySendError::Full(_)) => {
                            closing.push((
                                conn,
                                close_code::SLOW_CONSUMER,
                                "too slow, please resume",
                            ));
                        }
                        Err(mpsc::error::TrySendError::Closed(_)) => {
                            closing.push((conn, close_code::GOING_AWAY, "connection gone"));
                        }
                    }
                }
                Output::Close { conn, code, reason } => closing.push((conn, code, reason)),
                Output::PresenceChanged { topic, user, joined } => {
                    if let Some(changes) = &inner.presence_changes {
                        let _ = changes.send(PresenceChange { topic, user, joined });
                    }
                }
            }
        }
        for (conn, code, reason) in closing {
            if let Some(handle) = inner.handles.remove(&conn) {
                let _ = handle.close.send(Some((code, reason)));
                inner.core.disconnect(conn, now_ms, &mut out);
            }
        }
    }
}
