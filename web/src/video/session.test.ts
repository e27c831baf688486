// Unit tests for VideoSession without a browser: a fake hub (answers requests, pushes signals) and a fake
// RTCPeerConnection (mids in creation order). Join, waiting room, offers and their maps, force mute, the
// unmute refusal, removal, room moves, and the rejoin after a hub resubscription or a failed media connection.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HubError } from '../hubProtocol';
import { LocalMedia } from './media';
import { MEDIA_GRACE_MS, VideoSession } from './session';
import { FakeHub, FakePeer, flush, type Body } from './testFakes';

const stateBody = (extra: { room?: number; status?: string; tracks?: Body[] } = {}) => ({
  event: 'state',
  me: { participant: 1, status: extra.status ?? 'joined', role: 'participant', room: extra.room ?? 0, may_unmute: true },
  lesson: { title: '5a', pupil_camera_off: false },
  participants: [{ id: 1, user: 'u1', name: 'Max', role: 'participant', audio_muted: true, video_muted: true, hand: null, room: extra.room ?? 0 }],
  tracks: extra.tracks ?? [],
  waiting: [],
});

function setup() {
  const hub = new FakeHub();
  const peers: FakePeer[] = [];
  const media = new LocalMedia();
  const session = new VideoSession({
    hub,
    group: 'g',
    iceServers: [],
    media,
    isPupil: true,
    createPeer: () => {
      const p = new FakePeer();
      peers.push(p);
      return p as unknown as RTCPeerConnection;
    },
  });
  session.start();
  return { hub, peers, media, session };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('document', { hidden: false, addEventListener: () => {}, removeEventListener: () => {} });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('VideoSession', () => {
  it('joins, says what is muted, offers mic and camera, applies the answer', async () => {
    const { hub, peers, session } = setup();
    hub.subscribed();
    await flush();
    expect(hub.requests.map((r) => r.op)).toEqual(['join', 'mute', 'mute', 'offer']);
    expect(hub.ops('mute')).toEqual([
      { op: 'mute', kind: 'audio', muted: true },
      { op: 'mute', kind: 'video', muted: true },
    ]);
    expect(hub.ops('offer')[0]).toMatchObject({ publish: { '0': 'audio', '1': 'camera' }, receive: {} });
    expect(peers[0]!.remote).toEqual(['answer-to-offer-2']);
    expect(session.snapshot().phase).toBe('joined');
  });

  it('offers again with a recvonly slot per remote track, reusing freed slots', async () => {
    const { hub, peers, session } = setup();
    hub.subscribed();
    await flush();
    hub.push(stateBody({ tracks: [{ id: 7, participant: 2, kind: 'audio' }, { id: 8, participant: 2, kind: 'camera' }] }));
    await flush();
    expect(hub.ops('offer')[1]).toMatchObject({ receive: { '2': 7, '3': 8 } });
    expect(session.trackOf(8)).toBe(peers[0]!.transceivers[3]!.receiver.track);
    hub.push(stateBody({ tracks: [{ id: 7, participant: 2, kind: 'audio' }, { id: 9, participant: 2, kind: 'screen' }] }));
    await flush();
    expect(hub.ops('offer')[2]).toMatchObject({ receive: { '2': 7, '3': 9 } });
    expect(peers[0]!.transceivers.length).toBe(4);
  });

  it('waits in the waiting room and offers once admitted', async () => {
    const { hub, session } = setup();
    hub.answers.join = () => ({ participant: 1, status: 'waiting', role: 'participant' });
    hub.subscribed();
    await flush();
    expect(session.snapshot().phase).toBe('waiting');
    expect(hub.ops('offer')).toEqual([]);
    hub.push(stateBody({ status: 'joined' }));
    await flush();
    expect(session.snapshot().phase).toBe('joined');
    expect(hub.ops('offer').length).toBe(1);
  });

  it('shows a refused unmute and keeps the microphone off', async () => {
    const { hub, media, session } = setup();
    hub.subscribed();
    await flush();
    hub.answers.mute = () => {
      throw new HubError('video_unmute_not_allowed', 'no', 'nein');
    };
    await expect(session.setMic(true)).rejects.toThrow();
    expect((session.snapshot().error as HubError).code).toBe('video_unmute_not_allowed');
    expect(media.micOn).toBe(false);
  });

  it('shows force mute, and ends on removal', async () => {
    const { hub, peers, session } = setup();
    hub.subscribed();
    await flush();
    hub.push({ event: 'force_mute', kind: 'audio' });
    expect(session.snapshot().notice).toBe('video.forceMutedAudio');
    hub.push({ event: 'removed' });
    expect(session.snapshot().phase).toBe('removed');
    expect(peers[0]!.closed).toBe(true);
    hub.subscribed();
    await flush();
    expect(hub.ops('join').length).toBe(1);
  });

  it('maps every receive slot afresh after a move to another room', async () => {
    const { hub, session } = setup();
    hub.subscribed();
    await flush();
    hub.push(stateBody({ tracks: [{ id: 1, participant: 2, kind: 'audio' }] }));
    await flush();
    expect(hub.ops('offer')[1]).toMatchObject({ receive: { '2': 1 } });
    // Room 1 numbers its tracks from 1 again: track 1 is now somebody else's camera.
    hub.push(stateBody({ room: 1, tracks: [{ id: 1, participant: 3, kind: 'camera' }] }));
    await flush();
    expect(hub.ops('offer')[2]).toMatchObject({ receive: { '3': 1 } });
    expect(session.snapshot().state?.me.room).toBe(1);
  });

  it('rejoins with a new peer connection after a hub resubscription', async () => {
    const { hub, peers } = setup();
    hub.subscribed();
    await flush();
    hub.subscribed();
    await flush();
    expect(hub.ops('join').length).toBe(2);
    expect(peers.length).toBe(2);
    expect(peers[0]!.closed).toBe(true);
  });

  it('rejoins when the media connection stays failed for the grace time, not when it recovers', async () => {
    const { hub, peers } = setup();
    hub.subscribed();
    await flush();
    peers[0]!.setConnection('disconnected');
    vi.advanceTimersByTime(MEDIA_GRACE_MS - 1000);
    peers[0]!.setConnection('connected');
    vi.advanceTimersByTime(5000);
    await flush();
    expect(hub.ops('join').length).toBe(1);
    peers[0]!.setConnection('failed');
    vi.advanceTimersByTime(MEDIA_GRACE_MS);
    await flush();
    expect(hub.ops('join').length).toBe(2);
    expect(peers.length).toBe(2);
  });
});
