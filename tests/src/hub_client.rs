//! A real WebSocket client for the hub (tokio-tungstenite), as a native client would use it:
//! it fetches a one-time ticket with its session cookie and opens `/ws?ticket=…`.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use schulhof_proto::WsTicket;
use schulhof_proto::hub::{ClientFrame, ServerFrame, Topic};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::Client;

/// How long a test waits for an expected frame.
const WAIT: Duration = Duration::from_secs(10);

/// What arrived instead of a frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    Closed(u16),
    Gone,
}

/// A text frame or a binary frame from the server.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    Frame(ServerFrame),
    Binary(Vec<u8>),
}

pub struct HubClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

impl HubClient {
    /// Opens the hub for a logged-in client (ticket flow).
    pub async fn connect(client: &Client) -> Self {
        let ticket: WsTicket = client.post_ok("/api/auth/ws-ticket", &serde_json::json!({})).await;
        Self::connect_with_ticket(client, &ticket.ticket).await.expect("upgrade accepted")
    }

    /// Opens `/ws?ticket=…`; the HTTP status on refusal.
    pub async fn connect_with_ticket(client: &Client, ticket: &str) -> Result<Self, u16> {
        let url = format!("{}/ws?ticket={ticket}", client.base.replacen("http://", "ws://", 1));
        match tokio_tungstenite::connect_async(url).await {
            Ok((ws, _)) => Ok(Self { ws, next_id: 1 }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(other) => panic!("connect failed: {other}"),
        }
    }

    /// Opens the hub with a raw request (for Origin and cookie tests); the HTTP status on refusal.
    pub async fn connect_request(
        request: tokio_tungstenite::tungstenite::handshake::client::Request,
    ) -> Result<Self, u16> {
        match tokio_tungstenite::connect_async(request).await {
            Ok((ws, _)) => Ok(Self { ws, next_id: 1 }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(other) => panic!("connect failed: {other}"),
        }
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        let text = serde_json::to_string(frame).unwrap();
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    pub async fn send_raw(&mut self, message: Message) {
        let _ = self.ws.send(message).await;
    }

    pub fn next_request_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The next text or binary frame, or how the connection ended.
    pub async fn next_any(&mut self) -> Result<Incoming, Ended> {
        loop {
            let message =
                tokio::time::timeout(WAIT, self.ws.next()).await.expect("a frame within 10 s");
            match message {
                Some(Ok(Message::Text(text))) => {
                    return Ok(Incoming::Frame(serde_json::from_str(&text).unwrap()));
                }
                Some(Ok(Message::Binary(bytes))) => return Ok(Incoming::Binary(bytes.to_vec())),
                Some(Ok(Message::Close(frame))) => {
                    return Err(Ended::Closed(frame.map_or(1005, |f| u16::from(f.code))));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Err(Ended::Gone),
            }
        }
    }

    /// Publishes a binary payload; returns the request ID.
    pub async fn publish_binary(&mut self, topic: &Topic, payload: &[u8]) -> u64 {
        let id = self.next_request_id();
        let frame =
            schulhof_proto::hub::binary::encode_publish(u32::try_from(id).unwrap(), topic, payload);
        self.ws.send(Message::Binary(frame.into())).await.unwrap();
        id
    }

    /// The next protocol frame, or how the connection ended.
    pub async fn next(&mut self) -> Result<ServerFrame, Ended> {
        loop {
            let message =
                tokio::time::timeout(WAIT, self.ws.next()).await.expect("a frame within 10 s");
            match message {
                Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text).unwrap()),
                Some(Ok(Message::Binary(bytes))) => {
                    panic!("unexpected binary frame ({} bytes)", bytes.len())
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(Ended::Closed(frame.map_or(1005, |f| u16::from(f.code))));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Err(Ended::Gone),
            }
        }
    }

    /// The next frame, which must be one.
    pub async fn frame(&mut self) -> ServerFrame {
        self.next().await.unwrap_or_else(|ended| panic!("expected a frame, connection {ended:?}"))
    }

    /// Waits for the close frame and returns its code.
    pub async fn closed(&mut self) -> u16 {
        loop {
            match self.next().await {
                Ok(_) => continue,
                Err(Ended::Closed(code)) => return code,
                Err(Ended::Gone) => return 1006,
            }
        }
    }

    /// Reads `hello` and subscribes; returns the answer (`subscribed` or `error`).
    pub async fn subscribe(&mut self, topic: &Topic, since: Option<u64>) -> ServerFrame {
        let id = self.next_request_id();
        self.send(&ClientFrame::Subscribe { id, topic: topic.clone(), since }).await;
        self.frame().await
    }

    pub async fn publish(&mut self, topic: &Topic, body: serde_json::Value) -> u64 {
        let id = self.next_request_id();
        self.send(&ClientFrame::Publish { id, topic: topic.clone(), body }).await;
        id
    }

    /// True when nothing but pings arrives within `wait`.
    pub async fn silent_for(&mut self, wait: Duration) -> bool {
        loop {
            match tokio::time::timeout(wait, self.ws.next()).await {
                Err(_) => return true,
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                Ok(_) => return false,
            }
        }
    }

    /// Closes from the client side (a tab being closed).
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
