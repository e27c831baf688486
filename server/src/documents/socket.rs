//! `GET /yjs/<document id>`: the y-websocket endpoint. The upgrade checks only the Origin; who
//! may open the document is decided after it (session cookie or `?token=` document token), so
//! that a refusal reaches the stock client as a close code (4401/4403/4404/4429 are final for
//! y-websocket; see docs/documents.md). Then a writer drains the connection's bounded queue into
//! the socket and a reader hands every binary frame to the document's room task. A frame over
//! the limit closes the connection with 4413. The writer pings every few seconds; a client that
//! answers nothing for the idle timeout (it stopped reading) is closed with 4008 and resyncs.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use schulhof_collab::driver::{CloseRequest, Command, ConnHandle, Control, close_code};
use schulhof_collab::room::{Access, Frame};
use schulhof_proto::{DocumentAccess, DocumentId, ErrorCode, SchoolId, UserId, UserStatus};
use serde::Deserialize;
use tokio::sync::{mpsc, watch};

use crate::auth::csrf::is_same_origin;
use crate::auth::session::token_from_headers;
use crate::auth::token::hash_token;
use crate::error::ApiError;
use crate::routes::documents::module_of;
use crate::state::SharedState;
use crate::store::StoreError;

/// Final refusals (y-websocket does not reconnect after 44xx).
pub mod refusal {
    pub const UNAUTHENTICATED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const NOT_FOUND: u16 = 4404;
    pub const TOO_MANY_CONNECTIONS: u16 = 4429;
    pub const GOING_AWAY: u16 = 1001;
}

#[derive(Debug, Deserialize)]
pub struct YjsQuery {
    token: Option<String>,
}

/// `GET /yjs/{document}`: Origin check, then the upgrade; admission happens on the socket.
pub async fn upgrade(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(document): Path<String>,
    Query(query): Query<YjsQuery>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    if !is_same_origin(&state.config, &headers) {
        return Err(ApiError::new(ErrorCode::CsrfOriginMismatch));
    }
    let cookie = token_from_headers(&headers, state.config.is_https());
    let max = state.config.documents.max_frame_bytes;
    Ok(ws
        .max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .on_upgrade(move |socket| serve(state, socket, document, query.token, cookie)))
}

type Refusal = (u16, &'static str);

struct Admitted {
    doc: DocumentId,
    school: SchoolId,
    user: UserId,
    access: Access,
}

async fn admit(
    state: &SharedState,
    document: &str,
    token: Option<String>,
    cookie: Option<String>,
) -> Result<Admitted, Refusal> {
    let not_found = (refusal::NOT_FOUND, "document not found");
    let doc: DocumentId = document.parse().map_err(|_| not_found)?;
    let internal = |error: StoreError| {
        tracing::error!(%error, "document admission failed");
        (close_code::TRY_AGAIN, "try again")
    };
    let now = state.now_ms();
    let session = match (token, cookie) {
        (Some(token), _) => state
            .store
            .document_token_session(&hash_token(&token), doc, now)
            .await
            .map_err(internal)?,
        (None, Some(cookie)) => {
            state.store.authenticate(&hash_token(&cookie), now).await.map_err(internal)?
        }
        (None, None) => None,
    };
    let session = session.ok_or((refusal::UNAUTHENTICATED, "not signed in"))?;
    if session.user.status != UserStatus::Active || session.user.must_change_password {
        return Err((refusal::FORBIDDEN, "account restricted"));
    }
    let record = match state.store.document(session.school.id, session.user.id, doc).await {
        Ok(record) => record,
        Err(StoreError::NotFound) => return Err(not_found),
        Err(error) => return Err(internal(error)),
    };
    let access = match record.access {
        None => return Err(not_found),
        Some(_) if record.deleted_at.is_some() => return Err(not_found),
        Some(DocumentAccess::Read) => Access::Read,
        Some(DocumentAccess::Write | DocumentAccess::Owner) => Access::Write,
    };
    let module = module_of(record.kind);
    if !state.store.module_enabled(session.school.id, module).await.map_err(internal)? {
        return Err((refusal::FORBIDDEN, "module disabled"));
    }
    Ok(Admitted { doc, school: session.school.id, user: session.user.id, access })
}

fn close_message(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }))
}

async fn serve(
    state: SharedState,
    socket: WebSocket,
    document: String,
    token: Option<String>,
    cookie: Option<String>,
) {
    let (sink, mut stream) = socket.split();
    let admitted = match Box::pin(admit(&state, &document, token, cookie)).await {
        Ok(admitted) => admitted,
        Err((code, reason)) => return refuse(sink, stream, code, reason).await,
    };
    let limits = state.config.documents;
    if !state.documents.connect_user(admitted.user, limits.max_connections_per_user) {
        let code = refusal::TOO_MANY_CONNECTIONS;
        return refuse(sink, stream, code, "too many connections").await;
    }
    let conn = state.documents.next_conn();
    let (frames_tx, frames) = mpsc::channel(limits.outgoing_queue.max(1));
    let (close_tx, close) = watch::channel::<CloseRequest>(None);
    let own_close = close_tx.clone();
    let handle = ConnHandle { frames: frames_tx, close: close_tx };
    let join = Control::Join { conn, access: admitted.access, author: admitted.user, handle };
    let commands = state.documents.send(&state, admitted.doc, admitted.school, join);
    let ping = Duration::from_secs(limits.ping_seconds.max(1));
    let mut writer = tokio::spawn(write_loop(sink, frames, close, ping));
    let idle = Duration::from_secs(limits.idle_timeout_seconds.max(1));
    let mut writer_done = false;
    let mut client_closed = false;
    loop {
        let next = tokio::select! {
            next = tokio::time::timeout(idle, stream.next()) => next,
            _ = &mut writer => {
                writer_done = true;
                break;
            }
        };
        let message = match next {
            Err(_) => {
                let _ = own_close.send(Some((close_code::SLOW_CONSUMER, "not responding")));
                break;
            }
            Ok(None | Some(Ok(Message::Close(_)))) => {
                client_closed = true;
                break;
            }
            Ok(Some(Ok(message))) => message,
            Ok(Some(Err(error))) => {
                if is_too_large(&error) {
                    let _ = own_close.send(Some((close_code::TOO_LARGE, "frame too large")));
                }
                break;
            }
        };
        if let Message::Binary(bytes) = message {
            let frame = Command::Frame { conn, bytes: bytes.to_vec() };
            if commands.send(frame).await.is_err() {
                break;
            }
        }
    }
    let _ = commands.send(Command::Leave { conn }).await;
    drop(own_close);
    state.documents.disconnect_user(admitted.user);
    // A writer stuck on a client that does not read is stopped after a grace period (dropping
    // the socket); its client reconnects and resyncs.
    if !writer_done && tokio::time::timeout(Duration::from_secs(10), &mut writer).await.is_err() {
        writer.abort();
    }
    // The server closed: wait a little for the client's close reply so that the close code
    // reaches it (a socket dropped with unread data is reset).
    if !client_closed {
        let _ = tokio::time::timeout(Duration::from_secs(5), drain_until_close(&mut stream)).await;
    }
}

async fn drain_until_close(stream: &mut SplitStream<WebSocket>) {
    while let Some(Ok(message)) = stream.next().await {
        if matches!(message, Message::Close(_)) {
            break;
        }
    }
}

/// Sends the close frame, then reads (and drops) what the client sent until its close reply: a
/// socket dropped with unread frames is reset, and the client would see 1006 instead of the code.
async fn refuse(
    mut sink: SplitSink<WebSocket, Message>,
    mut stream: SplitStream<WebSocket>,
    code: u16,
    reason: &'static str,
) {
    let _ = sink.send(close_message(code, reason)).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), drain_until_close(&mut stream)).await;
}

/// Did the socket fail because a message was over the size limit?
fn is_too_large(error: &axum::Error) -> bool {
    let text = error.to_string();
    text.contains("too long") || text.contains("too big") || text.contains("Space limit")
}

async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut frames: mpsc::Receiver<Frame>,
    mut close: watch::Receiver<CloseRequest>,
    ping_every: Duration,
) {
    let mut ping = tokio::time::interval(ping_every);
    ping.tick().await;
    loop {
        tokio::select! {
            biased;
            changed = close.changed() => {
                if changed.is_err() {
                    let _ = sink.close().await;
                    return;
                }
                let request = *close.borrow();
                if let Some((code, reason)) = request {
                    let send = sink.send(close_message(code, reason));
                    let _ = tokio::time::timeout(Duration::from_secs(5), send).await;
                    return;
                }
            }
            frame = frames.recv() => match frame {
                Some(frame) => {
                    if sink.send(Message::Binary(frame)).await.is_err() {
                        return;
                    }
                }
                None => {
                    let _ = sink.close().await;
                    return;
                }
            },
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
        }
    }
}
