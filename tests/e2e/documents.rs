//! Live documents as objects end to end: create per kind (each needs its module), lists of my
//! documents, documents shared with me and my trash, sharing with a class (read) or a person
//! (write), who may rename, tenant and membership isolation, trash and restore.

use reqwest::{Method, StatusCode};
use schulhof_proto::{Document, DocumentAccess, DocumentList, ErrorCode, Group};
use serde_json::json;
use testkit::{TestServer, expect_error, json_ok};

use crate::auth::create_user;
use crate::messenger::join;

#[tokio::test]
async fn documents_are_created_shared_renamed_trashed_and_restored() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group: Group =
        admin.post_ok("/api/groups", &json!({ "name": "6b", "kind": "class" })).await;
    let (teacher, _) = join(&server, &admin, &group, "herr.schulz", "teacher").await;
    let (anna, _) = join(&server, &admin, &group, "anna.k", "pupil").await;
    let (ben, ben_id) = join(&server, &admin, &group, "ben.k", "pupil").await;
    let olaf = create_user(&admin, "olaf.o", "pupil").await;
    let olaf = server.login_first_time("olaf.o", &olaf.initial_password).await;

    let body = json!({ "kind": "text", "title": "Gedicht" });
    let off = teacher.send(Method::POST, "/api/documents", Some(&body)).await;
    expect_error(off, ErrorCode::ModuleDisabled).await;
    admin.put_status("/api/modules/texts", &json!({ "enabled": true }), StatusCode::OK).await;
    let created = teacher.send(Method::POST, "/api/documents", Some(&body)).await;
    let doc: Document = json_ok(created, StatusCode::CREATED).await;
    assert_eq!((doc.my_access, doc.shares.clone()), (DocumentAccess::Owner, Some(vec![])));
    let board = teacher
        .send(Method::POST, "/api/documents", Some(&json!({ "kind": "board", "title": "Tafel" })))
        .await;
    expect_error(board, ErrorCode::ModuleDisabled).await;
    let untitled = teacher
        .send(Method::POST, "/api/documents", Some(&json!({ "kind": "text", "title": " " })))
        .await;
    assert_eq!(
        expect_error(untitled, ErrorCode::ValidationFailed).await.field.as_deref(),
        Some("title")
    );

    // Nobody else sees it until it is shared.
    let path = format!("/api/documents/{}", doc.id);
    expect_error(anna.get(&path).await, ErrorCode::NotFound).await;
    let shares = json!({ "shares": [
        { "group_id": group.id, "access": "read" },
        { "user_id": ben_id, "access": "write" },
    ] });
    let shared: Document = json_ok(
        teacher.send(Method::PUT, &format!("{path}/shares"), Some(&shares)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shared.shares.unwrap().len(), 2);
    let for_anna: DocumentList = anna.get_ok("/api/documents?view=shared").await;
    assert_eq!(for_anna.documents.len(), 1);
    assert_eq!(
        (for_anna.documents[0].my_access, for_anna.documents[0].shares.clone()),
        (DocumentAccess::Read, None)
    );
    let rename = json!({ "title": "Gedicht (Entwurf)" });
    expect_error(anna.send(Method::PATCH, &path, Some(&rename)).await, ErrorCode::Forbidden).await;
    let renamed: Document =
        json_ok(ben.send(Method::PATCH, &path, Some(&rename)).await, StatusCode::OK).await;
    assert_eq!(
        (renamed.title.as_str(), renamed.my_access),
        ("Gedicht (Entwurf)", DocumentAccess::Write)
    );
    expect_error(
        ben.send(Method::PUT, &format!("{path}/shares"), Some(&shares)).await,
        ErrorCode::Forbidden,
    )
    .await;
    expect_error(olaf.get(&path).await, ErrorCode::NotFound).await;
    let mine: DocumentList = teacher.get_ok("/api/documents").await;
    assert_eq!(mine.documents.len(), 1);

    // Another school's group cannot be a share target, and a refused change changes nothing.
    let (other, _) = server.add_school("Realschule Nord").await;
    let foreign = json!({ "shares": [{ "group_id": other.id, "access": "write" }] });
    expect_error(
        teacher.send(Method::PUT, &format!("{path}/shares"), Some(&foreign)).await,
        ErrorCode::NotFound,
    )
    .await;
    let still: Document = teacher.get_ok(&path).await;
    assert_eq!(still.shares.unwrap().len(), 2);
    let both = json!({ "shares": [{ "group_id": group.id, "user_id": ben_id, "access": "read" }] });
    expect_error(
        teacher.send(Method::PUT, &format!("{path}/shares"), Some(&both)).await,
        ErrorCode::ValidationFailed,
    )
    .await;

    // Trash and restore: only the owner, and the document is gone for the others meanwhile.
    expect_error(ben.delete(&path).await, ErrorCode::Forbidden).await;
    assert_eq!(teacher.delete(&path).await.status(), StatusCode::NO_CONTENT);
    expect_error(anna.get(&path).await, ErrorCode::NotFound).await;
    let trash: DocumentList = teacher.get_ok("/api/documents?view=trash").await;
    assert_eq!(trash.documents.len(), 1);
    let mine: DocumentList = teacher.get_ok("/api/documents?view=mine").await;
    assert!(mine.documents.is_empty());
    let restored: Document = teacher.post_ok(&format!("{path}/restore"), &json!({})).await;
    assert_eq!(restored.deleted_at, None);
    let _: Document = anna.get_ok(&path).await;

    // Switching the module off hides the texts again.
    admin.put_status("/api/modules/texts", &json!({ "enabled": false }), StatusCode::OK).await;
    expect_error(anna.get(&path).await, ErrorCode::ModuleDisabled).await;
    expect_error(anna.get("/api/documents?view=shared").await, ErrorCode::ModuleDisabled).await;
    server.stop().await;
}
