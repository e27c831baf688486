//! Light receiving for most subscribers of the video benchmark. Decrypting every forwarded packet
//! in str0m costs the generator about as much as forwarding costs a good SFU, so only a few
//! "observer" subscribers per class hand their RTP to str0m (and measure latency from the
//! stamped payload); the others count RTP from its header, which SRTP leaves in the clear —
//! SSRC, sequence number (loss = gaps) and payload type (audio or video) — and give only STUN,
//! DTLS and RTCP to their `Rtc`, so ICE, DTLS and the server's view of the connection stay real.
//! (They send no receiver reports, NACKs or transport-wide feedback for the media they skip.)

use str0m::Rtc;
use str0m::format::Codec;

/// The fields of an RTP header the light path needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtpHead {
    pub pt: u8,
    pub seq: u16,
    pub ssrc: u32,
}

/// Parses an RTP (not RTCP, STUN or DTLS) datagram's fixed header (RFC 3550, demultiplexed as
/// RFC 7983: first byte 128–191; RTCP per RFC 5761: second byte 192–223).
pub fn rtp_head(data: &[u8]) -> Option<RtpHead> {
    let [first, second, s0, s1, _, _, _, _, x0, x1, x2, x3, ..] = *data else { return None };
    if !(128..=191).contains(&first) || (192..=223).contains(&second) {
        return None;
    }
    Some(RtpHead {
        pt: second & 0x7f,
        seq: u16::from_be_bytes([s0, s1]),
        ssrc: u32::from_be_bytes([x0, x1, x2, x3]),
    })
}

/// The extended sequence number of `seq` next to the stream's last extended one.
pub fn extend_seq(last: u64, seq: u16) -> u64 {
    let delta = i64::from(seq.wrapping_sub(last as u16) as i16);
    last.saturating_add_signed(delta)
}

/// What a payload type carries, as negotiated.
#[derive(Clone, Debug, Default)]
pub struct PtKinds {
    audio: Vec<u8>,
    video: Vec<u8>,
}

impl PtKinds {
    /// The session's Opus and VP8 payload types (retransmission types are neither).
    pub fn of(rtc: &Rtc) -> PtKinds {
        let mut kinds = PtKinds::default();
        for params in rtc.codec_config().params() {
            let pt = *params.pt();
            match params.spec().codec {
                Codec::Opus => kinds.audio.push(pt),
                Codec::Vp8 => kinds.video.push(pt),
                _ => {}
            }
        }
        kinds
    }

    /// `Some(true)` for video, `Some(false)` for audio, `None` for anything else (e.g. RTX).
    pub fn is_video(&self, pt: u8) -> Option<bool> {
        if self.video.contains(&pt) {
            Some(true)
        } else if self.audio.contains(&pt) {
            Some(false)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtp_is_told_from_rtcp_stun_and_dtls() {
        let rtp = [0x90, 0xe0, 0x12, 0x34, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 0];
        assert_eq!(rtp_head(&rtp), Some(RtpHead { pt: 0x60, seq: 0x1234, ssrc: 0xdead_beef }));
        let rtcp = [0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0];
        assert_eq!(rtp_head(&rtcp), None);
        assert_eq!(rtp_head(&[0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), None, "STUN");
        assert_eq!(rtp_head(&[22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0]), None, "DTLS");
        assert_eq!(rtp_head(&[0x80, 0x60]), None, "too short");
    }

    #[test]
    fn sequence_numbers_extend_across_wraps() {
        assert_eq!(extend_seq(10, 11), 11);
        assert_eq!(extend_seq(65_535, 0), 65_536);
        assert_eq!(extend_seq(65_536 + 2, 65_535), 65_535);
        assert_eq!(extend_seq(70_000, 70_000_u64 as u16 - 5), 69_995);
    }
}
