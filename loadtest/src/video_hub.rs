//! One participant's hub WebSocket for the schulhof video benchmark: a task that owns the socket,
//! numbers the requests it is given (`subscribe`, `publish` on `video:<group>`) and hands each
//! `subscribed`/`ack` body or `error` code back to its caller, and keeps the latest `state`
//! signal (the lesson's tracks) for the scenario to read. It reads all the time, so the server's
//! pushes never pile up and pings are answered.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use crate::wsconn;

type Reply = oneshot::Sender<Result<Value, String>>;

/// A remote track as the `state` signal lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteTrack {
    pub id: u64,
    pub participant: u64,
    pub audio: bool,
}

/// The handle of one hub connection.
pub struct Hub {
    requests: mpsc::Sender<(Value, Reply)>,
    state: Arc<Mutex<Option<Value>>>,
    pub topic: String,
    task: tokio::task::JoinHandle<()>,
}

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl Hub {
    /// Opens `ws_url` (with its ticket) and subscribes to `video:<group>`.
    pub async fn open(
        ws_url: &str,
        server: SocketAddr,
        bind: Option<IpAddr>,
        group: &str,
    ) -> Result<Hub, String> {
        let socket = wsconn::open(ws_url, server, bind).await.map_err(|error| error.kind())?;
        let (requests, commands) = mpsc::channel(8);
        let state = Arc::new(Mutex::new(None));
        let task = tokio::spawn(run(socket, commands, state.clone()));
        let topic = format!("video:{group}");
        let hub = Hub { requests, state, topic, task };
        hub.call(json!({"type": "subscribe", "topic": hub.topic})).await?;
        Ok(hub)
    }

    async fn call(&self, frame: Value) -> Result<Value, String> {
        let (reply, answer) = oneshot::channel();
        self.requests.send((frame, reply)).await.map_err(|_| "hub connection closed".to_owned())?;
        tokio::time::timeout(REQUEST_TIMEOUT, answer)
            .await
            .map_err(|_| "hub request timed out".to_owned())?
            .map_err(|_| "hub connection closed".to_owned())?
    }

    /// Publishes a video request; the ack's body.
    pub async fn publish(&self, body: Value) -> Result<Value, String> {
        self.call(json!({"type": "publish", "topic": self.topic, "body": body})).await
    }

    /// The tracks of the latest `state` signal.
    pub fn tracks(&self) -> Vec<RemoteTrack> {
        let Ok(state) = self.state.lock() else { return Vec::new() };
        let Some(tracks) = state.as_ref().and_then(|s| s.get("tracks")).and_then(Value::as_array)
        else {
            return Vec::new();
        };
        tracks
            .iter()
            .filter_map(|track| {
                Some(RemoteTrack {
                    id: track.get("id")?.as_u64()?,
                    participant: track.get("participant")?.as_u64()?,
                    audio: track.get("kind")?.as_str()? == "audio",
                })
            })
            .collect()
    }

    pub fn close(self) {
        self.task.abort();
    }
}

async fn run(
    mut socket: wsconn::Socket,
    mut commands: mpsc::Receiver<(Value, Reply)>,
    state: Arc<Mutex<Option<Value>>>,
) {
    let mut pending: HashMap<u64, Reply> = HashMap::new();
    let mut next_id = 1_u64;
    loop {
        tokio::select! {
            command = commands.recv() => {
                let Some((mut frame, reply)) = command else { break };
                frame["id"] = json!(next_id);
                if socket.send(Message::text(frame.to_string())).await.is_err() {
                    let _ = reply.send(Err("hub send failed".into()));
                    break;
                }
                pending.insert(next_id, reply);
                next_id += 1;
            }
            message = socket.next() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(frame))) => {
                        let code = frame.map(|f| u16::from(f.code)).unwrap_or(0);
                        fail_all(&mut pending, &format!("hub closed {code}"));
                        break;
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => break,
                };
                let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                on_frame(frame, &mut pending, &state);
            }
        }
    }
    fail_all(&mut pending, "hub connection lost");
}

fn fail_all(pending: &mut HashMap<u64, Reply>, why: &str) {
    for (_, reply) in pending.drain() {
        let _ = reply.send(Err(why.to_owned()));
    }
}

fn on_frame(frame: Value, pending: &mut HashMap<u64, Reply>, state: &Mutex<Option<Value>>) {
    let kind = frame.get("type").and_then(Value::as_str).unwrap_or_default();
    let id = frame.get("id").and_then(Value::as_u64);
    match (kind, id) {
        ("subscribed" | "ack", Some(id)) => {
            if let Some(reply) = pending.remove(&id) {
                let _ = reply.send(Ok(frame.get("body").cloned().unwrap_or(Value::Null)));
            }
        }
        ("error", Some(id)) => {
            if let Some(reply) = pending.remove(&id) {
                let code = frame.get("code").and_then(Value::as_str).unwrap_or("error");
                let _ = reply.send(Err(code.to_owned()));
            }
        }
        ("signal", _) => {
            let body = frame.get("body");
            if body.and_then(|b| b.get("event")).and_then(Value::as_str) == Some("state")
                && let Ok(mut latest) = state.lock()
            {
                *latest = body.cloned();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_reach_their_request_and_state_is_kept() {
        let mut pending = HashMap::new();
        let state = Mutex::new(None);
        let (reply, mut answer) = oneshot::channel();
        pending.insert(3, reply);
        on_frame(json!({"type": "ack", "id": 3, "body": {"sdp": "x"}}), &mut pending, &state);
        assert_eq!(answer.try_recv().unwrap().unwrap(), json!({"sdp": "x"}));
        let (reply, mut answer) = oneshot::channel();
        pending.insert(4, reply);
        on_frame(json!({"type": "error", "id": 4, "code": "video_full"}), &mut pending, &state);
        assert_eq!(answer.try_recv().unwrap().unwrap_err(), "video_full");
        let signal = json!({"type": "signal", "topic": "video:g", "body": {"event": "state",
            "tracks": [{"id": 3, "participant": 7, "kind": "audio", "muted": false}]}});
        on_frame(signal, &mut pending, &state);
        assert!(state.lock().unwrap().is_some());
    }
}
