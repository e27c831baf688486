//! The per-connection driver behind `GET /ws`: authenticates the upgrade (cookie or one-time
//! ticket, Origin check), refuses accounts and schools that may not use the hub with a close code,
//! then runs two halves — a writer that drains the connection's bounded queue into the socket
//! (and sends heartbeats and the final close frame), and a reader that parses client frames,
//! authorizes them and feeds the core. Time comes from the app's clock.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use schulhof_proto::ErrorCode;
use schulhof_proto::hub::{
    ClientFrame, HUB_PROTOCOL_VERSION, HubErrorCode, ServerFrame, Topic, binary, close_code,
};
use serde::Deserialize;
use tokio::sync::{mpsc, watch};

use super::cluster::ClusterEvent;
use super::core::ConnId;
use super::core::Payload;
use super::errors::error_text;
use super::registry::{CloseRequest, ConnHandle, WsFrame};
use super::{access, service_frames};
use crate::auth::csrf::is_same_origin;
use crate::auth::session::token_from_headers;
use crate::auth::token::hash_token;
use crate::error::ApiError;
use crate::state::SharedState;
use crate::store::AuthenticatedSession;

/// Largest text frame a client may send.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Largest text frame of video signalling (`video:` publishes: SDP offers).
const MAX_SIGNALLING_FRAME_BYTES: usize = 256 * 1024;
/// How long a closing connection may take to drain what is queued before its close frame (a
/// slow reader must first read what is already in flight to see the close code).
pub const CLOSE_FLUSH_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Deserialize)]
pub struct UpgradeQuery {
    ticket: Option<String>,
}

/// `GET /ws`: checks Origin and the session, then upgrades.
pub async fn upgrade(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Query(query): Query<UpgradeQuery>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    if !is_same_origin(&state.config, &headers) {
        return Err(ApiError::new(ErrorCode::CsrfOriginMismatch));
    }
    let now = state.now_ms();
    let session = match query.ticket {
        Some(ticket) => state.store.consume_ticket(&hash_token(&ticket), now).await?,
        None => match token_from_headers(&headers, state.config.is_https()) {
            Some(token) => state.store.authenticate(&hash_token(&token), now).await?,
            None => None,
        },
    };
    let session = session.ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
    Ok(ws
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_write_buffer_size(1 << 20)
        .max_message_size(1 << 20)
        .max_frame_size(1 << 20)
        .on_upgrade(move |socket| serve(state, socket, session)))
}

fn encode(frame: &ServerFrame) -> WsFrame {
    WsFrame::from(serde_json::to_string(frame).unwrap_or_default())
}

fn close_message(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }))
}

async fn serve(state: SharedState, socket: WebSocket, session: AuthenticatedSession) {
    let (mut sink, stream) = socket.split();
    // Boxed: the database calls' futures would otherwise sit inside every idle connection's state.
    match Box::pin(access::refusal(&state, &session)).await {
        Ok(None) => {}
        Ok(Some((code, reason))) => {
            let _ = sink.send(close_message(code, reason)).await;
            return;
        }
        Err(error) => {
            tracing::error!(%error, "hub admission failed");
            let _ = sink.send(close_message(1011, "internal error")).await;
            return;
        }
    }
    let (queue, queue_rx) = mpsc::channel(state.config.hub.outgoing_queue.max(1));
    let (close, close_rx) = watch::channel::<CloseRequest>(None);
    let handle = ConnHandle { school: session.school.id, queue, close };
    let user = session.user.id;
    let conn = match state.hub.connect(user, session.session_id, handle, state.now_ms()) {
        Ok(conn) => conn,
        Err(_) => {
            let _ = sink
                .send(close_message(close_code::TOO_MANY_CONNECTIONS, "too many connections"))
                .await;
            return;
        }
    };
    let hello = ServerFrame::Hello {
        protocol: HUB_PROTOCOL_VERSION,
        user_id: user,
        heartbeat_ms: state.config.hub.heartbeat_ms,
    };
    state.hub.send_to(conn, encode(&hello), state.now_ms());
    let heartbeat = Duration::from_millis(state.config.hub.heartbeat_ms.max(1));
    let mut writer = tokio::spawn(write_loop(sink, queue_rx, close_rx, heartbeat));
    let writer_done = tokio::select! {
        () = read_loop(&state, conn, &session, stream) => false,
        _ = &mut writer => true,
    };
    state.hub.disconnect(conn, state.now_ms());
    crate::video::connection_closed(&state, conn).await;
    if !writer_done {
        // The writer sends the close frame (if one was asked for) and ends by itself.
        let _ = tokio::time::timeout(CLOSE_FLUSH_TIMEOUT + Duration::from_secs(1), writer).await;
    }
}

async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<WsFrame>,
    mut close: watch::Receiver<CloseRequest>,
    heartbeat_every: Duration,
) {
    let mut heartbeat = tokio::time::interval(heartbeat_every);
    heartbeat.tick().await;
    loop {
        let message = tokio::select! {
            biased;
            _ = close.changed() => break,
            frame = queue.recv() => match frame {
                Some(frame) => Message::from(frame),
                None => break,
            },
            _ = heartbeat.tick() => Message::Ping(Default::default()),
        };
        tokio::select! {
            result = sink.send(message) => if result.is_err() { return },
            _ = close.changed() => break,
        }
    }
    let request = *close.borrow();
    if let Some((close_code::GOING_AWAY, _)) = request {
        // Shutting down: what was queued before (e.g. video "rejoin" pushes) still goes out.
        while let Ok(frame) = queue.try_recv() {
            let sent = tokio::time::timeout(CLOSE_FLUSH_TIMEOUT, sink.send(Message::from(frame)));
            if !matches!(sent.await, Ok(Ok(()))) {
                break;
            }
        }
    }
    if let Some((code, reason)) = request {
        // A slow reader sees the close code only after reading what is already in flight.
        let _ =
            tokio::time::timeout(CLOSE_FLUSH_TIMEOUT, sink.send(close_message(code, reason))).await;
    }
}

async fn read_loop(
    state: &SharedState,
    conn: ConnId,
    session: &AuthenticatedSession,
    mut stream: SplitStream<WebSocket>,
) {
    loop {
        let silence = Duration::from_millis(state.config.hub.silence_timeout_ms.max(1));
        let next = tokio::time::timeout(silence, stream.next()).await;
        let message = match next {
            Err(_) => {
                state.hub.close(
                    conn,
                    close_code::HEARTBEAT_TIMEOUT,
                    "heartbeat timeout",
                    state.now_ms(),
                );
                return;
            }
            Ok(None | Some(Err(_))) => return,
            Ok(Some(Ok(message))) => message,
        };
        match message {
            Message::Text(text)
                if text.len() > MAX_FRAME_BYTES
                    && !(text.len() <= MAX_SIGNALLING_FRAME_BYTES && is_video_publish(&text)) =>
            {
                state.hub.close(conn, close_code::MESSAGE_TOO_BIG, "frame too big", state.now_ms());
                return;
            }
            Message::Text(text) => {
                Box::pin(handle_frame(state, conn, session, text.as_str())).await
            }
            Message::Binary(bytes) if bytes.len() > MAX_FRAME_BYTES => {
                state.hub.close(conn, close_code::MESSAGE_TOO_BIG, "frame too big", state.now_ms());
                return;
            }
            Message::Binary(bytes) => Box::pin(handle_binary(state, conn, &bytes)).await,
            Message::Ping(_) | Message::Pong(_) => {}
            Message::Close(_) => return,
        }
    }
}

fn reply_error(state: &SharedState, conn: ConnId, id: u64, code: HubErrorCode) {
    let (message, message_de) = error_text(code);
    let frame =
        ServerFrame::Error { id, code, message: message.into(), message_de: message_de.into() };
    state.hub.send_to(conn, encode(&frame), state.now_ms());
}

async fn handle_frame(
    state: &SharedState,
    conn: ConnId,
    session: &AuthenticatedSession,
    text: &str,
) {
    let frame: ClientFrame = match serde_json::from_str(text) {
        Ok(frame) => frame,
        Err(_) => {
            let id = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v.get("id").and_then(serde_json::Value::as_u64))
                .unwrap_or(0);
            return reply_error(state, conn, id, HubErrorCode::BadFrame);
        }
    };
    match frame {
        ClientFrame::Subscribe { id, topic, since } => {
            if let Err(code) = access::authorize(state, session, &topic).await {
                return reply_error(state, conn, id, code);
            }
            if let Some(cluster) = &state.cluster {
                // The cluster knows the topic's numbering and who is online on other nodes.
                match cluster.topic_state(&topic, state.now_ms()).await {
                    Ok((seq, online)) => state.hub.seed_topic(&topic, seq, online, state.now_ms()),
                    Err(error) => {
                        tracing::warn!(%error, "cluster topic state unavailable");
                        return reply_error(state, conn, id, HubErrorCode::Internal);
                    }
                }
            }
            let now = state.now_ms();
            state.hub.apply(now, |core, out| core.subscribe(conn, id, topic, since, now, out));
        }
        ClientFrame::Unsubscribe { id, topic } => {
            let now = state.now_ms();
            state.hub.apply(now, |core, out| core.unsubscribe(conn, id, &topic, now, out));
        }
        ClientFrame::Publish { id, topic, body } => match &topic {
            Topic::Chat(room) => {
                match service_frames::check_typing(state, session, room, &body).await {
                    Ok(()) => publish(state, conn, id, topic, Payload::Json(body)).await,
                    Err(code) => reply_error(state, conn, id, code),
                }
            }
            Topic::Poll(poll) => {
                // Subscribed (so authorized) and within the rate limit, then stored.
                if state.hub.accept_publish(conn, id, &topic, state.now_ms()).is_none() {
                    return;
                }
                match service_frames::vote(state, session, poll, body).await {
                    Ok(()) => state.hub.send_to(
                        conn,
                        encode(&ServerFrame::Ack { id, seq: None, body: None }),
                        state.now_ms(),
                    ),
                    Err(code) => reply_error(state, conn, id, code),
                }
            }
            Topic::Video(group) => {
                // Subscribed (so authorized) and within the rate limit, then applied.
                if state.hub.accept_publish(conn, id, &topic, state.now_ms()).is_none() {
                    return;
                }
                match crate::video::ops::handle(state, conn, session, *group, body).await {
                    Ok(body) => state.hub.send_to(
                        conn,
                        encode(&ServerFrame::Ack { id, seq: None, body: Some(body) }),
                        state.now_ms(),
                    ),
                    Err(code) => reply_error(state, conn, id, code),
                }
            }
            _ => publish(state, conn, id, topic, Payload::Json(body)).await,
        },
        ClientFrame::Ping { id } => {
            state.hub.send_to(conn, encode(&ServerFrame::Pong { id }), state.now_ms())
        }
    }
}

/// A client's publish (JSON or binary): checked, then delivered — on a cluster numbered by Redis
/// and delivered by every node's stream reader.
async fn publish(state: &SharedState, conn: ConnId, id: u64, topic: Topic, payload: Payload) {
    if !access::may_publish(&topic) {
        return reply_error(state, conn, id, HubErrorCode::Forbidden);
    }
    let now = state.now_ms();
    let Some(cluster) = &state.cluster else {
        state.hub.apply(now, |core, out| core.publish(conn, id, topic, payload, now, out));
        return;
    };
    let Some(from) = state.hub.accept_publish(conn, id, &topic, now) else { return };
    let event = match payload {
        Payload::Json(body) => ClusterEvent::Message { topic, from, at: now, body },
        Payload::Binary(bytes) => {
            ClusterEvent::Binary { topic, from, at: now, payload: BASE64.encode(bytes) }
        }
    };
    match cluster.publish(&event).await {
        Ok(seq) => {
            let ack = ServerFrame::Ack { id, seq: (seq > 0).then_some(seq), body: None };
            state.hub.send_to(conn, encode(&ack), state.now_ms());
        }
        Err(error) => {
            tracing::warn!(%error, "cluster publish failed");
            reply_error(state, conn, id, HubErrorCode::Internal);
        }
    }
}

/// Whether a (large) text frame is a publish on a video topic: SDP offers of a big class grow
/// past the general frame limit, so video signalling may use up to 256 KiB.
fn is_video_publish(text: &str) -> bool {
    matches!(
        serde_json::from_str::<ClientFrame>(text),
        Ok(ClientFrame::Publish { topic: Topic::Video(_), .. })
    )
}

/// A binary frame: a publish with a binary payload (see `schulhof_proto::hub::binary`).
async fn handle_binary(state: &SharedState, conn: ConnId, bytes: &[u8]) {
    match binary::decode_publish(bytes) {
        Some((id, Topic::Chat(_) | Topic::Poll(_) | Topic::Video(_), _)) => {
            reply_error(state, conn, u64::from(id), HubErrorCode::Forbidden)
        }
        Some((id, topic, payload)) => {
            publish(state, conn, u64::from(id), topic, Payload::Binary(payload.to_vec())).await;
        }
        None => reply_error(state, conn, 0, HubErrorCode::BadFrame),
    }
}
