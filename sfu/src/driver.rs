//! The thin async driver of the SFU core: one task owns the `Sfu`, the node's ONE UDP socket and
//! the datagrams of the ICE-TCP connections (RFC 4571 framing: a 2-byte length before each
//! packet), and the timer. The application talks to it through `SfuHandle::call`, which runs a
//! closure on the core inside the task (so no lock is ever shared), and hears `SfuEvent`s on a
//! channel. Shutdown: the task ends when the handle's shutdown signal fires.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use str0m::Candidate;
use str0m::net::Transmit;
use str0m::net::{Protocol, TcpType};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, oneshot, watch};

use crate::engine::{MediaStats, Output, Sfu, SfuEvent, SfuLimits};
use crate::udp_batch::{self, BATCH, RecvBatch, SendBatch, Sent};

/// At most this many `recvmmsg` calls per wake-up before the core sends what they produced.
const RECV_CALLS_PER_WAKE: usize = 4;

/// Where the driver listens and what it announces.
#[derive(Clone, Debug)]
pub struct DriverConfig {
    /// Address the UDP socket binds (port 0: any free port).
    pub udp_bind: SocketAddr,
    /// Address the ICE-TCP listener binds (`None`: no ICE-TCP).
    pub tcp_bind: Option<SocketAddr>,
    /// The address clients reach the node at (announced as the candidates' address). Default:
    /// the bound address.
    pub public_ip: Option<IpAddr>,
    pub limits: SfuLimits,
}

type Job = Box<dyn FnOnce(&mut Sfu, Instant) + Send>;

/// The application's side of the driver.
#[derive(Clone)]
pub struct SfuHandle {
    jobs: mpsc::Sender<Job>,
    /// The announced UDP and ICE-TCP addresses.
    pub udp_addr: SocketAddr,
    pub tcp_addr: Option<SocketAddr>,
}

#[derive(Debug, thiserror::Error)]
#[error("the video engine has stopped")]
pub struct EngineStopped;

impl SfuHandle {
    /// Runs `f` on the core (inside the driver task) and returns its result.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Sfu, Instant) -> T + Send + 'static,
    ) -> Result<T, EngineStopped> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |sfu, now| {
            let _ = tx.send(f(sfu, now));
        });
        self.jobs.send(job).await.map_err(|_| EngineStopped)?;
        rx.await.map_err(|_| EngineStopped)
    }

    /// Counters of the whole node.
    pub async fn node_stats(&self) -> Result<(MediaStats, usize), EngineStopped> {
        self.call(|sfu, _| (sfu.node_stats(), sfu.room_count())).await
    }
}

enum TcpEvent {
    Opened(SocketAddr, mpsc::Sender<Vec<u8>>),
    Datagram(SocketAddr, Vec<u8>),
    Closed(SocketAddr),
}

/// Binds the sockets and starts the driver task. Events of the core arrive on the receiver.
pub async fn start(
    config: DriverConfig,
    shutdown: watch::Receiver<bool>,
) -> io::Result<(SfuHandle, mpsc::UnboundedReceiver<SfuEvent>)> {
    let udp = UdpSocket::bind(config.udp_bind).await?;
    let (rcvbuf, sndbuf) = udp_batch::size_buffers(&udp);
    tracing::debug!(rcvbuf, sndbuf, "video UDP socket buffers");
    let udp_local = udp.local_addr()?;
    let public_ip = config.public_ip.unwrap_or(udp_local.ip());
    let udp_addr = SocketAddr::new(public_ip, udp_local.port());
    let mut candidates = vec![Candidate::host(udp_addr, "udp").map_err(io::Error::other)?];
    let (tcp_tx, tcp_rx) = mpsc::channel::<TcpEvent>(1024);
    let mut tcp_addr = None;
    if let Some(bind) = config.tcp_bind {
        let listener = TcpListener::bind(bind).await?;
        let addr = SocketAddr::new(public_ip, listener.local_addr()?.port());
        let candidate = Candidate::builder()
            .tcp()
            .host(addr)
            .tcptype(TcpType::Passive)
            .build()
            .map_err(io::Error::other)?;
        candidates.push(candidate);
        tcp_addr = Some(addr);
        tokio::spawn(accept_tcp(listener, tcp_tx, shutdown.clone()));
    }
    let sfu = Sfu::new(candidates, config.limits).map_err(io::Error::other)?;
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>(1024);
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let core = Core {
        sfu,
        udp,
        udp_addr,
        tcp_addr,
        tcp_writers: HashMap::new(),
        events: events_tx,
        recv: RecvBatch::default(),
        send: SendBatch::default(),
        outgoing: Vec::with_capacity(4 * BATCH),
    };
    tokio::spawn(core.run(jobs_rx, tcp_rx, shutdown));
    Ok((SfuHandle { jobs: jobs_tx, udp_addr, tcp_addr }, events_rx))
}

struct Core {
    sfu: Sfu,
    udp: UdpSocket,
    udp_addr: SocketAddr,
    tcp_addr: Option<SocketAddr>,
    tcp_writers: HashMap<SocketAddr, mpsc::Sender<Vec<u8>>>,
    events: mpsc::UnboundedSender<SfuEvent>,
    recv: RecvBatch,
    send: SendBatch,
    /// UDP datagrams the core produced, sent in `sendmmsg` batches.
    outgoing: Vec<Transmit>,
}

impl Core {
    async fn run(
        mut self,
        mut jobs: mpsc::Receiver<Job>,
        mut tcp: mpsc::Receiver<TcpEvent>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        // One timer, moved only when the core's next deadline changes (not a new one per turn).
        let sleep = tokio::time::sleep_until(tokio::time::Instant::now());
        tokio::pin!(sleep);
        loop {
            let wake = self
                .sfu
                .next_timeout()
                .unwrap_or_else(|| Instant::now() + Duration::from_millis(200));
            let wake = tokio::time::Instant::from_std(wake);
            if sleep.deadline() != wake {
                sleep.as_mut().reset(wake);
            }
            tokio::select! {
                readable = self.udp.readable() => {
                    if readable.is_ok() {
                        self.receive_udp();
                    }
                }
                Some(job) = jobs.recv() => job(&mut self.sfu, Instant::now()),
                Some(event) = tcp.recv() => self.tcp_event(event),
                () = &mut sleep => self.sfu.handle_timeout(Instant::now()),
                _ = shutdown.changed() => break,
            }
            self.flush().await;
        }
    }

    /// Takes the waiting datagrams in `recvmmsg` batches and hands them to the core (which
    /// drains each subscriber once per batch, in `flush`).
    fn receive_udp(&mut self) {
        let fd = self.udp.as_raw_fd();
        for _ in 0..RECV_CALLS_PER_WAKE {
            let recv = &mut self.recv;
            let mut count = 0;
            // A short batch means the socket is empty: tell tokio so (WouldBlock clears its
            // readiness; a datagram that arrives later raises a new edge), instead of finding
            // out with one more `recvmmsg` and one more turn of the loop.
            let result = self.udp.try_io(Interest::READABLE, || {
                count = recv.recv(fd)?;
                if count < BATCH { Err(io::ErrorKind::WouldBlock.into()) } else { Ok(()) }
            });
            if let Err(error) = &result
                && error.kind() != io::ErrorKind::WouldBlock
            {
                tracing::debug!(%error, "udp receive failed");
            }
            let now = Instant::now();
            for i in 0..count {
                if let Some((bytes, source)) = self.recv.datagram(i) {
                    self.sfu.handle_receive(now, Protocol::Udp, source, self.udp_addr, bytes);
                }
            }
            if result.is_err() {
                return;
            }
        }
    }

    fn tcp_event(&mut self, event: TcpEvent) {
        match event {
            TcpEvent::Opened(remote, writer) => {
                self.tcp_writers.insert(remote, writer);
            }
            TcpEvent::Datagram(remote, bytes) => {
                if let Some(local) = self.tcp_addr {
                    self.sfu.handle_receive(Instant::now(), Protocol::Tcp, remote, local, &bytes);
                }
            }
            TcpEvent::Closed(remote) => {
                self.tcp_writers.remove(&remote);
            }
        }
    }

    async fn flush(&mut self) {
        while let Some(output) = self.sfu.poll_output() {
            match output {
                Output::Transmit(transmit) => match transmit.proto {
                    Protocol::Udp => {
                        self.outgoing.push(transmit);
                        if self.outgoing.len() >= 4 * BATCH {
                            self.send_udp().await;
                        }
                    }
                    _ => {
                        if let Some(writer) = self.tcp_writers.get(&transmit.destination) {
                            // A full TCP queue means the peer is too slow: the packet is lost
                            // like on a congested UDP path (media is loss-tolerant; NACK/PLI repair).
                            let _ = writer.try_send(transmit.contents.to_vec());
                        }
                    }
                },
                Output::Event(event) => {
                    let _ = self.events.send(event);
                }
            }
        }
        self.send_udp().await;
    }

    /// Sends the queued datagrams in `sendmmsg` batches; waits while the socket buffer is full
    /// (nothing is dropped here; a refused destination is skipped).
    async fn send_udp(&mut self) {
        let fd = self.udp.as_raw_fd();
        let mut start = 0;
        while start < self.outgoing.len() {
            let pending = &self.outgoing[start..];
            let send = &mut self.send;
            let sent = self.udp.try_io(Interest::WRITABLE, || match send.send(fd, pending) {
                Sent::WouldBlock => Err(io::ErrorKind::WouldBlock.into()),
                other => Ok(other),
            });
            match sent {
                Ok(Sent::Some(n)) => start += n,
                Ok(Sent::Refused(error)) => {
                    tracing::debug!(%error, "udp send refused");
                    start += 1;
                }
                Ok(Sent::WouldBlock) | Err(_) => {
                    if self.udp.writable().await.is_err() {
                        break;
                    }
                }
            }
        }
        self.outgoing.clear();
    }
}

async fn accept_tcp(
    listener: TcpListener,
    events: mpsc::Sender<TcpEvent>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, remote)) = accepted {
                    tokio::spawn(serve_tcp(stream, remote, events.clone()));
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// One ICE-TCP connection: frames in to the core, frames out from the core.
async fn serve_tcp(stream: TcpStream, remote: SocketAddr, events: mpsc::Sender<TcpEvent>) {
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let (out_tx, mut out_rx) = mpsc::channel::<Vec<u8>>(512);
    if events.send(TcpEvent::Opened(remote, out_tx)).await.is_err() {
        return;
    }
    let write = async move {
        while let Some(packet) = out_rx.recv().await {
            let Ok(len) = u16::try_from(packet.len()) else { continue };
            if writer.write_all(&len.to_be_bytes()).await.is_err()
                || writer.write_all(&packet).await.is_err()
            {
                return;
            }
        }
    };
    let read_events = events.clone();
    let read = async move {
        let mut len = [0u8; 2];
        loop {
            if reader.read_exact(&mut len).await.is_err() {
                return;
            }
            let mut packet = vec![0u8; usize::from(u16::from_be_bytes(len))];
            if reader.read_exact(&mut packet).await.is_err() {
                return;
            }
            if read_events.send(TcpEvent::Datagram(remote, packet)).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        () = write => {}
        () = read => {}
    }
    let _ = events.send(TcpEvent::Closed(remote)).await;
}
