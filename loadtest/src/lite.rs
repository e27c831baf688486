//! A light hub client for the messenger scenarios (`chat`, `votes`): one task per member that
//! resumes the saved session (or logs in), takes a ticket, connects and waits for `hello`, then
//! subscribes on command (to `chat:<room>` or `poll:<id>`), writes frames on command and hands
//! every other frame to the scenario's [`Observer`]. The session cookie it ended up with is kept
//! for the scenario's HTTP requests. A [`Crowd`] holds the members of one run; members can be
//! added between steps.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

use crate::client::Setup;
use crate::frames::{self, EventFrame};
use crate::report::progress;
use crate::shared::{SeqEvent, SeqTracker, Shared};
use crate::wsconn::{self, Socket};

/// Who a member is.
#[derive(Clone, Debug)]
pub struct MemberPlan {
    /// Index into `Shared::live` and the crowd.
    pub index: usize,
    /// Index into `Shared::classes`.
    pub class: usize,
    pub login: String,
    pub password: String,
    pub cookie: Option<String>,
}

/// What the driver tells a member.
#[derive(Debug)]
pub enum LiteCommand {
    /// Subscribe to a topic; the answer is the topic's seq or the failure kind.
    Subscribe {
        topic: String,
        done: oneshot::Sender<Result<u64, String>>,
    },
    /// Write this text frame (`id` is its request id, reported to `Observer::on_sent`).
    Send {
        id: u64,
        text: String,
    },
    Close,
}

/// The scenario's side of the members: sees every frame after the setup.
pub trait Observer: Send + Sync + 'static {
    /// A frame arrived at `member` (of class `class`), other than the answer to a subscribe.
    fn on_frame(&self, member: usize, class: usize, frame: &EventFrame<'_>);
    /// The frame of `LiteCommand::Send` with this id was written.
    fn on_sent(&self, member: usize, class: usize, id: u64);
}

/// Request id of the subscribe (sends use their own ids, which must differ).
const SUBSCRIBE_ID: u64 = 1;
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
const COMMAND_QUEUE: usize = 16;

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// The members of a run.
pub struct Crowd {
    pub shared: Arc<Shared>,
    setup: Arc<Setup>,
    observer: Arc<dyn Observer>,
    senders: Vec<Option<mpsc::Sender<LiteCommand>>>,
    cookies: Arc<Vec<Mutex<Option<String>>>>,
    tasks: JoinSet<()>,
    spawned: usize,
}

impl Crowd {
    /// Room for `members` members (`shared` must have a live flag for each).
    pub fn new(
        shared: Arc<Shared>,
        members: usize,
        setup: Arc<Setup>,
        observer: Arc<dyn Observer>,
    ) -> Crowd {
        Crowd {
            shared,
            setup,
            observer,
            senders: (0..members).map(|_| None).collect(),
            cookies: Arc::new((0..members).map(|_| Mutex::new(None)).collect()),
            tasks: JoinSet::new(),
            spawned: 0,
        }
    }

    /// Starts members (each waits for its setup permit).
    pub fn spawn(&mut self, plans: Vec<MemberPlan>) {
        for plan in plans {
            let (sender, receiver) = mpsc::channel(COMMAND_QUEUE);
            let Some(slot) = self.senders.get_mut(plan.index) else {
                continue;
            };
            *slot = Some(sender);
            self.spawned += 1;
            let member = Member {
                setup: self.setup.clone(),
                shared: self.shared.clone(),
                observer: self.observer.clone(),
                cookies: self.cookies.clone(),
            };
            self.tasks.spawn(member.run(plan, receiver));
        }
    }

    /// Waits until every spawned member is connected (after `hello`) or failed, or `limit`.
    pub async fn wait_for_setup(&self, limit: Duration) -> Duration {
        let started = Instant::now();
        let mut last_report = Instant::now();
        loop {
            let ready = self.shared.ready.load(Ordering::Relaxed);
            let failed = self.shared.failed.load(Ordering::Relaxed);
            if ready + failed >= self.spawned || started.elapsed() >= limit {
                return started.elapsed();
            }
            if last_report.elapsed() >= Duration::from_secs(2) {
                progress(&format!("{ready}/{} connected, {failed} failed", self.spawned));
                last_report = Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Subscribes members to topics (all at once); gives how many succeeded. Failures are tallied
    /// in `Shared::failures`.
    pub async fn subscribe(&self, wanted: &[(usize, String)], limit: Duration) -> usize {
        let mut answers = Vec::with_capacity(wanted.len());
        for (member, topic) in wanted {
            let (done, answer) = oneshot::channel();
            let command = LiteCommand::Subscribe { topic: topic.clone(), done };
            let sent = self
                .senders
                .get(*member)
                .and_then(Option::as_ref)
                .is_some_and(|sender| sender.try_send(command).is_ok());
            if sent {
                answers.push(answer);
            }
        }
        let all = futures_util::future::join_all(answers);
        match timeout(limit, all).await {
            Ok(answers) => answers.into_iter().filter(|a| matches!(a, Ok(Ok(_)))).count(),
            Err(_) => {
                self.shared.failures.add("subscribe_timeout");
                self.shared.live_count()
            }
        }
    }

    /// The session cookie a member connected with (or its saved one, before it connected).
    pub fn cookie(&self, member: usize) -> Option<String> {
        self.cookies.get(member).and_then(|cookie| cookie.lock().ok()?.clone())
    }

    /// Is the member subscribed and connected?
    pub fn is_live(&self, member: usize) -> bool {
        self.shared.live.get(member).is_some_and(|live| live.load(Ordering::Relaxed))
    }

    /// Asks a member to write a frame; `false` when its queue is full or it is gone.
    pub fn send(&self, member: usize, id: u64, text: String) -> bool {
        self.senders
            .get(member)
            .and_then(Option::as_ref)
            .is_some_and(|sender| sender.try_send(LiteCommand::Send { id, text }).is_ok())
    }

    /// Tells every member to close and waits (bounded) for the tasks to end.
    pub async fn close(mut self, limit: Duration) {
        for sender in self.senders.iter().flatten() {
            let _ = sender.try_send(LiteCommand::Close);
        }
        self.senders.clear();
        let all_done = async { while self.tasks.join_next().await.is_some() {} };
        if timeout(limit, all_done).await.is_err() {
            progress("some members did not close in time; aborting them");
            self.tasks.abort_all();
            while self.tasks.join_next().await.is_some() {}
        }
    }
}

/// What one member task shares with the crowd.
struct Member {
    setup: Arc<Setup>,
    shared: Arc<Shared>,
    observer: Arc<dyn Observer>,
    cookies: Arc<Vec<Mutex<Option<String>>>>,
}

impl Member {
    async fn run(self, plan: MemberPlan, commands: mpsc::Receiver<LiteCommand>) {
        let deadline = tokio::time::Instant::from_std(self.setup.deadline);
        let started = Instant::now();
        let permit = self.setup.setup_permits.clone().acquire_owned().await;
        let opened = tokio::time::timeout_at(deadline, self.connect(&plan)).await;
        drop(permit);
        let socket = match opened {
            Ok(Ok(socket)) => socket,
            Ok(Err(kind)) => return self.fail(kind),
            Err(_) => return self.fail("deadline".to_owned()),
        };
        self.shared.setup.record_micros(micros(started.elapsed()));
        self.shared.last_ready_ns.fetch_max(self.shared.now_ns(), Ordering::Relaxed);
        self.shared.ready.fetch_add(1, Ordering::Relaxed);
        let close_code = self.session(&plan, socket, commands, deadline).await;
        if let Some(code) = close_code {
            self.shared.close_codes.add(code.to_string());
        }
        self.set_live(&plan, false);
    }

    fn fail(&self, kind: String) {
        self.shared.failures.add(kind);
        self.shared.failed.fetch_add(1, Ordering::Relaxed);
    }

    fn set_live(&self, plan: &MemberPlan, live: bool) {
        let Some(flag) = self.shared.live.get(plan.index) else {
            return;
        };
        if flag.swap(live, Ordering::Relaxed) == live {
            return;
        }
        if let Some(class) = self.shared.classes.get(plan.class) {
            if live {
                class.subscribed.fetch_add(1, Ordering::Relaxed);
            } else {
                class.subscribed.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// Ticket (saved session, else a login), connect, `hello`.
    async fn connect(&self, plan: &MemberPlan) -> Result<Socket, String> {
        let setup = &self.setup;
        let api = setup.api.as_ref().ok_or("the messenger scenarios need the HTTP API")?;
        let started = Instant::now();
        let ticket = {
            let _permit = setup.http_permits.acquire().await.map_err(|_| "closed".to_owned())?;
            let saved = plan.cookie.as_deref().filter(|_| !setup.fresh_login);
            let mut ticket = None;
            if let Some(cookie) = saved {
                match api.ws_ticket(cookie).await {
                    Ok(answer) => {
                        self.keep_cookie(plan, cookie.to_owned());
                        ticket = Some(answer);
                    }
                    Err(failure) if failure.status == 401 => {}
                    Err(failure) => return Err(format!("ticket_http_{}", failure.status)),
                }
            }
            match ticket {
                Some(ticket) => ticket,
                None => {
                    let logged_in = api
                        .login(&plan.login, &plan.password, &setup.school)
                        .await
                        .map_err(|failure| format!("login_http_{}", failure.status))?;
                    let ticket = api
                        .ws_ticket(&logged_in.cookie)
                        .await
                        .map_err(|failure| format!("ticket_http_{}", failure.status))?;
                    self.keep_cookie(plan, logged_in.cookie);
                    ticket
                }
            }
        };
        self.shared.ticket.record_micros(micros(started.elapsed()));
        let started = Instant::now();
        let url = format!("{}/ws?ticket={ticket}", setup.ws_base);
        let mut socket = wsconn::open(&url, setup.server_addr, setup.bind_ip)
            .await
            .map_err(|error| error.kind())?;
        let hello = async {
            while let Some(message) = socket.next().await {
                match message {
                    Ok(Message::Text(text)) => {
                        if frames::decode(text.as_str()).is_ok_and(|frame| frame.kind == "hello") {
                            return Ok(());
                        }
                    }
                    Ok(Message::Close(frame)) => {
                        let code = frame.map_or(1005, |frame| u16::from(frame.code));
                        return Err(format!("hello_closed_{code}"));
                    }
                    Ok(_) => {}
                    Err(_) => return Err("hello_error".to_owned()),
                }
            }
            Err("hello_eof".to_owned())
        };
        timeout(STEP_TIMEOUT, hello).await.map_err(|_| "hello_timeout".to_owned())??;
        self.shared.connect.record_micros(micros(started.elapsed()));
        Ok(socket)
    }

    fn keep_cookie(&self, plan: &MemberPlan, cookie: String) {
        if let Some(mut slot) = self.cookies.get(plan.index).and_then(|slot| slot.lock().ok()) {
            *slot = Some(cookie);
        }
    }

    /// The connected life of a member. Returns the close code the server sent, if it closed.
    async fn session(
        &self,
        plan: &MemberPlan,
        mut socket: Socket,
        mut commands: mpsc::Receiver<LiteCommand>,
        deadline: tokio::time::Instant,
    ) -> Option<u16> {
        let shared = &self.shared;
        let mut tracker: Option<SeqTracker> = None;
        let mut pending: Option<(Instant, oneshot::Sender<Result<u64, String>>)> = None;
        loop {
            tokio::select! {
                message = socket.next() => match message {
                    Some(Ok(Message::Text(text))) => {
                        let Ok(frame) = frames::decode_event(text.as_str()) else {
                            shared.failures.add("bad_frame");
                            continue;
                        };
                        let answers_subscribe = frame.id == Some(SUBSCRIBE_ID)
                            && (frame.kind == "subscribed" || frame.kind == "error");
                        if answers_subscribe {
                            if let Some((started, done)) = pending.take() {
                                let answer = if frame.kind == "subscribed" {
                                    shared.subscribe.record_micros(micros(started.elapsed()));
                                    tracker = Some(SeqTracker::starting_at(frame.seq.unwrap_or(0)));
                                    self.set_live(plan, true);
                                    Ok(frame.seq.unwrap_or(0))
                                } else {
                                    let code = frame.code.as_deref().unwrap_or("unknown");
                                    let kind = format!("subscribe_error_{code}");
                                    shared.failures.add(kind.clone());
                                    Err(kind)
                                };
                                let _ = done.send(answer);
                            }
                            continue;
                        }
                        if frame.kind == "message"
                            && let (Some(seq), Some(tracker)) = (frame.seq.filter(|&s| s > 0), tracker.as_mut())
                        {
                            match tracker.observe(seq) {
                                SeqEvent::New { skipped } if skipped > 0 => {
                                    shared.gaps.fetch_add(skipped, Ordering::Relaxed);
                                }
                                SeqEvent::New { .. } => {}
                                SeqEvent::Repeat => {
                                    shared.duplicates.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                        match frame.kind.as_ref() {
                            "resync" => shared.failures.add("resync"),
                            "unsubscribed" => shared.failures.add("unsubscribed"),
                            _ => {}
                        }
                        self.observer.on_frame(plan.index, plan.class, &frame);
                    }
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
                    Some(LiteCommand::Subscribe { topic, done }) => {
                        let frame = match frames::subscribe(SUBSCRIBE_ID, &topic) {
                            Ok(frame) => frame,
                            Err(error) => {
                                let _ = done.send(Err(error));
                                continue;
                            }
                        };
                        if socket.send(Message::text(frame)).await.is_err() {
                            shared.failures.add("subscribe_send");
                            let _ = done.send(Err("subscribe_send".to_owned()));
                            continue;
                        }
                        pending = Some((Instant::now(), done));
                    }
                    Some(LiteCommand::Send { id, text }) => {
                        if socket.send(Message::text(text)).await.is_err() {
                            shared.publish_errors.add("send_failed");
                            continue;
                        }
                        self.observer.on_sent(plan.index, plan.class, id);
                    }
                    Some(LiteCommand::Close) | None => break,
                },
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        let _ = timeout(Duration::from_secs(2), socket.close(None)).await;
        None
    }
}
