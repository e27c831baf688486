//! One simulated user, as one task: get a ticket (resuming the saved session, logging in when it
//! has expired), open the WebSocket, wait for `hello`, subscribe to the class topic, then read
//! deliveries and publish on command until told to close, closed by the server, or past the run's
//! deadline. Everything it observes goes into [`Shared`].

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::{Semaphore, mpsc};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

use crate::api::Api;
use crate::frames::{self, Incoming};
use crate::shared::{SeqEvent, SeqTracker, Shared};
use crate::wsconn::{self, Socket};

/// Who a client is and what it subscribes to.
#[derive(Clone, Debug)]
pub struct ClientPlan {
    /// Index into `Shared::live`.
    pub index: usize,
    /// Index into `Shared::classes`.
    pub class: usize,
    pub topic: String,
    pub login: String,
    pub password: String,
    pub cookie: Option<String>,
}

/// What the driver tells a client.
#[derive(Debug)]
pub enum Command {
    /// Publish one stamped message to the class topic.
    Publish,
    Close,
}

/// Settings every client of a run shares.
pub struct Setup {
    /// `None` for the peer: no login, no ticket.
    pub api: Option<Api>,
    pub school: String,
    /// `ws://host:port` (schulhof: `/ws?ticket=` is appended; the peer: `/`).
    pub ws_base: String,
    pub server_addr: SocketAddr,
    pub bind_ip: Option<IpAddr>,
    /// Bounds concurrent HTTP requests (and so HTTP sockets).
    pub http_permits: Arc<Semaphore>,
    /// Bounds clients setting up at once (`storm`: effectively unbounded).
    pub setup_permits: Arc<Semaphore>,
    /// Ignore saved cookies and log in.
    pub fresh_login: bool,
    /// No task lives past this.
    pub deadline: Instant,
}

const STEP_TIMEOUT: Duration = Duration::from_secs(30);

pub async fn run_client(
    plan: ClientPlan,
    setup: Arc<Setup>,
    shared: Arc<Shared>,
    commands: mpsc::Receiver<Command>,
) {
    let deadline = tokio::time::Instant::from_std(setup.deadline);
    let started = Instant::now();
    let permit = setup.setup_permits.clone().acquire_owned().await;
    let opened = tokio::time::timeout_at(deadline, set_up(&plan, &setup, &shared)).await;
    drop(permit);
    let (socket, tracker) = match opened {
        Ok(Ok(opened)) => opened,
        Ok(Err(kind)) => return fail(&shared, kind),
        Err(_) => return fail(&shared, "deadline".to_owned()),
    };
    shared.setup.record_micros(micros(started.elapsed()));
    shared.last_ready_ns.fetch_max(shared.now_ns(), Ordering::Relaxed);
    if let Some(live) = shared.live.get(plan.index) {
        live.store(true, Ordering::Relaxed);
    }
    if let Some(class) = shared.classes.get(plan.class) {
        class.subscribed.fetch_add(1, Ordering::Relaxed);
    }
    shared.ready.fetch_add(1, Ordering::Relaxed);

    let close_code = session(&plan, socket, tracker, &shared, commands, deadline).await;
    if let Some(code) = close_code {
        shared.close_codes.add(code.to_string());
    }
    if let Some(live) = shared.live.get(plan.index) {
        live.store(false, Ordering::Relaxed);
    }
    if let Some(class) = shared.classes.get(plan.class) {
        class.subscribed.fetch_sub(1, Ordering::Relaxed);
    }
}

fn fail(shared: &Shared, kind: String) {
    shared.failures.add(kind);
    shared.failed.fetch_add(1, Ordering::Relaxed);
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// Ticket, connect, `hello`, subscribe. The error is a short kind for the failure tally.
async fn set_up(
    plan: &ClientPlan,
    setup: &Setup,
    shared: &Shared,
) -> Result<(Socket, SeqTracker), String> {
    let url = match &setup.api {
        Some(api) => {
            let started = Instant::now();
            let ticket = ticket(api, plan, setup).await?;
            shared.ticket.record_micros(micros(started.elapsed()));
            format!("{}/ws?ticket={ticket}", setup.ws_base)
        }
        None => format!("{}/", setup.ws_base),
    };
    let started = Instant::now();
    let mut socket =
        wsconn::open(&url, setup.server_addr, setup.bind_ip).await.map_err(|error| error.kind())?;
    wait_for(&mut socket, |frame| frame.kind == "hello")
        .await
        .map_err(|kind| format!("hello_{kind}"))?;
    shared.connect.record_micros(micros(started.elapsed()));

    let started = Instant::now();
    let subscribe = frames::subscribe(1, &plan.topic)?;
    socket.send(Message::text(subscribe)).await.map_err(|_| "subscribe_send".to_owned())?;
    let answer = wait_for(&mut socket, |frame| {
        frame.id == Some(1) && (frame.kind == "subscribed" || frame.kind == "error")
    })
    .await
    .map_err(|kind| format!("subscribe_{kind}"))?;
    if answer.0 != "subscribed" {
        return Err(format!("subscribe_error_{}", answer.2.unwrap_or_default()));
    }
    shared.subscribe.record_micros(micros(started.elapsed()));
    Ok((socket, SeqTracker::starting_at(answer.1)))
}

/// Reads until a frame matches; gives its kind, seq and error code. Errors: `timeout`,
/// `closed_<code>`, `eof`.
async fn wait_for(
    socket: &mut Socket,
    matches: impl Fn(&Incoming<'_>) -> bool,
) -> Result<(String, u64, Option<String>), String> {
    let wait = async {
        while let Some(message) = socket.next().await {
            match message {
                Ok(Message::Text(text)) => {
                    if let Ok(frame) = frames::decode(text.as_str())
                        && matches(&frame)
                    {
                        let code = frame.code.map(|code| code.into_owned());
                        return Ok((frame.kind.into_owned(), frame.seq.unwrap_or(0), code));
                    }
                }
                Ok(Message::Close(frame)) => {
                    let code = frame.map_or(1005, |frame| u16::from(frame.code));
                    return Err(format!("closed_{code}"));
                }
                Ok(_) => {}
                Err(_) => return Err("error".to_owned()),
            }
        }
        Err("eof".to_owned())
    };
    timeout(STEP_TIMEOUT, wait).await.map_err(|_| "timeout".to_owned())?
}

/// A ticket for the WebSocket, from the saved session or a fresh login.
async fn ticket(api: &Api, plan: &ClientPlan, setup: &Setup) -> Result<String, String> {
    let _permit = setup.http_permits.acquire().await.map_err(|_| "closed".to_owned())?;
    let saved = plan.cookie.as_deref().filter(|_| !setup.fresh_login);
    if let Some(cookie) = saved {
        match api.ws_ticket(cookie).await {
            Ok(ticket) => return Ok(ticket),
            Err(failure) if failure.status == 401 => {}
            Err(failure) => return Err(format!("ticket_http_{}", failure.status)),
        }
    }
    let logged_in = api
        .login(&plan.login, &plan.password, &setup.school)
        .await
        .map_err(|failure| format!("login_http_{}", failure.status))?;
    api.ws_ticket(&logged_in.cookie)
        .await
        .map_err(|failure| format!("ticket_http_{}", failure.status))
}

/// The subscribed life of a client. Returns the close code the server sent, if it closed.
async fn session(
    plan: &ClientPlan,
    mut socket: Socket,
    mut tracker: SeqTracker,
    shared: &Shared,
    mut commands: mpsc::Receiver<Command>,
    deadline: tokio::time::Instant,
) -> Option<u16> {
    let mut next_id = 2u64;
    loop {
        tokio::select! {
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => on_frame(text.as_str(), plan, &mut tracker, shared),
                Some(Ok(Message::Close(frame))) => {
                    return Some(frame.map_or(1005, |frame| u16::from(frame.code)));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    shared.failures.add("connection_lost");
                    return None;
                }
            },
            command = commands.recv() => match command {
                Some(Command::Publish) => {
                    let frame = frames::publish(next_id, &plan.topic, shared.now_ns());
                    next_id += 1;
                    shared.sent.fetch_add(1, Ordering::Relaxed);
                    if socket.send(Message::text(frame)).await.is_err() {
                        shared.refused.fetch_add(1, Ordering::Relaxed);
                        shared.publish_errors.add("send_failed");
                    }
                }
                Some(Command::Close) | None => break,
            },
            () = tokio::time::sleep_until(deadline) => break,
        }
    }
    let _ = timeout(Duration::from_secs(2), socket.close(None)).await;
    None
}

fn on_frame(text: &str, plan: &ClientPlan, tracker: &mut SeqTracker, shared: &Shared) {
    let Ok(frame) = frames::decode(text) else {
        shared.failures.add("bad_frame");
        return;
    };
    match frame.kind.as_ref() {
        "message" => {
            let seq = frame.seq.unwrap_or(0);
            match tracker.observe(seq) {
                SeqEvent::New { skipped } => {
                    shared.delivered.fetch_add(1, Ordering::Relaxed);
                    if skipped > 0 {
                        shared.gaps.fetch_add(skipped, Ordering::Relaxed);
                    }
                    if let Some(class) = shared.classes.get(plan.class) {
                        class.final_seq.fetch_max(seq, Ordering::Relaxed);
                    }
                }
                SeqEvent::Repeat => {
                    shared.duplicates.fetch_add(1, Ordering::Relaxed);
                }
            }
            match frame.body.and_then(|body| body.t) {
                Some(sent_ns) => {
                    let latency_ns = shared.now_ns().saturating_sub(sent_ns);
                    shared.latency.record_micros(latency_ns / 1000);
                }
                None => {
                    shared.unstamped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        "ack" => {
            shared.acked.fetch_add(1, Ordering::Relaxed);
            if let (Some(seq), Some(class)) = (frame.seq, shared.classes.get(plan.class)) {
                class.final_seq.fetch_max(seq, Ordering::Relaxed);
            }
        }
        "error" => {
            shared.refused.fetch_add(1, Ordering::Relaxed);
            shared.publish_errors.add(frame.code.as_deref().unwrap_or("unknown").to_owned());
        }
        "resync" => shared.failures.add("resync"),
        "unsubscribed" => shared.failures.add("unsubscribed"),
        _ => {}
    }
}
