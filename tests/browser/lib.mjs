// Shared helpers of the browser flows: a fresh server and browser per flow, login steps, cleanup and the verdict.
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
export const WEB_DIST = path.join(ROOT, 'web', 'dist');
export const ARTIFACTS = path.join(HERE, 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const READY_TIMEOUT_MS = 30_000;
export const SCHOOL_NAME = 'Gymnasium Musterstadt';

// The server inherits the environment (so DATABASE_URL selects PostgreSQL), minus settings that
// would make it expect another origin or read a config file meant for something else.
const SERVER_ENV = { ...process.env };
delete SERVER_ENV.SCHULHOF_PUBLIC_URL;
delete SERVER_ENV.SCHULHOF_CONFIG;

export function check(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

export function freePort() {
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

function run(bin, args, timeoutMs, env = SERVER_ENV) {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env, timeout: timeoutMs, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(bin)} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * The environment for one flow's server. With SCHULHOF_BROWSER_PG_URL (a PostgreSQL URL whose
 * user may create databases) every flow gets a database of its own, made with psql and dropped
 * afterwards; otherwise the flow uses SQLite in its data dir (or DATABASE_URL as given).
 */
function freshDatabaseEnv(flow) {
  const admin = process.env.SCHULHOF_BROWSER_PG_URL;
  if (!admin) return SERVER_ENV;
  const name = `schulhof_browser_${flow.name}_${process.pid}_${Date.now()}`.replace(/[^a-z0-9_]/g, '_');
  execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`]);
  flow.cleanups.push(() => execFileSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { ...SERVER_ENV, DATABASE_URL: url.toString() };
}

/** Starts `schulhof serve` and resolves with its origin once GET /readyz answers 200. */
/**
 * Watches a spawned process: `.exited` says how it ended (exit code and signal, or the spawn error), and the
 * flow's cleanup stops it (SIGTERM, SIGKILL after 5 s), then calls `onStopped`.
 */
export function superviseChild(flow, child, name, onStopped = () => {}) {
  const state = { exited: null };
  const exitedPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      state.exited = { code, signal };
      resolve();
    });
    child.on('error', (error) => {
      state.exited = { error: String(error) };
      resolve();
    });
  });
  flow.cleanups.push(async () => {
    if (!state.exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitedPromise;
      clearTimeout(timer);
    }
    onStopped();
    flow.log(`${name} stopped`);
  });
  return state;
}

async function startServer(flow, bin, dataDir, env = SERVER_ENV) {
  const port = await freePort();
  const logFile = fs.createWriteStream(path.join(ARTIFACTS, `server-${flow.name}.log`));
  const args = ['serve', '--bind', `127.0.0.1:${port}`, '--data-dir', dataDir, '--web-dir', WEB_DIST];
  flow.log('starting server:', bin, args.join(' '));
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const server = superviseChild(flow, child, 'server', () => logFile.end());
  let tail = '';
  const keepTail = (chunk) => {
    logFile.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keepTail);
  child.stderr.on('data', keepTail);

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.exited) throw new Error(`server exited early (${JSON.stringify(server.exited)}):\n${tail}`);
    try {
      const res = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server not ready after ${READY_TIMEOUT_MS / 1000} s:\n${tail}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  flow.log('server ready at', origin);
  return origin;
}

/**
 * A browser context (its own cookies, like a second person at another computer) with one page.
 * Records requests to other origins and uncaught page errors; `assertClean` checks both.
 */
export async function newWatchedContext(flow, browser, origin) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'de-DE', acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);

  // Every request must stay on the server's origin (no CDN, fonts, analytics).
  const foreign = [];
  context.on('request', (req) => {
    const url = req.url();
    if (url !== origin && !url.startsWith(`${origin}/`)) foreign.push(url);
  });
  // WebSockets (the hub) must stay on the origin too.
  const wsOrigin = origin.replace(/^http/, 'ws');
  const watchSockets = (p) =>
    p.on('websocket', (ws) => {
      const url = ws.url();
      if (url !== wsOrigin && !url.startsWith(`${wsOrigin}/`)) foreign.push(url);
    });
  const pageErrors = [];
  context.on('page', (p) => {
    p.on('pageerror', (err) => pageErrors.push(err.message));
    watchSockets(p);
  });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  watchSockets(page);
  page.on('console', (msg) => {
    if (msg.type() === 'error') flow.log('browser console:', msg.text());
  });
  const assertClean = () => {
    check(foreign.length === 0, `all requests stay on ${origin}, but saw: ${foreign.join(', ')}`);
    check(pageErrors.length === 0, `no uncaught page errors, but saw: ${pageErrors.join('; ')}`);
  };
  return { context, page, assertClean };
}

/**
 * A fresh school for one flow: data dir, bootstrap admin, server, headless Chromium and a page.
 * Records requests to other origins and uncaught page errors for `assertClean`.
 * `options.browserArgs` adds Chromium flags (e.g. fake camera and microphone for the video flow).
 */
export async function startSchool(flow, options = {}) {
  const bin = process.env.SCHULHOF_BIN;
  if (!bin) throw new Error('SCHULHOF_BIN is not set: point it at the schulhof server binary, e.g. SCHULHOF_BIN=target/debug/schulhof');
  if (!fs.existsSync(bin)) throw new Error(`SCHULHOF_BIN=${bin} does not exist`);
  if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error(`${WEB_DIST}/index.html is missing: build the web client first (cd web && npm ci && npm run build)`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'schulhof-browser-'));
  flow.cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const env = { ...freshDatabaseEnv(flow), ...(options.serverEnv ?? {}) };
  flow.log('data dir', dataDir, env.DATABASE_URL ? `(PostgreSQL ${new URL(env.DATABASE_URL).pathname.slice(1)})` : '');

  const created = await run(bin, ['admin', 'create', '--school', SCHOOL_NAME, '--login', 'admin', '--data-dir', dataDir, '--json'], 60_000, env);
  const line = created.stdout.trim().split('\n').filter((l) => l.trim().startsWith('{')).pop();
  check(line, `admin create printed a JSON line (stdout: ${created.stdout})`);
  const boot = JSON.parse(line);
  check(boot.password && boot.school?.slug, 'admin create answered school and password');
  flow.log(`school "${boot.school.name}" (${boot.school.slug}), admin login "${boot.login}"`);

  const origin = await startServer(flow, bin, dataDir, env);
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
      ...(options.browserArgs ?? []),
    ],
  });
  flow.cleanups.push(() => browser.close());
  const { context, page, assertClean } = await newWatchedContext(flow, browser, origin);
  flow.page = page;
  return { boot, origin, browser, context, page, dataDir, assertClean };
}

/**
 * Logs in through the form. When the login name exists in several schools (e.g. a shared
 * PostgreSQL database), the form asks for the school slug; it is then filled in and sent again.
 */
export async function login(flow, page, loginName, password, schoolSlug) {
  const form = page.getByTestId('login-form');
  await form.waitFor();
  await form.getByLabel('Anmeldename').fill(loginName);
  await form.getByLabel('Passwort').fill(password);
  await form.getByRole('button', { name: 'Anmelden' }).click();
  const school = form.getByLabel('Schule (Kürzel)');
  const after = page.getByTestId('change-password').or(page.getByTestId('dashboard')).or(school).or(form.getByTestId('error'));
  await after.first().waitFor();
  if (await school.isVisible()) {
    flow.log(`login name "${loginName}" needs the school slug`);
    await school.fill(schoolSlug);
    await form.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByTestId('change-password').or(page.getByTestId('dashboard')).or(form.getByTestId('error')).first().waitFor();
  }
  if (await form.getByTestId('error').isVisible().catch(() => false)) {
    throw new Error(`login as ${loginName} refused: ${await form.getByTestId('error').textContent()}`);
  }
}

/** Completes the forced "set a new password" step that follows a first login. */
export async function setNewPassword(page, newPassword) {
  const box = page.getByTestId('change-password');
  await box.waitFor();
  check(!(await box.getByLabel('Aktuelles Passwort').isVisible()), 'current password is not asked again right after login');
  await box.getByLabel('Neues Passwort', { exact: true }).fill(newPassword);
  await box.getByLabel('Neues Passwort wiederholen').fill(newPassword);
  await box.getByRole('button', { name: 'Passwort speichern' }).click();
  await page.getByTestId('dashboard').waitFor();
}

/** The bootstrap admin logs in and replaces the generated password. */
export async function adminLogin(flow, school) {
  await school.page.goto(`${school.origin}/`);
  await login(flow, school.page, school.boot.login, school.boot.password, school.boot.school.slug);
  await setNewPassword(school.page, 'Admin-Passwort-2024!');
  check((await school.page.getByTestId('school-name').textContent())?.includes(SCHOOL_NAME), 'navigation bar shows the school name');
  flow.log('admin logged in');
  return school.page.getByRole('navigation', { name: 'Hauptnavigation' });
}

/**
 * A tiny client for the admin's setup through the JSON API (docs/api.md), with its own cookie jar.
 * State-changing requests carry the platform's Origin like a browser would.
 */
export function apiClient(origin) {
  const jar = new Map();
  return async function call(method, urlPath, body) {
    const headers = { accept: 'application/json', origin };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${origin}${urlPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${urlPath} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/**
 * The admin sets up a teacher (leader) and a pupil with the parents' consent in class 5a and
 * switches on `modules`; returns the created teacher, pupil and group, and the admin's API client
 * (for more setup).
 */
export async function setUpClass(flow, school, modules) {
  const { origin, boot } = school;
  const api = apiClient(origin);
  const slug = boot.school.slug;
  await api('POST', '/api/auth/login', { login: boot.login, password: boot.password, school: slug });
  await api('POST', '/api/me/password', { current_password: boot.password, new_password: 'Admin-Passwort-2024!' });
  await api('POST', '/api/auth/login', { login: boot.login, password: 'Admin-Passwort-2024!', school: slug });

  const teacher = await api('POST', '/api/users', { login: 'anna.lehrer', display_name: 'Anna Lehrer', role: 'teacher' });
  const pupil = await api('POST', '/api/users', {
    login: 'max.muster',
    display_name: 'Max Muster',
    role: 'pupil',
    birth_date: '2014-03-01',
    consents: ['parents'],
  });
  check(pupil.user.status === 'active', `the pupil with the parents' consent is active (got ${pupil.user.status})`);
  const group = await api('POST', '/api/groups', { name: '5a', kind: 'class' });
  await api('PUT', `/api/groups/${group.id}/members/${teacher.user.id}`, { role: 'leader' });
  await api('PUT', `/api/groups/${group.id}/members/${pupil.user.id}`, { role: 'member' });
  for (const module of modules) {
    const sw = await api('PUT', `/api/modules/${module}`, { enabled: true });
    check(sw.enabled === true, `module ${module} switched on`);
  }
  flow.log(`set up: teacher anna.lehrer, pupil max.muster, class 5a, modules ${modules.join(' + ')}`);
  return { teacher, pupil, group, api };
}

export function screenshot(page, name) {
  return page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

/** Cleanup steps of the flow that is running now (for SIGINT/SIGTERM). */
let current = null;

/**
 * Runs one flow with its own cleanup list and a time limit; resolves true when it passed.
 * A failing flow leaves `artifacts/failure-<name>.png`.
 */
export async function runFlow(name, body, timeoutMs = 180_000) {
  const flow = { name, cleanups: [], page: null, log: (...a) => console.log(`[${name}]`, ...a) };
  current = flow;
  let ok = false;
  let timer;
  try {
    const limit = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`flow took longer than ${timeoutMs / 1000} s`)), timeoutMs);
    });
    await Promise.race([body(flow), limit]);
    ok = true;
    flow.log('PASSED');
  } catch (err) {
    console.error(`[${name}] FAILED:`, err?.stack ?? err);
    if (flow.page) await screenshot(flow.page, `failure-${name}.png`).catch(() => {});
  } finally {
    clearTimeout(timer);
    await runCleanups(flow);
    current = null;
  }
  return ok;
}

async function runCleanups(flow) {
  while (flow.cleanups.length) {
    const fn = flow.cleanups.pop();
    try {
      await fn();
    } catch (err) {
      flow.log('cleanup step failed:', err?.message ?? err);
    }
  }
}

/**
 * Runs the flows (`[name, body, timeoutMs?]`) one after the other and ends the process with the line
 * `N passed, M failed`. SCHULHOF_FLOWS (comma-separated names) runs only those flows.
 */
export async function runFlows(allFlows) {
  const only = (process.env.SCHULHOF_FLOWS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const flows = only.length ? allFlows.filter(([name]) => only.includes(name)) : allFlows;
  if (only.length) {
    const unknown = only.filter((n) => !allFlows.some(([name]) => name === n));
    if (unknown.length) console.error(`SCHULHOF_FLOWS names unknown flows: ${unknown.join(', ')}`);
  }
  let passed = 0;
  let done = 0;
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, async () => {
      if (current) await runCleanups(current);
      console.log(`${passed} passed, ${flows.length - passed} failed`);
      process.exit(1);
    });
  }
  for (const [name, body, timeoutMs] of flows) {
    if (await runFlow(name, body, timeoutMs)) passed += 1;
    done += 1;
  }
  console.log(`${passed} passed, ${done - passed} failed`);
  process.exit(passed === done ? 0 : 1);
}

/** True when the module at `url` is the script node was started with. */
export function isMain(url) {
  return process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(url);
}
