//! A minimal y-websocket client on `yrs` for end-to-end tests: it connects to `/yjs/<doc>` with a
//! document token (or a raw request), does the SyncStep1/SyncStep2 handshake like the stock
//! client, applies what the server sends, edits a text and reports the close code. Each wait is
//! bounded (10 s).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use yrs::sync::{Message as YMessage, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, GetString, ReadTxn, StateVector, Text, Transact, Update};

use crate::Client;

const WAIT: Duration = Duration::from_secs(10);

pub struct YjsClient {
    pub doc: Doc,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Frames of type `auth` (permission denied) received.
    pub refusals: Vec<String>,
}

/// How a connection ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    Closed(u16),
    Timeout,
}

impl YjsClient {
    /// Gets a document token with `client`'s session and connects.
    pub async fn open(client: &Client, base_ws: &str, doc: &str) -> Result<Self, Ended> {
        let token: serde_json::Value =
            client.post_ok(&format!("/api/documents/{doc}/token"), &serde_json::json!({})).await;
        let token = token["token"].as_str().unwrap_or_default().to_owned();
        Self::connect(&format!("{base_ws}/yjs/{doc}?token={token}")).await
    }

    /// Connects to `url` and completes the handshake (or reports the close code).
    pub async fn connect(url: &str) -> Result<Self, Ended> {
        let (socket, _) = tokio_tungstenite::connect_async(url).await.expect("upgrade");
        let mut client = Self { doc: Doc::new(), socket, refusals: Vec::new() };
        let sv = client.doc.transact().state_vector();
        client.send(&YMessage::Sync(SyncMessage::SyncStep1(sv))).await;
        // Synced when the server's SyncStep2 has arrived.
        loop {
            match client.next().await? {
                YMessage::Sync(SyncMessage::SyncStep2(_)) => return Ok(client),
                _ => continue,
            }
        }
    }

    async fn send(&mut self, message: &YMessage) {
        self.socket.send(Message::binary(message.encode_v1())).await.expect("send");
    }

    /// The next protocol message (applied to the local doc; SyncStep1 answered).
    pub async fn next(&mut self) -> Result<YMessage, Ended> {
        loop {
            let frame = match tokio::time::timeout(WAIT, self.socket.next()).await {
                Err(_) => return Err(Ended::Timeout),
                Ok(None) => return Err(Ended::Closed(1006)),
                Ok(Some(Err(_))) => return Err(Ended::Closed(1006)),
                Ok(Some(Ok(frame))) => frame,
            };
            let bytes = match frame {
                Message::Binary(bytes) => bytes,
                Message::Close(close) => {
                    return Err(Ended::Closed(close.map_or(1005, |c| u16::from(c.code))));
                }
                _ => continue,
            };
            let message = YMessage::decode_v1(&bytes).expect("a y-websocket message");
            match &message {
                YMessage::Sync(SyncMessage::SyncStep1(sv)) => {
                    let diff = self.doc.transact().encode_diff_v1(sv);
                    self.send(&YMessage::Sync(SyncMessage::SyncStep2(diff))).await;
                }
                YMessage::Sync(SyncMessage::SyncStep2(update) | SyncMessage::Update(update)) => {
                    let update = Update::decode_v1(update).expect("update");
                    self.doc.transact_mut().apply_update(update).expect("apply");
                }
                YMessage::Auth(reason) => self.refusals.push(reason.clone().unwrap_or_default()),
                _ => {}
            }
            return Ok(message);
        }
    }

    /// Inserts `text` at the end of the root text `name`, sends the update and waits for the
    /// server's echo of it (the server echoes an update only after storing it).
    pub async fn append_text(&mut self, name: &str, text: &str) {
        let me = self.doc.client_id();
        let start = self.state_vector().get(&me);
        self.send_text(name, text).await;
        loop {
            match self.next().await {
                Ok(YMessage::Sync(SyncMessage::Update(update))) => {
                    // The echo holds this client's blocks from `start` on.
                    let lower = Update::decode_v1(&update).expect("update").state_vector_lower();
                    if lower.contains_client(&me) && lower.get(&me) == start {
                        return;
                    }
                }
                Ok(_) => {}
                Err(ended) => panic!("no echo of {text:?}: {ended:?}"),
            }
        }
    }

    /// Inserts `text` at the end of the root text `name` and sends the update (no waiting).
    pub async fn send_text(&mut self, name: &str, text: &str) {
        let field = self.doc.get_or_insert_text(name);
        let before = self.doc.transact().state_vector();
        {
            let mut txn = self.doc.transact_mut();
            let len = field.len(&txn);
            field.insert(&mut txn, len, text);
        }
        let update = self.doc.transact().encode_diff_v1(&before);
        self.send(&YMessage::Sync(SyncMessage::Update(update))).await;
    }

    pub fn text(&self, name: &str) -> String {
        let field = self.doc.get_or_insert_text(name);
        field.get_string(&self.doc.transact())
    }

    /// Reads until the root text `name` equals `expected`.
    pub async fn wait_for_text(&mut self, name: &str, expected: &str) {
        while self.text(name) != expected {
            if let Err(ended) = self.next().await {
                panic!("waiting for {expected:?}, have {:?}: {ended:?}", self.text(name));
            }
        }
    }

    /// Reads until the connection ends; returns the close code.
    pub async fn closed(&mut self) -> Ended {
        loop {
            if let Err(ended) = self.next().await {
                return ended;
            }
        }
    }

    pub fn state_vector(&self) -> StateVector {
        self.doc.transact().state_vector()
    }
}

/// Connects and expects a refusal: the close code.
pub async fn refused(url: &str) -> u16 {
    match YjsClient::connect(url).await {
        Err(Ended::Closed(code)) => code,
        Err(Ended::Timeout) => panic!("no close code from {url}"),
        Ok(_) => panic!("{url} was admitted"),
    }
}
