// The Preact side of a VideoSession: asks where to connect (`GET /api/video/{group}/connect`), opens the
// session on that hub, re-renders on its changes, and starts over on the server's `rejoin` (node draining or
// lost) or a `video_elsewhere` refusal — asking `connect` again, as docs/video.md says.
import { useEffect, useState } from 'preact/hooks';
import { lessonHub, videoApi } from './api';
import type { LocalMedia } from './media';
import { VideoSession, type SessionSnapshot } from './session';

export interface VideoSessionHandle {
  session: VideoSession | null;
  snap: SessionSnapshot | null;
  /** The `connect` request failed (not a member, module off, …). */
  connectError: unknown;
}

/** Runs a session while `active`; `round` changes start a fresh one (e.g. "join again"). */
export function useVideoSession(group: string, media: LocalMedia, isPupil: boolean, active: boolean, round: number): VideoSessionHandle {
  const [session, setSession] = useState<VideoSession | null>(null);
  const [snap, setSnap] = useState<SessionSnapshot | null>(null);
  const [connectError, setConnectError] = useState<unknown>(null);
  const [reconnects, setReconnects] = useState(0);

  useEffect(() => {
    if (!active) return;
    let alive = true;
    let cleanup: () => void = () => {};
    setConnectError(null);
    videoApi.connect(group).then(
      (info) => {
        if (!alive) return;
        const { hub, release } = lessonHub(info);
        const s = new VideoSession({ hub, group, iceServers: info.ice_servers ?? [], media, isPupil });
        const off = s.onChange(() => {
          const next = s.snapshot();
          setSnap(next);
          // The lesson moves to another node: ask `connect` again after a short pause.
          if (next.phase === 'rejoin') setTimeout(() => alive && setReconnects((n) => n + 1), 500);
        });
        s.start();
        setSession(s);
        setSnap(s.snapshot());
        cleanup = () => {
          off();
          // The leave request is sent at once (before the unsubscribe); its answer no longer matters.
          void s.leave();
          s.close();
          release();
        };
      },
      (err) => {
        if (alive) setConnectError(err);
      },
    );
    return () => {
      alive = false;
      cleanup();
      setSession(null);
      setSnap(null);
    };
  }, [group, media, isPupil, active, round, reconnects]);

  return { session, snap, connectError };
}
