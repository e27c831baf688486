//! Several nodes as one platform through Redis: a node in this process and one as a separate
//! process share topics (cross-node delivery with one numbering), presence and access changes;
//! when the process is killed, its users leave presence within the TTL.

use reqwest::StatusCode;
use schulhof_proto::Group;
use schulhof_proto::hub::{ServerFrame, Topic};
use serde_json::json;
use testkit::hub_client::HubClient;
use testkit::node::NodeProcess;
use testkit::{TestServer, USER_PASSWORD};

use crate::auth::create_user;

#[tokio::test]
async fn two_nodes_share_topics_and_presence_and_forget_a_crashed_node() {
    let redis = testkit::redis_url();
    let server = TestServer::start_with(|config| {
        config.redis_url = Some(redis);
        config.presence_ttl_seconds = 2;
    })
    .await;
    let node_a = NodeProcess::start(&server.config).await;

    let admin = server.admin().await;
    admin.put_status("/api/modules/messenger", &json!({ "enabled": true }), StatusCode::OK).await;
    let class: Group =
        admin.post_ok("/api/groups", &json!({ "name": "7b", "kind": "class" })).await;
    let topic = Topic::Group(class.id);
    let mut ids = Vec::new();
    for name in ["anna.a", "ben.b"] {
        let created = create_user(&admin, name, "pupil").await;
        let path = format!("/api/groups/{}/members/{}", class.id, created.user.id);
        admin.put_status(&path, &json!({ "role": "member" }), StatusCode::NO_CONTENT).await;
        server.login_first_time(name, &created.initial_password).await;
        ids.push(created.user.id);
    }
    let (anna_id, ben_id) = (ids[0], ids[1]);

    // Ben on this node, Anna on the other process.
    let ben_http = server.login("ben.b", USER_PASSWORD).await;
    let anna_http = server.client_for(&node_a.base);
    assert_eq!(anna_http.login("anna.a", USER_PASSWORD, None).await.status(), StatusCode::OK);
    let mut ben = HubClient::connect(&ben_http).await;
    let mut anna = HubClient::connect(&anna_http).await;
    assert!(matches!(ben.frame().await, ServerFrame::Hello { .. }));
    assert!(matches!(anna.frame().await, ServerFrame::Hello { .. }));
    let ServerFrame::Subscribed { online: Some(online), .. } = ben.subscribe(&topic, None).await
    else {
        panic!()
    };
    assert_eq!(online, [ben_id]);
    let ServerFrame::Subscribed { online: Some(online), .. } = anna.subscribe(&topic, None).await
    else {
        panic!()
    };
    assert_eq!(online.len(), 2, "Anna sees Ben, who is on the other node");
    assert_eq!(
        ben.frame().await,
        ServerFrame::Presence { topic: topic.clone(), joined: vec![anna_id], left: vec![] }
    );

    // Cross-node delivery, one numbering for the topic.
    anna.publish(&topic, json!({ "text": "von Knoten A" })).await;
    let ServerFrame::Message { seq: 1, from, body, .. } = ben.frame().await else { panic!() };
    assert_eq!((from, body["text"].as_str()), (anna_id, Some("von Knoten A")));
    ben.publish(&topic, json!({ "text": "von Knoten B" })).await;
    let mut anna_saw = Vec::new();
    while anna_saw.len() < 3 {
        match anna.frame().await {
            ServerFrame::Message { seq, .. } => anna_saw.push(format!("message {seq}")),
            ServerFrame::Ack { seq, .. } => anna_saw.push(format!("ack {}", seq.unwrap_or(0))),
            ServerFrame::Presence { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    anna_saw.sort();
    assert_eq!(anna_saw, ["ack 1", "message 1", "message 2"]);

    // A crashed node's users leave presence within the TTL (2 s here).
    node_a.crash().await;
    let started = std::time::Instant::now();
    loop {
        match ben.frame().await {
            ServerFrame::Presence { left, .. } if left == [anna_id] => break,
            ServerFrame::Message { .. }
            | ServerFrame::Ack { .. }
            | ServerFrame::Presence { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(started.elapsed().as_secs() <= 6, "left after {:?}", started.elapsed());
    server.stop().await;
}

#[tokio::test]
async fn access_changes_reach_sockets_on_other_nodes() {
    let redis = testkit::redis_url();
    let server = TestServer::start_with(|config| config.redis_url = Some(redis)).await;
    let node_a = NodeProcess::start(&server.config).await;
    let admin = server.admin().await;
    admin.put_status("/api/modules/messenger", &json!({ "enabled": true }), StatusCode::OK).await;
    let class: Group =
        admin.post_ok("/api/groups", &json!({ "name": "8c", "kind": "class" })).await;
    let topic = Topic::Group(class.id);
    let created = create_user(&admin, "cem.c", "pupil").await;
    let path = format!("/api/groups/{}/members/{}", class.id, created.user.id);
    admin.put_status(&path, &json!({ "role": "member" }), StatusCode::NO_CONTENT).await;
    server.login_first_time("cem.c", &created.initial_password).await;
    let cem_http = server.client_for(&node_a.base);
    assert_eq!(cem_http.login("cem.c", USER_PASSWORD, None).await.status(), StatusCode::OK);
    let mut cem = HubClient::connect(&cem_http).await;
    cem.frame().await;
    cem.subscribe(&topic, None).await;

    // The admin (on this node) removes Cem: his socket on the other node loses the topic.
    assert_eq!(admin.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        cem.frame().await,
        ServerFrame::Unsubscribed { topic: topic.clone(), reason: "membership_removed".into() }
    );
    // Logging out on the other node closes the socket there.
    assert_eq!(
        cem_http.send::<()>(reqwest::Method::POST, "/api/auth/logout", None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(cem.closed().await, schulhof_proto::hub::close_code::UNAUTHENTICATED);
    node_a.crash().await;
    server.stop().await;
}
