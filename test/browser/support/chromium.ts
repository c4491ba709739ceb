import { chromium, type Browser } from 'playwright-core';
import {
  CHROMIUM_FLAGS,
  CHROMIUM_PATH,
  HOW_TO_INSTALL,
  chromiumProblem,
} from '../../../scripts/chromium.mjs';

/** Host names that resolve to this machine, so test origins look like real sites. */
export const HOST_RESOLVER_RULES = 'MAP *.example.test 127.0.0.1, MAP *.evil.test 127.0.0.1';

/** The project's headless flags plus the fake host names. */
export const CHROMIUM_ARGS = [...CHROMIUM_FLAGS, `--host-resolver-rules=${HOST_RESOLVER_RULES}`];

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
