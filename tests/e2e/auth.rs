//! Login, sessions, logout, throttling, account states, CSRF and WebSocket tickets.

use reqwest::StatusCode;
use reqwest::header::{ORIGIN, RETRY_AFTER, SET_COOKIE};
use schulhof_proto::{CreatedUser, ErrorCode, Me, Session, UserStatus, WsTicket};
use schulhof_server::auth::token::hash_token;
use schulhof_server::clock::{Clock, SystemClock};
use serde_json::json;
use testkit::{ADMIN_PASSWORD, Client, TestServer, USER_PASSWORD, expect_error, json_ok};

/// Creates a pupil through the admin API and returns it with its initial password.
pub async fn create_user(admin: &Client, login: &str, role: &str) -> CreatedUser {
    // Pupils come with both consents on file, so they start active at any age.
    let consents = if role == "pupil" { json!(["parents", "pupil"]) } else { json!([]) };
    admin
        .post_ok(
            "/api/users",
            &json!({
                "login": login, "display_name": format!("{login} Muster"), "role": role,
                "consents": consents
            }),
        )
        .await
}

#[tokio::test]
async fn login_sets_a_safe_cookie_and_me_answers() {
    let server = TestServer::start().await;
    let client = server.client();
    let response = client.login("admin", ADMIN_PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers().get(SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("schulhof_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    assert!(!cookie.contains("Secure"), "plain http must not set Secure");
    let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    assert!(token.len() >= 43, "token is long and random");

    let me: Me = client.get_ok("/api/me").await;
    assert_eq!(me.user.login, "admin");
    assert_eq!(me.school.name, "Gymnasium Musterstadt");
    assert_eq!(me.school.slug, "gymnasium-musterstadt");

    // The token is stored only as a hash.
    let session =
        server.store.authenticate(&hash_token(token), SystemClock.now_ms()).await.unwrap();
    assert_eq!(session.unwrap().user.login, "admin");
    server.stop().await;
}

#[tokio::test]
async fn cookie_is_secure_with_host_prefix_over_https() {
    let server = TestServer::start_with(|config| {
        config.public_url = Some("https://schule.example".parse().unwrap());
    })
    .await;
    let client = server.client();
    let response = client
        .http
        .post(client.url("/api/auth/login"))
        .header(ORIGIN, "https://schule.example")
        .json(&json!({ "login": "admin", "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.starts_with("__Host-schulhof_session="), "{cookie}");
    assert!(
        cookie.contains("; Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
    );
    server.stop().await;
}

#[tokio::test]
async fn wrong_password_unknown_user_and_account_states_are_refused_clearly() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let anna = create_user(&admin, "anna.schmidt", "pupil").await;
    let ben = create_user(&admin, "ben.meyer", "pupil").await;
    let cem = create_user(&admin, "cem.yilmaz", "pupil").await;

    let client = server.client();
    expect_error(client.login("anna.schmidt", "falsch", None).await, ErrorCode::InvalidCredentials)
        .await;
    expect_error(client.login("niemand", "falsch", None).await, ErrorCode::InvalidCredentials)
        .await;
    expect_error(client.get("/api/me").await, ErrorCode::Unauthenticated).await;

    admin
        .put_status(
            &format!("/api/users/{}/status", ben.user.id),
            &json!({"status": "restricted"}),
            StatusCode::OK,
        )
        .await;
    // Restricted pupils may log in to read why, but every module refuses them.
    let me: Me =
        json_ok(client.login("ben.meyer", &ben.initial_password, None).await, StatusCode::OK).await;
    assert_eq!(me.user.status, UserStatus::Restricted);
    let body = expect_error(client.get("/api/me/groups").await, ErrorCode::AccountRestricted).await;
    assert!(body.message_de.contains("eingeschränkt"));
    let client = server.client();

    admin
        .put_status(
            &format!("/api/users/{}/status", cem.user.id),
            &json!({"status": "inactive"}),
            StatusCode::OK,
        )
        .await;
    let body = expect_error(
        client.login("cem.yilmaz", &cem.initial_password, None).await,
        ErrorCode::AccountInactive,
    )
    .await;
    assert!(body.message_de.contains("deaktiviert"));

    assert_eq!(
        admin.delete(&format!("/api/users/{}", anna.user.id)).await.status(),
        StatusCode::NO_CONTENT
    );
    expect_error(
        client.login("anna.schmidt", &anna.initial_password, None).await,
        ErrorCode::InvalidCredentials,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn logout_revokes_the_session_on_the_server() {
    let server = TestServer::start().await;
    let kept = server.admin().await;
    // A client without a cookie jar replays the raw cookie, as a stolen copy would be used.
    let response = server.client().login("admin", ADMIN_PASSWORD, None).await;
    let cookie = response.headers().get(SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    let pair = cookie.split(';').next().unwrap().to_owned();
    let plain = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", server.base_url());
    let me = plain.get(url("/api/me")).header("cookie", &pair).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);

    let response =
        plain.post(url("/api/auth/logout")).header("cookie", &pair).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = response.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"));
    let me = plain.get(url("/api/me")).header("cookie", &pair).send().await.unwrap();
    expect_error(me, ErrorCode::Unauthenticated).await;

    // The other session of the same user is untouched.
    let me: Me = kept.get_ok("/api/me").await;
    assert_eq!(me.user.login, "admin");
    server.stop().await;
}

#[tokio::test]
async fn sessions_are_listed_and_revocable_by_the_user_and_by_admins() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let created = create_user(&admin, "lena.koch", "teacher").await;
    let laptop = server.login_first_time("lena.koch", &created.initial_password).await;
    let phone = server.login("lena.koch", USER_PASSWORD).await;

    let sessions: Vec<Session> = laptop.get_ok("/api/me/sessions").await;
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s.current).count(), 1);
    let phone_session = sessions.iter().find(|s| !s.current).unwrap();

    // The user ends the phone session from the laptop.
    let response = laptop.delete(&format!("/api/me/sessions/{}", phone_session.id)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    expect_error(phone.get("/api/me").await, ErrorCode::Unauthenticated).await;

    // The admin sees the remaining session and ends all of them.
    let listed: Vec<Session> =
        admin.get_ok(&format!("/api/users/{}/sessions", created.user.id)).await;
    assert_eq!(listed.len(), 1);
    let response = admin.delete(&format!("/api/users/{}/sessions", created.user.id)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    expect_error(laptop.get("/api/me").await, ErrorCode::Unauthenticated).await;
    server.stop().await;
}

#[tokio::test]
async fn restricting_a_user_ends_open_sessions() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let created = create_user(&admin, "mia.wolf", "pupil").await;
    let mia = server.login("mia.wolf", &created.initial_password).await;
    assert_eq!(mia.get("/api/me").await.status(), StatusCode::OK);
    admin
        .put_status(
            &format!("/api/users/{}/status", created.user.id),
            &json!({"status": "restricted"}),
            StatusCode::OK,
        )
        .await;
    expect_error(mia.get("/api/me").await, ErrorCode::Unauthenticated).await;
    server.stop().await;
}

#[tokio::test]
async fn throttling_blocks_an_account_after_five_failures_even_with_the_right_password() {
    let server = TestServer::start().await;
    let client = server.client();
    for _ in 0..5 {
        expect_error(client.login("admin", "falsch", None).await, ErrorCode::InvalidCredentials)
            .await;
    }
    let response = client.login("admin", ADMIN_PASSWORD, None).await;
    let retry_after: u64 =
        response.headers().get(RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 15 * 60, "{retry_after}");
    expect_error(response, ErrorCode::LoginThrottled).await;
    server.stop().await;
}

#[tokio::test]
async fn throttling_blocks_an_address_guessing_many_accounts() {
    let server = TestServer::start().await;
    let client = server.client();
    for i in 0..20 {
        expect_error(
            client.login(&format!("gast{i}"), "falsch", None).await,
            ErrorCode::InvalidCredentials,
        )
        .await;
    }
    expect_error(client.login("admin", ADMIN_PASSWORD, None).await, ErrorCode::LoginThrottled)
        .await;
    server.stop().await;
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let created = create_user(&admin, "tom.berg", "pupil").await;
    assert!(created.user.must_change_password);
    let tab = server.login("tom.berg", &created.initial_password).await;
    let other = server.login("tom.berg", &created.initial_password).await;

    let weak = tab
        .send(
            reqwest::Method::POST,
            "/api/me/password",
            Some(&json!({
                "current_password": created.initial_password, "new_password": "kurz"
            })),
        )
        .await;
    assert_eq!(
        expect_error(weak, ErrorCode::ValidationFailed).await.field.as_deref(),
        Some("new_password")
    );
    let wrong = tab
        .send(
            reqwest::Method::POST,
            "/api/me/password",
            Some(&json!({
                "current_password": "falsch", "new_password": "Sommerferien-2027"
            })),
        )
        .await;
    expect_error(wrong, ErrorCode::InvalidCredentials).await;

    tab.post_status(
        "/api/me/password",
        &json!({
            "current_password": created.initial_password, "new_password": "Sommerferien-2027"
        }),
        StatusCode::NO_CONTENT,
    )
    .await;
    let me: Me = tab.get_ok("/api/me").await;
    assert!(!me.user.must_change_password);
    expect_error(other.get("/api/me").await, ErrorCode::Unauthenticated).await;
    expect_error(
        server.client().login("tom.berg", &created.initial_password, None).await,
        ErrorCode::InvalidCredentials,
    )
    .await;
    assert_eq!(
        server.client().login("tom.berg", "Sommerferien-2027", None).await.status(),
        StatusCode::OK
    );
    server.stop().await;
}

#[tokio::test]
async fn cross_origin_state_changes_are_refused() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let response = admin
        .http
        .post(admin.url("/api/users"))
        .header(ORIGIN, "http://evil.example")
        .json(&json!({ "login": "x", "display_name": "X", "role": "pupil" }))
        .send()
        .await
        .unwrap();
    expect_error(response, ErrorCode::CsrfOriginMismatch).await;
    let response = admin
        .http
        .post(admin.url("/api/auth/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    expect_error(response, ErrorCode::CsrfOriginMismatch).await;
    // Same origin passes; nothing was created by the refused request.
    let response = admin
        .http
        .post(admin.url("/api/users"))
        .header(ORIGIN, server.base_url())
        .json(&json!({ "login": "y", "display_name": "Y", "role": "pupil" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let users: Vec<schulhof_proto::User> = admin.get_ok("/api/users?q=x").await;
    assert!(users.iter().all(|u| u.login != "x"));
    server.stop().await;
}

#[tokio::test]
async fn websocket_tickets_are_short_lived_and_single_use() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ticket: WsTicket = admin.post_ok("/api/auth/ws-ticket", &json!({})).await;
    assert!(ticket.expires_in_seconds <= 60);
    let now = SystemClock.now_ms();
    let hash = hash_token(&ticket.ticket);
    let session =
        server.store.consume_ticket(&hash, now).await.unwrap().expect("ticket valid once");
    assert_eq!(session.user.login, "admin");
    assert!(server.store.consume_ticket(&hash, now).await.unwrap().is_none(), "second use fails");

    let late: WsTicket = admin.post_ok("/api/auth/ws-ticket", &json!({})).await;
    let after_expiry = now + 61_000;
    assert!(
        server
            .store
            .consume_ticket(&hash_token(&late.ticket), after_expiry)
            .await
            .unwrap()
            .is_none()
    );
    expect_error(
        server.client().send(reqwest::Method::POST, "/api/auth/ws-ticket", Some(&json!({}))).await,
        ErrorCode::Unauthenticated,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_login_name_in_two_schools_needs_the_school() {
    let server = TestServer::start().await;
    let (other, _) = server.add_school("Realschule Am Park").await;
    let client = server.client();
    expect_error(client.login("admin", ADMIN_PASSWORD, None).await, ErrorCode::SchoolRequired)
        .await;
    let me: Me =
        json_ok(client.login("admin", ADMIN_PASSWORD, Some(&other.slug)).await, StatusCode::OK)
            .await;
    assert_eq!(me.school.id, other.id);
    assert_eq!(me.user.status, UserStatus::Active);
    server.stop().await;
}
