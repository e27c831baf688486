//! One subscriber's view of one forwarded track (a "slot"): which simulcast layer it receives now,
//! and how the publisher's sequence numbers, RTP timestamps and VP8 picture IDs are rewritten so
//! that the subscriber sees one continuous stream even when the layer underneath switches.
//! A switch happens only at a keyframe of the wanted layer (until then the old layer keeps
//! flowing, or nothing for a new subscriber), so the decoder never gets a frame it cannot decode.
//! Pure: packets and time go in, a decision comes out.

use std::time::Instant;

use crate::routing::Layer;

/// What the forwarder needs to know of an incoming packet.
#[derive(Clone, Copy, Debug)]
pub struct Incoming {
    pub layer: Layer,
    /// Extended sequence number of the publisher's stream of this layer.
    pub seq: u64,
    pub timestamp: u32,
    /// The packet starts a keyframe (audio: every packet).
    pub keyframe_start: bool,
    /// VP8 picture ID and TL0PICIDX, when the payload descriptor has them.
    pub picture_id: Option<u16>,
    pub tl0_pic_idx: Option<u8>,
    /// Whether the picture ID is the 15-bit form (else 7-bit).
    pub long_picture_id: bool,
    pub received: Instant,
}

/// The rewritten header fields of a packet to forward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub seq: u64,
    pub timestamp: u32,
    pub picture_id: Option<u16>,
    pub tl0_pic_idx: Option<u8>,
}

/// Why a packet is not forwarded to this slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// A layer this subscriber neither receives nor wants.
    OtherLayer,
    /// The wanted layer, but not yet at a keyframe (the driver asks for one).
    AwaitingKeyframe,
    /// Older than the point where this layer started (reordered across a switch).
    Stale,
}

/// The rewriting state of one slot.
#[derive(Debug)]
pub struct Rewriter {
    /// RTP clock rate of the track (90 kHz video, 48 kHz Opus).
    clock_rate: u32,
    current: Option<Layer>,
    /// First incoming sequence number of the current layer (older packets are stale).
    layer_start_seq: u64,
    seq_offset: u64,
    ts_offset: u32,
    picture_offset: u16,
    tl0_offset: u8,
    last: Option<Last>,
}

#[derive(Clone, Copy, Debug)]
struct Last {
    seq: u64,
    timestamp: u32,
    picture_id: Option<u16>,
    tl0_pic_idx: Option<u8>,
    at: Instant,
}

impl Rewriter {
    pub fn new(clock_rate: u32) -> Self {
        Rewriter {
            clock_rate,
            current: None,
            layer_start_seq: 0,
            seq_offset: 0,
            ts_offset: 0,
            picture_offset: 0,
            tl0_offset: 0,
            last: None,
        }
    }

    /// The layer being forwarded now (`None`: nothing yet).
    pub fn current(&self) -> Option<Layer> {
        self.current
    }

    /// Decides about one packet, given the layer the subscriber should get.
    pub fn forward(&mut self, packet: &Incoming, wanted: Layer) -> Result<Outgoing, Skip> {
        if Some(packet.layer) != self.current {
            if packet.layer != wanted {
                return Err(Skip::OtherLayer);
            }
            if !packet.keyframe_start {
                return Err(Skip::AwaitingKeyframe);
            }
            self.switch_to(packet);
        }
        // (The current layer keeps flowing while a wanted other layer has no keyframe yet.)
        if packet.seq < self.layer_start_seq {
            return Err(Skip::Stale);
        }
        let out = Outgoing {
            seq: packet.seq.wrapping_add(self.seq_offset),
            timestamp: packet.timestamp.wrapping_add(self.ts_offset),
            picture_id: packet.picture_id.map(|id| {
                let mask = if packet.long_picture_id { 0x7fff } else { 0x7f };
                id.wrapping_add(self.picture_offset) & mask
            }),
            tl0_pic_idx: packet.tl0_pic_idx.map(|idx| idx.wrapping_add(self.tl0_offset)),
        };
        let newer = self.last.is_none_or(|last| out.seq > last.seq);
        if newer {
            self.last = Some(Last {
                seq: out.seq,
                timestamp: out.timestamp,
                picture_id: out.picture_id,
                tl0_pic_idx: out.tl0_pic_idx,
                at: packet.received,
            });
        }
        Ok(out)
    }

    /// Starts forwarding `packet.layer` at this keyframe: offsets make its numbers continue where
    /// the previous layer's ended (a new subscriber keeps the publisher's numbers).
    fn switch_to(&mut self, packet: &Incoming) {
        self.current = Some(packet.layer);
        self.layer_start_seq = packet.seq;
        let Some(last) = self.last else {
            // The first packet ever: start sequence numbers low (no rollover counter to signal).
            self.seq_offset = 1u64.wrapping_sub(packet.seq);
            return;
        };
        self.seq_offset = last.seq.wrapping_add(1).wrapping_sub(packet.seq);
        let elapsed = packet.received.saturating_duration_since(last.at);
        let ticks = (elapsed.as_micros() * u128::from(self.clock_rate) / 1_000_000).max(1);
        let ticks = u32::try_from(ticks).unwrap_or(u32::MAX);
        self.ts_offset = last.timestamp.wrapping_add(ticks).wrapping_sub(packet.timestamp);
        if let (Some(last_id), Some(id)) = (last.picture_id, packet.picture_id) {
            self.picture_offset = last_id.wrapping_add(1).wrapping_sub(id);
        }
        if let (Some(last_idx), Some(idx)) = (last.tl0_pic_idx, packet.tl0_pic_idx) {
            self.tl0_offset = last_idx.wrapping_add(1).wrapping_sub(idx);
        }
    }
}

/// Whether an H.264 RTP payload starts a keyframe (an IDR slice or SPS, also inside STAP-A, or
/// the first fragment of an FU-A IDR).
pub fn h264_starts_keyframe(payload: &[u8]) -> bool {
    let Some(first) = payload.first() else { return false };
    match first & 0x1f {
        5 | 7 => true,
        24 => {
            // STAP-A: 2-byte sizes, each followed by a NAL unit.
            let mut rest = &payload[1..];
            while rest.len() > 2 {
                let size = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
                let Some(nal) = rest.get(2) else { return false };
                if matches!(nal & 0x1f, 5 | 7) {
                    return true;
                }
                rest = rest.get(2 + size..).unwrap_or(&[]);
            }
            false
        }
        28 => payload.get(1).is_some_and(|fu| fu & 0x80 != 0 && fu & 0x1f == 5),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn packet(layer: Layer, seq: u64, ts: u32, key: bool, pid: u16, at: Instant) -> Incoming {
        Incoming {
            layer,
            seq,
            timestamp: ts,
            keyframe_start: key,
            picture_id: Some(pid),
            tl0_pic_idx: None,
            long_picture_id: true,
            received: at,
        }
    }

    #[test]
    fn a_new_subscriber_waits_for_a_keyframe_and_starts_numbering_at_one() {
        let t0 = Instant::now();
        let mut slot = Rewriter::new(90_000);
        let delta = packet(Layer::Low, 5000, 100, false, 40, t0);
        assert_eq!(slot.forward(&delta, Layer::Low), Err(Skip::AwaitingKeyframe));
        let key = packet(Layer::Low, 5001, 3100, true, 41, t0);
        let out = slot.forward(&key, Layer::Low).unwrap();
        assert_eq!(out.seq, 1);
        assert_eq!(out.timestamp, 3100);
        assert_eq!(
            slot.forward(&packet(Layer::Low, 5002, 3100, false, 41, t0), Layer::Low).unwrap().seq,
            2
        );
        assert_eq!(
            slot.forward(&packet(Layer::High, 9000, 77, true, 3, t0), Layer::Low),
            Err(Skip::OtherLayer)
        );
    }

    #[test]
    fn a_layer_switch_happens_at_the_keyframe_and_numbers_continue() {
        let t0 = Instant::now();
        let mut slot = Rewriter::new(90_000);
        slot.forward(&packet(Layer::Low, 100, 1000, true, 10, t0), Layer::Low).unwrap();
        let last = slot.forward(&packet(Layer::Low, 101, 1000, false, 10, t0), Layer::Low).unwrap();
        // Wanted is now High: Low keeps flowing until High has a keyframe.
        let t1 = t0 + Duration::from_millis(33);
        assert_eq!(
            slot.forward(&packet(Layer::High, 7000, 50_000, false, 900, t1), Layer::High),
            Err(Skip::AwaitingKeyframe)
        );
        assert!(slot.forward(&packet(Layer::Low, 102, 3970, false, 11, t1), Layer::High).is_ok());
        let switched =
            slot.forward(&packet(Layer::High, 7001, 52_970, true, 901, t1), Layer::High).unwrap();
        assert_eq!(switched.seq, last.seq + 2);
        assert_eq!(switched.picture_id, Some(12));
        assert!(switched.timestamp.wrapping_sub(3970) >= 1);
        assert_eq!(slot.current(), Some(Layer::High));
        assert_eq!(
            slot.forward(&packet(Layer::Low, 103, 6940, false, 12, t1), Layer::High),
            Err(Skip::OtherLayer)
        );
        // A reordered High packet from before the switch point is stale.
        assert_eq!(
            slot.forward(&packet(Layer::High, 7000, 50_000, false, 900, t1), Layer::High),
            Err(Skip::Stale)
        );
    }

    #[test]
    fn h264_keyframes_are_recognised() {
        assert!(h264_starts_keyframe(&[0x65, 0x88]));
        assert!(h264_starts_keyframe(&[0x67, 0x42]));
        assert!(!h264_starts_keyframe(&[0x41, 0x9a]));
        // STAP-A with SPS.
        assert!(h264_starts_keyframe(&[0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x01, 0x68]));
        // FU-A start of an IDR, and its continuation.
        assert!(h264_starts_keyframe(&[0x7c, 0x85, 0x00]));
        assert!(!h264_starts_keyframe(&[0x7c, 0x05, 0x00]));
    }
}
