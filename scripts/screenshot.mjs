// Regenerates docs/demo.png, the screenshot in the README: compiles and starts
// the sample (API and demo page), opens the page in headless Chromium (Debian's
// /usr/bin/chromium, or CHROMIUM_PATH; nothing is downloaded), clicks "Run all"
// and saves the whole page.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, chromiumProblem } from './chromium.mjs';

const OUTPUT = 'docs/demo.png';

/** The preferred port if it is free on 127.0.0.1 (so the picture shows the usual URLs), else any free one. */
function freePort(preferred) {
  const tryListen = (port) =>
    new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const { port: bound } = server.address();
        server.close(() => resolve(bound));
      });
    });
  return tryListen(preferred).catch(() => tryListen(0));
}

/** Resolves with the demo page's URL once the sample has printed it. */
function demoUrlFrom(child) {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /demo page on (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`the sample exited (${code}):\n${output}`)));
  });
}

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.sample.json'], {
  stdio: 'inherit',
});
const apiPort = await freePort(3000);
const demoPort = await freePort(3001);
const sample = spawn(process.execPath, ['.sample-build/sample/main.js'], {
  env: { ...process.env, PORT: String(apiPort), DEMO_ORIGIN: `http://127.0.0.1:${demoPort}` },
  stdio: ['ignore', 'pipe', 'inherit'],
});

let browser;
try {
  const url = await demoUrlFrom(sample);
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  await page.click('#run-all');
  await page.waitForSelector('body[data-state="done"]');
  const summary = await page.textContent('#summary');
  mkdirSync('docs', { recursive: true });
  await page.screenshot({ path: OUTPUT, fullPage: true });
  console.log(`${OUTPUT}: ${url} after "Run all" (${summary})`);
  if (!/(\d+) scenarios run, \1 as expected/.test(summary ?? '')) {
    console.error('Some scenarios did not behave as the page expects: check the screenshot.');
    process.exitCode = 1;
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  const problem = chromiumProblem();
  if (problem !== undefined) console.error(problem);
  process.exitCode = 1;
} finally {
  await browser?.close();
  sample.kill('SIGTERM');
}
