// Where the project finds Chromium and how it starts it, for the browser suite and the
// screenshot script alike. Debian's package (`apt-get install chromium`); CHROMIUM_PATH
// points elsewhere. Nothing here downloads a browser.
import { accessSync, constants } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Headless flags that work as root in a container; launchers add a fresh --user-data-dir. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-proxy-server',
];

export const HOW_TO_INSTALL =
  'Install it with `sudo apt-get install chromium` (Debian, Ubuntu), or set CHROMIUM_PATH ' +
  'to a Chromium or Chrome binary. Nothing here downloads a browser of its own.';

/** Why Chromium cannot be used, or undefined when the binary is there. */
export function chromiumProblem() {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return undefined;
  } catch {
    return `No Chromium at ${CHROMIUM_PATH}. ${HOW_TO_INSTALL}`;
  }
}
