// One official Yjs client: `yjs` Doc + `y-websocket` WebsocketProvider on the `ws` package, talking
// to `/yjs/<document id>`. The socket class records frames (hex), close codes and `auth` messages
// so that failures can name the bytes the server sent. BroadcastChannel is off: clients in this one
// process must only meet through the server.
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { waitFor } from './runner.mjs';

const TRACE_FRAMES = 40;

export function hex(bytes, max = 48) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const s = Array.from(b.subarray(0, max), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return b.length > max ? `${s} … (${b.length} bytes)` : s;
}

function toBytes(data) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A `ws` WebSocket class for one client that records what goes over its sockets. */
function tracedSocketClass(record, extraOptions) {
  return class TracedWebSocket extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, extraOptions);
      record.sockets += 1;
      this.on('message', (data) => {
        const bytes = toBytes(data);
        record.frames.push(`in  ${hex(bytes)}`);
        if (record.frames.length > TRACE_FRAMES) record.frames.shift();
        if (bytes[0] === 2) {
          // auth message: varUint(0 = permission denied) varString(reason)
          try {
            const d = decoding.createDecoder(bytes);
            decoding.readVarUint(d);
            const kind = decoding.readVarUint(d);
            record.auth.push({ kind, reason: decoding.readVarString(d), bytes: hex(bytes, 80) });
          } catch {
            record.auth.push({ kind: -1, reason: '(undecodable)', bytes: hex(bytes, 80) });
          }
        }
      });
      this.on('close', (code, reason) => record.closes.push({ code, reason: reason.toString() }));
      // e.g. "Unexpected server response: 403" when the upgrade is refused (then close 1006)
      this.on('error', (err) => record.errors.push(err.message));
    }

    send(data, ...rest) {
      record.frames.push(`out ${hex(toBytes(data))}`);
      if (record.frames.length > TRACE_FRAMES) record.frames.shift();
      return super.send(data, ...rest);
    }
  };
}

/**
 * Connects a client. Options: `token` (sent as `?token=`), `params`, `name` (for messages),
 * `wsOptions` (extra `ws` options, e.g. headers), `connect` (default true).
 * Returns `{ name, doc, text, provider, awareness, record, trace(), destroy() }`.
 */
export function connectClient(t, origin, docId, { token, params = {}, name = 'client', wsOptions, connect = true } = {}) {
  const record = { sockets: 0, frames: [], closes: [], auth: [], errors: [] };
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${origin.replace(/^http/, 'ws')}/yjs`, docId, doc, {
    params: token === undefined ? params : { ...params, token },
    WebSocketPolyfill: tracedSocketClass(record, wsOptions),
    disableBc: true,
    connect,
  });
  let destroyed = false;
  const client = {
    name,
    doc,
    text: doc.getText('text'),
    provider,
    awareness: provider.awareness,
    record,
    trace: () => `${name}: sockets opened ${record.sockets}, closes ${JSON.stringify(record.closes)}, errors ${JSON.stringify(record.errors)}, last frames:\n    ${record.frames.join('\n    ')}`,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      provider.destroy();
      provider.awareness.destroy();
      doc.destroy();
    },
  };
  t.cleanups.push(() => client.destroy());
  return client;
}

/** Waits until the provider has received SyncStep2 (y-websocket's `synced`). */
export function waitSynced(client, timeoutMs = 10_000) {
  return waitFor(() => client.provider.synced, timeoutMs, () => `${client.name} did not sync with the server\n  ${client.trace()}`);
}

/** Connects a client with a fresh token of `person` and waits until it is synced. */
export async function syncedClient(t, origin, docId, person, name) {
  const client = connectClient(t, origin, docId, { token: await person.token(docId), name });
  await waitSynced(client);
  return client;
}
