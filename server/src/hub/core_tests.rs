//! Tests of the sans-IO hub core: no sockets, no clock — events in, frames and closes out.

use schulhof_proto::hub::{HubErrorCode, ServerFrame, Topic, close_code};
use schulhof_proto::{GroupId, SessionId, UserId};
use serde_json::json;

use super::core::{ConnId, ConnectRefused, HubCore, HubFrame, HubLimits, Output, Payload};

impl HubFrame for String {
    fn binary(bytes: Vec<u8>) -> Self {
        format!("binary:{}", bytes.len())
    }
}

type Core = HubCore<String>;

fn frames_to(out: &[Output<String>], conn: ConnId) -> Vec<ServerFrame> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send { conn: c, frame } if *c == conn && !frame.starts_with("binary:") => {
                Some(serde_json::from_str(frame).unwrap())
            }
            _ => None,
        })
        .collect()
}

fn setup(users: &[UserId]) -> (Core, Vec<ConnId>) {
    let mut core = Core::new(HubLimits::default());
    let conns: Vec<ConnId> = (0..users.len() as u64).map(ConnId).collect();
    for (conn, user) in conns.iter().zip(users) {
        core.connect(*conn, *user, SessionId::new(), 0).unwrap();
    }
    (core, conns)
}

#[test]
fn subscribers_receive_publishes_with_sequence_numbers_and_the_sender_gets_an_ack() {
    let (anna, ben, cem) = (UserId::new(), UserId::new(), UserId::new());
    let (mut core, c) = setup(&[anna, ben, cem]);
    let topic = Topic::Group(GroupId::new());
    let mut out = Vec::new();
    core.subscribe(c[0], 1, topic.clone(), None, 0, &mut out);
    core.subscribe(c[1], 1, topic.clone(), None, 0, &mut out);
    out.clear();
    core.publish(c[0], 2, topic.clone(), json!({"text": "Hallo 5a"}), 10, &mut out);
    let to_ben = frames_to(&out, c[1]);
    assert_eq!(to_ben.len(), 1);
    let ServerFrame::Message { seq, from, body, .. } = &to_ben[0] else { panic!("{to_ben:?}") };
    assert_eq!((*seq, *from, body["text"].as_str()), (1, anna, Some("Hallo 5a")));
    let to_anna = frames_to(&out, c[0]);
    assert!(matches!(to_anna[0], ServerFrame::Message { .. }), "the sender sees her message too");
    assert_eq!(to_anna[1], ServerFrame::Ack { id: 2, seq: Some(1), body: None });
    assert!(frames_to(&out, c[2]).is_empty(), "not subscribed, receives nothing");

    // Publishing without a subscription is refused with an error, nothing is delivered.
    out.clear();
    core.publish(c[2], 3, topic.clone(), json!({}), 20, &mut out);
    assert_eq!(out.len(), 1);
    assert!(matches!(
        &frames_to(&out, c[2])[0],
        ServerFrame::Error { id: 3, code: HubErrorCode::NotSubscribed, .. }
    ));

    // After unsubscribing Ben gets nothing more.
    out.clear();
    core.unsubscribe(c[1], 4, &topic, 30, &mut out);
    core.publish(c[0], 5, topic, json!({}), 40, &mut out);
    assert_eq!(frames_to(&out, c[1]), [ServerFrame::Ack { id: 4, seq: None, body: None }]);
}

#[test]
fn presence_counts_users_not_tabs() {
    let (anna, ben) = (UserId::new(), UserId::new());
    let mut core = Core::new(HubLimits::default());
    let topic = Topic::Group(GroupId::new());
    let (tab1, tab2, ben_conn) = (ConnId(1), ConnId(2), ConnId(3));
    core.connect(tab1, anna, SessionId::new(), 0).unwrap();
    core.connect(tab2, anna, SessionId::new(), 0).unwrap();
    core.connect(ben_conn, ben, SessionId::new(), 0).unwrap();
    let mut out = Vec::new();
    core.subscribe(ben_conn, 1, topic.clone(), None, 0, &mut out);
    out.clear();
    core.subscribe(tab1, 1, topic.clone(), None, 0, &mut out);
    assert_eq!(
        frames_to(&out, ben_conn),
        [ServerFrame::Presence { topic: topic.clone(), joined: vec![anna], left: vec![] }]
    );
    let ServerFrame::Subscribed { online: Some(online), .. } = &frames_to(&out, tab1)[0] else {
        panic!()
    };
    assert_eq!(online.len(), 2);
    out.clear();
    core.subscribe(tab2, 1, topic.clone(), None, 0, &mut out);
    assert!(frames_to(&out, ben_conn).is_empty(), "a second tab is no new presence");

    out.clear();
    core.disconnect(tab1, 5, &mut out);
    assert!(frames_to(&out, ben_conn).is_empty(), "Anna is still online in her other tab");
    core.disconnect(tab2, 6, &mut out);
    assert_eq!(
        frames_to(&out, ben_conn),
        [ServerFrame::Presence { topic: topic.clone(), joined: vec![], left: vec![anna] }]
    );
    assert_eq!(core.online(&topic), [ben]);
}

#[test]
fn a_kicked_user_stops_receiving_at_once() {
    let (anna, ben) = (UserId::new(), UserId::new());
    let (mut core, c) = setup(&[anna, ben]);
    let topic = Topic::Group(GroupId::new());
    let mut out = Vec::new();
    core.subscribe(c[0], 1, topic.clone(), None, 0, &mut out);
    core.subscribe(c[1], 1, topic.clone(), None, 0, &mut out);
    out.clear();
    core.kick(ben, &topic, "membership_removed", 1, &mut out);
    assert!(frames_to(&out, c[1]).contains(&ServerFrame::Unsubscribed {
        topic: topic.clone(),
        reason: "membership_removed".into()
    }));
    assert!(frames_to(&out, c[0]).contains(&ServerFrame::Presence {
        topic: topic.clone(),
        joined: vec![],
        left: vec![ben]
    }));
    out.clear();
    core.publish(c[0], 2, topic.clone(), json!({}), 2, &mut out);
    assert!(frames_to(&out, c[1]).is_empty());
    core.publish(c[1], 3, topic, json!({}), 3, &mut out);
    assert!(matches!(
        &frames_to(&out, c[1])[0],
        ServerFrame::Error { code: HubErrorCode::NotSubscribed, .. }
    ));
}

#[test]
fn a_reconnecting_client_gets_what_it_missed_or_a_resync() {
    let limits = HubLimits { history_per_topic: 5, ..HubLimits::default() };
    let mut core = Core::new(limits);
    let (anna, ben) = (UserId::new(), UserId::new());
    core.connect(ConnId(1), anna, SessionId::new(), 0).unwrap();
    core.connect(ConnId(2), ben, SessionId::new(), 0).unwrap();
    let topic = Topic::Group(GroupId::new());
    let mut out = Vec::new();
    core.subscribe(ConnId(1), 1, topic.clone(), None, 0, &mut out);
    core.subscribe(ConnId(2), 1, topic.clone(), None, 0, &mut out);
    core.publish(ConnId(1), 2, topic.clone(), json!({"n": 1}), 1, &mut out);
    core.disconnect(ConnId(2), 2, &mut out); // Ben's network drops after message 1
    for n in 2..=4 {
        core.publish(ConnId(1), 2 + n, topic.clone(), json!({"n": n}), 2 + n as i64, &mut out);
    }
    core.connect(ConnId(3), ben, SessionId::new(), 10).unwrap();
    out.clear();
    core.subscribe(ConnId(3), 9, topic.clone(), Some(1), 10, &mut out);
    let frames = frames_to(&out, ConnId(3));
    assert!(matches!(frames[0], ServerFrame::Subscribed { seq: 4, .. }));
    let replayed: Vec<u64> = frames[1..]
        .iter()
        .map(|f| match f {
            ServerFrame::Message { seq, .. } => *seq,
            _ => 0,
        })
        .collect();
    assert_eq!(replayed, [2, 3, 4]);

    // Only 5 messages are kept: asking from seq 1 after 10 messages needs a resync.
    for n in 5..=10 {
        core.publish(ConnId(1), 20 + n, topic.clone(), json!({"n": n}), 20, &mut out);
    }
    core.connect(ConnId(4), ben, SessionId::new(), 30).unwrap();
    out.clear();
    core.subscribe(ConnId(4), 1, topic.clone(), Some(1), 30, &mut out);
    assert_eq!(
        frames_to(&out, ConnId(4))[1],
        ServerFrame::Resync { topic: topic.clone(), seq: 10 }
    );
    out.clear();
    core.subscribe(ConnId(4), 2, topic.clone(), Some(10), 30, &mut out);
    assert_eq!(frames_to(&out, ConnId(4)).len(), 1, "up to date: nothing to replay");
}

#[test]
fn publish_rate_is_limited_with_errors_then_a_close() {
    let limits = HubLimits {
        publish_per_second: 2,
        publish_burst: 3,
        max_refused_in_a_row: 4,
        ..HubLimits::default()
    };
    let mut core = Core::new(limits);
    core.connect(ConnId(1), UserId::new(), SessionId::new(), 0).unwrap();
    let topic = Topic::Group(GroupId::new());
    let mut out = Vec::new();
    core.subscribe(ConnId(1), 0, topic.clone(), None, 0, &mut out);
    let mut refused = 0;
    for i in 0..6 {
        out.clear();
        core.publish(ConnId(1), i, topic.clone(), json!({}), 0, &mut out);
        if frames_to(&out, ConnId(1))
            .iter()
            .any(|f| matches!(f, ServerFrame::Error { code: HubErrorCode::RateLimited, .. }))
        {
            refused += 1;
        }
    }
    assert_eq!(refused, 3, "burst of 3, then refused");
    out.clear();
    core.publish(ConnId(1), 7, topic.clone(), json!({}), 1000, &mut out);
    assert!(
        frames_to(&out, ConnId(1)).iter().any(|f| matches!(f, ServerFrame::Ack { .. })),
        "refilled after a second"
    );
    for i in 0..10 {
        out.clear();
        core.publish(ConnId(1), 10 + i, topic.clone(), json!({}), 1000, &mut out);
    }
    assert!(out.contains(&Output::Close {
        conn: ConnId(1),
        code: close_code::RATE_LIMITED,
        reason: "rate limit"
    }));
}

#[test]
fn connection_and_subscription_limits_hold() {
    let limits = HubLimits {
        max_connections_per_user: 2,
        max_subscriptions_per_connection: 2,
        ..HubLimits::default()
    };
    let mut core = Core::new(limits);
    let anna = UserId::new();
    core.connect(ConnId(1), anna, SessionId::new(), 0).unwrap();
    core.connect(ConnId(2), anna, SessionId::new(), 0).unwrap();
    assert_eq!(
        core.connect(ConnId(3), anna, SessionId::new(), 0),
        Err(ConnectRefused::TooManyConnections)
    );
    let mut out = Vec::new();
    core.disconnect(ConnId(2), 0, &mut out);
    assert!(
        core.connect(ConnId(3), anna, SessionId::new(), 0).is_ok(),
        "a closed tab frees its place"
    );

    for n in 0..3 {
        core.subscribe(ConnId(1), n, Topic::Group(GroupId::new()), None, 0, &mut out);
    }
    assert!(matches!(
        frames_to(&out, ConnId(1)).last().unwrap(),
        ServerFrame::Error { code: HubErrorCode::TooManySubscriptions, .. }
    ));
}

#[test]
fn sessions_close_and_idle_topics_are_swept() {
    let mut core = Core::new(HubLimits { idle_topic_ms: 100, ..HubLimits::default() });
    let session = SessionId::new();
    let user = UserId::new();
    core.connect(ConnId(1), user, session, 0).unwrap();
    core.connect(ConnId(2), user, SessionId::new(), 0).unwrap();
    let mut out = Vec::new();
    core.close_session(session, close_code::UNAUTHENTICATED, "session ended", &mut out);
    assert_eq!(
        out,
        [Output::Close {
            conn: ConnId(1),
            code: close_code::UNAUTHENTICATED,
            reason: "session ended"
        }]
    );

    let topic = Topic::Group(GroupId::new());
    core.subscribe(ConnId(2), 1, topic.clone(), None, 0, &mut out);
    core.deliver(topic.clone(), None, user, 0, Payload::Json(json!({})), &mut out);
    core.disconnect(ConnId(2), 10, &mut out);
    assert_eq!(core.sweep(50), 0, "history kept for a while for resumes");
    assert_eq!(core.sweep(200), 1);
    assert_eq!(core.connection_count(), 1);
}

#[test]
fn binary_payloads_share_the_numbering_and_the_history() {
    let (anna, ben) = (UserId::new(), UserId::new());
    let (mut core, c) = setup(&[anna, ben]);
    let topic = Topic::Group(GroupId::new());
    let mut out = Vec::new();
    core.subscribe(c[0], 1, topic.clone(), None, 0, &mut out);
    core.subscribe(c[1], 1, topic.clone(), None, 0, &mut out);
    out.clear();
    core.publish(c[0], 2, topic.clone(), json!({"text": "erst Text"}), 1, &mut out);
    core.publish(c[0], 3, topic.clone(), Payload::Binary(vec![1, 2, 3]), 2, &mut out);
    let to_ben: Vec<&String> = out
        .iter()
        .filter_map(|o| match o {
            Output::Send { conn, frame } if *conn == c[1] => Some(frame),
            _ => None,
        })
        .collect();
    assert_eq!(to_ben.len(), 2);
    // seq (8) + topic length (2) + "group:<uuid>" (42) + sender (16) + payload (3)
    assert_eq!(to_ben[1], "binary:71", "the binary envelope reaches Ben");
    assert!(frames_to(&out, c[0]).contains(&ServerFrame::Ack { id: 3, seq: Some(2), body: None }));
}
