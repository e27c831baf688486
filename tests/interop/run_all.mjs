// Runs every interop test of /yjs with the official npm client (each with a fresh server and data
// dir) and prints `N passed, M failed`. SCHULHOF_TESTS=converge,awareness runs only those.
import { authorsTest } from './authors.mjs';
import { awarenessTest } from './awareness.mjs';
import { closeCodesTest } from './close_codes.mjs';
import { convergeTest } from './converge.mjs';
import { durabilityTest } from './durability.mjs';
import { readOnlyTest } from './readonly.mjs';
import { restartTest } from './restart.mjs';
import { runTests } from './runner.mjs';
import { dropLeftoverDatabases } from './server.mjs';

dropLeftoverDatabases();
await runTests([
  ['converge', convergeTest],
  ['awareness', awarenessTest],
  ['readonly', readOnlyTest],
  ['restart', restartTest],
  ['durability', durabilityTest],
  ['close_codes', closeCodesTest],
  ['authors', authorsTest],
]);
