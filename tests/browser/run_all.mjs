// Runs every browser flow (each with a fresh server, data dir and browser) and prints `N passed, M failed`.
import { adminFlow } from './admin_flow.mjs';
import { importFlow } from './import_flow.mjs';
import { runFlows } from './lib.mjs';

await runFlows([
  ['admin_flow', adminFlow],
  ['import_flow', importFlow],
]);
