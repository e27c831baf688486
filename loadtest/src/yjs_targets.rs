//! Where the Yjs benchmark's clients connect, per target. schulhof: the benchmark does what a
//! teacher does — the admin switches the `texts` module on, each class's teacher creates a `text`
//! document and shares it with the class group (write) — then every pupil takes a document token
//! (`POST /api/documents/{id}/token`, resuming the session saved by `populate`, logging in when it
//! expired) and connects to `/yjs/<id>?token=…`. Hocuspocus and `@y/websocket-server`: one
//! document name per class (fresh per run), no accounts.

use std::net::IpAddr;

use futures_util::StreamExt as _;
use reqwest::Method;
use schulhof_proto::{
    CreateDocumentRequest, Document, DocumentKind, DocumentShare, SetModuleRequest, ShareAccess,
    SharesRequest,
};
use serde::Deserialize;

use crate::api::{Api, ws_base};
use crate::users::{UserEntry, UsersFile};
use crate::yjs_wire::Dialect;

/// The server under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    Schulhof,
    Hocuspocus,
    /// `@y/websocket-server`.
    YWebsocket,
}

/// One connection's address and dialect.
#[derive(Clone, Debug)]
pub struct Seat {
    pub url: String,
    pub dialect: Dialect,
}

/// How the official Node clients reach a document: base URL, room name, token.
#[derive(Clone, Debug)]
pub struct OfficialSeat {
    pub base: String,
    pub room: String,
    pub token: String,
}

/// One class's document: its pupils' seats, an extra seat (the teacher: the S4 seeder) and two
/// for the official clients.
#[derive(Clone, Debug)]
pub struct DocSeats {
    pub pupils: Vec<Seat>,
    pub teacher: Seat,
    pub official: OfficialSeat,
}

pub const CLASS_SIZE: usize = 30;

#[derive(Deserialize)]
struct TokenAnswer {
    token: String,
}

/// Seats for `docs` documents of `CLASS_SIZE` clients each.
pub async fn prepare(
    target: Target,
    server: &str,
    users: Option<&std::path::Path>,
    docs: usize,
    bind_ip: Option<IpAddr>,
) -> Result<Vec<DocSeats>, String> {
    let ws = ws_base(server);
    let nonce = std::process::id();
    match target {
        Target::Schulhof => {
            let path = users.ok_or("--users is needed for schulhof")?;
            schulhof(server, &UsersFile::load(path)?, docs, bind_ip).await
        }
        Target::Hocuspocus | Target::YWebsocket => Ok((0..docs)
            .map(|index| {
                let name = format!("bench-{nonce}-{index}");
                let seat = if target == Target::Hocuspocus {
                    Seat {
                        url: format!("{ws}/"),
                        dialect: Dialect::Hocuspocus {
                            doc_name: name.clone(),
                            token: "bench".into(),
                        },
                    }
                } else {
                    Seat { url: format!("{ws}/{name}"), dialect: Dialect::Plain }
                };
                DocSeats {
                    pupils: vec![seat.clone(); CLASS_SIZE],
                    teacher: seat,
                    official: OfficialSeat { base: ws.clone(), room: name, token: "bench".into() },
                }
            })
            .collect()),
    }
}

/// The account's session cookie: the saved one if it still works, else a fresh login.
async fn session(api: &Api, school: &str, user: &UserEntry) -> Result<String, String> {
    if let Some(cookie) = &user.cookie
        && api
            .json::<(), serde_json::Value>(Method::GET, "/api/me", Some(cookie), None)
            .await
            .is_ok()
    {
        return Ok(cookie.clone());
    }
    Ok(api.login(&user.login, &user.password, school).await?.cookie)
}

async fn token(api: &Api, cookie: &str, doc: &str) -> Result<String, String> {
    let path = format!("/api/documents/{doc}/token");
    let answer: TokenAnswer = api.json::<(), _>(Method::POST, &path, Some(cookie), None).await?;
    Ok(answer.token)
}

async fn schulhof(
    server: &str,
    file: &UsersFile,
    docs: usize,
    bind_ip: Option<IpAddr>,
) -> Result<Vec<DocSeats>, String> {
    if file.classes.len() < docs {
        return Err(format!("{docs} documents need {docs} classes; the users file has fewer"));
    }
    let api = Api::new(server, bind_ip, 16)?;
    let admin = api.login(&file.admin.login, &file.admin.password, &file.school).await?;
    let on = SetModuleRequest { enabled: true };
    api.send(Method::PUT, "/api/modules/texts", Some(&admin.cookie), Some(&on)).await?;
    let members = file.members_by_class();
    let ws = ws_base(server);
    let classes: Vec<_> = file.classes.iter().zip(members).take(docs).collect();
    let mut results = futures_util::stream::iter(classes.into_iter().enumerate())
        .map(|(index, (class, members))| {
            let api = api.clone();
            let ws = ws.clone();
            async move {
                let teacher = members
                    .iter()
                    .map(|&m| &file.users[m])
                    .find(|u| u.role == "teacher")
                    .ok_or_else(|| format!("class {} has no teacher", class.name))?;
                let pupils: Vec<&UserEntry> = members
                    .iter()
                    .map(|&m| &file.users[m])
                    .filter(|u| u.role == "pupil")
                    .take(CLASS_SIZE)
                    .collect();
                if pupils.len() < CLASS_SIZE {
                    return Err(format!("class {} has fewer than {CLASS_SIZE} pupils", class.name));
                }
                let cookie = session(&api, &file.school, teacher).await?;
                let request = CreateDocumentRequest {
                    kind: DocumentKind::Text,
                    title: format!("Benchmark {} {}", std::process::id(), class.name),
                };
                let doc: Document =
                    api.json(Method::POST, "/api/documents", Some(&cookie), Some(&request)).await?;
                let id = doc.id.to_string();
                let group_id = class.id.parse().map_err(|_| format!("class id {}", class.id))?;
                let shares = SharesRequest {
                    shares: vec![DocumentShare {
                        group_id: Some(group_id),
                        user_id: None,
                        access: ShareAccess::Write,
                    }],
                };
                let path = format!("/api/documents/{id}/shares");
                api.json::<_, Document>(Method::PUT, &path, Some(&cookie), Some(&shares)).await?;
                let seat = |token: &str| Seat {
                    url: format!("{ws}/yjs/{id}?token={token}"),
                    dialect: Dialect::Plain,
                };
                let teacher_seat = seat(&token(&api, &cookie, &id).await?);
                let mut seats = Vec::with_capacity(CLASS_SIZE);
                let mut first_token = String::new();
                for pupil in pupils {
                    let cookie = session(&api, &file.school, pupil).await?;
                    let token = token(&api, &cookie, &id).await?;
                    if first_token.is_empty() {
                        first_token = token.clone();
                    }
                    seats.push(seat(&token));
                }
                let official =
                    OfficialSeat { base: format!("{ws}/yjs"), room: id, token: first_token };
                Ok::<_, String>((
                    index,
                    DocSeats { pupils: seats, teacher: teacher_seat, official },
                ))
            }
        })
        .buffer_unordered(8);
    let mut out = Vec::with_capacity(docs);
    while let Some(result) = results.next().await {
        out.push(result?);
    }
    out.sort_by_key(|(index, _)| *index);
    Ok(out.into_iter().map(|(_, seats)| seats).collect())
}
