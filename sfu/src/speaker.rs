//! Active speaker detection of one room from the audio level that browsers put into every audio
//! packet (RFC 6464: 0 dBov is loudest, −127 silence). Levels are averaged over windows of
//! 500 ms; the loudest participant above a speech threshold becomes the active speaker, and a
//! speaker keeps the floor unless someone else is clearly louder (hysteresis), so the highlight
//! does not flicker between two people. The last speaker stays active through silence.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::routing::ParticipantId;

/// Length of one averaging window.
pub const WINDOW: Duration = Duration::from_millis(500);
/// Average loudness (127 + dBov) a participant needs to count as speaking (−50 dBov).
const SPEECH: u32 = 77;
/// How much louder (in dB) someone must be to take the floor from the current speaker.
const HYSTERESIS: u32 = 6;

#[derive(Debug, Default)]
struct Window {
    sum: u32,
    packets: u32,
}

/// The detector of one room.
#[derive(Debug)]
pub struct SpeakerDetector {
    window_start: Option<Instant>,
    levels: HashMap<ParticipantId, Window>,
    current: Option<ParticipantId>,
}

impl Default for SpeakerDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl SpeakerDetector {
    pub fn new() -> Self {
        SpeakerDetector { window_start: None, levels: HashMap::new(), current: None }
    }

    /// The audio level of one packet of `participant` (dBov, 0 … −127).
    pub fn observe(&mut self, participant: ParticipantId, level: i8, now: Instant) {
        self.window_start.get_or_insert(now);
        let loudness = u32::from((127 + i16::from(level).clamp(-127, 0)).unsigned_abs());
        let window = self.levels.entry(participant).or_default();
        window.sum += loudness;
        window.packets += 1;
    }

    /// Forget a participant that left.
    pub fn remove(&mut self, participant: ParticipantId) {
        self.levels.remove(&participant);
        if self.current == Some(participant) {
            self.current = None;
        }
    }

    pub fn current(&self) -> Option<ParticipantId> {
        self.current
    }

    /// When the running window ends (`None`: no audio seen).
    pub fn next_tick(&self) -> Option<Instant> {
        self.window_start.map(|start| start + WINDOW)
    }

    /// Closes the window if it is over; returns the new active speaker when it changed.
    pub fn tick(&mut self, now: Instant) -> Option<Option<ParticipantId>> {
        let start = self.window_start?;
        if now < start + WINDOW {
            return None;
        }
        self.window_start = None;
        let averages: Vec<(ParticipantId, u32)> = self
            .levels
            .drain()
            .filter(|(_, w)| w.packets > 0)
            .map(|(p, w)| (p, w.sum / w.packets))
            .collect();
        let loudest = averages
            .iter()
            .filter(|(_, avg)| *avg >= SPEECH)
            .max_by_key(|(p, avg)| (*avg, std::cmp::Reverse(*p)))
            .copied();
        let (candidate, level) = loudest?;
        if Some(candidate) == self.current {
            return None;
        }
        let current_level = self
            .current
            .and_then(|c| averages.iter().find(|(p, _)| *p == c))
            .map_or(0, |(_, avg)| *avg);
        if current_level >= SPEECH && level < current_level + HYSTERESIS {
            return None;
        }
        self.current = Some(candidate);
        Some(self.current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(d: &mut SpeakerDetector, who: u64, level: i8, at: Instant) {
        for _ in 0..25 {
            d.observe(ParticipantId(who), level, at);
        }
    }

    #[test]
    fn the_loudest_speaker_wins_and_keeps_the_floor_against_a_slightly_louder_one() {
        let t0 = Instant::now();
        let mut d = SpeakerDetector::new();
        feed(&mut d, 1, -30, t0);
        feed(&mut d, 2, -90, t0);
        assert_eq!(d.tick(t0 + Duration::from_millis(100)), None, "window not over");
        assert_eq!(d.tick(t0 + WINDOW), Some(Some(ParticipantId(1))));
        let t1 = t0 + WINDOW;
        feed(&mut d, 1, -30, t1);
        feed(&mut d, 2, -27, t1);
        assert_eq!(d.tick(t1 + WINDOW), None, "3 dB louder is not enough");
        let t2 = t1 + WINDOW;
        feed(&mut d, 1, -45, t2);
        feed(&mut d, 2, -20, t2);
        assert_eq!(d.tick(t2 + WINDOW), Some(Some(ParticipantId(2))));
        // Silence keeps the last speaker.
        let t3 = t2 + WINDOW;
        feed(&mut d, 1, -120, t3);
        assert_eq!(d.tick(t3 + WINDOW), None);
        assert_eq!(d.current(), Some(ParticipantId(2)));
        d.remove(ParticipantId(2));
        assert_eq!(d.current(), None);
    }
}
