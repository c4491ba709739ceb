import { logRefusal } from '../cors.logger.js';
import type { ActualDecision } from '../engine/index.js';
import type { RoutePolicy } from '../policy-table/policy-table.js';
import {
  CORS_STATE,
  writeCorsHeaders,
  type HttpRequest,
  type ResponseAccess,
} from './http-access.js';

/**
 * Puts an actual-request decision on the response and remembers it on the
 * request, so that the interceptor can tell whether its policy was applied.
 */
export function applyActualDecision(
  debug: boolean,
  access: ResponseAccess,
  route: RoutePolicy,
  decision: ActualDecision,
  request: HttpRequest,
  response: unknown,
): void {
  if (decision.outcome === 'refused')
    logRefusal(debug, 'request', decision.refusal, route.location);
  writeCorsHeaders(
    access,
    response,
    decision.outcome === 'allowed' ? decision.headers : [],
    decision.vary,
  );
  request[CORS_STATE] = { policy: route.policy, decision };
}
