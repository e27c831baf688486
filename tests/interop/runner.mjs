// The small test runner of the interop tests: each test gets its own cleanup list and a time limit;
// the last line printed is `N passed, M failed` (test.sh sums those lines). Plus bounded waits.

export function check(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `cond` (sync or async) every 50 ms until it is truthy and returns its value; after
 * `timeoutMs` throws `timed out after … s: <message>` (message may be a function, for details).
 */
export async function waitFor(cond, timeoutMs, message) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await cond();
    if (value) return value;
    if (Date.now() > deadline) {
      const text = typeof message === 'function' ? message() : message;
      throw new Error(`timed out after ${timeoutMs / 1000} s: ${text}`);
    }
    await sleep(50);
  }
}

/** Rejects with `message` when `promise` has not settled within `timeoutMs`. */
export function within(promise, timeoutMs, message) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s: ${message}`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

let current = null;

async function runCleanups(t) {
  while (t.cleanups.length) {
    const fn = t.cleanups.pop();
    try {
      await fn();
    } catch (err) {
      t.log('cleanup step failed:', err?.message ?? err);
    }
  }
}

async function runOne(name, body, timeoutMs) {
  const t = { name, cleanups: [], log: (...a) => console.log(`[${name}]`, ...a) };
  current = t;
  let ok = false;
  try {
    await within(body(t), timeoutMs, `the test took longer than ${timeoutMs / 1000} s`);
    ok = true;
    t.log('PASSED');
  } catch (err) {
    console.error(`[${name}] FAILED:`, err?.stack ?? err);
  } finally {
    await runCleanups(t);
    current = null;
  }
  return ok;
}

/**
 * Runs the tests (`[name, body, timeoutMs?]`) one after the other and ends the process with
 * `N passed, M failed`. SCHULHOF_TESTS (comma-separated names) runs only those.
 */
export async function runTests(all) {
  const only = (process.env.SCHULHOF_TESTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const tests = only.length ? all.filter(([name]) => only.includes(name)) : all;
  const unknown = only.filter((n) => !all.some(([name]) => name === n));
  if (unknown.length) console.error(`SCHULHOF_TESTS names unknown tests: ${unknown.join(', ')}`);
  let passed = 0;
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, async () => {
      if (current) await runCleanups(current);
      console.log(`${passed} passed, ${tests.length - passed} failed`);
      process.exit(1);
    });
  }
  for (const [name, body, timeoutMs = 120_000] of tests) {
    if (await runOne(name, body, timeoutMs)) passed += 1;
  }
  const failed = tests.length - passed + unknown.length;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}
