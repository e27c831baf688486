//! The light Yjs client of the benchmark, built on yrs: one task per simulated pupil. It connects
//! (plain y-websocket or the Hocuspocus envelope, `yjs_wire`), syncs, and while the run's phase is
//! `Edit` makes one text edit per second — the same transaction puts its timestamp into the
//! `bench` map under its own key — and sends a cursor awareness update per second. A "full"
//! client applies every update it receives; its map observer turns the other writers' timestamps
//! into latencies (writer → server → reader, one process, one clock). A "light" client (see
//! `--observers-per-doc`) only writes and counts. On command it pauses (stops reading its socket)
//! and reports its state vector and text digest for the convergence check.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use nix::sys::socket::{setsockopt, sockopt::IpBindAddressNoPort};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{MissedTickBehavior, interval_at, sleep};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use yrs::types::EntryChange;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Any, Doc, GetString, Map, MapRef, Number, Observable, Out, ReadTxn, StateVector, Text};
use yrs::{TextRef, Transact, Update};

use crate::report::record;
use crate::yjs_fleet::Hub;
use crate::yjs_wire::{self, Dialect, Incoming};

/// One client of the run.
#[derive(Clone, Debug)]
pub struct ClientPlan {
    pub doc: usize,
    /// Place in its document (0..30): spreads the edit and cursor ticks over the second.
    pub place: usize,
    pub url: String,
    pub dialect: Dialect,
    /// Applies what it receives (and measures latency) — or only writes and counts.
    pub full: bool,
    /// Records the latencies it observes (off for a paused client).
    pub measure: bool,
    /// Characters inserted per edit.
    pub edit_chars: usize,
    /// A small receive buffer (bytes) makes a paused reader visible to the server sooner.
    pub rcvbuf: Option<u32>,
    pub bind_ip: Option<IpAddr>,
    /// Reconnect (and resync by state vector) when the server closes the socket.
    pub reconnect: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Connected, synced, awareness once: nothing else.
    Idle,
    Edit,
    Stop,
}

pub enum Command {
    /// Stop reading (and writing) the socket for this long.
    Pause(Duration),
    Report(oneshot::Sender<ClientReport>),
    /// Write `chars` characters in edits of 1,000 (one update each); answers the milliseconds.
    Seed {
        chars: usize,
        done: oneshot::Sender<f64>,
    },
    /// Close the socket and end.
    Leave,
}

/// What happened to a paused client.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct PauseReport {
    /// The close code the server sent (None: not closed; 1006: closed without a close frame).
    pub close_code: Option<u16>,
    /// Resume → synced again after the reconnect (ms).
    pub resync_ms: Option<f64>,
    /// How the connection first ended after the pause began: `close_<code>` (a close frame),
    /// `eof`, `read_error` or `send_failed` (a write after the resume hit a connection the server
    /// had already dropped).
    pub lost: Option<String>,
    /// Connections lost and opened again.
    pub reconnects: u64,
    /// Reconnect attempts that failed (connect or upgrade).
    pub failed_reconnects: u64,
}

#[derive(Clone, Debug)]
pub struct ClientReport {
    pub doc: usize,
    pub full: bool,
    pub synced: bool,
    pub state_vector: BTreeMap<u64, u32>,
    pub text_len: usize,
    pub text_hash: u32,
    pub pause: Option<PauseReport>,
}

/// How long a resumed client only reads before it writes again.
const READ_FIRST: Duration = Duration::from_secs(1);

/// Characters per seed edit (S4 builds its document from these).
const SEED_CHUNK: usize = 1000;

/// Frames up to 64 MiB (a join sync carries the whole document); a small read buffer.
fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_write_buffer_size(64 * 1024 * 1024)
        .max_message_size(Some(64 * 1024 * 1024))
        .max_frame_size(Some(64 * 1024 * 1024))
}

type Socket = WebSocketStream<TcpStream>;

async fn open(plan: &ClientPlan, server: SocketAddr) -> Result<Socket, String> {
    let socket = TcpSocket::new_v4().map_err(|e| format!("tcp_socket: {e}"))?;
    if let Some(ip) = plan.bind_ip {
        setsockopt(&socket, IpBindAddressNoPort, &true).map_err(|e| format!("bind: {e}"))?;
        socket.bind(SocketAddr::new(ip, 0)).map_err(|e| format!("bind: {e}"))?;
    }
    if let Some(size) = plan.rcvbuf {
        socket.set_recv_buffer_size(size).map_err(|e| format!("rcvbuf: {e}"))?;
    }
    socket.set_nodelay(true).map_err(|e| format!("nodelay: {e}"))?;
    let stream = socket.connect(server).await.map_err(|_| "tcp_connect".to_owned())?;
    match tokio_tungstenite::client_async_with_config(plan.url.as_str(), stream, Some(config()))
        .await
    {
        Ok((socket, _)) => Ok(socket),
        Err(WsError::Http(response)) => Err(format!("upgrade_http_{}", response.status().as_u16())),
        Err(_) => Err("ws_handshake".to_owned()),
    }
}

/// A tiny xorshift generator (edit positions; no need for quality).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

struct State {
    doc: Doc,
    text: TextRef,
    map: MapRef,
    key: String,
    live: Arc<AtomicBool>,
    synced_once: bool,
    awareness_clock: u64,
    rng: Rng,
}

impl State {
    fn new(plan: &ClientPlan, hub: &Arc<Hub>) -> State {
        let doc = Doc::new();
        let text = doc.get_or_insert_text("text");
        let map = doc.get_or_insert_map("bench");
        let key = format!("w{}", doc.client_id().get());
        let live = Arc::new(AtomicBool::new(false));
        if plan.full && plan.measure {
            let (hub, live, own) = (hub.clone(), live.clone(), key.clone());
            map.observe("latency", move |txn, event| {
                if !live.load(Ordering::Relaxed) {
                    return;
                }
                let now = hub.now_us();
                let Ok(mut histogram) = hub.latency.lock() else { return };
                for (key, change) in event.keys(txn) {
                    if key.as_ref() == own.as_str() {
                        continue;
                    }
                    if let EntryChange::Inserted(Out::Any(Any::Number(sent)))
                    | EntryChange::Updated(_, Out::Any(Any::Number(sent))) = change
                    {
                        let sent = match sent {
                            Number::Int(n) => u64::try_from(*n).unwrap_or(0),
                            Number::Float(f) => *f as u64,
                        };
                        record(&mut histogram, now.saturating_sub(sent));
                    }
                }
            });
        }
        let seed = doc.client_id().get() | 1;
        State { doc, text, map, key, live, synced_once: false, awareness_clock: 0, rng: Rng(seed) }
    }

    fn apply(&self, hub: &Hub, update: &[u8]) {
        match Update::decode_v1(update) {
            Ok(update) => {
                if self.doc.transact_mut().apply_update(update).is_err() {
                    hub.event("apply_failed");
                }
            }
            Err(_) => hub.event("decode_failed"),
        }
    }

    fn edit(&mut self, hub: &Hub, chars: usize) -> Vec<u8> {
        let mut txn = self.doc.transact_mut();
        let len = self.text.len(&txn);
        let at = (self.rng.next() % (u64::from(len) + 1)) as u32;
        let letter = char::from(b'a' + (self.rng.next() % 26) as u8);
        let chunk: String = std::iter::repeat_n(letter, chars.max(1)).collect();
        self.text.insert(&mut txn, at, &chunk);
        self.map.insert(&mut txn, self.key.as_str(), hub.now_us() as f64);
        txn.encode_update_v1()
    }

    fn awareness(&mut self, dialect: &Dialect, place: usize) -> Vec<u8> {
        self.awareness_clock += 1;
        let at = self.rng.next() % 1000;
        let json = format!(
            "{{\"user\":{{\"name\":\"Schüler {place}\",\"color\":\"#30bced\"}},\
             \"cursor\":{{\"anchor\":{at},\"head\":{at}}}}}"
        );
        yjs_wire::awareness(dialect, self.doc.client_id().get(), self.awareness_clock, &json)
    }

    fn report(&self, plan: &ClientPlan, pause: Option<PauseReport>) -> ClientReport {
        let txn = self.doc.transact();
        let state_vector = txn.state_vector().iter().map(|(c, n)| (c.get(), *n)).collect();
        let text = self.text.get_string(&txn);
        ClientReport {
            doc: plan.doc,
            full: plan.full,
            synced: self.synced_once,
            state_vector,
            text_len: text.len(),
            text_hash: yjs_wire::fnv1a32(&text),
            pause,
        }
    }
}

/// How one connection ended.
enum End {
    /// The run is over (the command channel closed).
    Done,
    /// The server closed or the socket failed; reconnect if the plan says so.
    Lost,
}

/// Runs one client until its command channel closes.
pub async fn run_client(
    plan: ClientPlan,
    server: SocketAddr,
    hub: Arc<Hub>,
    mut phase: watch::Receiver<Phase>,
    mut commands: mpsc::Receiver<Command>,
) {
    let mut state = State::new(&plan, &hub);
    let mut pause: Option<PauseReport> = None;
    let mut resumed_at: Option<Instant> = None;
    let mut reconnecting = false;
    loop {
        let mut socket = match open(&plan, server).await {
            Ok(socket) => socket,
            // A reconnect retries (up to ~10 s) so that the paused client still reports.
            Err(kind) if reconnecting && retries(&mut pause) => {
                hub.event(&format!("reconnect_{kind}"));
                sleep(Duration::from_millis(500)).await;
                continue;
            }
            Err(kind) => {
                hub.event(&kind);
                return;
            }
        };
        let end = connection(
            &plan,
            &hub,
            &mut state,
            &mut socket,
            &mut phase,
            &mut commands,
            &mut pause,
            &mut resumed_at,
        )
        .await;
        match end {
            End::Done => return,
            End::Lost if plan.reconnect && *phase.borrow() != Phase::Stop => {
                if let Some(pause) = pause.as_mut() {
                    pause.lost.get_or_insert_with(|| "send_failed".to_owned());
                    pause.reconnects += 1;
                }
                reconnecting = true;
                sleep(Duration::from_millis(100)).await;
            }
            End::Lost => {
                // Stay around to report (the state stays as it was).
                while let Some(command) = commands.recv().await {
                    match command {
                        Command::Report(answer) => {
                            let _ = answer.send(state.report(&plan, pause.clone()));
                        }
                        Command::Leave => return,
                        _ => {}
                    }
                }
                return;
            }
        }
    }
}

/// Counts a failed reconnect attempt; false once 20 failed.
fn retries(pause: &mut Option<PauseReport>) -> bool {
    let pause = pause.get_or_insert_with(PauseReport::default);
    pause.failed_reconnects += 1;
    pause.failed_reconnects <= 20
}

async fn send(socket: &mut Socket, hub: &Hub, frame: Vec<u8>) -> bool {
    if socket.send(Message::binary(frame)).await.is_err() {
        hub.event("send_failed");
        return false;
    }
    true
}

#[allow(clippy::too_many_arguments)]
async fn connection(
    plan: &ClientPlan,
    hub: &Hub,
    state: &mut State,
    socket: &mut Socket,
    phase: &mut watch::Receiver<Phase>,
    commands: &mut mpsc::Receiver<Command>,
    pause: &mut Option<PauseReport>,
    resumed_at: &mut Option<Instant>,
) -> End {
    let dialect = &plan.dialect;
    let mut synced = false;
    if let Some(auth) = yjs_wire::auth_token(dialect)
        && !send(socket, hub, auth).await
    {
        return End::Lost;
    }
    let sv = state.doc.transact().state_vector().encode_v1();
    if !send(socket, hub, yjs_wire::sync(dialect, yjs_wire::STEP1, &sv)).await {
        return End::Lost;
    }
    let offset = Duration::from_millis((plan.place as u64 * 1000 / 30) % 1000);
    let start = tokio::time::Instant::now() + offset;
    let mut edits = interval_at(start, Duration::from_secs(1));
    edits.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut cursors = interval_at(start + Duration::from_millis(500), Duration::from_secs(1));
    cursors.set_missed_tick_behavior(MissedTickBehavior::Skip);
    // After a pause the client first reads what arrived (a close frame among it) before it
    // writes again: a write to a connection the server dropped would reset it and lose the code.
    let mut read_first: Option<tokio::time::Instant> = None;
    loop {
        let editing = synced && *phase.borrow() == Phase::Edit && read_first.is_none();
        tokio::select! {
            command = commands.recv() => match command {
                None | Some(Command::Leave) => {
                    let _ = socket.close(None).await;
                    return End::Done;
                }
                Some(Command::Seed { chars, done }) => {
                    let started = Instant::now();
                    for _ in 0..chars.div_ceil(SEED_CHUNK) {
                        let update = state.edit(hub, SEED_CHUNK);
                        let frame = yjs_wire::sync(dialect, yjs_wire::UPDATE, &update);
                        if !send(socket, hub, frame).await {
                            return End::Lost;
                        }
                    }
                    let _ = done.send(started.elapsed().as_secs_f64() * 1000.0);
                }
                Some(Command::Report(answer)) => {
                    let _ = answer.send(state.report(plan, pause.clone()));
                }
                Some(Command::Pause(duration)) => {
                    pause.get_or_insert_with(PauseReport::default);
                    sleep(duration).await;
                    *resumed_at = Some(Instant::now());
                    read_first = Some(tokio::time::Instant::now() + READ_FIRST);
                }
            },
            _ = tokio::time::sleep_until(read_first.unwrap_or_else(tokio::time::Instant::now)),
                if read_first.is_some() => {
                read_first = None;
            }
            changed = phase.changed() => {
                if changed.is_err() {
                    return End::Done;
                }
            }
            _ = edits.tick(), if editing => {
                let update = state.edit(hub, plan.edit_chars);
                if !send(socket, hub, yjs_wire::sync(dialect, yjs_wire::UPDATE, &update)).await {
                    return End::Lost;
                }
                hub.edits_sent.fetch_add(1, Ordering::Relaxed);
            }
            _ = cursors.tick(), if editing => {
                let frame = state.awareness(dialect, plan.place);
                if !send(socket, hub, frame).await {
                    return End::Lost;
                }
            }
            message = socket.next() => {
                let data = match message {
                    Some(Ok(Message::Binary(data))) => data,
                    Some(Ok(Message::Close(frame))) => {
                        let code = frame.map(|f| u16::from(f.code)).unwrap_or(1005);
                        hub.event(&format!("closed_{code}"));
                        if let Some(pause) = pause.as_mut() {
                            pause.close_code.get_or_insert(code);
                            pause.lost.get_or_insert_with(|| format!("close_{code}"));
                        }
                        return End::Lost;
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => {
                        hub.event("closed_1006");
                        if let Some(pause) = pause.as_mut() {
                            pause.close_code.get_or_insert(1006);
                            let how = if message.is_none() { "eof" } else { "read_error" };
                            pause.lost.get_or_insert_with(|| how.to_owned());
                        }
                        return End::Lost;
                    }
                };
                match yjs_wire::parse(dialect, &data) {
                    Some(Incoming::SyncStep1(sv)) => {
                        let Ok(sv) = StateVector::decode_v1(sv) else {
                            hub.event("bad_state_vector");
                            continue;
                        };
                        let update = state.doc.transact().encode_state_as_update_v1(&sv);
                        let frame = yjs_wire::sync(dialect, yjs_wire::STEP2, &update);
                        if !send(socket, hub, frame).await {
                            return End::Lost;
                        }
                    }
                    Some(Incoming::SyncStep2(update)) => {
                        if plan.full || !state.synced_once {
                            state.apply(hub, update);
                        }
                        if !synced {
                            synced = true;
                            on_synced(plan, hub, state, pause, resumed_at);
                            let frame = state.awareness(dialect, plan.place);
                            if !send(socket, hub, frame).await {
                                return End::Lost;
                            }
                        }
                    }
                    Some(Incoming::Update(update)) => {
                        hub.updates_received.fetch_add(1, Ordering::Relaxed);
                        hub.last_update_us.store(hub.now_us(), Ordering::Relaxed);
                        if plan.full {
                            state.apply(hub, update);
                        }
                    }
                    Some(Incoming::Awareness) => {
                        hub.awareness_received.fetch_add(1, Ordering::Relaxed);
                    }
                    Some(Incoming::Auth { denied: true }) => hub.event("auth_denied"),
                    Some(_) => {}
                    None => hub.event("malformed_frame"),
                }
            }
        }
    }
}

fn on_synced(
    plan: &ClientPlan,
    hub: &Hub,
    state: &mut State,
    pause: &mut Option<PauseReport>,
    resumed_at: &mut Option<Instant>,
) {
    if !state.synced_once {
        state.synced_once = true;
        hub.synced.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut at) = hub.synced_at_us.lock() {
            at.push(hub.now_us());
        }
    }
    if let (Some(pause), Some(resumed)) = (pause.as_mut(), resumed_at.take()) {
        pause.resync_ms = Some(resumed.elapsed().as_secs_f64() * 1000.0);
    }
    // Latencies count only once the backlog of the initial sync is in.
    state.live.store(plan.full && plan.measure, Ordering::Relaxed);
}
