//! A WebRTC peer for the video tests: a `str0m` `Rtc` in RTP mode on its own UDP socket, run by
//! one task, that offers (publishing camera with 3 simulcast layers, audio, screen; receiving
//! given tracks), sends synthetic VP8/Opus packets and records what arrives. It speaks to the
//! server's SFU over real loopback UDP, so ICE, DTLS and SRTP all run for real.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use str0m::change::{SdpAnswer, SdpPendingOffer};
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, Mid, Simulcast, SimulcastLayer};
use str0m::net::{Protocol, Receive};
use str0m::rtp::{ExtensionValues, RtpWrite};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

type Job = Box<dyn FnOnce(&mut Rtc) + Send>;

/// What the peer has seen.
#[derive(Debug, Default)]
pub struct Seen {
    /// Received RTP: (mid, payload).
    pub packets: Vec<(String, Vec<u8>)>,
    /// Keyframe requests for our sending m-lines: (mid, rid).
    pub keyframe_requests: Vec<(String, String)>,
    pub connected: bool,
}

pub struct MediaPeer {
    jobs: mpsc::UnboundedSender<Job>,
    pub seen: Arc<Mutex<Seen>>,
}

/// An offer made, waiting for the answer.
pub struct PendingOffer {
    pub sdp: String,
    pub publish: serde_json::Map<String, serde_json::Value>,
    pub receive: serde_json::Map<String, serde_json::Value>,
    pub mids: Vec<Mid>,
    pending: SdpPendingOffer,
}

impl MediaPeer {
    pub async fn start() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let local = socket.local_addr().unwrap();
        let mut rtc = Rtc::builder().set_rtp_mode(true).build(Instant::now());
        rtc.add_local_candidate(Candidate::host(local, "udp").unwrap());
        let (jobs, jobs_rx) = mpsc::unbounded_channel();
        let seen = Arc::new(Mutex::new(Seen::default()));
        tokio::spawn(run(rtc, socket, local, jobs_rx, seen.clone()));
        MediaPeer { jobs, seen }
    }

    /// A peer that reaches the SFU only over ICE-TCP (as on a network that blocks UDP): its one
    /// candidate is TCP active; it connects to the server's passive TCP candidate and frames
    /// packets with a 2-byte length (RFC 4571).
    pub async fn start_tcp() -> Self {
        let local: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let mut rtc = Rtc::builder().set_rtp_mode(true).build(Instant::now());
        let candidate = Candidate::builder()
            .tcp()
            .host(local)
            .tcptype(str0m::net::TcpType::Active)
            .build()
            .unwrap();
        rtc.add_local_candidate(candidate);
        let (jobs, jobs_rx) = mpsc::unbounded_channel();
        let seen = Arc::new(Mutex::new(Seen::default()));
        tokio::spawn(run_tcp(rtc, local, jobs_rx, seen.clone()));
        MediaPeer { jobs, seen }
    }

    async fn call<T: Send + 'static>(&self, f: impl FnOnce(&mut Rtc) -> T + Send + 'static) -> T {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |rtc| {
            let _ = tx.send(f(rtc));
        });
        self.jobs.send(job).unwrap();
        rx.await.unwrap()
    }

    /// Makes an offer: new sending m-lines for `publish` ("camera", "audio", "screen") and new
    /// receiving m-lines for `receive` (track id, kind).
    pub async fn offer(
        &self,
        publish: &[&'static str],
        receive: &[(u64, &'static str)],
    ) -> PendingOffer {
        let publish = publish.to_vec();
        let receive = receive.to_vec();
        self.call(move |rtc| {
            let mut change = rtc.sdp_api();
            let mut publish_map = serde_json::Map::new();
            let mut receive_map = serde_json::Map::new();
            let mut mids = Vec::new();
            for kind in publish {
                let (media, simulcast) = match kind {
                    "camera" => {
                        let mut s = Simulcast::new();
                        for rid in ["q", "h", "f"] {
                            s.add_send_layer(SimulcastLayer::new(rid));
                        }
                        (MediaKind::Video, Some(s))
                    }
                    "audio" => (MediaKind::Audio, None),
                    _ => (MediaKind::Video, None),
                };
                let mid = change.add_media(media, Direction::SendOnly, None, None, simulcast);
                publish_map.insert(mid.to_string(), kind.into());
                mids.push(mid);
            }
            for (track, kind) in receive {
                let media = if kind == "audio" { MediaKind::Audio } else { MediaKind::Video };
                let mid = change.add_media(media, Direction::RecvOnly, None, None, None);
                receive_map.insert(mid.to_string(), track.into());
                mids.push(mid);
            }
            let (offer, pending) = change.apply().unwrap();
            PendingOffer {
                sdp: offer.to_sdp_string(),
                publish: publish_map,
                receive: receive_map,
                mids,
                pending,
            }
        })
        .await
    }

    pub async fn accept_answer(&self, offer: PendingOffer, answer: &str) {
        let answer = SdpAnswer::from_sdp_string(answer).unwrap();
        self.call(move |rtc| rtc.sdp_api().accept_answer(offer.pending, answer).unwrap()).await;
    }

    /// Sends one VP8 packet on a layer (`rid` None: no simulcast); payload byte 5 is `marker`.
    pub async fn send_vp8(
        &self,
        mid: Mid,
        rid: Option<&'static str>,
        seq: u64,
        keyframe: bool,
        marker: u8,
    ) {
        self.call(move |rtc| {
            let pt = pt_of(rtc, Codec::Vp8);
            let payload = vec![
                0x90,
                0x80,
                0x80 | ((seq >> 8) & 0x7f) as u8,
                (seq & 0xff) as u8,
                u8::from(!keyframe),
                marker,
                0,
                0,
            ];
            if let Some(stream) = rtc.direct_api().stream_tx_by_mid(mid, rid.map(Into::into)) {
                stream.write_rtp(
                    RtpWrite::new(pt, seq.into(), (seq * 3000) as u32, Instant::now(), payload)
                        .marker(true),
                );
            }
        })
        .await;
    }

    pub async fn send_opus(&self, mid: Mid, seq: u64, marker: u8) {
        self.call(move |rtc| {
            let pt = pt_of(rtc, Codec::Opus);
            let ext = ExtensionValues {
                audio_level: Some(-20),
                voice_activity: Some(true),
                ..Default::default()
            };
            if let Some(stream) = rtc.direct_api().stream_tx_by_mid(mid, None) {
                stream.write_rtp(
                    RtpWrite::new(
                        pt,
                        seq.into(),
                        (seq * 960) as u32,
                        Instant::now(),
                        vec![0xfc, marker, 2, 3],
                    )
                    .ext_vals(ext),
                );
            }
        })
        .await;
    }

    /// Packets received on `mid` so far.
    pub fn received_on(&self, mid: &str) -> usize {
        self.seen.lock().unwrap().packets.iter().filter(|(m, _)| m == mid).count()
    }

    pub fn connected(&self) -> bool {
        self.seen.lock().unwrap().connected
    }

    /// Waits until `check` holds (or panics after `timeout`).
    pub async fn wait_for(&self, what: &str, timeout: Duration, check: impl Fn(&Seen) -> bool) {
        let end = Instant::now() + timeout;
        while !check(&self.seen.lock().unwrap()) {
            assert!(Instant::now() < end, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn pt_of(rtc: &Rtc, codec: Codec) -> str0m::media::Pt {
    rtc.codec_config().params().iter().find(|p| p.spec().codec == codec).unwrap().pt()
}

async fn run(
    mut rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    seen: Arc<Mutex<Seen>>,
) {
    let mut buf = vec![0u8; 2000];
    loop {
        let timeout = loop {
            match rtc.poll_output() {
                Ok(Output::Timeout(t)) => break t,
                Ok(Output::Transmit(t)) => {
                    let _ = socket.send_to(&t.contents, t.destination).await;
                }
                Ok(Output::Event(event)) => record(&mut rtc, event, &seen),
                Err(_) => return,
            }
        };
        let sleep =
            timeout.saturating_duration_since(Instant::now()).min(Duration::from_millis(50));
        tokio::select! {
            received = socket.recv_from(&mut buf) => {
                let Ok((n, source)) = received else { return };
                if let Ok(receive) = Receive::new(Protocol::Udp, source, local, &buf[..n]) {
                    let _ = rtc.handle_input(Input::Receive(Instant::now(), receive));
                }
            }
            job = jobs.recv() => match job {
                Some(job) => job(&mut rtc),
                None => return,
            },
            () = tokio::time::sleep(sleep) => {
                let _ = rtc.handle_input(Input::Timeout(Instant::now()));
            }
        }
    }
}

async fn run_tcp(
    mut rtc: Rtc,
    local: SocketAddr,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    seen: Arc<Mutex<Seen>>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (frames_tx, mut frames) = mpsc::unbounded_channel::<(SocketAddr, Vec<u8>)>();
    let mut writer: Option<(SocketAddr, tokio::net::tcp::OwnedWriteHalf)> = None;
    loop {
        let timeout = loop {
            match rtc.poll_output() {
                Ok(Output::Timeout(t)) => break t,
                Ok(Output::Transmit(t)) => {
                    if writer.is_none() {
                        let Ok(stream) = tokio::net::TcpStream::connect(t.destination).await else {
                            continue;
                        };
                        let (mut read, write) = stream.into_split();
                        let (server, frames_tx) = (t.destination, frames_tx.clone());
                        tokio::spawn(async move {
                            let mut len = [0u8; 2];
                            while read.read_exact(&mut len).await.is_ok() {
                                let mut packet = vec![0u8; usize::from(u16::from_be_bytes(len))];
                                if read.read_exact(&mut packet).await.is_err()
                                    || frames_tx.send((server, packet)).is_err()
                                {
                                    return;
                                }
                            }
                        });
                        writer = Some((t.destination, write));
                    }
                    if let Some((_, write)) = writer.as_mut() {
                        let len = u16::try_from(t.contents.len()).unwrap().to_be_bytes();
                        let _ = write.write_all(&len).await;
                        let _ = write.write_all(&t.contents).await;
                    }
                }
                Ok(Output::Event(event)) => record(&mut rtc, event, &seen),
                Err(_) => return,
            }
        };
        let sleep =
            timeout.saturating_duration_since(Instant::now()).min(Duration::from_millis(50));
        tokio::select! {
            Some((source, packet)) = frames.recv() => {
                if let Ok(receive) = Receive::new(Protocol::Tcp, source, local, &packet) {
                    let _ = rtc.handle_input(Input::Receive(Instant::now(), receive));
                }
            }
            job = jobs.recv() => match job {
                Some(job) => job(&mut rtc),
                None => return,
            },
            () = tokio::time::sleep(sleep) => {
                let _ = rtc.handle_input(Input::Timeout(Instant::now()));
            }
        }
    }
}

fn record(rtc: &mut Rtc, event: Event, seen: &Mutex<Seen>) {
    let mut seen = seen.lock().unwrap();
    match event {
        Event::Connected => seen.connected = true,
        Event::RtpPacket(packet) => {
            let mid = rtc
                .direct_api()
                .stream_rx(&packet.header.ssrc)
                .map(|s| s.mid().to_string())
                .unwrap_or_default();
            seen.packets.push((mid, packet.payload.to_vec()));
        }
        Event::KeyframeRequest(request) => {
            let rid = request.rid.map(|r| r.to_string()).unwrap_or_default();
            seen.keyframe_requests.push((request.mid.to_string(), rid));
        }
        _ => {}
    }
}
