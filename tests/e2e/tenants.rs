//! Tenant isolation: an admin of school A can neither see nor change anything of school B.

use reqwest::{Method, StatusCode};
use schulhof_proto::{ErrorCode, Group, User};
use serde_json::json;
use testkit::{ADMIN_PASSWORD, TestServer, expect_error};

use crate::auth::create_user;

#[tokio::test]
async fn an_admin_of_one_school_cannot_touch_another_school() {
    let server = TestServer::start().await;
    let admin_a = server.admin().await;
    let (school_b, _) = server.add_school("Grundschule Lindenweg").await;
    let admin_b = server.client();
    let response = admin_b.login("admin", ADMIN_PASSWORD, Some(&school_b.slug)).await;
    assert_eq!(response.status(), StatusCode::OK);

    let pupil_b = create_user(&admin_b, "emil.stein", "pupil").await;
    let parent_b = create_user(&admin_b, "eva.stein", "parent").await;
    let group_b: Group =
        admin_b.post_ok("/api/groups", &json!({ "name": "1a", "kind": "class" })).await;
    let pupil_a = create_user(&admin_a, "emil.stein", "pupil").await;
    let group_a: Group =
        admin_a.post_ok("/api/groups", &json!({ "name": "1a", "kind": "class" })).await;

    // Lists show only the own school.
    let users: Vec<User> = admin_a.get_ok("/api/users").await;
    assert!(users.iter().all(|u| u.id != pupil_b.user.id && u.id != parent_b.user.id));
    let groups: Vec<Group> = admin_a.get_ok("/api/groups").await;
    assert_eq!(groups.iter().map(|g| g.id).collect::<Vec<_>>(), [group_a.id]);

    // Direct access by ID is "not found", for reading and for every change.
    let user = pupil_b.user.id;
    let group = group_b.id;
    let attempts: Vec<(Method, String, serde_json::Value)> = vec![
        (Method::GET, format!("/api/users/{user}"), json!(null)),
        (Method::PATCH, format!("/api/users/{user}"), json!({ "display_name": "Gehackt" })),
        (Method::PUT, format!("/api/users/{user}/status"), json!({ "status": "inactive" })),
        (Method::POST, format!("/api/users/{user}/password-reset"), json!({})),
        (Method::DELETE, format!("/api/users/{user}"), json!(null)),
        (Method::GET, format!("/api/users/{user}/sessions"), json!(null)),
        (Method::DELETE, format!("/api/users/{user}/sessions"), json!(null)),
        (Method::GET, format!("/api/users/{user}/groups"), json!(null)),
        (Method::GET, format!("/api/users/{}/children", parent_b.user.id), json!(null)),
        (Method::PUT, format!("/api/users/{}/children/{user}", parent_b.user.id), json!({})),
        (Method::GET, format!("/api/groups/{group}"), json!(null)),
        (Method::PATCH, format!("/api/groups/{group}"), json!({ "name": "Gehackt" })),
        (Method::GET, format!("/api/groups/{group}/members"), json!(null)),
        (
            Method::PUT,
            format!("/api/groups/{group}/members/{}", pupil_a.user.id),
            json!({ "role": "member" }),
        ),
        (
            Method::PUT,
            format!("/api/groups/{}/members/{user}", group_a.id),
            json!({ "role": "member" }),
        ),
        (Method::DELETE, format!("/api/groups/{group}"), json!(null)),
    ];
    for (method, path, body) in attempts {
        let body = (!body.is_null()).then_some(&body);
        let response = admin_a.send(method.clone(), &path, body).await;
        expect_error(response, ErrorCode::NotFound).await;
    }
    let response = admin_a
        .send(
            Method::POST,
            "/api/groups",
            Some(&json!({ "name": "2b", "kind": "class", "owner_id": user })),
        )
        .await;
    expect_error(response, ErrorCode::ValidationFailed).await;

    // School B's data is unchanged.
    let fetched: User = admin_b.get_ok(&format!("/api/users/{user}")).await;
    assert_eq!(fetched.display_name, "emil.stein Muster");
    assert_eq!(fetched.status, schulhof_proto::UserStatus::Active);
    let fetched: Group = admin_b.get_ok(&format!("/api/groups/{group}")).await;
    assert_eq!(fetched.name, "1a");
    assert_eq!(fetched.member_count, 0);
    server.stop().await;
}
