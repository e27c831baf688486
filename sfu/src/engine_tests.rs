//! The core with real `str0m` peers on a simulated network (no sockets): ICE, DTLS and SRTP run
//! for real between the peers and the SFU; time is simulated. Checks publish/subscribe routing,
//! the simulcast layer switch with its keyframe request, mute enforcement and removal.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use str0m::change::SdpAnswer;
use str0m::media::{Direction, MediaKind, Mid, Simulcast, SimulcastLayer};
use str0m::net::{Protocol, Receive};
use str0m::rtp::{ExtensionValues, RtpWrite};
use str0m::{Candidate, Event, Input, Output as RtcOutput, Rtc};

use crate::engine::{Output, Sfu, SfuError, SfuLimits};
use crate::participant::RoomId;
use crate::routing::{ParticipantId, TrackId, TrackKind};

const SERVER: &str = "10.0.0.1:3478";
pub(crate) const ROOM: RoomId = RoomId(1);

pub(crate) struct Peer {
    pub(crate) rtc: Rtc,
    pub(crate) addr: SocketAddr,
    pub(crate) id: ParticipantId,
    pub(crate) events: Vec<Event>,
}

pub(crate) struct Net {
    pub(crate) sfu: Sfu,
    server: SocketAddr,
    pub(crate) peers: Vec<Peer>,
    pub(crate) now: Instant,
    /// Drops every n-th RTP packet the SFU sends to this address (a lossy downlink).
    lossy: Option<(SocketAddr, u32)>,
    rtp_to_lossy: u32,
    /// The room `join` puts peers in.
    pub(crate) room: RoomId,
    /// Time spent inside the SFU's calls, and the RTP packets it sent (for the benchmark).
    pub(crate) sfu_time: Duration,
    pub(crate) sfu_rtp_out: u64,
}

fn limits() -> SfuLimits {
    SfuLimits { max_participants_per_room: 4, max_rooms: 2 }
}

impl Net {
    fn new() -> Self {
        Net::with_limits(limits())
    }

    pub(crate) fn with_limits(limits: SfuLimits) -> Self {
        let server: SocketAddr = SERVER.parse().unwrap();
        let candidate = Candidate::host(server, "udp").unwrap();
        Net {
            sfu: Sfu::new(vec![candidate], limits).unwrap(),
            server,
            peers: Vec::new(),
            now: Instant::now(),
            lossy: None,
            rtp_to_lossy: 0,
            room: ROOM,
            sfu_time: Duration::ZERO,
            sfu_rtp_out: 0,
        }
    }

    /// A peer joins and negotiates: `publish` sending m-lines, `receive` tracks to receive.
    pub(crate) fn join(&mut self, publish: &[TrackKind], receive: &[TrackId]) -> (usize, Vec<Mid>) {
        let n = self.peers.len();
        let addr: SocketAddr = format!("10.0.{}.{}:5000", n / 250, n % 250 + 2).parse().unwrap();
        let mut rtc = Rtc::builder().set_rtp_mode(true).build(self.now);
        rtc.add_local_candidate(Candidate::host(addr, "udp").unwrap());
        let id = self.sfu.join(self.room, self.now).unwrap();
        self.peers.push(Peer { rtc, addr, id, events: Vec::new() });
        let index = self.peers.len() - 1;
        let mids = self.negotiate(index, publish, receive);
        (index, mids)
    }

    fn negotiate(&mut self, index: usize, publish: &[TrackKind], receive: &[TrackId]) -> Vec<Mid> {
        let peer = &mut self.peers[index];
        let mut change = peer.rtc.sdp_api();
        let mut publish_map = Vec::new();
        let mut mids = Vec::new();
        for kind in publish {
            let (media, simulcast) = match kind {
                TrackKind::Audio => (MediaKind::Audio, None),
                TrackKind::Camera => {
                    let mut s = Simulcast::new();
                    for rid in ["q", "h", "f"] {
                        s.add_send_layer(SimulcastLayer::new(rid));
                    }
                    (MediaKind::Video, Some(s))
                }
                TrackKind::Screen => (MediaKind::Video, None),
            };
            let mid = change.add_media(media, Direction::SendOnly, None, None, simulcast);
            publish_map.push((mid.to_string(), *kind));
            mids.push(mid);
        }
        let tracks = self.sfu.tracks(self.room);
        let mut receive_map = Vec::new();
        for track in receive {
            let kind = tracks.iter().find(|t| t.id == *track).unwrap().kind;
            let media = if kind == TrackKind::Audio { MediaKind::Audio } else { MediaKind::Video };
            let mid = change.add_media(media, Direction::RecvOnly, None, None, None);
            receive_map.push((mid.to_string(), *track));
            mids.push(mid);
        }
        let (offer, pending) = change.apply().unwrap();
        let negotiated = self
            .sfu
            .negotiate(peer.id, &offer.to_sdp_string(), &publish_map, &receive_map)
            .unwrap();
        let answer = SdpAnswer::from_sdp_string(&negotiated.answer).unwrap();
        peer.rtc.sdp_api().accept_answer(pending, answer).unwrap();
        mids
    }

    /// Moves datagrams until nothing is in flight, then advances time by 5 ms steps.
    pub(crate) fn run(&mut self, duration: Duration) {
        let end = self.now + duration;
        while self.now < end {
            self.pump();
            self.now += Duration::from_millis(5);
            for peer in &mut self.peers {
                peer.rtc.handle_input(Input::Timeout(self.now)).unwrap();
            }
            let start = Instant::now();
            self.sfu.handle_timeout(self.now);
            self.sfu_time += start.elapsed();
        }
    }

    /// Lets a peer send what it has written now (str0m queues written RTP until a timeout), and
    /// moves it through the SFU.
    pub(crate) fn release(&mut self, index: usize) {
        self.peers[index].rtc.handle_input(Input::Timeout(self.now)).unwrap();
        self.pump();
    }

    /// Moves datagrams until nothing is in flight (time stands still).
    pub(crate) fn pump(&mut self) {
        for _ in 0..50 {
            let mut moved = false;
            for i in 0..self.peers.len() {
                loop {
                    match self.peers[i].rtc.poll_output().unwrap() {
                        RtcOutput::Timeout(_) => break,
                        RtcOutput::Transmit(t) => {
                            moved = true;
                            let start = Instant::now();
                            self.sfu.handle_receive(
                                self.now,
                                Protocol::Udp,
                                t.source,
                                self.server,
                                &t.contents,
                            );
                            self.sfu_time += start.elapsed();
                        }
                        RtcOutput::Event(e) => self.peers[i].events.push(e),
                    }
                }
            }
            let start = Instant::now();
            let outputs: Vec<Output> = std::iter::from_fn(|| self.sfu.poll_output()).collect();
            self.sfu_time += start.elapsed();
            for output in outputs {
                if let Output::Transmit(t) = output {
                    moved = true;
                    let is_rtp = t.contents.len() > 12
                        && t.contents[0] >> 6 == 2
                        && !(192..=223).contains(&t.contents[1]);
                    self.sfu_rtp_out += u64::from(is_rtp);
                    if let Some((addr, n)) = self.lossy
                        && addr == t.destination
                        && is_rtp
                    {
                        self.rtp_to_lossy += 1;
                        if self.rtp_to_lossy.is_multiple_of(n) {
                            continue;
                        }
                    }
                    if let Some(peer) = self.peers.iter_mut().find(|p| p.addr == t.destination) {
                        let receive =
                            Receive::new(Protocol::Udp, t.source, t.destination, &t.contents)
                                .unwrap();
                        peer.rtc.handle_input(Input::Receive(self.now, receive)).unwrap();
                    }
                }
            }
            if !moved {
                break;
            }
        }
    }

    pub(crate) fn connect(&mut self) {
        for _ in 0..200 {
            if self.peers.iter().all(|p| p.rtc.is_connected()) {
                return;
            }
            self.run(Duration::from_millis(20));
        }
        panic!("peers did not connect");
    }

    /// The publisher sends one VP8 packet on a simulcast layer (payload byte 5 names the layer).
    fn send_vp8(&mut self, index: usize, mid: Mid, rid: &str, seq: u64, keyframe: bool) {
        self.send_vp8_sized(index, mid, rid, seq, keyframe, 8);
    }

    /// `send_vp8` with the payload filled up to `size` bytes.
    pub(crate) fn send_vp8_sized(
        &mut self,
        index: usize,
        mid: Mid,
        rid: &str,
        seq: u64,
        keyframe: bool,
        size: usize,
    ) {
        let peer = &mut self.peers[index];
        let pt = peer
            .rtc
            .codec_config()
            .params()
            .iter()
            .find(|p| p.spec().codec == str0m::format::Codec::Vp8)
            .unwrap()
            .pt();
        let layer_byte = rid.as_bytes()[0];
        // X=1 S=1 | I=1 | M=1 picture id (15 bit) | VP8 header (P bit 0 = keyframe) | layer marker
        let mut payload = vec![
            0x90,
            0x80,
            0x80,
            (seq & 0x7f) as u8,
            if keyframe { 0x00 } else { 0x01 },
            layer_byte,
            0,
            0,
        ];
        payload.resize(size.max(payload.len()), 0x5a);
        let now = self.now;
        let mut api = peer.rtc.direct_api();
        let stream = api.stream_tx_by_mid(mid, Some(rid.into())).unwrap();
        stream.write_rtp(
            RtpWrite::new(pt, seq.into(), (seq * 3000) as u32, now, payload).marker(true),
        );
    }

    pub(crate) fn send_opus(&mut self, index: usize, mid: Mid, seq: u64) {
        let peer = &mut self.peers[index];
        let pt = peer
            .rtc
            .codec_config()
            .params()
            .iter()
            .find(|p| p.spec().codec == str0m::format::Codec::Opus)
            .unwrap()
            .pt();
        let now = self.now;
        let mut api = peer.rtc.direct_api();
        let stream = api.stream_tx_by_mid(mid, None).unwrap();
        let ext = ExtensionValues { audio_level: Some(-30), ..Default::default() };
        stream.write_rtp(
            RtpWrite::new(pt, seq.into(), (seq * 960) as u32, now, vec![0xfc, 1, 2, 3])
                .ext_vals(ext),
        );
    }

    fn received(&self, index: usize) -> Vec<(u64, Vec<u8>)> {
        self.peers[index]
            .events
            .iter()
            .filter_map(|e| match e {
                Event::RtpPacket(p) => Some((*p.seq_no, p.payload.to_vec())),
                _ => None,
            })
            .collect()
    }

    fn keyframe_requests(&self, index: usize) -> Vec<String> {
        self.peers[index]
            .events
            .iter()
            .filter_map(|e| match e {
                Event::KeyframeRequest(r) => Some(r.rid.map(|r| r.to_string()).unwrap_or_default()),
                _ => None,
            })
            .collect()
    }
}

fn track_of(sfu: &Sfu, owner: ParticipantId, kind: TrackKind) -> TrackId {
    track_in(sfu, ROOM, owner, kind)
}

pub(crate) fn track_in(sfu: &Sfu, room: RoomId, owner: ParticipantId, kind: TrackKind) -> TrackId {
    sfu.tracks(room).into_iter().find(|t| t.owner == owner && t.kind == kind).unwrap().id
}

#[test]
fn a_subscriber_gets_the_layer_of_its_tile_and_switches_at_a_keyframe() {
    let mut net = Net::new();
    let (teacher, teacher_mids) = net.join(&[TrackKind::Camera], &[]);
    let camera = track_of(&net.sfu, net.peers[teacher].id, TrackKind::Camera);
    let (pupil, _) = net.join(&[], &[camera]);
    net.connect();

    // Nothing is forwarded while the pupil shows no tile.
    let mid = teacher_mids[0];
    net.send_vp8(teacher, mid, "q", 1, true);
    net.run(Duration::from_millis(50));
    assert!(net.received(pupil).is_empty(), "hidden video is not forwarded");

    // A small tile: the low layer, after a keyframe request.
    let pupil_id = net.peers[pupil].id;
    net.sfu.show(pupil_id, camera, 120);
    net.run(Duration::from_millis(50));
    assert!(
        net.keyframe_requests(teacher).contains(&"q".to_string()),
        "{:?}",
        net.keyframe_requests(teacher)
    );
    net.send_vp8(teacher, mid, "q", 2, false);
    net.send_vp8(teacher, mid, "h", 2, true);
    net.run(Duration::from_millis(30));
    assert!(
        net.received(pupil).is_empty(),
        "a delta frame or another layer does not start the stream"
    );
    net.send_vp8(teacher, mid, "q", 3, true);
    // (Frames come tens of milliseconds apart; a str0m receiver drops the first packet of a new
    // stream when the next one arrives at the very same instant.)
    net.run(Duration::from_millis(5));
    net.send_vp8(teacher, mid, "q", 4, false);
    net.run(Duration::from_millis(50));
    let got = net.received(pupil);
    assert_eq!(got.iter().map(|(_, p)| p[5]).collect::<Vec<_>>(), vec![b'q', b'q']);

    // A bigger tile: the medium layer (the bandwidth estimate, 1.2 Mbit/s at the start, caps
    // it below the high layer) is asked for; low keeps flowing until its keyframe arrives.
    net.sfu.show(pupil_id, camera, 720);
    net.run(Duration::from_millis(50));
    net.send_vp8(teacher, mid, "h", 5, false);
    net.send_vp8(teacher, mid, "q", 5, false);
    net.run(Duration::from_millis(30));
    assert!(
        net.keyframe_requests(teacher).contains(&"h".to_string()),
        "{:?}",
        net.keyframe_requests(teacher)
    );
    assert!(
        !net.keyframe_requests(teacher).contains(&"f".to_string()),
        "the high layer does not fit the bandwidth"
    );
    net.send_vp8(teacher, mid, "q", 6, false);
    net.run(Duration::from_millis(10));
    net.send_vp8(teacher, mid, "h", 6, true);
    net.run(Duration::from_millis(10));
    net.send_vp8(teacher, mid, "q", 7, false);
    net.send_vp8(teacher, mid, "h", 7, false);
    net.run(Duration::from_millis(50));
    let got = net.received(pupil);
    let layers: Vec<u8> = got.iter().map(|(_, p)| p[5]).collect();
    assert_eq!(
        layers,
        vec![b'q', b'q', b'q', b'q', b'h', b'h'],
        "low until the keyframe of medium, then only medium"
    );
    let seqs: Vec<u64> = got.iter().map(|(s, _)| *s).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "one continuous stream: {seqs:?}");
}

#[test]
fn loss_on_a_subscribers_downlink_lowers_its_layer() {
    let mut net = Net::new();
    let (teacher, teacher_mids) = net.join(&[TrackKind::Camera], &[]);
    let camera = track_of(&net.sfu, net.peers[teacher].id, TrackKind::Camera);
    let (pupil, _) = net.join(&[], &[camera]);
    net.connect();
    let pupil_id = net.peers[pupil].id;
    net.sfu.show(pupil_id, camera, 720);
    let mid = teacher_mids[0];
    let mut seq = 0;
    let mut frames = |net: &mut Net, count: u64| {
        for _ in 0..count {
            seq += 1;
            for rid in ["q", "h", "f"] {
                net.send_vp8(teacher, mid, rid, seq, seq % 10 == 1);
            }
            net.run(Duration::from_millis(33));
        }
    };
    frames(&mut net, 30);
    let layers = |net: &Net| -> Vec<u8> { net.received(pupil).iter().map(|(_, p)| p[5]).collect() };
    assert_eq!(layers(&net).last(), Some(&b'h'), "medium at the start estimate");
    assert!(!net.keyframe_requests(teacher).contains(&"q".to_string()));

    // Half the packets to the pupil are lost: within a few reports it gets the low layer.
    net.lossy = Some((net.peers[pupil].addr, 2));
    frames(&mut net, 120);
    assert!(net.keyframe_requests(teacher).contains(&"q".to_string()));
    let before = layers(&net).len();
    net.lossy = None;
    frames(&mut net, 5);
    let last: Vec<u8> = layers(&net)[before..].to_vec();
    assert!(!last.is_empty() && last.iter().all(|l| *l == b'q'), "{last:?}");
}

#[test]
fn muted_audio_is_not_forwarded_and_a_removed_publisher_ends_its_tracks() {
    let mut net = Net::new();
    let (pupil, pupil_mids) = net.join(&[TrackKind::Audio], &[]);
    let audio = track_of(&net.sfu, net.peers[pupil].id, TrackKind::Audio);
    let (teacher, _) = net.join(&[], &[audio]);
    net.connect();
    for seq in 1..=5 {
        net.send_opus(pupil, pupil_mids[0], seq);
        net.run(Duration::from_millis(20));
    }
    assert_eq!(net.received(teacher).len(), 5, "audio flows to the subscriber");

    let pupil_id = net.peers[pupil].id;
    net.sfu.set_muted(pupil_id, TrackKind::Audio, true);
    for seq in 6..=10 {
        net.send_opus(pupil, pupil_mids[0], seq);
        net.run(Duration::from_millis(20));
    }
    assert_eq!(net.received(teacher).len(), 5, "muted audio is not forwarded");
    assert!(net.sfu.tracks(ROOM).iter().any(|t| t.id == audio && t.muted));

    net.sfu.set_muted(pupil_id, TrackKind::Audio, false);
    net.send_opus(pupil, pupil_mids[0], 11);
    net.run(Duration::from_millis(20));
    assert_eq!(net.received(teacher).len(), 6);

    net.sfu.leave(pupil_id);
    assert!(net.sfu.tracks(ROOM).is_empty(), "the removed participant's tracks end");
    net.send_opus(pupil, pupil_mids[0], 12);
    net.run(Duration::from_millis(50));
    assert_eq!(net.received(teacher).len(), 6, "nothing from a removed participant");
    assert!(net.sfu.node_stats().forwarded_packets >= 6);
}

#[test]
fn rooms_and_nodes_have_caps() {
    let mut net = Net::new();
    for _ in 0..4 {
        net.sfu.join(ROOM, net.now).unwrap();
    }
    assert_eq!(net.sfu.join(ROOM, net.now), Err(SfuError::RoomFull));
    net.sfu.join(RoomId(2), net.now).unwrap();
    assert_eq!(net.sfu.join(RoomId(3), net.now), Err(SfuError::NodeFull));
}
