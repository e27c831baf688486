//! schulhof's SFU as the target of the video benchmark, signalled over the hub as docs/video.md
//! says. Per class (accounts from `users.json`; the admin switches the `video` module on once):
//! the teacher and 29 pupils resume their sessions, take a ticket, open a hub socket and subscribe
//! to `video:<class group>`; the teacher joins (starting the lesson), then the pupils. The client
//! always offers: the teacher offers its audio and camera (3 simulcast layers), each talker its
//! audio; once every participant's `state` lists the tracks it should get, each offers (again)
//! with a recvonly m-line per track (`receive`: mid → track ID) next to its sending ones, and the
//! pupils send `view` with the height that picks their layer (180, 360 or 720 px).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use reqwest::Method;
use schulhof_proto::SetModuleRequest;
use serde_json::{Value, json};
use str0m::media::Mid;

use crate::api::{Api, ws_base};
use crate::users::{UserEntry, UsersFile};
use crate::video::VideoOptions;
use crate::video_class::{Line, PUPILS, Profile, accept_answer, offer};
use crate::video_engine::Engine;
use crate::video_hub::{Hub, RemoteTrack};
use crate::video_media::LAYERS;
use crate::wsconn;

pub struct Schulhof {
    api: Api,
    file: UsersFile,
    members: Vec<Vec<usize>>,
    ws: String,
    server: SocketAddr,
    bind: IpAddr,
    metrics_url: String,
    http: reqwest::Client,
}

/// One participant during setup.
struct Seat {
    hub: Hub,
    participant: u64,
    peer: Option<usize>,
    /// Sending m-lines: mid → kind (`audio`, `camera`).
    publish: BTreeMap<String, &'static str>,
    /// Receiving m-lines: mid → track ID.
    receive: BTreeMap<String, u64>,
}

const TRACKS_TIMEOUT: Duration = Duration::from_secs(30);

impl Schulhof {
    pub async fn open(options: &VideoOptions) -> Result<Schulhof, String> {
        let path = options.users.as_deref().ok_or("--users is needed for schulhof")?;
        let file = UsersFile::load(path)?;
        let api = Api::new(&options.server, Some(options.bind_ip), 16)?;
        let admin = api.login(&file.admin.login, &file.admin.password, &file.school).await?;
        let on = SetModuleRequest { enabled: true };
        api.send(Method::PUT, "/api/modules/video", Some(&admin.cookie), Some(&on)).await?;
        let ws = ws_base(&options.server);
        let server = wsconn::resolve(&ws).await?;
        let metrics_url = options
            .metrics_url
            .clone()
            .unwrap_or_else(|| format!("{}/metrics", options.server.trim_end_matches('/')));
        let members = file.members_by_class();
        let http = reqwest::Client::builder()
            .local_address(Some(options.bind_ip))
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Schulhof { api, file, members, ws, server, bind: options.bind_ip, metrics_url, http })
    }

    pub async fn forwarded_metric(&self) -> Option<f64> {
        crate::video_targets::fetch_forwarded(&self.http, &self.metrics_url).await
    }

    async fn connect(&self, user: &UserEntry, group: &str) -> Result<Hub, String> {
        let cookie = session(&self.api, &self.file.school, user).await?;
        let ticket = self.api.ws_ticket(&cookie).await?;
        let url = format!("{}/ws?ticket={ticket}", self.ws);
        Hub::open(&url, self.server, Some(self.bind), group).await
    }

    /// Sets up class `class`; the hub connections it returns must stay open while it runs.
    pub async fn add_class(
        &self,
        engine: &Engine,
        class: usize,
        profile: Profile,
    ) -> Result<Vec<Hub>, String> {
        let entry =
            self.file.classes.get(class).ok_or_else(|| format!("users file: no class {class}"))?;
        let group = entry.id.clone();
        let members = self.members.get(class).ok_or("users file: no members")?;
        let users: Vec<&UserEntry> =
            members.iter().filter_map(|&m| self.file.users.get(m)).collect();
        let teacher = users.iter().find(|u| u.role == "teacher").ok_or("class without teacher")?;
        let mut seats_users: Vec<&UserEntry> = vec![teacher];
        seats_users.extend(users.iter().filter(|u| u.role == "pupil").take(PUPILS));
        if seats_users.len() < PUPILS + 1 {
            return Err(format!("class {class} has fewer than {PUPILS} pupils"));
        }
        // Sockets first (8 at a time), in seat order: 0 = teacher, 1 + i = pupil i.
        let hubs: Vec<Result<Hub, String>> = futures_util::stream::iter(seats_users)
            .map(|user| self.connect(user, &group))
            .buffered(8)
            .collect()
            .await;
        let mut seats = Vec::with_capacity(hubs.len());
        for hub in hubs {
            seats.push(Seat {
                hub: hub?,
                participant: 0,
                peer: None,
                publish: BTreeMap::new(),
                receive: BTreeMap::new(),
            });
        }
        for seat in &mut seats {
            let joined = seat.hub.publish(json!({"op": "join"})).await?;
            seat.participant =
                joined.get("participant").and_then(Value::as_u64).ok_or("join: no participant")?;
        }
        // The teacher's camera and microphone, then the talkers' microphones.
        let lines = vec![Line::SendAudio, Line::SendCamera];
        let mids = negotiate(engine, self.bind, false, &mut seats[0], lines, &[]).await?;
        let [audio, video] = mids[..] else { return Err("teacher mids".into()) };
        engine.publish(peer_of(&seats[0])?, profile.teacher_tracks(audio, video))?;
        for pupil in (0..PUPILS).filter(|&p| profile.is_talker(p)) {
            let seat = &mut seats[1 + pupil];
            let lines = vec![Line::SendAudio];
            let mids = negotiate(engine, self.bind, false, seat, lines, &[]).await?;
            let audio = *mids.first().ok_or("talker mid")?;
            engine.publish(peer_of(seat)?, vec![profile.talker_track(audio)])?;
        }
        // Everybody receives what it should: wait until its state lists all of it.
        let teacher_id = seats[0].participant;
        for (place, seat) in seats.iter_mut().enumerate() {
            let expected = if place == 0 {
                profile.talkers
            } else {
                2 + profile.talkers - usize::from(profile.is_talker(place - 1))
            };
            let tracks = wait_tracks(&seat.hub, expected.min(2 + PUPILS)).await?;
            let wanted: Vec<RemoteTrack> = tracks
                .into_iter()
                .filter(|t| place != 0 || t.audio)
                .filter(|t| !seat.receive.values().any(|id| *id == t.id))
                .collect();
            if wanted.is_empty() {
                continue;
            }
            let lines = wanted
                .iter()
                .map(|t| if t.audio { Line::RecvAudio } else { Line::RecvVideo })
                .collect();
            let light = place > 0 && profile.is_light(place - 1);
            negotiate(engine, self.bind, light, seat, lines, &wanted).await?;
            if place > 0
                && let Some(camera) =
                    wanted.iter().find(|t| !t.audio && t.participant == teacher_id)
            {
                let height = LAYERS[profile.pupil_layer(place - 1)].height;
                let tiles = json!({camera.id.to_string(): height});
                seat.hub.publish(json!({"op": "view", "tiles": tiles})).await?;
            }
        }
        Ok(seats.into_iter().map(|seat| seat.hub).collect())
    }
}

fn peer_of(seat: &Seat) -> Result<usize, String> {
    seat.peer.ok_or_else(|| "no peer".to_owned())
}

/// Adds `lines` to the seat's session (a new peer on its first offer), offers them with the
/// whole `publish`/`receive` picture, and applies the answer. `receiving` gives the track of
/// each receiving line, in order.
async fn negotiate(
    engine: &Engine,
    bind: IpAddr,
    light: bool,
    seat: &mut Seat,
    lines: Vec<Line>,
    receiving: &[RemoteTrack],
) -> Result<Vec<Mid>, String> {
    let peer = match seat.peer {
        Some(peer) => peer,
        None => {
            let (peer, _) = engine.create(bind, light).await?;
            seat.peer = Some(peer);
            peer
        }
    };
    let kinds = lines.clone();
    let made = offer(engine, peer, lines).await?;
    let mut tracks = receiving.iter();
    for (mid, line) in made.mids.iter().zip(kinds) {
        match line {
            Line::SendAudio => drop(seat.publish.insert(mid.to_string(), "audio")),
            Line::SendCamera => drop(seat.publish.insert(mid.to_string(), "camera")),
            Line::RecvAudio | Line::RecvVideo => {
                let track = tracks.next().ok_or("more receiving lines than tracks")?;
                seat.receive.insert(mid.to_string(), track.id);
            }
        }
    }
    let body =
        json!({"op": "offer", "sdp": made.sdp, "publish": seat.publish, "receive": seat.receive});
    let answered = seat.hub.publish(body).await?;
    let sdp = answered.get("sdp").and_then(Value::as_str).ok_or("offer: no answer sdp")?;
    accept_answer(engine, peer, made.pending, sdp.to_owned()).await?;
    Ok(made.mids)
}

async fn wait_tracks(hub: &Hub, expected: usize) -> Result<Vec<RemoteTrack>, String> {
    let deadline = Instant::now() + TRACKS_TIMEOUT;
    loop {
        let tracks = hub.tracks();
        if tracks.len() >= expected {
            return Ok(tracks);
        }
        if Instant::now() >= deadline {
            return Err(format!("state lists {} tracks, expected {expected}", tracks.len()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The account's session cookie: the saved one if it still works, else a fresh login.
async fn session(api: &Api, school: &str, user: &UserEntry) -> Result<String, String> {
    if let Some(cookie) = &user.cookie
        && api.json::<(), Value>(Method::GET, "/api/me", Some(cookie), None).await.is_ok()
    {
        return Ok(cookie.clone());
    }
    Ok(api.login(&user.login, &user.password, school).await?.cookie)
}
