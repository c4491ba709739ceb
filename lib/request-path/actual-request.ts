import { logRefusal } from '../cors.logger.js';
import type { ActualDecision } from '../engine/index.js';
import type { RoutePolicy } from '../policy-table/policy-table.js';
import { writeActualHeaders, type HttpAccess } from './http-access.js';

/** Puts an actual-request decision on the response, logging a refusal. */
export function applyActualDecision(
  debug: boolean,
  access: HttpAccess,
  route: RoutePolicy,
  decision: ActualDecision,
  response: unknown,
): void {
  if (decision.outcome === 'refused')
    logRefusal(debug, 'request', decision.refusal, route.location);
  writeActualDecision(access, decision, response);
}

/** Puts an actual-request decision on the response. */
export function writeActualDecision(
  access: HttpAccess,
  decision: ActualDecision,
  response: unknown,
): void {
  writeActualHeaders(
    access,
    response,
    decision.outcome === 'allowed' ? decision.headers : [],
    decision.vary,
  );
}
