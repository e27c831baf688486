//! Tests of the room driver with channels and an in-memory host instead of sockets and a
//! database: an update is in the log before any connection receives it, a connection that does
//! not read is closed with the slow-consumer code while the others go on, a bad frame closes only
//! its sender, the last leave compacts, takes a version and ends the task, a failed load refuses
//! joiners without storing anything, and a restore is stored and sent as a new change.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot, watch};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, GetString, ReadTxn, StateVector, Text, Transact, Update};

use crate::driver::{
    Appended, Command, ConnHandle, Control, Loaded, RoomHost, RoomPolicy, close_code, run_room,
};
use crate::restore::RootType;
use crate::room::{Access, ConnId, Frame};

#[derive(Default)]
struct Stored {
    log: Vec<(Option<u32>, Vec<u8>)>,
    snapshots: Vec<(i64, Vec<u8>)>,
    versions: Vec<i64>,
}

#[derive(Clone, Default)]
struct MemoryHost {
    stored: Arc<Mutex<Stored>>,
    fail_load: bool,
}

impl RoomHost for MemoryHost {
    type Author = u32;
    async fn load(&self) -> Result<Loaded, String> {
        if self.fail_load {
            return Err("disk on fire".into());
        }
        Ok(Loaded::default())
    }
    async fn append(&self, batch: Vec<(Option<u32>, Vec<u8>)>) -> Result<Appended, String> {
        let mut stored = self.stored.lock().unwrap();
        let first = stored.log.len() as i64 + 1;
        stored.log.extend(batch);
        Ok(Appended { first, last: stored.log.len() as i64 })
    }
    async fn updates_after(&self, _seq: i64) -> Result<Vec<(i64, Vec<u8>)>, String> {
        Ok(Vec::new())
    }
    async fn compact(&self, seq: i64, state: Vec<u8>) -> Result<(), String> {
        self.stored.lock().unwrap().snapshots.push((seq, state));
        Ok(())
    }
    async fn auto_version(&self, seq: i64, _state: Vec<u8>) -> Result<(), String> {
        self.stored.lock().unwrap().versions.push(seq);
        Ok(())
    }
    fn announce(&self, _seq: i64) {}
    fn try_unload(&self, control: &mpsc::UnboundedReceiver<Control<u32>>) -> bool {
        control.is_empty()
    }
}

struct Client {
    frames: mpsc::Receiver<Frame>,
    close: watch::Receiver<Option<(u16, &'static str)>>,
}

fn join(control: &mpsc::UnboundedSender<Control<u32>>, id: u64, queue: usize) -> Client {
    let (frames_tx, frames) = mpsc::channel(queue);
    let (close_tx, close) = watch::channel(None);
    let handle = ConnHandle { frames: frames_tx, close: close_tx };
    let author = id as u32;
    control
        .send(Control::Join { conn: ConnId(id), access: Access::Write, author, handle })
        .unwrap();
    Client { frames, close }
}

fn update_frame(text: &str) -> Vec<u8> {
    let doc = Doc::new();
    let field = doc.get_or_insert_text("text");
    field.insert(&mut doc.transact_mut(), 0, text);
    let update = doc.transact().encode_diff_v1(&StateVector::default());
    Message::Sync(SyncMessage::Update(update)).encode_v1()
}

fn text_of(state: &[u8]) -> String {
    let doc = Doc::new();
    doc.transact_mut().apply_update(Update::decode_v1(state).unwrap()).unwrap();
    doc.get_or_insert_text("text").get_string(&doc.transact())
}

fn start(
    host: MemoryHost,
) -> (mpsc::UnboundedSender<Control<u32>>, mpsc::Sender<Command>, tokio::task::JoinHandle<()>) {
    let (control, control_rx) = mpsc::unbounded_channel();
    let (commands, commands_rx) = mpsc::channel(64);
    let task = tokio::spawn(run_room(host, RoomPolicy::default(), control_rx, commands_rx));
    (control, commands, task)
}

#[tokio::test]
async fn updates_are_logged_before_delivery_and_slow_readers_are_closed() {
    let host = MemoryHost::default();
    let (control, commands, task) = start(host.clone());
    let mut anna = join(&control, 1, 64);
    let mut ben = join(&control, 2, 1); // Ben never reads: one frame fills his queue
    assert_eq!(&*anna.frames.recv().await.unwrap(), &[0, 0, 1, 0]);

    commands.send(Command::Frame { conn: ConnId(1), bytes: update_frame("Hallo") }).await.unwrap();
    let echoed = anna.frames.recv().await.unwrap();
    assert_eq!(host.stored.lock().unwrap().log.len(), 1, "logged before anyone got it");
    assert_eq!(host.stored.lock().unwrap().log[0].0, Some(1), "attributed to Anna");
    assert_eq!(echoed[0..2], [0, 2], "an update message");
    ben.close.changed().await.unwrap();
    assert_eq!(*ben.close.borrow(), Some((close_code::SLOW_CONSUMER, "slow consumer")));
    assert_eq!(&*ben.frames.recv().await.unwrap(), &[0, 0, 1, 0], "what fitted is still delivered");

    // Anna goes on; a bad frame closes only its sender.
    commands.send(Command::Frame { conn: ConnId(1), bytes: update_frame("!") }).await.unwrap();
    assert!(anna.frames.recv().await.is_some());
    let mut carla = join(&control, 3, 64);
    carla.frames.recv().await.unwrap();
    commands.send(Command::Frame { conn: ConnId(3), bytes: vec![0, 9] }).await.unwrap();
    carla.close.changed().await.unwrap();
    assert_eq!(carla.close.borrow().map(|c| c.0), Some(close_code::BAD_FRAME));
    assert_eq!(host.stored.lock().unwrap().log.len(), 2);

    // The last one to leave compacts, takes a version and ends the task (the document unloads).
    commands.send(Command::Leave { conn: ConnId(1) }).await.unwrap();
    task.await.unwrap();
    let stored = host.stored.lock().unwrap();
    let (seq, state) = stored.snapshots.last().expect("a snapshot at unload");
    assert_eq!(*seq, 2);
    assert_eq!(text_of(state).len(), "Hallo!".len());
    assert_eq!(stored.versions, [2]);
}

#[tokio::test]
async fn a_failed_load_refuses_joiners_and_stores_nothing() {
    let host = MemoryHost { fail_load: true, ..MemoryHost::default() };
    let (control, _commands, task) = start(host.clone());
    let mut anna = join(&control, 1, 8);
    anna.close.changed().await.unwrap();
    assert_eq!(anna.close.borrow().map(|c| c.0), Some(close_code::TRY_AGAIN));
    task.await.unwrap();
    let stored = host.stored.lock().unwrap();
    assert!(stored.log.is_empty() && stored.snapshots.is_empty() && stored.versions.is_empty());
}

#[tokio::test]
async fn a_restore_is_a_stored_change_that_everyone_receives() {
    let host = MemoryHost::default();
    let (control, commands, task) = start(host.clone());
    let mut anna = join(&control, 1, 64);
    anna.frames.recv().await.unwrap();
    commands.send(Command::Frame { conn: ConnId(1), bytes: update_frame("alt") }).await.unwrap();
    anna.frames.recv().await.unwrap();
    let (reply, state) = oneshot::channel();
    control.send(Control::State { reply }).unwrap();
    let (_, old_state) = state.await.unwrap().unwrap();
    commands.send(Command::Frame { conn: ConnId(1), bytes: update_frame("neu ") }).await.unwrap();
    anna.frames.recv().await.unwrap();

    let (reply, done) = oneshot::channel();
    let roots = vec![("text".to_owned(), RootType::Text)];
    control.send(Control::Restore { old_state, roots, author: 7, reply }).unwrap();
    done.await.unwrap().unwrap();
    let frame = anna.frames.recv().await.unwrap();
    assert_eq!(frame[0..2], [0, 2], "the restore reaches the editor as an update");
    let log = host.stored.lock().unwrap().log.clone();
    assert_eq!(log.last().unwrap().0, Some(7), "stored, attributed to the restorer");
    commands.send(Command::Leave { conn: ConnId(1) }).await.unwrap();
    task.await.unwrap();
    let stored = host.stored.lock().unwrap();
    assert_eq!(text_of(&stored.snapshots.last().unwrap().1), "alt");
}
