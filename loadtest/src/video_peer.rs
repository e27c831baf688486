//! One simulated WebRTC endpoint of the video benchmark: a str0m `Rtc` in RTP mode with its own
//! UDP socket, the tracks it sends (pre-made RTP, see `video_media`) and what it received. The
//! engine (`video_engine`) owns every peer and drives them from one thread; this module holds
//! what happens to one peer: feeding a datagram or a timeout, draining the `Rtc` (transmits go
//! straight to the socket), writing a frame, and the receive accounting — per incoming SSRC the
//! packets received and the highest extended sequence number (loss = gaps in the sequence), and
//! per stamped packet the one-way delay into the run's histograms.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use str0m::format::Codec;
use str0m::media::{Mid, Pt, Rid};
use str0m::net::{Protocol, Receive};
use str0m::rtp::{ExtensionValues, RtpWrite, Ssrc};
use str0m::{Event, IceConnectionState, Input, Output, Rtc, RtcConfig};

use crate::report::record;
use crate::video_light::{PtKinds, RtpHead, extend_seq, rtp_head};
use crate::video_media::{
    AUDIO_CLOCK, AUDIO_INTERVAL, FRAME_RATE, LAYERS, OPUS_BYTES, VIDEO_CLOCK, Vp8State,
    micros_since, opus_payload, read_stamp, vp8_payload,
};
use crate::video_socket::{cmsg_buffer, recv_stamped};

/// Datagrams read from one socket per readiness event.
const MAX_READS: usize = 64;

/// Seconds between unrequested key frames on every layer.
const KEYFRAME_EVERY_S: u64 = 4;

/// The `Rtc` every simulated endpoint uses: Opus and VP8 only (no RED), RTP mode, no stats.
pub fn new_rtc(now: Instant) -> Rtc {
    RtcConfig::new()
        .clear_codecs()
        .enable_opus(true, false)
        .enable_vp8(true)
        .set_rtp_mode(true)
        .set_stats_interval(None)
        .build(now)
}

/// What a track sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackKind {
    /// Opus; `talking` adds the RFC 6464 audio level of a voice.
    Audio { talking: bool },
    /// One simulcast layer (index into `LAYERS`) of a camera.
    Video { layer: usize },
}

/// A track to send, as the scenario declares it: its m-line and how many subscribers should
/// receive each of its packets (for the expected deliveries).
#[derive(Clone, Copy, Debug)]
pub struct TrackSpec {
    pub mid: Mid,
    pub kind: TrackKind,
    pub receivers: u64,
}

impl TrackSpec {
    /// A hash of the m-line's mid (FNV-1a): the layers of one camera share it, and so their phase.
    pub fn mid_hash(&self) -> u64 {
        self.mid.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    }
}

/// A track being sent.
#[derive(Clone, Copy, Debug)]
pub struct Track {
    pub peer: usize,
    pub spec: TrackSpec,
    pub rid: Option<Rid>,
    pub pt: Option<Pt>,
    pub seq: u64,
    pub rtp_time: u32,
    pub vp8: Vp8State,
    pub keyframe_due: bool,
    pub next_keyframe: Instant,
    pub sent: u64,
}

impl Track {
    pub fn new(peer: usize, spec: TrackSpec, now: Instant, seed: u64) -> Track {
        let rid = match spec.kind {
            TrackKind::Video { layer } => LAYERS.get(layer).map(|l| Rid::from(l.rid)),
            TrackKind::Audio { .. } => None,
        };
        Track {
            peer,
            spec,
            rid,
            pt: None,
            // Start below 2^15 so the receivers need no rollover signalling.
            seq: 1 + seed % 10_000,
            rtp_time: (seed as u32).wrapping_mul(2_654_435_761),
            vp8: Vp8State { picture_id: (seed % 0x7fff) as u16, tl0_pic_idx: 0 },
            keyframe_due: true,
            next_keyframe: now,
            sent: 0,
        }
    }

    pub fn interval(&self) -> std::time::Duration {
        match self.spec.kind {
            TrackKind::Audio { .. } => AUDIO_INTERVAL,
            TrackKind::Video { .. } => Duration::from_secs(1) / FRAME_RATE,
        }
    }
}

/// One incoming SSRC.
#[derive(Clone, Copy, Debug, Default)]
pub struct RxStream {
    pub first: u64,
    pub max: u64,
    pub received: u64,
}

/// Counters and histograms of everything the engine's peers did.
#[derive(Clone, Debug)]
pub struct Tally {
    pub sent_audio: u64,
    pub sent_video: u64,
    /// Σ packets sent × receivers that should get them.
    pub expected_deliveries: u64,
    /// The video part of `expected_deliveries`.
    pub expected_video: u64,
    pub received_audio: u64,
    pub received_video: u64,
    pub keyframes_sent: u64,
    pub keyframe_requests: u64,
    pub send_errors: u64,
    pub rtc_errors: u64,
    /// Frames due while the peer was not connected yet, or without a negotiated stream.
    pub not_ready: u64,
    /// Timeouts fed to the `Rtc`s, datagrams read and written (the generator's own work).
    pub ticks: u64,
    pub datagrams_in: u64,
    pub datagrams_out: u64,
    pub latency_audio: Histogram<u64>,
    pub latency_video: Histogram<u64>,
}

impl Tally {
    pub fn new() -> Result<Tally, String> {
        Ok(Tally {
            sent_audio: 0,
            sent_video: 0,
            expected_deliveries: 0,
            expected_video: 0,
            received_audio: 0,
            received_video: 0,
            keyframes_sent: 0,
            keyframe_requests: 0,
            send_errors: 0,
            rtc_errors: 0,
            not_ready: 0,
            ticks: 0,
            datagrams_in: 0,
            datagrams_out: 0,
            latency_audio: crate::report::new_histogram()?,
            latency_video: crate::report::new_histogram()?,
        })
    }
}

pub struct Peer {
    pub rtc: Rtc,
    pub socket: UdpSocket,
    pub local: SocketAddr,
    pub timeout: Instant,
    pub connected: bool,
    pub failed: bool,
    pub streams: HashMap<Ssrc, RxStream>,
    /// Indices of its tracks in the engine's track list.
    pub tracks: Vec<usize>,
    /// Counts RTP from its header instead of handing it to str0m (`video_light`).
    pub light: bool,
    pt_kinds: Option<PtKinds>,
    /// Control message buffer for the kernel's arrival time (peers that measure latency).
    cmsg: Option<Vec<u8>>,
}

impl Peer {
    pub fn new(rtc: Rtc, socket: UdpSocket, local: SocketAddr, now: Instant, light: bool) -> Peer {
        Peer {
            cmsg: (!light).then(cmsg_buffer),
            light,
            pt_kinds: None,
            rtc,
            socket,
            local,
            timeout: now,
            connected: false,
            failed: false,
            streams: HashMap::new(),
            tracks: Vec::new(),
        }
    }

    /// Reads the datagrams waiting on the socket into the `Rtc` (light peers: RTP into the
    /// counters). Peers that measure latency take the kernel's arrival time (`video_socket`).
    pub fn read(
        &mut self,
        buf: &mut [u8],
        epoch: Instant,
        tracks: &mut [Track],
        tally: &mut Tally,
    ) {
        // A light peer takes one datagram per tick and readiness (level-triggered epoll reports
        // the socket again while more wait): it gets under 300 a second, and this saves the
        // read that would end in EAGAIN. Others read until EAGAIN, bounded (errors such as ICMP
        // port unreachable come once per datagram).
        let reads = if self.light { 1 } else { MAX_READS };
        for _ in 0..reads {
            let got = match &mut self.cmsg {
                Some(cmsg) => recv_stamped(&self.socket, buf, cmsg),
                None => self.socket.recv_from(buf).map(|(len, from)| (len, from, Instant::now())),
            };
            let (len, source, at) = match got {
                Ok(got) => got,
                Err(error) if error.kind() == ErrorKind::WouldBlock => return,
                Err(_) => continue,
            };
            tally.datagrams_in += 1;
            let Some(data) = buf.get(..len) else { continue };
            if self.light
                && let Some(head) = rtp_head(data)
            {
                self.count_light(head, tally);
                continue;
            }
            let Ok(receive) = Receive::new(Protocol::Udp, source, self.local, data) else {
                continue;
            };
            if self.rtc.handle_input(Input::Receive(at, receive)).is_err() {
                tally.rtc_errors += 1;
            }
            self.drain(epoch, tracks, tally);
        }
    }

    /// Accounts an RTP packet of a light subscriber from its header.
    fn count_light(&mut self, head: RtpHead, tally: &mut Tally) {
        let kinds = self.pt_kinds.get_or_insert_with(|| PtKinds::of(&self.rtc));
        let Some(video) = kinds.is_video(head.pt) else { return };
        let stream = self.streams.entry(Ssrc::from(head.ssrc)).or_insert_with(|| {
            // Room below the first number, so late packets of the start extend downwards.
            let first = u64::from(head.seq) + (1 << 16);
            RxStream { first, max: first, received: 0 }
        });
        let seq = extend_seq(stream.max, head.seq);
        stream.received += 1;
        stream.max = stream.max.max(seq);
        stream.first = stream.first.min(seq);
        if video {
            tally.received_video += 1;
        } else {
            tally.received_audio += 1;
        }
    }

    /// Advances the `Rtc` to `now` when its timeout has come.
    pub fn tick(&mut self, now: Instant, epoch: Instant, tracks: &mut [Track], tally: &mut Tally) {
        if self.failed || self.timeout > now {
            return;
        }
        tally.ticks += 1;
        if self.rtc.handle_input(Input::Timeout(now)).is_err() {
            tally.rtc_errors += 1;
        }
        self.drain(epoch, tracks, tally);
    }

    /// Polls the `Rtc` until it asks for a timeout: transmits are sent, events accounted.
    pub fn drain(&mut self, epoch: Instant, tracks: &mut [Track], tally: &mut Tally) {
        loop {
            match self.rtc.poll_output() {
                Ok(Output::Timeout(at)) => {
                    self.timeout = at;
                    return;
                }
                Ok(Output::Transmit(transmit)) => {
                    tally.datagrams_out += 1;
                    if self.socket.send_to(&transmit.contents, transmit.destination).is_err() {
                        tally.send_errors += 1;
                    }
                }
                Ok(Output::Event(event)) => self.on_event(event, epoch, tracks, tally),
                Err(_) => {
                    tally.rtc_errors += 1;
                    self.failed = !self.rtc.is_alive();
                    return;
                }
            }
            if !self.rtc.is_alive() {
                self.failed = true;
                return;
            }
        }
    }

    fn on_event(&mut self, event: Event, epoch: Instant, tracks: &mut [Track], tally: &mut Tally) {
        match event {
            Event::Connected => self.connected = true,
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                self.failed = true;
            }
            Event::RtpPacket(packet) => {
                let seq = *packet.seq_no;
                let stream = self.streams.entry(packet.header.ssrc).or_insert(RxStream {
                    first: seq,
                    max: seq,
                    received: 0,
                });
                stream.received += 1;
                stream.max = stream.max.max(seq);
                stream.first = stream.first.min(seq);
                if let Some(stamp) = read_stamp(&packet.payload) {
                    let delay = micros_since(epoch, packet.timestamp).saturating_sub(stamp.sent_us);
                    if stamp.video {
                        tally.received_video += 1;
                        record(&mut tally.latency_video, delay);
                    } else {
                        tally.received_audio += 1;
                        record(&mut tally.latency_audio, delay);
                    }
                }
            }
            Event::KeyframeRequest(request) => {
                tally.keyframe_requests += 1;
                for &index in &self.tracks {
                    if let Some(track) = tracks.get_mut(index)
                        && track.spec.mid == request.mid
                        && track.rid == request.rid
                    {
                        track.keyframe_due = true;
                    }
                }
            }
            _ => {}
        }
    }

    /// Writes one frame (video: all its packets; audio: one packet) of track `index`.
    pub fn send_frame(
        &mut self,
        index: usize,
        now: Instant,
        epoch: Instant,
        tracks: &mut [Track],
        tally: &mut Tally,
    ) {
        let Some(mut track) = tracks.get(index).copied() else { return };
        if !self.connected || self.failed {
            tally.not_ready += 1;
            return;
        }
        let Some(pt) = track.pt.or_else(|| self.payload_type(&track)) else {
            tally.not_ready += 1;
            return;
        };
        track.pt = Some(pt);
        let sent_us = micros_since(epoch, now);
        let (packets, size, clock_step, layer) = match track.spec.kind {
            TrackKind::Audio { .. } => (1, OPUS_BYTES, AUDIO_CLOCK / 50, None),
            TrackKind::Video { layer } => {
                let Some(layer) = LAYERS.get(layer) else { return };
                let (packets, size) = layer.packetization();
                (packets, size, VIDEO_CLOCK / FRAME_RATE, Some(layer))
            }
        };
        let keyframe = track.keyframe_due || now >= track.next_keyframe;
        for packet in 0..packets {
            let (payload, ext_vals) = match layer {
                Some(layer) => {
                    let payload =
                        vp8_payload(track.vp8, layer, packet == 0, keyframe, sent_us, size);
                    (payload, ExtensionValues::default())
                }
                None => {
                    let talking = matches!(track.spec.kind, TrackKind::Audio { talking: true });
                    let level = ExtensionValues {
                        audio_level: Some(if talking { -30 } else { -127 }),
                        voice_activity: Some(talking),
                        ..Default::default()
                    };
                    (opus_payload(sent_us, size), level)
                }
            };
            let mut direct = self.rtc.direct_api();
            let Some(stream) = direct.stream_tx_by_mid(track.spec.mid, track.rid) else {
                tally.not_ready += 1;
                return;
            };
            let write = RtpWrite::new(pt, track.seq.into(), track.rtp_time, now, payload)
                .marker(packet + 1 == packets)
                .ext_vals(ext_vals)
                .nackable(layer.is_some());
            stream.write_rtp(write);
            self.drain(epoch, tracks, tally);
            track.seq += 1;
            track.sent += 1;
            tally.expected_deliveries += track.spec.receivers;
            if layer.is_some() {
                tally.expected_video += track.spec.receivers;
                tally.sent_video += 1;
            } else {
                tally.sent_audio += 1;
            }
        }
        // Written packets leave at the next time input.
        if self.rtc.handle_input(Input::Timeout(now)).is_err() {
            tally.rtc_errors += 1;
        }
        self.drain(epoch, tracks, tally);
        track.rtp_time = track.rtp_time.wrapping_add(clock_step);
        if layer.is_some() {
            track.vp8.next_frame();
            if keyframe {
                tally.keyframes_sent += 1;
                // A request that arrived while this key frame went out is answered by it.
                track.keyframe_due = false;
                track.next_keyframe = now + Duration::from_secs(KEYFRAME_EVERY_S);
            }
        }
        if let Some(slot) = tracks.get_mut(index) {
            *slot = track;
        }
    }

    /// The payload type of the track's codec among those the remote side accepted.
    fn payload_type(&self, track: &Track) -> Option<Pt> {
        let codec = match track.spec.kind {
            TrackKind::Audio { .. } => Codec::Opus,
            TrackKind::Video { .. } => Codec::Vp8,
        };
        let media = self.rtc.media(track.spec.mid)?;
        let remote = media.remote_pts();
        self.rtc
            .codec_config()
            .params()
            .iter()
            .filter(|params| params.spec().codec == codec)
            .map(|params| params.pt())
            .find(|pt| remote.is_empty() || remote.contains(pt))
    }
}
