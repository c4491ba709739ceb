import { chromiumProblem } from '../../../scripts/chromium.mjs';

/**
 * Runs once before the browser suite: without Chromium, one clear message
 * instead of every test failing with it. The suite never skips, in CI or not.
 */
export default function globalSetup(): void {
  const problem = chromiumProblem();
  if (problem === undefined) return;
  const where = process.env.CI === 'true' ? ' (in CI, .ci/run installs it before this step)' : '';
  throw new Error(`The browser suite needs Chromium${where}. ${problem}`);
}
