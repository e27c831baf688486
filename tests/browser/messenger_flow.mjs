// Browser flow "messenger": a teacher and a pupil (two browser contexts) chat live in their class room,
// the teacher runs a quick poll the pupil votes in, and muting the room stops the pupil from writing.
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, check, isMain, login, newWatchedContext, runFlows, screenshot, setNewPassword, setUpClass, startSchool } from './lib.mjs';

/** Logs in through the form, replaces the initial password and opens the class room 5a. */
async function openClassRoom(flow, page, origin, user, newPassword, slug) {
  await page.goto(`${origin}/`);
  await login(flow, page, user.user.login, user.initial_password, slug);
  await setNewPassword(page, newPassword);
  await page.getByTestId('module-tile-messenger').waitFor();
  const nav = page.getByRole('navigation', { name: 'Hauptnavigation' });
  await nav.getByRole('link', { name: /^Messenger/ }).click();
  await page.getByTestId('chat-page').waitFor();
  flow.log(`${user.user.login} is on the messenger page`);
}

function roomItem(page, title) {
  return page.getByTestId('room-list').locator(`[data-testid="room-item"][data-room-title="${title}"]`);
}

function messageText(page, text) {
  return page.getByTestId('message-list').getByTestId('message-text').filter({ hasText: text });
}

async function send(page, text, how = 'enter') {
  const input = page.getByTestId('composer-input');
  await input.fill(text);
  if (how === 'enter') await input.press('Enter');
  else await page.getByTestId('send-button').click();
  await messageText(page, text).waitFor();
  check((await input.inputValue()) === '', 'the composer is empty after sending');
}

export async function messengerFlow(flow) {
  const school = await startSchool(flow);
  const { origin, browser } = school;
  const slug = school.boot.school.slug;
  const { teacher, pupil, group } = await setUpClass(flow, school, ['messenger', 'polls']);

  const t = school.page;
  const second = await newWatchedContext(flow, browser, origin);
  const p = second.page;
  try {
    // 1. Both log in (first with the initial password, which has to be replaced) and open the messenger.
    await openClassRoom(flow, t, origin, teacher, 'Lehrer-Passwort-2024', slug);
    await openClassRoom(flow, p, origin, pupil, 'Schueler-Passwort-1', slug);
    await roomItem(t, '5a').waitFor();
    await roomItem(p, '5a').waitFor();
    check((await roomItem(p, '5a').getAttribute('data-room-id')) === group.id, 'the class room has the group id');
    await roomItem(t, '5a').getByRole('link').click();
    await t.getByTestId('room-view').getByRole('heading', { name: '5a' }).waitFor();
    await t.getByTestId('composer-input').waitFor();

    // 2. The teacher writes while the pupil only looks at the list: an unread badge appears live.
    await send(t, 'Hallo Klasse 5a! @max.muster bitte lesen.');
    const badge = roomItem(p, '5a').getByTestId('unread-badge');
    await badge.waitFor({ timeout: 10_000 });
    check((await badge.textContent()).trim() === '1', `pupil sees 1 unread message (got "${await badge.textContent()}")`);
    const navBadge = p.getByTestId('nav-unread');
    check((await navBadge.textContent()).trim() === '1', 'the navigation shows 1 unread message too');
    flow.log('unread badge shown live at the pupil (room list and navigation)');
    await roomItem(p, '5a').getByRole('link').click();
    await messageText(p, 'Hallo Klasse 5a!').waitFor();
    await p.getByTestId('message-list').locator('mark.mention-me', { hasText: '@max.muster' }).waitFor();
    await badge.waitFor({ state: 'detached' });
    await navBadge.waitFor({ state: 'detached' });
    flow.log('pupil opened the room: message with the mention highlighted, badge gone');

    // 3. Live both ways without reloading: teacher → pupil and pupil → teacher; typing is shown.
    await send(t, 'Morgen bringen alle ihre Wanderschuhe mit.', 'button');
    await messageText(p, 'Morgen bringen alle ihre Wanderschuhe mit.').waitFor({ timeout: 10_000 });
    flow.log('teacher message arrived at the pupil without reload');
    await p.getByTestId('composer-input').pressSequentially('Okay', { delay: 20 });
    await t.getByTestId('typing').getByText('Max Muster schreibt …').waitFor({ timeout: 5_000 });
    flow.log('teacher sees "Max Muster schreibt …"');
    await send(p, 'Okay, Frau Lehrer! Ich bringe sie mit.');
    await messageText(t, 'Okay, Frau Lehrer! Ich bringe sie mit.').waitFor({ timeout: 10_000 });
    flow.log('pupil answer arrived at the teacher without reload');
    await screenshot(t, 'messenger_teacher.png');
    await screenshot(p, 'messenger_pupil.png');

    // 4. A quick poll in the class room: the pupil votes, the teacher's bar moves without reload.
    await t.getByTestId('poll-create').click();
    const dialog = t.getByTestId('poll-dialog');
    await dialog.getByLabel('Frage').fill('Wohin geht der Wandertag?');
    const options = dialog.getByTestId('poll-option-input');
    await options.nth(0).fill('Zoo');
    await options.nth(1).fill('Museum');
    await dialog.getByTestId('poll-add-option').click();
    await options.nth(2).fill('Kletterwald');
    await dialog.getByLabel('Countdown in Sekunden (optional)').fill('600');
    await dialog.getByTestId('poll-start').click();
    await dialog.waitFor({ state: 'detached' });
    const tCard = t.getByTestId('poll-card').filter({ hasText: 'Wohin geht der Wandertag?' });
    await t.locator('[data-testid="poll-card"][data-state="open"]').filter({ hasText: 'Wohin geht der Wandertag?' }).waitFor();
    await tCard.getByTestId('poll-countdown').waitFor();
    const tBar = (i) => tCard.locator(`[data-testid="poll-bar"][data-index="${i}"]`);
    await tBar(1).waitFor();
    check((await tBar(1).getAttribute('data-count')) === '0', 'the teacher starts with 0 votes for "Museum"');
    flow.log('teacher opened the poll');

    const pCard = p.getByTestId('poll-card').filter({ hasText: 'Wohin geht der Wandertag?' });
    await pCard.getByTestId('poll-question').waitFor({ timeout: 10_000 });
    await pCard.getByTestId('poll-vote-option').filter({ hasText: 'Museum' }).locator('input').check();
    await pCard.getByTestId('poll-vote').click();
    await pCard.getByTestId('poll-my-vote').waitFor();
    flow.log('pupil voted for "Museum"');
    await t.locator(`[data-testid="poll-card"] [data-testid="poll-bar"][data-index="1"][data-count="1"]`).waitFor({ timeout: 10_000 });
    const barText = await tBar(1).getByTestId('poll-bar-count').textContent();
    check(barText.includes('1') && barText.includes('100'), `the teacher's bar shows 1 vote, 100 % (got "${barText}")`);
    check((await tBar(0).getAttribute('data-count')) === '0', 'the other bars stay at 0');
    flow.log('teacher bar for "Museum" moved to 1 without reload');
    await t.waitForTimeout(600); // let the bar finish its width transition for the picture
    await screenshot(t, 'poll_teacher.png');
    await screenshot(p, 'poll_pupil.png');

    // The pupil changes the vote while the poll is open.
    await pCard.getByTestId('poll-vote-option').filter({ hasText: 'Kletterwald' }).locator('input').check();
    await pCard.getByTestId('poll-vote').click();
    await t.locator(`[data-testid="poll-card"] [data-testid="poll-bar"][data-index="2"][data-count="1"]`).waitFor({ timeout: 10_000 });
    await t.locator(`[data-testid="poll-card"] [data-testid="poll-bar"][data-index="1"][data-count="0"]`).waitFor();
    flow.log('changed vote moved the bars');

    // The teacher closes the poll: the pupil sees the result, the teacher gets the CSV.
    await tCard.getByTestId('poll-close').click();
    await t.locator('[data-testid="poll-card"][data-state="closed"]').waitFor();
    await p.locator('[data-testid="poll-card"][data-state="closed"]').waitFor({ timeout: 10_000 });
    check((await pCard.getByTestId('poll-vote').count()) === 0, 'no vote button on a closed poll');
    const [csv] = await Promise.all([t.waitForEvent('download'), tCard.getByTestId('poll-csv').click()]);
    const csvText = fs.readFileSync(await csv.path(), 'utf8');
    check(csvText.includes('Kletterwald') && csvText.includes('Museum'), `the CSV names the options (got "${csvText.slice(0, 200)}")`);
    flow.log('poll closed; CSV downloaded');

    // 5. The teacher mutes the room: the pupil's composer is disabled with an explanation, and the
    //    server refuses a message anyway with the German text.
    await t.getByTestId('mute-toggle').click();
    await t.getByTestId('mute-toggle').getByText('Stummschaltung aufheben').waitFor();
    const pInput = p.getByTestId('composer-input');
    await p.getByTestId('muted-notice').waitFor({ timeout: 10_000 });
    check(await pInput.isDisabled(), 'the pupil cannot type in a muted room');
    check(await p.getByTestId('send-button').isDisabled(), 'the send button is disabled in a muted room');
    const refused = await p.evaluate(async (roomId) => {
      const res = await fetch(`/api/chat/rooms/${roomId}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ text: 'Darf ich trotzdem?' }),
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    }, group.id);
    check(refused.status === 403 && refused.body?.code === 'room_muted', `a message to a muted room is refused with 403 room_muted (got ${JSON.stringify(refused)})`);
    check(typeof refused.body?.message_de === 'string' && refused.body.message_de.length > 0, 'the refusal has a German message');
    flow.log(`muted: pupil composer disabled; server says "${refused.body.message_de}"`);
    // After a reload the room is still muted for the pupil, and the teacher may still write.
    await p.reload();
    await p.getByTestId('muted-notice').waitFor();
    check(await p.getByTestId('composer-input').isDisabled(), 'still disabled after a reload');
    await send(t, 'Nur zur Info: Abfahrt 8 Uhr.');
    await messageText(p, 'Nur zur Info: Abfahrt 8 Uhr.').waitFor({ timeout: 10_000 });
    await screenshot(p, 'muted_pupil.png');
    await t.getByTestId('mute-toggle').click();
    await p.getByTestId('muted-notice').waitFor({ state: 'detached', timeout: 10_000 });
    check(!(await p.getByTestId('composer-input').isDisabled()), 'the pupil can write again after unmuting');
    flow.log('unmuted: pupil may write again');

    // 6. Edits, reactions and deletions reach the other side live.
    const pupilMsgId = await p.getByTestId('message').filter({ hasText: 'Ich bringe sie mit.' }).getAttribute('data-id');
    const pupilMsg = p.locator(`[data-testid="message"][data-id="${pupilMsgId}"]`);
    await pupilMsg.getByTestId('edit').click();
    await pupilMsg.getByTestId('edit-input').fill('Okay, Frau Lehrer! Ich bringe sie ganz sicher mit.');
    await pupilMsg.getByRole('button', { name: 'Speichern' }).click();
    const tPupilMsg = t.getByTestId('message').filter({ hasText: 'ganz sicher' });
    await tPupilMsg.getByTestId('message-edited').waitFor({ timeout: 10_000 });
    check((await tPupilMsg.getByTestId('message-edited').textContent()).includes('bearbeitet'), 'the edit is marked "bearbeitet"');
    await tPupilMsg.getByTestId('react').click();
    await tPupilMsg.getByTestId('emoji-picker').getByRole('button', { name: '👍' }).click();
    await p.locator('[data-testid="message"] [data-testid="reaction"][data-emoji="👍"][data-count="1"]').waitFor({ timeout: 10_000 });
    const infoMsg = t.getByTestId('message').filter({ hasText: 'Abfahrt 8 Uhr' });
    await infoMsg.getByTestId('delete').click();
    await infoMsg.getByTestId('confirm-delete').click();
    await p.locator('[data-testid="message"][data-deleted="true"]').getByText('Diese Nachricht wurde gelöscht.').waitFor({ timeout: 10_000 });
    flow.log('edit, reaction and deletion arrived live');

    // 7. English UI for the pupil.
    await p.getByTestId('lang-switch').getByRole('button', { name: 'EN' }).click();
    await p.getByTestId('room-view').getByRole('heading', { name: 'Quick polls' }).waitFor();
    check((await p.getByTestId('send-button').textContent()).trim() === 'Send', 'the send button says "Send" in English');
    await p.getByTestId('lang-switch').getByRole('button', { name: 'DE' }).click();
    await p.getByTestId('send-button').getByText('Senden').waitFor();

    // 8. Nothing left the origin (including the WebSocket), no script errors in either browser.
    school.assertClean();
    second.assertClean();
  } catch (err) {
    await p.screenshot({ path: path.join(ARTIFACTS, `failure-${flow.name}-pupil.png`), fullPage: true }).catch(() => {});
    throw err;
  }
}

if (isMain(import.meta.url)) await runFlows([['messenger_flow', messengerFlow, 240_000]]);
