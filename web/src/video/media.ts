// The tab's own media for a video lesson: camera, microphone and screen tracks with their on/off state and
// chosen devices (LocalMedia, shared by the pre-join screen and the session), the device lists, and the
// microphone level meter. Camera "off" stops the camera (its light goes out); microphone "off" only disables
// the track, so switching it on again is instant.
import type { MessageKey } from '../i18n';

/** Camera capture: up to 720p so that all three simulcast layers (¼, ½, full) are worth sending. */
export function cameraConstraints(deviceId: string | null): MediaTrackConstraints {
  return {
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    width: { ideal: 1280 },
    height: { ideal: 720 },
    frameRate: { ideal: 24, max: 30 },
  };
}

export function micConstraints(deviceId: string | null): MediaTrackConstraints {
  return {
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
  };
}

/** The text for a failed getUserMedia: refused permission, no such device, or anything else. */
export function mediaErrorKey(err: unknown): MessageKey {
  const name = err instanceof Error || (err && typeof err === 'object' && 'name' in err) ? String((err as { name: unknown }).name) : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'video.mediaDenied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') return 'video.mediaMissing';
  return 'video.mediaFailed';
}

/** Root mean square of audio samples in [-1, 1], scaled so that normal speech fills most of the meter (0…1). */
export function levelOf(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.min(1, Math.sqrt(sum / samples.length) * 4);
}

export interface DeviceLists {
  cameras: MediaDeviceInfo[];
  mics: MediaDeviceInfo[];
}

export async function listDevices(): Promise<DeviceLists> {
  const all = await navigator.mediaDevices.enumerateDevices();
  return {
    cameras: all.filter((d) => d.kind === 'videoinput'),
    mics: all.filter((d) => d.kind === 'audioinput'),
  };
}

export class LocalMedia {
  mic: MediaStreamTrack | null = null;
  camera: MediaStreamTrack | null = null;
  screen: MediaStreamTrack | null = null;
  micOn = false;
  cameraOn = false;
  micId: string | null = null;
  cameraId: string | null = null;
  /** The last failure to open a device (shown on the pre-join screen). */
  error: unknown = null;
  private readonly listeners = new Set<() => void>();

  /** Calls `fn` whenever a track or switch changes; returns the function that stops it. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of [...this.listeners]) fn();
  }

  /** Switches the camera on (opening the chosen device) or off (stopping it). Throws when it cannot open. */
  async setCamera(on: boolean): Promise<void> {
    if (!on) {
      this.camera?.stop();
      this.camera = null;
      this.cameraOn = false;
      this.changed();
      return;
    }
    if (!this.camera || this.camera.readyState === 'ended') {
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ video: cameraConstraints(this.cameraId) });
        this.camera = stream.getVideoTracks()[0] ?? null;
        this.cameraId = this.camera?.getSettings().deviceId ?? this.cameraId;
        this.error = null;
      } catch (err) {
        this.error = err;
        this.changed();
        throw err;
      }
    }
    this.cameraOn = this.camera !== null;
    this.changed();
  }

  /** Switches the microphone on (opening it when needed) or off (disabling the track). */
  async setMic(on: boolean): Promise<void> {
    if (on && (!this.mic || this.mic.readyState === 'ended')) {
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: micConstraints(this.micId) });
        this.mic = stream.getAudioTracks()[0] ?? null;
        this.micId = this.mic?.getSettings().deviceId ?? this.micId;
        this.error = null;
      } catch (err) {
        this.error = err;
        this.changed();
        throw err;
      }
    }
    if (this.mic) this.mic.enabled = on;
    this.micOn = on && this.mic !== null;
    this.changed();
  }

  /** Uses another camera (reopened at once when the camera is on). */
  async chooseCamera(deviceId: string): Promise<void> {
    this.cameraId = deviceId;
    if (!this.cameraOn) return this.changed();
    this.camera?.stop();
    this.camera = null;
    await this.setCamera(true);
  }

  /** Uses another microphone (reopened at once when it was open). */
  async chooseMic(deviceId: string): Promise<void> {
    this.micId = deviceId;
    if (!this.mic) return this.changed();
    const wasOn = this.micOn;
    this.mic.stop();
    this.mic = null;
    await this.setMic(true);
    if (!wasOn) await this.setMic(false);
  }

  /** Asks the browser for a screen (or window) to share; `onEnded` runs when the browser's own "stop" ends it. */
  async startScreen(onEnded: () => void): Promise<MediaStreamTrack> {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
    const track = stream.getVideoTracks()[0];
    if (!track) throw new Error('no screen track');
    track.contentHint = 'detail';
    track.addEventListener('ended', () => {
      if (this.screen === track) {
        this.screen = null;
        this.changed();
        onEnded();
      }
    });
    this.screen = track;
    this.changed();
    return track;
  }

  stopScreen(): void {
    this.screen?.stop();
    this.screen = null;
    this.changed();
  }

  /** Stops every device (the lesson page was left). */
  stopAll(): void {
    for (const t of [this.mic, this.camera, this.screen]) t?.stop();
    this.mic = this.camera = this.screen = null;
    this.micOn = this.cameraOn = false;
    this.changed();
  }
}

/** The live level of an audio track (0…1), read with `level()` from an animation frame; `close()` frees it. */
export class LevelMeter {
  private readonly ctx: AudioContext;
  private readonly analyser: AnalyserNode;
  private readonly buffer: Float32Array<ArrayBuffer>;

  constructor(track: MediaStreamTrack) {
    this.ctx = new AudioContext();
    // Created without a fresh user gesture the context may start suspended; the page was reached by a click.
    void this.ctx.resume().catch(() => {});
    const source = this.ctx.createMediaStreamSource(new MediaStream([track]));
    this.analyser = this.ctx.createAnalyser();
    this.analyser.fftSize = 512;
    this.buffer = new Float32Array(this.analyser.fftSize);
    source.connect(this.analyser);
  }

  level(): number {
    this.analyser.getFloatTimeDomainData(this.buffer);
    return levelOf(this.buffer);
  }

  close(): void {
    void this.ctx.close().catch(() => {});
  }
}
