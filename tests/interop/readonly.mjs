// Test 3: a pupil with a read share syncs the text and follows live edits, but her own local edit
// is refused (auth message "permission denied") and reaches nobody: not the writers, not a client
// syncing later — not even when her client reconnects and offers the edit again in its SyncStep2.
import { syncedClient } from './client.mjs';
import { check, sleep, waitFor } from './runner.mjs';
import { setUpSchool } from './school.mjs';
import { startServer } from './server.mjs';

const INTRUSION = 'LEA-WAR-HIER';

/**
 * Waits until the server has dealt with the reader's update: it answers with an auth message (the
 * contract), or — if it wrongly accepted it — a writer shows it. Then a little grace time.
 */
async function handled(reader, writers, deniedBefore) {
  await waitFor(() => reader.record.auth.length > deniedBefore || writers.some((c) => c.text.toString().includes(INTRUSION)), 5_000, () =>
    `the server answers the reader's update with an auth message (or a writer gets it)\n  ${reader.trace()}`);
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
  await handled(r, [w, m], deniedAtHandshake);
  for (const c of [w, m]) check(!c.text.toString().includes(INTRUSION), `${c.name} never sees the reader's edit; has ${JSON.stringify(c.text.toString())}`);
  const denial = r.record.auth[deniedAtHandshake];
  check(denial?.kind === 0, `auth message is "permission denied" (0); got ${JSON.stringify(denial)}`);
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
  await handled(r, [w, m], deniedBefore);
  t.log(`after the reconnect the reader got ${r.record.auth.length - deniedBefore} more auth message(s)`);
  for (const c of [w, m]) check(!c.text.toString().includes(INTRUSION), `${c.name} does not get the reader's edit through her reconnect; has ${JSON.stringify(c.text.toString())}`);

  const fresh = await syncedClient(t, server.origin, doc.id, max, 'F (max, fresh)');
  check(fresh.text.toString() === 'Hallo Klasse 5a. Neu.', `a fresh client has exactly the writers' text; has ${JSON.stringify(fresh.text.toString())}`);
}
