//! The media side of the core: demultiplexing datagrams to their participant, driving each `Rtc`
//! (a full drain after every change, as str0m requires), timers in a heap (no scan over all
//! participants), and forwarding each incoming RTP packet to the slots the routing table names,
//! rewritten by the slot's `Rewriter`. Keyframe requests are rate-limited per (track, layer).

use std::cmp::Reverse;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use str0m::format::Codec;
use str0m::ice::StunMessage;
use str0m::media::{KeyframeRequestKind, MediaKind};
use str0m::net::{Protocol, Receive};
use str0m::rtp::{ExtensionValues, RtpPacket, RtpWrite, Vp8Descriptor};
use str0m::{Event, IceConnectionState, Input, Reason};

use super::{Output, Sfu, SfuEvent};
use crate::forward::{Incoming, Skip, h264_starts_keyframe};
use crate::participant::{Ingress, layer_of_rid};
use crate::routing::{Layer, ParticipantId, TrackId, TrackKind};

/// At most one keyframe request per (track, layer) in this time.
const KEYFRAME_INTERVAL: Duration = Duration::from_millis(300);

/// How many due-at-once timeouts one drain serves before it leaves the rest to the timer heap
/// (so an `Rtc` that keeps asking for `now` cannot hold the core).
const IMMEDIATE_BUDGET: u32 = 256;

impl Sfu {
    /// A datagram arrived on the node's UDP socket or an ICE-TCP connection.
    pub fn handle_receive(
        &mut self,
        now: Instant,
        proto: Protocol,
        source: SocketAddr,
        destination: SocketAddr,
        bytes: &[u8],
    ) {
        let Some(id) = self.demux(proto, source, bytes) else { return };
        let Ok(receive) = Receive::new(proto, source, destination, bytes) else { return };
        self.now = Some(now);
        let Some(participant) = self.participants.get_mut(&id) else { return };
        if participant.rtc.handle_input(Input::Receive(now, receive)).is_err() {
            self.fail(id);
            return;
        }
        self.drive(id);
        self.process_events(now);
    }

    /// Time passed: run the timers that are due.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = Some(now);
        // Take the due timers first: an `Rtc` that asks to be woken again at `now` is served on
        // the next call, never in a loop here.
        let mut due = Vec::new();
        while let Some(Reverse((at, id))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            due.push((at, id));
        }
        for (at, id) in due {
            let Some(participant) = self.participants.get_mut(&id) else { continue };
            if participant.next_timeout != Some(at) {
                continue; // superseded
            }
            participant.next_timeout = None;
            if participant.rtc.handle_input(Input::Timeout(now)).is_err() {
                self.fail(id);
                continue;
            }
            self.drive(id);
        }
        while let Some(Reverse((at, room_id))) = self.speaker_timers.peek().copied() {
            if at > now {
                break;
            }
            self.speaker_timers.pop();
            let Some(room) = self.rooms.get_mut(&room_id) else { continue };
            if let Some(speaker) = room.speaker.tick(now) {
                self.outputs
                    .push_back(Output::Event(SfuEvent::ActiveSpeaker { room: room_id, speaker }));
            }
        }
        self.process_events(now);
    }

    /// The next instant `handle_timeout` wants to be called.
    pub fn next_timeout(&mut self) -> Option<Instant> {
        while let Some(Reverse((at, id))) = self.timers.peek().copied() {
            if self.participants.get(&id).is_some_and(|p| p.next_timeout == Some(at)) {
                break;
            }
            self.timers.pop();
        }
        let media = self.timers.peek().map(|Reverse((at, _))| *at);
        let speaker = self.speaker_timers.peek().map(|Reverse((at, _))| *at);
        match (media, speaker) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next datagram or event. Subscribers that got packets since the last call are drained
    /// first, once each (a batch of incoming datagrams costs one drain per subscriber, not one
    /// per packet).
    pub fn poll_output(&mut self) -> Option<Output> {
        while !self.dirty.is_empty() {
            self.drive_dirty();
        }
        self.outputs.pop_front()
    }

    fn drive_dirty(&mut self) {
        let mut dirty = std::mem::take(&mut self.dirty);
        for id in dirty.drain(..) {
            if let Some(p) = self.participants.get_mut(&id) {
                p.dirty = false;
            }
            self.drive(id);
        }
        if self.dirty.is_empty() {
            self.dirty = dirty; // keeps the allocation
        }
        if let Some(now) = self.now {
            self.process_events(now);
        }
    }

    /// Finds the participant of a datagram: by remote address, or for a new address by the ICE
    /// username of its STUN request.
    fn demux(
        &mut self,
        proto: Protocol,
        source: SocketAddr,
        bytes: &[u8],
    ) -> Option<ParticipantId> {
        if let Some(id) = self.by_remote.get(&(proto, source)) {
            return Some(*id);
        }
        let stun = StunMessage::parse(bytes).ok()?;
        let (local, _) = stun.split_username()?;
        let id = *self.by_ufrag.get(local)?;
        self.by_remote.insert((proto, source), id);
        if let Some(p) = self.participants.get_mut(&id) {
            p.remotes.push((proto, source));
        }
        Some(id)
    }

    /// Drains one participant's `Rtc`: datagrams out, events queued, timer armed. A timeout of
    /// the send path that is due at once (a written packet is queued by the send stream's
    /// timeout, and str0m's pacer asks for one after every packet it releases) is served here,
    /// up to `IMMEDIATE_BUDGET` times, instead of through the timer heap and a round trip of
    /// the driver. (Only the send path's: other parts may ask for `now` again until time
    /// really advances.)
    pub(super) fn drive(&mut self, id: ParticipantId) {
        let Some(participant) = self.participants.get_mut(&id) else { return };
        let mut budget = IMMEDIATE_BUDGET;
        loop {
            match participant.rtc.poll_output() {
                Ok(str0m::Output::Timeout(at)) => {
                    if budget > 0
                        && let Some(now) = self.now
                        && at <= now
                        && matches!(
                            participant.rtc.last_timeout_reason(),
                            Reason::Pacer(_) | Reason::SendStream
                        )
                    {
                        budget -= 1;
                        if participant.rtc.handle_input(Input::Timeout(now)).is_err() {
                            self.fail(id);
                            return;
                        }
                        continue;
                    }
                    if participant.next_timeout != Some(at) {
                        participant.next_timeout = Some(at);
                        self.timers.push(Reverse((at, id)));
                    }
                    return;
                }
                Ok(str0m::Output::Transmit(transmit)) => {
                    self.outputs.push_back(Output::Transmit(transmit))
                }
                Ok(str0m::Output::Event(event)) => self.events.push_back((id, event)),
                Err(error) => {
                    tracing::debug!(%error, "participant's rtc failed");
                    self.fail(id);
                    return;
                }
            }
        }
    }

    fn fail(&mut self, id: ParticipantId) {
        if self.participants.contains_key(&id) {
            self.leave(id);
            self.outputs.push_back(Output::Event(SfuEvent::Disconnected(id)));
        }
    }

    fn process_events(&mut self, now: Instant) {
        loop {
            self.process_queued_events(now);
            if self.stats_due.is_empty() {
                return;
            }
            for id in std::mem::take(&mut self.stats_due) {
                self.update_estimate(id);
            }
        }
    }

    /// The loss-based estimate caps the subscriber's layers (see `estimate.rs`).
    fn update_estimate(&mut self, id: ParticipantId) {
        let Some(p) = self.participants.get_mut(&id) else { return };
        let Some((at, bytes_sent)) = p.pending_stats.take() else { return };
        let room_id = p.room;
        let Some(room) = self.rooms.get_mut(&room_id) else { return };
        let desired = room.routing.desired_bitrate(id);
        let loss = p.egress_loss.take();
        if let Some(estimate) = p.estimator.report(at, loss, bytes_sent, desired) {
            tracing::debug!(participant = id.0, ?loss, estimate, "bandwidth estimate");
            let effects = room.routing.set_bandwidth(id, estimate);
            self.apply_effects(room_id, effects);
        }
    }

    fn process_queued_events(&mut self, now: Instant) {
        while let Some((id, event)) = self.events.pop_front() {
            match event {
                Event::RtpPacket(packet) => self.forward(id, packet, now),
                Event::Connected => {
                    if let Some(p) = self.participants.get_mut(&id) {
                        p.connected = true;
                    }
                    self.outputs.push_back(Output::Event(SfuEvent::Connected(id)));
                }
                Event::IceConnectionStateChange(IceConnectionState::Disconnected)
                | Event::Closed => self.fail(id),
                Event::KeyframeRequest(request) => {
                    // A subscriber lost a picture: ask the publisher of that slot's track.
                    let Some(p) = self.participants.get(&id) else { continue };
                    let Some(slot) = p.slots.values().find(|s| s.mid == request.mid) else {
                        continue;
                    };
                    let (track, layer) = (slot.track, slot.rewriter.current());
                    let Some(owner) = self.rooms.get(&p.room).and_then(|r| r.routing.owner(track))
                    else {
                        continue;
                    };
                    self.request_keyframe(owner, track, layer.unwrap_or(Layer::Low), Some(now));
                    self.drive(owner);
                }
                Event::MediaEgressStats(stats) => {
                    // The fraction lost of the subscriber's latest receiver report, per stream:
                    // the worst stream counts.
                    if let (Some(p), Some(loss)) = (self.participants.get_mut(&id), stats.loss) {
                        p.egress_loss = Some(p.egress_loss.map_or(loss, |l| l.max(loss)));
                    }
                }
                Event::PeerStats(stats) => {
                    // Once a second. The same snapshot's receiver-report losses come right
                    // after this event: the estimate is updated once they are in.
                    if let Some(p) = self.participants.get_mut(&id) {
                        p.egress_loss = None;
                        p.pending_stats = Some((stats.timestamp, stats.bytes_tx));
                        self.stats_due.push(id);
                    }
                }
                Event::MediaIngressStats(stats) => {
                    let Some(room_id) = self.participants.get(&id).map(|p| p.room) else {
                        continue;
                    };
                    let Some(room) = self.rooms.get_mut(&room_id) else { continue };
                    let key = (id, format!("{}:{:?}", stats.mid, stats.rid));
                    room.losses.insert(key, stats.loss.unwrap_or(0.0));
                    let n = room.losses.len().max(1) as f32;
                    room.stats.ingress_loss = room.losses.values().sum::<f32>() / n;
                }
                _ => {}
            }
        }
    }

    /// Looks up what an incoming SSRC carries (cached after the first packet).
    fn ingress_of(&mut self, id: ParticipantId, packet: &RtpPacket) -> Option<Ingress> {
        let participant = self.participants.get_mut(&id)?;
        let ssrc = packet.header.ssrc;
        if let Some(ingress) = participant.ingress.get(&ssrc) {
            return Some(*ingress);
        }
        let mut api = participant.rtc.direct_api();
        let stream = api.stream_rx(&ssrc)?;
        let (mid, rid) = (stream.mid(), stream.rid());
        let layer = layer_of_rid(rid.as_ref());
        let codec = participant
            .rtc
            .codec_config()
            .params()
            .iter()
            .find(|p| p.pt() == packet.header.payload_type)?
            .spec()
            .codec;
        let published = participant.published.get_mut(&mid)?;
        if let Some(rid) = rid {
            published.rids.insert(layer, rid);
        }
        let ingress = Ingress { track: published.track, layer, codec };
        participant.ingress.insert(ssrc, ingress);
        Some(ingress)
    }

    /// Forwards one packet of participant `from` to everyone the routing table names.
    fn forward(&mut self, from: ParticipantId, packet: RtpPacket, now: Instant) {
        let Some(ingress) = self.ingress_of(from, &packet) else { return };
        let Some(room_id) = self.participants.get(&from).map(|p| p.room) else { return };
        let Some(room) = self.rooms.get_mut(&room_id) else { return };
        room.stats.received_packets += 1;
        let is_audio = ingress.codec == Codec::Opus;
        if is_audio
            && let Some(level) = packet.header.ext_vals.audio_level
            && !room.routing.is_muted(ingress.track)
        {
            let first = room.speaker.next_tick().is_none();
            room.speaker.observe(from, level, now);
            if first && let Some(at) = room.speaker.next_tick() {
                self.speaker_timers.push(Reverse((at, room_id)));
            }
        }
        let Some(room) = self.rooms.get(&room_id) else { return };
        // Borrowed, not copied: the loop below touches only `participants` and `dirty`.
        let receivers = room.routing.receivers(ingress.track);
        if receivers.is_empty() {
            return;
        }
        let vp8 = (ingress.codec == Codec::Vp8)
            .then(|| Vp8Descriptor::parse(&packet.payload).ok())
            .flatten();
        let keyframe_start = match ingress.codec {
            Codec::Opus => true,
            Codec::Vp8 => vp8.is_some_and(|d| d.starts_keyframe(&packet.payload)),
            Codec::H264 => h264_starts_keyframe(&packet.payload),
            _ => false,
        };
        let incoming = Incoming {
            layer: ingress.layer,
            seq: *packet.seq_no,
            timestamp: packet.header.timestamp,
            keyframe_start,
            picture_id: vp8.and_then(|d| d.picture_id()),
            tl0_pic_idx: vp8.and_then(|d| d.tl0_pic_idx()),
            long_picture_id: long_picture_id(&packet.payload),
            received: packet.timestamp,
        };
        let ext_vals = ExtensionValues {
            audio_level: packet.header.ext_vals.audio_level,
            voice_activity: packet.header.ext_vals.voice_activity,
            video_orientation: packet.header.ext_vals.video_orientation,
            ..Default::default()
        };
        let mut forwarded = 0u64;
        let mut awaiting: Option<Layer> = None;
        for &(subscriber, wanted) in receivers {
            let Some(sub) = self.participants.get_mut(&subscriber) else { continue };
            let Some(slot) = sub.slots.get_mut(&ingress.track) else { continue };
            let out = match slot.rewriter.forward(&incoming, wanted) {
                Ok(out) => out,
                Err(Skip::AwaitingKeyframe) => {
                    awaiting = Some(wanted);
                    continue;
                }
                Err(_) => continue,
            };
            let Some(pt) = slot.pts.iter().find(|(c, _)| *c == ingress.codec).map(|(_, p)| p.pt())
            else {
                continue;
            };
            let patch = vp8.and_then(|d| {
                let mut builder = d.patch();
                if let Some(id) = out.picture_id {
                    builder = builder.picture_id(id);
                }
                if let Some(idx) = out.tl0_pic_idx {
                    builder = builder.tl0_pic_idx(idx);
                }
                builder.build().ok()
            });
            let mid = slot.mid;
            let mut api = sub.rtc.direct_api();
            let Some(stream) = api.stream_tx_by_mid(mid, None) else { continue };
            let mut write = RtpWrite::new(
                pt,
                out.seq.into(),
                out.timestamp,
                packet.timestamp,
                packet.payload.clone(),
            )
            .marker(packet.header.marker)
            .ext_vals(ext_vals.clone())
            .nackable(!is_audio);
            if let Some(patch) = patch {
                write = write.vp8_patch(patch);
            }
            stream.write_rtp(write);
            forwarded += 1;
            if !sub.dirty {
                sub.dirty = true;
                self.dirty.push(subscriber);
            }
        }
        if let Some(room) = self.rooms.get_mut(&room_id) {
            room.stats.forwarded_packets += forwarded;
            room.stats.forwarded_bytes += forwarded * packet.payload.len() as u64;
        }
        if let Some(layer) = awaiting {
            self.request_keyframe(from, ingress.track, layer, Some(now));
            self.drive(from);
        }
    }

    /// Asks the publisher of `track` for a keyframe of `layer` (PLI), at most every 300 ms.
    pub(super) fn request_keyframe(
        &mut self,
        owner: ParticipantId,
        track: TrackId,
        layer: Layer,
        now: Option<Instant>,
    ) {
        let Some(publisher) = self.participants.get_mut(&owner) else { return };
        if let Some(now) = now {
            if publisher
                .keyframe_asked
                .get(&(track, layer))
                .is_some_and(|at| now.saturating_duration_since(*at) < KEYFRAME_INTERVAL)
            {
                return;
            }
            publisher.keyframe_asked.insert((track, layer), now);
        }
        let Some((mid, published)) = publisher.mid_of(track) else { return };
        if published.kind == TrackKind::Audio {
            return;
        }
        let rid = published.rids.get(&layer).copied().or_else(|| {
            (published.kind == TrackKind::Camera).then(|| match layer {
                Layer::Low => "q".into(),
                Layer::Medium => "h".into(),
                Layer::High => "f".into(),
            })
        });
        let is_video = publisher.rtc.media(mid).is_some_and(|m| m.kind() == MediaKind::Video);
        if !is_video {
            return;
        }
        // (A layer whose stream has not arrived yet is asked for when its first packet comes.)
        if let Some(stream) = publisher.rtc.direct_api().stream_rx_by_mid(mid, rid) {
            stream.request_keyframe(KeyframeRequestKind::Pli);
        } else {
            publisher.keyframe_asked.remove(&(track, layer));
        }
    }
}

/// Whether a VP8 payload descriptor carries the 15-bit picture ID (X, I and M bits set).
fn long_picture_id(payload: &[u8]) -> bool {
    matches!(payload, [x, i, m, ..] if x & 0x80 != 0 && i & 0x80 != 0 && m & 0x80 != 0)
}
