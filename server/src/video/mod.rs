//! Video lessons on this node (docs/video.md): the SFU driver (`schulhof_sfu`), the running
//! lessons with their classroom controls (`lesson`), the hub requests that drive both (`ops`),
//! the SFU's events (disconnects, active speaker) and the node's media metrics. Every change to a
//! lesson runs inside the SFU driver task (`SfuHandle::call`), so lessons and media change
//! together and the lessons' mutex is only ever taken there, never across an `.await`.

mod effects;
pub use effects::connection_closed;
pub mod lesson;
pub mod ops;
pub mod placement;
pub mod turn;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use schulhof_proto::GroupId;
use schulhof_proto::hub::{ServerFrame, Topic};
use schulhof_sfu::driver::{DriverConfig, SfuHandle};
use schulhof_sfu::{MediaStats, ParticipantId, RoomId, Sfu, SfuEvent, SfuLimits};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use url::Url;

use crate::hub::core::ConnId;
use crate::state::SharedState;
use lesson::Lesson;

/// Where the SFU listens and what it announces.
#[derive(Clone, Debug)]
pub struct VideoConfig {
    pub udp: SocketAddr,
    pub tcp: Option<SocketAddr>,
    pub public_ip: Option<IpAddr>,
    /// STUN/TURN servers handed to browsers (a JSON array of RTCIceServer).
    pub ice_servers: Value,
    /// Shared secret of the TURN servers (coturn `static-auth-secret`): TURN entries without
    /// credentials get time-limited ones per user (`turn.rs`).
    pub turn_secret: Option<turn::TurnSecret>,
    /// This node's base URL for lessons it hosts (several nodes).
    pub node_url: Option<Url>,
    pub max_participants_per_lesson: usize,
    pub max_lessons: usize,
}

impl VideoConfig {
    /// Loopback, any free port (development and tests).
    pub const LOOPBACK_ANY: SocketAddr =
        SocketAddr::new(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);
}

impl Default for VideoConfig {
    fn default() -> Self {
        VideoConfig {
            udp: Self::LOOPBACK_ANY,
            tcp: Some(Self::LOOPBACK_ANY),
            public_ip: None,
            ice_servers: Value::Array(Vec::new()),
            turn_secret: None,
            node_url: None,
            max_participants_per_lesson: 60,
            max_lessons: 200,
        }
    }
}

/// The running lessons of this node and the indexes into them.
#[derive(Default)]
pub struct Lessons {
    pub by_group: HashMap<GroupId, Lesson>,
    pub by_conn: HashMap<ConnId, (GroupId, ParticipantId)>,
    pub by_room: HashMap<RoomId, GroupId>,
    next_room: u64,
}

impl Lessons {
    pub fn new_room(&mut self, group: GroupId) -> RoomId {
        self.next_room += 1;
        let room = RoomId(self.next_room);
        self.by_room.insert(room, group);
        room
    }
}

/// A push to one hub connection.
pub type Push = (ConnId, Value);

pub struct Video {
    pub engine: SfuHandle,
    lessons: Arc<Mutex<Lessons>>,
    events: Mutex<Option<mpsc::UnboundedReceiver<SfuEvent>>>,
    stop: watch::Sender<bool>,
    pub config: VideoConfig,
}

impl Video {
    pub async fn start(config: VideoConfig) -> std::io::Result<Self> {
        let (stop, stopped) = watch::channel(false);
        let driver = DriverConfig {
            udp_bind: config.udp,
            tcp_bind: config.tcp,
            public_ip: config.public_ip,
            limits: SfuLimits {
                max_participants_per_room: config.max_participants_per_lesson,
                max_rooms: config.max_lessons,
            },
        };
        let (engine, events) = schulhof_sfu::driver::start(driver, stopped).await?;
        tracing::info!(udp = %engine.udp_addr, tcp = ?engine.tcp_addr, "video SFU listening");
        Ok(Video {
            engine,
            lessons: Arc::default(),
            events: Mutex::new(Some(events)),
            stop,
            config,
        })
    }

    /// The lessons (only from inside the SFU task or for a quick read; never across `.await`).
    pub fn lessons(&self) -> MutexGuard<'_, Lessons> {
        self.lessons.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Was `user` invited to `group`'s running lesson (a short read of the lessons)?
    pub fn is_invited(&self, group: GroupId, user: schulhof_proto::UserId) -> bool {
        self.lessons().by_group.get(&group).is_some_and(|l| l.invited.contains(&user))
    }

    pub fn shared_lessons(&self) -> Arc<Mutex<Lessons>> {
        self.lessons.clone()
    }

    pub fn take_events(&self) -> Option<mpsc::UnboundedReceiver<SfuEvent>> {
        self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }

    /// Shutdown: every participant is told to rejoin (elsewhere), then the SFU stops.
    pub async fn drain(&self, state: &SharedState) {
        let lessons = self.lessons.clone();
        let pushes = self
            .engine
            .call(move |sfu, _| {
                let mut lessons = lock(&lessons);
                let mut pushes = Vec::new();
                for lesson in lessons.by_group.values() {
                    for (id, member) in &lesson.members {
                        pushes.push((
                            member.conn,
                            lesson.group,
                            json!({"event":"rejoin","reason":"node_draining"}),
                        ));
                        sfu.leave(*id);
                    }
                }
                lessons.by_group.clear();
                lessons.by_conn.clear();
                pushes
            })
            .await
            .unwrap_or_default();
        for (conn, group, body) in pushes {
            send_signal(state, conn, group, body);
        }
        let _ = self.stop.send(true);
    }
}

pub fn lock(lessons: &Mutex<Lessons>) -> MutexGuard<'_, Lessons> {
    lessons.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Sends a `signal` frame to one hub connection.
pub fn send_signal(state: &SharedState, conn: ConnId, group: GroupId, body: Value) {
    let frame = ServerFrame::Signal { topic: Topic::Video(group), body };
    if let Ok(text) = serde_json::to_string(&frame) {
        state.hub.send_to(conn, text.into(), state.now_ms());
    }
}

/// Handles the SFU's events for as long as the node runs.
pub async fn run_events(state: SharedState, mut events: mpsc::UnboundedReceiver<SfuEvent>) {
    while let Some(event) = events.recv().await {
        let lessons = state.video.shared_lessons();
        let pushes = state
            .video
            .engine
            .call(move |sfu, _| effects::on_sfu_event(&mut lock(&lessons), sfu, event))
            .await
            .unwrap_or_default();
        for (group, conn, body) in pushes {
            send_signal(&state, conn, group, body);
        }
    }
}

/// The counters of a lesson's media rooms (main room and breakout rooms) together: sums, and the
/// worst ingress loss.
pub fn lesson_stats(sfu: &Sfu, rooms: &[RoomId]) -> MediaStats {
    let mut total = MediaStats::default();
    for stats in rooms.iter().filter_map(|r| sfu.room_stats(*r)) {
        total.participants += stats.participants;
        total.forwarded_packets += stats.forwarded_packets;
        total.forwarded_bytes += stats.forwarded_bytes;
        total.received_packets += stats.received_packets;
        total.ingress_loss = total.ingress_loss.max(stats.ingress_loss);
    }
    total
}

/// Copies the SFU's node and lesson counters into the metrics every 2 s.
pub async fn run_metrics(state: SharedState) {
    let mut last = MediaStats::default();
    let mut last_lessons = crate::metrics::LessonReadings::default();
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let Ok((stats, rooms)) = state.video.engine.node_stats().await else { return };
        state.metrics.video(&last, &stats, rooms);
        last = stats;
        let lessons = state.video.shared_lessons();
        let Ok(per_lesson) = state
            .video
            .engine
            .call(move |sfu, _| {
                let lessons = lock(&lessons);
                lessons
                    .by_group
                    .values()
                    .map(|l| {
                        let rooms = l.media_rooms.iter();
                        (l.group, rooms.filter_map(|r| Some((*r, sfu.room_stats(*r)?))).collect())
                    })
                    .collect::<Vec<_>>()
            })
            .await
        else {
            return;
        };
        state.metrics.video_lessons(&per_lesson, &mut last_lessons);
    }
}
