//! Video lessons end to end: signalling over the hub (docs/video.md) with str0m peers sending
//! real media over loopback UDP through the server's SFU; and who may not join (non-members,
//! switched-off module, restricted accounts, locked lessons, the waiting room, removal).

use std::time::Duration;

use reqwest::StatusCode;
use schulhof_proto::ErrorCode;
use schulhof_proto::hub::{HubErrorCode, ServerFrame, Topic};
use serde_json::{Value, json};
use str0m::media::Mid;
use testkit::hub_client::HubClient;
use testkit::media_peer::MediaPeer;
use testkit::node::NodeProcess;
use testkit::{Client, TestServer, USER_PASSWORD, expect_error};

use crate::messenger::{Class, class_of, hub_of, join as add_member};

/// A hub connection used for one lesson: requests and the signals it received.
struct Lesson {
    hub: HubClient,
    topic: Topic,
    signals: Vec<Value>,
}

impl Lesson {
    async fn open(client: &Client, class: &Class) -> Result<Self, HubErrorCode> {
        let mut hub = hub_of(client).await;
        let topic = Topic::Video(class.group.id);
        match hub.subscribe(&topic, None).await {
            ServerFrame::Subscribed { .. } => Ok(Lesson { hub, topic, signals: Vec::new() }),
            ServerFrame::Error { code, .. } => Err(code),
            other => panic!("unexpected {other:?}"),
        }
    }

    async fn request(&mut self, body: Value) -> Result<Value, HubErrorCode> {
        let id = self.hub.publish(&self.topic, body).await;
        loop {
            match self.hub.frame().await {
                ServerFrame::Ack { id: got, body, .. } if got == id => {
                    return Ok(body.unwrap_or(Value::Null));
                }
                ServerFrame::Error { id: got, code, .. } if got == id => return Err(code),
                ServerFrame::Signal { body, .. } => self.signals.push(body),
                _ => {}
            }
        }
    }

    /// The newest `state` signal that satisfies `check` (waiting for more as needed).
    async fn state_where(&mut self, check: impl Fn(&Value) -> bool) -> Value {
        loop {
            if let Some(state) = self.signals.iter().rev().find(|s| s["event"] == "state")
                && check(state)
            {
                return state.clone();
            }
            match tokio::time::timeout(Duration::from_secs(10), self.hub.frame()).await {
                Ok(ServerFrame::Signal { body, .. }) => self.signals.push(body),
                Ok(_) => {}
                Err(_) => panic!("no matching state; last: {:?}", self.signals.last()),
            }
        }
    }

    async fn signal(&mut self, event: &str) -> Value {
        loop {
            if let Some(signal) = self.signals.iter().find(|s| s["event"] == event) {
                return signal.clone();
            }
            match tokio::time::timeout(Duration::from_secs(10), self.hub.frame()).await {
                Ok(ServerFrame::Signal { body, .. }) => self.signals.push(body),
                Ok(_) => {}
                Err(_) => panic!("no {event} signal"),
            }
        }
    }

    /// Offers through `peer` and applies the answer.
    async fn negotiate(
        &mut self,
        peer: &MediaPeer,
        publish: &[&'static str],
        receive: &[(u64, &'static str)],
    ) -> Vec<String> {
        let offer = peer.offer(publish, receive).await;
        let mids = offer.mids.iter().map(ToString::to_string).collect();
        let answer = self
            .request(json!({"op": "offer", "sdp": offer.sdp, "publish": offer.publish, "receive": offer.receive}))
            .await
            .expect("offer accepted");
        peer.accept_answer(offer, answer["sdp"].as_str().unwrap()).await;
        mids
    }
}

async fn video_class(server: &TestServer, pupils: usize) -> Class {
    let class = class_of(server, pupils).await;
    class.admin.put_status("/api/modules/video", &json!({ "enabled": true }), StatusCode::OK).await;
    class
}

fn track(state: &Value, kind: &str) -> u64 {
    state["tracks"].as_array().unwrap().iter().find(|t| t["kind"] == kind).unwrap()["id"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn a_lesson_forwards_the_teachers_camera_and_audio_and_mute_all_stops_the_pupils_audio() {
    let server = TestServer::start().await;
    let class = video_class(&server, 2).await;
    let mut teacher = Lesson::open(&class.teacher.0, &class).await.unwrap();
    let joined = teacher.request(json!({"op": "join"})).await.unwrap();
    assert_eq!(
        (joined["status"].as_str(), joined["role"].as_str()),
        (Some("joined"), Some("moderator"))
    );
    let teacher_peer = MediaPeer::start().await;
    let teacher_mids = teacher.negotiate(&teacher_peer, &["camera", "audio"], &[]).await;

    let mut pupil = Lesson::open(&class.pupils[0].0, &class).await.unwrap();
    let joined = pupil.request(json!({"op": "join"})).await.unwrap();
    assert_eq!(joined["role"], "participant");
    let state = pupil.state_where(|s| s["tracks"].as_array().is_some_and(|t| t.len() == 2)).await;
    let (camera, audio) = (track(&state, "camera"), track(&state, "audio"));
    let names: Vec<&str> = state["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names.len(), 2, "{state}");
    let pupil_peer = MediaPeer::start().await;
    let pupil_mids =
        pupil.negotiate(&pupil_peer, &["audio"], &[(camera, "camera"), (audio, "audio")]).await;
    pupil.request(json!({"op": "view", "tiles": {camera.to_string(): 360}})).await.unwrap();

    // Both media connections come up (ICE, DTLS) before anything is sent.
    for peer in [&teacher_peer, &pupil_peer] {
        peer.wait_for("connected", Duration::from_secs(20), |seen| seen.connected).await;
    }
    // The teacher's peer sends all three layers (keyframes every 10 packets) and audio.
    let (cam_mid, audio_mid) =
        (Mid::from(teacher_mids[0].as_str()), Mid::from(teacher_mids[1].as_str()));
    let (video_slot, audio_slot) = (pupil_mids[1].clone(), pupil_mids[2].clone());
    for seq in 1..=200u64 {
        for rid in ["q", "h", "f"] {
            teacher_peer.send_vp8(cam_mid, Some(rid), seq, seq % 10 == 1, rid.as_bytes()[0]).await;
        }
        teacher_peer.send_opus(audio_mid, seq, 1).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        if pupil_peer.received_on(&video_slot) > 10 && pupil_peer.received_on(&audio_slot) > 10 {
            break;
        }
    }
    assert!(pupil_peer.connected() && teacher_peer.connected());
    let seen = pupil_peer.seen.lock().unwrap().packets.clone();
    let video: Vec<u8> = seen.iter().filter(|(m, _)| *m == video_slot).map(|(_, p)| p[5]).collect();
    assert!(video.len() > 10, "the pupil receives the camera: {}", video.len());
    assert!(
        video.iter().all(|l| *l == b'h'),
        "one layer, the medium one for a 360 px tile: {video:?}"
    );
    assert!(pupil_peer.received_on(&audio_slot) > 10, "and the audio");

    // The pupil speaks; the teacher receives it, until "mute all".
    let state = teacher.state_where(|s| s["tracks"].as_array().is_some_and(|t| t.len() == 1)).await;
    let pupil_audio = track(&state, "audio");
    let teacher_slot =
        teacher.negotiate(&teacher_peer, &[], &[(pupil_audio, "audio")]).await[0].clone();
    let pupil_audio_mid = Mid::from(pupil_mids[0].as_str());
    let mut seq = 0u64;
    while seq < 300 && teacher_peer.received_on(&teacher_slot) <= 5 {
        seq += 1;
        pupil_peer.send_opus(pupil_audio_mid, seq, 2).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = teacher_peer.received_on(&teacher_slot);
    assert!(before > 5, "the teacher hears the pupil: {before}");
    teacher.request(json!({"op": "mute_all"})).await.unwrap();
    assert_eq!(pupil.signal("force_mute").await["kind"], "audio");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let muted_at = teacher_peer.received_on(&teacher_slot);
    for seq in seq + 1..=seq + 20 {
        pupil_peer.send_opus(pupil_audio_mid, seq, 2).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(teacher_peer.received_on(&teacher_slot), muted_at, "muted audio is not forwarded");
    // Unmuting is refused while pupils may not unmute, allowed after the teacher lets them speak.
    teacher.request(json!({"op": "allow_unmute", "allowed": false})).await.unwrap();
    let refused = pupil.request(json!({"op": "mute", "kind": "audio", "muted": false})).await;
    assert_eq!(refused, Err(HubErrorCode::VideoUnmuteNotAllowed));
    pupil.request(json!({"op": "hand", "raised": true})).await.unwrap();
    let state = teacher
        .state_where(|s| s["participants"].as_array().unwrap().iter().any(|p| !p["hand"].is_null()))
        .await;
    let pupil_id = state["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| !p["hand"].is_null())
        .unwrap()["id"]
        .clone();
    teacher.request(json!({"op": "allow_speak", "participant": pupil_id})).await.unwrap();
    pupil.request(json!({"op": "mute", "kind": "audio", "muted": false})).await.unwrap();
    let mut next = seq + 21;
    while next < seq + 321 && teacher_peer.received_on(&teacher_slot) <= muted_at {
        pupil_peer.send_opus(pupil_audio_mid, next, 2).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        next += 1;
    }
    assert!(teacher_peer.received_on(&teacher_slot) > muted_at, "audio flows again");

    // The lesson shows in the list with media counters for the teacher.
    let lessons: Vec<Value> = class.teacher.0.get_ok("/api/video/lessons").await;
    assert_eq!(lessons.len(), 1);
    assert_eq!(lessons[0]["participants"], 2);
    assert!(lessons[0]["stats"]["forwarded_packets"].as_u64().unwrap() > 20);
    let pupil_view: Vec<Value> = class.pupils[1].0.get_ok("/api/video/lessons").await;
    assert!(pupil_view[0].get("stats").is_none(), "counters are for staff");

    // The node's counters reach /metrics (copied every 2 s).
    let mut forwarded = 0.0;
    for _ in 0..30 {
        let text = class.admin.get("/metrics").await.text().await.unwrap();
        forwarded = text
            .lines()
            .find(|l| l.starts_with("schulhof_video_forwarded_packets_total"))
            .and_then(|l| l.split_whitespace().last()?.parse().ok())
            .unwrap_or(0.0);
        if forwarded > 20.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(forwarded > 20.0, "forwarded packets in /metrics: {forwarded}");
    // …and so do the lesson's, labelled with its group's ID.
    let lesson_line =
        format!("schulhof_video_lesson_forwarded_packets_total{{lesson=\"{}\"}}", class.group.id);
    let text = class.admin.get("/metrics").await.text().await.unwrap();
    let lesson_forwarded: f64 = text
        .lines()
        .find(|l| l.starts_with(&lesson_line))
        .and_then(|l| l.split_whitespace().last()?.parse().ok())
        .unwrap_or(0.0);
    assert!(lesson_forwarded > 20.0, "{lesson_line} in /metrics: {text}");
    let participants =
        format!("schulhof_video_lesson_participants{{lesson=\"{}\"}} 2", class.group.id);
    assert!(text.lines().any(|l| l == participants), "{participants} in {text}");

    // Ending the lesson tells everyone.
    teacher.request(json!({"op": "end"})).await.unwrap();
    pupil.signal("ended").await;
    let lessons: Vec<Value> = class.teacher.0.get_ok("/api/video/lessons").await;
    assert!(lessons.is_empty());
    // An ended lesson's series go away with the next copy.
    let mut gone = false;
    for _ in 0..30 {
        let text = class.admin.get("/metrics").await.text().await.unwrap();
        if !text.contains(&lesson_line) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(gone, "the ended lesson's series stay in /metrics");
    server.stop().await;
}

#[tokio::test]
async fn only_members_join_and_moderators_control_lock_waiting_room_and_removal() {
    let server = TestServer::start().await;
    let class = video_class(&server, 2).await;
    let (pupil_a, pupil_b) = (&class.pupils[0].0, &class.pupils[1].0);

    // The school has pupils join with their camera off.
    class
        .admin
        .put_status("/api/video/settings", &json!({ "pupil_camera_off": true }), StatusCode::OK)
        .await;
    let settings: Value = pupil_a.get_ok("/api/video/settings").await;
    assert_eq!(settings["pupil_camera_off"], true);
    class.pupils[0]
        .0
        .put_status(
            "/api/video/settings",
            &json!({ "pupil_camera_off": false }),
            StatusCode::FORBIDDEN,
        )
        .await;

    // Pupils cannot start a lesson; non-members cannot even subscribe.
    let mut a = Lesson::open(pupil_a, &class).await.unwrap();
    assert_eq!(a.request(json!({"op": "join"})).await, Err(HubErrorCode::VideoNotStarted));
    let other = class_of_outsider(&server, &class).await;
    assert_eq!(Lesson::open(&other, &class).await.err(), Some(HubErrorCode::Forbidden));
    let status = other.get(&format!("/api/video/{}/connect", class.group.id)).await.status();
    assert_eq!(status, StatusCode::NOT_FOUND);

    let mut teacher = Lesson::open(&class.teacher.0, &class).await.unwrap();
    teacher.request(json!({"op": "join"})).await.unwrap();
    assert_eq!(
        a.request(json!({"op": "lock", "locked": true})).await,
        Err(HubErrorCode::VideoNotJoined)
    );

    // Locked: nobody new comes in.
    teacher.request(json!({"op": "lock", "locked": true})).await.unwrap();
    assert_eq!(a.request(json!({"op": "join"})).await, Err(HubErrorCode::VideoLocked));
    teacher.request(json!({"op": "lock", "locked": false})).await.unwrap();

    // Waiting room: the pupil waits, may not negotiate, and is admitted by the teacher.
    teacher.request(json!({"op": "waiting_room", "enabled": true})).await.unwrap();
    let waiting = a.request(json!({"op": "join"})).await.unwrap();
    assert_eq!(waiting["status"], "waiting");
    let refused =
        a.request(json!({"op": "offer", "sdp": "v=0", "publish": {}, "receive": {}})).await;
    assert_eq!(refused, Err(HubErrorCode::VideoNotAdmitted));
    let state =
        teacher.state_where(|s| s["waiting"].as_array().is_some_and(|w| w.len() == 1)).await;
    let a_id = state["waiting"][0]["id"].clone();
    assert_eq!(state["waiting"][0]["name"].as_str().map(str::is_empty), Some(false));
    teacher.request(json!({"op": "admit", "participant": a_id})).await.unwrap();
    let admitted = a.state_where(|s| s["me"]["status"] == "joined").await;
    assert_eq!(admitted["lesson"]["pupil_camera_off"], true);
    let me = admitted["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == a_id)
        .unwrap()
        .clone();
    assert_eq!(
        (me["video_muted"].as_bool(), me["audio_muted"].as_bool()),
        (Some(true), Some(false)),
        "camera off"
    );
    assert_eq!(a.request(json!({"op": "mute_all"})).await, Err(HubErrorCode::VideoNotModerator));
    let pupil_state = a.state_where(|s| s["me"]["status"] == "joined").await;
    assert_eq!(pupil_state["waiting"], json!([]), "pupils do not see the waiting room");

    // Removed: told so, and cannot come back to this lesson.
    teacher.request(json!({"op": "remove", "participant": a_id})).await.unwrap();
    a.signal("removed").await;
    assert_eq!(a.request(json!({"op": "join"})).await, Err(HubErrorCode::VideoRemoved));

    // An invited teacher from another class may join; the invitation reaches her own topic.
    let guest = class_of_outsider_named(&server, &class, "frau.gast").await;
    let mut guest_hub = hub_of(&guest.0).await;
    guest_hub.subscribe(&Topic::User(guest.1), None).await;
    assert_eq!(Lesson::open(&guest.0, &class).await.err(), Some(HubErrorCode::Forbidden));
    teacher.request(json!({"op": "invite", "user": guest.1})).await.unwrap();
    loop {
        if let ServerFrame::Message { body, .. } = guest_hub.frame().await
            && body["event"] == "video_invite"
        {
            assert_eq!(body["group"], json!(class.group.id));
            break;
        }
    }
    let listed: Vec<Value> = guest.0.get_ok("/api/video/lessons").await;
    assert_eq!(listed.len(), 1, "an invited user sees the lesson");
    let mut guest_lesson = Lesson::open(&guest.0, &class).await.unwrap();
    assert_eq!(guest_lesson.request(json!({"op": "join"})).await.unwrap()["role"], "participant");
    let stranger = schulhof_proto::UserId::new();
    assert_eq!(
        teacher.request(json!({"op": "invite", "user": stranger})).await,
        Err(HubErrorCode::Forbidden)
    );

    // A bad request gets a clear error.
    let mut b = Lesson::open(pupil_b, &class).await.unwrap();
    assert_eq!(b.request(json!({"op": "fly"})).await, Err(HubErrorCode::BadFrame));

    // The module switched off: no subscription.
    class
        .admin
        .put_status("/api/modules/video", &json!({ "enabled": false }), StatusCode::OK)
        .await;
    assert_eq!(Lesson::open(pupil_b, &class).await.err(), Some(HubErrorCode::ModuleDisabled));
    server.stop().await;
}

#[tokio::test]
async fn a_restricted_pupil_is_refused() {
    let server = TestServer::start().await;
    let class = video_class(&server, 0).await;
    // A pupil without the consent her age needs is restricted, even as a member of the class.
    let rita: schulhof_proto::CreatedUser = class
        .admin
        .post_ok("/api/users", &json!({ "login": "rita.r", "display_name": "Rita R", "role": "pupil", "birth_date": "2014-01-01" }))
        .await;
    class
        .admin
        .put_status(
            &format!("/api/groups/{}/members/{}", class.group.id, rita.user.id),
            &json!({ "role": "member" }),
            StatusCode::NO_CONTENT,
        )
        .await;
    let rita = server.login_first_time("rita.r", &rita.initial_password).await;
    expect_error(rita.get("/api/video/lessons").await, ErrorCode::AccountRestricted).await;
    let connect = rita.get(&format!("/api/video/{}/connect", class.group.id)).await;
    expect_error(connect, ErrorCode::AccountRestricted).await;
    let mut hub = HubClient::connect(&rita).await;
    assert_eq!(hub.closed().await, 4403, "a restricted account gets no hub, so no lesson");
    server.stop().await;
}

/// A teacher of the same school who is not in the class.
async fn class_of_outsider(server: &TestServer, class: &Class) -> Client {
    class_of_outsider_named(server, class, "herr.fremd").await.0
}

async fn class_of_outsider_named(
    server: &TestServer,
    class: &Class,
    login: &str,
) -> (Client, schulhof_proto::UserId) {
    let name = format!("9c-{login}");
    let other_group: schulhof_proto::Group =
        class.admin.post_ok("/api/groups", &json!({ "name": name, "kind": "class" })).await;
    add_member(server, &class.admin, &other_group, login, "teacher").await
}

#[tokio::test]
async fn a_lesson_lives_on_one_node_and_moves_when_that_node_dies() {
    let redis = testkit::redis_url();
    let server = TestServer::start_with(|config| {
        config.redis_url = Some(redis);
        config.presence_ttl_seconds = 2;
    })
    .await;
    let node_a = NodeProcess::start(&server.config).await;
    let class = video_class(&server, 1).await;

    // The teacher starts the lesson on node A.
    let teacher_a = server.client_for(&node_a.base);
    assert_eq!(teacher_a.login("frau.lehmann", USER_PASSWORD, None).await.status(), StatusCode::OK);
    let mut teacher = Lesson::open(&teacher_a, &class).await.unwrap();
    teacher.request(json!({"op": "join"})).await.unwrap();

    // A pupil on this node is directed to node A, and cannot join the lesson here.
    let pupil = &class.pupils[0].0;
    let connect: Value = pupil.get_ok(&format!("/api/video/{}/connect", class.group.id)).await;
    let node_a_ws = format!("{}/ws", node_a.base.replace("http://", "ws://"));
    assert_eq!(connect["ws_url"].as_str(), Some(node_a_ws.as_str()));
    let mut here = Lesson::open(pupil, &class).await.unwrap();
    assert_eq!(here.request(json!({"op": "join"})).await, Err(HubErrorCode::VideoElsewhere));

    // Node A dies: after its entries expire the lesson is placed again, here.
    node_a.crash().await;
    let mut moved = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let connect: Value = pupil.get_ok(&format!("/api/video/{}/connect", class.group.id)).await;
        if connect["ws_url"].is_null() {
            moved = true;
            break;
        }
    }
    assert!(moved, "the lesson is reassigned after its node is gone");
    let teacher_here = server.login("frau.lehmann", USER_PASSWORD).await;
    let mut teacher = Lesson::open(&teacher_here, &class).await.unwrap();
    assert_eq!(teacher.request(json!({"op": "join"})).await.unwrap()["status"], "joined");
    assert_eq!(here.request(json!({"op": "join"})).await.unwrap()["status"], "joined");
    server.stop().await;
}

#[tokio::test]
async fn breakout_rooms_separate_media_and_a_shutdown_asks_everyone_to_rejoin() {
    let server = TestServer::start().await;
    let class = video_class(&server, 2).await;
    let mut teacher = Lesson::open(&class.teacher.0, &class).await.unwrap();
    teacher.request(json!({"op": "join"})).await.unwrap();
    let teacher_peer = MediaPeer::start().await;
    teacher.negotiate(&teacher_peer, &["camera", "audio"], &[]).await;
    let mut pupils = Vec::new();
    for (client, _) in &class.pupils {
        let mut pupil = Lesson::open(client, &class).await.unwrap();
        let joined = pupil.request(json!({"op": "join"})).await.unwrap();
        let peer = MediaPeer::start().await;
        pupil.negotiate(&peer, &["audio"], &[]).await;
        pupils.push((pupil, joined["participant"].as_u64().unwrap(), peer));
    }
    let teacher_tracks = |s: &Value| {
        s["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"] != "audio" || t["participant"] != s["me"]["participant"])
            .count()
    };
    let before =
        pupils[0].0.state_where(|s| s["tracks"].as_array().is_some_and(|t| t.len() == 3)).await;
    assert_eq!(
        teacher_tracks(&before),
        3,
        "the teacher's camera and audio and the other pupil's audio"
    );

    // Two breakout rooms, one pupil each: a pupil sees no one else's media any more.
    let (a, b) = (pupils[0].1, pupils[1].1);
    teacher.request(json!({"op": "breakout", "rooms": [[a], [b]]})).await.unwrap();
    let state = pupils[0].0.state_where(|s| s["me"]["room"] == 1).await;
    assert_eq!(state["tracks"], json!([]), "room 1 holds only this pupil: {state}");
    assert_eq!(state["lesson"]["breakout_rooms"], 2);
    let state = pupils[1].0.state_where(|s| s["me"]["room"] == 2).await;
    assert_eq!(state["tracks"], json!([]));
    // The teacher visits room 2 and meets that pupil's audio there, with a new track ID.
    teacher.request(json!({"op": "visit", "room": 2})).await.unwrap();
    let state = teacher
        .state_where(|s| {
            s["me"]["room"] == 2 && s["tracks"].as_array().is_some_and(|t| t.len() == 1)
        })
        .await;
    let moved_audio = state["tracks"][0]["id"].as_u64().unwrap();
    assert!(
        before["tracks"].as_array().unwrap().iter().all(|t| t["id"].as_u64() != Some(moved_audio)),
        "track IDs are not reused"
    );
    // Back together.
    teacher.request(json!({"op": "breakout_end"})).await.unwrap();
    pupils[0]
        .0
        .state_where(|s| {
            s["me"]["room"] == 0 && s["tracks"].as_array().is_some_and(|t| t.len() == 3)
        })
        .await;

    // The node shuts down: everyone is told to rejoin.
    let stopping = tokio::spawn(server.stop());
    assert_eq!(pupils[0].0.signal("rejoin").await["reason"], "node_draining");
    assert_eq!(teacher.signal("rejoin").await["reason"], "node_draining");
    stopping.await.unwrap();
}

#[tokio::test]
async fn a_pupil_whose_network_blocks_udp_gets_media_over_ice_tcp() {
    let server = TestServer::start().await;
    let class = video_class(&server, 1).await;
    let mut teacher = Lesson::open(&class.teacher.0, &class).await.unwrap();
    teacher.request(json!({"op": "join"})).await.unwrap();
    let teacher_peer = MediaPeer::start().await;
    let mids = teacher.negotiate(&teacher_peer, &["audio"], &[]).await;
    let audio_mid = Mid::from(mids[0].as_str());

    let mut pupil = Lesson::open(&class.pupils[0].0, &class).await.unwrap();
    pupil.request(json!({"op": "join"})).await.unwrap();
    let state = pupil.state_where(|s| s["tracks"].as_array().is_some_and(|t| t.len() == 1)).await;
    let tcp_peer = MediaPeer::start_tcp().await;
    let slot =
        pupil.negotiate(&tcp_peer, &[], &[(track(&state, "audio"), "audio")]).await[0].clone();
    tcp_peer.wait_for("connected over TCP", Duration::from_secs(20), |seen| seen.connected).await;
    for seq in 1..=300u64 {
        teacher_peer.send_opus(audio_mid, seq, 7).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        if tcp_peer.received_on(&slot) >= 10 {
            break;
        }
    }
    assert!(tcp_peer.connected(), "ICE and DTLS over TCP");
    assert!(
        tcp_peer.received_on(&slot) >= 10,
        "audio arrives over ICE-TCP: {}",
        tcp_peer.received_on(&slot)
    );
    // The teacher is the active speaker (her audio level is −20 dBov).
    let teacher_id =
        teacher.state_where(|s| s["me"]["participant"].is_u64()).await["me"]["participant"].clone();
    pupil.state_where(|s| s["lesson"]["active_speaker"] == teacher_id).await;
    server.stop().await;
}
