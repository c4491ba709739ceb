import { logRefusal } from '../cors.logger.js';
import type { ActualDecision } from '../engine/index.js';
import type { RoutePolicy } from '../policy-table/policy-table.js';
import { REFUSED_ANSWER, writeDecisionHeaders, type HttpAccess } from './http-access.js';

/** Puts an actual-request decision on the response, logging a refusal. */
export function applyActualDecision(
  debug: boolean,
  access: HttpAccess,
  route: RoutePolicy,
  decision: ActualDecision,
  response: unknown,
): void {
  logActualRefusal(debug, route, decision);
  writeActualDecision(access, decision, response);
}

/** Logs an actual-request decision if it is a refusal, naming the route whose policy made it. */
export function logActualRefusal(
  debug: boolean,
  route: RoutePolicy,
  decision: ActualDecision,
): void {
  if (decision.outcome === 'refused')
    logRefusal(debug, 'request', decision.refusal, route.location);
}

/** Puts an actual-request decision on the response. */
export function writeActualDecision(
  access: HttpAccess,
  decision: ActualDecision,
  response: unknown,
): void {
  const answer =
    decision.outcome === 'allowed'
      ? decision.headers
      : decision.outcome === 'refused'
        ? REFUSED_ANSWER
        : undefined;
  writeDecisionHeaders(access, response, answer, decision.vary);
}
