//! The routing table of one video room, without any media or sockets: who publishes which tracks
//! (audio, camera, screen), who subscribes to what, which simulcast layer each subscriber gets, and
//! therefore — for an incoming packet of a track at a layer — the list of subscribers to forward it
//! to, found by one lookup (the table is rebuilt on every change, never scanned per packet).
//! A subscriber's layer follows the size of the tile it shows the track at, capped by its
//! bandwidth estimate; video nobody shows is not forwarded at all; a muted track is forwarded to
//! nobody. Changes return `Effect`s for the driver (e.g. ask the publisher for a keyframe when a
//! subscriber switches layer or joins, so its decoder can start).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

/// A participant of the room (numbered by the room).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParticipantId(pub u64);

/// A published track (numbered by the room).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackId(pub u64);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackKind {
    Audio,
    Camera,
    Screen,
}

/// A simulcast layer (`q`, `h`, `f` in the browsers' rids). Tracks without simulcast send `High`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Low,
    Medium,
    High,
}

impl Layer {
    /// The bitrate a layer needs (typical browser simulcast: 150 kbit/s, 500 kbit/s, 1.5 Mbit/s).
    pub fn bitrate(self) -> u64 {
        match self {
            Layer::Low => 150_000,
            Layer::Medium => 500_000,
            Layer::High => 1_500_000,
        }
    }

    /// The smallest layer that looks sharp in a tile this many pixels high.
    pub fn for_tile_height(height: u32) -> Self {
        match height {
            0..=180 => Layer::Low,
            181..=360 => Layer::Medium,
            _ => Layer::High,
        }
    }
}

/// What an Opus track needs (bit/s), for the bandwidth target.
const AUDIO_BITRATE: u64 = 50_000;

/// What the driver must do after a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Ask the track's publisher for a keyframe of this layer (PLI/FIR).
    RequestKeyframe { track: TrackId, layer: Layer },
}

#[derive(Debug)]
struct Track {
    owner: ParticipantId,
    kind: TrackKind,
    simulcast: bool,
    muted: bool,
}

#[derive(Debug)]
struct Subscription {
    /// The tile height the subscriber shows the track at (`None`: not shown; for video that
    /// pauses forwarding).
    shown: Option<u32>,
    /// The layer forwarded now (`None`: nothing).
    layer: Option<Layer>,
}

/// The routing state of one room.
#[derive(Debug, Default)]
pub struct Routing {
    tracks: BTreeMap<TrackId, Track>,
    /// subscriber → track → subscription.
    subscriptions: FxHashMap<ParticipantId, BTreeMap<TrackId, Subscription>>,
    /// Bandwidth estimate per subscriber (bit/s); none known means no cap.
    bandwidth: FxHashMap<ParticipantId, u64>,
    /// (track, layer) → subscribers to forward a packet to (derived; rebuilt on change).
    targets: FxHashMap<(TrackId, Layer), Vec<ParticipantId>>,
    /// track → (subscriber, wanted layer) of everyone who receives it (derived; rebuilt on change).
    receivers: FxHashMap<TrackId, Vec<(ParticipantId, Layer)>>,
    next_track: u64,
}

impl Routing {
    /// A participant publishes a track.
    pub fn publish(&mut self, owner: ParticipantId, kind: TrackKind, simulcast: bool) -> TrackId {
        self.next_track += 1;
        let id = TrackId(self.next_track);
        self.publish_as(id, owner, kind, simulcast);
        id
    }

    /// Publishes under an ID chosen by the caller (the SFU numbers tracks node-wide, so an ID
    /// never means two tracks, even across breakout rooms).
    pub fn publish_as(
        &mut self,
        id: TrackId,
        owner: ParticipantId,
        kind: TrackKind,
        simulcast: bool,
    ) {
        let simulcast = simulcast && kind != TrackKind::Audio;
        self.tracks.insert(id, Track { owner, kind, simulcast, muted: false });
    }

    pub fn owner(&self, track: TrackId) -> Option<ParticipantId> {
        self.tracks.get(&track).map(|t| t.owner)
    }

    pub fn kind(&self, track: TrackId) -> Option<TrackKind> {
        self.tracks.get(&track).map(|t| t.kind)
    }

    /// The tracks a participant publishes.
    pub fn tracks_of(&self, owner: ParticipantId) -> Vec<TrackId> {
        self.tracks.iter().filter(|(_, t)| t.owner == owner).map(|(id, _)| *id).collect()
    }

    /// A participant subscribes to a track (audio is forwarded at once; video once shown).
    pub fn subscribe(&mut self, subscriber: ParticipantId, track: TrackId) -> Vec<Effect> {
        if self.owner(track).is_none_or(|owner| owner == subscriber) {
            return Vec::new();
        }
        let shown = (self.kind(track) == Some(TrackKind::Audio)).then_some(0);
        let subscription = Subscription { shown, layer: None };
        self.subscriptions.entry(subscriber).or_default().insert(track, subscription);
        self.relayer(subscriber)
    }

    pub fn unsubscribe(&mut self, subscriber: ParticipantId, track: TrackId) {
        if let Some(subscriptions) = self.subscriptions.get_mut(&subscriber) {
            subscriptions.remove(&track);
        }
        self.rebuild_targets();
    }

    /// The subscriber shows the track in a tile this high (`None`: not shown).
    pub fn show(
        &mut self,
        subscriber: ParticipantId,
        track: TrackId,
        height: Option<u32>,
    ) -> Vec<Effect> {
        let Some(subscription) =
            self.subscriptions.get_mut(&subscriber).and_then(|s| s.get_mut(&track))
        else {
            return Vec::new();
        };
        subscription.shown = height;
        self.relayer(subscriber)
    }

    /// The subscriber's bandwidth estimate changed.
    pub fn set_bandwidth(
        &mut self,
        subscriber: ParticipantId,
        bits_per_second: u64,
    ) -> Vec<Effect> {
        self.bandwidth.insert(subscriber, bits_per_second);
        self.relayer(subscriber)
    }

    /// A track is muted or unmuted (by its owner or a moderator).
    pub fn set_muted(&mut self, track: TrackId, muted: bool) -> Vec<Effect> {
        let Some(entry) = self.tracks.get_mut(&track) else { return Vec::new() };
        entry.muted = muted;
        self.rebuild_targets();
        if muted {
            return Vec::new();
        }
        // Video coming back needs a keyframe for every layer someone receives.
        let mut layers: Vec<Layer> =
            self.targets.keys().filter(|(t, _)| *t == track).map(|(_, l)| *l).collect();
        layers.sort_unstable();
        match self.kind(track) {
            Some(TrackKind::Audio) | None => Vec::new(),
            Some(_) => {
                layers.into_iter().map(|layer| Effect::RequestKeyframe { track, layer }).collect()
            }
        }
    }

    pub fn is_muted(&self, track: TrackId) -> bool {
        self.tracks.get(&track).is_some_and(|t| t.muted)
    }

    /// A track ends: nobody receives it any more.
    pub fn unpublish(&mut self, track: TrackId) {
        self.tracks.remove(&track);
        for subscriptions in self.subscriptions.values_mut() {
            subscriptions.remove(&track);
        }
        self.rebuild_targets();
    }

    /// A participant leaves (or is removed): its tracks end and its subscriptions go.
    pub fn remove_participant(&mut self, participant: ParticipantId) {
        self.tracks.retain(|_, t| t.owner != participant);
        self.subscriptions.remove(&participant);
        self.bandwidth.remove(&participant);
        let tracks = &self.tracks;
        for subscriptions in self.subscriptions.values_mut() {
            subscriptions.retain(|track, _| tracks.contains_key(track));
        }
        self.rebuild_targets();
    }

    /// Where a packet of `track` at `layer` goes: one lookup.
    pub fn targets(&self, track: TrackId, layer: Layer) -> &[ParticipantId] {
        self.targets.get(&(track, layer)).map_or(&[], Vec::as_slice)
    }

    /// Everyone a packet of `track` may go to, with the layer each wants (the forwarder switches a
    /// subscriber's layer at the next keyframe of the wanted one): one lookup.
    pub fn receivers(&self, track: TrackId) -> &[(ParticipantId, Layer)] {
        self.receivers.get(&track).map_or(&[], Vec::as_slice)
    }

    /// The bitrate (bit/s) the subscriber would receive with every shown track at the layer its
    /// tile wants, before any bandwidth cap: what its bandwidth estimation should probe towards
    /// (without a target, the estimate never rises above its start and high layers never come).
    pub fn desired_bitrate(&self, subscriber: ParticipantId) -> u64 {
        let Some(subscriptions) = self.subscriptions.get(&subscriber) else { return 0 };
        subscriptions
            .iter()
            .filter_map(|(track_id, subscription)| {
                let track = self.tracks.get(track_id)?;
                let height = subscription.shown?;
                Some(match track.kind {
                    TrackKind::Audio => AUDIO_BITRATE,
                    _ if !track.simulcast => Layer::High.bitrate(),
                    _ => Layer::for_tile_height(height).bitrate(),
                })
            })
            .sum()
    }

    /// The layer a subscriber receives of a track now.
    pub fn layer_of(&self, subscriber: ParticipantId, track: TrackId) -> Option<Layer> {
        self.subscriptions.get(&subscriber)?.get(&track)?.layer
    }

    /// Chooses the layer of each of the subscriber's tracks: from the tile size, then lowered
    /// (biggest tiles first keep their layer longest) until the shown video fits the bandwidth.
    fn relayer(&mut self, subscriber: ParticipantId) -> Vec<Effect> {
        let budget = self.bandwidth.get(&subscriber).copied();
        let Some(subscriptions) = self.subscriptions.get_mut(&subscriber) else {
            return Vec::new();
        };
        let mut wanted: BTreeMap<TrackId, Option<Layer>> = BTreeMap::new();
        for (track_id, subscription) in subscriptions.iter() {
            let Some(track) = self.tracks.get(track_id) else { continue };
            let layer = match (track.kind, subscription.shown) {
                (_, None) => None,
                (TrackKind::Audio, Some(_)) => Some(Layer::High),
                (_, Some(_)) if !track.simulcast => Some(Layer::High),
                (_, Some(height)) => Some(Layer::for_tile_height(height)),
            };
            wanted.insert(*track_id, layer);
        }
        if let Some(budget) = budget {
            fit_to_budget(&mut wanted, &self.tracks, budget);
        }
        let mut effects = Vec::new();
        for (track_id, layer) in wanted {
            if let Some(subscription) = subscriptions.get_mut(&track_id) {
                let is_video =
                    self.tracks.get(&track_id).is_some_and(|t| t.kind != TrackKind::Audio);
                if subscription.layer != layer
                    && is_video
                    && let Some(layer) = layer
                {
                    effects.push(Effect::RequestKeyframe { track: track_id, layer });
                }
                subscription.layer = layer;
            }
        }
        self.rebuild_targets();
        effects
    }

    fn rebuild_targets(&mut self) {
        self.targets.clear();
        self.receivers.clear();
        for (subscriber, subscriptions) in &self.subscriptions {
            for (track_id, subscription) in subscriptions {
                let (Some(track), Some(layer)) = (self.tracks.get(track_id), subscription.layer)
                else {
                    continue;
                };
                if track.muted {
                    continue;
                }
                self.targets.entry((*track_id, layer)).or_default().push(*subscriber);
                self.receivers.entry(*track_id).or_default().push((*subscriber, layer));
            }
        }
        for list in self.targets.values_mut() {
            list.sort_unstable();
        }
        for list in self.receivers.values_mut() {
            list.sort_unstable();
        }
    }
}

/// Lowers simulcast layers (the highest first) until the video fits `budget`; audio is always
/// kept (it is small), and a video that cannot fit even at `Low` stays at `Low`.
fn fit_to_budget(
    wanted: &mut BTreeMap<TrackId, Option<Layer>>,
    tracks: &BTreeMap<TrackId, Track>,
    budget: u64,
) {
    let cost = |wanted: &BTreeMap<TrackId, Option<Layer>>| -> u64 {
        wanted
            .iter()
            .filter(|(id, _)| tracks.get(id).is_some_and(|t| t.kind != TrackKind::Audio))
            .filter_map(|(_, layer)| layer.map(Layer::bitrate))
            .sum()
    };
    while cost(wanted) > budget {
        let highest = wanted
            .iter()
            .filter(|(id, layer)| {
                tracks.get(id).is_some_and(|t| t.simulcast)
                    && matches!(layer, Some(Layer::Medium | Layer::High))
            })
            .max_by_key(|(_, layer)| **layer)
            .map(|(id, _)| *id);
        let Some(id) = highest else { break };
        if let Some(layer) = wanted.get_mut(&id) {
            *layer = match layer {
                Some(Layer::High) => Some(Layer::Medium),
                _ => Some(Layer::Low),
            };
        }
    }
}
