// HTTP side of video lessons (docs/video.md): running lessons, where to connect, the school's setting, and
// the hub a lesson's signalling uses — the tab's own, or (with several nodes) a second hub client on the node
// that hosts the lesson, opened with a one-time ticket each time it connects.
import { request } from '../api';
import { browserTimers, hub, HubClient } from '../hub';
import type { SocketLike } from '../hubCore';
import type { ConnectInfo, LessonSummary } from './protocol';
import type { HubLike } from './session';

const enc = encodeURIComponent;

export const videoApi = {
  lessons: () => request<LessonSummary[]>('GET', '/api/video/lessons'),
  connect: (group: string) => request<ConnectInfo>('GET', `/api/video/${enc(group)}/connect`),
  settings: () => request<{ pupil_camera_off: boolean }>('GET', '/api/video/settings'),
  setSettings: (pupil_camera_off: boolean) => request<{ pupil_camera_off: boolean }>('PUT', '/api/video/settings', { pupil_camera_off }),
};

/**
 * A socket that first fetches a ticket (`POST /api/auth/ws-ticket`), then opens `url?ticket=…`. Until then
 * sending is impossible anyway: the hub client sends nothing before the server's hello.
 */
function ticketSocket(url: string): SocketLike {
  let ws: WebSocket | null = null;
  let closed = false;
  const wrapped: SocketLike = {
    send: (d) => ws?.send(d),
    close: (code, reason) => {
      closed = true;
      ws?.close(code, reason);
    },
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  request<{ ticket: string }>('POST', '/api/auth/ws-ticket').then(
    ({ ticket }) => {
      if (closed) return;
      const sep = url.includes('?') ? '&' : '?';
      ws = new WebSocket(`${url}${sep}ticket=${enc(ticket)}`);
      ws.onopen = (ev) => wrapped.onopen?.(ev);
      ws.onmessage = (ev) => wrapped.onmessage?.(ev);
      ws.onclose = (ev) => wrapped.onclose?.(ev);
      ws.onerror = (ev) => wrapped.onerror?.(ev);
    },
    () => {
      if (!closed) wrapped.onclose?.({ code: 1006 });
    },
  );
  return wrapped;
}

/** The hub for a lesson's signalling and the function that releases it. */
export function lessonHub(info: ConnectInfo): { hub: HubLike; release: () => void } {
  if (!info.ws_url) return { hub: hub(), release: () => {} };
  const client = new HubClient({ url: info.ws_url, createSocket: ticketSocket, timers: browserTimers });
  client.connect();
  return { hub: client, release: () => client.close() };
}
