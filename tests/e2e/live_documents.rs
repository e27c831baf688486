//! Live documents over `/yjs/<doc>` end to end, with a `yrs` client speaking y-websocket: who is
//! refused with which final close code, read-only shares, versions (named, automatic before a
//! restore), a restore reaching an open editor as a new change, attribution, a corrupted stored
//! document that is refused without being overwritten, and two nodes linked through Redis that
//! converge on the same document. (The official npm client is tested in tests/interop.)

use reqwest::{Method, StatusCode};
use schulhof_proto::{
    Document, DocumentAuthorList, DocumentVersion, DocumentVersionList, ErrorCode, Group,
};
use schulhof_server::config::DatabaseConfig;
use serde_json::json;
use testkit::node::NodeProcess;
use testkit::yjs_client::{Ended, YjsClient, refused};
use testkit::{ADMIN_PASSWORD, Client, TestServer, USER_PASSWORD, expect_error, json_ok};

use crate::messenger::join;

fn ws_base(base: &str) -> String {
    base.replacen("http://", "ws://", 1)
}

async fn text_doc(admin: &Client, owner: &Client, title: &str) -> Document {
    admin.put_status("/api/modules/texts", &json!({ "enabled": true }), StatusCode::OK).await;
    let body = json!({ "kind": "text", "title": title });
    json_ok(owner.send(Method::POST, "/api/documents", Some(&body)).await, StatusCode::CREATED)
        .await
}

#[tokio::test]
async fn refusals_use_final_close_codes_and_read_only_shares_change_nothing() {
    let server = TestServer::start().await;
    let base = ws_base(&server.base_url());
    let admin = server.admin().await;
    let group: Group =
        admin.post_ok("/api/groups", &json!({ "name": "7a", "kind": "class" })).await;
    let (teacher, _) = join(&server, &admin, &group, "frau.berg", "teacher").await;
    let (lea, lea_id) = join(&server, &admin, &group, "lea.m", "pupil").await;
    let doc = text_doc(&admin, &teacher, "Protokoll").await;
    let id = doc.id.to_string();

    assert_eq!(refused(&format!("{base}/yjs/{id}")).await, 4401, "no session");
    assert_eq!(refused(&format!("{base}/yjs/{id}?token=erfunden")).await, 4401);
    let other = text_doc(&admin, &teacher, "Anderes").await;
    let token: serde_json::Value =
        teacher.post_ok(&format!("/api/documents/{}/token", other.id), &json!({})).await;
    let wrong = format!("{base}/yjs/{id}?token={}", token["token"].as_str().unwrap());
    assert_eq!(refused(&wrong).await, 4401, "a token for another document");
    let token_path = format!("/api/documents/{id}/token");
    let not_shared = lea.send(Method::POST, &token_path, Some(&json!({}))).await;
    expect_error(not_shared, ErrorCode::NotFound).await;

    let mut editor = YjsClient::open(&teacher, &base, &id).await.unwrap();
    editor.append_text("text", "Hallo 7a").await;
    editor.wait_for_text("text", "Hallo 7a").await;

    // Shared read-only with the class: Lea syncs, but her edit is refused and goes nowhere.
    let shares = json!({ "shares": [{ "group_id": group.id, "access": "read" }] });
    teacher.send(Method::PUT, &format!("/api/documents/{id}/shares"), Some(&shares)).await;
    // Changing shares closes open connections with "try again" so they are admitted anew.
    assert_eq!(editor.closed().await, Ended::Closed(1013));
    let mut editor = YjsClient::open(&teacher, &base, &id).await.unwrap();
    let mut reader = YjsClient::open(&lea, &base, &id).await.unwrap();
    assert_eq!(reader.text("text"), "Hallo 7a");
    reader.send_text("text", " von Lea").await;
    while reader.refusals.is_empty() {
        reader.next().await.unwrap();
    }
    assert!(reader.refusals[0].contains("read-only"), "{:?}", reader.refusals);
    editor.append_text("text", "!").await;
    editor.wait_for_text("text", "Hallo 7a!").await;
    let fresh = YjsClient::open(&teacher, &base, &id).await.unwrap();
    assert_eq!(fresh.text("text"), "Hallo 7a!", "Lea's edit was not applied");
    // Lea leaves the class: her open connection is admitted again, and now refused.
    let token: serde_json::Value = lea.post_ok(&token_path, &json!({})).await;
    let lea_url = format!("{base}/yjs/{id}?token={}", token["token"].as_str().unwrap());
    let removed = admin.delete(&format!("/api/groups/{}/members/{lea_id}", group.id)).await;
    assert!(removed.status().is_success(), "{}", removed.status());
    assert_eq!(reader.closed().await, Ended::Closed(1013));
    assert_eq!(refused(&lea_url).await, 4404);

    // Module switched off: refused with 4403 (final), even with a token from before.
    let token: serde_json::Value = teacher.post_ok(&token_path, &json!({})).await;
    let url = format!("{base}/yjs/{id}?token={}", token["token"].as_str().unwrap());
    let mut open = YjsClient::open(&teacher, &base, &id).await.unwrap();
    admin.put_status("/api/modules/texts", &json!({ "enabled": false }), StatusCode::OK).await;
    assert_eq!(open.closed().await, Ended::Closed(1013), "open connections are admitted again");
    assert_eq!(refused(&url).await, 4403);
    admin.put_status("/api/modules/texts", &json!({ "enabled": true }), StatusCode::OK).await;
    // Logging out ends the session's document sockets at once (1013, then 4401 on reconnect).
    let laptop = server.login("frau.berg", USER_PASSWORD).await;
    let token: serde_json::Value = laptop.post_ok(&token_path, &json!({})).await;
    let laptop_url = format!("{base}/yjs/{id}?token={}", token["token"].as_str().unwrap());
    let mut on_laptop = YjsClient::connect(&laptop_url).await.unwrap();
    let logout = laptop.send(Method::POST, "/api/auth/logout", Some(&json!({}))).await;
    assert!(logout.status().is_success(), "{}", logout.status());
    assert_eq!(on_laptop.closed().await, Ended::Closed(1013));
    assert_eq!(refused(&laptop_url).await, 4401);
    // A document moved to the trash: open connections end with 4404, and so do new ones.
    let mut editor = YjsClient::open(&teacher, &base, &id).await.unwrap();
    teacher.delete(&format!("/api/documents/{id}")).await;
    assert_eq!(editor.closed().await, Ended::Closed(4404));
    assert_eq!(YjsClient::open(&teacher, &base, &id).await.err(), Some(Ended::Closed(4404)));
}

#[tokio::test]
async fn versions_restore_as_a_new_change_and_authors_are_named() {
    let server = TestServer::start().await;
    let base = ws_base(&server.base_url());
    let admin = server.admin().await;
    let group: Group =
        admin.post_ok("/api/groups", &json!({ "name": "8c", "kind": "class" })).await;
    let (teacher, teacher_id) = join(&server, &admin, &group, "herr.lind", "teacher").await;
    let (tom, tom_id) = join(&server, &admin, &group, "tom.s", "pupil").await;
    let doc = text_doc(&admin, &teacher, "Aufsatz").await;
    let id = doc.id.to_string();
    let shares = json!({ "shares": [{ "user_id": tom_id, "access": "write" }] });
    teacher.send(Method::PUT, &format!("/api/documents/{id}/shares"), Some(&shares)).await;

    let mut anna = YjsClient::open(&teacher, &base, &id).await.unwrap();
    let mut tom_editor = YjsClient::open(&tom, &base, &id).await.unwrap();
    anna.append_text("text", "Erste Fassung.").await;
    tom_editor.wait_for_text("text", "Erste Fassung.").await;
    let named: DocumentVersion = json_ok(
        teacher
            .send(
                Method::POST,
                &format!("/api/documents/{id}/versions"),
                Some(&json!({ "name": "Entwurf" })),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!((named.name.as_deref(), named.auto), (Some("Entwurf"), false));
    assert_eq!(named.created_by.as_ref().map(|p| p.id), Some(teacher_id));
    tom_editor.append_text("text", " Toms Zusatz.").await;
    anna.wait_for_text("text", "Erste Fassung. Toms Zusatz.").await;

    // The old version's content is a Yjs update a client can show read-only.
    let content = teacher
        .get(&format!("/api/documents/{id}/versions/{}/content", named.id))
        .await
        .bytes()
        .await
        .unwrap();
    let old = yrs::Doc::new();
    {
        use yrs::Transact;
        use yrs::updates::decoder::Decode;
        old.transact_mut().apply_update(yrs::Update::decode_v1(&content).unwrap()).unwrap();
    }
    let old_text = old.get_or_insert_text("text");
    assert_eq!(
        yrs::GetString::get_string(&old_text, &yrs::Transact::transact(&old)),
        "Erste Fassung."
    );

    // Restoring reaches both open editors as a change; the state before is kept as a version.
    let before: DocumentVersion = teacher
        .post_ok(&format!("/api/documents/{id}/versions/{}/restore", named.id), &json!({}))
        .await;
    assert!(before.auto);
    anna.wait_for_text("text", "Erste Fassung.").await;
    tom_editor.wait_for_text("text", "Erste Fassung.").await;
    let versions: DocumentVersionList = tom.get_ok(&format!("/api/documents/{id}/versions")).await;
    assert_eq!(versions.versions.len(), 2);
    let not_mine = format!("/api/documents/{id}/versions/{}/restore", uuid::Uuid::now_v7());
    expect_error(
        teacher.send(Method::POST, &not_mine, Some(&json!({}))).await,
        ErrorCode::NotFound,
    )
    .await;

    let authors: DocumentAuthorList = tom.get_ok(&format!("/api/documents/{id}/authors")).await;
    let names: Vec<&str> = authors.authors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(authors.authors.len(), 2, "{names:?}");
    assert_eq!(authors.authors[0].user_id, teacher_id, "the restore is the latest edit");
}

/// Runs `sql` with (bytes, document id) on the test server's database, or reads the snapshot.
async fn on_database(
    database: &DatabaseConfig,
    sql: Option<(&str, Vec<u8>)>,
    id: &str,
) -> Option<Vec<u8>> {
    use sqlx::Connection;
    let select = "SELECT state FROM document_snapshots WHERE document_id = $1";
    macro_rules! run {
        ($conn:expr) => {{
            let mut conn = $conn;
            if let Some((sql, bytes)) = sql {
                let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(bytes).bind(id);
                query.execute(&mut conn).await.unwrap();
            }
            sqlx::query_scalar(select).bind(id).fetch_optional(&mut conn).await.unwrap()
        }};
    }
    match database {
        DatabaseConfig::Sqlite { path } => {
            run!(
                sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .unwrap()
            )
        }
        DatabaseConfig::Postgres { url } => run!(sqlx::PgConnection::connect(url).await.unwrap()),
    }
}

async fn snapshot(database: &DatabaseConfig, id: &str) -> Option<Vec<u8>> {
    on_database(database, None, id).await
}

#[tokio::test]
async fn a_document_that_fails_to_load_is_refused_and_never_overwritten() {
    let server = TestServer::start().await;
    let base = ws_base(&server.base_url());
    let admin = server.admin().await;
    let doc = text_doc(&admin, &admin, "Wichtig").await;
    let id = doc.id.to_string();
    let mut editor = YjsClient::open(&admin, &base, &id).await.unwrap();
    editor.append_text("text", "Noten der 9b").await;
    editor.wait_for_text("text", "Noten der 9b").await;
    drop(editor);
    // The last leave compacts the log into the snapshot; wait until it is there.
    let mut good = None;
    for _ in 0..100 {
        good = snapshot(&server.config.database, &id).await;
        if good.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let good = good.expect("a snapshot after the last leave");
    let corrupt = "UPDATE document_snapshots SET state = $1 WHERE document_id = $2";
    on_database(&server.config.database, Some((corrupt, vec![0xff, 0x13, 0x37])), &id).await;
    assert_eq!(YjsClient::open(&admin, &base, &id).await.err(), Some(Ended::Closed(1013)));
    let stored = snapshot(&server.config.database, &id).await;
    assert_eq!(stored, Some(vec![0xff, 0x13, 0x37]), "nothing was stored over the broken document");
    on_database(&server.config.database, Some((corrupt, good)), &id).await;
    let repaired = YjsClient::open(&admin, &base, &id).await.unwrap();
    assert_eq!(repaired.text("text"), "Noten der 9b");
}

#[tokio::test]
async fn two_nodes_serving_one_document_converge() {
    let redis = testkit::redis_url();
    // This node compacts after every 5 updates, the other after 500: the other node falls behind
    // compactions it did not make and must catch up through the snapshot.
    let server = TestServer::start_with(|config| {
        config.redis_url = Some(redis);
        config.documents.compact_after_updates = 5;
    })
    .await;
    let node = NodeProcess::start(&server.config).await;
    let admin = server.admin().await;
    let doc = text_doc(&admin, &admin, "Gemeinsam").await;
    let id = doc.id.to_string();
    let on_node = server.client_for(&node.base);
    let login = on_node.login(&server.admin_login, ADMIN_PASSWORD, Some(&server.school.slug));
    assert_eq!(login.await.status(), StatusCode::OK);

    let mut here = YjsClient::open(&admin, &ws_base(&server.base_url()), &id).await.unwrap();
    let mut there = YjsClient::open(&on_node, &ws_base(&node.base), &id).await.unwrap();
    here.append_text("text", "A").await;
    there.wait_for_text("text", "A").await;
    there.append_text("text", "B").await;
    here.wait_for_text("text", "AB").await;
    for i in 0..20 {
        if i % 2 == 0 {
            here.append_text("text", "x").await
        } else {
            there.append_text("text", "y").await
        }
    }
    let expected_len = 22;
    while here.text("text").len() < expected_len {
        here.next().await.unwrap();
    }
    while there.text("text").len() < expected_len {
        there.next().await.unwrap();
    }
    assert_eq!(here.text("text"), there.text("text"));
    assert_eq!(here.state_vector(), there.state_vector());
    // Edits on this node only (compacting every 5) still reach the other node's client.
    for _ in 0..12 {
        here.append_text("text", "z").await;
    }
    while there.text("text").len() < expected_len + 12 {
        there.next().await.unwrap();
    }
    assert_eq!(here.text("text"), there.text("text"));
    assert!(snapshot(&server.config.database, &id).await.is_some(), "the log was compacted");
    // A client that opens the document fresh on the other node gets all of it.
    let late = YjsClient::open(&on_node, &ws_base(&node.base), &id).await.unwrap();
    assert_eq!(late.text("text"), here.text("text"));
}

#[tokio::test]
async fn limits_close_with_final_codes() {
    let server = TestServer::start_with(|config| {
        config.documents.max_frame_bytes = 64 * 1024;
        config.documents.max_document_bytes = 16 * 1024;
        config.documents.max_connections_per_user = 2;
    })
    .await;
    let base = ws_base(&server.base_url());
    let admin = server.admin().await;
    let doc = text_doc(&admin, &admin, "Grenzen").await;
    let id = doc.id.to_string();

    // A third connection of the same person is refused; closing one makes room again.
    let first = YjsClient::open(&admin, &base, &id).await.unwrap();
    let mut second = YjsClient::open(&admin, &base, &id).await.unwrap();
    assert_eq!(YjsClient::open(&admin, &base, &id).await.err(), Some(Ended::Closed(4429)));
    drop(first);
    let mut third = None;
    for _ in 0..50 {
        if let Ok(client) = YjsClient::open(&admin, &base, &id).await {
            third = Some(client);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut third = third.expect("admitted after one connection closed");

    // The document may not grow past its limit: the update is refused with 4413, not stored.
    second.append_text("text", "kurz").await;
    second.send_text("text", &"x".repeat(20 * 1024)).await;
    assert_eq!(second.closed().await, Ended::Closed(4413));
    third.wait_for_text("text", "kurz").await;
    // A frame over the frame limit: 4413 as well.
    third.send_text("text", &"y".repeat(80 * 1024)).await;
    assert_eq!(third.closed().await, Ended::Closed(4413));
    let mut fresh = None;
    for _ in 0..50 {
        if let Ok(client) = YjsClient::open(&admin, &base, &id).await {
            fresh = Some(client);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(fresh.expect("reconnect").text("text"), "kurz");
}

#[tokio::test]
async fn a_client_that_stops_reading_is_closed_with_4008_and_a_reading_one_is_not() {
    let server = TestServer::start_with(|config| {
        config.documents.idle_timeout_seconds = 2;
        config.documents.ping_seconds = 1;
    })
    .await;
    let base = ws_base(&server.base_url());
    let admin = server.admin().await;
    let doc = text_doc(&admin, &admin, "Pause").await;
    let id = doc.id.to_string();
    let mut paused = YjsClient::open(&admin, &base, &id).await.unwrap();
    let mut reading = YjsClient::open(&admin, &base, &id).await.unwrap();
    // The reading client answers pings (its reads send the pongs) and stays.
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(4);
    while tokio::time::Instant::now() < until {
        let wait = tokio::time::timeout(std::time::Duration::from_millis(300), reading.next());
        if let Ok(Err(ended)) = wait.await {
            panic!("the reading client was closed: {ended:?}");
        }
    }
    reading.append_text("text", "noch da").await;
    // The paused one read nothing for 4 s: closed as not responding (it would resync).
    assert_eq!(paused.closed().await, Ended::Closed(4008));
}
