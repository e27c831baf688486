// Browser flow "documents": a teacher and a pupil (two browser contexts) edit the same office document
// live (shared with their class, write access) and see each other's text, presence and the saved state;
// the teacher names a version and exports Markdown; then both draw on the same board and see both strokes.
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, check, isMain, login, newWatchedContext, runFlows, screenshot, setNewPassword, setUpClass, startSchool } from './lib.mjs';

/** Logs in through the form, replaces the initial password and opens the documents page. */
async function openDocuments(flow, page, origin, user, newPassword, slug) {
  await page.goto(`${origin}/`);
  await login(flow, page, user.user.login, user.initial_password, slug);
  await setNewPassword(page, newPassword);
  const nav = page.getByRole('navigation', { name: 'Hauptnavigation' });
  await nav.getByRole('link', { name: 'Dokumente' }).click();
  await page.getByTestId('documents-page').waitFor();
  flow.log(`${user.user.login} is on the documents page`);
}

/** The teacher creates a document of a kind from the list page; resolves with its id (from the URL). */
async function createDocument(page, kind, title) {
  await page.getByTestId('doc-new').click();
  const dialog = page.getByTestId('doc-create-dialog');
  await dialog.getByTestId(`doc-kind-${kind}`).check();
  await dialog.getByLabel('Titel').fill(title);
  await dialog.getByTestId('doc-create-submit').click();
  await page.getByTestId('doc-title').getByText(title).waitFor();
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  check(id.length > 0, 'the editor URL names the document');
  return id;
}

/** Back on the list, the owner shares the document with class 5a (write access) through the dialog. */
async function shareWithClass(page, title) {
  await page.getByRole('link', { name: '← Dokumente' }).click();
  const item = page.locator(`[data-testid="doc-item"][data-doc-title="${title}"]`);
  await item.getByTestId('doc-share').click();
  const dialog = page.getByTestId('doc-share-dialog');
  await dialog.getByTestId('share-group-select').selectOption({ label: '5a' });
  await dialog.getByTestId('share-group-add').click();
  await dialog.getByTestId('share-entry').filter({ hasText: '5a' }).waitFor();
  check((await dialog.getByTestId('share-entry').getByTestId('share-access').inputValue()) === 'write', 'the class gets write access');
  await dialog.getByTestId('share-save').click();
  await dialog.waitFor({ state: 'detached' });
  await item.getByText('1× geteilt').waitFor();
  await item.getByTestId('doc-open').click();
  await page.getByTestId('doc-title').getByText(title).waitFor();
}

/** The pupil opens a document from "Mit mir geteilt". */
async function openShared(page, title) {
  await page.getByRole('link', { name: '← Dokumente' }).or(page.getByRole('link', { name: 'Dokumente', exact: true })).first().click();
  await page.getByTestId('documents-page').waitFor();
  await page.getByTestId('doc-tab-shared').click();
  const item = page.locator(`[data-testid="doc-item"][data-doc-title="${title}"]`);
  await item.waitFor({ timeout: 10_000 });
  check((await item.textContent()).includes('Anna Lehrer'), 'the shared document names its owner');
  await item.getByTestId('doc-open').click();
  await page.getByTestId('doc-title').getByText(title).waitFor();
}

const saved = (page) => page.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 10_000 });

/** Draws one stroke on the board canvas, from (x0, y0) to (x1, y1) relative to its top left corner. */
async function drawStroke(page, [x0, y0], [x1, y1]) {
  const canvas = page.getByTestId('board-canvas');
  const box = await canvas.boundingBox();
  check(box && box.width > 100 && box.height > 100, 'the board canvas has a size');
  await page.mouse.move(box.x + x0, box.y + y0);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(box.x + x0 + ((x1 - x0) * i) / 8, box.y + y0 + ((y1 - y0) * i) / 8);
  await page.mouse.up();
}

const boardCount = (page, n) => page.locator(`[data-testid="board-canvas"][data-elements="${n}"]`).waitFor({ timeout: 10_000 });

export async function documentsFlow(flow) {
  const school = await startSchool(flow);
  const { origin, browser } = school;
  const slug = school.boot.school.slug;
  const { teacher, pupil } = await setUpClass(flow, school, ['documents', 'texts', 'boards']);

  const t = school.page;
  const second = await newWatchedContext(flow, browser, origin);
  const p = second.page;
  try {
    // 1. Both log in; the teacher creates an office document and shares it with class 5a (write).
    await openDocuments(flow, t, origin, teacher, 'Lehrer-Passwort-2024', slug);
    await openDocuments(flow, p, origin, pupil, 'Schueler-Passwort-1', slug);
    const officeTitle = 'Projekt Wandertag';
    await createDocument(t, 'office', officeTitle);
    await t.getByTestId('office-toolbar').waitFor();
    await shareWithClass(t, officeTitle);
    flow.log('teacher created and shared the office document');

    // 2. Both type in the same office document and see each other's text and presence.
    await openShared(p, officeTitle);
    const tEditor = t.getByTestId('office-content').locator('.ProseMirror');
    const pEditor = p.getByTestId('office-content').locator('.ProseMirror');
    await tEditor.click();
    await t.keyboard.type('Hallo von Anna.', { delay: 15 });
    await pEditor.getByText('Hallo von Anna.').waitFor({ timeout: 10_000 });
    flow.log("the pupil sees the teacher's text live");
    await pEditor.click();
    await p.keyboard.press('Control+End');
    await p.keyboard.press('Enter');
    await p.keyboard.type('Hallo von Max.', { delay: 15 });
    await tEditor.getByText('Hallo von Max.').waitFor({ timeout: 10_000 });
    await pEditor.getByText('Hallo von Anna.').waitFor();
    flow.log("the teacher sees the pupil's text live");
    await t.locator('[data-testid="presence"][data-count="2"]').waitFor({ timeout: 10_000 });
    await p.locator('[data-testid="presence"][data-count="2"]').waitFor({ timeout: 10_000 });
    await saved(t);
    await saved(p);
    flow.log('both see two people present and "gespeichert"');
    await screenshot(t, 'documents_office_teacher.png');
    await screenshot(p, 'documents_office_pupil.png');

    // 3. The teacher names a version and exports Markdown (made in the browser, no request).
    await t.getByTestId('versions-toggle').click();
    await t.getByTestId('version-name-input').fill('Entwurf 1');
    await t.getByTestId('version-name').click();
    await t.getByTestId('version-list').getByText('Entwurf 1').waitFor({ timeout: 10_000 });
    await t.getByTestId('author-list').getByText('Max Muster').waitFor({ timeout: 10_000 });
    flow.log('named version listed, "Bearbeitet von" names the pupil');
    await t.getByTestId('export-menu').locator('summary').click();
    const [md] = await Promise.all([t.waitForEvent('download'), t.getByTestId('export-markdown').click()]);
    const mdText = fs.readFileSync(await md.path(), 'utf8');
    check(md.suggestedFilename() === `${officeTitle}.md`, `the Markdown file is named after the title (got ${md.suggestedFilename()})`);
    check(mdText.includes('Hallo von Anna.') && mdText.includes('Hallo von Max.'), `the Markdown has both texts (got "${mdText}")`);
    flow.log('Markdown export has both texts');

    // 4. A board: both draw a stroke and both see two elements.
    await t.getByRole('link', { name: '← Dokumente' }).click();
    const boardTitle = 'Tafelbild Wandertag';
    await createDocument(t, 'board', boardTitle);
    await shareWithClass(t, boardTitle);
    await openShared(p, boardTitle);
    await boardCount(t, 0);
    await boardCount(p, 0);
    await drawStroke(t, [80, 80], [260, 160]);
    await boardCount(t, 1);
    await boardCount(p, 1);
    flow.log("the pupil sees the teacher's stroke");
    await drawStroke(p, [120, 240], [320, 300]);
    await boardCount(p, 2);
    await boardCount(t, 2);
    await saved(t);
    await saved(p);
    flow.log('both see both strokes (2 elements)');
    await screenshot(t, 'documents_board_teacher.png');
    await screenshot(p, 'documents_board_pupil.png');

    // 5. Nothing left the origin (including the WebSockets), no script errors in either browser.
    school.assertClean();
    second.assertClean();
  } catch (err) {
    await p.screenshot({ path: path.join(ARTIFACTS, `failure-${flow.name}-pupil.png`), fullPage: true }).catch(() => {});
    throw err;
  }
}

if (isMain(import.meta.url)) await runFlows([['documents_flow', documentsFlow, 240_000]]);
