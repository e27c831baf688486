// Browser flow "import": SchILD CSV (Windows-1252) preview and apply with progress, credentials, consent, modules, audit log.
import fs from 'node:fs';
import path from 'node:path';
import { adminLogin, ARTIFACTS, check, isMain, login, runFlows, screenshot, setNewPassword, startSchool } from './lib.mjs';

/** Windows-1252 bytes of the few non-ASCII letters the test file uses; ASCII stays as it is. */
const CP1252 = { ä: 0xe4, ö: 0xf6, ü: 0xfc, Ä: 0xc4, Ö: 0xd6, Ü: 0xdc, ß: 0xdf, é: 0xe9, ç: 0xe7, Ç: 0xc7 };

export function encodeCp1252(text) {
  const bytes = [];
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (code < 0x80) bytes.push(code);
    else if (CP1252[ch] !== undefined) bytes.push(CP1252[ch]);
    else throw new Error(`no Windows-1252 byte for "${ch}" in this test`);
  }
  return Buffer.from(bytes);
}

const PUPILS_5A = [
  ['Müller', 'Anna'], ['Groß', 'Jonas'], ['Çelik', 'Elif'], ['Schäfer', 'Lena'], ['Öztürk', 'Emre'],
  ['Weiß', 'Paul'], ['Bäcker', 'Mia'], ['Krüger', 'Noah'], ['Jäger', 'Lea'], ['Hoffmann', 'René'],
  ['Schröder', 'Ben'], ['Köhler', 'Emma'], ['Fuß', 'Luis'],
];
const PUPILS_6B = [
  ['Yilmaz', 'Can'], ['Lehmann', 'Sophie'], ['Böhm', 'Finn'], ['Ünal', 'Zeynep'], ['Meißner', 'Clara'],
  ['Wagner', 'Jörg'], ['Becker', 'Hanna'], ['Schulz', 'Ella'], ['Günther', 'Tim'], ['Braun', 'François'],
  ['Zimmermann', 'Ida'], ['Vogel', 'Jan'],
];

/**
 * The SchILD export: 25 pupils in 5a and 6b, one line with an impossible birth date and one
 * leaver (status 9). Returns the bytes and the line numbers of the two special lines.
 */
export function schildFile() {
  const lines = ['Interne ID-Nummer;Nachname;Vorname;Klasse;Geburtsdatum;Status'];
  let id = 1000;
  const add = (last, first, klasse, born, status = 2) => lines.push([++id, last, first, klasse, born, status].join(';'));
  PUPILS_5A.forEach(([last, first], i) => add(last, first, '5a', `${String(i + 1).padStart(2, '0')}.04.2015`));
  const brokenLine = lines.length + 1;
  add('Fehler', 'Fritz', '5a', '31.02.2012');
  PUPILS_6B.forEach(([last, first], i) => add(last, first, '6b', `${String(i + 1).padStart(2, '0')}.09.2014`));
  const leaverLine = lines.length + 1;
  add('Abgang', 'Wilma', '6b', '01.01.2013', 9);
  const text = `${lines.join('\r\n')}\r\n`;
  return { bytes: encodeCp1252(text), brokenLine, leaverLine, pupils: PUPILS_5A.length + PUPILS_6B.length };
}

export async function importFlow(flow) {
  const school = await startSchool(flow);
  const { page, context, origin } = school;
  const nav = await adminLogin(flow, school);

  // 1. Upload the file for a preview.
  const file = schildFile();
  const csvPath = path.join(school.dataDir, 'schild-export.csv');
  fs.writeFileSync(csvPath, file.bytes);
  await nav.getByRole('link', { name: 'Import', exact: true }).click();
  const importPage = page.getByTestId('import-page');
  await importPage.getByLabel('Was wird importiert?').selectOption('pupils');
  await importPage.getByLabel('CSV-Datei').setInputFiles(csvPath);
  await importPage.getByRole('button', { name: 'Vorschau' }).click();
  const preview = page.getByTestId('import-preview');
  await preview.waitFor();

  const info = page.getByTestId('import-file-info');
  check((await info.textContent()).includes('windows-1252'), 'the preview names the detected encoding windows-1252');
  check((await info.textContent()).includes('Semikolon'), 'the preview names the separator');
  const summary = page.getByTestId('import-summary');
  await summary.getByText(`${file.pupils} neue Konten`, { exact: true }).waitFor();
  await summary.getByText('2 neue Klassen', { exact: true }).waitFor();
  await summary.getByText('1 abgelehnte Zeile', { exact: true }).waitFor();
  const newClasses = page.getByTestId('new-classes');
  await newClasses.getByText('5a', { exact: true }).waitFor();
  await newClasses.getByText('6b', { exact: true }).waitFor();
  const creates = page.getByTestId('plan-creates');
  await creates.getByText('Anna Müller').waitFor();
  await creates.getByText('Jonas Groß').waitFor();
  await creates.getByText('Elif Çelik').waitFor();
  const rejected = page.getByTestId(`rejected-line-${file.brokenLine}`);
  await rejected.waitFor();
  const rejectedText = await rejected.textContent();
  check(rejectedText.includes('31.02.2012'), `rejected line ${file.brokenLine} quotes the bad date (got "${rejectedText}")`);
  check(rejectedText.includes(String(file.brokenLine)), 'rejected line shows its line number');
  await page.getByTestId('plan-skipped-leavers').getByText('1027').waitFor();
  flow.log(`preview: ${file.pupils} new accounts, classes 5a and 6b, line ${file.brokenLine} rejected`);
  await screenshot(page, 'import_preview.png');

  // 2. Apply: the progress bar follows the NDJSON stream to the end.
  await page.getByTestId('apply-bar').getByRole('button', { name: 'Übernehmen' }).click();
  const progress = page.getByTestId('import-progress');
  await page.locator('[data-testid="import-progress"][data-phase="done"]').waitFor({ timeout: 60_000 });
  const bar = progress.locator('progress');
  const [value, max] = [await bar.getAttribute('value'), await bar.getAttribute('max')];
  check(Number(max) > 0 && value === max, `progress bar is complete (value ${value}, max ${max})`);
  const result = page.getByTestId('import-result');
  await result.getByText('Import übernommen.').waitFor();
  check((await result.textContent()).includes(`${file.pupils} neue Konten`), 'the result repeats the number of new accounts');
  flow.log('import applied');

  // 3. Credentials: the CSV download and the printable sheet with one page per class.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('credentials-csv').click()]);
  const csv = fs.readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
  check(csv.startsWith('Klasse;Name;Anmeldename;Passwort'), `credentials CSV has the header (got "${csv.slice(0, 60)}")`);
  check(/;anna\.mueller;/.test(csv), 'ü is transliterated to ue in the login (anna.mueller)');
  check(/;jonas\.gross;/.test(csv), 'ß is transliterated to ss in the login (jonas.gross)');
  check(/;elif\.celik;/.test(csv), 'Ç loses its cedilla in the login (elif.celik)');
  const rows = csv.trim().split(/\r?\n/);
  check(rows.length === file.pupils + 1, `credentials CSV lists ${file.pupils} accounts (got ${rows.length - 1})`);
  check(rows.some((r) => r.startsWith('5a;Anna Müller;')), 'names keep their umlauts (UTF-8)');
  flow.log('credentials CSV downloaded');

  const [sheet] = await Promise.all([context.waitForEvent('page'), page.getByTestId('credentials-html').click()]);
  await sheet.waitForLoadState();
  check((await sheet.locator('section').count()) === 2, 'the printable sheet has one page (section) per class');
  await sheet.getByRole('heading', { name: 'Klasse 5a' }).waitFor();
  await sheet.getByRole('heading', { name: 'Klasse 6b' }).waitFor();
  await sheet.close();
  flow.log('credentials sheet has a page per class');
  await screenshot(page, 'import_done.png');

  // Discarding the credentials removes them from the server.
  const csvHref = await page.getByTestId('credentials-csv').getAttribute('href');
  await page.getByTestId('credentials-discard').click();
  await page.getByRole('button', { name: 'Ja, verwerfen' }).click();
  await page.getByTestId('credentials-discarded').waitFor();
  check((await page.getByTestId('credentials-csv').count()) === 0, 'credential links are gone after discarding');
  const gone = await page.request.get(`${origin}${csvHref}`);
  check(gone.status() === 404, `discarded credentials answer 404 (got ${gone.status()})`);
  flow.log('credentials discarded');

  // The same file again changes nothing.
  check(await importPage.getByRole('button', { name: 'Vorschau' }).isDisabled(), 'the form is locked after an apply');
  await page.getByRole('button', { name: 'Weitere Datei importieren' }).click();
  await page.getByTestId('import-result').waitFor({ state: 'detached' });
  await importPage.getByLabel('CSV-Datei').setInputFiles(csvPath);
  await importPage.getByRole('button', { name: 'Vorschau' }).click();
  await page.getByTestId('import-no-changes').waitFor();
  check((await page.getByTestId('apply-bar').count()) === 0, 'nothing to apply when the plan has no changes');
  flow.log('second preview: no changes');

  // The column mapping: none saved yet (404), so the detected one is prefilled; saving keeps it.
  const mapping = page.getByTestId('mapping-profile');
  await mapping.locator('summary').click();
  await mapping.getByText('vorausgefüllt mit den in der Vorschau erkannten Spalten').waitFor();
  check((await mapping.getByLabel('Import-ID', { exact: true }).inputValue()) === 'Interne ID-Nummer', 'mapping prefilled from the preview');
  check((await mapping.getByLabel('Klasse', { exact: true }).inputValue()) === 'Klasse', 'class column prefilled');
  await mapping.getByRole('button', { name: 'Zuordnung speichern' }).click();
  await mapping.getByTestId('notice').waitFor();
  await mapping.getByText('Gespeicherte Zuordnung').waitFor();
  await mapping.screenshot({ path: path.join(ARTIFACTS, 'import_mapping.png') });
  flow.log('column mapping saved');

  // 4. Consent for class 5a (all under 14: the parents' consent activates them).
  await nav.getByRole('link', { name: 'Einwilligungen', exact: true }).click();
  await page.getByLabel('Klasse', { exact: true }).selectOption({ label: '5a' });
  const table = page.getByTestId('consent-table');
  await table.getByTestId('consent-row-anna.mueller').getByText('Eingeschränkt', { exact: true }).waitFor();
  await table.getByLabel('alle', { exact: true }).check();
  await page.getByTestId('consent-actions').getByLabel('Eltern', { exact: true }).check();
  await page.getByRole('button', { name: 'Einwilligung erfassen' }).click();
  await page.getByTestId('notice').getByText(`für ${PUPILS_5A.length} Schüler/innen erfasst`).waitFor();
  await table.getByTestId('consent-row-anna.mueller').getByText('Aktiv', { exact: true }).waitFor();
  flow.log('consent recorded for 5a');
  await screenshot(page, 'consents.png');
  // Withdrawing it again (after a confirmation) restricts the account.
  const ben = table.getByTestId('consent-row-ben.schroeder');
  await ben.getByLabel('Ben Schröder').check();
  await page.getByRole('button', { name: 'Einwilligung widerrufen' }).click();
  await page.getByRole('button', { name: 'Ja, widerrufen' }).click();
  await ben.getByText('Eingeschränkt', { exact: true }).waitFor();
  await ben.getByText('fehlt: Eltern').waitFor();
  flow.log('consent withdrawn for one pupil');

  // 5. Modules: the note on the school conference, then the address book switched on.
  await nav.getByRole('link', { name: 'Module', exact: true }).click();
  await page.getByTestId('modules-note').getByText('Die Freischaltung von Modulen setzt einen Beschluss der Schulkonferenz voraus.').waitFor();
  const addressbook = page.getByRole('switch', { name: 'Adressbuch' });
  check(!(await addressbook.isChecked()), 'the address book starts switched off');
  await addressbook.check();
  await page.getByTestId('module-addressbook').getByText('Ein', { exact: true }).waitFor();
  await nav.getByRole('link', { name: 'Adressbuch', exact: true }).waitFor();
  await screenshot(page, 'modules.png');
  flow.log('address book switched on');

  // 6. The audit log shows the import and the module switch.
  await nav.getByRole('link', { name: 'Protokoll', exact: true }).click();
  const audit = page.getByTestId('audit-table');
  await audit.locator('[data-action="import.applied"]').getByText('Import übernommen').waitFor();
  await audit.locator('[data-action="module.switched"]').getByText('Modul umgeschaltet').waitFor();
  await audit.locator('[data-action="import.profile_saved"]').first().waitFor();
  await screenshot(page, 'audit.png');
  flow.log('audit log lists import and module entries');

  // 7. A pupil of 6b (no consent yet) is restricted: the notice says why, no module links.
  const password = (loginName) => rows.find((r) => r.split(';')[2] === loginName)?.split(';')[3];
  await page.getByTestId('logout').click();
  await login(flow, page, 'can.yilmaz', password('can.yilmaz'), school.boot.school.slug);
  await setNewPassword(page, 'Schueler-Passwort-6b');
  const notice = page.getByTestId('restricted-notice');
  await notice.getByText('Einwilligung').first().waitFor();
  check((await notice.textContent()).includes('Sekretariat'), 'the restricted notice says whom to contact');
  check((await page.getByTestId('module-tiles').count()) === 0, 'a restricted pupil sees no module tiles');
  check((await nav.getByRole('link').allTextContents()).join('|') === 'Übersicht', 'a restricted pupil sees no module links');
  await screenshot(page, 'restricted.png');
  flow.log('restricted pupil sees the consent notice and no modules');

  // 8. A pupil of 5a (consent on file) finds the address book with her classmates.
  await page.getByTestId('logout').click();
  await login(flow, page, 'anna.mueller', password('anna.mueller'), school.boot.school.slug);
  await setNewPassword(page, 'Schueler-Passwort-5a');
  await page.getByTestId('module-tile-addressbook').click();
  const book = page.getByTestId('addressbook');
  await book.getByText('Jonas Groß').waitFor();
  check(!(await book.textContent()).includes('Can Yilmaz'), 'the address book lists only people who share a group');
  await screenshot(page, 'addressbook.png');
  flow.log('active pupil sees the address book');

  school.assertClean();
}

if (isMain(import.meta.url)) await runFlows([['import_flow', importFlow]]);
