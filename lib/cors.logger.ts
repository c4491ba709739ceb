import { Logger } from '@nestjs/common';
import { describeRefusal, type CorsRefusal } from './engine/index.js';

/** One logger for the module, named as users filter it. */
export const corsLogger = new Logger('CorsModule');

/**
 * A refusal is logged at debug, or at log with the module's `debug` option
 * (nothing is logged for allowed requests); an origin function that failed is
 * logged at warn, as a bug to fix.
 */
export function logRefusal(
  debug: boolean,
  kind: 'preflight' | 'request',
  refusal: CorsRefusal,
  location: string,
): void {
  if (!refusalIsLogged(debug, refusal)) return;
  if (refusal.error !== undefined) {
    corsLogger.warn(`${location}: ${kind} refused because ${describeRefusal(refusal)}`);
  } else if (debug) {
    corsLogger.log(`${location}: ${kind} refused: ${describeRefusal(refusal)}`);
  } else {
    corsLogger.debug(`${location}: ${kind} refused: ${describeRefusal(refusal)}`);
  }
}

/** Whether `logRefusal` writes anything for this refusal. */
export function refusalIsLogged(debug: boolean, refusal: CorsRefusal): boolean {
  return refusal.error !== undefined || debug || Logger.isLevelEnabled('debug');
}
