//! The hub's routing core, sans-IO: a table of connections and topics fed with events (connect,
//! subscribe, publish, kick, disconnect …) and `now`, answering with frames to send and
//! connections to close. It never touches a socket or a clock. Each broadcast is encoded once
//! and the encoded frame is shared (`F: Clone` is a reference-counted buffer in the driver).
//! Authorization that needs the database happens before the core is called; the core enforces
//! what it can decide itself: publish only to subscribed topics, rate limits, subscription and
//! connection limits.

use std::collections::{HashMap, HashSet, VecDeque};

use schulhof_proto::hub::{HubErrorCode, ServerFrame, Topic, binary, close_code};

use super::errors::error;
use schulhof_proto::{SessionId, UserId};

/// A connection's number, unique within one hub.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// Limits the core enforces.
#[derive(Clone, Copy, Debug)]
pub struct HubLimits {
    pub max_connections_per_user: usize,
    pub max_subscriptions_per_connection: usize,
    /// Messages kept per persistent topic for resume.
    pub history_per_topic: usize,
    /// Publishes per second per connection (refill) and burst size.
    pub publish_per_second: u32,
    pub publish_burst: u32,
    /// Refused publishes in a row before the connection is closed.
    pub max_refused_in_a_row: u32,
    /// How long a topic without subscribers keeps its history.
    pub idle_topic_ms: i64,
    /// Frames a connection may have waiting (in its driver's queue) before it counts as a slow
    /// consumer and is closed.
    pub outgoing_queue: usize,
    /// How often the driver pings, and after how much silence (no frame, no pong) a connection
    /// counts as lost.
    pub heartbeat_ms: u64,
    pub silence_timeout_ms: u64,
}

impl Default for HubLimits {
    fn default() -> Self {
        Self {
            max_connections_per_user: 20,
            max_subscriptions_per_connection: 200,
            history_per_topic: 256,
            publish_per_second: 20,
            publish_burst: 40,
            max_refused_in_a_row: 100,
            idle_topic_ms: 10 * 60 * 1000,
            outgoing_queue: 256,
            heartbeat_ms: 25_000,
            silence_timeout_ms: 60_000,
        }
    }
}

/// What the driver must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Output<F> {
    /// Queue this encoded frame on the connection.
    Send { conn: ConnId, frame: F },
    /// Close the connection with a WebSocket close code.
    Close { conn: ConnId, code: u16, reason: &'static str },
    /// (Cluster mode) a user of this node came online or went offline on a presence topic; the
    /// driver announces it to all nodes, and the announcement comes back as `remote_presence`.
    PresenceChanged { topic: Topic, user: UserId, joined: bool },
}

/// Why a connection was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectRefused {
    TooManyConnections,
}

#[derive(Debug)]
struct Connection {
    user: UserId,
    session: SessionId,
    topics: HashSet<Topic>,
    tokens: f64,
    last_refill_ms: i64,
    refused_in_a_row: u32,
}

#[derive(Debug)]
struct TopicState<F> {
    subscribers: HashSet<ConnId>,
    seq: u64,
    history: VecDeque<(u64, F)>,
    /// Users online on this topic (on this node) and how many of their connections are
    /// subscribed.
    online: HashMap<UserId, u32>,
    /// (Cluster mode) users online on any node, as announced through the cluster.
    cluster_online: HashSet<UserId>,
    last_activity_ms: i64,
}

impl<F> TopicState<F> {
    fn new(now_ms: i64) -> Self {
        Self {
            subscribers: HashSet::new(),
            seq: 0,
            history: VecDeque::new(),
            online: HashMap::new(),
            cluster_online: HashSet::new(),
            last_activity_ms: now_ms,
        }
    }
}

/// The routing table. `F` is the encoded frame type (shared bytes in the driver).
#[derive(Debug)]
pub struct HubCore<F> {
    limits: HubLimits,
    connections: HashMap<ConnId, Connection>,
    by_user: HashMap<UserId, HashSet<ConnId>>,
    topics: HashMap<Topic, TopicState<F>>,
    /// Presence and sequence numbers are cluster-wide (Redis), not decided here.
    clustered: bool,
}

/// An encoded frame: JSON text, or a binary envelope (see `schulhof_proto::hub::binary`).
pub trait HubFrame: Clone + From<String> {
    fn binary(bytes: Vec<u8>) -> Self;
}

/// What a message carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Json(serde_json::Value),
    Binary(Vec<u8>),
}

impl From<serde_json::Value> for Payload {
    fn from(body: serde_json::Value) -> Self {
        Payload::Json(body)
    }
}

pub(super) fn encode<F: From<String>>(frame: &ServerFrame) -> F {
    // Serializing our own frame types cannot fail (no maps with non-string keys).
    F::from(serde_json::to_string(frame).unwrap_or_default())
}

impl<F: HubFrame> HubCore<F> {
    /// A core for a single node.
    pub fn new(limits: HubLimits) -> Self {
        Self {
            limits,
            connections: HashMap::new(),
            by_user: HashMap::new(),
            topics: HashMap::new(),
            clustered: false,
        }
    }

    /// A core for one node of a cluster: presence changes become `PresenceChanged` outputs and
    /// come back through `remote_presence`; messages arrive through `deliver` with the cluster's
    /// sequence numbers.
    pub fn clustered(limits: HubLimits) -> Self {
        Self { clustered: true, ..Self::new(limits) }
    }

    /// (Cluster mode) what the cluster knows of a topic this node has not seen yet: its latest
    /// sequence number and who is online.
    pub fn seed_topic(&mut self, topic: &Topic, seq: u64, online: Vec<UserId>, now_ms: i64) {
        let state = self.topics.entry(topic.clone()).or_insert_with(|| TopicState::new(now_ms));
        if state.subscribers.is_empty() {
            state.seq = state.seq.max(seq);
            state.cluster_online = online.into_iter().collect();
        }
    }

    /// Admits a connection of `user`.
    pub fn connect(
        &mut self,
        conn: ConnId,
        user: UserId,
        session: SessionId,
        now_ms: i64,
    ) -> Result<(), ConnectRefused> {
        let open = self.by_user.get(&user).map_or(0, HashSet::len);
        if open >= self.limits.max_connections_per_user {
            return Err(ConnectRefused::TooManyConnections);
        }
        self.by_user.entry(user).or_default().insert(conn);
        let connection = Connection {
            user,
            session,
            topics: HashSet::new(),
            tokens: f64::from(self.limits.publish_burst),
            last_refill_ms: now_ms,
            refused_in_a_row: 0,
        };
        self.connections.insert(conn, connection);
        Ok(())
    }

    /// Forgets a connection (closed, lost or kicked) and updates presence.
    pub fn disconnect(&mut self, conn: ConnId, now_ms: i64, out: &mut Vec<Output<F>>) {
        let Some(connection) = self.connections.remove(&conn) else {
            return;
        };
        if let Some(conns) = self.by_user.get_mut(&connection.user) {
            conns.remove(&conn);
            if conns.is_empty() {
                self.by_user.remove(&connection.user);
            }
        }
        for topic in connection.topics {
            self.leave_topic(conn, connection.user, &topic, now_ms, out);
        }
    }

    /// Subscribes an (already authorized) connection; replays what it missed after `since`.
    pub fn subscribe(
        &mut self,
        conn: ConnId,
        request: u64,
        topic: Topic,
        since: Option<u64>,
        now_ms: i64,
        out: &mut Vec<Output<F>>,
    ) {
        let Some(connection) = self.connections.get_mut(&conn) else {
            return;
        };
        let user = connection.user;
        let already = connection.topics.contains(&topic);
        if !already && connection.topics.len() >= self.limits.max_subscriptions_per_connection {
            out.push(error(conn, request, HubErrorCode::TooManySubscriptions));
            return;
        }
        connection.topics.insert(topic.clone());
        let state = self.topics.entry(topic.clone()).or_insert_with(|| TopicState::new(now_ms));
        state.subscribers.insert(conn);
        state.last_activity_ms = now_ms;
        let mut newly_online = false;
        if topic.has_presence() && !already {
            let count = state.online.entry(user).or_insert(0);
            *count += 1;
            newly_online = *count == 1;
        }
        let clustered = self.clustered;
        let online = topic.has_presence().then(|| {
            let mut users: Vec<UserId> = if clustered {
                state.cluster_online.iter().copied().chain([user]).collect()
            } else {
                state.online.keys().copied().collect()
            };
            users.sort();
            users.dedup();
            users
        });
        let subscribed =
            ServerFrame::Subscribed { id: request, topic: topic.clone(), seq: state.seq, online };
        out.push(Output::Send { conn, frame: encode(&subscribed) });
        if let Some(since) = since.filter(|_| topic.is_persistent()) {
            let oldest = state.history.front().map_or(state.seq + 1, |(seq, _)| *seq);
            // A replay must fit the connection's queue with room to spare; more than that is
            // answered with a resync (the client reloads the topic's state).
            let max_replay = u64::try_from(self.limits.outgoing_queue / 2).unwrap_or(u64::MAX);
            let missed = state.seq.saturating_sub(since);
            if since > state.seq || since + 1 < oldest || missed > max_replay {
                let resync = ServerFrame::Resync { topic: topic.clone(), seq: state.seq };
                out.push(Output::Send { conn, frame: encode(&resync) });
            } else {
                for (_, frame) in state.history.iter().filter(|(seq, _)| *seq > since) {
                    out.push(Output::Send { conn, frame: frame.clone() });
                }
            }
        }
        if newly_online && clustered {
            out.push(Output::PresenceChanged { topic, user, joined: true });
        } else if newly_online {
            let presence = ServerFrame::Presence { topic, joined: vec![user], left: Vec::new() };
            let frame: F = encode(&presence);
            for other in state.subscribers.iter().filter(|c| **c != conn) {
                out.push(Output::Send { conn: *other, frame: frame.clone() });
            }
        }
    }

    /// The client ends a subscription.
    pub fn unsubscribe(
        &mut self,
        conn: ConnId,
        request: u64,
        topic: &Topic,
        now_ms: i64,
        out: &mut Vec<Output<F>>,
    ) {
        let Some(connection) = self.connections.get_mut(&conn) else {
            return;
        };
        let user = connection.user;
        if connection.topics.remove(topic) {
            self.leave_topic(conn, user, topic, now_ms, out);
        }
        out.push(Output::Send {
            conn,
            frame: encode(&ServerFrame::Ack { id: request, seq: None, body: None }),
        });
    }

    /// The server ends every subscription of `user` to `topic` (e.g. removed from the group).
    pub fn kick(
        &mut self,
        user: UserId,
        topic: &Topic,
        reason: &str,
        now_ms: i64,
        out: &mut Vec<Output<F>>,
    ) {
        let conns: Vec<ConnId> =
            self.by_user.get(&user).map(|c| c.iter().copied().collect()).unwrap_or_default();
        for conn in conns {
            let removed = self.connections.get_mut(&conn).is_some_and(|c| c.topics.remove(topic));
            if removed {
                self.leave_topic(conn, user, topic, now_ms, out);
                let frame =
                    ServerFrame::Unsubscribed { topic: topic.clone(), reason: reason.to_owned() };
                out.push(Output::Send { conn, frame: encode(&frame) });
            }
        }
    }

    /// A client publishes; the message goes to every subscriber of the topic, the sender too.
    /// (Single node; in a cluster the driver calls `accept_publish`, gets the sequence number from
    /// Redis and every node `deliver`s.)
    pub fn publish(
        &mut self,
        conn: ConnId,
        request: u64,
        topic: Topic,
        payload: impl Into<Payload>,
        now_ms: i64,
        out: &mut Vec<Output<F>>,
    ) {
        if self.accept_publish(conn, request, &topic, now_ms, out).is_none() {
            return;
        }
        let Some(from) = self.user_of(conn) else { return };
        let seq = self.deliver(topic, None, from, now_ms, payload.into(), out);
        let ack = ServerFrame::Ack { id: request, seq: (seq > 0).then_some(seq), body: None };
        out.push(Output::Send { conn, frame: encode(&ack) });
    }

    /// Checks that a connection may publish on `topic` now (subscribed, within its rate) and
    /// answers with the publishing user; refusals are queued as errors (or a close).
    pub fn accept_publish(
        &mut self,
        conn: ConnId,
        request: u64,
        topic: &Topic,
        now_ms: i64,
        out: &mut Vec<Output<F>>,
    ) -> Option<UserId> {
        let limits = self.limits;
        let connection = self.connections.get_mut(&conn)?;
        if !connection.topics.contains(topic) {
            out.push(error(conn, request, HubErrorCode::NotSubscribed));
            return None;
        }
        let elapsed_s = (now_ms - connection.last_refill_ms).max(0) as f64 / 1000.0;
        connection.tokens = (connection.tokens + elapsed_s * f64::from(limits.publish_per_second))
            .min(f64::from(limits.publish_burst));
        connection.last_refill_ms = now_ms;
        if connection.tokens < 1.0 {
            connection.refused_in_a_row += 1;
            if connection.refused_in_a_row >= limits.max_refused_in_a_row {
                out.push(Output::Close {
                    conn,
                    code: close_code::RATE_LIMITED,
                    reason: "rate limit",
                });
            } else {
                out.push(error(conn, request, HubErrorCode::RateLimited));
            }
            return None;
        }
        connection.tokens -= 1.0;
        connection.refused_in_a_row = 0;
        Some(connection.user)
    }

    /// Hands a message to every local subscriber of `topic` and keeps it for resumes. `seq` is
    /// the cluster's number (`None`: this core numbers it). A number that skips ahead means this
    /// node missed messages: its subscribers get `resync` and the history starts over. Returns
    /// the sequence number (0 on non-persistent topics).
    pub fn deliver(
        &mut self,
        topic: Topic,
        seq: Option<u64>,
        from: UserId,
        at: i64,
        payload: Payload,
        out: &mut Vec<Output<F>>,
    ) -> u64 {
        let history_limit = self.limits.history_per_topic;
        let state = self.topics.entry(topic.clone()).or_insert_with(|| TopicState::new(at));
        state.last_activity_ms = at;
        let persistent = topic.is_persistent();
        let seq = match (persistent, seq) {
            (false, _) => 0,
            (true, None) => state.seq + 1,
            (true, Some(seq)) if seq <= state.seq => return seq, // already delivered
            (true, Some(seq)) => {
                if state.seq > 0 && seq > state.seq + 1 {
                    state.history.clear();
                    let resync: F =
                        encode(&ServerFrame::Resync { topic: topic.clone(), seq: seq - 1 });
                    for subscriber in &state.subscribers {
                        out.push(Output::Send { conn: *subscriber, frame: resync.clone() });
                    }
                }
                seq
            }
        };
        if persistent {
            state.seq = seq;
        }
        let frame: F = match payload {
            Payload::Json(body) => encode(&ServerFrame::Message { topic, seq, from, at, body }),
            Payload::Binary(bytes) => F::binary(binary::encode_message(seq, &topic, from, &bytes)),
        };
        for subscriber in &state.subscribers {
            out.push(Output::Send { conn: *subscriber, frame: frame.clone() });
        }
        if persistent {
            state.history.push_back((seq, frame));
            while state.history.len() > history_limit {
                state.history.pop_front();
            }
        }
        seq
    }

    /// (Cluster mode) a user came online or went offline somewhere in the cluster.
    pub fn remote_presence(
        &mut self,
        topic: &Topic,
        user: UserId,
        joined: bool,
        out: &mut Vec<Output<F>>,
    ) {
        let Some(state) = self.topics.get_mut(topic) else { return };
        let changed = if joined {
            state.cluster_online.insert(user)
        } else {
            state.cluster_online.remove(&user)
        };
        if !changed {
            return;
        }
        let (joined, left) =
            if joined { (vec![user], Vec::new()) } else { (Vec::new(), vec![user]) };
        let frame: F = encode(&ServerFrame::Presence { topic: topic.clone(), joined, left });
        // As on a single node, a user is not told about their own arrival.
        let connections = &self.connections;
        let others =
            state.subscribers.iter().filter(|c| connections.get(c).is_none_or(|c| c.user != user));
        for subscriber in others {
            out.push(Output::Send { conn: *subscriber, frame: frame.clone() });
        }
    }

    /// (Cluster mode) the presence entries this node holds: (topic, user) pairs.
    pub fn local_presence(&self) -> Vec<(Topic, UserId)> {
        self.topics
            .iter()
            .filter(|(topic, _)| topic.has_presence())
            .flat_map(|(topic, state)| state.online.keys().map(move |user| (topic.clone(), *user)))
            .collect()
    }

    /// Closes every connection of a session (logout, revocation).
    pub fn close_session(
        &mut self,
        session: SessionId,
        code: u16,
        reason: &'static str,
        out: &mut Vec<Output<F>>,
    ) {
        for (conn, connection) in &self.connections {
            if connection.session == session {
                out.push(Output::Close { conn: *conn, code, reason });
            }
        }
    }

    /// The connections of a user with their session and subscribed topics.
    pub fn connections_of(&self, user: UserId) -> Vec<(ConnId, SessionId, Vec<Topic>)> {
        let Some(conns) = self.by_user.get(&user) else {
            return Vec::new();
        };
        conns
            .iter()
            .filter_map(|conn| {
                let c = self.connections.get(conn)?;
                Some((*conn, c.session, c.topics.iter().cloned().collect()))
            })
            .collect()
    }

    /// Users online on a presence topic.
    pub fn online(&self, topic: &Topic) -> Vec<UserId> {
        let mut users: Vec<UserId> =
            self.topics.get(topic).map(|t| t.online.keys().copied().collect()).unwrap_or_default();
        users.sort();
        users
    }

    /// The user of a connection.
    pub fn user_of(&self, conn: ConnId) -> Option<UserId> {
        self.connections.get(&conn).map(|c| c.user)
    }

    pub fn connection_count(&self) -> usize {
        self.connections.len()
    }

    /// Drops topics that have had no subscribers for the idle time (and their history).
    pub fn sweep(&mut self, now_ms: i64) -> usize {
        let idle = self.limits.idle_topic_ms;
        let before = self.topics.len();
        self.topics.retain(|_, t| !t.subscribers.is_empty() || now_ms - t.last_activity_ms < idle);
        before - self.topics.len()
    }

    fn leave_topic(
        &mut self,
        conn: ConnId,
        user: UserId,
        topic: &Topic,
        now_ms: i64,
        out: &mut Vec<Output<F>>,
    ) {
        let Some(state) = self.topics.get_mut(topic) else {
            return;
        };
        state.subscribers.remove(&conn);
        state.last_activity_ms = now_ms;
        if !topic.has_presence() {
            return;
        }
        let gone = match state.online.get_mut(&user) {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            Some(_) => {
                state.online.remove(&user);
                true
            }
            None => false,
        };
        if gone && self.clustered {
            out.push(Output::PresenceChanged { topic: topic.clone(), user, joined: false });
        } else if gone {
            let frame: F = encode(&ServerFrame::Presence {
                topic: topic.clone(),
                joined: Vec::new(),
                left: vec![user],
            });
            for subscriber in &state.subscribers {
                out.push(Output::Send { conn: *subscriber, frame: frame.clone() });
            }
        }
    }
}
