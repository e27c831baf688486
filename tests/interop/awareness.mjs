// Test 2: awareness (who is here, cursors). A's name appears at B; a client joining later gets the
// present states at once (not only after the 15 s renewal); when A leaves B sees A vanish within a
// few seconds — both when A says goodbye (provider.destroy()) and when A's connection just dies
// (then only the server can announce it: B's own timeout would take 30 s); after a dropped
// connection and reconnect, A's next state change shows at B again.
import { syncedClient, waitSynced } from './client.mjs';
import { check, waitFor } from './runner.mjs';
import { setUpSchool } from './school.mjs';
import { startServer } from './server.mjs';

const user = (p, color) => ({ id: p.user.id, name: p.user.display_name, color });
const nameAt = (observer, subject) => observer.awareness.getStates().get(subject.doc.clientID)?.user?.name;

async function seesName(observer, subject, name, timeoutMs = 5_000) {
  await waitFor(() => nameAt(observer, subject) === name, timeoutMs, () =>
    `${observer.name} sees ${subject.name}'s awareness {user:{name:"${name}"}}; has ${JSON.stringify(observer.awareness.getStates().get(subject.doc.clientID) ?? null)}\n  ${observer.trace()}`);
}

async function seesGone(t, observer, subject, how, timeoutMs = 5_000) {
  const started = Date.now();
  await waitFor(() => !observer.awareness.getStates().has(subject.doc.clientID), timeoutMs, () =>
    `${observer.name} sees ${subject.name}'s awareness removed after ${how}; still has ${JSON.stringify(observer.awareness.getStates().get(subject.doc.clientID))}\n  ${observer.trace()}`);
  t.log(`${observer.name} saw ${subject.name} leave (${how}) after ${Date.now() - started} ms`);
}

export async function awarenessTest(t) {
  const server = await startServer(t);
  const { doc, anna, max, lea } = await setUpSchool(t, server);
  const a = await syncedClient(t, server.origin, doc.id, anna, 'A (anna)');
  const b = await syncedClient(t, server.origin, doc.id, max, 'B (max)');

  a.awareness.setLocalStateField('user', user(anna, '#e03131'));
  await seesName(b, a, 'Anna Lehrer');
  b.awareness.setLocalStateField('user', user(max, '#1971c2'));
  await seesName(a, b, 'Max Muster');
  t.log('A and B see each other');

  // A reader joining now gets both states with the handshake (well before anyone's 15 s renewal).
  const c = await syncedClient(t, server.origin, doc.id, lea, 'C (lea, read)');
  await seesName(c, a, 'Anna Lehrer', 3_000);
  await seesName(c, b, 'Max Muster', 3_000);
  // A read-only viewer's cursor is shown to the others as well.
  c.awareness.setLocalStateField('user', user(lea, '#2f9e44'));
  await seesName(b, c, 'Lea Leser');

  // A's network drops (no goodbye); B sees A vanish, A's provider reconnects by itself, and the
  // next time A's state changes (she moves her cursor) B sees her again.
  a.provider.ws.terminate();
  await seesGone(t, b, a, 'a dropped connection that reconnects');
  await waitSynced(a);
  a.awareness.setLocalStateField('cursor', { anchor: 3, head: 3 });
  await waitFor(() => b.awareness.getStates().get(a.doc.clientID)?.cursor?.head === 3, 5_000, () =>
    `after A reconnected and moved her cursor once, B sees A again; B has ${JSON.stringify(b.awareness.getStates().get(a.doc.clientID) ?? null)} ` +
    `(A's awareness clock ${a.awareness.meta.get(a.doc.clientID)?.clock}, B's known clock for A ${b.awareness.meta.get(a.doc.clientID)?.clock})\n  ${b.trace()}`);
  t.log('A is visible again after reconnecting and one cursor move');

  // A leaves properly.
  a.destroy();
  await seesGone(t, b, a, 'provider.destroy()');
  await seesGone(t, c, a, 'provider.destroy()');

  // C's connection dies without a goodbye: no reconnect, the socket is cut (TCP closed, no close frame).
  c.provider.shouldConnect = false;
  c.provider.ws.terminate();
  await seesGone(t, b, c, 'a cut connection (no awareness goodbye from the client)');
  check(nameAt(b, b) === 'Max Muster', 'B still has its own state');
}
