// Test 7: opening a document is not editing it. Every stock client answers the server's SyncStep1
// with a SyncStep2, which is empty when it has nothing new; a pupil who only opens the text (twice)
// must not appear in "who edited" (GET /api/documents/{id}/authors), and the others get no update.
import { syncedClient } from './client.mjs';
import { check, sleep, waitFor } from './runner.mjs';
import { setUpSchool } from './school.mjs';
import { startServer } from './server.mjs';

const EMPTY_UPDATE_FRAME = 'in  00 02 02 00 00';

export async function authorsTest(t) {
  const server = await startServer(t);
  const { doc, anna, max } = await setUpSchool(t, server);
  const a = await syncedClient(t, server.origin, doc.id, anna, 'A (anna)');
  a.text.insert(0, 'Hallo');
  const viewer = await syncedClient(t, server.origin, doc.id, max, 'M (max, only looks)');
  await waitFor(() => viewer.text.toString() === 'Hallo', 5_000, 'Max sees the text');
  viewer.destroy();
  const again = await syncedClient(t, server.origin, doc.id, max, 'M (max, looks again)');
  await sleep(500);
  again.destroy();
  await sleep(500);

  const { authors } = await anna.api('GET', `/api/documents/${doc.id}/authors`);
  const empties = a.record.frames.filter((f) => f === EMPTY_UPDATE_FRAME).length;
  t.log(`authors: ${JSON.stringify(authors.map((x) => [x.name, x.updates]))}; A got ${empties} empty update frame(s)`);
  check(authors.some((x) => x.name === 'Anna Lehrer'), `Anna, who typed, is an author: ${JSON.stringify(authors)}`);
  check(!authors.some((x) => x.name === 'Max Muster'),
    `Max, who only opened the document, is not listed as an author (the empty SyncStep2 "00 01 02 00 00" of his client is no edit; A also got ${empties} frame(s) "00 02 02 00 00"): ${JSON.stringify(authors)}`);
}
