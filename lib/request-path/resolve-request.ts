import {
  decideActual,
  decidePreflight,
  VARY_ACTUAL,
  type ActualDecision,
  type PreflightDecision,
  type PreflightRequest,
} from '../engine/index.js';
import type {
  Alternatives,
  CorsPolicyTable,
  RequestedPath,
  RoutePolicy,
} from '../policy-table/policy-table.js';

/** A decision and the route whose policy made it. */
export interface Resolved<D> {
  readonly route: RoutePolicy;
  readonly decision: D;
}

/**
 * An actual-request decision; `provisional` when the handler that serves the
 * request may have another policy (see `Alternatives.provisional`).
 */
export interface ResolvedActual extends Resolved<ActualDecision> {
  readonly provisional: boolean;
}

/** Where a request goes: enough to find its route (`host` is read only for host-bound routes). */
export type RequestTarget = RequestedPath;

/**
 * Decides a preflight with the policy of the route the real request would
 * reach: same path, same host, the method it names. Several candidates (header
 * versions sharing a path) allow it if any of them the request can reach does;
 * no route at all means the global policy answers, so the browser goes on to
 * show the real 404.
 */
export function resolvePreflight(
  table: CorsPolicyTable,
  target: RequestTarget,
  preflight: PreflightRequest,
  request: unknown,
): Resolved<PreflightDecision> | Promise<Resolved<PreflightDecision>> {
  const slot = table.findSlot(preflight.method, target.url);
  const candidates =
    slot === undefined ? [] : table.preflightCandidates(slot, target, preflight.method);
  if (slot === undefined || candidates.length === 0) {
    return settle(
      table.global,
      decidePreflight(table.global.policy, preflight, request, table.unroutedMethods),
    );
  }
  const routed = table.routedMethods(slot);
  if (candidates.length === 1) {
    return settle(candidates[0], decidePreflight(candidates[0].policy, preflight, request, routed));
  }
  const tryFrom = (
    next: number,
    firstRefusal?: Resolved<PreflightDecision>,
  ): Resolved<PreflightDecision> | Promise<Resolved<PreflightDecision>> => {
    const route = candidates[next];
    const conclude = (decision: PreflightDecision) => {
      if (decision.outcome === 'allowed') return { route, decision };
      const refusal = firstRefusal ?? { route, decision };
      return next + 1 < candidates.length ? tryFrom(next + 1, refusal) : refusal;
    };
    const decision = decidePreflight(route.policy, preflight, request, routed);
    return decision instanceof Promise ? decision.then(conclude) : conclude(decision);
  };
  return tryFrom(0);
}

/** The routes that may serve a request, if a route's path and method match it. */
function alternativesFor(
  table: CorsPolicyTable,
  target: RequestTarget & { readonly method: string },
): Alternatives | undefined {
  const slot = table.findSlot(target.method, target.url);
  return slot === undefined ? undefined : table.candidates(slot, target);
}

function routesOrGlobal(
  table: CorsPolicyTable,
  alternatives: Alternatives | undefined,
): readonly RoutePolicy[] {
  return alternatives !== undefined && alternatives.all.length > 0
    ? alternatives.all
    : table.globalAlone;
}

/** A request handed on, without Origin: the route that serves it may answer by Origin. */
const HANDED_ON_WITHOUT_ORIGIN: ActualDecision = Object.freeze({
  outcome: 'not-cors',
  vary: VARY_ACTUAL,
});

/**
 * What a request without Origin gets, which is no CORS request: its route's
 * `notCorsAnswer`. That is no CORS headers, but `Vary: Origin` where the
 * route answers by Origin, so that a cache does not hand this answer to a
 * request with one; or, where the route allows any origin, its `*` answer,
 * which a cache may hand to any request. Where the request may be handed on,
 * the route that serves it is not known yet, and nothing is left for its
 * handler to correct: no headers, and `Vary: Origin`.
 */
export function decideWithoutOrigin(
  table: CorsPolicyTable,
  target: RequestTarget & { readonly method: string },
): ActualDecision {
  const alternatives = alternativesFor(table, target);
  // Several routes are alternatives only where the request may be handed on.
  return alternatives?.provisional
    ? HANDED_ON_WITHOUT_ORIGIN
    : routesOrGlobal(table, alternatives)[0].policy.notCorsAnswer;
}

/** The routes that may serve a request (several only for versions sharing a path), or the global policy. */
export function candidateRoutes(
  table: CorsPolicyTable,
  target: RequestTarget & { readonly method: string },
): readonly RoutePolicy[] {
  return routesOrGlobal(table, alternativesFor(table, target));
}

/**
 * Decides an actual request before its handler is known. Of several candidate
 * routes (versions sharing a path) it is allowed only if every one allows it:
 * until the handler that serves the request announces itself, a middleware's
 * error must not carry an origin that handler's own policy would refuse.
 */
export function resolveActual(
  table: CorsPolicyTable,
  target: RequestTarget & { readonly method: string },
  origin: string,
  request: unknown,
): ResolvedActual | Promise<ResolvedActual> {
  const alternatives = alternativesFor(table, target);
  const provisional = alternatives?.provisional ?? false;
  const routes = routesOrGlobal(table, alternatives);
  if (routes.length === 1) {
    const [route] = routes;
    const decision = decideActual(route.policy, origin, request);
    return decision instanceof Promise
      ? decision.then((settled) => ({ route, decision: settled, provisional }))
      : { route, decision, provisional };
  }
  const decisions = routes.map((route) => decideActual(route.policy, origin, request));
  const pick = (settled: readonly ActualDecision[]): ResolvedActual => {
    const refused = settled.findIndex((decision) => decision.outcome !== 'allowed');
    const at = refused < 0 ? 0 : refused;
    return { route: routes[at], decision: settled[at], provisional };
  };
  return decisions.some((decision) => decision instanceof Promise)
    ? Promise.all(decisions).then(pick)
    : pick(decisions as ActualDecision[]);
}

function settle<D>(
  route: RoutePolicy,
  decision: D | Promise<D>,
): Resolved<D> | Promise<Resolved<D>> {
  return decision instanceof Promise
    ? decision.then((settled) => ({ route, decision: settled }))
    : { route, decision };
}
