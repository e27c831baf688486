//! Janus (videoroom plugin) as the peer SFU of the video benchmark, driven over its plain HTTP
//! API (`/janus`): one session for the whole generator, one long-poll task that hands every
//! event to the request waiting for its transaction, one plugin handle per PeerConnection.
//! Per class: `create` a room (VP8, Opus); the teacher `joinandconfigure`s as publisher with a
//! str0m offer (audio + camera in 3 rid-based simulcast layers, `rid_order: lmh`, no trickle:
//! the candidates are in the SDP); each talker publishes its audio the same way; then every
//! participant attaches a subscriber handle and `join`s with the streams it watches (the
//! teacher's feed with `substream` = its layer, and the talkers except itself), answers Janus's
//! offer with str0m and sends `start`. Janus always needs separate publisher and subscriber
//! PeerConnections, so a talker has two.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::video_class::{CLASS_SIZE, Line, PUPILS, Profile, accept_answer, answer, offer};
use crate::video_engine::Engine;

type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<Value>>>>;

/// A Janus session.
pub struct Janus {
    http: reqwest::Client,
    /// `http://host:port/janus/<session>`
    session_url: String,
    waiters: Waiters,
    next: AtomicU64,
    poller: tokio::task::JoinHandle<()>,
    bind: IpAddr,
}

const EVENT_TIMEOUT: Duration = Duration::from_secs(30);

fn field<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |value, key| value.get(key))
}

impl Janus {
    /// Creates a session on `base` (`http://10.77.0.2:8088/janus`) and starts its long poll.
    pub async fn connect(base: &str, bind: IpAddr) -> Result<Janus, String> {
        let http = reqwest::Client::builder()
            .local_address(Some(bind))
            .timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(16)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| e.to_string())?;
        let base = base.trim_end_matches('/').to_owned();
        let created =
            post(&http, &base, json!({"janus": "create", "transaction": "create"})).await?;
        let session = field(&created, &["data", "id"])
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("janus create: {created}"))?;
        let session_url = format!("{base}/{session}");
        let waiters: Waiters = Arc::default();
        let poller = tokio::spawn(long_poll(http.clone(), session_url.clone(), waiters.clone()));
        Ok(Janus { http, session_url, waiters, next: AtomicU64::new(1), poller, bind })
    }

    fn transaction(&self) -> String {
        format!("t{}", self.next.fetch_add(1, Ordering::Relaxed))
    }

    /// Attaches a videoroom handle.
    pub async fn attach(&self) -> Result<u64, String> {
        let body = json!({"janus": "attach", "plugin": "janus.plugin.videoroom",
            "transaction": self.transaction()});
        let answer = post(&self.http, &self.session_url, body).await?;
        field(&answer, &["data", "id"])
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("attach: {answer}"))
    }

    /// A synchronous plugin request (e.g. `create`): the plugin's data.
    pub async fn request(&self, handle: u64, body: Value) -> Result<Value, String> {
        let message = json!({"janus": "message", "body": body, "transaction": self.transaction()});
        let answer = post(&self.http, &format!("{}/{handle}", self.session_url), message).await?;
        plugin_data(&answer).cloned().ok_or_else(|| format!("janus request: {answer}"))
    }

    /// An asynchronous plugin request: waits for its event (plugin data and JSEP, if any).
    pub async fn message(
        &self,
        handle: u64,
        body: Value,
        jsep: Option<Value>,
    ) -> Result<(Value, Option<Value>), String> {
        let transaction = self.transaction();
        let (reply, event) = oneshot::channel();
        if let Ok(mut waiters) = self.waiters.lock() {
            waiters.insert(transaction.clone(), reply);
        }
        let mut message = json!({"janus": "message", "body": body, "transaction": transaction});
        if let Some(jsep) = jsep {
            message["jsep"] = jsep;
        }
        let ack = post(&self.http, &format!("{}/{handle}", self.session_url), message).await?;
        if ack.get("janus").and_then(Value::as_str) != Some("ack") {
            return Err(format!("janus message not acknowledged: {ack}"));
        }
        let event = tokio::time::timeout(EVENT_TIMEOUT, event)
            .await
            .map_err(|_| format!("no janus event for {transaction}"))?
            .map_err(|_| "janus poller ended".to_owned())?;
        let data = plugin_data(&event).cloned().ok_or_else(|| format!("janus event: {event}"))?;
        if let Some(error) = data.get("error") {
            return Err(format!("janus: {error}"));
        }
        Ok((data, event.get("jsep").cloned()))
    }

    /// The address the generator's sockets use towards Janus.
    pub fn bind_ip(&self) -> IpAddr {
        self.bind
    }

    pub async fn close(self) {
        self.poller.abort();
        let body = json!({"janus": "destroy", "transaction": "destroy"});
        let _ = post(&self.http, &self.session_url, body).await;
    }
}

fn plugin_data(answer: &Value) -> Option<&Value> {
    field(answer, &["plugindata", "data"])
}

async fn post(http: &reqwest::Client, url: &str, body: Value) -> Result<Value, String> {
    let response = http.post(url).json(&body).send().await.map_err(|e| format!("{url}: {e}"))?;
    let answer: Value = response.json().await.map_err(|e| format!("{url}: {e}"))?;
    if answer.get("janus").and_then(Value::as_str) == Some("error") {
        return Err(format!("janus error: {answer}"));
    }
    Ok(answer)
}

/// Long-polls the session's events and hands each one with a waiting transaction over.
async fn long_poll(http: reqwest::Client, session_url: String, waiters: Waiters) {
    let url = format!("{session_url}?maxev=16");
    let mut failures = 0;
    loop {
        let events = match http.get(&url).send().await {
            Ok(response) => response.json::<Value>().await.ok(),
            Err(_) => None,
        };
        let Some(events) = events else {
            failures += 1;
            if failures > 20 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        failures = 0;
        let list = match events {
            Value::Array(list) => list,
            single => vec![single],
        };
        for event in list {
            let Some(transaction) = event.get("transaction").and_then(Value::as_str) else {
                continue;
            };
            let waiter = waiters.lock().ok().and_then(|mut w| w.remove(transaction));
            if let Some(waiter) = waiter {
                let _ = waiter.send(event);
            }
        }
    }
}

fn jsep(kind: &str, sdp: String, simulcast: bool) -> Value {
    let mut value = json!({"type": kind, "sdp": sdp, "trickle": false});
    if simulcast {
        value["rid_order"] = json!("lmh");
    }
    value
}

/// Publishes with a fresh peer; returns the peer and its Janus feed ID.
async fn publish(
    janus: &Janus,
    engine: &Engine,
    bind: IpAddr,
    room: u64,
    display: &str,
    lines: Vec<Line>,
) -> Result<(usize, u64, Vec<str0m::media::Mid>), String> {
    let (peer, _) = engine.create(bind, false).await?;
    let camera = lines.contains(&Line::SendCamera);
    let made = offer(engine, peer, lines).await?;
    let handle = janus.attach().await?;
    let body = json!({"request": "joinandconfigure", "room": room, "ptype": "publisher",
        "display": display, "audio": true, "video": true});
    let (data, jsep_answer) =
        janus.message(handle, body, Some(jsep("offer", made.sdp, camera))).await?;
    let feed = data.get("id").and_then(Value::as_u64).ok_or_else(|| format!("joined: {data}"))?;
    let sdp = jsep_answer
        .and_then(|j| j.get("sdp").and_then(Value::as_str).map(str::to_owned))
        .ok_or("publisher: no answer")?;
    accept_answer(engine, peer, made.pending, sdp).await?;
    // Janus offers a feed to subscribers only once its PeerConnection is up.
    engine.wait_connected(peer, EVENT_TIMEOUT).await?;
    Ok((peer, feed, made.mids))
}

/// Subscribes a fresh peer to `streams` (Janus `join` as subscriber, answer, `start`).
async fn subscribe(
    janus: &Janus,
    engine: &Engine,
    bind: IpAddr,
    room: u64,
    streams: Vec<Value>,
    light: bool,
) -> Result<usize, String> {
    let handle = janus.attach().await?;
    let body = json!({"request": "join", "room": room, "ptype": "subscriber", "streams": streams});
    // A feed is offered once Janus has set its PeerConnection up, a moment after ours is.
    let mut tries = 0;
    let offer_jsep = loop {
        match janus.message(handle, body.clone(), None).await {
            Ok((_, jsep)) => break jsep,
            Err(error) if error.contains("No such feed") && tries < 100 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => return Err(error),
        }
    };
    let sdp = offer_jsep
        .and_then(|j| j.get("sdp").and_then(Value::as_str).map(str::to_owned))
        .ok_or("subscriber: no offer")?;
    let (peer, _) = engine.create(bind, light).await?;
    let answer_sdp = answer(engine, peer, sdp).await?;
    janus
        .message(handle, json!({"request": "start"}), Some(jsep("answer", answer_sdp, false)))
        .await?;
    Ok(peer)
}

/// Sets up class `class` on Janus; returns the peers it created.
pub async fn setup_class(
    janus: &Janus,
    engine: &Engine,
    bind: IpAddr,
    class: usize,
    profile: Profile,
) -> Result<Vec<usize>, String> {
    // Fresh room IDs per run (Janus keeps rooms until it restarts).
    let room = u64::from(std::process::id()) * 10_000 + class as u64;
    let admin = janus.attach().await?;
    let created = janus
        .request(
            admin,
            json!({"request": "create", "room": room, "publishers": profile.talkers + 2,
            "audiocodec": "opus", "videocodec": "vp8", "fir_freq": 0, "bitrate": 0,
            "description": format!("class {class}")}),
        )
        .await?;
    if created.get("videoroom").and_then(Value::as_str) != Some("created") {
        return Err(format!("create room: {created}"));
    }
    let mut peers = Vec::with_capacity(CLASS_SIZE + profile.talkers + 1);
    let (teacher, teacher_feed, mids) =
        publish(janus, engine, bind, room, "teacher", vec![Line::SendAudio, Line::SendCamera])
            .await?;
    let [audio, video] = mids[..] else { return Err("teacher mids".into()) };
    engine.publish(teacher, profile.teacher_tracks(audio, video))?;
    peers.push(teacher);
    let mut talker_feeds = Vec::new();
    for pupil in (0..PUPILS).filter(|&pupil| profile.is_talker(pupil)) {
        let display = format!("pupil {pupil}");
        let (peer, feed, mids) =
            publish(janus, engine, bind, room, &display, vec![Line::SendAudio]).await?;
        let audio = *mids.first().ok_or("talker mid")?;
        engine.publish(peer, vec![profile.talker_track(audio)])?;
        peers.push(peer);
        talker_feeds.push((pupil, feed));
    }
    // The teacher hears the talkers.
    if !talker_feeds.is_empty() {
        let streams = talker_feeds.iter().map(|(_, feed)| json!({"feed": feed})).collect();
        peers.push(subscribe(janus, engine, bind, room, streams, false).await?);
    }
    for pupil in 0..PUPILS {
        let mut streams =
            vec![json!({"feed": teacher_feed, "substream": profile.pupil_layer(pupil)})];
        for (talker, feed) in &talker_feeds {
            if *talker != pupil {
                streams.push(json!({"feed": feed}));
            }
        }
        let light = profile.is_light(pupil);
        peers.push(subscribe(janus, engine, bind, room, streams, light).await?);
    }
    Ok(peers)
}
