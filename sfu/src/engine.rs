//! `Sfu`: the sans-IO core of a node's video rooms. It owns one `str0m` `Rtc` per participant
//! (RTP mode: packets are forwarded, never reassembled), a routing table per room, and the
//! demultiplexer that finds a datagram's participant by one lookup of its remote address (or, for
//! the first STUN request, of the ICE username). Datagrams and time go in (`handle_receive`,
//! `handle_timeout`); datagrams to send and events come out (`poll_output`). The signalling side
//! (`join`, `negotiate`, `show`, `mute`, `move_to`, `leave`) is called by the application.

mod media;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use rustc_hash::FxHashMap;

use str0m::change::SdpOffer;
use str0m::media::Mid;
use str0m::net::{Protocol, Transmit};
use str0m::{Candidate, Event};

use crate::estimate;
use crate::forward::Rewriter;
use crate::participant::{Participant, Published, RoomId, RtcFactory, Slot};
use crate::routing::{Effect, ParticipantId, Routing, TrackId, TrackKind};
use crate::speaker::SpeakerDetector;

/// Caps of one node.
#[derive(Clone, Copy, Debug)]
pub struct SfuLimits {
    pub max_participants_per_room: usize,
    pub max_rooms: usize,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SfuError {
    #[error("the room has its maximum of participants")]
    RoomFull,
    #[error("this node hosts its maximum of rooms")]
    NodeFull,
    #[error("unknown participant")]
    UnknownParticipant,
    #[error("unusable session description: {0}")]
    BadSdp(String),
    #[error("setting up the media engine failed: {0}")]
    Setup(String),
}

/// What the application hears from the core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SfuEvent {
    /// Media flows (ICE and DTLS are up).
    Connected(ParticipantId),
    /// The peer connection ended or failed; the participant is gone from the core.
    Disconnected(ParticipantId),
    /// The loudest participant of a room changed.
    ActiveSpeaker { room: RoomId, speaker: Option<ParticipantId> },
}

#[derive(Debug)]
pub enum Output {
    Transmit(Transmit),
    Event(SfuEvent),
}

/// A published track as the application shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackInfo {
    pub id: TrackId,
    pub owner: ParticipantId,
    pub kind: TrackKind,
    pub muted: bool,
}

/// Counters of a room (and, summed, of the node).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MediaStats {
    pub participants: usize,
    pub forwarded_packets: u64,
    pub forwarded_bytes: u64,
    pub received_packets: u64,
    /// Latest fraction of packets lost on the way in (0.0 – 1.0), averaged over the streams.
    pub ingress_loss: f32,
}

#[derive(Default)]
struct Room {
    routing: Routing,
    members: Vec<ParticipantId>,
    speaker: SpeakerDetector,
    stats: MediaStats,
    /// Latest ingress loss per (participant, mid, rid).
    losses: FxHashMap<(ParticipantId, String), f32>,
}

/// The result of a negotiation.
#[derive(Debug)]
pub struct Negotiated {
    pub answer: String,
    /// Tracks of this participant appeared or ended (the room's track list changed).
    pub tracks_changed: bool,
}

pub struct Sfu {
    factory: RtcFactory,
    limits: SfuLimits,
    rooms: FxHashMap<RoomId, Room>,
    participants: FxHashMap<ParticipantId, Participant>,
    by_remote: FxHashMap<(Protocol, SocketAddr), ParticipantId>,
    by_ufrag: FxHashMap<String, ParticipantId>,
    timers: BinaryHeap<Reverse<(Instant, ParticipantId)>>,
    speaker_timers: BinaryHeap<Reverse<(Instant, RoomId)>>,
    outputs: VecDeque<Output>,
    events: VecDeque<(ParticipantId, Event)>,
    next_participant: u64,
    /// Tracks are numbered node-wide (never reused, also not across breakout rooms).
    next_track: u64,
    /// Counters of rooms that closed (so node totals never go backwards).
    closed_stats: MediaStats,
    /// The latest time the application passed in.
    now: Option<Instant>,
    /// Participants that got packets to send since the last `poll_output`.
    dirty: Vec<ParticipantId>,
    /// Participants whose stats snapshot arrived and whose estimate is to be updated.
    stats_due: Vec<ParticipantId>,
}

impl Sfu {
    /// A core that announces `candidates` (the driver's UDP and ICE-TCP addresses).
    pub fn new(candidates: Vec<Candidate>, limits: SfuLimits) -> Result<Self, SfuError> {
        Ok(Sfu {
            factory: RtcFactory::new(candidates).map_err(SfuError::Setup)?,
            limits,
            rooms: FxHashMap::default(),
            participants: FxHashMap::default(),
            by_remote: FxHashMap::default(),
            by_ufrag: FxHashMap::default(),
            timers: BinaryHeap::new(),
            speaker_timers: BinaryHeap::new(),
            outputs: VecDeque::new(),
            events: VecDeque::new(),
            next_participant: 0,
            next_track: 0,
            closed_stats: MediaStats::default(),
            now: None,
            dirty: Vec::new(),
            stats_due: Vec::new(),
        })
    }

    /// A new participant in `room` (the room opens with its first participant).
    pub fn join(&mut self, room: RoomId, now: Instant) -> Result<ParticipantId, SfuError> {
        match self.rooms.get(&room) {
            Some(r) if r.members.len() >= self.limits.max_participants_per_room => {
                return Err(SfuError::RoomFull);
            }
            None if self.rooms.len() >= self.limits.max_rooms => return Err(SfuError::NodeFull),
            _ => {}
        }
        self.now = Some(now);
        self.next_participant += 1;
        let id = ParticipantId(self.next_participant);
        let participant = Participant::new(room, self.factory.build(now));
        self.by_ufrag.insert(participant.ufrag.clone(), id);
        self.participants.insert(id, participant);
        let room = self.rooms.entry(room).or_default();
        room.members.push(id);
        room.routing.set_bandwidth(id, estimate::INITIAL_BPS);
        self.drive(id);
        Ok(id)
    }

    /// Applies the participant's offer: `publish` names what its sending m-lines carry,
    /// `receive` which remote track each receiving m-line gets. Returns the answer.
    pub fn negotiate(
        &mut self,
        id: ParticipantId,
        offer: &str,
        publish: &[(String, TrackKind)],
        receive: &[(String, TrackId)],
    ) -> Result<Negotiated, SfuError> {
        let offer =
            SdpOffer::from_sdp_string(offer).map_err(|e| SfuError::BadSdp(e.to_string()))?;
        let participant = self.participants.get_mut(&id).ok_or(SfuError::UnknownParticipant)?;
        let answer = participant
            .rtc
            .sdp_api()
            .accept_offer(offer)
            .map_err(|e| SfuError::BadSdp(e.to_string()))?;
        let room_id = participant.room;
        let room = self.rooms.entry(room_id).or_default();

        // Publications: new m-lines become tracks, m-lines no longer named end theirs.
        let wanted: HashMap<Mid, TrackKind> =
            publish.iter().map(|(mid, kind)| (Mid::from(mid.as_str()), *kind)).collect();
        let mut tracks_changed = false;
        let gone: Vec<Mid> = participant
            .published
            .iter()
            .filter(|(mid, p)| wanted.get(*mid) != Some(&p.kind))
            .map(|(mid, _)| *mid)
            .collect();
        for mid in gone {
            if let Some(p) = participant.published.remove(&mid) {
                room.routing.unpublish(p.track);
                participant.ingress.retain(|_, i| i.track != p.track);
                tracks_changed = true;
            }
        }
        for (mid, kind) in wanted {
            if participant.published.contains_key(&mid) {
                continue;
            }
            let simulcast = kind == TrackKind::Camera;
            self.next_track += 1;
            let track = TrackId(self.next_track);
            room.routing.publish_as(track, id, kind, simulcast);
            participant
                .published
                .insert(mid, Published { track, kind, rids: FxHashMap::default() });
            tracks_changed = true;
        }

        // Receiving slots.
        let receive: HashMap<TrackId, Mid> =
            receive.iter().map(|(mid, track)| (*track, Mid::from(mid.as_str()))).collect();
        let dropped: Vec<TrackId> = participant
            .slots
            .iter()
            .filter(|(track, slot)| receive.get(*track) != Some(&slot.mid))
            .map(|(track, _)| *track)
            .collect();
        for track in dropped {
            participant.slots.remove(&track);
            room.routing.unsubscribe(id, track);
        }
        let mut effects = Vec::new();
        for (track, mid) in receive {
            if participant.slots.contains_key(&track) {
                continue;
            }
            let Some(kind) = room.routing.kind(track) else { continue };
            if room.routing.owner(track) == Some(id) {
                continue;
            }
            let clock = if kind == TrackKind::Audio { 48_000 } else { 90_000 };
            let pts = participant.rtc.media(mid).map_or_else(Vec::new, |media| {
                let remote = media.remote_pts().to_vec();
                participant
                    .rtc
                    .codec_config()
                    .params()
                    .iter()
                    .filter(|p| remote.contains(&p.pt()))
                    .map(|p| (p.spec().codec, *p))
                    .collect()
            });
            participant
                .slots
                .insert(track, Slot { mid, track, rewriter: Rewriter::new(clock), pts });
            effects.extend(room.routing.subscribe(id, track));
        }
        let answer = answer.to_sdp_string();
        self.apply_effects(room_id, effects);
        self.drive(id);
        Ok(Negotiated { answer, tracks_changed })
    }

    /// A trickled ICE candidate of the participant (`candidate:…` line).
    pub fn add_remote_candidate(&mut self, id: ParticipantId, line: &str) -> Result<(), SfuError> {
        let participant = self.participants.get_mut(&id).ok_or(SfuError::UnknownParticipant)?;
        let line = line.trim().trim_start_matches("a=");
        let candidate =
            Candidate::from_sdp_string(line).map_err(|e| SfuError::BadSdp(e.to_string()))?;
        participant.rtc.add_remote_candidate(candidate);
        self.drive(id);
        Ok(())
    }

    /// The participant shows `track` at `height` pixels (0: not shown).
    pub fn show(&mut self, id: ParticipantId, track: TrackId, height: u32) {
        let Some(participant) = self.participants.get(&id) else { return };
        let room_id = participant.room;
        let Some(room) = self.rooms.get_mut(&room_id) else { return };
        let effects = room.routing.show(id, track, (height > 0).then_some(height));
        self.apply_effects(room_id, effects);
    }

    /// Mutes or unmutes the participant's tracks of a kind (the server stops forwarding them).
    pub fn set_muted(&mut self, id: ParticipantId, kind: TrackKind, muted: bool) {
        let Some(participant) = self.participants.get(&id) else { return };
        let room_id = participant.room;
        let tracks: Vec<TrackId> =
            participant.published.values().filter(|p| p.kind == kind).map(|p| p.track).collect();
        let Some(room) = self.rooms.get_mut(&room_id) else { return };
        let mut effects = Vec::new();
        for track in tracks {
            effects.extend(room.routing.set_muted(track, muted));
        }
        self.apply_effects(room_id, effects);
    }

    /// Moves a participant to another room (breakout rooms): its publications follow under new
    /// track IDs; its subscriptions end (the client renegotiates for the new room's tracks).
    pub fn move_to(&mut self, id: ParticipantId, to: RoomId) -> Result<(), SfuError> {
        let participant = self.participants.get(&id).ok_or(SfuError::UnknownParticipant)?;
        let from = participant.room;
        if from == to {
            return Ok(());
        }
        if self
            .rooms
            .get(&to)
            .is_some_and(|r| r.members.len() >= self.limits.max_participants_per_room)
        {
            return Err(SfuError::RoomFull);
        }
        self.remove_from_room(id, from);
        let room = self.rooms.entry(to).or_default();
        room.members.push(id);
        let Some(participant) = self.participants.get_mut(&id) else { return Ok(()) };
        room.routing.set_bandwidth(id, participant.estimator.estimate());
        participant.room = to;
        participant.slots.clear();
        participant.ingress.clear();
        for published in participant.published.values_mut() {
            let simulcast = published.kind == TrackKind::Camera;
            self.next_track += 1;
            published.track = TrackId(self.next_track);
            room.routing.publish_as(published.track, id, published.kind, simulcast);
        }
        Ok(())
    }

    /// The participant leaves (or is removed): its connection is closed and its tracks end.
    pub fn leave(&mut self, id: ParticipantId) {
        let Some(mut participant) = self.participants.remove(&id) else { return };
        participant.rtc.disconnect();
        self.by_ufrag.remove(&participant.ufrag);
        for remote in &participant.remotes {
            self.by_remote.remove(remote);
        }
        self.remove_from_room(id, participant.room);
    }

    /// The tracks of a room.
    pub fn tracks(&self, room: RoomId) -> Vec<TrackInfo> {
        let Some(r) = self.rooms.get(&room) else { return Vec::new() };
        let mut tracks = Vec::new();
        for member in &r.members {
            let Some(p) = self.participants.get(member) else { continue };
            for published in p.published.values() {
                tracks.push(TrackInfo {
                    id: published.track,
                    owner: *member,
                    kind: published.kind,
                    muted: r.routing.is_muted(published.track),
                });
            }
        }
        tracks.sort_by_key(|t| t.id);
        tracks
    }

    pub fn room_of(&self, id: ParticipantId) -> Option<RoomId> {
        self.participants.get(&id).map(|p| p.room)
    }

    pub fn room_stats(&self, room: RoomId) -> Option<MediaStats> {
        self.rooms.get(&room).map(|r| MediaStats { participants: r.members.len(), ..r.stats })
    }

    /// Totals of the node, including rooms that closed.
    pub fn node_stats(&self) -> MediaStats {
        let mut total = self.closed_stats;
        total.participants = self.participants.len();
        let mut losses = 0.0;
        for room in self.rooms.values() {
            total.forwarded_packets += room.stats.forwarded_packets;
            total.forwarded_bytes += room.stats.forwarded_bytes;
            total.received_packets += room.stats.received_packets;
            losses += room.stats.ingress_loss;
        }
        if !self.rooms.is_empty() {
            total.ingress_loss = losses / self.rooms.len() as f32;
        }
        total
    }

    pub fn room_count(&self) -> usize {
        self.rooms.len()
    }

    fn remove_from_room(&mut self, id: ParticipantId, room_id: RoomId) {
        let Some(room) = self.rooms.get_mut(&room_id) else { return };
        room.routing.remove_participant(id);
        room.members.retain(|m| *m != id);
        room.losses.retain(|(p, _), _| *p != id);
        let speaker_left = room.speaker.current() == Some(id);
        room.speaker.remove(id);
        if room.members.is_empty() {
            if let Some(room) = self.rooms.remove(&room_id) {
                self.closed_stats.forwarded_packets += room.stats.forwarded_packets;
                self.closed_stats.forwarded_bytes += room.stats.forwarded_bytes;
                self.closed_stats.received_packets += room.stats.received_packets;
            }
        } else if speaker_left {
            self.outputs
                .push_back(Output::Event(SfuEvent::ActiveSpeaker { room: room_id, speaker: None }));
        }
        // Subscribers of the removed tracks lose those slots.
        if let Some(room) = self.rooms.get(&room_id) {
            let members = room.members.clone();
            for member in members {
                if let Some(p) = self.participants.get_mut(&member) {
                    let routing = &self.rooms[&room_id].routing;
                    p.slots.retain(|track, _| routing.owner(*track).is_some());
                }
            }
        }
    }

    fn apply_effects(&mut self, room: RoomId, effects: Vec<Effect>) {
        let mut touched = HashSet::new();
        for Effect::RequestKeyframe { track, layer } in effects {
            let Some(owner) = self.rooms.get(&room).and_then(|r| r.routing.owner(track)) else {
                continue;
            };
            self.request_keyframe(owner, track, layer, None);
            touched.insert(owner);
        }
        for id in touched {
            self.drive(id);
        }
    }
}
