// Test 1: four official clients (the owner on two devices, a pupil of the class the document is
// shared with on two devices) type into the same Y.Text at the same time and all end with the
// identical text holding every client's inserts; a client that joins later gets that same text.
import { syncedClient } from './client.mjs';
import { check, sleep, waitFor } from './runner.mjs';
import { setUpSchool } from './school.mjs';
import { startServer } from './server.mjs';

const ROUNDS = 30;
const MARKER = /\[([A-Z])(\d+)\]/g;

/** Positions between whole markers (so concurrent inserts never split one). */
function boundaries(s) {
  const out = [0];
  for (let i = 0; i < s.length; i++) if (s[i] === ']') out.push(i + 1);
  return out;
}

export function expectedMarkers(letters, count) {
  return letters.flatMap((l) => Array.from({ length: count }, (_, i) => `[${l}${i}]`));
}

/** Problems of `s` against the markers it must contain exactly once (and nothing else). */
export function markerProblems(s, expected) {
  const seen = new Map();
  for (const m of s.matchAll(MARKER)) seen.set(m[0], (seen.get(m[0]) ?? 0) + 1);
  const missing = expected.filter((m) => !seen.has(m));
  const doubled = [...seen].filter(([, n]) => n > 1).map(([m]) => m);
  const unexpected = [...seen.keys()].filter((m) => !expected.includes(m));
  const garbage = s.replace(MARKER, '');
  const problems = [];
  if (missing.length) problems.push(`missing ${missing.length}: ${missing.slice(0, 10).join(' ')}`);
  if (doubled.length) problems.push(`twice: ${doubled.slice(0, 10).join(' ')}`);
  if (unexpected.length) problems.push(`unexpected: ${unexpected.slice(0, 10).join(' ')}`);
  if (garbage) problems.push(`text outside markers: ${JSON.stringify(garbage.slice(0, 80))}`);
  return problems;
}

export async function convergeTest(t) {
  const server = await startServer(t);
  const { doc, anna, max } = await setUpSchool(t, server);
  const people = [
    ['A', anna, 'anna (laptop)'],
    ['B', anna, 'anna (tablet)'],
    ['C', max, 'max (laptop)'],
    ['D', max, 'max (phone)'],
  ];
  const clients = [];
  for (const [letter, person, name] of people) {
    const c = await syncedClient(t, server.origin, doc.id, person, name);
    c.letter = letter;
    clients.push(c);
  }
  t.log('4 clients synced; typing concurrently');

  // Phase 1: every client inserts at random marker boundaries with small random pauses, all at once.
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < ROUNDS; i++) {
        const spots = boundaries(c.text.toString());
        c.text.insert(spots[Math.floor(Math.random() * spots.length)], `[${c.letter}${i}]`);
        await sleep(Math.random() * 15);
      }
    }),
  );
  // Phase 2: in one tick every client inserts at the start and at the end (maximal conflict).
  for (const c of clients) {
    c.text.insert(0, `[${c.letter}${ROUNDS}]`);
    c.text.insert(c.text.length, `[${c.letter}${ROUNDS + 1}]`);
  }

  const expected = expectedMarkers(clients.map((c) => c.letter), ROUNDS + 2);
  const texts = () => clients.map((c) => c.text.toString());
  await waitFor(
    () => texts().every((s) => s === texts()[0] && markerProblems(s, expected).length === 0),
    20_000,
    () =>
      `all clients converge to one text with all ${expected.length} inserts; now:\n` +
      clients.map((c) => `  ${c.name}: ${markerProblems(c.text.toString(), expected).join('; ') || 'complete'} (${c.text.length} chars)`).join('\n') +
      `\n  ${clients.map((c) => c.trace()).join('\n  ')}`,
  );
  const final = texts()[0];
  t.log(`converged: ${expected.length} inserts, ${final.length} characters`);

  // Everyone leaves; a later visitor sees the same text (it was stored, not just relayed).
  for (const c of clients) c.destroy();
  const later = await syncedClient(t, server.origin, doc.id, max, 'max (later)');
  await waitFor(() => later.text.toString() === final, 5_000, () => `a later client gets the converged text; it has ${later.text.length} chars: ${markerProblems(later.text.toString(), expected).join('; ')}`);
  check(later.text.toString() === final, 'later client has the identical text');
}
