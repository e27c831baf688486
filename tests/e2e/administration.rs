//! School administration: the consent rule and restricted accounts, module switches per school,
//! the audit log, the data export, and the leaver purge driven by a controllable clock.

use reqwest::{Method, StatusCode};
use schulhof_proto::{
    AuditEntry, ConsentGiver, ConsentState, CreatedUser, ErrorCode, Me, ModuleSwitch, User,
    UserStatus,
};
use schulhof_server::clock::{Clock, SystemClock};
use schulhof_server::config::Retention;
use schulhof_server::consent::date_of;
use schulhof_server::maintenance::run_once;
use serde_json::json;
use testkit::{ADMIN_PASSWORD, Client, TestServer, USER_PASSWORD, expect_error, json_ok};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A birth date that makes a pupil `years` old today (born on 1 January).
fn born_years_ago(years: i32) -> String {
    format!("{}-01-01", date_of(SystemClock.now_ms()).year() - years)
}

async fn create_pupil(admin: &Client, login: &str, birth_date: &str) -> CreatedUser {
    admin
        .post_ok(
            "/api/users",
            &json!({
                "login": login, "display_name": format!("{login} Muster"), "role": "pupil",
                "birth_date": birth_date
            }),
        )
        .await
}

async fn consent(
    admin: &Client,
    users: &[&CreatedUser],
    given_by: &str,
    given: bool,
) -> Vec<ConsentState> {
    let ids: Vec<_> = users.iter().map(|u| u.user.id).collect();
    admin
        .post_ok("/api/consents", &json!({ "user_ids": ids, "given_by": given_by, "given": given }))
        .await
}

async fn status_of(admin: &Client, user: &CreatedUser) -> UserStatus {
    admin.get_ok::<User>(&format!("/api/users/{}", user.user.id)).await.status
}

async fn switch(admin: &Client, module: &str, enabled: bool) {
    admin
        .put_status(
            &format!("/api/modules/{module}"),
            &json!({ "enabled": enabled }),
            StatusCode::OK,
        )
        .await;
}

#[tokio::test]
async fn pupils_without_the_consent_their_age_needs_are_restricted_until_it_is_recorded() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    switch(&admin, "addressbook", true).await;
    let young = create_pupil(&admin, "ida.klein", &born_years_ago(12)).await;
    let middle = create_pupil(&admin, "max.mitte", &born_years_ago(15)).await;
    let older = create_pupil(&admin, "ole.gross", &born_years_ago(17)).await;
    for pupil in [&young, &middle, &older] {
        assert_eq!(pupil.user.status, UserStatus::Restricted);
    }

    // A restricted pupil can log in and set her password, but every module refuses her.
    let ida = server.login("ida.klein", &young.initial_password).await;
    let me: Me = ida.get_ok("/api/me").await;
    assert_eq!(me.user.status, UserStatus::Restricted);
    ida.post_status(
        "/api/me/password",
        &json!({
            "current_password": young.initial_password, "new_password": USER_PASSWORD
        }),
        StatusCode::NO_CONTENT,
    )
    .await;
    let refused =
        expect_error(ida.get("/api/addressbook").await, ErrorCode::AccountRestricted).await;
    assert!(refused.message.contains("consent"));
    expect_error(ida.get("/api/me/groups").await, ErrorCode::AccountRestricted).await;

    // The parents' consent is enough under 14, not at 15 (pupil too) nor at 17 (pupil alone).
    let states = consent(&admin, &[&young, &middle, &older], "parents", true).await;
    assert!(states[0].satisfied);
    assert_eq!(states[1].required, [ConsentGiver::Parents, ConsentGiver::Pupil]);
    assert!(!states[1].satisfied);
    assert_eq!(states[2].required, [ConsentGiver::Pupil]);
    assert!(!states[2].satisfied);
    assert_eq!(status_of(&admin, &young).await, UserStatus::Active);
    assert_eq!(status_of(&admin, &middle).await, UserStatus::Restricted);
    assert_eq!(status_of(&admin, &older).await, UserStatus::Restricted);

    consent(&admin, &[&middle, &older], "pupil", true).await;
    assert_eq!(status_of(&admin, &middle).await, UserStatus::Active);
    assert_eq!(status_of(&admin, &older).await, UserStatus::Active);

    // Access comes without re-import or new account: Ida logs in again and uses the module.
    let ida = server.login("ida.klein", USER_PASSWORD).await;
    let book: Vec<serde_json::Value> = ida.get_ok("/api/addressbook").await;
    assert!(book.is_empty(), "Ida shares no group yet");

    // Withdrawing the parents' consent restricts her again and ends her session.
    consent(&admin, &[&young], "parents", false).await;
    assert_eq!(status_of(&admin, &young).await, UserStatus::Restricted);
    expect_error(ida.get("/api/addressbook").await, ErrorCode::Unauthenticated).await;

    let state: ConsentState = admin.get_ok(&format!("/api/users/{}/consents", young.user.id)).await;
    assert_eq!(state.records.len(), 1);
    assert!(state.records[0].withdrawn_at.is_some());
    assert!(state.present.is_empty());

    // A bulk request naming a non-pupil changes nothing at all.
    let teacher: CreatedUser = admin
        .post_ok(
            "/api/users",
            &json!({ "login": "herr.lehrer", "display_name": "Herr Lehrer", "role": "teacher" }),
        )
        .await;
    let ids = [young.user.id, teacher.user.id];
    let response = admin
        .send(
            Method::POST,
            "/api/consents",
            Some(&json!({ "user_ids": ids, "given_by": "parents", "given": true })),
        )
        .await;
    expect_error(response, ErrorCode::ValidationFailed).await;
    assert_eq!(status_of(&admin, &young).await, UserStatus::Restricted);
    server.stop().await;
}

#[tokio::test]
async fn a_switched_off_module_is_refused_for_that_school_only() {
    let server = TestServer::start().await;
    let admin_a = server.admin().await;
    let (school_b, _) = server.add_school("Gesamtschule Nord").await;
    let admin_b = server.client();
    assert_eq!(
        admin_b.login("admin", ADMIN_PASSWORD, Some(&school_b.slug)).await.status(),
        StatusCode::OK
    );

    let switches: Vec<ModuleSwitch> = admin_a.get_ok("/api/modules").await;
    assert!(switches.iter().all(|s| !s.enabled), "everything starts locked");
    assert!(switches.iter().any(|s| s.module.as_str() == "messenger"));
    expect_error(admin_a.get("/api/addressbook").await, ErrorCode::ModuleDisabled).await;

    switch(&admin_a, "addressbook", true).await;
    let me: Me = admin_a.get_ok("/api/me").await;
    assert_eq!(me.modules.iter().map(|m| m.as_str()).collect::<Vec<_>>(), ["addressbook"]);
    assert_eq!(admin_a.get("/api/addressbook").await.status(), StatusCode::OK);
    let body = expect_error(admin_b.get("/api/addressbook").await, ErrorCode::ModuleDisabled).await;
    assert!(body.message_de.contains("nicht freigeschaltet"));

    switch(&admin_a, "addressbook", false).await;
    expect_error(admin_a.get("/api/addressbook").await, ErrorCode::ModuleDisabled).await;
    let response =
        admin_a.send(Method::PUT, "/api/modules/teleport", Some(&json!({ "enabled": true }))).await;
    expect_error(response, ErrorCode::NotFound).await;

    let pupil = crate::auth::create_user(&admin_a, "pia.punkt", "pupil").await;
    let pia = server.login_first_time("pia.punkt", &pupil.initial_password).await;
    let response =
        pia.send(Method::PUT, "/api/modules/addressbook", Some(&json!({ "enabled": true }))).await;
    expect_error(response, ErrorCode::Forbidden).await;
    server.stop().await;
}

#[tokio::test]
async fn the_address_book_lists_people_who_share_a_group() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    switch(&admin, "addressbook", true).await;
    let a = crate::auth::create_user(&admin, "anna.a", "pupil").await;
    let b = crate::auth::create_user(&admin, "bert.b", "pupil").await;
    let c = crate::auth::create_user(&admin, "carl.c", "pupil").await;
    let group: schulhof_proto::Group =
        admin.post_ok("/api/groups", &json!({ "name": "5a", "kind": "class" })).await;
    for user in [&a, &b] {
        admin
            .put_status(
                &format!("/api/groups/{}/members/{}", group.id, user.user.id),
                &json!({"role": "member"}),
                StatusCode::NO_CONTENT,
            )
            .await;
    }
    let anna = server.login_first_time("anna.a", &a.initial_password).await;
    let book: Vec<serde_json::Value> = anna.get_ok("/api/addressbook").await;
    assert_eq!(book.len(), 1);
    assert_eq!(book[0]["display_name"], "bert.b Muster");
    assert_eq!(book[0]["groups"], json!(["5a"]));
    assert!(book.iter().all(|e| e["user_id"] != json!(c.user.id)));
    server.stop().await;
}

#[tokio::test]
async fn admin_actions_are_audited_without_names_and_a_user_can_be_exported() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let pupil = crate::auth::create_user(&admin, "erik.export", "pupil").await;
    server.login_first_time("erik.export", &pupil.initial_password).await;
    let _ = server.client().login("erik.export", "falsch", None).await;
    admin
        .put_status(
            &format!("/api/users/{}/status", pupil.user.id),
            &json!({"status": "inactive"}),
            StatusCode::OK,
        )
        .await;
    admin
        .post_ok::<_, serde_json::Value>(
            &format!("/api/users/{}/password-reset", pupil.user.id),
            &json!({}),
        )
        .await;
    switch(&admin, "messenger", true).await;

    let entries: Vec<AuditEntry> = admin.get_ok("/api/audit").await;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "module.switched",
        "user.password_reset",
        "user.status",
        "consent.recorded",
        "user.created",
    ] {
        assert!(actions.contains(&expected), "{expected} missing in {actions:?}");
    }
    assert_eq!(entries[0].action, "module.switched", "newest first");
    assert!(entries.iter().all(|e| e.actor_login == "admin" && e.at > 0));
    assert!(entries.iter().all(|e| !e.summary.contains("Muster") && !e.summary.contains("erik")));
    let status = entries.iter().find(|e| e.action == "user.status").unwrap();
    assert_eq!(status.target_id.as_deref(), Some(pupil.user.id.to_string().as_str()));
    assert_eq!(status.summary, "active → inactive");

    let response = admin.get(&format!("/api/users/{}/export", pupil.user.id)).await;
    let disposition =
        response.headers().get("content-disposition").unwrap().to_str().unwrap().to_owned();
    assert!(disposition.contains("attachment") && disposition.contains("erik.export"));
    let export: serde_json::Value = json_ok(response, StatusCode::OK).await;
    assert_eq!(export["user"]["login"], "erik.export");
    assert_eq!(export["consents"]["present"], json!(["parents", "pupil"]));
    let events = export["login_events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["ip"] == "127.0.0.1" && e["outcome"] == "ok"));
    assert!(events.iter().any(|e| e["outcome"] == "invalid_credentials"));
    assert!(export["audit_entries"].as_array().unwrap().len() >= 3);
    expect_error(
        admin.get(&format!("/api/users/{}/export", schulhof_proto::UserId::new())).await,
        ErrorCode::NotFound,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn deactivated_accounts_are_purged_after_the_grace_period_and_ip_addresses_expire() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let leaver = crate::auth::create_user(&admin, "lea.geht", "pupil").await;
    let stayer = crate::auth::create_user(&admin, "sam.bleibt", "pupil").await;
    let class: schulhof_proto::Group =
        admin.post_ok("/api/groups", &json!({ "name": "10b", "kind": "class" })).await;
    admin
        .put_status(
            &format!("/api/groups/{}/members/{}", class.id, leaver.user.id),
            &json!({"role": "member"}),
            StatusCode::NO_CONTENT,
        )
        .await;
    admin
        .put_status(
            &format!("/api/users/{}/status", leaver.user.id),
            &json!({"status": "inactive"}),
            StatusCode::OK,
        )
        .await;
    let now = SystemClock.now_ms();
    let retention = Retention::default();

    // Within the grace period nothing happens to the account.
    // (The admin logs in again after each run: the simulated weeks also expire her session.)
    let report = run_once(&server.store, retention, now + 29 * DAY_MS).await.unwrap();
    assert_eq!(report.purged_users, 0);
    let admin = server.admin().await;
    assert_eq!(status_of(&admin, &leaver).await, UserStatus::Inactive);

    let report = run_once(&server.store, retention, now + 31 * DAY_MS).await.unwrap();
    assert_eq!(report.purged_users, 1);
    let admin = server.admin().await;
    expect_error(admin.get(&format!("/api/users/{}", leaver.user.id)).await, ErrorCode::NotFound)
        .await;
    let class: schulhof_proto::Group = admin.get_ok(&format!("/api/groups/{}", class.id)).await;
    assert_eq!(class.member_count, 0, "memberships went with the account");
    assert_eq!(status_of(&admin, &stayer).await, UserStatus::Active);
    let entries: Vec<AuditEntry> =
        admin.get_ok(&format!("/api/audit?target={}", leaver.user.id)).await;
    assert_eq!(entries[0].action, "user.purged");
    assert_eq!(entries[0].actor_login, "system");

    // Login events (with IP addresses) are gone after 7 days.
    let me: Me = admin.get_ok("/api/me").await;
    assert!(!server.store.login_events(server.school.id, me.user.id).await.unwrap().is_empty());
    let cutoff_run = SystemClock.now_ms() + 8 * DAY_MS;
    let report = run_once(&server.store, retention, cutoff_run).await.unwrap();
    assert!(report.login_events_removed > 0);
    assert!(server.store.login_events(server.school.id, me.user.id).await.unwrap().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn a_pupil_turning_fourteen_needs_her_own_consent() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let today = date_of(SystemClock.now_ms());
    let birthday = today + time::Duration::days(10);
    let birth_date = birthday.replace_year(birthday.year() - 14).unwrap().to_string();
    let pupil = create_pupil(&admin, "tina.teen", &birth_date).await;
    consent(&admin, &[&pupil], "parents", true).await;
    assert_eq!(status_of(&admin, &pupil).await, UserStatus::Active);

    let now = SystemClock.now_ms();
    let report = run_once(&server.store, Retention::default(), now + 5 * DAY_MS).await.unwrap();
    assert_eq!(report.status_changes, 0);
    let report = run_once(&server.store, Retention::default(), now + 11 * DAY_MS).await.unwrap();
    assert_eq!(report.status_changes, 1);
    let admin = server.admin().await;
    assert_eq!(status_of(&admin, &pupil).await, UserStatus::Restricted);
    server.stop().await;
}
