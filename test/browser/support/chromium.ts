import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Host names that resolve to this machine, so test origins look like real sites. */
export const HOST_RESOLVER_RULES = 'MAP *.example.test 127.0.0.1, MAP *.evil.test 127.0.0.1';

/**
 * Headless flags that work as root in a container, plus the fake host names.
 * Playwright adds a fresh temporary --user-data-dir to every launch.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-proxy-server',
  `--host-resolver-rules=${HOST_RESOLVER_RULES}`,
];

const HOW_TO_INSTALL =
  'Install it with `sudo apt-get install chromium` (Debian, Ubuntu), or set CHROMIUM_PATH ' +
  'to a Chromium or Chrome binary. The browser suite downloads no browser of its own.';

/** Why the browser suite cannot run, or undefined when the Chromium binary is there. */
export function chromiumProblem(): string | undefined {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return undefined;
  } catch {
    return `No Chromium at ${CHROMIUM_PATH}. ${HOW_TO_INSTALL}`;
  }
}

/**
 * Starts headless Chromium. Never skips: without a browser the suite fails with
 * a message saying how to get one (in CI, `.ci/run` installs it first).
 */
export async function launchChromium(): Promise<Browser> {
  const problem = chromiumProblem();
  if (problem !== undefined) throw new Error(problem);
  try {
    return await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
  } catch (error) {
    throw new Error(
      `Chromium at ${CHROMIUM_PATH} did not start: ${(error as Error).message}\n${HOW_TO_INSTALL}`,
      { cause: error },
    );
  }
}
