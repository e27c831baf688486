//! What follows from lesson changes: forced mutes, breakout rooms ending, a member leaving (the
//! last one ends the lesson), the `state` push for every member, the SFU's events, and a hub
//! connection closing. Called inside the SFU driver task by `ops`.

use std::collections::HashMap;

use schulhof_proto::GroupId;
use schulhof_sfu::{ParticipantId, Sfu, SfuEvent, TrackKind};
use serde_json::json;

use super::lesson::Lesson;
use super::ops::Pushes;
use super::{Lessons, lock, send_signal};
use crate::hub::core::ConnId;
use crate::state::SharedState;

/// A moderator mutes a participant: the SFU stops forwarding at once; the client is told.
pub(super) fn force_mute(
    lesson: &mut Lesson,
    sfu: &mut Sfu,
    group: GroupId,
    id: ParticipantId,
    kind: TrackKind,
) -> Pushes {
    let Some(m) = lesson.members.get_mut(&id) else { return Vec::new() };
    let name = if kind == TrackKind::Audio {
        m.audio_muted = true;
        m.muted_by_moderator = true;
        m.may_speak = false;
        "audio"
    } else {
        m.video_muted = true;
        "video"
    };
    sfu.set_muted(id, kind, true);
    vec![(group, m.conn, json!({"event": "force_mute", "kind": name}))]
}

pub(super) fn end_breakouts(lessons: &mut Lessons, sfu: &mut Sfu, group: GroupId) {
    let Some(lesson) = lessons.by_group.get_mut(&group) else { return };
    let main = lesson.media_rooms[0];
    for (id, m) in lesson.members.iter_mut() {
        if m.room != 0 {
            m.room = 0;
            let _ = sfu.move_to(*id, main);
        }
    }
    for room in lesson.media_rooms.drain(1..) {
        lessons.by_room.remove(&room);
    }
}

/// Takes a participant out of its lesson and the SFU; the last one out ends the lesson.
pub(super) fn remove_member(
    lessons: &mut Lessons,
    sfu: &mut Sfu,
    group: GroupId,
    id: ParticipantId,
) -> Pushes {
    sfu.leave(id);
    let Some(lesson) = lessons.by_group.get_mut(&group) else { return Vec::new() };
    let Some(member) = lesson.members.remove(&id) else { return Vec::new() };
    lessons.by_conn.remove(&member.conn);
    if lesson.active_speaker == Some(id) {
        lesson.active_speaker = None;
    }
    if lesson.members.is_empty() {
        if let Some(lesson) = lessons.by_group.remove(&group) {
            for room in lesson.media_rooms {
                lessons.by_room.remove(&room);
            }
        }
        return Vec::new();
    }
    lesson.version += 1;
    states(lessons, sfu, group)
}

/// The `state` push for every member of the lesson.
pub(super) fn states(lessons: &Lessons, sfu: &Sfu, group: GroupId) -> Pushes {
    let Some(lesson) = lessons.by_group.get(&group) else { return Vec::new() };
    let mut tracks_by_room = HashMap::new();
    let mut pushes = Vec::new();
    for (id, member) in &lesson.members {
        let tracks = tracks_by_room.entry(member.room).or_insert_with(|| {
            lesson.room_of(member.room).map(|r| sfu.tracks(r)).unwrap_or_default()
        });
        if let Some(state) = lesson.state_for(*id, tracks) {
            pushes.push((group, member.conn, state));
        }
    }
    pushes
}

/// The SFU's events: a lost peer connection takes the participant out (its client rejoins);
/// a new active speaker is shown to the lesson.
pub fn on_sfu_event(lessons: &mut Lessons, sfu: &mut Sfu, event: SfuEvent) -> Pushes {
    match event {
        SfuEvent::Connected(_) => Vec::new(),
        SfuEvent::Disconnected(id) => {
            let Some((conn, (group, _))) =
                lessons.by_conn.iter().find(|(_, (_, p))| *p == id).map(|(c, v)| (*c, *v))
            else {
                return Vec::new();
            };
            let mut pushes =
                vec![(group, conn, json!({"event": "rejoin", "reason": "media_lost"}))];
            pushes.extend(remove_member(lessons, sfu, group, id));
            pushes
        }
        SfuEvent::ActiveSpeaker { room, speaker } => {
            let Some(group) = lessons.by_room.get(&room).copied() else { return Vec::new() };
            let Some(lesson) = lessons.by_group.get_mut(&group) else { return Vec::new() };
            lesson.active_speaker = speaker;
            lesson.version += 1;
            states(lessons, sfu, group)
        }
    }
}

/// A hub connection closed: its participant leaves.
pub async fn connection_closed(state: &SharedState, conn: ConnId) {
    if !state.video.lessons().by_conn.contains_key(&conn) {
        return;
    }
    let lessons = state.video.shared_lessons();
    let pushes = state
        .video
        .engine
        .call(move |sfu, _| {
            let mut lessons = lock(&lessons);
            match lessons.by_conn.get(&conn).copied() {
                Some((group, id)) => remove_member(&mut lessons, sfu, group, id),
                None => Vec::new(),
            }
        })
        .await
        .unwrap_or_default();
    for (group, conn, body) in pushes {
        send_signal(state, conn, group, body);
    }
}
