//! One step of the room task: take what is queued (up to a batch), feed it to the room, append
//! the accepted updates in one call, then deliver frames; answer deferred requests; compact, take
//! versions, and unload when empty. Split from `driver.rs` to keep both readable.

use std::collections::VecDeque;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::{
    Appended, Command, Control, Driver, RoomHost, StateReply, close_code, is_empty_update,
    restore_change,
};
use crate::room::{ConnId, Output};

pub(super) enum StepOutcome {
    Continue,
    Ended,
}

/// Requests answered after the batch's updates are stored.
enum Deferred {
    State(StateReply),
    Restored(oneshot::Sender<Result<(), String>>),
}

/// Refuses everything queued (joins are closed with `TRY_AGAIN`) until the host lets the room end.
pub(super) async fn refuse_all<H: RoomHost>(
    host: &H,
    control: &mut mpsc::UnboundedReceiver<Control<H::Author>>,
) {
    loop {
        while let Ok(request) = control.try_recv() {
            match request {
                Control::Join { handle, .. } => {
                    let _ = handle.close.send(Some((close_code::TRY_AGAIN, "try again")));
                }
                Control::State { reply } => {
                    let _ = reply.send(Err("document unavailable".into()));
                }
                Control::Restore { reply, .. } => {
                    let _ = reply.send(Err("document unavailable".into()));
                }
                Control::CatchUp { .. } | Control::Evict { .. } | Control::EvictAuthor { .. } => {}
            }
        }
        if host.try_unload(control) {
            return;
        }
        tokio::task::yield_now().await;
    }
}

impl<H: RoomHost> Driver<H> {
    pub(super) async fn step(
        &mut self,
        control: &mut mpsc::UnboundedReceiver<Control<H::Author>>,
        commands: &mut mpsc::Receiver<Command>,
    ) -> StepOutcome {
        let mut out = Vec::new();
        let mut deferred = Vec::new();
        let mut authors = VecDeque::new();
        tokio::select! {
            biased;
            Some(request) = control.recv() => {
                self.on_control(request, &mut out, &mut deferred, &mut authors).await;
            }
            Some(command) = commands.recv() => self.on_command(command, &mut out),
            else => return StepOutcome::Ended,
        }
        for _ in 1..self.policy.batch {
            if let Ok(request) = control.try_recv() {
                self.on_control(request, &mut out, &mut deferred, &mut authors).await;
            } else if let Ok(command) = commands.try_recv() {
                self.on_command(command, &mut out);
            } else {
                break;
            }
        }
        self.room.flush_awareness(&mut out);
        let needs_catch_up = self.perform(out, authors).await;
        if needs_catch_up {
            let mut caught = Vec::new();
            self.catch_up(&mut caught).await;
            self.perform(caught, VecDeque::new()).await;
        }
        self.answer(deferred);
        if self.broken {
            self.close_all(close_code::STORAGE_FAILED, "storage failed");
            refuse_all(&self.host, control).await;
            return StepOutcome::Ended;
        }
        self.maintain().await;
        if self.room.is_empty() {
            self.flush().await;
            if self.host.try_unload(control) {
                return StepOutcome::Ended;
            }
        }
        StepOutcome::Continue
    }

    async fn on_control(
        &mut self,
        request: Control<H::Author>,
        out: &mut Vec<Output>,
        deferred: &mut Vec<Deferred>,
        authors: &mut VecDeque<Option<H::Author>>,
    ) {
        match request {
            Control::Join { conn, access, author, handle } => {
                self.handles.insert(conn, (author, handle));
                self.room.join(conn, access, out);
            }
            Control::CatchUp { upto } => {
                if upto.is_none_or(|upto| upto > self.seq) {
                    self.catch_up(out).await;
                }
            }
            Control::Evict { code, reason } => self.close_all(code, reason),
            Control::EvictAuthor { author, code, reason } => {
                let theirs: Vec<ConnId> = self
                    .handles
                    .iter()
                    .filter(|(_, (a, _))| *a == author)
                    .map(|(conn, _)| *conn)
                    .collect();
                for conn in theirs {
                    self.close(conn, code, reason);
                }
            }
            Control::State { reply } => deferred.push(Deferred::State(reply)),
            Control::Restore { old_state, roots, author, reply } => {
                let change = restore_change(&self.room, &old_state, &roots);
                match change {
                    Ok(update) if is_empty_update(&update) => {
                        deferred.push(Deferred::Restored(reply));
                    }
                    Ok(update) => match self.room.apply_local(update, out) {
                        Ok(()) => {
                            authors.push_back(Some(author));
                            deferred.push(Deferred::Restored(reply));
                        }
                        Err(error) => {
                            let _ = reply.send(Err(error.to_string()));
                        }
                    },
                    Err(error) => {
                        let _ = reply.send(Err(error));
                    }
                }
            }
        }
    }

    fn on_command(&mut self, command: Command, out: &mut Vec<Output>) {
        match command {
            Command::Frame { conn, bytes } => match self.room.receive(conn, &bytes, out) {
                Ok(()) | Err(crate::room::RoomError::UnknownConnection) => {}
                Err(error) => {
                    let (code, reason) = error.into();
                    self.close(conn, code, reason);
                }
            },
            Command::Leave { conn } => {
                self.handles.remove(&conn);
                self.room.leave(conn);
            }
        }
    }

    fn close(&mut self, conn: ConnId, code: u16, reason: &'static str) {
        if let Some((_, handle)) = self.handles.remove(&conn) {
            let _ = handle.close.send(Some((code, reason)));
        }
        self.room.leave(conn);
    }

    fn close_all(&mut self, code: u16, reason: &'static str) {
        let all: Vec<ConnId> = self.handles.keys().copied().collect();
        for conn in all {
            self.close(conn, code, reason);
        }
    }

    /// Appends the batch's updates, then sends; returns whether others' updates must be read.
    async fn perform(
        &mut self,
        mut out: Vec<Output>,
        mut server_authors: VecDeque<Option<H::Author>>,
    ) -> bool {
        let mut needs_catch_up = false;
        while !out.is_empty() {
            let mut batch = Vec::new();
            let mut sends = Vec::new();
            for output in out {
                match output {
                    Output::Persist { from, update } => {
                        let author = match from {
                            Some(conn) => self.handles.get(&conn).map(|(a, _)| a.clone()),
                            None => server_authors.pop_front().flatten(),
                        };
                        batch.push((author, update));
                    }
                    Output::Send { to, frame } => sends.push((to, frame)),
                }
            }
            if !batch.is_empty() {
                let count = batch.len();
                match self.host.append(batch).await {
                    Ok(appended) => {
                        self.since_snapshot += count;
                        needs_catch_up |= self.appended(appended);
                        self.host.announce(appended.last);
                    }
                    Err(_) => {
                        self.broken = true;
                        return false;
                    }
                }
            }
            for (to, frame) in sends {
                let refused = match self.handles.get(&to) {
                    Some((_, handle)) => handle.frames.try_send(frame).is_err(),
                    None => false,
                };
                if refused {
                    self.close(to, close_code::SLOW_CONSUMER, "slow consumer");
                }
            }
            let mut next = Vec::new();
            self.room.flush_awareness(&mut next);
            out = next;
        }
        needs_catch_up
    }

    /// Records the positions of an append; true if others appended in between.
    fn appended(&mut self, appended: Appended) -> bool {
        if appended.first == self.seq + 1 && self.own.is_empty() {
            self.seq = appended.last;
            return false;
        }
        self.own.extend(appended.first..=appended.last);
        true
    }

    /// Applies what other nodes appended since `seq` (a snapshot first if the log was compacted
    /// past it). A stored update that does not apply is skipped, never wedging the room.
    async fn catch_up(&mut self, out: &mut Vec<Output>) {
        let Ok(updates) = self.host.updates_after(self.seq).await else { return };
        for (seq, bytes) in updates {
            if !self.own.remove(&seq) {
                let _ = self.room.apply_stored(bytes, out);
            }
            self.seq = self.seq.max(seq);
        }
        let seq = self.seq;
        self.own.retain(|own| *own > seq);
    }

    fn answer(&mut self, deferred: Vec<Deferred>) {
        for request in deferred {
            match request {
                Deferred::State(reply) => {
                    let result = if self.broken {
                        Err("storage failed".into())
                    } else {
                        Ok((self.seq, self.room.encode_state()))
                    };
                    let _ = reply.send(result);
                }
                Deferred::Restored(reply) => {
                    let result = if self.broken { Err("storage failed".into()) } else { Ok(()) };
                    let _ = reply.send(result);
                }
            }
        }
    }

    /// Compacts a long log and takes a version after a stretch of editing.
    async fn maintain(&mut self) {
        if self.since_snapshot >= self.policy.compact_after_updates {
            self.compact().await;
        }
        if self.room.version() != self.version_at_last_version
            && self.last_version.elapsed() >= self.policy.version_every
        {
            self.auto_version().await;
        }
    }

    /// Before unloading: compact and take a version if something changed.
    async fn flush(&mut self) {
        if self.since_snapshot > 0 {
            self.compact().await;
        }
        if self.room.version() != self.version_at_last_version {
            self.auto_version().await;
        }
    }

    async fn compact(&mut self) {
        if !self.own.is_empty() {
            return; // others' updates are not all read yet; the next catch-up fills the gap
        }
        if self.host.compact(self.seq, self.room.encode_state()).await.is_ok() {
            self.since_snapshot = 0;
        }
    }

    async fn auto_version(&mut self) {
        if self.host.auto_version(self.seq, self.room.encode_state()).await.is_ok() {
            self.version_at_last_version = self.room.version();
            self.last_version = Instant::now();
        }
    }
}
