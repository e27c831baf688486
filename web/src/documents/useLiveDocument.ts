// The live connection of one open document: a Y.Doc kept in memory for the page's lifetime, the
// y-websocket provider on same-origin `/yjs/<id>` (cookie auth), the local awareness user, and the
// connection, close-code and saved states the editor page shows.
import { useEffect, useState } from 'preact/hooks';
import type { Awareness } from 'y-protocols/awareness';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { isFinalClose } from './closeCodes';
import { lightColor, type AwarenessUser } from './presenceColors';
import { SaveTracker, syncUpdateOfFrame } from './saveTracking';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface LiveDocument {
  doc: Y.Doc;
  provider: WebsocketProvider;
  awareness: Awareness;
}

export interface LiveStatus {
  connection: ConnectionState;
  /** The first sync with the server is done (the editor shows the stored content). */
  synced: boolean;
  /** Local changes not yet echoed (= stored) by the server. */
  unsaved: boolean;
  /** The code of the last close, until the connection is back (final codes stay). */
  closeCode: number | null;
  final: boolean;
}

const INITIAL: LiveStatus = { connection: 'connecting', synced: false, unsaved: false, closeCode: null, final: false };

/** The y-websocket endpoint of this origin. */
export function yjsUrl(origin: string = location.origin): string {
  return `${origin.replace(/^http/, 'ws')}/yjs`;
}

/**
 * Opens the document `id` live while the component is mounted. The Y.Doc stays in memory while the
 * connection is down, so offline edits are sent (and merged) when y-websocket reconnects.
 */
export function useLiveDocument(id: string, user: AwarenessUser): { live: LiveDocument | null; status: LiveStatus } {
  const [live, setLive] = useState<LiveDocument | null>(null);
  const [status, setStatus] = useState<LiveStatus>(INITIAL);

  useEffect(() => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(yjsUrl(), id, doc, { disableBc: true });
    const awareness = provider.awareness;
    awareness.setLocalStateField('user', { ...user, colorLight: lightColor(user.color) });
    const tracker = new SaveTracker(doc.clientID);
    const update = (patch: Partial<LiveStatus>) => setStatus((s) => ({ ...s, ...patch, unsaved: tracker.unsaved }));

    const onLocalUpdate = (u: Uint8Array, origin: unknown) => {
      if (origin === provider) return;
      tracker.localChange(u);
      update({});
    };
    doc.on('update', onLocalUpdate);

    const watched = new WeakSet<WebSocket>();
    const onFrame = (event: MessageEvent) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      const received = syncUpdateOfFrame(new Uint8Array(event.data));
      if (!received) return;
      tracker.received(received);
      update({});
    };
    provider.on('status', ({ status: s }) => {
      if (s === 'connected') {
        const ws = provider.ws;
        if (ws && !watched.has(ws)) {
          watched.add(ws);
          ws.addEventListener('message', onFrame);
        }
        update({ connection: 'connected', closeCode: null, final: false });
      } else {
        update({ connection: s });
      }
    });
    provider.on('sync', (synced: boolean) => {
      if (synced) update({ synced: true });
    });
    provider.on('connection-close', (event: CloseEvent | null) => {
      if (!event) return;
      update({ connection: 'disconnected', closeCode: event.code, final: isFinalClose(event.code) });
    });

    // Leaving with unsaved changes asks first (they are lost with the page).
    const beforeUnload = (e: BeforeUnloadEvent) => {
      if (tracker.unsaved) e.preventDefault();
    };
    window.addEventListener('beforeunload', beforeUnload);

    setLive({ doc, provider, awareness });
    return () => {
      window.removeEventListener('beforeunload', beforeUnload);
      doc.off('update', onLocalUpdate);
      provider.destroy();
      doc.destroy();
      setLive(null);
      setStatus(INITIAL);
    };
  }, [id, user.id]);

  return { live, status };
}
