//! One participant of the SFU: its own `str0m` `Rtc` (RTP mode, ICE-lite, one shared DTLS
//! certificate per node), what it publishes (by m-line), and its receiving slots (by m-line), each
//! with the rewriter that makes a switched simulcast layer look like one continuous stream.

use rustc_hash::FxHashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::config::{CryptoProvider, DtlsCert};
use str0m::format::Codec;
use str0m::media::{Mid, Rid};
use str0m::rtp::Ssrc;
use str0m::{Candidate, Rtc};

use crate::estimate::LossEstimator;
use crate::forward::Rewriter;
use crate::routing::{Layer, TrackId, TrackKind};

/// Identity of a media room (a lesson's main room or one of its breakout rooms), given by the
/// application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoomId(pub u64);

/// The node-wide pieces every `Rtc` shares.
#[derive(Clone)]
pub struct RtcFactory {
    provider: Arc<CryptoProvider>,
    cert: DtlsCert,
    candidates: Vec<Candidate>,
}

impl RtcFactory {
    /// Makes the node's DTLS certificate once (generating one per participant would cost a key
    /// generation on every join of the 08:00 storm).
    pub fn new(candidates: Vec<Candidate>) -> Result<Self, String> {
        let provider = Arc::new(str0m::crypto::from_feature_flags());
        let cert =
            provider.dtls_provider.generate_certificate().ok_or("no DTLS certificate generated")?;
        Ok(RtcFactory { provider, cert, candidates })
    }

    pub fn build(&self, now: Instant) -> Rtc {
        let mut rtc = Rtc::builder()
            .set_rtp_mode(true)
            .set_ice_lite(true)
            .set_crypto_provider(self.provider.clone())
            .set_dtls_cert(self.cert.clone())
            .clear_codecs()
            .enable_opus(true, false)
            .enable_vp8(true)
            .enable_h264(true)
            // No str0m BWE: its pacer costs an extra timeout round per packet (see estimate.rs).
            .set_stats_interval(Some(Duration::from_secs(1)))
            .build(now);
        for candidate in &self.candidates {
            rtc.add_local_candidate(candidate.clone());
        }
        rtc
    }
}

/// A track this participant publishes, by its m-line.
#[derive(Debug)]
pub struct Published {
    pub track: TrackId,
    pub kind: TrackKind,
    /// The rid each simulcast layer arrives with (learned from the streams).
    pub rids: FxHashMap<Layer, Rid>,
}

/// What an incoming SSRC is (cached on its first packet).
#[derive(Clone, Copy, Debug)]
pub struct Ingress {
    pub track: TrackId,
    pub layer: Layer,
    pub codec: Codec,
}

/// A receiving m-line of the participant and the remote track it carries.
#[derive(Debug)]
pub struct Slot {
    pub mid: Mid,
    pub track: TrackId,
    pub rewriter: Rewriter,
    /// The payload type this subscriber negotiated for each codec.
    pub pts: Vec<(Codec, str0m::format::PayloadParams)>,
}

pub struct Participant {
    pub room: RoomId,
    pub rtc: Rtc,
    pub ufrag: String,
    pub published: FxHashMap<Mid, Published>,
    pub ingress: FxHashMap<Ssrc, Ingress>,
    pub slots: FxHashMap<TrackId, Slot>,
    /// When this participant's `Rtc` wants its next timeout.
    pub next_timeout: Option<Instant>,
    /// (protocol, remote address) keys this participant is found under.
    pub remotes: Vec<(str0m::net::Protocol, std::net::SocketAddr)>,
    /// Last keyframe request sent per (track, layer), to rate-limit them.
    pub keyframe_asked: FxHashMap<(TrackId, Layer), Instant>,
    pub connected: bool,
    /// Queued in the core's list of participants to drain.
    pub dirty: bool,
    /// The bandwidth estimate of what is sent to this participant.
    pub estimator: LossEstimator,
    /// The worst fraction lost of the receiver reports in the latest stats snapshot.
    pub egress_loss: Option<f32>,
    /// The latest peer stats (time, media bytes sent so far) not yet given to the estimator.
    pub pending_stats: Option<(Instant, u64)>,
}

impl Participant {
    pub fn new(room: RoomId, rtc: Rtc) -> Self {
        let mut rtc = rtc;
        let ufrag = rtc.direct_api().local_ice_credentials().ufrag;
        Participant {
            room,
            rtc,
            ufrag,
            published: FxHashMap::default(),
            ingress: FxHashMap::default(),
            slots: FxHashMap::default(),
            next_timeout: None,
            remotes: Vec::new(),
            keyframe_asked: FxHashMap::default(),
            connected: false,
            dirty: false,
            estimator: LossEstimator::default(),
            egress_loss: None,
            pending_stats: None,
        }
    }

    /// The published track and m-line of `track`.
    pub fn mid_of(&self, track: TrackId) -> Option<(Mid, &Published)> {
        self.published.iter().find(|(_, p)| p.track == track).map(|(mid, p)| (*mid, p))
    }
}

/// The simulcast layer of a rid (`q`/`h`/`f` as the browsers name them; also `l`/`m`).
pub fn layer_of_rid(rid: Option<&Rid>) -> Layer {
    match rid.map(|r| r.to_string()) {
        Some(r) if r == "q" || r == "l" || r == "0" => Layer::Low,
        Some(r) if r == "h" || r == "m" || r == "1" => Layer::Medium,
        _ => Layer::High,
    }
}
