// HTTP side of video lessons (docs/video.md): running lessons, where to connect, the school's setting, and
// the hub a lesson's signalling uses — the tab's own, or (with several nodes) a second hub client on the node
// that hosts the lesson, opened with a one-time ticket each time it connects. The browser pieces are
// injectable (LessonHubDeps) so that lessonHub.test.ts drives it with fake sockets and tickets.
import { request } from '../api';
import { browserTimers, hub, HubClient, openWebSocket } from '../hub';
import type { SocketLike, Timers } from '../hubCore';
import type { ConnectInfo, LessonSummary } from './protocol';
import type { HubLike } from './session';

const enc = encodeURIComponent;

export const videoApi = {
  lessons: () => request<LessonSummary[]>('GET', '/api/video/lessons'),
  connect: (group: string) => request<ConnectInfo>('GET', `/api/video/${enc(group)}/connect`),
  settings: () => request<{ pupil_camera_off: boolean }>('GET', '/api/video/settings'),
  setSettings: (pupil_camera_off: boolean) => request<{ pupil_camera_off: boolean }>('PUT', '/api/video/settings', { pupil_camera_off }),
};

/** What lessonHub needs from the browser (replaced by fakes in the unit tests). */
export interface LessonHubDeps {
  /** The tab's own hub (lessons hosted by this node). */
  tabHub: () => HubLike;
  /** `POST /api/auth/ws-ticket`: a one-time ticket for one socket. */
  ticket: () => Promise<{ ticket: string }>;
  openSocket: (url: string) => SocketLike;
  timers: Timers;
}

const browserDeps: LessonHubDeps = {
  tabHub: hub,
  ticket: () => request<{ ticket: string }>('POST', '/api/auth/ws-ticket'),
  openSocket: openWebSocket,
  timers: browserTimers,
};

/** `url` with `?ticket=…` (or `&ticket=…` when it has a query already). */
export function ticketUrl(url: string, ticket: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}ticket=${enc(ticket)}`;
}

/**
 * A socket that first fetches a ticket, then opens `url?ticket=…`. Until then sending is impossible anyway:
 * the hub client sends nothing before the server's hello. A failed ticket request looks like a lost
 * connection (1006), so the hub client tries again with backoff — and a fresh ticket.
 */
export function ticketSocket(url: string, deps: Pick<LessonHubDeps, 'ticket' | 'openSocket'>): SocketLike {
  let ws: SocketLike | null = null;
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
  deps.ticket().then(
    ({ ticket }) => {
      if (closed) return;
      ws = deps.openSocket(ticketUrl(url, ticket));
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
export function lessonHub(info: ConnectInfo, deps: LessonHubDeps = browserDeps): { hub: HubLike; release: () => void } {
  if (!info.ws_url) return { hub: deps.tabHub(), release: () => {} };
  const client = new HubClient({ url: info.ws_url, createSocket: (url) => ticketSocket(url, deps), timers: deps.timers });
  client.connect();
  return { hub: client, release: () => client.close() };
}
