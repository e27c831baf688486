// Browser flow "video": a teacher starts a video lesson for class 5a and two pupils join (three browser
// contexts, Chromium's fake camera and microphone). Media is checked through `pc.getStats()` of each tab's one
// RTCPeerConnection (window.__schulhofVideo.pc): the pupils decode the teacher's camera and receive her audio;
// the teacher shares her screen (Chromium's fake screen capturer answers getDisplayMedia under
// --use-fake-ui-for-media-stream, so no canvas stand-in is needed) and the pupils decode a second video; the
// pupils unmute and the teacher receives their audio; a raised hand shows up for the teacher; "Alle
// stummschalten" stops the pupils' audio at the teacher, and a pupil who tries to unmute while "Schüler dürfen
// sich entmuten" is off sees the German refusal. Beside the video: the teacher writes in the lesson's chat
// (the class room) and a pupil reads it there; the teacher starts a quick poll in the lesson, a pupil votes and
// the teacher's count moves; the teacher invites a substitute teacher from outside the class, who joins by the
// lesson's link. One pupil joins from the dashboard's list of running lessons. Finally the teacher ends the
// lesson for everyone.
import { check, isMain, login, newWatchedContext, runFlows, screenshot, setNewPassword, setUpClass, startSchool } from './lib.mjs';

export const MEDIA_FLAGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--auto-select-desktop-capture-source=Entire screen',
  '--autoplay-policy=no-user-gesture-required',
];

/** The inbound RTP streams of the page's peer connection: kind, mid and the counters the flow watches. */
export async function inbound(page) {
  return page.evaluate(async () => {
    const pc = window.__schulhofVideo?.pc;
    if (!pc || pc.connectionState === 'closed') return [];
    const report = await pc.getStats();
    const out = [];
    report.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      out.push({
        kind: s.kind,
        mid: s.mid ?? null,
        ssrc: s.ssrc,
        packetsReceived: s.packetsReceived ?? 0,
        framesDecoded: s.framesDecoded ?? 0,
        totalAudioEnergy: s.totalAudioEnergy ?? 0,
        frameHeight: s.frameHeight ?? 0,
      });
    });
    return out;
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until at least `count` inbound streams of `kind` all have `field` rising between two samples
 * 1.5 s apart; returns the second sample. Fails with the last samples after `timeoutMs`.
 */
export async function waitRising(flow, page, who, kind, field, count, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = [];
  for (;;) {
    const a = (await inbound(page)).filter((s) => s.kind === kind);
    await sleep(1500);
    const b = (await inbound(page)).filter((s) => s.kind === kind);
    last = b;
    const rising = b.filter((s) => {
      const before = a.find((x) => x.ssrc === s.ssrc && x.mid === s.mid);
      return before && s[field] > before[field];
    });
    if (rising.length >= count) {
      flow.log(`${who}: ${rising.length} inbound ${kind} stream(s) with rising ${field}`, JSON.stringify(rising.map((s) => ({ mid: s.mid, [field]: s[field], h: s.frameHeight || undefined }))));
      return b;
    }
    if (Date.now() > deadline) throw new Error(`${who}: expected ${count} inbound ${kind} stream(s) with rising ${field}, got ${JSON.stringify(last)}`);
  }
}

/** Sum of `field` over the inbound streams of a kind. */
async function total(page, kind, field) {
  return (await inbound(page)).filter((s) => s.kind === kind).reduce((n, s) => n + s[field], 0);
}

/** Logs in, replacing the initial password; ends on the dashboard. */
export async function logIn(flow, page, origin, user, newPassword, slug) {
  await page.goto(`${origin}/`);
  await login(flow, page, user.user.login, user.initial_password, slug);
  await setNewPassword(page, newPassword);
}

/** Logs in (replacing the initial password) and opens the group page of class 5a. */
export async function openGroup(flow, page, origin, user, newPassword, slug, groupId) {
  await logIn(flow, page, origin, user, newPassword, slug);
  await page.goto(`${origin}/groups/${groupId}`);
  await page.getByTestId('group-video').waitFor();
  flow.log(`${user.user.login} is on the group page`);
}

/** From the pre-join screen into the lesson; resolves when the lesson says joined. */
export async function joinLesson(flow, page, who) {
  await page.getByTestId('video-prejoin').waitFor();
  await page.getByTestId('video-join-button').click();
  await page.locator('[data-testid="video-lesson"][data-phase="joined"]').waitFor({ timeout: 20_000 });
  await page.locator('[data-testid="video-lesson"][data-connection="connected"]').waitFor({ timeout: 20_000 });
  flow.log(`${who} joined, media connection up`);
}

export async function videoFlow(flow) {
  const school = await startSchool(flow, { browserArgs: MEDIA_FLAGS });
  const { origin, browser } = school;
  const slug = school.boot.school.slug;
  const { teacher, pupil, group, api } = await setUpClass(flow, school, ['video', 'messenger', 'polls']);
  const pupil2 = await api('POST', '/api/users', { login: 'lena.schmidt', display_name: 'Lena Schmidt', role: 'pupil', birth_date: '2014-05-02', consents: ['parents'] });
  await api('PUT', `/api/groups/${group.id}/members/${pupil2.user.id}`, { role: 'member' });
  flow.log('second pupil lena.schmidt in class 5a');
  const guest = await api('POST', '/api/users', { login: 'tom.vertretung', display_name: 'Tom Vertretung', role: 'teacher' });
  flow.log('substitute teacher tom.vertretung (not in class 5a)');

  const t = school.page;
  const c1 = await newWatchedContext(flow, browser, origin);
  const c2 = await newWatchedContext(flow, browser, origin);
  const [p1, p2] = [c1.page, c2.page];
  for (const ctx of [school.context, c1.context, c2.context]) await ctx.grantPermissions(['camera', 'microphone'], { origin });

  // 1. The teacher starts the lesson from the group page: pre-join with a live preview, then the lesson.
  await openGroup(flow, t, origin, teacher, 'Lehrer-Passwort-2024', slug, group.id);
  await t.getByTestId('video-start-link').click();
  await t.getByTestId('video-preview').waitFor();
  check(await t.getByTestId('video-toggle-camera').getAttribute('aria-pressed') === 'true', 'the teacher starts with the camera on');
  check(await t.getByTestId('video-toggle-mic').getAttribute('aria-pressed') === 'true', 'the teacher starts with the microphone on');
  await t.waitForFunction(() => Number(document.querySelector('[data-testid="video-level"]')?.getAttribute('data-level') ?? 0) > 0, null, { timeout: 10_000 });
  flow.log('teacher pre-join: preview and a moving level meter');
  await joinLesson(flow, t, 'teacher');

  // 2. Two pupils see the running lesson — Max on the group page, Lena on her dashboard — and join with the
  // camera off (microphone starts off).
  for (const [page, user, pw, name] of [
    [p1, pupil, 'Schueler-Passwort-1', 'max'],
    [p2, pupil2, 'Schueler-Passwort-2', 'lena'],
  ]) {
    if (name === 'max') {
      await openGroup(flow, page, origin, user, pw, slug, group.id);
      await page.getByTestId('video-join-link').click();
    } else {
      await logIn(flow, page, origin, user, pw, slug);
      const entry = page.locator(`[data-testid="running-lesson"][data-group="${group.id}"]`);
      await entry.waitFor();
      check((await entry.textContent()).includes('5a'), 'the dashboard names the running lesson of 5a');
      await screenshot(page, 'video_dashboard.png');
      await entry.getByTestId('running-lesson-join').click();
      flow.log('lena joins from the dashboard');
    }
    await page.getByTestId('video-preview').waitFor();
    check(await page.getByTestId('video-toggle-mic').getAttribute('aria-pressed') === 'false', `${name}: pupils start with the microphone off`);
    await page.getByTestId('video-toggle-camera').click();
    await page.getByTestId('video-preview-off').waitFor();
    await joinLesson(flow, page, name);
  }

  // 3. Both pupils decode the teacher's camera and receive her audio.
  for (const [page, who] of [
    [p1, 'max'],
    [p2, 'lena'],
  ]) {
    await waitRising(flow, page, who, 'video', 'framesDecoded', 1);
    await waitRising(flow, page, who, 'audio', 'packetsReceived', 1);
    await waitRising(flow, page, who, 'audio', 'totalAudioEnergy', 1);
  }
  await screenshot(p1, 'video_pupil.png');

  // 3b. Lena's hub connection drops: the hub reconnects, the session joins again with a new peer
  // connection and her pupil view decodes the teacher's camera again.
  const firstPc = await p2.evaluate(() => {
    const v = window.__schulhofVideo;
    v.firstPc = v.pc;
    // The hub client's socket (a test-only reach into the session's hub): closing it looks like a network drop.
    v.session.opts.hub.socket.close(4000, 'test drop');
    return true;
  });
  check(firstPc, 'the pupil page exposes its peer connection');
  await p2.waitForFunction(() => window.__schulhofVideo.pc !== window.__schulhofVideo.firstPc && window.__schulhofVideo.pc.connectionState === 'connected', null, { timeout: 30_000 });
  await p2.locator('[data-testid="video-lesson"][data-phase="joined"]').waitFor();
  await waitRising(flow, p2, 'lena (after reconnect)', 'video', 'framesDecoded', 1);
  await t.locator('[data-testid="video-tile"][data-name="Lena Schmidt"]').waitFor();
  check((await t.locator('[data-testid="video-tile"][data-name="Lena Schmidt"]').count()) === 1, 'the teacher sees Lena once after her rejoin');
  flow.log('lena rejoined after a hub reconnect');

  // 4. Names in the participant list; a raised hand shows up for the teacher.
  await t.getByTestId('video-participants-toggle').click();
  const list = t.getByTestId('video-participants');
  for (const name of ['Anna Lehrer', 'Max Muster', 'Lena Schmidt']) await list.locator(`[data-testid="video-participant"][data-name="${name}"]`).waitFor();
  await p1.getByTestId('video-hand').click();
  await list.locator('[data-testid="video-hand-entry"][data-name="Max Muster"]').waitFor({ timeout: 10_000 });
  await t.locator('[data-testid="video-tile"][data-name="Max Muster"] [data-testid="tile-hand"]').waitFor();
  flow.log('teacher sees all three names and Max Muster’s raised hand');
  await p1.getByTestId('video-hand').click();
  await list.getByTestId('video-hand-entry').waitFor({ state: 'detached', timeout: 10_000 });

  // 5. The teacher shares her screen: the pupils decode a second video (the spotlight).
  await t.getByTestId('video-share').click();
  await t.getByTestId('video-sharing').waitFor();
  for (const [page, who] of [
    [p1, 'max'],
    [p2, 'lena'],
  ]) {
    await page.getByTestId('video-spotlight').waitFor({ timeout: 15_000 });
    await waitRising(flow, page, who, 'video', 'framesDecoded', 2);
  }
  await screenshot(p2, 'video_pupil_screen.png');

  // 6. The pupils unmute; the teacher receives both pupils' audio.
  for (const page of [p1, p2]) {
    await page.getByTestId('video-mic').click();
    await page.locator('[data-testid="video-mic"][aria-pressed="true"]').waitFor();
  }
  await waitRising(flow, t, 'teacher', 'audio', 'packetsReceived', 2);
  await screenshot(t, 'video_teacher.png');

  // 7. Pupils may no longer unmute themselves; "Alle stummschalten" stops their audio at the teacher.
  await t.getByTestId('video-moderation-toggle').click();
  const allow = t.getByTestId('video-allow-unmute');
  check(await allow.isChecked(), 'pupils may unmute at the start');
  await allow.uncheck();
  await t.locator('[data-testid="video-allow-unmute"]:not(:checked)').waitFor();
  await t.getByTestId('video-mute-all').click();
  for (const page of [p1, p2]) {
    await page.getByTestId('video-notice').getByText('Die Lehrkraft hat dein Mikrofon stummgeschaltet.').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="video-mic"][aria-pressed="false"]').waitFor();
  }
  await sleep(1000);
  const before = await total(t, 'audio', 'packetsReceived');
  await sleep(2000);
  const after = await total(t, 'audio', 'packetsReceived');
  check(after - before <= 2, `no pupil audio reaches the teacher after "Alle stummschalten" (packets ${before} → ${after})`);
  flow.log(`teacher's inbound audio stopped after mute all (${before} → ${after})`);

  // 8. A pupil who tries to unmute is refused in German; the microphone stays off.
  await p1.getByTestId('video-mic').click();
  const refusal = p1.getByTestId('video-error');
  await refusal.waitFor({ timeout: 10_000 });
  const text = await refusal.textContent();
  check(text.includes('Du darfst dein Mikrofon gerade nicht einschalten'), `the pupil sees the German refusal (got "${text}")`);
  check(await p1.getByTestId('video-mic').getAttribute('aria-pressed') === 'false', 'the refused microphone stays off');
  flow.log('pupil unmute refused:', text.trim());
  await screenshot(p1, 'video_pupil_refused.png');

  // 9. The lesson's chat: the teacher writes in the class room, Max gets a badge and reads it in the panel.
  const chatText = 'Bitte schlagt Seite 42 auf.';
  await t.getByTestId('video-chat-toggle').click();
  const tChat = t.getByTestId('video-chat');
  await tChat.getByTestId('composer-input').fill(chatText);
  await tChat.getByTestId('send-button').click();
  await tChat.getByTestId('message-text').getByText(chatText).waitFor();
  await p1.getByTestId('video-chat-badge').waitFor({ timeout: 10_000 });
  await p1.getByTestId('video-chat-toggle').click();
  await p1.getByTestId('video-chat').locator('[data-testid="message"][data-sender="Anna Lehrer"]').getByText(chatText).waitFor({ timeout: 10_000 });
  check((await p1.getByTestId('video-chat-badge').count()) === 0, 'the chat badge is gone once the panel is open');
  flow.log('max reads the teacher’s chat message in the lesson');
  await screenshot(p1, 'video_pupil_chat.png');

  // 10. A quick poll in the lesson: the teacher starts it, Max is pointed to it and votes, the count moves.
  await t.getByTestId('video-polls-toggle').click();
  await t.getByTestId('video-polls').getByTestId('poll-create').click();
  const dialog = t.getByTestId('poll-dialog');
  await dialog.getByLabel('Frage').fill('Habt ihr die Aufgabe verstanden?');
  const options = dialog.getByTestId('poll-option-input');
  await options.nth(0).fill('Ja');
  await options.nth(1).fill('Nein');
  await dialog.getByTestId('poll-start').click();
  await dialog.waitFor({ state: 'detached' });
  const tCard = t.getByTestId('video-polls').locator('[data-testid="poll-card"][data-state="open"]');
  await tCard.waitFor();
  flow.log('teacher started a quick poll in the lesson');
  await p1.getByTestId('video-polls-badge').waitFor({ timeout: 10_000 });
  await p1.getByTestId('video-polls-toggle').click();
  const pCard = p1.getByTestId('video-polls').locator('[data-testid="poll-card"][data-state="open"]');
  await pCard.getByTestId('poll-vote-option').filter({ hasText: 'Ja' }).locator('input').check();
  await pCard.getByTestId('poll-vote').click();
  await pCard.getByTestId('poll-my-vote').waitFor();
  await tCard.locator('[data-testid="poll-bar"][data-index="0"][data-count="1"]').waitFor({ timeout: 10_000 });
  await tCard.locator('[data-testid="poll-voters-count"][data-voters="1"]').waitFor();
  check((await tCard.locator('[data-testid="poll-bar"][data-index="1"]').getAttribute('data-count')) === '0', 'nobody voted "Nein"');
  flow.log('max voted; the teacher sees 1 vote for "Ja"');
  await screenshot(t, 'video_teacher_poll.png');

  // 11. The teacher invites the substitute teacher, who joins by the lesson's link.
  await t.getByTestId('video-moderation-toggle').click();
  const invite = t.getByTestId('video-invite');
  await invite.getByTestId('video-invite-search').fill('Vertretung');
  await invite.locator('[data-testid="video-invite-candidate"][data-name="Tom Vertretung"]').getByTestId('video-invite-button').click();
  await invite.locator('[data-testid="video-invite-done"][data-name="Tom Vertretung"]').waitFor({ timeout: 10_000 });
  const link = await invite.getByTestId('video-invite-link').inputValue();
  check(link === `${origin}/video/${group.id}`, `the confirmation shows the lesson's link (got ${link})`);
  flow.log('teacher invited Tom Vertretung');
  await screenshot(t, 'video_teacher_invite.png');
  const c3 = await newWatchedContext(flow, browser, origin);
  const g = c3.page;
  await c3.context.grantPermissions(['camera', 'microphone'], { origin });
  await logIn(flow, g, origin, guest, 'Vertretung-Passwort-1', slug);
  await g.goto(link);
  await g.getByTestId('video-guest').waitFor();
  await joinLesson(flow, g, 'tom (guest)');
  await t.locator('[data-testid="video-tile"][data-name="Tom Vertretung"]').waitFor({ timeout: 10_000 });
  check((await g.getByTestId('video-chat-toggle').count()) === 0, 'a guest has no class chat');
  flow.log('the invited guest is in the lesson');

  // 12. The teacher ends the lesson for everyone.
  await t.getByTestId('video-end').click();
  await t.getByTestId('video-end-confirm').click();
  for (const page of [p1, p2, g]) await page.getByTestId('video-final-text').getByText('Die Videostunde wurde beendet.').waitFor({ timeout: 10_000 });
  flow.log('lesson ended for the pupils');

  school.assertClean();
  c1.assertClean();
  c2.assertClean();
  c3.assertClean();
}

if (isMain(import.meta.url)) await runFlows([['video_flow', videoFlow, 240_000]]);
