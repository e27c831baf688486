//! The hub frames as the load generator reads and writes them. Incoming frames are decoded into a
//! lean, borrowing view (type, id, topic, seq, the body's send stamp, error code) instead of the
//! full `ServerFrame`, because a receiver decodes every delivery and the generator must stay far
//! from saturating its core. Tests pin the view against `schulhof_proto::hub` so both stay one
//! protocol.

use std::borrow::Cow;

use schulhof_proto::hub::ClientFrame;
use serde::Deserialize;

/// What the generator needs from a server frame.
#[derive(Debug, Deserialize)]
pub struct Incoming<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default, borrow)]
    pub topic: Option<Cow<'a, str>>,
    #[serde(default)]
    pub seq: Option<u64>,
    #[serde(default)]
    pub body: Option<Stamp>,
    #[serde(default, borrow)]
    pub code: Option<Cow<'a, str>>,
}

/// The body the generator publishes: the send time in nanoseconds since the run's start.
#[derive(Debug, Deserialize)]
pub struct Stamp {
    #[serde(default)]
    pub t: Option<u64>,
}

/// Decodes a server frame. Bodies that are not our stamp object still give a frame (body `None`).
pub fn decode(text: &str) -> Result<Incoming<'_>, String> {
    match serde_json::from_str::<Incoming<'_>>(text) {
        Ok(frame) => Ok(frame),
        Err(_) => {
            #[derive(Deserialize)]
            struct NoBody<'a> {
                #[serde(rename = "type", borrow)]
                kind: Cow<'a, str>,
                #[serde(default)]
                id: Option<u64>,
                #[serde(default, borrow)]
                topic: Option<Cow<'a, str>>,
                #[serde(default)]
                seq: Option<u64>,
            }
            let frame: NoBody<'_> =
                serde_json::from_str(text).map_err(|error| format!("bad frame: {error}"))?;
            Ok(Incoming {
                kind: frame.kind,
                id: frame.id,
                topic: frame.topic,
                seq: frame.seq,
                body: None,
                code: None,
            })
        }
    }
}

/// A server frame as the messenger scenarios (`chat`, `votes`) read it: the frame's type, id, seq
/// and error code, and from the body of a server event the parts they check — a chat message's
/// text (which carries the send stamp) and a poll's live results.
#[derive(Debug, Deserialize)]
pub struct EventFrame<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub seq: Option<u64>,
    #[serde(default, borrow)]
    pub code: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub body: Option<EventBody<'a>>,
}

/// The body of a server event (`{"event":"message",…}`, `{"event":"results",…}`, …).
#[derive(Debug, Default, Deserialize)]
pub struct EventBody<'a> {
    #[serde(default, borrow)]
    pub event: Option<Cow<'a, str>>,
    /// `results` events.
    #[serde(default)]
    pub voters: Option<u64>,
    #[serde(default)]
    pub counts: Option<Vec<u64>>,
    /// `state` events: the new state and the results.
    #[serde(default, borrow)]
    pub state: Option<Cow<'a, str>>,
    #[serde(default)]
    pub results: Option<ResultsView>,
    /// `message` events of a chat room.
    #[serde(default, borrow)]
    pub message: Option<MessageView<'a>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ResultsView {
    #[serde(default)]
    pub voters: u64,
    #[serde(default)]
    pub counts: Vec<u64>,
}

#[derive(Debug, Deserialize)]
pub struct MessageView<'a> {
    #[serde(borrow)]
    pub text: Cow<'a, str>,
}

/// Decodes a server frame for the messenger scenarios; a body of another shape gives `body: None`.
pub fn decode_event(text: &str) -> Result<EventFrame<'_>, String> {
    match serde_json::from_str::<EventFrame<'_>>(text) {
        Ok(frame) => Ok(frame),
        Err(_) => {
            let frame = decode(text)?;
            Ok(EventFrame {
                kind: frame.kind,
                id: frame.id,
                seq: frame.seq,
                code: frame.code,
                body: None,
            })
        }
    }
}

/// The send stamp at the start of a chat message's text: `t=<ns since the run's start> …`.
pub fn chat_stamp(text: &str) -> Option<u64> {
    text.strip_prefix("t=")?.split_whitespace().next()?.parse().ok()
}

/// A vote published on a poll topic (`{"vote":[choice]}`).
pub fn vote(id: u64, topic: &str, choice: u8) -> String {
    format!(r#"{{"type":"publish","id":{id},"topic":"{topic}","body":{{"vote":[{choice}]}}}}"#)
}

/// `subscribe` to a topic (given as text, e.g. `group:<id>`).
pub fn subscribe(id: u64, topic: &str) -> Result<String, String> {
    let topic = topic.parse().map_err(|_| format!("not a topic: {topic}"))?;
    let frame = ClientFrame::Subscribe { id, topic, since: None };
    serde_json::to_string(&frame).map_err(|error| error.to_string())
}

/// `publish` with the stamp body; written by hand because it is on the hot path (the test checks
/// that it is the same frame `ClientFrame` describes).
pub fn publish(id: u64, topic: &str, stamp_ns: u64) -> String {
    format!(r#"{{"type":"publish","id":{id},"topic":"{topic}","body":{{"t":{stamp_ns}}}}}"#)
}

#[cfg(test)]
mod tests {
    use super::*;
    use schulhof_proto::hub::{HubErrorCode, ServerFrame, Topic};
    use schulhof_proto::{GroupId, UserId};

    fn text(frame: &ServerFrame) -> String {
        serde_json::to_string(frame).unwrap()
    }

    #[test]
    fn messages_give_topic_seq_and_stamp() {
        let group = GroupId::new();
        let message = ServerFrame::Message {
            topic: Topic::Group(group),
            seq: 42,
            from: UserId::new(),
            at: 1_795_000_000_000,
            body: serde_json::json!({"t": 123_456_789u64}),
        };
        let json = text(&message);
        let frame = decode(&json).unwrap();
        assert_eq!(frame.kind, "message");
        assert_eq!(frame.topic.as_deref(), Some(format!("group:{group}").as_str()));
        assert_eq!(frame.seq, Some(42));
        assert_eq!(frame.body.and_then(|b| b.t), Some(123_456_789));
    }

    #[test]
    fn foreign_bodies_still_decode() {
        let message = ServerFrame::Message {
            topic: Topic::Chat("room".into()),
            seq: 3,
            from: UserId::new(),
            at: 0,
            body: serde_json::json!(["not", "a", "stamp"]),
        };
        let json = text(&message);
        let frame = decode(&json).unwrap();
        assert_eq!(frame.seq, Some(3));
        assert!(frame.body.is_none());
        assert!(decode("not json").is_err());
    }

    #[test]
    fn answers_give_id_seq_and_code() {
        let group = GroupId::new();
        let subscribed = ServerFrame::Subscribed {
            id: 1,
            topic: Topic::Group(group),
            seq: 57,
            online: Some(vec![UserId::new()]),
        };
        let json = text(&subscribed);
        let frame = decode(&json).unwrap();
        assert_eq!((frame.kind.as_ref(), frame.id, frame.seq), ("subscribed", Some(1), Some(57)));
        let json = text(&ServerFrame::Ack { id: 9, seq: Some(58), body: None });
        let ack = decode(&json).unwrap();
        assert_eq!((ack.kind.as_ref(), ack.id, ack.seq), ("ack", Some(9), Some(58)));
        let error = ServerFrame::Error {
            id: 4,
            code: HubErrorCode::RateLimited,
            message: "slow down".into(),
            message_de: "langsamer".into(),
        };
        let json = text(&error);
        let frame = decode(&json).unwrap();
        assert_eq!(frame.code.as_deref(), Some("rate_limited"));
        let hello =
            ServerFrame::Hello { protocol: 1, user_id: UserId::new(), heartbeat_ms: 25_000 };
        assert_eq!(decode(&text(&hello)).unwrap().kind, "hello");
    }

    #[test]
    fn outgoing_frames_are_protocol_frames() {
        let group = GroupId::new();
        let topic = format!("group:{group}");
        let parsed: ClientFrame = serde_json::from_str(&publish(5, &topic, 77)).unwrap();
        assert_eq!(
            parsed,
            ClientFrame::Publish {
                id: 5,
                topic: Topic::Group(group),
                body: serde_json::json!({"t": 77}),
            }
        );
        let parsed: ClientFrame = serde_json::from_str(&subscribe(1, &topic).unwrap()).unwrap();
        assert_eq!(
            parsed,
            ClientFrame::Subscribe { id: 1, topic: Topic::Group(group), since: None }
        );
        assert!(subscribe(1, "weather:today").is_err());
    }

    #[test]
    fn chat_and_poll_events_give_stamp_and_tally() {
        let room = GroupId::new();
        let message = ServerFrame::Message {
            topic: Topic::Chat(room.to_string()),
            seq: 7,
            from: UserId::new(),
            at: 0,
            body: serde_json::json!({"event": "message", "message": {
                "id": "m", "seq": 3, "text": "t=123456 m=4 Hallo \"Klasse\"", "mentions": [],
                "reactions": [], "deleted": false}}),
        };
        let json = text(&message);
        let frame = decode_event(&json).unwrap();
        assert_eq!((frame.kind.as_ref(), frame.seq), ("message", Some(7)));
        let body = frame.body.unwrap();
        assert_eq!(body.event.as_deref(), Some("message"));
        assert_eq!(chat_stamp(&body.message.unwrap().text), Some(123_456));
        assert_eq!(chat_stamp("no stamp"), None);

        let results = serde_json::json!({"type": "message", "topic": "poll:p", "seq": 0,
            "from": UserId::new(), "at": 0, "body": {"event": "results", "poll_id": "p",
            "version": 9, "voters": 8, "counts": [3, 5, 0]}});
        let json = results.to_string();
        let body = decode_event(&json).unwrap().body.unwrap();
        assert_eq!((body.voters, body.counts), (Some(8), Some(vec![3, 5, 0])));
        let closed = serde_json::json!({"type": "message", "topic": "poll:p", "from": UserId::new(),
            "at": 0, "body": {"event": "state", "poll_id": "p", "state": "closed",
            "results": {"event": "results", "voters": 2, "counts": [1, 1], "version": 2}}});
        let json = closed.to_string();
        let body = decode_event(&json).unwrap().body.unwrap();
        assert_eq!(body.state.as_deref(), Some("closed"));
        assert_eq!(body.results.unwrap().voters, 2);
        let mention = r#"{"type":"message","topic":"user:u","seq":1,"body":{"event":"mention","message":"id"}}"#;
        let frame = decode_event(mention).unwrap();
        assert!(frame.body.is_none());
        assert_eq!(frame.seq, Some(1));
    }

    #[test]
    fn votes_are_protocol_publishes() {
        let topic = "poll:0196f000-0000-7000-8000-000000000001";
        let parsed: ClientFrame = serde_json::from_str(&vote(2, topic, 1)).unwrap();
        assert_eq!(
            parsed,
            ClientFrame::Publish {
                id: 2,
                topic: topic.parse().unwrap(),
                body: serde_json::json!({"vote": [1]}),
            }
        );
    }
}
