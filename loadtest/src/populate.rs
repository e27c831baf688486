//! `populate`: creates a seeded school population through the real HTTP API, the way a school
//! admin would: import a SchILD file, read the credentials sheet, add a teacher per class as its
//! leader, record the consents, switch the messenger and quick polls on, then log every account in
//! once and replace its initial password. Writes `users.json` for `run`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use futures_util::StreamExt as _;
use reqwest::Method;
use schulhof_proto::{
    BulkConsentRequest, ConsentGiver, CreateUserRequest, CreatedUser, Group, MemberRole, Role,
    SetMemberRequest, SetModuleRequest, User,
};
use serde::Serialize;

use crate::api::Api;
use crate::report::{emit, progress};
use crate::schild::{generate_pupils, parse_credentials, schild_csv};
use crate::seed::derived_password;
use crate::users::{Account, ClassEntry, UserEntry, UsersFile};

pub struct PopulateOptions {
    pub server: String,
    pub admin_login: String,
    pub admin_password: String,
    pub school: String,
    pub classes: usize,
    pub seed: u64,
    pub out: PathBuf,
    pub concurrency: usize,
    pub bind_ip: Option<std::net::IpAddr>,
}

#[derive(Serialize)]
struct PopulateResult {
    bench: &'static str,
    classes: usize,
    pupils: usize,
    teachers: usize,
    import_ms: u128,
    setup_ms: u128,
    first_logins_ms: u128,
    login_failures: usize,
    out: String,
}

pub async fn populate(options: PopulateOptions) -> Result<(), String> {
    let api = Api::new(&options.server, options.bind_ip, options.concurrency.max(4))?;
    let admin = admin_session(&api, &options).await?;
    let cookie = Some(admin.cookie.as_str());

    let started = Instant::now();
    let file = schild_csv(&generate_pupils(options.classes, options.seed));
    progress(&format!("importing {} classes ({} bytes)", options.classes, file.len()));
    let answer = api
        .raw(Method::POST, "/api/import/apply?kind=pupils", cookie, Some(file.into_bytes()))
        .await?;
    let run_id = import_run_id(&answer)?;
    let import_ms = started.elapsed().as_millis();
    let path = format!("/api/import/runs/{run_id}/credentials.csv");
    let credentials = parse_credentials(&api.raw(Method::GET, &path, cookie, None).await?)?;

    let started = Instant::now();
    let groups: Vec<Group> =
        api.json::<(), _>(Method::GET, "/api/groups?kind=class", cookie, None).await?;
    let class_ids: HashMap<&str, String> =
        groups.iter().map(|group| (group.name.as_str(), group.id.to_string())).collect();
    let pupils: Vec<User> =
        api.json::<(), _>(Method::GET, "/api/users?role=pupil", cookie, None).await?;
    let pupil_ids: HashMap<&str, _> =
        pupils.iter().map(|user| (user.login.as_str(), user.id)).collect();

    let mut classes = Vec::new();
    let mut accounts: Vec<(UserEntry, String)> = Vec::new();
    for credential in &credentials {
        let class_id = class_ids
            .get(credential.class_name.as_str())
            .ok_or_else(|| format!("no class group {:?}", credential.class_name))?;
        let entry = entry(&credential.login, "pupil", class_id);
        accounts.push((entry, credential.password.clone()));
    }
    let mut class_names: Vec<&str> = credentials.iter().map(|c| c.class_name.as_str()).collect();
    class_names.dedup();
    for name in class_names {
        let class_id = class_ids.get(name).ok_or_else(|| format!("no class group {name:?}"))?;
        classes.push(ClassEntry { id: class_id.clone(), name: name.to_owned() });
        let request = CreateUserRequest {
            login: format!("lehrkraft-{}-{name}", options.seed),
            display_name: format!("Lehrkraft {name}"),
            role: Role::Teacher,
            birth_date: None,
            import_id: None,
            consents: Vec::new(),
        };
        let created: CreatedUser =
            api.json(Method::POST, "/api/users", cookie, Some(&request)).await?;
        let member_path = format!("/api/groups/{class_id}/members/{}", created.user.id);
        let leader = SetMemberRequest { role: MemberRole::Leader };
        api.send(Method::PUT, &member_path, cookie, Some(&leader)).await?;
        accounts.push((entry(&created.user.login, "teacher", class_id), created.initial_password));
    }

    let ids: Vec<_> = credentials
        .iter()
        .map(|c| pupil_ids.get(c.login.as_str()).copied())
        .collect::<Option<_>>()
        .ok_or("a pupil of the credentials sheet is missing from /api/users")?;
    for given_by in [ConsentGiver::Parents, ConsentGiver::Pupil] {
        for chunk in ids.chunks(1000) {
            let request = BulkConsentRequest { user_ids: chunk.to_vec(), given_by, given: true };
            api.send(Method::POST, "/api/consents", cookie, Some(&request)).await?;
        }
    }
    let on = SetModuleRequest { enabled: true };
    for module in ["messenger", "polls"] {
        let path = format!("/api/modules/{module}");
        api.send(Method::PUT, &path, cookie, Some(&on)).await?;
    }
    let setup_ms = started.elapsed().as_millis();

    let started = Instant::now();
    let total = accounts.len();
    progress(&format!("first login and password change for {total} accounts"));
    let mut done = 0usize;
    let mut failures = 0usize;
    let mut users = Vec::with_capacity(total);
    let mut results = futures_util::stream::iter(accounts)
        .map(|(entry, initial)| first_login(&api, &options, entry, initial))
        .buffer_unordered(options.concurrency.max(1));
    while let Some(result) = results.next().await {
        done += 1;
        match result {
            Ok(entry) => users.push(entry),
            Err(error) => {
                failures += 1;
                progress(&format!("first login failed: {error}"));
            }
        }
        if done.is_multiple_of(50) || done == total {
            progress(&format!("{done}/{total} accounts ready"));
        }
    }
    drop(results);
    let first_logins_ms = started.elapsed().as_millis();
    users.sort_by(|a, b| (&a.class_id, &a.role, &a.login).cmp(&(&b.class_id, &b.role, &b.login)));

    let file = UsersFile {
        server: options.server.clone(),
        school: options.school.clone(),
        seed: options.seed,
        admin: Account { login: options.admin_login.clone(), password: admin.password },
        classes,
        users,
    };
    file.save(&options.out)?;
    emit(&PopulateResult {
        bench: "populate",
        classes: file.classes.len(),
        pupils: file.users.iter().filter(|u| u.role == "pupil").count(),
        teachers: file.users.iter().filter(|u| u.role == "teacher").count(),
        import_ms,
        setup_ms,
        first_logins_ms,
        login_failures: failures,
        out: options.out.display().to_string(),
    })
}

fn entry(login: &str, role: &str, class_id: &str) -> UserEntry {
    UserEntry {
        login: login.to_owned(),
        password: String::new(),
        role: role.to_owned(),
        class_id: class_id.to_owned(),
        cookie: None,
    }
}

struct AdminSession {
    cookie: String,
    password: String,
}

/// Logs the admin in; a bootstrap admin still holding the one-time password gets the derived one
/// (so a second `populate` against the same school can log in with either).
async fn admin_session(api: &Api, options: &PopulateOptions) -> Result<AdminSession, String> {
    let derived = derived_password(options.seed, &format!("admin:{}", options.admin_login));
    let (logged_in, password) =
        match api.login(&options.admin_login, &options.admin_password, &options.school).await {
            Ok(logged_in) => (logged_in, options.admin_password.clone()),
            Err(first) => match api.login(&options.admin_login, &derived, &options.school).await {
                Ok(logged_in) => (logged_in, derived.clone()),
                Err(_) => return Err(format!("admin login: {first}")),
            },
        };
    if !logged_in.me.user.must_change_password {
        return Ok(AdminSession { cookie: logged_in.cookie, password });
    }
    api.change_password(&logged_in.cookie, &password, &derived).await?;
    progress(&format!("admin password changed to {derived} (saved in the users file)"));
    Ok(AdminSession { cookie: logged_in.cookie, password: derived })
}

/// Logs an account in with its initial password and sets the derived one; keeps the cookie.
async fn first_login(
    api: &Api,
    options: &PopulateOptions,
    mut entry: UserEntry,
    initial: String,
) -> Result<UserEntry, String> {
    let derived = derived_password(options.seed, &entry.login);
    let logged_in = api
        .login(&entry.login, &initial, &options.school)
        .await
        .map_err(|error| format!("{}: {error}", entry.login))?;
    api.change_password(&logged_in.cookie, &initial, &derived)
        .await
        .map_err(|error| format!("{}: {error}", entry.login))?;
    entry.password = derived;
    entry.cookie = Some(logged_in.cookie);
    Ok(entry)
}

/// The run ID from the apply answer's JSON lines (`done`), or the error it reports.
fn import_run_id(ndjson: &str) -> Result<String, String> {
    for line in ndjson.lines().filter(|line| !line.trim().is_empty()) {
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|error| format!("import answer: {error}"))?;
        match value.get("type").and_then(|t| t.as_str()) {
            Some("done") => {
                return value
                    .pointer("/result/run_id")
                    .and_then(|id| id.as_str())
                    .map(str::to_owned)
                    .ok_or_else(|| "import answer: done without run_id".to_owned());
            }
            Some("error") => return Err(format!("import failed: {}", value["error"])),
            _ => {}
        }
    }
    Err("import answer ended without a result".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_id_comes_from_the_done_line() {
        let answer = "{\"type\":\"progress\",\"done\":1,\"total\":2}\n\
                      {\"type\":\"done\",\"result\":{\"run_id\":\"r-1\",\"credentials\":2}}\n";
        assert_eq!(import_run_id(answer).unwrap(), "r-1");
        let failed = "{\"type\":\"error\",\"error\":{\"code\":\"import_file_invalid\"}}\n";
        assert!(import_run_id(failed).unwrap_err().contains("import_file_invalid"));
        assert!(import_run_id("{\"type\":\"progress\"}\n").is_err());
    }
}
