//! One live document's room as a sans-IO state machine speaking the y-websocket protocol: the
//! driver feeds it joins, frames (one protocol message per WebSocket frame, as the stock client
//! sends and expects) and leaves, and gets back an ordered list of outputs — updates to persist
//! and frames to send. Each broadcast is encoded once and shared. Read-only connections sync and
//! show cursors but their document updates are refused (with an `auth` message saying so). Stale
//! awareness (a clock not newer than the known one, e.g. clients re-broadcasting others' cursors)
//! is dropped before it is applied or sent on; a connection's awareness is removed and announced
//! when it leaves.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

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

/// A frame to send, shared between all its recipients.
pub type Frame = Arc<[u8]>;

/// What the driver must do, in this order: persist before it sends what follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Append this update (v1) to the document's log before sending the frames after it.
    Persist(Vec<u8>),
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
}

fn frame(message: &Message) -> Frame {
    Arc::from(message.encode_v1())
}

impl Room {
    /// A room for a loaded document.
    pub fn new(doc: Doc) -> Self {
        Self { awareness: Awareness::new(doc), connections: HashMap::new() }
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
                let diff = self.awareness.doc().transact().encode_diff_v1(&sv);
                let reply = Message::Sync(SyncMessage::SyncStep2(diff));
                out.push(Output::Send { to: conn, frame: frame(&reply) });
            }
            Message::Sync(SyncMessage::SyncStep2(update) | SyncMessage::Update(update)) => {
                if access == Access::Read {
                    let refusal = Message::Auth(Some(READ_ONLY_REASON.to_owned()));
                    out.push(Output::Send { to: conn, frame: frame(&refusal) });
                    return Ok(());
                }
                self.apply(&update)?;
                out.push(Output::Persist(update.clone()));
                self.broadcast(&Message::Sync(SyncMessage::Update(update)), out);
            }
            Message::Awareness(update) => self.awareness_from(conn, update, out),
            Message::AwarenessQuery => {
                if let Ok(update) = self.awareness.update() {
                    out.push(Output::Send { to: conn, frame: frame(&Message::Awareness(update)) });
                }
            }
            Message::Auth(_) | Message::Custom(_, _) => {}
        }
        Ok(())
    }

    fn apply(&mut self, update: &[u8]) -> Result<(), RoomError> {
        let update = Update::decode_v1(update).map_err(|_| RoomError::BadUpdate)?;
        let mut txn = self.awareness.doc().transact_mut();
        txn.apply_update(update).map_err(|_| RoomError::BadUpdate)
    }

    fn awareness_from(&mut self, conn: ConnId, update: AwarenessUpdate, out: &mut Vec<Output>) {
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
            self.broadcast(&Message::Awareness(update), out);
        }
    }

    /// A connection leaves: its awareness states are removed and announced as `null`.
    pub fn leave(&mut self, conn: ConnId, out: &mut Vec<Output>) {
        let Some(connection) = self.connections.remove(&conn) else { return };
        if connection.clients.is_empty() {
            return;
        }
        for client in &connection.clients {
            self.awareness.remove_state(*client);
        }
        if let Ok(update) = self.awareness.update_with_clients(connection.clients) {
            self.broadcast(&Message::Awareness(update), out);
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
            out.push(Output::Send { to, frame: Arc::clone(&shared) });
        }
    }
}
