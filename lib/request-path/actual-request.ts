import { logRefusal } from '../cors.logger.js';
import { decideActual, type ActualDecision } from '../engine/index.js';
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
  access: ResponseAccess,
  route: RoutePolicy,
  decision: ActualDecision,
  request: HttpRequest,
  response: unknown,
): void {
  if (decision.outcome === 'refused') logRefusal('request', decision.refusal, route.location);
  writeCorsHeaders(
    access,
    response,
    decision.outcome === 'allowed' ? decision.headers : [],
    decision.vary,
  );
  request[CORS_STATE] = { policy: route.policy, decision };
}

type Decided = readonly [RoutePolicy, ActualDecision];

/**
 * Decides an actual request that any of several routes may serve (versions
 * sharing a path; the handler is not known yet). Allowed only if every one of
 * them allows it: until the interceptor knows the handler, a guard's 401 must
 * not carry an origin that the handler's own policy would refuse.
 */
export function decideForAll(
  routes: readonly RoutePolicy[],
  origin: string,
  request: HttpRequest,
): Decided | Promise<Decided> {
  if (routes.length === 1) {
    const [route] = routes;
    const decision = decideActual(route.policy, origin, request);
    return decision instanceof Promise
      ? decision.then((settled) => [route, settled] as const)
      : [route, decision];
  }
  const decisions = routes.map((route) => decideActual(route.policy, origin, request));
  const pick = (settled: readonly ActualDecision[]): Decided => {
    const refused = settled.findIndex((decision) => decision.outcome !== 'allowed');
    const at = refused < 0 ? 0 : refused;
    return [routes[at], settled[at]];
  };
  return decisions.some((decision) => decision instanceof Promise)
    ? Promise.all(decisions).then(pick)
    : pick(decisions as ActualDecision[]);
}
