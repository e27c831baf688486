//! The messenger and quick polls on two nodes linked through Redis (one in this process, one as a
//! separate process): a message sent through one node reaches subscribers on the other, and a
//! class voting through both nodes ends with the exact tally on both.

use reqwest::StatusCode;
use schulhof_proto::Poll;
use schulhof_proto::hub::{ServerFrame, Topic};
use serde_json::{Value, json};
use testkit::hub_client::HubClient;
use testkit::node::NodeProcess;
use testkit::{Client, TestServer, USER_PASSWORD};

use crate::messenger::{class_of, hub_of};

async fn on_node(server: &TestServer, node: &NodeProcess, login: &str) -> Client {
    let client = server.client_for(&node.base);
    assert_eq!(client.login(login, USER_PASSWORD, None).await.status(), StatusCode::OK);
    client
}

async fn event(hub: &mut HubClient, name: &str) -> Value {
    loop {
        if let ServerFrame::Message { body, .. } = hub.frame().await
            && body["event"] == name
        {
            return body;
        }
    }
}

#[tokio::test]
async fn chat_and_votes_cross_nodes_with_exact_tallies() {
    let redis = testkit::redis_url();
    let server = TestServer::start_with(|config| config.redis_url = Some(redis)).await;
    let node = NodeProcess::start(&server.config).await;
    let class = class_of(&server, 6).await;
    let room = class.group.id;
    let topic = Topic::Chat(room.to_string());

    // The teacher writes through the other node; pupils listen on this one.
    let teacher_there = on_node(&server, &node, "frau.lehmann").await;
    let mut listener = hub_of(&class.pupils[0].0).await;
    listener.subscribe(&topic, None).await;
    let sent: Value = teacher_there
        .post_ok(&format!("/api/chat/rooms/{room}/messages"), &json!({ "text": "Über Knoten B" }))
        .await;
    let delivered = event(&mut listener, "message").await;
    assert_eq!(delivered["message"]["id"], sent["id"]);

    // A poll; half the class votes through each node, over the hub.
    let poll: Poll = teacher_there
        .post_ok(
            "/api/polls",
            &json!({ "group_id": room, "question": "Ja?", "options": ["ja", "nein"], "open": true }),
        )
        .await;
    let poll_topic = Topic::Poll(poll.id.to_string());
    let mut watcher_here = hub_of(&class.teacher.0).await;
    watcher_here.subscribe(&poll_topic, None).await;
    let mut watcher_there = hub_of(&teacher_there).await;
    watcher_there.subscribe(&poll_topic, None).await;
    for (i, (pupil, _)) in class.pupils.iter().enumerate() {
        let client = if i % 2 == 0 {
            pupil.clone()
        } else {
            on_node(&server, &node, &format!("kind.{i:02}")).await
        };
        let mut hub = hub_of(&client).await;
        hub.subscribe(&poll_topic, None).await;
        let id = hub.publish(&poll_topic, json!({ "vote": [u8::from(i < 4)] })).await;
        loop {
            match hub.frame().await {
                ServerFrame::Ack { id: got, .. } if got == id => break,
                ServerFrame::Error { id: got, code, .. } if got == id => panic!("{code:?}"),
                _ => {}
            }
        }
    }
    let closed: Poll =
        teacher_there.post_ok(&format!("/api/polls/{}/close", poll.id), &json!({})).await;
    assert_eq!(closed.results.unwrap().counts, [2, 4]);
    for watcher in [&mut watcher_here, &mut watcher_there] {
        let state = event(watcher, "state").await;
        assert_eq!(state["results"]["counts"], json!([2, 4]));
    }
    node.crash().await;
    server.stop().await;
}
