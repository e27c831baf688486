//! The messenger end to end: class rooms that follow their group, live delivery over the hub,
//! replies, edits, deletions, reactions, mentions, read markers across devices, muting, direct
//! chats and the school's rules, search, paging under concurrent sending, a restart between send
//! and read, and everything a non-member, another school or a restricted pupil must not get.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use schulhof_proto::hub::{HubErrorCode, ServerFrame, Topic};
use schulhof_proto::{
    ErrorCode, Group, Message, MessagePage, ReadState, RoomDetail, RoomKind, UserId,
};
use serde_json::{Value, json};
use testkit::hub_client::HubClient;
use testkit::{Client, TestServer, expect_error, json_ok};

use crate::auth::create_user;

/// A school with messenger and polls on and class 5a: a teacher and some pupils.
pub struct Class {
    pub admin: Client,
    pub group: Group,
    pub teacher: (Client, UserId),
    pub pupils: Vec<(Client, UserId)>,
}

/// Adds a user of `role` to the group as `member`, logged in with their own password.
pub async fn join(
    server: &TestServer,
    admin: &Client,
    group: &Group,
    login: &str,
    role: &str,
) -> (Client, UserId) {
    let created = create_user(admin, login, role).await;
    admin
        .put_status(
            &format!("/api/groups/{}/members/{}", group.id, created.user.id),
            &json!({ "role": "member" }),
            StatusCode::NO_CONTENT,
        )
        .await;
    (server.login_first_time(login, &created.initial_password).await, created.user.id)
}

pub async fn class_of(server: &TestServer, pupils: usize) -> Class {
    let admin = server.admin().await;
    for module in ["messenger", "polls"] {
        admin
            .put_status(
                &format!("/api/modules/{module}"),
                &json!({ "enabled": true }),
                StatusCode::OK,
            )
            .await;
    }
    let group: Group =
        admin.post_ok("/api/groups", &json!({ "name": "5a", "kind": "class" })).await;
    let teacher = join(server, &admin, &group, "frau.lehmann", "teacher").await;
    let mut members = Vec::new();
    for i in 0..pupils {
        members.push(join(server, &admin, &group, &format!("kind.{i:02}"), "pupil").await);
    }
    Class { admin, group, teacher, pupils: members }
}

pub async fn hub_of(client: &Client) -> HubClient {
    let mut hub = HubClient::connect(client).await;
    assert!(matches!(hub.frame().await, ServerFrame::Hello { .. }));
    hub
}

async fn send(client: &Client, room: impl std::fmt::Display, text: &str) -> Message {
    client.post_ok(&format!("/api/chat/rooms/{room}/messages"), &json!({ "text": text })).await
}

/// The next `message` frame's body (skipping other frames, e.g. acks and presence).
async fn next_event(hub: &mut HubClient) -> Value {
    loop {
        if let ServerFrame::Message { body, .. } = hub.frame().await {
            return body;
        }
    }
}

#[tokio::test]
async fn class_room_follows_its_group_and_delivers_live() {
    let server = TestServer::start().await;
    let class = of_two(&server).await;
    let (teacher, anna, ben) = (&class.teacher.0, &class.pupils[0].0, &class.pupils[1].0);
    let room = class.group.id;

    let rooms: Value = anna.get_ok("/api/chat/rooms").await;
    let listed = &rooms["rooms"][0];
    assert_eq!(listed["id"], json!(room), "the class room has the group's ID");
    assert_eq!(listed["kind"], "class");
    assert_eq!(listed["title"], "5a");
    assert_eq!(listed["member_count"], 3);
    assert_eq!(listed["moderator"], false);

    let mut ben_hub = hub_of(ben).await;
    let topic = Topic::Chat(room.to_string());
    assert!(matches!(ben_hub.subscribe(&topic, None).await, ServerFrame::Subscribed { .. }));
    let mut ben_own = hub_of(ben).await;
    ben_own.subscribe(&Topic::User(class.pupils[1].1), None).await;

    let sent = send(teacher, room, "Morgen Test! @kind.01 bitte Heft mitbringen").await;
    assert_eq!(sent.seq, 1);
    assert_eq!(sent.mentions, [class.pupils[1].1]);
    let event = next_event(&mut ben_hub).await;
    assert_eq!(event["event"], "message");
    assert_eq!(event["message"]["text"], "Morgen Test! @kind.01 bitte Heft mitbringen");
    assert_eq!(event["message"]["sender_name"], "frau.lehmann Muster");
    let mention = next_event(&mut ben_own).await;
    assert_eq!(mention, json!({ "event": "mention", "room": room, "message": sent.id }));

    // Unread counts and read markers, shared by Ben's devices.
    let rooms: Value = ben.get_ok("/api/chat/rooms").await;
    assert_eq!(rooms["rooms"][0]["unread"], 1);
    let read: ReadState = json_ok(
        ben.send(Method::PUT, &format!("/api/chat/rooms/{room}/read"), Some(&json!({ "seq": 1 })))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((read.read_seq, read.unread), (1, 0));
    assert_eq!(next_event(&mut ben_own).await, json!({ "event": "read", "room": room, "seq": 1 }));
    let rooms: Value = anna.get_ok("/api/chat/rooms").await;
    assert_eq!(rooms["rooms"][0]["unread"], 1, "Anna has not read it");

    // A pupil who joins the class later sees the room and its history.
    let carla = join(&server, &class.admin, &class.group, "kind.carla", "pupil").await;
    let page: MessagePage = carla.0.get_ok(&format!("/api/chat/rooms/{room}/messages")).await;
    assert_eq!(page.messages.len(), 1);
    // Leaving the class takes the room away at once, the live subscription too.
    let mut carla_hub = hub_of(&carla.0).await;
    carla_hub.subscribe(&topic, None).await;
    let removed =
        class.admin.delete(&format!("/api/groups/{}/members/{}", class.group.id, carla.1)).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert!(matches!(carla_hub.frame().await, ServerFrame::Unsubscribed { .. }));
    expect_error(
        carla.0.get(&format!("/api/chat/rooms/{room}/messages")).await,
        ErrorCode::NotFound,
    )
    .await;
    server.stop().await;
}

async fn of_two(server: &TestServer) -> Class {
    class_of(server, 2).await
}

#[tokio::test]
async fn replies_edits_deletions_and_reactions() {
    let server = TestServer::start().await;
    let class = of_two(&server).await;
    let (teacher, anna) = (&class.teacher.0, &class.pupils[0].0);
    let room = class.group.id;
    let question = send(anna, room, "Welche Seite?").await;
    let answer: Message = teacher
        .post_ok(
            &format!("/api/chat/rooms/{room}/messages"),
            &json!({ "text": "Seite 42", "reply_to": question.id }),
        )
        .await;
    let reply = answer.reply_to.clone().expect("reply preview");
    assert_eq!((reply.id, reply.text.as_str()), (question.id, "Welche Seite?"));

    let edited: Message = json_ok(
        anna.send(
            Method::PATCH,
            &format!("/api/chat/messages/{}", question.id),
            Some(&json!({ "text": "Welche Seite im Buch?" })),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(edited.edited_at.is_some());
    assert_eq!(edited.text, "Welche Seite im Buch?");
    let not_hers = anna
        .send(
            Method::PATCH,
            &format!("/api/chat/messages/{}", answer.id),
            Some(&json!({ "text": "x" })),
        )
        .await;
    expect_error(not_hers, ErrorCode::Forbidden).await;
    expect_error(
        anna.delete(&format!("/api/chat/messages/{}", answer.id)).await,
        ErrorCode::NotModerator,
    )
    .await;

    let reacted: Message = anna
        .post_ok(
            &format!("/api/chat/messages/{}/reactions", answer.id),
            &json!({ "emoji": "👍", "on": true }),
        )
        .await;
    assert_eq!(reacted.reactions.len(), 1);
    assert_eq!(reacted.reactions[0].users, [class.pupils[0].1]);
    let bad = anna
        .send(
            Method::POST,
            &format!("/api/chat/messages/{}/reactions", answer.id),
            Some(&json!({ "emoji": "lol", "on": true })),
        )
        .await;
    assert_eq!(
        expect_error(bad, ErrorCode::ValidationFailed).await.field.as_deref(),
        Some("emoji")
    );

    // The teacher moderates: deletes Anna's message, which stays as a tombstone.
    let deleted: Message = json_ok(
        teacher.delete(&format!("/api/chat/messages/{}", question.id)).await,
        StatusCode::OK,
    )
    .await;
    assert!(deleted.deleted);
    assert_eq!(deleted.text, "");
    let page: MessagePage = anna.get_ok(&format!("/api/chat/rooms/{room}/messages")).await;
    assert_eq!(page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), [2, 1]);
    assert!(page.messages[1].deleted);
    assert_eq!(page.messages[0].reply_to.as_ref().map(|r| r.text.as_str()), Some(""));

    // Text limits: 4,000 characters, not empty.
    let long = "a".repeat(4001);
    let too_long = anna
        .send(
            Method::POST,
            &format!("/api/chat/rooms/{room}/messages"),
            Some(&json!({ "text": long })),
        )
        .await;
    let body = expect_error(too_long, ErrorCode::ValidationFailed).await;
    assert_eq!(body.field.as_deref(), Some("text"));
    assert!(body.message_de.contains("4.000"));
    let empty = anna
        .send(
            Method::POST,
            &format!("/api/chat/rooms/{room}/messages"),
            Some(&json!({ "text": "  " })),
        )
        .await;
    expect_error(empty, ErrorCode::ValidationFailed).await;
    send(anna, room, &"ä".repeat(4000)).await;

    // Flooding is refused with 429 (5 writes per second, bursts of 20).
    let mut refused = None;
    for i in 0..30 {
        let path = format!("/api/chat/rooms/{room}/messages");
        let response =
            anna.send(Method::POST, &path, Some(&json!({ "text": format!("spam {i}") }))).await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(expect_error(response, ErrorCode::RateLimited).await);
            break;
        }
    }
    assert!(refused.expect("a flood is refused").message_de.contains("Zu viele"));
    server.stop().await;
}

#[tokio::test]
async fn a_muted_room_refuses_pupils_with_a_clear_error() {
    let server = TestServer::start().await;
    let class = of_two(&server).await;
    let (teacher, anna) = (&class.teacher.0, &class.pupils[0].0);
    let room = class.group.id;
    let topic = Topic::Chat(room.to_string());
    let mut anna_hub = hub_of(anna).await;
    anna_hub.subscribe(&topic, None).await;

    let by_pupil = anna
        .send(
            Method::PUT,
            &format!("/api/chat/rooms/{room}/muted"),
            Some(&json!({ "muted": true })),
        )
        .await;
    expect_error(by_pupil, ErrorCode::NotModerator).await;
    teacher
        .put_status(
            &format!("/api/chat/rooms/{room}/muted"),
            &json!({ "muted": true }),
            StatusCode::OK,
        )
        .await;
    let event = next_event(&mut anna_hub).await;
    assert_eq!(event["event"], "room");
    assert_eq!(event["room"]["muted"], true);

    let refused = anna
        .send(
            Method::POST,
            &format!("/api/chat/rooms/{room}/messages"),
            Some(&json!({ "text": "Hallo?" })),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body = expect_error(refused, ErrorCode::RoomMuted).await;
    assert!(body.message_de.contains("stummgeschaltet"), "{}", body.message_de);
    let typing = anna_hub.publish(&topic, json!({ "event": "typing" })).await;
    assert!(
        matches!(anna_hub.frame().await, ServerFrame::Error { id, code: HubErrorCode::RoomMuted, .. } if id == typing)
    );
    let rooms: Value = anna.get_ok("/api/chat/rooms").await;
    assert_eq!(
        (rooms["rooms"][0]["muted"].clone(), rooms["rooms"][0]["can_write"].clone()),
        (json!(true), json!(false))
    );

    let lesson = send(teacher, room, "Jetzt bitte zuhören.").await;
    assert_eq!(lesson.seq, 1, "nothing of Anna's was stored");
    teacher
        .put_status(
            &format!("/api/chat/rooms/{room}/muted"),
            &json!({ "muted": false }),
            StatusCode::OK,
        )
        .await;
    send(anna, room, "Danke!").await;
    // Typing notices: only the exact notice, delivered to the room.
    let id = anna_hub.publish(&topic, json!({ "text": "sneaky" })).await;
    loop {
        match anna_hub.frame().await {
            ServerFrame::Error { id: got, code, .. } if got == id => {
                assert_eq!(code, HubErrorCode::BadFrame);
                break;
            }
            _ => {}
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn paging_has_no_gaps_or_duplicates_while_the_class_sends() {
    let server = TestServer::start().await;
    let class = class_of(&server, 4).await;
    let room = class.group.id;
    let mut senders = Vec::new();
    for (pupil, _) in class.pupils.clone() {
        senders.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..15 {
                let message: Message = send(&pupil, room, &format!("Nachricht {i}")).await;
                ids.push(message.id);
            }
            ids
        }));
    }
    // Page backwards while the others keep sending.
    let reader = &class.teacher.0;
    let mut seen = Vec::new();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut path = format!("/api/chat/rooms/{room}/messages?limit=7");
    loop {
        let page: MessagePage = reader.get_ok(&path).await;
        seen.extend(page.messages.iter().map(|m| m.seq));
        let Some(last) = page.messages.last() else { break };
        if !page.has_more {
            break;
        }
        path = format!("/api/chat/rooms/{room}/messages?limit=7&before={}", last.seq);
    }
    let top = seen.first().copied().unwrap_or(0);
    assert_eq!(seen, (1..=top).rev().collect::<Vec<_>>(), "newest first, no gaps or duplicates");

    let mut acknowledged = BTreeSet::new();
    for sender in senders {
        acknowledged.extend(sender.await.unwrap());
    }
    // Catch up forwards from what was seen: together, every acknowledged message exactly once.
    let mut all: Vec<Message> = Vec::new();
    let mut after = 0;
    loop {
        let page: MessagePage =
            reader.get_ok(&format!("/api/chat/rooms/{room}/messages?after={after}&limit=9")).await;
        after = page.messages.last().map_or(after, |m| m.seq);
        all.extend(page.messages);
        if !page.has_more {
            break;
        }
    }
    assert_eq!(all.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=60).collect::<Vec<_>>());
    assert_eq!(all.iter().map(|m| m.id).collect::<BTreeSet<_>>(), acknowledged);
    server.stop().await;
}

#[tokio::test]
async fn acknowledged_messages_survive_a_restart() {
    let mut server = TestServer::start().await;
    let class = of_two(&server).await;
    let room = class.group.id;
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        acknowledged
            .push(send(&class.pupils[i % 2].0, room, &format!("vor dem Neustart {i}")).await.id);
    }
    server.restart().await;
    let page: MessagePage =
        class.teacher.0.get_ok(&format!("/api/chat/rooms/{room}/messages?after=0&limit=100")).await;
    assert_eq!(page.messages.iter().map(|m| m.id).collect::<Vec<_>>(), acknowledged);
    // Live delivery works again after the restart, numbering goes on.
    let mut hub = hub_of(&class.pupils[0].0).await;
    hub.subscribe(&Topic::Chat(room.to_string()), None).await;
    let next = send(&class.teacher.0, room, "wieder da").await;
    assert_eq!(next.seq, 21);
    assert_eq!(next_event(&mut hub).await["message"]["seq"], 21);
    server.stop().await;
}

#[tokio::test]
async fn direct_chats_group_rooms_and_the_schools_rules() {
    let server = TestServer::start().await;
    let class = of_two(&server).await;
    let (teacher, anna) = (&class.teacher, &class.pupils[0]);
    let ben = &class.pupils[1];

    let first =
        anna.0.send(Method::POST, "/api/chat/direct", Some(&json!({ "user_id": teacher.1 }))).await;
    let room: RoomDetail = json_ok(first, StatusCode::CREATED).await;
    assert_eq!(room.room.kind, RoomKind::Direct);
    assert_eq!(room.room.title, "frau.lehmann Muster");
    let again =
        anna.0.send(Method::POST, "/api/chat/direct", Some(&json!({ "user_id": teacher.1 }))).await;
    let again: RoomDetail = json_ok(again, StatusCode::OK).await;
    assert_eq!(again.room.id, room.room.id, "one room per pair");
    let teachers: RoomDetail =
        teacher.0.post_ok("/api/chat/direct", &json!({ "user_id": anna.1 })).await;
    assert_eq!(teachers.room.id, room.room.id);

    // Pupil-to-pupil direct chats: allowed by default, the school can switch them off.
    anna.0.post_ok::<_, RoomDetail>("/api/chat/direct", &json!({ "user_id": ben.1 })).await;
    class
        .admin
        .put_status("/api/chat/settings", &json!({ "pupil_direct_chats": false }), StatusCode::OK)
        .await;
    let carla = join(&server, &class.admin, &class.group, "kind.carla", "pupil").await;
    let refused =
        carla.0.send(Method::POST, "/api/chat/direct", Some(&json!({ "user_id": ben.1 }))).await;
    expect_error(refused, ErrorCode::DirectChatNotAllowed).await;
    let contacts: Value = carla.0.get_ok("/api/chat/contacts?q=muster").await;
    let offered: Vec<&str> =
        contacts["users"].as_array().unwrap().iter().map(|u| u["role"].as_str().unwrap()).collect();
    assert!(!offered.is_empty() && !offered.contains(&"pupil"), "{offered:?}");
    let by_pupil = carla
        .0
        .send(Method::PUT, "/api/chat/settings", Some(&json!({ "pupil_direct_chats": true })))
        .await;
    assert_eq!(by_pupil.status(), StatusCode::FORBIDDEN);

    // Another school's users do not exist for this school.
    let (other, other_admin) = server.add_school("Realschule Nord").await;
    let other_client = server.client();
    let login = other_client.login(&other_admin, testkit::ADMIN_PASSWORD, Some(&other.slug)).await;
    let me: schulhof_proto::Me = json_ok(login, StatusCode::OK).await;
    let foreign = me.user.id;
    expect_error(
        anna.0.send(Method::POST, "/api/chat/direct", Some(&json!({ "user_id": foreign }))).await,
        ErrorCode::NotFound,
    )
    .await;

    // Group rooms: teachers make them and choose members; pupils may not.
    let by_anna = anna
        .0
        .send(Method::POST, "/api/chat/rooms", Some(&json!({ "title": "AG", "member_ids": [] })))
        .await;
    expect_error(by_anna, ErrorCode::Forbidden).await;
    let ag: RoomDetail = teacher
        .0
        .post_ok(
            "/api/chat/rooms",
            &json!({ "title": "Theater-AG", "member_ids": [anna.1, ben.1] }),
        )
        .await;
    assert_eq!(ag.members.len(), 3);
    assert!(ag.room.moderator);
    let gone = teacher.0.delete(&format!("/api/chat/rooms/{}/members/{}", ag.room.id, ben.1)).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    expect_error(ben.0.get(&format!("/api/chat/rooms/{}", ag.room.id)).await, ErrorCode::NotFound)
        .await;
    let class_room =
        teacher.0.delete(&format!("/api/chat/rooms/{}/members/{}", class.group.id, ben.1)).await;
    expect_error(class_room, ErrorCode::RoomManagedByGroup).await;

    // Search within my rooms only.
    send(&teacher.0, ag.room.id, "Probe am Donnerstag").await;
    let hits: Value = anna.0.get_ok("/api/chat/search?q=donnerstag").await;
    assert_eq!(hits["results"][0]["room_title"], "Theater-AG");
    let none: Value = ben.0.get_ok("/api/chat/search?q=donnerstag").await;
    assert_eq!(none["results"], json!([]));
    send(&anna.0, room.room.id, "Frage zur Note").await;
    let hits: Value = teacher.0.get_ok("/api/chat/search?q=zur%20note").await;
    assert_eq!(
        hits["results"][0]["room_title"], "kind.00 Muster",
        "direct chats: the other person"
    );
    let short = anna.0.get("/api/chat/search?q=a").await;
    assert_eq!(expect_error(short, ErrorCode::ValidationFailed).await.field.as_deref(), Some("q"));
    server.stop().await;
}

#[tokio::test]
async fn non_members_restricted_pupils_and_switched_off_schools_get_nothing() {
    let server = TestServer::start().await;
    let class = of_two(&server).await;
    let room = class.group.id;
    send(&class.teacher.0, room, "nur für 5a").await;
    let olaf = create_user(&class.admin, "olaf.o", "pupil").await;
    let olaf = server.login_first_time("olaf.o", &olaf.initial_password).await;
    let rooms: Value = olaf.get_ok("/api/chat/rooms").await;
    assert_eq!(rooms["rooms"], json!([]));
    expect_error(olaf.get(&format!("/api/chat/rooms/{room}")).await, ErrorCode::NotFound).await;
    expect_error(olaf.get(&format!("/api/chat/rooms/{room}/messages")).await, ErrorCode::NotFound)
        .await;
    let post = olaf
        .send(
            Method::POST,
            &format!("/api/chat/rooms/{room}/messages"),
            Some(&json!({ "text": "hi" })),
        )
        .await;
    expect_error(post, ErrorCode::NotFound).await;
    let mut hub = hub_of(&olaf).await;
    assert!(matches!(
        hub.subscribe(&Topic::Chat(room.to_string()), None).await,
        ServerFrame::Error { code: HubErrorCode::Forbidden, .. }
    ));
    let hits: Value = olaf.get_ok("/api/chat/search?q=5a").await;
    assert_eq!(hits["results"], json!([]));

    // A restricted pupil (no consent) is refused by every messenger route.
    let rita: schulhof_proto::CreatedUser = class
        .admin
        .post_ok("/api/users", &json!({ "login": "rita.r", "display_name": "Rita R", "role": "pupil", "birth_date": "2014-01-01" }))
        .await;
    let rita = server.login_first_time("rita.r", &rita.initial_password).await;
    expect_error(rita.get("/api/chat/rooms").await, ErrorCode::AccountRestricted).await;

    // Messenger switched off: the routes and the chat topics are closed.
    class
        .admin
        .put_status("/api/modules/messenger", &json!({ "enabled": false }), StatusCode::OK)
        .await;
    expect_error(class.teacher.0.get("/api/chat/rooms").await, ErrorCode::ModuleDisabled).await;
    let mut hub = hub_of(&class.teacher.0).await;
    assert!(matches!(
        hub.subscribe(&Topic::Chat(room.to_string()), None).await,
        ServerFrame::Error { code: HubErrorCode::ModuleDisabled, .. }
    ));
    server.stop().await;
}
