// Test 4: the server restarts (SIGTERM, then the same port and data dir) while three clients are
// open. Two of them edit while it is down. The providers reconnect by themselves (same tokens) and
// everybody ends with the text from before plus all offline edits.
import { syncedClient } from './client.mjs';
import { check, waitFor } from './runner.mjs';
import { setUpSchool } from './school.mjs';
import { startServer } from './server.mjs';

const PIECES = ['<vorher-A>', '<vorher-B>', '<offline-A>', '<offline-C>'];

export async function restartTest(t) {
  const server = await startServer(t);
  const { doc, anna, max } = await setUpSchool(t, server);
  const a = await syncedClient(t, server.origin, doc.id, anna, 'A (anna)');
  const b = await syncedClient(t, server.origin, doc.id, max, 'B (max)');
  const c = await syncedClient(t, server.origin, doc.id, max, 'C (max, phone)');
  const clients = [a, b, c];
  a.text.insert(0, PIECES[0]);
  b.text.insert(0, PIECES[1]);
  await waitFor(() => clients.every((x) => x.text.length === PIECES[0].length + PIECES[1].length), 5_000, 'the edits before the restart reach everyone');
  const before = a.text.toString();

  await server.stop();
  await waitFor(() => clients.every((x) => !x.provider.wsconnected), 10_000, () =>
    `every client notices the server is gone\n  ${clients.map((x) => x.trace()).join('\n  ')}`);
  const codes = clients.map((x) => x.record.closes[0]?.code);
  t.log('close codes seen when the server stopped:', codes.join(', '));

  // Offline edits on two clients (concurrent: neither knows the other's).
  a.text.insert(a.text.length, PIECES[2]);
  c.text.insert(0, PIECES[3]);

  await server.start();
  await waitFor(
    () => clients.every((x) => x.provider.synced && x.text.toString() === a.text.toString() && PIECES.every((p) => x.text.toString().includes(p))),
    20_000,
    () => `all clients reconnect by themselves and converge with every piece:\n` +
      clients.map((x) => `  ${x.name}: synced=${x.provider.synced} ${JSON.stringify(x.text.toString())}`).join('\n') +
      `\n  ${clients.map((x) => x.trace()).join('\n  ')}`,
  );
  const final = a.text.toString();
  check(final.includes(before), `the text from before the restart is intact: ${JSON.stringify(final)}`);
  t.log('converged after restart:', JSON.stringify(final));

  const fresh = await syncedClient(t, server.origin, doc.id, anna, 'F (anna, fresh)');
  await waitFor(() => fresh.text.toString() === final, 5_000, () => `a fresh client has the converged text; has ${JSON.stringify(fresh.text.toString())}`);

  // The contract: a server shutting down closes its document sockets with 1001.
  check(codes.every((code) => code === 1001), `the stopping server closed every socket with 1001 (got ${codes.join(', ')})`);
}
