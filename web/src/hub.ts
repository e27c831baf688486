// The tab's hub connection: drives the socket-free HubClient (hubCore.ts) with the browser's WebSocket and
// timers, and offers it to components through the Preact hooks useTopic and useHubState.
import { useEffect, useRef, useState } from 'preact/hooks';
import { HubClient, type HubState, type SocketLike, type Timers, type TopicHandler } from './hubCore';

export { HubClient, type HubState, type HubStatus, type PublishAck, type ResyncReason, type TopicHandler } from './hubCore';
export { HubError } from './hubProtocol';

export const browserTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

function browserUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

/** A browser WebSocket behind the SocketLike interface (its handlers may be swapped at any time). */
export function openWebSocket(url: string): SocketLike {
  const ws = new WebSocket(url);
  const wrapped: SocketLike = {
    send: (d) => ws.send(d),
    close: (code, reason) => ws.close(code, reason),
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  ws.onopen = (ev) => wrapped.onopen?.(ev);
  ws.onmessage = (ev) => wrapped.onmessage?.(ev);
  ws.onclose = (ev) => wrapped.onclose?.(ev);
  ws.onerror = (ev) => wrapped.onerror?.(ev);
  return wrapped;
}

let shared: HubClient | null = null;

/** The tab's hub client, created (and connected) on first use. */
export function hub(): HubClient {
  if (!shared) {
    const client = new HubClient({ url: browserUrl(), createSocket: openWebSocket, timers: browserTimers });
    shared = client;
    window.addEventListener('online', () => client.retryNow());
    client.connect();
  }
  return shared;
}

/** Closes the tab's hub client (logout); the next hub() call starts a new one. */
export function stopHub(): void {
  shared?.close();
  shared = null;
}

/**
 * Subscribes the component to a topic while it is mounted (null: none). The handler may change
 * between renders without resubscribing.
 */
export function useTopic(topic: string | null, handler: TopicHandler): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!topic) return;
    return hub().subscribe(topic, {
      message: (b, f) => ref.current.message?.(b, f),
      subscribed: (f) => ref.current.subscribed?.(f),
      resync: (r) => ref.current.resync?.(r),
      error: (e) => ref.current.error?.(e),
      unsubscribed: (r) => ref.current.unsubscribed?.(r),
      presence: (f) => ref.current.presence?.(f),
      signal: (b, f) => ref.current.signal?.(b, f),
    });
  }, [topic]);
}

/** The hub's connection state, re-rendering on changes. */
export function useHubState(): HubState {
  const [state, setState] = useState<HubState>(() => hub().getState());
  useEffect(() => {
    const h = hub();
    setState(h.getState());
    return h.onState(setState);
  }, []);
  return state;
}
