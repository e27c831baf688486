//! The hub requests of a video lesson (`{"op":…}` publishes on `video:<group>`, docs/video.md)
//! and the SFU's events, applied to the lesson and the SFU together inside the SFU driver task.
//! Access that needs the database (membership, role, the school's camera rule) is resolved
//! before; everything after runs synchronously on `Lessons` and `Sfu`, then the caller sends the
//! `ack` body and the `signal` pushes.

use std::collections::HashMap;

use schulhof_proto::directory::{MemberRole, Role as SchoolRole};
use schulhof_proto::hub::HubErrorCode;
use schulhof_proto::{GroupId, UserId};
use schulhof_sfu::{ParticipantId, Sfu, SfuError, TrackId, TrackKind};
use serde::Deserialize;
use serde_json::{Value, json};

use super::effects::{end_breakouts, force_mute, remove_member, states};
use super::lesson::{Lesson, Member, Role, kind_from_name};
use super::{Lessons, lock, send_signal};
use crate::hub::core::ConnId;
use crate::state::SharedState;
use crate::store::AuthenticatedSession;

#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Join,
    Offer {
        sdp: String,
        #[serde(default)]
        publish: HashMap<String, String>,
        #[serde(default)]
        receive: HashMap<String, u64>,
    },
    Candidate {
        candidate: String,
    },
    View {
        tiles: HashMap<String, u32>,
    },
    Mute {
        kind: String,
        muted: bool,
    },
    Hand {
        raised: bool,
    },
    Leave,
    Admit {
        participant: u64,
    },
    AdmitAll,
    Deny {
        participant: u64,
    },
    MuteParticipant {
        participant: u64,
        kind: String,
    },
    MuteAll,
    AllowUnmute {
        allowed: bool,
    },
    AllowSpeak {
        participant: u64,
    },
    LowerHand {
        participant: u64,
    },
    Remove {
        participant: u64,
    },
    Lock {
        locked: bool,
    },
    WaitingRoom {
        enabled: bool,
    },
    Invite {
        user: UserId,
    },
    Breakout {
        rooms: Vec<Vec<u64>>,
    },
    BreakoutEnd,
    Visit {
        room: u32,
    },
    End,
}

/// Who is asking, resolved from the database before a `join`.
struct Joiner {
    user: UserId,
    name: String,
    role: Role,
    title: String,
    pupil_camera_off: bool,
}

pub(super) type Pushes = Vec<(GroupId, ConnId, Value)>;
type Outcome = Result<(Value, Pushes), HubErrorCode>;

/// A request on `video:<group>` from hub connection `conn`.
pub async fn handle(
    state: &SharedState,
    conn: ConnId,
    session: &AuthenticatedSession,
    group: GroupId,
    body: Value,
) -> Result<Value, HubErrorCode> {
    let op: Op = serde_json::from_value(body).map_err(|_| HubErrorCode::BadFrame)?;
    let invited = match &op {
        Op::Invite { user } => Some(*user),
        _ => None,
    };
    if let Some(user) = invited {
        // Only users of the moderator's own school can be invited.
        if state.store.user(session.school.id, user).await.is_err() {
            return Err(HubErrorCode::Forbidden);
        }
    }
    let joiner = match op {
        Op::Join => Some(resolve_joiner(state, session, group).await?),
        _ => None,
    };
    let lessons = state.video.shared_lessons();
    let now_ms = state.now_ms();
    let max = state.video.config.max_participants_per_lesson;
    let outcome: Outcome = state
        .video
        .engine
        .call(move |sfu, now| {
            let mut lessons = lock(&lessons);
            match (op, joiner) {
                (Op::Join, Some(joiner)) => join(&mut lessons, sfu, now, conn, group, joiner, max),
                (op, _) => apply(&mut lessons, sfu, now_ms, conn, group, op),
            }
        })
        .await
        .map_err(|_| HubErrorCode::Internal)?;
    let (ack, pushes) = outcome?;
    for (group, conn, body) in pushes {
        send_signal(state, conn, group, body);
    }
    if let Some(user) = invited {
        // The invited user hears of it on their own topic (every tab, any node).
        let title = state.video.lessons().by_group.get(&group).map(|l| l.title.clone());
        let body = json!({"event": "video_invite", "group": group, "title": title});
        crate::hub::notify::publish(
            state,
            schulhof_proto::hub::Topic::User(user),
            session.user.id,
            body,
        )
        .await;
    }
    Ok(ack)
}

/// Membership (or an invitation), the moderator role and the school's camera rule.
async fn resolve_joiner(
    state: &SharedState,
    session: &AuthenticatedSession,
    group: GroupId,
) -> Result<Joiner, HubErrorCode> {
    let school = session.school.id;
    let internal = |error: crate::store::StoreError| {
        tracing::error!(%error, "video join lookup failed");
        HubErrorCode::Internal
    };
    let membership =
        state.store.membership_role(school, group, session.user.id).await.map_err(internal)?;
    let invited = state.video.is_invited(group, session.user.id);
    let role = match membership {
        Some(MemberRole::Leader) => Role::Moderator,
        Some(_) if matches!(session.user.role, SchoolRole::Teacher | SchoolRole::Admin) => {
            Role::Moderator
        }
        Some(_) => Role::Participant,
        None if invited => Role::Participant,
        None => return Err(HubErrorCode::Forbidden),
    };
    let hosted_here = state.video.lessons().by_group.contains_key(&group);
    if !hosted_here {
        match super::placement::locate(state, group).await {
            Ok(super::placement::Location::Here) => {}
            Ok(super::placement::Location::Elsewhere(_)) => {
                return Err(HubErrorCode::VideoElsewhere);
            }
            Err(error) => {
                tracing::warn!(%error, "video placement failed");
                return Err(HubErrorCode::Internal);
            }
        }
    }
    let title = state.store.group(school, group).await.map_err(internal)?.name;
    let pupil_camera_off = state.store.video_pupil_camera_off(school).await.map_err(internal)?
        && session.user.role == SchoolRole::Pupil;
    Ok(Joiner {
        user: session.user.id,
        name: session.user.display_name.clone(),
        role,
        title,
        pupil_camera_off,
    })
}

fn sfu_error(error: SfuError) -> HubErrorCode {
    match error {
        SfuError::RoomFull => HubErrorCode::VideoFull,
        SfuError::NodeFull => HubErrorCode::VideoNodeFull,
        SfuError::UnknownParticipant => HubErrorCode::VideoNotJoined,
        SfuError::BadSdp(_) => HubErrorCode::VideoBadSdp,
        SfuError::Setup(_) => HubErrorCode::Internal,
    }
}

fn join(
    lessons: &mut Lessons,
    sfu: &mut Sfu,
    now: std::time::Instant,
    conn: ConnId,
    group: GroupId,
    joiner: Joiner,
    max: usize,
) -> Outcome {
    // One participant per connection: joining again replaces the earlier one.
    let mut pushes = Vec::new();
    if let Some((old_group, old)) = lessons.by_conn.get(&conn).copied() {
        pushes.extend(remove_member(lessons, sfu, old_group, old));
    }
    if !lessons.by_group.contains_key(&group) {
        if joiner.role != Role::Moderator {
            return Err(HubErrorCode::VideoNotStarted);
        }
        let main = lessons.new_room(group);
        let started = now_ms_of(now);
        lessons
            .by_group
            .insert(group, Lesson::new(group, joiner.title.clone(), started, main, false));
    }
    let Some(lesson) = lessons.by_group.get_mut(&group) else { return Err(HubErrorCode::Internal) };
    let waiting = lesson.admission(joiner.user, joiner.role, max)?;
    lesson.pupil_camera_off = lesson.pupil_camera_off || joiner.pupil_camera_off;
    let main = lesson.media_rooms[0];
    let id = sfu.join(main, now).map_err(sfu_error)?;
    lesson.members.insert(
        id,
        Member {
            user: joiner.user,
            name: joiner.name,
            role: joiner.role,
            conn,
            waiting,
            audio_muted: false,
            video_muted: joiner.pupil_camera_off,
            muted_by_moderator: false,
            may_speak: false,
            hand: None,
            room: 0,
        },
    );
    lesson.version += 1;
    let status = if waiting { "waiting" } else { "joined" };
    let ack = json!({"participant": id.0, "status": status, "role": joiner.role.as_str()});
    lessons.by_conn.insert(conn, (group, id));
    pushes.extend(states(lessons, sfu, group));
    Ok((ack, pushes))
}

/// A wall-clock-free stand-in for "started at": the caller's clock is in ms; the SFU's is an
/// `Instant`, so lessons record the system time here.
fn now_ms_of(_now: std::time::Instant) -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn apply(
    lessons: &mut Lessons,
    sfu: &mut Sfu,
    now_ms: i64,
    conn: ConnId,
    group: GroupId,
    op: Op,
) -> Outcome {
    let Some(lesson) = lessons.by_group.get_mut(&group) else {
        return Err(HubErrorCode::VideoNotStarted);
    };
    let Some((me, member)) = lesson.member_of_conn(conn) else {
        return Err(HubErrorCode::VideoNotJoined);
    };
    let waiting = member.waiting;
    let moderator = lesson.is_moderator_conn(conn);
    let needs_moderator = !matches!(
        op,
        Op::Offer { .. }
            | Op::Candidate { .. }
            | Op::View { .. }
            | Op::Mute { .. }
            | Op::Hand { .. }
            | Op::Leave
    );
    if needs_moderator && !moderator {
        return Err(HubErrorCode::VideoNotModerator);
    }
    if waiting && !matches!(op, Op::Leave) {
        return Err(HubErrorCode::VideoNotAdmitted);
    }
    let mut pushes = Vec::new();
    let mut ack = json!({});
    let mut changed = true;
    match op {
        Op::Join => return Err(HubErrorCode::BadFrame),
        Op::Offer { sdp, publish, receive } => {
            let publish: Vec<(String, TrackKind)> = publish
                .into_iter()
                .map(|(mid, kind)| {
                    kind_from_name(&kind).map(|k| (mid, k)).ok_or(HubErrorCode::BadFrame)
                })
                .collect::<Result<_, _>>()?;
            let receive: Vec<(String, TrackId)> =
                receive.into_iter().map(|(mid, track)| (mid, TrackId(track))).collect();
            let negotiated = sfu.negotiate(me, &sdp, &publish, &receive).map_err(sfu_error)?;
            let (audio, video) =
                lesson.members.get(&me).map_or((false, false), |m| (m.audio_muted, m.video_muted));
            sfu.set_muted(me, TrackKind::Audio, audio);
            sfu.set_muted(me, TrackKind::Camera, video);
            changed = negotiated.tracks_changed;
            ack = json!({"sdp": negotiated.answer});
        }
        Op::Candidate { candidate } => {
            sfu.add_remote_candidate(me, &candidate).map_err(sfu_error)?;
            changed = false;
        }
        Op::View { tiles } => {
            for (track, height) in tiles {
                let track = track.parse().map_err(|_| HubErrorCode::BadFrame)?;
                sfu.show(me, TrackId(track), height);
            }
            changed = false;
        }
        Op::Mute { kind, muted } => {
            let kind = media_kind(&kind)?;
            if kind == TrackKind::Audio && !muted && !lesson.may_unmute(me) {
                return Err(HubErrorCode::VideoUnmuteNotAllowed);
            }
            if let Some(m) = lesson.members.get_mut(&me) {
                if kind == TrackKind::Audio {
                    m.audio_muted = muted;
                    if !muted {
                        m.muted_by_moderator = false;
                    }
                } else {
                    m.video_muted = muted;
                }
            }
            sfu.set_muted(me, kind, muted);
        }
        Op::Hand { raised } => {
            if let Some(m) = lesson.members.get_mut(&me) {
                m.hand = if raised { m.hand.or(Some(now_ms)) } else { None };
            }
        }
        Op::Leave => {
            pushes.extend(remove_member(lessons, sfu, group, me));
            return Ok((ack, pushes));
        }
        Op::Admit { participant } => {
            let m = lesson
                .members
                .get_mut(&ParticipantId(participant))
                .ok_or(HubErrorCode::BadFrame)?;
            m.waiting = false;
        }
        Op::AdmitAll => lesson.members.values_mut().for_each(|m| m.waiting = false),
        Op::Deny { participant } => {
            let id = ParticipantId(participant);
            let m = lesson.members.get(&id).filter(|m| m.waiting).ok_or(HubErrorCode::BadFrame)?;
            pushes.push((group, m.conn, json!({"event": "denied"})));
            pushes.extend(remove_member(lessons, sfu, group, id));
            return Ok((ack, pushes));
        }
        Op::MuteParticipant { participant, kind } => {
            let kind = media_kind(&kind)?;
            pushes.extend(force_mute(lesson, sfu, group, ParticipantId(participant), kind));
        }
        Op::MuteAll => {
            let pupils: Vec<ParticipantId> = lesson
                .members
                .iter()
                .filter(|(_, m)| m.role != Role::Moderator)
                .map(|(id, _)| *id)
                .collect();
            for id in pupils {
                pushes.extend(force_mute(lesson, sfu, group, id, TrackKind::Audio));
            }
        }
        Op::AllowUnmute { allowed } => lesson.pupils_may_unmute = allowed,
        Op::AllowSpeak { participant } => {
            let m = lesson
                .members
                .get_mut(&ParticipantId(participant))
                .ok_or(HubErrorCode::BadFrame)?;
            m.may_speak = true;
            m.hand = None;
        }
        Op::LowerHand { participant } => {
            let m = lesson
                .members
                .get_mut(&ParticipantId(participant))
                .ok_or(HubErrorCode::BadFrame)?;
            m.hand = None;
        }
        Op::Remove { participant } => {
            let id = ParticipantId(participant);
            let m = lesson.members.get(&id).ok_or(HubErrorCode::BadFrame)?;
            if m.role == Role::Moderator {
                return Err(HubErrorCode::Forbidden);
            }
            lesson.removed.insert(m.user);
            pushes.push((group, m.conn, json!({"event": "removed"})));
            pushes.extend(remove_member(lessons, sfu, group, id));
            return Ok((ack, pushes));
        }
        Op::Lock { locked } => lesson.locked = locked,
        Op::WaitingRoom { enabled } => lesson.waiting_room = enabled,
        Op::Invite { user } => {
            lesson.invited.insert(user);
        }
        Op::Breakout { rooms } => {
            if rooms.is_empty() || rooms.len() > 20 {
                return Err(HubErrorCode::BadFrame);
            }
            end_breakouts(lessons, sfu, group);
            for (index, members) in rooms.iter().enumerate() {
                let room = lessons.new_room(group);
                let Some(lesson) = lessons.by_group.get_mut(&group) else { break };
                lesson.media_rooms.push(room);
                for id in members {
                    let id = ParticipantId(*id);
                    if let Some(m) = lesson.members.get_mut(&id) {
                        m.room = u32::try_from(index + 1).unwrap_or(0);
                        sfu.move_to(id, room).map_err(sfu_error)?;
                    }
                }
            }
        }
        Op::BreakoutEnd => end_breakouts(lessons, sfu, group),
        Op::Visit { room } => {
            let target = lesson.room_of(room).ok_or(HubErrorCode::BadFrame)?;
            if let Some(m) = lesson.members.get_mut(&me) {
                m.room = room;
            }
            sfu.move_to(me, target).map_err(sfu_error)?;
        }
        Op::End => {
            if let Some(lesson) = lessons.by_group.get(&group) {
                let all: Vec<(ParticipantId, ConnId)> =
                    lesson.members.iter().map(|(id, m)| (*id, m.conn)).collect();
                for (id, conn) in all {
                    pushes.push((group, conn, json!({"event": "ended"})));
                    remove_member(lessons, sfu, group, id);
                }
            }
            return Ok((ack, pushes));
        }
    }
    if changed {
        if let Some(lesson) = lessons.by_group.get_mut(&group) {
            lesson.version += 1;
        }
        pushes.extend(states(lessons, sfu, group));
    }
    Ok((ack, pushes))
}

fn media_kind(kind: &str) -> Result<TrackKind, HubErrorCode> {
    match kind {
        "audio" => Ok(TrackKind::Audio),
        "video" => Ok(TrackKind::Camera),
        _ => Err(HubErrorCode::BadFrame),
    }
}
