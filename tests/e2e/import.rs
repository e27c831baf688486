//! The import end to end through the HTTP API: a first import of a Windows-1252 SchILD file, a
//! follow-up with a class change, a new pupil, a leaver and a name change, the same file again
//! (no change), parents linked to children, rejected lines and refused files.

use reqwest::{Method, StatusCode};
use schulhof_proto::{ErrorCode, Group, Member, Role, User, UserStatus};
use serde_json::{Value, json};
use testkit::{Client, TestServer, expect_error, json_ok};

const HEADER: &str = "Interne ID-Nummer;Nachname;Vorname;Klasse;Geburtsdatum;Status";

/// Encodes text as Windows-1252, as SchILD writes it.
fn cp1252(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

fn pupils_file(rows: &[&str]) -> Vec<u8> {
    let mut text = String::from(HEADER);
    for row in rows {
        text.push_str("\r\n");
        text.push_str(row);
    }
    cp1252(&text)
}

async fn upload(client: &Client, path: &str, bytes: Vec<u8>) -> reqwest::Response {
    client.http.post(client.url(path)).body(bytes).send().await.unwrap()
}

async fn preview(admin: &Client, kind: &str, bytes: Vec<u8>) -> Value {
    json_ok(upload(admin, &format!("/api/import/preview?kind={kind}"), bytes).await, StatusCode::OK)
        .await
}

/// Applies a file and returns the progress lines and the final line.
async fn apply(admin: &Client, kind: &str, bytes: Vec<u8>) -> (Vec<Value>, Value) {
    let response = upload(admin, &format!("/api/import/apply?kind={kind}"), bytes).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    let mut lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let last = lines.pop().unwrap();
    assert!(lines.iter().all(|l| l["type"] == "progress"), "{text}");
    (lines, last)
}

fn summary(value: &Value) -> Value {
    value["summary"].clone()
}

async fn pupils(admin: &Client) -> Vec<User> {
    admin.get_ok("/api/users?role=pupil").await
}

async fn class_members(admin: &Client, name: &str) -> Vec<String> {
    let groups: Vec<Group> = admin.get_ok("/api/groups?kind=class").await;
    let group =
        groups.iter().find(|g| g.name == name).unwrap_or_else(|| panic!("class {name} missing"));
    let members: Vec<Member> = admin.get_ok(&format!("/api/groups/{}/members", group.id)).await;
    let mut names: Vec<String> = members.into_iter().map(|m| m.user.display_name).collect();
    names.sort();
    names
}

#[tokio::test]
async fn first_import_then_changes_then_the_same_file_again() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let first = pupils_file(&[
        "1001;Müller;Jörg;5a;01.02.2014;2",
        "1002;Groß;Anna;5a;17.05.2014;2",
        "1003;Çelik;Zoë;5b;03.09.2013;2",
        "1004;Weiß;Ben;5b;31.02.2013;2",
        "",
        "1005;\"O'Neil; Jr.\";Sam;5b;12.12.2013;2",
        "1006;Schmidt;Lea;5a;01.01.2014;9",
    ]);

    // Dry run: counts, the rejected line by number, nothing written.
    let dry = preview(&admin, "pupils", first.clone()).await;
    assert_eq!(dry["file"]["encoding"], "windows-1252");
    assert_eq!(dry["file"]["separator"], ";");
    assert_eq!(summary(&dry)["creates"], 4);
    assert_eq!(summary(&dry)["class_creates"], 2);
    assert_eq!(summary(&dry)["rejected"], 1);
    assert_eq!(summary(&dry)["skipped_leavers"], 1);
    assert_eq!(dry["plan"]["rejected"][0]["line"], 5);
    assert!(dry["plan"]["rejected"][0]["message_de"].as_str().unwrap().contains("31.02.2013"));
    let logins: Vec<&str> = dry["plan"]["creates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins, ["joerg.mueller", "anna.gross", "zoe.celik", "sam.o-neil-jr"]);
    assert!(pupils(&admin).await.is_empty(), "a dry run writes nothing");

    // Apply: progress lines, then the result; accounts exist, restricted until consent.
    let (progress, done) = apply(&admin, "pupils", first.clone()).await;
    assert_eq!(done["type"], "done", "{done}");
    assert!(!progress.is_empty());
    assert_eq!(progress.last().unwrap()["done"], progress.last().unwrap()["total"]);
    let result = &done["result"];
    assert_eq!(result["credentials"], 4);
    let all = pupils(&admin).await;
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|u| u.status == UserStatus::Restricted && u.must_change_password));
    let joerg = all.iter().find(|u| u.login == "joerg.mueller").unwrap();
    assert_eq!(joerg.display_name, "Jörg Müller");
    assert_eq!(joerg.birth_date.as_deref(), Some("2014-02-01"));
    assert_eq!(joerg.import_id.as_deref(), Some("1001"));
    assert_eq!(class_members(&admin, "5a").await, ["Anna Groß", "Jörg Müller"]);
    assert_eq!(class_members(&admin, "5b").await, ["Sam O'Neil; Jr.", "Zoë Çelik"]);

    // The credentials sheet: CSV and a printable page per class; the passwords work.
    let run = result["run_id"].as_str().unwrap();
    let csv =
        admin.get(&format!("/api/import/runs/{run}/credentials.csv")).await.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}Klasse;Name;Anmeldename;Passwort"));
    let line = csv.lines().find(|l| l.contains("joerg.mueller")).unwrap();
    let password = line.rsplit(';').next().unwrap();
    let html =
        admin.get(&format!("/api/import/runs/{run}/credentials.html")).await.text().await.unwrap();
    assert_eq!(html.matches("<section>").count(), 2);
    assert!(html.contains("Klasse 5a") && html.contains("Jörg Müller"));
    assert_eq!(
        server.client().login("joerg.mueller", password, None).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        admin.delete(&format!("/api/import/runs/{run}/credentials")).await.status(),
        StatusCode::NO_CONTENT
    );
    expect_error(
        admin.get(&format!("/api/import/runs/{run}/credentials.csv")).await,
        ErrorCode::NotFound,
    )
    .await;

    // Follow-up: Anna moves to 5b, Zoë changes her name, Ben (fixed line) is new, Sam left
    // (missing from the file).
    let second = pupils_file(&[
        "1001;Müller;Jörg;5a;01.02.2014;2",
        "1002;Groß;Anna;5b;17.05.2014;2",
        "1003;Çelik-Yıldız;Zoë;5b;03.09.2013;2".replace('ı', "i").as_str(),
        "1004;Weiß;Ben;5b;28.02.2013;2",
    ]);
    let dry = preview(&admin, "pupils", second.clone()).await;
    let expected = json!({
        "creates": 1, "updates": 1, "moves": 1, "class_creates": 0, "class_renames": 0,
        "deactivations": 1, "reactivations": 0, "parent_links": 0, "parent_unlinks": 0,
        "skipped_leavers": 0, "rejected": 0
    });
    assert_eq!(summary(&dry), expected);
    assert_eq!(dry["plan"]["moves"][0]["from"], "5a");
    assert_eq!(dry["plan"]["moves"][0]["to"], "5b");
    assert_eq!(dry["plan"]["updates"][0]["changes"][0]["old"], "Zoë Çelik");
    assert_eq!(dry["plan"]["updates"][0]["changes"][0]["new"], "Zoë Çelik-Yildiz");
    assert_eq!(dry["plan"]["deactivations"][0]["reason"]["kind"], "missing_from_file");
    let (_, done) = apply(&admin, "pupils", second.clone()).await;
    assert_eq!(done["type"], "done");
    assert_eq!(class_members(&admin, "5a").await, ["Jörg Müller"]);
    assert_eq!(class_members(&admin, "5b").await, ["Anna Groß", "Ben Weiß", "Zoë Çelik-Yildiz"]);
    let all = pupils(&admin).await;
    let zoe = all.iter().find(|u| u.import_id.as_deref() == Some("1003")).unwrap();
    assert_eq!(zoe.login, "zoe.celik", "login names are stable across re-imports");
    let sam = all.iter().find(|u| u.import_id.as_deref() == Some("1005")).unwrap();
    assert_eq!(sam.status, UserStatus::Inactive, "deactivated, never deleted");

    // The same file again: no change at all.
    let dry = preview(&admin, "pupils", second.clone()).await;
    assert!(summary(&dry).as_object().unwrap().values().all(|v| v == 0), "{}", summary(&dry));
    let (_, done) = apply(&admin, "pupils", second).await;
    assert_eq!(done["result"]["credentials"], 0);
    assert_eq!(pupils(&admin).await.len(), 5);

    // Accounts made by hand are never touched by an import.
    let manual = crate::auth::create_user(&admin, "hand.gemacht", "pupil").await;
    apply(&admin, "pupils", pupils_file(&["1001;Müller;Jörg;5a;01.02.2014;2"])).await;
    let fetched: User = admin.get_ok(&format!("/api/users/{}", manual.user.id)).await;
    assert_eq!(fetched.status, UserStatus::Active);

    let entries: Vec<schulhof_proto::AuditEntry> = admin.get_ok("/api/audit").await;
    assert!(entries.iter().filter(|e| e.action == "import.applied").count() >= 3);
    server.stop().await;
}

#[tokio::test]
async fn parents_are_linked_to_their_children_by_import_id() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    apply(&admin, "pupils", pupils_file(&["2001;Vogel;Lina;6c;01.03.2014;2"])).await;
    let parents = cp1252(
        "Import-ID;Vorname;Nachname;Schüler-ID\r\nE1;Petra;Vogel;2001\r\nE2;Udo;Unbekannt;9999\r\n",
    );
    let dry = preview(&admin, "parents", parents.clone()).await;
    assert_eq!(summary(&dry)["creates"], 2);
    assert_eq!(summary(&dry)["parent_links"], 2);
    let (_, done) = apply(&admin, "parents", parents).await;
    assert_eq!(done["result"]["unresolved_links"][0]["child_import_id"], "9999");
    let users: Vec<User> = admin.get_ok("/api/users?role=parent").await;
    let petra = users.iter().find(|u| u.login == "petra.vogel").unwrap();
    assert_eq!(petra.role, Role::Parent);
    assert_eq!(petra.status, UserStatus::Active);
    let children: Vec<User> = admin.get_ok(&format!("/api/users/{}/children", petra.id)).await;
    assert_eq!(
        children.iter().map(|c| c.display_name.as_str()).collect::<Vec<_>>(),
        ["Lina Vogel"]
    );
    server.stop().await;
}

#[tokio::test]
async fn unreadable_files_and_non_admins_are_refused() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let no_id = cp1252("Nachname;Vorname\r\nMüller;Jörg\r\n");
    let body = expect_error(
        upload(&admin, "/api/import/preview?kind=pupils", no_id).await,
        ErrorCode::ImportFileInvalid,
    )
    .await;
    assert!(
        body.message_de.contains("Import-ID") || body.message_de.contains("Spalte"),
        "{}",
        body.message_de
    );
    expect_error(
        upload(&admin, "/api/import/preview?kind=pupils", Vec::new()).await,
        ErrorCode::ImportFileInvalid,
    )
    .await;
    expect_error(
        upload(&admin, "/api/import/preview?kind=aliens", pupils_file(&[])).await,
        ErrorCode::ValidationFailed,
    )
    .await;

    let pupil = crate::auth::create_user(&admin, "nicht.admin", "pupil").await;
    let client = server.login_first_time("nicht.admin", &pupil.initial_password).await;
    expect_error(
        upload(&client, "/api/import/apply?kind=pupils", pupils_file(&["1;A;B;5a;;2"])).await,
        ErrorCode::Forbidden,
    )
    .await;

    // A saved mapping profile is used by the next import of that kind.
    let file = cp1252("Nummer;Familienname;Rufname;Lerngruppe\r\n7;Kahn;Oli;7a\r\n");
    expect_error(
        upload(&admin, "/api/import/preview?kind=pupils", file.clone()).await,
        ErrorCode::ImportFileInvalid,
    )
    .await;
    let mapping = json!({ "import_id": "Nummer", "last_name": "Familienname", "first_name": "Rufname", "class": "Lerngruppe" });
    let response = admin.send(Method::PUT, "/api/import/profiles/pupils", Some(&mapping)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let dry = preview(&admin, "pupils", file).await;
    assert_eq!(dry["plan"]["creates"][0]["login"], "oli.kahn");
    assert_eq!(dry["plan"]["creates"][0]["class"], "7a");
    server.stop().await;
}
