// Test 6: the close codes a stock y-websocket 3.1 client gets, and that 4400–4499 stop it for good:
// an unknown document → 4404, a document in the trash → 4404, a bad token → 4401, a token of
// another document → refused (44xx) without syncing.
import { randomUUID } from 'node:crypto';
import { connectClient } from './client.mjs';
import { check, sleep, waitFor } from './runner.mjs';
import { setUpSchool } from './school.mjs';
import { startServer } from './server.mjs';

/** Waits for the provider's final `closed` event, then checks the code and that no retry follows. */
async function expectFinalClose(t, client, accept, what) {
  let closed = null;
  client.provider.on('closed', (event) => {
    closed = event;
  });
  await waitFor(() => closed || client.record.closes.length > 2, 10_000, () => `${what}: the provider gets a final close (expected ${accept.join(' or ')})\n  ${client.trace()}`);
  check(closed && accept.includes(closed.code), `${what}: closed with ${accept.join(' or ')}; got ${JSON.stringify(closed ?? client.record.closes)}\n  ${client.trace()}`);
  check(!client.provider.synced && client.text.length === 0, `${what}: nothing was synced`);
  await sleep(3_000); // y-websocket would retry after 200 ms
  check(client.record.sockets === 1, `${what}: the provider does not reconnect (opened ${client.record.sockets} sockets; closes ${JSON.stringify(client.record.closes)})`);
  t.log(`${what}: closed with ${closed.code} ${JSON.stringify(closed.reason)}, no reconnect`);
}

export async function closeCodesTest(t) {
  const server = await startServer(t);
  const { doc, anna, lea } = await setUpSchool(t, server);
  const { origin } = server;

  // An unknown document id, with a valid session (cookie + matching Origin, as a browser sends it).
  const unknown = connectClient(t, origin, randomUUID(), {
    name: 'unknown document (session cookie)',
    wsOptions: { headers: { cookie: anna.api.cookieHeader() }, origin },
  });
  await expectFinalClose(t, unknown, [4404], 'unknown document id');

  // A document moved to the trash, with a token taken before.
  const trashed = await anna.api('POST', '/api/documents', { kind: 'text', title: 'Entwurf' });
  const trashedToken = await anna.token(trashed.id);
  await anna.api('DELETE', `/api/documents/${trashed.id}`, undefined, { expect: 204 });
  await expectFinalClose(t, connectClient(t, origin, trashed.id, { token: trashedToken, name: 'trashed document' }), [4404], 'document in the trash');

  // A bad token on a real document.
  await expectFinalClose(t, connectClient(t, origin, doc.id, { token: 'kein-gueltiges-token', name: 'bad token' }), [4401], 'bad token');

  // Lea's token for the shared document does not open Anna's private one.
  const secret = await anna.api('POST', '/api/documents', { kind: 'text', title: 'Noten' });
  const leaToken = await lea.token(doc.id);
  await expectFinalClose(t, connectClient(t, origin, secret.id, { token: leaToken, name: 'token of another document' }), [4401, 4403, 4404], 'token of another document');
}
