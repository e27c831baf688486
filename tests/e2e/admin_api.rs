//! The admin API: users, groups, memberships, parent links, status and password resets, and how it
//! answers bad input (clear codes, nothing half-written).

use reqwest::{Method, StatusCode};
use schulhof_proto::{
    CreatedUser, ErrorCode, Group, Me, Member, MemberRole, MyGroup, PasswordReset, Role, User,
    UserStatus,
};
use serde_json::json;
use testkit::{TestServer, expect_error, json_ok};

use crate::auth::create_user;

#[tokio::test]
async fn admin_builds_a_class_and_the_pupil_sees_it_on_the_dashboard() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let pupil: CreatedUser = admin
        .post_ok(
            "/api/users",
            &json!({
                "login": "Jonas.Mueller", "display_name": "Jonas Müller", "role": "pupil",
                "birth_date": "2013-05-17", "import_id": "SCHILD-4711", "consents": ["parents"]
            }),
        )
        .await;
    assert_eq!(pupil.user.login, "jonas.mueller", "login names are stored lower-case");
    assert_eq!(pupil.user.display_name, "Jonas Müller");
    assert_eq!(pupil.user.status, UserStatus::Active);
    assert_eq!(pupil.user.birth_date.as_deref(), Some("2013-05-17"));
    assert!(pupil.user.must_change_password);
    assert_eq!(pupil.initial_password.len(), 14);
    let teacher = create_user(&admin, "frau.weber", "teacher").await;

    let class: Group = admin
        .post_ok(
            "/api/groups",
            &json!({ "name": "5a", "kind": "class", "owner_id": teacher.user.id }),
        )
        .await;
    assert_eq!(class.member_count, 0);
    admin
        .put_status(
            &format!("/api/groups/{}/members/{}", class.id, pupil.user.id),
            &json!({"role": "member"}),
            StatusCode::NO_CONTENT,
        )
        .await;
    admin
        .put_status(
            &format!("/api/groups/{}/members/{}", class.id, teacher.user.id),
            &json!({"role": "leader"}),
            StatusCode::NO_CONTENT,
        )
        .await;
    let members: Vec<Member> = admin.get_ok(&format!("/api/groups/{}/members", class.id)).await;
    assert_eq!(members.len(), 2);
    assert_eq!(members[0].role, MemberRole::Leader, "leaders first");
    assert_eq!(members[0].user.id, teacher.user.id);

    let jonas = server.login("jonas.mueller", &pupil.initial_password).await;
    // With the initial password only "who am I" and "set password" work.
    expect_error(jonas.get("/api/me/groups").await, ErrorCode::PasswordChangeRequired).await;
    let me: Me = jonas.get_ok("/api/me").await;
    assert!(me.user.must_change_password);
    jonas
        .post_status(
            "/api/me/password",
            &json!({
                "current_password": pupil.initial_password, "new_password": "Pausenhof-2026"
            }),
            StatusCode::NO_CONTENT,
        )
        .await;
    let groups: Vec<MyGroup> = jonas.get_ok("/api/me/groups").await;
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].group.name, "5a");
    assert_eq!(groups[0].group.member_count, 2);
    assert_eq!(groups[0].my_role, MemberRole::Member);
    // Pupils cannot use the admin API.
    expect_error(jonas.get("/api/users").await, ErrorCode::Forbidden).await;
    expect_error(
        jonas
            .send(Method::POST, "/api/groups", Some(&json!({"name": "x", "kind": "custom"})))
            .await,
        ErrorCode::Forbidden,
    )
    .await;

    // Removing the membership takes the class off the dashboard.
    let response =
        admin.delete(&format!("/api/groups/{}/members/{}", class.id, pupil.user.id)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let groups: Vec<MyGroup> = jonas.get_ok("/api/me/groups").await;
    assert!(groups.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn users_can_be_listed_filtered_changed_and_deleted() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let anna = create_user(&admin, "anna.schmidt", "pupil").await;
    create_user(&admin, "frau.weber", "teacher").await;

    let pupils: Vec<User> = admin.get_ok("/api/users?role=pupil").await;
    assert_eq!(pupils.iter().map(|u| u.login.as_str()).collect::<Vec<_>>(), ["anna.schmidt"]);
    let found: Vec<User> = admin.get_ok("/api/users?q=WEBER").await;
    assert_eq!(found.len(), 1);
    expect_error(admin.get("/api/users?role=king").await, ErrorCode::ValidationFailed).await;

    let changed: User = json_ok(
        admin
            .send(
                Method::PATCH,
                &format!("/api/users/{}", anna.user.id),
                Some(&json!({
                    "display_name": "Anna Schmidt-Groß", "birth_date": "2012-01-31"
                })),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed.display_name, "Anna Schmidt-Groß");
    assert_eq!(changed.login, "anna.schmidt");
    let cleared: User = json_ok(
        admin
            .send(
                Method::PATCH,
                &format!("/api/users/{}", anna.user.id),
                Some(&json!({ "birth_date": null })),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared.birth_date, None);
    assert_eq!(cleared.display_name, "Anna Schmidt-Groß");

    assert_eq!(
        admin.delete(&format!("/api/users/{}", anna.user.id)).await.status(),
        StatusCode::NO_CONTENT
    );
    let fetched: User = admin.get_ok(&format!("/api/users/{}", anna.user.id)).await;
    assert_eq!(fetched.status, UserStatus::Deleted);
    server.stop().await;
}

#[tokio::test]
async fn password_reset_shows_a_new_password_once_and_ends_sessions() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let created = create_user(&admin, "paul.neu", "pupil").await;
    let paul = server.login("paul.neu", &created.initial_password).await;
    let reset: PasswordReset =
        admin.post_ok(&format!("/api/users/{}/password-reset", created.user.id), &json!({})).await;
    assert_ne!(reset.initial_password, created.initial_password);
    expect_error(paul.get("/api/me").await, ErrorCode::Unauthenticated).await;
    expect_error(
        server.client().login("paul.neu", &created.initial_password, None).await,
        ErrorCode::InvalidCredentials,
    )
    .await;
    let me: Me = json_ok(
        server.client().login("paul.neu", &reset.initial_password, None).await,
        StatusCode::OK,
    )
    .await;
    assert!(me.user.must_change_password);
    server.stop().await;
}

#[tokio::test]
async fn parents_are_linked_to_their_children() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let child = create_user(&admin, "lina.vogel", "pupil").await;
    let parent = create_user(&admin, "petra.vogel", "parent").await;
    let teacher = create_user(&admin, "herr.kahn", "teacher").await;

    let path = format!("/api/users/{}/children/{}", parent.user.id, child.user.id);
    admin.put_status(&path, &json!({}), StatusCode::NO_CONTENT).await;
    admin.put_status(&path, &json!({}), StatusCode::NO_CONTENT).await; // idempotent
    let bad = format!("/api/users/{}/children/{}", teacher.user.id, child.user.id);
    let response = admin.send(Method::PUT, &bad, Some(&json!({}))).await;
    expect_error(response, ErrorCode::ValidationFailed).await;

    let petra = server.login_first_time("petra.vogel", &parent.initial_password).await;
    let children: Vec<User> = petra.get_ok("/api/me/children").await;
    assert_eq!(children.iter().map(|u| u.id).collect::<Vec<_>>(), [child.user.id]);
    assert_eq!(admin.delete(&path).await.status(), StatusCode::NO_CONTENT);
    let children: Vec<User> = petra.get_ok("/api/me/children").await;
    assert!(children.is_empty());
    expect_error(admin.delete(&path).await, ErrorCode::NotFound).await;
    server.stop().await;
}

#[tokio::test]
async fn bad_input_gets_clear_errors_and_writes_nothing() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let before: Vec<User> = admin.get_ok("/api/users").await;

    let cases = [
        (
            json!({ "login": "ok.name", "display_name": "   ", "role": "pupil" }),
            ErrorCode::ValidationFailed,
            Some("display_name"),
        ),
        (
            json!({ "login": "", "display_name": "X", "role": "pupil" }),
            ErrorCode::ValidationFailed,
            Some("login"),
        ),
        (
            json!({ "login": "mit leerzeichen", "display_name": "X", "role": "pupil" }),
            ErrorCode::ValidationFailed,
            Some("login"),
        ),
        (
            json!({ "login": "ok.name", "display_name": "X", "role": "pupil", "birth_date": "31.02.2012" }),
            ErrorCode::ValidationFailed,
            Some("birth_date"),
        ),
        (
            json!({ "login": "ok.name", "display_name": "X", "role": "kaiser" }),
            ErrorCode::ValidationFailed,
            None,
        ),
        (
            json!({ "login": "admin", "display_name": "Zweiter Admin", "role": "admin" }),
            ErrorCode::ConflictLoginTaken,
            Some("login"),
        ),
    ];
    for (body, code, field) in cases {
        let response = admin.send(Method::POST, "/api/users", Some(&body)).await;
        let error = expect_error(response, code).await;
        assert_eq!(error.field.as_deref(), field, "{body}");
    }

    // Duplicate import IDs are refused too.
    admin
        .post_ok::<_, CreatedUser>(
            "/api/users",
            &json!({ "login": "a.b", "display_name": "A B", "role": "pupil", "import_id": "77" }),
        )
        .await;
    let response = admin.send(Method::POST, "/api/users", Some(&json!({ "login": "c.d", "display_name": "C D", "role": "pupil", "import_id": "77" }))).await;
    expect_error(response, ErrorCode::ConflictImportIdTaken).await;

    // Broken JSON, wrong content type, oversized body.
    let raw = |body: &'static str, content_type: &'static str| {
        admin
            .http
            .post(admin.url("/api/users"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    expect_error(raw("{\"login\": ", "application/json").await.unwrap(), ErrorCode::InvalidJson)
        .await;
    expect_error(
        raw("login=x", "application/x-www-form-urlencoded").await.unwrap(),
        ErrorCode::UnsupportedMediaType,
    )
    .await;
    let huge = json!({ "login": "big", "display_name": "x".repeat(70 * 1024), "role": "pupil" });
    expect_error(
        admin.send(Method::POST, "/api/users", Some(&huge)).await,
        ErrorCode::BodyTooLarge,
    )
    .await;

    // Unknown and malformed IDs.
    let unknown = schulhof_proto::UserId::new();
    expect_error(admin.get(&format!("/api/users/{unknown}")).await, ErrorCode::NotFound).await;
    expect_error(admin.get("/api/users/kein-uuid").await, ErrorCode::NotFound).await;
    expect_error(admin.get("/api/gibt-es-nicht").await, ErrorCode::NotFound).await;
    let group: Group =
        admin.post_ok("/api/groups", &json!({ "name": "6b", "kind": "class" })).await;
    let response = admin
        .send(
            Method::PUT,
            &format!("/api/groups/{}/members/{unknown}", group.id),
            Some(&json!({"role": "member"})),
        )
        .await;
    expect_error(response, ErrorCode::NotFound).await;
    let response = admin
        .send(
            Method::POST,
            "/api/groups",
            Some(&json!({ "name": "6B-Kurs", "kind": "course", "owner_id": unknown })),
        )
        .await;
    assert_eq!(
        expect_error(response, ErrorCode::ValidationFailed).await.field.as_deref(),
        Some("owner_id")
    );
    let response = admin
        .send(Method::POST, "/api/groups", Some(&json!({ "name": "6b", "kind": "class" })))
        .await;
    expect_error(response, ErrorCode::ConflictGroupNameTaken).await;

    // Admins cannot lock themselves out.
    let me: Me = admin.get_ok("/api/me").await;
    let response = admin
        .send(
            Method::PUT,
            &format!("/api/users/{}/status", me.user.id),
            Some(&json!({"status": "inactive"})),
        )
        .await;
    expect_error(response, ErrorCode::ValidationFailed).await;
    let response = admin
        .send(
            Method::PATCH,
            &format!("/api/users/{}", me.user.id),
            Some(&json!({"role": "teacher"})),
        )
        .await;
    expect_error(response, ErrorCode::ValidationFailed).await;

    // Nothing was half-written: only the one valid user was added, the group list has one group.
    let after: Vec<User> = admin.get_ok("/api/users").await;
    assert_eq!(after.len(), before.len() + 1);
    let groups: Vec<Group> = admin.get_ok("/api/groups").await;
    assert_eq!(groups.len(), 1);
    let me: Me = admin.get_ok("/api/me").await;
    assert_eq!(me.user.role, Role::Admin);
    assert_eq!(me.user.status, UserStatus::Active);
    server.stop().await;
}

#[tokio::test]
async fn groups_can_be_renamed_filtered_and_deleted_with_their_memberships() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let pupil = create_user(&admin, "ole.hansen", "pupil").await;
    let class: Group =
        admin.post_ok("/api/groups", &json!({ "name": "7c", "kind": "class" })).await;
    let _course: Group =
        admin.post_ok("/api/groups", &json!({ "name": "Chor", "kind": "course" })).await;
    admin
        .put_status(
            &format!("/api/groups/{}/members/{}", class.id, pupil.user.id),
            &json!({"role": "member"}),
            StatusCode::NO_CONTENT,
        )
        .await;

    let classes: Vec<Group> = admin.get_ok("/api/groups?kind=class").await;
    assert_eq!(classes.len(), 1);
    let renamed: Group = json_ok(
        admin
            .send(
                Method::PATCH,
                &format!("/api/groups/{}", class.id),
                Some(&json!({ "name": "8c" })),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(renamed.name, "8c");
    assert_eq!(renamed.member_count, 1);
    let of_user: Vec<MyGroup> = admin.get_ok(&format!("/api/users/{}/groups", pupil.user.id)).await;
    assert_eq!(of_user[0].group.name, "8c");

    assert_eq!(
        admin.delete(&format!("/api/groups/{}", class.id)).await.status(),
        StatusCode::NO_CONTENT
    );
    expect_error(admin.get(&format!("/api/groups/{}", class.id)).await, ErrorCode::NotFound).await;
    let of_user: Vec<MyGroup> = admin.get_ok(&format!("/api/users/{}/groups", pupil.user.id)).await;
    assert!(of_user.is_empty());
    server.stop().await;
}
