// What the browser tests stand on: a private API stack (stack_helper.py, through
// tests/e2e/stack.py), the dashboard's own server (dashboard/serve.sh: h2o) on a free port,
// and Debian's Chromium driven by playwright-core. Nothing here is mocked.
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = process.env.ECOM_SOURCE_DIR || path.resolve(here, '..', '..');
export const ARTIFACTS = path.join(SOURCE_DIR, 'tests', 'artifacts', 'browser');
const children = new Set();

// Whatever ends this process, its children end too.
process.on('exit', () => { for (const c of children) if (c.exitCode === null) c.kill('SIGTERM'); });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(1));

/** A TCP port that nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value (returned) or timeout ms pass (throws with the
 *  last value or error, and what was awaited). */
export async function poll(what, fn, timeout = 15000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(100);
  }
}

/** Starts stack_helper.py; resolves to {info, command(text), stop()}. */
export async function startStack() {
  const helper = spawn('/usr/bin/python3', [path.join(here, 'stack_helper.py')], {
    stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  children.add(helper);
  let stderr = '';
  helper.stderr.on('data', (d) => { stderr += d; });
  const lines = readline.createInterface({ input: helper.stdout });
  const queue = [];
  const waiters = [];
  lines.on('line', (l) => { if (waiters.length) waiters.shift()(l); else queue.push(l); });
  const exited = new Promise((resolve) => helper.on('exit', (code) => resolve(code)));
  const nextLine = (timeout) => new Promise((resolve, reject) => {
    if (queue.length) { resolve(queue.shift()); return; }
    const timer = setTimeout(() => reject(new Error(`stack_helper.py did not answer in ${timeout} ms:\n${stderr}`)), timeout);
    waiters.push((l) => { clearTimeout(timer); resolve(l); });
    exited.then((code) => { clearTimeout(timer); reject(new Error(`stack_helper.py exited with ${code}:\n${stderr.slice(-4000)}`)); });
  });
  const info = JSON.parse(await nextLine(300000));
  return {
    info,
    apiUrl: `http://127.0.0.1:${info.api_port}`,
    has: (...services) => services.every((s) => info.services.includes(s)),
    async command(text) {
      helper.stdin.write(`${text}\n`);
      const answer = await nextLine(90000);
      if (answer !== 'ok') throw new Error(`stack_helper.py: ${text}: ${answer}`);
    },
    /** Ends the stack; resolves to the problems it reported ('' when it exited cleanly). */
    async stop() {
      helper.stdin.end();
      const code = await exited;
      children.delete(helper);
      return code === 0 ? '' : `stack_helper.py exited with ${code}:\n${stderr.slice(-6000)}`;
    },
  };
}

/** Starts dashboard/serve.sh (h2o) in front of apiPort; resolves to {url, stop()}. */
export async function startDashboard(apiPort) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ecom-dashboard-'));
  const server = spawn('bash', [path.join(SOURCE_DIR, 'dashboard', 'serve.sh')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DASHBOARD_PORT: String(port), API_HOST: '127.0.0.1', API_PORT: String(apiPort), DASHBOARD_CONF: path.join(dir, 'h2o.conf') },
  });
  children.add(server);
  let log = '';
  server.stderr.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}`;
  await poll('the dashboard server', async () => {
    if (server.exitCode !== null) throw new Error(`serve.sh exited with ${server.exitCode}: ${log}`);
    return (await fetch(`${url}/`)).ok;
  }, 120000);
  return {
    url,
    log: () => log,
    async stop() {
      if (server.exitCode === null) {
        server.kill('SIGTERM');
        await new Promise((r) => server.once('exit', r));
      }
      children.delete(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless, with the flags this machine needs (no sandbox as root, no
 *  background networking on a closed network). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export const DESKTOP = { viewport: { width: 1366, height: 768 } }; // a laptop
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** A new page in a new context (so a fresh sessionStorage) that records in page.problems
 *  uncaught errors, console errors and HTTP error answers ("503 /healthz"); the browser's
 *  own console note about an HTTP error is left out, the answer itself is recorded. */
export async function openPage(browser, options = DESKTOP) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of/.test(m.text())) page.problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => { if (r.status() >= 400) page.problems.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  page.on('requestfailed', (r) => {
    const error = r.failure() && r.failure().errorText;
    // net::ERR_ABORTED is the page cancelling a request it no longer needs (a newer one for
    // the same panel replaced it: api.js aborts the older one), not a failure.
    if (error !== 'net::ERR_ABORTED') page.problems.push(`failed ${new URL(r.url()).pathname}: ${error}`);
  });
  page.close = async () => context.close();
  return page;
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/* ---- independent formatting: what the page must show for an API number ---------------- */

const groups = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
/** 1234567.5 -> "$1,234,567.50" */
export function money(n) {
  const [whole, cents] = Math.abs(n).toFixed(2).split('.');
  return `${n < 0 ? '-' : ''}$${groups(whole)}.${cents}`;
}
/** 1234567 -> "1,234,567" */
export const int = (n) => groups(String(Math.round(n)));

/* ---- the API, straight from the gateway ------------------------------------------------ */

export async function api(base, pathAndQuery, init) {
  const r = await fetch(base + pathAndQuery, init);
  const body = await r.json();
  if (!r.ok) throw new Error(`${pathAndQuery}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

/** An HS256 JWT like the API's (SPEC §6), signed with secret. */
export function jwt(secret, claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ iat: now, exp: now + 600, jti: randomUUID(), token_type: 'access', ...claims });
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

