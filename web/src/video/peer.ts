// The tab's one RTCPeerConnection to the SFU, always the offerer (docs/video.md): sending m-lines for the
// microphone, the camera (simulcast q/h/f) and, once sharing starts, the screen; one recvonly m-line per
// remote track, planned by slots.ts (inactive slots of the same kind are reused). It builds offers with
// their `publish`/`receive` maps and applies answers; signalling itself is the session's job.
import { applyPlan, offerMaps, planIsEmpty, planSlots, type RecvSlot, type SendSlot } from './slots';
import type { PublishKind, VideoTrack } from './protocol';

/** The camera's simulcast layers: rids and scale as in docs/video.md, bitrates for a classroom. */
export const CAMERA_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];
const SCREEN_MAX_BITRATE = 2_000_000;

/**
 * The codecs this client offers: Opus for audio, VP8 with RTX for video — what the SFU forwards to everybody
 * (docs/video.md), H.264 only where a browser has no VP8. Leaving out RED, FEC, VP9, AV1 and the other
 * H.264 profiles keeps each m-line small, which matters with a whole class: one offer carries an m-line per
 * remote track and has to fit into one hub frame (64 KiB).
 */
export function preferredCodecs(kind: 'audio' | 'video', all: readonly RTCRtpCodec[]): RTCRtpCodec[] {
  const mime = (c: RTCRtpCodec) => c.mimeType.toLowerCase();
  if (kind === 'audio') return all.filter((c) => mime(c) === 'audio/opus');
  const vp8 = all.filter((c) => mime(c) === 'video/vp8');
  const main = vp8.length > 0 ? vp8 : all.filter((c) => mime(c) === 'video/h264' && /packetization-mode=1/.test(c.sdpFmtpLine ?? '')).slice(0, 1);
  return [...main, ...all.filter((c) => mime(c) === 'video/rtx')];
}

/** The RTP header extensions worth their SDP lines: levels, congestion control, mid/rid, orientation. */
const KEPT_EXTENSIONS = ['ssrc-audio-level', 'abs-send-time', 'transport-wide-cc', 'sdes:mid', 'rtp-stream-id', 'video-orientation'];

export function keepExtension(uri: string): boolean {
  return KEPT_EXTENSIONS.some((k) => uri.includes(k));
}

type TrimmableTransceiver = RTCRtpTransceiver & {
  getHeaderExtensionsToNegotiate?: () => { uri: string; direction: RTCRtpTransceiverDirection }[];
  setHeaderExtensionsToNegotiate?: (exts: { uri: string; direction: RTCRtpTransceiverDirection | 'stopped' }[]) => void;
};

/** Restricts a transceiver's codecs and header extensions (best effort: elsewhere the browser offers all). */
function trimOffer(transceiver: RTCRtpTransceiver, kind: 'audio' | 'video'): void {
  try {
    const codecs = preferredCodecs(kind, RTCRtpReceiver.getCapabilities(kind)?.codecs ?? []);
    if (codecs.some((c) => !c.mimeType.toLowerCase().endsWith('/rtx'))) transceiver.setCodecPreferences(codecs);
  } catch {
    // Not supported here.
  }
  try {
    const t = transceiver as TrimmableTransceiver;
    const exts = t.getHeaderExtensionsToNegotiate?.();
    if (exts) t.setHeaderExtensionsToNegotiate?.(exts.map((e) => ({ uri: e.uri, direction: keepExtension(e.uri) ? e.direction : 'stopped' })));
  } catch {
    // Not supported here.
  }
}

export interface Offer {
  sdp: string;
  publish: Record<string, PublishKind>;
  receive: Record<string, number>;
}

export class PeerLink {
  readonly pc: RTCPeerConnection;
  private readonly audio: RTCRtpTransceiver;
  private readonly camera: RTCRtpTransceiver;
  private screen: RTCRtpTransceiver | null = null;
  private screenActive = false;
  private slots: RecvSlot[] = [];
  private readonly recv = new Map<number, RTCRtpTransceiver>();
  private nextKey = 1;

  constructor(pc: RTCPeerConnection, tracks: { mic: MediaStreamTrack | null; camera: MediaStreamTrack | null; screen: MediaStreamTrack | null }) {
    this.pc = pc;
    this.audio = pc.addTransceiver(tracks.mic ?? 'audio', { direction: 'sendonly' });
    this.camera = pc.addTransceiver(tracks.camera ?? 'video', {
      direction: 'sendonly',
      sendEncodings: CAMERA_ENCODINGS.map((e) => ({ ...e })),
    });
    trimOffer(this.audio, 'audio');
    trimOffer(this.camera, 'video');
    if (tracks.screen) this.setScreen(tracks.screen);
  }

  /** Puts a (new) microphone or camera track on its sender; null sends nothing. */
  async setTrack(kind: 'audio' | 'camera', track: MediaStreamTrack | null): Promise<void> {
    const sender = (kind === 'audio' ? this.audio : this.camera).sender;
    if (sender.track !== track) await sender.replaceTrack(track);
  }

  /** Starts or stops sending a screen; true when this needs a new offer. */
  setScreen(track: MediaStreamTrack | null): boolean {
    if (track) {
      if (!this.screen) {
        this.screen = this.pc.addTransceiver(track, { direction: 'sendonly', sendEncodings: [{ maxBitrate: SCREEN_MAX_BITRATE }] });
        trimOffer(this.screen, 'video');
      } else {
        void this.screen.sender.replaceTrack(track);
        this.screen.direction = 'sendonly';
      }
      const changed = !this.screenActive;
      this.screenActive = true;
      return changed;
    }
    if (!this.screen || !this.screenActive) return false;
    void this.screen.sender.replaceTrack(null);
    this.screen.direction = 'inactive';
    this.screenActive = false;
    return true;
  }

  /** True when the remote tracks differ from what the receive slots carry (a new offer is due). */
  needsOffer(tracks: readonly VideoTrack[]): boolean {
    return !planIsEmpty(planSlots(this.slots, tracks));
  }

  /**
   * Frees every receive slot: after a move to another room (breakout rooms) track ids name other tracks, so
   * nothing of the old mapping may be kept. The next offer assigns the slots again (same kinds reused).
   */
  forgetReceivers(): void {
    for (const slot of this.slots) {
      const tr = this.recv.get(slot.key);
      if (slot.trackId !== null && tr) tr.direction = 'inactive';
    }
    this.slots = this.slots.map((s) => ({ ...s, trackId: null }));
  }

  /** Points the receive slots at `tracks`: reuses free slots, adds recvonly transceivers, idles the rest. */
  private applyTracks(tracks: readonly VideoTrack[]): void {
    const plan = planSlots(this.slots, tracks);
    for (const key of plan.release) {
      const tr = this.recv.get(key);
      if (tr) tr.direction = 'inactive';
    }
    for (const { key } of plan.reuse) {
      const tr = this.recv.get(key);
      if (tr) tr.direction = 'recvonly';
    }
    plan.create.forEach((c, i) => {
      const transceiver = this.pc.addTransceiver(c.kind, { direction: 'recvonly' });
      trimOffer(transceiver, c.kind);
      this.recv.set(this.nextKey + i, transceiver);
    });
    this.slots = applyPlan(this.slots, plan, this.nextKey);
    this.nextKey += plan.create.length;
  }

  /** Creates and sets the local offer for `tracks`; returns it with its publish/receive maps. */
  async offer(tracks: readonly VideoTrack[]): Promise<Offer> {
    this.applyTracks(tracks);
    const desc = await this.pc.createOffer();
    await this.pc.setLocalDescription(desc);
    const send: SendSlot[] = [
      { kind: 'audio', mid: this.audio.mid, active: true },
      { kind: 'camera', mid: this.camera.mid, active: true },
    ];
    if (this.screen) send.push({ kind: 'screen', mid: this.screen.mid, active: this.screenActive });
    const maps = offerMaps(send, this.slots, (key) => this.recv.get(key)?.mid ?? null);
    return { sdp: this.pc.localDescription?.sdp ?? desc.sdp ?? '', ...maps };
  }

  async answer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
  }

  /** Drops an offer the server refused, so the next one starts from a stable state. */
  async rollback(): Promise<void> {
    if (this.pc.signalingState === 'have-local-offer') {
      await this.pc.setLocalDescription({ type: 'rollback' }).catch(() => {});
    }
  }

  /** The received media of a remote track, or null when no slot carries it. */
  trackOf(trackId: number): MediaStreamTrack | null {
    const slot = this.slots.find((s) => s.trackId === trackId);
    return slot ? (this.recv.get(slot.key)?.receiver.track ?? null) : null;
  }

  /** The remote tracks the receive slots carry now. */
  receivedTrackIds(): Set<number> {
    return new Set(this.slots.flatMap((s) => (s.trackId === null ? [] : [s.trackId])));
  }

  close(): void {
    this.pc.close();
  }
}
