// Runs one browser scenario for io.hubpolicy.testing.Browser.
//
//   node run.mjs RUN_DIR
//
// RUN_DIR holds config.json (written by Browser.java) and scenario.mjs, whose default export is
// an async function of { page, context, browser, params, out, artifact, forgeFormPost }. This
// script launches Debian's Chromium through playwright-core (no browser of Playwright's own: none
// can be downloaded here), calls the scenario, and always writes RUN_DIR/result.json, so that the
// Java side can say what failed: the scenario's error and stack, what the pages logged, and a
// screenshot of every page open at the moment of failure.
//
// Exit codes: 0 scenario passed, 1 scenario failed, 2 bad invocation, 3 the browser did not launch.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node run.mjs RUN_DIR');
  process.exit(2);
}
const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));

// playwright-core is installed under target/ (not next to this file), so it is resolved from there.
const { chromium } = createRequire(join(config.installDir, 'package.json'))('playwright-core');

const result = {
  ok: false,
  phase: 'launch',
  launchMs: null,
  scenarioMs: null,
  out: {},
  log: [],
  error: null,
  failureScreenshots: [],
};
const startedAt = Date.now();

function artifact(name) {
  if (typeof name !== 'string' || name === '' || isAbsolute(name) || name.includes('..')) {
    throw new Error(`artifact(${JSON.stringify(name)}): give a plain file name, it is put in ${dir}`);
  }
  return join(dir, name);
}

// Playwright colours its call logs; the Java side shows them as plain text.
const plain = (s) => String(s).replace(/\u001b\[[0-9;]*m/g, '');

function errorOf(e) {
  return e instanceof Error
    ? { name: e.name, message: plain(e.message), stack: plain(e.stack ?? e) }
    : { name: 'Thrown', message: plain(e), stack: plain(e) };
}

// A syntax error in a dynamically imported module carries no line; node --check prints it.
function syntaxErrorOf(e, file) {
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
  const where = (check.stderr || '').trim();
  const error = errorOf(e);
  if (where) {
    error.stack = `${error.stack}\n--- node --check ${file}:\n${where}`;
  }
  return error;
}

function write() {
  writeFileSync(join(dir, 'result.json'), JSON.stringify(result, null, 2));
  writeFileSync(join(dir, 'page.log'), result.log.join('\n') + (result.log.length ? '\n' : ''));
}

// What the pages say is most of what one needs to understand a failing scenario.
let pageCount = 0;
function watch(page) {
  const id = ++pageCount;
  const tag = `[page ${id}]`;
  page.on('console', (m) => {
    const where = m.location()?.url ? ` (${m.location().url}:${m.location().lineNumber})` : '';
    result.log.push(`${tag} console.${m.type()}: ${m.text()}${where}`);
  });
  page.on('pageerror', (e) => result.log.push(`${tag} pageerror: ${e.stack ?? e.message}`));
  page.on('requestfailed', (r) =>
    result.log.push(`${tag} requestfailed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) result.log.push(`${tag} HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) result.log.push(`${tag} navigated: ${f.url()}`);
  });
}

let browser;
let exitCode = 1;
try {
  browser = await chromium.launch({
    executablePath: config.chromium,
    // Playwright starts Chromium with --headless (the new headless mode, which Debian's build
    // has) and a fresh temporary --user-data-dir that it deletes on close.
    headless: true,
    args: config.chromiumArgs,
    timeout: config.launchTimeoutMs,
  });
} catch (e) {
  result.error = errorOf(e);
  write();
  console.error(`browser did not launch: ${e.stack ?? e}`);
  process.exit(3);
}
result.launchMs = Date.now() - startedAt;
result.phase = 'scenario';

const context = await browser.newContext({ viewport: config.viewport });
context.setDefaultTimeout(config.actionTimeoutMs);
context.setDefaultNavigationTimeout(config.actionTimeoutMs);
context.on('page', watch);
const page = await context.newPage();

// A cross-site form POST, as a forging page would send it: from a blank page (opaque origin, so
// the request carries "Origin: null" and no SameSite=Lax/Strict cookies), through the browser's
// own form submission. Resolves to { status, url, page } of the response to the POST itself.
async function forgeFormPost(action, fields = {}, options = {}) {
  const target = options.page ?? (await context.newPage());
  const escape = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`)
    .join('');
  await target.setContent(`<form id="forged" method="post" action="${escape(action)}">${inputs}</form>`);
  const url = new URL(action).href;
  const response = target.waitForResponse((r) => r.request().method() === 'POST' && r.url() === url);
  await target.evaluate(() => document.getElementById('forged').submit());
  const r = await response;
  await target.waitForLoadState();
  return { status: r.status(), url: r.url(), page: target };
}

const scenarioStart = Date.now();
try {
  const scenario = (await import(pathToFileURL(join(dir, 'scenario.mjs')).href)).default;
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`scenario did not finish in ${config.scenarioTimeoutMs} ms`)),
      config.scenarioTimeoutMs,
    );
  });
  try {
    await Promise.race([
      scenario({ page, context, browser, params: config.params, out: result.out, artifact, forgeFormPost }),
      limit,
    ]);
  } finally {
    clearTimeout(timer);
  }
  result.ok = true;
  exitCode = 0;
} catch (e) {
  result.error = e instanceof SyntaxError ? syntaxErrorOf(e, join(dir, 'scenario.mjs')) : errorOf(e);
  let n = 0;
  for (const p of context.pages()) {
    const file = artifact(n === 0 ? 'failure.png' : `failure-${n + 1}.png`);
    n++;
    try {
      await p.screenshot({ path: file, fullPage: true, timeout: 5000 });
      result.failureScreenshots.push(file);
      result.log.push(`failure screenshot of ${p.url()}: ${file}`);
    } catch (se) {
      result.log.push(`no failure screenshot of ${p.url()}: ${se.message}`);
    }
  }
} finally {
  result.scenarioMs = Date.now() - scenarioStart;
  write();
  await browser.close().catch(() => {});
}
process.exit(exitCode);
