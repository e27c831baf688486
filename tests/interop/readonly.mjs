// Test 3: a pupil with a read share syncs the text and follows live edits, but her own local edit
// is refused (auth message "permission denied") and reaches nobody: not the writers, not a client
// syncing later — not even when her client reconnects and offers the edit again in its SyncStep2.
import { syncedClient } from './client.mjs';
import { check, sleep, waitFor } from './runner.mjs';
import { setUpSchool } from './school.mjs';
import { startServer } from './server.mjs';

const INTRUSION = 'LEA-WAR-HIER';

/**
 * The reader sets an awareness field after her edit; once a writer sees it the server has handled
 * the frames before it (one connection's frames are handled in order). Then a little grace time.
 */
async function flushedThrough(reader, writer, value) {
  reader.awareness.setLocalStateField('probe', value);
  await waitFor(() => writer.awareness.getStates().get(reader.doc.clientID)?.probe === value, 5_000, () =>
    `${writer.name} sees ${reader.name}'s awareness probe ${value}\n  ${reader.trace()}`);
  await sleep(500);
}

export async function readOnlyTest(t) {
  const server = await startServer(t);
  const { doc, anna, max, lea } = await setUpSchool(t, server);
  const w = await syncedClient(t, server.origin, doc.id, anna, 'W (anna)');
  const m = await syncedClient(t, server.origin, doc.id, max, 'M (max)');
  w.text.insert(0, 'Hallo Klasse 5a.');
  await waitFor(() => m.text.toString() === 'Hallo Klasse 5a.', 5_000, () => `M sees W's text; has ${JSON.stringify(m.text.toString())}`);

  const r = await syncedClient(t, server.origin, doc.id, lea, 'R (lea, read)');
  await waitFor(() => r.text.toString() === 'Hallo Klasse 5a.', 5_000, () => `the reader syncs the existing text; has ${JSON.stringify(r.text.toString())}`);
  t.log('reader synced the existing content');

  // (Her handshake's SyncStep2 is an update message too; whether it drew an auth message is only logged.)
  const deniedAtHandshake = r.record.auth.length;
  if (deniedAtHandshake) t.log(`note: the reader got ${deniedAtHandshake} auth message(s) before editing anything: ${JSON.stringify(r.record.auth)}`);
  r.text.insert(0, INTRUSION);
  await flushedThrough(r, w, 1);
  for (const c of [w, m]) check(!c.text.toString().includes(INTRUSION), `${c.name} never sees the reader's edit; has ${JSON.stringify(c.text.toString())}`);
  await waitFor(() => r.record.auth.length > deniedAtHandshake, 5_000, () => `the reader gets an auth message for her refused update\n  ${r.trace()}`);
  const denial = r.record.auth[deniedAtHandshake];
  check(denial.kind === 0, `auth message is "permission denied" (0); got ${JSON.stringify(denial)}`);
  check(/read-only/.test(denial.reason), `the reason says read-only; got ${JSON.stringify(denial)}`);
  t.log(`reader was told: ${JSON.stringify(denial.reason)}`);

  // She stays connected and keeps following the writers.
  check(r.provider.wsconnected && r.record.closes.length === 0, `the reader stays connected; ${r.trace()}`);
  w.text.insert(w.text.length, ' Neu.');
  await waitFor(() => r.text.toString().endsWith('Hallo Klasse 5a. Neu.'), 5_000, () => `the reader follows W's later edit; has ${JSON.stringify(r.text.toString())}`);

  // Her client reconnects: its SyncStep2 answer carries the refused edit again.
  const deniedBefore = r.record.auth.length;
  r.provider.disconnect();
  r.provider.connect();
  await waitFor(() => r.provider.synced, 10_000, () => `the reader syncs again after reconnecting\n  ${r.trace()}`);
  await flushedThrough(r, w, 2);
  t.log(`after the reconnect the reader got ${r.record.auth.length - deniedBefore} more auth message(s)`);
  for (const c of [w, m]) check(!c.text.toString().includes(INTRUSION), `${c.name} does not get the reader's edit through her reconnect; has ${JSON.stringify(c.text.toString())}`);

  const fresh = await syncedClient(t, server.origin, doc.id, max, 'F (max, fresh)');
  check(fresh.text.toString() === 'Hallo Klasse 5a. Neu.', `a fresh client has exactly the writers' text; has ${JSON.stringify(fresh.text.toString())}`);
}
