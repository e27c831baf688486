//! The media plane of the video benchmark: ONE thread owns every simulated endpoint (`Peer`: a
//! str0m `Rtc` and its UDP socket) and drives them with epoll — incoming datagrams, the `Rtc`s'
//! timeouts and the send schedule of every track (video frames at 30/s, audio every 20 ms, each
//! track with its own phase). The signalling (HTTP, WebSocket) runs on the tokio runtime of the
//! main thread and reaches the engine through commands: create a peer, run a closure on its `Rtc`
//! (SDP offers and answers; the engine drains the `Rtc` afterwards), publish tracks, take a
//! snapshot of the counters. A Unix datagram pair wakes the engine when a command is queued.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use str0m::{Candidate, Rtc};
use tokio::sync::oneshot;

use crate::video_peer::{Peer, Tally, Track, TrackSpec, new_rtc};

/// A closure run on a peer's `Rtc` inside the engine.
type RtcJob = Box<dyn FnOnce(&mut Rtc) + Send>;

enum Command {
    Create {
        bind: IpAddr,
        light: bool,
        reply: oneshot::Sender<Result<(usize, SocketAddr), String>>,
    },
    With {
        peer: usize,
        job: RtcJob,
        failed: oneshot::Sender<String>,
    },
    Publish {
        peer: usize,
        tracks: Vec<TrackSpec>,
    },
    Snapshot {
        reset_latency: bool,
        reply: oneshot::Sender<Snapshot>,
    },
    Stop,
}

/// The engine's counters at one moment (latency histograms since the last reset).
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub at: Instant,
    pub peers: usize,
    pub connected: usize,
    pub failed: usize,
    pub tally: Tally,
    /// Σ over incoming SSRCs of (highest − lowest sequence number + 1).
    pub seq_expected: u64,
    /// Σ over incoming SSRCs of packets received.
    pub seq_received: u64,
    /// Times the send schedule ran more than 50 ms late (the generator fell behind).
    pub late_frames: u64,
    /// The longest stretch the engine worked without waiting (µs) since the last reset.
    pub max_busy_us: u64,
}

/// The handle the signalling side holds.
#[derive(Clone)]
pub struct Engine {
    commands: Sender<Command>,
    waker: Arc<UnixDatagram>,
}

const WAKER: u64 = u64::MAX;
/// The engine's period: sends, receives and `Rtc` timeouts are handled once per tick.
const TICK: Duration = Duration::from_millis(1);
const LATE: Duration = Duration::from_millis(50);

impl Engine {
    /// Starts the engine thread; `epoch` is the clock of the payload stamps.
    pub fn start(epoch: Instant) -> Result<(Engine, JoinHandle<()>), String> {
        let (commands, receiver) = mpsc::channel();
        let (waker, wakee) = UnixDatagram::pair().map_err(|error| error.to_string())?;
        waker.set_nonblocking(true).map_err(|error| error.to_string())?;
        wakee.set_nonblocking(true).map_err(|error| error.to_string())?;
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).map_err(|e| e.to_string())?;
        epoll
            .add(&wakee, EpollEvent::new(EpollFlags::EPOLLIN, WAKER))
            .map_err(|e| e.to_string())?;
        let state = State {
            epoch,
            epoll,
            wakee,
            commands: receiver,
            peers: Vec::new(),
            tracks: Vec::new(),
            schedule: BinaryHeap::new(),
            tally: Tally::new()?,
            late_frames: 0,
            max_busy_us: 0,
        };
        let thread = std::thread::Builder::new()
            .name("video-engine".into())
            .spawn(move || state.run())
            .map_err(|error| error.to_string())?;
        Ok((Engine { commands, waker: Arc::new(waker) }, thread))
    }

    fn send(&self, command: Command) -> Result<(), String> {
        self.commands.send(command).map_err(|_| "the media engine stopped".to_owned())?;
        // A full wake-up queue already wakes the engine.
        let _ = self.waker.send(&[1]);
        Ok(())
    }

    /// A new peer with a UDP socket on `bind` (port chosen by the kernel) as its host candidate;
    /// a `light` one counts RTP from the header (`video_light`).
    pub async fn create(&self, bind: IpAddr, light: bool) -> Result<(usize, SocketAddr), String> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Create { bind, light, reply })?;
        answer.await.map_err(|_| "the media engine stopped".to_owned())?
    }

    /// Runs `f` on the peer's `Rtc` in the engine (then the engine drains it).
    pub async fn with<R, F>(&self, peer: usize, f: F) -> Result<R, String>
    where
        R: Send + 'static,
        F: FnOnce(&mut Rtc) -> R + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let (failed, failure) = oneshot::channel();
        let job: RtcJob = Box::new(move |rtc| {
            let _ = reply.send(f(rtc));
        });
        self.send(Command::With { peer, job, failed })?;
        tokio::select! {
            result = answer => result.map_err(|_| "the media engine dropped the job".to_owned()),
            Ok(error) = failure => Err(error),
        }
    }

    /// Starts sending these tracks (each on its own schedule) once the peer is connected.
    pub fn publish(&self, peer: usize, tracks: Vec<TrackSpec>) -> Result<(), String> {
        self.send(Command::Publish { peer, tracks })
    }

    /// Waits until the peer's `Rtc` is connected (ICE and DTLS done).
    pub async fn wait_connected(&self, peer: usize, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        while !self.with(peer, |rtc| rtc.is_connected()).await? {
            if Instant::now() >= deadline {
                return Err(format!("peer {peer} did not connect within {timeout:?}"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    pub async fn snapshot(&self, reset_latency: bool) -> Result<Snapshot, String> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Snapshot { reset_latency, reply })?;
        answer.await.map_err(|_| "the media engine stopped".to_owned())
    }

    pub fn stop(&self) {
        let _ = self.send(Command::Stop);
    }
}

struct State {
    epoch: Instant,
    epoll: Epoll,
    wakee: UnixDatagram,
    commands: Receiver<Command>,
    peers: Vec<Peer>,
    tracks: Vec<Track>,
    /// (due, track index), earliest first.
    schedule: BinaryHeap<Reverse<(Instant, usize)>>,
    tally: Tally,
    late_frames: u64,
    max_busy_us: u64,
}

impl State {
    fn run(mut self) {
        let mut events = vec![EpollEvent::empty(); 256];
        let mut buf = vec![0u8; 2048];
        let mut next_tick = Instant::now();
        loop {
            if !self.handle_commands() {
                return;
            }
            let woke = Instant::now();
            self.send_due(woke);
            // Everything that arrived since the last tick (level-triggered: a socket with more
            // than MAX_READS waiting is reported again).
            loop {
                let ready = match self.epoll.wait(&mut events, EpollTimeout::ZERO) {
                    Ok(ready) => ready,
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(_) => return,
                };
                for event in events.iter().take(ready) {
                    let key = event.data();
                    if key == WAKER {
                        while self.wakee.recv(&mut buf).is_ok() {}
                        continue;
                    }
                    let Ok(index) = usize::try_from(key) else { continue };
                    if let Some(peer) = self.peers.get_mut(index) {
                        peer.read(&mut buf, self.epoch, &mut self.tracks, &mut self.tally);
                    }
                }
                if ready < events.len() {
                    break;
                }
            }
            let now = Instant::now();
            for peer in &mut self.peers {
                peer.tick(now, self.epoch, &mut self.tracks, &mut self.tally);
            }
            let done = Instant::now();
            let busy = u64::try_from(done.duration_since(woke).as_micros()).unwrap_or(0);
            self.max_busy_us = self.max_busy_us.max(busy);
            // One wake-up per tick, not one per datagram (see `video_socket`).
            next_tick += TICK;
            if next_tick <= done {
                next_tick = done + TICK;
            }
            std::thread::sleep(next_tick.saturating_duration_since(done));
        }
    }

    /// Handles the queued commands; false on `Stop`.
    fn handle_commands(&mut self) -> bool {
        loop {
            let command = match self.commands.try_recv() {
                Ok(command) => command,
                Err(TryRecvError::Empty) => return true,
                Err(TryRecvError::Disconnected) => return false,
            };
            match command {
                Command::Create { bind, light, reply } => {
                    let _ = reply.send(self.create(bind, light));
                }
                Command::With { peer, job, failed } => match self.peers.get_mut(peer) {
                    Some(p) => {
                        job(&mut p.rtc);
                        p.drain(self.epoch, &mut self.tracks, &mut self.tally);
                    }
                    None => {
                        let _ = failed.send(format!("no peer {peer}"));
                    }
                },
                Command::Publish { peer, tracks } => self.publish(peer, tracks),
                Command::Snapshot { reset_latency, reply } => {
                    let _ = reply.send(self.snapshot());
                    if reset_latency {
                        self.max_busy_us = 0;
                        self.tally.latency_audio.reset();
                        self.tally.latency_video.reset();
                    }
                }
                Command::Stop => return false,
            }
        }
    }

    fn create(&mut self, bind: IpAddr, light: bool) -> Result<(usize, SocketAddr), String> {
        let socket = UdpSocket::bind(SocketAddr::new(bind, 0)).map_err(|e| e.to_string())?;
        socket.set_nonblocking(true).map_err(|e| e.to_string())?;
        if !light {
            crate::video_socket::enable_timestamps(&socket)?;
        }
        let local = socket.local_addr().map_err(|e| e.to_string())?;
        let index = self.peers.len();
        let key = u64::try_from(index).map_err(|e| e.to_string())?;
        self.epoll
            .add(&socket, EpollEvent::new(EpollFlags::EPOLLIN, key))
            .map_err(|e| e.to_string())?;
        let now = Instant::now();
        let mut rtc = new_rtc(now);
        let candidate = Candidate::host(local, "udp").map_err(|e| e.to_string())?;
        rtc.add_local_candidate(candidate);
        let mut peer = Peer::new(rtc, socket, local, now, light);
        peer.drain(self.epoch, &mut self.tracks, &mut self.tally);
        self.peers.push(peer);
        Ok((index, local))
    }

    fn publish(&mut self, peer: usize, specs: Vec<TrackSpec>) {
        let now = Instant::now();
        // The layers of one camera share the frame times (an encoder makes them together); every
        // camera and microphone has its own phase.
        let phase_seed = (peer as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
        for spec in specs {
            let index = self.tracks.len();
            let track = Track::new(peer, spec, now, phase_seed ^ index as u64);
            let interval = track.interval();
            let nanos = u64::try_from(interval.as_nanos()).unwrap_or(1).max(1);
            let phase = Duration::from_nanos(phase_seed.wrapping_add(spec.mid_hash()) % nanos);
            self.tracks.push(track);
            if let Some(p) = self.peers.get_mut(peer) {
                p.tracks.push(index);
            }
            self.schedule.push(Reverse((now + phase, index)));
        }
    }

    fn send_due(&mut self, now: Instant) {
        while let Some(&Reverse((due, index))) = self.schedule.peek() {
            if due > now {
                return;
            }
            self.schedule.pop();
            let Some(track) = self.tracks.get(index) else { continue };
            let interval = track.interval();
            let peer = track.peer;
            if let Some(p) = self.peers.get_mut(peer) {
                p.send_frame(index, Instant::now(), self.epoch, &mut self.tracks, &mut self.tally);
            }
            let mut next = due + interval;
            if now.saturating_duration_since(next) > LATE {
                self.late_frames += 1;
                next = now + interval;
            }
            self.schedule.push(Reverse((next, index)));
        }
    }

    fn snapshot(&self) -> Snapshot {
        let mut seq_expected = 0;
        let mut seq_received = 0;
        for peer in &self.peers {
            for stream in peer.streams.values() {
                seq_expected += stream.max - stream.first + 1;
                seq_received += stream.received;
            }
        }
        Snapshot {
            at: Instant::now(),
            peers: self.peers.len(),
            connected: self.peers.iter().filter(|p| p.connected && !p.failed).count(),
            failed: self.peers.iter().filter(|p| p.failed).count(),
            tally: self.tally.clone(),
            seq_expected,
            seq_received,
            late_frames: self.late_frames,
            max_busy_us: self.max_busy_us,
        }
    }
}
