import { Logger } from '@nestjs/common';
import { describeRefusal, printable, type CorsRefusal } from './engine/index.js';

/** One logger for the module, named as users filter it. */
export const corsLogger = new Logger('CorsModule');

/**
 * A refusal is logged at debug, or at log with the module's `debug` option
 * (nothing is logged for allowed requests); an origin function that failed is
 * logged at warn, as a bug to fix. It runs inside handlers and from response
 * events, so a logger that throws is reported, never thrown on: it would turn
 * the answer into a 500, or take the process down.
 */
export function logRefusal(
  debug: boolean,
  kind: 'preflight' | 'request',
  refusal: CorsRefusal,
  location: string,
): void {
  if (!refusalIsLogged(debug, refusal)) return;
  try {
    if (refusal.error !== undefined) {
      corsLogger.warn(`${location}: ${kind} refused because ${describeRefusal(refusal)}`);
    } else if (debug) {
      corsLogger.log(`${location}: ${kind} refused: ${describeRefusal(refusal)}`);
    } else {
      corsLogger.debug(`${location}: ${kind} refused: ${describeRefusal(refusal)}`);
    }
  } catch (error) {
    logFailure('CORS refusal logging', error);
  }
}

/** Logs what failed as an error; if the logger fails at that too, nothing is left to tell. */
export function logFailure(what: string, error: unknown): void {
  try {
    corsLogger.error(`${what} failed: ${printable(error, true)}`);
  } catch {
    // Swallowed on purpose: throwing would break the request it was logged for.
  }
}

/** Whether `logRefusal` writes anything for this refusal. */
export function refusalIsLogged(debug: boolean, refusal: CorsRefusal): boolean {
  return refusal.error !== undefined || debug || Logger.isLevelEnabled('debug');
}
