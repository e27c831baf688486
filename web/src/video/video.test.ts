// Unit tests for the video lesson's pure parts: gallery layout and pagination, view heights, hand queue,
// breakout split, the serial negotiation runner, the wire parsers, error texts, and the hub's ack bodies and
// `signal` frames.
import { describe, expect, it } from 'vitest';
import { HubClient, type SocketLike } from '../hubCore';
import { HubError } from '../hubProtocol';
import { dictionaries, translate } from '../i18n';
import { errorCode, VIDEO_ERROR_CODES, videoErrorText } from './errors';
import { buildLayout, clampPage, handPosition, handQueue, pageCount, pageSlice, roundRobin, sameView, viewTiles } from './gallery';
import { levelOf, mediaErrorKey } from './media';
import { keepExtension, preferredCodecs } from './peer';
import { parseAnswer, parseJoinAck, parsePush, parseState, type VideoParticipant, type VideoState } from './protocol';
import { SerialRunner } from './serial';

const person = (id: number, extra: Partial<VideoParticipant> = {}): VideoParticipant => ({
  id,
  user: `u${id}`,
  name: `P${id}`,
  role: 'participant',
  audio_muted: false,
  video_muted: false,
  hand: null,
  room: 0,
  ...extra,
});

function state(participants: VideoParticipant[], tracks: VideoState['tracks'], me = 1): VideoState {
  return parseState({ me: { participant: me, status: 'joined', role: 'participant', room: 0, may_unmute: true }, lesson: {}, participants, tracks });
}

describe('gallery', () => {
  it('puts me first, then the others of my room with their camera and audio', () => {
    const s = state(
      [person(2), person(1), person(3, { room: 2 }), person(4)],
      [
        { id: 10, participant: 2, kind: 'camera', muted: false },
        { id: 11, participant: 2, kind: 'audio', muted: false },
        { id: 12, participant: 4, kind: 'audio', muted: true },
      ],
    );
    const layout = buildLayout(s);
    expect(layout.tiles.map((t) => [t.participant.id, t.isMe, t.camera?.id ?? null, t.audio?.id ?? null])).toEqual([
      [1, true, null, null],
      [2, false, 10, 11],
      [4, false, null, 12],
    ]);
    expect(layout.spotlight).toBeNull();
  });

  it('shows the first screen share in the spotlight', () => {
    const s = state([person(1), person(2)], [
      { id: 21, participant: 2, kind: 'screen', muted: false },
      { id: 20, participant: 2, kind: 'camera', muted: false },
    ]);
    const layout = buildLayout(s);
    expect(layout.spotlight?.track.id).toBe(21);
    expect(layout.spotlight?.participant?.name).toBe('P2');
  });

  it('pages nine tiles at a time and keeps the page in range', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    expect(pageCount(0)).toBe(1);
    expect(pageCount(9)).toBe(1);
    expect(pageCount(10)).toBe(2);
    expect(pageCount(20)).toBe(3);
    expect(pageSlice(items, 0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(pageSlice(items, 2)).toEqual([18, 19]);
    expect(pageSlice(items, 7)).toEqual([18, 19]);
    expect(clampPage(2, 9)).toBe(0);
    expect(clampPage(-1, 30)).toBe(0);
  });

  it('gives a height only to video tracks that are shown, and 0 to all when hidden', () => {
    const s = state([person(1), person(2), person(3)], [
      { id: 10, participant: 2, kind: 'camera', muted: false },
      { id: 11, participant: 2, kind: 'audio', muted: false },
      { id: 12, participant: 3, kind: 'camera', muted: false },
      { id: 13, participant: 3, kind: 'screen', muted: false },
    ]);
    const shown = new Map([
      [10, 240.4],
      [13, 600],
    ]);
    expect(viewTiles(s, shown, false)).toEqual({ '10': 240, '12': 0, '13': 600 });
    expect(viewTiles(s, shown, true)).toEqual({ '10': 0, '12': 0, '13': 0 });
    expect(sameView(null, {})).toBe(false);
    expect(sameView({ '10': 240 }, { '10': 240 })).toBe(true);
    expect(sameView({ '10': 240 }, { '10': 241 })).toBe(false);
    expect(sameView({ '10': 240 }, { '10': 240, '12': 0 })).toBe(false);
  });

  it('orders the hand queue by the time the hand went up', () => {
    const ps = [person(1, { hand: 300 }), person(2), person(3, { hand: 100 }), person(4, { hand: 300 }), person(0, { hand: 300 })];
    expect(handQueue(ps).map((p) => p.id)).toEqual([3, 0, 1, 4]);
    expect(handPosition(ps, 1)).toBe(3);
    expect(handPosition(ps, 2)).toBeNull();
  });

  it('splits participants round-robin into breakout rooms', () => {
    expect(roundRobin([7, 8, 9, 10, 11], 2)).toEqual([
      [7, 9, 11],
      [8, 10],
    ]);
    expect(roundRobin([7], 3)).toEqual([[7]]);
    expect(roundRobin([], 2)).toEqual([]);
  });
});

describe('SerialRunner', () => {
  it('runs one task at a time and once more for requests during a run', async () => {
    let running = 0;
    let maxRunning = 0;
    const releases: (() => void)[] = [];
    const runner = new SerialRunner(
      async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((r) => releases.push(r));
        running -= 1;
      },
      () => true,
    );
    const settle = () => new Promise((r) => setTimeout(r, 0));
    runner.request();
    runner.request();
    expect(runner.busy).toBe(true);
    await settle();
    expect(releases.length).toBe(1);
    runner.request();
    runner.request();
    releases[0]!();
    await settle();
    expect(releases.length).toBe(2);
    releases[1]!();
    await runner.idle();
    expect(releases.length).toBe(2);
    expect(maxRunning).toBe(1);
    expect(runner.busy).toBe(false);
  });

  it('lets the error handler drop pending requests', async () => {
    let runs = 0;
    const runner = new SerialRunner(async () => {
      runs += 1;
      if (runs === 1) runner.request();
      throw new Error('boom');
    }, () => false);
    runner.request();
    await runner.idle();
    expect(runs).toBe(1);
  });
});

describe('wire parsers', () => {
  it('parses join acks and answers', () => {
    expect(parseJoinAck({ participant: 7, status: 'waiting', role: 'participant' })).toEqual({ participant: 7, status: 'waiting', role: 'participant' });
    expect(parseJoinAck({ participant: 7, status: 'joined', role: 'moderator' })?.role).toBe('moderator');
    expect(parseJoinAck({})).toBeNull();
    expect(parseAnswer({ sdp: 'v=0' })).toBe('v=0');
    expect(parseAnswer({ sdp: '' })).toBeNull();
    expect(parseAnswer(undefined)).toBeNull();
  });

  it('parses the documented state push and fills in missing fields', () => {
    const push = parsePush({
      event: 'state',
      me: { participant: 7, status: 'joined', role: 'participant', room: 0, may_unmute: true },
      lesson: { title: '7b', locked: false, waiting_room: false, pupils_may_unmute: true, pupil_camera_off: false, breakout_rooms: 0, active_speaker: 7 },
      participants: [{ id: 7, user: 'x', name: 'Anna Berg', role: 'participant', audio_muted: false, video_muted: true, hand: null, room: 0 }],
      tracks: [{ id: 3, participant: 7, kind: 'audio', muted: false }, { participant: 1 }],
      waiting: [{ id: 9, name: 'Ben Cem' }],
    });
    expect(push?.event).toBe('state');
    if (push?.event !== 'state') return;
    expect(push.lesson.active_speaker).toBe(7);
    expect(push.participants[0]?.video_muted).toBe(true);
    expect(push.tracks).toEqual([{ id: 3, participant: 7, kind: 'audio', muted: false }]);
    expect(push.waiting).toEqual([{ id: 9, name: 'Ben Cem' }]);
    const bare = parsePush({ event: 'state' });
    expect(bare?.event === 'state' && bare.lesson.pupils_may_unmute).toBe(true);
  });

  it('parses the other pushes and ignores unknown ones', () => {
    expect(parsePush({ event: 'force_mute', kind: 'video' })).toEqual({ event: 'force_mute', kind: 'video' });
    expect(parsePush({ event: 'removed' })).toEqual({ event: 'removed' });
    expect(parsePush({ event: 'ended' })).toEqual({ event: 'ended' });
    expect(parsePush({ event: 'rejoin', reason: 'node_draining' })).toEqual({ event: 'rejoin', reason: 'node_draining' });
    expect(parsePush({ event: 'party' })).toBeNull();
    expect(parsePush('state')).toBeNull();
  });
});

describe('error texts', () => {
  it('has a German and an English text for every error code of docs/video.md', () => {
    for (const code of VIDEO_ERROR_CODES) {
      expect(dictionaries.de[`video.error.${code}`], code).toBeTruthy();
      expect(dictionaries.en[`video.error.${code}`], code).toBeTruthy();
    }
  });

  it('uses our text for known codes and the server text otherwise', () => {
    const t = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('de', k, p);
    expect(videoErrorText(new HubError('video_unmute_not_allowed', 'x', 'y'), 'de', t)).toContain('Mikrofon gerade nicht einschalten');
    expect(videoErrorText(new HubError('weird', 'Weird.', 'Seltsam.'), 'de', t)).toBe('Seltsam.');
    expect(videoErrorText(new Error('kaputt'), 'de', t)).toBe('kaputt');
    expect(errorCode(new HubError('video_full', '', ''))).toBe('video_full');
    expect(errorCode(new Error('x'))).toBe('unknown');
  });

  it('names media failures', () => {
    expect(mediaErrorKey({ name: 'NotAllowedError' })).toBe('video.mediaDenied');
    expect(mediaErrorKey({ name: 'NotFoundError' })).toBe('video.mediaMissing');
    expect(mediaErrorKey(new Error('x'))).toBe('video.mediaFailed');
    expect(levelOf(new Float32Array([0, 0]))).toBe(0);
    expect(levelOf(new Float32Array([1, -1]))).toBe(1);
  });
});

describe('offer trimming', () => {
  const codec = (mimeType: string, sdpFmtpLine?: string) => ({ mimeType, clockRate: 90000, sdpFmtpLine });
  it('offers Opus, and VP8 with RTX (H.264 only without VP8)', () => {
    const video = [codec('video/VP9'), codec('video/VP8'), codec('video/rtx'), codec('video/H264', 'packetization-mode=1;profile-level-id=42e01f'), codec('video/red'), codec('video/AV1')];
    expect(preferredCodecs('video', video).map((c) => c.mimeType)).toEqual(['video/VP8', 'video/rtx']);
    expect(preferredCodecs('video', video.filter((c) => c.mimeType !== 'video/VP8')).map((c) => c.mimeType)).toEqual(['video/H264', 'video/rtx']);
    expect(preferredCodecs('audio', [codec('audio/red'), codec('audio/opus'), codec('audio/CN')]).map((c) => c.mimeType)).toEqual(['audio/opus']);
  });

  it('keeps the header extensions the SFU needs', () => {
    expect(keepExtension('urn:ietf:params:rtp-hdrext:ssrc-audio-level')).toBe(true);
    expect(keepExtension('http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01')).toBe(true);
    expect(keepExtension('urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id')).toBe(true);
    expect(keepExtension('http://www.webrtc.org/experiments/rtp-hdrext/video-timing')).toBe(false);
    expect(keepExtension('https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension')).toBe(false);
  });
});

describe('hub: ack bodies and signal frames', () => {
  function connected() {
    const sent: Record<string, unknown>[] = [];
    const socket: SocketLike = {
      send: (d) => void sent.push(JSON.parse(d)),
      close: () => {},
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
    };
    const client = new HubClient({
      url: 'ws://test/ws',
      createSocket: () => socket,
      timers: { setTimeout: () => 0, clearTimeout: () => {} },
    });
    client.connect();
    const receive = (f: Record<string, unknown>) => socket.onmessage?.({ data: JSON.stringify(f) });
    receive({ type: 'hello', protocol: 1, user_id: 'u1', heartbeat_ms: 25000 });
    return { client, sent, receive };
  }

  it('resolves a publish with the ack body', async () => {
    const { client, sent, receive } = connected();
    const p = client.publish('video:g', { op: 'join' });
    const id = sent.find((f) => f.type === 'publish')?.id;
    receive({ type: 'ack', id, body: { participant: 7, status: 'joined', role: 'moderator' } });
    await expect(p).resolves.toEqual({ seq: undefined, body: { participant: 7, status: 'joined', role: 'moderator' } });
  });

  it('delivers signal frames to the handlers of their topic only', () => {
    const { client, sent, receive } = connected();
    const got: unknown[] = [];
    client.subscribe('video:g', { signal: (b) => got.push(b) });
    client.subscribe('video:h', { signal: () => got.push('wrong') });
    const sub = sent.find((f) => f.type === 'subscribe' && f.topic === 'video:g');
    receive({ type: 'subscribed', id: sub?.id, topic: 'video:g', seq: 0 });
    receive({ type: 'signal', topic: 'video:g', body: { event: 'ended' } });
    receive({ type: 'signal', topic: 'video:x', body: { event: 'ended' } });
    expect(got).toEqual([{ event: 'ended' }]);
  });
});
