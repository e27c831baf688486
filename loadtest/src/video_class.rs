//! A simulated class for the video benchmark and the SDP steps every backend shares. A class is
//! one teacher and 29 pupils: the teacher publishes audio and a camera in 3 simulcast layers;
//! pupils 0…`talkers`−1 publish audio (their microphones are open; the others are muted and send
//! nothing; pupils' cameras are off, as `pupil_camera_off`); every participant receives the
//! teacher's audio and camera (one layer: `LayerChoice`) and every talker except itself — the
//! teacher receives the talkers only. The SDP helpers run str0m's `SdpApi` inside the engine
//! (`Engine::with`): make an offer with m-lines added (the offerer side: schulhof's clients
//! always offer; Janus publishers too), accept the answer, or answer an offer (Janus offers to
//! its subscribers).

use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::media::{Direction, MediaKind, Mid, Simulcast, SimulcastLayer};

use crate::video_engine::Engine;
use crate::video_media::{LAYERS, LayerChoice};
use crate::video_peer::{TrackKind, TrackSpec};

pub const CLASS_SIZE: usize = 30;
pub const PUPILS: usize = CLASS_SIZE - 1;

/// What a class sends and watches.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Profile {
    pub layers: LayerChoice,
    pub talkers: usize,
    /// Non-talking pupils per class whose received RTP goes through str0m (latency); the other
    /// pupils receive light (`video_light`).
    pub observers: usize,
}

impl Profile {
    /// The layer (index into `LAYERS`) pupil `pupil` (0…28) watches.
    pub fn pupil_layer(&self, pupil: usize) -> usize {
        self.layers.layer_of(pupil)
    }

    /// Pupils watching layer `layer`.
    pub fn layer_receivers(&self, layer: usize) -> u64 {
        (0..PUPILS).filter(|&pupil| self.pupil_layer(pupil) == layer).count() as u64
    }

    pub fn is_talker(&self, pupil: usize) -> bool {
        pupil < self.talkers.min(PUPILS)
    }

    /// Does pupil `pupil` receive light? The talkers and the `observers` pupils after them do not.
    pub fn is_light(&self, pupil: usize) -> bool {
        pupil >= self.talkers + self.observers
    }

    /// The teacher's tracks: audio, then the camera's layers (low to high).
    pub fn teacher_tracks(&self, audio: Mid, video: Mid) -> Vec<TrackSpec> {
        let mut tracks = vec![TrackSpec {
            mid: audio,
            kind: TrackKind::Audio { talking: true },
            receivers: PUPILS as u64,
        }];
        for layer in 0..LAYERS.len() {
            tracks.push(TrackSpec {
                mid: video,
                kind: TrackKind::Video { layer },
                receivers: self.layer_receivers(layer),
            });
        }
        tracks
    }

    /// A talking pupil's microphone, heard by everybody else (28 pupils and the teacher).
    pub fn talker_track(&self, audio: Mid) -> TrackSpec {
        TrackSpec { mid: audio, kind: TrackKind::Audio { talking: true }, receivers: PUPILS as u64 }
    }
}

/// An m-line to add to an offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// Sending audio.
    SendAudio,
    /// Sending a camera in the simulcast layers of `LAYERS`.
    SendCamera,
    RecvAudio,
    RecvVideo,
}

/// An offer made by a peer, waiting for its answer.
pub struct Offer {
    pub sdp: String,
    pub pending: SdpPendingOffer,
    /// The mids of the added lines, in the order given.
    pub mids: Vec<Mid>,
}

/// Adds `lines` to the peer's session and makes the offer.
pub async fn offer(engine: &Engine, peer: usize, lines: Vec<Line>) -> Result<Offer, String> {
    engine
        .with(peer, move |rtc| {
            let mut api = rtc.sdp_api();
            let mut mids = Vec::with_capacity(lines.len());
            for line in lines {
                let mid = match line {
                    Line::SendAudio => {
                        api.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None)
                    }
                    Line::SendCamera => {
                        let mut simulcast = Simulcast::new();
                        for layer in LAYERS {
                            simulcast.add_send_layer(SimulcastLayer::new(layer.rid));
                        }
                        api.add_media(
                            MediaKind::Video,
                            Direction::SendOnly,
                            None,
                            None,
                            Some(simulcast),
                        )
                    }
                    Line::RecvAudio => {
                        api.add_media(MediaKind::Audio, Direction::RecvOnly, None, None, None)
                    }
                    Line::RecvVideo => {
                        api.add_media(MediaKind::Video, Direction::RecvOnly, None, None, None)
                    }
                };
                mids.push(mid);
            }
            let (offer, pending) = api.apply().ok_or("no changes to offer")?;
            Ok(Offer { sdp: offer.to_sdp_string(), pending, mids })
        })
        .await?
}

/// Applies the answer to an offer made with [`offer`].
pub async fn accept_answer(
    engine: &Engine,
    peer: usize,
    pending: SdpPendingOffer,
    sdp: String,
) -> Result<(), String> {
    engine
        .with(peer, move |rtc| {
            let answer = SdpAnswer::from_sdp_string(&sdp).map_err(|e| format!("answer: {e}"))?;
            rtc.sdp_api().accept_answer(pending, answer).map_err(|e| format!("answer: {e}"))
        })
        .await?
}

/// Answers a remote offer.
pub async fn answer(engine: &Engine, peer: usize, sdp: String) -> Result<String, String> {
    engine
        .with(peer, move |rtc| {
            let offer = SdpOffer::from_sdp_string(&sdp).map_err(|e| format!("offer: {e}"))?;
            let answer = rtc.sdp_api().accept_offer(offer).map_err(|e| format!("offer: {e}"))?;
            Ok(answer.to_sdp_string())
        })
        .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receivers_add_up_to_the_pupils() {
        let profile = Profile { layers: LayerChoice::Mix, talkers: 2, observers: 3 };
        let total: u64 = (0..LAYERS.len()).map(|layer| profile.layer_receivers(layer)).sum();
        assert_eq!(total, PUPILS as u64);
        assert_eq!(profile.layer_receivers(0), 10);
        assert_eq!(profile.layer_receivers(2), 9);
        assert!(profile.is_talker(1) && !profile.is_talker(2));
        assert!(!profile.is_light(4) && profile.is_light(5));
        let tracks = profile.teacher_tracks(Mid::from("0"), Mid::from("1"));
        assert_eq!(tracks.len(), 4);
        let single = Profile { layers: LayerChoice::F, talkers: 0, observers: 0 };
        assert_eq!(single.layer_receivers(2), 29);
        assert_eq!(single.layer_receivers(0), 0);
    }
}
