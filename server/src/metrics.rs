//! Prometheus metrics, exposed at `/metrics`. The registry lives in the app state (no global
//! recorder), so several servers in one test process keep separate counts. Labels never carry
//! personal data.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use std::collections::{HashMap, HashSet};

use schulhof_proto::GroupId;
use schulhof_sfu::{MediaStats, RoomId};

use crate::state::SharedState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LoginLabels {
    pub outcome: &'static str,
}

/// The previous per-room readings of the lessons' counters (kept by the metrics task).
#[derive(Default)]
pub struct LessonReadings {
    rooms: HashMap<RoomId, MediaStats>,
    lessons: HashSet<GroupId>,
}

/// A video lesson, named by its group's ID (no personal data).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LessonLabels {
    pub lesson: String,
}

pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<HttpLabels, Counter>,
    pub logins: Family<LoginLabels, Counter>,
    pub chat_messages: Counter,
    pub poll_votes: Counter,
    pub poll_broadcasts: Counter,
    pub video_participants: Gauge,
    pub video_rooms: Gauge,
    pub video_forwarded_packets: Counter,
    pub video_forwarded_bytes: Counter,
    pub video_received_packets: Counter,
    /// Ingress packet loss in per mille, averaged over the node's rooms.
    pub video_ingress_loss_permille: Gauge,
    pub video_lesson_participants: Family<LessonLabels, Gauge>,
    pub video_lesson_forwarded_packets: Family<LessonLabels, Counter>,
    pub video_lesson_forwarded_bytes: Family<LessonLabels, Counter>,
    pub video_lesson_ingress_loss_permille: Family<LessonLabels, Gauge>,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("schulhof");
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            http_requests.clone(),
        );
        let logins = Family::<LoginLabels, Counter>::default();
        registry.register("logins", "Login attempts by outcome", logins.clone());
        let chat_messages = Counter::default();
        registry.register("chat_messages", "Chat messages stored", chat_messages.clone());
        let poll_votes = Counter::default();
        registry.register("poll_votes", "Poll votes stored", poll_votes.clone());
        let poll_broadcasts = Counter::default();
        registry.register(
            "poll_result_broadcasts",
            "Live poll result broadcasts (coalesced)",
            poll_broadcasts.clone(),
        );
        let video_participants = Gauge::default();
        registry.register(
            "video_participants",
            "Video participants on this node",
            video_participants.clone(),
        );
        let video_rooms = Gauge::default();
        registry.register(
            "video_rooms",
            "Video media rooms (lessons and breakout rooms) on this node",
            video_rooms.clone(),
        );
        let video_forwarded_packets = Counter::default();
        registry.register(
            "video_forwarded_packets",
            "RTP packets forwarded by the SFU",
            video_forwarded_packets.clone(),
        );
        let video_forwarded_bytes = Counter::default();
        registry.register(
            "video_forwarded_bytes",
            "RTP payload bytes forwarded by the SFU",
            video_forwarded_bytes.clone(),
        );
        let video_received_packets = Counter::default();
        registry.register(
            "video_received_packets",
            "RTP packets received by the SFU",
            video_received_packets.clone(),
        );
        let video_ingress_loss_permille = Gauge::default();
        registry.register(
            "video_ingress_loss_permille",
            "Packet loss towards the SFU (per mille, mean of the rooms)",
            video_ingress_loss_permille.clone(),
        );
        let video_lesson_participants = Family::<LessonLabels, Gauge>::default();
        registry.register(
            "video_lesson_participants",
            "Participants of a running video lesson (with its breakout rooms)",
            video_lesson_participants.clone(),
        );
        let video_lesson_forwarded_packets = Family::<LessonLabels, Counter>::default();
        registry.register(
            "video_lesson_forwarded_packets",
            "RTP packets the SFU forwarded in a video lesson",
            video_lesson_forwarded_packets.clone(),
        );
        let video_lesson_forwarded_bytes = Family::<LessonLabels, Counter>::default();
        registry.register(
            "video_lesson_forwarded_bytes",
            "RTP payload bytes the SFU forwarded in a video lesson (rate × 8 = bitrate)",
            video_lesson_forwarded_bytes.clone(),
        );
        let video_lesson_ingress_loss_permille = Family::<LessonLabels, Gauge>::default();
        registry.register(
            "video_lesson_ingress_loss_permille",
            "Packet loss towards the SFU in a video lesson (per mille, worst room)",
            video_lesson_ingress_loss_permille.clone(),
        );
        Self {
            registry,
            http_requests,
            logins,
            chat_messages,
            poll_votes,
            poll_broadcasts,
            video_participants,
            video_rooms,
            video_forwarded_packets,
            video_forwarded_bytes,
            video_received_packets,
            video_ingress_loss_permille,
            video_lesson_participants,
            video_lesson_forwarded_packets,
            video_lesson_forwarded_bytes,
            video_lesson_ingress_loss_permille,
        }
    }

    /// Copies the SFU's node counters (`last` is the previous reading).
    pub fn video(&self, last: &MediaStats, now: &MediaStats, rooms: usize) {
        self.video_participants.set(i64::try_from(now.participants).unwrap_or(i64::MAX));
        self.video_rooms.set(i64::try_from(rooms).unwrap_or(i64::MAX));
        self.video_forwarded_packets
            .inc_by(now.forwarded_packets.saturating_sub(last.forwarded_packets));
        self.video_forwarded_bytes.inc_by(now.forwarded_bytes.saturating_sub(last.forwarded_bytes));
        self.video_received_packets
            .inc_by(now.received_packets.saturating_sub(last.received_packets));
        self.video_ingress_loss_permille.set((now.ingress_loss * 1000.0).round() as i64);
    }

    /// Copies the counters of the running lessons, given per media room (main and breakout
    /// rooms: a room that closes takes its counts along, so deltas are taken per room). A
    /// lesson that ended loses its series.
    pub fn video_lessons(
        &self,
        now: &[(GroupId, Vec<(RoomId, MediaStats)>)],
        last: &mut LessonReadings,
    ) {
        let mut rooms = HashMap::new();
        for (group, readings) in now {
            let labels = LessonLabels { lesson: group.to_string() };
            let (mut participants, mut packets, mut bytes, mut loss) = (0, 0, 0, 0.0_f32);
            for (room, stats) in readings {
                let before = last.rooms.get(room).copied().unwrap_or_default();
                // A reading below the last one is a new room under a reused ID: count it all.
                let delta = |now: u64, then: u64| if now >= then { now - then } else { now };
                participants += stats.participants;
                packets += delta(stats.forwarded_packets, before.forwarded_packets);
                bytes += delta(stats.forwarded_bytes, before.forwarded_bytes);
                loss = loss.max(stats.ingress_loss);
                rooms.insert(*room, *stats);
            }
            self.video_lesson_participants
                .get_or_create(&labels)
                .set(i64::try_from(participants).unwrap_or(i64::MAX));
            self.video_lesson_forwarded_packets.get_or_create(&labels).inc_by(packets);
            self.video_lesson_forwarded_bytes.get_or_create(&labels).inc_by(bytes);
            self.video_lesson_ingress_loss_permille
                .get_or_create(&labels)
                .set((loss * 1000.0).round() as i64);
        }
        last.rooms = rooms;
        let running: HashSet<GroupId> = now.iter().map(|(group, _)| *group).collect();
        for group in last.lessons.difference(&running) {
            let labels = LessonLabels { lesson: group.to_string() };
            self.video_lesson_participants.remove(&labels);
            self.video_lesson_forwarded_packets.remove(&labels);
            self.video_lesson_forwarded_bytes.remove(&labels);
            self.video_lesson_ingress_loss_permille.remove(&labels);
        }
        last.lessons = running;
    }

    pub fn login(&self, outcome: &'static str) {
        self.logins.get_or_create(&LoginLabels { outcome }).inc();
    }

    /// The metrics in Prometheus text format.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Middleware: counts every request by method, matched route (not the raw path) and status.
pub async fn count_requests(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let labels = HttpLabels { method, route, status: response.status().as_u16() };
    state.metrics.http_requests.get_or_create(&labels).inc();
    response
}
