// Browser flow "video_turn": a video lesson through a TURN server, as on a school network that lets no
// media reach the SFU directly. A real coturn (Debian's `turnserver`) runs on loopback with a shared secret
// (`use-auth-secret`); the server is configured with the TURN URLs (SCHULHOF_VIDEO_ICE_SERVERS) and the same
// secret (SCHULHOF_VIDEO_TURN_SECRET) and hands each browser time-limited credentials in the lesson's
// `connect` answer (docs/video.md, "Running behind NAT, with TURN"). Each browser context forces `iceTransportPolicy: 'relay'` — what a network that
// blocks everything but the TURN server amounts to — and the pupil's context may use only TURN over TCP (UDP
// blocked as well). The flow asserts, from `pc.getStats()`, that each peer connection's selected candidate
// pair is a relay candidate of the expected transport, that the pupil decodes the teacher's camera and
// receives her audio, and that coturn really relayed (its log shows both allocations).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { ARTIFACTS, check, freePort, isMain, newWatchedContext, runFlows, setUpClass, startSchool, superviseChild } from './lib.mjs';
import { MEDIA_FLAGS, joinLesson, openGroup, waitRising } from './video_flow.mjs';

const TURN_BIN = process.env.TURNSERVER_PATH || '/usr/bin/turnserver';
const TURN_SECRET = 'turn-geheimnis-2024';

/** Starts coturn on a free loopback port; resolves when it listens. Returns the port and a log reader. */
async function startCoturn(flow) {
  if (!fs.existsSync(TURN_BIN)) throw new Error(`no coturn at ${TURN_BIN} (apt-get install coturn, or set TURNSERVER_PATH)`);
  const port = await freePort();
  const relayFrom = 50_000 + (port % 1000) * 10;
  const logPath = path.join(ARTIFACTS, `coturn-${flow.name}.log`);
  const args = [
    '-n', // no configuration file: only these options
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${port}`,
    `--min-port=${relayFrom}`,
    `--max-port=${relayFrom + 9}`,
    '--use-auth-secret',
    `--static-auth-secret=${TURN_SECRET}`,
    '--realm=schulhof.test',
    '--allow-loopback-peers', // the SFU listens on loopback in this test
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--verbose',
    `--log-file=${logPath}`,
    '--simple-log',
  ];
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.rmSync(logPath, { force: true }); // coturn appends
  flow.log('starting coturn:', TURN_BIN, args.join(' '));
  const child = spawn(TURN_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const coturn = superviseChild(flow, child, 'coturn');
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const readLog = () => (fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8') : '');
  const deadline = Date.now() + 10_000;
  while (!new RegExp(`UDP listener opened on\\s*:\\s*127\\.0\\.0\\.1:${port}`).test(readLog())) {
    if (coturn.exited) throw new Error(`coturn exited early (${JSON.stringify(coturn.exited)}): ${stderr}\n${readLog().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`coturn did not start listening: ${readLog().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  flow.log(`coturn listens on 127.0.0.1:${port} (UDP and TCP)`);
  return { port, readLog };
}

/**
 * Makes every RTCPeerConnection of the context relay-only, optionally keeping only the TURN URLs of one
 * transport (`tcp`: a network that blocks UDP too). Runs before the page's own scripts.
 */
async function forceRelay(context, transport) {
  await context.addInitScript((only) => {
    const Native = window.RTCPeerConnection;
    class RelayOnly extends Native {
      constructor(config = {}, ...rest) {
        const iceServers = (config.iceServers ?? []).map((server) => {
          const urls = [].concat(server.urls);
          return { ...server, urls: only ? urls.filter((u) => u.endsWith(`transport=${only}`)) : urls };
        });
        super({ ...config, iceServers, iceTransportPolicy: 'relay' }, ...rest);
      }
    }
    window.RTCPeerConnection = RelayOnly;
  }, transport ?? null);
}

/** The relay candidates a fresh peer connection in the page gathers with these ICE servers (8 s at most). */
async function relayCandidates(page, iceServers) {
  return page.evaluate(async (servers) => {
    const pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: 'relay' });
    const found = [];
    pc.onicecandidate = (e) => {
      if (e.candidate?.type === 'relay') found.push(e.candidate.protocol);
    };
    pc.createDataChannel('probe');
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((done) => {
      const timer = setTimeout(done, 8000);
      pc.onicegatheringstatechange = () => {
        if (pc.iceGatheringState === 'complete') {
          clearTimeout(timer);
          done();
        }
      };
    });
    pc.close();
    return found;
  }, iceServers);
}

/** The page's selected ICE candidate pair: local candidate type and the protocol to the TURN server. */
async function selectedPair(page) {
  return page.evaluate(async () => {
    const pc = window.__schulhofVideo?.pc;
    if (!pc) return null;
    const report = await pc.getStats();
    let pairId = null;
    report.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    const pair = pairId && report.get(pairId);
    if (!pair) return null;
    const local = report.get(pair.localCandidateId);
    const remote = report.get(pair.remoteCandidateId);
    return {
      state: pair.state,
      localType: local?.candidateType,
      relayProtocol: local?.relayProtocol ?? null,
      remoteType: remote?.candidateType,
      remotePort: remote?.port,
    };
  });
}

async function expectRelay(flow, page, who, relayProtocol) {
  const deadline = Date.now() + 20_000;
  let pair = null;
  while (Date.now() < deadline) {
    pair = await selectedPair(page);
    if (pair?.state === 'succeeded') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  check(pair?.state === 'succeeded', `${who}: a selected candidate pair (got ${JSON.stringify(pair)})`);
  check(pair.localType === 'relay', `${who}: media goes through the TURN server (local candidate ${pair.localType})`);
  check(pair.relayProtocol === relayProtocol, `${who}: reaches the TURN server over ${relayProtocol} (got ${pair.relayProtocol})`);
  check(pair.remoteType === 'host', `${who}: the far end is the SFU's own candidate (got ${pair.remoteType})`);
  flow.log(`${who}: selected pair relay (${relayProtocol} to coturn) → SFU host candidate, port ${pair.remotePort}`);
}

export async function videoTurnFlow(flow) {
  const turn = await startCoturn(flow);
  const iceServers = [{ urls: [`turn:127.0.0.1:${turn.port}?transport=udp`, `turn:127.0.0.1:${turn.port}?transport=tcp`] }];
  const school = await startSchool(flow, {
    browserArgs: MEDIA_FLAGS,
    serverEnv: { SCHULHOF_VIDEO_ICE_SERVERS: JSON.stringify(iceServers), SCHULHOF_VIDEO_TURN_SECRET: TURN_SECRET },
  });
  const { origin, browser } = school;
  const slug = school.boot.school.slug;
  const { teacher, pupil, group } = await setUpClass(flow, school, ['video']);

  const t = school.page;
  const c1 = await newWatchedContext(flow, browser, origin);
  const p1 = c1.page;
  for (const ctx of [school.context, c1.context]) await ctx.grantPermissions(['camera', 'microphone'], { origin });
  await forceRelay(school.context); // the teacher: TURN over UDP or TCP, whichever works
  await forceRelay(c1.context, 'tcp'); // the pupil: only TURN over TCP

  await openGroup(flow, t, origin, teacher, 'Lehrer-Passwort-2024', slug, group.id);
  // The lesson's connect answer hands the browser the TURN server with credentials of its own: valid for
  // 12 hours, a pseudonym instead of the account (what coturn logs), never the secret.
  const info = await t.evaluate(async (id) => (await fetch(`/api/video/${id}/connect`)).json(), group.id);
  const handed = info.ice_servers?.[0];
  check(info.ice_servers?.length === 1 && JSON.stringify(handed.urls) === JSON.stringify(iceServers[0].urls), `connect names the TURN server (got ${JSON.stringify(info)})`);
  const [expiry, pseudonym] = String(handed.username).split(':');
  const hoursLeft = (Number(expiry) - Date.now() / 1000) / 3600;
  check(hoursLeft > 11.9 && hoursLeft <= 12.01, `the credential expires in 12 hours (got ${hoursLeft.toFixed(2)} h)`);
  check(/^[0-9a-f]{16}$/.test(pseudonym ?? '') && !String(handed.username).includes(teacher.user.id), `the username is a pseudonym (got ${handed.username})`);
  check(typeof handed.credential === 'string' && handed.credential.length === 28 && !JSON.stringify(info).includes(TURN_SECRET), 'an HMAC credential, not the secret');
  flow.log(`connect: TURN credentials for ${hoursLeft.toFixed(1)} h, username ${handed.username}`);
  // coturn takes these credentials and refuses altered ones.
  const granted = await relayCandidates(t, [handed]);
  check(granted.length > 0, `coturn grants a relay with the handed-out credentials (got ${JSON.stringify(granted)})`);
  const forged = await relayCandidates(t, [{ ...handed, credential: `${handed.credential.slice(0, -6)}AAAAA=` }]);
  check(forged.length === 0, `coturn refuses a forged credential (got relay candidates ${JSON.stringify(forged)})`);
  flow.log(`coturn: relay candidates with the handed-out credentials (${granted.join(', ')}), none with a forged one`);
  const lessonLogFrom = turn.readLog().length; // coturn's account of the lesson starts here
  await t.getByTestId('video-start-link').click();
  await t.getByTestId('video-preview').waitFor();
  await joinLesson(flow, t, 'teacher');
  await expectRelay(flow, t, 'teacher', 'udp');

  await openGroup(flow, p1, origin, pupil, 'Schueler-Passwort-1', slug, group.id);
  await p1.getByTestId('video-join-link').click();
  await p1.getByTestId('video-preview').waitFor();
  await p1.getByTestId('video-toggle-camera').click();
  await p1.getByTestId('video-preview-off').waitFor();
  await joinLesson(flow, p1, 'max');
  await expectRelay(flow, p1, 'max', 'tcp');

  await waitRising(flow, p1, 'max', 'video', 'framesDecoded', 1);
  await waitRising(flow, p1, 'max', 'audio', 'packetsReceived', 1);
  await waitRising(flow, p1, 'max', 'audio', 'totalAudioEnergy', 1);

  // coturn's own account of the lesson (after the probes): allocations for both users (two pseudonyms), a
  // client over TCP, permissions for the SFU's address.
  const log = turn.readLog().slice(lessonLogFrom);
  const users = new Set([...log.matchAll(/realm <schulhof\.test> user <(\d+:[0-9a-f]{16})>: incoming packet ALLOCATE processed, success/g)].map((m) => m[1].split(':')[1]));
  check(users.size === 2, `coturn granted allocations to the teacher and the pupil (pseudonyms ${[...users]})`);
  check(/tcp or tls connected to: 127\.0\.0\.1/.test(log), 'coturn served a client over TCP');
  check(/peer 127\.0\.0\.1 lifetime updated/.test(log), 'coturn permitted relaying to the SFU');
  flow.log(`coturn: allocations for ${users.size} users, one over TCP, relaying to the SFU; the pupil decodes the teacher through it`);

  school.assertClean();
  c1.assertClean();
}

if (isMain(import.meta.url)) await runFlows([['video_turn_flow', videoTurnFlow, 180_000]]);
