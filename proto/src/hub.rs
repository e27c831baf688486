//! The real-time hub's wire protocol, version 1 (documented in docs/hub-protocol.md). One WebSocket
//! per browser tab carries JSON text frames in both directions (and binary frames for binary
//! payloads, see `binary`); topics are typed strings
//! (`group:<id>`, `chat:<id>`, `poll:<id>`, `user:<id>`). Every client request carries an `id`
//! that the answer (`ack`, `subscribed` or `error`) repeats.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{GroupId, UserId};

/// The protocol version the server speaks (sent in `hello`).
pub const HUB_PROTOCOL_VERSION: u32 = 1;

/// A topic: what a message is about, and who may read and write it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// A class, course or group: presence and announcements of its members.
    Group(GroupId),
    /// A chat room (messenger); its ID is the room's, given by the messenger.
    Chat(String),
    /// A quick poll's live results.
    Poll(String),
    /// One user's private notifications (only that user may subscribe).
    User(UserId),
    /// Signalling of a group's video lesson (docs/video.md): requests are publishes answered by
    /// `ack` bodies; the server pushes `signal` frames to single connections.
    Video(GroupId),
}

impl Topic {
    /// Topics whose messages carry sequence numbers and can be resumed after a reconnect.
    pub fn is_persistent(&self) -> bool {
        matches!(self, Topic::Group(_) | Topic::Chat(_) | Topic::User(_))
    }

    /// Topics that track who is online.
    pub fn has_presence(&self) -> bool {
        matches!(self, Topic::Group(_))
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Group(id) => write!(f, "group:{id}"),
            Topic::Chat(id) => write!(f, "chat:{id}"),
            Topic::Poll(id) => write!(f, "poll:{id}"),
            Topic::User(id) => write!(f, "user:{id}"),
            Topic::Video(id) => write!(f, "video:{id}"),
        }
    }
}

/// Why a topic string is not a topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadTopic;

impl FromStr for Topic {
    type Err = BadTopic;

    fn from_str(text: &str) -> Result<Self, BadTopic> {
        let (kind, id) = text.split_once(':').ok_or(BadTopic)?;
        let plain_id = |id: &str| {
            let ok = !id.is_empty()
                && id.len() <= 64
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if ok { Ok(id.to_owned()) } else { Err(BadTopic) }
        };
        match kind {
            "group" => id.parse().map(Topic::Group).map_err(|_| BadTopic),
            "user" => id.parse().map(Topic::User).map_err(|_| BadTopic),
            "video" => id.parse().map(Topic::Video).map_err(|_| BadTopic),
            "chat" => plain_id(id).map(Topic::Chat),
            "poll" => plain_id(id).map(Topic::Poll),
            _ => Err(BadTopic),
        }
    }
}

impl Serialize for Topic {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Topic {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(|_| serde::de::Error::custom(format!("unknown topic {text:?}")))
    }
}

/// A frame from the client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Start receiving a topic. `since`: the last sequence number seen (resume after reconnect).
    Subscribe {
        id: u64,
        topic: Topic,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<u64>,
    },
    Unsubscribe {
        id: u64,
        topic: Topic,
    },
    /// Send `body` (any JSON, at most the frame limit) to everyone subscribed to `topic`.
    Publish {
        id: u64,
        topic: Topic,
        body: serde_json::Value,
    },
    Ping {
        id: u64,
    },
}

/// A frame from the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// First frame after the upgrade.
    Hello {
        protocol: u32,
        user_id: UserId,
        heartbeat_ms: u64,
    },
    /// A request succeeded (`publish`: with the message's sequence number on persistent topics).
    Ack {
        id: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seq: Option<u64>,
        /// The result of a request that returns one (video signalling: the SDP answer, …).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<serde_json::Value>,
    },
    /// A subscription is active. `seq` is the topic's latest sequence number; `online` lists the
    /// users present (presence topics). Missed messages (after `since`) follow as `message`s.
    Subscribed {
        id: u64,
        topic: Topic,
        seq: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        online: Option<Vec<UserId>>,
    },
    /// A request failed; the connection stays open.
    Error {
        id: u64,
        code: HubErrorCode,
        message: String,
        message_de: String,
    },
    /// A message on a topic. `seq` is 0 on non-persistent topics.
    Message {
        topic: Topic,
        seq: u64,
        from: UserId,
        at: i64,
        body: serde_json::Value,
    },
    /// Presence changed on a topic.
    Presence {
        topic: Topic,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        joined: Vec<UserId>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        left: Vec<UserId>,
    },
    /// `since` was older than the history kept: fetch the topic's state again, then go on live.
    Resync {
        topic: Topic,
        seq: u64,
    },
    /// The server ended a subscription (e.g. the user was removed from the group).
    Unsubscribed {
        topic: Topic,
        reason: String,
    },
    Pong {
        id: u64,
    },
    /// A push to this one connection (video signalling); never stored or replayed.
    Signal {
        topic: Topic,
        body: serde_json::Value,
    },
}

/// Why a request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HubErrorCode {
    /// The frame is not valid JSON of the protocol.
    BadFrame,
    /// Not a member of the group, not your user topic, …
    Forbidden,
    /// The school has not switched on the module this topic belongs to.
    ModuleDisabled,
    /// Publishing needs a subscription to the topic first.
    NotSubscribed,
    TooManySubscriptions,
    /// More publishes per second than allowed; this one was not sent.
    RateLimited,
    BodyTooLarge,
    /// The chat room is muted: only its moderators may write.
    RoomMuted,
    /// The poll is not open (a draft, or already closed).
    PollClosed,
    /// The choices do not fit the poll (single choice: exactly one option).
    InvalidVote,
    /// Video lessons (docs/video.md).
    VideoNotStarted,
    VideoLocked,
    VideoFull,
    VideoNodeFull,
    VideoNotJoined,
    VideoNotAdmitted,
    VideoNotModerator,
    VideoUnmuteNotAllowed,
    VideoRemoved,
    VideoBadSdp,
    VideoElsewhere,
    Internal,
}

/// WebSocket close codes of the hub. Clients reconnect (and resume) after `SLOW_CONSUMER`,
/// `GOING_AWAY` and network errors; the others are final until the user acts.
pub mod close_code {
    /// The session ended (logout, revoked, expired) or was never valid.
    pub const UNAUTHENTICATED: u16 = 4401;
    /// The account is restricted (missing consent) or inactive.
    pub const ACCOUNT_RESTRICTED: u16 = 4403;
    /// The school has switched off every module that uses the hub.
    pub const MODULE_DISABLED: u16 = 4406;
    /// The client did not read fast enough; reconnect and resume with `since`.
    pub const SLOW_CONSUMER: u16 = 4408;
    /// Too many open connections for this user.
    pub const TOO_MANY_CONNECTIONS: u16 = 4409;
    /// Sustained flooding after rate-limit errors.
    pub const RATE_LIMITED: u16 = 4429;
    /// Heartbeat missed: no frame from the client within the timeout.
    pub const HEARTBEAT_TIMEOUT: u16 = 4000;
    /// A frame larger than the limit (standard code).
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// The server shuts down (standard code); reconnect.
    pub const GOING_AWAY: u16 = 1001;
}

/// Binary frames carry binary payloads (e.g. files, drawings) on the same topics.
///
/// Client → server, publish: `u32 request id (BE) · u16 topic length (BE) · topic (UTF-8) · payload`;
/// answered with a JSON `ack`/`error` like a text publish.
/// Server → client, message: `u64 seq (BE) · u16 topic length (BE) · topic · 16-byte sender UUID ·
/// payload`.
pub mod binary {
    use super::Topic;
    use crate::ids::UserId;

    fn put_topic(out: &mut Vec<u8>, topic: &Topic) {
        let text = topic.to_string();
        out.extend_from_slice(&u16::try_from(text.len()).unwrap_or(u16::MAX).to_be_bytes());
        out.extend_from_slice(text.as_bytes());
    }

    fn take_topic(bytes: &[u8]) -> Option<(Topic, &[u8])> {
        let (len, rest) = bytes.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes(*len));
        let (topic, rest) = rest.split_at_checked(len)?;
        Some((std::str::from_utf8(topic).ok()?.parse().ok()?, rest))
    }

    pub fn encode_publish(id: u32, topic: &Topic, payload: &[u8]) -> Vec<u8> {
        let mut out = id.to_be_bytes().to_vec();
        put_topic(&mut out, topic);
        out.extend_from_slice(payload);
        out
    }

    /// `(request id, topic, payload)`, or `None` for a malformed frame.
    pub fn decode_publish(bytes: &[u8]) -> Option<(u32, Topic, &[u8])> {
        let (id, rest) = bytes.split_first_chunk::<4>()?;
        let (topic, payload) = take_topic(rest)?;
        Some((u32::from_be_bytes(*id), topic, payload))
    }

    pub fn encode_message(seq: u64, topic: &Topic, from: UserId, payload: &[u8]) -> Vec<u8> {
        let mut out = seq.to_be_bytes().to_vec();
        put_topic(&mut out, topic);
        out.extend_from_slice(from.0.as_bytes());
        out.extend_from_slice(payload);
        out
    }

    /// `(seq, topic, sender, payload)`, or `None` for a malformed frame.
    pub fn decode_message(bytes: &[u8]) -> Option<(u64, Topic, UserId, &[u8])> {
        let (seq, rest) = bytes.split_first_chunk::<8>()?;
        let (topic, rest) = take_topic(rest)?;
        let (from, payload) = rest.split_first_chunk::<16>()?;
        Some((u64::from_be_bytes(*seq), topic, UserId(uuid::Uuid::from_bytes(*from)), payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_round_trip_and_reject_garbage() {
        let group = GroupId::new();
        let topic: Topic = format!("group:{group}").parse().unwrap();
        assert_eq!(topic, Topic::Group(group));
        assert_eq!(topic.to_string(), format!("group:{group}"));
        assert_eq!("chat:room-1".parse::<Topic>().unwrap(), Topic::Chat("room-1".into()));
        assert!("group:nope".parse::<Topic>().is_err());
        assert!("chat:".parse::<Topic>().is_err());
        assert!("chat:a b".parse::<Topic>().is_err());
        assert!("weather:today".parse::<Topic>().is_err());
    }

    #[test]
    fn frames_have_the_documented_json_shape() {
        let frame: ClientFrame =
            serde_json::from_str(r#"{"type":"subscribe","id":7,"topic":"chat:x","since":3}"#)
                .unwrap();
        assert_eq!(
            frame,
            ClientFrame::Subscribe { id: 7, topic: Topic::Chat("x".into()), since: Some(3) }
        );
        let ack =
            serde_json::to_string(&ServerFrame::Ack { id: 7, seq: None, body: None }).unwrap();
        assert_eq!(ack, r#"{"type":"ack","id":7}"#);
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"explode","id":1}"#).is_err());
    }

    #[test]
    fn binary_frames_round_trip() {
        let topic = Topic::Chat("r1".into());
        let frame = binary::encode_publish(9, &topic, b"\x00\xffbild");
        assert_eq!(binary::decode_publish(&frame), Some((9, topic.clone(), &b"\x00\xffbild"[..])));
        let user = UserId::new();
        let message = binary::encode_message(42, &topic, user, b"xy");
        assert_eq!(binary::decode_message(&message), Some((42, topic, user, &b"xy"[..])));
        assert_eq!(binary::decode_publish(&[0, 0, 0, 1, 0, 9, b'c']), None);
    }
}
