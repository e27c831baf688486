// The lesson's picture: a screen share big in the spotlight, the participants' tiles (name, muted icons,
// raised hand, speaking highlight) nine to a page, and one hidden audio element per remote audio track.
// Every shown remote video is measured (ResizeObserver) and its height handed to the session, which sends
// the debounced `view`; tiles on other pages are not rendered and so get 0.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useI18n } from '../i18n';
import { buildLayout, clampPage, handPosition, pageCount, pageSlice, PAGE_SIZE, type Tile } from './gallery';
import { CameraIcon, HandIcon, MicIcon } from './icons';
import type { LocalMedia } from './media';
import { LocalPreview } from './PreJoin';
import type { VideoState } from './protocol';
import type { VideoSession } from './session';

/** Plays a remote track in a video or audio element. */
function RemoteMedia({ track, kind, testId, trackId }: { track: MediaStreamTrack | null; kind: 'video' | 'audio'; testId: string; trackId: number }) {
  const ref = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = track ? new MediaStream([track]) : null;
    if (track) void el.play().catch(() => {});
  }, [track]);
  if (kind === 'audio') return <audio ref={ref} autoplay data-testid={testId} data-track={trackId} />;
  return <video ref={ref} autoplay muted playsInline data-testid={testId} data-track={trackId} />;
}

/** Reports the rendered height of its box for one remote video track while mounted. */
function Measured({ trackId, observer, heights, report, children, class: cls }: {
  trackId: number;
  observer: ResizeObserver | null;
  heights: Map<number, number>;
  report: () => void;
  children: ComponentChildren;
  class: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || !observer) return;
    el.dataset.track = String(trackId);
    observer.observe(el);
    return () => {
      observer.unobserve(el);
      heights.delete(trackId);
      report();
    };
  }, [trackId, observer]);
  return (
    <div ref={ref} class={cls}>
      {children}
    </div>
  );
}

export function Gallery({ session, state, media, tracksVersion }: { session: VideoSession; state: VideoState; media: LocalMedia; tracksVersion: number }) {
  const { t } = useI18n();
  const [page, setPage] = useState(0);
  const layout = useMemo(() => buildLayout(state), [state]);
  const heights = useRef(new Map<number, number>()).current;
  const report = useMemo(() => () => session.setShown(new Map(heights)), [session]);
  const [observer, setObserver] = useState<ResizeObserver | null>(null);

  useEffect(() => {
    if (typeof ResizeObserver === 'undefined') return;
    const o = new ResizeObserver((entries) => {
      for (const e of entries) {
        const id = Number((e.target as HTMLElement).dataset.track);
        if (Number.isFinite(id)) heights.set(id, e.contentRect.height);
      }
      report();
    });
    setObserver(o);
    return () => o.disconnect();
  }, [report]);

  const pages = pageCount(layout.tiles.length);
  const current = clampPage(page, layout.tiles.length);
  const visible = pageSlice(layout.tiles, current);
  const audios = state.tracks.filter((tr) => tr.kind === 'audio');
  const speaker = state.lesson.active_speaker;
  const nameOf = (tile: Tile) => (tile.isMe ? t('video.you', { name: tile.participant.name }) : tile.participant.name);
  void tracksVersion; // a new version means the tracks behind the ids changed: this render reads them again

  return (
    <div class={layout.spotlight ? 'gallery with-spotlight' : 'gallery'} data-testid="video-gallery">
      {layout.spotlight && (
        <figure class="spotlight" data-testid="video-spotlight">
          <Measured class="vbox" trackId={layout.spotlight.track.id} observer={observer} heights={heights} report={report}>
            <RemoteMedia kind="video" track={session.trackOf(layout.spotlight.track.id)} trackId={layout.spotlight.track.id} testId="video-screen" />
          </Measured>
          <figcaption>{t('video.screenBy', { name: layout.spotlight.participant?.name ?? '?' })}</figcaption>
        </figure>
      )}
      {media.screen && <p class="muted small" data-testid="video-sharing">{t('video.youShare')}</p>}
      <ul class={`tiles tiles-${Math.min(visible.length, PAGE_SIZE)}`} data-testid="video-tiles">
        {visible.map((tile) => {
          const p = tile.participant;
          const hand = handPosition(state.participants, p.id);
          const audioMuted = tile.isMe ? !media.micOn : p.audio_muted;
          const videoMuted = tile.isMe ? !media.cameraOn : p.video_muted || !tile.camera || tile.camera.muted;
          return (
            <li
              key={p.id}
              class={`vtile${speaker === p.id ? ' speaking' : ''}${hand !== null ? ' hand-up' : ''}`}
              data-testid="video-tile"
              data-participant={p.id}
              data-name={p.name}
              data-speaking={speaker === p.id ? 'true' : undefined}
            >
              {tile.isMe ? (
                media.cameraOn && media.camera ? <LocalPreview track={media.camera} class="self-view" /> : <div class="vtile-avatar">{p.name.charAt(0)}</div>
              ) : tile.camera ? (
                <Measured class={videoMuted ? 'vbox hidden-video' : 'vbox'} trackId={tile.camera.id} observer={observer} heights={heights} report={report}>
                  <RemoteMedia kind="video" track={session.trackOf(tile.camera.id)} trackId={tile.camera.id} testId="video-remote" />
                </Measured>
              ) : null}
              {!tile.isMe && videoMuted && <div class="vtile-avatar">{p.name.charAt(0)}</div>}
              <div class="vtile-bar">
                <span class="vtile-name">{nameOf(tile)}</span>
                {audioMuted && (
                  <span class="vtile-icon" title={t('video.icon.audioMuted')} data-testid="tile-audio-muted">
                    <MicIcon off />
                    <span class="sr-only">{t('video.icon.audioMuted')}</span>
                  </span>
                )}
                {videoMuted && (
                  <span class="vtile-icon" title={t('video.icon.videoMuted')} data-testid="tile-video-muted">
                    <CameraIcon off />
                    <span class="sr-only">{t('video.icon.videoMuted')}</span>
                  </span>
                )}
                {hand !== null && (
                  <span class="vtile-icon hand" title={t('video.icon.hand')} data-testid="tile-hand">
                    <HandIcon />
                    <span class="sr-only">{t('video.icon.hand')}</span>
                  </span>
                )}
                {speaker === p.id && <span class="sr-only">{t('video.icon.speaking')}</span>}
              </div>
            </li>
          );
        })}
      </ul>
      {pages > 1 && (
        <nav class="pager" aria-label={t('video.page', { n: current + 1, m: pages })} data-testid="video-pager">
          <button type="button" class="btn btn-small" disabled={current === 0} onClick={() => setPage(current - 1)} aria-label={t('video.prevPage')}>
            ‹
          </button>
          <span>{t('video.page', { n: current + 1, m: pages })}</span>
          <button type="button" class="btn btn-small" disabled={current >= pages - 1} onClick={() => setPage(current + 1)} aria-label={t('video.nextPage')}>
            ›
          </button>
        </nav>
      )}
      <div class="audio-sinks" aria-hidden="true">
        {audios.map((a) => (
          <RemoteMedia key={a.id} kind="audio" track={session.trackOf(a.id)} trackId={a.id} testId="video-audio" />
        ))}
      </div>
    </div>
  );
}
