//! One live document's room as a sans-IO state machine speaking the y-websocket protocol: the
//! driver feeds it joins, frames (one protocol message per WebSocket frame, as the stock client
//! sends and expects) and leaves, and gets back an ordered list of outputs — updates to persist
//! and frames to send. Each broadcast is encoded once and shared. Read-only connections sync and
//! show cursors but their document updates are refused (with an `auth` message saying so). Stale
//! awareness (a clock not newer than the known one, e.g. clients re-broadcasting others' cursors)
//! is dropped before it is applied or sent on; a connection's awareness is removed and announced
//! when it leaves. Awareness is coalesced: fresh states collect in the room and go out as one
//! message per `flush_awareness` (the driver flushes once per batch of frames, so a busy room sends
//! fewer, larger awareness frames). A join storm is served from one cached encoding of the full
//! state per document version. The document size is estimated from what was applied, and an
//! update that would pass the limit is refused.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;
use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};
use yrs::sync::{Awareness, Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{ClientID, Doc, ReadTxn, StateVector, Transact, Update};

/// A connection to the room, numbered by the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// What a connection may do with the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// A frame to send, shared between all its recipients (cloning it does not copy).
pub type Frame = Bytes;

/// What the driver must do, in this order: persist before it sends what follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Append this update (v1) to the document's log before sending the frames after it; `from`
    /// is the connection that sent it (`None`: the server itself, e.g. a restore).
    Persist {
        from: Option<ConnId>,
        update: Vec<u8>,
    },
    Send {
        to: ConnId,
        frame: Frame,
    },
}

/// Why a frame was refused; the driver closes the connection with a code.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RoomError {
    #[error("unknown connection")]
    UnknownConnection,
    #[error("the frame is not a y-websocket message")]
    Malformed,
    #[error("the update cannot be applied")]
    BadUpdate,
    #[error("the document would exceed its size limit")]
    TooLarge,
}

/// The reason sent to read-only connections whose update was refused.
pub const READ_ONLY_REASON: &str = "read-only: updates are not accepted";

struct Connection {
    access: Access,
    /// Awareness client IDs this connection announced (removed when it leaves).
    clients: HashSet<ClientID>,
}

/// One document and the connections editing or watching it.
pub struct Room {
    awareness: Awareness,
    connections: HashMap<ConnId, Connection>,
    /// Fresh awareness entries not yet sent (coalesced until `flush_awareness`).
    pending_awareness: HashMap<ClientID, AwarenessUpdateEntry>,
    /// Counts applied updates: the document's version in memory.
    version: u64,
    /// The SyncStep2 frame with the whole document, for this `version`.
    full_state: Option<(u64, Frame)>,
    /// Estimated encoded size of the document (what was loaded plus every update since).
    size: usize,
    max_size: usize,
}

fn frame(message: &Message) -> Frame {
    Bytes::from(message.encode_v1())
}

impl Room {
    /// A room for a loaded document of about `size` bytes, refusing to grow past `max_size`.
    pub fn new(doc: Doc, size: usize, max_size: usize) -> Self {
        Self {
            awareness: Awareness::new(doc),
            connections: HashMap::new(),
            pending_awareness: HashMap::new(),
            version: 0,
            full_state: None,
            size,
            max_size,
        }
    }

    /// How many updates were applied since the room opened.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The estimated size of the document in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    pub fn doc(&self) -> &Doc {
        self.awareness.doc()
    }

    pub fn is_empty(&self) -> bool {
        self.connections.is_empty()
    }

    pub fn connection_count(&self) -> usize {
        self.connections.len()
    }

    /// A connection joins: it gets the server's SyncStep1 and the current awareness.
    pub fn join(&mut self, conn: ConnId, access: Access, out: &mut Vec<Output>) {
        self.connections.insert(conn, Connection { access, clients: HashSet::new() });
        let sv = self.awareness.doc().transact().state_vector();
        out.push(Output::Send {
            to: conn,
            frame: frame(&Message::Sync(SyncMessage::SyncStep1(sv))),
        });
        if let Ok(update) = self.awareness.update()
            && !update.clients.is_empty()
        {
            out.push(Output::Send { to: conn, frame: frame(&Message::Awareness(update)) });
        }
    }

    /// One frame from a connection.
    pub fn receive(
        &mut self,
        conn: ConnId,
        bytes: &[u8],
        out: &mut Vec<Output>,
    ) -> Result<(), RoomError> {
        let access = self.connections.get(&conn).ok_or(RoomError::UnknownConnection)?.access;
        let message = Message::decode_v1(bytes).map_err(|_| RoomError::Malformed)?;
        match message {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let reply = self.sync_step2(&sv);
                out.push(Output::Send { to: conn, frame: reply });
            }
            Message::Sync(SyncMessage::SyncStep2(update) | SyncMessage::Update(update)) => {
                if access == Access::Read {
                    if !self.adds_content(&update)? {
                        return Ok(()); // a read-only client's handshake reply with nothing new
                    }
                    let refusal = Message::Auth(Some(READ_ONLY_REASON.to_owned()));
                    out.push(Output::Send { to: conn, frame: frame(&refusal) });
                    return Ok(());
                }
                if self.size.saturating_add(update.len()) > self.max_size {
                    return Err(RoomError::TooLarge);
                }
                if self.apply(&update)? {
                    out.push(Output::Persist { from: Some(conn), update: update.clone() });
                    self.broadcast(&Message::Sync(SyncMessage::Update(update)), out);
                }
            }
            Message::Awareness(update) => self.awareness_from(conn, update),
            Message::AwarenessQuery => {
                if let Ok(update) = self.awareness.update() {
                    out.push(Output::Send { to: conn, frame: frame(&Message::Awareness(update)) });
                }
            }
            Message::Auth(_) | Message::Custom(_, _) => {}
        }
        Ok(())
    }

    /// The SyncStep2 answering a state vector; the answer to an empty one (a new client) is
    /// encoded once per version and shared.
    fn sync_step2(&mut self, sv: &StateVector) -> Frame {
        if sv.is_empty() {
            if let Some((version, cached)) = &self.full_state
                && *version == self.version
            {
                return cached.clone();
            }
            let full = frame(&Message::Sync(SyncMessage::SyncStep2(self.encode_state())));
            self.full_state = Some((self.version, full.clone()));
            return full;
        }
        let diff = self.awareness.doc().transact().encode_diff_v1(sv);
        frame(&Message::Sync(SyncMessage::SyncStep2(diff)))
    }

    /// Does this update carry blocks the document lacks? (Delete sets are not compared: a stock
    /// client's handshake reply always repeats the whole delete set.)
    fn adds_content(&self, update: &[u8]) -> Result<bool, RoomError> {
        let update = Update::decode_v1(update).map_err(|_| RoomError::BadUpdate)?;
        let known = self.awareness.doc().transact().state_vector();
        // `state_vector` counts only blocks contiguous from clock 0; an incremental update shows
        // itself by its lowest clocks instead.
        let beyond = update.state_vector().iter().any(|(client, clock)| *clock > known.get(client));
        let fresh =
            update.state_vector_lower().iter().any(|(client, clock)| *clock >= known.get(client));
        Ok(beyond || fresh)
    }

    /// Applies an update; `false` if it changed nothing (e.g. a client's handshake reply that
    /// holds only what the server has): such an update is neither stored nor sent on.
    fn apply(&mut self, update: &[u8]) -> Result<bool, RoomError> {
        let decoded = Update::decode_v1(update).map_err(|_| RoomError::BadUpdate)?;
        let mut txn = self.awareness.doc().transact_mut();
        txn.apply_update(decoded).map_err(|_| RoomError::BadUpdate)?;
        let changed = !txn.insert_set().is_empty()
            || !txn.delete_set().is_empty()
            || txn.store().pending_update().is_some()
            || txn.store().pending_ds().is_some();
        drop(txn);
        if changed {
            self.version += 1;
            self.size = self.size.saturating_add(update.len());
        }
        Ok(changed)
    }

    /// An update that is already stored (by another node, or made by the server): applied and
    /// sent to every connection, not persisted again.
    pub fn apply_stored(
        &mut self,
        update: Vec<u8>,
        out: &mut Vec<Output>,
    ) -> Result<(), RoomError> {
        self.apply(&update)?;
        self.broadcast(&Message::Sync(SyncMessage::Update(update)), out);
        Ok(())
    }

    /// A change made by the server (e.g. restoring a version): persisted, then sent to everyone.
    pub fn apply_local(&mut self, update: Vec<u8>, out: &mut Vec<Output>) -> Result<(), RoomError> {
        // The restore already changed the document; this stores and sends that change.
        self.apply(&update)?;
        self.version += 1;
        out.push(Output::Persist { from: None, update: update.clone() });
        self.broadcast(&Message::Sync(SyncMessage::Update(update)), out);
        Ok(())
    }

    fn awareness_from(&mut self, conn: ConnId, update: AwarenessUpdate) {
        let fresh: HashMap<ClientID, AwarenessUpdateEntry> = update
            .clients
            .into_iter()
            .filter(|(client, entry)| {
                self.awareness.meta(*client).is_none_or(|(clock, _)| entry.clock > clock)
            })
            .collect();
        if fresh.is_empty() {
            return;
        }
        if let Some(connection) = self.connections.get_mut(&conn) {
            connection.clients.extend(fresh.keys().copied());
        }
        let update = AwarenessUpdate { clients: fresh };
        if self.awareness.apply_update(update.clone()).is_ok() {
            self.pending_awareness.extend(update.clients);
        }
    }

    /// Sends the awareness collected since the last flush as one message to everyone.
    pub fn flush_awareness(&mut self, out: &mut Vec<Output>) {
        if self.pending_awareness.is_empty() {
            return;
        }
        let clients = std::mem::take(&mut self.pending_awareness);
        self.broadcast(&Message::Awareness(AwarenessUpdate { clients }), out);
    }

    /// A connection leaves: its awareness states are removed and announced as `null` with the
    /// *same* clock (with the next flush), as the reference server does: Yjs accepts a `null`
    /// at an equal clock, and a client that reconnects with its next clock is seen at once.
    pub fn leave(&mut self, conn: ConnId) {
        let Some(connection) = self.connections.remove(&conn) else { return };
        let removals: HashMap<ClientID, AwarenessUpdateEntry> = connection
            .clients
            .into_iter()
            .filter_map(|client| {
                let (clock, _) = self.awareness.meta(client)?;
                Some((client, AwarenessUpdateEntry { clock, json: Arc::from("null") }))
            })
            .collect();
        if removals.is_empty() {
            return;
        }
        let update = AwarenessUpdate { clients: removals };
        if self.awareness.apply_update(update.clone()).is_ok() {
            self.pending_awareness.extend(update.clients);
        }
    }

    /// The whole document as one update (v1), e.g. for a snapshot.
    pub fn encode_state(&self) -> Vec<u8> {
        self.awareness.doc().transact().encode_diff_v1(&StateVector::default())
    }

    fn broadcast(&self, message: &Message, out: &mut Vec<Output>) {
        let shared = frame(message);
        let mut recipients: Vec<ConnId> = self.connections.keys().copied().collect();
        recipients.sort_unstable();
        for to in recipients {
            out.push(Output::Send { to, frame: shared.clone() });
        }
    }
}
