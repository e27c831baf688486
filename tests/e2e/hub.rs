//! The real-time hub end to end, with real WebSocket clients: class members talk, presence,
//! authorization on subscribe and publish, kicks on membership removal, logout closing the
//! socket, refused accounts and schools, resume after a reconnect, and a paused reader closed
//! with its code while the others go on.

use std::time::Duration;

use reqwest::StatusCode;
use schulhof_proto::hub::{ClientFrame, HubErrorCode, ServerFrame, Topic, binary, close_code};
use schulhof_proto::{Group, UserId};
use serde_json::json;
use testkit::hub_client::{HubClient, Incoming};
use testkit::{Client, TestServer};
use tokio_tungstenite::tungstenite::Message;

use crate::auth::create_user;

/// A school with messenger on and class 5a holding `names` (all active pupils); returns the
/// admin, the class topic and logged-in clients with their user IDs.
async fn class_with(server: &TestServer, names: &[&str]) -> (Client, Topic, Vec<(Client, UserId)>) {
    let admin = server.admin().await;
    admin.put_status("/api/modules/messenger", &json!({ "enabled": true }), StatusCode::OK).await;
    let class: Group =
        admin.post_ok("/api/groups", &json!({ "name": "5a", "kind": "class" })).await;
    let mut members = Vec::new();
    for name in names {
        let created = create_user(&admin, name, "pupil").await;
        admin
            .put_status(
                &format!("/api/groups/{}/members/{}", class.id, created.user.id),
                &json!({ "role": "member" }),
                StatusCode::NO_CONTENT,
            )
            .await;
        let client = server.login_first_time(name, &created.initial_password).await;
        members.push((client, created.user.id));
    }
    (admin, Topic::Group(class.id), members)
}

async fn hello(hub: &mut HubClient) -> UserId {
    match hub.frame().await {
        ServerFrame::Hello { protocol: 1, user_id, .. } => user_id,
        other => panic!("expected hello, got {other:?}"),
    }
}

#[tokio::test]
async fn class_members_receive_each_others_messages_and_see_who_is_online() {
    let server = TestServer::start().await;
    let (_, topic, members) = class_with(&server, &["anna.a", "ben.b"]).await;
    let (anna_id, ben_id) = (members[0].1, members[1].1);
    let mut anna = HubClient::connect(&members[0].0).await;
    let mut ben = HubClient::connect(&members[1].0).await;
    assert_eq!(hello(&mut anna).await, anna_id);
    hello(&mut ben).await;

    let ServerFrame::Subscribed { seq: 0, online: Some(online), .. } =
        anna.subscribe(&topic, None).await
    else {
        panic!()
    };
    assert_eq!(online, [anna_id]);
    let ServerFrame::Subscribed { online: Some(online), .. } = ben.subscribe(&topic, None).await
    else {
        panic!()
    };
    assert_eq!(online.len(), 2);
    assert_eq!(
        anna.frame().await,
        ServerFrame::Presence { topic: topic.clone(), joined: vec![ben_id], left: vec![] }
    );

    let id = anna.publish(&topic, json!({ "text": "Hat jemand die Hausaufgaben?" })).await;
    let ServerFrame::Message { seq: 1, from, body, .. } = ben.frame().await else { panic!() };
    assert_eq!(from, anna_id);
    assert_eq!(body["text"], "Hat jemand die Hausaufgaben?");
    // Anna gets her own message and the ack (with Redis the two may arrive in either order).
    let (first, second) = (anna.frame().await, anna.frame().await);
    let ack = ServerFrame::Ack { id, seq: Some(1), body: None };
    assert!(first == ack || second == ack, "{first:?} {second:?}");
    assert!([&first, &second].iter().any(|f| matches!(f, ServerFrame::Message { seq: 1, .. })));

    // Ben's second tab is no new presence; closing both tabs is one "left".
    let mut ben_tab2 = HubClient::connect(&members[1].0).await;
    hello(&mut ben_tab2).await;
    ben_tab2.subscribe(&topic, None).await;
    ben_tab2.close().await;
    ben.close().await;
    assert_eq!(
        anna.frame().await,
        ServerFrame::Presence { topic: topic.clone(), joined: vec![], left: vec![ben_id] }
    );
    server.stop().await;
}

#[tokio::test]
async fn non_members_are_refused_and_removed_members_are_cut_off_at_once() {
    let server = TestServer::start().await;
    let (admin, topic, members) = class_with(&server, &["anna.a", "ben.b"]).await;
    let outsider = create_user(&admin, "olaf.o", "pupil").await;
    let olaf_client = server.login_first_time("olaf.o", &outsider.initial_password).await;
    let mut olaf = HubClient::connect(&olaf_client).await;
    hello(&mut olaf).await;
    assert!(matches!(
        olaf.subscribe(&topic, None).await,
        ServerFrame::Error { code: HubErrorCode::Forbidden, .. }
    ));
    let id = olaf.publish(&topic, json!({ "text": "Spam" })).await;
    assert!(
        matches!(olaf.frame().await, ServerFrame::Error { id: got, code: HubErrorCode::NotSubscribed, .. } if got == id)
    );
    let someone_else = Topic::User(members[0].1);
    assert!(matches!(
        olaf.subscribe(&someone_else, None).await,
        ServerFrame::Error { code: HubErrorCode::Forbidden, .. }
    ));

    let mut anna = HubClient::connect(&members[0].0).await;
    let mut ben = HubClient::connect(&members[1].0).await;
    hello(&mut anna).await;
    hello(&mut ben).await;
    anna.subscribe(&topic, None).await;
    ben.subscribe(&topic, None).await;
    anna.frame().await; // presence: ben joined

    let Topic::Group(group) = &topic else { unreachable!() };
    let response = admin.delete(&format!("/api/groups/{group}/members/{}", members[1].1)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        ben.frame().await,
        ServerFrame::Unsubscribed { topic: topic.clone(), reason: "membership_removed".into() }
    );
    assert_eq!(
        anna.frame().await,
        ServerFrame::Presence { topic: topic.clone(), joined: vec![], left: vec![members[1].1] }
    );
    anna.publish(&topic, json!({ "text": "nur noch für die Klasse" })).await;
    assert!(ben.silent_for(Duration::from_millis(300)).await, "Ben gets nothing after removal");
    let id = ben.publish(&topic, json!({})).await;
    assert!(
        matches!(ben.frame().await, ServerFrame::Error { id: got, code: HubErrorCode::NotSubscribed, .. } if got == id)
    );
    assert!(matches!(
        ben.subscribe(&topic, None).await,
        ServerFrame::Error { code: HubErrorCode::Forbidden, .. }
    ));
    server.stop().await;
}

#[tokio::test]
async fn logout_and_revocation_close_open_sockets() {
    let server = TestServer::start().await;
    let (admin, topic, members) = class_with(&server, &["anna.a", "ben.b"]).await;
    let mut anna = HubClient::connect(&members[0].0).await;
    hello(&mut anna).await;
    anna.subscribe(&topic, None).await;
    assert_eq!(
        members[0].0.send::<()>(reqwest::Method::POST, "/api/auth/logout", None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(anna.closed().await, close_code::UNAUTHENTICATED);

    let mut ben = HubClient::connect(&members[1].0).await;
    hello(&mut ben).await;
    admin
        .put_status(
            &format!("/api/users/{}/status", members[1].1),
            &json!({ "status": "inactive" }),
            StatusCode::OK,
        )
        .await;
    assert_eq!(ben.closed().await, close_code::UNAUTHENTICATED);
    server.stop().await;
}

#[tokio::test]
async fn upgrades_are_refused_for_bad_sessions_origins_restricted_accounts_and_locked_schools() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    // Messenger still off: the school has no hub module.
    let mut hub = HubClient::connect(&admin).await;
    assert_eq!(hub.closed().await, close_code::MODULE_DISABLED);
    admin.put_status("/api/modules/messenger", &json!({ "enabled": true }), StatusCode::OK).await;

    // A restricted pupil (no consent) logs in but the hub refuses her.
    let pupil: schulhof_proto::CreatedUser = admin
        .post_ok("/api/users", &json!({ "login": "rita.r", "display_name": "Rita R", "role": "pupil", "birth_date": "2014-01-01" }))
        .await;
    let rita = server.login_first_time("rita.r", &pupil.initial_password).await;
    let mut hub = HubClient::connect(&rita).await;
    assert_eq!(hub.closed().await, close_code::ACCOUNT_RESTRICTED);
    // After the consent is recorded she gets in, without a new account or import.
    admin
        .post_ok::<_, serde_json::Value>(
            "/api/consents",
            &json!({ "user_ids": [pupil.user.id], "given_by": "parents", "given": true }),
        )
        .await;
    let mut hub = HubClient::connect(&rita).await;
    assert!(matches!(hub.frame().await, ServerFrame::Hello { .. }));

    // No session, a used ticket, a foreign Origin: refused before the upgrade.
    assert_eq!(HubClient::connect_with_ticket(&admin, "erfunden").await.err(), Some(401));
    let ticket: schulhof_proto::WsTicket = admin.post_ok("/api/auth/ws-ticket", &json!({})).await;
    assert!(HubClient::connect_with_ticket(&admin, &ticket.ticket).await.is_ok());
    assert_eq!(HubClient::connect_with_ticket(&admin, &ticket.ticket).await.err(), Some(401));
    let ticket: schulhof_proto::WsTicket = admin.post_ok("/api/auth/ws-ticket", &json!({})).await;
    let url = format!("ws://{}/ws?ticket={}", server.addr, ticket.ticket);
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
            .unwrap();
    request.headers_mut().insert("origin", "http://evil.example".parse().unwrap());
    assert_eq!(HubClient::connect_request(request).await.err(), Some(403));

    // Switching the module off closes open sockets of the school.
    let mut admin_hub = HubClient::connect(&admin).await;
    hello(&mut admin_hub).await;
    admin.put_status("/api/modules/messenger", &json!({ "enabled": false }), StatusCode::OK).await;
    assert_eq!(admin_hub.closed().await, close_code::MODULE_DISABLED);
    server.stop().await;
}

#[tokio::test]
async fn a_reconnecting_client_resumes_where_it_left_off() {
    let server = TestServer::start().await;
    let (_, topic, members) = class_with(&server, &["anna.a", "ben.b"]).await;
    let mut anna = HubClient::connect(&members[0].0).await;
    hello(&mut anna).await;
    anna.subscribe(&topic, None).await;
    let mut ben = HubClient::connect(&members[1].0).await;
    hello(&mut ben).await;
    ben.subscribe(&topic, None).await;
    anna.frame().await; // ben joined
    anna.publish(&topic, json!({ "n": 1 })).await;
    let ServerFrame::Message { seq: last_seen, .. } = ben.frame().await else { panic!() };
    ben.close().await;
    for n in 2..=4 {
        anna.publish(&topic, json!({ "n": n })).await;
    }
    // Once Anna sees message 4, every node holds it.
    loop {
        if let ServerFrame::Message { seq: 4, .. } = anna.frame().await {
            break;
        }
    }
    let mut ben = HubClient::connect(&members[1].0).await;
    hello(&mut ben).await;
    assert!(matches!(
        ben.subscribe(&topic, Some(last_seen)).await,
        ServerFrame::Subscribed { seq: 4, .. }
    ));
    for n in 2..=4 {
        let ServerFrame::Message { body, seq, .. } = ben.frame().await else { panic!() };
        assert_eq!((body["n"].as_u64(), seq), (Some(n), n));
    }
    server.stop().await;
}

#[tokio::test]
async fn a_paused_reader_is_closed_with_its_code_while_the_others_get_everything() {
    let server = TestServer::start_with(|config| {
        config.hub.publish_per_second = 100_000;
        config.hub.publish_burst = 100_000;
        // A short queue makes Ben overflow quickly (the default is 256 frames).
        config.hub.outgoing_queue = 16;
    })
    .await;
    let (_, topic, members) = class_with(&server, &["anna.a", "ben.b", "cem.c"]).await;
    let mut hubs = Vec::new();
    for (client, _) in &members {
        let mut hub = HubClient::connect(client).await;
        hello(&mut hub).await;
        hub.subscribe(&topic, None).await;
        hubs.push(hub);
    }
    let mut cem = hubs.pop().unwrap();
    let mut ben = hubs.pop().unwrap(); // Ben pauses: he never reads.
    let mut anna = hubs.pop().unwrap();
    // Anna sees Ben and Cem join (Cem joined last and has nothing pending).
    anna.frame().await;
    anna.frame().await;

    let filler = "x".repeat(60_000);
    // 400 × 60 KB is well beyond what the kernel buffers and the 16-frame queue can absorb.
    let total = 400u64;
    let reader = tokio::spawn(async move {
        let mut seqs = Vec::new();
        while seqs.len() < total as usize {
            match cem.frame().await {
                ServerFrame::Message { seq, .. } => seqs.push(seq),
                ServerFrame::Presence { .. } => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        seqs
    });
    for n in 0..total {
        anna.publish(&topic, json!({ "n": n, "fill": filler })).await;
        // Anna reads her own echo and ack, so she is not the slow one.
        loop {
            if let ServerFrame::Ack { .. } = anna.frame().await {
                break;
            }
        }
    }
    let seqs = reader.await.unwrap();
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>(), "Cem got every message, in order");
    // He reads what was already in flight, then the close frame.
    assert_eq!(
        ben.closed().await,
        close_code::SLOW_CONSUMER,
        "Ben was closed with 4408, not skipped"
    );

    // Ben resumes: a resync, since more was missed than the history keeps.
    let mut ben = HubClient::connect(&members[1].0).await;
    hello(&mut ben).await;
    ben.subscribe(&topic, Some(1)).await;
    assert_eq!(ben.frame().await, ServerFrame::Resync { topic: topic.clone(), seq: total });
    server.stop().await;
}

#[tokio::test]
async fn oversized_and_garbage_frames_get_their_codes() {
    let server = TestServer::start().await;
    let (_, _, members) = class_with(&server, &["anna.a"]).await;
    let mut hub = HubClient::connect(&members[0].0).await;
    hello(&mut hub).await;
    hub.send_raw(Message::Text("{\"type\":\"subscribe\",\"id\":5}".into())).await;
    assert!(matches!(
        hub.frame().await,
        ServerFrame::Error { id: 5, code: HubErrorCode::BadFrame, .. }
    ));
    hub.send(&ClientFrame::Ping { id: 6 }).await;
    assert_eq!(hub.frame().await, ServerFrame::Pong { id: 6 });
    hub.send_raw(Message::Text("y".repeat(70 * 1024).into())).await;
    assert_eq!(hub.closed().await, close_code::MESSAGE_TOO_BIG);

    let mut hub = HubClient::connect(&members[0].0).await;
    hello(&mut hub).await;
    hub.send_raw(Message::Binary(vec![0, 0, 0, 7, 0, 99, b'x'].into())).await;
    assert!(matches!(hub.frame().await, ServerFrame::Error { code: HubErrorCode::BadFrame, .. }));
    hub.send_raw(Message::Binary(vec![0; 70 * 1024].into())).await;
    assert_eq!(hub.closed().await, close_code::MESSAGE_TOO_BIG);

    // At most 20 connections per user.
    let mut open = Vec::new();
    for _ in 0..20 {
        let mut hub = HubClient::connect(&members[0].0).await;
        hello(&mut hub).await;
        open.push(hub);
    }
    let mut extra = HubClient::connect(&members[0].0).await;
    assert_eq!(extra.closed().await, close_code::TOO_MANY_CONNECTIONS);
    server.stop().await;
}

#[tokio::test]
async fn a_client_lost_without_closing_times_out_and_leaves_presence() {
    let server = TestServer::start_with(|config| {
        config.hub.heartbeat_ms = 200;
        config.hub.silence_timeout_ms = 1_000;
    })
    .await;
    let (_, topic, members) = class_with(&server, &["anna.a", "ben.b"]).await;
    let mut anna = HubClient::connect(&members[0].0).await;
    hello(&mut anna).await;
    anna.subscribe(&topic, None).await;
    let mut ben = HubClient::connect(&members[1].0).await;
    hello(&mut ben).await;
    ben.subscribe(&topic, None).await;
    assert!(matches!(anna.frame().await, ServerFrame::Presence { .. }));
    // Ben's network goes silent: his client neither reads nor answers pings. Anna keeps
    // answering (reading makes her client pong), so only Ben is dropped.
    let started = std::time::Instant::now();
    let left = anna.frame().await;
    assert_eq!(
        left,
        ServerFrame::Presence { topic: topic.clone(), joined: vec![], left: vec![members[1].1] }
    );
    assert!(started.elapsed() < Duration::from_secs(5), "after {:?}", started.elapsed());
    // The server closed with 4000; a client that really lost its network never reads that frame,
    // so Ben's client may see the close code or just the end of the connection.
    let code = ben.closed().await;
    assert!(code == close_code::HEARTBEAT_TIMEOUT || code == 1006, "closed with {code}");
    server.stop().await;
}

#[tokio::test]
async fn binary_payloads_travel_in_binary_frames_with_the_topics_numbering() {
    let server = TestServer::start().await;
    let (_, topic, members) = class_with(&server, &["anna.a", "ben.b"]).await;
    let mut anna = HubClient::connect(&members[0].0).await;
    let mut ben = HubClient::connect(&members[1].0).await;
    hello(&mut anna).await;
    hello(&mut ben).await;
    anna.subscribe(&topic, None).await;
    ben.subscribe(&topic, None).await;
    anna.frame().await; // Ben joined

    anna.publish(&topic, json!({ "text": "gleich kommt ein Bild" })).await;
    let picture: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let id = anna.publish_binary(&topic, &picture).await;
    assert!(matches!(ben.frame().await, ServerFrame::Message { seq: 1, .. }));
    let Incoming::Binary(bytes) = ben.next_any().await.unwrap() else { panic!("expected binary") };
    let (seq, got_topic, from, payload) = binary::decode_message(&bytes).unwrap();
    assert_eq!((seq, &got_topic, from, payload), (2, &topic, members[0].1, &picture[..]));
    let mut acked = false;
    // Anna's own text message, its ack, her binary message, then this ack.
    for _ in 0..4 {
        if anna.next_any().await.unwrap()
            == Incoming::Frame(ServerFrame::Ack { id, seq: Some(2), body: None })
        {
            acked = true;
            break;
        }
    }
    assert!(acked, "the binary publish is acknowledged with its sequence number");

    // A reconnecting client gets the binary message replayed too.
    ben.close().await;
    let mut ben = HubClient::connect(&members[1].0).await;
    hello(&mut ben).await;
    assert!(matches!(ben.subscribe(&topic, Some(1)).await, ServerFrame::Subscribed { seq: 2, .. }));
    let Incoming::Binary(bytes) = ben.next_any().await.unwrap() else { panic!("expected binary") };
    assert_eq!(binary::decode_message(&bytes).unwrap().3, &picture[..]);
    server.stop().await;
}
