import {
  decidePreflight,
  describeRefusal,
  type PreflightDecision,
  type PreflightRequest,
  type RoutedMethods,
} from '../engine/index.js';
import type { CorsPolicyTable, RoutePolicy } from '../policy-table/policy-table.js';
import { logRefusal } from '../cors.logger.js';
import {
  CORS_STATE,
  writeCorsHeaders,
  type HttpRequest,
  type ResponseAccess,
} from './http-access.js';

/**
 * Answers a preflight with the policy of the route the real request would
 * reach: same path, same host, the method it names. Several candidates (header
 * versions sharing a path) allow it if any of them does; no route at all means
 * the global policy answers, so the browser goes on to show the real 404.
 */
export function handlePreflight(
  table: CorsPolicyTable,
  access: ResponseAccess,
  request: HttpRequest,
  response: unknown,
  hostname: string,
  continueRequest: () => void,
): void | Promise<void> {
  const { headers } = request;
  const origin = headers.origin as string;
  const preflight: PreflightRequest = {
    origin,
    method: headers['access-control-request-method'] as string,
    headers: headers['access-control-request-headers'],
    privateNetwork: headers['access-control-request-private-network'] === 'true',
  };
  const url = request.originalUrl ?? request.url;
  const slot = table.findSlot(preflight.method, url);
  const candidates = slot === undefined ? [] : table.candidates(slot, hostname);
  const routes = candidates.length > 0 ? candidates : [table.global];
  const routed =
    slot !== undefined && candidates.length > 0
      ? table.routedMethods(slot, hostname, origin)
      : undefined;

  const answer = (decision: PreflightDecision, route: RoutePolicy) => {
    if (decision.outcome === 'refused') {
      logRefusal('preflight', decision.refusal, route.location);
      writeCorsHeaders(access, response, [], decision.vary);
      access.send(
        response,
        decision.status,
        `CORS preflight refused: ${describeRefusal(decision.refusal)}\n`,
      );
      return;
    }
    writeCorsHeaders(access, response, decision.headers, decision.vary);
    if (decision.continue) {
      request[CORS_STATE] = { policy: route.policy, decision: undefined };
      continueRequest();
    } else {
      access.send(response, decision.status);
    }
  };
  return decideFirstAllowed(routes, preflight, request, routed, answer);
}

/** Tries the candidates in order; the first that allows answers, else the first refusal does. */
function decideFirstAllowed(
  routes: readonly RoutePolicy[],
  preflight: PreflightRequest,
  request: HttpRequest,
  routed: RoutedMethods | undefined,
  answer: (decision: PreflightDecision, route: RoutePolicy) => void,
  next = 0,
  firstRefusal?: [PreflightDecision, RoutePolicy],
): void | Promise<void> {
  const route = routes[next];
  const decision = decidePreflight(route.policy, preflight, request, routed);
  const conclude = (settled: PreflightDecision): void | Promise<void> => {
    if (settled.outcome === 'allowed') return answer(settled, route);
    const refusal = firstRefusal ?? [settled, route];
    if (next + 1 < routes.length) {
      return decideFirstAllowed(routes, preflight, request, routed, answer, next + 1, refusal);
    }
    return answer(...refusal);
  };
  return decision instanceof Promise ? decision.then(conclude) : conclude(decision);
}
