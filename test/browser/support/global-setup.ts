import { accessSync, constants } from 'node:fs';

/**
 * Runs once before the browser suite: without Chromium, one clear message
 * instead of every test failing with it. The suite never skips, in CI or not.
 * Self-contained: jest loads it outside the ESM test runtime, where the
 * `./x.js` -> `./x.ts` mapping of the tests does not apply (chromium.ts has the
 * same check for when a test file runs alone).
 */
export default function globalSetup(): void {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  try {
    accessSync(path, constants.X_OK);
  } catch {
    const where = process.env.CI === 'true' ? ' (in CI, .ci/run installs it before this step)' : '';
    throw new Error(
      `The browser suite needs Chromium${where}, and there is none at ${path}. ` +
        'Install it with `sudo apt-get install chromium` (Debian, Ubuntu), or set CHROMIUM_PATH ' +
        'to a Chromium or Chrome binary. The suite downloads no browser of its own.',
    );
  }
}
