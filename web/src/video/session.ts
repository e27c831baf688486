// One video lesson as seen from this tab (docs/video.md): subscribes to `video:<group>`, joins, negotiates the
// PeerLink one offer at a time (SerialRunner), follows the server's `state` and pushes, sends `view` heights
// (view.ts), and carries the controls (mute, camera, screen, hand, moderation).
// It rejoins — new join, new peer connection, new offer — when the hub reconnects or the media connection
// stays failed or disconnected for 5 s. The UI reads `snapshot()` and listens with `onChange`.
import type { PublishAck, TopicHandler } from '../hubCore';
import { HubError, type HubState } from '../hub';
import type { MessageKey } from '../i18n';
import { errorCode } from './errors';
import { LocalMedia } from './media';
import { PeerLink } from './peer';
import { parseAnswer, parseJoinAck, parsePush, type VideoRole, type VideoState } from './protocol';
import { SerialRunner } from './serial';
import { ViewReporter } from './view';

/** The part of the HubClient a session uses (the tab's hub, or one to another node). */
export interface HubLike {
  publish(topic: string, body: unknown): Promise<PublishAck>;
  subscribe(topic: string, handler: TopicHandler): () => void;
  getState(): HubState;
  onState(fn: (s: HubState) => void): () => void;
}

export type Phase = 'connecting' | 'waiting' | 'joined' | 'reconnecting' | 'rejoin' | 'ended' | 'removed' | 'left' | 'failed';

export interface SessionSnapshot {
  phase: Phase;
  state: VideoState | null;
  role: VideoRole | null;
  /** The last refused request (shown until the next one succeeds or it is dismissed). */
  error: unknown;
  notice: MessageKey | null;
  /** The media connection's state (for the reconnect banner and tests). */
  connection: RTCPeerConnectionState;
  /** Bumped when the received tracks change (tiles re-read `trackOf`). */
  tracksVersion: number;
}

export interface SessionOptions {
  hub: HubLike;
  group: string;
  iceServers: RTCIceServer[];
  media: LocalMedia;
  /** Pupils start with the camera off when the school says so (`lesson.pupil_camera_off`). */
  isPupil: boolean;
  createPeer?: (config: RTCConfiguration) => RTCPeerConnection;
}

/** How long a failed/disconnected media connection may last before the session rejoins. */
export const MEDIA_GRACE_MS = 5_000;
const JOIN_RETRY_MS = 3_000;
const FINAL: ReadonlySet<Phase> = new Set(['ended', 'removed', 'left', 'failed', 'rejoin']);
/** Join refusals that end the attempt (the rest wait for the hub's next subscription). */
const FINAL_JOIN_CODES = new Set(['forbidden', 'module_disabled', 'video_not_started', 'video_locked', 'video_full', 'video_node_full', 'video_removed', 'account_restricted']);

export class VideoSession {
  readonly topic: string;
  private snap: SessionSnapshot = { phase: 'connecting', state: null, role: null, error: null, notice: null, connection: 'new', tracksVersion: 0 };
  private readonly listeners = new Set<() => void>();
  private peer: PeerLink | null = null;
  /** Bumped by every (re)join: answers to an older attempt are ignored. */
  private attempt = 0;
  private answered = false;
  private readonly candidates: string[] = [];
  private readonly negotiator = new SerialRunner(
    () => this.negotiate(),
    (err) => {
      if (errorCode(err) !== 'disconnected') this.update({ error: err });
      return false;
    },
  );
  private readonly view = new ViewReporter(
    () => {
      const state = this.snap.state;
      if (!state || !this.peer || !this.answered || this.snap.phase !== 'joined') return null;
      return { state, received: this.peer.receivedTrackIds() };
    },
    (tiles) => this.request({ op: 'view', tiles }),
  );
  private mediaTimer: ReturnType<typeof setTimeout> | null = null;
  private cameraRuleApplied = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(private readonly opts: SessionOptions) {
    this.topic = `video:${opts.group}`;
  }

  snapshot(): SessionSnapshot {
    return this.snap;
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private update(patch: Partial<SessionSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const fn of [...this.listeners]) fn();
  }

  private get final(): boolean {
    return FINAL.has(this.snap.phase);
  }

  /** Subscribes to the lesson's topic; every (re)subscription joins. */
  start(): void {
    const { hub, media } = this.opts;
    this.cleanups.push(
      hub.subscribe(this.topic, {
        subscribed: () => void this.join(),
        signal: (body) => this.onPush(body),
        error: (err) => this.stop('failed', err),
        unsubscribed: () => this.stop('failed', new HubError('forbidden', 'Not allowed.', 'Nicht erlaubt.')),
      }),
      hub.onState((s) => {
        if (this.final) return;
        if (s.status === 'closed') this.stop('failed', new HubError('disconnected', 'Disconnected.', 'Getrennt.'));
        else if (s.status !== 'open' && this.snap.phase !== 'connecting') this.update({ phase: 'reconnecting' });
      }),
      media.onChange(() => void this.syncTracks()),
    );
    this.cleanups.push(this.view.watchVisibility());
  }

  /** Ends everything local (the page is left); `leave()` tells the server first. */
  close(): void {
    this.negotiator.stop();
    for (const fn of this.cleanups.splice(0)) fn();
    this.dropPeer();
    this.view.close();
  }

  private request(body: Record<string, unknown>): Promise<PublishAck> {
    return this.opts.hub.publish(this.topic, body);
  }

  // --- joining ---------------------------------------------------------------------------------

  private async join(): Promise<void> {
    if (this.final) return;
    const attempt = ++this.attempt;
    this.dropPeer();
    this.view.reset();
    if (this.snap.phase !== 'connecting') this.update({ phase: 'reconnecting' });
    try {
      const ack = parseJoinAck((await this.request({ op: 'join' })).body);
      if (attempt !== this.attempt || this.final) return;
      if (!ack) throw new HubError('bad_frame', 'Unexpected answer to join.', 'Unerwartete Antwort auf den Beitritt.');
      this.update({ role: ack.role, error: null });
      if (ack.status === 'waiting') this.update({ phase: 'waiting' });
      else await this.enter(attempt);
    } catch (err) {
      if (attempt !== this.attempt || this.final) return;
      const code = errorCode(err);
      if (code === 'video_elsewhere') this.stop('rejoin', null);
      else if (code === 'video_removed') this.stop('removed', err);
      else if (FINAL_JOIN_CODES.has(code)) this.stop('failed', err);
      else if (code === 'disconnected') this.update({ phase: 'reconnecting', error: null });
      else {
        // Timeouts, rate limits and the like: try again (a lost hub connection joins on its own).
        this.update({ phase: 'reconnecting', error: err });
        setTimeout(() => attempt === this.attempt && !this.final && void this.join(), JOIN_RETRY_MS);
      }
    }
  }

  /** Admitted: tells the server what is muted, builds the peer connection and sends the first offer. */
  private async enter(attempt: number): Promise<void> {
    const { media } = this.opts;
    this.update({ phase: 'joined' });
    await Promise.all([
      this.request({ op: 'mute', kind: 'audio', muted: !media.micOn }).catch(() => {}),
      this.request({ op: 'mute', kind: 'video', muted: !media.cameraOn }).catch(() => {}),
    ]);
    if (attempt !== this.attempt || this.final) return;
    this.createPeer();
    this.negotiator.request();
  }

  private createPeer(): void {
    const { media, iceServers } = this.opts;
    const config: RTCConfiguration = { iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };
    const pc = this.opts.createPeer ? this.opts.createPeer(config) : new RTCPeerConnection(config);
    const peer = new PeerLink(pc, { mic: media.micOn ? media.mic : null, camera: media.cameraOn ? media.camera : null, screen: media.screen });
    this.peer = peer;
    this.answered = false;
    this.candidates.length = 0;
    pc.onicecandidate = (e) => {
      if (this.peer !== peer || !e.candidate?.candidate) return;
      if (this.answered) this.sendCandidate(e.candidate.candidate);
      else this.candidates.push(e.candidate.candidate);
    };
    pc.onconnectionstatechange = () => {
      if (this.peer !== peer) return;
      this.update({ connection: pc.connectionState });
      this.watchMedia(pc.connectionState);
    };
    // For the browser tests (tests/browser/video_flow.mjs): the connection whose stats they read.
    (globalThis as { __schulhofVideo?: unknown }).__schulhofVideo = { pc, session: this };
    this.update({ connection: pc.connectionState, tracksVersion: this.snap.tracksVersion + 1 });
  }

  private dropPeer(): void {
    if (this.mediaTimer) clearTimeout(this.mediaTimer);
    this.mediaTimer = null;
    this.peer?.close();
    this.peer = null;
    this.answered = false;
  }

  /** Rejoins when the media connection stays failed or disconnected for MEDIA_GRACE_MS. */
  private watchMedia(state: RTCPeerConnectionState): void {
    if (state === 'failed' || state === 'disconnected') {
      this.mediaTimer ??= setTimeout(() => {
        this.mediaTimer = null;
        if (this.peer && ['failed', 'disconnected'].includes(this.peer.pc.connectionState)) void this.join();
      }, MEDIA_GRACE_MS);
    } else if (this.mediaTimer) {
      clearTimeout(this.mediaTimer);
      this.mediaTimer = null;
    }
  }

  /** One offer/answer round for the current tracks (run by the SerialRunner, never twice at once). */
  private async negotiate(): Promise<void> {
    const peer = this.peer;
    const attempt = this.attempt;
    if (!peer || this.snap.phase !== 'joined') return;
    const offer = await peer.offer(this.snap.state?.tracks ?? []);
    let sdp: string | null;
    try {
      const ack = await this.request({ op: 'offer', sdp: offer.sdp, publish: offer.publish, receive: offer.receive });
      sdp = parseAnswer(ack.body);
      if (!sdp) throw new HubError('video_bad_sdp', 'The answer has no SDP.', 'Die Antwort enthält kein SDP.');
    } catch (err) {
      await peer.rollback();
      throw err;
    }
    if (peer !== this.peer || attempt !== this.attempt) return;
    await peer.answer(sdp);
    this.answered = true;
    for (const c of this.candidates.splice(0)) this.sendCandidate(c);
    this.update({ tracksVersion: this.snap.tracksVersion + 1 });
    this.view.schedule(0);
  }

  private sendCandidate(candidate: string): void {
    this.request({ op: 'candidate', candidate }).catch(() => {
      // Optional: the server learns peer-reflexive addresses anyway.
    });
  }

  // --- pushes --------------------------------------------------------------------------------

  private onPush(body: unknown): void {
    const push = parsePush(body);
    if (!push || this.final) return;
    switch (push.event) {
      case 'state': {
        const { event: _event, ...state } = push;
        const wasWaiting = this.snap.phase === 'waiting';
        const movedRoom = this.snap.state !== null && this.snap.state.me.room !== state.me.room;
        this.update({ state, role: state.me.role });
        if (wasWaiting && state.me.status === 'joined') void this.enter(this.attempt);
        this.applyCameraRule(state);
        if (this.peer && movedRoom) {
          // Track ids are per room: after a move none of the old receive mapping holds.
          this.peer.forgetReceivers();
          this.view.reset();
          this.negotiator.request();
        } else if (this.peer && this.peer.needsOffer(state.tracks)) {
          this.negotiator.request();
        }
        this.view.schedule();
        break;
      }
      case 'force_mute':
        if (push.kind === 'audio') void this.opts.media.setMic(false);
        else void this.opts.media.setCamera(false);
        this.update({ notice: push.kind === 'audio' ? 'video.forceMutedAudio' : 'video.forceMutedVideo' });
        break;
      case 'removed':
        this.stop('removed', null);
        break;
      case 'ended':
        this.stop('ended', null);
        break;
      case 'rejoin':
        this.stop('rejoin', null);
        break;
    }
  }

  /** Pupils switch their camera off once, on the first state, when the lesson says so. */
  private applyCameraRule(state: VideoState): void {
    if (this.cameraRuleApplied) return;
    this.cameraRuleApplied = true;
    if (this.opts.isPupil && state.lesson.pupil_camera_off && this.opts.media.cameraOn) void this.setCamera(false);
  }

  private stop(phase: Phase, error: unknown): void {
    if (this.final) return;
    this.negotiator.stop();
    this.dropPeer();
    this.update({ phase, error });
  }

  /**
   * Puts the current local tracks on the senders (after a device switch, force mute, camera on/off). What
   * is switched off is not sent at all (null track), not just silenced.
   */
  private async syncTracks(): Promise<void> {
    const peer = this.peer;
    if (!peer) return;
    const { media } = this.opts;
    await peer.setTrack('audio', media.micOn ? media.mic : null);
    await peer.setTrack('camera', media.cameraOn ? media.camera : null);
    if (peer.setScreen(media.screen)) this.negotiator.request();
  }

  // --- view ------------------------------------------------------------------------------------

  /** The heights (px) the gallery shows remote video tracks at; sent debounced as `view`. */
  setShown(shown: Map<number, number>): void {
    this.view.setShown(shown);
  }

  /** The received media of a remote track (for a tile's video or audio element). */
  trackOf(trackId: number): MediaStreamTrack | null {
    return this.peer?.trackOf(trackId) ?? null;
  }

  // --- controls --------------------------------------------------------------------------------

  /** Runs a control request; a refusal is shown as the session's error and rethrown. */
  private async control(body: Record<string, unknown>): Promise<void> {
    try {
      await this.request(body);
      if (this.snap.error) this.update({ error: null });
    } catch (err) {
      this.update({ error: err });
      throw err;
    }
  }

  /** Microphone on (the server must allow it first) or off. */
  async setMic(on: boolean): Promise<void> {
    const joined = this.snap.phase === 'joined';
    if (on) {
      if (joined) await this.control({ op: 'mute', kind: 'audio', muted: false });
      await this.opts.media.setMic(true);
    } else {
      await this.opts.media.setMic(false);
      if (joined) await this.control({ op: 'mute', kind: 'audio', muted: true }).catch(() => {});
    }
  }

  async setCamera(on: boolean): Promise<void> {
    const joined = this.snap.phase === 'joined';
    if (on) {
      if (joined) await this.control({ op: 'mute', kind: 'video', muted: false });
      try {
        await this.opts.media.setCamera(true);
      } catch (err) {
        if (joined) await this.request({ op: 'mute', kind: 'video', muted: true }).catch(() => {});
        this.update({ error: err });
        throw err;
      }
    } else {
      await this.opts.media.setCamera(false);
      if (joined) await this.control({ op: 'mute', kind: 'video', muted: true }).catch(() => {});
    }
  }

  async startScreen(): Promise<void> {
    try {
      await this.opts.media.startScreen(() => void this.syncTracks());
    } catch (err) {
      if ((err as { name?: string })?.name !== 'NotAllowedError') this.update({ notice: 'video.shareFailed' });
    }
  }

  stopScreen(): void {
    this.opts.media.stopScreen();
  }

  raiseHand(raised: boolean): Promise<void> {
    return this.control({ op: 'hand', raised });
  }

  /** A moderator request (admit, mute_all, breakout, …) from docs/video.md. */
  moderate(body: Record<string, unknown>): Promise<void> {
    return this.control(body);
  }

  dismiss(): void {
    this.update({ error: null, notice: null });
  }

  /** Leaves the lesson (tells the server, best effort) and stops the media connection. */
  async leave(): Promise<void> {
    if (this.snap.phase === 'joined' || this.snap.phase === 'waiting') {
      await this.request({ op: 'leave' }).catch(() => {});
    }
    this.stop('left', null);
  }
}
