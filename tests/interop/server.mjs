// A real `schulhof serve` for one interop test: fresh data dir (and PostgreSQL database when
// SCHULHOF_INTEROP_PG_URL is set), a bootstrap admin from the CLI, and stop / kill -9 / restart on
// the same port and data dir. Every wait is bounded.
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.join(HERE, 'artifacts');
export const SCHOOL_NAME = 'Gymnasium Musterstadt';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/** Prefix of the databases made here; leftovers of crashed runs are dropped by `dropLeftoverDatabases`. */
const DB_PREFIX = 'schulhof_interop_';

// The server inherits the environment, minus settings that would make it expect another origin or
// read a config file meant for something else.
const SERVER_ENV = { ...process.env };
delete SERVER_ENV.SCHULHOF_PUBLIC_URL;
delete SERVER_ENV.SCHULHOF_CONFIG;

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

function runCli(bin, args, env, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env, timeout: timeoutMs, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(bin)} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** Drops databases of earlier runs that ended before their cleanup (PostgreSQL runs only). */
export function dropLeftoverDatabases() {
  const admin = process.env.SCHULHOF_INTEROP_PG_URL;
  if (!admin) return;
  const names = execFileSync('psql', [admin, '-qAtc', `select datname from pg_database where datname like '${DB_PREFIX}%'`])
    .toString()
    .split('\n')
    .filter(Boolean);
  for (const name of names) execFileSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`]);
}

/** The server's environment: its own PostgreSQL database with SCHULHOF_INTEROP_PG_URL, else SQLite in the data dir (or DATABASE_URL as given). */
function databaseEnv(t) {
  const admin = process.env.SCHULHOF_INTEROP_PG_URL;
  if (!admin) return SERVER_ENV;
  const name = `${DB_PREFIX}${t.name}_${process.pid}_${Date.now()}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`]);
  t.cleanups.push(() => execFileSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { ...SERVER_ENV, DATABASE_URL: url.toString() };
}

/**
 * Creates a school with the CLI and starts the server. Returns a handle:
 * `{ origin, port, boot, stop(), kill9(), start() }`; `start()` starts it again on the same port and
 * data dir. The test's cleanup stops it.
 */
export async function startServer(t) {
  const bin = process.env.SCHULHOF_BIN;
  if (!bin) throw new Error('SCHULHOF_BIN is not set: point it at the schulhof server binary');
  if (!fs.existsSync(bin)) throw new Error(`SCHULHOF_BIN=${bin} does not exist`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'schulhof-interop-'));
  t.cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const env = databaseEnv(t);
  t.log('data dir', dataDir, env.DATABASE_URL ? `(PostgreSQL ${new URL(env.DATABASE_URL).pathname.slice(1)})` : '(SQLite)');

  const created = await runCli(bin, ['admin', 'create', '--school', SCHOOL_NAME, '--login', 'admin', '--data-dir', dataDir, '--json'], env);
  const line = created.stdout.trim().split('\n').filter((l) => l.trim().startsWith('{')).pop();
  if (!line) throw new Error(`admin create printed no JSON line (stdout: ${created.stdout})`);
  const boot = JSON.parse(line);

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const logFile = fs.createWriteStream(path.join(ARTIFACTS, `server-${t.name}.log`));
  let child = null;
  let exited = null; // a promise, resolved with { code, signal } when the current child ends
  let tail = '';

  async function start() {
    if (child) throw new Error('server is already running');
    const args = ['serve', '--bind', `127.0.0.1:${port}`, '--data-dir', dataDir];
    t.log('starting server:', bin, args.join(' '));
    logFile.write(`\n===== start ${new Date().toISOString()} =====\n`);
    const proc = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let done = null;
    exited = new Promise((resolve) =>
      proc.on('exit', (code, signal) => {
        done = { code, signal };
        if (child === proc) child = null;
        resolve(done);
      }),
    );
    const keep = (chunk) => {
      logFile.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (done) throw new Error(`server exited early (${JSON.stringify(done)}):\n${tail}`);
      try {
        const res = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`server not ready after ${READY_TIMEOUT_MS / 1000} s:\n${tail}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    t.log('server ready at', origin);
  }

  async function signalAndWait(signal) {
    if (!child) return null;
    const proc = child;
    proc.kill(signal);
    let timer;
    const result = await Promise.race([
      exited,
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!result) {
      proc.kill('SIGKILL');
      await exited;
      throw new Error(`server did not exit within ${STOP_TIMEOUT_MS / 1000} s after ${signal}`);
    }
    t.log(`server ended after ${signal}:`, JSON.stringify(result));
    return result;
  }

  t.cleanups.push(async () => {
    await signalAndWait('SIGTERM').catch((err) => t.log('stopping the server:', err.message));
    logFile.end();
  });
  await start();
  return {
    origin,
    port,
    boot,
    dataDir,
    start,
    /** SIGTERM and wait for the exit. */
    stop: () => signalAndWait('SIGTERM'),
    /** SIGKILL (kill -9) and wait for the exit. */
    kill9: () => signalAndWait('SIGKILL'),
  };
}
