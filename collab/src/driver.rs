//! The thin async driver of one document's room: one task owns the `Room` and is fed commands
//! (join, frame, leave) through a channel. It appends every accepted update to the document's log
//! *before* it hands the broadcast to any connection, and delivers frames to each connection's
//! bounded queue with `try_send`: a connection whose queue is full is closed with
//! `SLOW_CONSUMER` (it reconnects and resyncs by state vector) — never skipped silently. The task
//! ends when the last connection has left, after its last append (the document unloads).

use std::collections::HashMap;
use std::future::Future;

use tokio::sync::{mpsc, watch};
use yrs::Doc;

use crate::room::{Access, ConnId, Frame, Output, Room, RoomError};

/// Close codes of the document socket (y-websocket treats 4400–4499 as final).
pub mod close_code {
    /// The client did not read fast enough; it reconnects and resyncs.
    pub const SLOW_CONSUMER: u16 = 4008;
    /// The frame was not a y-websocket message or its update did not apply.
    pub const BAD_FRAME: u16 = 4400;
    /// The update log failed: nothing more is accepted; clients reconnect.
    pub const STORAGE_FAILED: u16 = 1011;
}

/// Where accepted updates are appended (the server implements it on its database).
pub trait UpdateLog: Send + Sync + 'static {
    fn append(&self, update: Vec<u8>) -> impl Future<Output = Result<(), String>> + Send;
}

/// A close the connection's writer performs: code and reason.
pub type CloseRequest = Option<(u16, &'static str)>;

/// The driver's side of one connection.
#[derive(Debug)]
pub struct ConnHandle {
    pub frames: mpsc::Sender<Frame>,
    pub close: watch::Sender<CloseRequest>,
}

/// What the socket side tells the room task.
#[derive(Debug)]
pub enum Command {
    Join { conn: ConnId, access: Access, handle: ConnHandle },
    Frame { conn: ConnId, bytes: Vec<u8> },
    Leave { conn: ConnId },
}

struct Driver<L> {
    room: Room,
    log: L,
    handles: HashMap<ConnId, ConnHandle>,
}

impl<L: UpdateLog> Driver<L> {
    fn close(&mut self, conn: ConnId, code: u16, reason: &'static str, out: &mut Vec<Output>) {
        if let Some(handle) = self.handles.remove(&conn) {
            let _ = handle.close.send(Some((code, reason)));
        }
        self.room.leave(conn, out);
    }

    /// Performs outputs in order: appends first, then sends; closes slow consumers.
    async fn perform(&mut self, mut out: Vec<Output>) {
        while !out.is_empty() {
            let mut next = Vec::new();
            for output in out {
                match output {
                    Output::Persist(update) => {
                        if self.log.append(update).await.is_err() {
                            let all: Vec<ConnId> = self.handles.keys().copied().collect();
                            for conn in all {
                                self.close(
                                    conn,
                                    close_code::STORAGE_FAILED,
                                    "storage failed",
                                    &mut next,
                                );
                            }
                            return;
                        }
                    }
                    Output::Send { to, frame } => {
                        let full = match self.handles.get(&to) {
                            Some(handle) => handle.frames.try_send(frame).is_err(),
                            None => false,
                        };
                        if full {
                            self.close(to, close_code::SLOW_CONSUMER, "slow consumer", &mut next);
                        }
                    }
                }
            }
            out = next;
        }
    }
}

/// Runs one document's room until its last connection has left.
pub async fn run_room<L: UpdateLog>(doc: Doc, log: L, mut commands: mpsc::Receiver<Command>) {
    let mut driver = Driver { room: Room::new(doc), log, handles: HashMap::new() };
    while let Some(command) = commands.recv().await {
        let mut out = Vec::new();
        match command {
            Command::Join { conn, access, handle } => {
                driver.handles.insert(conn, handle);
                driver.room.join(conn, access, &mut out);
            }
            Command::Frame { conn, bytes } => match driver.room.receive(conn, &bytes, &mut out) {
                Ok(()) | Err(RoomError::UnknownConnection) => {}
                Err(_) => driver.close(conn, close_code::BAD_FRAME, "bad frame", &mut out),
            },
            Command::Leave { conn } => {
                driver.handles.remove(&conn);
                driver.room.leave(conn, &mut out);
            }
        }
        driver.perform(out).await;
        if driver.room.is_empty() {
            break;
        }
    }
}
