//! Tests of the room core without sockets: handshake bytes as the stock client expects them,
//! updates persisted before they are broadcast (encoded once), read-only refusal, the awareness
//! life cycle with stale states dropped, and malformed frames.

use std::sync::Arc;

use bytes::Bytes;

use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{ClientID, Doc, GetString, ReadTxn, StateVector, Text, Transact};

use crate::room::{Access, ConnId, Output, READ_ONLY_REASON, Room, RoomError};

fn sends(out: &[Output], to: ConnId) -> Vec<Vec<u8>> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send { to: t, frame } if *t == to => Some(frame.to_vec()),
            _ => None,
        })
        .collect()
}

fn edit(text: &str) -> Vec<u8> {
    let doc = Doc::new();
    let field = doc.get_or_insert_text("content");
    let mut txn = doc.transact_mut();
    field.insert(&mut txn, 0, text);
    drop(txn);
    doc.transact().encode_diff_v1(&StateVector::default())
}

fn awareness(client: u64, clock: u32, json: &str) -> Vec<u8> {
    let entry = AwarenessUpdateEntry { clock, json: Arc::from(json) };
    let update =
        AwarenessUpdate { clients: [(ClientID::new(client), entry)].into_iter().collect() };
    Message::Awareness(update).encode_v1()
}

#[test]
fn handshake_bytes_match_the_stock_client() {
    let mut room = Room::new(Doc::new(), 0, 1 << 20);
    let mut out = Vec::new();
    room.join(ConnId(1), Access::Write, &mut out);
    assert_eq!(sends(&out, ConnId(1)), [vec![0, 0, 1, 0]], "SyncStep1 of an empty doc");
    out.clear();
    let step1 = Message::Sync(SyncMessage::SyncStep1(StateVector::default())).encode_v1();
    room.receive(ConnId(1), &step1, &mut out).unwrap();
    assert_eq!(sends(&out, ConnId(1)), [vec![0, 1, 2, 0, 0]], "SyncStep2 of an empty doc");
}

#[test]
fn updates_are_persisted_before_one_shared_broadcast() {
    let mut room = Room::new(Doc::new(), 0, 1 << 20);
    let mut out = Vec::new();
    room.join(ConnId(1), Access::Write, &mut out);
    room.join(ConnId(2), Access::Write, &mut out);
    out.clear();
    let update = edit("Hallo Klasse");
    let message = Message::Sync(SyncMessage::Update(update.clone())).encode_v1();
    room.receive(ConnId(1), &message, &mut out).unwrap();
    assert_eq!(out.first(), Some(&Output::Persist { from: Some(ConnId(1)), update }));
    let frames: Vec<&Bytes> = out
        .iter()
        .filter_map(|o| if let Output::Send { frame, .. } = o { Some(frame) } else { None })
        .collect();
    assert_eq!(frames.len(), 2, "sender included, like the reference server");
    assert_eq!(frames[0].as_ptr(), frames[1].as_ptr(), "encoded once");
    let text = room.doc().get_or_insert_text("content");
    assert_eq!(text.get_string(&room.doc().transact()), "Hallo Klasse");
    // A late joiner syncs the whole document from its SyncStep1.
    out.clear();
    room.join(ConnId(3), Access::Read, &mut out);
    out.clear();
    let step1 = Message::Sync(SyncMessage::SyncStep1(StateVector::default())).encode_v1();
    room.receive(ConnId(3), &step1, &mut out).unwrap();
    let reply = Message::decode_v1(&sends(&out, ConnId(3))[0]).unwrap();
    let Message::Sync(SyncMessage::SyncStep2(diff)) = reply else { panic!("{reply:?}") };
    let copy = Doc::new();
    copy.transact_mut().apply_update(yrs::Update::decode_v1(&diff).unwrap()).unwrap();
    assert_eq!(copy.get_or_insert_text("content").get_string(&copy.transact()), "Hallo Klasse");
}

#[test]
fn read_only_connections_are_told_and_change_nothing() {
    let mut room = Room::new(Doc::new(), 0, 1 << 20);
    let mut out = Vec::new();
    room.join(ConnId(1), Access::Read, &mut out);
    room.join(ConnId(2), Access::Write, &mut out);
    out.clear();
    let message = Message::Sync(SyncMessage::Update(edit("nope"))).encode_v1();
    room.receive(ConnId(1), &message, &mut out).unwrap();
    assert!(!out.iter().any(|o| matches!(o, Output::Persist { .. })));
    assert!(sends(&out, ConnId(2)).is_empty());
    let refusal = Message::decode_v1(&sends(&out, ConnId(1))[0]).unwrap();
    assert_eq!(refusal, Message::Auth(Some(READ_ONLY_REASON.to_owned())));
    assert_eq!(room.encode_state(), Doc::new().transact().encode_diff_v1(&StateVector::default()));
    // Read-only connections still show their cursor.
    out.clear();
    room.receive(ConnId(1), &awareness(7, 1, r#"{"cursor":3}"#), &mut out).unwrap();
    room.flush_awareness(&mut out);
    assert_eq!(sends(&out, ConnId(2)).len(), 1);
}

#[test]
fn awareness_is_shared_stale_states_are_dropped_and_leavers_are_removed() {
    let mut room = Room::new(Doc::new(), 0, 1 << 20);
    let mut out = Vec::new();
    room.join(ConnId(1), Access::Write, &mut out);
    room.join(ConnId(2), Access::Write, &mut out);
    out.clear();
    room.receive(ConnId(1), &awareness(42, 1, r#"{"user":"Anna"}"#), &mut out).unwrap();
    assert!(out.is_empty(), "awareness waits for the flush (coalescing)");
    room.receive(ConnId(1), &awareness(42, 2, r#"{"user":"Anna","x":1}"#), &mut out).unwrap();
    room.flush_awareness(&mut out);
    assert_eq!(sends(&out, ConnId(1)).len(), 1, "own awareness comes back (renewal), once");
    assert_eq!(sends(&out, ConnId(2)).len(), 1);
    // Client 2 re-broadcasts Anna's state with the same clock: dropped, nothing sent.
    out.clear();
    room.receive(ConnId(2), &awareness(42, 2, r#"{"user":"Anna"}"#), &mut out).unwrap();
    room.flush_awareness(&mut out);
    assert!(out.is_empty());
    // A new joiner gets the current awareness after SyncStep1; a query answers it too.
    out.clear();
    room.join(ConnId(3), Access::Write, &mut out);
    assert_eq!(sends(&out, ConnId(3)).len(), 2);
    out.clear();
    room.receive(ConnId(3), &Message::AwarenessQuery.encode_v1(), &mut out).unwrap();
    assert_eq!(sends(&out, ConnId(3)).len(), 1);
    // Anna's connection leaves: her state is announced as null with a newer clock.
    out.clear();
    room.leave(ConnId(1));
    room.flush_awareness(&mut out);
    let gone = Message::decode_v1(&sends(&out, ConnId(2))[0]).unwrap();
    let Message::Awareness(update) = gone else { panic!("{gone:?}") };
    let entry = &update.clients[&ClientID::new(42)];
    assert_eq!((entry.clock, &*entry.json), (2, "null"), "same clock, like the reference");
    // Anna reconnects with her next clock: seen at once.
    room.join(ConnId(4), Access::Write, &mut out);
    out.clear();
    room.receive(ConnId(4), &awareness(42, 3, r#"{"user":"Anna"}"#), &mut out).unwrap();
    room.flush_awareness(&mut out);
    assert_eq!(sends(&out, ConnId(2)).len(), 1);
    assert_eq!(room.connection_count(), 3);
}

#[test]
fn malformed_frames_and_strangers_are_errors() {
    let mut room = Room::new(Doc::new(), 0, 1 << 20);
    let mut out = Vec::new();
    assert_eq!(room.receive(ConnId(9), &[0, 0, 1, 0], &mut out), Err(RoomError::UnknownConnection));
    room.join(ConnId(1), Access::Write, &mut out);
    assert_eq!(room.receive(ConnId(1), &[0, 7], &mut out), Err(RoomError::Malformed));
    let garbage = Message::Sync(SyncMessage::Update(vec![1, 2, 3, 250])).encode_v1();
    assert_eq!(room.receive(ConnId(1), &garbage, &mut out), Err(RoomError::BadUpdate));
}

#[test]
fn join_storms_share_one_encoding_and_the_size_limit_holds() {
    let mut room = Room::new(Doc::new(), 0, 64);
    let mut out = Vec::new();
    room.join(ConnId(1), Access::Write, &mut out);
    let first = Message::Sync(SyncMessage::Update(edit("Tafelbild"))).encode_v1();
    room.receive(ConnId(1), &first, &mut out).unwrap();
    let step1 = Message::Sync(SyncMessage::SyncStep1(StateVector::default())).encode_v1();
    let mut replies = Vec::new();
    for conn in 2..5 {
        room.join(ConnId(conn), Access::Write, &mut out);
        out.clear();
        room.receive(ConnId(conn), &step1, &mut out).unwrap();
        let Some(Output::Send { frame, .. }) = out.first() else { panic!("{out:?}") };
        replies.push(frame.clone());
    }
    assert!(replies.iter().all(|r| r.as_ptr() == replies[0].as_ptr()), "one cached encoding");
    let big = Message::Sync(SyncMessage::Update(edit(&"x".repeat(80)))).encode_v1();
    assert_eq!(room.receive(ConnId(1), &big, &mut out), Err(RoomError::TooLarge));
    assert!(room.size() <= 64);
}

#[test]
fn a_read_only_handshake_reply_without_news_is_silent() {
    let mut room = Room::new(Doc::new(), 0, 1 << 20);
    let mut out = Vec::new();
    room.join(ConnId(1), Access::Write, &mut out);
    let update = edit("Hallo");
    room.receive(
        ConnId(1),
        &Message::Sync(SyncMessage::Update(update.clone())).encode_v1(),
        &mut out,
    )
    .unwrap();
    room.join(ConnId(2), Access::Read, &mut out);
    out.clear();
    // The reader already has the content (from the server) and answers SyncStep1 with it.
    let reply = Message::Sync(SyncMessage::SyncStep2(update)).encode_v1();
    room.receive(ConnId(2), &reply, &mut out).unwrap();
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn an_update_that_changes_nothing_is_neither_stored_nor_sent() {
    let mut room = Room::new(Doc::new(), 0, 1 << 20);
    let mut out = Vec::new();
    room.join(ConnId(1), Access::Write, &mut out);
    room.join(ConnId(2), Access::Write, &mut out);
    let update = edit("Hallo");
    let message = Message::Sync(SyncMessage::Update(update.clone())).encode_v1();
    room.receive(ConnId(1), &message, &mut out).unwrap();
    out.clear();
    // Client 2's handshake reply repeats what the room has, or is empty.
    room.receive(ConnId(2), &Message::Sync(SyncMessage::SyncStep2(update)).encode_v1(), &mut out)
        .unwrap();
    room.receive(ConnId(2), &[0, 1, 2, 0, 0], &mut out).unwrap();
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(room.version(), 1);
}
