// The pre-join screen of a video lesson: camera and microphone pickers, a live preview, the microphone level
// meter, the on/off switches and "Beitreten". It works on the page's LocalMedia, which the lesson then uses.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useI18n } from '../i18n';
import { CameraIcon, MicIcon } from './icons';
import { LevelMeter, listDevices, mediaErrorKey, type DeviceLists, type LocalMedia } from './media';

/** Re-renders the component whenever the local media change. */
export function useMediaVersion(media: LocalMedia): number {
  const [version, setVersion] = useState(0);
  useEffect(() => media.onChange(() => setVersion((n) => n + 1)), [media]);
  return version;
}

/** A muted, mirrored preview of a local video track (nothing when null). */
export function LocalPreview({ track, class: cls, testId }: { track: MediaStreamTrack | null; class?: string; testId?: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = track ? new MediaStream([track]) : null;
    if (track) void el.play().catch(() => {});
  }, [track]);
  return <video ref={ref} class={cls ?? 'video-preview'} autoplay muted playsInline data-testid={testId} />;
}

/** The level of a microphone track as a bar, updated every animation frame without re-rendering. */
export function LevelBar({ track, on }: { track: MediaStreamTrack | null; on: boolean }) {
  const { t } = useI18n();
  const bar = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!track || !on) {
      if (bar.current) bar.current.style.width = '0%';
      return;
    }
    let meter: LevelMeter;
    try {
      meter = new LevelMeter(track);
    } catch {
      return;
    }
    let frame = 0;
    const tick = () => {
      const level = meter.level();
      if (bar.current) {
        bar.current.style.width = `${Math.round(level * 100)}%`;
        bar.current.parentElement?.setAttribute('data-level', level.toFixed(2));
      }
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => {
      cancelAnimationFrame(frame);
      meter.close();
    };
  }, [track, on]);
  return (
    <div class="level-meter" role="img" aria-label={t('video.level')} data-testid="video-level">
      <div class="level-fill" ref={bar} />
    </div>
  );
}

function DeviceSelect(props: { label: string; devices: MediaDeviceInfo[]; value: string | null; onChange: (id: string) => void; testId: string }) {
  const { t } = useI18n();
  return (
    <label class="field">
      <span>{props.label}</span>
      <select value={props.value ?? ''} disabled={props.devices.length === 0} onChange={(e) => props.onChange(e.currentTarget.value)} data-testid={props.testId}>
        {props.devices.length === 0 && <option value="">{t('video.noDevice')}</option>}
        {props.devices.map((d, i) => (
          <option key={d.deviceId || i} value={d.deviceId}>
            {d.label || t('video.deviceN', { n: i + 1 })}
          </option>
        ))}
      </select>
    </label>
  );
}

export function PreJoin({ media, title, joining, onJoin }: { media: LocalMedia; title: string; joining: boolean; onJoin: () => void }) {
  const { t } = useI18n();
  useMediaVersion(media);
  const [devices, setDevices] = useState<DeviceLists>({ cameras: [], mics: [] });
  const [busy, setBusy] = useState(false);

  // Labels are only known once a device was opened: list again after every change.
  useEffect(() => {
    let alive = true;
    const load = () =>
      listDevices().then(
        (d) => alive && setDevices(d),
        () => {},
      );
    void load();
    navigator.mediaDevices?.addEventListener?.('devicechange', load);
    return () => {
      alive = false;
      navigator.mediaDevices?.removeEventListener?.('devicechange', load);
    };
  }, [media.camera, media.mic]);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    try {
      await fn();
    } catch {
      // The failure is kept in media.error and shown below.
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card prejoin" data-testid="video-prejoin">
      <h1>{title}</h1>
      <h2>{t('video.prejoin.title')}</h2>
      <p class="muted">{t('video.prejoin.intro')}</p>
      <div class="prejoin-grid">
        <div class="prejoin-preview">
          {media.cameraOn && media.camera ? (
            <LocalPreview track={media.camera} testId="video-preview" />
          ) : (
            <div class="video-preview video-off" data-testid="video-preview-off">
              <CameraIcon off />
              <span>{t('video.previewOff')}</span>
            </div>
          )}
          <LevelBar track={media.mic} on={media.micOn} />
        </div>
        <div class="prejoin-settings">
          <DeviceSelect label={t('video.camera')} devices={devices.cameras} value={media.cameraId} onChange={(id) => run(() => media.chooseCamera(id))} testId="video-camera-select" />
          <DeviceSelect label={t('video.microphone')} devices={devices.mics} value={media.micId} onChange={(id) => run(() => media.chooseMic(id))} testId="video-mic-select" />
          <div class="row">
            <button type="button" class={media.cameraOn ? 'btn toggle on' : 'btn toggle'} aria-pressed={media.cameraOn} disabled={busy} onClick={() => run(() => media.setCamera(!media.cameraOn))} data-testid="video-toggle-camera">
              <CameraIcon off={!media.cameraOn} /> {media.cameraOn ? t('video.cameraOn') : t('video.cameraOff')}
            </button>
            <button type="button" class={media.micOn ? 'btn toggle on' : 'btn toggle'} aria-pressed={media.micOn} disabled={busy} onClick={() => run(() => media.setMic(!media.micOn))} data-testid="video-toggle-mic">
              <MicIcon off={!media.micOn} /> {media.micOn ? t('video.micOn') : t('video.micOff')}
            </button>
          </div>
          {media.error ? (
            <p class="alert alert-warning" role="status" data-testid="video-media-error">
              {t(mediaErrorKey(media.error))}
            </p>
          ) : null}
          <button type="button" class="btn btn-primary btn-large" disabled={joining} onClick={onJoin} data-testid="video-join-button">
            {joining ? t('video.joining') : t('video.join')}
          </button>
        </div>
      </div>
    </section>
  );
}
