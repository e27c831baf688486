//! The classroom side of a video lesson, without media or sockets: who is in it (moderators and
//! participants, each bound to one hub connection), the waiting room, hands, mute rules, lock,
//! removals, invitations and breakout rooms, plus the `state` picture each connection is sent.
//! The SFU (`schulhof_sfu::Sfu`) is changed alongside by `ops`, inside the SFU driver task, so a
//! lesson and its media never disagree.

use std::collections::{BTreeMap, HashSet};

use schulhof_proto::hub::HubErrorCode;
use schulhof_proto::{GroupId, UserId};
use schulhof_sfu::{ParticipantId, RoomId, TrackInfo, TrackKind};
use serde_json::{Value, json};

use crate::hub::core::ConnId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Moderator,
    Participant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Moderator => "moderator",
            Role::Participant => "participant",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Member {
    pub user: UserId,
    pub name: String,
    pub role: Role,
    pub conn: ConnId,
    pub waiting: bool,
    pub audio_muted: bool,
    pub video_muted: bool,
    /// A moderator muted this participant's audio (unmuting then needs permission).
    pub muted_by_moderator: bool,
    /// A moderator let this participant speak (one unmute allowed despite the rule).
    pub may_speak: bool,
    /// When the hand went up (ms).
    pub hand: Option<i64>,
    /// 0: the main room; 1…N: breakout rooms.
    pub room: u32,
}

/// One running lesson.
#[derive(Debug)]
pub struct Lesson {
    pub group: GroupId,
    pub title: String,
    pub started_at: i64,
    pub members: BTreeMap<ParticipantId, Member>,
    pub locked: bool,
    pub waiting_room: bool,
    pub pupils_may_unmute: bool,
    pub pupil_camera_off: bool,
    pub removed: HashSet<UserId>,
    pub invited: HashSet<UserId>,
    /// Media rooms: index 0 is the main room, then the breakout rooms.
    pub media_rooms: Vec<RoomId>,
    pub active_speaker: Option<ParticipantId>,
    pub version: u64,
}

impl Lesson {
    pub fn new(
        group: GroupId,
        title: String,
        started_at: i64,
        main: RoomId,
        pupil_camera_off: bool,
    ) -> Self {
        Lesson {
            group,
            title,
            started_at,
            members: BTreeMap::new(),
            locked: false,
            waiting_room: false,
            pupils_may_unmute: true,
            pupil_camera_off,
            removed: HashSet::new(),
            invited: HashSet::new(),
            media_rooms: vec![main],
            active_speaker: None,
            version: 0,
        }
    }

    pub fn is_moderator_conn(&self, conn: ConnId) -> bool {
        self.members.values().any(|m| m.conn == conn && m.role == Role::Moderator && !m.waiting)
    }

    pub fn member_of_conn(&self, conn: ConnId) -> Option<(ParticipantId, &Member)> {
        self.members.iter().find(|(_, m)| m.conn == conn).map(|(id, m)| (*id, m))
    }

    /// Whether a new participant of this role may come in, and whether they must wait.
    pub fn admission(&self, user: UserId, role: Role, max: usize) -> Result<bool, HubErrorCode> {
        if role == Role::Moderator {
            return Ok(false);
        }
        if self.removed.contains(&user) {
            return Err(HubErrorCode::VideoRemoved);
        }
        if self.locked {
            return Err(HubErrorCode::VideoLocked);
        }
        if self.members.len() >= max {
            return Err(HubErrorCode::VideoFull);
        }
        Ok(self.waiting_room)
    }

    /// May this member unmute its audio now? (Consumes a moderator's one-time permission.)
    pub fn may_unmute(&mut self, id: ParticipantId) -> bool {
        let rule = self.pupils_may_unmute;
        let Some(member) = self.members.get_mut(&id) else { return false };
        if member.role == Role::Moderator || !member.muted_by_moderator || rule {
            return true;
        }
        if member.may_speak {
            member.may_speak = false;
            return true;
        }
        false
    }

    pub fn room_of(&self, index: u32) -> Option<RoomId> {
        self.media_rooms.get(usize::try_from(index).ok()?).copied()
    }

    /// The `state` push for one member (docs/video.md).
    pub fn state_for(&self, me: ParticipantId, tracks: &[TrackInfo]) -> Option<Value> {
        let member = self.members.get(&me)?;
        let moderator = member.role == Role::Moderator;
        let participants: Vec<Value> = self
            .members
            .iter()
            .filter(|(_, m)| !m.waiting)
            .map(|(id, m)| {
                json!({
                    "id": id.0, "user": m.user, "name": m.name, "role": m.role.as_str(),
                    "audio_muted": m.audio_muted, "video_muted": m.video_muted,
                    "hand": m.hand, "room": m.room,
                })
            })
            .collect();
        let tracks: Vec<Value> = tracks
            .iter()
            .filter(|t| t.owner != me)
            .map(|t| {
                json!({"id": t.id.0, "participant": t.owner.0, "kind": kind_name(t.kind), "muted": t.muted})
            })
            .collect();
        let waiting: Vec<Value> = if moderator {
            self.members
                .iter()
                .filter(|(_, m)| m.waiting)
                .map(|(id, m)| json!({"id": id.0, "name": m.name}))
                .collect()
        } else {
            Vec::new()
        };
        let may_unmute =
            moderator || !member.muted_by_moderator || self.pupils_may_unmute || member.may_speak;
        Some(json!({
            "event": "state",
            "version": self.version,
            "me": {
                "participant": me.0, "status": if member.waiting { "waiting" } else { "joined" },
                "role": member.role.as_str(), "room": member.room, "may_unmute": may_unmute,
            },
            "lesson": {
                "group": self.group, "title": self.title, "started_at": self.started_at,
                "locked": self.locked, "waiting_room": self.waiting_room,
                "pupils_may_unmute": self.pupils_may_unmute, "pupil_camera_off": self.pupil_camera_off,
                "breakout_rooms": self.media_rooms.len() - 1,
                "active_speaker": self.active_speaker.map(|p| p.0),
            },
            "participants": participants,
            "tracks": tracks,
            "waiting": waiting,
        }))
    }
}

pub fn kind_name(kind: TrackKind) -> &'static str {
    match kind {
        TrackKind::Audio => "audio",
        TrackKind::Camera => "camera",
        TrackKind::Screen => "screen",
    }
}

pub fn kind_from_name(name: &str) -> Option<TrackKind> {
    match name {
        "audio" => Some(TrackKind::Audio),
        "camera" => Some(TrackKind::Camera),
        "screen" => Some(TrackKind::Screen),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: Role) -> Member {
        Member {
            user: UserId::new(),
            name: "Anna".into(),
            role,
            conn: ConnId(1),
            waiting: false,
            audio_muted: false,
            video_muted: false,
            muted_by_moderator: false,
            may_speak: false,
            hand: None,
            room: 0,
        }
    }

    #[test]
    fn admission_follows_lock_removal_cap_and_waiting_room() {
        let mut lesson = Lesson::new(GroupId::new(), "7b".into(), 0, RoomId(1), false);
        let pupil = UserId::new();
        assert_eq!(lesson.admission(pupil, Role::Participant, 2), Ok(false));
        lesson.waiting_room = true;
        assert_eq!(lesson.admission(pupil, Role::Participant, 2), Ok(true));
        assert_eq!(lesson.admission(pupil, Role::Moderator, 2), Ok(false), "moderators never wait");
        lesson.locked = true;
        assert_eq!(lesson.admission(pupil, Role::Participant, 2), Err(HubErrorCode::VideoLocked));
        assert_eq!(
            lesson.admission(pupil, Role::Moderator, 2),
            Ok(false),
            "moderators pass a lock"
        );
        lesson.locked = false;
        lesson.removed.insert(pupil);
        assert_eq!(lesson.admission(pupil, Role::Participant, 2), Err(HubErrorCode::VideoRemoved));
        lesson.members.insert(ParticipantId(1), member(Role::Moderator));
        lesson.members.insert(ParticipantId(2), member(Role::Participant));
        assert_eq!(
            lesson.admission(UserId::new(), Role::Participant, 2),
            Err(HubErrorCode::VideoFull)
        );
    }

    #[test]
    fn a_muted_pupil_unmutes_only_when_allowed() {
        let mut lesson = Lesson::new(GroupId::new(), "7b".into(), 0, RoomId(1), false);
        let mut pupil = member(Role::Participant);
        pupil.muted_by_moderator = true;
        lesson.members.insert(ParticipantId(2), pupil);
        assert!(lesson.may_unmute(ParticipantId(2)), "allowed while pupils may unmute");
        lesson.pupils_may_unmute = false;
        assert!(!lesson.may_unmute(ParticipantId(2)));
        lesson.members.get_mut(&ParticipantId(2)).unwrap().may_speak = true;
        assert!(lesson.may_unmute(ParticipantId(2)), "the teacher let them speak");
        assert!(!lesson.may_unmute(ParticipantId(2)), "once");
        let state = lesson.state_for(ParticipantId(2), &[]).unwrap();
        assert_eq!(state["me"]["may_unmute"], false);
        assert_eq!(state["waiting"], json!([]));
    }
}
