// Wire shapes of video lessons on the hub (docs/video.md): the requests' ack bodies and the server's pushes
// (`state`, `force_mute`, `removed`, `ended`, `rejoin`), with lenient parsers that fill in missing fields.
// Pure: no socket, no WebRTC, no DOM.

/** What one of this client's sending m-lines carries (`publish` in the offer). */
export type PublishKind = 'audio' | 'camera' | 'screen';
export type VideoRole = 'moderator' | 'participant';
export type MediaKind = 'audio' | 'video';

export interface JoinAck {
  participant: number;
  status: 'joined' | 'waiting';
  role: VideoRole;
}

export interface VideoMe {
  participant: number;
  status: 'joined' | 'waiting';
  role: VideoRole;
  room: number;
  may_unmute: boolean;
}

export interface VideoLessonInfo {
  title: string;
  locked: boolean;
  waiting_room: boolean;
  pupils_may_unmute: boolean;
  pupil_camera_off: boolean;
  breakout_rooms: number;
  active_speaker: number | null;
}

export interface VideoParticipant {
  id: number;
  user: string;
  name: string;
  role: VideoRole;
  audio_muted: boolean;
  video_muted: boolean;
  /** When the hand went up (ms), or null. */
  hand: number | null;
  room: number;
}

/** A remote track of my room; `kind` is the publisher's `publish` kind (audio, camera, screen). */
export interface VideoTrack {
  id: number;
  participant: number;
  kind: string;
  muted: boolean;
}

export interface VideoWaiting {
  id: number;
  name: string;
}

export interface VideoState {
  me: VideoMe;
  lesson: VideoLessonInfo;
  participants: VideoParticipant[];
  tracks: VideoTrack[];
  waiting: VideoWaiting[];
}

export type VideoPush =
  | ({ event: 'state' } & VideoState)
  | { event: 'force_mute'; kind: MediaKind }
  | { event: 'removed' }
  | { event: 'ended' }
  | { event: 'rejoin'; reason: string };

/** The RTP media kind of a remote track (camera and screen are both video). */
export function mediaKindOf(trackKind: string): MediaKind {
  return trackKind === 'audio' ? 'audio' : 'video';
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null;
}
const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const bool = (v: unknown, d = false): boolean => (typeof v === 'boolean' ? v : d);
const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);
const role = (v: unknown): VideoRole => (v === 'moderator' ? 'moderator' : 'participant');
const status = (v: unknown): 'joined' | 'waiting' => (v === 'waiting' ? 'waiting' : 'joined');
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj).filter((o): o is Obj => o !== null) : []);

export function parseJoinAck(body: unknown): JoinAck | null {
  const b = obj(body);
  if (!b || typeof b.participant !== 'number') return null;
  return { participant: b.participant, status: status(b.status), role: role(b.role) };
}

/** The SDP answer in an `offer` ack, or null. */
export function parseAnswer(body: unknown): string | null {
  const b = obj(body);
  return b && typeof b.sdp === 'string' && b.sdp.length > 0 ? b.sdp : null;
}

export function parseState(b: Obj): VideoState {
  const me = obj(b.me) ?? {};
  const lesson = obj(b.lesson) ?? {};
  return {
    me: {
      participant: num(me.participant, -1),
      status: status(me.status),
      role: role(me.role),
      room: num(me.room),
      may_unmute: bool(me.may_unmute, true),
    },
    lesson: {
      title: str(lesson.title),
      locked: bool(lesson.locked),
      waiting_room: bool(lesson.waiting_room),
      pupils_may_unmute: bool(lesson.pupils_may_unmute, true),
      pupil_camera_off: bool(lesson.pupil_camera_off),
      breakout_rooms: num(lesson.breakout_rooms),
      active_speaker: typeof lesson.active_speaker === 'number' ? lesson.active_speaker : null,
    },
    participants: list(b.participants).map((p) => ({
      id: num(p.id, -1),
      user: str(p.user),
      name: str(p.name),
      role: role(p.role),
      audio_muted: bool(p.audio_muted, true),
      video_muted: bool(p.video_muted, true),
      hand: typeof p.hand === 'number' ? p.hand : null,
      room: num(p.room),
    })),
    tracks: list(b.tracks)
      .filter((t) => typeof t.id === 'number')
      .map((t) => ({ id: num(t.id), participant: num(t.participant, -1), kind: str(t.kind, 'audio'), muted: bool(t.muted) })),
    waiting: list(b.waiting).map((w) => ({ id: num(w.id, -1), name: str(w.name) })),
  };
}

/** Parses a `signal` body on a `video:` topic; unknown events give null. */
export function parsePush(body: unknown): VideoPush | null {
  const b = obj(body);
  if (!b) return null;
  switch (b.event) {
    case 'state':
      return { event: 'state', ...parseState(b) };
    case 'force_mute':
      return { event: 'force_mute', kind: b.kind === 'video' ? 'video' : 'audio' };
    case 'removed':
      return { event: 'removed' };
    case 'ended':
      return { event: 'ended' };
    case 'rejoin':
      return { event: 'rejoin', reason: str(b.reason) };
    default:
      return null;
  }
}

/** `GET /api/video/lessons`: a lesson running in one of my groups. */
export interface LessonSummary {
  group: string;
  title: string;
  started_at: number;
  participants: number;
}

/** `GET /api/video/{group}/connect`. */
export interface ConnectInfo {
  ws_url: string | null;
  ice_servers: RTCIceServer[];
}
