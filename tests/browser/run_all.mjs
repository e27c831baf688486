// Runs every browser flow (each with a fresh server, data dir and browser) and prints `N passed, M failed`.
// SCHULHOF_FLOWS=messenger_flow (comma-separated) runs only the named flows.
import { adminFlow } from './admin_flow.mjs';
import { documentsFlow } from './documents_flow.mjs';
import { importFlow } from './import_flow.mjs';
import { runFlows } from './lib.mjs';
import { messengerFlow } from './messenger_flow.mjs';
import { videoFlow } from './video_flow.mjs';
import { videoTurnFlow } from './video_turn_flow.mjs';

await runFlows([
  ['admin_flow', adminFlow],
  ['import_flow', importFlow],
  ['messenger_flow', messengerFlow, 240_000],
  ['documents_flow', documentsFlow, 240_000],
  ['video_flow', videoFlow, 240_000],
  ['video_turn_flow', videoTurnFlow, 180_000],
]);
