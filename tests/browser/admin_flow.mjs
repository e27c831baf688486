// End-to-end browser test: starts a real schulhof server, then drives the web client in headless Chromium
// through the admin flow (users, class, memberships) and the pupil's first login. Needs env SCHULHOF_BIN.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const WEB_DIST = path.join(ROOT, 'web', 'dist');
const ARTIFACTS = path.join(HERE, 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SCHOOL_NAME = 'Gymnasium Musterstadt';
const READY_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 180_000;

const log = (...a) => console.log('[admin_flow]', ...a);

// The server inherits the environment (so DATABASE_URL selects PostgreSQL), minus settings that
// would make it expect another origin or read a config file meant for something else.
const SERVER_ENV = { ...process.env };
delete SERVER_ENV.SCHULHOF_PUBLIC_URL;
delete SERVER_ENV.SCHULHOF_CONFIG;

/** Cleanup steps, run in reverse order at the end whatever happened. */
const cleanups = [];
let finished = false;
let failed = false;

async function cleanup() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (err) {
      log('cleanup step failed:', err?.message ?? err);
    }
  }
}

async function finish(ok, err) {
  if (finished) return;
  finished = true;
  failed = !ok;
  if (!ok) console.error('[admin_flow] FAILED:', err?.stack ?? err);
  await cleanup();
  console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');
  process.exit(ok ? 0 : 1);
}

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => finish(false, new Error(`interrupted by ${sig}`)));

function check(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function run(bin, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env: SERVER_ENV, timeout: timeoutMs, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(bin)} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** Starts `schulhof serve` and resolves once GET /readyz answers 200. */
async function startServer(bin, dataDir, port) {
  const logFile = fs.createWriteStream(path.join(ARTIFACTS, 'server.log'));
  const args = ['serve', '--bind', `127.0.0.1:${port}`, '--data-dir', dataDir, '--web-dir', WEB_DIST];
  log('starting server:', bin, args.join(' '));
  const child = spawn(bin, args, { env: SERVER_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let exited = null;
  let tail = '';
  const keepTail = (chunk) => {
    logFile.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keepTail);
  child.stderr.on('data', keepTail);
  const exitedPromise = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  cleanups.push(async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitedPromise;
      clearTimeout(timer);
    }
    logFile.end();
    log('server stopped');
  });

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`server exited early (${JSON.stringify(exited)}):\n${tail}`);
    try {
      const res = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server not ready after ${READY_TIMEOUT_MS / 1000} s:\n${tail}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  log('server ready at', origin);
  return origin;
}

/**
 * Logs in through the form. When the login name exists in several schools (e.g. a shared
 * PostgreSQL database), the form asks for the school slug; it is then filled in and sent again.
 */
async function login(page, loginName, password, schoolSlug) {
  const form = page.getByTestId('login-form');
  await form.waitFor();
  await form.getByLabel('Anmeldename').fill(loginName);
  await form.getByLabel('Passwort').fill(password);
  await form.getByRole('button', { name: 'Anmelden' }).click();
  const school = form.getByLabel('Schule (Kürzel)');
  const after = page.getByTestId('change-password').or(page.getByTestId('dashboard')).or(school).or(form.getByTestId('error'));
  await after.first().waitFor();
  if (await school.isVisible()) {
    log(`login name "${loginName}" needs the school slug`);
    await school.fill(schoolSlug);
    await form.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByTestId('change-password').or(page.getByTestId('dashboard')).or(form.getByTestId('error')).first().waitFor();
  }
  if (await form.getByTestId('error').isVisible().catch(() => false)) {
    throw new Error(`login as ${loginName} refused: ${await form.getByTestId('error').textContent()}`);
  }
}

/** Completes the forced "set a new password" step that follows a first login. */
async function setNewPassword(page, newPassword) {
  const box = page.getByTestId('change-password');
  await box.waitFor();
  check(!(await box.getByLabel('Aktuelles Passwort').isVisible()), 'current password is not asked again right after login');
  await box.getByLabel('Neues Passwort', { exact: true }).fill(newPassword);
  await box.getByLabel('Neues Passwort wiederholen').fill(newPassword);
  await box.getByRole('button', { name: 'Passwort speichern' }).click();
  await page.getByTestId('dashboard').waitFor();
}

async function createUser(page, { login, name, role, birthDate }) {
  const form = page.getByTestId('create-user-form');
  await form.getByLabel('Anmeldename').fill(login);
  await form.getByLabel('Anzeigename').fill(name);
  await form.getByLabel('Rolle').selectOption(role);
  if (birthDate) await form.getByLabel('Geburtsdatum (optional)').fill(birthDate);
  await form.getByRole('button', { name: 'Anlegen' }).click();
  const secret = page.getByTestId('initial-password');
  await page.getByTestId('secret-box').getByText(`Erstpasswort für ${login}`).waitFor();
  const password = (await secret.textContent())?.trim() ?? '';
  check(password.length >= 8, `initial password for ${login} is shown (got "${password}")`);
  await page.getByTestId('user-table').getByTestId(`user-row-${login}`).waitFor();
  await page.getByRole('button', { name: 'Verstanden' }).click();
  await secret.waitFor({ state: 'detached' });
  log(`created ${role} ${login}`);
  return password;
}

async function addMember(page, login, roleLabel) {
  const form = page.getByTestId('add-member-form');
  const select = form.getByLabel('Benutzer', { exact: true });
  const option = select.locator('option', { hasText: `(${login})` });
  await option.waitFor({ state: 'attached' });
  await select.selectOption(await option.getAttribute('value'));
  await form.getByLabel('Rolle in der Gruppe').selectOption({ label: roleLabel });
  await form.getByRole('button', { name: 'Hinzufügen' }).click();
  const row = page.getByTestId('member-list').getByTestId(`member-${login}`);
  await row.getByText(roleLabel, { exact: true }).waitFor();
  log(`added ${login} as ${roleLabel}`);
}

async function main() {
  const bin = process.env.SCHULHOF_BIN;
  if (!bin) throw new Error('SCHULHOF_BIN is not set: point it at the schulhof server binary, e.g. SCHULHOF_BIN=target/debug/schulhof');
  if (!fs.existsSync(bin)) throw new Error(`SCHULHOF_BIN=${bin} does not exist`);
  if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error(`${WEB_DIST}/index.html is missing: build the web client first (cd web && npm ci && npm run build)`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'schulhof-browser-'));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  log('data dir', dataDir, process.env.DATABASE_URL ? '(DATABASE_URL is set)' : '');

  // Bootstrap school and admin account.
  const created = await run(bin, ['admin', 'create', '--school', SCHOOL_NAME, '--login', 'admin', '--data-dir', dataDir, '--json'], 60_000);
  const line = created.stdout.trim().split('\n').filter((l) => l.trim().startsWith('{')).pop();
  check(line, `admin create printed a JSON line (stdout: ${created.stdout})`);
  const boot = JSON.parse(line);
  check(boot.password && boot.school?.slug, 'admin create answered school and password');
  log(`school "${boot.school.name}" (${boot.school.slug}), admin login "${boot.login}"`);

  const port = await freePort();
  const origin = await startServer(bin, dataDir, port);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-quic',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  cleanups.push(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'de-DE' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);

  // Every request must stay on the server's origin (no CDN, fonts, analytics).
  const foreign = [];
  context.on('request', (req) => {
    const url = req.url();
    if (url !== origin && !url.startsWith(`${origin}/`)) foreign.push(url);
  });
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') log('browser console:', msg.text());
  });
  // Screenshot of whatever is on screen if anything below fails.
  cleanups.push(async () => {
    if (failed) await page.screenshot({ path: path.join(ARTIFACTS, 'failure.png'), fullPage: true });
  });

  // 1. Admin logs in and has to replace the bootstrap password.
  await page.goto(`${origin}/`);
  await login(page, boot.login, boot.password, boot.school.slug);
  await setNewPassword(page, 'Admin-Passwort-2024!');
  check((await page.getByTestId('school-name').textContent())?.includes(SCHOOL_NAME), 'navigation bar shows the school name');
  const nav = page.getByRole('navigation', { name: 'Hauptnavigation' });
  log('admin logged in');

  // 2. Create a pupil and a teacher, a class 5a, and put both into it.
  await nav.getByRole('link', { name: 'Benutzer', exact: true }).click();
  await page.getByTestId('user-table').waitFor();
  const pupilPassword = await createUser(page, { login: 'max.muster', name: 'Max Muster', role: 'pupil', birthDate: '2014-03-09' });
  await createUser(page, { login: 'anna.lehrer', name: 'Anna Lehrer', role: 'teacher' });
  // docs/api.md creates accounts active. A server applying the consent rule (pupils stay
  // `restricted` until the needed consent is on file) shows "Eingeschränkt" instead; the admin
  // then releases the account with the documented status switch.
  const pupilRow = page.getByTestId('user-row-max.muster');
  if (await pupilRow.getByText('Eingeschränkt', { exact: true }).isVisible()) {
    log('note: the pupil was created restricted; activating it via PUT /api/users/{id}/status');
    await pupilRow.getByRole('button', { name: 'Aktivieren', exact: true }).click();
  }
  await pupilRow.getByText('Aktiv', { exact: true }).waitFor();

  await nav.getByRole('link', { name: 'Gruppen', exact: true }).click();
  const groupForm = page.getByTestId('create-group-form');
  await groupForm.getByLabel('Name').fill('5a');
  await groupForm.getByLabel('Art').selectOption('class');
  await groupForm.getByRole('button', { name: 'Anlegen' }).click();
  await page.getByTestId('group-detail').getByRole('heading', { name: '5a' }).waitFor();
  log('created class 5a');
  await addMember(page, 'max.muster', 'Mitglied');
  await addMember(page, 'anna.lehrer', 'Leitung');
  await page.getByRole('link', { name: 'Alle Gruppen' }).click();
  await page.getByTestId('group-list').getByTestId('group-row-5a').getByRole('cell', { name: '2', exact: true }).waitFor();

  // 3. Log out; the pupil logs in with the initial password, sets an own one, and sees class 5a.
  await page.getByTestId('logout').click();
  await page.getByTestId('login-form').waitFor();
  log('admin logged out');
  await login(page, 'max.muster', pupilPassword, boot.school.slug);
  await setNewPassword(page, 'Schueler-Passwort-1');
  await page.getByRole('heading', { name: 'Hallo, Max Muster!' }).waitFor();
  const myClass = page.getByTestId('my-groups').getByTestId('my-group').filter({ hasText: '5a' });
  await myClass.waitFor();
  check((await myClass.textContent()).includes('Klasse'), 'class 5a is labelled "Klasse"');
  check((await nav.getByRole('link').allTextContents()).join('|') === 'Übersicht', 'a pupil sees no admin links');
  log('pupil dashboard lists 5a');

  // 4. Screenshot of the pupil's dashboard.
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });

  // 5. Switch to English; the choice survives a reload.
  await page.getByTestId('lang-switch').getByRole('button', { name: 'EN' }).click();
  await page.getByRole('heading', { name: 'My classes and groups' }).waitFor();
  await page.getByRole('heading', { name: 'Hello, Max Muster!' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'My classes and groups' }).waitFor();
  check((await page.locator('html').getAttribute('lang')) === 'en', 'html lang follows the language switch');
  log('English UI works');

  // The user menu leads to the session list, which shows this session.
  await page.getByTestId('user-menu').locator('summary').click();
  await page.getByTestId('user-menu').getByRole('link', { name: 'My sessions' }).click();
  await page.getByTestId('session-list').getByText('This session').waitFor();

  // 6. Nothing left the origin; no uncaught script errors.
  check(foreign.length === 0, `all requests stay on ${origin}, but saw: ${foreign.join(', ')}`);
  check(pageErrors.length === 0, `no uncaught page errors, but saw: ${pageErrors.join('; ')}`);
}

const guard = setTimeout(() => finish(false, new Error(`test took longer than ${TEST_TIMEOUT_MS / 1000} s`)), TEST_TIMEOUT_MS);
main().then(
  () => {
    clearTimeout(guard);
    return finish(true);
  },
  (err) => {
    clearTimeout(guard);
    return finish(false, err);
  },
);
