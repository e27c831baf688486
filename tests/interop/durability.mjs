// Test 5: durability under kill -9. W types a burst of 500 small inserts; R records every update
// the server sent it. The server is killed (SIGKILL) in the middle of the burst and restarted: a
// fresh client must have everything R had received (the server echoes an update only after it is
// stored). Then W reconnects and the rest of its burst arrives too.
import * as Y from 'yjs';
import { syncedClient } from './client.mjs';
import { check, sleep, waitFor, within } from './runner.mjs';
import { setUpSchool } from './school.mjs';
import { startServer } from './server.mjs';

const BURST = 500;
const KILL_AFTER = 100; // inserts R has received when the server is killed

const markers = (s) => new Set(s.match(/\[W\d+\]/g) ?? []);

export async function durabilityTest(t) {
  const server = await startServer(t);
  const { doc, anna, max } = await setUpSchool(t, server);
  const w = await syncedClient(t, server.origin, doc.id, anna, 'W (anna)');
  const r = await syncedClient(t, server.origin, doc.id, max, 'R (max)');

  let received = 0;
  let killed = null;
  let sentAtKill = 0;
  let sent = 0;
  r.doc.on('update', (_update, origin) => {
    if (origin !== r.provider) return;
    received += 1;
    if (!killed && markers(r.text.toString()).size >= KILL_AFTER) {
      sentAtKill = sent;
      killed = server.kill9(); // sends SIGKILL synchronously
    }
  });

  const burst = (async () => {
    for (; sent < BURST; ) {
      w.text.insert(w.text.length, `[W${sent}]`);
      sent += 1;
      if (sent % 4 === 0) await sleep(1);
    }
  })();
  await waitFor(() => killed, 30_000, () => `R receives ${KILL_AFTER} of W's inserts (has ${markers(r.text.toString()).size}, W sent ${sent})\n  ${r.trace()}`);
  await within(killed, 15_000, 'the killed server exits');
  await waitFor(() => !r.provider.wsconnected && !w.provider.wsconnected, 10_000, 'both clients notice the server is gone');
  // Keep W and R away from the restarted server until the fresh client has looked.
  w.provider.disconnect();
  r.provider.disconnect();
  await burst;

  const got = markers(r.text.toString());
  const svR = Y.decodeStateVector(Y.encodeStateVector(r.doc));
  check(r.doc.store.pendingStructs === null, `R could integrate everything it received (no gaps in the echoed updates); pending: ${JSON.stringify(r.doc.store.pendingStructs?.missing ? [...r.doc.store.pendingStructs.missing] : null)}`);
  t.log(`killed after W sent ${sentAtKill} inserts; R had received ${received} updates holding ${got.size} inserts`);

  await server.start();
  const fresh = await syncedClient(t, server.origin, doc.id, max, 'F (max, fresh)');
  const have = markers(fresh.text.toString());
  const lost = [...got].filter((m) => !have.has(m));
  const svF = Y.decodeStateVector(Y.encodeStateVector(fresh.doc));
  const behind = [...svR].filter(([client, clock]) => (svF.get(client) ?? 0) < clock);
  check(lost.length === 0 && behind.length === 0,
    `after kill -9 the stored document has every update R had received: ${lost.length} of ${got.size} inserts lost ` +
    `(${lost.slice(0, 10).join(' ')}); state vector behind for ${JSON.stringify(behind.map(([c, k]) => [c, svF.get(c) ?? 0, k]))}`);
  t.log(`the restarted server has ${have.size} inserts (R had received ${got.size})`);

  // W comes back and uploads the rest of its burst.
  w.provider.connect();
  await waitFor(() => markers(fresh.text.toString()).size === BURST && fresh.text.toString() === w.text.toString(), 20_000, () =>
    `after W reconnects all ${BURST} inserts are there; fresh has ${markers(fresh.text.toString()).size}\n  ${w.trace()}`);
  const expected = Array.from({ length: BURST }, (_, i) => `[W${i}]`).join('');
  check(fresh.text.toString() === expected, 'the inserts are in typing order');
}
