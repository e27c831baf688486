//! A benchmark of the core alone (no sockets, no kernel): one class — the teacher's camera in
//! three simulcast layers plus her microphone, 29 pupils watching the medium layer and
//! listening — on the simulated network of `engine_tests`, with real ICE, DTLS and SRTP. It
//! reports the time spent inside the `Sfu`'s calls per forwarded RTP packet: the user-space part
//! of what `loadtest/scripts/video_bench.sh` measures for the whole process. Run it with
//! `cargo test --release -p schulhof-sfu core_forwarding_cost -- --ignored --nocapture`.

use std::time::Duration;

use crate::engine::SfuLimits;
use crate::engine_tests::{Net, track_in};
use crate::participant::RoomId;
use crate::routing::TrackKind;

/// Frames per second, and bytes per packet of each layer (1, 2 and 6 packets per frame, as the
/// load generator sends them).
const FPS: u64 = 30;
const LAYERS: [(&str, usize, u64); 3] = [("q", 625, 1), ("h", 1042, 2), ("f", 1042, 6)];

/// One class in its own room: the teacher's index and track mids.
struct Class {
    teacher: usize,
    video: str0m::media::Mid,
    audio: str0m::media::Mid,
}

fn class(net: &mut Net, room: u64) -> Class {
    net.room = RoomId(room);
    let (teacher, mids) = net.join(&[TrackKind::Camera, TrackKind::Audio], &[]);
    let teacher_id = net.peers[teacher].id;
    let camera = track_in(&net.sfu, net.room, teacher_id, TrackKind::Camera);
    let microphone = track_in(&net.sfu, net.room, teacher_id, TrackKind::Audio);
    let pupils: Vec<usize> = (0..29).map(|_| net.join(&[], &[camera, microphone]).0).collect();
    for pupil in pupils {
        let id = net.peers[pupil].id;
        net.sfu.show(id, camera, 360);
    }
    Class { teacher, video: mids[0], audio: mids[1] }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Environment: `CLASSES` (1), `SPREAD` (0; 1: the SFU gets and drains one packet at a time,
/// as from a socket that is read as soon as anything arrives, instead of a class's frame at once).
#[test]
#[ignore = "benchmark; run it in release mode with --ignored --nocapture"]
fn core_forwarding_cost() {
    let (classes, spread) = (env("CLASSES", 1), env("SPREAD", 0) == 1);
    let mut net = Net::with_limits(SfuLimits {
        max_participants_per_room: 40,
        max_rooms: classes as usize + 1,
    });
    let all: Vec<Class> = (1..=classes).map(|room| class(&mut net, room)).collect();
    net.connect();
    let mut seqs = vec![([0u64; 3], 0u64); all.len()];
    let mut second = |net: &mut Net| {
        for frame in 0..FPS {
            for (c, class) in all.iter().enumerate() {
                let (video_seqs, audio_seq) = &mut seqs[c];
                for (layer, (rid, size, packets)) in LAYERS.into_iter().enumerate() {
                    for packet in 0..packets {
                        video_seqs[layer] += 1;
                        let keyframe = frame == 0 && packet == 0;
                        let seq = video_seqs[layer];
                        net.send_vp8_sized(class.teacher, class.video, rid, seq, keyframe, size);
                        if spread {
                            net.release(class.teacher);
                        }
                    }
                }
                // Opus every 20 ms: 50 packets in 30 frames of 33 ms.
                for _ in 0..(if frame % 3 == 0 { 1 } else { 2 }) {
                    *audio_seq += 1;
                    net.send_opus(class.teacher, class.audio, *audio_seq);
                    if spread {
                        net.release(class.teacher);
                    }
                }
            }
            net.run(Duration::from_millis(1000 / FPS));
        }
    };
    // Warm-up to the steady state: keyframes, layer choice, reports, and the video streams'
    // NACK caches full (str0m keeps 3 s).
    for _ in 0..4 {
        second(&mut net);
    }
    net.sfu_time = Duration::ZERO;
    net.sfu_rtp_out = 0;
    let seconds = 5;
    for _ in 0..seconds {
        second(&mut net);
    }
    let per_packet = net.sfu_time.as_secs_f64() * 1e6 / net.sfu_rtp_out as f64;
    println!(
        "core_forwarding_cost: {classes} classes, spread {spread}: {} RTP packets forwarded in \
         {seconds} simulated s, {per_packet:.2} µs per packet inside the Sfu ({:.1} ms in all)",
        net.sfu_rtp_out,
        net.sfu_time.as_secs_f64() * 1e3
    );
    // 29 pupils × (2 medium-layer packets × 30 frames + 50 Opus packets) per second and class.
    assert!(net.sfu_rtp_out >= seconds * classes * 29 * (2 * FPS + 45), "{}", net.sfu_rtp_out);
}
