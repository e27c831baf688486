//! The media of the video benchmark: what a simulated class sends, and the fake payloads. Nothing
//! is encoded or decoded: an SFU forwards RTP packets, so a payload only has to look right to one
//! that inspects it — a valid VP8 payload descriptor (RFC 7741, with picture ID, TL0PICIDX and
//! TID like Chrome's simulcast) and on the first packet of a frame the VP8 frame tag (key frames
//! carry the start code `9d 01 2a` and a size, which Janus and str0m check before switching a
//! subscriber to a layer); Opus packets start with a TOC byte. After that comes the benchmark's
//! stamp — a magic, the send time in µs on the generator's clock — and filler up to the size.
//!
//! The class profile (per class, see the README): the teacher's camera in 3 simulcast layers
//! `q`/`h`/`f` at 150/500/1,500 kbit/s, 30 frames/s, packets of at most 1,100 bytes of payload
//! (≈ 1,150 bytes on the wire), so 1, 2 and 6 packets per frame; the teacher's Opus audio (50
//! packets/s, 80 bytes); and `talkers` pupils whose microphones are open, each 50 packets/s.

use std::time::{Duration, Instant};

/// Video clock rate (RTP timestamp units per second).
pub const VIDEO_CLOCK: u32 = 90_000;
/// Opus clock rate.
pub const AUDIO_CLOCK: u32 = 48_000;
/// Largest RTP payload written (the wire packet adds the RTP header, extensions and the SRTP tag).
pub const MAX_PAYLOAD: usize = 1_100;
/// Opus payload size (≈ 32 kbit/s at 20 ms).
pub const OPUS_BYTES: usize = 80;
pub const AUDIO_INTERVAL: Duration = Duration::from_millis(20);
pub const FRAME_RATE: u32 = 30;

/// Stamp magic: video and audio.
const MAGIC_VIDEO: [u8; 4] = *b"SHvV";
const MAGIC_AUDIO: [u8; 4] = *b"SHvA";
const STAMP_LEN: usize = 12;
/// How far into a payload a stamp is looked for (descriptor + VP8 key frame header ≤ 16 bytes).
const STAMP_SEARCH: usize = 40;

/// One simulcast layer of the teacher's camera.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layer {
    pub rid: &'static str,
    pub bits_per_second: u32,
    pub width: u16,
    pub height: u16,
}

/// Low to high (Janus: `rid_order` `lmh`).
pub const LAYERS: [Layer; 3] = [
    Layer { rid: "q", bits_per_second: 150_000, width: 320, height: 180 },
    Layer { rid: "h", bits_per_second: 500_000, width: 640, height: 360 },
    Layer { rid: "f", bits_per_second: 1_500_000, width: 1280, height: 720 },
];

impl Layer {
    /// Bytes of one frame.
    pub fn frame_bytes(&self) -> usize {
        (self.bits_per_second / 8 / FRAME_RATE) as usize
    }

    /// (packets per frame, payload bytes per packet).
    pub fn packetization(&self) -> (usize, usize) {
        let bytes = self.frame_bytes();
        let packets = bytes.div_ceil(MAX_PAYLOAD).max(1);
        (packets, bytes.div_ceil(packets))
    }

    pub fn packets_per_second(&self) -> u32 {
        self.packetization().0 as u32 * FRAME_RATE
    }
}

/// Which layer the i-th subscriber of a class watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerChoice {
    Q,
    H,
    F,
    /// Subscriber i takes layer i mod 3 (q, h, f, q, …).
    Mix,
}

impl LayerChoice {
    /// Index into [`LAYERS`] for the subscriber with this place in the class.
    pub fn layer_of(self, place: usize) -> usize {
        match self {
            LayerChoice::Q => 0,
            LayerChoice::H => 1,
            LayerChoice::F => 2,
            LayerChoice::Mix => place % 3,
        }
    }
}

/// Forwarded packets per second one class causes (every receiver of every stream), for the
/// README's arithmetic and the expected rates in the results.
pub fn forwarded_per_class(layers: LayerChoice, talkers: usize, class_size: usize) -> f64 {
    let subscribers = class_size - 1;
    let video: u32 =
        (0..subscribers).map(|i| LAYERS[layers.layer_of(i)].packets_per_second()).sum();
    let audio_pps = 1.0 / AUDIO_INTERVAL.as_secs_f64();
    let teacher_audio = audio_pps * subscribers as f64;
    // A talking pupil is heard by everybody else: the other pupils and the teacher.
    let pupils = audio_pps * talkers as f64 * (class_size - 1) as f64;
    f64::from(video) + teacher_audio + pupils
}

/// Microseconds since `epoch` (the generator's clock for stamps).
pub fn micros_since(epoch: Instant, at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(epoch).as_micros()).unwrap_or(u64::MAX)
}

/// VP8 state of one layer: picture ID (15 bit) and TL0PICIDX advance per frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct Vp8State {
    pub picture_id: u16,
    pub tl0_pic_idx: u8,
}

impl Vp8State {
    pub fn next_frame(&mut self) {
        self.picture_id = (self.picture_id + 1) & 0x7fff;
        self.tl0_pic_idx = self.tl0_pic_idx.wrapping_add(1);
    }
}

/// One VP8 RTP payload: descriptor, frame header on the frame's first packet, stamp, filler.
pub fn vp8_payload(
    state: Vp8State,
    layer: &Layer,
    first_of_frame: bool,
    keyframe: bool,
    sent_us: u64,
    size: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(size.max(32));
    // X=1, N=0, S=start of partition, PID=0.
    out.push(0x80 | if first_of_frame { 0x10 } else { 0 });
    // I=1, L=1, T=1, K=0.
    out.push(0xe0);
    let id = state.picture_id & 0x7fff;
    out.push(0x80 | (id >> 8) as u8); // M=1: 15-bit picture ID
    out.push((id & 0xff) as u8);
    out.push(state.tl0_pic_idx);
    // TID=0, Y=1 (layer sync), KEYIDX=0.
    out.push(0x20);
    if first_of_frame {
        // Frame tag (RFC 6386 9.1), little endian: P (0 = key frame), version 0, show_frame 1,
        // first partition size (any).
        let inter = u8::from(!keyframe);
        out.extend_from_slice(&[0x10 | inter, 0x02, 0x00]);
        if keyframe {
            out.extend_from_slice(&[0x9d, 0x01, 0x2a]);
            out.extend_from_slice(&layer.width.to_le_bytes());
            out.extend_from_slice(&layer.height.to_le_bytes());
        }
    }
    push_stamp(&mut out, MAGIC_VIDEO, sent_us);
    fill(&mut out, size);
    out
}

/// One Opus RTP payload: TOC (config 15 = CELT fullband 20 ms, mono, one frame), stamp, filler.
pub fn opus_payload(sent_us: u64, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size.max(16));
    out.push(0x78);
    push_stamp(&mut out, MAGIC_AUDIO, sent_us);
    fill(&mut out, size);
    out
}

fn push_stamp(out: &mut Vec<u8>, magic: [u8; 4], sent_us: u64) {
    out.extend_from_slice(&magic);
    out.extend_from_slice(&sent_us.to_le_bytes());
}

fn fill(out: &mut Vec<u8>, size: usize) {
    let mut byte = 0x5a_u8;
    while out.len() < size {
        out.push(byte);
        byte = byte.wrapping_mul(31).wrapping_add(7);
    }
}

/// What a received payload says: audio or video, and its send time (µs on the generator's
/// clock). `None` for payloads without a stamp (e.g. padding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub video: bool,
    pub sent_us: u64,
}

pub fn read_stamp(payload: &[u8]) -> Option<Stamp> {
    let window = &payload[..payload.len().min(STAMP_SEARCH + STAMP_LEN)];
    let at = window.windows(4).position(|w| w == MAGIC_VIDEO || w == MAGIC_AUDIO)?;
    let video = window.get(at..at + 4)? == MAGIC_VIDEO;
    let bytes: [u8; 8] = window.get(at + 4..at + STAMP_LEN)?.try_into().ok()?;
    Some(Stamp { video, sent_us: u64::from_le_bytes(bytes) })
}

/// Is this VP8 payload the first packet of a key frame? (The check Janus does, for the tests.)
pub fn is_vp8_keyframe(payload: &[u8]) -> bool {
    let Some(&first) = payload.first() else { return false };
    let mut at = 1;
    if first & 0x80 != 0 {
        let Some(&ext) = payload.get(1) else { return false };
        at = 2;
        if ext & 0x80 != 0 {
            let Some(&pid) = payload.get(at) else { return false };
            at += if pid & 0x80 != 0 { 2 } else { 1 };
        }
        if ext & 0x40 != 0 {
            at += 1;
        }
        if ext & 0x30 != 0 {
            at += 1;
        }
    }
    first & 0x10 != 0
        && payload.get(at).is_some_and(|tag| tag & 1 == 0)
        && payload.get(at + 3..at + 6) == Some(&[0x9d, 0x01, 0x2a][..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_packetize_into_at_most_max_payload() {
        assert_eq!(LAYERS[0].packetization(), (1, 625));
        assert_eq!(LAYERS[1].packetization(), (2, 1042));
        assert_eq!(LAYERS[2].packetization(), (6, 1042));
        assert_eq!(LAYERS[2].packets_per_second(), 180);
        for layer in LAYERS {
            assert!(layer.packetization().1 <= MAX_PAYLOAD);
        }
    }

    #[test]
    fn forwarded_rates_of_the_profiles() {
        // 29 subscribers on f: 29 × 180 video + 29 × 50 teacher audio, no talkers.
        assert_eq!(forwarded_per_class(LayerChoice::F, 0, 30), 29.0 * 180.0 + 29.0 * 50.0);
        // mix: 10 on q, 10 on h, 9 on f; one talker heard by 29.
        let mix = 10.0 * 30.0 + 10.0 * 60.0 + 9.0 * 180.0 + 29.0 * 50.0 + 29.0 * 50.0;
        assert_eq!(forwarded_per_class(LayerChoice::Mix, 1, 30), mix);
    }

    #[test]
    fn stamps_survive_the_descriptor_and_the_frame_header() {
        let state = Vp8State { picture_id: 0x7fff, tl0_pic_idx: 9 };
        let key = vp8_payload(state, &LAYERS[2], true, true, 123_456, 1042);
        assert_eq!(key.len(), 1042);
        assert!(is_vp8_keyframe(&key));
        assert_eq!(read_stamp(&key), Some(Stamp { video: true, sent_us: 123_456 }));
        let inter = vp8_payload(state, &LAYERS[0], true, false, 7, 625);
        assert!(!is_vp8_keyframe(&inter));
        assert_eq!(read_stamp(&inter).map(|s| s.sent_us), Some(7));
        let middle = vp8_payload(state, &LAYERS[1], false, true, 8, 1042);
        assert!(!is_vp8_keyframe(&middle));
        assert_eq!(read_stamp(&middle).map(|s| s.sent_us), Some(8));
        let audio = opus_payload(u64::MAX - 1, OPUS_BYTES);
        assert_eq!(audio.len(), OPUS_BYTES);
        assert_eq!(read_stamp(&audio), Some(Stamp { video: false, sent_us: u64::MAX - 1 }));
        assert_eq!(read_stamp(&[0u8; 100]), None);
        assert_eq!(read_stamp(b"SHvV123"), None);
    }

    #[test]
    fn picture_ids_wrap_at_15_bits() {
        let mut state = Vp8State { picture_id: 0x7fff, tl0_pic_idx: 255 };
        state.next_frame();
        assert_eq!((state.picture_id, state.tl0_pic_idx), (0, 0));
    }

    #[test]
    fn mix_cycles_through_the_layers() {
        let places: Vec<usize> = (0..4).map(|i| LayerChoice::Mix.layer_of(i)).collect();
        assert_eq!(places, vec![0, 1, 2, 0]);
        assert_eq!(LayerChoice::H.layer_of(5), 1);
    }
}
