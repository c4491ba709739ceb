import { logRefusal } from '../cors.logger.js';
import type { ActualDecision, HeaderPair } from '../engine/index.js';
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

/** A refusal's answer: no Access-Control-Allow-Origin and the like goes out, whoever set it. */
const REFUSAL: readonly HeaderPair[] = [];

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
        ? REFUSAL
        : undefined;
  writeActualHeaders(access, response, answer, decision.vary);
}
