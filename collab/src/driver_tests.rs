//! Tests of the room driver with channels instead of sockets: an update is in the log before any
//! connection receives it, a connection that does not read is closed with the slow-consumer code
//! while the others go on, a bad frame closes only its sender, and the task ends after the last
//! connection leaves.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, watch};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, StateVector, Text, Transact};

use crate::driver::{Command, ConnHandle, UpdateLog, close_code, run_room};
use crate::room::{Access, ConnId, Frame};

#[derive(Clone, Default)]
struct MemoryLog(Arc<Mutex<Vec<Vec<u8>>>>);

impl UpdateLog for MemoryLog {
    async fn append(&self, update: Vec<u8>) -> Result<(), String> {
        self.0.lock().unwrap().push(update);
        Ok(())
    }
}

struct Client {
    frames: mpsc::Receiver<Frame>,
    close: watch::Receiver<Option<(u16, &'static str)>>,
}

async fn join(commands: &mpsc::Sender<Command>, id: u64, queue: usize) -> Client {
    let (frames_tx, frames) = mpsc::channel(queue);
    let (close_tx, close) = watch::channel(None);
    let handle = ConnHandle { frames: frames_tx, close: close_tx };
    commands.send(Command::Join { conn: ConnId(id), access: Access::Write, handle }).await.unwrap();
    Client { frames, close }
}

fn update_frame(text: &str) -> Vec<u8> {
    let doc = Doc::new();
    let field = doc.get_or_insert_text("content");
    field.insert(&mut doc.transact_mut(), 0, text);
    let update = doc.transact().encode_diff_v1(&StateVector::default());
    Message::Sync(SyncMessage::Update(update)).encode_v1()
}

#[tokio::test]
async fn updates_are_logged_before_delivery_and_slow_readers_are_closed() {
    let log = MemoryLog::default();
    let (commands, receiver) = mpsc::channel(64);
    let task = tokio::spawn(run_room(Doc::new(), log.clone(), receiver));
    let mut anna = join(&commands, 1, 64).await;
    let mut ben = join(&commands, 2, 1).await; // Ben never reads: one frame fills his queue
    assert_eq!(&*anna.frames.recv().await.unwrap(), &[0, 0, 1, 0]);

    commands.send(Command::Frame { conn: ConnId(1), bytes: update_frame("Hallo") }).await.unwrap();
    let echoed = anna.frames.recv().await.unwrap();
    assert_eq!(log.0.lock().unwrap().len(), 1, "logged before anyone got it");
    assert_eq!(echoed[0..2], [0, 2], "an update message");
    ben.close.changed().await.unwrap();
    assert_eq!(*ben.close.borrow(), Some((close_code::SLOW_CONSUMER, "slow consumer")));
    assert_eq!(&*ben.frames.recv().await.unwrap(), &[0, 0, 1, 0], "what fitted is still delivered");

    // Anna goes on; a bad frame closes only its sender.
    commands.send(Command::Frame { conn: ConnId(1), bytes: update_frame("!") }).await.unwrap();
    assert!(anna.frames.recv().await.is_some());
    let mut carla = join(&commands, 3, 64).await;
    carla.frames.recv().await.unwrap();
    commands.send(Command::Frame { conn: ConnId(3), bytes: vec![0, 9] }).await.unwrap();
    carla.close.changed().await.unwrap();
    assert_eq!(carla.close.borrow().map(|c| c.0), Some(close_code::BAD_FRAME));
    assert_eq!(log.0.lock().unwrap().len(), 2);

    // The last one to leave ends the task (the document unloads).
    commands.send(Command::Leave { conn: ConnId(1) }).await.unwrap();
    task.await.unwrap();
}
